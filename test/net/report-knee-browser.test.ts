import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { runPlan, type RunPlan } from '../../src/run.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { writeReports } from '../../src/report/index.js';

/**
 * A real ramp against test/fixtures/targets/limited.js (20 in flight, 100 ms each: about 200/s, 503
 * beyond): its capacity reaches report.json, the terminal, report.md, and report.html's knee chart,
 * drawn by uPlot in Debian's Chromium with the capacity step marked.
 */
const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present && process.env.CI) throw new Error(`${CHROMIUM} is missing: the knee chart test needs Debian's chromium package`);

function plan(): RunPlan {
  return {
    name: 'ramp to the knee',
    target: {
      kind: 'command',
      describe: 'node test/fixtures/targets/limited.js',
      resolve: (a) => ({ command: 'node test/fixtures/targets/limited.js', env: { PORT: String(a.target.port), LIMIT: '20', HOLD_MS: '100' } }),
      ready: { http: '/health' },
      readyWithinMs: 10_000,
    },
    dependencies: [],
    loads: [{ name: 'checkout', entry: { shape: 'ramp', from: 40, to: 400, steps: 4, stepFor: '1s', timeout: '5s', limits: { errors: '1%' } } }],
    phases: [{ name: 'ramp', durationMs: 5500, faults: [] }],
    judge: () => [],
    clientTimeoutMs: 5000,
  };
}

describe.skipIf(!present)('a ramp\u2019s capacity in every report', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });
  afterAll(async () => browser?.close());

  it('shows in the terminal, report.md and the knee chart, the capacity step marked on the canvas', async () => {
    const out = await runPlan(plan(), { reportsDir: mkdtempSync(join(tmpdir(), 'crumple-knee-')), writeFiles: false });
    expect(out.result.error).toBeUndefined();
    const load = out.result.loads[0]!;
    expect(load.steps).toHaveLength(4);
    const cap = load.capacity!;
    // 400/s cannot fit in 20 × 100 ms: some step is past capacity.
    expect(cap.exceededAt).toBeDefined();

    const terminal = renderTerminal(out.result, { color: false });
    expect(terminal).toContain(`checkout (ramp): capacity ${cap.rate}/s (step ${cap.step + 1} of 4); step ${cap.exceededAt!.step + 1} at ${cap.exceededAt!.rate}/s crossed: errors`);
    expect(terminal).toMatch(new RegExp(`\\n    ${cap.exceededAt!.step + 1} +${cap.exceededAt!.rate}/s .* past capacity\\n`));
    expect(renderMarkdown(out.result)).toContain(`#### checkout (ramp): capacity ${cap.rate}/s`);

    const [html] = await writeReports(out.result, mkdtempSync(join(tmpdir(), 'crumple-knee-html-')), { only: ['html'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(pathToFileURL(html!).href, { waitUntil: 'load' });
    await page.waitForSelector('body[data-charts]', { timeout: 20_000 });
    expect(problems).toEqual([]);
    expect(await page.getAttribute('body', 'data-charts')).toBe('ready');
    expect(await page.locator('section.findings[data-load="checkout"] .headline').innerText()).toContain(`capacity ${cap.rate}/s`);
    const knee = page.locator('#knees section.knee');
    expect(await knee.count()).toBe(1);
    expect(await knee.locator('.note').innerText()).toContain(`capacity ${cap.rate}/s`);
    // The marks are drawn where uPlot puts those rates: read the canvas down each mark's column.
    const columns = await knee.evaluate((sec) => {
      const canvas = sec.querySelector('canvas') as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      const ctx = canvas.getContext('2d');
      const column = (attr: string) => {
        const x = Number(sec.getAttribute(attr));
        const px = ctx.getImageData(x, 0, 1, canvas.height).data;
        let green = 0;
        let red = 0;
        for (let i = 0; i < px.length; i += 4) {
          if (px[i]! < 60 && px[i + 1]! > 100 && px[i + 2]! < 90) green++;
          if (px[i]! > 180 && px[i + 1]! < 80 && px[i + 2]! < 80) red++;
        }
        return { x, green, red };
      };
      return { capacity: sec.hasAttribute('data-capacity-x') ? column('data-capacity-x') : null, exceeded: column('data-exceeded-x'), height: canvas.height };
    });
    expect(columns.exceeded.red).toBeGreaterThan(columns.height / 3);
    if (cap.step >= 0) {
      expect(columns.capacity!.green).toBeGreaterThan(columns.height / 3);
      expect(columns.capacity!.x).toBeLessThan(columns.exceeded.x);
    }
    await page.screenshot({ path: join(process.cwd(), 'test-output', 'report-knee.png'), fullPage: true }).catch(() => {});
    await page.close();
  }, 90_000);
});
