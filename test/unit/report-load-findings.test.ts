import { describe, expect, it } from 'vitest';
import { loadFindings } from '../../src/report/view.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderTerminal } from '../../src/report/terminal.js';
import type { LoadResult } from '../../src/report/result.js';
import { resilientRun } from '../helpers/run-result.js';

const base = { requests: 0, ok: 0, errors: 0, p50Ms: null, p99Ms: null, rps: 0 };

describe('what a load shape found, in every format', () => {
  it('ws-storm reconnect waves: when, how many dropped, how long until all were back', () => {
    const l: LoadResult = { ...base, name: 'feed', shape: 'ws-storm', storms: [{ droppedAt: 5200, dropped: 100, allBackMs: 1234, attempts: 130, failures: 3 }, { droppedAt: 9000, dropped: 100, attempts: 400, failures: 300 }] };
    const f = loadFindings(l)!;
    expect(f.headline).toBe('2 reconnect wave(s), all clients back within 1.23 s; 1 never fully back');
    expect(f.rows).toEqual([
      ['1', '0:05', '100', '130', '3', '1.23 s'],
      ['2', '0:09', '100', '400', '300', 'never (by the end)'],
    ]);
    const run = { ...resilientRun(), loads: [l] };
    expect(renderTerminal(run, { color: false })).toContain('feed (ws-storm): 2 reconnect wave(s)');
    expect(renderMarkdown(run)).toContain('| 2 | 0:09 | 100 | 400 | 300 | never (by the end) |');
  });

  it('dogpile pulses, and findLimit\u2019s finding', () => {
    const pulse = (k: number, sent: number, rejected: number) => ({ pulse: k, connected: sent, sent, releaseSpreadMs: 1.5, t: 1000 + k * 1500, ok: sent - rejected, failed: rejected, p50Ms: 1000, p99Ms: 1010, maxMs: 1020, rejected });
    const l: LoadResult = { ...base, name: 'burst', shape: 'dogpile', pulses: [pulse(0, 200, 0), pulse(1, 400, 100)], limit: { upTo: 2000, largest: 400, shedAt: 400, acceptedAtShed: 300 } };
    const f = loadFindings(l)!;
    expect(f.headline).toBe('sheds from ~300 concurrent (a pile of 400 got 429/503s)');
    expect(f.columns).toContain('shed');
    expect(f.rows[1]!.slice(0, 6)).toEqual(['2', '0:03', '400', '300', '100', '100']);
    expect(loadFindings({ ...base, name: 'plain', shape: 'steady' })).toBeUndefined();
  });
});
