import type { Register } from './register.js';
import { badInput } from '../errors.js';
import { callControl, findGameDay, whoAmI, type ControlFlags } from '../gameday/client.js';
import { controlOptions } from './fault.js';

/** `crumple note TEXT`: a line in the running game day's journal, with who wrote it. */
const register: Register = (program, io) => {
  controlOptions(program.command('note').argument('<text...>', 'the note').description('add a note to the running game day\'s journal')).action(async (words: string[], o: ControlFlags & { json?: boolean }) => {
    const text = words.join(' ').trim();
    if (!text) throw badInput('note: give some text');
    const r = (await callControl(await findGameDay(o), 'POST', '/notes', { text, by: whoAmI() })) as { by: string; text: string };
    if (o.json) return io.out(`${JSON.stringify(r, null, 2)}\n`);
    io.out(`noted (by ${r.by}): ${r.text}\n`);
  });
};
export default register;
