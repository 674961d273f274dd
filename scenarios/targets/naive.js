// A deliberately naive checkout service: the target crumple's scenarios expect to FAIL.
// No timeout on its inventory call, no circuit breaker, unbounded concurrency (every request is
// accepted and gets its own inventory connection), no load shedding, and JSON.parse on the dependency's answer without a guard (a garbage answer crashes it).
// Env: PORT (listen port), INVENTORY_URL (base URL of its inventory dependency).
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const inventory = new URL(process.env.INVENTORY_URL ?? 'http://127.0.0.1:4000');
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function getItem(id, done) {
  const req = http.get(new URL(`/items/${id}`, inventory), { agent }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (body += c));
    res.on('end', () => {
      const item = JSON.parse(body); // unguarded on purpose: garbage crashes the process
      done(null, res.statusCode, item);
    });
  });
  req.on('error', (err) => done(err));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
    return;
  }
  if (url.pathname === '/checkout') {
    getItem(1, (err, status, item) => {
      if (err) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: err.message }));
        return;
      }
      res.writeHead(status === 200 ? 200 : 502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ordered: true, item }));
    });
    return;
  }
  res.writeHead(404);
  res.end();
});
server.listen(port, '127.0.0.1', () => console.log(`naive target on ${port}, inventory ${inventory.href}`));
