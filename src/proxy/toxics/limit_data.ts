import type { Toxic } from '../toxic.js';
import { log } from '../../faults/kind.js';

type A = { bytes: number };

export default {
  name: 'limit_data',
  description:
    'Passes `bytes` bytes per connection and direction (the count survives updates), truncates the chunk that crosses ' +
    'the limit, then closes the connection. 0 = closes at the first data, forwarding nothing.',
  attributes: { bytes: 0 },
  units: { bytes: 'bytes' },
  kind: 'bad-input',
  goStruct: 'LimitDataToxic',
  explore: { bytes: log(1, 1 << 20, 'bytes') },
  async pipe(run) {
    const s = run.state;
    s.sent ??= 0;
    for (;;) {
      const c = await run.read();
      if (c === undefined) return;
      if (c === null) return run.end();
      const remaining = Math.max(0, run.attrs.bytes - s.sent!);
      const data = c.data.length > remaining ? c.data.subarray(0, remaining) : c.data;
      if (data.length > 0) {
        s.sent! += data.length;
        await run.write({ data, t: c.t });
      }
      if (s.sent! >= run.attrs.bytes) return run.end();
    }
  },
} satisfies Toxic<A>;
