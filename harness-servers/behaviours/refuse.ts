import { monotonicMs } from '../../src/timeline/clock.js';
import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// Nothing listens: new connections are refused (ECONNREFUSED). Connections opened before the switch
// are reset on their next request; inside flaky/sequence (the port must stay open) it resets too.
export default {
  name: 'refuse',
  description: 'nothing listens on the port: connection refused',
  kind: 'fails-fast',
  noParams: true,
  create() {
    return {
      label: 'refuse',
      refuses: true,
      accept(socket, conn) {
        conn.markOurs(monotonicMs());
        socket.resetAndDestroy();
        return true;
      },
      request(x) {
        x.close('rst');
      },
    };
  },
} satisfies BehaviourImplFor<ParamsOf<'refuse'>>;
