import { MISSING, type ColumnBatch, type TextBytes } from '../batch.js';
import { earlier, firstBad, isMissing, shiftedBad, type Accumulator, type FirstBad, type PartShift, type Shareable } from './accumulator.js';
import { parseDecimalBytes, parseNumber } from './parse-number.js';

export interface NumericSampleResult {
  /** The non-missing values, in no particular order. */
  values: Float64Array;
  /** Values that are present but not numbers. */
  nonNumeric: number;
  /** The first such value and where it is, for the message. */
  firstNonNumeric?: FirstBad;
}

/**
 * Every non-missing numeric value of a column, kept as a growing Float64Array
 * (8 bytes a value) for tests that need the whole sample, such as KS.
 */
export class NumericSample implements Accumulator<NumericSampleResult>, Shareable {
  readonly key: string;
  readonly columns: readonly string[];
  private buf = new Float64Array(1024);
  private n = 0;
  private nonNumeric = 0;
  private firstNonNumeric?: FirstBad;

  static keyFor(column: string, role: string): string {
    return `sample:${role}:${column}`;
  }

  constructor(readonly column: string, role = 'current') {
    this.key = NumericSample.keyFor(column, role);
    this.columns = [column];
  }

  update(batch: ColumnBatch): void {
    this.reserve(batch.rows);
    this.n = readNumbers(batch, this.column, this.buf, this.n, (i, value) => {
      if (this.nonNumeric++ === 0) this.firstNonNumeric = firstBad(batch, i, value);
    });
  }

  merge(other: NumericSample): void {
    this.reserve(other.n);
    this.buf.set(other.buf.subarray(0, other.n), this.n);
    this.n += other.n;
    this.firstNonNumeric = earlier(this.firstNonNumeric, other.firstNonNumeric);
    this.nonNumeric += other.nonNumeric;
  }

  /** The values are a view of the buffer: transfer its ArrayBuffer rather than copy it. */
  state(): NumericSampleResult {
    return { values: this.buf.subarray(0, this.n), nonNumeric: this.nonNumeric, firstNonNumeric: this.firstNonNumeric };
  }

  mergeState(state: unknown, shift: PartShift): void {
    const s = state as NumericSampleResult;
    const values = s.values;
    if (this.n === 0 && values.byteOffset === 0) {
      // Adopt the part's buffer (its spare capacity included) instead of copying it.
      this.buf = new Float64Array(values.buffer as ArrayBuffer, 0, values.buffer.byteLength >>> 3);
      this.n = values.length;
    } else {
      if (this.n + values.length > this.buf.length) {
        // Exactly the room needed: parts arrive whole, so doubling would only waste memory.
        const next = new Float64Array(this.n + values.length);
        next.set(this.buf.subarray(0, this.n));
        this.buf = next;
      }
      this.buf.set(values, this.n);
      this.n += values.length;
    }
    if (this.nonNumeric === 0) this.firstNonNumeric = shiftedBad(s.firstNonNumeric, shift);
    this.nonNumeric += s.nonNumeric;
  }

  result(): NumericSampleResult {
    return { values: this.buf.subarray(0, this.n), nonNumeric: this.nonNumeric, firstNonNumeric: this.firstNonNumeric };
  }

  private reserve(extra: number): void {
    this.buf = withRoom(this.buf, this.n, this.n + extra);
  }
}

/**
 * `buf` with room for `need` values and its first `used` kept: `buf` itself when it has the
 * room, else a copy at least twice as long (and at least `min`).
 */
export function withRoom(buf: Float64Array<ArrayBuffer>, used: number, need: number, min = 0): Float64Array<ArrayBuffer> {
  if (need <= buf.length) return buf;
  const next = new Float64Array(Math.max(2 * buf.length, need, min));
  next.set(buf.subarray(0, used));
  return next;
}

/**
 * The present values of a column as numbers, written to `out` from index `at` (room for
 * batch.rows is needed). Returns the index after the last one written; `bad` hears of
 * each present value that is not a number. CSV text is parsed from its bytes, a string
 * made only for unusual forms. A loop of its own, so the callers' loops over the numbers
 * stay simple.
 */
export function readNumbers(batch: ColumnBatch, column: string, out: Float64Array, at: number, bad: (row: number, value: unknown) => void): number {
  const col = batch.columns.get(column)!;
  return col.bytes ? numbersOfText(col.bytes, batch.rows, out, at, bad) : numbersOfValues(col.values, batch.rows, out, at, bad);
}

/*
 * KEEP_LOOPS_LAST: in a function with a long loop, nothing but a return of locals comes
 * after the loop. V8 compiles a long-running loop on the spot (on-stack replacement)
 * before the code after it has ever run, so that code has no type feedback and the
 * compiled loop is thrown away on the way out; the Node 20 engine then kept reusing that
 * loop code and throwing it away, batch after batch (readNumbers: 793 times in one 10M-row
 * run, and a worker's share of the work slowed by about a third).
 */

function numbersOfText(bytes: TextBytes, rows: number, out: Float64Array, at: number, bad: (row: number, value: unknown) => void): number {
  let n = at;
  const { at: pos, buf } = bytes;
  for (let i = 0; i < rows; i++) {
    const s = pos[2 * i];
    if (s === MISSING) continue;
    let x = s >= 0 ? parseDecimalBytes(buf, s, pos[2 * i + 1]) : NaN;
    if (x !== x) {
      const text = bytes.text(i);
      x = parseNumber(text);
      if (x !== x) {
        bad(i, text);
        continue;
      }
    }
    out[n++] = x;
  }
  return n;
}

function numbersOfValues(values: ArrayLike<unknown>, rows: number, out: Float64Array, at: number, bad: (row: number, value: unknown) => void): number {
  let n = at;
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    if (isMissing(v)) continue;
    const x = toNumber(v);
    if (x !== x) {
      bad(i, v);
      continue;
    }
    out[n++] = x;
  }
  return n;
}

/** A value as a number, NaN when it is not numeric. */
function toNumber(v: unknown): number {
  switch (typeof v) {
    case 'number':
      return v;
    case 'string':
      return parseNumber(v);
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v ? 1 : 0;
    default:
      return NaN;
  }
}
