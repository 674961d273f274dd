/**
 * The console's keys as a pure state machine: (ui, key) → (ui, action). Idle keys: i inject (a
 * prompt per step: dependency, fault, params, duration), c clear one, k kill switch, n note, s next
 * step, q end (asks y/n). Ctrl-K is the kill switch in every mode, prompts included; Ctrl-C ends at
 * once. What a prompt collects is passed on as typed: the one fault schema judges it (state.ts).
 */

export type Action =
  | { type: 'inject'; dependency: string; fault: string; params: string; for: string }
  | { type: 'clear'; id: number | undefined }
  | { type: 'kill' }
  | { type: 'note'; text: string }
  | { type: 'step' }
  | { type: 'end' };

type Stage = 'dependency' | 'fault' | 'params' | 'for' | 'clear' | 'note';

export type Ui =
  | { mode: 'idle'; status?: string }
  | { mode: 'prompt'; stage: Stage; input: string; draft: { dependency?: string; fault?: string; params?: string }; status?: string }
  | { mode: 'confirm-end' };

/** What the prompts offer: names from the game day's dependencies and the fault tables. */
export interface Choices {
  dependencies: readonly string[];
  faults: readonly string[];
  active: readonly number[];
}

export const IDLE: Ui = { mode: 'idle' };
export const CTRL_C = '\u0003';
export const CTRL_K = '\u000b';
const ESC = '\u001b';

/** Splits a chunk of terminal input into keys (an escape sequence such as an arrow is one key). */
export function splitKeys(data: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < data.length; ) {
    if (data[i] === ESC && (data[i + 1] === '[' || data[i + 1] === 'O')) {
      let j = i + 2;
      while (j < data.length && !/[A-Za-z~]/.test(data[j]!)) j++;
      out.push(data.slice(i, j + 1));
      i = j + 1;
    } else {
      const cp = data.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out.push(ch);
      i += ch.length;
    }
  }
  return out;
}

const first = (label: string, stage: Stage, input = '', draft = {}): Ui => ({ mode: 'prompt', stage, input, draft, status: label });

export function promptLabel(ui: Ui, c: Choices): { label: string; hint?: string } | undefined {
  if (ui.mode !== 'prompt') return undefined;
  const d = ui.draft;
  switch (ui.stage) {
    case 'dependency':
      return { label: 'inject on dependency:', hint: c.dependencies.join(', ') };
    case 'fault':
      return { label: `inject on ${d.dependency}: behaviour, toxic or down:`, hint: c.faults.join(' ') };
    case 'params':
      return { label: `${d.dependency} ${d.fault} params k=v …:`, hint: 'Enter: defaults' };
    case 'for':
      return { label: `${d.dependency} ${d.fault}${d.params ? ` ${d.params}` : ''} for:`, hint: 'Enter: 60s (at most 1h)' };
    case 'clear':
      return { label: 'clear fault #:', hint: c.active.length ? `active: ${c.active.map((x) => `#${x}`).join(' ')}` : 'no active faults' };
    case 'note':
      return { label: 'note:' };
  }
}

/** One key. Unknown keys are ignored; Esc leaves any prompt. */
export function press(ui: Ui, key: string, c: Choices): { ui: Ui; action?: Action } {
  if (key === CTRL_K) return { ui: IDLE, action: { type: 'kill' } };
  if (key === CTRL_C) return { ui: IDLE, action: { type: 'end' } };
  if (ui.mode === 'confirm-end') return key === 'y' || key === 'Y' ? { ui: IDLE, action: { type: 'end' } } : { ui: { mode: 'idle', status: 'still running' } };
  if (ui.mode === 'idle') {
    switch (key) {
      case 'i':
        if (c.dependencies.length === 1) return { ui: first('', 'fault', '', { dependency: c.dependencies[0] }) };
        return { ui: first('', 'dependency') };
      case 'c':
        return { ui: first('', 'clear', c.active.length === 1 ? String(c.active[0]) : '') };
      case 'k':
        return { ui: IDLE, action: { type: 'kill' } };
      case 'n':
        return { ui: first('', 'note') };
      case 's':
        return { ui: IDLE, action: { type: 'step' } };
      case 'q':
        return { ui: { mode: 'confirm-end' } };
      default:
        return { ui };
    }
  }
  // A prompt.
  if (key === ESC) return { ui: { mode: 'idle', status: 'cancelled' } };
  if (key === '\u007f' || key === '\b') return { ui: { ...ui, input: [...ui.input].slice(0, -1).join('') } };
  if (key !== '\r' && key !== '\n') {
    if (key.length > 2 || key < ' ') return { ui }; // escape sequences, control keys
    return { ui: { ...ui, input: ui.input + key } };
  }
  const input = ui.input.trim();
  const d = ui.draft;
  switch (ui.stage) {
    case 'dependency': {
      const n = Number(input);
      const dep = Number.isInteger(n) && n >= 1 && n <= c.dependencies.length ? c.dependencies[n - 1]! : input;
      if (!dep) return { ui: { ...ui, status: 'name a dependency' } };
      return { ui: first('', 'fault', '', { dependency: dep }) };
    }
    case 'fault':
      if (!input) return { ui: { ...ui, status: 'name a behaviour, a toxic or down' } };
      return { ui: first('', input === 'down' ? 'for' : 'params', '', { ...d, fault: input }) };
    case 'params':
      return { ui: first('', 'for', '', { ...d, params: input }) };
    case 'for':
      return { ui: IDLE, action: { type: 'inject', dependency: d.dependency!, fault: d.fault!, params: d.params ?? '', for: input || '60s' } };
    case 'clear': {
      const id = Number(input.replace(/^#/, ''));
      return { ui: IDLE, action: { type: 'clear', id: input && Number.isInteger(id) ? id : undefined } };
    }
    case 'note':
      return input ? { ui: IDLE, action: { type: 'note', text: input } } : { ui: { mode: 'idle', status: 'empty note: not added' } };
  }
}
