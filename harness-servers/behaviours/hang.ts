import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// Reads the request, never answers, keeps the socket open and reading, so the client's close (FIN or
// RST) is seen and logged with how long it waited: the target's real timeout.
export default {
  name: 'hang',
  description: 'reads the request and never answers; records when the client gives up',
  kind: 'holds',
  noParams: true,
  create() {
    return { label: 'hang', request() {} };
  },
} satisfies BehaviourImplFor<ParamsOf<'hang'>>;
