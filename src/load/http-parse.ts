/**
 * A minimal HTTP/1.1 response reader for the load client: status line, the three headers that
 * frame a body (content-length, transfer-encoding: chunked, connection: close), then the body,
 * counted but not kept — unless asked to keep its first `keepBody` bytes (for a load's body digest).
 * Pure (bytes in, verdict out) so garbage is a `parse` error, never a throw.
 */
const CRLF = 0x0a;
const MAX_HEAD = 64 * 1024;

/** Results without data: one object each, not one per call. */
const MORE = Object.freeze({ state: 'more' as const });
const ERROR = Object.freeze({ state: 'error' as const });

/** The end of a head; a Buffer needle (a string one is encoded again on every search). */
const BLANK_LINE = Buffer.from('\r\n\r\n', 'latin1');

/** Where the line starting at `from` ends (its CRLF; a bare LF stays inside the line), at most `to`. */
function lineEnd(data: Buffer, from: number, to: number): number {
  let nl = data.indexOf(CRLF, from);
  while (nl >= 0 && nl <= to && (nl === from || data[nl - 1] !== 0x0d)) nl = data.indexOf(CRLF, nl + 1);
  return nl < 0 || nl - 1 > to ? to : nl - 1;
}

/** Whitespace as String.prototype.trim sees it, among latin1 bytes. */
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;

/** data[at, at + name.length) equals `name` (lowercase ASCII) ignoring ASCII case. */
function nameIs(data: Buffer, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    let c = data[at + i]!;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== name.charCodeAt(i)) return false;
  }
  return true;
}

/** `word` (lowercase ASCII) occurs in data[from, to) ignoring ASCII case. */
function contains(data: Buffer, from: number, to: number, word: string): boolean {
  for (let i = from; i + word.length <= to; i++) if (nameIs(data, i, word)) return true;
  return false;
}

/** data[from, to) as a whole number, or -1 unless it is only digits (and at least one). */
function digitsOf(data: Buffer, from: number, to: number): number {
  if (to <= from) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = data[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const HTTP_1 = 'HTTP/1.';

/** The status of a line `HTTP/1.x NNN[ reason]` in data[from, to), or -1. */
function statusOf(data: Buffer, from: number, to: number): number {
  if (to - from < 12) return -1;
  for (let i = 0; i < 7; i++) if (data[from + i] !== HTTP_1.charCodeAt(i)) return -1;
  const minor = data[from + 7];
  if ((minor !== 0x30 && minor !== 0x31) || data[from + 8] !== 0x20) return -1;
  const n = digitsOf(data, from + 9, from + 12);
  if (n < 0 || (to - from > 12 && data[from + 12] !== 0x20)) return -1;
  return n;
}

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
          const end = data.indexOf(BLANK_LINE, off);
          if (end < 0) {
            if (data.length - off > MAX_HEAD) return ERROR;
            // An early look at the status line: garbage fails fast instead of waiting for a blank line.
            if (data.length - off >= 12 && !data.subarray(off, off + 9).toString('latin1').startsWith('HTTP/1.')) return ERROR;
            return this.keep(data, off);
          }
          const start = off;
          off = end + 4;
          const r = this.head(data, start, end);
          if (r) return r;
          if (this.phase === 'head') continue; // a 1xx interim response: read the real one
          break;
        }
        case 'length': {
          const take = Math.min(this.remaining, data.length - off);
          this.keepSlice(data, off, off + take);
          this.remaining -= take;
          off += take;
          if (this.remaining > 0) return MORE;
          return this.done(data, off);
        }
        case 'until-close':
          this.keepSlice(data, off, data.length);
          return MORE;
        case 'chunk-size': {
          const nl = data.indexOf(CRLF, off);
          if (nl < 0) return data.length - off > 1024 ? ERROR : this.keep(data, off);
          const line = data.toString('latin1', off, nl).replace(/\r$/, '').split(';')[0]!.trim();
          if (!/^[0-9a-fA-F]{1,8}$/.test(line)) return ERROR;
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
          if (this.remaining > 0) return MORE;
          this.phase = 'chunk-crlf';
          break;
        }
        case 'chunk-crlf': {
          if (data.length - off < 2) return this.keep(data, off);
          if (data[off] !== 0x0d || data[off + 1] !== CRLF) return ERROR;
          off += 2;
          this.phase = 'chunk-size';
          break;
        }
        case 'trailers': {
          const nl = data.indexOf(CRLF, off);
          if (nl < 0) return data.length - off > MAX_HEAD ? ERROR : this.keep(data, off);
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
    return ERROR;
  }

  private keep(data: Buffer, off: number): ParseResult {
    if (off < data.length) this.buf = data.subarray(off);
    return MORE;
  }

  private done(data: Buffer, off: number): ParseResult {
    const rest = off < data.length ? data.subarray(off) : undefined;
    const bytes = this.bytes - (rest?.length ?? 0);
    // The common answer (no kept body, no Retry-After) without the spread of an empty object.
    if (this.keepBody <= 0 && !this.retryAfter) return { state: 'done', status: this.status, bytes, keepAlive: this.keepAlive, rest };
    return { state: 'done', status: this.status, bytes, keepAlive: this.keepAlive, rest, ...this.body() };
  }

  /**
   * Reads the head in place (data[from, to), the blank line excluded): the status and the few
   * headers that frame the body. Scanning bytes instead of splitting strings keeps a response to
   * one or two small allocations (profiled: the string version was the client's costliest function).
   */
  private head(data: Buffer, from: number, to: number): ParseResult | undefined {
    const eol = lineEnd(data, from, to);
    const status = statusOf(data, from, eol);
    if (status < 0) return ERROR;
    if (status >= 100 && status < 200) return undefined; // stay in 'head'
    this.status = status;
    let length: number | undefined;
    let chunked = false;
    this.keepAlive = data[from + 7] !== 0x30; // HTTP/1.0 closes unless asked otherwise
    for (let ls = eol + 2; ls <= to; ) {
      const le = lineEnd(data, ls, to);
      const colon = data.indexOf(0x3a, ls);
      if (colon < 0 || colon >= le || colon === ls) return ERROR;
      let ns = ls;
      let ne = colon;
      while (ns < ne && isSpace(data[ns]!)) ns++;
      while (ne > ns && isSpace(data[ne - 1]!)) ne--;
      let vs = colon + 1;
      let ve = le;
      while (vs < ve && isSpace(data[vs]!)) vs++;
      while (ve > vs && isSpace(data[ve - 1]!)) ve--;
      switch (ne - ns) {
        case 14:
          if (nameIs(data, ns, 'content-length')) {
            const n = digitsOf(data, vs, ve);
            if (n < 0) return ERROR;
            length = n;
          }
          break;
        case 17:
          if (nameIs(data, ns, 'transfer-encoding')) {
            // The last coding decides: `gzip, chunked` is chunked.
            let c = ve;
            while (c > vs && data[c - 1] !== 0x2c) c--;
            while (c < ve && isSpace(data[c]!)) c++;
            chunked = ve - c === 7 && nameIs(data, c, 'chunked');
          }
          break;
        case 11:
          if (nameIs(data, ns, 'retry-after')) this.retryAfter = true;
          break;
        case 10:
          if (nameIs(data, ns, 'connection')) this.keepAlive = contains(data, vs, ve, 'keep-alive') || (this.keepAlive && !contains(data, vs, ve, 'close'));
          break;
      }
      ls = le + 2;
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
