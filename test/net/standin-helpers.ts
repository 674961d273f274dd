// Helpers shared by the stand-in tests: a stand-in with teardown, and raw clients.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { startStandIn, type StandIn, type StandInOptions } from '../../harness-servers/server.js';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { onCleanup } from '../helpers/listen.js';

export async function standIn(opts: Partial<StandInOptions> = {}): Promise<{ s: StandIn; events: TimelineEvent[] }> {
  const events: TimelineEvent[] = [];
  const s = await startStandIn({ name: 'dep', onEvent: (e) => events.push(e), ...opts });
  onCleanup(() => s.close());
  return { s, events };
}

export interface Got {
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body: Buffer;
  error?: string;
  ms: number;
}

/** One request on a fresh connection; resolves with what came back or the error code. Never rejects. */
export function get(url: string, opts: { method?: string; path?: string; body?: string; timeoutMs?: number; headers?: Record<string, string>; maxBytes?: number } = {}): Promise<Got> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let status: number | undefined;
    let headers: Got['headers'];
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      const g: Got = { body: Buffer.concat(chunks), ms: performance.now() - t0 };
      if (status !== undefined) g.status = status;
      if (headers) g.headers = headers;
      if (error) g.error = error;
      resolve(g);
    };
    const req = request(url + (opts.path ?? '/'), { method: opts.method ?? 'GET', agent: false, headers: opts.headers }, (res) => {
      status = res.statusCode;
      headers = res.headers;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (opts.maxBytes && size >= opts.maxBytes) {
          req.destroy();
          finish('max-bytes');
        }
      });
      res.on('end', () => finish());
      res.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
      res.on('aborted', () => finish('aborted'));
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
    if (opts.timeoutMs) {
      req.setTimeout(opts.timeoutMs, () => {
        req.destroy();
        finish('timeout');
      });
    }
    req.end(opts.body);
  });
}

export function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
    onCleanup(() => void s.destroy());
  });
}

export async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
