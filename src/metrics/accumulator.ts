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

/**
 * The first offending value of a column and where it is: `row` (0-based, in its file)
 * orders merges; `line` is the 1-based physical line, for text files.
 */
export interface FirstBad {
  value: string;
  row: number;
  line?: number;
}

export function firstBad(batch: ColumnBatch, i: number, value: unknown): FirstBad {
  const lines = batch.origin.lines;
  const bad: FirstBad = { value: String(value), row: batch.origin.rowStart + i };
  if (lines) bad.line = lines[i];
  return bad;
}

/** Where a first offender sits, for messages: "line 812" for text files, "row 811" otherwise. */
export function placeOf(bad: FirstBad): string {
  return bad.line !== undefined ? `line ${bad.line}` : `row ${bad.row + 1}`;
}

/** The earlier of two first offenders, so merge order does not matter. */
export function earlier(a: FirstBad | undefined, b: FirstBad | undefined): FirstBad | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.row < a.row ? b : a;
}

/**
 * What a part's rows and lines are counted from. A part of a CSV file after the first
 * counts both from its own start (it cannot know how many come before it without
 * reading them); the merge adds the rows and lines of the parts before it.
 */
export interface PartShift {
  rows: number;
  lines: number;
}

export const NO_SHIFT: PartShift = { rows: 0, lines: 0 };

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
   * part is kept, as in one pass. `shift` is added to the row and line of offender
   * records (a part that counted them from its own start rather than its file's).
   */
  mergeState(state: unknown, shift: PartShift): void;
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

/** The first offender of a part's state, moved by the part's shift. */
export function shiftedBad(bad: FirstBad | undefined, shift: PartShift): FirstBad | undefined {
  if (!bad) return undefined;
  const moved: FirstBad = { value: bad.value, row: bad.row + shift.rows };
  if (bad.line !== undefined) moved.line = bad.line + shift.lines;
  return moved;
}
