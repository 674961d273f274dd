import type { Toxic } from '../toxic.js';
import { monotonicMs } from '../../timeline/clock.js';
import { log } from '../../faults/kind.js';

type A = { rate: number };

export default {
  name: 'bandwidth',
  description:
    'Limits the rate to `rate` KB/s (KB = 1000 bytes); big chunks go out in pieces of rate×100 bytes every 100 ms. ' +
    '0 = stall: nothing passes until the toxic is removed.',
  attributes: { rate: 0 },
  units: { rate: 'KB/s' },
  kind: 'holds',
  goStruct: 'BandwidthToxic',
  explore: { rate: log(1, 10_000, 'KB/s') },
  // A negative rate panics the real Toxiproxy; we refuse it instead.
  check: (a) => (a.rate < 0 ? 'attribute rate must be >= 0 (a negative rate crashes Toxiproxy)' : undefined),
  async pipe(run) {
    const rate = run.attrs.rate; // bytes per ms
    let debt = 0; // ms still owed; carried over so timer overshoot is paid back
    for (;;) {
      const c = await run.read();
      if (c === undefined) return;
      if (c === null) return run.end();
      if (rate <= 0) {
        // Stall until interrupted; then the chunk goes on (removal flushes everything).
        await run.sleep(Number.POSITIVE_INFINITY);
        await run.write(c);
        return;
      }
      const piece = rate * 100;
      let data = c.data;
      while (data.length > 0) {
        const part = data.length > piece ? data.subarray(0, piece) : data;
        data = data.subarray(part.length);
        debt += part.length / rate;
        const start = monotonicMs();
        const ok = await run.sleep(debt);
        debt -= monotonicMs() - start;
        if (!ok) {
          await run.write({ data: Buffer.concat([part, data]), t: c.t });
          return;
        }
        await run.write({ data: part, t: c.t });
      }
    }
  },
} satisfies Toxic<A>;
