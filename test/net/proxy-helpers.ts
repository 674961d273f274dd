import { connect, type Socket } from 'node:net';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startProxyServer } from '../../src/proxy/server.js';
import { onCleanup, tcpServer } from '../helpers/listen.js';

/** crumple's proxy API on port 0, closed after the test; plus a node client for it. */
export async function proxyApi(): Promise<{ url: string; tp: Toxiproxy }> {
  const s = await startProxyServer({ port: 0 });
  onCleanup(() => s.close());
  return { url: s.url, tp: new Toxiproxy(s.url) };
}

/** A TCP echo server. */
export const echoServer = () => tcpServer((s) => { s.on('error', () => {}); s.pipe(s); });

/** A proxy in front of an echo server; returns its listen port. */
export async function echoProxy(tp: Toxiproxy, name = 'echo') {
  const echo = await echoServer();
  const p = await tp.createProxy({ name, upstream: `127.0.0.1:${echo.port}`, listen: '127.0.0.1:0' } as never);
  return { proxy: p, port: Number(p.listen.split(':').pop()), upstreamPort: echo.port };
}

export async function dial(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  s.setNoDelay(true);
  onCleanup(() => void s.destroy());
  await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
  return s;
}

/** Everything a socket receives until it closes, with the close's time and error code. */
export function record(s: Socket, t0 = performance.now()) {
  const r = { data: Buffer.alloc(0), reads: [] as { at: number; n: number }[], closedAt: -1, error: undefined as string | undefined, closed: undefined as unknown as Promise<void> };
  r.closed = new Promise<void>((resolve) => {
    s.on('data', (d: Buffer) => { r.data = Buffer.concat([r.data, d]); r.reads.push({ at: performance.now() - t0, n: d.length }); });
    s.on('error', (e: NodeJS.ErrnoException) => { r.error ??= e.code; });
    s.on('close', () => { r.closedAt = performance.now() - t0; resolve(); });
  });
  return r;
}

/** Resolves with the time from now until `n` bytes have arrived on the socket. */
export function bytesAfter(s: Socket, n: number): Promise<number> {
  const t0 = performance.now();
  let got = 0;
  return new Promise((resolve, reject) => {
    const closed = () => reject(new Error(`closed after ${got} of ${n} bytes`));
    const on = (d: Buffer) => { got += d.length; if (got >= n) { s.off('data', on); s.off('close', closed); resolve(performance.now() - t0); } };
    s.on('data', on);
    s.once('close', closed);
  });
}

export async function roundTrip(s: Socket, payload = 'ping'): Promise<number> {
  const p = bytesAfter(s, Buffer.byteLength(payload));
  s.write(payload);
  return p;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
