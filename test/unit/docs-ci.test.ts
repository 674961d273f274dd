import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** The CI files in docs/ci are real: they parse, run the stages the README promises, name files that exist. */
const read = (f: string) => parse(readFileSync(new URL(`../../docs/ci/${f}`, import.meta.url), 'utf8')) as Record<string, any>;
const scenariosIn = (text: string) => [...text.matchAll(/scenarios\/[\w.-]+\.yaml/g)].map((m) => m[0]);

describe('docs/ci', () => {
  it('GitHub Actions: validate gate, stress on pushes, soak on a schedule; JUnit, job summary and artifacts', () => {
    const w = read('github-actions.yml');
    expect(Object.keys(w.jobs)).toEqual(['validate', 'stress', 'soak']);
    expect(w.on.schedule[0].cron).toMatch(/^\d+ \d+ \* \* \*$/);
    const runs = (job: string) => w.jobs[job].steps.map((s: { run?: string; uses?: string }) => s.run ?? s.uses).join('\n');
    expect(runs('validate')).toContain('npx crumple validate scenarios/*.yaml');
    expect(runs('stress')).toContain('npx crumple run scenarios/stress.resilient.yaml');
    expect(runs('soak')).toContain('--soak 2h');
    for (const job of ['stress', 'soak']) {
      expect(w.jobs[job].needs).toBe('validate');
      expect(runs(job)).toContain('GITHUB_STEP_SUMMARY');
      expect(runs(job)).toContain('actions/upload-artifact');
      expect(runs(job)).toContain('action-junit-report');
    }
    expect(w.jobs.soak.if).toContain('schedule');
    for (const f of scenariosIn(readFileSync(new URL('../../docs/ci/github-actions.yml', import.meta.url), 'utf8'))) expect(existsSync(f), f).toBe(true);
  });

  it('GitLab CI: the same three stages, junit reports and artifacts kept when the job fails', () => {
    const c = read('gitlab-ci.yml');
    expect(c.stages).toEqual(['validate', 'stress', 'soak']);
    expect(c['crumple:validate'].script.join('\n')).toContain('crumple validate');
    for (const job of ['crumple:stress', 'crumple:soak']) {
      expect(c[job].artifacts.when).toBe('always');
      expect(c[job].artifacts.reports.junit).toMatch(/junit\.xml$/);
    }
    expect(c['crumple:soak'].rules[0].if).toContain('"schedule"');
    for (const f of scenariosIn(readFileSync(new URL('../../docs/ci/gitlab-ci.yml', import.meta.url), 'utf8'))) expect(existsSync(f), f).toBe(true);
  });
});
