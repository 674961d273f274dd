import type { Toxic } from '../toxic.js';
import { int } from '../../faults/kind.js';

type A = { timeout: number };

export default {
  name: 'reset_peer',
  description:
    'On the first data (or close) in its direction: discards it, waits `timeout` ms, then closes the connection — with ' +
    'a TCP RST (ECONNRESET) if the toxic existed when the connection was accepted, else a plain FIN. Idle connections ' +
    'are never reset. 0 = at once.',
  attributes: { timeout: 0 },
  units: { timeout: 'ms' },
  kind: 'fails-fast',
  goStruct: 'ResetToxic',
  explore: { timeout: int(0, 2000, 'ms') },
  resetAtAccept: true,
  async pipe(run) {
    const c = await run.read();
    if (c === undefined) return;
    // Toxiproxy's wait here cannot be interrupted.
    if (run.attrs.timeout > 0) await new Promise((r) => setTimeout(r, run.attrs.timeout));
    return run.end();
  },
} satisfies Toxic<A>;
