import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import drift, { driftExpectation } from '../../src/checks/drift.js';
import { writeReports } from '../../src/report/index.js';
import { buildTrends } from '../../src/report/html-charts.js';
import type { RunResult } from '../../src/report/result.js';
import { soak } from '../helpers/soak.js';

/**
 * report.html draws a trend chart per drift series: the bucket values, the Theil–Sen line and its
 * band, in Debian's Chromium. The run is synthetic (a 12-minute soak through the real recorder).
 */
const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present && process.env.CI) throw new Error(`${CHROMIUM} is missing: the trend chart test needs Debian's chromium package`);

function result(): RunResult {
  const MIN = 60_000;
  const ctx = soak()
    .phase('soak', 0, 12 * MIN)
    .samples({ from: 0, to: 12 * MIN, rss: (s) => 60e6 + (2e6 * s) / 60 + 3e6 * Math.sin(s), fds: () => 24 })
    .context();
  const v = drift.run(ctx, driftExpectation.parse({ warmup: '1m', rss: '< 5MB/h', fds: '< 10/h' }), 'drift');
  const rel = (t: number) => t - ctx.timeline.startMs;
  return {
    schema: 1,
    runId: 'trend',
    scenario: { name: 'trend charts' },
    target: { url: 'http://127.0.0.1:1' },
    startedAt: new Date(0).toISOString(),
    durationMs: rel(ctx.timeline.endMs),
    outcome: 'fail',
    exitCode: 1,
    phases: ctx.phases.map((p) => ({ ...p, startMs: rel(p.startMs), endMs: rel(p.endMs) })),
    seconds: [...ctx.timeline.seconds],
    verdicts: [v],
    harness: { lagged: false, lagP99Ms: 1, lagMaxMs: 2, droppedEvents: 0 },
    dependencies: [],
    loads: [],
  };
}

describe('trend charts of drift series', () => {
  it('one per judged series, built from the seconds: the fit rises with the leak, the flat fds series is steady', () => {
    const trends = buildTrends(result());
    expect(trends.map((t) => [t.unit, t.failed])).toEqual([
      ['bytes', true],
      ['count', false],
    ]);
    const rss = trends[0]!;
    expect(rss.x).toHaveLength(11); // 1-minute buckets from 1:00 to 12:00
    expect(rss.fit[10]! - rss.fit[0]!).toBeGreaterThan(15e6);
    expect(rss.low[10]!).toBeLessThanOrEqual(rss.high[10]!);
    expect(rss.note).toMatch(/^DRIFTING: slope \S+ MB\/h, 95% band .* \(bound < 5MB\/h\)/);
  });

  describe.skipIf(!present)('in the browser', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    });
    afterAll(async () => browser?.close());

    it('draws them without errors, the drifting one marked', async () => {
      const [html] = await writeReports(result(), mkdtempSync(join(tmpdir(), 'crumple-trend-')), { only: ['html'] });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(pathToFileURL(html!).href, { waitUntil: 'load' });
      await page.waitForSelector('body[data-charts]', { timeout: 20_000 });
      expect(problems).toEqual([]);
      expect(await page.getAttribute('body', 'data-charts')).toBe('ready');
      const sections = page.locator('#trends section.trend');
      expect(await sections.count()).toBe(2);
      expect(await sections.nth(0).getAttribute('data-failed')).toBe('true');
      expect(await sections.nth(1).getAttribute('data-failed')).toBe('false');
      // Something was drawn: the canvas has dark pixels of the fit line.
      const inked = await sections.nth(0).evaluate((sec) => {
        const c = sec.querySelector('canvas') as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 0 && px[i]! < 90 && px[i + 1]! < 90 && px[i + 2]! < 90) n++;
        return n;
      });
      expect(inked).toBeGreaterThan(200);
      await page.screenshot({ path: join(process.cwd(), 'test-output', 'report-trend.png'), fullPage: true }).catch(() => {});
      await page.close();
    }, 60_000);
  });
});
