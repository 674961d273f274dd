/**
 * The compiled dist/ (what `npm ci` builds through `prepare`, and what the installed `crumple` bin
 * runs): benches that time a server or a start-up run it, not the sources under tsx, so neither the
 * tsx loader nor its compile step is in the figure. Rebuilt here when older than any source.
 */
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** A file:// URL of a compiled module, e.g. dist('harness-servers/server.js'). */
export const dist = (f: string) => pathToFileURL(join(root, 'dist', f)).href;

/** True when dist/ is missing or older than any .ts under src/ or harness-servers/. */
function distStale(): boolean {
  let built: number;
  try {
    built = Math.min(statSync(join(root, 'dist/harness-servers/server.js')).mtimeMs, statSync(join(root, 'dist/src/cli/bin.js')).mtimeMs);
  } catch {
    return true;
  }
  const newer = (dir: string): boolean =>
    readdirSync(join(root, dir), { withFileTypes: true }).some((e) =>
      e.isDirectory() ? newer(join(dir, e.name)) : e.name.endsWith('.ts') && statSync(join(root, dir, e.name)).mtimeMs > built,
    );
  return newer('src') || newer('harness-servers');
}

/** Builds dist/ (npm run build) when stale; throws if the build fails. */
export function ensureDist(): void {
  if (!distStale()) return;
  console.log('dist/ is older than the sources: building it (npm run build) first');
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed: the bench needs dist/');
}
