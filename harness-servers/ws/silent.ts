import { z } from 'zod';
import type { WsBehaviour } from './ws-behaviour.js';

// Upgrades, then never sends a byte: no messages, no pongs. Only a client heartbeat notices.
const params = z.strictObject({});

export default {
  name: 'silent',
  description: 'upgrades and never sends anything (not even pongs)',
  kind: 'holds',
  params,
  explore: {},
  create: () => ({ label: 'silent', message() {}, ping() {} }),
} satisfies WsBehaviour<typeof params>;
