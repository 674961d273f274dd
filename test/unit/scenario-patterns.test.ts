import { describe, expect, it } from 'vitest';
import { scenarioIssues } from '../../src/scenario/load.js';

/** The issues of a scenario as "path: message" lines. */
const issues = (over: Record<string, unknown>) => {
  const base = { name: 'n', target: { command: 'node t.js' }, dependencies: { inventory: {} }, phases: [{ name: 'p', for: '1s' }], expect: { survives: true } };
  return scenarioIssues({ ...base, ...over }).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('scenario fields of the resilience patterns', () => {
  it('a target fault needs a target crumple starts, and names the field when it is given by url', () => {
    expect(issues({ phases: [{ name: 'p', for: '1s', faults: [{ target: 'kill' }] }] })).toEqual([]);
    expect(issues({ target: { url: 'http://127.0.0.1:3000' }, phases: [{ name: 'p', for: '1s', faults: [{ target: 'pause' }] }] })).toEqual([
      'phases.0.faults.0.target: target: pause needs a target crumple starts (target.command); this one is given by url',
    ]);
  });

  it('replicas: a fault names a replica the dependency has; a fixed port is refused', () => {
    expect(issues({ dependencies: { inventory: { replicas: 3 } }, phases: [{ name: 'p', for: '1s', faults: [{ dependency: 'inventory', replica: 3, behaviour: 'hang' }] }] })).toEqual([]);
    expect(issues({ dependencies: { inventory: { replicas: 2 } }, phases: [{ name: 'p', for: '1s', faults: [{ dependency: 'inventory', replica: 3, behaviour: 'hang' }] }] })).toEqual([
      "phases.0.faults.0.replica: 'inventory' has 2 replicas (replica counts from 1)",
    ]);
    expect(issues({ dependencies: { inventory: { replicas: 2, port: 4001 } } })).toEqual(['dependencies.inventory.port: port fixes one address; a dependency with replicas gets one free port per replica']);
    expect(issues({ dependencies: { inventory: { replicas: 0 } } })).toEqual(['dependencies.inventory.replicas: replicas is at least 1']);
  });

  it("fallback: the body match reads the load's digest, and the load must record that path", () => {
    const fb = (digest?: string) => ({ load: { prices: { shape: 'steady', path: '/price', ...(digest ? { digest } : {}) } }, expect: { fallback: { load: 'prices', degraded: '$.source == "cache"' } } });
    expect(issues(fb('$.source'))).toEqual([]);
    expect(issues(fb())).toEqual(["expect.fallback.degraded: load 'prices' records no body digest: give it digest: $.source"]);
    expect(issues(fb('$.origin'))).toEqual(["expect.fallback.degraded: load 'prices' digests $.origin, not $.source"]);
    expect(issues({ ...fb('$.source'), expect: { fallback: { load: 'prices', degraded: '$.source = cache' } } })).toEqual(['expect.fallback.degraded: write <path> == <JSON value>, e.g. $.source == "cache"']);
    expect(issues({ load: { prices: { shape: 'steady', digest: 'source' } } })).toEqual(['load.prices.digest: must be a JSON path like $.source or $.items[0].id (dots and [index] only)']);
    expect(issues({ load: { prices: { shape: 'steady', engine: 'autocannon', digest: '$.source' } } })).toEqual(['load.prices.digest: the autocannon engine does not read bodies (use engine: raw)']);
  });
  it('idempotency: where the stand-in finds the key and the request id, and the load that tags requests', () => {
    expect(issues({ dependencies: { payments: { idempotency: {} } } })).toEqual([]);
    expect(issues({ dependencies: { payments: { idempotency: { key: '$.meta.key', requestId: 'traceparent' } } } })).toEqual([]);
    expect(issues({ dependencies: { payments: { idempotency: { key: '$.a b' } } } })).toEqual(['dependencies.payments.idempotency.key: a JSON path like $.idempotencyKey (dots and [index] only), or a header name']);
    expect(issues({ dependencies: { payments: { idempotency: { key: 'idem key' } } } })).toEqual(['dependencies.payments.idempotency.key: a header name like idempotency-key, or a JSON path like $.idempotencyKey']);
    expect(issues({ load: { orders: { shape: 'steady', requestId: 'x-request-id' } } })).toEqual([]);
    expect(issues({ load: { orders: { shape: 'steady', engine: 'autocannon', requestId: 'x-request-id' } } })).toEqual(['load.orders.requestId: the autocannon engine sends one fixed request (use engine: raw)']);
  });
  it('queue: a queue dependency has no behaviours, the enqueue load names one, bounds are named', () => {
    const q = (over: Record<string, unknown> = {}) => ({ dependencies: { jobs: { queue: { visibility: '2s' } } }, load: { producer: { shape: 'enqueue', queue: 'jobs', count: 10 } }, ...over });
    expect(issues(q())).toEqual([]);
    expect(issues(q({ load: { producer: { shape: 'enqueue', queue: 'jbos' } } }))).toEqual(["load.producer.queue: unknown queue dependency 'jbos' (did you mean 'jobs'?)"]);
    expect(issues(q({ load: { producer: { shape: 'enqueue', queue: 'inventory' } }, dependencies: { jobs: { queue: {} }, inventory: {} } }))).toEqual(["load.producer.queue: 'inventory' is not a queue: give it queue: { visibility: 30s }"]);
    expect(issues(q({ dependencies: { jobs: { queue: {}, behaviour: 'hang' } } }))).toEqual(['dependencies.jobs.behaviour: a queue stand-in has no behaviour']);
    expect(issues(q({ dependencies: { jobs: { queue: { maxMessages: 1e6 } } } }))).toEqual(['dependencies.jobs.queue.maxMessages: maxMessages is at most 100000']);
    expect(issues(q({ phases: [{ name: 'p', for: '1s', faults: [{ dependency: 'jobs', behaviour: 'hang' }] }] }))).toEqual(["phases.0.faults.0.behaviour: 'jobs' is a queue stand-in, which has no behaviours: fault it with a toxic or down, or its consumer with target: kill"]);
    expect(issues(q({ phases: [{ name: 'p', for: '1s', faults: [{ dependency: 'jobs', toxic: 'latency', latency: 100 }] }] }))).toEqual([]);
    expect(issues(q({ expect: { delivery: { queue: 'jobs', effect: 'inventory' } }, dependencies: { jobs: { queue: {} }, inventory: {} } }))).toEqual(["expect.delivery.effect: 'inventory' records no idempotency keys: give it idempotency: {}"]);
    expect(issues(q({ expect: { delivery: { queue: 'inventory' } }, dependencies: { jobs: { queue: {} }, inventory: {} } }))).toEqual(["expect.delivery.queue: 'inventory' records no queue messages: give it queue: { visibility: 30s }"]);
    expect(issues({ expect: { idempotency: { dependency: 'inventory' } } })).toEqual(["expect.idempotency.dependency: 'inventory' records no idempotency keys: give it idempotency: {}"]);
    expect(issues({ expect: { idempotency: { dependency: 'inventroy' } } })).toEqual(["expect.idempotency.dependency: unknown dependency 'inventroy' (did you mean 'inventory'?)"]);
  });

  it('rate-limit reads a load with client identities; its clients entry names the bad field', () => {
    const rl = (clients?: unknown) => ({ load: { tenants: { shape: 'steady', path: '/work', rate: '100/s', ...(clients ? { clients } : {}) } }, expect: { 'rate-limit': { load: 'tenants', 'retry-after': true } } });
    expect(issues(rl({ count: 10, header: 'x-client-id', heavy: { count: 1, weight: 10, after: '3s', for: '6s' } }))).toEqual([]);
    expect(issues(rl())).toEqual(["expect.rate-limit.load: load 'tenants' sends no client identities: give it clients: { count: 10, heavy: { weight: 10 } }"]);
    expect(issues(rl({ count: 0 }))).toEqual(['load.tenants.clients.count: must be at least 1']);
    expect(issues(rl({ count: 3, heavy: { count: 3, weight: 5 } }))).toEqual(['load.tenants.clients.heavy.count: heavy.count must leave at least one ordinary client to compare with (count is 3)']);
    expect(issues(rl({ count: 3, heavy: { weight: 5, after: 'soon' } }))[0]).toMatch(/^load\.tenants\.clients\.heavy\.after: /);
    expect(issues({ ...rl({ count: 3 }), expect: { 'rate-limit': { load: 'tenants', 'retry-after': 'yes' } } })[0]).toMatch(/^expect\.rate-limit\.retry-after: /);
  });

  it('coalescing counts the bursts of a dogpile load, and names the dependency it counts', () => {
    const co = (load: Record<string, unknown>, dependency = 'inventory') => ({ load: { pile: load }, expect: { coalescing: { dependency, load: 'pile', 'calls-per-burst': '<= 2' } } });
    expect(issues(co({ shape: 'dogpile', path: '/items/{pulse}', n: 50, pulses: 3 }))).toEqual([]);
    expect(issues(co({ shape: 'steady', path: '/items/1' }))).toEqual(["expect.coalescing.load: load 'pile' is a steady load: coalescing counts the bursts of a dogpile"]);
    expect(issues(co({ shape: 'dogpile' }, 'inventroy'))[0]).toMatch(/^expect\.coalescing\.dependency: unknown dependency 'inventroy'/);
    expect(issues({ ...co({ shape: 'dogpile' }), expect: { coalescing: { dependency: 'inventory', load: 'pile', 'calls-per-burst': 'few' } } })[0]).toMatch(/^expect\.coalescing\.calls-per-burst: 'few' is not a number bound/);
  });
});
