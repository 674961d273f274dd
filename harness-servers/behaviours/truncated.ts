import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// Content-Length promises more than is sent, then a clean close: the caller's body read ends early
// (node: "aborted"/ECONNRESET; curl: "transfer closed with N bytes remaining").
export default {
  name: 'truncated',
  description: 'Content-Length larger than what is sent, then close',
  kind: 'bad-input',
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
} satisfies BehaviourImplFor<ParamsOf<'truncated'>>;
