import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tcpServer } from '../helpers/listen.js';
import { dial, proxyApi, sleep } from './proxy-helpers.js';

/**
 * The proxy's downstream link reads into a buffer it reuses while no write holds it. These prove the
 * bytes survive that: a reader that stalls (writes stay pending, so the buffer must not be reused),
 * and a toxic added mid-stream (chunks held by a stage must be copies).
 */
const SIZE = 8 * 1024 * 1024;
const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `piece`: the upstream writes this many bytes at a time, one write per turn of its loop (small reads at the proxy). */
async function bulkProxy(payload: Buffer, piece = payload.length) {
  const up = await tcpServer((s) => {
    s.on('error', () => {});
    s.setNoDelay(true);
    let off = 0;
    const next = () => {
      if (off >= payload.length) return void s.end();
      const ok = s.write(payload.subarray(off, (off += piece)));
      if (ok) setImmediate(next);
      else s.once('drain', next);
    };
    next();
  });
  const { tp } = await proxyApi();
  const p = await tp.createProxy({ name: 'bulk', upstream: `127.0.0.1:${up.port}`, listen: '127.0.0.1:0' } as never);
  return { tp, p, port: Number(p.listen.split(':').pop()) };
}

/** Reads everything, pausing for `stallMs` after every `every` bytes so the proxy's writes back up. */
function readAll(s: import('node:net').Socket, every: number, stallMs: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let since = 0;
  return new Promise((resolve, reject) => {
    s.on('data', (d: Buffer) => {
      parts.push(d);
      since += d.length;
      if (since >= every) {
        since = 0;
        s.pause();
        setTimeout(() => s.resume(), stallMs);
      }
    });
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
  });
}

describe('proxy data integrity', () => {
  it('24 MiB in small pieces reach a reader that keeps stalling byte for byte (no reused buffer is overwritten)', async () => {
    // Small pieces, more than loopback's socket buffers hold: once the reader stalls, the proxy's
    // writes stay pending below the high-water mark while reads keep coming.
    const payload = randomBytes(3 * SIZE);
    const { port } = await bulkProxy(payload, 2048);
    const s = await dial(port);
    s.pause();
    await sleep(300);
    s.resume();
    const got = await readAll(s, 1024 * 1024, 50);
    expect(got.length).toBe(payload.length);
    expect(digest(got)).toBe(digest(payload));
  });

  it('8 MiB arrive intact when a downstream toxic is added and removed mid-transfer', async () => {
    const payload = randomBytes(SIZE);
    const { p, port } = await bulkProxy(payload);
    const s = await dial(port);
    const all = readAll(s, 256 * 1024, 5);
    await sleep(20);
    const t = await p.addToxic({ type: 'slicer', stream: 'downstream', attributes: { average_size: 4096, size_variation: 1024, delay: 0 } } as never);
    await sleep(100);
    await t.remove();
    const got = await all;
    expect(got.length).toBe(SIZE);
    expect(digest(got)).toBe(digest(payload));
  });
});
