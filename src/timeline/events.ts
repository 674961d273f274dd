/**
 * The one event union of a run. Every vantage point writes these:
 * - client side (load/): `response`, `ws`, `load-pulse`, `load-step`
 * - dependency side (harness-servers/): `dep-open`, `dep-request`, `dep-response`, `dep-close`, `dep-miss`,
 *   `queue` (a queue stand-in's messages)
 * - the run (run.ts, faults/): `phase`, `fault`
 * - the target process (target/): `target-sample`, `target-exit`, `target-control` (what crumple did to it)
 * - the harness itself: `lag`
 * - a game day (gameday/): `journal`, who did what to the running system and when
 * `t` is always monotonicMs() (src/timeline/clock.ts): absolute on the monotonic clock. The recorder
 * and reports rebase it to the run's start.
 */

import type { FaultKind } from '../faults/kind.js';

/** How a request failed when no status came back. */
export type ErrorClass =
  | 'timeout' // our client gave up waiting
  | 'ECONNRESET'
  | 'ECONNREFUSED'
  | 'EPIPE'
  | 'closed' // peer closed cleanly (FIN) before a full response
  | 'parse' // the bytes were not valid HTTP / WebSocket
  | 'other';

export interface ResponseEvent {
  kind: 'response';
  t: number; // request start
  load: string; // the named load that sent it
  latencyMs: number; // start → full response (or error): the service time
  /**
   * Fixed-rate loads only: from the request's intended send time (its slot in the schedule) to the full
   * response, so a send delayed by a busy client counts as waiting (coordinated omission corrected, as
   * wrk2 does). Always ≥ latencyMs.
   */
  correctedMs?: number;
  status?: number; // absent when `error` is set
  error?: ErrorClass;
  bytes: number; // response bytes received
  /** A load with `digest: <JSON path>`: the value there as JSON text (≤ 64 chars), or a `!` word (timeline/digest.ts). */
  digest?: string;
  /** A load with `clients:`: the number of the client that sent it (client-7 → 7), a small integer. */
  client?: number;
  /** The answer carried a Retry-After header. */
  retryAfter?: true;
}

export interface WsEvent {
  kind: 'ws';
  t: number;
  load: string;
  client: number;
  action: 'connect' | 'connect-failed' | 'closed' | 'message';
  latencyMs?: number; // connect latency for `connect`, round trip for `message`
  error?: ErrorClass;
  code?: number; // close code for `closed`
}

/**
 * A dogpile pulse starting (t: when its connections start opening; every response of the pulse has
 * t ≥ this). With `findLimit`, the pulses escalate and a check can tell at which size the target shed.
 */
export interface LoadPulseEvent {
  kind: 'load-pulse';
  t: number;
  load: string;
  pulse: number;
  /** Requests released at once (connections opened first). */
  size: number;
  /** Escalating to find the target's limit: the bound asked for, and what limited it when lower. */
  findLimit?: { upTo: number; boundedBy?: 'open files' };
}

/** A connection the target (or any client) opened to a stand-in. */
export interface DepOpenEvent {
  kind: 'dep-open';
  t: number;
  dependency: string;
  /** Which stand-in of a dependency with `replicas: N` (1-based); absent with one stand-in. Every dep-* event has it. */
  replica?: number;
  conn: number; // per stand-in connection id
  behaviour: string;
}

export interface DepRequestEvent {
  kind: 'dep-request';
  t: number;
  dependency: string;
  replica?: number;
  conn: number;
  method: string;
  path: string;
  behaviour: string; // the behaviour that answered it
  bytes: number; // request body size
  /** A dependency with `idempotency:`: the request's idempotency key (≤ 200 chars; a `!` word when its body could not be read). */
  key?: string;
  /** ...and the logical request it serves: the load's request id, forwarded by the target. */
  requestId?: string;
}

export interface DepResponseEvent {
  kind: 'dep-response';
  t: number; // response end
  dependency: string;
  replica?: number;
  conn: number;
  startedMs: number; // response start (absolute, like t)
  status?: number;
  bytes: number;
}

/** A contract miss: `ok` had no pair for this request and answered 404. */
export interface DepMissEvent {
  kind: 'dep-miss';
  t: number;
  dependency: string;
  replica?: number;
  conn: number;
  method: string;
  path: string;
}

export interface DepCloseEvent {
  kind: 'dep-close';
  t: number;
  dependency: string;
  replica?: number;
  conn: number;
  by: 'client' | 'stand-in';
  /** A request was read and not yet fully answered when the connection closed. */
  pending: boolean;
  /** When the pending request arrived (absolute): t − pendingSince is how long the client waited. */
  pendingSince?: number;
  bytesIn: number;
  bytesOut: number;
  error?: string; // e.g. ECONNRESET when the client reset
}

/**
 * A queue stand-in's message changing hands (harness-servers/queue/): `sent` (crumple's producer, or
 * anyone, enqueued it), `received` (its first delivery), `redelivered` (delivered again: the visibility
 * timeout passed without a delete), `deleted` (by a receipt of delivery `receives`; detail says when
 * that was not the latest one, or the message was deleted before), `rejected` (a send refused: full, too large).
 */
export interface QueueEvent {
  kind: 'queue';
  t: number;
  dependency: string;
  action: 'sent' | 'received' | 'redelivered' | 'deleted' | 'rejected';
  /** The message id (absent for rejected). */
  id?: string;
  /** received / redelivered: which delivery this is (1 = the first); deleted: the delivery whose receipt deleted it. */
  receives?: number;
  /** received / redelivered: how long the message stays hidden from other receives (the visibility timeout used). */
  hiddenMs?: number;
  detail?: string;
}

export interface PhaseEvent {
  kind: 'phase';
  t: number;
  index: number;
  name: string;
  edge: 'start' | 'end';
}

export interface FaultEvent {
  kind: 'fault';
  t: number;
  phase: string;
  /** The dependency, or '(target)' for a fault on the target process. */
  dependency: string;
  /** The one replica of a replicated dependency the fault hit (absent: all of them). */
  replica?: number;
  /** Behaviour name, toxic type, `down`, or the target action. */
  fault: string;
  type: 'behaviour' | 'toxic' | 'target';
  action: 'applied' | 'cleared' | 'failed';
  detail?: string;
}

export interface TargetSampleEvent {
  kind: 'target-sample';
  t: number;
  rssBytes: number;
  cpuPercent?: number;
  /** Open file descriptors (/proc/PID/fd entries), when readable. */
  fds?: number;
  /** Threads (/proc/PID/status `Threads:`), when readable. */
  threads?: number;
}

export interface TargetExitEvent {
  kind: 'target-exit';
  t: number;
  code: number | null;
  signal: string | null;
  /** We stopped it at the end of the run (not a crash). */
  expected: boolean;
}

/**
 * A ramp step starting (t: its first send). The step's responses are those of `load` from t until the
 * next step starts (or the load ends); `limits` are the ramp's, so a check can judge each step again.
 */
export interface LoadStepEvent {
  kind: 'load-step';
  t: number;
  load: string;
  step: number;
  /** Offered rate, per second. */
  rate: number;
  stepForMs: number;
  limits: { p99Ms?: number; errors?: number };
}

/**
 * What crumple did to the target process, when: `kill` (SIGKILL sent), `stop` (its stop signal sent,
 * for a restart), `pause` (SIGSTOP), `resume` (SIGCONT), `spawn` (started again), `ready` (its
 * readiness probe passed; `readyMs` = from its spawn). The first start of a run is recorded too.
 */
export interface TargetControlEvent {
  kind: 'target-control';
  t: number;
  action: 'kill' | 'stop' | 'pause' | 'resume' | 'spawn' | 'ready';
  pid: number;
  /** `ready`: ms from the spawn to the probe passing. */
  readyMs?: number;
  /** Which start of the run this process is (1 = the first). */
  start: number;
}

export interface LagEvent {
  kind: 'lag';
  t: number;
  /** Harness event-loop delay over the sampling window. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * One entry of a game day's journal: every injection, clearance, expiry, kill switch, halt, note, step
 * and runbook phase, with who did it (which terminal) and what it did. An `inject` carries the id,
 * window name and faults that its one `clear` or `expire` entry (same id) ends: checks judge that
 * window, from the moment the faults were really applied to the moment they were really removed.
 */
export interface JournalEvent {
  kind: 'journal';
  t: number;
  action: 'start' | 'inject' | 'clear' | 'expire' | 'kill' | 'halt' | 'note' | 'step' | 'phase' | 'failed' | 'end';
  /** Which terminal: "console", "ann@pts/3", "runbook", "timer", "halt", "SIGUSR1". */
  by: string;
  /** One line: what it did ("inventory → hang for 1.00 m"). */
  text: string;
  /** The injection an inject, clear or expire entry is about. */
  id?: number;
  /** inject: the window's name (a step's or phase's name, or "#3 inventory → hang"). */
  name?: string;
  /** inject: its faults as checks see them (names and kinds, no params). */
  faults?: { dependency: string; replica?: number; fault: string; type: 'behaviour' | 'toxic' | 'target'; kinds: FaultKind[] }[];
  /** inject: how long the faults were given before they expire. */
  forMs?: number;
}

export type TimelineEvent =
  | ResponseEvent
  | WsEvent
  | LoadPulseEvent
  | LoadStepEvent
  | DepOpenEvent
  | DepRequestEvent
  | DepResponseEvent
  | DepMissEvent
  | DepCloseEvent
  | QueueEvent
  | PhaseEvent
  | FaultEvent
  | TargetSampleEvent
  | TargetExitEvent
  | TargetControlEvent
  | LagEvent
  | JournalEvent;

export type EventKind = TimelineEvent['kind'];
export type EventOf<K extends EventKind> = Extract<TimelineEvent, { kind: K }>;

/** Where events go. Stand-ins, loads and the target sampler take one of these. */
export type EventSink = (event: TimelineEvent) => void;
