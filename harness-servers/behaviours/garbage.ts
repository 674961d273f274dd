import { monotonicMs } from '../../src/timeline/clock.js';
import { randomBytes, type BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// Random bytes that are not HTTP (seeded, so a run replays), then a clean close: what a client sees
// when a port answers with the wrong protocol.

function garbage(rng: () => number, n: number): Buffer {
  const b = randomBytes(rng, n);
  b[0] = 0x00; // never "H": no chance of looking like a status line
  return b;
}

export default {
  name: 'garbage',
  description: 'random non-HTTP bytes (seeded, size configurable), then closes',
  kind: 'bad-input',
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
} satisfies BehaviourImplFor<ParamsOf<'garbage'>>;
