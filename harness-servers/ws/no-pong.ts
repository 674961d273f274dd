import type { WsBehaviourImplFor } from './ws-behaviour.js';
import type { ParamsOf } from './params.js';

// Echoes messages but ignores pings: a half-dead peer that a ping/pong heartbeat must detect.
export default {
  name: 'no-pong',
  description: 'echoes messages, ignores pings',
  kind: 'holds',
  noParams: true,
  create: () => ({ label: 'no-pong', message: (c, data, isBinary) => c.send(data, isBinary), ping() {} }),
} satisfies WsBehaviourImplFor<ParamsOf<'no-pong'>>;
