import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { readRunResult, writeReports } from '../../src/report/index.js';
import type { RunResult } from '../../src/report/result.js';
import { garbageRun, naiveRun, resilientRun } from '../helpers/run-result.js';

/**
 * report.html in a real browser (Debian's Chromium): opened from file:// with no network, the
 * verdict cards and every chart canvas render, and the page logs no console error or page error.
 */

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present && process.env.CI) {
  throw new Error(`${CHROMIUM} is missing: the report browser test needs Debian's chromium package (apt-get install -y chromium)`);
}
const OUT = join(process.cwd(), 'test-output');

describe.skipIf(!present)(`report.html in headless Chromium${present ? '' : ` (skipped: ${CHROMIUM} not installed; CI fails instead)`}`, () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    dir = await mkdtemp(join(tmpdir(), 'crumple-report-html-'));
    await mkdir(OUT, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(result: RunResult, name: string, screenshot?: string) {
    const paths = await writeReports(result, join(dir, name), { only: ['html'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(paths[0]!).href, { waitUntil: 'load' });
    await page.waitForSelector('body[data-charts]', { timeout: 20_000 });
    const state = await page.getAttribute('body', 'data-charts');
    if (screenshot) await page.screenshot({ path: join(OUT, screenshot), fullPage: true });
    return { page, problems, requests, state };
  }

  it('naive run: failing cards tell the failure-mode story and every chart draws a canvas, with no errors', async () => {
    const { page, problems, requests, state } = await open(naiveRun(), 'naive', 'report-naive.png');
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    expect(state).toBe('ready');
    expect(await page.locator('.card').count()).toBe(5);
    expect(await page.locator('.card.fail').count()).toBe(4);
    const modes = await page.locator('.card.fail [data-failure-mode]').evaluateAll((els) => els.map((e) => e.getAttribute('data-failure-mode')));
    expect(modes).toEqual(['integration-point-without-timeout', 'cascading-failure', 'unbalanced-capacity', 'crash-on-bad-input']);
    expect(await page.locator('[data-check="timeout"] .story').innerText()).toContain('1504 connections');
    // latency, throughput, status, dep calls, dep open, rss, lag
    const charts = await page.locator('#charts .chart').evaluateAll((els) => els.map((e) => e.id));
    expect(charts).toEqual(['chart-latency', 'chart-throughput', 'chart-status', 'chart-dep-calls', 'chart-dep-open', 'chart-rss', 'chart-lag']);
    // Each chart has a canvas with a real size and something drawn on it.
    const drawn = await page.locator('#charts canvas').evaluateAll((els) =>
      els.map((c) => {
        const canvas = c as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
        const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < px.length; i += 4 * 16) if (px[i]! > 0) painted++;
        return { w: canvas.width, h: canvas.height, painted };
      }),
    );
    expect(drawn).toHaveLength(7);
    for (const d of drawn) {
      expect(d.w).toBeGreaterThan(300);
      expect(d.h).toBeGreaterThan(100);
      expect(d.painted).toBeGreaterThan(50);
    }
    await page.close();
  });

  it('recorded runs of the example targets (scenarios/checkout.*.yaml): the naive one names its failure modes, the resilient one passes', async () => {
    const naive = await readRunResult('test/fixtures/reports/recorded-naive');
    const n = await open(naive, 'recorded-naive', 'report-recorded-naive.png');
    expect(n.problems).toEqual([]);
    expect(n.requests).toEqual([]);
    expect(n.state).toBe('ready');
    const failing = await n.page.locator('.card.fail').allInnerTexts();
    const text = failing.join('\n');
    for (const mode of ['Integration point without timeout', 'Cascading failure', 'Crash on bad input']) expect(text).toContain(mode);
    expect(text).toMatch(/held past 1\.20 s/); // the run's own numbers, not boilerplate
    expect(await n.page.locator('canvas').count()).toBeGreaterThanOrEqual(5);
    await n.page.close();
    const resilient = await readRunResult('test/fixtures/reports/recorded-resilient');
    const r = await open(resilient, 'recorded-resilient', 'report-recorded-resilient.png');
    expect(r.problems).toEqual([]);
    expect(await r.page.locator('.card.fail').count()).toBe(0);
    expect(await r.page.locator('.card.pass').count()).toBe(resilient.verdicts.length);
    await r.page.close();
  });

  it('resilient run: all cards pass and the header counts say so', async () => {
    const { page, problems, state } = await open(resilientRun(), 'resilient', 'report-resilient.png');
    expect(problems).toEqual([]);
    expect(state).toBe('ready');
    expect(await page.locator('.card.pass').count()).toBe(5);
    expect(await page.locator('.card.fail').count()).toBe(0);
    expect(await page.locator('#verdict-counts').innerText()).toBe('5 passed · 0 failed');
    await page.close();
  });

  it('garbage and markup in evidence are shown as text, never executed or parsed as HTML', async () => {
    const { page, problems, state } = await open(garbageRun(), 'garbage', 'report-garbage.png');
    expect(problems).toEqual([]);
    expect(state).toBe('ready');
    // The only scripts are the three the report itself put there.
    expect(await page.locator('script').count()).toBe(3);
    const title = await page.locator('h1').innerText();
    expect(title).toContain('<script>alert("x")</script>');
    expect(title).toContain('\\x00');
    expect(await page.locator('.card').count()).toBe(5);
    await page.close();
  });

  it('a 2-hour soak (7,200 seconds) renders every chart', async () => {
    const started = Date.now();
    const { page, problems, state } = await open(naiveRun({ seconds: 7200 }), 'soak', 'report-soak.png');
    expect(problems).toEqual([]);
    expect(state).toBe('ready');
    expect(await page.locator('#charts canvas').count()).toBe(7);
    expect(await page.locator('footer').innerText()).toContain('7200 s');
    expect(Date.now() - started).toBeLessThan(60_000);
    await page.close();
  }, 90_000);
});
