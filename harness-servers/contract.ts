/**
 * Contracts: what `ok` answers while a dependency is healthy. Request/response pairs, matched in
 * order; the first pair whose method, path (":name" captures one segment, a trailing "*" the rest),
 * headers (exact, case-insensitive names) and body (JSON subset) match answers. Matchers and response
 * bytes are compiled once so the hot path does no parsing or serialising.
 *
 * The same pairs are what `crumple contract verify` checks against the real dependency, and what
 * `crumple contract record` writes: the optional `example`, `contentType`, `shape` and `latencyMs`
 * fields serve verification (and are ignored by matching, except `contentType`, which `ok` sends).
 */
import { z } from 'zod';
import { durationSchema } from '../src/unit-schemas.js';
import { compileParsedContract, type CompiledContract } from './contract-match.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const contractRequestSchema = z.strictObject({
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(METHODS, { error: `method must be one of ${METHODS.join(', ')}` }))
    .optional(),
  path: z.string().startsWith('/', { error: 'path must start with "/"' }),
  headers: z.record(z.string(), z.string()).optional(),
  /** JSON the request body must contain (a subset match). */
  body: z.unknown().optional(),
  /** A concrete request for `verify` to send when `path` has parameters: its path (query allowed) and body. */
  example: z
    .strictObject({
      path: z.string().startsWith('/', { error: 'example.path must start with "/"' }),
      body: z.unknown().optional(),
    })
    .optional(),
});

/**
 * The JSON shape of a body: a type name ("string", "number", "boolean", "null", "any", or several
 * joined by "|": "string|null"), a list of one shape (an array whose items have it; [] = an empty
 * array seen), or an object mapping field names to shapes; a name ending in "?" is optional.
 */
export type JsonShape = string | JsonShape[] | { [field: string]: JsonShape };
const SHAPE_TYPES = new Set(['string', 'number', 'boolean', 'null', 'any']);
export const jsonShapeSchema: z.ZodType<JsonShape, JsonShape> = z.lazy(() =>
  z.union([
    z.string().refine((t) => t.split('|').every((x) => SHAPE_TYPES.has(x)), { error: `a shape type is one of ${[...SHAPE_TYPES].join(', ')} (or several joined by "|")` }),
    z.array(jsonShapeSchema).max(1, { error: 'an array shape lists one item shape (or none)' }),
    z.record(z.string(), jsonShapeSchema),
  ]),
);

export const contractResponseSchema = z
  .strictObject({
    status: z.number().int().min(100).max(599).default(200),
    headers: z.record(z.string(), z.string()).optional(),
    json: z.unknown().optional(),
    text: z.string().optional(),
    /** Extra time before answering (ms or "250ms"). */
    delay: durationSchema.optional(),
    /** The Content-Type `ok` sends (unless `headers` has one); `verify` compares its media type. */
    contentType: z.string().min(1).optional(),
    /** The body's JSON shape for `verify` (default: the shape of `json`). */
    shape: jsonShapeSchema.optional(),
    /** How long the real dependency took when recorded (ms); `verify` compares. `ok` never waits for it (that is `delay`). */
    latencyMs: z.number().min(0).optional(),
  })
  .refine((r) => !(r.json !== undefined && r.text !== undefined), { error: 'give either json or text, not both', path: ['json'] });

export const contractPairSchema = z.strictObject({
  request: contractRequestSchema,
  response: contractResponseSchema.default({ status: 200 }),
});
export const contractSchema = z.array(contractPairSchema);

/**
 * A contract file: the list of pairs, or an object with the list under `contract` and what recorded
 * it (`recorded`, informational). Scenario dependencies (`contract: ./contracts/x.yaml`), `serve
 * --config` and `crumple contract verify` all read this one format.
 */
export const contractFileObjectSchema = z.strictObject({
  recorded: z.looseObject({ upstream: z.string().optional(), at: z.string().optional() }).optional(),
  contract: contractSchema,
});
export const contractFileSchema = z.union([contractSchema, contractFileObjectSchema]);
export type ContractFile = z.input<typeof contractFileObjectSchema>;

export type ContractPair = z.input<typeof contractPairSchema>;
export type ContractPairParsed = z.output<typeof contractPairSchema>;

/** Pairs as written → matcher. Throws the zod error for invalid input (callers turn it into BAD_INPUT). */
export function compileContract(pairs: readonly ContractPair[] | undefined): CompiledContract {
  return compileParsedContract(contractSchema.parse(pairs ?? []));
}
