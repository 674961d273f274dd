import { CrumpleError } from '../errors.js';
import type { Scenario } from './schema.js';
import { checkRef, substitute, type Addresses } from './refs.js';

export type { Addresses } from './refs.js';

/**
 * The scenario with the run's addresses filled into target.command, target.env and target.url:
 * ${deps.<name>.url|host|port}, ${target.port|url|host}, ${env.X} (from `env`, default process.env).
 * Every unknown or missing reference is reported at once as SCENARIO_INVALID.
 */
export function resolveScenario(scenario: Scenario, addresses: Addresses, env: NodeJS.ProcessEnv = process.env): Scenario {
  const deps = Object.keys(scenario.dependencies);
  const errors: string[] = [];
  const targetHost = addresses.target.host ?? '127.0.0.1';
  const lookup = (ref: string): string | { error: string } => {
    const bad = checkRef(ref, deps);
    if (bad) return { error: bad };
    const [root, a, b] = ref.split('.') as [string, string, string?];
    if (root === 'env') {
      const v = env[a];
      return v === undefined ? { error: `\${${ref}}: environment variable ${a} is not set` } : v;
    }
    if (root === 'target') {
      if (a === 'port') return String(addresses.target.port);
      if (a === 'host') return targetHost;
      return addresses.target.url ?? `http://${targetHost}:${addresses.target.port}`;
    }
    const d = addresses.deps[a];
    if (!d) return { error: `\${${ref}}: no address for dependency '${a}' in this run` };
    if (b === 'urls') return d.urls ?? d.url;
    return String(d[b as 'url' | 'host' | 'port']);
  };
  const sub = (where: string, text: string) => {
    const before = errors.length;
    const out = substitute(text, lookup, errors);
    for (let i = before; i < errors.length; i++) errors[i] = `${where}: ${errors[i]}`;
    return out;
  };
  const t = scenario.target;
  let target: Scenario['target'];
  if (t.url !== undefined) target = { url: sub('target.url', t.url) };
  else {
    const envOut: Record<string, string> = {};
    for (const [k, v] of Object.entries(t.env)) envOut[k] = sub(`target.env.${k}`, v);
    target = { ...t, command: sub('target.command', t.command), env: envOut };
  }
  if (errors.length) throw new CrumpleError('SCENARIO_INVALID', `cannot resolve ${errors.length} reference${errors.length > 1 ? 's' : ''} in the target`, { details: errors });
  return { ...scenario, target };
}
