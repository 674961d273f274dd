/**
 * The messages of a queue stand-in, in the style of SQS: send, receive (a received message is hidden
 * for the visibility timeout, then visible again for the next receive: a redelivery), delete by the
 * receipt handle a receive gave. Bounded: at most `maxMessages` held, bodies up to `maxBody` bytes.
 * No sockets here (server.ts serves it); every change is reported as a `queue` timeline event.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { durationSchema } from '../../src/unit-schemas.js';
import type { QueueEvent } from '../../src/timeline/events.js';

export const MAX_QUEUE_MESSAGES = 100_000;
export const MAX_QUEUE_BODY = 1 << 20;
/** One receive returns at most this many messages (SQS: 10) and long-polls at most this long (SQS: 20 s). */
export const MAX_RECEIVE = 10;
export const MAX_WAIT_MS = 20_000;
/** Ids of deleted messages remembered (to tell a second delete from a bogus receipt). */
const MAX_REMEMBERED = 1_000_000;

export const queueSpecSchema = z.strictObject({
  /** How long a received message stays hidden; not deleted by then, it is delivered again. */
  visibility: durationSchema.refine((ms) => ms >= 10 && ms <= 12 * 3_600_000, { error: 'visibility is between 10 ms and 12 h' }).default(30_000),
  /** Messages held at once (sent, not deleted); a send beyond it gets 503. */
  maxMessages: z.number().int().min(1).max(MAX_QUEUE_MESSAGES, { error: `maxMessages is at most ${MAX_QUEUE_MESSAGES}` }).default(10_000),
  /** Largest message body in bytes; a larger send gets 413. */
  maxBody: z.number().int().min(1).max(MAX_QUEUE_BODY, { error: `maxBody is at most ${MAX_QUEUE_BODY} bytes` }).default(256 * 1024),
});
export type QueueSpec = z.output<typeof queueSpecSchema>;
export type QueueSpecInput = z.input<typeof queueSpecSchema>;

interface Message {
  id: string;
  body: string;
  /** Deliveries so far (1 = the first receive). */
  receives: number;
  /** Hidden until then (monotonic ms); 0 = visible. */
  hiddenUntil: number;
  /** The receipts of its deliveries, oldest first. */
  receipts: string[];
}

export interface Delivered {
  id: string;
  receipt: string;
  body: string;
  receives: number;
}

type Emit = (e: Omit<QueueEvent, 'kind' | 'dependency' | 't'>) => void;

export class MessageQueue {
  private readonly messages = new Map<string, Message>(); // in send order
  /** receipt → its message and delivery, for every delivery of a message still held. */
  private readonly receipts = new Map<string, { id: string; receives: number }>();
  private readonly deleted = new Set<string>();
  private seq = 0;
  private readonly nonce = randomBytes(3).toString('hex');

  constructor(
    readonly spec: QueueSpec,
    private readonly now: () => number,
    private readonly emit: Emit,
  ) {}

  get size(): number {
    return this.messages.size;
  }

  /** The new message's id, or why it was refused. */
  send(body: string, bytes = Buffer.byteLength(body)): { id: string } | { refused: 'full' | 'too-large' } {
    if (bytes > this.spec.maxBody) {
      this.emit({ action: 'rejected', detail: `body of ${bytes} bytes, max ${this.spec.maxBody}` });
      return { refused: 'too-large' };
    }
    if (this.messages.size >= this.spec.maxMessages) {
      this.emit({ action: 'rejected', detail: `queue full (${this.spec.maxMessages} messages)` });
      return { refused: 'full' };
    }
    const id = `m-${this.nonce}-${++this.seq}`;
    this.messages.set(id, { id, body, receives: 0, hiddenUntil: 0, receipts: [] });
    this.emit({ action: 'sent', id });
    return { id };
  }

  /** Up to `max` visible messages, oldest first, each hidden for `visibilityMs` (default the queue's). */
  receive(max: number, visibilityMs = this.spec.visibility): Delivered[] {
    const now = this.now();
    const out: Delivered[] = [];
    for (const m of this.messages.values()) {
      if (out.length >= max) break;
      if (m.hiddenUntil > now) continue;
      m.receives += 1;
      m.hiddenUntil = now + visibilityMs;
      const receipt = `${m.id}.${m.receives}.${randomBytes(4).toString('hex')}`;
      m.receipts.push(receipt);
      this.receipts.set(receipt, { id: m.id, receives: m.receives });
      this.emit({ action: m.receives === 1 ? 'received' : 'redelivered', id: m.id, receives: m.receives, hiddenMs: visibilityMs });
      out.push({ id: m.id, receipt, body: m.body, receives: m.receives });
    }
    return out;
  }

  /** When the next hidden message becomes visible (for long polls), or undefined. */
  nextVisibleAt(): number | undefined {
    let t: number | undefined;
    for (const m of this.messages.values()) if (m.hiddenUntil > 0 && (t === undefined || m.hiddenUntil < t)) t = m.hiddenUntil;
    return t;
  }

  /**
   * Deletes the message a receipt was given for: true when it was still held, false when it was
   * deleted before (recorded: a second delete is work done twice), undefined for a receipt never given.
   * A receipt of an earlier delivery still deletes (as in SQS): the event says which delivery it was.
   */
  delete(receipt: string): boolean | undefined {
    const r = this.receipts.get(receipt);
    if (!r) {
      const id = receipt.split('.')[0]!;
      if (!this.deleted.has(id)) return undefined;
      this.emit({ action: 'deleted', id, receives: Number(receipt.split('.')[1]), detail: 'already deleted' });
      return false;
    }
    const m = this.messages.get(r.id)!;
    this.messages.delete(m.id);
    for (const x of m.receipts) this.receipts.delete(x);
    this.deleted.add(m.id);
    if (this.deleted.size > MAX_REMEMBERED) this.deleted.delete(this.deleted.values().next().value!);
    this.emit({ action: 'deleted', id: m.id, receives: r.receives, ...(r.receives !== m.receives ? { detail: `with the receipt of delivery ${r.receives} of ${m.receives}` } : {}) });
    return true;
  }

  stats(): { held: number; visible: number; hidden: number; sent: number; deleted: number } {
    const now = this.now();
    let hidden = 0;
    for (const m of this.messages.values()) if (m.hiddenUntil > now) hidden += 1;
    return { held: this.messages.size, visible: this.messages.size - hidden, hidden, sent: this.seq, deleted: this.deleted.size };
  }

  clear(): void {
    this.messages.clear();
    this.receipts.clear();
    this.deleted.clear();
  }
}
