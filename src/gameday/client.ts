/**
 * The second terminal's side of the control API: find the running game day (its control file, or
 * --control URL --token), say who is asking (user@tty), send one call, turn an error into one line.
 */
import { readlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import { CrumpleError } from '../errors.js';
import { isLoopback } from '../safety.js';
import { controlFilePath, readControlFile } from './control-file.js';

export interface ControlTarget {
  url: string;
  token: string;
}

export interface ControlFlags {
  control?: string;
  token?: string;
  allowHost?: boolean;
}

export async function findGameDay(o: ControlFlags, env: NodeJS.ProcessEnv = process.env): Promise<ControlTarget> {
  if (o.control === undefined) {
    if (o.token !== undefined) throw new CrumpleError('BAD_INPUT', '--token: goes with --control URL (without them the control file is used)');
    const c = await readControlFile(controlFilePath(env));
    return { url: c.url, token: c.token };
  }
  let u: URL;
  try {
    u = new URL(o.control);
  } catch {
    throw new CrumpleError('BAD_INPUT', `--control: '${o.control}' is not a URL (like http://127.0.0.1:4100)`);
  }
  if (u.protocol !== 'http:') throw new CrumpleError('BAD_INPUT', `--control: expected an http:// URL, got '${o.control}'`);
  if (!isLoopback(u.hostname) && !o.allowHost) throw new CrumpleError('HOST_NOT_ALLOWED', `--control ${u.hostname} is not a loopback address; pass --allow-host to drive it anyway`);
  const token = o.token ?? env.CRUMPLE_TOKEN;
  if (!token) throw new CrumpleError('BAD_INPUT', '--token: required with --control (or set CRUMPLE_TOKEN)');
  return { url: u.origin, token };
}

/** "ann@pts/3": who is asking, for the journal. */
export function whoAmI(): string {
  let user = 'someone';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers)
  }
  let tty = `pid:${process.pid}`;
  try {
    const t = readlinkSync('/proc/self/fd/0');
    if (/^\/dev\/(pts\/|tty)/.test(t)) tty = t.slice(5);
  } catch {
    // not Linux, or stdin closed
  }
  return `${user}@${tty}`;
}

export async function callControl(t: ControlTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(path, t.url), {
      method,
      headers: { authorization: `Bearer ${t.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new CrumpleError('HARNESS_FAILED', `cannot reach the game day at ${t.url} (${cause}); is \`crumple gameday\` still running?`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CrumpleError('HARNESS_FAILED', `${t.url} answered ${res.status} with non-JSON; is it a crumple game day?`);
  }
  if (!res.ok) {
    const msg = (json as { error?: string }).error ?? `status ${res.status}`;
    throw new CrumpleError(res.status === 404 ? 'NOT_FOUND' : res.status === 401 || res.status === 400 ? 'BAD_INPUT' : 'HARNESS_FAILED', msg);
  }
  return json;
}
