// A search service behind a small connection pool that hides ONE capacity bug: a target for `crumple explore`.
// GET /search calls BACKEND_URL (GET /q) through a concurrency limiter:
//   POOL              calls to the backend at once; the others wait for a slot, first come first served (default 4)
//   TIMEOUT_MS        deadline of one backend call, headers and body included (default 800)
//   BREAKER_FAILURES  consecutive failed calls that open a breaker (default POOL: one full pool of failures)
//   BREAKER_RESET_MS  how long it stays open before one half-open probe (default 1000)
// Answers: 200 with the results; 502 when the call failed (504 when it timed out); 503 at once while
// the breaker is open (waiting requests are answered 503 when their turn comes). Every single fault is
// handled at modest load: errors, resets, refusals and bad bodies fail fast; a hang or a very slow
// backend is cut at TIMEOUT_MS and then the breaker opens, so at ~10 req/s every request is answered
// within about a second; a healthy backend copes with high load.
//
// HIDDEN BUG (on purpose): TIMEOUT_MS covers only the call itself, NOT the wait for a slot, and that wait
// is an unbounded FIFO queue with no deadline and no cap. When the backend is slow but still succeeds
// (e.g. `slow` 200-700 ms, under TIMEOUT_MS, so the breaker never opens) AND requests arrive faster than
// POOL / latency (> 20 req/s at 200 ms with 4 slots; or 40 at once), the queue grows without bound and
// requests wait far past any client timeout (seconds, then tens of seconds). Neither a slow backend at
// low load nor high load on a healthy backend shows it.
//
// GET /health answers 200 (with pool numbers) without calling. Env: PORT, BACKEND_URL and the above.
import http from 'node:http';

const env = (k, d) => (process.env[k] === undefined ? d : Number(process.env[k]));
const port = env('PORT', 3000);
const backend = new URL(process.env.BACKEND_URL ?? 'http://127.0.0.1:4000');
const POOL = Math.max(1, env('POOL', 4));
const TIMEOUT_MS = env('TIMEOUT_MS', 800);
const BREAKER_FAILURES = env('BREAKER_FAILURES', POOL);
const BREAKER_RESET_MS = env('BREAKER_RESET_MS', 1000);
const MAX_BODY = 64 * 1024;
// The pool's connections: at most POOL in use (the limiter sees to it), idle ones dropped after 2 s.
const agent = new http.Agent({ keepAlive: true, maxSockets: POOL, maxFreeSockets: POOL, timeout: 2000 });

// The limiter: `busy` slots in use, `waiting` resolvers in arrival order.
let busy = 0;
const waiting = [];
function acquire() {
  if (busy < POOL) {
    busy++;
    return Promise.resolve();
  }
  return new Promise((resolve) => waiting.push(resolve)); // BUG (the hidden one): no deadline, no cap
}
function release() {
  const next = waiting.shift();
  if (next) next(); // the slot passes straight on
  else busy--;
}

// closed → (BREAKER_FAILURES in a row) → open → (BREAKER_RESET_MS) → half-open: one probe → closed | open
const breaker = { state: 'closed', failures: 0, openedAt: 0, probing: false };
function breakerOpenNow() {
  if (breaker.state === 'closed') return false;
  if (breaker.state === 'open' && Date.now() - breaker.openedAt >= BREAKER_RESET_MS) breaker.state = 'half-open';
  return breaker.state === 'open' || breaker.probing;
}
function breakerAllows() {
  if (breakerOpenNow()) return { allowed: false, probe: false };
  if (breaker.state === 'half-open') {
    breaker.probing = true;
    return { allowed: true, probe: true };
  }
  return { allowed: true, probe: false };
}
function breakerResult(ok, wasProbe) {
  if (ok) {
    Object.assign(breaker, { state: 'closed', failures: 0, probing: false });
    return;
  }
  breaker.failures += 1;
  if (wasProbe || (breaker.state === 'closed' && breaker.failures >= BREAKER_FAILURES)) {
    Object.assign(breaker, { state: 'open', openedAt: Date.now(), probing: false });
  }
}

/** One GET, never rejects: {ok: true, value} or {ok: false, kind, detail}. */
function call(path) {
  return new Promise((resolve) => {
    let done = false;
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
    const req = http.get(new URL(path, backend), { agent, headers: { accept: 'application/json' } }, (res) => {
      res.on('data', (c) => {
        size += c.length;
        if (size > MAX_BODY) fail('bad-body', 'answer too large');
        else chunks.push(c);
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return finish({ ok: false, kind: 'status', detail: `answered ${status}` });
        try {
          finish({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch {
          finish({ ok: false, kind: 'bad-body', detail: 'invalid JSON' });
        }
      });
      res.on('error', () => fail('bad-body', 'answer cut off'));
      res.on('close', () => { if (!res.complete) fail('bad-body', 'answer cut off'); });
    });
    // The deadline starts here, once a slot is held: the wait for the slot is not counted.
    const timer = setTimeout(() => fail('timeout', `no answer within ${TIMEOUT_MS} ms`), TIMEOUT_MS);
    req.on('error', (e) => fail('error', String(e.code ?? e.message)));
  });
}

function send(res, status, body) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function search(res) {
  if (breakerOpenNow()) return send(res, 503, { error: 'backend breaker open' });
  await acquire();
  try {
    const gate = breakerAllows(); // it may have opened while this request waited
    if (!gate.allowed) return send(res, 503, { error: 'backend breaker open' });
    const r = await call('/q');
    breakerResult(r.ok, gate.probe);
    if (r.ok) send(res, 200, { results: r.value });
    else send(res, r.kind === 'timeout' ? 504 : 502, { error: `backend ${r.kind}: ${r.detail}` });
  } finally {
    release();
  }
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/health') return send(res, 200, { ok: true, busy, waiting: waiting.length, breaker: breaker.state });
  if (url.pathname !== '/search' || req.method !== 'GET') return send(res, 404, { error: 'not found' });
  search(res).catch((err) => send(res, 500, { error: String(err?.message ?? err) }));
});
server.listen(port, '127.0.0.1', () => console.log(`pool-limit target listening on ${port}, backend ${backend.href}, pool ${POOL}`));

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  agent.destroy();
  setTimeout(() => process.exit(0), 1000).unref();
});
