import { z } from 'zod';
import type { Behaviour } from '../behaviour.js';
import { htmlPage } from './html.js';
import { oneOf } from '../../src/faults/kind.js';

// Says application/json, sends HTML: a JSON parser fails on the first "<".
const params = z.strictObject({
  status: z.number().int().min(100).max(599).default(200),
});

export default {
  name: 'wrong-type',
  description: 'Content-Type: application/json with an HTML body',
  kind: 'bad-input',
  params,
  explore: { status: oneOf(200, 201) },
  create(p) {
    const body = htmlPage('Bad Gateway');
    const headers = ['content-type', 'application/json', 'content-length', String(body.length)];
    return { label: 'wrong-type', request: (x) => x.send(p.status, headers, body) };
  },
} satisfies Behaviour<typeof params>;
