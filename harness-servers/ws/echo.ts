import type { WsBehaviourImplFor } from './ws-behaviour.js';
import type { ParamsOf } from './params.js';

// Healthy: every message comes back as it was sent; pings get pongs.
export default {
  name: 'echo',
  description: 'echoes every message, answers pings',
  kind: 'healthy',
  noParams: true,
  create: () => ({ label: 'echo', message: (c, data, isBinary) => c.send(data, isBinary) }),
} satisfies WsBehaviourImplFor<ParamsOf<'echo'>>;
