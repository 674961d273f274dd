/**
 * The WebSocket side of a stand-in: upgrades arriving on its HTTP side become connections the
 * WebSocket behaviour in force drives (swapped live, open connections included); a plain HTTP
 * request gets 426. Only types come from 'ws' here, so an HTTP stand-in never loads it.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketServer, WebSocket } from 'ws';
import { monotonicMs } from '../src/timeline/clock.js';
import type { Handler } from './behaviour.js';
import { MAX_BODY, newRecord } from './http.js';
import type { ConnState } from './log.js';
import { connOf, type Observer } from './observe.js';
import type { WsConn, WsHandler } from './ws/ws-behaviour.js';

const UPGRADE_REQUIRED = Buffer.from(JSON.stringify({ error: 'this stand-in speaks WebSocket: send an Upgrade request' }));
const UPGRADE_HEADERS = ['content-type', 'application/json', 'upgrade', 'websocket', 'content-length', String(UPGRADE_REQUIRED.length)];

export class WsSide {
  private handler: WsHandler = { label: '' };
  private readonly conns = new Set<WsConn>();
  private readonly wss: WebSocketServer;

  constructor(
    Wss: typeof WebSocketServer,
    http: Server,
    private readonly obs: Observer,
  ) {
    this.wss = new Wss({ noServer: true, autoPong: false, maxPayload: MAX_BODY });
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket as Socket, head));
  }

  get label(): string {
    return this.handler.label;
  }

  /** Makes `h` the behaviour of every connection, open ones at their next event. */
  use(h: WsHandler): void {
    this.handler.stop?.();
    this.handler = h;
    h.activate?.(this.conns);
  }

  /** What the HTTP side answers a request that is not an upgrade: 426, logged under this behaviour. */
  plainHttp(): Handler {
    return { label: this.handler.label, request: (x) => x.send(426, UPGRADE_HEADERS, UPGRADE_REQUIRED) };
  }

  close(): void {
    this.wss.close();
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const conn = connOf(socket);
    if (!conn) {
      socket.destroy();
      return;
    }
    const rec = newRecord(req, monotonicMs());
    rec.behaviour = this.handler.label;
    conn.addRequest(rec);
    this.obs.request(conn, rec);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      rec.responseStart = rec.responseEnd = monotonicMs();
      rec.status = 101;
      this.obs.responded(conn, rec);
      this.onOpen(ws, conn);
    });
  }

  private onOpen(ws: WebSocket, conn: ConnState): void {
    conn.wsOpen = true;
    conn.rec.messagesIn = 0;
    conn.rec.messagesOut = 0;
    const c = new WsConnection(ws, conn);
    this.conns.add(c);
    ws.on('error', () => {}); // protocol errors close the socket; the close records them
    ws.on('close', () => this.conns.delete(c));
    ws.on('message', (data, isBinary) => {
      conn.rec.messagesIn!++;
      c.received++;
      this.handler.message?.(c, data as Buffer, isBinary);
    });
    ws.on('ping', (data) => {
      const h = this.handler;
      if (h.ping) h.ping(c, data);
      else ws.pong(data);
    });
    this.handler.open?.(c);
  }
}

/** One open WebSocket connection as a behaviour sees it; counts what it sends. */
class WsConnection implements WsConn {
  received = 0;
  constructor(
    readonly ws: WebSocket,
    readonly conn: ConnState,
  ) {}
  get socket(): Socket {
    return this.conn.socket!;
  }
  send(data: Buffer | string, binary = typeof data !== 'string'): void {
    if (this.ws.readyState !== 1) return;
    this.conn.rec.messagesOut!++;
    this.ws.send(data, { binary });
  }
  close(code: number, reason = ''): void {
    this.conn.markOurs(monotonicMs());
    this.ws.close(code, reason);
  }
  terminate(): void {
    this.conn.markOurs(monotonicMs());
    this.ws.terminate();
  }
}
