/**
 * What crumple changed on an external Toxiproxy, marked with its owner, so that nothing is left behind
 * after a hard kill: a crumple killed by SIGKILL cannot roll back, but the next one can.
 *
 * Each crumple process keeps one file, `<os tmpdir>/crumple-owned-<uid>/<pid>.json`: its pid, the
 * start time of that pid (so a reused pid is not taken for the owner) and every change still to be
 * undone (a proxy it created, a toxic it added, a proxy it disabled), each with the API URL. A change
 * is written before it is made and removed once undone. An owner whose process is gone is stale: its
 * changes on one API URL are reclaimed (undone) by the next NetworkFaults on that URL, or by
 * `crumple toxic reset --mine`. Only what a crumple of this user on this machine recorded is ever
 * touched; proxies someone else made are never.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OwnedChange {
  apiUrl: string;
  kind: 'proxy' | 'toxic' | 'disabled';
  proxy: string;
  toxic?: string;
  upstream?: string;
}

interface OwnerFile {
  pid: number;
  /** /proc/<pid>/stat start time (clock ticks since boot); absent where /proc is not. */
  startTime?: string;
  changes: OwnedChange[];
}

export const ownedDir = (): string => join(tmpdir(), `crumple-owned-${process.getuid?.() ?? 'user'}`);

/** The API URL in one spelling (scheme and host lower case, no trailing slash). */
export function apiKey(apiUrl: string): string {
  try {
    return new URL(apiUrl).href.replace(/\/+$/, '');
  } catch {
    return apiUrl.replace(/\/+$/, '');
  }
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The owner is still the process that wrote the file. */
function ownerAlive(o: OwnerFile): boolean {
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTimeOf(o.pid);
  return o.startTime === undefined || now === undefined || now === o.startTime;
}

const same = (a: OwnedChange, b: OwnedChange) => a.apiUrl === b.apiUrl && a.kind === b.kind && a.proxy === b.proxy && a.toxic === b.toxic;

/** This process's changes, mirrored to its file on every change (rare: a few per run). */
const mine: OwnedChange[] = [];
const myStart = startTimeOf(process.pid);

function writeMine(): void {
  const dir = ownedDir();
  const file = join(dir, `${process.pid}.json`);
  try {
    if (!mine.length) return rmSync(file, { force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ pid: process.pid, ...(myStart ? { startTime: myStart } : {}), changes: mine } satisfies OwnerFile));
    renameSync(tmp, file);
  } catch {
    /* a read-only tmpdir costs the after-kill cleanup, never the run */
  }
}

export function recordChange(c: OwnedChange): void {
  const k = { ...c, apiUrl: apiKey(c.apiUrl) };
  if (!mine.some((m) => same(m, k))) mine.push(k);
  writeMine();
}

export function forgetChange(c: OwnedChange): void {
  const k = { ...c, apiUrl: apiKey(c.apiUrl) };
  const i = mine.findIndex((m) => same(m, k));
  if (i >= 0) mine.splice(i, 1);
  writeMine();
}

function readOwners(): { file: string; owner: OwnerFile }[] {
  const dir = ownedDir();
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const out: { file: string; owner: OwnerFile }[] = [];
  for (const n of names) {
    try {
      const owner = JSON.parse(readFileSync(join(dir, n), 'utf8')) as OwnerFile;
      if (typeof owner.pid === 'number' && Array.isArray(owner.changes)) out.push({ file: join(dir, n), owner });
    } catch {
      /* half-written by a process killed mid-write: the next write of a live owner replaces it */
    }
  }
  return out;
}

/** Who (a crumple still running, or a stale one) recorded this proxy on this API, if anyone did. */
export function ownerOf(apiUrl: string, proxy: string): { pid: number; alive: boolean } | undefined {
  const key = apiKey(apiUrl);
  for (const { owner } of readOwners()) {
    if (owner.pid === process.pid) continue;
    if (owner.changes.some((c) => c.apiUrl === key && c.kind === 'proxy' && c.proxy === proxy)) return { pid: owner.pid, alive: ownerAlive(owner) };
  }
  return undefined;
}

/** Live crumples' changes on this API (what `toxic reset --mine` leaves alone, and says so). */
export function liveChanges(apiUrl: string): { pid: number; change: OwnedChange }[] {
  const key = apiKey(apiUrl);
  return readOwners()
    .filter(({ owner }) => owner.pid !== process.pid && ownerAlive(owner))
    .flatMap(({ owner }) => owner.changes.filter((c) => c.apiUrl === key).map((change) => ({ pid: owner.pid, change })));
}

/**
 * Undoes the changes stale owners left on this API, newest first (a toxic before its proxy). Each
 * stale file is claimed by renaming it first, so two crumples never reclaim the same one. Changes
 * that could not be undone are put back for the next attempt. Returns what was reclaimed and what failed.
 */
export async function reclaimStale(
  apiUrl: string,
  undo: (c: OwnedChange) => Promise<void>,
): Promise<{ reclaimed: { pid: number; change: OwnedChange }[]; failed: string[] }> {
  const key = apiKey(apiUrl);
  const reclaimed: { pid: number; change: OwnedChange }[] = [];
  const failed: string[] = [];
  for (const { file, owner } of readOwners()) {
    if (owner.pid === process.pid || ownerAlive(owner) || !owner.changes.some((c) => c.apiUrl === key)) continue;
    const claim = `${file}.claim-${process.pid}`;
    try {
      renameSync(file, claim);
    } catch {
      continue; // another crumple claimed it first
    }
    const left: OwnedChange[] = owner.changes.filter((c) => c.apiUrl !== key);
    for (const c of owner.changes.filter((x) => x.apiUrl === key).reverse()) {
      try {
        await undo(c);
        reclaimed.push({ pid: owner.pid, change: c });
      } catch (e) {
        left.unshift(c);
        failed.push(e instanceof Error ? e.message : String(e));
      }
    }
    try {
      if (left.length) writeFileSync(file, JSON.stringify({ ...owner, changes: left }));
      rmSync(claim, { force: true });
    } catch {
      /* best effort */
    }
  }
  return { reclaimed, failed };
}
