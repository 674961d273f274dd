// An example dependency: the inventory service a checkout target calls. `crumple contract record`
// records it, `crumple contract verify` checks a contract against it. Knobs that make it drift:
//   RENAME_FIELD   old=new: items carry the field under another name (e.g. name=title)
//   ITEM_STATUS    status of GET /items/:id for a known item (default 200; e.g. 410)
//   PRICE_AS_TEXT  1: prices are strings ("9.50") instead of numbers
//   REQUIRE_TOKEN  a bearer token every request must carry (401 without it)
// Env: PORT (0 = any free port; the address is printed as "listening on http://127.0.0.1:PORT").
// Routes: GET /health, GET /items, GET /items/:id (404 for unknown ids), POST /orders.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

const port = Number(process.env.PORT ?? 4001);
const [renameFrom, renameTo] = (process.env.RENAME_FIELD ?? '').split('=');
const itemStatus = Number(process.env.ITEM_STATUS ?? 200);
const priceAsText = process.env.PRICE_AS_TEXT === '1';
const token = process.env.REQUIRE_TOKEN;

const items = new Map([
  [1, { id: 1, sku: 'sku-1', name: 'espresso cup', stock: 3, price: 9.5, tags: ['kitchen'] }],
  [2, { id: 2, sku: 'sku-2', name: 'milk jug', stock: 0, price: 14, tags: [] }],
  [42, { id: 42, sku: 'sku-42', name: 'grinder', stock: 7, price: 89, tags: ['kitchen', 'electric'] }],
]);

function view(item) {
  const out = { ...item, price: priceAsText ? item.price.toFixed(2) : item.price };
  if (renameFrom && renameTo && renameFrom in out) {
    out[renameTo] = out[renameFrom];
    delete out[renameFrom];
  }
  return out;
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-request-id': randomUUID(),
    'cache-control': 'no-store',
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://inventory');
    if (token && req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'missing or wrong bearer token' });
    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { ok: true });
    if (req.method === 'GET' && url.pathname === '/items') {
      const list = [...items.values()].map(view);
      return send(res, 200, { items: list, total: list.length });
    }
    const m = /^\/items\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const item = items.get(Number(m[1]));
      if (!item) return send(res, 404, { error: 'no such item', id: m[1] });
      return send(res, itemStatus, itemStatus < 300 ? view(item) : { error: 'item unavailable' });
    }
    if (req.method === 'POST' && url.pathname === '/orders') {
      let order;
      try {
        order = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        return send(res, 400, { error: 'body is not JSON' });
      }
      return send(res, 201, { orderId: randomUUID(), sku: order.sku ?? null, status: 'accepted' });
    }
    send(res, 404, { error: 'no such route', path: url.pathname });
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
