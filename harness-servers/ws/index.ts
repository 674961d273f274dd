/**
 * The WebSocket behaviour table as the parent side uses it: each implementation (impl.ts) with its
 * params schema and explore ranges (params.ts). A stand-in process imports impl.ts instead.
 */
import type { WsBehaviour } from './ws-behaviour.js';
import { wsBehaviourImpls, type WsBehaviourName } from './impl.js';
import { wsBehaviourParams } from './params.js';

export type { WsBehaviourName } from './impl.js';

type Table = { readonly [K in WsBehaviourName]: (typeof wsBehaviourImpls)[K] & (typeof wsBehaviourParams)[K] };

export const wsBehaviours = Object.fromEntries(
  Object.entries(wsBehaviourImpls).map(([name, impl]) => [name, { ...impl, ...wsBehaviourParams[name as WsBehaviourName] }]),
) as Table;

export function getWsBehaviour(name: string): WsBehaviour | undefined {
  return Object.hasOwn(wsBehaviours, name) ? (wsBehaviours[name as WsBehaviourName] as unknown as WsBehaviour) : undefined;
}
