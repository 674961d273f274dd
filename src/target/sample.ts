import { readFile } from 'node:fs/promises';
import { monotonicMs } from '../timeline/clock.js';
import type { EventSink } from '../timeline/events.js';

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

/** Samples the target's RSS every intervalMs into `target-sample` events; returns a stop function. */
export function startSampler(pid: number, sink: EventSink, intervalMs = 500): () => void {
  let stopped = false;
  const tick = async () => {
    const rss = await readRss(pid);
    if (!stopped && rss !== null) sink({ kind: 'target-sample', t: monotonicMs(), rssBytes: rss });
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
