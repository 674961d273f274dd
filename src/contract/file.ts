/**
 * Contract files on disk: one format (contractFileSchema) read by scenarios (`contract: ./x.yaml`),
 * by `verify`, and written by `record`. YAML or JSON (by extension when writing; JSON is YAML when
 * reading). Every failure is one CrumpleError line naming the file.
 */
import { rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { contractFileObjectSchema, contractSchema, type ContractFile, type ContractPair } from '../../harness-servers/contract.js';
import { CrumpleError, describeError } from '../errors.js';
import { linePos, parseYamlLimited, readBoundedText } from '../safety.js';

/** Largest contract file read (record's --max-bytes is capped below this). */
export const MAX_CONTRACT_FILE_BYTES = 16 * 1024 * 1024;

export interface LoadedContract {
  file: string;
  pairs: ContractPair[];
  recorded?: ContractFile['recorded'];
}

function issueLines(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.map((p, k) => (typeof p === 'number' ? `[${p}]` : `${k ? '.' : ''}${String(p)}`)).join('') || '(top)'}: ${i.message}`);
}

/** Parses a contract file's text: a list of pairs, or `{ recorded?, contract: [...] }`. */
export function parseContractText(text: string, file: string): LoadedContract {
  const parsed = parseYamlLimited(text);
  if (!('doc' in parsed) || parsed.problems.length) {
    const p = parsed.problems[0]!;
    const at = linePos(text, p.offset);
    throw new CrumpleError('BAD_INPUT', `${file}: not valid YAML or JSON (line ${at.line}, column ${at.col}: ${p.message})`);
  }
  const raw = parsed.value;
  if (raw === null || raw === undefined) throw new CrumpleError('BAD_INPUT', `${file}: the contract file is empty`);
  // Parse with the branch the file chose, so messages name its own fields (not a union's).
  const r = Array.isArray(raw) ? contractSchema.safeParse(raw) : contractFileObjectSchema.safeParse(raw);
  if (!r.success) {
    const lines = issueLines(r.error).map((l) => (Array.isArray(raw) ? `contract${l.startsWith('[') ? '' : '.'}${l}` : l));
    throw new CrumpleError('BAD_INPUT', `${file}: not a valid contract: ${lines[0]}`, { details: lines.slice(1, 10) });
  }
  // Kept as written (input form): the stand-in parses the pairs again with the same schema.
  if (Array.isArray(raw)) return { file, pairs: raw as ContractPair[] };
  const obj = raw as ContractFile;
  return { file, pairs: obj.contract, ...(obj.recorded ? { recorded: obj.recorded } : {}) };
}

export async function readContractFile(file: string): Promise<LoadedContract> {
  return parseContractText(await readBoundedText(file, { maxBytes: MAX_CONTRACT_FILE_BYTES, what: 'contract file' }), file);
}

/** The file's text: YAML with a comment header, or JSON when the name ends in .json. */
export function renderContractFile(file: string, content: ContractFile, header: string[]): string {
  if (file.endsWith('.json')) return `${JSON.stringify(content, null, 2)}\n`;
  const head = header.map((l) => `# ${l}`.trimEnd()).join('\n');
  return `${head}${head ? '\n' : ''}${stringifyYaml(content, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

/** Written next to its final name, then renamed: a reader never sees half a contract. */
export async function writeContractFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (e) {
    throw new CrumpleError('BAD_INPUT', `cannot write contract file '${file}': ${describeError(e)}`);
  }
}

/** A scenario's `contract: ./contracts/x.yaml`, relative to the scenario file's folder. */
export function contractPathFor(scenarioFile: string | undefined, path: string): string {
  if (isAbsolute(path) || !scenarioFile) return path;
  return resolve(dirname(scenarioFile), path);
}

/**
 * Fills in each dependency's `contract` from its `contractFile` (a scenario file's `contract: PATH`).
 * A missing or invalid file is a SCENARIO_INVALID issue naming the dependency and the file.
 */
export async function loadScenarioContracts<S extends { dependencies: Record<string, { contract?: ContractPair[]; contractFile?: string }> }>(
  scenario: S,
  scenarioFile: string,
): Promise<S> {
  const issues: string[] = [];
  for (const [name, dep] of Object.entries(scenario.dependencies)) {
    if (dep.contractFile === undefined) continue;
    try {
      dep.contract = (await readContractFile(contractPathFor(scenarioFile, dep.contractFile))).pairs;
    } catch (e) {
      if (!(e instanceof CrumpleError)) throw e;
      issues.push(`${scenarioFile}: dependencies.${name}.contract: ${e.message}`, ...e.details.map((d) => `  ${d}`));
    }
  }
  if (issues.length) {
    throw new CrumpleError('SCENARIO_INVALID', `${scenarioFile}: invalid scenario (a contract file could not be used)`, { details: issues });
  }
  return scenario;
}
