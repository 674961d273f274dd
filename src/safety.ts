/**
 * The harness's own safety rails, a leaf every folder may import: the loopback guard (a chaos tool
 * must not flood someone's production by a typo), bounded reads of input files and YAML, and a sleep
 * that an abort ends at once.
 */
import { isIP } from 'node:net';
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { isAlias, isCollection, parseDocument, visit, type Document } from 'yaml';
import { CrumpleError } from './errors.js';

/** Loopback names and addresses: traffic there never leaves the machine. */
export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * Refuses traffic to a host that is not loopback unless it was explicitly allowed (--allow-host /
 * allowHosts): load, target URLs, contract upstreams and the Toxiproxy API alike. `what` names the
 * traffic in the message ("send load to", "reach Toxiproxy at").
 */
export function assertHostAllowed(url: URL, allowHosts: readonly string[] = [], what = 'send load to'): void {
  const h = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(h)) return;
  if (allowHosts.some((a) => a.replace(/^\[|\]$/g, '').toLowerCase() === h)) return;
  throw new CrumpleError('HOST_NOT_ALLOWED', `refusing to ${what} ${h}: not a loopback host (allow it with --allow-host ${h})`);
}

/**
 * Refuses to bind, or to point traffic at, an address that is not loopback unless it was explicitly
 * allowed: stand-ins on a chosen interface, a remote Toxiproxy and the addresses it listens on or
 * sends to. A wildcard (0.0.0.0, ::) exposes every interface, so it must be allowed by name too.
 * `what` says what was about to happen ("bind stand-in 'inventory' on", "use Toxiproxy at").
 */
export function assertAddressAllowed(host: string, allowHosts: readonly string[], what: string): void {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(h)) return;
  if (allowHosts.some((a) => a.replace(/^\[|\]$/g, '').toLowerCase() === h)) return;
  throw new CrumpleError('HOST_NOT_ALLOWED', `refusing to ${what} ${h}: not a loopback address (allow it with --allow-host ${h} or allowHosts)`);
}

/** Resolves after ms, or at once when the signal aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Reads a text input (scenario, contract, config) with its size and kind checked before a byte is
 * read: only a regular file (a FIFO, /dev/zero or a directory never is), at most `maxBytes`, strict
 * UTF-8 (a leading BOM is dropped). Every refusal is one CrumpleError line naming the file.
 */
export async function readBoundedText(file: string, opts: { maxBytes: number; what: string }): Promise<string> {
  let fh: FileHandle | undefined;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not block before fstat can refuse it.
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = await fh.stat();
    if (!st.isFile()) throw new CrumpleError('BAD_INPUT', `${opts.what} '${file}' is not a regular file (${kindOf(st)})`);
    if (st.size > opts.maxBytes) throw new CrumpleError('BAD_INPUT', `${opts.what} '${file}' is ${st.size} bytes; at most ${opts.maxBytes}`);
    // The size can change under us: read at most one byte past the limit, whatever fstat said.
    const buf = Buffer.alloc(Math.min(st.size, opts.maxBytes) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length) break;
    }
    if (n > opts.maxBytes) throw new CrumpleError('BAD_INPUT', `${opts.what} '${file}' grew past ${opts.maxBytes} bytes while being read`);
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf.subarray(0, n));
    } catch {
      throw new CrumpleError('BAD_INPUT', `${opts.what} '${file}' is not UTF-8 text`);
    }
  } catch (e) {
    if (e instanceof CrumpleError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CrumpleError('NOT_FOUND', `${opts.what} '${file}' does not exist`);
    const why = code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : code ?? (e instanceof Error ? e.message : String(e));
    throw new CrumpleError('BAD_INPUT', `cannot read ${opts.what} '${file}': ${why}`);
  } finally {
    await fh?.close().catch(() => {});
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'it is a directory';
  if (st.isFIFO()) return 'it is a FIFO';
  if (st.isCharacterDevice()) return 'it is a character device';
  if (st.isBlockDevice()) return 'it is a block device';
  if (st.isSocket()) return 'it is a socket';
  return 'it is not a file';
}

/** Deepest nesting a hand-written input needs (a scenario is about 6 levels deep). */
export const MAX_YAML_DEPTH = 64;
/** Aliases a document may expand: enough for shared snippets, far too few for a billion laughs. */
export const MAX_YAML_ALIASES = 100;

/**
 * YAML (or JSON) text parsed with limits: nesting depth checked on the text before the parser
 * (whose recursion a few thousand `[` exhaust), alias expansion bounded, unknown tags refused (a
 * `!!js/function` is not a string). Returns the document and its plain value, or the problems,
 * each with its offset; it never throws on any input.
 */
export function parseYamlLimited(text: string): { doc: Document; value: unknown; problems: { offset: number; message: string }[] } | { problems: { offset: number; message: string }[] } {
  const deep = nestingProblem(text);
  if (deep) return { problems: [deep] };
  let doc: Document;
  try {
    doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    return { problems: [{ offset: 0, message: `not parseable as YAML (${e instanceof Error ? e.message : String(e)})` }] };
  }
  const problems = [...doc.errors, ...doc.warnings].map((e) => ({
    offset: e.pos[0],
    message: e.code === 'TAG_RESOLVE_FAILED' ? `${e.message.split('\n')[0]} (only YAML's standard tags are read)` : e.code === 'RESOURCE_EXHAUSTION' ? `nested too deeply (at most ${MAX_YAML_DEPTH} levels)` : e.message.split('\n')[0]!,
  }));
  // A list or mapping as a key has no plain-object form (yaml would stringify it, with a warning).
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key) || isAlias(pair.key)) problems.push({ offset: pair.key.range?.[0] ?? 0, message: `a key must be a name, not ${isAlias(pair.key) ? 'an alias' : 'a list or mapping'}` });
    },
  });
  if (problems.length) return { problems };
  try {
    return { doc, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }), problems: [] };
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    const message = /Excessive alias count/.test(m) ? `aliases expand too far (at most ${MAX_YAML_ALIASES} alias uses; this looks like a billion-laughs file)`
      : /Unresolved alias/.test(m) ? `unresolved alias ${/: (.*)$/.exec(m)?.[1] ? `*${/: (.*)$/.exec(m)![1]}` : ''}: an alias needs an anchor (&name) set before it`.replace('  ', ' ')
        : e instanceof RangeError ? `nested too deeply (at most ${MAX_YAML_DEPTH} levels)`
          : `cannot read the YAML (${m.split('\n')[0]})`;
    return { problems: [{ offset: 0, message }] };
  }
}

/**
 * An upper estimate of the nesting depth, from the text alone: open flow collections ([ {) outside
 * quotes and comments, plus block levels (indentation steps and compact "- " entries). Block scalar
 * bodies (after | or >) are skipped. Conservative: a real file stays far below the limit.
 */
function nestingProblem(text: string): { offset: number; message: string } | undefined {
  const indents: number[] = [];
  let flow = 0;
  let offset = 0;
  let blockScalarIndent = -1; // inside a | or > body: lines indented deeper than this are text
  let quote: '"' | "'" | undefined; // a quoted scalar may span lines
  for (const line of text.split('\n')) {
    const lineStart = offset;
    offset += line.length + 1;
    const indent = /^ */.exec(line)![0].length;
    if (blockScalarIndent >= 0) {
      if (line.trim() === '' || indent > blockScalarIndent) continue;
      blockScalarIndent = -1;
    }
    if (!quote && flow === 0 && line.trim() !== '' && !line.trimStart().startsWith('#')) {
      while (indents.length && indents.at(-1)! >= indent) indents.pop();
      indents.push(indent);
    }
    let compact = 0;
    let prev = ' ';
    let i = indent;
    while (i < line.length && !quote && flow === 0 && /^[-?:] /.test(line.slice(i, i + 2))) {
      compact += 1;
      i += 2;
      while (line[i] === ' ') i++;
    }
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        if (quote === '"' && c === '\\') i++;
        else if (c === quote) {
          if (quote === "'" && line[i + 1] === "'") i++;
          else quote = undefined;
        }
      } else if (c === '#' && (prev === ' ' || prev === '\t' || i === 0)) break;
      else if ((c === '"' || c === "'") && (flow > 0 || /[\s:[{,-]/.test(prev))) quote = c;
      else if ((c === '[' || c === '{') && (flow > 0 || /[\s,&!]/.test(prev) || /[!&]\S*$/.test(line.slice(0, i)))) flow++;
      else if ((c === ']' || c === '}') && flow > 0) flow--;
      prev = c;
      const depth = flow + indents.length + compact;
      if (depth > MAX_YAML_DEPTH) return { offset: lineStart + i, message: `nested too deeply (more than ${MAX_YAML_DEPTH} levels)` };
    }
    if (indents.length + compact > MAX_YAML_DEPTH) return { offset: lineStart + indent, message: `nested too deeply (more than ${MAX_YAML_DEPTH} levels)` };
    if (!quote && flow === 0 && /(?:^|[\s:-])[|>][-+0-9]*\s*(?:#.*)?$/.test(line.slice(indent))) blockScalarIndent = indent;
  }
  return undefined;
}

/** 1-based line and column of a character offset (for "file:line:column" in messages). */
export function linePos(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(Math.max(0, offset), text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: end - start + 1 };
}
