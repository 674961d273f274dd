import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { onCleanup } from '../helpers/listen.js';
import { alive } from '../helpers/proc.js';

// The console in a real terminal: tmux (Debian's; .ci/run installs it) on its own socket, 140×50.
const socket = `crumple-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'gd');
const keys = (...k: string[]) => void tmux('send-keys', '-t', 'gd', ...k);

/** Polls the screen until `re` matches; fails with the last screen so the reason shows. */
async function see(re: RegExp, ms = 60_000): Promise<RegExpExecArray> {
  const end = Date.now() + ms;
  let last = '';
  for (;;) {
    last = screen();
    const m = re.exec(last);
    if (m) return m;
    if (Date.now() > end) throw new Error(`never saw ${re} on screen; last screen:\n${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const SCENARIO = `name: console game day
target:
  command: node scenarios/targets/two-deps.js
  env: { PORT: "\${target.port}", STOCK_URL: "\${deps.stock.url}", PRICE_URL: "\${deps.price.url}", TIMEOUT_MS: 300 }
  ready: { http: /health }
dependencies:
  stock:
    contract: [{ request: { method: GET, path: /items/:id }, response: { status: 200, json: { id: 1, stock: 3 } } }]
  price:
    contract: [{ request: { method: GET, path: /prices/:id }, response: { status: 200, json: { id: 1, price: 2 } } }]
load:
  order: { shape: steady, path: /order, rate: 20/s, timeout: 2s }
phases:
  - { name: baseline, for: 2s }
halt:
  - { load: order, errors: "> 90%", for: 2s }
expect:
  steady-state: { load: order, errors: "< 5%" }
`;

describe('the game-day console in a real terminal (tmux)', () => {
  it('injects with keys, shows the fault and the error rate moving, clears everything with the kill switch, rolls back on a halt, and leaves the record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crumple-gameday-tmux-'));
    const file = join(dir, 'gd.yaml');
    writeFileSync(file, SCENARIO);
    const controlFile = join(dir, 'control', 'gameday.json');
    process.env.CRUMPLE_GAMEDAY = controlFile;
    onCleanup(() => void delete process.env.CRUMPLE_GAMEDAY);
    const command = `CRUMPLE_GAMEDAY='${controlFile}' '${process.execPath}' --import tsx src/cli/main.ts gameday '${file}' --reports '${dir}' --run-id tmux --max 10m; echo "EXIT=$?"; sleep 300`;
    tmux('new-session', '-d', '-s', 'gd', '-x', '140', '-y', '50', '-c', process.cwd(), command);
    onCleanup(async () => {
      // Whatever happened, the game day rolls back (SIGTERM) before its terminal goes.
      if (existsSync(controlFile)) {
        const pid = (JSON.parse(readFileSync(controlFile, 'utf8')) as { pid: number }).pid;
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
        for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 200));
      }
      try {
        tmux('kill-server');
      } catch {
        // no server left
      }
    });

    // The console comes up on the alternate screen with the loads flowing and no faults.
    await see(/phases: all played, now by hand/);
    await see(/order\s+\d+\s+\S+ ms\s+\S+ ms\s+0%/);
    const target = Number((await see(/pid (\d+): alive/))[1]);
    expect(screen()).toMatch(/ACTIVE FAULTS: none/);

    // i: inject half of price's answers as 500s, for a minute.
    keys('i');
    await see(/inject on dependency: .*stock, price/);
    keys('price', 'Enter', 'flaky', 'Enter', 'Enter', '1m', 'Enter');
    await see(/#1 price → flaky\s+\d:\d\d left\s+by console/);
    await see(/price\s+\d+\s+\d+\s+calling\s+#1 flaky/);
    // The target passes price's failures on: the order load's error rate moves off zero.
    await see(/order\s+\d+\s+\S+ ms\s+\S+ ms\s+([1-8]\d)%/);
    await see(/steady state: BREACHED since/);

    // A second terminal adds a fault and a note: the console shows them, with who.
    const added = await cli(['fault', 'inject', 'stock', '--toxic', 'latency', '--attr', 'latency=50', '--for', '1m']);
    expect(added.code, added.stderr).toBe(0);
    await see(/#2 stock ~ latency latency=50 ms\s+\d:\d\d left\s+by \S+@\S+/);
    expect((await cli(['note', 'flaky price shows as order errors'])).code).toBe(0);
    await see(/flaky price shows as order errors/);

    // k: the kill switch clears both at once.
    keys('k');
    await see(/KILL SWITCH: 2 faults cleared/);
    expect(screen()).toMatch(/ACTIVE FAULTS: none/);
    expect((await cli(['fault', 'list'])).stdout).toMatch(/no active faults/);
    await see(/order\s+\d+\s+\S+ ms\s+\S+ ms\s+0%/);

    // Every answer of price a 500: order errors over 90 % for 2 s → the halt rolls it back and says why.
    keys('i', 'price', 'Enter', 'status', 'Enter', 'status=500', 'Enter', '5m', 'Enter');
    await see(/#3 price → status status=500/);
    await see(/HALTED at \d+:\d\d: halt: order errors \d+% \(> 90%\) for \d+ s .*every fault rolled back/);
    expect(screen()).toMatch(/ACTIVE FAULTS: none/);

    // q, y: the end; everything rolled back, the reports written, exit 1 (the halt is a finding).
    keys('q');
    await see(/end the game day and roll everything back\? y\/n/);
    keys('y');
    await see(/EXIT=1/);
    const after = screen();
    expect(after).toMatch(/halt\s+FAIL\s+halted 1×/);
    expect(after).toMatch(/steady-state\s+pass/);
    expect(alive(target)).toBe(false);
    expect(existsSync(controlFile)).toBe(false);

    const result = JSON.parse(readFileSync(join(dir, 'tmux', 'report.json'), 'utf8'));
    const journal = result.journal as { action: string; by: string; text: string; recovery?: string }[];
    expect(journal.find((j) => j.action === 'inject' && /price → flaky/.test(j.text))?.by).toBe('console');
    expect(journal.find((j) => j.action === 'inject' && /stock ~ latency/.test(j.text))?.by).toMatch(/@/);
    expect(journal.find((j) => j.action === 'kill')?.by).toBe('console');
    expect(journal.find((j) => j.action === 'halt')?.by).toBe('halt');
    expect(journal.find((j) => j.action === 'note')?.text).toBe('flaky price shows as order errors');
    expect(journal.find((j) => j.action === 'end')?.by).toBe('console');
    // The windows checks judged are the faults' real ones, with the kinds of their entries.
    const flaky = (result.phases as { name: string; startMs: number; endMs: number; faults: { fault: string; kinds: string[] }[] }[]).find((p) => p.name === '#1 price → flaky')!;
    expect(flaky.endMs).toBeGreaterThan(flaky.startMs);
    expect(flaky.faults[0]!.kinds.length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'tmux', 'report.md'), 'utf8')).toMatch(/### Journal[\s\S]*kill: kill switch: clearing 2 faults/);
    expect(readFileSync(join(dir, 'tmux', 'junit.xml'), 'utf8')).toMatch(/journal:[\s\S]*halt: halt: order errors/);
    expect(readFileSync(join(dir, 'tmux', 'report.html'), 'utf8')).toMatch(/<h2>Journal<\/h2>/);
  }, 240_000);
});
