import { describe, expect, it } from 'vitest';
import { renderLine, renderScreen, sparkline, type ConsoleView } from '../../src/gameday/render.js';
import { CTRL_C, CTRL_K, IDLE, press, splitKeys, type Choices, type Ui } from '../../src/gameday/keys.js';
import { frame } from '../../src/gameday/screen.js';

const view = (over: Partial<ConsoleView> = {}): ConsoleView => ({
  name: 'order service game day',
  elapsedMs: 95_000,
  leftMs: 7_105_000,
  target: { url: 'http://127.0.0.1:4100', pid: 4242, alive: true, rssBytes: 55_000_000 },
  lagMs: 3.2,
  loads: [{ name: 'order', rps: 20, p50Ms: 4.1, p99Ms: 260, errorRate: 0.35, p99Spark: [10, 12, NaN, 200, 260], errorSpark: [0, 0, NaN, 0.5, 1] }],
  deps: [
    { name: 'stock', via: 'proxy', callsPerS: 0, open: 12, doing: 'waiting: 12 calls held, oldest 4.20 s', faults: ['#2 hang'] },
    { name: 'price', via: 'proxy', callsPerS: 20, open: 2, doing: 'calling', faults: [] },
  ],
  faults: [{ id: 2, text: 'stock → hang', by: 'ann@pts/3', leftMs: 42_000, name: '#2 stock → hang' }],
  steady: { defined: true, holding: false, sinceS: 80, text: 'order errors 35% (< 5%)' },
  halts: { enabled: true, conditions: [{ text: 'order: errors > 50% for 10.0 s' }] },
  journal: [{ atS: 53, by: 'ann@pts/3', text: 'stock → hang for 1 m', action: 'inject' }],
  control: 'http://127.0.0.1:39000',
  ui: {},
  ...over,
});

const choices: Choices = { dependencies: ['stock', 'price'], faults: ['hang', 'status', 'latency', 'down'], active: [2] };
const type = (ui: Ui, text: string) => {
  let u = ui;
  let action;
  for (const k of splitKeys(text)) {
    const r = press(u, k, choices);
    u = r.ui;
    action = r.action ?? action;
  }
  return { ui: u, action };
};

describe('the game-day console is a pure function of its state', () => {
  it('shows each load with its numbers and sparkline, each dependency with what the target does to it, the active faults with time left, the breached hypothesis', () => {
    const lines = renderScreen(view(), { width: 120, height: 40 });
    const screen = lines.join('\n');
    expect(screen).toMatch(/order\s+20\s+4\.10 ms\s+260 ms\s+35%/);
    expect(screen).toMatch(/stock\s+0\s+12\s+waiting: 12 calls held, oldest 4\.20 s\s+#2 hang/);
    expect(screen).toMatch(/#2 stock → hang\s+0:42 left\s+by ann@pts\/3/);
    expect(screen).toMatch(/steady state: BREACHED since 1:20: order errors 35% \(< 5%\)/);
    expect(screen).toMatch(/halt when order: errors > 50% for 10\.0 s: clear/);
    expect(screen).toMatch(/target http:\/\/127\.0\.0\.1:4100 pid 4242: alive, rss 55\.0 MB/);
    expect(screen).toMatch(/crumple lag 3\.20 ms/);
    expect(lines.at(-1)).toMatch(/k KILL SWITCH/);
  });

  it('never draws wider or taller than the terminal, and says what it had to leave out', () => {
    const lines = renderScreen(view({ journal: Array.from({ length: 30 }, (_, i) => ({ atS: i, by: 'console', text: `note ${i} ${'x'.repeat(200)}`, action: 'note' })) }), { width: 60, height: 24 });
    expect(lines.length).toBe(24);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(60);
    expect(lines.join('\n')).toMatch(/more lines \(enlarge the terminal\)/);
  });

  it('a halt stays on screen with its reason; a prompt replaces the status line', () => {
    const halted = renderScreen(view({ halts: { enabled: true, conditions: [], last: { atS: 20, reason: 'order errors 100% (> 50%) for 10 s' } }, ui: { prompt: { label: 'inject on dependency:', input: 'sto', hint: 'stock, price' } } }), { width: 140, height: 40 });
    expect(halted.join('\n')).toMatch(/HALTED at 0:20: order errors 100% \(> 50%\) for 10 s; every fault rolled back/);
    expect(halted.at(-2)).toMatch(/^inject on dependency: sto▏\s+stock, price/);
  });

  it('prints one line per second when stdout is not a terminal', () => {
    expect(renderLine(view())).toBe('1:35 | order 20/s p99 260 ms err 35% | #2 stock → hang (0:42 left) | steady BREACHED: order errors 35% (< 5%)');
  });

  it('sparklines scale to the largest value and leave seconds without data blank', () => {
    expect(sparkline([0, 50, 100, NaN], 10)).toBe('▁▅█ ');
    expect(sparkline([0, 0.5, 1], 10, 1)).toBe('▁▅█');
    expect(sparkline([1, 2, 3, 4], 2)).toBe('▆█');
  });

  it('a frame overwrites from the top-left, erasing each line\'s end and what is below: no clear-screen', () => {
    const f = frame(['a', 'b']);
    expect(f).toBe('\u001b[Ha\u001b[K\r\nb\u001b[K\u001b[J');
    expect(f).not.toMatch(/\u001b\[2J/);
  });
});

describe('console keys', () => {
  it('i walks through dependency, fault, params and duration, and hands them on as typed', () => {
    const r = type(IDLE, 'istock\rslow\rdelay=2s\r30s\r');
    expect(r.ui.mode).toBe('idle');
    expect(r.action).toEqual({ type: 'inject', dependency: 'stock', fault: 'slow', params: 'delay=2s', for: '30s' });
  });

  it('a dependency can be picked by number, down skips params, an empty duration is 60 s', () => {
    expect(type(IDLE, 'i2\rdown\r\r').action).toEqual({ type: 'inject', dependency: 'price', fault: 'down', params: '', for: '60s' });
  });

  it('Ctrl-K is the kill switch even half-way through a prompt; k is too; Esc cancels a prompt', () => {
    expect(type(IDLE, 'istock\rha').ui.mode).toBe('prompt');
    expect(type(IDLE, `istock\rha${CTRL_K}`)).toEqual({ ui: IDLE, action: { type: 'kill' } });
    expect(type(IDLE, 'k').action).toEqual({ type: 'kill' });
    expect(type(IDLE, 'istock\u001b').ui).toEqual({ mode: 'idle', status: 'cancelled' });
  });

  it('q asks before ending; Ctrl-C ends at once; c, n and s do what they say', () => {
    expect(type(IDLE, 'q').ui.mode).toBe('confirm-end');
    expect(type(IDLE, 'qn').action).toBeUndefined();
    expect(type(IDLE, 'qy').action).toEqual({ type: 'end' });
    expect(type(IDLE, CTRL_C).action).toEqual({ type: 'end' });
    expect(type(IDLE, 'c\r').action).toEqual({ type: 'clear', id: 2 }); // the only active fault is offered
    expect(type(IDLE, 'nstock hang: orders degrade\r').action).toEqual({ type: 'note', text: 'stock hang: orders degrade' });
    expect(type(IDLE, 's').action).toEqual({ type: 'step' });
  });

  it('backspace edits, arrow keys are ignored, not typed', () => {
    expect(splitKeys('a\u001b[Ab')).toEqual(['a', '\u001b[A', 'b']);
    const r = type(IDLE, 'istock\rhanx\u007fg\u001b[D');
    expect(r.ui).toMatchObject({ mode: 'prompt', input: 'hang' });
  });
});
