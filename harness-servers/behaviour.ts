/**
 * The Behaviour extension point: how a stand-in answers. One file per behaviour under behaviours/
 * (its implementation, no zod at run time), its params schema in behaviours/params.ts, both tables
 * keyed by the behaviour's name. Params are validated once (zod, defaults so `{}` parses) and the
 * implementation `create`s a Handler; the hot path then calls the handler with no parsing at all.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { z } from 'zod';
import { CrumpleError } from '../src/errors.js';
import type { CompiledContract } from './contract-match.js';
import type { ConnState, RequestRecord } from './log.js';
import type { FaultKind, Ranges } from '../src/faults/kind.js';

/** One request being answered. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly conn: ConnState;
  readonly rec: RequestRecord;
  /** The request body (first MAX_BODY bytes) when it had one, else undefined. */
  readonly body: Buffer | undefined;
  /** The response head goes out now. */
  began(status: number): void;
  /** The response is complete; `bytes` = body bytes sent. */
  finished(bytes: number): void;
  /** A whole response at once (marks start and end). `headers` flat: [name, value, ...]. */
  send(status: number, headers: readonly string[], body: Buffer): void;
  /** Close the connection ourselves: 'fin' = clean close, 'rst' = TCP reset. */
  close(how: 'fin' | 'rst'): void;
  /** Runs once if the connection goes away before the behaviour is done (timers, streams). */
  onGone(fn: () => void): void;
  /** `ok` found no contract pair: logged as a miss and a dep-miss event. */
  miss(): void;
}

export interface Handler {
  /** Name in logs and dep-request events. */
  readonly label: string;
  /** Raw socket at accept, before any HTTP parsing; return true when the behaviour took it. */
  accept?(socket: Socket, conn: ConnState): boolean;
  /** Composites (flaky, sequence) pick the handler that answers this request. */
  pick?(x: Exchange): Handler;
  /** Answers one request (leaf handlers). */
  request(x: Exchange): void;
  /** While this is the stand-in's behaviour, nothing listens on its port (connection refused). */
  readonly refuses?: boolean;
}

export interface Env {
  /** Stand-in name (for messages). */
  readonly name: string;
  /** The stand-in's contract (healthy answers). */
  readonly contract: CompiledContract;
  /** A fresh generator derived from the stand-in's seed; deterministic per creation order. */
  rng(): () => number;
  /** Build a nested behaviour (params already validated by nestedSchema). */
  create(spec: NestedSpec): Handler;
}

/** A behaviour's implementation: what it is and how it answers, given params its schema parsed. */
export interface BehaviourImpl<P> {
  readonly name: string;
  readonly description: string;
  /** What the caller goes through (checks and explore read it; see src/faults/kind.ts). */
  readonly kind: FaultKind;
  /** Takes no params: `{}` needs no parsing, so a stand-in starts it without loading zod. */
  readonly noParams?: true;
  create(params: P, env: Env): Handler;
}

/** `noParams: true` exactly when the schema's output has no fields (the compiler holds the two together). */
export type ImplFor<P, I> = I & (NoFields<P> extends true ? { readonly noParams: true } : { readonly noParams?: never });
/** z.strictObject({}) outputs Record<string, never>. */
type NoFields<P> = [keyof P] extends [never] ? true : string extends keyof P ? ([P[keyof P]] extends [never] ? true : false) : false;
export type BehaviourImplFor<P> = ImplFor<P, BehaviourImpl<P>>;

/** A behaviour as the parent side sees it: the implementation with its params schema and explore ranges. */
export interface Behaviour<S extends z.ZodType = z.ZodType> extends BehaviourImpl<z.output<S>> {
  readonly params: S;
  /** Per parameter, the values worth exploring. */
  readonly explore: Ranges<z.input<S>>;
}

/** mulberry32: small, fast, seeded; good enough for fault fractions and garbage bytes. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rng: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rng() * 256);
  return b;
}

/** `{ behaviour, params }` inside a composite, params already parsed (behaviours/params.ts, nestedSchema). */
export interface NestedSpec {
  behaviour: string;
  params: unknown;
}

/** "params.delay: expected a duration..." lines for a zod error. */
export function zodLines(err: z.ZodError, prefix: string): string[] {
  return err.issues.map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.')}: ${i.message}`);
}

/** Parses params with a behaviour's schema or throws BAD_INPUT naming each field. */
export function parseParams<S extends z.ZodType>(b: { name: string; params: S }, params: unknown): z.output<S> {
  const r = b.params.safeParse(params ?? {});
  if (r.success) return r.data;
  const lines = zodLines(r.error, 'params');
  throw new CrumpleError('BAD_INPUT', `bad params for behaviour '${b.name}': ${lines[0] ?? 'invalid'}`, { details: lines.slice(1) });
}

export const JSON_HEADERS = ['content-type', 'application/json'] as const;
