import { z } from 'zod';
import type { Behaviour } from '../behaviour.js';

// Reads the request, never answers, keeps the socket open and reading, so the client's close (FIN or
// RST) is seen and logged with how long it waited: the target's real timeout.
const params = z.strictObject({});

export default {
  name: 'hang',
  description: 'reads the request and never answers; records when the client gives up',
  kind: 'holds',
  params,
  explore: {},
  create() {
    return { label: 'hang', request() {} };
  },
} satisfies Behaviour<typeof params>;
