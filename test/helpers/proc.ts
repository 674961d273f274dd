import { readFileSync } from 'node:fs';

/** Alive = exists and is not a zombie (an orphan is reaped by whoever adopts it, maybe later). */
export function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
