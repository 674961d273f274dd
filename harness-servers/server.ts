/**
 * One stand-in: one port, one live-switchable behaviour, an observation log and timeline events.
 * This facade validates and switches behaviours; listen.ts owns the port (refuse closes it, switching
 * away re-binds it), http.ts and ws.ts answer, observe.ts records what the target did.
 */
import { CrumpleError } from '../src/errors.js';
import type { EventSink } from '../src/timeline/events.js';
import { parseParams, seededRandom, zodLines, type Env, type NestedSpec } from './behaviour.js';
import { behaviours, getBehaviour } from './behaviours/index.js';
import { compileContract, type CompiledContract, type ContractPair } from './contract.js';
import { compileIdempotency, type IdempotencySpec } from './idempotency.js';
import { HttpSide } from './http.js';
import { Listener } from './listen.js';
import { ConnRing, DEFAULT_LOG_CAPACITY, type ObservationLog } from './log.js';
import { Observer } from './observe.js';
import { WsSide } from './ws.js';
import { getWsBehaviour, wsBehaviours } from './ws/index.js';
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
  /** Validates (BAD_INPUT naming the field), then answers new requests with it at once. */
  setBehaviour(name: string, params?: unknown): void;
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
  // ws is loaded only by WebSocket stand-ins: an HTTP stand-in's process stays ~8 MB smaller.
  const wsModule = opts.protocol === 'ws' ? await import('ws') : undefined;
  const s = new StandInServer(opts, wsModule?.WebSocketServer);
  await s.start();
  return s;
}

class StandInServer implements StandIn {
  readonly name: string;
  readonly protocol: 'http' | 'ws';
  private readonly contract: CompiledContract;
  private readonly obs: Observer;
  private readonly listener: Listener;
  private readonly http: HttpSide;
  private readonly ws: WsSide | undefined;
  private readonly start0: { name: string; params: unknown };
  private current: { name: string; params: unknown } = { name: '', params: {} };
  private rngCount = 0;
  private readonly seed: number;
  private closed = false;

  constructor(opts: StandInOptions, Wss?: ConstructorParameters<typeof WsSide>[0]) {
    this.name = opts.name;
    this.protocol = opts.protocol ?? 'http';
    if (this.protocol !== 'http' && this.protocol !== 'ws') throw new CrumpleError('BAD_INPUT', `protocol: expected 'http' or 'ws', got '${String(opts.protocol)}'`);
    const port = opts.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CrumpleError('BAD_INPUT', `port: expected 0-65535, got ${String(opts.port)}`);
    this.seed = opts.seed ?? 1;
    try {
      this.contract = compileContract(opts.contract);
    } catch (e) {
      const lines = e instanceof Error && 'issues' in e ? zodLines(e as never, 'contract') : [String(e)];
      throw new CrumpleError('BAD_INPUT', `stand-in '${this.name}': ${lines[0]}`, { details: lines.slice(1) });
    }
    this.obs = new Observer(this.name, new ConnRing(opts.logCapacity ?? DEFAULT_LOG_CAPACITY), opts.onEvent, opts.replica);
    this.http = new HttpSide(this.obs, opts.idempotency ? compileIdempotency(opts.idempotency) : undefined);
    if (this.protocol === 'ws') this.ws = new WsSide(Wss!, this.http.server, this.obs);
    this.listener = new Listener(this.name, opts.host ?? '127.0.0.1', port, (socket) => this.http.take(socket, this.obs.accept(socket, this.http.handler.label)));
    this.start0 = { name: opts.behaviour ?? (this.protocol === 'ws' ? 'echo' : 'ok'), params: opts.params ?? {} };
    this.apply(this.start0.name, this.start0.params); // validates before anything listens
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

  setBehaviour(name: string, params?: unknown): void {
    if (this.closed) throw new CrumpleError('BAD_INPUT', `stand-in '${this.name}' is closed`);
    const wasRefusing = this.http.handler.refuses === true;
    this.apply(name, params ?? {});
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
    this.setBehaviour(this.start0.name, this.start0.params);
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
      create: (spec: NestedSpec) => this.httpBehaviour(spec.behaviour).create(spec.params, this.env()), // params checked by nestedSchema
    };
  }

  private httpBehaviour(name: string) {
    const b = getBehaviour(name);
    if (!b) throw new CrumpleError('BAD_INPUT', `behaviour: unknown '${name}' for an HTTP stand-in (known: ${Object.keys(behaviours).join(', ')})`);
    return b;
  }

  /** Validates, then answers with the new behaviour from the next request (or WebSocket event) on. */
  private apply(name: string, params: unknown): void {
    if (typeof name !== 'string') throw new CrumpleError('BAD_INPUT', 'behaviour: expected a behaviour name');
    if (!this.ws) {
      const b = this.httpBehaviour(name);
      const parsed = parseParams(b, params);
      this.http.handler = b.create(parsed, this.env());
      this.current = { name, params: parsed };
      return;
    }
    const b = getWsBehaviour(name);
    if (!b) throw new CrumpleError('BAD_INPUT', `behaviour: unknown '${name}' for a WebSocket stand-in (known: ${Object.keys(wsBehaviours).join(', ')})`);
    const parsed = parseParams(b, params);
    const env: WsEnv = { name: this.name, rng: () => this.rng() };
    this.ws.use(b.create(parsed, env));
    this.http.handler = this.ws.plainHttp();
    this.current = { name, params: parsed };
  }
}
