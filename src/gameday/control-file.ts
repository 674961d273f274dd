/**
 * Where a running game day tells the second terminal how to reach it: a JSON file (URL, bearer token,
 * pid) readable by its owner only (0600, in a 0700 folder). Default
 * $XDG_RUNTIME_DIR/crumple/gameday.json (or the temp folder, per user); CRUMPLE_GAMEDAY names another.
 * One game day per file: a second one refuses while the first is alive.
 */
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir, userInfo } from 'node:os';
import { CrumpleError } from '../errors.js';

export interface ControlFile {
  url: string;
  token: string;
  pid: number;
  name: string;
  runId: string;
}

export function controlFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CRUMPLE_GAMEDAY) return env.CRUMPLE_GAMEDAY;
  const base = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'crumple') : join(tmpdir(), `crumple-${userInfo().uid}`);
  return join(base, 'gameday.json');
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export async function writeControlFile(path: string, c: ControlFile): Promise<void> {
  const existing = await readControlFile(path).catch(() => undefined);
  if (existing && existing.pid !== process.pid && alive(existing.pid)) {
    throw new CrumpleError('BAD_INPUT', `another game day ('${existing.name}', pid ${existing.pid}) is running with control file ${path}; end it, or set CRUMPLE_GAMEDAY to another file`);
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/** Reads the file; refuses one that others could read (the token would not be secret). */
export async function readControlFile(path: string): Promise<ControlFile> {
  let text: string;
  try {
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0) throw new CrumpleError('BAD_INPUT', `control file ${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}); it must be 0600`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof CrumpleError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CrumpleError('NOT_FOUND', `no game day running (no control file ${path}); start one with 'crumple gameday FILE', or pass --control URL --token T`);
    throw new CrumpleError('BAD_INPUT', `cannot read control file ${path}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new CrumpleError('BAD_INPUT', `control file ${path} is not JSON`);
  }
  const c = v as Partial<ControlFile>;
  if (typeof c.url !== 'string' || typeof c.token !== 'string') throw new CrumpleError('BAD_INPUT', `control file ${path}: url and token missing`);
  return c as ControlFile;
}

/** Removes the file if it is still ours (same token). */
export async function removeControlFile(path: string, token: string): Promise<void> {
  const c = await readControlFile(path).catch(() => undefined);
  if (c?.token === token) await rm(path, { force: true });
}
