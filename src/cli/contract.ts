import { connect } from 'node:net';
import { stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Register } from './register.js';
import type { Io } from './io.js';
import { collect, flagHeaders, flagInt, flagMs } from './load.js';
import { badInput, CrumpleError, describeError } from '../errors.js';
import { formatMs } from '../units.js';
import { readContractFile, renderContractFile, writeContractFile } from '../contract/file.js';
import { DEFAULT_LIMITS, describeUpstreamError, startRecording } from '../contract/record.js';
import { assertContractHost, verifyContract } from '../contract/verify.js';
import { renderVerifyJunit, renderVerifyText, summarise } from '../contract/verify-report.js';

export const DEFAULT_RECORD_MS = 10 * 60_000;
export const MAX_RECORD_MS = 8 * 3_600_000;
/** Upstream errors printed one per line; beyond, only counted. */
const MAX_ERROR_LINES = 20;

function httpUrl(flag: string, raw: string, allowHosts: string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badInput(`${flag}: '${raw}' is not a URL (e.g. http://127.0.0.1:4001)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badInput(`${flag}: '${raw}' must be an http:// or https:// URL`);
  if (url.username || url.password) throw badInput(`${flag}: put no credentials in the URL (they would be recorded in shell history and logs); pass --header instead`);
  if (url.search || url.hash) throw badInput(`${flag}: '${raw}' must not have a query or fragment`);
  assertContractHost(url, allowHosts, flag);
  return url;
}

/** Fails fast, in one line, when nothing listens where the upstream should be. */
async function assertReachable(url: URL, flag: string, timeoutMs: number): Promise<void> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  await new Promise<void>((resolve, reject) => {
    const s = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('timeout', () => s.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    s.once('error', (e) => reject(new CrumpleError('BAD_INPUT', `${flag} ${url.origin}: ${describeUpstreamError(e, timeoutMs)}`)));
  });
}

async function assertWritable(file: string, force: boolean): Promise<void> {
  const exists = await stat(file).then(
    (s) => (s.isDirectory() ? 'dir' : 'file'),
    () => undefined,
  );
  if (exists === 'dir') throw badInput(`--out: '${file}' is a directory`);
  if (exists === 'file' && !force) throw badInput(`--out: '${file}' exists (pass --force to overwrite it)`);
  const dir = await stat(dirname(file)).catch(() => undefined);
  if (!dir?.isDirectory()) throw badInput(`--out: folder '${dirname(file)}' does not exist`);
}

interface RecordOpts {
  upstream: string;
  out: string;
  port: string;
  host: string;
  for: string;
  maxEntries: string;
  maxBytes: string;
  allowHost: string[];
  force?: boolean;
  quiet?: boolean;
}

async function record(io: Io, o: RecordOpts): Promise<number> {
  const upstream = httpUrl('--upstream', o.upstream, o.allowHost);
  const forMs = flagMs('--for', o.for);
  if (forMs <= 0 || forMs > MAX_RECORD_MS) throw badInput(`--for: must be more than 0 and at most ${formatMs(MAX_RECORD_MS)}`);
  const port = flagInt('--port', o.port, 0, 65535);
  const maxEntries = flagInt('--max-entries', o.maxEntries, 1, 10_000);
  const maxBytes = flagInt('--max-bytes', o.maxBytes, 1_000, 10_000_000);
  assertContractHost(new URL(`http://${o.host.includes(':') ? `[${o.host}]` : o.host}`), o.allowHost, '--host');
  await assertWritable(o.out, Boolean(o.force));
  await assertReachable(upstream, '--upstream', 5_000);

  let errorLines = 0;
  let stop: (why: string) => void = () => {};
  const stopped = new Promise<string>((r) => (stop = r));
  const rec = await startRecording({
    upstream,
    host: o.host,
    port,
    limits: { maxEntries, maxBytes },
    onExchange: (e) => {
      if (!o.quiet && e.note !== 'seen') io.err(`  ${e.note === 'new' ? '+' : e.note === 'widened' ? '~' : '!'} ${e.route} → ${e.status}${e.note === 'new' || e.note === 'widened' ? '' : `  (${e.note})`}\n`);
    },
    onUpstreamError: (m) => {
      errorLines += 1;
      if (errorLines <= MAX_ERROR_LINES) io.err(`crumple: upstream failed: ${m} (answered 502, not recorded)\n`);
    },
    onLimit: (why) => stop(`limit reached: ${why}`),
  });
  const timer = setTimeout(() => stop(`--for ${o.for} elapsed`), forMs);
  const onAbort = () => stop('interrupted');
  if (io.signal.aborted) onAbort();
  io.signal.addEventListener('abort', onAbort, { once: true });
  io.out(`recording on ${rec.url} → ${upstream.origin}${upstream.pathname === '/' ? '' : upstream.pathname} for ${o.for} (at most ${maxEntries} entries, ${maxBytes} bytes); Ctrl-C writes ${o.out}\n`);
  let why: string;
  try {
    why = await stopped;
  } finally {
    clearTimeout(timer);
    io.signal.removeEventListener('abort', onAbort);
    await rec.close();
  }
  const pairs = rec.pairs();
  const s = rec.stats();
  const text = renderContractFile(o.out, { recorded: { upstream: upstream.origin, at: new Date().toISOString() }, contract: pairs }, [
    `Recorded by crumple contract record from ${upstream.origin}: ${pairs.length} pair(s) from ${s.exchanges} exchange(s).`,
    'Serve it: a scenario dependency `contract: <this file>`. Check it: crumple contract verify <this file> --against URL.',
    'Credentials (Authorization, Cookie, API keys, tokens in query strings) and per-call headers are left out.',
  ]);
  await writeContractFile(o.out, text);
  io.out(
    `wrote ${o.out}: ${pairs.length} entr${pairs.length === 1 ? 'y' : 'ies'} (${Buffer.byteLength(text)} bytes) from ${s.exchanges} exchange${s.exchanges === 1 ? '' : 's'}` +
      `${s.upstreamErrors ? `, ${s.upstreamErrors} upstream error${s.upstreamErrors === 1 ? '' : 's'}` : ''}${s.notRecorded ? `, ${s.notRecorded} not recorded` : ''}; stopped: ${why}\n`,
  );
  return 0;
}

interface VerifyOpts {
  against: string;
  allowWrites?: boolean;
  allowHost: string[];
  header: string[];
  timeout: string;
  latencyFactor: string;
  strict?: boolean;
  junit?: string;
  json?: boolean;
}

async function verify(io: Io, file: string, o: VerifyOpts): Promise<number> {
  const against = httpUrl('--against', o.against, o.allowHost);
  const timeoutMs = flagMs('--timeout', o.timeout);
  if (timeoutMs < 1 || timeoutMs > 120_000) throw badInput('--timeout: must be between 1 ms and 2 min');
  const latencyFactor = Number(o.latencyFactor);
  if (!Number.isFinite(latencyFactor) || latencyFactor < 1 || latencyFactor > 1000) throw badInput(`--latency-factor: '${o.latencyFactor}' must be a number from 1 to 1000`);
  const headers = flagHeaders(o.header);
  const contract = await readContractFile(file);
  const routes = await verifyContract(contract.pairs, { against, allowWrites: Boolean(o.allowWrites), headers, timeoutMs, latencyFactor, signal: io.signal });
  if (io.signal.aborted) throw new CrumpleError('INTERRUPTED', 'contract verify: interrupted');
  const sent = routes.filter((r) => r.sent);
  // The dependency is not there at all: one line, not a table of the same error.
  if (sent.length && sent.every((r) => r.outcome === 'error' && r.reason === sent[0]!.reason)) {
    throw new CrumpleError('BAD_INPUT', `--against ${against.origin}: ${sent[0]!.reason} (no route could be checked)`);
  }
  const summary = summarise(file, against.href.replace(/\/$/, ''), routes, Boolean(o.strict));
  if (o.junit) {
    try {
      await writeFile(o.junit, renderVerifyJunit(summary));
    } catch (e) {
      throw badInput(`--junit: cannot write '${o.junit}': ${describeError(e)}`);
    }
  }
  io.out(o.json ? `${JSON.stringify(summary, null, 2)}\n` : renderVerifyText(summary));
  if (summary.exitCode === 2) io.err(`crumple: ${summary.counts.error} route(s) got no HTTP answer from ${against.origin}\n`);
  return summary.exitCode;
}

/** `crumple contract record|verify`: keeps a stand-in's contract true to the dependency it stands in for. */
const register: Register = (program, io, exit) => {
  const contract = program.command('contract').description('record a contract from a real dependency, or verify a contract against one');
  contract
    .command('record')
    .description('a recording proxy: forwards to --upstream and writes each distinct request → response as a contract pair')
    .requiredOption('--upstream <url>', 'the real dependency (loopback unless --allow-host)')
    .requiredOption('--out <file>', 'contract file to write (.yaml, .yml or .json)')
    .option('--port <port>', 'port to listen on (0: any free port)', '0')
    .option('--host <host>', 'address to listen on (loopback unless --allow-host)', '127.0.0.1')
    .option('--for <duration>', `stop after this long (at most ${formatMs(MAX_RECORD_MS)})`, '10m')
    .option('--max-entries <n>', 'stop after this many contract pairs', String(DEFAULT_LIMITS.maxEntries))
    .option('--max-bytes <n>', 'stop when the pairs reach this size', String(DEFAULT_LIMITS.maxBytes))
    .option('--allow-host <host>', 'allow a non-loopback upstream or listen host (repeatable)', collect, [])
    .option('--force', 'overwrite --out if it exists')
    .option('--quiet', 'no line per new pair')
    .action(async (o: RecordOpts) => {
      exit.code = await record(io, o);
    });
  contract
    .command('verify')
    .description('send each pair\'s request to a real dependency and report drift per route (status, content type, JSON shape, latency)')
    .argument('<file>', 'contract file (YAML or JSON): the one the stand-ins serve')
    .requiredOption('--against <url>', 'the real dependency (loopback unless --allow-host)')
    .option('--allow-writes', 'also send POST, PUT, PATCH and DELETE pairs (default: GET, HEAD, OPTIONS only)')
    .option('--allow-host <host>', 'allow a non-loopback dependency host (repeatable)', collect, [])
    .option('--header <name:value>', 'header sent with every request, e.g. credentials for staging (repeatable; never stored)', collect, [])
    .option('--timeout <duration>', 'per request', '10s')
    .option('--latency-factor <x>', 'slower than x × the recorded latency (+ 50 ms) is reported', '3')
    .option('--strict', 'additive changes (new fields, slower) fail too')
    .option('--junit <file>', 'write JUnit XML (one testcase per route)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, o: VerifyOpts) => {
      exit.code = await verify(io, file, o);
    });
};
export default register;
