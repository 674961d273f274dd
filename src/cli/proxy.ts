import type { Register } from './register.js';
import { isLoopback, readBoundedText } from '../safety.js';
import { CrumpleError, badInput } from '../errors.js';
import { startProxyServer } from '../proxy/server.js';

/** `crumple proxy`: the Toxiproxy-compatible API server, standalone, until Ctrl-C. */
const register: Register = (program, io) => {
  program
    .command('proxy')
    .description('run the Toxiproxy-compatible fault proxy API server (like toxiproxy-server) until Ctrl-C')
    .option('--host <host>', 'address the API binds', '127.0.0.1')
    .option('--port <port>', 'API port (0 = any free port)', '8474')
    .option('--allow-host', 'allow binding a non-loopback address (the API has no authentication)')
    .option('--config <file>', 'proxies to create at start-up (the JSON array /populate takes)')
    .action(async (opts: { host: string; port: string; allowHost?: boolean; config?: string }) => {
      const port = Number(opts.port);
      if (!/^\d+$/.test(opts.port) || port > 65535) throw badInput(`--port: '${opts.port}' is not a port number (0-65535)`);
      if (!isLoopback(opts.host)) {
        if (!opts.allowHost) {
          throw new CrumpleError('HOST_NOT_ALLOWED', `--host ${opts.host} is not a loopback address; the proxy API has no authentication. Pass --allow-host to bind it anyway`);
        }
        io.err(`crumple proxy: warning: the API on ${opts.host} has no authentication; anyone who can reach it can break your network paths\n`);
      }
      let config: unknown;
      if (opts.config) {
        const text = await readBoundedText(opts.config, { maxBytes: 1_000_000, what: '--config' });
        try {
          config = JSON.parse(text);
        } catch (e) {
          throw badInput(`--config ${opts.config}: ${(e as Error).message}`);
        }
        if (!Array.isArray(config)) throw badInput(`--config ${opts.config}: expected a JSON array of proxies ({name, listen, upstream})`);
      }
      const server = await startProxyServer({ host: opts.host, port });
      try {
        if (config) {
          const res = await fetch(`${server.url}/populate`, { method: 'POST', body: JSON.stringify(config), headers: { 'content-type': 'application/json' } });
          const body = (await res.json()) as { error?: string; proxies?: { name: string; listen: string; upstream: string }[] | null };
          if (!res.ok) throw badInput(`--config ${opts.config}: ${body.error ?? `status ${res.status}`}`);
          for (const p of body.proxies ?? []) io.out(`proxy ${p.name}: ${p.listen} -> ${p.upstream}\n`);
        }
        io.out(`crumple proxy: Toxiproxy API on ${server.url} (Ctrl-C to stop)\n`);
        if (!io.signal.aborted) await new Promise<void>((r) => io.signal.addEventListener('abort', () => r(), { once: true }));
      } finally {
        await server.close();
      }
      io.out('crumple proxy: stopped; every proxy and connection closed\n');
    });
};
export default register;
