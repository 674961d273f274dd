/**
 * The HTTP behaviour implementations, keyed by name like the params table (params.ts): what a
 * stand-in process loads. No zod: the keys and each create()'s params are checked against params.ts
 * by the compiler, from its types alone.
 */
import type { BehaviourImpl, BehaviourImplFor } from '../behaviour.js';
import type { behaviourParams, ParamsOf } from './params.js';
import ok from './ok.js';
import slow from './slow.js';
import hang from './hang.js';
import noRead from './no-read.js';
import refuse from './refuse.js';
import reset from './reset.js';
import closeEarly from './close-early.js';
import garbage from './garbage.js';
import html from './html.js';
import wrongType from './wrong-type.js';
import malformed from './malformed.js';
import truncated from './truncated.js';
import drip from './drip.js';
import huge from './huge.js';
import status from './status.js';
import flaky from './flaky.js';
import sequence from './sequence.js';

export const behaviourImpls = {
  ok,
  slow,
  hang,
  'no-read': noRead,
  refuse,
  reset,
  'close-early': closeEarly,
  garbage,
  html,
  'wrong-type': wrongType,
  malformed,
  truncated,
  drip,
  huge,
  status,
  flaky,
  sequence,
} satisfies { readonly [K in keyof typeof behaviourParams]: BehaviourImplFor<ParamsOf<K>> };

export type BehaviourName = keyof typeof behaviourImpls;

export function getBehaviourImpl(name: string): BehaviourImpl<unknown> | undefined {
  return Object.hasOwn(behaviourImpls, name) ? (behaviourImpls[name as BehaviourName] as BehaviourImpl<unknown>) : undefined;
}
