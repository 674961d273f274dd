import type { WsBehaviourImplFor, WsConn } from './ws-behaviour.js';
import type { ParamsOf } from './params.js';

// Closes every client at once when it becomes active (and every `every` ms if set): the deploy or
// failover that provokes a reconnect storm. New connections are echoed until the next sweep.
export default {
  name: 'close-all',
  description: 'closes every client at once (a reconnect storm); optionally again every N ms',
  kind: 'fails-fast',
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
} satisfies WsBehaviourImplFor<ParamsOf<'close-all'>>;
