import { createServer as createHttp, type RequestListener, type Server } from 'node:http';
import { createServer as createTcp, type Socket, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

const cleanups: (() => Promise<void>)[] = [];

/** Registers a teardown where the resource is created; runs after each test, last first. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(async () => void (await fn()));
}

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

/** A node:http server on 127.0.0.1, port 0, closed (idle sockets first) after the test. */
export async function httpServer(handler: RequestListener): Promise<{ server: Server; port: number; url: string }> {
  const server = createHttp(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const port = (server.address() as AddressInfo).port;
  return { server, port, url: `http://127.0.0.1:${port}` };
}

/** A raw TCP server on 127.0.0.1, port 0; every socket destroyed after the test. */
export async function tcpServer(onSocket: (s: Socket) => void): Promise<{ server: TcpServer; port: number }> {
  const sockets = new Set<Socket>();
  const server = createTcp((s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); onSocket(s); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }));
  return { server, port: (server.address() as AddressInfo).port };
}
