#!/usr/bin/env node
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { badInput, isCrumpleError } from '../errors.js';
import { processIo, visible, type Io } from './io.js';
import { installSignalHandlers } from './signals.js';
import type { Register } from './register.js';

/**
 * Every command in `--help` order, loaded on demand: `crumple proxy` loads proxy.ts and what it
 * imports, not the scenario schema, the checks or the load engine of the others (each module
 * pulls its own dependencies; zod alone costs tens of ms at start). The key is the command's name
 * as its module registers it (test/unit/cli-main.test.ts checks they agree).
 */
export const COMMANDS: Record<string, () => Promise<{ default: Register }>> = {
  run: () => import('./run.js'),
  stress: () => import('./stress.js'),
  explore: () => import('./explore.js'),
  validate: () => import('./validate.js'),
  init: () => import('./init.js'),
  gameday: () => import('./gameday.js'),
  fault: () => import('./fault.js'),
  note: () => import('./note.js'),
  serve: () => import('./serve.js'),
  standin: () => import('./standin.js'),
  proxy: () => import('./proxy.js'),
  toxic: () => import('./toxic.js'),
  load: () => import('./load.js'),
  dogpile: () => import('./dogpile.js'),
  report: () => import('./report.js'),
  contract: () => import('./contract.js'),
  export: () => import('./export.js'),
};

/**
 * The commands `args` needs: only the named one when the first argument names a command (its
 * usage, help and errors are its own); all of them otherwise (`--help`, `help X`, a typo that
 * gets a suggestion), so the top-level help and suggestions are unchanged.
 */
async function registersFor(args: readonly string[]): Promise<Register[]> {
  const first = args[0];
  const names = first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
  return (await Promise.all(names.map((n) => COMMANDS[n]!()))).map((m) => m.default);
}

/** commander's own messages quote what was typed ("unknown command '…'"): shown with controls made visible. */
const output = (io: Io) => ({ writeOut: (s: string) => io.out(s), writeErr: (s: string) => io.err(visible(s)) });

export async function buildProgram(io: Io, exit: { code: number }, args: readonly string[] = []): Promise<Command> {
  const commands = await registersFor(args);
  const program = new Command('crumple')
    .description('Chaos and fault injection for a service: misbehaving stand-ins, a fault proxy, load and verdicts')
    .version('0.1.0')
    .exitOverride()
    .configureOutput(output(io))
    .showSuggestionAfterError(true);
  for (const register of commands) register(program, io, exit);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(output(io));
  return program;
}

/** Runs the CLI with `args` (user args, without node and script) and returns the exit code. */
export async function main(args: readonly string[], io: Io): Promise<number> {
  const exit = { code: 0 };
  try {
    const program = await buildProgram(io, exit, args);
    versionAlone(args);
    await program.parseAsync([...args], { from: 'user' });
    return exit.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exitCode 0; usage errors were already printed.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isCrumpleError(e)) {
      io.err(`crumple: ${visible(e.message)}\n`);
      for (const d of e.details) io.err(`  ${visible(d)}\n`);
      return e.exitCode;
    }
    io.err(`crumple: internal error (a bug; please report it)\n${visible(e instanceof Error ? e.stack ?? e.message : String(e))}\n`);
    return 2;
  }
}

/**
 * commander prints the version as soon as it meets --version, whatever else was typed: an unknown
 * flag next to it would exit 0. Before the command name, --version must stand alone.
 */
function versionAlone(args: readonly string[]): void {
  const end = args.findIndex((a) => !a.startsWith('-'));
  const top = end < 0 ? args : args.slice(0, end);
  if (!top.some((a) => a === '--version' || a === '-V')) return;
  const other = args.find((a) => a !== '--version' && a !== '-V');
  if (other !== undefined) throw badInput(`--version takes no other arguments (got '${other}')`);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

/**
 * Runs the CLI as the process: exit code set when done. `controller` is aborted by the signal
 * handlers (cli/signals.ts), which bin.ts installs before this module is even loaded.
 */
export function runProcess(controller: AbortController): void {
  main(process.argv.slice(2), processIo(controller.signal)).then(
    (code) => {
      process.exitCode = code;
      // Leftover handles (sockets in TIME_WAIT, worker threads) must not keep a finished command alive.
      setTimeout(() => process.exit(code), 200).unref();
    },
    (e: unknown) => {
      process.stderr.write(`crumple: ${String(e)}\n`);
      process.exit(2);
    },
  );
}

// `node src/cli/main.ts` (development, tests); the installed bin is bin.ts, which catches a signal sooner.
if (isEntryPoint()) runProcess(installSignalHandlers());
