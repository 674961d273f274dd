import type { Command } from 'commander';
import type { Register } from './register.js';
import { badInput } from '../errors.js';
import { parseDuration, formatMs } from '../units.js';
import { formatSpan } from '../gameday/render.js';
import { faultSchema, describeFault } from '../faults/fault.js';
import { callControl, findGameDay, whoAmI, type ControlFlags } from '../gameday/client.js';
import { pairsToObject, writtenFault } from '../gameday/written.js';
import { MAX_FAULT_MS } from '../gameday/schema.js';
import type { Injection } from '../gameday/state.js';

interface Common extends ControlFlags {
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export const controlOptions = (c: Command) =>
  c
    .option('--control <url>', 'the game day\'s control API (default: found in its control file; CRUMPLE_GAMEDAY names the file)')
    .option('--token <token>', 'bearer token, with --control (or CRUMPLE_TOKEN)')
    .option('--allow-host', 'allow a non-loopback --control URL')
    .option('--json', 'print the control API\'s JSON');

const length = (x: Injection) => formatSpan(Math.max(0, x.expiresAt - x.appliedAt));

/** `crumple fault`: inject, clear and list a running game day's faults from a second terminal. */
const register: Register = (program, io) => {
  const fault = program.command('fault').description('inject, clear and list faults of a running `crumple gameday` (from a second terminal)');

  controlOptions(
    fault
      .command('inject')
      .argument('<dependency>')
      .argument('[behaviour]', 'a stand-in behaviour (hang, slow, status…), or down; or use --toxic')
      .description('inject a fault for --for (default 60s, at most 1h), e.g. inject inventory slow --param delay=2s --for 2m')
      .option('--param <k=v>', 'behaviour param (repeatable; a.b=v nests; values parse as JSON when they can)', collect, [])
      .option('--toxic <type>', 'a network fault (a Toxiproxy toxic type) instead of a behaviour')
      .option('--attr <k=v>', 'toxic attribute (repeatable), e.g. --attr latency=800', collect, [])
      .option('--stream <dir>', 'toxic direction: upstream or downstream')
      .option('--toxicity <p>', 'toxic: share of connections affected, 0 to 1')
      .option('--for <duration>', 'how long the fault stays', '60s'),
  ).action(async (dependency: string, behaviour: string | undefined, o: Common & { param: string[]; toxic?: string; attr: string[]; stream?: string; toxicity?: string; for: string }) => {
    const forMs = parseDuration(o.for);
    if (typeof forMs === 'string') throw badInput(`--for: ${forMs}`);
    if (forMs <= 0 || forMs > MAX_FAULT_MS) throw badInput(`--for: a game-day fault lasts more than 0 s and at most ${formatSpan(MAX_FAULT_MS)}, got '${o.for}'`);
    if (o.toxic !== undefined && behaviour !== undefined) throw badInput(`give a behaviour ('${behaviour}') or --toxic ${o.toxic}, not both`);
    if (o.toxic === undefined && behaviour === undefined) throw badInput('name a behaviour (e.g. hang), down, or --toxic TYPE');
    if (o.toxic === undefined && (o.attr.length || o.stream || o.toxicity)) throw badInput('--attr, --stream and --toxicity go with --toxic');
    if (o.toxic !== undefined && o.param.length) throw badInput('--param goes with a behaviour; a toxic takes --attr');
    const extra = [...o.attr, ...(o.stream ? [`stream=${o.stream}`] : []), ...(o.toxicity ? [`toxicity=${o.toxicity}`] : [])];
    const written = o.toxic !== undefined ? { dependency, toxic: o.toxic, ...pairsToObject(extra, '--attr') } : writtenFault(dependency, behaviour!, o.param);
    // Judged here by the one fault schema too, so a typo names its flag before anything is sent.
    const r = faultSchema.safeParse(written);
    if (!r.success) {
      const i = r.error.issues[0]!;
      const field = String(i.path[0] ?? '');
      const flag = field === 'behaviour' ? 'behaviour' : field === 'params' ? '--param' : field === 'toxic' || field === 'type' ? '--toxic' : field === 'stream' || field === 'toxicity' ? `--${field}` : o.toxic !== undefined ? '--attr' : '--param';
      throw badInput(`${flag}: ${i.path.length > 1 ? `${i.path.slice(1).join('.')}: ` : ''}${i.message}`);
    }
    const t = await findGameDay(o);
    const x = (await callControl(t, 'POST', '/faults', { ...written, for: forMs, by: whoAmI() })) as Injection;
    if (o.json) return io.out(`${JSON.stringify(x, null, 2)}\n`);
    io.out(`injected #${x.id} ${x.faults.map(describeFault).join(', ')} for ${length(x)} (crumple fault clear ${dependency} ends it sooner)\n`);
  });

  controlOptions(
    fault
      .command('clear')
      .argument('[dependency]', 'clear the faults on this dependency (or #N: one fault)')
      .option('--all', 'every fault: the kill switch')
      .description('clear faults now: on one dependency, one by number (#3), or --all (the kill switch)'),
  ).action(async (dep: string | undefined, o: Common & { all?: boolean }) => {
    if (dep === undefined && !o.all) throw badInput('fault clear: name a dependency (or #N), or pass --all');
    if (dep !== undefined && o.all) throw badInput('fault clear: give a dependency or --all, not both');
    const t = await findGameDay(o);
    const by = { by: whoAmI() };
    const r = (o.all
      ? await callControl(t, 'POST', '/kill', by)
      : /^#?\d+$/.test(dep!) ? await callControl(t, 'DELETE', `/faults/${dep!.replace('#', '')}`, by)
        : await callControl(t, 'DELETE', `/faults?dependency=${encodeURIComponent(dep!)}`, by)) as { cleared: Injection[] };
    if (o.json) return io.out(`${JSON.stringify(r, null, 2)}\n`);
    if (!r.cleared.length) io.out(`nothing to clear${dep ? ` on ${dep}` : ''}\n`);
    for (const x of r.cleared) io.out(`cleared #${x.id} ${x.faults.map(describeFault).join(', ')}\n`);
    if (o.all) io.out(`kill switch: ${r.cleared.length} fault${r.cleared.length === 1 ? '' : 's'} cleared\n`);
  });

  controlOptions(fault.command('list').description('the active faults, with who injected them and the time left')).action(async (o: Common) => {
    const t = await findGameDay(o);
    const r = (await callControl(t, 'GET', '/state')) as { name: string; faults: (Injection & { leftMs?: number })[]; halts: { last?: { reason: string } } };
    if (o.json) return io.out(`${JSON.stringify(r, null, 2)}\n`);
    io.out(`game day '${r.name}': ${r.faults.length ? `${r.faults.length} active fault${r.faults.length === 1 ? '' : 's'}` : 'no active faults'}\n`);
    for (const x of r.faults) io.out(`  #${x.id} ${x.faults.map(describeFault).join(', ')}  by ${x.by}  ${formatMs(x.leftMs ?? 0)} left${x.name.startsWith('#') ? '' : `  [${x.name}]`}\n`);
    if (r.halts.last) io.out(`last halt: ${r.halts.last.reason}\n`);
  });
};
export default register;
