import type { Socket } from 'node:net';
import { monotonicMs } from '../timeline/clock.js';
import { passThrough, type Chunk, type Toxic, type ToxicRun } from './toxic.js';

/** A toxic as configured on a proxy; mutated in place by updates (links then restart its stage). */
export interface ToxicSpec {
  name: string;
  type: string;
  /** As sent by the client (Toxiproxy keeps the case); `direction` is the normalised one. */
  stream: string;
  direction: Direction;
  toxicity: number;
  attributes: Record<string, number>;
  toxic: Toxic;
}
export type Direction = 'upstream' | 'downstream';

/** One read of an onread source at most (Node's own read size). */
export const READ_BUFFER_BYTES = 64 * 1024;

/** Chunks a stage may hold before its writer waits (Toxiproxy's channel buffer). */
const STAGE_CAPACITY = 1024;

type Item = Chunk | null; // null = end of stream

/** Where a stage forwards: the next stage or the socket writer. A promise = wait for room. */
interface Target {
  put(item: Item, force?: boolean): Promise<void> | undefined;
}

/** Writes to the destination socket; the end of stream fully closes the connection. */
class Sink implements Target {
  private waiters: (() => void)[] = [];
  constructor(private readonly link: Link) {}
  put(item: Item): Promise<void> | undefined {
    const link = this.link;
    if (item === null) {
      link.finish();
      return undefined;
    }
    if (link.closed || link.dst.destroyed) return undefined;
    if (link.dst.write(item.data)) return undefined;
    return new Promise<void>((r) => this.waiters.push(r));
  }
  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}

/** One toxic on one link: its input buffer and the loop that runs the toxic over it. */
class Stage implements Target {
  readonly items: Item[] = [];
  next: Target;
  done = false; // the toxic ended the link; later input is discarded
  removing = false;
  interrupted = false;
  readonly state: Record<string, number> = {};
  private readerWake: (() => void) | undefined;
  private spaceWaiters: (() => void)[] = [];
  private sleepers = new Set<() => void>();

  constructor(readonly link: Link, readonly spec: ToxicSpec, next: Target) {
    this.next = next;
  }

  put(item: Item, force = false): Promise<void> | undefined {
    if (this.done || this.link.closed) return undefined;
    this.items.push(item);
    const wake = this.readerWake;
    this.readerWake = undefined;
    wake?.();
    if (force || this.items.length < STAGE_CAPACITY) return undefined;
    return new Promise<void>((r) => this.spaceWaiters.push(r));
  }

  interrupt(): void {
    this.interrupted = true;
    const wake = this.readerWake;
    this.readerWake = undefined;
    wake?.();
    for (const s of [...this.sleepers]) s();
  }

  releaseWaiters(): void {
    const w = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const r of w) r();
  }

  private take(): Item {
    const it = this.items.shift()!;
    if (this.spaceWaiters.length && this.items.length < STAGE_CAPACITY) this.releaseWaiters();
    return it;
  }

  private makeRun(): ToxicRun<Record<string, number>> {
    const stage = this;
    return {
      attrs: { ...this.spec.attributes },
      state: this.state,
      get interrupted() {
        return stage.interrupted || stage.link.closed;
      },
      random: Math.random,
      async read() {
        for (;;) {
          if (stage.interrupted || stage.link.closed || stage.done) return undefined;
          if (stage.items.length > 0) return stage.take();
          await new Promise<void>((r) => (stage.readerWake = r));
        }
      },
      unread(item) {
        stage.items.unshift(item);
      },
      async write(c) {
        if (stage.done) return;
        await stage.next.put(c);
      },
      async end() {
        if (stage.done) return;
        stage.done = true;
        stage.items.length = 0;
        stage.releaseWaiters();
        await stage.next.put(null, true);
      },
      sleep(ms) {
        if (stage.interrupted || stage.link.closed) return Promise.resolve(false);
        return new Promise<boolean>((resolve) => {
          const timer = Number.isFinite(ms) ? setTimeout(() => { stage.sleepers.delete(stop); resolve(true); }, Math.max(0, ms)) : undefined;
          const stop = () => { clearTimeout(timer); stage.sleepers.delete(stop); resolve(false); };
          stage.sleepers.add(stop);
        });
      },
    };
  }

  /** Runs the toxic; restarts it (new attributes, new toxicity draw) after each interruption. */
  running = false;

  async loop(): Promise<void> {
    this.running = true;
    try {
      await this.runLoop();
    } finally {
      this.running = false;
    }
  }

  private async runLoop(): Promise<void> {
    while (!this.done && !this.link.closed) {
      this.interrupted = false;
      const t = this.spec.toxicity;
      // Toxicity is drawn per link, and again whenever the stage restarts (as in Toxiproxy).
      const on = t >= 1 || (t > 0 && Math.random() < t);
      try {
        await (on ? this.spec.toxic.pipe(this.makeRun()) : passThrough(this.makeRun()));
      } catch {
        this.link.conn.destroy(); // a toxic bug must not leave a half-dead connection behind
        return;
      }
      if (this.removing) {
        this.link.completeRemoval(this);
        return;
      }
    }
  }
}

/**
 * One direction of a connection. With no toxics, chunks go straight from source to destination
 * (with backpressure) — nearly a pipe. The first toxic builds a chain of stages; when the last one
 * is removed and its buffer flushed, the link goes back to forwarding directly.
 */
export class Link {
  private stages: Stage[] = [];
  private head: Target;
  private readonly sink: Sink;
  private ended = false; // the source's end has been accepted
  finished = false; // the destination has been closed
  private pausedForQueue = false;
  /** A source socket made with `onread` reads into this buffer (one allocation for many reads). */
  private spare: Buffer | undefined;

  constructor(
    readonly conn: Connection,
    readonly direction: Direction,
    readonly src: Socket,
    readonly dst: Socket,
    /** `src` reads through onread (readBuffer/onRead), not 'data' events: the socket this proxy dialled. */
    readonly userBuffer = false,
  ) {
    this.sink = new Sink(this);
    this.head = this.sink;
    dst.on('drain', this.onDrain);
    this.direct(true);
  }

  /** The buffer the next read of an onread source lands in: reused while no write still holds it. */
  readonly readBuffer = (): Buffer => (this.spare ??= Buffer.allocUnsafe(READ_BUFFER_BYTES));

  /**
   * One read of an onread source. With no toxics it is written straight on: no Buffer per read, no
   * stream machinery (cheaper than pipe, which allocates and emits per read). A write left pending
   * keeps the buffer, so the next read gets a fresh one. Returns false to pause the source.
   */
  readonly onRead = (n: number, buf: Buffer): boolean => {
    if (this.ended || this.closed || this.dst.destroyed) return true;
    if (this.head === this.sink) {
      const ok = this.dst.write(buf.subarray(0, n));
      if (this.dst.writableLength > 0) this.spare = undefined;
      return ok; // false: paused until the destination drains (onDrain)
    }
    this.onData(Buffer.from(buf.subarray(0, n))); // toxics hold chunks: a copy of its own, sized to the data
    return true;
  };

  /**
   * With no toxics the link is a plain pipe (Node's own fast path, with backpressure) or, for an
   * onread source, onRead's direct writes; the end of stream is ours to handle (full close). With
   * toxics, chunks go through our 'data' handler.
   */
  private direct(on: boolean): void {
    if (this.userBuffer) {
      if (!on && !this.pausedForQueue) this.src.resume();
      return;
    }
    if (on) {
      this.src.off('data', this.onData);
      this.src.pipe(this.dst, { end: false }); // pipe adds its 'data' listener in this same tick: nothing is lost
    } else {
      this.src.unpipe(this.dst);
      this.src.on('data', this.onData);
      if (!this.pausedForQueue) this.src.resume();
    }
  }

  get closed(): boolean {
    return this.conn.closed || this.finished;
  }

  private readonly onData = (data: Buffer): void => {
    if (this.ended || this.closed) return;
    if (this.head === this.sink) {
      // Between the last removal and going back to pipe mode (same tick), or a flushed chain.
      if (!this.dst.write(data)) this.src.pause();
      return;
    }
    const wait = this.head.put({ data, t: monotonicMs() });
    if (wait) {
      this.pausedForQueue = true;
      this.src.pause();
      void wait.then(() => {
        this.pausedForQueue = false;
        if (!this.closed) this.src.resume();
      });
    }
  };

  private readonly onDrain = (): void => {
    if (this.head === this.sink && !this.ended && !this.userBuffer) return; // pipe mode: pipe resumes the source itself
    this.sink.wake();
    if (!this.pausedForQueue && !this.closed) this.src.resume();
  };

  /** The source hit EOF/error, or the other direction closed this link's source. */
  sourceEnded(): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    void this.head.put(null, true);
  }

  /** The end reached the writer: fully close the destination; the other direction then ends too. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.src.unpipe(this.dst);
    for (const s of this.stages) s.interrupt();
    this.conn.closeSocket(this.dst);
    this.conn.linkFinished(this);
  }

  addToxic(spec: ToxicSpec): void {
    if (this.closed) return;
    const stage = new Stage(this, spec, this.sink);
    const last = this.stages.at(-1);
    this.stages.push(stage);
    if (last) {
      last.next = stage;
      last.interrupt(); // appending restarts the stage before it (and redraws its toxicity), as upstream
    } else {
      this.head = stage;
      this.direct(false);
    }
    void stage.loop();
  }

  updateToxic(spec: ToxicSpec): void {
    this.stages.find((s) => s.spec === spec)?.interrupt();
  }

  removeToxic(spec: ToxicSpec): void {
    const stage = this.stages.find((s) => s.spec === spec && !s.removing);
    if (!stage) return;
    stage.removing = true;
    if (stage.running) stage.interrupt();
    else this.completeRemoval(stage);
  }

  /** The removed stage's toxic has returned: splice it out, handing its buffer on without delay. */
  completeRemoval(stage: Stage): void {
    const i = this.stages.indexOf(stage);
    if (i < 0) return;
    const prev = this.stages[i - 1];
    this.stages.splice(i, 1);
    if (prev) prev.next = stage.next;
    else this.head = stage.next;
    if (!stage.done) {
      for (const it of stage.items.splice(0)) void stage.next.put(it, true);
      if (stage.spec.toxic.closeOnRemove && !this.ended) {
        // Removing a timeout closes the connection (Toxiproxy does so whatever the draw was).
        this.ended = true;
        void stage.next.put(null, true);
      }
    }
    stage.releaseWaiters();
    prev?.interrupt(); // upstream restarts the stage before a removed one (new toxicity draw)
    if (this.head === this.sink) {
      this.pausedForQueue = false;
      if (!this.closed && !this.ended) this.direct(true);
    }
  }

  /** Stops every stage (connection closing). */
  stop(): void {
    for (const s of this.stages) {
      s.interrupt();
      s.releaseWaiters();
    }
    this.sink.wake();
    this.src.unpipe(this.dst);
    this.src.off('data', this.onData);
    this.dst.off('drain', this.onDrain);
  }
}

/** A client connection and its upstream connection: two links, closed together. */
export class Connection {
  closed = false;
  readonly upstream: Link;
  readonly downstream: Link;

  constructor(
    readonly client: Socket,
    readonly server: Socket,
    /** reset_peer was present at accept: closes become TCP RST. */
    readonly rst: boolean,
    private readonly onClosed: (c: Connection) => void,
    /** `server` was dialled with onread bound to this connection's downstream link (see Proxy.accept). */
    userBuffer = false,
  ) {
    this.upstream = new Link(this, 'upstream', client, server);
    this.downstream = new Link(this, 'downstream', server, client, userBuffer);
    const ended = (link: Link) => () => link.sourceEnded();
    client.on('end', ended(this.upstream));
    client.on('error', ended(this.upstream));
    client.on('close', ended(this.upstream));
    server.on('end', ended(this.downstream));
    server.on('error', ended(this.downstream));
    server.on('close', ended(this.downstream));
  }

  link(d: Direction): Link {
    return d === 'upstream' ? this.upstream : this.downstream;
  }

  closeSocket(s: Socket): void {
    if (s.destroyed) return;
    if (this.rst) {
      try {
        s.resetAndDestroy();
      } catch {
        s.destroy();
      }
      return;
    }
    // A full close like Go's: FIN after pending data, then the socket is gone (later data → RST).
    endThenDestroy(s);
    s.resume();
  }

  linkFinished(link: Link): void {
    const other = link === this.upstream ? this.downstream : this.upstream;
    if (other.finished) this.done();
    else other.sourceEnded();
  }

  /** Disable/delete: close both sockets at once (plain FIN); buffered toxic data is dropped. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.upstream.stop();
    this.downstream.stop();
    for (const s of [this.client, this.server]) {
      if (s.destroyed) continue;
      if (this.rst) this.closeSocket(s);
      else endThenDestroy(s);
    }
    this.onClosed(this);
  }

  private done(): void {
    if (this.closed) return;
    this.closed = true;
    this.upstream.stop();
    this.downstream.stop();
    this.onClosed(this);
  }
}

/** FIN after pending writes, then destroy; a peer that never reads cannot hold the socket forever. */
function endThenDestroy(s: Socket): void {
  if (s.destroyed) return;
  const timer = setTimeout(() => s.destroy(), 10_000);
  timer.unref();
  s.once('close', () => clearTimeout(timer));
  if (s.writableEnded) return;
  s.end(() => s.destroy());
}
