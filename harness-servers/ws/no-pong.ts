import { z } from 'zod';
import type { WsBehaviour } from './ws-behaviour.js';

// Echoes messages but ignores pings: a half-dead peer that a ping/pong heartbeat must detect.
const params = z.strictObject({});

export default {
  name: 'no-pong',
  description: 'echoes messages, ignores pings',
  kind: 'holds',
  params,
  explore: {},
  create: () => ({ label: 'no-pong', message: (c, data, isBinary) => c.send(data, isBinary), ping() {} }),
} satisfies WsBehaviour<typeof params>;
