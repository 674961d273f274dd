import { isIP } from 'node:net';
import { CrumpleError } from '../errors.js';

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
 * (--allow-host / allowHosts): a chaos tool must not flood someone's production by a typo.
 */
export function assertHostAllowed(url: URL, allowHosts: readonly string[] = []): void {
  const h = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(h)) return;
  if (allowHosts.some((a) => a.replace(/^\[|\]$/g, '').toLowerCase() === h)) return;
  throw new CrumpleError('HOST_NOT_ALLOWED', `refusing to send load to ${h}: not a loopback host (allow it with --allow-host ${h})`);
}
