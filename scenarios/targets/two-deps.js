// An order service with two dependencies and ONE hidden bug: a target for `crumple explore`.
// GET /order calls, in parallel:
//   stock  (STOCK_URL, GET /items/1, JSON)  — unknown stock is tolerable: 200 {"stock": null, "degraded": true}
//   price  (PRICE_URL, GET /prices/1, JSON) — no price, no order: 503 at once
// Each call has one total deadline (TIMEOUT_MS, default 500) over connect, headers and body, a body cap
// (64 KB, more counts as a failure), a content-type check and a guarded JSON.parse. Every failure is
// classified by kind: `status` (non-2xx), `connection` (refused, reset, closed before an answer),
// `timeout`, `bad-body` (not HTTP, not JSON, cut off, too large, wrong type).
// Any single misbehaviour of either dependency is handled: the answer comes within TIMEOUT_MS plus a
// little, 200 (maybe degraded) or 503, and the process stays up.
//
// HIDDEN BUG (on purpose): once both calls are in, an incident note is built when stock answered an
// error status (5xx, 429, ...). For a price answer that was a bad body it quotes the price service's
// "error" field by re-parsing that body — outside any try/catch, in a promise chain with no catch. So
// stock `status 500` (or 429...) AND, in the same request, price `garbage` / `html` / `malformed` /
// `truncated` / `wrong-type` / `huge` → unhandled rejection → the process exits (code 1).
// Either fault alone, or stock failing any other way, is harmless.
//
// GET /health answers 200 without touching any dependency. Env: PORT, STOCK_URL, PRICE_URL, TIMEOUT_MS.
import http from 'node:http';

const env = (k, d) => (process.env[k] === undefined ? d : Number(process.env[k]));
const port = env('PORT', 3000);
const STOCK = new URL(process.env.STOCK_URL ?? 'http://127.0.0.1:4001');
const PRICE = new URL(process.env.PRICE_URL ?? 'http://127.0.0.1:4002');
const TIMEOUT_MS = env('TIMEOUT_MS', 500);
const MAX_BODY = 64 * 1024;
// Keep-alive, but idle sockets are dropped after 2 s (before the dependency's own idle timeout).
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 2000 });

/**
 * One GET, never rejects: resolves {ok: true, value} or {ok: false, kind, detail, status?, body?}.
 * A bad-body failure carries `body`: whatever text arrived ('' when the bytes were not even HTTP).
 */
function call(base, path) {
  return new Promise((resolve) => {
    let done = false;
    let head = false;
    const chunks = [];
    let size = 0;
    const text = () => Buffer.concat(chunks).toString('utf8');
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const fail = (kind, detail, extra = {}) => {
      finish({ ok: false, kind, detail, ...extra });
      req.destroy();
    };
    const req = http.get(new URL(path, base), { agent, headers: { accept: 'application/json' } }, (res) => {
      head = true;
      res.on('data', (c) => {
        size += c.length;
        if (size > MAX_BODY) fail('bad-body', `answer over ${MAX_BODY} bytes`, { body: text() });
        else chunks.push(c);
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return finish({ ok: false, kind: 'status', status, detail: `answered ${status}` });
        const type = String(res.headers['content-type'] ?? '');
        if (!/\bjson\b/i.test(type)) return finish({ ok: false, kind: 'bad-body', detail: `content type ${type || 'none'}`, body: text() });
        let value;
        try {
          value = JSON.parse(text());
        } catch {
          return finish({ ok: false, kind: 'bad-body', detail: 'invalid JSON', body: text() });
        }
        if (value === null || typeof value !== 'object') return finish({ ok: false, kind: 'bad-body', detail: 'not a JSON object', body: text() });
        finish({ ok: true, value });
      });
      res.on('error', () => fail('bad-body', 'answer cut off', { body: text() }));
      res.on('close', () => { if (!res.complete) fail('bad-body', 'answer cut off', { body: text() }); });
    });
    const timer = setTimeout(() => fail('timeout', `no full answer within ${TIMEOUT_MS} ms`), TIMEOUT_MS);
    req.on('error', (e) => {
      const code = e.code ?? e.message;
      if (head) fail('bad-body', 'answer cut off', { body: text() });
      else if (String(code).startsWith('HPE_')) fail('bad-body', `not HTTP (${code})`, { body: '' });
      else fail('connection', code);
    });
  });
}

/** Bookkeeping for on-call: what both dependencies said when stock answered an error status. */
function noteIncident(stock, price) {
  if (stock.ok || stock.kind !== 'status') return;
  let priceSaid;
  if (price.ok) priceSaid = 'price ok';
  // BUG (the hidden one): a bad body is by definition not parseable, and nothing catches this.
  else if (price.body !== undefined) priceSaid = `price error "${JSON.parse(price.body).error}"`;
  else priceSaid = `price ${price.kind}`;
  console.error(`incident: stock ${stock.detail}; ${priceSaid}`);
}

function send(res, status, body) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function order(res) {
  const stockP = call(STOCK, '/items/1');
  const priceP = call(PRICE, '/prices/1');
  Promise.all([stockP, priceP]).then(([stock, price]) => noteIncident(stock, price)); // no catch: see header
  const price = await priceP;
  if (!price.ok) return send(res, 503, { error: `price unavailable: ${price.kind} (${price.detail})` });
  const stock = await stockP;
  if (!stock.ok) return send(res, 200, { ordered: true, price: price.value, stock: null, degraded: true, reason: `stock ${stock.kind}` });
  send(res, 200, { ordered: true, price: price.value, stock: stock.value });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/health') return send(res, 200, { ok: true });
  if (url.pathname !== '/order' || req.method !== 'GET') return send(res, 404, { error: 'not found' });
  order(res).catch((err) => send(res, 500, { error: String(err?.message ?? err) }));
});
server.listen(port, '127.0.0.1', () => console.log(`two-deps target listening on ${port}, stock ${STOCK.href}, price ${PRICE.href}`));

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  agent.destroy();
  setTimeout(() => process.exit(0), 1000).unref();
});
