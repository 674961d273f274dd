// A resilient checkout service: the target crumple's scenarios expect to PASS.
// Each stability pattern is configurable so crumple can be shown to measure the configured numbers:
//   TIMEOUT_MS        give up on an inventory call after this long (default 1000)
//   BREAKER_FAILURES  consecutive failures that open the breaker (default 5)
//   BREAKER_RESET_MS  how long the breaker stays open before one half-open probe (default 2000)
//   MAX_INFLIGHT      concurrent checkouts; beyond it shed with 503 + Retry-After (default 20)
//   RETRIES           extra attempts per checkout, exponential backoff with full jitter (default 2)
//   BACKOFF_MS        base backoff (default 50)
// Env: PORT, INVENTORY_URL.
import http from 'node:http';

const env = (k, d) => (process.env[k] === undefined ? d : Number(process.env[k]));
const port = env('PORT', 3000);
const inventory = new URL(process.env.INVENTORY_URL ?? 'http://127.0.0.1:4000');
const TIMEOUT_MS = env('TIMEOUT_MS', 1000);
const BREAKER_FAILURES = env('BREAKER_FAILURES', 5);
const BREAKER_RESET_MS = env('BREAKER_RESET_MS', 2000);
const MAX_INFLIGHT = env('MAX_INFLIGHT', 20);
const RETRIES = env('RETRIES', 2);
const BACKOFF_MS = env('BACKOFF_MS', 50);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

// Circuit breaker: closed → (N consecutive failures) → open → (reset interval) → half-open: one probe.
const breaker = { state: 'closed', failures: 0, openedAt: 0, probing: false };
function breakerAllows() {
  if (breaker.state === 'closed') return true;
  if (breaker.state === 'open' && Date.now() - breaker.openedAt >= BREAKER_RESET_MS) breaker.state = 'half-open';
  if (breaker.state === 'half-open' && !breaker.probing) { breaker.probing = true; return true; }
  return false;
}
function breakerResult(ok) {
  if (ok) { breaker.state = 'closed'; breaker.failures = 0; breaker.probing = false; return; }
  breaker.failures += 1;
  if (breaker.state === 'half-open' || breaker.failures >= BREAKER_FAILURES) {
    breaker.state = 'open'; breaker.openedAt = Date.now(); breaker.probing = false;
  }
}

function callInventory(id) {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(`/items/${id}`, inventory), { agent }, (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (c) => {
        size += c.length;
        if (size > 1 << 20) req.destroy(new Error('inventory answer too large')); // unbounded result sets
        else chunks.push(c);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`inventory answered ${res.statusCode}`));
        try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))); }
        catch { reject(new Error('inventory answered invalid JSON')); }
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('inventory answer cut off')));
    });
    // The whole call, headers and body, is bounded: a hang or a drip ends at TIMEOUT_MS.
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('inventory timed out'), { status: 504 })), TIMEOUT_MS);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function getItem(id) {
  let lastError;
  for (let attempt = 0; attempt <= RETRIES; attempt++) {
    // An open breaker rejects at once (503); on a retry, the caller gets the error it already waited for.
    if (!breakerAllows()) throw attempt === 0 ? Object.assign(new Error('breaker open'), { status: 503 }) : lastError;
    try {
      const item = await callInventory(id);
      breakerResult(true);
      return item;
    } catch (err) {
      breakerResult(false);
      lastError = err;
      if (attempt < RETRIES) await sleep(Math.random() * BACKOFF_MS * 2 ** attempt); // full jitter
    }
  }
  throw lastError;
}

let inflight = 0;
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, breaker: breaker.state, inflight }));
    return;
  }
  if (url.pathname !== '/checkout') { res.writeHead(404); res.end(); return; }
  if (inflight >= MAX_INFLIGHT) {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end('{"error":"busy"}');
    return;
  }
  inflight++;
  getItem(1).then(
    (item) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ ordered: true, item })); },
    // Open breaker: 503 at once (shed). Dependency failed: 502, or 504 when it timed out.
    (err) => { res.writeHead(err.status ?? 502, { 'content-type': 'application/json' }); res.end(JSON.stringify({ error: err.message })); },
  ).finally(() => { inflight--; });
});
server.listen(port, '127.0.0.1', () => console.log(`resilient target on ${port}, inventory ${inventory.href}`));
