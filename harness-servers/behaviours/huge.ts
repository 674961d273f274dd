import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// An unbounded result set: a JSON array of items streamed (chunked) for as long as the client reads,
// or up to `mb` megabytes, respecting backpressure so the stand-in's memory stays flat.

const CHUNK = 64 * 1024;

export default {
  name: 'huge',
  description: 'a JSON array streamed endlessly (or up to N MB)',
  kind: 'bad-input',
  create(p) {
    const pad = 'x'.repeat(Math.max(0, p.itemBytes - 24));
    const items: string[] = [];
    let size = 0;
    for (let i = 0; size < CHUNK; i++) {
      const s = `{"id":${i},"pad":"${pad}"},`;
      items.push(s);
      size += s.length;
    }
    const chunk = Buffer.from(items.join(''));
    const limit = p.mb > 0 ? p.mb * 1024 * 1024 : Infinity;
    const headers = ['content-type', 'application/json', 'transfer-encoding', 'chunked'];
    return {
      label: 'huge',
      request(x) {
        const res = x.res;
        x.began(200);
        res.writeHead(200, headers);
        res.write('[');
        let sent = 1;
        let gone = false;
        x.onGone(() => (gone = true));
        const pump = () => {
          while (!gone) {
            if (sent + chunk.length >= limit) {
              res.end('{"id":-1}]');
              x.finished(sent + 10);
              return;
            }
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
        };
        pump();
      },
    };
  },
} satisfies BehaviourImplFor<ParamsOf<'huge'>>;
