// The work service of scenarios/targets/rate-limited.js WITHOUT per-client limits: GET /work holds one
// of POOL (default 3) work slots for WORK_MS (default 20), about 150 answers a second shared by every
// client, and every request waits in line for one, whoever sent it. A client sending ten times the
// others' rate fills the line, and everyone waits behind it: crumple's `rate-limit` check fails with
// "Noisy neighbour" (the heavy client is never refused, the others' p99 climbs).
//   GET /work → 200 {"client": id}    GET /health → 200
// Env: PORT, POOL, WORK_MS.
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const POOL = Number(process.env.POOL ?? 3);
const WORK_MS = Number(process.env.WORK_MS ?? 20);

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
  const json = (status, body) => {
    const b = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
    res.end(b);
  };
  if (req.url === '/health') return json(200, { ok: true });
  if (req.url !== '/work') return json(404, { error: 'not found' });
  const id = String(req.headers['x-client-id'] ?? 'anonymous');
  work(() => json(200, { client: id })); // no budget per client: the heaviest sender takes the most slots
});
server.keepAliveTimeout = 5000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
