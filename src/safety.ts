/**
 * The harness's own safety rails, a leaf every folder may import: the loopback guard (a chaos tool
 * must not flood someone's production by a typo) and a sleep that an abort ends at once.
 */
import { isIP } from 'node:net';
import { CrumpleError } from './errors.js';

/** Loopback names and addresses: traffic there never leaves the machine. */
export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * Refuses load against a host that is not loopback unless it was explicitly allowed
 * (--allow-host / allowHosts).
 */
export function assertHostAllowed(url: URL, allowHosts: readonly string[] = []): void {
  const h = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(h)) return;
  if (allowHosts.some((a) => a.replace(/^\[|\]$/g, '').toLowerCase() === h)) return;
  throw new CrumpleError('HOST_NOT_ALLOWED', `refusing to send load to ${h}: not a loopback host (allow it with --allow-host ${h})`);
}

/**
 * Refuses to bind, or to point traffic at, an address that is not loopback unless it was explicitly
 * allowed: stand-ins on a chosen interface, a remote Toxiproxy and the addresses it listens on or
 * sends to. A wildcard (0.0.0.0, ::) exposes every interface, so it must be allowed by name too.
 * `what` says what was about to happen ("bind stand-in 'inventory' on", "use Toxiproxy at").
 */
export function assertAddressAllowed(host: string, allowHosts: readonly string[], what: string): void {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(h)) return;
  if (allowHosts.some((a) => a.replace(/^\[|\]$/g, '').toLowerCase() === h)) return;
  throw new CrumpleError('HOST_NOT_ALLOWED', `refusing to ${what} ${h}: not a loopback address (allow it with --allow-host ${h} or allowHosts)`);
}

/** Resolves after ms, or at once when the signal aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
