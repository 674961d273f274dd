import { z } from 'zod';
import { monotonicMs } from '../../src/timeline/clock.js';
import { durationSchema } from '../../src/unit-schemas.js';
import type { Behaviour } from '../behaviour.js';
import { oneOf, log } from '../../src/faults/kind.js';

// TCP RST (the caller sees ECONNRESET): right after accept, after reading the request, or after the
// response head went out (the caller saw 200 and then lost the body).
const params = z.strictObject({
  when: z.enum(['accept', 'request', 'headers']).default('accept'),
  /** headers: how long after the head the reset comes, so the client surely read it. */
  after: durationSchema.default(50),
});

export default {
  name: 'reset',
  description: 'TCP reset: right after accept, after the request, or after the response headers',
  kind: 'fails-fast',
  params,
  explore: { when: oneOf('accept', 'request', 'headers'), after: log(1, 1000, 'ms') },
  create(p) {
    return {
      label: 'reset',
      ...(p.when === 'accept'
        ? {
            accept(socket, conn) {
              conn.markOurs(monotonicMs());
              socket.resetAndDestroy();
              return true;
            },
          }
        : {}),
      request(x) {
        if (p.when !== 'headers') return x.close('rst');
        x.began(200);
        const s = x.req.socket;
        s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1024\r\n\r\n', () => {
          const timer = setTimeout(() => x.close('rst'), p.after);
          s.once('close', () => clearTimeout(timer));
        });
      },
    };
  },
} satisfies Behaviour<typeof params>;
