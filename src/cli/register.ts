/** What a command file exports: it adds itself to the program. Here, not in main.ts, so no command imports main.ts. */
import type { Command } from 'commander';
import type { Io } from './io.js';

/** Adds one command to `program`. Its action sets `exit.code` (0, 1 or 2). */
export type Register = (program: Command, io: Io, exit: { code: number }) => void;
