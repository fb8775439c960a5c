/**
 * Streaming CSV source: reads a (possibly gzipped) CSV file in chunks, tokenizes it
 * with `CsvTokenizer` and yields `text` column batches with pandas `read_csv` row and
 * null semantics. Holds at most one chunk of the file (the first 64 KiB while
 * inspecting it) plus the unfinished field; every problem with the input is a
 * `DataError` naming the file and, where it has one, the line.
 */
import { statSync } from 'node:fs';
import { open as openFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isAscii, isUtf8 } from 'node:buffer';
import type { Column, ColumnBatch, ColumnInfo, Source } from '../batch.js';
import { TextColumn } from './text-column.js';
import type { BadLinesSummary } from './bad-lines.js';
import { DataError, UsageError } from '../errors.js';
import {
  BATCH_FULL,
  CR,
  CsvTokenizer,
  DEFAULT_MAX_RECORD_BYTES,
  HEADER_DONE,
  LF,
  TailCarry,
  markHeadroom,
  type BadLinePolicy,
  type TextEncoding,
} from './csv-tokenizer.js';
import { guessBoundary } from './csv-boundary.js';
import { readError } from './file-errors.js';
import { PANDAS_NA_VALUES } from './null-tokens.js';

export interface CsvOptions {
  /** Field delimiter (one ASCII character). Sniffed from the header when not given; `.tsv` means tab. */
  delimiter?: string;
  /** Quote character (one ASCII character). Default `"`. */
  quote?: string;
  /** Field values read as null, matched exactly. Default: pandas' default NA strings. */
  nullValues?: string[];
  /** What to do with rows whose field count differs from the header's. Default `error`. */
  onBadLines?: BadLinePolicy;
  /** Text encoding. Default `utf-8` (validated). */
  encoding?: TextEncoding;
  /** Maximum rows per batch. Default 65536; a batch also ends with each chunk of input read. */
  batchRows?: number;
  /** Opens the input instead of the path (e.g. stdin for `-`). Called once per pass. */
  open?: () => NodeJS.ReadableStream;
  /** A record longer than this many bytes is an error. Default 64 MiB. */
  maxRecordBytes?: number;
  /** Read only this part of the file (a parallel scan's share of it); see CsvRange. */
  range?: CsvRange;
}

/**
 * A part of a plain (not gzipped) CSV file read on its own, as one share of a parallel
 * scan. Parts split the file where a record is likely to start; the part at offset 0 reads
 * the header, the others start in data mode with the header's names and delimiter given.
 * A part that ends before the file does must end there between records, or the pass
 * throws CsvPartMismatch (the split was wrong: the next part started inside a record).
 * A part that starts there is then never used, so each part that is used starts at a
 * record boundary of the one pass, and reads exactly its records.
 */
export interface CsvRange {
  /** First byte: 0, or the byte after a line feed. */
  start: number;
  /** Byte after the last one; undefined reads to the end of the file. */
  end?: number;
  /**
   * 1-based physical line of byte `start`; 1 when start = 0. When undefined, the part
   * counts its lines from 1 (line numbers in its results and errors are then relative
   * to `start`) and the caller adds the lines of the parts before it (see CsvSource.lines).
   */
  firstLine?: number;
  /** Column names of the file's header (as schema() gives them). */
  names: string[];
  /** The file's field delimiter (as layout() gives it). */
  delimiter: number;
}

/** A part of a file did not end between records where it was split; read the file in one pass instead. */
export class CsvPartMismatch extends Error {
  constructor(file: string, range: CsvRange, detail: string) {
    super(`${file}: the part at bytes ${range.start}..${range.end ?? 'end'} does not end between records (${detail})`);
    this.name = 'CsvPartMismatch';
  }
}

export { mergeBadLines, type BadLinesSummary } from './bad-lines.js';

/** The quote character of a CSV file whose settings name none. */
const DEFAULT_QUOTE = '"';

/**
 * Read size for files and gunzip output. A batch ends with each chunk, so this also sets
 * the batch size: 1 MiB (about 20K rows of 50 bytes) measured a little faster than 64 or
 * 256 KiB on a 1M-row check.
 */
const CHUNK_BYTES = 1024 * 1024;
/** Bytes inspected before parsing: NUL detection and delimiter sniffing. */
const PREFIX_BYTES = 64 * 1024;
const DEFAULT_BATCH_ROWS = 65536;
const EMPTY = Buffer.alloc(0);

const SNIFF_CANDIDATES = [0x2c, 0x3b, 0x09, 0x7c]; // , ; \t |

interface ResolvedOptions {
  delimiter: number | undefined;
  quote: number;
  nullValues: readonly string[];
  onBadLines: BadLinePolicy;
  encoding: TextEncoding;
  batchRows: number;
  maxRecordBytes: number;
}

function singleByte(value: string, what: string): number {
  const v = value === '\\t' ? '\t' : value;
  if (v.length !== 1 || v.charCodeAt(0) > 0x7f) {
    throw new UsageError(`CSV ${what} must be a single ASCII character, got ${JSON.stringify(value)}`);
  }
  const b = v.charCodeAt(0);
  if (b === LF || b === CR) throw new UsageError(`CSV ${what} cannot be a line break`);
  return b;
}

function resolveOptions(o: CsvOptions): ResolvedOptions {
  const quote = singleByte(o.quote ?? DEFAULT_QUOTE, 'quote');
  const delimiter = o.delimiter === undefined ? undefined : singleByte(o.delimiter, 'delimiter');
  if (delimiter === quote) throw new UsageError('CSV delimiter and quote must differ');
  const onBadLines = o.onBadLines ?? 'error';
  if (onBadLines !== 'error' && onBadLines !== 'warn' && onBadLines !== 'skip') {
    throw new UsageError(`on_bad_lines must be error, warn or skip, got ${JSON.stringify(onBadLines)}`);
  }
  const encoding = o.encoding ?? 'utf-8';
  if (encoding !== 'utf-8' && encoding !== 'latin1') {
    throw new UsageError(`CSV encoding must be utf-8 or latin1, got ${JSON.stringify(encoding)}`);
  }
  const batchRows = o.batchRows ?? DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new UsageError(`batchRows must be a positive integer`);
  const maxRecordBytes = o.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 1) throw new UsageError(`maxRecordBytes must be a positive integer`);
  return {
    delimiter,
    quote,
    nullValues: o.nullValues ?? PANDAS_NA_VALUES,
    onBadLines,
    encoding,
    batchRows,
    maxRecordBytes,
  };
}

/**
 * Column names as pandas makes them from a header row: an empty name becomes
 * `Unnamed: <0-based position>`; repeats get `.1`, `.2`, ... (skipping suffixes that
 * are already taken), named columns first, then the unnamed ones.
 */
export function pandasColumnNames(fields: readonly string[]): string[] {
  const names = fields.map((f, i) => (f === '' ? `Unnamed: ${i}` : f));
  const unnamed: number[] = [];
  const order: number[] = [];
  fields.forEach((f, i) => (f === '' ? unnamed : order).push(i));
  order.push(...unnamed);
  const counts = new Map<string, number>();
  for (const i of order) {
    let col = names[i];
    const base = col;
    let cur = counts.get(col) ?? 0;
    if (cur > 0) {
      while (cur > 0) {
        counts.set(base, cur + 1);
        col = `${base}.${cur}`;
        if (names.includes(col)) cur += 1;
        else cur = counts.get(col) ?? 0;
      }
    }
    names[i] = col;
    counts.set(col, cur + 1);
  }
  return names;
}

/**
 * Picks the delimiter of the first non-blank line among `,` `;` tab `|` by counting
 * them outside quotes; ties go to the earlier candidate (comma first). A line with
 * none of them is one column: comma.
 */
export function sniffDelimiter(buf: Uint8Array, quote: number): number {
  const n = buf.length;
  let i = 0;
  // Skip blank (whitespace-only) lines, as the tokenizer does.
  for (;;) {
    let j = i;
    while (j < n && (buf[j] === 0x20 || buf[j] === 0x09)) j++;
    if (j < n && (buf[j] === LF || buf[j] === CR)) {
      i = j + 1;
      continue;
    }
    break;
  }
  const counts = [0, 0, 0, 0];
  let inQuotes = false;
  for (; i < n; i++) {
    const c = buf[i];
    if (c === quote) {
      inQuotes = !inQuotes;
      continue;
    }
    if (inQuotes) continue;
    if (c === LF || c === CR) break;
    for (let k = 0; k < SNIFF_CANDIDATES.length; k++) if (c === SNIFF_CANDIDATES[k]) counts[k]++;
  }
  let best = 0;
  for (let k = 1; k < counts.length; k++) if (counts[k] > counts[best]) best = k;
  return SNIFF_CANDIDATES[best];
}

/** Index of the first byte of an invalid or truncated UTF-8 sequence in b[s, e), or -1. */
export function findInvalidUtf8(b: Uint8Array, s: number, e: number): number {
  let i = s;
  while (i < e) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c === 0xe0) {
      n = 2;
      lo = 0xa0;
    } else if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) n = 2;
    else if (c === 0xed) {
      n = 2;
      hi = 0x9f;
    } else if (c === 0xf0) {
      n = 3;
      lo = 0x90;
    } else if (c >= 0xf1 && c <= 0xf3) n = 3;
    else if (c === 0xf4) {
      n = 3;
      hi = 0x8f;
    } else return i;
    if (i + n >= e) return i;
    const c1 = b[i + 1];
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

/** Length of the UTF-8 sequence a lead byte announces (1 for ASCII), 0 for a non-lead byte. */
function utf8SeqLen(c: number): number {
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return 2;
  if (c >= 0xe0 && c <= 0xef) return 3;
  if (c >= 0xf0 && c <= 0xf4) return 4;
  return 0;
}

/** Incremental strict UTF-8 validation across chunk boundaries. */
class Utf8Check {
  private carry: Buffer | null = null;
  /** The first invalid byte found (for the message). */
  badByte = 0;

  /**
   * Validates the next chunk. Returns -1 when it is valid so far (an incomplete
   * trailing sequence is held back), otherwise how many leading bytes of `chunk`
   * come before the first invalid sequence.
   */
  push(chunk: Buffer): number {
    const off = this.carry ? this.carry.length : 0;
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const n = data.length;
    let cut = n;
    for (let j = n - 1; j >= 0 && j >= n - 4; j--) {
      if ((data[j] & 0xc0) !== 0x80) {
        const need = utf8SeqLen(data[j]);
        if (need > n - j) cut = j;
        break;
      }
    }
    if (!isUtf8(data.subarray(0, cut))) {
      const bad = findInvalidUtf8(data, 0, cut);
      const at = bad < 0 ? 0 : bad;
      this.badByte = data[at];
      return Math.max(0, at - off);
    }
    this.carry = cut < n ? Buffer.from(data.subarray(cut)) : null;
    return -1;
  }

  /** At end of input: the first byte of a truncated final sequence, or -1. */
  end(): number {
    if (this.carry === null) return -1;
    this.badByte = this.carry[0];
    return this.carry[0];
  }
}

function isErrno(err: unknown): err is NodeJS.ErrnoException {
  return typeof err === 'object' && err !== null && 'code' in err;
}

/** Read and decompression errors as DataErrors (errno messages shared with the other file sources). */
function mapReadError(err: unknown, file: string): DataError {
  if (err instanceof DataError) return err;
  const code = isErrno(err) ? err.code : undefined;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new DataError(`${file}: is not valid gzip data (${(err as Error).message})`, {
      file,
      hint: 'the file is truncated or corrupt, or is not gzip despite its name; check it with `gzip -t`',
    });
  }
  return readError(file, err);
}

function toBuffer(c: unknown): Buffer {
  if (Buffer.isBuffer(c)) return c;
  if (typeof c === 'string') return Buffer.from(c, 'utf8');
  if (c instanceof Uint8Array) return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  throw new TypeError('CSV input stream must produce bytes');
}

/** A named pipe or other non-seekable file: it can be read once only. */
function isPipe(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFIFO() || st.isCharacterDevice() || st.isSocket();
  } catch {
    return false; // opening it reports the problem
  }
}

/** Free bytes kept in front of each chunk read from a file, where TailCarry puts the unfinished record. */
export const HEADROOM = 64 * 1024;

/** Chunk buffers kept for reuse: a consumer releases a batch's region a step or two behind the reader. */
const MAX_FREE_CHUNKS = 4;

/** A chunk source that takes back the buffers of chunks nobody reads any more. */
interface ChunkRecycler {
  /** `buffer` (behind a chunk this source handed out) is no longer read: its memory may be reused. */
  recycle(buffer: ArrayBufferLike): void;
}

/**
 * When a region's buffer may be reused: once every batch over it was released and the
 * reader has moved past it (its unfinished record copied into the next region).
 */
class RegionLeases {
  private readonly open = new Map<ArrayBufferLike, number>();
  private readonly retired = new Set<ArrayBufferLike>();

  constructor(private readonly recycle: (buffer: ArrayBufferLike) => void) {}

  /** A batch over `buffer` went out. */
  lease(buffer: ArrayBufferLike): void {
    this.open.set(buffer, (this.open.get(buffer) ?? 0) + 1);
  }

  /** A batch over `buffer` was released. */
  release(buffer: ArrayBufferLike): void {
    const n = (this.open.get(buffer) ?? 1) - 1;
    if (n > 0) {
      this.open.set(buffer, n);
      return;
    }
    this.open.delete(buffer);
    if (this.retired.delete(buffer)) this.recycle(buffer);
  }

  /** The reader no longer needs `buffer`. */
  retire(buffer: ArrayBufferLike): void {
    if (this.open.has(buffer)) this.retired.add(buffer);
    else this.recycle(buffer);
  }
}

/** The end of a file read in chunks can move forward, to before bytes not yet read (see CsvSource.splitRest). */
interface MovableEnd {
  /** Bytes read or being read: [start, reached). */
  readonly reached: number;
  /** Where reading stops; undefined: the end of the file. */
  readonly end: number | undefined;
  /** Stops reading at `at` (at least `reached`). */
  stopAt(at: number): void;
}

/**
 * Chunks of bytes [start, end) of a file, each read into a buffer of its own with
 * HEADROOM free bytes in front, so the carried tail of the previous region can be put
 * there instead of copying the whole chunk behind it. Counts bytesRead, like a file stream.
 */
function fileChunks(path: string, start: number, end: number | undefined): AsyncIterable<Buffer> & ChunkRecycler & MovableEnd & { bytesRead: number; destroy(): void } {
  let handle: Awaited<ReturnType<typeof openFile>> | undefined;
  let closed = false;
  let stop = end;
  let reached = start;
  /** Buffers handed out (recycle takes back only these) and those given back. */
  const own = new WeakSet<ArrayBufferLike>();
  const free: Buffer[] = [];
  const state = {
    bytesRead: 0,
    get reached(): number {
      return reached;
    },
    get end(): number | undefined {
      return stop;
    },
    stopAt(at: number): void {
      if (at < reached) throw new Error(`internal: cannot stop reading at ${at}, bytes up to ${reached} are read`);
      stop = at;
    },
    destroy(): void {
      closed = true;
      void handle?.close().catch(() => undefined);
      handle = undefined;
    },
    recycle(buffer: ArrayBufferLike): void {
      if (!own.has(buffer) || free.length >= MAX_FREE_CHUNKS) return;
      own.delete(buffer);
      free.push(Buffer.from(buffer as ArrayBuffer));
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
      const file = await openFile(path, 'r');
      handle = file;
      // A whole-file read goes sequentially (position null), so pipes and FIFOs work too.
      const sequential = start === 0 && stop === undefined;
      let position = start;
      /**
       * Reads the chunk at `position`. From the second chunk on, the next read starts before
       * the current chunk is parsed, so the copy overlaps the parse; a pass that stops after
       * the first chunk (the header) costs no extra read.
       */
      const readAt = (at: number): Promise<{ buf: Buffer; bytesRead: number }> | undefined => {
        if (closed || (stop !== undefined && at >= stop)) return undefined;
        const want = stop === undefined ? CHUNK_BYTES : Math.min(CHUNK_BYTES, stop - at);
        reached = Math.max(reached, at + want);
        let buf = free.pop();
        if (buf === undefined || buf.length < HEADROOM + want) buf = Buffer.allocUnsafe(HEADROOM + want);
        const b = buf;
        const read = file.read(b, HEADROOM, want, sequential ? null : at).then(({ bytesRead }) => ({ buf: b, bytesRead }));
        // A consumer that stops early never awaits the read started ahead: its failure must not
        // become an unhandled rejection. The handle's close waits for it (FileHandle semantics).
        read.catch(() => undefined);
        return read;
      };
      let next: ReturnType<typeof readAt> = undefined;
      try {
        for (let handed = 0; ; handed++) {
          next ??= readAt(position);
          if (next === undefined) return;
          const { buf, bytesRead } = await next;
          next = undefined;
          if (bytesRead === 0) return;
          position += bytesRead;
          state.bytesRead += bytesRead;
          if (handed > 0) next = readAt(position);
          own.add(buf.buffer);
          yield markHeadroom(buf.subarray(HEADROOM, HEADROOM + bytesRead));
        }
      } finally {
        state.destroy();
      }
    },
  };
  return state;
}

/** Decompressed chunks of the input; read errors become DataErrors. */
async function* readChunks(file: string, stream: NodeJS.ReadableStream, gzipName: boolean, sniffGzip = true): AsyncGenerator<Buffer> {
  const raw = (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const destroyable = stream as unknown as { destroy?: (err?: Error) => void };
  let gunzip: ReturnType<typeof createGunzip> | null = null;
  let feeder: Readable | null = null;
  try {
    let first: Buffer = Buffer.alloc(0);
    // Two bytes decide gzip; tolerate streams that deliver less in their first chunk.
    while (first.length < 2) {
      const r = await raw.next();
      if (r.done) break;
      const b = toBuffer(r.value);
      first = first.length === 0 ? b : Buffer.concat([first, b]);
    }
    const gzip = gzipName || (sniffGzip && first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b);
    if (!gzip) {
      if (first.length > 0) yield first;
      for (;;) {
        const r = await raw.next();
        if (r.done) return;
        yield toBuffer(r.value);
      }
    }
    if (first.length === 0) return;
    const z = createGunzip({ chunkSize: CHUNK_BYTES });
    gunzip = z;
    const head = first;
    feeder = Readable.from(
      (async function* () {
        yield head;
        for (;;) {
          const r = await raw.next();
          if (r.done) return;
          yield toBuffer(r.value);
        }
      })(),
      { objectMode: false },
    );
    feeder.on('error', (err) => z.destroy(err));
    feeder.pipe(z);
    for await (const c of z) yield c as Buffer;
  } catch (err) {
    throw mapReadError(err, file);
  } finally {
    feeder?.destroy();
    gunzip?.destroy();
    destroyable.destroy?.();
  }
}

/** One pass over the input: the header, then the data rows. */
class Pass {
  readonly tok: CsvTokenizer;
  readonly names: string[];
  /** The field delimiter in use (configured, sniffed, or a part's). */
  readonly delimiter: number;
  /** The input is a part that ends before the file does (see CsvRange). */
  private partial: CsvRange | undefined;
  private readonly chunks: AsyncGenerator<Buffer>;
  private readonly file: string;
  private readonly utf8: Utf8Check | null;
  private readonly carry = new TailCarry();
  private region: Buffer | null = null;
  private prevAscii = true;
  /** Chunks read ahead while inspecting the start of the input, not yet tokenized. */
  private readonly pending: Buffer[];
  private pendingNext = 0;
  private invalidUtf8 = false;
  private eof = false;
  private closed = false;

  private constructor(
    file: string,
    chunks: AsyncGenerator<Buffer>,
    pending: Buffer[],
    tok: CsvTokenizer,
    utf8: boolean,
    delimiter: number,
    partial: CsvRange | undefined,
  ) {
    this.delimiter = delimiter;
    this.partial = partial;
    this.file = file;
    this.chunks = chunks;
    this.pending = pending;
    this.tok = tok;
    this.utf8 = utf8 ? new Utf8Check() : null;
    this.names = [];
  }

  static async open(
    file: string,
    stream: NodeJS.ReadableStream,
    gzipName: boolean,
    tsvName: boolean,
    o: ResolvedOptions,
    range?: CsvRange,
  ): Promise<Pass> {
    const chunks = readChunks(file, stream, gzipName);
    try {
      // Gather the first 64 KiB (or the whole input, if shorter).
      const parts: Buffer[] = [];
      let total = 0;
      while (total < PREFIX_BYTES + 3) {
        const r = await chunks.next();
        if (r.done) break;
        parts.push(r.value);
        total += r.value.length;
      }
      const firstUnstripped = parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
      let first = firstUnstripped;
      // The tokenizer gets the chunks as they came (minus a BOM); `first` is for inspection.
      let bom = first.length >= 3 && first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf ? 3 : 0;
      if (bom > 0) first = first.subarray(3);
      const pending: Buffer[] = [];
      for (const part of parts) {
        if (bom >= part.length) {
          bom -= part.length;
          continue;
        }
        pending.push(bom > 0 ? part.subarray(bom) : part);
        bom = 0;
      }
      if (first.length === 0) {
        throw new DataError(`${file} is empty: no header row`, { file, hint: 'a CSV file needs at least a header line' });
      }
      const nul = first.subarray(0, PREFIX_BYTES).indexOf(0);
      if (nul >= 0) {
        throw new DataError(`${file} looks binary, not CSV`, {
          file,
          hint: `it has a NUL byte at offset ${nul}; check that the path points at a CSV file (Parquet files need a .parquet name)`,
        });
      }
      const delimiter = range?.delimiter ?? o.delimiter ?? (tsvName ? 0x09 : sniffDelimiter(first, o.quote));
      const tok = new CsvTokenizer({
        file,
        delimiter,
        quote: o.quote,
        nullValues: o.nullValues,
        encoding: o.encoding,
        onBadLines: o.onBadLines,
        maxRecordBytes: o.maxRecordBytes,
      });
      // Record offsets are the file's (they pick the rows type inference samples).
      tok.startAt(first.byteOffset - firstUnstripped.byteOffset);
      const pass = new Pass(file, chunks, pending, tok, o.encoding === 'utf-8', delimiter, range?.end !== undefined ? range : undefined);
      await pass.readHeader();
      return pass;
    } catch (err) {
      await chunks.return(undefined);
      throw err;
    }
  }

  /** A pass over a part that starts after the header (range.start > 0): data rows only. */
  static resume(file: string, stream: NodeJS.ReadableStream, o: ResolvedOptions, range: CsvRange): Pass {
    const chunks = readChunks(file, stream, false, false);
    const tok = new CsvTokenizer({
      file,
      delimiter: range.delimiter,
      quote: o.quote,
      nullValues: o.nullValues,
      encoding: o.encoding,
      onBadLines: o.onBadLines,
      maxRecordBytes: o.maxRecordBytes,
    });
    tok.resumeAt(range.firstLine ?? 1);
    tok.startAt(range.start);
    const pass = new Pass(file, chunks, [], tok, o.encoding === 'utf-8', range.delimiter, range.end !== undefined ? range : undefined);
    pass.names.push(...range.names);
    return pass;
  }

  /** The input now ends at byte `end` of the file, where another part starts. */
  endAt(range: CsvRange, end: number): void {
    this.partial = { ...range, end };
  }

  /**
   * At the end of the input: closes a last record that has no line ending; a part that
   * ends before the file does must instead end between records, where the next part starts.
   */
  endOfInput(): void {
    const range = this.partial;
    if (range === undefined) {
      this.tok.finish();
      return;
    }
    if (!this.tok.atRecordBoundary) throw new CsvPartMismatch(this.file, range, 'a record continues past it');
  }

  private async readHeader(): Promise<void> {
    const tok = this.tok;
    for (;;) {
      if (tok.run() === HEADER_DONE) break;
      if (!(await this.pump())) {
        if (this.partial !== undefined) throw new CsvPartMismatch(this.file, this.partial, 'the header continues past it');
        if (tok.finish() === HEADER_DONE) break;
        throw new DataError(`${this.file} is empty: no header row (only blank lines)`, {
          file: this.file,
          hint: 'a CSV file needs at least a header line',
        });
      }
    }
    this.names.push(...pandasColumnNames(tok.headerFields));
  }

  /** The buffer behind the region the tokenizer reads. */
  get currentRegion(): ArrayBufferLike | undefined {
    return this.region?.buffer;
  }

  /** Feeds the next chunk to the tokenizer; false at end of input. */
  async pump(): Promise<boolean> {
    if (this.eof) return false;
    const tok = this.tok;
    if (this.invalidUtf8) throw this.utf8Error();
    let chunk: Buffer | null = null;
    if (this.pendingNext < this.pending.length) {
      chunk = this.pending[this.pendingNext];
      this.pending[this.pendingNext++] = EMPTY;
    } else {
      const r = await this.chunks.next();
      chunk = r.done ? null : r.value;
    }
    if (chunk === null) {
      this.eof = true;
      if (this.utf8 !== null && this.utf8.end() >= 0) throw this.utf8Error();
      return false;
    }
    if (this.utf8 !== null) {
      const valid = this.utf8.push(chunk);
      if (valid >= 0) {
        chunk = chunk.subarray(0, valid);
        this.invalidUtf8 = true;
      }
    }
    if (this.region !== null) this.carry.keep(this.region, tok.keepFrom);
    const carried = this.carry.length;
    const region = this.carry.join(chunk);
    let ascii = true;
    if (this.utf8 !== null) {
      ascii = (carried === 0 || this.prevAscii) && isAscii(chunk);
      this.prevAscii = ascii;
    }
    this.region = region;
    tok.feed(region, ascii);
    return true;
  }

  private utf8Error(): DataError {
    const line = this.tok.line;
    const byte = (this.utf8?.badByte ?? 0).toString(16).toUpperCase().padStart(2, '0');
    return new DataError(`${this.file} line ${line}: invalid UTF-8 (byte 0x${byte})`, {
      file: this.file,
      line,
      hint: 'the file is not UTF-8; if it is Latin-1 / Windows-1252, set encoding: latin1',
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chunks.return(undefined);
  }
}

export class CsvSource implements Source {
  readonly description: string;
  private readonly path: string;
  private readonly file: string;
  private readonly options: CsvOptions;
  private readonly resolved: ResolvedOptions;
  private columnsCache: ColumnInfo[] | undefined;
  /** A pass opened by schema() on a one-shot stream, continued by batches(). */
  private stashed: Pass | undefined;
  /** The stream of the current pass; a file stream counts the bytes it has read. */
  private stream: { bytesRead?: number } | undefined;
  private bad: BadLinesSummary = { count: 0, lines: [] };
  private linesRead = 0;
  /** The pass batches() is reading. */
  private reading: Pass | undefined;

  constructor(path: string, options: CsvOptions = {}) {
    this.path = path;
    this.file = path === '-' ? 'stdin' : path;
    this.description = path;
    this.options = options;
    this.resolved = resolveOptions(options);
  }

  /** Rows left out by the last `batches()` pass (`warn` / `skip`). */
  get badLines(): BadLinesSummary {
    return { count: this.bad.count, lines: this.bad.lines.slice() };
  }

  /** Physical lines the last complete `batches()` pass read (line breaks, and a last line without one). */
  get lines(): number {
    return this.linesRead;
  }

  private async openPass(): Promise<Pass> {
    const lower = this.path.toLowerCase();
    const gzipName = lower.endsWith('.gz');
    const bare = gzipName ? lower.slice(0, -3) : lower;
    const range = this.options.range;
    let stream: NodeJS.ReadableStream;
    try {
      if (this.options.open) stream = this.options.open();
      else stream = fileChunks(this.path, range?.start ?? 0, range?.end) as unknown as NodeJS.ReadableStream;
    } catch (err) {
      throw mapReadError(err, this.file);
    }
    this.stream = stream as { bytesRead?: number };
    if (range && range.start > 0) return Pass.resume(this.file, stream, this.resolved, range);
    return Pass.open(this.file, stream, gzipName, bare.endsWith('.tsv'), this.resolved, range);
  }

  /**
   * The header's column names, the field delimiter (sniffed when not configured) and
   * the quote byte: what a part of the file that starts after the header needs (CsvRange).
   */
  async layout(): Promise<{ names: string[]; delimiter: number; quote: number }> {
    const pass = await this.openPass();
    try {
      return { names: pass.names.slice(), delimiter: pass.delimiter, quote: this.resolved.quote };
    } finally {
      await pass.close();
    }
  }

  async schema(): Promise<ColumnInfo[]> {
    if (this.columnsCache) return this.columnsCache.map((c) => ({ ...c }));
    const range = this.options.range;
    if (range && range.start > 0) {
      this.columnsCache = range.names.map((name) => ({ name, type: 'text' as const }));
      return this.columnsCache.map((c) => ({ ...c }));
    }
    const pass = await this.openPass();
    this.columnsCache = pass.names.map((name) => ({ name, type: 'text' as const }));
    if (this.options.open || isPipe(this.path)) {
      // A one-shot stream (stdin, a named pipe) cannot be reopened: keep the pass for batches().
      this.stashed = pass;
    } else {
      await pass.close();
    }
    return this.columnsCache.map((c) => ({ ...c }));
  }

  async *batches(columns?: string[]): AsyncGenerator<ColumnBatch> {
    const pass = this.stashed ?? (await this.openPass());
    this.stashed = undefined;
    this.bad = { count: 0, lines: [] };
    this.reading = pass;
    try {
      const names = pass.names;
      this.columnsCache ??= names.map((name) => ({ name, type: 'text' as const }));
      const wanted = columns ?? names;
      const index = new Map<string, number>();
      names.forEach((n, i) => index.set(n, i));
      const slots = new Int32Array(names.length).fill(-1);
      const selected: string[] = [];
      for (const name of wanted) {
        const i = index.get(name);
        if (i === undefined) {
          throw new DataError(`${this.file}: no column named ${JSON.stringify(name)}`, {
            file: this.file,
            hint: `the header has: ${names.join(', ')}`,
          });
        }
        if (slots[i] >= 0) continue;
        slots[i] = selected.length;
        selected.push(name);
      }
      const tok = pass.tok;
      tok.startData(names.length, slots, this.resolved.batchRows);
      let rowStart = 0;
      const recycler = this.stream as Partial<ChunkRecycler> | undefined;
      const leases = recycler?.recycle ? new RegionLeases(recycler.recycle) : undefined;
      const take = (): ColumnBatch => {
        const b = tok.takeBatch();
        const cols = new Map<string, Column>();
        for (let k = 0; k < selected.length; k++) cols.set(selected[k], new TextColumn(b.region, b.at[k], b.specials, b.oneByte, b.rows));
        const bytesRead = this.stream?.bytesRead;
        const region = b.region.buffer;
        leases?.lease(region);
        let released = false;
        const release = (): void => {
          if (released) return;
          released = true;
          tok.recycle(b.at, b.allLines);
          leases?.release(region);
        };
        const batch: ColumnBatch = { rows: b.rows, columns: cols, origin: { file: this.file, rowStart, lines: b.lines, samples: b.samples, bytesRead }, release };
        rowStart += b.rows;
        this.bad = tok.badLines;
        return batch;
      };
      for (;;) {
        if (tok.run() === BATCH_FULL) {
          const batch = take();
          tok.newBatch();
          yield batch;
          continue;
        }
        // The region is used up: its rows go out before the next region is read.
        if (tok.rows > 0) {
          const batch = take();
          tok.newBatch();
          yield batch;
        }
        const before = pass.currentRegion;
        const more = await pass.pump();
        if (before && leases && pass.currentRegion !== before) leases.retire(before);
        if (!more) {
          pass.endOfInput();
          this.linesRead = tok.line - (this.options.range?.firstLine ?? 1);
          this.bad = tok.badLines;
          if (tok.rows > 0) yield take();
          break;
        }
      }
      this.bad = tok.badLines;
    } finally {
      this.reading = undefined;
      await pass.close();
    }
  }

  /**
   * Hands the rest of a part being read to another part: moves the end of this pass back
   * to a record boundary guessed about halfway through the bytes not yet read (see
   * csv-boundary.ts), and returns it; the new part reads from there to the old end. The
   * pass must still end exactly there between records (CsvPartMismatch otherwise).
   * Undefined when fewer than `minBytes` are left, no boundary is found, or this is not a
   * part of a plain file.
   */
  async splitRest(minBytes: number): Promise<{ at: number; end: number | undefined } | undefined> {
    const range = this.options.range;
    const pass = this.reading;
    const chunks = this.stream as Partial<MovableEnd> | undefined;
    if (!range || !pass || !chunks?.stopAt || chunks.reached === undefined) return undefined;
    const from = chunks.reached;
    const end = chunks.end;
    const layout = { fields: pass.names.length, delimiter: pass.delimiter, quote: this.resolved.quote };
    let at: number | undefined;
    try {
      const size = end ?? (await stat(this.path)).size;
      if (size - from < Math.max(1, minBytes)) return undefined;
      at = guessBoundary(this.path, from + Math.floor((size - from) / 2), size, layout);
      if (at === undefined || at <= from || at >= size) return undefined;
    } catch {
      // The path no longer opens (the file was moved or deleted): this part, reading through
      // its open handle, finishes on its own.
      return undefined;
    }
    chunks.stopAt(at);
    pass.endAt(range, at);
    return { at, end };
  }
}
