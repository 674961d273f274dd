import type { Command } from 'commander';
import { badInput } from '../errors.js';

/** Flags every command that runs a scenario shares (run, explore): where reports go, what it may reach. */
export interface RunFlags {
  reports: string;
  runId?: string;
  toxiproxy?: string;
  allowHost: string[];
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function runFlags(cmd: Command, runIdHelp = 'name of the run folder (default: time + scenario name)'): Command {
  return cmd
    .option('--reports <dir>', 'where reports/<run-id>/ goes', 'reports')
    .option('--run-id <id>', runIdHelp)
    .option('--toxiproxy <url>', 'use this external Toxiproxy API instead of the embedded proxy')
    .option('--allow-host <host>', 'allow traffic to this non-loopback host (repeatable)', collect, []);
}

/** A run id names a folder: nothing that could climb out of --reports. */
export function checkRunId(id: string | undefined): void {
  if (id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) throw badInput(`--run-id: '${id}' must be letters, digits, '.', '_' or '-' (it names a folder)`);
}
