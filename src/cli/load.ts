import type { Command } from 'commander';
import type { Register } from './register.js';
import type { Io } from './io.js';
import { badInput } from '../errors.js';
import { parseDuration, parseRate } from '../units.js';
import { loadShapes, parseBaseUrl, startLoad, type LoadSummary } from '../load/index.js';
import { formatLoadSummary } from '../load/format.js';
import type { TimelineEvent } from '../timeline/events.js';

export const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** Flag values to numbers, each error naming its flag (exit 2). */
export function flagRate(flag: string, v: string): number {
  const r = parseRate(/^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v);
  if (typeof r === 'string') throw badInput(`${flag}: ${r}`);
  return r;
}
export function flagMs(flag: string, v: string): number {
  const r = parseDuration(v);
  if (typeof r === 'string') throw badInput(`${flag}: ${r}`);
  return r;
}
export function flagInt(flag: string, v: string, min: number, max: number): number {
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < min || Number(v) > max) throw badInput(`${flag}: '${v}' must be a whole number from ${min} to ${max}`);
  return Number(v);
}
export function flagHeaders(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf(':');
    if (i <= 0) throw badInput(`--header: '${h}' must look like name:value`);
    out[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return out;
}

/** Splits a URL into the target (origin) and the request path, validating both. */
export function splitUrl(raw: string, allowHosts: string[]): { base: string; path: string } {
  const url = parseBaseUrl(raw, allowHosts);
  return { base: url.origin, path: url.pathname + url.search };
}

/** Adds the options load and dogpile share. */
export function requestOptions(cmd: Command): Command {
  return cmd
    .option('--method <method>', 'HTTP method', 'GET')
    .option('--header <name:value>', 'request header (repeatable)', collect, [])
    .option('--body <text>', 'request body')
    .option('--timeout <duration>', 'per-request timeout, connect included', '10s')
    .option('--allow-host <host>', 'allow a non-loopback target host (repeatable)', collect, [])
    .option('--json', 'print one JSON object (the LoadSummary) instead of text');
}

/** The flag a load entry's field came from: stepFor → --step-for, limits.p99 → --limit-p99, findLimit.upTo → --find-limit. */
function flagOf(path: readonly PropertyKey[]): string {
  const [a, b] = path.map(String);
  if (a === 'n') return '-n';
  if (a === 'path') return 'the URL';
  if (a === 'headers') return '--header';
  if (a === 'limits' && b) return `--limit-${b}`;
  if (a === 'findLimit') return '--find-limit';
  return `--${(a ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Checks the entry the flags make with its shape's own schema first, so a value out of range is
 * told by its flag (`--duration: ...`), not by the entry's field path.
 */
function checkEntry(entry: { shape: string } & Record<string, unknown>): void {
  const { shape, ...rest } = entry;
  const r = (loadShapes[shape]?.spec as { safeParse?: (v: unknown) => { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } } | undefined)?.safeParse?.(rest);
  const issue = r && !r.success ? r.error?.issues[0] : undefined;
  if (issue) throw badInput(`${flagOf(issue.path)}: ${issue.message}`);
}

/** Runs a load with a progress line on a terminal, then prints the summary. */
export async function runWithProgress(io: Io, name: string, entry: { shape: string } & Record<string, unknown>, base: string, allowHosts: string[], json: boolean): Promise<LoadSummary> {
  checkEntry(entry);
  let requests = 0;
  let errors = 0;
  const t0 = Date.now();
  const sink = (e: TimelineEvent) => {
    if (e.kind === 'response' || (e.kind === 'ws' && (e.action === 'connect' || e.action === 'connect-failed'))) {
      requests += 1;
      if (e.error) errors += 1;
    }
  };
  const { done } = startLoad(name, entry, { baseUrl: base, sink, signal: io.signal, allowHosts });
  const progress = io.isTTY && !json ? setInterval(() => {
    const s = (Date.now() - t0) / 1000;
    io.err(`\r  ${s.toFixed(1)} s  ${requests.toLocaleString('en-US')} requests  ${(requests / Math.max(s, 0.001)).toFixed(0)}/s  errors ${errors}   `);
  }, 250) : undefined;
  try {
    return await done;
  } finally {
    if (progress) {
      clearInterval(progress);
      io.err('\r\x1b[K');
    }
  }
}

const register: Register = (program, io, exit) => {
  requestOptions(
    program
      .command('load')
      .description('send steady HTTP load to a URL and summarise throughput, latency, statuses and errors')
      .argument('<url>', 'target URL (loopback unless --allow-host)')
      .option('--rate <rate>', 'requests per second, e.g. 500 or 500/s (default: as fast as --connections allow)')
      .option('--duration <duration>', 'how long, e.g. 30s (steady; default 10s)')
      .option('--connections <n>', 'connections (closed loop: kept busy; with --rate: most in flight)')
      .option('--count <n>', 'stop after this many requests')
      .option('--engine <engine>', 'raw (crumple\'s own client, default) or autocannon')
      .option('--shape <shape>', 'steady (default) or ramp: a rate rising in steps, reporting the capacity', 'steady')
      .option('--from <rate>', 'ramp: first step\'s rate')
      .option('--to <rate>', 'ramp: last step\'s rate')
      .option('--steps <n>', 'ramp: steps from --from to --to, both included', '5')
      .option('--step-for <duration>', 'ramp: how long each step holds its rate', '5s')
      .option('--limit-p99 <duration>', 'ramp: a step whose p99 is above this is past capacity')
      .option('--limit-errors <fraction>', 'ramp: a step with more errors than this (0.01 or 1%) is past capacity'),
  ).action(async (rawUrl: string, o: Record<string, unknown>) => {
    const allow = o.allowHost as string[];
    const { base, path } = splitUrl(rawUrl, allow);
    if (o.shape !== 'steady' && o.shape !== 'ramp') throw badInput(`--shape: '${String(o.shape)}' is not a shape crumple load drives (steady or ramp; for bursts use crumple dogpile)`);
    const entry: { shape: string } & Record<string, unknown> = {
      shape: o.shape,
      path,
      method: o.method,
      headers: flagHeaders(o.header as string[]),
      timeout: flagMs('--timeout', o.timeout as string),
    };
    if (o.shape === 'ramp') {
      for (const f of ['rate', 'duration', 'engine'] as const) {
        if (o[f] !== undefined) throw badInput(`--${f}: not for --shape ramp (it takes --from, --to, --steps, --step-for)`);
      }
      if (o.from === undefined || o.to === undefined) throw badInput('--shape ramp needs --from and --to (rates, e.g. --from 50/s --to 500/s)');
      entry.from = flagRate('--from', o.from as string);
      entry.to = flagRate('--to', o.to as string);
      entry.steps = flagInt('--steps', o.steps as string, 2, 100);
      entry.stepFor = flagMs('--step-for', o.stepFor as string);
      const limits: Record<string, unknown> = {};
      if (o.limitP99 !== undefined) limits.p99 = flagMs('--limit-p99', o.limitP99 as string);
      if (o.limitErrors !== undefined) limits.errors = /%\s*$/.test(o.limitErrors as string) ? o.limitErrors : Number(o.limitErrors);
      entry.limits = limits;
      if (o.connections !== undefined) entry.connections = flagInt('--connections', o.connections as string, 1, 10_000);
      if (o.count !== undefined) entry.count = flagInt('--count', o.count as string, 1, 100_000_000);
      if (o.body !== undefined) entry.body = o.body;
      if (!/^[A-Za-z]+$/.test(o.method as string)) throw badInput(`--method: '${String(o.method)}' is not an HTTP method`);
      const s = await runWithProgress(io, 'load', entry, base, allow, Boolean(o.json));
      io.out(o.json ? JSON.stringify(s) + '\n' : formatLoadSummary(s, rawUrl));
      exit.code = 0;
      return;
    }
    entry.duration = flagMs('--duration', (o.duration as string | undefined) ?? '10s');
    if (o.rate !== undefined) entry.rate = flagRate('--rate', o.rate as string);
    if (o.connections !== undefined) entry.connections = flagInt('--connections', o.connections as string, 1, 10_000);
    if (o.count !== undefined) entry.count = flagInt('--count', o.count as string, 1, 100_000_000);
    if (o.body !== undefined) entry.body = o.body;
    if (o.engine !== undefined) {
      if (o.engine !== 'raw' && o.engine !== 'autocannon') throw badInput(`--engine: '${String(o.engine)}' is not an engine (raw or autocannon)`);
      entry.engine = o.engine;
    }
    if (!/^[A-Za-z]+$/.test(o.method as string)) throw badInput(`--method: '${String(o.method)}' is not an HTTP method`);
    if ((entry.timeout as number) < 1 || (entry.timeout as number) > 120_000) throw badInput('--timeout: must be between 1 ms and 2 min');
    const s = await runWithProgress(io, 'load', entry, base, allow, Boolean(o.json));
    io.out(o.json ? JSON.stringify(s) + '\n' : formatLoadSummary(s, rawUrl));
    exit.code = 0;
  });
};
export default register;
