import { Toxiproxy, ToxiproxyError } from 'toxiproxy-node-client';
import { CrumpleError, badInput } from '../errors.js';
import { assertHostAllowed } from '../safety.js';
import { parseToxicSpec, type ToxicSpecInput } from './fault.js';
import { forgetChange, ownerOf, reclaimStale, recordChange, type OwnedChange } from './owned.js';

/**
 * A Toxiproxy API URL as given by a flag or a file: http(s) only, no trailing slash. Bad input names
 * `flag` (the loopback guard is NetworkFaults', so it covers every way a URL arrives).
 */
export function toxiproxyUrl(v: string, flag = '--toxiproxy'): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw badInput(`${flag}: '${v}' is not a URL (e.g. http://127.0.0.1:8474)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw badInput(`${flag}: '${v}' must be an http(s) URL (the Toxiproxy API)`);
  if (u.username || u.password || u.search || u.hash) throw badInput(`${flag}: '${v}' must be a plain http(s)://host:port URL`);
  return v.replace(/\/+$/, '');
}

export interface NetworkFaultsOptions {
  /** Non-loopback hosts the API may be on (--allow-host / allowHosts). */
  allowHosts?: readonly string[];
  /** One line per thing worth telling (stale proxies reclaimed). */
  note?: (line: string) => void;
  /**
   * Record every change with this process as its owner (faults/owned.ts), and reclaim what dead
   * owners left on this API before the first change. Default true; false for a server that dies with
   * this process anyway (the embedded proxy).
   */
  mark?: boolean;
}

/**
 * Network faults through toxiproxy-node-client only, so crumple's embedded server and a real
 * Toxiproxy are interchangeable. Remembers everything it changed and undoes it in rollback():
 * an aborted game day must not leave a shared Toxiproxy poisoned.
 */
export class NetworkFaults {
  private readonly client: Toxiproxy;
  private readonly created = new Set<string>();
  private readonly added = new Map<string, Set<string>>(); // proxy → toxic names we added
  private readonly disabled = new Set<string>(); // proxies we turned off

  private readonly mark: boolean;
  private readonly note: (line: string) => void;
  private reclaimed: Promise<void> | undefined;

  /** Throws HOST_NOT_ALLOWED for an API not on loopback and not allowed: nothing is sent to it. */
  constructor(readonly apiUrl: string, opts: NetworkFaultsOptions = {}) {
    const url = toxiproxyUrl(apiUrl, 'Toxiproxy URL');
    assertHostAllowed(new URL(url), opts.allowHosts ?? [], 'reach Toxiproxy at');
    this.apiUrl = url;
    this.client = new Toxiproxy(url);
    this.mark = opts.mark ?? true;
    this.note = opts.note ?? (() => {});
  }

  /**
   * Undoes what crumples that are no longer running left on this API (once per instance, before its
   * first change), with one note per thing reclaimed. Also what `crumple toxic reset --mine` runs.
   */
  reclaimStale(): Promise<void> {
    if (!this.mark) return Promise.resolve();
    this.reclaimed ??= reclaimStale(this.apiUrl, (c) => this.undoChange(c)).then(({ reclaimed, failed }) => {
      for (const { pid, change: c } of reclaimed) {
        const what = c.kind === 'proxy' ? `proxy '${c.proxy}'` : c.kind === 'toxic' ? `toxic '${c.toxic}' on proxy '${c.proxy}'` : `proxy '${c.proxy}' left down (re-enabled)`;
        this.note(`reclaimed ${what} at ${this.apiUrl}, left by crumple pid ${pid} (no longer running)`);
      }
      for (const f of failed) this.note(`could not reclaim a stale change: ${f}`);
    });
    return this.reclaimed;
  }

  private async undoChange(c: OwnedChange): Promise<void> {
    const p = await this.call(`get proxy '${c.proxy}'`, () => this.client.get(c.proxy), true);
    if (!p) return; // already gone: undone
    if (c.kind === 'proxy') await this.call(`delete proxy '${c.proxy}'`, () => p.remove(), true);
    else if (c.kind === 'disabled') {
      if (!p.enabled) await this.call(`re-enable proxy '${c.proxy}'`, () => p.update({ enabled: true } as never));
    } else if (c.toxic) {
      const t = await this.call(`find toxic '${c.toxic}'`, () => p.getToxic(c.toxic!), true);
      if (t) await this.call(`remove toxic '${c.toxic}' from proxy '${c.proxy}'`, () => t.remove(), true);
    }
  }

  private own(c: Omit<OwnedChange, 'apiUrl'>): void {
    if (this.mark) recordChange({ ...c, apiUrl: this.apiUrl });
  }

  private disown(c: Omit<OwnedChange, 'apiUrl'>): void {
    if (this.mark) forgetChange({ ...c, apiUrl: this.apiUrl });
  }

  /** Creates the proxy (remembered for deletion) or reuses one with the same upstream. */
  async ensureProxy(name: string, upstream: string, listen = '127.0.0.1:0'): Promise<{ listen: string }> {
    await this.reclaimStale();
    const existing = await this.call(`get proxy '${name}'`, () => this.client.get(name), true);
    if (existing) {
      if (existing.upstream !== upstream) {
        const owner = this.mark ? ownerOf(this.apiUrl, name) : undefined;
        const hint = owner?.alive
          ? `it belongs to crumple pid ${owner.pid}, still running: wait for it, or use another Toxiproxy`
          : `crumple on this machine did not create it: remove it on that server (DELETE ${this.apiUrl}/proxies/${encodeURIComponent(name)}), or use another Toxiproxy`;
        throw new CrumpleError('PROXY_FAILED', `proxy '${name}' already exists at ${this.apiUrl} with upstream ${existing.upstream}, not ${upstream}; ${hint}`);
      }
      return { listen: existing.listen };
    }
    // Marked before it exists: a kill between the two leaves a record of nothing, never a proxy without one.
    this.own({ kind: 'proxy', proxy: name, upstream });
    let p;
    try {
      p = await this.call(`create proxy '${name}' (listen ${listen}, upstream ${upstream})`, () =>
        this.client.createProxy({ name, upstream, listen, enabled: true } as never),
      );
    } catch (e) {
      this.disown({ kind: 'proxy', proxy: name });
      throw e;
    }
    this.created.add(name);
    return { listen: p.listen };
  }

  /**
   * Adds a toxic; returns its name. Checked here first (the one fault schema), so a typo or a value
   * that would crash a real Toxiproxy never reaches it.
   */
  async addToxic(proxy: string, spec: ToxicSpecInput): Promise<string> {
    const t = parseToxicSpec(spec);
    const stream = t.stream ?? 'downstream';
    const name = t.name ?? `${t.type}_${stream}`;
    const p = await this.proxy(proxy);
    const body = { name, type: t.type, stream, toxicity: t.toxicity ?? 1, attributes: t.attributes ?? {} };
    await this.reclaimStale();
    this.own({ kind: 'toxic', proxy, toxic: name });
    try {
      await this.call(`add ${t.type} toxic '${name}' to proxy '${proxy}'`, () => p.addToxic(body as never));
    } catch (e) {
      this.disown({ kind: 'toxic', proxy, toxic: name });
      throw e;
    }
    let set = this.added.get(proxy);
    if (!set) this.added.set(proxy, (set = new Set()));
    set.add(name);
    return name;
  }

  async removeToxic(proxy: string, name: string): Promise<void> {
    const p = await this.proxy(proxy);
    const toxic = await this.call(`find toxic '${name}' on proxy '${proxy}'`, () => p.getToxic(name));
    await this.call(`remove toxic '${name}' from proxy '${proxy}'`, () => toxic.remove());
    this.added.get(proxy)?.delete(name);
    this.disown({ kind: 'toxic', proxy, toxic: name });
  }

  /** "down" = enabled false: the proxy refuses connections and drops open ones. */
  async setEnabled(proxy: string, enabled: boolean): Promise<void> {
    const p = await this.proxy(proxy);
    if (p.enabled === enabled) return;
    await this.reclaimStale();
    if (!enabled) this.own({ kind: 'disabled', proxy });
    await this.call(`${enabled ? 'enable' : 'disable'} proxy '${proxy}'`, () => p.update({ enabled } as never));
    if (!enabled) this.disabled.add(proxy);
    else {
      this.disabled.delete(proxy);
      this.disown({ kind: 'disabled', proxy });
    }
  }

  /** Removes every toxic this instance added (on `proxy`, or everywhere) and re-enables what it disabled. */
  async clear(proxy?: string): Promise<void> {
    const errors = await this.clearCollecting(proxy);
    if (errors.length) throw new CrumpleError('PROXY_FAILED', `could not undo every network fault`, { details: errors });
  }

  /** clear() + delete the proxies this instance created. Idempotent; never throws: returns the errors. */
  async rollback(): Promise<string[]> {
    const errors = await this.clearCollecting();
    for (const name of [...this.created]) {
      try {
        const p = await this.call(`get proxy '${name}'`, () => this.client.get(name), true);
        if (p) await this.call(`delete proxy '${name}'`, () => p.remove(), true);
        this.created.delete(name);
        this.disown({ kind: 'proxy', proxy: name });
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    return errors;
  }

  /** What this instance currently has applied (for progress lines and reports). */
  applied(): { proxiesCreated: string[]; toxics: { proxy: string; name: string }[]; disabled: string[] } {
    return {
      proxiesCreated: [...this.created],
      toxics: [...this.added].flatMap(([proxy, names]) => [...names].map((name) => ({ proxy, name }))),
      disabled: [...this.disabled],
    };
  }

  private async clearCollecting(only?: string): Promise<string[]> {
    const errors: string[] = [];
    for (const [proxy, names] of this.added) {
      if (only !== undefined && proxy !== only) continue;
      for (const name of [...names]) {
        try {
          const p = await this.call(`get proxy '${proxy}'`, () => this.client.get(proxy), true);
          const toxic = p && (await this.call(`find toxic '${name}'`, () => p.getToxic(name), true));
          // Already gone (proxy deleted, /reset) counts as undone.
          if (toxic) await this.call(`remove toxic '${name}' from proxy '${proxy}'`, () => toxic.remove(), true);
          names.delete(name);
          this.disown({ kind: 'toxic', proxy, toxic: name });
        } catch (e) {
          errors.push(e instanceof Error ? e.message : String(e));
        }
      }
    }
    for (const proxy of [...this.disabled]) {
      if (only !== undefined && proxy !== only) continue;
      try {
        const p = await this.call(`get proxy '${proxy}'`, () => this.client.get(proxy), true);
        if (p && !p.enabled) await this.call(`re-enable proxy '${proxy}'`, () => p.update({ enabled: true } as never));
        this.disabled.delete(proxy);
        this.disown({ kind: 'disabled', proxy });
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    return errors;
  }

  private async proxy(name: string) {
    return this.call(`get proxy '${name}'`, () => this.client.get(name));
  }

  /** Runs a client call; a 404 gives undefined when `missingOk`, other failures a CrumpleError naming what was tried. */
  private async call<T>(what: string, fn: () => Promise<T>, missingOk: true): Promise<T | undefined>;
  private async call<T>(what: string, fn: () => Promise<T>, missingOk?: false): Promise<T>;
  private async call<T>(what: string, fn: () => Promise<T>, missingOk = false): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      const status = statusOf(e);
      if (status === 404 && missingOk) return undefined;
      const why =
        status === 404 ? 'not found'
          : status === 409 ? 'already exists'
            : status === 400 ? 'the server refused the request (400)'
              : status !== undefined ? `the server answered ${status}`
                : `cannot reach Toxiproxy (${e instanceof Error ? e.message : String(e)})`;
      throw new CrumpleError(status === 404 ? 'NOT_FOUND' : 'PROXY_FAILED', `cannot ${what} at ${this.apiUrl}: ${why}`, { cause: e });
    }
  }
}

function statusOf(e: unknown): number | undefined {
  if (!(e instanceof ToxiproxyError) && !(e instanceof Error)) return undefined;
  const m = /status code (\d{3})/.exec(e.message);
  return m ? Number(m[1]) : undefined;
}
