#!/usr/bin/env node
/**
 * The installed `crumple` command. Signal handlers first, then the CLI, loaded dynamically: static
 * imports would all be loaded before the first line here runs, leaving a window in which a Ctrl-C
 * kills a half-started crumple with no report.
 */
import { installSignalHandlers } from './signals.js';

const controller = installSignalHandlers();
const { runProcess } = await import('./main.js');
runProcess(controller);
