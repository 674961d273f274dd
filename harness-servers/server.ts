/**
 * One stand-in: one port, one live-switchable behaviour, an observation log and timeline events.
 * This facade validates and switches behaviours (with the params schemas, loaded on first need: a
 * behaviour that takes no params starts without zod); listen.ts owns the port (refuse closes it,
 * switching away re-binds it), http.ts and ws.ts answer, observe.ts records what the target did.
 */
import { CrumpleError } from '../src/errors.js';
import type { EventSink } from '../src/timeline/events.js';
import { parseParams, seededRandom, zodLines, type Env, type NestedSpec } from './behaviour.js';
import { behaviourImpls, getBehaviourImpl } from './behaviours/impl.js';
import { compileParsedContract, type CompiledContract } from './contract-match.js';
import type { ContractPair } from './contract.js';
import type { IdempotencySpec } from './idempotency.js';
import { HttpSide } from './http.js';
import { Listener } from './listen.js';
import { ConnRing, DEFAULT_LOG_CAPACITY, type ObservationLog } from './log.js';
import { Observer } from './observe.js';
import { WsSide } from './ws.js';
import { getWsBehaviourImpl, wsBehaviourImpls } from './ws/impl.js';
import type { WsEnv } from './ws/ws-behaviour.js';

export type { ContractPair } from './contract.js';
export type { ObservationLog, ConnRecord, RequestRecord } from './log.js';

export interface StandInOptions {
  /** Dependency name, used in events. */
  name: string;
  /** Which stand-in of a replicated dependency this is (1-based): set on every dep-* event. */
  replica?: number;
  protocol?: 'http' | 'ws';
  /** Default 'ok' (ws: 'echo'). */
  behaviour?: string;
  params?: unknown;
  /** Healthy answers for `ok`. */
  contract?: ContractPair[];
  host?: string;
  port?: number;
  /** Every observation also goes here as TimelineEvents. */
  onEvent?: EventSink;
  /** Seed for seeded behaviours (slow, garbage, flaky). Default 1. */
  seed?: number;
  /** Connections kept in the observation log (ring buffer). Default 10,000. */
  logCapacity?: number;
  /** Record each request's idempotency key and logical request id on its dep-request event. */
  idempotency?: IdempotencySpec;
}

export interface StandIn {
  readonly name: string;
  readonly protocol: 'http' | 'ws';
  readonly port: number;
  /** http://host:port or ws://host:port */
  readonly url: string;
  behaviour(): { name: string; params: unknown };
  /**
   * Validates (rejects with BAD_INPUT naming the field), then answers new requests with it. At once
   * when nothing needs loading; the first params this process checks load the schemas (zod) first,
   * and switches made meanwhile wait their turn: they apply in the order they were asked for.
   */
  setBehaviour(name: string, params?: unknown): Promise<void>;
  /** Resolves once the listener matches the behaviour (after `refuse` or switching away from it). */
  settled(): Promise<void>;
  log(limit?: number): ObservationLog;
  /** Connections open right now. */
  openConnections(): number;
  /** Back to the starting behaviour, log cleared. */
  reset(): void;
  close(): Promise<void>;
}


export async function startStandIn(opts: StandInOptions): Promise<StandIn> {
  if (typeof opts.name !== 'string' || opts.name === '') throw new CrumpleError('BAD_INPUT', 'name: a stand-in needs a non-empty name');
  const protocol = opts.protocol ?? 'http';
  if (protocol !== 'http' && protocol !== 'ws') throw new CrumpleError('BAD_INPUT', `protocol: expected 'http' or 'ws', got '${String(opts.protocol)}'`);
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CrumpleError('BAD_INPUT', `port: expected 0-65535, got ${String(opts.port)}`);
  // Everything is checked before anything listens. zod is loaded only for what needs parsing: a
  // contract, an idempotency spec, params (a stand-in answering `hang` with {} never loads it).
  const contract = opts.contract === undefined ? compileParsedContract([]) : await checkContract(opts.name, opts.contract);
  const tag = opts.idempotency ? (await import('./idempotency.js')).compileIdempotency(opts.idempotency) : undefined;
  const first = await checkBehaviour(protocol, opts.behaviour ?? (protocol === 'ws' ? 'echo' : 'ok'), opts.params ?? {});
  // ws is loaded only by WebSocket stand-ins: an HTTP stand-in's process stays ~8 MB smaller.
  const wsModule = protocol === 'ws' ? await import('ws') : undefined;
  const s = new StandInServer(opts, { protocol, port, contract, tag, first }, wsModule?.WebSocketServer);
  await s.start();
  return s;
}

/** A behaviour and its params as the schema outputs them. */
interface Checked {
  name: string;
  params: unknown;
}

/** The zod side (params tables, contract schema), loaded once, on first need. */
type Schemas = {
  http: (typeof import('./behaviours/params.js'))['behaviourParams'];
  ws: (typeof import('./ws/params.js'))['wsBehaviourParams'];
  compileContract: (typeof import('./contract.js'))['compileContract'];
};
let schemas: Schemas | undefined;
let loading: Promise<Schemas> | undefined;
function loadSchemas(): Promise<Schemas> {
  loading ??= Promise.all([import('./behaviours/params.js'), import('./ws/params.js'), import('./contract.js')]).then(
    ([h, w, c]) => (schemas = { http: h.behaviourParams, ws: w.wsBehaviourParams, compileContract: c.compileContract }),
  );
  return loading;
}

async function checkContract(name: string, pairs: ContractPair[]): Promise<CompiledContract> {
  const { compileContract } = await loadSchemas();
  try {
    return compileContract(pairs);
  } catch (e) {
    const lines = e instanceof Error && 'issues' in e ? zodLines(e as never, 'contract') : [String(e)];
    throw new CrumpleError('BAD_INPUT', `stand-in '${name}': ${lines[0]}`, { details: lines.slice(1) });
  }
}

function implOf(protocol: 'http' | 'ws', name: unknown): { noParams?: true } {
  if (typeof name !== 'string') throw new CrumpleError('BAD_INPUT', 'behaviour: expected a behaviour name');
  const impl = protocol === 'ws' ? getWsBehaviourImpl(name) : getBehaviourImpl(name);
  if (impl) return impl;
  if (protocol === 'ws') throw new CrumpleError('BAD_INPUT', `behaviour: unknown '${name}' for a WebSocket stand-in (known: ${Object.keys(wsBehaviourImpls).join(', ')})`);
  throw new CrumpleError('BAD_INPUT', `behaviour: unknown '${name}' for an HTTP stand-in (known: ${Object.keys(behaviourImpls).join(', ')})`);
}

/** `{}` (or nothing) for a behaviour that takes no params is already what its schema outputs. */
function nothingToParse(impl: { noParams?: true }, params: unknown): boolean {
  if (params === undefined || params === null) return impl.noParams === true;
  if (typeof params !== 'object' || Array.isArray(params)) return false;
  const proto = Object.getPrototypeOf(params) as unknown;
  return impl.noParams === true && (proto === Object.prototype || proto === null) && Object.keys(params).length === 0;
}

/** Parses at once when it can (nothing to parse, or the schemas loaded); undefined when they must load first. */
function checkNow(protocol: 'http' | 'ws', name: unknown, params: unknown): Checked | undefined {
  const impl = implOf(protocol, name);
  if (nothingToParse(impl, params)) return { name: name as string, params: {} };
  if (!schemas) return undefined;
  const table = schemas[protocol] as Record<string, { params: import('zod').ZodType }>;
  return { name: name as string, params: parseParams({ name: name as string, params: table[name as string]!.params }, params ?? {}) };
}

async function checkBehaviour(protocol: 'http' | 'ws', name: unknown, params: unknown): Promise<Checked> {
  const now = checkNow(protocol, name, params);
  if (now) return now;
  await loadSchemas();
  return checkNow(protocol, name, params)!;
}

class StandInServer implements StandIn {
  readonly name: string;
  readonly protocol: 'http' | 'ws';
  private readonly contract: CompiledContract;
  private readonly obs: Observer;
  private readonly listener: Listener;
  private readonly http: HttpSide;
  private readonly ws: WsSide | undefined;
  private readonly start0: Checked;
  private current: Checked = { name: '', params: {} };
  /** Switches waiting for the schemas to load; while any is, later ones queue behind it. */
  private waiting = 0;
  private queue: Promise<void> = Promise.resolve();
  private rngCount = 0;
  private readonly seed: number;
  private closed = false;

  constructor(
    opts: StandInOptions,
    checked: { protocol: 'http' | 'ws'; port: number; contract: CompiledContract; tag: ConstructorParameters<typeof HttpSide>[1]; first: Checked },
    Wss?: ConstructorParameters<typeof WsSide>[0],
  ) {
    this.name = opts.name;
    this.protocol = checked.protocol;
    this.seed = opts.seed ?? 1;
    this.contract = checked.contract;
    this.obs = new Observer(this.name, new ConnRing(opts.logCapacity ?? DEFAULT_LOG_CAPACITY), opts.onEvent, opts.replica);
    this.http = new HttpSide(this.obs, checked.tag);
    if (this.protocol === 'ws') this.ws = new WsSide(Wss!, this.http.server, this.obs);
    this.listener = new Listener(this.name, opts.host ?? '127.0.0.1', checked.port, (socket) => this.http.take(socket, this.obs.accept(socket, this.http.handler.label)));
    this.start0 = checked.first;
    this.use(this.start0);
  }

  get port(): number {
    return this.listener.port;
  }

  get url(): string {
    const host = this.listener.host;
    const h = host.includes(':') ? `[${host}]` : host;
    return `${this.protocol}://${h}:${this.port}`;
  }

  async start(): Promise<void> {
    await this.listener.listen();
    if (this.http.handler.refuses) this.listener.refuse(); // the port is known; nothing listens on it
  }

  behaviour(): { name: string; params: unknown } {
    return { name: this.current.name, params: this.current.params };
  }

  setBehaviour(name: string, params?: unknown): Promise<void> {
    try {
      if (this.closed) throw new CrumpleError('BAD_INPUT', `stand-in '${this.name}' is closed`);
      const now = this.waiting === 0 ? checkNow(this.protocol, name, params) : undefined;
      if (now) {
        this.switchTo(now);
        return Promise.resolve();
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return this.later(async () => {
      const next = await checkBehaviour(this.protocol, name, params);
      if (this.closed) throw new CrumpleError('BAD_INPUT', `stand-in '${this.name}' is closed`);
      this.switchTo(next);
    });
  }

  /** In order behind the switches already waiting. */
  private later(fn: () => Promise<void> | void): Promise<void> {
    this.waiting++;
    const p = this.queue.then(fn).finally(() => this.waiting--);
    this.queue = p.catch(() => {});
    return p;
  }

  /** Answers with an already checked behaviour from the next request on; the port follows `refuse`. */
  private switchTo(next: Checked): void {
    const wasRefusing = this.http.handler.refuses === true;
    this.use(next);
    const refusing = this.http.handler.refuses === true;
    if (refusing !== wasRefusing) this.listener.switchTo(refusing ? 'refusing' : 'listening');
  }

  settled(): Promise<void> {
    return this.listener.settled();
  }

  log(limit?: number): ObservationLog {
    return this.obs.ring.snapshot(limit);
  }

  openConnections(): number {
    return this.obs.open.size;
  }

  reset(): void {
    if (this.closed) throw new CrumpleError('BAD_INPUT', `stand-in '${this.name}' is closed`);
    if (this.waiting === 0) this.switchTo(this.start0);
    else void this.later(() => this.switchTo(this.start0));
    this.obs.ring.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener.close();
    const gone = this.obs.destroyAll();
    this.ws?.close();
    this.http.close();
    await gone;
  }

  private rng(): () => number {
    return seededRandom((this.seed * 2654435761 + ++this.rngCount) >>> 0);
  }

  private env(): Env {
    return {
      name: this.name,
      contract: this.contract,
      rng: () => this.rng(),
      create: (spec: NestedSpec) => getBehaviourImpl(spec.behaviour)!.create(spec.params, this.env()), // checked by nestedSchema
    };
  }

  /** Answers with the behaviour (checked already) from the next request (or WebSocket event) on. */
  private use(b: Checked): void {
    if (!this.ws) {
      this.http.handler = getBehaviourImpl(b.name)!.create(b.params, this.env());
    } else {
      const env: WsEnv = { name: this.name, rng: () => this.rng() };
      this.ws.use(getWsBehaviourImpl(b.name)!.create(b.params, env));
      this.http.handler = this.ws.plainHttp();
    }
    this.current = b;
  }
}
