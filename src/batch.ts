/**
 * The one columnar shape every source produces and every metric consumes.
 * Checks never see files; sources never see checks.
 */

/** Logical type of a column. CSV columns arrive as `text` and are typed by inference. */
export type ColumnType =
  | 'text'
  | 'string'
  | 'integer'
  | 'float'
  | 'boolean'
  | 'timestamp'
  | 'date'
  | 'decimal'
  | 'binary'
  | 'nested';

/**
 * One column of one batch.
 *
 * Value conventions, per `type` (null or undefined is always a missing value):
 * - `text`: string (CSV field; the source already turned null tokens into null)
 * - `string`: string; `binary`: Uint8Array
 * - `integer`: number or bigint; `float`: number (NaN counts as missing, as pandas does)
 * - `boolean`: boolean
 * - `timestamp`, `date`: number, epoch milliseconds UTC (fractional below 1 ms)
 * - `decimal`: number (may lose precision past 15 digits)
 * - `nested`: any; only null counting is defined on it
 */
export interface Column {
  type: ColumnType;
  values: ArrayLike<unknown>;
  /**
   * For `text` columns read from CSV: the fields as byte ranges into the input, so
   * metrics can count nulls, parse numbers and timestamps and hash keys without
   * making a string per field. `values` then decodes on first use.
   */
  bytes?: TextBytes;
}

/** Field i has no value (a null token). */
export const MISSING = -1;

/**
 * A text column as byte ranges. Field i is `buf[at[2i], at[2i+1])`, except:
 * `at[2i] === MISSING` is a missing value, and `at[2i] <= -2` means the field needed
 * unescaping (a quoted field with `""` or text after the closing quote) and its text is
 * `special[-2 - at[2i]]`. The bytes are never modified once a batch is made.
 */
export interface TextBytes {
  readonly buf: Uint8Array;
  readonly at: Int32Array;
  readonly special: readonly string[];
  /** Every byte decodes to one char (ASCII input, or a Latin-1 file): char codes equal bytes. */
  readonly oneByte: boolean;
  /** The text of field i; i must not be missing. */
  text(i: number): string;
}

export interface ColumnBatch {
  /** Number of rows in this batch. Every column has exactly this many values. */
  rows: number;
  /** Columns by name; a source may omit columns nobody asked for. */
  columns: Map<string, Column>;
  /** Where the rows came from, for error messages. */
  origin: BatchOrigin;
  /**
   * The consumer is done with the batch: the source may reuse its arrays and bytes for a
   * later batch. Optional to call (a batch never released is left to the garbage
   * collector); after the call nothing of the batch may be read, columns included. Reusing
   * memory matters because fresh memory costs a page fault per 4 KiB on first touch.
   */
  release?(): void;
}

export interface BatchOrigin {
  file: string;
  /** 0-based index of the batch's first row within `file`. */
  rowStart: number;
  /** For text sources: 1-based physical line where each row starts (for messages). */
  lines?: Int32Array;
  /**
   * For CSV: the rows (ascending) that type inference looks at, picked by their byte
   * offsets in the file so that any cut of the file into parts picks the same rows.
   */
  samples?: Int32Array;
  /** Bytes of `file` read so far (approximate: read-ahead included), for progress. */
  bytesRead?: number;
}

export interface ColumnInfo {
  name: string;
  type: ColumnType;
}

/** A readable dataset: one file, or many files read as one table. */
export interface Source {
  /** Human-readable description (path or glob) for reports. */
  readonly description: string;
  /** Column names and declared types, read without scanning the data (header / footer). */
  schema(): Promise<ColumnInfo[]>;
  /** Stream the data. `columns` limits what is decoded; undefined means all. */
  batches(columns?: string[]): AsyncIterable<ColumnBatch>;
}
