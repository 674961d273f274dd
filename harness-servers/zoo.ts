/**
 * The zoo: one stand-in per behaviour with default params, HTTP first then WebSocket, each on its
 * own port (consecutive from basePort, or port 0 each). Names are the behaviour names.
 */

/**
 * Where a default would show nothing to a client that connects later: close-all sweeps once, at the
 * switch (before anyone is connected), so the zoo's sweeps every few seconds.
 */
export const ZOO_PARAMS: Readonly<Record<string, unknown>> = { 'close-all': { every: 3000 } };
import { behaviourImpls } from './behaviours/impl.js';
import { startStandIn, type StandIn, type StandInOptions } from './server.js';
import { wsBehaviourImpls } from './ws/impl.js';

export async function startZoo(opts: { host?: string; basePort?: number; seed?: number; onEvent?: StandInOptions['onEvent'] } = {}): Promise<StandIn[]> {
  const specs: { name: string; protocol: 'http' | 'ws' }[] = [
    ...Object.keys(behaviourImpls).map((name) => ({ name, protocol: 'http' as const })),
    ...Object.keys(wsBehaviourImpls).map((name) => ({ name, protocol: 'ws' as const })),
  ];
  const started: StandIn[] = [];
  try {
    for (const [i, s] of specs.entries()) {
      const o: StandInOptions = { name: s.name, protocol: s.protocol, behaviour: s.name, port: opts.basePort ? opts.basePort + i : 0 };
      if (ZOO_PARAMS[s.name] !== undefined) o.params = ZOO_PARAMS[s.name];
      if (opts.host) o.host = opts.host;
      if (opts.seed !== undefined) o.seed = opts.seed;
      if (opts.onEvent) o.onEvent = opts.onEvent;
      started.push(await startStandIn(o));
    }
  } catch (e) {
    await Promise.all(started.map((s) => s.close()));
    throw e;
  }
  return started;
}
