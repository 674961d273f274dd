import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// Valid HTTP, JSON content type, a body that is not JSON: cut off mid-document (cut) or with a
// corrupted token in the middle (corrupt). Content-Length matches what is sent.

const DOC = JSON.stringify({ items: [{ id: 1, name: 'widget', stock: 3 }, { id: 2, name: 'gadget', stock: 0 }], total: 2 });

export default {
  name: 'malformed',
  description: 'JSON content type with an invalid JSON body (cut off or corrupted)',
  kind: 'bad-input',
  create(p) {
    const text = p.mode === 'cut' ? DOC.slice(0, Math.floor(DOC.length * 0.6)) : DOC.replace('"stock":0', '"stock":0x,,');
    const body = Buffer.from(text);
    const headers = ['content-type', 'application/json', 'content-length', String(body.length)];
    return { label: 'malformed', request: (x) => x.send(p.status, headers, body) };
  },
} satisfies BehaviourImplFor<ParamsOf<'malformed'>>;
