import type { Register } from './main.js';
import { CrumpleError } from '../errors.js';

// Placeholder until this command lands; it says so instead of pretending to work.
const register: Register = (program) => {
  program
    .command('standin')
    .description('(not yet available)')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      throw new CrumpleError('HARNESS_FAILED', "'standin' is not implemented yet");
    });
};
export default register;
