// A stock service that COALESCES identical requests (single flight). GET /items/:id asks INVENTORY_URL
// for GET /items/:id; while that call is in flight, every other request for the same id waits for the
// same answer instead of making its own call. Nothing is cached once the call ends: the next burst
// calls again, once. crumple's `coalescing` check passes: a dogpile of 50 identical requests costs
// inventory one call per burst and key. scenarios/targets/no-coalescing.js makes one call per request.
//   GET /items/:id → 200 {"id": n, "stock": s} or 502    GET /health → 200
// Env: PORT, INVENTORY_URL, TIMEOUT_MS (default 2000).
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 2000);
const inventory = new URL(process.env.INVENTORY_URL ?? 'http://127.0.0.1:4001');
const agent = new http.Agent({ keepAlive: true, maxSockets: 128, timeout: 5000 });

function fetchItem(id) {
  return new Promise((resolve) => {
    const req = http.get({ host: inventory.hostname, port: inventory.port, path: `/items/${id}`, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body.length < 65536 ? (body += c) : undefined));
      res.on('end', () => {
        clearTimeout(deadline);
        resolve((res.statusCode ?? 500) < 400 ? body : undefined);
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

const inFlight = new Map(); // id → the one pending call's promise
function item(id) {
  let p = inFlight.get(id);
  if (!p) {
    p = fetchItem(id).finally(() => inFlight.delete(id));
    inFlight.set(id, p);
  }
  return p;
}

const server = http.createServer(async (req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (req.url === '/health') return send(200, '{"ok":true}');
  const m = /^\/items\/(\d{1,12})$/.exec(req.url ?? '');
  if (!m) return send(404, '{"error":"not found"}');
  const body = await item(m[1]);
  return body !== undefined ? send(200, body) : send(502, '{"error":"inventory unavailable"}');
});
server.keepAliveTimeout = 5000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
