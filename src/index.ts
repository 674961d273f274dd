// crumple's public API. Values first, then types.
export { CrumpleError, isCrumpleError } from './errors.js';
export { monotonicMs } from './timeline/clock.js';

export type { ErrorCode } from './errors.js';
export type { TimelineEvent, EventSink, ErrorClass } from './timeline/events.js';
export type { Timeline, SecondSummary } from './timeline/timeline.js';
export type { Verdict, Check, FailureFinding, FailureModeId } from './checks/check.js';
export type { RunResult } from './report/result.js';
