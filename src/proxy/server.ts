import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { apiHandler } from './api.js';
import { ProxyRegistry, formatHostPort } from './proxy.js';
import { CrumpleError } from '../errors.js';

export interface ProxyServer {
  /** Base URL of the API, e.g. http://127.0.0.1:8474 */
  url: string;
  port: number;
  /** Closes every proxy (and their connections) and the API server. */
  close(): Promise<void>;
}

/**
 * Starts crumple's Toxiproxy-compatible API server. Binds 127.0.0.1 by default (the API has no
 * authentication); port 0 (the default) picks a free port — the CLI defaults to 8474.
 */
export async function startProxyServer(opts: { host?: string; port?: number } = {}): Promise<ProxyServer> {
  const host = opts.host ?? '127.0.0.1';
  const registry = new ProxyRegistry();
  const sockets = new Set<Socket>();
  const server = createServer({ keepAliveTimeout: 5_000 }, apiHandler(registry));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new CrumpleError('PORT_IN_USE', `cannot start the proxy API on ${formatHostPort(host, opts.port ?? 0)}: address already in use`)
          : new CrumpleError('PROXY_FAILED', `cannot start the proxy API on ${formatHostPort(host, opts.port ?? 0)}: ${e.message}`),
      ),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${formatHostPort(a.address, a.port)}`,
    port: a.port,
    close: () =>
      (closing ??= (async () => {
        await registry.closeAll();
        await new Promise<void>((r) => {
          server.close(() => r());
          for (const s of sockets) s.destroy();
        });
      })()),
  };
}
