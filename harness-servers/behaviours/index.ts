/** The behaviour table: file name = key = the name in scenario files and on the control API. */
import { registerBehaviours, type Behaviour } from '../behaviour.js';
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

export const behaviours = {
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
} satisfies Record<string, Behaviour<any>>;

export type BehaviourName = keyof typeof behaviours;

registerBehaviours(behaviours as Record<string, Behaviour>);

export function getBehaviour(name: string): Behaviour | undefined {
  return Object.hasOwn(behaviours, name) ? (behaviours[name as BehaviourName] as Behaviour) : undefined;
}
