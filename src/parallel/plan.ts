/**
 * Splitting a scan into parts for the workers: plain CSV files at record boundaries
 * into byte ranges, Parquet files into contiguous runs of row groups, and the other
 * files of a dataset (gzip, Arrow, JSON Lines, small files) whole, several small ones
 * to a part. Parts are in scan order: read one after another they are the one pass.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CsvSource } from '../sources/csv.js';
import { describeFiles, openFile, type OpenOptions, type SourceFile } from '../sources/open.js';
import { guessBoundary } from '../sources/csv-boundary.js';
import type { Piece } from './protocol.js';
import type { ParallelSettings } from './settings.js';

/** Bytes of CSV that read in about the time of one Parquet row (all checks, measured on the benchmark data). */
export const PARQUET_ROW_BYTES = 32;
/** Assumed compression ratio of gzip files, to weigh them against plain ones. */
const GZIP_RATIO = 4;
/** Most parts one file is split into. */
const MAX_PIECES = 1024;

export interface PartPlan {
  pieces: Piece[];
  /** A CSV range after the first of its file: its rows are numbered on from the part before. */
  continues: boolean;
  /** Names the part in messages. */
  label: string;
}

interface FileWork {
  piece: Piece;
  bytes: number;
  /** Reading cost in bytes of plain CSV. */
  units: number;
  csv: boolean;
  /** Row counts of the row groups, for a Parquet file. */
  groups?: number[];
}

/** The parts of a scan, or why it is read in one pass. */
export async function planParts(
  spec: string,
  files: SourceFile[],
  options: OpenOptions,
  settings: ParallelSettings,
): Promise<{ parts: PartPlan[] } | { reason: string }> {
  if (settings.workers < 2) return { reason: 'one worker' };
  if (files.some((f) => f.path === '-')) return { reason: 'stdin' };
  // Files cost at most PARQUET_ROW_BYTES per byte (a Parquet row takes more than a byte):
  // data this small stays in one pass without a footer read.
  if (files.reduce((n, f) => n + (f.bytes ?? 0), 0) * PARQUET_ROW_BYTES < settings.minSplitBytes) return { reason: 'small data' };
  const described = describeFiles(spec, files.map((f) => f.path), options);
  const work: FileWork[] = [];
  for (let i = 0; i < files.length; i++) {
    const d = described[i];
    const bytes = files[i].bytes ?? 0;
    const piece: Piece = { file: d.path, format: d.format, partitions: d.partitions };
    if (d.format === 'csv') {
      const gzip = /\.gz$/i.test(d.path) || startsWithGzip(d.path);
      work.push({ piece, bytes, units: gzip ? bytes * GZIP_RATIO : bytes, csv: !gzip });
    } else if (d.format === 'parquet') {
      const { ParquetSource } = await import('../sources/parquet.js');
      const groups = await new ParquetSource(d.path).rowGroupRows();
      work.push({ piece, bytes, units: groups.reduce((n, r) => n + r, 0) * PARQUET_ROW_BYTES, csv: false, groups });
    } else {
      work.push({ piece, bytes, units: /\.gz$/i.test(d.path) ? bytes * GZIP_RATIO : bytes, csv: false });
    }
  }
  const total = work.reduce((n, w) => n + w.units, 0);
  if (total < settings.minSplitBytes) return { reason: `${total} bytes (or the equivalent) is below the split threshold of ${settings.minSplitBytes}` };
  const target = partTarget(total, settings);

  // Each file as one piece or as several; split CSV files need their boundaries found first.
  const split = await Promise.all(
    work.map(async (w): Promise<Piece[] | undefined> => {
      const n = piecesOf(w.units, target);
      if (w.csv && n >= 2) return splitCsv(w, Math.min(n, w.bytes), options);
      if (w.groups && n >= 2) return splitParquet(w, Math.min(n, w.groups.length));
      return undefined;
    }),
  );

  const parts: PartPlan[] = [];
  let group: FileWork[] = [];
  let groupUnits = 0;
  const flush = () => {
    if (group.length === 0) return;
    const first = group[0].piece.file;
    parts.push({ pieces: group.map((w) => w.piece), continues: false, label: group.length === 1 ? first : `${first} and ${group.length - 1} more file${group.length === 2 ? '' : 's'}` });
    group = [];
    groupUnits = 0;
  };
  for (let i = 0; i < work.length; i++) {
    const pieces = split[i];
    if (pieces && pieces.length >= 2) {
      flush();
      for (const p of pieces) parts.push({ pieces: [p], continues: (p.csv?.start ?? 0) > 0, label: pieceLabel(p, work[i].bytes) });
      continue;
    }
    if (group.length > 0 && groupUnits + work[i].units > target) flush();
    group.push(work[i]);
    groupUnits += work[i].units;
  }
  flush();
  if (parts.length < 2) return { reason: 'the data does not split into two parts' };
  return { parts };
}

/** Names a piece in messages; `bytes` is its file's size. */
export function pieceLabel(p: Piece, bytes: number): string {
  if (p.csv) return `${p.file} (bytes ${p.csv.start}-${p.csv.end ?? bytes})`;
  if (p.rowGroups) return `${p.file} (row groups ${p.rowGroups.start}-${p.rowGroups.end - 1})`;
  return p.file;
}

/** A gzip file under a plain name: the CSV source unpacks it, so it cannot be split. */
function startsWithGzip(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(2);
      return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** Contiguous runs of row groups with about the same number of rows each. */
function splitParquet(w: FileWork, n: number): Piece[] {
  const groups = w.groups!;
  const total = groups.reduce((a, r) => a + r, 0);
  const pieces: Piece[] = [];
  let start = 0;
  let rows = 0;
  for (let g = 0; g < groups.length; g++) {
    rows += groups[g];
    const k = pieces.length + 1;
    if (k < n && rows >= (total * k) / n && g + 1 < groups.length) {
      pieces.push({ ...w.piece, rowGroups: { start, end: g + 1 } });
      start = g + 1;
    }
  }
  pieces.push({ ...w.piece, rowGroups: { start, end: groups.length } });
  return pieces;
}

/** Nominal starts of n parts of a file of `bytes` bytes. */
function csvStarts(bytes: number, n: number): number[] {
  const starts: number[] = [];
  for (let k = 0; k < n; k++) starts.push(Math.floor((k * bytes) / n));
  return starts;
}

/** Size of a part: the configured one, or the data divided evenly among the workers. */
function partTarget(total: number, settings: ParallelSettings): number {
  return Math.max(1, settings.partBytes ?? Math.ceil(total / settings.workers));
}

/** Pieces a file of `units` is cut into, for parts of `target`. */
function piecesOf(units: number, target: number): number {
  return Math.min(MAX_PIECES, Math.round(units / target));
}

/**
 * Byte ranges of a CSV file that start where records are likely to (see csv-boundary.ts):
 * n nominal starts, each moved to the first line feed after it that looks like a record's
 * end. A nominal start with none within reach is dropped (its part joins the one before).
 */
async function splitCsv(w: FileWork, n: number, options: OpenOptions): Promise<Piece[] | undefined> {
  if (n < 2) return undefined;
  const file = w.piece.file;
  const source = openFile(file, options);
  if (!(source instanceof CsvSource)) return undefined;
  const { names, delimiter, quote } = await source.layout();
  const layout = { fields: names.length, delimiter, quote };
  const starts = csvStarts(w.bytes, n);
  const bounds = [0];
  for (let k = 1; k < n; k++) {
    const limit = k + 1 < n ? starts[k + 1] : w.bytes;
    const b = guessBoundary(file, Math.max(starts[k], bounds[bounds.length - 1]), limit, layout);
    if (b !== undefined && b > bounds[bounds.length - 1] && b < w.bytes) bounds.push(b);
  }
  if (bounds.length < 2) return undefined;
  return bounds.map((start, k) => ({ ...w.piece, csv: { start, end: bounds[k + 1], firstLine: start === 0 ? 1 : undefined, names, delimiter } }));
}
