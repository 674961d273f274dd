// A price service that LACKS honest readiness: after every start it builds its price cache for
// WARMUP_MS (default 3000 ms) and answers GET /price/:id with 503 until the cache is warm, while
// /health says 200 from the first moment. Its readiness probe passes at once, so crumple's `restart`
// check sees it "ready" in milliseconds and clients failing for seconds: a slow restart hidden behind
// a probe that says ready too early. (Steady state, it serves like scenarios/targets/quick-restart.js.)
//   GET /price/:id → 200 {"id": n, "price": p, "source": "live"} once warm, else 503    GET /health → 200
// Env: PORT, WARMUP_MS, PRICES (items in the table).
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const warmupMs = Number(process.env.WARMUP_MS ?? 3000);
const items = Number(process.env.PRICES ?? 100);
const prices = new Map();
let warm = false;
setTimeout(() => {
  for (let i = 1; i <= items; i++) prices.set(i, Math.round(i * 137) / 100);
  warm = true;
}, warmupMs);

const server = http.createServer((req, res) => {
  const json = (status, body) => {
    const b = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
    res.end(b);
  };
  if (req.url === '/health') return json(200, { ok: true }); // the lie: ready before it can serve
  const m = /^\/price\/(\d+)$/.exec(req.url ?? '');
  if (!m) return json(404, { error: 'not found' });
  if (!warm) return json(503, { error: 'warming up' });
  const id = Number(m[1]);
  const price = prices.get(id);
  return price === undefined ? json(404, { error: 'no such item' }) : json(200, { id, price, source: 'live' });
});
server.keepAliveTimeout = 2000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
