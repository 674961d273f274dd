/** `npm run bench -- [names] [--rounds N] [--quick] [--json FILE] [--compare A.json B.json] [--all]`. */
export interface BenchArgs {
  /** Benchmarks to run, by name (file name without .bench.ts). */
  names: string[];
  rounds?: number;
  quick: boolean;
  json?: string;
  compare?: [string, string];
  all: boolean;
}

/** Bad flags: the runner prints the message as one line and exits 2. */
export class BenchArgError extends Error {}

export const USAGE = 'usage: npm run bench -- [names...] [--rounds N] [--quick] [--json FILE] [--compare A.json B.json] [--all]';

/**
 * Parses the runner's arguments against the benchmarks that exist. A name may be any unambiguous
 * part of a benchmark's name ("stand" for standin); --compare takes two files and nothing else.
 */
export function parseBenchArgs(argv: readonly string[], known: readonly string[]): BenchArgs {
  const out: BenchArgs = { names: [], quick: false, all: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new BenchArgError(`${flag}: needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') out.quick = true;
    else if (a === '--all') out.all = true;
    else if (a === '--rounds') {
      const v = value(i++, a);
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 100) throw new BenchArgError(`--rounds: '${v}' is not a whole number from 1 to 100`);
      out.rounds = Number(v);
    } else if (a === '--json') out.json = value(i++, a);
    else if (a === '--compare') {
      const x = value(i++, a);
      const y = argv[i + 1];
      if (y === undefined || y.startsWith('--')) throw new BenchArgError('--compare: needs two files (old.json new.json)');
      i++;
      out.compare = [x, y];
    } else if (a.startsWith('-')) throw new BenchArgError(`unknown flag '${a}' (${USAGE.replace('usage: ', '')})`);
    else {
      const hits = known.filter((k) => k === a).length ? [a] : known.filter((k) => k.includes(a));
      if (hits.length === 0) throw new BenchArgError(`unknown benchmark '${a}' (known: ${known.join(', ')})`);
      if (hits.length > 1) throw new BenchArgError(`benchmark '${a}' is ambiguous: ${hits.join(', ')}`);
      if (!out.names.includes(hits[0]!)) out.names.push(hits[0]!);
    }
  }
  if (out.compare && (out.names.length || out.all || out.quick || out.rounds !== undefined || out.json)) {
    throw new BenchArgError('--compare: takes two files and no other arguments (it runs nothing)');
  }
  if (out.all && out.names.length) throw new BenchArgError(`--all: runs every benchmark; drop the names (${out.names.join(', ')}) or --all`);
  return out;
}

/** Long benchmarks, run only when named or with --all. */
export const LONG = ['memory', 'soak', 'explore'];

/** Which benchmarks a parsed command line runs, in order. */
export function selected(args: BenchArgs, known: readonly string[]): string[] {
  if (args.names.length) return known.filter((k) => args.names.includes(k));
  return args.all ? [...known] : known.filter((k) => !LONG.includes(k));
}
