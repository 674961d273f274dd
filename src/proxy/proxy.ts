import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { Connection, READ_BUFFER_BYTES, type ToxicSpec } from './link.js';

/** An error whose status and message the API returns as they are (Toxiproxy's wording). */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface HostPort {
  host: string;
  port: number;
}

/**
 * "host:port" as Toxiproxy takes it. Deliberate deviation: an empty host (`""`, `":8080"`) binds
 * 127.0.0.1, not every interface; "localhost" is 127.0.0.1 (as Go resolves it).
 */
export function parseListen(s: string): HostPort {
  if (s === '') return { host: '127.0.0.1', port: 0 };
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d*)$/.exec(s);
  if (!m) {
    if (!s.includes(':')) throw new ApiError(500, `address ${s}: missing port in address`);
    throw new ApiError(500, `address ${s}: too many colons in address`);
  }
  const host = m[1] ?? m[2] ?? '';
  const port = m[3] === '' ? 0 : Number(m[3]);
  // Deviation: Toxiproxy answers 500 (Go's "invalid port"); it is the client's mistake, so 400 naming the field.
  if (!Number.isInteger(port) || port > 65535) {
    throw new ApiError(400, `invalid field: listen: port out of range (0-65535) in ${JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s)}`);
  }
  return { host: host === '' || host === 'localhost' ? '127.0.0.1' : host, port };
}

export const formatHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: 'bind: address already in use',
  EADDRNOTAVAIL: 'bind: cannot assign requested address',
  EACCES: 'bind: permission denied',
};

export interface ToxicJson {
  attributes: Record<string, number>;
  name: string;
  type: string;
  stream: string;
  toxicity: number;
}
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

/** Toxicity is a float32 upstream; print it in float32's shortest form (0.2, not 0.20000000298). */
export function float32(n: number): number {
  const f = Math.fround(n);
  if (!Number.isFinite(f)) return f;
  for (let p = 1; p <= 9; p++) {
    const v = Number(f.toPrecision(p));
    if (Math.fround(v) === f) return v;
  }
  return f;
}

export const toxicJson = (t: ToxicSpec): ToxicJson => ({
  attributes: { ...t.attributes },
  name: t.name,
  type: t.type,
  stream: t.stream,
  toxicity: float32(t.toxicity),
});

/** One proxy: a listener while enabled, its open connections and its toxics (both directions). */
export class Proxy {
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  readonly toxics: ToxicSpec[] = [];
  enabled = false;

  constructor(readonly name: string, public listen: string, public upstream: string) {}

  /** Upstream-direction toxics first, each direction in insertion order (as Toxiproxy lists them). */
  orderedToxics(): ToxicSpec[] {
    return [...this.toxics.filter((t) => t.direction === 'upstream'), ...this.toxics.filter((t) => t.direction === 'downstream')];
  }

  json(): ProxyJson {
    return { name: this.name, listen: this.listen, upstream: this.upstream, enabled: this.enabled, toxics: this.orderedToxics().map(toxicJson) };
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** Binds `listen`; on success `listen` becomes the bound address. Errors are 500s worded like Go's. */
  async start(): Promise<void> {
    if (this.server) return;
    const { host, port } = parseListen(this.listen);
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        const why = (e.code && BIND_ERRORS[e.code]) ?? (e.code === 'ENOTFOUND' ? `lookup ${host}: no such host` : e.message);
        reject(new ApiError(500, `listen tcp ${formatHostPort(host, port)}: ${why}`));
      });
      server.listen({ host, port, exclusive: true }, resolve);
    });
    server.on('error', () => {}); // after bind, errors are per connection
    const a = server.address() as AddressInfo;
    this.listen = formatHostPort(a.address, a.port);
    this.server = server;
    this.enabled = true;
  }

  /** Closes the listener and every open connection (plain FIN). Toxics are kept. */
  async stop(): Promise<void> {
    this.enabled = false;
    const server = this.server;
    this.server = undefined;
    for (const c of [...this.connections]) c.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** True when `listen`/`upstream` would need a restart (port 0 always does). */
  differs(listen: string, upstream: string): boolean {
    if (upstream !== this.upstream) return true;
    const next = parseListen(listen);
    if (next.port === 0) return true;
    return formatHostPort(next.host, next.port) !== this.listen;
  }

  addToxic(spec: ToxicSpec): void {
    this.toxics.push(spec);
    for (const c of this.connections) c.link(spec.direction).addToxic(spec);
  }

  updateToxic(spec: ToxicSpec): void {
    for (const c of this.connections) c.link(spec.direction).updateToxic(spec);
  }

  removeToxic(spec: ToxicSpec): void {
    const i = this.toxics.indexOf(spec);
    if (i >= 0) this.toxics.splice(i, 1);
    for (const c of this.connections) c.link(spec.direction).removeToxic(spec);
  }

  removeAllToxics(): void {
    for (const t of [...this.toxics]) this.removeToxic(t);
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    const rst = this.toxics.some((t) => t.toxic.resetAtAccept);
    let server: Socket;
    let conn: Connection | undefined;
    try {
      const up = parseListen(this.upstream); // dial failure → the client is closed at once, as upstream
      // The dialled socket reads into the downstream link's own buffer (no Buffer per read). Node asks
      // for the first buffer at once (before `conn` exists); reads start after connect, when it does.
      const onread = { buffer: () => conn?.downstream.readBuffer() ?? Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: (n: number, b: Buffer) => conn!.downstream.onRead(n, b) };
      server = connect({ host: up.host, port: up.port, allowHalfOpen: true, noDelay: true, onread });
    } catch {
      client.on('error', () => {});
      client.end(() => client.destroy());
      return;
    }
    conn = new Connection(client, server, rst, (c) => this.connections.delete(c), true);
    this.connections.add(conn);
    for (const t of this.toxics) conn.link(t.direction).addToxic(t);
  }
}

/** Every proxy of one API server, by name. */
export class ProxyRegistry {
  readonly proxies = new Map<string, Proxy>();

  get(name: string): Proxy {
    const p = this.proxies.get(name);
    if (!p) throw new ApiError(404, 'proxy not found');
    return p;
  }

  sorted(): Proxy[] {
    return [...this.proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.stop()));
    this.proxies.clear();
  }
}
