import { z } from 'zod';
import { monotonicMs } from '../../src/timeline/clock.js';
import { randomBytes, type Behaviour } from '../behaviour.js';
import { oneOf, log } from '../../src/faults/kind.js';

// Random bytes that are not HTTP (seeded, so a run replays), then a clean close: what a client sees
// when a port answers with the wrong protocol.
const params = z.strictObject({
  bytes: z.number().int().min(1).max(16 * 1024 * 1024).default(1024),
  /** request: after reading the request; accept: at once, before the client sent anything. */
  when: z.enum(['request', 'accept']).default('request'),
});

function garbage(rng: () => number, n: number): Buffer {
  const b = randomBytes(rng, n);
  b[0] = 0x00; // never "H": no chance of looking like a status line
  return b;
}

export default {
  name: 'garbage',
  description: 'random non-HTTP bytes (seeded, size configurable), then closes',
  kind: 'bad-input',
  params,
  explore: { bytes: log(1, 1 << 20, 'bytes'), when: oneOf('request', 'accept') },
  create(p, env) {
    const rng = env.rng();
    return {
      label: 'garbage',
      ...(p.when === 'accept'
        ? {
            accept(socket, conn) {
              conn.markOurs(monotonicMs());
              socket.end(garbage(rng, p.bytes));
              return true;
            },
          }
        : {}),
      request(x) {
        x.began(0);
        const s = x.req.socket;
        x.conn.markOurs(monotonicMs());
        s.end(garbage(rng, p.bytes), () => x.finished(p.bytes));
      },
    };
  },
} satisfies Behaviour<typeof params>;
