import type { Register } from './register.js';
import { isLoopback } from '../safety.js';
import { CrumpleError, badInput } from '../errors.js';
import { startStandIn, type StandIn, type StandInOptions } from '../../harness-servers/server.js';
import { startControlApi } from '../../harness-servers/control.js';
import { startZoo } from '../../harness-servers/zoo.js';
import { startQueueStandIn } from '../../harness-servers/queue/server.js';
import { loadServeConfig } from '../../harness-servers/config.js';

function portFlag(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw badInput(`${flag}: '${v}' is not a port number (0-65535)`);
  return n;
}

interface Opts {
  zoo?: boolean;
  config?: string;
  basePort?: string;
  json?: boolean;
  host: string;
  allowHost?: boolean;
  controlPort?: string;
  token?: string;
  seed?: string;
}

/** `crumple serve`: stand-ins (the zoo, or named ones from a file) and their control API, until Ctrl-C. */
const register: Register = (program, io) => {
  program
    .command('serve')
    .description('run stand-ins: one port per behaviour (--zoo) or named ones from a file (--config), plus the control API')
    .option('--zoo', 'one stand-in per behaviour (HTTP and WebSocket) with default params')
    .option('--config <file>', 'named stand-ins from a YAML or JSON file')
    .option('--base-port <n>', 'zoo: consecutive ports from n (default: any free port each)')
    .option('--json', 'print one JSON object {name: port} on stdout (control URL on stderr)')
    .option('--host <host>', 'address the stand-ins and control API bind', '127.0.0.1')
    .option('--allow-host', 'allow binding a non-loopback address')
    .option('--control-port <n>', 'control API port (default: any free port)')
    .option('--token <token>', 'require this bearer token on the control API (or CRUMPLE_TOKEN)')
    .option('--seed <n>', 'seed for seeded behaviours (slow, garbage, flaky)', '1')
    .action(async (opts: Opts) => {
      if (!opts.zoo === !opts.config) throw badInput('give exactly one of --zoo or --config FILE');
      if (!isLoopback(opts.host) && !opts.allowHost) {
        throw new CrumpleError('HOST_NOT_ALLOWED', `--host ${opts.host} is not a loopback address; pass --allow-host to bind it anyway`);
      }
      const basePort = portFlag('--base-port', opts.basePort);
      if (basePort !== undefined && opts.config) throw badInput('--base-port: only with --zoo (a config file gives each stand-in its port)');
      const seed = Number(opts.seed ?? '1');
      if (!Number.isInteger(seed)) throw badInput(`--seed: '${opts.seed}' is not an integer`);
      let controlPort = portFlag('--control-port', opts.controlPort);
      let token = opts.token ?? process.env.CRUMPLE_TOKEN;

      const standIns: StandIn[] = [];
      let control: { url: string; close(): Promise<void> } | undefined;
      try {
        if (opts.zoo) {
          tokenOffLoopback(opts.host, token);
          standIns.push(...(await startZoo({ host: opts.host, seed, ...(basePort ? { basePort } : {}) })));
        } else {
          const cfg = await loadServeConfig(opts.config!);
          controlPort ??= cfg.control?.port;
          token ??= cfg.control?.token;
          tokenOffLoopback(opts.host, token);
          for (const [name, s] of Object.entries(cfg.standins)) {
            if (s.queue) {
              standIns.push(await startQueueStandIn({ name, queue: s.queue, host: opts.host, port: s.port }));
              continue;
            }
            const o: StandInOptions = { name, protocol: s.protocol, host: opts.host, port: s.port, seed: s.seed ?? seed };
            if (s.behaviour) o.behaviour = s.behaviour;
            if (s.params) o.params = s.params;
            if (s.contract) o.contract = s.contract;
            standIns.push(await startStandIn(o));
          }
        }
        control = await startControlApi(standIns, { host: opts.host, port: controlPort ?? 0, ...(token ? { token } : {}) });

        if (opts.json) {
          io.out(JSON.stringify(Object.fromEntries(standIns.map((s) => [s.name, s.port]))) + '\n');
          io.err(`control API: ${control.url}${token ? ' (bearer token required)' : ''}\n`);
        } else {
          const rows = standIns.map((s) => [s.name, s.protocol, String(s.port), s.url, s.behaviour().name]);
          const head = ['stand-in', 'protocol', 'port', 'url', 'behaviour'];
          const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
          const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd() + '\n';
          io.out(line(head));
          for (const r of rows) io.out(line(r));
          io.out(`\ncontrol API: ${control.url}${token ? ' (bearer token required)' : ''}\n`);
          io.out(`  crumple standin list --control ${control.url}\n  (Ctrl-C to stop)\n`);
        }
        if (!io.signal.aborted) await new Promise<void>((r) => io.signal.addEventListener('abort', () => r(), { once: true }));
      } finally {
        await control?.close();
        await Promise.all(standIns.map((s) => s.close()));
      }
      io.err('crumple serve: stopped; every stand-in and connection closed\n');
    });
};
export default register;

/** Off loopback anyone on the network could switch the stand-ins: the control API then needs a token. */
function tokenOffLoopback(host: string, token: string | undefined): void {
  if (!isLoopback(host) && !token) throw badInput(`--token: required when the control API binds a non-loopback address (--host ${host}); or set CRUMPLE_TOKEN, or control.token in the config`);
}
