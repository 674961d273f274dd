import { connect } from 'node:net';
import { request } from 'node:http';
import { CrumpleError } from '../errors.js';
import type { TargetProcess } from './process.js';

export type ReadyProbe = { http: string } | { tcp: true };

/** One probe attempt: resolves true when the target answers (any HTTP status < 500, or a TCP accept). */
function probeOnce(host: string, port: number, probe: ReadyProbe, timeoutMs: number): Promise<string | true> {
  return new Promise((resolve) => {
    if ('tcp' in probe) {
      const s = connect({ host, port });
      const t = setTimeout(() => { s.destroy(); resolve('no TCP accept'); }, timeoutMs);
      s.once('connect', () => { clearTimeout(t); s.destroy(); resolve(true); });
      s.once('error', (e) => { clearTimeout(t); resolve((e as NodeJS.ErrnoException).code ?? e.message); });
      return;
    }
    const req = request({ host, port, path: probe.http, method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status < 500 ? true : `HTTP ${status}`);
    });
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? e.message));
    req.end();
  });
}

/**
 * Polls until the target is ready, it exits, the deadline passes, or the run is aborted.
 * Every failure names the cause and shows the target's last output.
 */
export async function waitReady(opts: {
  host: string;
  port: number;
  probe: ReadyProbe;
  withinMs: number;
  proc?: TargetProcess;
  signal: AbortSignal;
}): Promise<number> {
  const start = Date.now();
  let last = 'no answer yet';
  while (Date.now() - start < opts.withinMs) {
    if (opts.signal.aborted) throw new CrumpleError('INTERRUPTED', 'interrupted while waiting for the target');
    if (opts.proc && !opts.proc.alive()) {
      const { code, signal } = await opts.proc.exited;
      throw new CrumpleError('TARGET_FAILED', `target exited before it was ready (code ${code}, signal ${signal})`, {
        details: tailDetails(opts.proc),
      });
    }
    const r = await probeOnce(opts.host, opts.port, opts.probe, 1000);
    if (r === true) return Date.now() - start;
    last = r;
    await new Promise((res) => setTimeout(res, 100));
  }
  const what = 'tcp' in opts.probe ? `TCP ${opts.host}:${opts.port}` : `GET http://${opts.host}:${opts.port}${opts.probe.http}`;
  throw new CrumpleError('TARGET_FAILED', `target not ready within ${opts.withinMs} ms (${what}: ${last})`, {
    details: opts.proc ? tailDetails(opts.proc) : [],
  });
}

function tailDetails(p: TargetProcess): string[] {
  const t = p.tail();
  return t ? ['target output (last lines):', ...t.split('\n').map((l) => `  ${l}`)] : ['target printed nothing'];
}
