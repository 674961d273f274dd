// An order service whose retries are SAFE. POST /orders charges PAYMENTS_URL at POST /charges and, when
// the call fails (a 5xx, a reset or refused connection, no answer within TIMEOUT_MS, default 500), tries
// again, up to ATTEMPTS (default 4) with a short backoff. It makes ONE idempotency key per order
// (Idempotency-Key header) and sends that same key on every attempt, so payments applies a retried
// charge once. It forwards the caller's X-Request-Id, as services do for tracing: that is how crumple
// tells a retry from the next order. crumple's `idempotency` check passes.
// scenarios/targets/no-idempotency.js is the same service with a fresh key (or none) per attempt.
//   POST /orders → 201 {"charged": true, "attempts": n} or 502    GET /health → 200
// Env: PORT, PAYMENTS_URL, TIMEOUT_MS, ATTEMPTS.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

const port = Number(process.env.PORT ?? 3000);
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 500);
const ATTEMPTS = Number(process.env.ATTEMPTS ?? 4);
const payments = new URL(process.env.PAYMENTS_URL ?? 'http://127.0.0.1:4001');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 2000 });

/** One attempt: resolves true on a 2xx, false on anything else (status, reset, refused, deadline). */
function charge(body, headers) {
  return new Promise((resolve) => {
    const req = http.request({ host: payments.hostname, port: payments.port, path: '/charges', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => {
        clearTimeout(deadline);
        resolve((res.statusCode ?? 500) < 300);
      });
      res.on('error', () => resolve(false));
    });
    const deadline = setTimeout(() => req.destroy(new Error('deadline')), TIMEOUT_MS);
    req.on('error', () => {
      clearTimeout(deadline);
      resolve(false);
    });
    req.end(body);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = http.createServer((req, res) => {
  const json = (status, body) => {
    const b = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
    res.end(b);
  };
  if (req.url === '/health') return json(200, { ok: true });
  if (req.url !== '/orders' || req.method !== 'POST') return json(404, { error: 'not found' });
  req.resume();
  req.on('end', async () => {
    const key = randomUUID(); // one key per order, made before the first attempt
    const trace = req.headers['x-request-id'] ? { 'x-request-id': req.headers['x-request-id'] } : {};
    const body = JSON.stringify({ amount: 1299, currency: 'EUR' });
    for (let i = 1; i <= ATTEMPTS; i++) {
      if (await charge(body, { 'idempotency-key': key, ...trace })) return json(201, { charged: true, attempts: i });
      if (i < ATTEMPTS) await sleep(20 * 2 ** (i - 1));
    }
    json(502, { error: 'payments unavailable' });
  });
});
server.keepAliveTimeout = 2000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
