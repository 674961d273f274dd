// A checkout service whose circuit breaker hides ONE state-machine bug: a target for `crumple explore`.
// GET /checkout calls INVENTORY_URL (GET /items/1) with a total deadline and a circuit breaker:
//   TIMEOUT_MS        give up on a call after this long, headers and body included (default 500)
//   BREAKER_FAILURES  consecutive failures that open the breaker (default 5)
//   BREAKER_RESET_MS  how long it stays open before a half-open state lets ONE probe through (default 1000)
// Answers: 200 with the item; 502 when the call failed (504 when it timed out); 503 at once, without
// calling, while the breaker is open or a probe is already out. A probe that succeeds closes the
// breaker; one that fails re-opens it. Failures are classified by kind — `status` (non-2xx),
// `connection` (refused, reset, closed before an answer), `timeout`, `bad-body` — and the breaker
// remembers the kind that opened it. Every single kind of fault is handled, and once it ends the
// breaker closes again and checkouts are 200 again.
//
// HIDDEN BUG (on purpose): the breaker treats "opened on error statuses, then the probe cannot even
// connect" as the dependency restarting, and re-opens through a special branch that forgets to clear
// the probe-in-flight flag. From then on every half-open turn sees a probe "already out", so no probe
// is ever sent again: 503 forever, even after the dependency is healthy. Trigger: inventory `status 500`
// (or any error status) until the breaker opens, then `reset` / `refuse` / `close-early` while the
// probe goes out, then `ok`. Opening on resets and probing into 5xx, or one kind throughout, recovers.
//
// GET /health answers 200 (with the breaker's state) without calling. Env: PORT, INVENTORY_URL and the above.
import http from 'node:http';

const env = (k, d) => (process.env[k] === undefined ? d : Number(process.env[k]));
const port = env('PORT', 3000);
const inventory = new URL(process.env.INVENTORY_URL ?? 'http://127.0.0.1:4000');
const TIMEOUT_MS = env('TIMEOUT_MS', 500);
const BREAKER_FAILURES = env('BREAKER_FAILURES', 5);
const BREAKER_RESET_MS = env('BREAKER_RESET_MS', 1000);
const MAX_BODY = 64 * 1024;
// A fresh connection per call: the breaker sees the dependency's own errors, never a stale pooled socket.
const agent = new http.Agent({ keepAlive: false, maxSockets: 256 });

/** One GET, never rejects: {ok: true, value} or {ok: false, kind, detail}. */
function call(path) {
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
    const req = http.get(new URL(path, inventory), { agent, headers: { accept: 'application/json' } }, (res) => {
      head = true;
      res.on('data', (c) => {
        size += c.length;
        if (size > MAX_BODY) fail('bad-body', 'answer too large');
        else chunks.push(c);
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return finish({ ok: false, kind: 'status', detail: `answered ${status}` });
        try {
          const value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          if (value === null || typeof value !== 'object') throw new Error('not an object');
          finish({ ok: true, value });
        } catch {
          finish({ ok: false, kind: 'bad-body', detail: 'invalid JSON' });
        }
      });
      res.on('error', () => fail('bad-body', 'answer cut off'));
      res.on('close', () => { if (!res.complete) fail('bad-body', 'answer cut off'); });
    });
    const timer = setTimeout(() => fail('timeout', `no answer within ${TIMEOUT_MS} ms`), TIMEOUT_MS);
    req.on('error', (e) => {
      const code = String(e.code ?? e.message);
      if (head) fail('bad-body', 'answer cut off');
      else if (code.startsWith('HPE_')) fail('bad-body', `not HTTP (${code})`);
      else fail('connection', code);
    });
  });
}

// closed → (BREAKER_FAILURES in a row) → open → (BREAKER_RESET_MS) → half-open: one probe → closed | open
const breaker = { state: 'closed', failures: 0, openedAt: 0, openedOn: '', probing: false };

/** May this checkout call inventory? In half-open, only the first asker (the probe) may. */
function breakerAllows() {
  if (breaker.state === 'closed') return { allowed: true, probe: false };
  if (breaker.state === 'open' && Date.now() - breaker.openedAt >= BREAKER_RESET_MS) breaker.state = 'half-open';
  if (breaker.state === 'half-open' && !breaker.probing) {
    breaker.probing = true;
    return { allowed: true, probe: true };
  }
  return { allowed: false, probe: false };
}

function open(kind) {
  breaker.state = 'open';
  breaker.openedAt = Date.now();
  breaker.openedOn = kind;
  breaker.probing = false;
}

function breakerSuccess() {
  breaker.state = 'closed';
  breaker.failures = 0;
  breaker.openedOn = '';
  breaker.probing = false;
}

function breakerFailure(kind, wasProbe) {
  breaker.failures += 1;
  if (!wasProbe) {
    if (breaker.state === 'closed' && breaker.failures >= BREAKER_FAILURES) open(kind);
    return;
  }
  if (breaker.openedOn === 'status' && kind === 'connection') {
    // It went from answering errors to not answering at all: it is restarting. Wait a full interval
    // again, and remember that it is now a connection problem.
    // BUG (the hidden one): unlike open(), this branch leaves `probing` set, so no probe ever goes out again.
    breaker.state = 'open';
    breaker.openedAt = Date.now();
    breaker.openedOn = kind;
    return;
  }
  open(kind);
}

function send(res, status, body) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function checkout(res) {
  const gate = breakerAllows();
  if (!gate.allowed) return send(res, 503, { error: 'inventory breaker open' });
  const r = await call('/items/1');
  if (r.ok) {
    breakerSuccess();
    return send(res, 200, { ordered: true, item: r.value });
  }
  breakerFailure(r.kind, gate.probe);
  send(res, r.kind === 'timeout' ? 504 : 502, { error: `inventory ${r.kind}: ${r.detail}` });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/health') return send(res, 200, { ok: true, breaker: breaker.state, openedOn: breaker.openedOn || undefined });
  if (url.pathname !== '/checkout' || req.method !== 'GET') return send(res, 404, { error: 'not found' });
  checkout(res).catch((err) => send(res, 500, { error: String(err?.message ?? err) }));
});
server.listen(port, '127.0.0.1', () => console.log(`sticky-breaker target listening on ${port}, inventory ${inventory.href}`));

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  agent.destroy();
  setTimeout(() => process.exit(0), 1000).unref();
});
