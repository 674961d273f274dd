/**
 * Where a dependency's stand-in and its proxy live, as addresses: the stand-in's bind address on
 * crumple's machine, the proxy's listen address on the Toxiproxy host, the upstream address that
 * host sends to, and the address the target is told. Pure: run.ts asks, the guard decides.
 * One rule for the guard: nothing binds or is pointed at a non-loopback address unless the user
 * allowed it (allowHosts / --allow-host); a remote Toxiproxy that was allowed may listen on its own host.
 */
import { isIP } from 'node:net';
import { assertAddressAllowed, isLoopback } from '../safety.js';
import { CrumpleError } from '../errors.js';

/** A host, or host:port ("10.0.0.5", "10.0.0.5:7001", "[::1]:7001", "::1"). */
export interface HostPort {
  host: string;
  port?: number;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$/;

/** Parses a host or host:port; a string result is the message naming what is wrong. */
export function parseHostPort(text: string): HostPort | string {
  const s = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  let host: string;
  let port: string | undefined;
  if (bracketed) [host, port] = [bracketed[1]!, bracketed[2]];
  else if (isIP(s) === 6) host = s;
  else {
    const i = s.lastIndexOf(':');
    [host, port] = i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
  }
  if (!(isIP(host) || HOSTNAME.test(host)) || (port !== undefined && !/^\d+$/.test(port))) return `'${text}' is not a host or host:port (e.g. 10.0.0.5, 10.0.0.5:7001, [::1]:7001)`;
  if (port === undefined) return { host };
  const n = Number(port);
  if (n > 65535) return `'${text}': the port must be 0-65535`;
  return { host, port: n };
}

export const formatHostPort = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;
export const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';

/** Where proxies go: an external Toxiproxy's API, and defaults for every proxy's listen and upstream. */
export interface ToxiproxyAt {
  url?: string;
  listen?: string;
  upstream?: string;
}

/**
 * The proxy's listen and upstream for one dependency. listen: the dependency's `toxiproxy.listen`,
 * else the run's, else 127.0.0.1; its port from that text, else the dependency's fixed `port`, else
 * 0 (Toxiproxy picks). upstream: likewise, else the stand-in's bind address; its port the stand-in's.
 */
export function proxyAddresses(a: {
  dependency: string;
  standIn: { host: string; port: number };
  fixedPort?: number;
  dep?: { listen?: string; upstream?: string };
  run?: { listen?: string; upstream?: string };
  apiUrl: string;
}): { listen: string; upstream: string } {
  const field = (f: 'listen' | 'upstream') => {
    const text = a.dep?.[f] ?? a.run?.[f];
    if (text === undefined) return undefined;
    const hp = parseHostPort(text);
    if (typeof hp === 'string') throw new CrumpleError('BAD_INPUT', `dependencies.${a.dependency}.toxiproxy.${f}: ${hp}`);
    return hp;
  };
  const l = field('listen');
  const u = field('upstream');
  const apiHost = new URL(a.apiUrl).hostname.replace(/^\[|\]$/g, '');
  if (!u && !isLoopback(apiHost) && (isLoopback(a.standIn.host) || isWildcard(a.standIn.host))) {
    throw new CrumpleError(
      'BAD_INPUT',
      `dependencies.${a.dependency}.toxiproxy.upstream: the Toxiproxy at ${a.apiUrl} runs on another host and cannot reach a stand-in on ${a.standIn.host}: bind it on an interface that host reaches (bind: / --bind) and give the address it reaches it at (toxiproxy.upstream)`,
    );
  }
  const upstreamHost = u?.host ?? (isWildcard(a.standIn.host) ? '127.0.0.1' : a.standIn.host);
  return {
    listen: formatHostPort(l?.host ?? '127.0.0.1', l?.port ?? a.fixedPort ?? 0),
    upstream: formatHostPort(upstreamHost, u?.port ?? a.standIn.port),
  };
}

/**
 * What the target is told: the listen address Toxiproxy reports, except a wildcard, which means
 * "every interface of the Toxiproxy host": the target reaches it at the API's host.
 */
export function reachableAt(listen: string, apiUrl: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(i + 1));
  if (!isWildcard(host)) return { host, port };
  const api = new URL(apiUrl).hostname.replace(/^\[|\]$/g, '');
  return { host: api, port };
}

/**
 * The guard over a run's placement, before anything binds or is created: the Toxiproxy API host,
 * each stand-in's bind address, each proxy's listen and upstream host.
 */
export function assertPlacementAllowed(a: {
  apiUrl?: string;
  binds: { dependency: string; host: string }[];
  proxies: { dependency: string; listen: string; upstream: string }[];
  allowHosts: readonly string[];
}): void {
  const allowed = [...a.allowHosts];
  const apiHost = a.apiUrl ? new URL(a.apiUrl).hostname.replace(/^\[|\]$/g, '') : undefined;
  if (apiHost) assertAddressAllowed(apiHost, allowed, 'use the Toxiproxy API at');
  for (const b of a.binds) assertAddressAllowed(b.host, allowed, `bind stand-in '${b.dependency}' on`);
  const remote = apiHost !== undefined && !isLoopback(apiHost);
  for (const p of a.proxies) {
    const listen = (parseHostPort(p.listen) as HostPort).host;
    // An allowed remote Toxiproxy listening on its own host exposes that host, which the user named.
    if (!remote) assertAddressAllowed(listen, allowed, `have proxy crumple-${p.dependency} listen on`);
    const up = (parseHostPort(p.upstream) as HostPort).host;
    assertAddressAllowed(up, allowed, `send the traffic of proxy crumple-${p.dependency} to`);
  }
}

/** A dependency as placement sees it (a DependencyPlan fits). */
export interface Placed {
  name: string;
  via: 'proxy' | 'direct';
  bind?: string;
  toxiproxy?: { listen?: string; upstream?: string };
}

/** The stand-in's bind address: its own `bind`, else the run's (--bind), else 127.0.0.1. */
export const bindOf = (d: Placed, runBind?: string): string => d.bind ?? runBind ?? '127.0.0.1';

/** The whole run's placement through the guard, before anything is started (run.ts step 1). */
export function guardRunPlacement(a: { deps: readonly Placed[]; runBind?: string; apiUrl?: string; at?: { listen?: string; upstream?: string }; allowHosts: readonly string[] }): void {
  const binds = a.deps.map((d) => ({ dependency: d.name, host: bindOf(d, a.runBind) }));
  const proxies = a.deps
    .filter((d) => d.via === 'proxy')
    .map((d) => {
      const b = bindOf(d, a.runBind);
      return { dependency: d.name, listen: d.toxiproxy?.listen ?? a.at?.listen ?? '127.0.0.1', upstream: d.toxiproxy?.upstream ?? a.at?.upstream ?? (isWildcard(b) ? '127.0.0.1' : b) };
    });
  for (const p of proxies) {
    for (const f of ['listen', 'upstream'] as const) {
      const r = parseHostPort(p[f]);
      if (typeof r === 'string') throw new CrumpleError('BAD_INPUT', `dependencies.${p.dependency}.toxiproxy.${f}: ${r}`);
    }
  }
  assertPlacementAllowed({ ...(a.apiUrl ? { apiUrl: a.apiUrl } : {}), binds, proxies, allowHosts: a.allowHosts });
}
