// A work service WITH per-client rate limits. GET /work holds one of POOL (default 3) work slots for
// WORK_MS (default 20): about 150 answers a second, shared by every client; requests beyond the slots
// wait in line. Before that, each client (the x-client-id header; none: one anonymous client) spends a
// token from its own bucket: LIMIT_RATE tokens a second (default 20), up to LIMIT_BURST (default 20).
// A client without a token is refused at once, before it can take a slot: 429 with Retry-After (the
// seconds until its next token). crumple's `rate-limit` check passes: the heavy client gets 429s that
// cost nothing, the others keep their p99. scenarios/targets/no-rate-limit.js is the same without buckets.
//   GET /work → 200 {"client": id} or 429 {"error": "rate limited"}    GET /health → 200
// Env: PORT, POOL, WORK_MS, LIMIT_RATE, LIMIT_BURST.
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const POOL = Number(process.env.POOL ?? 3);
const WORK_MS = Number(process.env.WORK_MS ?? 20);
const LIMIT_RATE = Number(process.env.LIMIT_RATE ?? 20);
const LIMIT_BURST = Number(process.env.LIMIT_BURST ?? 20);
const MAX_CLIENTS = 10_000; // buckets kept; the oldest goes first

const buckets = new Map(); // client id → { tokens, at }
function take(id) {
  const now = performance.now();
  let b = buckets.get(id);
  if (!b) {
    if (buckets.size >= MAX_CLIENTS) buckets.delete(buckets.keys().next().value);
    buckets.set(id, (b = { tokens: LIMIT_BURST, at: now }));
  }
  b.tokens = Math.min(LIMIT_BURST, b.tokens + ((now - b.at) / 1000) * LIMIT_RATE);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return Math.max(1, Math.ceil((1 - b.tokens) / LIMIT_RATE)); // seconds until the next token
}

// The shared capacity: POOL slots, a line for the rest.
let busy = 0;
const line = [];
function work(done) {
  if (busy >= POOL) return line.push(done);
  busy += 1;
  setTimeout(() => {
    busy -= 1;
    done();
    const next = line.shift();
    if (next) work(next);
  }, WORK_MS);
}

const server = http.createServer((req, res) => {
  const json = (status, body, headers = {}) => {
    const b = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b), ...headers });
    res.end(b);
  };
  if (req.url === '/health') return json(200, { ok: true });
  if (req.url !== '/work') return json(404, { error: 'not found' });
  const id = String(req.headers['x-client-id'] ?? 'anonymous');
  const wait = take(id);
  if (wait > 0) return json(429, { error: 'rate limited' }, { 'retry-after': String(wait) });
  work(() => json(200, { client: id }));
});
server.keepAliveTimeout = 5000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
