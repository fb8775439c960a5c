import type { ColumnBatch } from '../batch.js';

/**
 * A metric computed in one pass. `merge` is associative and commutative, so
 * chunks read in any order, or by several workers, give the same result.
 */
export interface Accumulator<R> {
  /** Stable identity: two checks needing the same metric share one accumulator. */
  readonly key: string;
  /** Columns this metric reads. */
  readonly columns: readonly string[];
  update(batch: ColumnBatch): void;
  merge(other: this): void;
  result(): R;
}

/** A value is missing when null/undefined, or a NaN number (as pandas `isnull`). */
export function isMissing(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'number' && v !== v);
}

/** The first offending value of a column and where it is; `row` orders merges. */
export interface FirstBad {
  value: string;
  place: string;
  row: number;
}

export function firstBad(batch: ColumnBatch, i: number, value: unknown): FirstBad {
  return { value: String(value), place: rowPlace(batch, i), row: batch.origin.rowStart + i };
}

/** The earlier of two first offenders, so merge order does not matter. */
export function earlier(a: FirstBad | undefined, b: FirstBad | undefined): FirstBad | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.row < a.row ? b : a;
}

/** Where row `i` of a batch sits, for messages: "line 812" for text files, "row 811" otherwise. */
export function rowPlace(batch: ColumnBatch, i: number): string {
  const lines = batch.origin.lines;
  return lines ? `line ${lines[i]}` : `row ${batch.origin.rowStart + i + 1}`;
}

/**
 * An accumulator whose state can move between threads: a worker scans part of the
 * data, sends `state()`, and the main thread folds it in with `mergeState`.
 */
export interface Shareable {
  /**
   * The state as structured-clone-able data. Typed arrays in it may be transferred
   * rather than copied, after which this accumulator must not be used again.
   */
  state(): unknown;
  /**
   * Folds in the `state()` of an accumulator with the same key that read a later part of
   * the same scan. Parts are folded in scan order, so the first offender of the earliest
   * part is kept, as in one pass. `rowOffset` is added to the row of offender records (a
   * part that counted its rows from 0 rather than from the start of its file).
   */
  mergeState(state: unknown, rowOffset: number): void;
}

export function isShareable<R>(acc: Accumulator<R>): acc is Accumulator<R> & Shareable {
  const a = acc as Partial<Shareable>;
  return typeof a.state === 'function' && typeof a.mergeState === 'function';
}

/**
 * An accumulator measured against reference data (drift): the reference is scanned
 * first, `prepare` makes its input from the reference accumulators' results once, on
 * the main thread, and `bind` hands it that input (also in each worker) before any update.
 * The input must survive structured clone; shared memory keeps it from being copied.
 */
export interface NeedsReference {
  /** Path of the reference data. */
  readonly reference: string;
  prepare(referenceResult: (key: string) => unknown): unknown;
  bind(input: unknown): void;
}

export function needsReference<R>(acc: Accumulator<R>): acc is Accumulator<R> & NeedsReference {
  const a = acc as Partial<NeedsReference>;
  return typeof a.prepare === 'function' && typeof a.bind === 'function' && typeof a.reference === 'string';
}

/** The first offender of a part's state, its row moved by `rowOffset`. */
export function shiftedBad(bad: FirstBad | undefined, rowOffset: number): FirstBad | undefined {
  return bad && { ...bad, row: bad.row + rowOffset };
}
