import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// DESIGN.md's import rules, checked on the source text: static, type-only and dynamic imports alike.
const root = resolve(import.meta.dirname, '../..');

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Repo-relative paths of the local modules `file` imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => relative(root, resolve(root, dirname(file), s)).replace(/\.js$/, '.ts'));
}

describe('layout: the import rules of DESIGN.md hold', () => {
  // bin.ts, the installed entry point, is the one exception: it loads main.ts after its signal handlers.
  it('no cli/ file imports main.ts (but the entry point bin.ts), so cli/ has no import circle', () => {
    const offenders = files('src/cli').filter((f) => f !== 'src/cli/main.ts' && f !== 'src/cli/bin.ts' && importsOf(f).includes('src/cli/main.ts'));
    expect(offenders).toEqual([]);
  });

  // faults/kind.ts (the kinds and ranges every table entry declares) is a leaf too, shared on purpose.
  const leaves = ['src/units.ts', 'src/errors.ts', 'src/safety.ts', 'src/faults/kind.ts'];
  // unit-schemas.ts is units.ts as zod schemas: a leaf that also takes units.ts (split so units.ts stays zod-free).
  const schemaLeaves = ['src/unit-schemas.ts'];

  it('harness-servers/ takes only timeline/ and the leaves (units, unit-schemas, errors, safety, faults/kind) from src/', () => {
    const allowed = (p: string) => p.startsWith('src/timeline/') || leaves.includes(p) || schemaLeaves.includes(p);
    const offenders = files('harness-servers').flatMap((f) => importsOf(f).filter((p) => p.startsWith('src/') && !allowed(p)).map((p) => `${f} -> ${p}`));
    expect(offenders).toEqual([]);
  });

  it('the leaves import no other module of ours but errors.ts', () => {
    const offenders = leaves.flatMap((f) => importsOf(f).filter((p) => p !== 'src/errors.ts').map((p) => `${f} -> ${p}`));
    expect(offenders).toEqual([]);
  });

  it('unit-schemas.ts imports no module of ours but units.ts and errors.ts', () => {
    const offenders = schemaLeaves.flatMap((f) => importsOf(f).filter((p) => p !== 'src/errors.ts' && p !== 'src/units.ts').map((p) => `${f} -> ${p}`));
    expect(offenders).toEqual([]);
  });

  it('units.ts stays zod-free (the CLI start path and the stand-ins import it)', () => {
    expect(readFileSync(join(root, 'src/units.ts'), 'utf8')).not.toMatch(/from\s*['"]zod['"]/);
  });

  // The stand-in process (server.ts and control.ts, what `crumple serve` and the bench's hang child
  // load) reaches zod only through import(): its schemas load on first need (server.ts loadSchemas).
  it('a stand-in process imports zod only lazily: no static import of zod from server.ts or control.ts on', () => {
    const runtime = (file: string): string[] => {
      const text = readFileSync(join(root, file), 'utf8');
      // `import type` and `export type` are erased; `import(...)` is loaded on first need.
      const specs = [...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\bfrom\s*)?['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
      return specs.map((s) => (s.startsWith('.') ? relative(root, resolve(root, dirname(file), s)).replace(/\.js$/, '.ts') : s));
    };
    const seen = new Set<string>();
    const offenders: string[] = [];
    const walk = (file: string, via: string[]) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const dep of runtime(file)) {
        if (dep === 'zod' || dep.startsWith('zod/')) offenders.push([...via, file, dep].join(' -> '));
        else if (dep.endsWith('.ts')) walk(dep, [...via, file]);
      }
    };
    walk('harness-servers/server.ts', []);
    walk('harness-servers/control.ts', []);
    expect(seen.has('harness-servers/behaviours/hang.ts')).toBe(true); // the walk follows the tables
    expect(offenders).toEqual([]);
  });
});

