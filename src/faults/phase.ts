import { CrumpleError, describeError } from '../errors.js';
import { monotonicMs } from '../timeline/clock.js';
import type { EventSink } from '../timeline/events.js';
import type { NetworkFaults } from './network.js';
import { describeFault, faultLayer, faultName, TARGET_SUBJECT, type DependencyFault, type Fault, type TargetFault } from './fault.js';

/** What a phase may switch on a dependency: its stand-in, and its proxy when reached through one. */
export interface FaultableDependency {
  /** Resolves once the switch is in effect (a `refuse` listener closed or re-bound). */
  setBehaviour(name: string, params?: unknown): void | Promise<void>;
  behaviour(): { name: string; params: unknown };
  /** Proxy name on the fault proxy, when the dependency is reached via the proxy. */
  proxy?: string;
  /**
   * A dependency with `replicas: N`: one entry per stand-in (replica 1 first). A fault naming a
   * replica switches that one; a fault without one switches them all. The fields above are replica 1's.
   */
  replicas?: readonly FaultableDependency[];
}

/** What a phase may do to the target process (target/control.ts): each resolves once it is in effect. */
export interface FaultableTarget {
  /** SIGKILL to its process group; resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGSTOP to its process group. */
  pause(): Promise<void>;
  /** SIGCONT. */
  resume(): Promise<void>;
  /** Starts it again (after a kill) and resolves once its readiness probe passes. */
  start(): Promise<unknown>;
  /** Stops it as at the end of a run, starts it again, resolves once ready. */
  restart(): Promise<void>;
}

/**
 * Applies a phase's faults and returns the undo. If one fault fails, those already applied are
 * undone before the error is thrown, so a half-applied phase never outlives the call.
 */
export async function applyPhaseFaults(opts: {
  phase: string;
  faults: readonly Fault[];
  deps: ReadonlyMap<string, FaultableDependency>;
  network?: NetworkFaults;
  /** Absent when crumple did not start the target (given by url): target faults are then refused. */
  target?: FaultableTarget;
  sink: EventSink;
}): Promise<() => Promise<void>> {
  const undos: (() => Promise<void>)[] = [];
  const undoAll = async () => {
    const errors: string[] = [];
    while (undos.length) {
      try {
        await undos.pop()!();
      } catch (e) {
        errors.push(describeError(e));
      }
    }
    if (errors.length) throw new CrumpleError('HARNESS_FAILED', `could not clear every fault of phase '${opts.phase}'`, { details: errors });
  };
  for (const f of opts.faults) {
    const fault = faultName(f);
    const subject = 'target' in f ? { dependency: TARGET_SUBJECT } : { dependency: f.dependency, ...(f.replica !== undefined ? { replica: f.replica } : {}) };
    const event = (action: 'applied' | 'cleared' | 'failed', detail?: string) =>
      opts.sink({ kind: 'fault', t: monotonicMs(), phase: opts.phase, ...subject, fault, type: faultLayer(f), action, ...(detail ? { detail } : {}) });
    try {
      undos.push('target' in f ? await applyToTarget(f, opts.target) : await applyToReplicas(f, opts.deps, opts.network));
      event('applied');
      const inner = undos.pop()!;
      undos.push(async () => {
        await inner();
        event('cleared');
      });
    } catch (e) {
      event('failed', describeError(e));
      await undoAll().catch(() => {});
      throw e instanceof CrumpleError ? e : new CrumpleError('HARNESS_FAILED', `phase '${opts.phase}': could not apply ${describeFault(f)}: ${describeError(e)}`);
    }
  }
  return undoAll;
}

async function applyToTarget(f: TargetFault, target: FaultableTarget | undefined): Promise<() => Promise<void>> {
  if (!target) throw new CrumpleError('BAD_INPUT', `a target fault (target: ${f.target}) needs a target crumple starts (target.command), not one given by url`);
  switch (f.target) {
    case 'kill':
      await target.kill();
      return async () => void (await target.start());
    case 'pause':
      await target.pause();
      return () => target.resume();
    case 'restart':
      await target.restart();
      return async () => {};
  }
}

/** A fault on one replica, or on every stand-in of the dependency (undone in reverse). */
async function applyToReplicas(f: DependencyFault, deps: ReadonlyMap<string, FaultableDependency>, network?: NetworkFaults): Promise<() => Promise<void>> {
  const dep = deps.get(f.dependency);
  if (!dep) throw new CrumpleError('BAD_INPUT', `fault names unknown dependency '${f.dependency}'`);
  const all = dep.replicas ?? [dep];
  if (f.replica !== undefined) {
    const one = all[f.replica - 1];
    if (!one) throw new CrumpleError('BAD_INPUT', `fault names replica ${f.replica} of '${f.dependency}', which has ${all.length} (replicas count from 1)`);
    return applyOne(f, one, network);
  }
  const undos: (() => Promise<void>)[] = [];
  try {
    for (const r of all) undos.push(await applyOne(f, r, network));
  } catch (e) {
    for (const u of undos.reverse()) await u().catch(() => {});
    throw e;
  }
  return async () => {
    for (const u of [...undos].reverse()) await u();
  };
}

async function applyOne(f: DependencyFault, dep: FaultableDependency, network?: NetworkFaults): Promise<() => Promise<void>> {
  if ('behaviour' in f) {
    const before = dep.behaviour();
    await dep.setBehaviour(f.behaviour, f.params);
    return async () => dep.setBehaviour(before.name, before.params);
  }
  if (!dep.proxy || !network) {
    throw new CrumpleError('BAD_INPUT', `dependency '${f.dependency}' is not reached through the proxy (via: direct), so it cannot take network faults`);
  }
  const proxy = dep.proxy;
  if ('down' in f) {
    await network.setEnabled(proxy, false);
    return () => network.setEnabled(proxy, true);
  }
  const name = await network.addToxic(proxy, f.toxic);
  return () => network.removeToxic(proxy, name);
}
