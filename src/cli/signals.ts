/**
 * SIGINT/SIGTERM handling for the crumple process, in a module that imports nothing so that bin.ts
 * can install it before the rest of crumple is loaded: a Ctrl-C in the first milliseconds aborts the
 * command (which then rolls back and writes its report) instead of killing node half-started.
 * A second signal leaves at once (exit 130); the target's supervisor still ends its process group.
 */
export function installSignalHandlers(): AbortController {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130); // second Ctrl-C: leave now
    process.stderr.write(`\ncrumple: ${sig}, rolling back...\n`);
    controller.abort(new Error(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}
