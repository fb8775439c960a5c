/**
 * The current data's side of a KS test, in memory that does not grow with the data.
 *
 * The two-sample KS statistic compares the two ECDFs at the pooled data points. Between
 * two adjacent distinct reference values the reference ECDF is flat, so all that matters
 * of the current sample is how many of its values equal each reference value and how
 * many fall in each gap between them (plus the largest value in each gap, which is where
 * the ECDF gap peaks). Those counts give exactly the integers scipy's searchsorted finds,
 * hence the same D (see ksStatisticCounts). Memory is O(distinct reference values),
 * whatever the size of the current data: the reference is read first and shared with
 * every worker.
 */
import type { ColumnBatch } from '../batch.js';
import { sortFloat64 } from '../stats/sort.js';
import { NO_SHIFT, earlier, firstBad, shiftedBad, type Accumulator, type FirstBad, type PartShift, type NeedsReference, type Shareable } from './accumulator.js';
import { NumericSample, readNumbers, withRoom, type NumericSampleResult } from './numeric-sample.js';

/** The reference sample, prepared once: distinct values, their counts, and a lookup grid. */
export interface ReferenceEcdf {
  /** Distinct values, ascending. */
  values: Float64Array;
  /** How often each distinct value occurs. */
  counts: Int32Array;
  /** Values in the reference (the sum of counts). */
  n: number;
  /** cell[c] = first index whose value falls in grid cell c or later (GRID cells + 1 entries); empty when there is no grid. */
  cell: Int32Array;
  /** Grid origin and cells per unit: a value's cell is min(last, floor((x - origin) * scale)). */
  origin: number;
  scale: number;
}

/**
 * Reference values a lookup compares x with all at once when its grid cell holds at most
 * this many (the sum in count() is written out for 8). Values past the cell are above x:
 * the cell of a value is monotone in the value, so a later cell holds only larger ones.
 */
const SCAN = 8;

/** Grid cells per distinct reference value: most lookups then search one or two values (4 measured faster than 1, 2 or 8). */
const CELLS_PER_VALUE = 4;

/**
 * Sorts the reference sample (in place) and builds its lookup structure in shared memory,
 * so it reaches the workers without a copy per message (each thread then copies what its
 * lookup reads, see KsCounts.bind).
 */
export function prepareReference(sample: Float64Array): ReferenceEcdf {
  sortFloat64(sample);
  const u = distinctCount(sample);
  const values = new Float64Array(new SharedArrayBuffer(8 * u));
  const counts = new Int32Array(new SharedArrayBuffer(4 * u));
  fillDistinct(sample, values, counts);
  const lo = values[0];
  const hi = values[u - 1];
  const cells = u * CELLS_PER_VALUE;
  const scale = cells / (hi - lo);
  if (u < 2 || !Number.isFinite(lo) || !Number.isFinite(hi) || !Number.isFinite(scale) || scale <= 0) {
    return { values, counts, n: sample.length, cell: new Int32Array(0), origin: 0, scale: 0 };
  }
  const cell = new Int32Array(new SharedArrayBuffer(4 * (cells + 1)));
  fillCells(values, lo, scale, cell);
  return { values, counts, n: sample.length, cell, origin: lo, scale };
}

// One loop per function, followed by nothing but a return (KEEP_LOOPS_LAST in numeric-sample.ts):
// written as one function, the loops were compiled and thrown away five times in a 100k-row check.

/** Distinct values of a sorted sample. */
function distinctCount(sorted: Float64Array): number {
  let u = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) u++;
  return u;
}

/** The distinct values of a sorted sample and how often each occurs. */
function fillDistinct(sorted: Float64Array, values: Float64Array, counts: Int32Array): void {
  let k = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) values[++k] = sorted[i];
    counts[k]++;
  }
}

/** cell[c] = first index i with cellOf(values[i]) >= c; cellOf is monotone, so this is a running fill. */
function fillCells(values: Float64Array, origin: number, scale: number, cell: Int32Array): void {
  const u = values.length;
  const cells = cell.length - 1;
  let c = 0;
  for (let i = 0; i < u; i++) {
    const ci = cellOf(values[i], origin, scale, cells);
    while (c <= ci) cell[c++] = i;
  }
  cell.fill(u, c);
}

function cellOf(x: number, origin: number, scale: number, cells: number): number {
  const c = Math.floor((x - origin) * scale);
  return c < cells - 1 ? c : cells - 1;
}

interface KsCountsState {
  /** Non-missing numeric values counted. */
  n: number;
  /** eq[k]: values equal to reference value k. */
  eq: Int32Array;
  /** gap[k]: values between reference values k-1 and k (gap[0] below all, gap[u] above all). */
  gap: Int32Array;
  /** Largest value in each gap (-Infinity when empty). */
  gapMax: Float64Array;
  /** Smallest value counted (Infinity when none). */
  min: number;
  nonNumeric: number;
  firstNonNumeric?: FirstBad;
}

export interface KsCountsResult extends KsCountsState {
  /** The reference the counts are against. */
  reference: ReferenceEcdf;
}

/** Counts of the current data's numeric values against a reference's distinct values (see the module comment). */
export class KsCounts implements Accumulator<KsCountsResult>, Shareable, NeedsReference {
  readonly key: string;
  readonly columns: readonly string[];
  private ref?: ReferenceEcdf;
  /** The reference's values followed by SCAN infinities, so a scan of SCAN values never reads past the end. */
  private padded = new Float64Array(0);
  private n = 0;
  /**
   * Per gap k (below reference value k): [values in the gap, values equal to reference
   * value k, largest value in the gap], side by side so one update touches one cache line.
   */
  private tally = new Float64Array(0);
  private min = Infinity;
  /** The batch's numbers, before they are counted. */
  private scratch = new Float64Array(0);
  /** Numbers read before the reference was bound (a worker may start before it is read), counted by bind. */
  private early = new Float64Array(0);
  private earlyCount = 0;
  private nonNumeric = 0;
  private firstNonNumeric?: FirstBad;

  static keyFor(reference: string, column: string): string {
    return `ks:${reference}:${column}`;
  }

  constructor(readonly column: string, readonly reference: string) {
    this.key = KsCounts.keyFor(reference, column);
    this.columns = [column];
  }

  /** The key of the reference accumulator whose sample this one is measured against. */
  static referenceKey(column: string): string {
    return NumericSample.keyFor(column, 'reference');
  }

  /** The input `bind` needs, made from the reference sample of the column (sorted in place). */
  prepare(referenceResult: (key: string) => unknown): ReferenceEcdf {
    return prepareReference((referenceResult(KsCounts.referenceKey(this.column)) as NumericSampleResult).values);
  }

  /** Must be called before the first update. */
  bind(input: unknown): void {
    const shared = input as ReferenceEcdf;
    // A private copy of what the lookup reads: typed arrays over shared memory measured 25 % slower to read.
    const ref = { ...shared, values: shared.values.slice(), cell: shared.cell.slice() };
    const u = ref.values.length;
    this.ref = ref;
    this.padded = new Float64Array(u + SCAN).fill(Infinity);
    this.padded.set(ref.values);
    this.tally = new Float64Array(3 * (u + 1));
    for (let k = 0; k <= u; k++) this.tally[3 * k + 2] = -Infinity;
    if (this.earlyCount > 0) this.count(ref, this.early, this.earlyCount);
    this.early = new Float64Array(0);
    this.earlyCount = 0;
  }

  update(batch: ColumnBatch): void {
    const ref = this.ref;
    if (!ref) {
      // Kept until bind: the reference is still being read.
      this.early = withRoom(this.early, this.earlyCount, this.earlyCount + batch.rows, 1 << 16);
      this.earlyCount += this.read(batch, this.early, this.earlyCount);
      return;
    }
    if (this.scratch.length < batch.rows) this.scratch = new Float64Array(batch.rows);
    this.count(ref, this.scratch, this.read(batch, this.scratch, 0));
  }

  /** The batch's numbers into xs from `at`; returns how many. */
  private read(batch: ColumnBatch, xs: Float64Array, at: number): number {
    const end = readNumbers(batch, this.column, xs, at, (i, value) => {
      if (this.nonNumeric++ === 0) this.firstNonNumeric = firstBad(batch, i, value);
    });
    return end - at;
  }

  /** Counts xs[0, count) against the reference. */
  private count(ref: ReferenceEcdf, xs: Float64Array, count: number): void {
    // The lookup is written out here, with everything in locals: this loop runs once per value.
    const r = this.padded;
    const u = ref.values.length;
    const cell = ref.cell;
    const cells = cell.length - 1;
    const origin = ref.origin;
    const scale = ref.scale;
    const last = u > 0 ? r[u - 1] : 0;
    const tally = this.tally;
    // Nothing after the loop but a return (see KEEP_LOOPS_LAST in numeric-sample.ts).
    this.n += count;
    for (let j = 0; j < count; j++) {
      const x = xs[j];
      let lo = 0;
      let hi = u;
      if (cells > 0) {
        if (x < origin) hi = 0;
        else if (x > last) lo = u;
        else {
          const c = cellOf(x, origin, scale, cells);
          lo = cell[c];
          hi = cell[c + 1];
        }
      }
      // First reference value >= x. A grid cell mostly holds a few values at most: count
      // those below x without a branch per value, since whether one is below x is a coin
      // toss that a branch mispredicts (values past hi are above x, see SCAN).
      const w = hi - lo;
      if (w <= 1) {
        if (w === 1 && r[lo] < x) lo = hi;
      } else if (w <= SCAN) {
        lo += +(r[lo] < x) + +(r[lo + 1] < x) + +(r[lo + 2] < x) + +(r[lo + 3] < x) + +(r[lo + 4] < x) + +(r[lo + 5] < x) + +(r[lo + 6] < x) + +(r[lo + 7] < x);
      } else {
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (r[mid] < x) lo = mid + 1;
          else hi = mid;
        }
      }
      if (x < this.min) this.min = x;
      const at = 3 * lo;
      if (lo < u && r[lo] === x) tally[at + 1]++;
      else {
        tally[at]++;
        if (x > tally[at + 2]) tally[at + 2] = x;
      }
    }
  }

  merge(other: KsCounts): void {
    const first = earlier(this.firstNonNumeric, other.firstNonNumeric);
    this.mergeState(other.state(), NO_SHIFT);
    this.firstNonNumeric = first;
  }

  state(): KsCountsState {
    if (!this.ref && this.earlyCount > 0) throw new Error(`internal: ${this.key} read data, but its reference was never bound`);
    const u = this.ref ? this.ref.values.length : 0;
    const eq = new Int32Array(u);
    const gap = new Int32Array(u + 1);
    const gapMax = new Float64Array(u + 1);
    const tally = this.tally;
    for (let k = 0; k <= u; k++) {
      gap[k] = tally[3 * k];
      if (k < u) eq[k] = tally[3 * k + 1];
      gapMax[k] = tally[3 * k + 2];
    }
    return { n: this.n, eq, gap, gapMax, min: this.min, nonNumeric: this.nonNumeric, firstNonNumeric: this.firstNonNumeric };
  }

  mergeState(state: unknown, shift: PartShift): void {
    const s = state as KsCountsState;
    const tally = this.tally;
    for (let k = 0; k < s.eq.length; k++) tally[3 * k + 1] += s.eq[k];
    for (let k = 0; k < s.gap.length; k++) {
      tally[3 * k] += s.gap[k];
      if (s.gapMax[k] > tally[3 * k + 2]) tally[3 * k + 2] = s.gapMax[k];
    }
    this.n += s.n;
    if (s.min < this.min) this.min = s.min;
    if (this.nonNumeric === 0) this.firstNonNumeric = shiftedBad(s.firstNonNumeric, shift);
    this.nonNumeric += s.nonNumeric;
  }

  result(): KsCountsResult {
    return { ...this.state(), reference: this.ref! };
  }
}

/** KsCounts of a whole in-memory current sample against a reference sample (sorted in place): for callers that hold both. */
export function countAgainst(reference: Float64Array, current: ArrayLike<number>): KsCountsResult {
  const acc = new KsCounts('x', '');
  acc.bind(prepareReference(reference));
  acc.update({ rows: current.length, columns: new Map([['x', { type: 'float', values: current }]]), origin: { file: '', rowStart: 0 } });
  return acc.result();
}
