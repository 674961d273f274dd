import { z } from 'zod';
import type { Behaviour } from '../behaviour.js';
import { oneOf } from '../../src/faults/kind.js';

// Valid HTTP, JSON content type, a body that is not JSON: cut off mid-document (cut) or with a
// corrupted token in the middle (corrupt). Content-Length matches what is sent.
const params = z.strictObject({
  status: z.number().int().min(100).max(599).default(200),
  mode: z.enum(['cut', 'corrupt']).default('cut'),
});

const DOC = JSON.stringify({ items: [{ id: 1, name: 'widget', stock: 3 }, { id: 2, name: 'gadget', stock: 0 }], total: 2 });

export default {
  name: 'malformed',
  description: 'JSON content type with an invalid JSON body (cut off or corrupted)',
  kind: 'bad-input',
  params,
  explore: { status: oneOf(200), mode: oneOf('cut', 'corrupt') },
  create(p) {
    const text = p.mode === 'cut' ? DOC.slice(0, Math.floor(DOC.length * 0.6)) : DOC.replace('"stock":0', '"stock":0x,,');
    const body = Buffer.from(text);
    const headers = ['content-type', 'application/json', 'content-length', String(body.length)];
    return { label: 'malformed', request: (x) => x.send(p.status, headers, body) };
  },
} satisfies Behaviour<typeof params>;
