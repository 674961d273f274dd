import { describe, expect, it } from 'vitest';
import { guardRunPlacement, parseHostPort, proxyAddresses, reachableAt } from '../../src/faults/placement.js';
import { parseScenarioText } from '../../src/scenario/load.js';

const issues = (text: string): string => {
  try {
    parseScenarioText(text, 'remote.yaml');
    return '';
  } catch (e) {
    return [(e as Error).message, ...((e as { details?: string[] }).details ?? [])].join('\n');
  }
};

describe('placement: where stand-ins and proxies live', () => {
  it('parses hosts and host:port, IPv6 in brackets, and names what is wrong', () => {
    expect(parseHostPort('10.0.0.5')).toEqual({ host: '10.0.0.5' });
    expect(parseHostPort('10.0.0.5:7001')).toEqual({ host: '10.0.0.5', port: 7001 });
    expect(parseHostPort('[::1]:7001')).toEqual({ host: '::1', port: 7001 });
    expect(parseHostPort('::1')).toEqual({ host: '::1' });
    expect(parseHostPort('toxiproxy.staging.internal')).toEqual({ host: 'toxiproxy.staging.internal' });
    expect(parseHostPort('http://x')).toMatch(/not a host/);
    expect(parseHostPort('x:99999')).toMatch(/port must be/);
  });

  it('a remote proxy listens on the Toxiproxy host and sends to the stand-in at the address given', () => {
    const a = proxyAddresses({ dependency: 'inventory', standIn: { host: '10.0.0.9', port: 4100 }, apiUrl: 'http://10.0.0.2:8474', run: { listen: '0.0.0.0', upstream: 'crumple.internal' }, dep: { listen: '0.0.0.0:7001' } });
    expect(a).toEqual({ listen: '0.0.0.0:7001', upstream: 'crumple.internal:4100' });
    // Without addresses: today's behaviour (loopback both sides, the fixed port kept).
    expect(proxyAddresses({ dependency: 'd', standIn: { host: '127.0.0.1', port: 4100 }, fixedPort: 7002, apiUrl: 'http://127.0.0.1:8474' })).toEqual({ listen: '127.0.0.1:7002', upstream: '127.0.0.1:4100' });
  });

  it('refuses a remote Toxiproxy that could not reach a stand-in on loopback, naming the field', () => {
    expect(() => proxyAddresses({ dependency: 'inventory', standIn: { host: '127.0.0.1', port: 4100 }, apiUrl: 'http://10.0.0.2:8474' })).toThrow(/dependencies\.inventory\.toxiproxy\.upstream/);
  });

  it('tells the target the listen address, or the API host for a wildcard listen', () => {
    expect(reachableAt('127.0.0.2:7001', 'http://127.0.0.2:8474')).toEqual({ host: '127.0.0.2', port: 7001 });
    expect(reachableAt('[::]:7001', 'http://10.0.0.2:8474')).toEqual({ host: '10.0.0.2', port: 7001 });
  });

  it('lets loopback through and refuses other addresses unless allowed', () => {
    const deps = [{ name: 'inventory', via: 'proxy' as const, bind: '127.0.0.3' }];
    expect(() => guardRunPlacement({ deps, apiUrl: 'http://127.0.0.2:8474', at: { listen: '127.0.0.2', upstream: '127.0.0.3' }, allowHosts: [] })).not.toThrow();
    expect(() => guardRunPlacement({ deps: [{ name: 'inventory', via: 'direct', bind: '192.0.2.7' }], allowHosts: [] })).toThrow(/bind stand-in 'inventory' on 192\.0\.2\.7.*--allow-host 192\.0\.2\.7/);
    expect(() => guardRunPlacement({ deps: [{ name: 'inventory', via: 'direct', bind: '192.0.2.7' }], allowHosts: ['192.0.2.7'] })).not.toThrow();
    expect(() => guardRunPlacement({ deps: [{ name: 'x', via: 'direct' }], runBind: '0.0.0.0', allowHosts: [] })).toThrow(/0\.0\.0\.0/);
    expect(() => guardRunPlacement({ deps, apiUrl: 'http://192.0.2.1:8474', allowHosts: [] })).toThrow(/Toxiproxy API at 192\.0\.2\.1/);
    // An allowed remote Toxiproxy may listen on its own interfaces; the upstream must still be allowed.
    const remote = { deps: [{ name: 'inventory', via: 'proxy' as const, bind: '192.0.2.9' }], apiUrl: 'http://192.0.2.1:8474', at: { listen: '0.0.0.0' } };
    expect(() => guardRunPlacement({ ...remote, allowHosts: ['192.0.2.1'] })).toThrow(/bind stand-in 'inventory' on 192\.0\.2\.9/);
    expect(() => guardRunPlacement({ ...remote, allowHosts: ['192.0.2.1', '192.0.2.9'] })).not.toThrow();
  });

  it('scenario files take toxiproxy { url, listen, upstream } and per-dependency bind and toxiproxy, naming bad fields', () => {
    const ok = issues(
      `name: remote
target: { command: "node x.js" }
toxiproxy: { url: "http://127.0.0.2:8474", listen: 127.0.0.2, upstream: 127.0.0.3 }
dependencies:
  inventory: { bind: 127.0.0.3, toxiproxy: { listen: "127.0.0.2:7001" } }
phases: [{ name: a, for: 1s }]
`,
    );
    expect(ok).toBe('');
    const text = issues(
      `name: remote
target: { command: "node x.js" }
toxiproxy: { url: "http://127.0.0.2:8474", listn: 127.0.0.2 }
dependencies:
  inventory: { bind: "127.0.0.3:80", toxiproxy: { upstream: "http://x" } }
phases: [{ name: a, for: 1s }]
`,
    );
    expect(text).toMatch(/dependencies\.inventory\.bind/);
    expect(text).toMatch(/dependencies\.inventory\.toxiproxy\.upstream/);
    expect(text).toMatch(/listn/);
  });
});
