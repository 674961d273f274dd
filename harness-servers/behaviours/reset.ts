import { monotonicMs } from '../../src/timeline/clock.js';
import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// TCP RST (the caller sees ECONNRESET): right after accept, after reading the request, or after the
// response head went out (the caller saw 200 and then lost the body).
export default {
  name: 'reset',
  description: 'TCP reset: right after accept, after the request, or after the response headers',
  kind: 'fails-fast',
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
} satisfies BehaviourImplFor<ParamsOf<'reset'>>;
