// A price service that HAS a fallback. GET /price calls PRICING_URL at GET /prices/1 with a deadline
// of TIMEOUT_MS (default 300) and remembers the last good price. When the call fails (an error status,
// a refused or reset connection, the deadline, a body that is not JSON with a numeric price) it answers
// 200 with the remembered price, marked degraded: {"price": p, "source": "cache"}; with nothing
// remembered yet, 503. crumple's `fallback` check passes: during pricing faults, answers are degraded,
// not failed. scenarios/targets/no-fallback.js is the same service without the fallback.
//   GET /price → 200 {"price": p, "source": "live" | "cache"} or 503    GET /health → 200
// Env: PORT, PRICING_URL, TIMEOUT_MS.
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 300);
const pricing = new URL(process.env.PRICING_URL ?? 'http://127.0.0.1:4001');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 2000 });
let lastGood; // the fallback: the last price the dependency gave

function livePrice() {
  return new Promise((resolve) => {
    const req = http.get({ host: pricing.hostname, port: pricing.port, path: '/prices/1', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body.length < 65536 ? (body += c) : undefined));
      res.on('end', () => {
        clearTimeout(deadline);
        try {
          const p = JSON.parse(body).price;
          resolve((res.statusCode ?? 500) < 400 && typeof p === 'number' ? p : undefined);
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
  if (req.url !== '/price') return json(404, { error: 'not found' });
  const p = await livePrice();
  if (p !== undefined) {
    lastGood = p;
    return json(200, { price: p, source: 'live' });
  }
  return lastGood !== undefined ? json(200, { price: lastGood, source: 'cache' }) : json(503, { error: 'pricing unavailable' });
});
server.keepAliveTimeout = 2000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
