/**
 * What every behaviour and toxic declares besides its handler: its kind (what the caller goes
 * through) and, per parameter, the range worth exploring. A leaf: the stand-ins, the proxy, checks,
 * the catalogue and explore/ all read these, so that nothing keeps a list of another table's names.
 */

/** What a fault does to the caller. The value is the one-line meaning, for help and reports. */
export const FAULT_KINDS = {
  healthy: 'answers as the contract says',
  holds: 'the caller waits: nothing or little comes back for a long time',
  'fails-fast': 'the caller gets an error at once: a refused or reset connection, an error status',
  'bad-input': 'the caller gets an answer its parser may choke on: garbage, HTML, cut or huge bodies',
  mixed: 'a composite: its kinds are those of the behaviours it nests',
} as const;
export type FaultKind = keyof typeof FAULT_KINDS;
export const faultKinds = Object.keys(FAULT_KINDS) as FaultKind[];

/**
 * The values of one parameter worth trying. `log` spreads numbers over orders of magnitude (delays,
 * sizes), `int`/`real` evenly; `oneOf` is a set of values or variants (status codes, a header in
 * its different forms, `undefined` for "left out"); `nested` is another behaviour of the same table
 * (composites); `fixed` says the parameter is deliberately not varied (its default is what matters).
 */
export type Range =
  | { kind: 'log'; min: number; max: number; unit?: string }
  | { kind: 'int'; min: number; max: number; unit?: string }
  | { kind: 'real'; min: number; max: number }
  | { kind: 'oneOf'; values: readonly unknown[] }
  | { kind: 'nested' }
  | { kind: 'fixed'; why: string };

export const log = (min: number, max: number, unit?: string): Range => ({ kind: 'log', min, max, ...(unit ? { unit } : {}) });
export const int = (min: number, max: number, unit?: string): Range => ({ kind: 'int', min, max, ...(unit ? { unit } : {}) });
export const real = (min: number, max: number): Range => ({ kind: 'real', min, max });
export const oneOf = (...values: unknown[]): Range => ({ kind: 'oneOf', values });
export const nested: Range = { kind: 'nested' };
export const fixed = (why: string): Range => ({ kind: 'fixed', why });

/** Status codes a failing dependency really sends; what explore tries for an error status. */
export const ERROR_STATUSES = [429, 500, 502, 503, 504] as const;
/** Statuses a healthy-looking answer may carry. */
export const OK_STATUSES = [200, 201, 204] as const;

/** Ranges keyed by every parameter (`-?`: optional ones too, so none is forgotten). */
export type Ranges<P> = { readonly [K in keyof P]-?: Range };
