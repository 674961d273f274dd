import type { WsBehaviourImplFor } from './ws-behaviour.js';
import type { ParamsOf } from './params.js';

// Echoes every message after a delay (pings still answered at once: the link is alive, the app slow).
export default {
  name: 'slow-messages',
  description: 'echoes every message after a delay',
  kind: 'holds',
  create(p) {
    return {
      label: 'slow-messages',
      message(c, data, isBinary) {
        const t = setTimeout(() => c.send(data, isBinary), p.delay);
        c.ws.once('close', () => clearTimeout(t));
      },
    };
  },
} satisfies WsBehaviourImplFor<ParamsOf<'slow-messages'>>;
