/**
 * The WebSocket behaviour implementations, keyed by name like the params table (params.ts): what a
 * stand-in process loads. No zod: the keys and each create()'s params are checked against params.ts
 * by the compiler, from its types alone.
 */
import type { WsBehaviourImpl, WsBehaviourImplFor } from './ws-behaviour.js';
import type { wsBehaviourParams, ParamsOf } from './params.js';
import echo from './echo.js';
import silent from './silent.js';
import noPong from './no-pong.js';
import dropAfter from './drop-after.js';
import garbageFrames from './garbage-frames.js';
import closeAll from './close-all.js';
import slowMessages from './slow-messages.js';

export const wsBehaviourImpls = {
  echo,
  silent,
  'no-pong': noPong,
  'drop-after': dropAfter,
  'garbage-frames': garbageFrames,
  'close-all': closeAll,
  'slow-messages': slowMessages,
} satisfies { readonly [K in keyof typeof wsBehaviourParams]: WsBehaviourImplFor<ParamsOf<K>> };

export type WsBehaviourName = keyof typeof wsBehaviourImpls;

export function getWsBehaviourImpl(name: string): WsBehaviourImpl<unknown> | undefined {
  return Object.hasOwn(wsBehaviourImpls, name) ? (wsBehaviourImpls[name as WsBehaviourName] as WsBehaviourImpl<unknown>) : undefined;
}
