import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

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
});
