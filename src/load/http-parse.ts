/**
 * A minimal HTTP/1.1 response reader for the load client: status line, the three headers that
 * frame a body (content-length, transfer-encoding: chunked, connection: close), then the body,
 * counted but not kept — unless asked to keep its first `keepBody` bytes (for a load's body digest).
 * Pure (bytes in, verdict out) so garbage is a `parse` error, never a throw.
 */
const CRLF = 0x0a;
const MAX_HEAD = 64 * 1024;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: |$)/;

export type ParseResult =
  | { state: 'more' }
  | { state: 'done'; status: number; bytes: number; keepAlive: boolean; rest: Buffer | undefined; body?: KeptBody; retryAfter?: true }
  | { state: 'error' };

/** The first bytes of a body, and whether it had more than that. */
export interface KeptBody {
  bytes: Buffer;
  cut: boolean;
}

type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'until-close';

export class ResponseParser {
  private phase: Phase = 'head';
  private buf: Buffer | undefined;
  private status = 0;
  private keepAlive = true;
  private remaining = 0;
  bytes = 0;
  private kept: Buffer[] | undefined;
  private keptBytes = 0;
  private cut = false;
  /** The answer had a Retry-After header (a rate limit or a shed load telling the client when to come back). */
  private retryAfter = false;

  /** `keepBody`: keep the body's first this-many bytes (0: count only). */
  constructor(
    private readonly noBody = false,
    private readonly keepBody = 0,
  ) {}

  private keepSlice(data: Buffer, from: number, to: number): void {
    if (this.keepBody <= 0 || to <= from) return;
    const room = this.keepBody - this.keptBytes;
    if (room <= 0) {
      this.cut = true;
      return;
    }
    const take = Math.min(room, to - from);
    (this.kept ??= []).push(Buffer.from(data.subarray(from, from + take)));
    this.keptBytes += take;
    if (take < to - from) this.cut = true;
  }

  private body(): { body?: KeptBody; retryAfter?: true } {
    const ra = this.retryAfter ? { retryAfter: true as const } : {};
    return this.keepBody > 0 ? { body: { bytes: this.kept ? Buffer.concat(this.kept) : Buffer.alloc(0), cut: this.cut }, ...ra } : ra;
  }

  /** True once any byte of a response arrived (a close before that is a keep-alive race or a refusal to answer). */
  get started(): boolean {
    return this.bytes > 0;
  }

  feed(chunk: Buffer): ParseResult {
    this.bytes += chunk.length;
    let data = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = undefined;
    let off = 0;
    for (;;) {
      switch (this.phase) {
        case 'head': {
          const end = data.indexOf('\r\n\r\n', off, 'latin1');
          if (end < 0) {
            if (data.length - off > MAX_HEAD) return { state: 'error' };
            // An early look at the status line: garbage fails fast instead of waiting for a blank line.
            if (data.length - off >= 12 && !data.subarray(off, off + 9).toString('latin1').startsWith('HTTP/1.')) return { state: 'error' };
            return this.keep(data, off);
          }
          const head = data.toString('latin1', off, end);
          off = end + 4;
          const r = this.head(head);
          if (r) return r;
          if (this.phase === 'head') continue; // a 1xx interim response: read the real one
          break;
        }
        case 'length': {
          const take = Math.min(this.remaining, data.length - off);
          this.keepSlice(data, off, off + take);
          this.remaining -= take;
          off += take;
          if (this.remaining > 0) return { state: 'more' };
          return this.done(data, off);
        }
        case 'until-close':
          this.keepSlice(data, off, data.length);
          return { state: 'more' };
        case 'chunk-size': {
          const nl = data.indexOf(CRLF, off);
          if (nl < 0) return data.length - off > 1024 ? { state: 'error' } : this.keep(data, off);
          const line = data.toString('latin1', off, nl).replace(/\r$/, '').split(';')[0]!.trim();
          if (!/^[0-9a-fA-F]{1,8}$/.test(line)) return { state: 'error' };
          off = nl + 1;
          this.remaining = parseInt(line, 16);
          this.phase = this.remaining === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'chunk-data': {
          const take = Math.min(this.remaining, data.length - off);
          this.keepSlice(data, off, off + take);
          this.remaining -= take;
          off += take;
          if (this.remaining > 0) return { state: 'more' };
          this.phase = 'chunk-crlf';
          break;
        }
        case 'chunk-crlf': {
          if (data.length - off < 2) return this.keep(data, off);
          if (data[off] !== 0x0d || data[off + 1] !== CRLF) return { state: 'error' };
          off += 2;
          this.phase = 'chunk-size';
          break;
        }
        case 'trailers': {
          const nl = data.indexOf(CRLF, off);
          if (nl < 0) return data.length - off > MAX_HEAD ? { state: 'error' } : this.keep(data, off);
          const empty = nl === off || (nl === off + 1 && data[off] === 0x0d);
          off = nl + 1;
          if (empty) return this.done(data, off);
          break;
        }
      }
    }
  }

  /** The peer closed: complete when the body runs until close, otherwise the response was cut. */
  end(): ParseResult {
    if (this.phase === 'until-close') return { state: 'done', status: this.status, bytes: this.bytes, keepAlive: false, rest: undefined, ...this.body() };
    return { state: 'error' };
  }

  private keep(data: Buffer, off: number): ParseResult {
    if (off < data.length) this.buf = data.subarray(off);
    return { state: 'more' };
  }

  private done(data: Buffer, off: number): ParseResult {
    const rest = off < data.length ? data.subarray(off) : undefined;
    return { state: 'done', status: this.status, bytes: this.bytes - (rest?.length ?? 0), keepAlive: this.keepAlive, rest, ...this.body() };
  }

  private head(head: string): ParseResult | undefined {
    const lines = head.split('\r\n');
    const m = STATUS_LINE.exec(lines[0]!);
    if (!m) return { state: 'error' };
    const status = Number(m[1]);
    if (status >= 100 && status < 200) return undefined; // stay in 'head'
    this.status = status;
    let length: number | undefined;
    let chunked = false;
    this.keepAlive = !lines[0]!.startsWith('HTTP/1.0');
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) return { state: 'error' };
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim().toLowerCase();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value)) return { state: 'error' };
        length = Number(value);
      } else if (name === 'transfer-encoding') chunked = value.split(',').pop()!.trim() === 'chunked';
      else if (name === 'retry-after') this.retryAfter = true;
      else if (name === 'connection') this.keepAlive = value.includes('keep-alive') || (this.keepAlive && !value.includes('close'));
    }
    if (this.noBody || status === 204 || status === 304) {
      this.phase = 'length';
      this.remaining = 0;
    } else if (chunked) this.phase = 'chunk-size';
    else if (length !== undefined) {
      this.phase = 'length';
      this.remaining = length;
    } else {
      this.phase = 'until-close';
      this.keepAlive = false;
    }
    return undefined;
  }
}
