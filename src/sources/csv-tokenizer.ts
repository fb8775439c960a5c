/**
 * Byte-level, resumable CSV tokenizer with pandas `read_csv` (C engine) row semantics.
 *
 * The tokenizer scans Buffers byte by byte and records each wanted field as a byte
 * range of the input (a pair of Int32 per field), so there is no per-row object and no
 * string per field: metrics read numbers, timestamps and key hashes from the bytes. Input
 * arrives in pieces: `feed()` hands it the next region, `run()` tokenizes until the
 * region is exhausted or a batch fills, and `keepFrom` tells the caller which trailing
 * bytes (the unfinished record) must be carried into the next region. A batch never
 * spans two regions: the caller takes it when `run()` asks for input. Scanning resumes
 * where it stopped, so a record spanning many chunks is scanned once.
 *
 * Semantics (pandas defaults: `skip_blank_lines=True`, `doublequote=True`,
 * `quoting=QUOTE_MINIMAL`):
 * - line endings LF, CRLF and lone CR, mixed freely; physical lines are counted
 *   everywhere, inside quoted fields too;
 * - lines made only of spaces and tabs (other than the delimiter) are skipped;
 * - a quote opens a quoted field only as the first byte of a field; inside it `""` is
 *   a literal quote; after the closing quote the rest of the field is literal
 *   (`"ab"cd` reads `abcd`); a quote inside an unquoted field is literal;
 * - null tokens are matched on the field's final bytes, quoted or not (`"NA"` is null).
 */
import { MISSING } from '../batch.js';
import { DataError } from '../errors.js';
import { MAX_BAD_LINE_NUMBERS } from './bad-lines.js';

export const LF = 0x0a;
export const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;

/** `run()` stopped because it consumed the whole region; feed more (or `finish()`). */
export const NEED_INPUT = 0;
/** `run()` stopped because the batch holds `batchRows` rows; take it, then run again. */
export const BATCH_FULL = 1;
/** `run()` stopped after the header record; call `startData()`, then run again. */
export const HEADER_DONE = 2;

const S_RECORD = 0; // between records: blank lines are skipped here
const S_FIELD = 1; // at the first byte of a field
const S_UNQUOTED = 2; // inside an unquoted field (or the literal tail of a quoted one)
const S_QUOTED = 3; // inside a quoted field
const S_QUOTE_IN_QUOTED = 4; // just after a quote inside a quoted field
const S_BLANK = 5; // at line start, seen only spaces/tabs so far

/** Rows a batch's arrays start with; they double as needed. */
const MIN_BATCH_CAPACITY = 1024;
/**
 * Rows picked for type sampling (takeBatch's `samples`): every record that starts in the
 * first SAMPLE_ALL_BYTES of the file, then every record that holds a byte offset that is a
 * multiple of SAMPLE_STRIDE (about every 40th row of 50 bytes; every row of 2 KiB or more).
 * The rule looks only at the record's own offsets in the file, so a part of a file read on
 * its own picks exactly the rows one pass over the file would.
 */
const SAMPLE_ALL_BYTES = 64 * 1024;
const SAMPLE_STRIDE = 2048;

export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Buffer's unchecked decoders (present on Buffer.prototype in every supported Node). */
interface FastBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

const HAS_FAST_SLICE =
  typeof (Buffer.prototype as Partial<FastBuffer>).latin1Slice === 'function' &&
  typeof (Buffer.prototype as Partial<FastBuffer>).utf8Slice === 'function';

export function latin1(buf: Buffer, s: number, e: number): string {
  return HAS_FAST_SLICE ? (buf as FastBuffer).latin1Slice(s, e) : buf.toString('latin1', s, e);
}

export function utf8(buf: Buffer, s: number, e: number): string {
  return HAS_FAST_SLICE ? (buf as FastBuffer).utf8Slice(s, e) : buf.toString('utf8', s, e);
}

export type TextEncoding = 'utf-8' | 'latin1';
export type BadLinePolicy = 'error' | 'warn' | 'skip';

/**
 * Exact byte matcher for null tokens. Candidates are filtered by first byte and
 * length (a bit mask per first byte) before any byte comparison.
 */
export class NullMatcher {
  /** Whether the empty field is a null token. */
  readonly emptyIsNull: boolean;
  /** Per first byte: bit `min(len, 31)` is set when a token of that length starts with it. */
  readonly mask: Uint32Array;
  private readonly byFirst: Array<Uint8Array[] | undefined>;

  constructor(tokens: readonly string[], encoding: TextEncoding) {
    this.mask = new Uint32Array(256);
    this.byFirst = new Array(256).fill(undefined);
    let empty = false;
    const seen = new Set<string>();
    for (const t of tokens) {
      if (t === '') {
        empty = true;
        continue;
      }
      // A Latin-1 file cannot contain characters above U+00FF, so such tokens never match.
      if (encoding === 'latin1' && /[^\u0000-\u00ff]/.test(t)) continue;
      if (seen.has(t)) continue;
      seen.add(t);
      const bytes = new Uint8Array(Buffer.from(t, encoding === 'latin1' ? 'latin1' : 'utf8'));
      const first = bytes[0];
      this.mask[first] |= 1 << Math.min(bytes.length, 31);
      (this.byFirst[first] ??= []).push(bytes);
    }
    this.emptyIsNull = empty;
  }

  /** True when `buf[s, s + len)` (len >= 1) equals a token. */
  matches(buf: Uint8Array, s: number, len: number): boolean {
    if (len === 0) return this.emptyIsNull;
    const m = this.mask[buf[s]];
    if (m === 0 || ((m >>> (len < 31 ? len : 31)) & 1) === 0) return false;
    const list = this.byFirst[buf[s]]!;
    outer: for (let k = 0; k < list.length; k++) {
      const t = list[k];
      if (t.length !== len) continue;
      for (let j = 1; j < len; j++) if (t[j] !== buf[s + j]) continue outer;
      return true;
    }
    return false;
  }
}

/**
 * Writes the content of a quoted field into `out`: `raw[s]` is the opening quote,
 * `""` inside the quotes is one quote, the first lone quote closes the quoted part and
 * everything after it is literal. Returns the number of bytes written
 * (`out.length >= e - s` is enough).
 */
export function unescapeQuoted(raw: Uint8Array, s: number, e: number, quote: number, out: Uint8Array): number {
  let n = 0;
  let i = s + 1;
  let inQuotes = true;
  while (i < e) {
    const c = raw[i];
    if (inQuotes && c === quote) {
      if (i + 1 < e && raw[i + 1] === quote) {
        out[n++] = quote;
        i += 2;
      } else {
        inQuotes = false;
        i++;
      }
      continue;
    }
    out[n++] = c;
    i++;
  }
  return n;
}

export interface TokenizerOptions {
  /** Name used in error messages. */
  file: string;
  /** Field delimiter byte. */
  delimiter: number;
  /** Quote byte. */
  quote: number;
  nullValues: readonly string[];
  encoding: TextEncoding;
  onBadLines: BadLinePolicy;
  /** A record longer than this (in bytes) is an error. Default 64 MiB. */
  maxRecordBytes?: number;
}

function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

export class CsvTokenizer {
  readonly file: string;
  private readonly delim: number;
  private readonly quote: number;
  private readonly nulls: NullMatcher;
  private readonly nullMask: Uint32Array;
  private readonly emptyIsNull: boolean;
  private readonly latin1Text: boolean;
  private readonly policy: BadLinePolicy;
  private readonly maxRecordBytes: number;

  // ---- current input region: buf[0, end), buf[0] at absolute stream offset abs0
  private buf: Buffer = Buffer.alloc(0);
  private end = 0;
  private abs0 = 0;
  /** Every byte of the region decodes to one char (ASCII data, or Latin-1 encoding). */
  private oneByte = true;
  /** The region, for reading four bytes at a time. */
  private view: DataView = new DataView(new ArrayBuffer(0));

  // ---- scanner state, kept across regions
  private pos = 0;
  private state = S_RECORD;
  private fStart = 0; // first byte of the current field (the opening quote if quoted)
  private complex = false; // quoted field needs unescaping
  private lineStart = 0; // first byte of the line while in S_BLANK
  private afterCR = false; // the last line ended with CR: a following LF belongs to it
  /** 1-based physical line of the next byte to scan. */
  private curLine = 1;
  private recLine = 1; // physical line where the current record starts
  private recStartAbs = 0; // absolute offset where the current record starts
  private quoteLine = 1; // physical line where the current quoted field opened
  private fieldIdx = 0;

  // ---- output
  private headerMode = true;
  private header: string[] = [];
  private ncols = 0;
  private slots: Int32Array = new Int32Array(0);
  /** Field index of each output slot. */
  private slotField: Int32Array = new Int32Array(0);
  private nslots = 0;
  /** Per slot: start and end offset of each row's field, or MISSING / a special (see TextBytes). */
  private cols: Int32Array[] = [];
  /** Decoded text of fields that needed unescaping, this batch. */
  private specials: string[] = [];
  private lines: Int32Array = new Int32Array(0);
  /** Rows of the batch picked for type sampling (see SAMPLE_STRIDE), and how many. */
  private samples: Int32Array = new Int32Array(64);
  private sampleCount = 0;
  /** A released batch's arrays, reused by the next newBatch. */
  private spare: { cols: Int32Array[]; lines: Int32Array } | undefined;
  private row = 0;
  private batchRows = 1;

  // ---- bad lines
  private badCount = 0;
  private badLineNumbers: number[] = [];

  private scratch: Buffer = Buffer.alloc(256);

  constructor(opts: TokenizerOptions) {
    this.file = opts.file;
    this.delim = opts.delimiter;
    this.quote = opts.quote;
    this.nulls = new NullMatcher(opts.nullValues, opts.encoding);
    this.nullMask = this.nulls.mask;
    this.emptyIsNull = this.nulls.emptyIsNull;
    this.latin1Text = opts.encoding === 'latin1';
    this.policy = opts.onBadLines;
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  /** 1-based physical line of the next unscanned byte. */
  get line(): number {
    return this.curLine;
  }

  /**
   * Offset in the current region from which bytes must be carried into the next one:
   * the start of the unfinished record (its finished fields point into it), or of the
   * pending whitespace-only line.
   */
  get keepFrom(): number {
    const st = this.state;
    if (st === S_RECORD) return this.end;
    if (st === S_BLANK) return this.lineStart;
    return this.recStartAbs - this.abs0;
  }

  /** The header record's fields (after HEADER_DONE), decoded, without null handling. */
  get headerFields(): string[] {
    return this.header;
  }

  get badLines(): { count: number; lines: number[] } {
    return { count: this.badCount, lines: this.badLineNumbers.slice() };
  }

  get rows(): number {
    return this.row;
  }

  /**
   * For a part of a file read on its own: the input starts at a record boundary on
   * physical line `line` (1 when the part counts its lines itself), after the header
   * (read elsewhere), so there is no header record.
   */
  resumeAt(line: number): void {
    this.headerMode = false;
    this.curLine = line;
    this.recLine = line;
    this.quoteLine = line;
  }

  /**
   * The input's first byte is byte `offset` of the file (a part's start, or the length of
   * a byte order mark left out): record offsets, which pick the sampled rows, are the file's.
   */
  startAt(offset: number): void {
    this.abs0 = offset;
    this.recStartAbs = offset;
  }

  /** The input fed so far ends between records: its next byte would start a new record. */
  get atRecordBoundary(): boolean {
    return this.state === S_RECORD && !this.afterCR && this.pos === this.end;
  }

  /**
   * Sets the next input region. `buf[0, buf.length)` must continue the stream exactly
   * from the previous region's `keepFrom`. `ascii` may be true only when every byte of
   * the region is below 0x80 (it lets UTF-8 text decode through the fast Latin-1 path).
   */
  feed(buf: Buffer, ascii: boolean): void {
    const shift = this.keepFrom;
    this.abs0 += shift;
    this.pos = Math.max(0, this.pos - shift);
    this.fStart -= shift;
    this.lineStart -= shift;
    if (shift > 0 && this.midRecord()) {
      // The unfinished record's finished fields move with it.
      const r2 = this.row << 1;
      for (let k = 0; k < this.nslots; k++) {
        if (this.slotField[k] >= this.fieldIdx) continue;
        const at = this.cols[k];
        if (at[r2] >= 0) {
          at[r2] -= shift;
          at[r2 + 1] -= shift;
        }
      }
    }
    this.buf = buf;
    this.end = buf.length;
    this.oneByte = this.latin1Text || ascii;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }

  /** Data fields of the current record are already recorded. */
  private midRecord(): boolean {
    return !this.headerMode && this.state !== S_RECORD && this.state !== S_BLANK && this.fieldIdx > 0;
  }

  /** Switches from the header record to data rows. `slots[i]` is the output column of field i, or -1. */
  startData(ncols: number, slots: Int32Array, batchRows: number): void {
    this.headerMode = false;
    this.ncols = ncols;
    this.slots = slots;
    this.nslots = 0;
    for (let k = 0; k < slots.length; k++) if (slots[k] >= 0) this.nslots++;
    this.slotField = new Int32Array(this.nslots);
    for (let k = 0; k < slots.length; k++) if (slots[k] >= 0) this.slotField[slots[k]] = k;
    this.cols = [];
    this.spare = undefined;
    this.batchRows = batchRows;
    this.badCount = 0;
    this.badLineNumbers = [];
    this.newBatch();
  }

  /**
   * Starts an empty batch (the previous batch's arrays are handed over with it, and come
   * back through recycle). The fields already read of an unfinished record move to the new
   * batch's first row.
   */
  newBatch(): void {
    const old = this.cols;
    const oldSpecials = this.specials;
    const oldRow = this.row;
    const carry = old.length > 0 && this.midRecord();
    this.specials = [];
    // Sized like the last batch: a region holds about as many rows as the one before.
    const cap = Math.min(this.batchRows, Math.max(MIN_BATCH_CAPACITY, oldRow + (oldRow >>> 3)));
    const spare = this.spare;
    this.spare = undefined;
    if (spare && spare.lines.length >= cap) {
      // Every accepted row writes all its slots, so old contents need no clearing.
      this.cols = spare.cols;
      this.lines = spare.lines;
    } else {
      this.cols = [];
      for (let k = 0; k < this.nslots; k++) this.cols.push(new Int32Array(2 * cap));
      this.lines = new Int32Array(cap);
    }
    this.row = 0;
    this.sampleCount = 0;
    if (!carry) return;
    for (let k = 0; k < this.nslots; k++) {
      if (this.slotField[k] >= this.fieldIdx) continue;
      let s = old[k][2 * oldRow];
      if (s <= -2) {
        this.specials.push(oldSpecials[-2 - s]);
        s = -1 - this.specials.length;
      }
      this.cols[k][0] = s;
      this.cols[k][1] = old[k][2 * oldRow + 1];
    }
  }

  /** Doubles the batch's arrays (up to batchRows rows), keeping the first `rows` rows and the unfinished one. */
  private grow(rows: number): void {
    const cap = Math.min(this.batchRows, this.lines.length * 2);
    for (let k = 0; k < this.nslots; k++) {
      const next = new Int32Array(2 * cap);
      next.set(this.cols[k].subarray(0, 2 * rows + 2));
      this.cols[k] = next;
    }
    const lines = new Int32Array(cap);
    lines.set(this.lines.subarray(0, rows));
    this.lines = lines;
  }

  /**
   * The current batch: per slot the field ranges (see TextBytes) over `region`, the
   * decoded specials, and the 1-based start line of each row.
   */
  takeBatch(): { rows: number; at: Int32Array[]; specials: string[]; lines: Int32Array; allLines: Int32Array; samples: Int32Array; region: Buffer; oneByte: boolean } {
    const rows = this.row;
    const lines = rows === this.lines.length ? this.lines : this.lines.subarray(0, rows);
    const samples = this.samples.slice(0, this.sampleCount);
    return { rows, at: this.cols, specials: this.specials, lines, allLines: this.lines, samples, region: this.buf, oneByte: this.oneByte };
  }

  /** Notes row `row` (a record from absolute byte `start` to `end`) for type sampling when the rule picks it. */
  private sample(row: number, start: number, end: number): void {
    if (start >= SAMPLE_ALL_BYTES && Math.floor((end - 1) / SAMPLE_STRIDE) * SAMPLE_STRIDE < start) return;
    if (this.sampleCount === this.samples.length) {
      const grown = new Int32Array(2 * this.samples.length);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.sampleCount++] = row;
  }

  /**
   * Takes back the arrays of a batch its consumer is done with (takeBatch's `at` and
   * `allLines`), for the next newBatch: new arrays per batch cost a page fault per 4 KiB.
   */
  recycle(at: Int32Array[], lines: Int32Array): void {
    if (at.length !== this.nslots || at === this.cols) return;
    if (!this.spare || this.spare.lines.length < lines.length) this.spare = { cols: at, lines };
  }

  /** Tokenizes the current region. Returns NEED_INPUT, BATCH_FULL or HEADER_DONE. */
  run(): number {
    const buf = this.buf;
    const end = this.end;
    const D = this.delim;
    const Q = this.quote;
    const ncols = this.ncols;
    const slots = this.slots;
    let cols = this.cols;
    let lines = this.lines;
    const headerMode = this.headerMode;
    const nullMask = this.nullMask;
    const emptyIsNull = this.emptyIsNull;
    // Bytes above every stop byte (most text and digits) need a single comparison.
    const stopMax = D > CR ? D : CR;
    const lowT = (stopMax + 1) * 0x01010101;
    const view = this.view;
    let i = this.pos;
    let state = this.state;
    let fStart = this.fStart;
    let cx = this.complex;
    let line = this.curLine;
    let recLine = this.recLine;
    let fieldIdx = this.fieldIdx;
    let afterCR = this.afterCR;
    let row = this.row;
    let status = NEED_INPUT;

    main: while (i < end) {
      let c = 0;
      if (state === S_RECORD) {
        c = buf[i];
        if (c === LF) {
          if (afterCR) afterCR = false;
          else line++;
          i++;
          continue;
        }
        afterCR = false;
        if (c === CR) {
          line++;
          afterCR = true;
          i++;
          continue;
        }
        if ((c === SP || c === TAB) && c !== D) {
          state = S_BLANK;
          this.lineStart = i;
          this.recStartAbs = this.abs0 + i;
          recLine = line;
          i++;
          continue;
        }
        recLine = line;
        this.recStartAbs = this.abs0 + i;
        fieldIdx = 0;
        state = S_FIELD;
      }
      if (state === S_BLANK) {
        while (i < end) {
          c = buf[i];
          if ((c === SP || c === TAB) && c !== D) i++;
          else break;
        }
        if (i === end) break;
        if (c === LF || c === CR) {
          state = S_RECORD; // a whitespace-only line; S_RECORD consumes its ending
          continue;
        }
        i = this.lineStart; // not blank after all: tokenize the line from its start
        fieldIdx = 0;
        state = S_FIELD;
      }
      if (state === S_FIELD) {
        fStart = i;
        cx = false;
        if (buf[i] === Q) {
          state = S_QUOTED;
          this.quoteLine = line;
          i++;
        } else {
          state = S_UNQUOTED;
        }
      }
      let s = 0;
      let e = 0;
      if (state === S_QUOTED) {
        for (; i < end; i++) {
          c = buf[i];
          if (c === Q) break;
          if (c === LF) {
            if (buf[i - 1] !== CR) line++;
          } else if (c === CR) {
            line++;
          }
        }
        if (i === end) break;
        i++;
        state = S_QUOTE_IN_QUOTED;
        if (i === end) break;
      }
      if (state === S_QUOTE_IN_QUOTED) {
        c = buf[i];
        if (c === Q) {
          cx = true; // "" inside quotes
          state = S_QUOTED;
          i++;
          continue;
        }
        if (c === D || c === LF || c === CR) {
          if (cx) {
            s = fStart;
            e = i;
          } else {
            s = fStart + 1;
            e = i - 1;
          }
        } else {
          cx = true; // text after the closing quote: literal from here on
          state = S_UNQUOTED;
        }
      }
      if (state === S_UNQUOTED) {
        // Four bytes at a time while none of them can be a stop byte (every stop byte is
        // <= stopMax; `(x - lowT) & ~x & 0x80808080` is non-zero exactly when a byte of x
        // is below T = stopMax + 1). The byte loop below then finds the exact byte.
        const last4 = end - 4;
        while (i <= last4) {
          const x = view.getUint32(i, true);
          const m = (x - lowT) & ~x & 0x80808080;
          if (m !== 0) {
            // The lowest flagged byte is exactly the first byte below T (little-endian read).
            i += (31 - Math.clz32(m & -m)) >>> 3;
            break;
          }
          i += 4;
        }
        for (; i < end; i++) {
          c = buf[i];
          if (c <= stopMax && (c === D || c === LF || c === CR)) break;
        }
        if (i === end) break;
        s = fStart;
        e = i;
      }

      // ---- field [s, e) ends at i, terminated by c (delimiter or line ending)
      if (headerMode) {
        this.header.push(this.text(buf, s, e, cx));
      } else if (fieldIdx < ncols) {
        const slot = slots[fieldIdx];
        if (slot >= 0) {
          const at = cols[slot];
          const r2 = row << 1;
          if (cx) {
            this.putComplex(at, r2, buf, s, e);
          } else {
            const len = e - s;
            // Null tokens: a first-byte/length mask rules out almost every value at once.
            const m = len === 0 ? 0 : nullMask[buf[s]];
            if (len === 0 ? emptyIsNull : m !== 0 && ((m >>> (len < 31 ? len : 31)) & 1) !== 0 && this.nulls.matches(buf, s, len)) {
              at[r2] = MISSING;
            } else {
              at[r2] = s;
              at[r2 + 1] = e;
            }
          }
        }
      }
      fieldIdx++;
      i++;
      if (c === D) {
        state = S_FIELD;
        continue;
      }

      // ---- record ends (line ending consumed)
      line++;
      afterCR = c === CR;
      state = S_RECORD;
      if (this.abs0 + i - this.recStartAbs > this.maxRecordBytes) {
        throw this.tooLong(recLine);
      }
      if (headerMode) {
        status = HEADER_DONE;
        break main;
      }
      if (fieldIdx === ncols) {
        lines[row] = recLine;
        this.sample(row, this.recStartAbs, this.abs0 + i);
        row++;
        if (row === lines.length) {
          if (row === this.batchRows) {
            status = BATCH_FULL;
            break main;
          }
          this.grow(row);
          cols = this.cols;
          lines = this.lines;
        }
      } else {
        this.badLine(recLine, fieldIdx);
      }
    }

    this.pos = i;
    this.state = state;
    this.fStart = fStart;
    this.complex = cx;
    this.curLine = line;
    this.recLine = recLine;
    this.fieldIdx = fieldIdx;
    this.afterCR = afterCR;
    this.row = row;
    if (status === NEED_INPUT && state !== S_RECORD && this.abs0 + end - this.recStartAbs > this.maxRecordBytes) {
      throw this.tooLong(recLine);
    }
    return status;
  }

  /**
   * Ends the input: closes the last record if it had no line ending. Returns
   * HEADER_DONE when that record was the header, otherwise NEED_INPUT (the caller
   * takes whatever rows the batch holds). Throws on an unterminated quoted field.
   */
  finish(): number {
    const st = this.state;
    const end = this.end;
    this.pos = end;
    if (st === S_RECORD || st === S_BLANK) {
      this.state = S_RECORD;
      return NEED_INPUT;
    }
    if (st === S_QUOTED) {
      const line = this.quoteLine;
      throw new DataError(`${this.file} line ${line}: quoted field is never closed (end of file inside quotes)`, {
        file: this.file,
        line,
        hint: 'a field that starts with a quote must end with one; write a quote inside a quoted field as two quotes ("")',
      });
    }
    let s = this.fStart;
    let e = end;
    const cx = this.complex;
    if (st === S_FIELD) {
      s = e = end; // the file ends right after a delimiter: one more empty field
    } else if (st === S_QUOTE_IN_QUOTED && !cx) {
      s = this.fStart + 1;
      e = end - 1;
    }
    this.state = S_RECORD;
    if (this.abs0 + end - this.recStartAbs > this.maxRecordBytes) throw this.tooLong(this.recLine);
    if (this.headerMode) {
      this.header.push(this.text(this.buf, s, e, cx));
      return HEADER_DONE;
    }
    const idx = this.fieldIdx;
    if (idx < this.ncols) {
      const slot = this.slots[idx];
      if (slot >= 0) {
        const at = this.cols[slot];
        const r2 = this.row << 1;
        if (cx) this.putComplex(at, r2, this.buf, s, e);
        else if (this.nulls.matches(this.buf, s, e - s)) at[r2] = MISSING;
        else {
          at[r2] = s;
          at[r2 + 1] = e;
        }
      }
    }
    const n = idx + 1;
    this.fieldIdx = 0;
    if (n === this.ncols) {
      this.lines[this.row] = this.recLine;
      this.sample(this.row, this.recStartAbs, this.abs0 + end);
      this.row++;
    } else {
      this.badLine(this.recLine, n);
    }
    return NEED_INPUT;
  }

  private unescape(buf: Buffer, s: number, e: number): number {
    if (this.scratch.length < e - s) this.scratch = Buffer.alloc(Math.max(e - s, this.scratch.length * 2));
    return unescapeQuoted(buf, s, e, this.quote, this.scratch);
  }

  /** Records a quoted field that needs unescaping (raw bytes buf[s, e)): missing, or its decoded text as a special. */
  private putComplex(at: Int32Array, r2: number, buf: Buffer, s: number, e: number): void {
    const n = this.unescape(buf, s, e);
    if (this.nulls.matches(this.scratch, 0, n)) {
      at[r2] = MISSING;
      return;
    }
    this.specials.push(this.latin1Text ? latin1(this.scratch, 0, n) : utf8(this.scratch, 0, n));
    at[r2] = -1 - this.specials.length;
  }

  /** Field text without null handling (header names). */
  private text(buf: Buffer, s: number, e: number, cx: boolean): string {
    if (!cx) return this.latin1Text ? latin1(buf, s, e) : utf8(buf, s, e);
    const n = this.unescape(buf, s, e);
    return this.latin1Text ? latin1(this.scratch, 0, n) : utf8(this.scratch, 0, n);
  }

  private badLine(line: number, got: number): void {
    if (this.policy === 'error') {
      throw new DataError(`${this.file} line ${line}: expected ${this.ncols} fields, got ${got}`, {
        file: this.file,
        line,
        hint: 'fix the row (an unquoted delimiter inside a value is the usual cause), or set on_bad_lines: warn or skip to leave malformed rows out',
      });
    }
    this.badCount++;
    if (this.badLineNumbers.length < MAX_BAD_LINE_NUMBERS) this.badLineNumbers.push(line);
  }

  private tooLong(line: number): DataError {
    return new DataError(`${this.file} line ${line}: record is longer than ${formatBytes(this.maxRecordBytes)}`, {
      file: this.file,
      line,
      hint: 'usually a quote that is never closed or the wrong delimiter; check the file near that line',
    });
  }
}

/** Buffers whose bytes in front of the chunk handed out are free (see `fileChunks` in csv.ts). */
const withHeadroom = new WeakSet<ArrayBufferLike>();

/** Marks `chunk`'s buffer as having free bytes in front of it, for TailCarry to put a tail in. */
export function markHeadroom(chunk: Buffer): Buffer {
  withHeadroom.add(chunk.buffer);
  return chunk;
}

/**
 * Joins the carried tail of one region with the next chunk. Regions are never written
 * to once handed out (batches point into them): the tail is copied into a new buffer,
 * except that a tail which is a whole region at the front of our own buffer (one long
 * record) gets the chunk appended behind it in place, with doubling capacity, so a
 * record spanning many chunks is copied a bounded number of times.
 */
export class TailCarry {
  private acc: Buffer = Buffer.alloc(0);
  private tail: Buffer | null = null;
  /** The tail is acc[0, tail.length): bytes after it are free. */
  private tailAtFront = false;

  /** Bytes currently carried. */
  get length(): number {
    return this.tail !== null ? this.tail.length : 0;
  }

  /** Returns the carried tail followed by `chunk`. */
  join(chunk: Buffer): Buffer {
    const tail = this.tail;
    if (tail === null) return chunk;
    const t = tail.length;
    const need = t + chunk.length;
    if (!this.tailAtFront && chunk.byteOffset >= t && withHeadroom.has(chunk.buffer)) {
      // Free bytes in front of the chunk (a file chunk's headroom): the tail goes there.
      const joined = Buffer.from(chunk.buffer, chunk.byteOffset - t, need);
      tail.copy(joined, 0);
      return joined;
    }
    if (this.tailAtFront && this.acc.length >= need) {
      chunk.copy(this.acc, t);
      return this.acc.subarray(0, need);
    }
    const grown = Buffer.allocUnsafe(this.tailAtFront ? Math.max(need, this.acc.length * 2) : need);
    tail.copy(grown, 0);
    chunk.copy(grown, t);
    this.acc = grown;
    return grown.subarray(0, need);
  }

  /** Remembers `region[from, region.length)` as the tail for the next `join`. */
  keep(region: Buffer, from: number): void {
    if (region.length - from <= 0) {
      this.tail = null;
      this.tailAtFront = false;
      return;
    }
    this.tail = region.subarray(from);
    this.tailAtFront = from === 0 && region.buffer === this.acc.buffer && region.byteOffset === this.acc.byteOffset;
  }

  /** The carried bytes (for end-of-input handling). */
  peek(): Buffer {
    return this.tail ?? Buffer.alloc(0);
  }
}
