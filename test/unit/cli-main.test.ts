import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { cli } from '../helpers/cli.js';
import { COMMANDS } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';

describe('cli main', () => {
  it('an unknown command exits 2 with a suggestion, not a stack trace', async () => {
    const r = await cli(['serv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'serv'/);
    expect(r.stderr).toMatch(/serve/);
    expect(r.stderr).not.toMatch(/    at /);
  });
  it('--help exits 0 and lists the commands', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/run/);
    expect(r.stdout).toMatch(/proxy/);
  });
  it('each command loaded on demand registers exactly the command its key names', async () => {
    for (const [name, load] of Object.entries(COMMANDS)) {
      const program = new Command('crumple');
      (await load()).default(program, bufferIo(), { code: 0 });
      expect(program.commands.map((c) => c.name())).toEqual([name]);
    }
  });
  it('a command named first is parsed on its own: its usage errors and help are its own', async () => {
    const r = await cli(['proxy', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
    const h = await cli(['proxy', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Usage: crumple proxy \[options\]/);
  });
});
