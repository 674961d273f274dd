import type { Command } from 'commander';
import { Toxiproxy } from 'toxiproxy-node-client';
import type { Register } from './register.js';
import { assertHostAllowed, isLoopback, sleep } from '../safety.js';
import type { Io } from './io.js';
import { CrumpleError, badInput, describeError } from '../errors.js';
import { parseDuration, formatMs } from '../units.js';
import { NetworkFaults, toxiproxyUrl } from '../faults/network.js';
import { liveChanges } from '../faults/owned.js';
import { describeFault, faultBodySchema, type ToxicSpec } from '../faults/fault.js';
import { getToxic, visibleToxicTypes } from '../proxy/toxics/index.js';

/** A game-day fault is always bounded: this long by default, never longer than the maximum. */
export const DEFAULT_FOR_MS = 60_000;
export const MAX_FOR_MS = 3_600_000;

const defaultUrl = (): string => process.env.TOXIPROXY_URL ?? 'http://127.0.0.1:8474';

interface Common {
  toxiproxy: string;
  for: string;
  upstream?: string;
  listen?: string;
  allowHost?: boolean;
}

/**
 * `crumple toxic`: game-day network faults against crumple's proxy or a real Toxiproxy. Every
 * fault is applied for a bounded time and removed when the time is up, on Ctrl-C or SIGTERM.
 */
const register: Register = (program, io, exit) => {
  const toxic = program
    .command('toxic')
    .description('apply a network fault (a Toxiproxy toxic, or a proxy going down) for a bounded time, then remove it');

  const common = (cmd: Command) =>
    cmd
      .option('--toxiproxy <url>', 'Toxiproxy API (crumple proxy or a real one); env TOXIPROXY_URL', defaultUrl())
      .option('--for <duration>', `how long the fault stays (default ${formatMs(DEFAULT_FOR_MS)}, at most ${formatMs(MAX_FOR_MS)})`, '60s')
      .option('--upstream <host:port>', 'create the proxy (deleted afterwards) if it does not exist')
      .option('--listen <host:port>', 'listen address for a proxy created with --upstream', '127.0.0.1:0')
      .option('--allow-host', 'allow a non-loopback --upstream or --toxiproxy');

  common(
    toxic
      .command('add <proxy>')
      .description('add a toxic to a proxy for --for, then remove it')
      .requiredOption('--type <type>', `toxic type: ${visibleToxicTypes().join(', ')}`)
      .option('--attr <name=value>', 'toxic attribute, repeatable (e.g. --attr latency=800 --attr jitter=200)', collect, [])
      .option('--stream <dir>', 'upstream (client→server) or downstream (server→client)', 'downstream')
      .option('--toxicity <p>', 'share of connections affected, 0 to 1', '1')
      .option('--name <name>', 'toxic name (default <type>_<stream>)'),
  ).action(async (proxy: string, opts: Common & { type: string; attr: string[]; stream: string; toxicity: string; name?: string }) => {
    const forMs = duration(opts.for);
    const request = toxicRequest(opts);
    const faults = networkFaults(io, opts);
    await withRollback(io, exit, faults, async () => {
      await prepare(io, faults, proxy, opts);
      const name = await faults.addToxic(proxy, request);
      io.out(`applied toxic '${name}' on proxy '${proxy}': ${describeFault({ toxic: request })}; removing in ${formatMs(forMs)} (Ctrl-C removes it now)\n`);
      return { forMs, what: `toxic '${name}' from proxy '${proxy}'` };
    });
  });

  common(
    toxic
      .command('down <proxy>')
      .description('disable a proxy (connections refused, open ones dropped) for --for, then re-enable it'),
  ).action(async (proxy: string, opts: Common) => {
    const forMs = duration(opts.for);
    const faults = networkFaults(io, opts);
    await withRollback(io, exit, faults, async () => {
      await prepare(io, faults, proxy, opts);
      await faults.setEnabled(proxy, false);
      io.out(`applied down on proxy '${proxy}': connections refused; re-enabling in ${formatMs(forMs)} (Ctrl-C re-enables it now)\n`);
      return { forMs, what: `down from proxy '${proxy}' (re-enabled)` };
    });
  });

  toxic
    .command('list')
    .description('list proxies and their toxics')
    .option('--toxiproxy <url>', 'Toxiproxy API; env TOXIPROXY_URL', defaultUrl())
    .option('--allow-host', 'allow a non-loopback --toxiproxy')
    .option('--json', 'print the raw JSON')
    .action(async (opts: { toxiproxy: string; json?: boolean; allowHost?: boolean }) => {
      const base = guardedUrl(opts);
      const all = await reach(base, async () => {
        const res = await fetch(`${base}/proxies`);
        if (!res.ok) throw new Error(`status ${res.status}`);
        return (await res.json()) as Record<string, { listen: string; upstream: string; enabled: boolean; toxics: { name: string; type: string; stream: string; toxicity: number; attributes: Record<string, number> }[] }>;
      });
      if (opts.json) {
        io.out(`${JSON.stringify(all, null, 2)}\n`);
        return;
      }
      const names = Object.keys(all);
      if (names.length === 0) io.out(`no proxies at ${base}\n`);
      for (const n of names) {
        const p = all[n]!;
        io.out(`${n}: ${p.listen} -> ${p.upstream}${p.enabled ? '' : ' (DOWN)'}\n`);
        for (const t of p.toxics) {
          const attrs = Object.entries(t.attributes).map(([k, v]) => `${k}=${v}`).join(' ');
          io.out(`  ${t.name}: ${t.type} ${t.stream} toxicity ${t.toxicity}${attrs ? ` ${attrs}` : ''}\n`);
        }
      }
    });

  toxic
    .command('reset')
    .description('remove EVERY toxic and re-enable every proxy on the server (not only crumple\'s); with --mine, only what crumples no longer running left there')
    .option('--toxiproxy <url>', 'Toxiproxy API; env TOXIPROXY_URL', defaultUrl())
    .option('--mine', 'undo only what crumple processes on this machine that are no longer running (killed) created or changed there')
    .option('--allow-host', 'allow a non-loopback --toxiproxy')
    .action(async (opts: { toxiproxy: string; mine?: boolean; allowHost?: boolean }) => {
      const base = guardedUrl(opts);
      if (opts.mine) {
        const lines: string[] = [];
        const faults = new NetworkFaults(base, { allowHosts: opts.allowHost ? [new URL(base).hostname] : [], note: (l) => lines.push(l) });
        await faults.reclaimStale();
        for (const l of lines) io.out(`${l}\n`);
        const live = liveChanges(base);
        for (const { pid, change } of live) io.out(`kept ${change.kind === 'toxic' ? `toxic '${change.toxic}' on ` : ''}proxy '${change.proxy}': crumple pid ${pid} is still running\n`);
        if (!lines.length) io.out(`nothing stale at ${base}${live.length ? '' : ' (no crumple left anything there)'}\n`);
        if (lines.some((l) => l.startsWith('could not'))) exit.code = 2;
        return;
      }
      await reach(base, () => new Toxiproxy(base).reset());
      io.out(`reset ${base}: every toxic removed, every proxy enabled\n`);
    });

  toxic
    .command('types')
    .description('list toxic types, their attributes, units and what the peer sees')
    .action(() => {
      for (const name of visibleToxicTypes()) {
        const t = getToxic(name)!;
        const attrs = Object.keys(t.attributes).map((k) => `${k} (${t.units[k]})`).join(', ');
        io.out(`${t.name} [${t.kind}]: ${attrs}\n  ${t.description}\n`);
      }
      io.out(`down: not a toxic; 'crumple toxic down PROXY' disables the proxy (connections refused)\n`);
    });
};
export default register;

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function duration(v: string): number {
  const ms = parseDuration(v);
  if (typeof ms === 'string') throw badInput(`--for: ${ms}`);
  if (ms <= 0) throw badInput(`--for: must be longer than 0, got '${v}'`);
  if (ms > MAX_FOR_MS) throw badInput(`--for: at most ${formatMs(MAX_FOR_MS)} (a game-day fault is always bounded), got '${v}'`);
  return ms;
}

/** --toxiproxy checked (an http(s) URL) and guarded (loopback unless --allow-host). */
function guardedUrl(opts: { toxiproxy: string; allowHost?: boolean }): string {
  const base = toxiproxyUrl(opts.toxiproxy);
  assertHostAllowed(new URL(base), opts.allowHost ? [new URL(base).hostname] : [], 'reach Toxiproxy at');
  return base;
}

function networkFaults(io: Io, opts: Common): NetworkFaults {
  const base = guardedUrl(opts);
  return new NetworkFaults(base, { allowHosts: opts.allowHost ? [new URL(base).hostname] : [], note: (l) => io.err(`${l}\n`) });
}

/** The flags as a written toxic fault, parsed by the one fault schema; issues name the flag. */
function toxicRequest(opts: { type: string; attr: string[]; stream: string; toxicity: string; name?: string }): ToxicSpec & { stream: 'upstream' | 'downstream'; toxicity: number } {
  const toxicity = Number(opts.toxicity);
  if (opts.toxicity.trim() === '' || !Number.isFinite(toxicity)) throw badInput(`--toxicity: must be a number from 0 to 1, got '${opts.toxicity}'`);
  const written: Record<string, unknown> = { toxic: opts.type, stream: opts.stream, toxicity, ...(opts.name ? { name: opts.name } : {}) };
  for (const a of opts.attr) {
    const m = /^([A-Za-z_]+)=(-?\d+|\d+(?:\.\d+)?(?:ms|s|m|h))$/.exec(a.trim());
    if (!m) throw badInput(`--attr '${a}': expected name=integer (or a duration for ms attributes), e.g. --attr latency=800`);
    written[m[1]!] = /^-?\d+$/.test(m[2]!) ? Number(m[2]) : m[2];
  }
  const r = faultBodySchema.safeParse(written);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const field = String(i.path.at(-1) ?? '');
    const flag = field === 'toxic' || field === 'type' ? (/unknown toxic/.test(i.message) ? '--type' : '--attr') : field === 'stream' || field === 'toxicity' || field === 'name' ? `--${field}` : '--attr';
    const hint = flag === '--type' ? "; for an outage use 'crumple toxic down'" : '';
    throw badInput(`${flag}: ${i.message.replace(/^bad request body: json: /, '')}${hint}`);
  }
  const spec = (r.data as { toxic: ToxicSpec }).toxic;
  return { ...spec, stream: spec.stream ?? 'downstream', toxicity: spec.toxicity ?? 1 };
}

async function prepare(io: Io, faults: NetworkFaults, proxy: string, opts: Common): Promise<void> {
  if (!opts.upstream) return;
  const host = opts.upstream.replace(/:\d+$/, '');
  if (!isLoopback(host) && !opts.allowHost) {
    throw new CrumpleError('HOST_NOT_ALLOWED', `--upstream ${opts.upstream} is not on loopback; pass --allow-host to send traffic there`);
  }
  const { listen } = await faults.ensureProxy(proxy, opts.upstream, opts.listen);
  io.out(`proxy '${proxy}': ${listen} -> ${opts.upstream}\n`);
}

async function reach<T>(base: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new CrumpleError('PROXY_FAILED', `cannot reach Toxiproxy at ${base}: ${describeError(e)} (start one with 'crumple proxy')`);
  }
}

/** Applies, waits --for (or until Ctrl-C/SIGTERM), then undoes everything, whatever happened. */
async function withRollback(
  io: Io,
  exit: { code: number },
  faults: NetworkFaults,
  apply: () => Promise<{ forMs: number; what: string }>,
): Promise<void> {
  const started = Date.now();
  let what: string | undefined;
  try {
    const r = await apply();
    what = r.what;
    await sleep(r.forMs, io.signal);
  } finally {
    const errors = await faults.rollback();
    const elapsed = formatMs(Date.now() - started);
    if (errors.length) {
      io.err(`crumple toxic: could not undo everything; check the server:\n${errors.map((e) => `  ${e}\n`).join('')}`);
      exit.code = 2;
    } else if (what) {
      io.out(`removed ${what} after ${elapsed}${io.signal.aborted ? ' (interrupted)' : ''}\n`);
    }
  }
}
