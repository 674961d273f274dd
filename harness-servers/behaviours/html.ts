import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// A proxy's maintenance page where JSON is expected: text/html, status 200 by default (what a
// caller that only checks the status will happily try to parse).

export function htmlPage(title: string): Buffer {
  const t = title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return Buffer.from(
    `<!DOCTYPE html>\n<html><head><title>${t}</title></head>\n<body><center><h1>${t}</h1></center>\n` +
      `<hr><center>nginx</center>\n<p>The server is temporarily unable to service your request due to maintenance downtime.</p>\n</body></html>\n`,
  );
}

export default {
  name: 'html',
  description: 'an HTML error page (a proxy\'s maintenance page) where JSON is expected',
  kind: 'bad-input',
  create(p) {
    const body = htmlPage(p.title);
    const headers = ['content-type', 'text/html; charset=utf-8', 'content-length', String(body.length)];
    return { label: 'html', request: (x) => x.send(p.status, headers, body) };
  },
} satisfies BehaviourImplFor<ParamsOf<'html'>>;
