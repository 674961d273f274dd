/**
 * The behaviour table as the parent side uses it (scenario schema, faults, explore, serve --config,
 * the public API): each implementation (impl.ts) with its params schema and explore ranges (params.ts).
 * A stand-in process imports impl.ts instead, and params.ts only when it has params to check.
 */
import type { Behaviour } from '../behaviour.js';
import { behaviourImpls, type BehaviourName } from './impl.js';
import { behaviourParams } from './params.js';

export type { BehaviourName } from './impl.js';

type Table = { readonly [K in BehaviourName]: (typeof behaviourImpls)[K] & (typeof behaviourParams)[K] };

export const behaviours = Object.fromEntries(
  Object.entries(behaviourImpls).map(([name, impl]) => [name, { ...impl, ...behaviourParams[name as BehaviourName] }]),
) as Table;

export function getBehaviour(name: string): Behaviour | undefined {
  return Object.hasOwn(behaviours, name) ? (behaviours[name as BehaviourName] as unknown as Behaviour) : undefined;
}
