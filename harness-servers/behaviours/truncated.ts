import { z } from 'zod';
import type { Behaviour } from '../behaviour.js';
import { oneOf, log } from '../../src/faults/kind.js';

// Content-Length promises more than is sent, then a clean close: the caller's body read ends early
// (node: "aborted"/ECONNRESET; curl: "transfer closed with N bytes remaining").
const params = z
  .strictObject({
    /** Content-Length announced. */
    declared: z.number().int().min(1).max(1 << 30).default(4096),
    /** Bytes actually sent. */
    sent: z.number().int().min(0).default(1024),
    status: z.number().int().min(100).max(599).default(200),
  })
  .refine((p) => p.sent < p.declared, { error: 'sent must be less than declared', path: ['sent'] });

export default {
  name: 'truncated',
  description: 'Content-Length larger than what is sent, then close',
  kind: 'bad-input',
  params,
  explore: { declared: log(2048, 1 << 20, 'bytes'), sent: oneOf(0, 1, 16, 512), status: oneOf(200) },
  create(p) {
    const body = Buffer.alloc(p.sent, 0x20);
    if (p.sent > 0) body[0] = 0x5b; // "[" so it starts like the JSON it promised
    const headers = ['content-type', 'application/json', 'content-length', String(p.declared)];
    return {
      label: 'truncated',
      request(x) {
        x.began(p.status);
        x.res.writeHead(p.status, headers);
        x.res.write(body, () => x.close('fin'));
      },
    };
  },
} satisfies Behaviour<typeof params>;
