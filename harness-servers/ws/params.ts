/**
 * The WebSocket behaviours' params, declared once: per behaviour its zod schema (defaults, so `{}`
 * parses) and the values worth exploring, keyed like the implementations (impl.ts; the compiler
 * checks both tables agree). Parent side, and a stand-in only when it has params to check.
 */
import { z } from 'zod';
import { durationSchema } from '../../src/unit-schemas.js';
import { int, log, oneOf, type Ranges } from '../../src/faults/kind.js';

function entry<S extends z.ZodType>(params: S, explore: Ranges<z.input<S>>): { params: S; explore: Ranges<z.input<S>> } {
  return { params, explore };
}

const none = () => entry(z.strictObject({}), {});

const dropAfter = entry(
  z.strictObject({
    messages: z.number().int().min(0).default(3),
    how: z.enum(['terminate', 'close']).default('terminate'),
    /** Close code when how = close. */
    code: z.number().int().min(1000).max(4999).default(1011),
  }),
  { messages: int(0, 20), how: oneOf('terminate', 'close'), code: oneOf(1011, 1001, 1012) },
);

const garbageFrames = entry(z.strictObject({ bytes: z.number().int().min(2).max(1 << 20).default(64) }), { bytes: log(2, 65_536, 'bytes') });

const closeAll = entry(
  z.strictObject({
    code: z.number().int().min(1000).max(4999).default(1012),
    /** terminate: drop TCP without a close frame. */
    abrupt: z.boolean().default(false),
    /** Repeat the sweep every this many ms (0 = once, on switch). */
    every: durationSchema.default(0),
  }),
  { code: oneOf(1012, 1001, 1011), abrupt: oneOf(false, true), every: oneOf(0, 1000, 5000) },
);

const slowMessages = entry(z.strictObject({ delay: durationSchema.default(1000) }), { delay: log(10, 10_000, 'ms') });

export const wsBehaviourParams = {
  echo: none(),
  silent: none(),
  'no-pong': none(),
  'drop-after': dropAfter,
  'garbage-frames': garbageFrames,
  'close-all': closeAll,
  'slow-messages': slowMessages,
};

/** What a WebSocket behaviour's `create` gets: its params as the schema outputs them (defaults filled in). */
export type ParamsOf<K extends keyof typeof wsBehaviourParams> = z.output<(typeof wsBehaviourParams)[K]['params']>;
