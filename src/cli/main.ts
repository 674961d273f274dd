#!/usr/bin/env node
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { badInput, isCrumpleError } from '../errors.js';
import { processIo, visible, type Io } from './io.js';
import { installSignalHandlers } from './signals.js';
import type { Register } from './register.js';
import serve from './serve.js';
import proxy from './proxy.js';
import load from './load.js';
import dogpile from './dogpile.js';
import run from './run.js';
import validate from './validate.js';
import init from './init.js';
import report from './report.js';
import toxic from './toxic.js';
import standin from './standin.js';
import exploreCmd from './explore.js';
import stress from './stress.js';
import contract from './contract.js';
import gameday from './gameday.js';
import fault from './fault.js';
import note from './note.js';
import exportCmd from './export.js';

const commands: Register[] = [run, stress, exploreCmd, validate, init, gameday, fault, note, serve, standin, proxy, toxic, load, dogpile, report, contract, exportCmd];

/** commander's own messages quote what was typed ("unknown command '…'"): shown with controls made visible. */
const output = (io: Io) => ({ writeOut: (s: string) => io.out(s), writeErr: (s: string) => io.err(visible(s)) });

export function buildProgram(io: Io, exit: { code: number }): Command {
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
  const program = buildProgram(io, exit);
  try {
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
