import { readFile, readdir } from 'node:fs/promises';
import { monotonicMs } from '../timeline/clock.js';
import type { EventSink, TargetSampleEvent } from '../timeline/events.js';

const PAGE_KB = 4; // Linux page size on the machines we run on; statm counts pages

/** Reads the process's resident set size in bytes from /proc (Linux); null when unavailable. */
export async function readRss(pid: number): Promise<number | null> {
  try {
    const statm = await readFile(`/proc/${pid}/statm`, 'utf8');
    const pages = Number(statm.split(' ')[1]);
    return Number.isFinite(pages) ? pages * PAGE_KB * 1024 : null;
  } catch {
    return null;
  }
}

/** Open file descriptors of the process: entries of /proc/PID/fd (sockets, files, pipes); null when unreadable. */
export async function readFds(pid: number): Promise<number | null> {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return null;
  }
}

/** The process's thread count from the `Threads:` line of /proc/PID/status; null when unavailable. */
export async function readThreads(pid: number): Promise<number | null> {
  try {
    const m = /^Threads:\s*(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** One sample of the process: RSS always (none at all without it), fds and threads when readable. */
export async function readSample(pid: number): Promise<Omit<TargetSampleEvent, 't' | 'kind'> | null> {
  const [rss, fds, threads] = await Promise.all([readRss(pid), readFds(pid), readThreads(pid)]);
  if (rss === null) return null;
  return { rssBytes: rss, ...(fds !== null ? { fds } : {}), ...(threads !== null ? { threads } : {}) };
}

/** Samples the target's RSS, open fds and threads every intervalMs into `target-sample` events; returns a stop function. */
export function startSampler(pid: number, sink: EventSink, intervalMs = 500): () => void {
  let stopped = false;
  const tick = async () => {
    const s = await readSample(pid);
    if (!stopped && s !== null) sink({ kind: 'target-sample', t: monotonicMs(), ...s });
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
