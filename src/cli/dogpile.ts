import type { Register } from './register.js';
import { badInput } from '../errors.js';
import { formatLoadSummary } from '../load/format.js';
import { MAX_FIND_LIMIT } from '../load/dogpile.js';
import { flagHeaders, flagInt, flagMs, requestOptions, runWithProgress, splitUrl } from './load.js';

const register: Register = (program, io, exit) => {
  requestOptions(
    program
      .command('dogpile')
      .description('open N connections, then release N requests at one instant (once or in pulses); reports the release spread')
      .argument('<url>', 'target URL (loopback unless --allow-host)')
      .option('-n, --n <n>', 'requests per pulse, each on its own pre-opened connection', '100')
      .option('--pulses <k>', 'how many pulses', '1')
      .option('--every <duration>', 'time between pulses', '10s')
      .option('--jitter <duration>', 'spread each release uniformly over this window', '0ms')
      .option('--find-limit <n>', 'escalate: piles of n, 2n, 4n... up to this many, until the target answers 429/503 (--pulses is then not used)'),
  ).action(async (rawUrl: string, o: Record<string, unknown>) => {
    const allow = o.allowHost as string[];
    const { base, path } = splitUrl(rawUrl, allow);
    if (!/^[A-Za-z]+$/.test(o.method as string)) throw badInput(`--method: '${String(o.method)}' is not an HTTP method`);
    const entry: { shape: string } & Record<string, unknown> = {
      shape: 'dogpile',
      path,
      method: o.method,
      headers: flagHeaders(o.header as string[]),
      n: flagInt('-n', o.n as string, 1, 50_000),
      pulses: flagInt('--pulses', o.pulses as string, 1, 10_000),
      every: flagMs('--every', o.every as string),
      jitter: flagMs('--jitter', o.jitter as string),
      timeout: flagMs('--timeout', o.timeout as string),
    };
    if (o.body !== undefined) entry.body = o.body;
    if (o.findLimit !== undefined) entry.findLimit = { upTo: flagInt('--find-limit', o.findLimit as string, 2, MAX_FIND_LIMIT) };
    if ((entry.jitter as number) > 60_000) throw badInput('--jitter: must be at most 1 min');
    if ((entry.every as number) > 3_600_000) throw badInput('--every: must be at most 1 h');
    if ((entry.timeout as number) < 1 || (entry.timeout as number) > 120_000) throw badInput('--timeout: must be between 1 ms and 2 min');
    const s = await runWithProgress(io, 'dogpile', entry, base, allow, Boolean(o.json));
    io.out(o.json ? JSON.stringify(s) + '\n' : formatLoadSummary(s, rawUrl));
    exit.code = 0;
  });
};
export default register;
