/** The WebSocket behaviour table: file name = key = the name in scenario files and on the control API. */
import type { WsBehaviour } from './ws-behaviour.js';
import echo from './echo.js';
import silent from './silent.js';
import noPong from './no-pong.js';
import dropAfter from './drop-after.js';
import garbageFrames from './garbage-frames.js';
import closeAll from './close-all.js';
import slowMessages from './slow-messages.js';

export const wsBehaviours = {
  echo,
  silent,
  'no-pong': noPong,
  'drop-after': dropAfter,
  'garbage-frames': garbageFrames,
  'close-all': closeAll,
  'slow-messages': slowMessages,
} satisfies Record<string, WsBehaviour<any>>;

export type WsBehaviourName = keyof typeof wsBehaviours;

export function getWsBehaviour(name: string): WsBehaviour | undefined {
  return Object.hasOwn(wsBehaviours, name) ? (wsBehaviours[name as WsBehaviourName] as WsBehaviour) : undefined;
}
