import { describe, expect, it } from 'vitest';
import { httpServer } from '../helpers/listen.js';
import { startLoad } from '../../src/load/index.js';

describe('ramp load', () => {
  it('raises the rate in steps and reports the last step within the limits as capacity', async () => {
    // A target that sheds load (503) above ~160 req/s measured over a 500 ms window.
    const recent: number[] = [];
    const { url } = await httpServer((_req, res) => {
      const now = performance.now();
      recent.push(now);
      while (recent.length && recent[0]! < now - 500) recent.shift();
      res.statusCode = recent.length > 80 ? 503 : 200;
      res.end();
    });
    const s = await startLoad('ramp', { shape: 'ramp', from: 40, to: 240, steps: 3, stepFor: '1s', limits: { errors: '5%' } }, { baseUrl: url, sink: () => {}, signal: new AbortController().signal }).done;
    expect(s.steps!.map((x) => x.rate)).toEqual([40, 140, 240]);
    expect(s.stoppedBy).toBe('done');
    expect(s.steps![0]!.errors).toBe(0);
    expect(s.steps![2]!.errors).toBeGreaterThan(s.steps![2]!.requests * 0.2);
    // Achieved throughput follows the steps.
    expect(s.steps![2]!.requests).toBeGreaterThan(s.steps![0]!.requests * 3);
    expect(s.capacity!.exceededAt!.rate).toBe(240);
    expect(s.capacity!.rate).toBe(140);
    expect(s.capacity!.exceededAt!.reason).toMatch(/errors/);
  });

  it('rejects a ramp without its rates, naming the fields', () => {
    expect(() => startLoad('r', { shape: 'ramp', to: 'lots' }, { baseUrl: 'http://127.0.0.1:1', sink: () => {}, signal: new AbortController().signal })).toThrow(
      expect.objectContaining({ details: expect.arrayContaining([expect.stringMatching(/load\.r\.from/), expect.stringMatching(/load\.r\.to: 'lots' is not a rate/)]) }),
    );
  });
});
