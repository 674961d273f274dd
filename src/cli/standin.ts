import type { Command } from 'commander';
import type { Register } from './register.js';
import { visible } from './io.js';
import { isLoopback, sleep } from '../safety.js';
import { CrumpleError, badInput, describeError } from '../errors.js';
import { formatMs, parseDuration } from '../units.js';
import { DEFAULT_FOR_MS, MAX_FOR_MS } from './toxic.js';
import { describeFault, faultBodySchema } from '../faults/fault.js';
import { pairsToObject } from '../gameday/written.js';


interface Common {
  control?: string;
  token?: string;
  allowHost?: boolean;
  json?: boolean;
}

/** `--param a.b=3` → {a: {b: 3}}; values are JSON when they parse, strings otherwise. */
export const parseParamFlags = (flags: readonly string[], base: Record<string, unknown> = {}): Record<string, unknown> => pairsToObject(flags, '--param', base);

function controlUrl(o: Common): URL {
  const raw = o.control ?? process.env.CRUMPLE_CONTROL;
  if (!raw) throw badInput('--control: give the control API URL that `crumple serve` printed (or set CRUMPLE_CONTROL)');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw badInput(`--control: '${raw}' is not a URL (like http://127.0.0.1:4000)`);
  }
  if (u.protocol !== 'http:') throw badInput(`--control: expected an http:// URL, got '${raw}'`);
  if (!isLoopback(u.hostname) && !o.allowHost) {
    throw new CrumpleError('HOST_NOT_ALLOWED', `--control ${u.hostname} is not a loopback address; pass --allow-host to drive it anyway`);
  }
  return u;
}

async function call(o: Common, method: string, path: string, body?: unknown): Promise<unknown> {
  const base = controlUrl(o);
  const token = o.token ?? process.env.CRUMPLE_TOKEN;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(new URL(path, base), {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    // fetch says only "fetch failed"; the reason is its cause (ECONNREFUSED, or "bad port" for ports fetch blocks).
    const c = (e as { cause?: { code?: string; message?: string } }).cause;
    const cause = c?.code ?? c?.message ?? (e as Error).message;
    throw new CrumpleError('HARNESS_FAILED', `cannot reach the control API at ${base.origin} (${cause}); is \`crumple serve\` running?`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CrumpleError('HARNESS_FAILED', `${base.origin} answered ${res.status} with non-JSON; is it a crumple control API?`);
  }
  if (!res.ok) {
    const j = json as { error?: string; details?: string[]; known?: string[] };
    const msg = j.error ?? `status ${res.status}`;
    const details = [...(j.details ?? []), ...(j.known ? [`known stand-ins: ${j.known.join(', ')}`] : [])];
    if (res.status === 404) throw new CrumpleError('NOT_FOUND', msg, { details });
    throw new CrumpleError('BAD_INPUT', msg, { details });
  }
  return json;
}

interface Row {
  name: string;
  protocol: string;
  port: number;
  behaviour: string;
  params: unknown;
  open: number;
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd() + '\n';
  return line(head) + rows.map(line).join('');
}

const compact = (v: unknown) => JSON.stringify(v);

interface LogView {
  name: string;
  capacity: number;
  dropped: number;
  connections: {
    conn: number;
    acceptedAt: number;
    behaviour: string;
    requestCount: number;
    requests: { t: number; method: string; path: string; behaviour: string; status?: number; responseEnd?: number }[];
    closedAt?: number;
    closedBy?: string;
    pendingAtClose?: boolean;
    pendingSince?: number;
    bytesIn: number;
    bytesOut: number;
    error?: string;
  }[];
}

function printLog(log: LogView): string {
  const t0 = log.connections[0]?.acceptedAt ?? 0;
  const rel = (t: number) => `+${formatMs(t - t0)}`;
  const rows = log.connections.map((c) => {
    const last = c.requests[c.requests.length - 1];
    const closed = c.closedAt === undefined ? 'open' : `${c.closedBy} after ${formatMs(c.closedAt - c.acceptedAt)}`;
    const waited = c.pendingAtClose && c.pendingSince !== undefined && c.closedAt !== undefined ? `waited ${formatMs(c.closedAt - c.pendingSince)}` : '';
    return [
      String(c.conn),
      rel(c.acceptedAt),
      String(c.requestCount),
      last ? `${last.method} ${last.path} → ${last.behaviour}${last.status !== undefined ? ` ${last.status}` : ''}` : '-',
      closed,
      [waited, c.error ?? ''].filter(Boolean).join(' '),
    ];
  });
  let out = `${log.name}: ${log.connections.length} connection(s) (log keeps the last ${log.capacity}; ${log.dropped} dropped)\n`;
  out += table(['conn', 'accepted', 'requests', 'last request', 'closed', 'note'], rows);
  return out;
}

/** `crumple standin`: drive a running `crumple serve` through its control API (game days). */
/** A game-day switch is always bounded, like `crumple toxic add`. */
function forDuration(v: string): number {
  const ms = parseDuration(v);
  if (typeof ms === 'string') throw badInput(`--for: ${ms}`);
  if (ms <= 0) throw badInput(`--for: must be longer than 0, got '${v}'`);
  if (ms > MAX_FOR_MS) throw badInput(`--for: at most ${formatMs(MAX_FOR_MS)} (a game-day switch is always bounded), got '${v}'`);
  return ms;
}

const register: Register = (program, io, exit) => {
  const standin = program.command('standin').description('list, read, switch and reset stand-ins of a running `crumple serve`');
  const common = (c: Command) =>
    c
      .option('--control <url>', 'control API URL printed by `crumple serve` (or CRUMPLE_CONTROL)')
      .option('--token <token>', 'bearer token (or CRUMPLE_TOKEN)')
      .option('--allow-host', 'allow a non-loopback control URL')
      .option('--json', 'print the control API\'s JSON')
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(visible(s)) });

  common(standin.command('list').description('every stand-in with its port and behaviour')).action(async (o: Common) => {
    const rows = (await call(o, 'GET', '/standins')) as Row[];
    if (o.json) return io.out(JSON.stringify(rows, null, 2) + '\n');
    io.out(table(['stand-in', 'protocol', 'port', 'behaviour', 'open', 'params'], rows.map((r) => [r.name, r.protocol, String(r.port), r.behaviour, String(r.open), compact(r.params)])));
  });

  common(standin.command('get').argument('<name>').description('one stand-in: behaviour and params')).action(async (name: string, o: Common) => {
    const r = (await call(o, 'GET', `/standins/${encodeURIComponent(name)}`)) as Row & { url: string };
    if (o.json) return io.out(JSON.stringify(r, null, 2) + '\n');
    io.out(`${r.name} (${r.url}): ${r.behaviour} ${compact(r.params)}, ${r.open} open connection(s)\n`);
  });

  common(
    standin
      .command('set')
      .argument('<name>')
      .argument('<behaviour>')
      .description('switch a stand-in\'s behaviour, e.g. set inventory slow --param delay=2s')
      .option('--param <k=v>', 'a param (repeatable; a.b=v nests; values parse as JSON when they can)', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--params <json>', 'all params as one JSON object')
      .option('--for <duration>', `how long the switch stays before the previous behaviour comes back (default ${formatMs(DEFAULT_FOR_MS)}, at most ${formatMs(MAX_FOR_MS)})`, '60s'),
  ).action(async (name: string, behaviour: string, o: Common & { param: string[]; params?: string; for: string }) => {
    const forMs = forDuration(o.for);
    let base: Record<string, unknown> = {};
    if (o.params !== undefined) {
      let v: unknown;
      try {
        v = JSON.parse(o.params);
      } catch (e) {
        throw badInput(`--params: not valid JSON (${(e as Error).message})`);
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badInput('--params: expected a JSON object');
      base = v as Record<string, unknown>;
    }
    const params = parseParamFlags(o.param, base);
    // The one fault schema checks the name and params before anything is switched.
    const checked = faultBodySchema.safeParse({ behaviour, params });
    if (!checked.success) {
      const i = checked.error.issues[0]!;
      const field = i.path.join('.');
      throw badInput(`${field === 'behaviour' ? '<behaviour>' : field.startsWith('params') ? `--param ${field.slice(7) || ''}`.trim() : field}: ${i.message}`);
    }
    const path = `/standins/${encodeURIComponent(name)}`;
    const before = (await call(o, 'GET', path)) as Row;
    const started = Date.now();
    const r = (await call(o, 'PUT', `${path}/behaviour`, { behaviour, params })) as Row;
    // From here on the previous behaviour comes back whatever happens: expiry, Ctrl-C or SIGTERM.
    try {
      if (o.json) io.out(JSON.stringify(r, null, 2) + '\n');
      else io.out(`${r.name}: now ${describeFault({ behaviour: r.behaviour as never, params: r.params })}; back to ${before.behaviour} in ${formatMs(forMs)} (Ctrl-C restores it now)\n`);
      await sleep(forMs, io.signal);
    } finally {
      const elapsed = formatMs(Date.now() - started);
      try {
        const back = (await call(o, 'PUT', `${path}/behaviour`, { behaviour: before.behaviour, params: before.params })) as Row;
        const line = `${back.name}: back to ${back.behaviour} ${compact(back.params)} after ${elapsed}${io.signal.aborted ? ' (interrupted)' : ''}\n`;
        if (o.json) io.err(line);
        else io.out(line);
      } catch (e) {
        io.err(`crumple standin: could not restore ${name} to ${before.behaviour} ${compact(before.params)}: ${describeError(e)}\n`);
        exit.code = 2;
      }
    }
  });

  common(
    standin
      .command('log')
      .argument('<name>')
      .description('what clients did to a stand-in: connections, requests, who closed and when')
      .option('--limit <n>', 'only the last n connections', '50'),
  ).action(async (name: string, o: Common & { limit: string }) => {
    if (!/^\d+$/.test(o.limit)) throw badInput(`--limit: '${o.limit}' is not a non-negative integer`);
    const log = (await call(o, 'GET', `/standins/${encodeURIComponent(name)}/log?limit=${o.limit}`)) as LogView;
    if (o.json) return io.out(JSON.stringify(log, null, 2) + '\n');
    io.out(printLog(log));
  });

  common(
    standin
      .command('reset')
      .argument('[name]')
      .option('--all', 'every stand-in of that `crumple serve`')
      .description('back to the starting behaviour, log cleared (one stand-in, or --all)'),
  ).action(async (name: string | undefined, o: Common & { all?: boolean }) => {
    if (name === undefined && !o.all) throw badInput('standin reset: name a stand-in, or pass --all');
    if (name !== undefined && o.all) throw badInput('standin reset: give a name or --all, not both');
    const names = name !== undefined ? [name] : ((await call(o, 'GET', '/standins')) as Row[]).map((x) => x.name);
    const rows: Row[] = [];
    for (const n of names) rows.push((await call(o, 'POST', `/standins/${encodeURIComponent(n)}/reset`)) as Row);
    if (o.json) return io.out(JSON.stringify(o.all ? rows : rows[0], null, 2) + '\n');
    for (const r of rows) io.out(`${r.name}: reset to ${r.behaviour}, log cleared\n`);
  });
};
export default register;
