import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Register } from './register.js';
import { loadScenario } from '../scenario/load.js';
import { exportArtillery } from '../export/artillery.js';
import { badInput } from '../errors.js';

const ENGINES = ['artillery'] as const;
const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * `crumple export artillery FILE`: the scenario's arrival-rate loads as Artillery scripts (one per
 * load) plus the processor they share, for a distributed engine to send; crumple run --engine
 * artillery then drives the faults and judges the results.
 */
const register: Register = (program, io, exit) => {
  program
    .command('export')
    .description("write a scenario's loads as scripts for a distributed load engine (artillery)")
    .argument('<engine>', `the engine: ${ENGINES.join(', ')}`)
    .argument('<file>', 'scenario file (YAML or JSON)')
    .option('--out <dir>', 'folder for the scripts', '.')
    .option('--target <url>', "the target's URL as the engine's machines reach it (default: the scenario's target.url)")
    .option('--load <name>', 'export only this load (repeatable)', collect, [])
    .action(async (engine: string, file: string, opts: { out: string; target?: string; load: string[] }) => {
      if (!(ENGINES as readonly string[]).includes(engine)) throw badInput(`engine: '${engine}' is not supported (known: ${ENGINES.join(', ')})`);
      if (opts.target !== undefined && !/^https?:\/\/[^/]/.test(opts.target)) throw badInput(`--target: '${opts.target}' is not an http(s) URL`);
      const { scenario } = await loadScenario(file);
      const ex = exportArtillery(scenario, { ...(opts.target ? { target: opts.target } : {}), ...(opts.load.length ? { loads: opts.load } : {}) });
      await mkdir(opts.out, { recursive: true });
      for (const s of ex.scripts) {
        const path = join(opts.out, s.file);
        await writeFile(path, s.text);
        io.out(`wrote ${path} (load ${s.load})\n`);
        for (const t of s.thresholds) io.out(`  threshold ${t}\n`);
        for (const k of s.judgedByCrumple) io.out(`  judged by crumple: ${k}\n`);
      }
      await writeFile(join(opts.out, ex.processor.file), ex.processor.text);
      io.out(`wrote ${join(opts.out, ex.processor.file)} (keep it beside the scripts)\n`);
      for (const s of ex.skipped) io.err(`not exported: load ${s.load}: ${s.why}; it stays on crumple's own load\n`);
      exit.code = 0;
    });
};
export default register;
