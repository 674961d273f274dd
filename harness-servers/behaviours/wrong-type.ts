import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';
import { htmlPage } from './html.js';

// Says application/json, sends HTML: a JSON parser fails on the first "<".
export default {
  name: 'wrong-type',
  description: 'Content-Type: application/json with an HTML body',
  kind: 'bad-input',
  create(p) {
    const body = htmlPage('Bad Gateway');
    const headers = ['content-type', 'application/json', 'content-length', String(body.length)];
    return { label: 'wrong-type', request: (x) => x.send(p.status, headers, body) };
  },
} satisfies BehaviourImplFor<ParamsOf<'wrong-type'>>;
