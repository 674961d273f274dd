/**
 * The WebSocket behaviour extension point. A handler gets every event of every connection and is
 * swapped live: switching from echo to silent affects open connections at their next message. One
 * file per behaviour (its implementation, no zod at run time), its params schema in ws/params.ts.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { z } from 'zod';
import type { ConnState } from '../log.js';
import type { ImplFor } from '../behaviour.js';
import type { FaultKind, Ranges } from '../../src/faults/kind.js';

export interface WsConn {
  readonly ws: WebSocket;
  readonly conn: ConnState;
  /** The raw TCP socket (for out-of-spec bytes). */
  readonly socket: Socket;
  /** Messages received on this connection so far (this one included). */
  readonly received: number;
  send(data: Buffer | string, binary?: boolean): void;
  /** Close handshake initiated by the stand-in. */
  close(code: number, reason?: string): void;
  /** Drop the TCP connection without a close frame. */
  terminate(): void;
}

export interface WsHandler {
  readonly label: string;
  open?(c: WsConn): void;
  message?(c: WsConn, data: Buffer, isBinary: boolean): void;
  /** Absent: pong as the protocol says. */
  ping?(c: WsConn, data: Buffer): void;
  /** Called once when the behaviour becomes active, with every open connection. */
  activate?(all: ReadonlySet<WsConn>): void;
  /** Called when another behaviour replaces this one (timers). */
  stop?(): void;
}

export interface WsEnv {
  readonly name: string;
  rng(): () => number;
}

/** A WebSocket behaviour's implementation: what it is and how it answers, given params its schema parsed. */
export interface WsBehaviourImpl<P> {
  readonly name: string;
  readonly description: string;
  /** What the caller goes through (checks and explore read it; see src/faults/kind.ts). */
  readonly kind: FaultKind;
  /** Takes no params: `{}` needs no parsing, so a stand-in starts it without loading zod. */
  readonly noParams?: true;
  create(params: P, env: WsEnv): WsHandler;
}
export type WsBehaviourImplFor<P> = ImplFor<P, WsBehaviourImpl<P>>;

/** A WebSocket behaviour as the parent side sees it: the implementation with its params schema and explore ranges. */
export interface WsBehaviour<S extends z.ZodType = z.ZodType> extends WsBehaviourImpl<z.output<S>> {
  readonly params: S;
  /** Per parameter, the values worth exploring. */
  readonly explore: Ranges<z.input<S>>;
}
