import { Toxiproxy, ToxiproxyError } from 'toxiproxy-node-client';
import { CrumpleError } from '../errors.js';
import { parseToxicSpec, type ToxicSpecInput } from './fault.js';

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

  constructor(readonly apiUrl: string) {
    this.client = new Toxiproxy(apiUrl.replace(/\/+$/, ''));
  }

  /** Creates the proxy (remembered for deletion) or reuses one with the same upstream. */
  async ensureProxy(name: string, upstream: string, listen = '127.0.0.1:0'): Promise<{ listen: string }> {
    const existing = await this.call(`get proxy '${name}'`, () => this.client.get(name), true);
    if (existing) {
      if (existing.upstream !== upstream) {
        throw new CrumpleError('PROXY_FAILED', `proxy '${name}' already exists at ${this.apiUrl} with upstream ${existing.upstream}, not ${upstream}`);
      }
      return { listen: existing.listen };
    }
    const p = await this.call(`create proxy '${name}' (listen ${listen}, upstream ${upstream})`, () =>
      this.client.createProxy({ name, upstream, listen, enabled: true } as never),
    );
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
    await this.call(`add ${t.type} toxic '${name}' to proxy '${proxy}'`, () => p.addToxic(body as never));
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
  }

  /** "down" = enabled false: the proxy refuses connections and drops open ones. */
  async setEnabled(proxy: string, enabled: boolean): Promise<void> {
    const p = await this.proxy(proxy);
    if (p.enabled === enabled) return;
    await this.call(`${enabled ? 'enable' : 'disable'} proxy '${proxy}'`, () => p.update({ enabled } as never));
    if (!enabled) this.disabled.add(proxy);
    else this.disabled.delete(proxy);
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
