/**
 * Interleaved rounds: every contestant runs once per round, the order rotating so that round i starts
 * with contestant i (mod n). A machine that gets busier or quieter during a bench then shifts every
 * contestant alike, and a per-round ratio compares two runs measured moments apart.
 */
export async function rounds<K extends string>(n: number, contestants: Record<K, () => Promise<number>>): Promise<Record<K, number[]>> {
  const keys = Object.keys(contestants) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < n; r++) {
    for (const k of rotation(keys, r)) out[k].push(await contestants[k]());
  }
  return out;
}

/** The order of round `r`: keys rotated left by r. */
export function rotation<K>(keys: readonly K[], r: number): K[] {
  return keys.map((_, i) => keys[(i + r) % keys.length]!);
}
