import { z } from 'zod';
import { durationSchema } from '../../src/unit-schemas.js';
import type { WsBehaviour, WsConn } from './ws-behaviour.js';
import { oneOf } from '../../src/faults/kind.js';

// Closes every client at once when it becomes active (and every `every` ms if set): the deploy or
// failover that provokes a reconnect storm. New connections are echoed until the next sweep.
const params = z.strictObject({
  code: z.number().int().min(1000).max(4999).default(1012),
  /** terminate: drop TCP without a close frame. */
  abrupt: z.boolean().default(false),
  /** Repeat the sweep every this many ms (0 = once, on switch). */
  every: durationSchema.default(0),
});

export default {
  name: 'close-all',
  description: 'closes every client at once (a reconnect storm); optionally again every N ms',
  kind: 'fails-fast',
  params,
  explore: { code: oneOf(1012, 1001, 1011), abrupt: oneOf(false, true), every: oneOf(0, 1000, 5000) },
  create(p) {
    let all: ReadonlySet<WsConn> = new Set();
    let timer: NodeJS.Timeout | undefined;
    const sweep = () => {
      for (const c of [...all]) (p.abrupt ? c.terminate() : c.close(p.code, 'close-all'));
    };
    return {
      label: 'close-all',
      message: (c, data, isBinary) => c.send(data, isBinary),
      activate(set) {
        all = set;
        sweep();
        if (p.every > 0) {
          timer = setInterval(sweep, p.every);
          timer.unref();
        }
      },
      stop: () => clearInterval(timer),
    };
  },
} satisfies WsBehaviour<typeof params>;
