import { monotonicMs } from '../../src/timeline/clock.js';
import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// A clean close (FIN) before any response byte: the caller sees "socket hang up" / an empty reply.
export default {
  name: 'close-early',
  description: 'closes cleanly (FIN) before any response byte',
  kind: 'fails-fast',
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
} satisfies BehaviourImplFor<ParamsOf<'close-early'>>;
