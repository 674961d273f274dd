import type { Register } from './register.js';
import { badInput } from '../errors.js';
import { exitCodeOf, readRunResult, renderComparison, renderTerminal, writeReports } from '../report/index.js';
import { join } from 'node:path';

/**
 * `crumple report RUN_DIR` re-renders every format from RUN_DIR/report.json and prints the verdict
 * table; `crumple report --compare A B` shows two runs side by side. Exit code: the (last) run's
 * verdicts (0 pass, 1 a check failed), 2 for bad input.
 */
const register: Register = (program, io, exit) => {
  program
    .command('report')
    .description('re-render a run\u2019s reports from its report.json, or compare two runs')
    .argument('<run-dirs...>', 'run folder(s) holding report.json (two with --compare)')
    .option('--compare', 'show two runs side by side: A (before) then B (after)')
    .option('--out <dir>', 'write the re-rendered files here instead of the run folder')
    .option('--markdown', 'with --compare: print the comparison as Markdown (for a PR comment)')
    .option('--color', 'force colour')
    .option('--no-color', 'no colour even on a terminal')
    .addHelpText(
      'after',
      '\nExamples:\n  crumple report reports/2024-05-01T10-00-00-checkout\n  crumple report --compare reports/before reports/after\n',
    )
    .action(async (dirs: string[], opts: { compare?: boolean; out?: string; markdown?: boolean; color?: boolean }) => {
      const color = opts.color ?? (io.isTTY && !process.env.NO_COLOR);
      if (opts.compare) {
        if (dirs.length !== 2) throw badInput(`--compare takes exactly two run folders (A then B), got ${dirs.length}`);
        if (opts.out) throw badInput('--out cannot be used with --compare (a comparison writes no files)');
        const [a, b] = await Promise.all(dirs.map((d) => readRunResult(d)));
        io.out(renderComparison(a!, b!, { color, markdown: Boolean(opts.markdown) }));
        exit.code = exitCodeOf(b!);
        return;
      }
      if (dirs.length !== 1) throw badInput(`report takes one run folder (use --compare for two), got ${dirs.length}`);
      if (opts.markdown) throw badInput('--markdown is for --compare; report.md is always written');
      const dir = dirs[0]!;
      const result = await readRunResult(dir);
      const out = opts.out ?? (dir.endsWith('.json') ? join(dir, '..') : dir);
      const paths = await writeReports(result, out, { only: opts.out ? undefined : ['junit', 'markdown', 'html'] });
      const html = paths.find((p) => p.endsWith('report.html'));
      io.out(renderTerminal(result, html ? { color, htmlPath: html } : { color }));
      exit.code = exitCodeOf(result);
    });
};
export default register;
