import type { Toxic } from '../toxic.js';
import { monotonicMs } from '../../timeline/clock.js';
import { log, int } from '../../faults/kind.js';

type A = { latency: number; jitter: number };

export default {
  name: 'latency',
  description:
    'Delays every chunk by latency ms ± jitter (uniform in [-jitter, +jitter)), counted from when it was read; ' +
    'chunks are pipelined, never reordered, and the close waits behind them. 0 = no delay.',
  attributes: { latency: 0, jitter: 0 },
  units: { latency: 'ms', jitter: 'ms' },
  kind: 'holds',
  goStruct: 'LatencyToxic',
  explore: { latency: log(10, 10_000, 'ms'), jitter: int(0, 1000, 'ms') },
  async pipe(run) {
    const { latency, jitter } = run.attrs;
    for (;;) {
      const c = await run.read();
      if (c === undefined) return;
      if (c === null) return run.end();
      const j = jitter > 0 ? Math.floor(run.random() * 2 * jitter) - jitter : 0;
      const wait = c.t + latency + j - monotonicMs();
      // Interrupted (update/removal): forward the held chunk at once, never drop it.
      if (wait > 0) await run.sleep(wait);
      await run.write(c);
      if (run.interrupted) return;
    }
  },
} satisfies Toxic<A>;
