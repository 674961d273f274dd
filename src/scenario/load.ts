import { isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import { CrumpleError } from '../errors.js';
import { linePos, parseYamlLimited, readBoundedText } from '../safety.js';
import { gameDayScenarioSchema, scenarioSchema, splitIssue, type Scenario } from './schema.js';
import { loadScenarioContracts } from '../contract/file.js';

/** One problem in a scenario file, located. */
export interface ScenarioIssue {
  /** "phases[1].faults[0].behaviour" (empty for the whole file). */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** "phases[1].faults[0].behaviour"; keys that are not plain names are quoted: expect["latency.x"]. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** "file:3:5: phases[0].for: ..." — always one line: a key or value quoted from the file may hold newlines. */
export function formatIssue(file: string | undefined, i: ScenarioIssue): string {
  const where = file ? `${file}${i.line ? `:${i.line}:${i.column ?? 1}` : ''}: ` : '';
  return `${where}${i.path ? `${oneLine(i.path)}: ` : ''}${oneLine(i.message)}`;
}

/** Newlines shown as \n, and a quoted key or value cut at 200 characters. */
function oneLine(s: string): string {
  const flat = s.replace(/\r?\n/g, '\\n');
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/** How a file is read: `gameDay` lets phases be left out (`crumple gameday`). */
export interface ReadAs {
  gameDay?: boolean;
}

/** Issues for an already-parsed object (no line numbers). Empty when valid. */
export function scenarioIssues(obj: unknown, as: ReadAs = {}): { scenario?: Scenario; issues: { path: (string | number)[]; message: string }[] } {
  const r = (as.gameDay ? gameDayScenarioSchema : scenarioSchema).safeParse(obj);
  if (r.success) return { scenario: r.data, issues: [] };
  return { issues: r.error.issues.flatMap(splitIssue) };
}

function invalid(file: string | undefined, issues: ScenarioIssue[]): CrumpleError {
  const n = issues.length;
  return new CrumpleError('SCENARIO_INVALID', `${file ?? 'scenario'}: invalid scenario (${n} issue${n === 1 ? '' : 's'})`, {
    details: issues.map((i) => formatIssue(file, i)),
  });
}

/** Validates a parsed object (from YAML, JSON or code); throws SCENARIO_INVALID listing every issue. */
export function validateScenario(obj: unknown, file?: string): Scenario {
  const { scenario, issues } = scenarioIssues(obj);
  if (scenario) return scenario;
  throw invalid(file, issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
}

/** The source node for a path: the key of a map entry (its line names the field), an item of a list. */
function locate(doc: Document, path: readonly (string | number)[]): Node | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined = (doc.contents ?? undefined) as Node | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      found = (pair.key as Node) ?? found;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) break;
      found = item as Node;
      node = item;
    } else break;
  }
  return found;
}

/**
 * Parses YAML or JSON text (JSON is YAML) and validates it. Every issue comes with file:line:column
 * and its field path; syntax errors likewise. Throws one CrumpleError('SCENARIO_INVALID').
 */
export function parseScenarioText(text: string, file: string): Scenario {
  return parseScenarioSource(text, file).scenario;
}

/** parseScenarioText, also giving the object as written (what explore/ rewrites into trials). */
export function parseScenarioSource(text: string, file: string, as: ReadAs = {}): { scenario: Scenario; written: Record<string, unknown> } {
  const parsed = parseYamlLimited(text);
  if (!('doc' in parsed) || parsed.problems.length) {
    throw invalid(
      file,
      parsed.problems.map((e) => {
        const pos = linePos(text, e.offset);
        return { path: '', message: e.message, line: pos.line, column: pos.col };
      }),
    );
  }
  const { doc, value: obj } = parsed;
  if (obj === null || obj === undefined) throw invalid(file, [{ path: '', message: 'the file is empty (run `crumple init` for a starter scenario)' }]);
  if (typeof obj !== 'object' || Array.isArray(obj)) throw invalid(file, [{ path: '', message: `a scenario is a mapping of fields (name, target, phases...), not ${Array.isArray(obj) ? 'a list' : `a ${typeof obj}`}` }]);
  const { scenario, issues } = scenarioIssues(obj, as);
  if (scenario) return { scenario, written: obj as Record<string, unknown> };
  throw invalid(
    file,
    issues.map((i) => {
      const node = locate(doc, i.path);
      const pos = node?.range ? linePos(text, node.range[0]) : undefined;
      return { path: formatPath(i.path), message: i.message, ...(pos ? { line: pos.line, column: pos.col } : {}) };
    }),
  );
}

/** Largest scenario file read: a scenario is a page, not a data set. */
export const MAX_SCENARIO_BYTES = 1_000_000;

/** Reads and validates a scenario file (a regular file of at most MAX_SCENARIO_BYTES, checked before reading). */
export async function loadScenario(file: string, as: ReadAs = {}): Promise<{ scenario: Scenario; file: string; written: Record<string, unknown> }> {
  const text = await readBoundedText(file, { maxBytes: MAX_SCENARIO_BYTES, what: 'scenario file' });
  const { scenario, written } = parseScenarioSource(text, file, as);
  return { scenario: await loadScenarioContracts(scenario, file), written, file };
}
