import { describe, expect, it } from 'vitest';
import { renderTerminal } from '../../src/report/terminal.js';
import { garbageRun, naiveRun, resilientRun } from '../helpers/run-result.js';

const ESC = '\u001b';

describe('terminal summary', () => {
  it('lists every check with pass/FAIL and its numbers, the failure-mode story, the remedy and the report path', () => {
    const text = renderTerminal(naiveRun(), { color: false, htmlPath: 'reports/x/report.html' });
    const rows = text.split('\n').filter((l) => /^ {2}\S+\s+(pass|FAIL) {2}/.test(l));
    expect(rows.map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual(['steady-state pass', 'timeout FAIL', 'breaker FAIL', 'shedding FAIL', 'survives FAIL']);
    expect(text).toContain('never gave up on inventory: held calls for the whole 15.0 s phase (bound 1 s)');
    expect(text).toContain('↳ Integration point without timeout: inventory hung at 10.0 s → the target kept 1504 connections open');
    expect(text).toContain('apply Timeouts + Fail Fast: a timeout on every call to the dependency, giving up within 1.00 s (this run: waited 15.0 s)');
    expect(text).toContain('1 passed, 4 failed — checks failed');
    expect(text.trimEnd().split('\n').at(-1)).toBe('  report: reports/x/report.html');
  });

  it('colours pass green and FAIL red only when asked', () => {
    const plain = renderTerminal(naiveRun(), { color: false });
    expect(plain).not.toContain(ESC);
    const coloured = renderTerminal(naiveRun(), { color: true });
    expect(coloured).toContain(`${ESC}[32mpass`);
    expect(coloured).toContain(`${ESC}[31m${ESC}[1mFAIL`);
  });

  it('says when the harness lagged and which verdicts are untrustworthy', () => {
    const r = resilientRun();
    r.harness = { lagged: true, lagP99Ms: 180, lagMaxMs: 950, droppedEvents: 0 };
    r.verdicts[1]!.untrustworthy = 'harness lag p99 180 ms during the fault phase';
    const text = renderTerminal(r, { color: false });
    expect(text).toContain('harness LAGGED (lag p99 180 ms, max 950 ms)');
    expect(text).toContain('⚠ untrustworthy: harness lag p99 180 ms during the fault phase');
  });

  it('cannot be hijacked by escape sequences in evidence: no raw ESC, CSI or NUL reaches the terminal', () => {
    const text = renderTerminal(garbageRun(), { color: false });
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('\\x1b[31mRED');
    const coloured = renderTerminal(garbageRun(), { color: true });
    // Only our own SGR sequences remain.
    expect(coloured.replace(/\u001b\[\d+m/g, '')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('explains a run that ended without verdicts', () => {
    const r = { ...naiveRun(), verdicts: [], outcome: 'error' as const, exitCode: 2 as const, error: 'target exited before ready (code 1)' };
    const text = renderTerminal(r, { color: false });
    expect(text).toContain('error: target exited before ready (code 1)');
    expect(text).toContain('no verdicts');
    expect(text).toContain('0 passed, 0 failed — run failed');
  });
});
