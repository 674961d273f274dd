import type { Toxic } from '../toxic.js';
import { log } from '../../faults/kind.js';

type A = { delay: number };

export default {
  name: 'slow_close',
  description: 'Data passes unchanged; when the sender closes, the close reaches the peer `delay` ms later. 0 = no delay.',
  attributes: { delay: 0 },
  units: { delay: 'ms' },
  kind: 'holds',
  goStruct: 'SlowCloseToxic',
  explore: { delay: log(10, 10_000, 'ms') },
  async pipe(run) {
    for (;;) {
      const c = await run.read();
      if (c === undefined) return;
      if (c !== null) {
        await run.write(c);
        continue;
      }
      if (run.attrs.delay > 0 && !(await run.sleep(run.attrs.delay))) {
        run.unread(null); // interrupted: the next run (or the stage after removal) sees the end again
        return;
      }
      return run.end();
    }
  },
} satisfies Toxic<A>;
