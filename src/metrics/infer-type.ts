import { MISSING, type ColumnBatch, type ColumnType } from '../batch.js';
import { isMissing, type Accumulator, type Shareable } from './accumulator.js';
import { parseDecimalBytes, parseNumber } from './parse-number.js';
import { makeZoneResolver, parseTimestamp, parseTimestampBytes } from './timestamp.js';

/** What a column holds: a source's declared type, or for CSV text the narrowest type every value fits. */
export type InferredType = 'integer' | 'float' | 'boolean' | 'timestamp' | 'string' | 'empty' | Exclude<ColumnType, 'text'>;

const INT = 1;
const FLOAT = 2;
const BOOL = 4;
const TIME = 8;
const BOOL_WORDS = new Set(['true', 'false', 'True', 'False', 'TRUE', 'FALSE']);
const UTC = makeZoneResolver('UTC');

/**
 * Rows examined when the source does not pick them (batch.origin.samples, as CSV does): the
 * first FULL_ROWS of each file, then every SAMPLE_EVERY-th. The type is reported, not
 * enforced, so a spread sample does.
 */
const FULL_ROWS = 1024;
const SAMPLE_EVERY = 32;

/**
 * Infers a text column's type from its values, as pandas' parser would type it:
 * integer ⊂ float; boolean from True/False words; timestamp from ISO-8601 values.
 * Checks that depend on a type (drift, freshness) test every value themselves; this
 * looks at a sample of rows chosen by their place in the file (see FULL_ROWS), so that the
 * answer does not depend on how the data was cut into batches or parts.
 */
export class InferType implements Accumulator<InferredType>, Shareable {
  readonly key: string;
  readonly columns: readonly string[];
  /** Bit set of the types every value seen so far fits. */
  private fits = INT | FLOAT | BOOL | TIME;
  private declared?: Exclude<ColumnType, 'text'>;
  /** Present values looked at, and present values seen (only whether it is 0 matters). */
  private sampled = 0;
  private present = 0;

  constructor(readonly column: string) {
    this.key = `type:${column}`;
    this.columns = [column];
  }

  update(batch: ColumnBatch): void {
    const col = batch.columns.get(this.column)!;
    if (col.type !== 'text') {
      this.declared = col.type;
      return;
    }
    const bytes = col.bytes;
    const values = bytes ? undefined : col.values;
    let fits = this.fits;
    const rowStart = batch.origin.rowStart;
    const rows = batch.rows;
    const look = (i: number): void => {
      this.sampled++;
      if (bytes && bytes.at[2 * i] >= 0) {
        // From the bytes when the value is a plain decimal, or when only a timestamp is still possible.
        const { buf, at: pos } = bytes;
        const start = pos[2 * i];
        const end = pos[2 * i + 1];
        const x = fits & (INT | FLOAT) ? parseDecimalBytes(buf, start, end) : NaN;
        if (x === x) {
          // A plain decimal is neither a boolean word nor an ISO timestamp.
          if (!Number.isInteger(x) || buf.subarray(start, end).includes(46)) fits &= ~INT;
          fits &= ~(BOOL | TIME);
          return;
        }
        if ((fits & (INT | FLOAT | BOOL)) === 0) {
          const t = parseTimestampBytes(buf, start, end, UTC);
          if (t !== t) fits &= ~TIME;
          return;
        }
      }
      const s = bytes ? bytes.text(i) : (values![i] as string);
      if (fits & (INT | FLOAT)) {
        const x = parseNumber(s);
        if (x !== x) fits &= ~(INT | FLOAT);
        else if (!Number.isInteger(x) || looksFractional(s)) fits &= ~INT;
      }
      if (fits & BOOL && !BOOL_WORDS.has(s)) fits &= ~BOOL;
      if (fits & TIME) {
        const t = parseTimestamp(s, UTC);
        if (t !== t) fits &= ~TIME;
      }
    };
    const missing = (i: number) => (bytes ? bytes.at[2 * i] === MISSING : isMissing(values![i]));
    const samples = batch.origin.samples;
    if (samples) {
      // Whether any value is present at all is looked for in every row, until one is.
      if (this.present === 0) {
        for (let i = 0; i < rows; i++) {
          if (missing(i)) continue;
          this.present++;
          break;
        }
      }
      for (let k = 0; k < samples.length && fits !== 0; k++) if (!missing(samples[k])) look(samples[k]);
      this.fits = fits;
      return;
    }
    let i = 0;
    while (i < rows && fits !== 0) {
      const at = rowStart + i;
      const sampledRow = at < FULL_ROWS || at % SAMPLE_EVERY === 0;
      // Once any value is present, only the sampled rows matter.
      if (!sampledRow && this.present > 0) {
        i += SAMPLE_EVERY - (at % SAMPLE_EVERY);
        continue;
      }
      if (!missing(i)) {
        this.present++;
        if (sampledRow) look(i);
      }
      i++;
    }
    this.fits = fits;
  }

  /** Merged in row order: a later part's declared type wins, as the last file's does in one pass. */
  merge(other: InferType): void {
    this.mergeState(other.state());
  }

  state(): { fits: number; sampled: number; present: number; declared?: Exclude<ColumnType, 'text'> } {
    return { fits: this.fits, sampled: this.sampled, present: this.present, declared: this.declared };
  }

  mergeState(state: unknown): void {
    const s = state as ReturnType<InferType['state']>;
    this.fits &= s.fits;
    this.sampled += s.sampled;
    this.present += s.present;
    if (s.declared) this.declared = s.declared;
  }

  result(): InferredType {
    if (this.declared) return this.declared;
    if (this.present === 0) return 'empty';
    // So sparse that no value fell on a sampled line: say nothing narrower than text.
    if (this.sampled === 0) return 'string';
    if (this.fits & INT) return 'integer';
    if (this.fits & FLOAT) return 'float';
    if (this.fits & BOOL) return 'boolean';
    if (this.fits & TIME) return 'timestamp';
    return 'string';
  }
}

/** "1.0" and "1e3" are floats to pandas even when their value is whole. */
function looksFractional(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 || c === 101 || c === 69) return true;
  }
  return false;
}
