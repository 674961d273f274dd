/**
 * A stand-in's port: a raw net.Server that accepts, closes to refuse connections (`refuse`) and
 * binds the same port again when switched back. Switches run one at a time, in order, so a quick
 * refuse → ok → refuse never leaves the port in the wrong state; settled() says when it is right.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { CrumpleError } from '../src/errors.js';

export class Listener {
  private server: Server | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly name: string,
    readonly host: string,
    /** 0 until the first bind picks one; then kept for every re-bind. */
    public port: number,
    private readonly onConnection: (socket: Socket) => void,
  ) {}

  /** Binds the port now (PORT_IN_USE naming the stand-in when it cannot). */
  listen(): Promise<void> {
    if (this.server || this.closed) return Promise.resolve();
    // noDelay as node:http's own listener sets it (its option does not reach sockets we hand it):
    // small answers and drip chunks go out at once instead of waiting on Nagle.
    const l = createServer({ noDelay: true }, this.onConnection);
    return new Promise((resolve, reject) => {
      l.once('error', (e: NodeJS.ErrnoException) => {
        reject(new CrumpleError('PORT_IN_USE', `stand-in '${this.name}': cannot listen on ${this.host}:${this.port} (${e.code ?? e.message})`, { cause: e }));
      });
      l.listen({ port: this.port, host: this.host, backlog: 4096 }, () => {
        this.port = (l.address() as AddressInfo).port;
        this.server = l;
        l.on('error', () => {}); // after listening, errors are per-connection and handled there
        resolve();
      });
    });
  }

  /** Stops accepting now; open connections live on. */
  refuse(): void {
    const l = this.server;
    this.server = undefined;
    l?.close();
  }

  /** Queues a switch; each runs after the previous one, even if that one failed. */
  switchTo(state: 'listening' | 'refusing'): void {
    this.queue = this.queue.catch(() => {}).then(() => (state === 'listening' ? this.listen() : this.refuse()));
    this.queue.catch(() => {});
  }

  /** Resolves once the last queued switch is done; rejects with its error (e.g. the port was taken meanwhile). */
  settled(): Promise<void> {
    return this.queue;
  }

  /** For good: waits for a queued switch, then stops accepting. Open connections are the caller's. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => {});
    this.refuse();
  }
}
