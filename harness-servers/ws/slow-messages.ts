import { z } from 'zod';
import { durationSchema } from '../../src/unit-schemas.js';
import type { WsBehaviour } from './ws-behaviour.js';
import { log } from '../../src/faults/kind.js';

// Echoes every message after a delay (pings still answered at once: the link is alive, the app slow).
const params = z.strictObject({
  delay: durationSchema.default(1000),
});

export default {
  name: 'slow-messages',
  description: 'echoes every message after a delay',
  kind: 'holds',
  params,
  explore: { delay: log(10, 10_000, 'ms') },
  create(p) {
    return {
      label: 'slow-messages',
      message(c, data, isBinary) {
        const t = setTimeout(() => c.send(data, isBinary), p.delay);
        c.ws.once('close', () => clearTimeout(t));
      },
    };
  },
} satisfies WsBehaviour<typeof params>;
