import { MISSING, type ColumnBatch, type TextBytes } from '../batch.js';
import { earlier, firstBad, isMissing, shiftedBad, type Accumulator, type FirstBad, type PartShift, type Shareable } from './accumulator.js';
import { parseNumber } from './parse-number.js';
import { epochToMs, makeZoneResolver, parseTimestamp, parseTimestampBytes, type ZoneResolver } from './timestamp.js';

export type EpochUnit = 'auto' | 's' | 'ms' | 'us' | 'ns';

export interface MaxTimeResult {
  /** Newest timestamp, epoch milliseconds UTC; NaN when no value parsed. */
  max: number;
  parsed: number;
  /** Present values that are not timestamps. */
  unparseable: number;
  firstUnparseable?: FirstBad;
}

interface MaxTimeState {
  max: number;
  parsed: number;
  unparseable: number;
  firstUnparseable?: FirstBad;
}

/** Newest timestamp of a column: ISO-8601 text, epoch numbers or typed timestamps. */
export class MaxTime implements Accumulator<MaxTimeResult>, Shareable {
  readonly key: string;
  readonly columns: readonly string[];
  private readonly zone: ZoneResolver;
  private max = -Infinity;
  private parsed = 0;
  private unparseable = 0;
  private firstUnparseable?: FirstBad;

  constructor(readonly column: string, private readonly options: { timezone: string; unit: EpochUnit }) {
    this.key = `maxtime:${column}:${options.timezone}:${options.unit}`;
    this.columns = [column];
    this.zone = makeZoneResolver(options.timezone);
  }

  update(batch: ColumnBatch): void {
    const col = batch.columns.get(this.column)!;
    if (col.bytes) {
      this.updateText(batch, col.bytes);
      return;
    }
    const values = col.values;
    const typed = col.type === 'timestamp' || col.type === 'date';
    for (let i = 0; i < batch.rows; i++) {
      const v = values[i];
      if (isMissing(v)) continue;
      let t: number;
      if (typed) t = v as number;
      else if (typeof v === 'string') t = this.parseText(v);
      else if (typeof v === 'number') t = epochToMs(v, this.options.unit);
      else if (typeof v === 'bigint') t = epochToMs(Number(v), this.options.unit);
      else t = NaN;
      if (t !== t) {
        if (this.unparseable++ === 0) this.firstUnparseable = firstBad(batch, i, v);
        continue;
      }
      this.parsed++;
      if (t > this.max) this.max = t;
    }
  }

  /** CSV text: ISO timestamps parsed from the bytes, the string made only for other forms. */
  private updateText(batch: ColumnBatch, col: TextBytes): void {
    const { at, buf } = col;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    const zone = this.zone;
    // The last field parsed from the bytes and its instant: time-ordered exports repeat the
    // same text row after row (many rows a second), and equal bytes are the same instant.
    let lastStart = -1;
    let lastLength = -1;
    let last = NaN;
    for (let i = 0; i < batch.rows; i++) {
      const s = at[2 * i];
      if (s === MISSING) continue;
      let t = NaN;
      if (s >= 0) {
        const length = at[2 * i + 1] - s;
        if (length === lastLength && sameBytes(view, s, lastStart, length)) t = last;
        else {
          t = parseTimestampBytes(buf, s, s + length, zone);
          if (t === t) {
            lastStart = s;
            lastLength = length;
            last = t;
          }
        }
      }
      if (t !== t) {
        const text = col.text(i);
        t = this.parseText(text);
        if (t !== t) {
          if (this.unparseable++ === 0) this.firstUnparseable = firstBad(batch, i, text);
          continue;
        }
      }
      // Kept in the fields as it goes: nothing after the loop (see KEEP_LOOPS_LAST in numeric-sample.ts).
      this.parsed++;
      if (t > this.max) this.max = t;
    }
  }

  private parseText(s: string): number {
    const t = parseTimestamp(s, this.zone);
    if (t === t) return t;
    // Epoch numbers written as text ("1732700000").
    const x = parseNumber(s);
    return Number.isFinite(x) ? epochToMs(x, this.options.unit) : NaN;
  }

  merge(other: MaxTime): void {
    if (other.max > this.max) this.max = other.max;
    this.parsed += other.parsed;
    this.firstUnparseable = earlier(this.firstUnparseable, other.firstUnparseable);
    this.unparseable += other.unparseable;
  }

  state(): MaxTimeState {
    return { max: this.max, parsed: this.parsed, unparseable: this.unparseable, firstUnparseable: this.firstUnparseable };
  }

  mergeState(state: unknown, shift: PartShift): void {
    const s = state as MaxTimeState;
    if (s.max > this.max) this.max = s.max;
    this.parsed += s.parsed;
    if (this.unparseable === 0) this.firstUnparseable = shiftedBad(s.firstUnparseable, shift);
    this.unparseable += s.unparseable;
  }

  result(): MaxTimeResult {
    return {
      max: this.parsed > 0 ? this.max : NaN,
      parsed: this.parsed,
      unparseable: this.unparseable,
      firstUnparseable: this.firstUnparseable,
    };
  }
}

/** view[a, a + n) equals view[b, b + n): four bytes at a time from the end, where timestamps differ first. */
function sameBytes(view: DataView, a: number, b: number, n: number): boolean {
  let k = n - 4;
  for (; k >= 0; k -= 4) if (view.getUint32(a + k) !== view.getUint32(b + k)) return false;
  for (k += 3; k >= 0; k--) if (view.getUint8(a + k) !== view.getUint8(b + k)) return false;
  return true;
}
