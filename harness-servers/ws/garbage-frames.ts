import { randomBytes } from '../behaviour.js';
import type { WsBehaviourImplFor, WsConn } from './ws-behaviour.js';
import type { ParamsOf } from './params.js';

// Bytes that are not a valid WebSocket frame (reserved bits and opcode set, then seeded noise), on
// open and after every message: the client's parser must fail and close with 1002.
export default {
  name: 'garbage-frames',
  description: 'sends invalid WebSocket frames (seeded random bytes)',
  kind: 'bad-input',
  create(p, env) {
    const rng = env.rng();
    const spit = (c: WsConn) => {
      const b = randomBytes(rng, p.bytes);
      b[0] = 0xf3; // FIN + RSV1-3 + reserved opcode 3: invalid for every client
      if (!c.socket.destroyed) c.socket.write(b);
    };
    return { label: 'garbage-frames', open: spit, message: (c) => spit(c), ping() {} };
  },
} satisfies WsBehaviourImplFor<ParamsOf<'garbage-frames'>>;
