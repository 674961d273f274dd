// An order service with two dependencies and no known bug: the control for `crumple explore`, which
// should find nothing here. GET /order calls, in parallel:
//   stock  (STOCK_URL, GET /items/1, JSON)  — unknown stock is tolerable: 200 {"stock": null, "degraded": true}
//   price  (PRICE_URL, GET /prices/1, JSON) — no price, no order: 503 at once
// Stability patterns (env knobs):
//   TIMEOUT_MS        one total deadline per call: connect, headers and body (default 500)
//   BUDGET_MS         deadline of a whole request, retry included (default 1000)
//   BREAKER_FAILURES  consecutive failures that open a dependency's breaker (default 5)
//   BREAKER_RESET_MS  open time before ONE half-open probe (default 1000)
//   MAX_INFLIGHT      concurrent /order requests; beyond it 503 + Retry-After at once (default 50)
//   RETRIES           extra attempts per dependency per request, 0 or 1 (default 1)
//   BACKOFF_MS        backoff before the retry, with full jitter (default 50)
// Bodies are capped at 64 KB, the content type checked, JSON parsed in try/catch. A failure of any kind
// (status, connection, timeout, bad body) is one failure to the breaker, and every breaker transition
// clears the probe flag. A retry happens only for an idempotent GET, only after a fast failure (refused,
// reset, 429/5xx; never after a timeout or a bad body), only while the breaker is closed and only when the
// budget still has room. So: at most 2 calls per dependency per request, every answer within about
// BUDGET_MS, /health untouched by whatever the dependencies do, and back to normal within about
// BREAKER_RESET_MS + TIMEOUT_MS after the faults clear.
//
// GET /health answers 200 without calling. Env: PORT, STOCK_URL, PRICE_URL and the above.
import http from 'node:http';

const env = (k, d) => (process.env[k] === undefined ? d : Number(process.env[k]));
const port = env('PORT', 3000);
const TIMEOUT_MS = env('TIMEOUT_MS', 500);
const BUDGET_MS = env('BUDGET_MS', 1000);
const BREAKER_FAILURES = env('BREAKER_FAILURES', 5);
const BREAKER_RESET_MS = env('BREAKER_RESET_MS', 1000);
const MAX_INFLIGHT = env('MAX_INFLIGHT', 50);
const RETRIES = Math.min(1, env('RETRIES', 1));
const BACKOFF_MS = env('BACKOFF_MS', 50);
const MAX_BODY = 64 * 1024;
// Keep-alive, at most 64 sockets per dependency; idle ones dropped after 2 s (before the dependency's own idle timeout).
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 2000 });

/** A dependency: where it is, and its own breaker. */
function dependency(name, url, path) {
  return { name, url: new URL(url), path, breaker: { state: 'closed', failures: 0, openedAt: 0, probing: false } };
}
const stock = dependency('stock', process.env.STOCK_URL ?? 'http://127.0.0.1:4001', '/items/1');
const price = dependency('price', process.env.PRICE_URL ?? 'http://127.0.0.1:4002', '/prices/1');

// closed → (BREAKER_FAILURES in a row) → open → (BREAKER_RESET_MS) → half-open: one probe → closed | open.
/** May this request call the dependency? Returns 'call', 'probe' or undefined (no). */
function gate(b) {
  if (b.state === 'closed') return 'call';
  if (b.state === 'open' && Date.now() - b.openedAt >= BREAKER_RESET_MS) b.state = 'half-open';
  if (b.state === 'half-open' && !b.probing) {
    b.probing = true;
    return 'probe';
  }
  return undefined;
}
function settle(b, ok, how) {
  if (ok) {
    Object.assign(b, { state: 'closed', failures: 0, probing: false });
    return;
  }
  b.failures += 1;
  if (how === 'probe' || (b.state === 'closed' && b.failures >= BREAKER_FAILURES)) {
    Object.assign(b, { state: 'open', openedAt: Date.now(), probing: false });
  }
}

/** One GET within `ms`, never rejects: {ok: true, value} or {ok: false, kind, detail}. */
function call(dep, ms) {
  return new Promise((resolve) => {
    let done = false;
    let head = false;
    const chunks = [];
    let size = 0;
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const fail = (kind, detail) => {
      finish({ ok: false, kind, detail });
      req.destroy();
    };
    const req = http.get(new URL(dep.path, dep.url), { agent, headers: { accept: 'application/json' } }, (res) => {
      head = true;
      res.on('data', (c) => {
        size += c.length;
        if (size > MAX_BODY) fail('bad-body', `answer over ${MAX_BODY} bytes`);
        else chunks.push(c);
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return finish({ ok: false, kind: 'status', status, detail: `answered ${status}` });
        const type = String(res.headers['content-type'] ?? '');
        if (!/\bjson\b/i.test(type)) return finish({ ok: false, kind: 'bad-body', detail: `content type ${type || 'none'}` });
        try {
          const value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          if (value === null || typeof value !== 'object') throw new Error('not a JSON object');
          finish({ ok: true, value });
        } catch {
          finish({ ok: false, kind: 'bad-body', detail: 'invalid JSON' });
        }
      });
      res.on('error', () => fail('bad-body', 'answer cut off'));
      res.on('close', () => { if (!res.complete) fail('bad-body', 'answer cut off'); });
    });
    const timer = setTimeout(() => fail('timeout', `no full answer within ${ms} ms`), ms);
    req.on('error', (e) => {
      const code = String(e.code ?? e.message);
      if (head) fail('bad-body', 'answer cut off');
      else if (code.startsWith('HPE_')) fail('bad-body', `not HTTP (${code})`);
      else fail('connection', code);
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const retryable = (r) => r.kind === 'connection' || (r.kind === 'status' && (r.status === 429 || r.status >= 500));

/** The dependency's answer within the request's deadline, through its breaker, with at most one retry. */
async function ask(dep, deadline) {
  let last = { ok: false, kind: 'open', detail: 'breaker open' };
  for (let attempt = 0; attempt <= RETRIES; attempt++) {
    if (attempt > 0) {
      if (!retryable(last) || dep.breaker.state !== 'closed') break;
      await sleep(Math.random() * BACKOFF_MS);
    }
    const left = deadline - Date.now();
    if (left < 50) break;
    const how = gate(dep.breaker);
    if (!how) break;
    last = await call(dep, Math.min(TIMEOUT_MS, left));
    settle(dep.breaker, last.ok, how);
    if (last.ok) return last;
  }
  return last;
}

function send(res, status, body, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function order(res) {
  const deadline = Date.now() + BUDGET_MS;
  const stockP = ask(stock, deadline);
  const p = await ask(price, deadline);
  if (!p.ok) {
    send(res, 503, { error: `price unavailable: ${p.kind} (${p.detail})` }, { 'retry-after': '1' });
    await stockP; // answered already; the in-flight slot stays held until the stock call is over too
    return;
  }
  const s = await stockP;
  if (!s.ok) return send(res, 200, { ordered: true, price: p.value, stock: null, degraded: true, reason: `stock ${s.kind}` });
  send(res, 200, { ordered: true, price: p.value, stock: s.value });
}

let inflight = 0;
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/health') return send(res, 200, { ok: true, inflight, stock: stock.breaker.state, price: price.breaker.state });
  if (url.pathname !== '/order' || req.method !== 'GET') return send(res, 404, { error: 'not found' });
  if (inflight >= MAX_INFLIGHT) return send(res, 503, { error: 'busy' }, { 'retry-after': '1' });
  inflight++;
  order(res)
    .catch((err) => send(res, 500, { error: String(err?.message ?? err) }))
    .finally(() => { inflight--; });
});
server.listen(port, '127.0.0.1', () => console.log(`sturdy target listening on ${port}, stock ${stock.url.href}, price ${price.url.href}`));

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  agent.destroy();
  setTimeout(() => process.exit(0), 1000).unref();
});
