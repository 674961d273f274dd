// crumple's public API: everything a user's own tests or scripts may call. Values first, then types.
export { CrumpleError, isCrumpleError } from './errors.js';
export { monotonicMs } from './timeline/clock.js';
export { parseDuration, parseRate } from './units.js';

// Stand-ins (misbehaving dependencies) and their control API.
export { startStandIn } from '../harness-servers/server.js';
export { startControlApi } from '../harness-servers/control.js';
export { startZoo } from '../harness-servers/zoo.js';
export { behaviours } from '../harness-servers/behaviours/index.js';
export { wsBehaviours } from '../harness-servers/ws/index.js';

// The Toxiproxy-compatible fault proxy, and network faults through toxiproxy-node-client.
export { startProxyServer } from './proxy/server.js';
export { toxics } from './proxy/toxics/index.js';
export { NetworkFaults } from './faults/network.js';
export { faultSchema, describeFault, faultKinds } from './faults/fault.js';

// Load and the timeline.
export { startLoad, loadShapes } from './load/index.js';
export { Recorder } from './timeline/recorder.js';
export { startLagSampler } from './timeline/lag.js';

// Checks, runs and reports.
export { checks, runChecks, runSteadyState } from './checks/index.js';
export { runPlan, phaseWindows } from './run.js';
export { writeReports, renderTerminal, readRunResult, renderComparison, failureModes } from './report/index.js';

export type { ErrorCode } from './errors.js';
export type { StandIn, StandInOptions, ContractPair } from '../harness-servers/server.js';
export type { Fault, FaultBody, ToxicSpec, ToxicSpecInput } from './faults/fault.js';
export type { FaultKind, Range } from './faults/kind.js';
export type { LoadSummary } from './load/index.js';
export type { TimelineEvent, EventSink, ErrorClass } from './timeline/events.js';
export type { Timeline, SecondSummary } from './timeline/timeline.js';
export type { Verdict, VerdictStatus, Check, CheckContext, FailureFinding, FailureModeId, PhaseWindow } from './checks/check.js';
export type { RunOptions, RunOutput } from './run.js';
export type { RunPlan, Addresses } from './run-plan.js';
export type { RunResult } from './report/result.js';
