import { describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { httpServer } from '../helpers/listen.js';
import { startLoad } from '../../src/load/index.js';
import type { TimelineEvent, WsEvent } from '../../src/timeline/events.js';

async function wsServer(onConnection: (ws: WebSocket, wss: WebSocketServer) => void) {
  const { server, url } = await httpServer((_req, res) => res.end('not a websocket'));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => onConnection(ws, wss));
  return { wss, server, url };
}

describe('ws-storm load', () => {
  it('counts a server-side drop of every client and the time until all are back', async () => {
    let accepted = 0;
    const { wss, url } = await wsServer((ws, w) => {
      ws.on('message', (m) => ws.send(m));
      accepted += 1;
      // Once all 40 are up, drop every one of them (the server restarts).
      if (accepted === 40) setTimeout(() => { for (const c of w.clients) c.terminate(); }, 100);
    });
    const events: TimelineEvent[] = [];
    const s = await startLoad('storm', { shape: 'ws-storm', clients: 40, duration: '20s' }, { baseUrl: url, sink: (e) => void events.push(e), signal: new AbortController().signal }).done;
    expect(s.stoppedBy).toBe('done');
    expect(s.storms).toHaveLength(1);
    expect(s.storms![0]!.dropped).toBe(40);
    expect(s.storms![0]!.allBackMs).toBeGreaterThan(0);
    expect(s.storms![0]!.allBackMs).toBeLessThan(15_000);
    expect(s.ok).toBe(80);
    expect(accepted).toBe(80);
    const ws = events.filter((e): e is WsEvent => e.kind === 'ws');
    expect(ws.filter((e) => e.action === 'connect')).toHaveLength(80);
    expect(ws.filter((e) => e.action === 'closed')).toHaveLength(40);
    expect(ws.filter((e) => e.action === 'connect').every((e) => (e.latencyMs ?? 0) > 0)).toBe(true);
    expect(wss.clients.size).toBeLessThanOrEqual(40);
  });

  it('retries failed reconnects with backoff until the server accepts again', async () => {
    let refusing = false;
    let accepted = 0;
    // The server drops all 20 once they are up, then refuses upgrades (503) for 500 ms.
    const { wss, url } = await wsServer((_ws, w) => {
      if (++accepted === 20) {
        setTimeout(() => {
          refusing = true;
          for (const c of w.clients) c.terminate();
          setTimeout(() => (refusing = false), 500);
        }, 100);
      }
    });
    wss.options.verifyClient = (_info: unknown, cb: (ok: boolean, code?: number) => void) => cb(!refusing, 503);
    const events: TimelineEvent[] = [];
    const s = await startLoad('b', {
      shape: 'ws-storm', clients: 20, duration: '20s',
      reconnect: { mode: 'backoff', initial: '20ms', max: '200ms', jitter: 'full' },
    }, { baseUrl: url, sink: (e) => void events.push(e), signal: new AbortController().signal }).done;
    expect(s.stoppedBy).toBe('done');
    expect(s.storms![0]!.dropped).toBe(20);
    expect(s.storms![0]!.failures).toBeGreaterThan(0);
    expect(s.storms![0]!.allBackMs).toBeGreaterThan(400);
    expect(s.errors.other).toBe(s.storms![0]!.failures);
    const failed = events.filter((e): e is WsEvent => e.kind === 'ws' && e.action === 'connect-failed');
    expect(failed.length).toBe(s.storms![0]!.failures);
    expect(failed.every((e) => e.code === 503)).toBe(true);
    expect(accepted).toBe(40);
  });

  it('dropAfter makes the clients drop themselves, and they all come back', async () => {
    let accepted = 0;
    const { url } = await wsServer(() => void (accepted += 1));
    const s = await startLoad('d', { shape: 'ws-storm', clients: 10, dropAfter: '100ms', cycles: 2, duration: '20s' }, { baseUrl: url, sink: () => {}, signal: new AbortController().signal }).done;
    expect(s.stoppedBy).toBe('done');
    expect(s.storms).toHaveLength(2);
    expect(s.storms!.every((w) => w.dropped === 10 && w.allBackMs !== undefined)).toBe(true);
    expect(accepted).toBe(30);
  });

  it('records refused connects as ECONNREFUSED and stops at its duration', async () => {
    const { server, url } = await httpServer(() => {});
    await new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
    const s = await startLoad('r', { shape: 'ws-storm', clients: 5, duration: '500ms' }, { baseUrl: url, sink: () => {}, signal: new AbortController().signal }).done;
    expect(s.stoppedBy).toBe('duration');
    expect(s.ok).toBe(0);
    expect(s.errors.ECONNREFUSED).toBeGreaterThanOrEqual(5);
  });
});
