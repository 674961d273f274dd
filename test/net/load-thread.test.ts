import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { onCleanup } from '../helpers/listen.js';
import { startLoad } from '../../src/load/index.js';
import { Recorder } from '../../src/timeline/recorder.js';
import { monotonicMs } from '../../src/timeline/clock.js';

/** A node:http server in a child process, so blocking this thread does not block the server. */
async function childServer(): Promise<string> {
  const code = `const s=require('http').createServer((q,r)=>r.end('ok'));s.listen(0,'127.0.0.1',()=>console.log(s.address().port))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  onCleanup(() => void child.kill());
  const port = await new Promise<number>((r) => child.stdout!.once('data', (b: Buffer) => r(Number(b.toString().trim()))));
  return `http://127.0.0.1:${port}`;
}

describe('load runs off the main thread', () => {
  it('says when it has started: no response is recorded before `started` resolves', async () => {
    const url = await childServer();
    let firstEventAt = 0;
    let startedAt = 0;
    const run = startLoad('s', { shape: 'steady', rate: 50, duration: '1s' }, {
      baseUrl: url,
      sink: () => void (firstEventAt ||= monotonicMs()),
      signal: new AbortController().signal,
    });
    await run.started.then(() => void (startedAt = monotonicMs()));
    const summary = await run.done;
    expect(summary.requests).toBeGreaterThan(10);
    expect(startedAt).toBeGreaterThan(0);
    expect(firstEventAt === 0 || firstEventAt >= startedAt).toBe(true);
  });

  it('keeps sending while the main thread is blocked, on the same monotonic clock', async () => {
    const url = await childServer();
    const rec = new Recorder();
    const before = monotonicMs();
    const { done } = startLoad('bg', { shape: 'steady', rate: 100, duration: '6s' }, { baseUrl: url, sink: rec.record, signal: new AbortController().signal });
    // Wait until the worker is sending, then block this thread for 1 s.
    while (rec.timeline().events.length === 0) await new Promise((r) => setTimeout(r, 50));
    const blockFrom = monotonicMs();
    while (monotonicMs() - blockFrom < 1000) { /* busy */ }
    const blockTo = monotonicMs();
    const s = await done;
    const after = monotonicMs();
    const tl = rec.timeline();
    const during = tl.events.filter((e) => e.kind === 'response' && e.t > blockFrom + 100 && e.t < blockTo - 100);
    // ~80 requests were due in the blocked window; the worker sent them meanwhile.
    expect(during.length).toBeGreaterThan(40);
    expect(tl.events.every((e) => e.t >= before && e.t <= after)).toBe(true);
    expect(tl.events).toHaveLength(s.requests);
    expect(tl.seconds.reduce((n, x) => n + (x.loads['bg']?.count ?? 0), 0)).toBe(s.requests);
  });
});
