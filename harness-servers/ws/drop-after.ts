import type { WsBehaviourImplFor, WsConn } from './ws-behaviour.js';
import type { ParamsOf } from './params.js';

// Echoes, and after the Nth message received on a connection drops it: without a close frame
// (terminate, the default: what a crashed peer or a NAT timeout looks like) or with one (close).
export default {
  name: 'drop-after',
  description: 'echoes, then drops the connection after N messages',
  kind: 'fails-fast',
  create(p) {
    const drop = (c: WsConn) =>
      p.how === 'terminate' ? c.terminate() : c.close(p.code, 'drop-after');
    return {
      label: 'drop-after',
      open(c) {
        if (p.messages === 0) drop(c);
      },
      message(c, data, isBinary) {
        if (c.received > p.messages) return drop(c);
        c.send(data, isBinary);
        if (c.received >= p.messages) drop(c);
      },
    };
  },
} satisfies WsBehaviourImplFor<ParamsOf<'drop-after'>>;
