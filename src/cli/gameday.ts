import type { Register } from './register.js';
import { loadScenario } from '../scenario/load.js';
import { scenarioToPlan } from '../scenario/plan.js';
import { checkNameOf } from '../checks/index.js';
import type { SteadyStateExpectation } from '../checks/steady-state.js';
import { exitCodeOf, renderTerminal } from '../report/index.js';
import { runGameDay } from '../gameday/gameday.js';
import { controlFilePath } from '../gameday/control-file.js';
import { DEFAULT_GAMEDAY_MS, MAX_GAMEDAY_MS } from '../gameday/schema.js';
import { CrumpleError, badInput } from '../errors.js';
import { isLoopback } from '../safety.js';
import { parseDuration } from '../units.js';
import { formatSpan } from '../gameday/render.js';
import { join } from 'node:path';

interface Opts {
  max: string;
  cooldown: string;
  halt: boolean;
  reports: string;
  runId?: string;
  toxiproxy?: string;
  allowHost: string[];
  controlHost: string;
  controlPort: string;
  color?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * `crumple gameday FILE`: the scenario's rig held open for an operator — a live console, faults from
 * keys or `crumple fault` in a second terminal, halt conditions, a kill switch, a journal — then the
 * usual reports. Exit 0 all checks pass, 1 a check failed (a halt, a broken step), 2 bad input.
 */
const register: Register = (program, io, exit) => {
  program
    .command('gameday')
    .description('hold a scenario\'s target, dependencies and loads open for a game day: live console, faults by hand, halt conditions, kill switch, journal')
    .argument('<file>', 'scenario file (YAML or JSON); phases optional, halt: and steps: read')
    .option('--max <duration>', `end by itself after this (default ${formatSpan(DEFAULT_GAMEDAY_MS)}, at most ${formatSpan(MAX_GAMEDAY_MS)})`, '2h')
    .option('--no-halt', 'halt conditions are shown but never fire')
    .option('--cooldown <duration>', 'after the end clears every fault, keep the loads on this long to measure recovery (at most 5m)', '5s')
    .option('--reports <dir>', 'where reports/<run-id>/ goes', 'reports')
    .option('--run-id <id>', 'name of the run folder (default: time + scenario name)')
    .option('--toxiproxy <url>', 'use this external Toxiproxy API instead of the embedded proxy')
    .option('--allow-host <host>', 'allow traffic to (or a control API on) this non-loopback host (repeatable)', collect, [])
    .option('--control-host <host>', 'where the control API listens', '127.0.0.1')
    .option('--control-port <port>', 'control API port (0: any free port)', '0')
    .option('--no-color', 'no colour in the verdict table')
    .action(async (file: string, opts: Opts) => {
      const maxMs = parseDuration(opts.max);
      if (typeof maxMs === 'string') throw badInput(`--max: ${maxMs}`);
      if (maxMs <= 0 || maxMs > MAX_GAMEDAY_MS) throw badInput(`--max: a game day lasts more than 0 s and at most ${formatSpan(MAX_GAMEDAY_MS)}, got '${opts.max}'`);
      const cooldownMs = parseDuration(opts.cooldown);
      if (typeof cooldownMs === 'string') throw badInput(`--cooldown: ${cooldownMs}`);
      if (cooldownMs > 300_000) throw badInput(`--cooldown: at most 5 m, got '${opts.cooldown}'`);
      if (opts.runId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(opts.runId)) throw badInput(`--run-id: '${opts.runId}' must be letters, digits, '.', '_' or '-' (it names a folder)`);
      const port = Number(opts.controlPort);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw badInput(`--control-port: '${opts.controlPort}' is not a port (0-65535)`);
      if (!isLoopback(opts.controlHost) && !opts.allowHost.includes(opts.controlHost)) {
        throw new CrumpleError('HOST_NOT_ALLOWED', `--control-host ${opts.controlHost} is not loopback: anyone reaching it could inject faults; pass --allow-host ${opts.controlHost} to listen there`);
      }
      const { scenario, file: path } = await loadScenario(file, { gameDay: true });
      const steadyState = Object.entries(scenario.expect).filter(([k]) => checkNameOf(k) === 'steady-state').map(([, v]) => v as SteadyStateExpectation);
      const tty = io.isTTY && process.stdout.isTTY ? { out: process.stdout, input: process.stdin } : undefined;
      let killSwitch: ((by: string) => void) | undefined;
      const onUsr1 = () => killSwitch?.('SIGUSR1');
      // SIGINT/SIGTERM (main.ts) and SIGHUP (the ssh session or tmux window went away) end it with full rollback.
      const ending = new AbortController();
      const onAbort = () => ending.abort(io.signal.reason);
      const onHup = () => ending.abort(new Error('SIGHUP'));
      const ignore = () => {}; // a terminal that went away fails writes; the rollback must still run
      io.signal.addEventListener('abort', onAbort, { once: true });
      if (io.signal.aborted) onAbort();
      process.on('SIGUSR1', onUsr1);
      process.on('SIGHUP', onHup);
      if (tty) process.stdout.on('error', ignore);
      try {
        const out = await runGameDay(scenarioToPlan(scenario, path), { halt: scenario.halt ?? [], steps: scenario.steps ?? [], steadyState }, {
          reportsDir: opts.reports,
          ...(opts.runId ? { runId: opts.runId } : {}),
          ...(opts.toxiproxy ? { toxiproxy: opts.toxiproxy } : {}),
          allowHosts: opts.allowHost,
          signal: ending.signal,
          maxMs,
          cooldownMs,
          halt: opts.halt,
          controlFile: controlFilePath(),
          controlHost: opts.controlHost,
          controlPort: port,
          ...(tty ? { tty } : {}),
          line: (text) => (tty ? io.err(`${text}\n`) : io.out(`${text}\n`)),
          onKillSwitch: (k) => (killSwitch = k),
        });
        const journal = out.result.journal ?? [];
        io.out(`journal: ${journal.length} entries (${journal.filter((j) => j.action === 'inject').length} injections, ${journal.filter((j) => j.action === 'note').length} notes); stopped: ${out.stoppedBy}\n`);
        for (const j of journal.filter((x) => x.recoveredMs !== undefined)) io.out(`  #${j.id} ${j.recovery}\n`);
        io.out(renderTerminal(out.result, { color: opts.color !== false && io.isTTY, htmlPath: join(out.dir, 'report.html') }) + '\n');
        exit.code = exitCodeOf(out.result);
      } finally {
        process.off('SIGUSR1', onUsr1);
        process.off('SIGHUP', onHup);
        process.stdout.off('error', ignore);
        io.signal.removeEventListener('abort', onAbort);
      }
    });
};
export default register;
