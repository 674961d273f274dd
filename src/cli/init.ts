import { writeFile } from 'node:fs/promises';
import type { Register } from './register.js';
import { CrumpleError, describeError } from '../errors.js';
import { STARTER } from '../scenario/starter.js';

/** `crumple init [FILE]`: writes a commented starter scenario; never overwrites without --force. */
const register: Register = (program, io, exit) => {
  program
    .command('init')
    .description('write a commented starter scenario (default scenario.yaml)')
    .argument('[file]', 'where to write it', 'scenario.yaml')
    .option('--force', 'overwrite the file if it exists')
    .action(async (file: string, opts: { force?: boolean }) => {
      try {
        await writeFile(file, STARTER, { flag: opts.force ? 'w' : 'wx' });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw new CrumpleError('BAD_INPUT', `${file} already exists; use --force to overwrite it`);
        throw new CrumpleError('BAD_INPUT', `cannot write ${file}: ${describeError(e)}`);
      }
      io.out(`wrote ${file}\nnext: crumple validate ${file} && crumple run ${file}\n`);
      exit.code = 0;
    });
};
export default register;
