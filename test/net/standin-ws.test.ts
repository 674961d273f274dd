import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { onCleanup } from '../helpers/listen.js';
import { standIn, get, until } from './standin-helpers.js';

function client(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    onCleanup(() => ws.terminate());
  });
}

const nextMessage = (ws: WebSocket, timeoutMs = 5000) =>
  new Promise<string | undefined>((resolve) => {
    const t = setTimeout(() => resolve(undefined), timeoutMs);
    ws.once('message', (d) => {
      clearTimeout(t);
      resolve(d.toString());
    });
  });

const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

describe('WebSocket behaviours seen from a ws client', () => {
  it('echo echoes and answers pings; a plain HTTP request gets 426', async () => {
    const { s } = await standIn({ protocol: 'ws' });
    expect(s.url).toMatch(/^ws:\/\//);
    const ws = await client(s.url);
    ws.send('hello');
    expect(await nextMessage(ws)).toBe('hello');
    const pong = new Promise<boolean>((r) => ws.once('pong', () => r(true)));
    ws.ping();
    expect(await pong).toBe(true);
    expect((await get(s.url.replace('ws:', 'http:'))).status).toBe(426);
  });

  it('silent upgrades and never sends: no echo, no pong', async () => {
    const { s } = await standIn({ protocol: 'ws', behaviour: 'silent' });
    const ws = await client(s.url);
    let pongs = 0;
    ws.on('pong', () => pongs++);
    ws.ping();
    ws.send('anyone?');
    expect(await nextMessage(ws, 500)).toBeUndefined();
    expect(pongs).toBe(0);
  });

  it('no-pong echoes messages but ignores pings', async () => {
    const { s } = await standIn({ protocol: 'ws', behaviour: 'no-pong' });
    const ws = await client(s.url);
    let pongs = 0;
    ws.on('pong', () => pongs++);
    ws.ping();
    ws.send('x');
    expect(await nextMessage(ws)).toBe('x');
    await new Promise((r) => setTimeout(r, 200));
    expect(pongs).toBe(0);
  });

  it('drop-after N drops the connection without a close frame after the Nth message', async () => {
    const { s, events } = await standIn({ protocol: 'ws', behaviour: 'drop-after', params: { messages: 2 } });
    const ws = await client(s.url);
    const got: string[] = [];
    ws.on('message', (d) => got.push(d.toString()));
    const code = closed(ws);
    ws.send('1');
    ws.send('2');
    expect(await code).toBe(1006); // abnormal: no close frame
    expect(got).toEqual(['1', '2']);
    await until(() => events.some((e) => e.kind === 'dep-close'));
    expect(events.find((e) => e.kind === 'dep-close')).toMatchObject({ by: 'stand-in' });
    expect(s.log().connections[0]).toMatchObject({ messagesIn: 2, messagesOut: 2 });
  });

  it('garbage-frames makes the client fail with a protocol error', async () => {
    const { s } = await standIn({ protocol: 'ws', behaviour: 'garbage-frames' });
    const ws = new WebSocket(s.url);
    onCleanup(() => ws.terminate());
    const err = new Promise<Error>((r) => ws.once('error', r));
    const code = closed(ws);
    expect((await err).message).toMatch(/invalid|RSV|opcode/i);
    expect(await code).toBe(1006);
  });

  it('close-all closes every client at once when switched on', async () => {
    const { s } = await standIn({ protocol: 'ws' });
    const clients = await Promise.all([1, 2, 3, 4, 5].map(() => client(s.url)));
    const codes = Promise.all(clients.map(closed));
    await s.setBehaviour('close-all', { code: 1012 });
    expect(await codes).toEqual([1012, 1012, 1012, 1012, 1012]);
    // A reconnect works (echo) until the next sweep.
    const again = await client(s.url);
    again.send('back');
    expect(await nextMessage(again)).toBe('back');
  });

  it('slow-messages echoes after the delay', async () => {
    const { s } = await standIn({ protocol: 'ws', behaviour: 'slow-messages', params: { delay: 300 } });
    const ws = await client(s.url);
    const t0 = performance.now();
    ws.send('late');
    expect(await nextMessage(ws)).toBe('late');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('a client closing is logged as closed by the client', async () => {
    const { s, events } = await standIn({ protocol: 'ws' });
    const ws = await client(s.url);
    ws.close(1000);
    await until(() => events.some((e) => e.kind === 'dep-close'));
    expect(events.find((e) => e.kind === 'dep-close')).toMatchObject({ by: 'client', pending: false });
  });

  it('an HTTP behaviour name is rejected on a WebSocket stand-in, naming the field', async () => {
    const { s } = await standIn({ protocol: 'ws' });
    await expect(s.setBehaviour('hang')).rejects.toThrow(/behaviour: unknown 'hang' for a WebSocket stand-in/);
  });
});
