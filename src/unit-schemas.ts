import { z } from 'zod';
import { parseDuration, parseRate } from './units.js';

/** The units of units.ts as zod schemas, for scenario and table schemas (kept apart so units.ts stays zod-free). */
function fromParser(parse: (v: unknown) => number | string) {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const r = parse(v);
    if (typeof r === 'string') {
      ctx.addIssue({ code: 'custom', message: r });
      return z.NEVER;
    }
    return r;
  });
}

/** A duration in a schema: accepts 500, "500ms", "5s"; yields milliseconds. */
export const durationSchema = fromParser(parseDuration);
/** A rate in a schema: accepts 100, "100/s"; yields requests per second. */
export const rateSchema = fromParser(parseRate);
