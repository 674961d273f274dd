/**
 * The scenario `crumple init` writes: commented, valid, and runnable against the example resilient
 * target that ships in scenarios/targets/. test/unit/scenario-starter.test.ts keeps it valid.
 */
export const STARTER = `# A crumple scenario: given these dependencies behaving so, when this load and these faults,
# then these expectations. Validate with \`crumple validate FILE\`; run with \`crumple run FILE\`.
# Durations: 500 (ms), "500ms", "5s", "2m". Rates: 100 (per second), "100/s", "600/m".
name: checkout survives a hanging inventory service
description: >
  inventory hangs, then the network to it slows down; checkout must time out, open its breaker,
  keep /health fast, and recover.

# The service under test. crumple starts it in its own process group with this env, and waits until
# it is ready. Or give \`url: http://127.0.0.1:3000\` for a service that is already running.
target:
  command: node scenarios/targets/resilient.js
  env:
    PORT: "\${target.port}"                  # a free port crumple picked
    INVENTORY_URL: "\${deps.inventory.url}"  # where the inventory stand-in (via the proxy) listens
  ready: { http: /health, within: 10s }

# Stand-ins for the target's dependencies. \`via: proxy\` puts the fault proxy in between (toxics and
# \`down\` possible); \`via: direct\` connects straight to the stand-in. \`protocol: ws\` for WebSockets.
dependencies:
  inventory:
    via: proxy
    contract:                         # what the stand-in answers while healthy (behaviour: ok)
      - request:  { method: GET, path: /items/:id }
        response: { status: 200, json: { id: 1, stock: 3 } }

# Traffic crumple sends to the target for the whole run (shapes: steady, ramp, dogpile, ws-storm).
load:
  checkout: { shape: steady, path: /checkout, rate: 50/s }
  health:   { shape: steady, path: /health, rate: 10/s }

# Phases run in order. Each lists the faults active during it: a stand-in behaviour (ok, slow, hang,
# reset, garbage, html, truncated...), a network toxic (latency, bandwidth, timeout, reset_peer,
# slow_close, slicer, limit_data) with its attributes, or \`down: true\` (the proxy refuses connections).
phases:
  - { name: baseline, for: 5s }
  - name: inventory hangs
    for: 10s
    faults: [ { dependency: inventory, behaviour: hang } ]
  - name: slow network
    for: 5s
    faults: [ { dependency: inventory, toxic: latency, latency: 800, jitter: 100 } ]
  - { name: recovery, for: 10s }

# What must hold. Use \`check.label\` keys (latency.checkout, latency.health) to use a check twice.
expect:
  steady-state: { errors: "< 1%", p99: "< 200ms" }      # before any fault, or the run stops
  timeout:  { dependency: inventory, within: 1s, phase: inventory hangs }
  breaker:  { dependency: inventory, opens-within: 5s, phase: inventory hangs }
  bulkhead: { load: health, during: inventory hangs, p99: "< 100ms" }
  fail-fast: { load: checkout, phase: inventory hangs }
  recovery: { within: 5s }
  survives: true
  memory:   { growth: "< 100MB" }
`;
