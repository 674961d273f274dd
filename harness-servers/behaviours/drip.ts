import { z } from 'zod';
import { durationSchema } from '../../src/unit-schemas.js';
import type { Behaviour } from '../behaviour.js';
import { oneOf, log } from '../../src/faults/kind.js';

// Headers at once (with the full Content-Length), then the body one small chunk per interval:
// a slow-drip response that defeats a connect timeout and only a total deadline catches.
const params = z.strictObject({
  interval: durationSchema.default(1000),
  /** Bytes per chunk. */
  chunk: z.number().int().min(1).max(65536).default(16),
  /** Chunks in the body (total = chunk × chunks). */
  chunks: z.number().int().min(1).max(1_000_000).default(30),
  status: z.number().int().min(100).max(599).default(200),
});

export default {
  name: 'drip',
  description: 'headers at once, then the body one small chunk per interval',
  kind: 'holds',
  params,
  explore: { interval: log(10, 5000, 'ms'), chunk: log(1, 4096, 'bytes'), chunks: log(1, 1000), status: oneOf(200) },
  create(p) {
    const total = p.chunk * p.chunks;
    // A JSON string of spaces is valid JSON once complete: ["   ...   "]
    const body = Buffer.alloc(total, 0x20);
    if (total >= 4) {
      body.write('["', 0);
      body.write('"]', total - 2);
    }
    const headers = ['content-type', 'application/json', 'content-length', String(total)];
    return {
      label: 'drip',
      request(x) {
        x.began(p.status);
        x.res.writeHead(p.status, headers);
        x.res.flushHeaders();
        let i = 0;
        const timer = setInterval(() => {
          const part = body.subarray(i * p.chunk, (i + 1) * p.chunk);
          i++;
          if (i >= p.chunks) {
            clearInterval(timer);
            x.res.end(part);
            x.finished(total);
          } else x.res.write(part);
        }, p.interval);
        x.onGone(() => clearInterval(timer));
      },
    };
  },
} satisfies Behaviour<typeof params>;
