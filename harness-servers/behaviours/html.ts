import { z } from 'zod';
import type { Behaviour } from '../behaviour.js';
import { oneOf, fixed } from '../../src/faults/kind.js';

// A proxy's maintenance page where JSON is expected: text/html, status 200 by default (what a
// caller that only checks the status will happily try to parse).
const params = z.strictObject({
  status: z.number().int().min(100).max(599).default(200),
  title: z.string().max(200).default('Service Temporarily Unavailable'),
});

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
  params,
  explore: { status: oneOf(200, 502, 503), title: fixed('any text makes the same HTML page') },
  create(p) {
    const body = htmlPage(p.title);
    const headers = ['content-type', 'text/html; charset=utf-8', 'content-length', String(body.length)];
    return { label: 'html', request: (x) => x.send(p.status, headers, body) };
  },
} satisfies Behaviour<typeof params>;
