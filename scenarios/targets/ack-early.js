// The queue consumer of scenarios/targets/queue-worker.js that ACKS EARLY: it polls QUEUE_URL for up to
// BATCH messages and deletes each at once, then works on it for WORK_MS (default 300) and records the
// result at LEDGER_URL (POST /entries, the message id as Idempotency-Key). Killed mid-message, the
// messages in hand are gone: deleted from the queue, never recorded. crumple's `delivery` check fails
// with "Lost message".
//   GET /health → 200 (the worker is polling)
// Env: PORT, QUEUE_URL, LEDGER_URL, WORK_MS, BATCH.
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const WORK_MS = Number(process.env.WORK_MS ?? 300);
const BATCH = Number(process.env.BATCH ?? 10);
const queue = new URL(process.env.QUEUE_URL ?? 'http://127.0.0.1:4001');
const ledger = new URL(process.env.LEDGER_URL ?? 'http://127.0.0.1:4002');
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** One HTTP call: resolves { status, body } or { status: 0 } on a network error or after 5 s. */
function call(base, method, path, body, headers = {}) {
  return new Promise((resolve) => {
    const b = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: base.hostname, port: base.port, method, path, agent, timeout: 5000, headers: { ...(b ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) } : { 'content-length': 0 }), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', () => resolve({ status: 0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0 }));
    req.end(b);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function handle(m) {
  await call(queue, 'DELETE', `/messages/${encodeURIComponent(m.receipt)}`); // the bug: acknowledged before the work
  await sleep(WORK_MS); // the work
  await call(ledger, 'POST', '/entries', { message: m.id, body: m.body }, { 'idempotency-key': m.id });
}

async function poll() {
  for (;;) {
    const r = await call(queue, 'POST', `/receive?max=${BATCH}&wait=1s`);
    if (r.status !== 200) {
      await sleep(100);
      continue;
    }
    const { messages } = JSON.parse(r.body);
    await Promise.all(messages.map(handle));
  }
}

http
  .createServer((req, res) => {
    res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: req.url === '/health' }));
  })
  .listen(port, '127.0.0.1', () => void poll());
process.on('SIGTERM', () => process.exit(0));
