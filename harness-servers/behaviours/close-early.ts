import { z } from 'zod';
import { monotonicMs } from '../../src/timeline/clock.js';
import type { Behaviour } from '../behaviour.js';
import { oneOf } from '../../src/faults/kind.js';

// A clean close (FIN) before any response byte: the caller sees "socket hang up" / an empty reply.
const params = z.strictObject({
  /** request: after reading the request; accept: before reading anything. */
  when: z.enum(['request', 'accept']).default('request'),
});

export default {
  name: 'close-early',
  description: 'closes cleanly (FIN) before any response byte',
  kind: 'fails-fast',
  params,
  explore: { when: oneOf('request', 'accept') },
  create(p) {
    return {
      label: 'close-early',
      ...(p.when === 'accept'
        ? {
            accept(socket, conn) {
              conn.markOurs(monotonicMs());
              socket.end();
              return true;
            },
          }
        : {}),
      request(x) {
        x.close('fin');
      },
    };
  },
} satisfies Behaviour<typeof params>;
