import type { WsBehaviourImplFor } from './ws-behaviour.js';
import type { ParamsOf } from './params.js';

// Upgrades, then never sends a byte: no messages, no pongs. Only a client heartbeat notices.
export default {
  name: 'silent',
  description: 'upgrades and never sends anything (not even pongs)',
  kind: 'holds',
  noParams: true,
  create: () => ({ label: 'silent', message() {}, ping() {} }),
} satisfies WsBehaviourImplFor<ParamsOf<'silent'>>;
