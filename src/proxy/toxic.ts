/**
 * The one extension point of the proxy: a toxic is a stage on one direction of a connection
 * (a "link"). It reads chunks, may delay, drop, cut or slice them, and forwards them or ends
 * the link. Semantics follow Toxiproxy 2.12 (see shared/reference/toxiproxy.md).
 */
import type { FaultKind, Ranges } from '../faults/kind.js';

/** One socket read, stamped with its read time (monotonic ms) so delays count from arrival. */
export interface Chunk {
  data: Buffer;
  t: number;
}

/** What a toxic sees while it runs on one link. */
export interface ToxicRun<A> {
  /** Current attribute values (fixed for this run; an update interrupts and restarts). */
  readonly attrs: Readonly<A>;
  /** Per-link state that survives restarts (e.g. limit_data's byte count). */
  readonly state: Record<string, number>;
  /** Next chunk; null at end of stream; undefined when interrupted (return promptly). */
  read(): Promise<Chunk | null | undefined>;
  /** Puts a chunk (or the end, as null) back at the front of the input, for the next run. */
  unread(item: Chunk | null): void;
  /** Forwards a chunk to the next stage; resolves when it was accepted (backpressure). */
  write(c: Chunk): Promise<void>;
  /** Ends the link behind anything already forwarded: the connection is then fully closed. */
  end(): Promise<void>;
  /** Waits ms; resolves false if interrupted first. */
  sleep(ms: number): Promise<boolean>;
  /** True once an update/removal asked this run to stop. */
  readonly interrupted: boolean;
  random(): number;
}

export interface Toxic<A extends Record<string, number> = Record<string, number>> {
  /** The wire name (also the file name and the table key). */
  name: string;
  /** What the peer sees on the wire, and what 0 means. */
  description: string;
  /** What the caller goes through (checks and explore read it; see src/faults/kind.ts). */
  kind: FaultKind;
  /** Toxiproxy's Go struct name, so attribute errors read as the real server's do. */
  goStruct: string;
  /** Per attribute, the values worth exploring. */
  explore: Ranges<A>;
  /** Every attribute with its default (Toxiproxy's defaults are all 0). */
  attributes: A;
  /** Units per attribute, for help text. */
  units: { [K in keyof A]: string };
  /** Not listed in help (Toxiproxy's noop). */
  hidden?: boolean;
  /** Values that crash the real Toxiproxy: a message naming the attribute, or undefined. */
  check?(a: A): string | undefined;
  /** Removing this toxic closes every open connection of its direction (timeout). */
  closeOnRemove?: boolean;
  /** Present when a connection is accepted → its sockets close with RST (reset_peer). */
  resetAtAccept?: boolean;
  /** Runs until the input ends (then it must call end()) or the run is interrupted. */
  pipe(run: ToxicRun<A>): Promise<void>;
}

/** Forwards everything unchanged; the stage body when a toxic's toxicity draw says "off". */
export async function passThrough(run: ToxicRun<unknown>): Promise<void> {
  for (;;) {
    const c = await run.read();
    if (c === undefined) return;
    if (c === null) return run.end();
    await run.write(c);
  }
}
