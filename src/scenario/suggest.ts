/** "did you mean" for unknown names: the closest known name by edit distance, if close enough. */
export function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** "unknown 'hnag' (did you mean 'hang'?)" or "unknown 'x' (known: a, b, c)". */
export function unknownName(name: string, known: readonly string[], what = ''): string {
  const hint = closest(name, known);
  const w = what ? `${what} ` : '';
  return hint ? `unknown ${w}'${name}' (did you mean '${hint}'?)` : `unknown ${w}'${name}' (known: ${known.join(', ') || 'none'})`;
}
