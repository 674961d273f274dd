import { z } from 'zod';
import type { WsBehaviour } from './ws-behaviour.js';

// Healthy: every message comes back as it was sent; pings get pongs.
const params = z.strictObject({});

export default {
  name: 'echo',
  description: 'echoes every message, answers pings',
  kind: 'healthy',
  params,
  explore: {},
  create: () => ({ label: 'echo', message: (c, data, isBinary) => c.send(data, isBinary) }),
} satisfies WsBehaviour<typeof params>;
