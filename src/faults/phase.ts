import { CrumpleError, describeError } from '../errors.js';
import { monotonicMs } from '../timeline/clock.js';
import type { EventSink } from '../timeline/events.js';
import type { NetworkFaults } from './network.js';
import { describeFault, faultLayer, faultName, type Fault } from './fault.js';

/** What a phase may switch on a dependency: its stand-in, and its proxy when reached through one. */
export interface FaultableDependency {
  /** Resolves once the switch is in effect (a `refuse` listener closed or re-bound). */
  setBehaviour(name: string, params?: unknown): void | Promise<void>;
  behaviour(): { name: string; params: unknown };
  /** Proxy name on the fault proxy, when the dependency is reached via the proxy. */
  proxy?: string;
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
    const event = (action: 'applied' | 'cleared' | 'failed', detail?: string) =>
      opts.sink({ kind: 'fault', t: monotonicMs(), phase: opts.phase, dependency: f.dependency, fault, type: faultLayer(f), action, ...(detail ? { detail } : {}) });
    try {
      undos.push(await applyOne(f, opts.deps, opts.network));
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

async function applyOne(f: Fault, deps: ReadonlyMap<string, FaultableDependency>, network?: NetworkFaults): Promise<() => Promise<void>> {
  const dep = deps.get(f.dependency);
  if (!dep) throw new CrumpleError('BAD_INPUT', `fault names unknown dependency '${f.dependency}'`);
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
