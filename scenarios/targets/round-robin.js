// The stock service of scenarios/targets/failover.js WITHOUT failover: it spreads GET /stock over the
// replicas of INVENTORY_URLS in strict round robin, whatever they do. Each call has a deadline of
// TIMEOUT_MS (default 1000) and a failure is a 503; nothing is ejected or retried elsewhere, so a hung
// replica keeps getting its share (1/N of the calls, each waiting out the deadline). crumple's
// `failover` check fails with "No failover".
//   GET /stock → 200 {"stock": n, "replica": i} or 503    GET /health → 200
// Env: PORT, INVENTORY_URLS, TIMEOUT_MS.
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 1000);
const replicas = (process.env.INVENTORY_URLS ?? '').split(',').filter(Boolean).map((u) => new URL(u));
if (!replicas.length) throw new Error('INVENTORY_URLS is empty');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 2000 });
let next = 0;

function call(url) {
  return new Promise((resolve) => {
    const req = http.get({ host: url.hostname, port: url.port, path: '/items/1', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        clearTimeout(deadline);
        try {
          resolve((res.statusCode ?? 500) < 500 ? JSON.parse(body) : undefined);
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    const deadline = setTimeout(() => req.destroy(new Error('deadline')), TIMEOUT_MS);
    req.on('error', () => {
      clearTimeout(deadline);
      resolve(undefined);
    });
  });
}

const server = http.createServer(async (req, res) => {
  const json = (status, body) => {
    const b = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
    res.end(b);
  };
  if (req.url === '/health') return json(200, { ok: true });
  if (req.url !== '/stock') return json(404, { error: 'not found' });
  const i = next;
  next = (next + 1) % replicas.length;
  const got = await call(replicas[i]);
  return got ? json(200, { stock: got.stock ?? null, replica: i + 1 }) : json(503, { error: `replica ${i + 1} failed` });
});
server.keepAliveTimeout = 2000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
