// A price service built to be killed: crash-only, nothing to warm. HAS fast restart and honest readiness.
// Everything it needs is computed before it listens (a small price table from PRICES, default 100
// items), so the moment its port accepts and /health answers, GET /price/:id answers too. A kill, a
// SIGSTOP or a restart costs it only its start-up time; crumple's `restart` check passes.
//   GET /price/:id → 200 {"id": n, "price": p, "source": "live"}    GET /health → 200
// Env: PORT, PRICES (items in the table).
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const items = Number(process.env.PRICES ?? 100);
const prices = new Map();
for (let i = 1; i <= items; i++) prices.set(i, Math.round(i * 137) / 100);

const server = http.createServer((req, res) => {
  const json = (status, body) => {
    const b = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
    res.end(b);
  };
  if (req.url === '/health') return json(200, { ok: true });
  const m = /^\/price\/(\d+)$/.exec(req.url ?? '');
  if (!m) return json(404, { error: 'not found' });
  const id = Number(m[1]);
  const price = prices.get(id);
  return price === undefined ? json(404, { error: 'no such item' }) : json(200, { id, price, source: 'live' });
});
server.keepAliveTimeout = 2000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
