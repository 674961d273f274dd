/**
 * `crumple serve --config FILE`: named stand-ins from YAML or JSON.
 *   standins:
 *     inventory: { behaviour: ok, contract: [...], port: 4001 }
 *     feed:      { protocol: ws, behaviour: echo }
 *     jobs:      { queue: { visibility: 30s } }     # a queue stand-in (queue/server.ts)
 *   control: { port: 4000, token: secret }     # optional
 * Behaviour names and params are checked against the tables here, so a bad file fails before
 * anything listens, with every issue and its field path.
 */
import { z } from 'zod';
import { CrumpleError } from '../src/errors.js';
import { linePos, parseYamlLimited, readBoundedText } from '../src/safety.js';
import { contractSchema } from './contract.js';
import { getBehaviour } from './behaviours/index.js';
import { getWsBehaviour } from './ws/index.js';
import { zodLines } from './behaviour.js';
import { queueSpecSchema } from './queue/queue.js';

const standInSchema = z
  .strictObject({
    protocol: z.enum(['http', 'ws']).default('http'),
    behaviour: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    contract: contractSchema.optional(),
    port: z.number().int().min(0).max(65535).default(0),
    seed: z.number().int().optional(),
    /** A queue stand-in (queue/server.ts) instead of a behaviour stand-in: { visibility, maxMessages, maxBody }. */
    queue: queueSpecSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.queue) {
      for (const k of ['behaviour', 'params', 'contract'] as const) if (s[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `a queue stand-in has no ${k}` });
      return;
    }
    const name = s.behaviour ?? (s.protocol === 'ws' ? 'echo' : 'ok');
    const b = s.protocol === 'ws' ? getWsBehaviour(name) : getBehaviour(name);
    if (!b) {
      ctx.addIssue({ code: 'custom', path: ['behaviour'], message: `unknown ${s.protocol} behaviour '${name}'` });
      return;
    }
    const r = b.params.safeParse(s.params ?? {});
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: ['params', ...i.path.map(String)], message: i.message });
  });

export const serveConfigSchema = z.strictObject({
  standins: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'stand-in names use letters, digits, "_", "-", "."' }), standInSchema)
    .refine((r) => Object.keys(r).length > 0, { error: 'standins: give at least one stand-in' }),
  control: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(0),
      token: z.string().min(1).optional(),
      host: z.string().optional(),
    })
    .optional(),
});
export type ServeConfig = z.output<typeof serveConfigSchema>;

export function parseServeConfig(text: string, file: string): ServeConfig {
  // JSON is YAML: one parser with one set of limits (depth, aliases, tags) for both.
  const parsed = parseYamlLimited(text);
  if (!('doc' in parsed) || parsed.problems.length) {
    const p = parsed.problems[0]!;
    const at = linePos(text, p.offset);
    throw new CrumpleError('BAD_INPUT', `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'} (line ${at.line}, column ${at.col}: ${p.message})`);
  }
  const raw = parsed.value;
  const r = serveConfigSchema.safeParse(raw);
  if (!r.success) {
    const lines = zodLines(r.error, '');
    throw new CrumpleError('BAD_INPUT', `${file}: ${lines.length} problem(s): ${lines[0]}`, { details: lines.slice(1) });
  }
  return r.data;
}

/** A config names stand-ins and their contracts: a page, like a scenario. */
export const MAX_CONFIG_BYTES = 1_000_000;

export async function loadServeConfig(file: string): Promise<ServeConfig> {
  return parseServeConfig(await readBoundedText(file, { maxBytes: MAX_CONFIG_BYTES, what: 'config file' }), file);
}
