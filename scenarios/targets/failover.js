// A stock service over a replicated inventory that HAS failover. INVENTORY_URLS is a comma-separated
// list of replicas; GET /stock calls one of them (round robin over the healthy ones) at GET /items/1:
//   - every call has a deadline of TIMEOUT_MS (default 300);
//   - a replica that fails (status ≥ 500, a refused or reset connection, the deadline) is ejected for
//     EJECT_MS (default 2000) and the request is retried once on the next healthy replica;
//   - when the ejection ends, ONE request probes the replica (the others skip it until the probe
//     returns): healthy, it is back in the rotation; failing, it is ejected again.
// So a hung replica costs one timed-out call, then gets one probe every EJECT_MS, and is back in the
// rotation within about EJECT_MS once it recovers. crumple's `failover` check passes.
// scenarios/targets/round-robin.js is the same service without any of it.
//   GET /stock → 200 {"stock": n, "replica": i} or 503    GET /health → 200
// Env: PORT, INVENTORY_URLS, TIMEOUT_MS, EJECT_MS.
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 300);
const EJECT_MS = Number(process.env.EJECT_MS ?? 2000);
const replicas = (process.env.INVENTORY_URLS ?? '').split(',').filter(Boolean).map((u, i) => ({ i: i + 1, url: new URL(u), ejectedUntil: 0, probing: false }));
if (!replicas.length) throw new Error('INVENTORY_URLS is empty');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 2000 });
let next = 0;

/** The next replica to use: healthy ones in turn; one whose ejection ended gets a single probe. */
function pick(skip) {
  const now = Date.now();
  for (let k = 0; k < replicas.length; k++) {
    const r = replicas[(next + k) % replicas.length];
    if (r === skip) continue;
    if (r.ejectedUntil > now) continue;
    if (r.ejectedUntil > 0) {
      if (r.probing) continue;
      r.probing = true;
    }
    next = (next + k + 1) % replicas.length;
    return r;
  }
  return undefined;
}

function settle(r, ok) {
  const probe = r.probing;
  r.probing = false;
  if (ok) r.ejectedUntil = 0;
  else r.ejectedUntil = Date.now() + EJECT_MS;
  return probe;
}

function call(r) {
  return new Promise((resolve) => {
    const req = http.get({ host: r.url.hostname, port: r.url.port, path: '/items/1', agent, timeout: TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        clearTimeout(deadline);
        if ((res.statusCode ?? 500) >= 500) return resolve(undefined);
        try {
          resolve(JSON.parse(body));
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    const deadline = setTimeout(() => req.destroy(new Error('deadline')), TIMEOUT_MS);
    req.on('error', () => {
      clearTimeout(deadline);
      resolve(undefined);
    });
  });
}

async function stock() {
  let skip;
  for (let attempt = 0; attempt < 2; attempt++) {
    const r = pick(skip);
    if (!r) return undefined;
    const got = await call(r);
    settle(r, got !== undefined);
    if (got !== undefined) return { stock: got.stock ?? null, replica: r.i };
    skip = r;
  }
  return undefined;
}

const server = http.createServer(async (req, res) => {
  const json = (status, body) => {
    const b = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
    res.end(b);
  };
  if (req.url === '/health') return json(200, { ok: true });
  if (req.url !== '/stock') return json(404, { error: 'not found' });
  const s = await stock();
  return s ? json(200, s) : json(503, { error: 'no inventory replica answered' });
});
server.keepAliveTimeout = 2000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
