/**
 * `verify`: each pair's request sent to the real dependency, one at a time, and its answer held
 * against the pair (drift.ts). Only safe methods unless writes are allowed; a pair with path
 * parameters and no `request.example` cannot be sent and is skipped, saying so. An answer that could
 * not be had (refused, reset, not HTTP, timeout) is an error for that route, not a drift.
 */
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ContractPair } from '../../harness-servers/contract.js';
import { CrumpleError } from '../errors.js';
import { isLoopback } from '../safety.js';
import { monotonicMs } from '../timeline/clock.js';
import { driftOf, type Drift } from './drift.js';
import { describeUpstreamError } from './record.js';

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Bytes of one answer read at most; beyond, the body is not compared. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export type RouteOutcome = 'ok' | 'changed' | 'drift' | 'skipped' | 'error';

export interface RouteResult {
  /** "GET /items/:id" as the contract says it. */
  route: string;
  /** The request actually sent ("GET /items/42"). */
  sent?: string;
  outcome: RouteOutcome;
  drifts: Drift[];
  /** Why skipped, or what failed. */
  reason?: string;
  status?: number;
  latencyMs?: number;
  recordedLatencyMs?: number;
}

export interface VerifyOptions {
  against: URL;
  allowWrites?: boolean;
  /** Sent with every request (credentials for a staging dependency: never part of the contract). */
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Slower than factor × recorded (+ 50 ms) is latency drift. */
  latencyFactor?: number;
  signal?: AbortSignal;
}

/** Refuses a non-loopback host unless listed: contract traffic goes where the user said, nowhere else. */
export function assertContractHost(url: URL, allowHosts: readonly string[], what: string): void {
  const h = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(h) || allowHosts.some((a) => a.replace(/^\[|\]$/g, '').toLowerCase() === h)) return;
  throw new CrumpleError('HOST_NOT_ALLOWED', `${what}: refusing to reach ${h}: not a loopback host (allow it with --allow-host ${h})`);
}

const routeOf = (p: ContractPair) => `${(p.request.method ?? 'GET').toUpperCase()} ${p.request.path}`;

/** The concrete path to send for a pair, or why there is none. */
export function concretePath(p: ContractPair): { path: string } | { skip: string } {
  if (p.request.example?.path) return { path: p.request.example.path };
  const path = p.request.path;
  if (/(^|\/):[^/]/.test(path) || path.endsWith('*')) return { skip: `${path} has parameters and no request.example.path to send` };
  return { path };
}

interface Answer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  latencyMs: number;
  truncated: boolean;
}

function send(base: URL, method: string, path: string, headers: OutgoingHttpHeaders, body: Buffer | undefined, timeoutMs: number, signal?: AbortSignal): Promise<Answer> {
  const prefix = base.pathname.replace(/\/+$/, '');
  const fn = base.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const started = monotonicMs();
    const req = fn(
      {
        protocol: base.protocol,
        hostname: base.hostname.replace(/^\[|\]$/g, ''),
        port: base.port || undefined,
        method,
        path: `${prefix}${path}`,
        headers: { ...headers, host: base.host, ...(body ? { 'content-length': String(body.length) } : {}) },
        timeout: timeoutMs,
        agent: false,
        ...(signal ? { signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(c);
          else truncated = true;
        });
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks), latencyMs: monotonicMs() - started, truncated }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

function outcomeOf(drifts: Drift[]): RouteOutcome {
  if (drifts.some((d) => d.breaking)) return 'drift';
  return drifts.length ? 'changed' : 'ok';
}

/** Checks every pair against the real dependency, in contract order. */
export async function verifyContract(pairs: readonly ContractPair[], opts: VerifyOptions): Promise<RouteResult[]> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const latencyFactor = opts.latencyFactor ?? 3;
  const out: RouteResult[] = [];
  for (const pair of pairs) {
    if (opts.signal?.aborted) break;
    const route = routeOf(pair);
    const method = (pair.request.method ?? 'GET').toUpperCase();
    const recorded = pair.response?.latencyMs;
    const base: Pick<RouteResult, 'route' | 'recordedLatencyMs'> = { route, ...(recorded !== undefined ? { recordedLatencyMs: recorded } : {}) };
    if (!SAFE_METHODS.has(method) && !opts.allowWrites) {
      out.push({ ...base, outcome: 'skipped', drifts: [], reason: `${method} is not a safe method (pass --allow-writes to send it)` });
      continue;
    }
    const target = concretePath(pair);
    if ('skip' in target) {
      out.push({ ...base, outcome: 'skipped', drifts: [], reason: target.skip });
      continue;
    }
    const headers: OutgoingHttpHeaders = { ...(pair.request.headers ?? {}), ...(opts.headers ?? {}) };
    const rawBody = pair.request.example?.body ?? pair.request.body;
    let body: Buffer | undefined;
    if (rawBody !== undefined && method !== 'GET' && method !== 'HEAD') {
      body = Buffer.from(typeof rawBody === 'string' ? rawBody : JSON.stringify(rawBody));
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = typeof rawBody === 'string' ? 'text/plain' : 'application/json';
    }
    const sent = `${method} ${target.path}`;
    try {
      const a = await send(opts.against, method, target.path, headers, body, timeoutMs, opts.signal);
      const drifts = a.truncated
        ? driftOf({ ...pair, response: { ...pair.response, json: undefined, shape: undefined } }, a, { latencyFactor })
        : driftOf(pair, a, { latencyFactor });
      out.push({ ...base, sent, outcome: outcomeOf(drifts), drifts, status: a.status, latencyMs: Math.round(a.latencyMs * 10) / 10, ...(a.truncated ? { reason: `answer over ${MAX_ANSWER_BYTES} bytes: its body was not compared` } : {}) });
    } catch (e) {
      if (opts.signal?.aborted) break;
      out.push({ ...base, sent, outcome: 'error', drifts: [], reason: describeUpstreamError(e, timeoutMs) });
    }
  }
  return out;
}
