import type { Verdict } from '../../src/checks/check.js';
import type { RunResult } from '../../src/report/result.js';
import type { LoadSecond, SecondSummary } from '../../src/timeline/timeline.js';

/**
 * Synthetic RunResults shaped like runs of the example targets against "checkout survives a hanging
 * inventory service": a naive target (no timeout, no breaker, unbounded concurrency, unguarded
 * JSON.parse) and a resilient one. Numbers are what those targets produce; tests render reports from
 * them without running anything.
 */

/** Bytes a misbehaving dependency might send: NUL, ESC sequences, C1 CSI, a lone surrogate, markup. */
export const GARBAGE = 'HTTP/1.1 \u0000\u0001\u001b[31mRED\u001b[0m \u009b2J <script>alert("x")</script> ]]> & \ud800 </style> \u2028 | `tick` *b*';

interface Shape {
  /** Total seconds (the phases scale with it). */
  seconds?: number;
}

function phasesFor(total: number) {
  // baseline 22 %, hang 34 %, slow network 22 %, recovery 22 % (45 s → 10/15/10/10).
  const cut = [0, 0.22, 0.56, 0.78, 1].map((f) => Math.round(f * total));
  const names = ['baseline', 'inventory hangs', 'slow network', 'recovery'];
  const faults = [[], [{ dependency: 'inventory', fault: 'hang', type: 'behaviour' as const, kinds: ['holds' as const] }], [{ dependency: 'inventory', fault: 'latency', type: 'toxic' as const, kinds: ['holds' as const] }], []];
  return names.map((name, index) => ({ index, name, startMs: cut[index]! * 1000, endMs: cut[index + 1]! * 1000, faults: faults[index]! }));
}

function loadSecond(count: number, okShare: number, p50: number, p99: number, extra: Partial<LoadSecond> = {}): LoadSecond {
  const ok = Math.round(count * okShare);
  const bad = count - ok;
  return { count, ok, status: { '2xx': ok, ...(extra.status ?? {}) }, errors: bad > 0 && !extra.status ? { timeout: bad } : (extra.errors ?? {}), p50Ms: p50, p90Ms: (p50 + p99) / 2, p99Ms: p99, maxMs: p99 * 1.2 };
}

function phaseAt(phases: RunResult['phases'], second: number): number {
  return phases.findIndex((p) => second * 1000 >= p.startMs && second * 1000 < p.endMs);
}

function baseResult(kind: 'naive' | 'resilient', total: number): Omit<RunResult, 'seconds' | 'verdicts' | 'outcome' | 'exitCode' | 'loads'> {
  return {
    schema: 1,
    runId: `2025-01-15T10-00-00-${kind}`,
    scenario: { name: `checkout survives a hanging inventory service (${kind} target)`, file: `scenarios/${kind}-hang.yaml`, description: 'Given inventory hangs and then slows down, checkout must time out, open its breaker and recover.' },
    target: { command: `node scenarios/targets/${kind}.js`, url: 'http://127.0.0.1:41234' },
    startedAt: '2025-01-15T10:00:00.000Z',
    durationMs: total * 1000,
    phases: phasesFor(total),
    harness: { lagged: false, lagP99Ms: 3.2, lagMaxMs: 11.5, droppedEvents: total > 600 ? 1_250_000 : 0 },
    dependencies: [{ name: 'inventory', via: 'proxy', protocol: 'http', url: 'http://127.0.0.1:41240' }],
    targetRss: { startBytes: 48 * 2 ** 20, endBytes: kind === 'naive' ? 212 * 2 ** 20 : 52 * 2 ** 20, maxBytes: kind === 'naive' ? 230 * 2 ** 20 : 55 * 2 ** 20 },
  };
}

export function naiveRun(shape: Shape = {}): RunResult {
  const total = shape.seconds ?? 45;
  const base = baseResult('naive', total);
  let open = 0;
  const seconds: SecondSummary[] = [];
  for (let s = 0; s < total; s++) {
    const ph = phaseAt(base.phases, s);
    let checkout: LoadSecond;
    let health: LoadSecond;
    let dep;
    if (ph === 0) {
      checkout = loadSecond(100, 1, 12, 14);
      health = loadSecond(20, 1, 2, 4);
      dep = { opened: 2, requests: 100, closedByClient: 2, misses: 0, open: 4 };
      open = 4;
    } else if (ph === 1) {
      open += 100;
      checkout = loadSecond(100, 0, 30_000, 30_000);
      health = loadSecond(20, 0.9, 800, 2400);
      dep = { opened: 100, requests: 100, closedByClient: 0, misses: 0, open };
    } else if (ph === 2) {
      checkout = loadSecond(100, 0.4, 1200, 9000);
      health = loadSecond(20, 0.95, 300, 1200);
      dep = { opened: 60, requests: 100, closedByClient: 0, misses: 0, open };
    } else {
      // The target crashed on garbage early in recovery: connection refused from then on.
      checkout = { ...loadSecond(100, 0, 1, 2), errors: { ECONNREFUSED: 100 }, status: {} };
      health = { ...loadSecond(20, 0, 1, 2), errors: { ECONNREFUSED: 20 }, status: {} };
      open = 0;
      dep = { opened: 0, requests: 0, closedByClient: 0, misses: 0, open: 0 };
    }
    seconds.push({ second: s, loads: { checkout, health }, deps: { inventory: dep }, rssBytes: (48 + Math.min(180, s * 4)) * 2 ** 20, lagMaxMs: 4 + (s % 7) });
  }
  const hangAt = (base.phases[1]!.startMs / 1000).toFixed(1);
  const verdicts: Verdict[] = [
    { check: 'steady-state', key: 'steady-state', status: 'pass', ok: true, summary: 'baseline errors 0.0 %, p99 14 ms (bound 100 ms)', measured: { errorRate: 0, p99Ms: 14, p99BoundMs: 100 }, evidence: [{ label: 'requests', value: 1000 }] },
    {
      check: 'timeout',
      key: 'timeout',
      status: 'fail',
      ok: false,
      summary: 'never gave up on inventory: held calls for the whole 15.0 s phase (bound 1 s)',
      measured: { measuredTimeoutMs: null, heldMs: 15_000, openConnections: 1504, boundMs: 1000 },
      evidence: [
        { label: 'connections closed by the target during the hang', value: 0 },
        { label: 'longest pending call at phase end (ms)', value: 15_000 },
        { label: 'checkout p99 during hang', value: '30.0 s (client timeout)' },
      ],
      failureMode: {
        id: 'integration-point-without-timeout',
        trigger: `inventory hung at ${hangAt} s`,
        spread: 'the target kept 1504 connections open to it for the whole phase and never closed one',
        result: 'checkout p99 rose from 14 ms to 30.0 s; every client request timed out',
      },
    },
    {
      check: 'breaker',
      key: 'breaker',
      status: 'fail',
      ok: false,
      summary: 'calls to inventory never dropped: 100/s during the fault vs 100/s at baseline (bound: open within 3 s)',
      measured: { callsPerSecond: 100, baselineCallsPerSecond: 100, openedAfterMs: null, opensWithinMs: 3000 },
      evidence: [{ label: 'calls reaching inventory while failing', value: 2500 }],
      failureMode: { id: 'cascading-failure', trigger: `inventory hung at ${hangAt} s`, spread: 'every checkout request still called inventory (100 calls/s, 2500 in all)', result: 'checkout failed for as long as inventory did' },
    },
    {
      check: 'shedding',
      key: 'shedding',
      status: 'fail',
      ok: false,
      summary: 'no request was shed: 0 × 429/503; accepted p99 30.0 s (bound 200 ms)',
      measured: { rejected: 0, acceptedP99Ms: 30_000, boundMs: 200 },
      evidence: [{ label: 'in-flight at peak', value: 1504 }],
      failureMode: { id: 'unbalanced-capacity', trigger: 'inventory slowed and requests kept arriving at 100/s', spread: 'the target queued every request (1504 in flight at peak) instead of refusing', result: 'accepted requests waited 30.0 s; health checks slowed to 2.40 s p99' },
    },
    {
      check: 'survives',
      key: 'survives',
      status: 'fail',
      ok: false,
      summary: 'target exited with code 1 at 35.4 s after inventory answered garbage',
      measured: { exitCode: 1, exitedAtMs: 35_400 },
      evidence: [
        { label: 'last stderr line', value: 'SyntaxError: Unexpected token \u001b in JSON at position 9' },
        { label: 'inventory answered', value: GARBAGE },
      ],
      failureMode: { id: 'crash-on-bad-input', trigger: 'inventory answered garbage bytes instead of JSON', spread: 'JSON.parse threw outside any handler', result: 'the process exited (code 1); every request after 35.4 s was refused' },
    },
  ];
  const loads = [
    { name: 'checkout', shape: 'steady', requests: total * 100, ok: Math.round(total * 100 * 0.3), errors: Math.round(total * 100 * 0.7), p50Ms: 1200, p99Ms: 30_000, rps: 100 },
    { name: 'health', shape: 'steady', requests: total * 20, ok: Math.round(total * 20 * 0.7), errors: Math.round(total * 20 * 0.3), p50Ms: 3, p99Ms: 2400, rps: 20 },
  ];
  return { ...base, seconds, verdicts, outcome: 'fail', exitCode: 1, loads };
}

export function resilientRun(shape: Shape = {}): RunResult {
  const total = shape.seconds ?? 45;
  const base = baseResult('resilient', total);
  const seconds: SecondSummary[] = [];
  for (let s = 0; s < total; s++) {
    const ph = phaseAt(base.phases, s);
    const into = s - (base.phases[ph]?.startMs ?? 0) / 1000;
    let checkout: LoadSecond;
    let dep;
    if (ph === 1 || ph === 2) {
      // Breaker open after ~2 s of failures: fast 503s, one probe every 5 s.
      const open = into >= 2;
      checkout = open
        ? { ...loadSecond(100, 0, 1, 3), status: { '5xx': 100, '503': 100 }, errors: {} }
        : { ...loadSecond(100, 0, 1000, 1003), status: { '5xx': 100, '503': 100 }, errors: {} };
      dep = { opened: open ? (into % 5 === 0 ? 1 : 0) : 100, requests: open ? (into % 5 === 0 ? 1 : 0) : 100, closedByClient: open ? (into % 5 === 0 ? 1 : 0) : 100, misses: 0, open: open ? 0 : 100 };
    } else {
      checkout = loadSecond(100, 1, 11, 15);
      dep = { opened: 2, requests: 100, closedByClient: 2, misses: 0, open: 4 };
    }
    seconds.push({ second: s, loads: { checkout, health: loadSecond(20, 1, 2, 4) }, deps: { inventory: dep }, rssBytes: (48 + (s % 5)) * 2 ** 20, lagMaxMs: 3 + (s % 5) });
  }
  const pass = (check: string, summary: string, measured: Verdict['measured']): Verdict => ({ check, key: check, status: 'pass', ok: true, summary, measured, evidence: [{ label: 'samples', value: 100 }] });
  const verdicts: Verdict[] = [
    pass('steady-state', 'baseline errors 0.0 %, p99 15 ms (bound 100 ms)', { errorRate: 0, p99Ms: 15, p99BoundMs: 100 }),
    pass('timeout', 'gave up on inventory after 1003 ms (p50), bound 1 s', { measuredTimeoutMs: 1003, boundMs: 1100 }),
    pass('breaker', 'opened after 2.01 s and 200 failures; probes every 5.00 s; closed 0.40 s after recovery', { openedAfterMs: 2010, failuresBeforeOpen: 200, probeIntervalMs: 5000, closedAfterMs: 400, opensWithinMs: 3000 }),
    pass('shedding', 'shed 2800 requests with 503 in 1 ms (p50); accepted p99 15 ms (bound 200 ms)', { rejected: 2800, rejectP50Ms: 1, acceptedP99Ms: 15, boundMs: 200 }),
    pass('survives', 'alive at the end; garbage from inventory produced 502s, no crash', { exitCode: null }),
  ];
  const loads = [
    { name: 'checkout', shape: 'steady', requests: total * 100, ok: total * 44, errors: 0, p50Ms: 3, p99Ms: 1003, rps: 100 },
    { name: 'health', shape: 'steady', requests: total * 20, ok: total * 20, errors: 0, p50Ms: 2, p99Ms: 4, rps: 20 },
  ];
  return { ...base, seconds, verdicts, outcome: 'pass', exitCode: 0, loads };
}

/** A naive run whose every free-text field carries GARBAGE (as a misbehaving dependency would). */
export function garbageRun(): RunResult {
  const r = naiveRun({ seconds: 20 });
  r.scenario.name = `garbage ${GARBAGE}`;
  r.error = GARBAGE;
  r.phases[1]!.name = `hang ${GARBAGE}`;
  r.verdicts = r.verdicts.map((v) => ({
    ...v,
    key: `${v.key} ${GARBAGE}`,
    summary: `${v.summary} ${GARBAGE}`,
    evidence: [...v.evidence, { label: `raw ${GARBAGE}`, value: GARBAGE }],
    measured: { ...v.measured, lastBody: GARBAGE },
    ...(v.failureMode ? { failureMode: { ...v.failureMode, trigger: GARBAGE, spread: GARBAGE, result: GARBAGE } } : {}),
  }));
  r.seconds[3]!.loads[`load ${GARBAGE}`] = loadSecond(5, 1, 1, 2);
  return r;
}

/** A resilient run where one check could not judge: retries saw no chain of 3+ attempts. */
export function inconclusiveRun(): RunResult {
  const r = resilientRun({ seconds: 20 });
  const reason = 'backoff not measurable: no request made 3+ attempts while alone in flight (use a lower-rate load for this check)';
  r.verdicts.push({
    check: 'retries',
    key: 'retries',
    status: 'inconclusive',
    ok: false,
    reason,
    summary: `1.00 calls to inventory per request (400 ÷ 400), bound <= 3 — ${reason}`,
    measured: { amplification: 1, amplificationBound: 3, chains: 0 },
    evidence: [{ label: 'attempt chains with ≥ 3 attempts (unambiguous)', value: 0 }],
  });
  return { ...r, outcome: 'inconclusive', exitCode: 1 };
}
