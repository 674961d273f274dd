import { describe, expect, it } from 'vitest';
import { httpServer } from '../helpers/listen.js';
import { cli } from '../helpers/cli.js';

describe('crumple load / dogpile commands', () => {
  it('load prints a summary with throughput, percentiles, statuses and errors', async () => {
    let n = 0;
    const { url } = await httpServer((_req, res) => { n += 1; res.statusCode = n % 10 === 0 ? 500 : 200; res.end('x'); });
    const r = await cli(['load', `${url}/items?x=1`, '--rate', '100', '--duration', '1s']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/steady .*stopped by duration/);
    expect(r.stdout).toMatch(/requests\s+\d+ \(\d+\.\d\/s\)/);
    expect(r.stdout).toMatch(/status\s+200: \d+\s+500: \d+/);
    expect(r.stdout).toMatch(/latency\s+p50 .*ms\s+p90 .*p99 .*max/);
    expect(n).toBeGreaterThan(50);
  });

  it('load --shape ramp steps the rate and prints the capacity', async () => {
    let n = 0;
    // 200 to the first 30 requests, 503 after: steps of 8, 16, 24, 32 requests, so the 503s start in step 3.
    const { url } = await httpServer((_req, res) => { n += 1; res.statusCode = n > 30 ? 503 : 200; res.end('x'); });
    const r = await cli(['load', url, '--shape', 'ramp', '--from', '20/s', '--to', '80/s', '--steps', '4', '--step-for', '400ms', '--limit-errors', '1%']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ramp .*stopped by done/);
    expect(r.stdout).toMatch(/step 1: 20\/s offered/);
    expect(r.stdout).toMatch(/capacity {2}\d+(\.\d+)?\/s \(step \d\); step \d at \d+(\.\d+)?\/s crossed: errors/);
    expect((await cli(['load', url, '--shape', 'ramp', '--from', '20/s'])).stderr).toMatch(/--shape ramp needs --from and --to/);
    expect((await cli(['load', url, '--shape', 'ramp', '--from', '1', '--to', '2', '--rate', '5'])).stderr).toMatch(/--rate: not for --shape ramp/);
    expect((await cli(['load', url, '--shape', 'storm'])).code).toBe(2);
  });

  it('load --json prints one JSON object', async () => {
    const { url } = await httpServer((_req, res) => res.end('x'));
    const r = await cli(['load', url, '--count', '50', '--connections', '2', '--header', 'x-a: b', '--method', 'put', '--body', 'hi', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ shape: 'steady', requests: 50, ok: 50, status: { '200': 50 }, stoppedBy: 'count' });
    expect(typeof s.p99Ms).toBe('number');
  });

  it('load --engine autocannon drives autocannon and records the same summary; a bad engine is refused by name', async () => {
    const { url } = await httpServer((_req, res) => res.end('x'));
    const r = await cli(['load', url, '--count', '40', '--connections', '2', '--engine', 'autocannon', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ shape: 'steady', requests: 40, ok: 40, status: { '200': 40 } });
    const bad = await cli(['load', url, '--engine', 'wrk']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--engine: 'wrk' is not an engine/);
  });

  it('dogpile --json reports every pulse and its release spread', async () => {
    let n = 0;
    const { url } = await httpServer((_req, res) => { n += 1; res.end('x'); });
    const r = await cli(['dogpile', url, '-n', '30', '--pulses', '2', '--every', '300ms', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.requests).toBe(60);
    expect(n).toBe(60);
    expect(s.pulses).toHaveLength(2);
    expect(s.releaseSpreadMs.median).toBeGreaterThanOrEqual(0);
    const text = await cli(['dogpile', url, '-n', '5']);
    expect(text.stdout).toMatch(/release spread \(first to last write\): median/);
  });

  it.each([
    [['load', 'http://127.0.0.1:1', '--rate', 'fast'], /--rate: 'fast' is not a rate/],
    [['load', 'http://127.0.0.1:1', '--duration', '5 parsecs'], /--duration: '5 parsecs' is not a duration/],
    [['load', 'ftp://127.0.0.1/x'], /only http:\/\/ and https:\/\//],
    [['load', 'http://example.com/'], /not a loopback host.*--allow-host example\.com/],
    [['load', 'http://127.0.0.1:1', '--connections', 'many'], /--connections: 'many' must be a whole number/],
    [['load', 'http://127.0.0.1:1', '--header', 'nocolon'], /--header: 'nocolon' must look like name:value/],
    [['dogpile', 'http://127.0.0.1:1', '-n', '0'], /-n: '0' must be a whole number from 1/],
    [['dogpile', 'http://127.0.0.1:1', '--jitter', 'soon'], /--jitter: 'soon' is not a duration/],
    [['dogpile', 'not a url'], /URL 'not a url' is not a URL/],
  ])('bad input %j is one clear line and exit 2', async (args, message) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('stops when interrupted and still prints what it measured', async () => {
    const { url } = await httpServer((_req, res) => res.end('x'));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 2500);
    const r = await cli(['load', url, '--rate', '50', '--duration', '1m', '--json'], ac.signal);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).stoppedBy).toBe('signal');
  });
});
