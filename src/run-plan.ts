/**
 * What a run executes, apart from how: scenario files (scenario/plan.ts), the CLI and tests build a
 * RunPlan; run.ts runs it. Kept out of run.ts so that builders need not import the runner.
 */
import type { ContractPair } from '../harness-servers/contract.js';
import type { IdempotencySpec } from '../harness-servers/idempotency.js';
import type { QueueSpecInput } from '../harness-servers/queue/queue.js';
import type { CheckContext, Verdict } from './checks/check.js';
import type { CycleJudge } from './cycle-judge.js';
import type { Fault } from './faults/fault.js';
import type { ReadyProbe } from './target/ready.js';

/** Addresses a scenario's ${...} references resolve to. */
export interface Addresses {
  /** `urls`: every replica's URL, comma-separated (a dependency without replicas: its one URL). */
  deps: Record<string, { url: string; host: string; port: number; urls?: string }>;
  target: { port: number; url: string; host: string };
}

export type TargetPlan =
  | {
      kind: 'command';
      describe: string;
      /** Called once the dependencies' addresses and the target's port are known. */
      resolve(a: Addresses): { command: string; cwd?: string; env: Record<string, string> };
      ready: ReadyProbe;
      readyWithinMs: number;
      stop?: { signal: NodeJS.Signals; graceMs: number };
    }
  | { kind: 'url'; url: string; ready?: ReadyProbe; readyWithinMs: number };

export interface DependencyPlan {
  name: string;
  protocol: 'http' | 'ws';
  via: 'proxy' | 'direct';
  behaviour?: string;
  params?: unknown;
  contract?: ContractPair[];
  /** Fixed port the target reaches it on (proxy listen port, or the stand-in's own when direct). */
  port?: number;
  /** The address its stand-in binds (default: the run's bind, else 127.0.0.1). */
  bind?: string;
  /** Its proxy on the Toxiproxy host (else the run's toxiproxyAt). */
  toxiproxy?: { listen?: string; upstream?: string };
  /** Stand-ins to start for it (default 1), each with its own port and proxy link. */
  replicas?: number;
  /** What its stand-ins record of each request for the idempotency check. */
  idempotency?: IdempotencySpec;
  /** A queue stand-in instead of a behaviour stand-in (harness-servers/queue/). */
  queue?: QueueSpecInput;
}

/** A run as run.ts needs it: scenario files, the CLI and explore/ all produce one of these. */
export interface RunPlan {
  name: string;
  file?: string;
  description?: string;
  target: TargetPlan;
  dependencies: DependencyPlan[];
  /** `phases`: the consecutive phase indexes a load runs in; absent = the whole run. */
  loads: { name: string; entry: { shape: string } & Record<string, unknown>; phases?: number[] }[];
  phases: { name: string; durationMs: number; faults: Fault[] }[];
  /** All verdicts of the run, from the recorded timeline. */
  judge(ctx: CheckContext): Verdict[];
  /**
   * A soak of several cycles: run.ts judges each cycle with `judge()`'s CycleJudge as soon as its
   * responses are in and releases its raw events; the verdicts are those `judge` would give.
   */
  soak?: { cycles: number; perCycle: number; judge(): CycleJudge };
  /** Latency thresholds (ms) the recorder counts slow answers against per second: latency objectives' `under`. */
  slowMs?: number[];
  /** The steady-state hypothesis, judged on the first phase before any fault; null when none. */
  steadyState?(ctx: CheckContext): Verdict | null;
  toxiproxy?: string;
  /** Every proxy's listen and upstream addresses on an external Toxiproxy (src/faults/placement.ts). */
  toxiproxyAt?: { listen?: string; upstream?: string };
  allowHosts?: string[];
  clientTimeoutMs: number;
  seed?: number;
}
