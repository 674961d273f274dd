/**
 * The console wired up: keys (keys.ts) become calls on the game day (state.ts) by "console", and the
 * screen is redrawn from the state (render.ts) once a second and after every key. Without a terminal
 * it prints one line per second instead and takes no keys (the control API and SIGUSR1 still work).
 */
import { describeError } from '../errors.js';
import { parseDuration } from '../units.js';
import type { GameDay } from './state.js';
import { IDLE, press, promptLabel, splitKeys, type Action, type Choices, type Ui } from './keys.js';
import { renderLine, renderScreen, type ConsoleView } from './render.js';
import { Screen, type KeyInput, type Tty } from './screen.js';
import { faultNames, splitPairs, writtenFault } from './written.js';

export const CONSOLE = 'console';

export class Console {
  private ui: Ui = IDLE;
  private status = '';
  private readonly screen: Screen | undefined;
  private readonly choices: Choices;

  constructor(
    private readonly day: GameDay,
    private readonly view: () => Omit<ConsoleView, 'ui'>,
    private readonly io: { tty?: { out: Tty; input?: KeyInput | undefined } | undefined; line: (text: string) => void },
    dependencies: readonly string[],
    private readonly end: (why: string) => void,
  ) {
    this.choices = { dependencies, faults: faultNames(), active: [] };
    if (io.tty) this.screen = new Screen(io.tty.out, io.tty.input?.isTTY ? io.tty.input : undefined, (d) => this.keys(d), () => this.draw());
  }

  start(): void {
    this.screen?.start();
    this.draw();
  }

  stop(): void {
    this.screen?.stop();
  }

  /** Once a second: the full screen, or one line. */
  tick(): void {
    if (this.screen) this.draw();
    else this.io.line(renderLine({ ...this.view(), ui: {} }));
  }

  say(status: string): void {
    this.status = status;
    this.draw();
  }

  draw(): void {
    if (!this.screen) return;
    const label = promptLabel(this.ui, { ...this.choices, active: this.day.faults().map((f) => f.id) });
    const ui: ConsoleView['ui'] =
      this.ui.mode === 'confirm-end' ? { confirmEnd: true }
        : this.ui.mode === 'prompt' && label ? { prompt: { label: label.label, input: this.ui.input, ...(label.hint ? { hint: label.hint } : {}) }, ...(this.ui.status ? { status: this.ui.status } : {}) }
          : { status: this.ui.mode === 'idle' && this.ui.status ? this.ui.status : this.status };
    this.screen.draw(renderScreen({ ...this.view(), ui }, this.screen.size));
  }

  private keys(data: string): void {
    for (const k of splitKeys(data)) {
      const r = press(this.ui, k, { ...this.choices, active: this.day.faults().map((f) => f.id) });
      this.ui = r.ui;
      if (r.ui.mode === 'idle' && r.ui.status) this.status = r.ui.status;
      if (r.action) this.act(r.action);
    }
    this.draw();
  }

  private act(a: Action): void {
    const report = (p: Promise<string>) =>
      p.then(
        (s) => this.say(s),
        (e: unknown) => this.say(`error: ${describeError(e)}`),
      );
    switch (a.type) {
      case 'inject': {
        const forMs = parseDuration(a.for);
        if (typeof forMs === 'string') return this.say(`error: for: ${forMs}`);
        return void report(
          (async () => {
            const x = await this.day.inject({ faults: [writtenFault(a.dependency, a.fault, splitPairs(a.params))], forMs, by: CONSOLE });
            return `injected #${x.id} ${x.name.replace(/^#\d+ /, '')}`;
          })(),
        );
      }
      case 'clear':
        if (a.id === undefined) return this.say('clear: give a fault number (#1)');
        return void report(this.day.clear(a.id, CONSOLE).then((x) => `cleared #${x.id}`));
      case 'kill':
        this.say('KILL SWITCH: clearing every fault…');
        return void report(this.day.kill(CONSOLE).then((xs) => `KILL SWITCH: ${xs.length} fault${xs.length === 1 ? '' : 's'} cleared`));
      case 'note':
        return void report(Promise.resolve().then(() => (this.day.note(CONSOLE, a.text), 'note added')));
      case 'step':
        return void report(this.day.nextStep(CONSOLE).then((s) => (s === 'complete' ? 'steps runbook complete' : `started ${s}`)));
      case 'end':
        this.say('ending: rolling everything back…');
        return this.end('ended from the console');
    }
  }
}
