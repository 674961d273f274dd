import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// Headers at once (with the full Content-Length), then the body one small chunk per interval:
// a slow-drip response that defeats a connect timeout and only a total deadline catches.
export default {
  name: 'drip',
  description: 'headers at once, then the body one small chunk per interval',
  kind: 'holds',
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
} satisfies BehaviourImplFor<ParamsOf<'drip'>>;
