import type { Toxic } from '../toxic.js';
import { log } from '../../faults/kind.js';

type A = { timeout: number };

export default {
  name: 'timeout',
  description:
    'Discards all data; closes the connection after `timeout` ms without incoming data (the timer restarts on every ' +
    'discarded chunk). 0 = never closes, data is dropped until removed. Removing it closes the open connections.',
  attributes: { timeout: 0 },
  units: { timeout: 'ms' },
  kind: 'holds',
  goStruct: 'TimeoutToxic',
  explore: { timeout: log(10, 10_000, 'ms') },
  closeOnRemove: true,
  async pipe(run) {
    const timeout = run.attrs.timeout;
    let timer: NodeJS.Timeout | undefined;
    let fired = false;
    let wake: (() => void) | undefined;
    const arm = () => {
      if (timeout <= 0) return;
      clearTimeout(timer);
      timer = setTimeout(() => { fired = true; wake?.(); }, timeout);
    };
    arm();
    try {
      for (;;) {
        // Race the next chunk against the idle timer.
        const next = run.read();
        const c = await Promise.race([next, new Promise<'timeout'>((r) => { wake = () => r('timeout'); if (fired) r('timeout'); })]);
        if (c === 'timeout') {
          // The pending read may still deliver a chunk later; it is discarded like all others.
          void next;
          return run.end();
        }
        if (c === undefined) return;
        if (c === null) return run.end();
        arm();
      }
    } finally {
      clearTimeout(timer);
    }
  },
} satisfies Toxic<A>;
