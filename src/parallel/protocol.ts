/**
 * Messages between the main thread and the scan workers, and how errors cross over.
 * Everything here survives structured clone: plain data, typed arrays, Sets; no functions.
 */
import type { DatasetConfig } from '../config/types.js';
import { DataError, DqcError, UsageError, type ExitCode } from '../errors.js';
import type { ScanRole } from '../run.js';
import type { CsvRange } from '../sources/csv.js';
import type { Format } from '../sources/open.js';
import type { RowGroupRange } from '../sources/parquet.js';
import type { BadLinesSummary } from '../sources/bad-lines.js';

/** One file, or a share of it, within a part. */
export interface Piece {
  file: string;
  format: Format;
  /** Hive partition keys of the file (folder names), as the whole dataset reads them. */
  partitions: [string, string | null][];
  csv?: CsvRange;
  rowGroups?: RowGroupRange;
}

/** Scan one part with the accumulators the dataset's checks plan, and send back their states. */
export interface ScanTask {
  kind: 'scan';
  dataset: DatasetConfig;
  role: ScanRole;
  /** The reference path, for role 'reference'. */
  reference?: string;
  pieces: Piece[];
  /** The dataset has several files: columns a file lacks read as nulls, as in MultiSource. */
  multi: boolean;
  description: string;
  /** Set to non-zero at `slot` when the part's result is no longer wanted. */
  cancel: Int32Array;
  /**
   * Set to non-zero at `slot` when another worker is free: the part then gives away the
   * second half of what it has not read yet (a `split` reply), if at least stealMinBytes.
   */
  steal?: Int32Array;
  stealMinBytes?: number;
  slot: number;
  /**
   * Inputs of the accumulators that need the reference, by key (NeedsReference.bind).
   * Absent when the reference is still being read: they follow as a Note, and the part
   * is read meanwhile (those accumulators keep its values until then).
   */
  inputs?: Record<string, unknown>;
}

/** What the main thread sends a running scan later: the reference's inputs, or that they will never come. */
export type Note = { inputs: Record<string, unknown> } | { abort: string };

export type BadLines = BadLinesSummary;

export type Reply =
  | { kind: 'progress'; rows: number; bytes?: number }
  /** The part now ends at byte `at` (-1: it could not be split); bytes `at` to `end` (undefined: the end of the file) are left for a new part. */
  | { kind: 'split'; at: number; end?: number }
  | {
      kind: 'scanned';
      rows: number;
      /** Physical lines read, for a part that is one CSV range: the next part of its file starts on the line after. */
      lines?: number;
      states: Record<string, unknown>;
      badLines?: BadLines;
      bytes?: number;
      seconds: number;
    }
  | { kind: 'failed'; error: WireError };

/** An error as data. */
export interface WireError {
  /** dqc: a user-facing DqcError; mismatch: the part was split at a wrong place; cancelled; internal: a bug or crash. */
  kind: 'dqc' | 'mismatch' | 'cancelled' | 'internal';
  name: string;
  message: string;
  code?: string;
  exitCode?: number;
  hint?: string;
  file?: string;
  line?: number;
  stack?: string;
}

/** The part's result is no longer wanted (another part failed first). */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

export function toWire(err: unknown): WireError {
  if (err instanceof DqcError) {
    const data = err instanceof DataError ? { file: err.file, line: err.line } : {};
    return { kind: 'dqc', name: err.name, message: err.message, code: err.code, exitCode: err.exitCode, hint: err.hint, ...data };
  }
  if (err instanceof Error) {
    const kind = err.name === 'CsvPartMismatch' ? 'mismatch' : err instanceof Cancelled ? 'cancelled' : 'internal';
    return { kind, name: err.name, message: err.message, stack: err.stack };
  }
  return { kind: 'internal', name: 'Error', message: String(err) };
}

/** The error again, as the main thread throws it: the same class, message, hint, file and line. */
export function fromWire(w: WireError, where: string): Error {
  if (w.kind === 'dqc') {
    if (w.name === 'DataError') return new DataError(w.message, { file: w.file, line: w.line, hint: w.hint });
    if (w.name === 'UsageError') return new UsageError(w.message, w.hint);
    const e = new DqcError(w.code ?? 'E_DATA', (w.exitCode ?? 3) as ExitCode, w.message, w.hint);
    e.name = w.name;
    return e;
  }
  const e = new Error(w.name === 'WorkerCrash' ? `internal: ${w.message}` : `internal: a worker reading ${where} failed: ${w.name}: ${w.message}`);
  if (w.stack) e.stack = `${e.message}\n--- in the worker:\n${w.stack}`;
  return e;
}

/** The ArrayBuffers of the typed arrays in a state, to transfer rather than copy. */
export function transferables(value: unknown, out: ArrayBuffer[] = [], seen = new Set<unknown>()): ArrayBuffer[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    if (buffer instanceof ArrayBuffer && !out.includes(buffer)) out.push(buffer);
    return out;
  }
  if (value instanceof Set || value instanceof Map) return out;
  for (const v of Array.isArray(value) ? value : Object.values(value)) transferables(v, out, seen);
  return out;
}
