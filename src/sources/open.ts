/**
 * Turns a configured source (file, glob, folder, or '-' for stdin) into a Source.
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Source } from '../batch.js';
import type { CsvSettings } from '../config/types.js';
import { DataError } from '../errors.js';
import { CsvSource, type CsvRange } from './csv.js';
import { lazyFeedback } from './v8-flags.js';
import { LazySource } from './lazy.js';
import { MultiSource } from './multi.js';
import { PartitionedSource, partitionsOf } from './partitioned.js';
import type { RowGroupRange } from './parquet.js';

type Glob = typeof import('tinyglobby');
let glob: Glob | undefined;
/** The glob library, loaded on first use: most specs are plain paths, and every worker thread would pay for loading it. */
function globber(): Glob {
  return (glob ??= createRequire(import.meta.url)('tinyglobby') as Glob);
}

/** Characters without which no text is a glob pattern: a cheap test before the library's. */
const GLOB_CHARS = /[*?[\]{}()!+@]/;

function isPattern(spec: string): boolean {
  return GLOB_CHARS.test(spec) && globber().isDynamicPattern(spec, { caseSensitiveMatch: true });
}

export type Format = 'csv' | 'parquet' | 'arrow' | 'jsonl';

export interface OpenOptions {
  format?: Format;
  csv: CsvSettings;
}

const DATA_FILE = /\.(csv|tsv|txt|csv\.gz|tsv\.gz|parquet|parq|pq|arrow|feather|ipc|arrows|jsonl|ndjson|jsonl\.gz|ndjson\.gz)$/i;
const EXTENSIONS: [RegExp, Format][] = [
  [/\.(parquet|parq|pq)$/i, 'parquet'],
  [/\.(csv|tsv|txt)(\.gz)?$/i, 'csv'],
  [/\.(arrow|feather|ipc|arrows)$/i, 'arrow'],
  [/\.(jsonl|ndjson)(\.gz)?$/i, 'jsonl'],
];

/** A data file of a source, with its size (undefined for stdin). */
export interface SourceFile {
  path: string;
  bytes?: number;
}

export function openSource(spec: string, options: OpenOptions): Source {
  return openSourceFiles(spec, options).source;
}

/** The source and the files behind it, for progress and tracing. */
export function openSourceFiles(spec: string, options: OpenOptions): { source: Source; files: SourceFile[] } {
  const files = expand(spec);
  const sized = files.map((f) => ({ path: f, bytes: sizeOf(f) }));
  return { source: openExpanded(spec, files, options), files: sized };
}

function sizeOf(file: string): number | undefined {
  if (file === '-') return undefined;
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

function openExpanded(spec: string, files: string[], options: OpenOptions): Source {
  const root = rootOf(spec);
  const sources = files.map((f) => {
    const source = openFile(f, options);
    const partitions = root === undefined ? [] : partitionsOf(f, root);
    return partitions.length > 0 ? new PartitionedSource(source, partitions) : source;
  });
  return sources.length === 1 ? sources[0] : new MultiSource(spec, sources);
}

/** The folder that Hive partition folders are counted from: the folder itself, or a glob's fixed prefix. */
function rootOf(spec: string): string | undefined {
  if (spec === '-') return undefined;
  if (isPattern(spec)) {
    const parts = spec.split('/');
    const fixed: string[] = [];
    for (const p of parts) {
      if (isPattern(p)) break;
      fixed.push(p);
    }
    return fixed.join('/') || '.';
  }
  try {
    return statSync(spec).isDirectory() ? spec : undefined;
  } catch {
    return undefined;
  }
}

/** The files a source spec names, in a stable order. */
export function expand(spec: string): string[] {
  if (spec === '-') return ['-'];
  if (isPattern(spec)) {
    const files = globber().globSync(spec, { absolute: true, onlyFiles: true, expandDirectories: false }).sort();
    if (files.length === 0) throw new DataError(`no files match ${spec}`, { hint: 'check the pattern and the folder it starts from' });
    return files;
  }
  let stat;
  try {
    stat = statSync(spec);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new DataError(`${spec}: no such file or folder`, { file: spec, hint: 'check the "source" path; relative paths start at the config file\'s folder' });
    if (e.code === 'EACCES') throw new DataError(`${spec}: permission denied`, { file: spec });
    throw new DataError(`${spec}: ${e.message}`, { file: spec });
  }
  if (!stat.isDirectory()) return [spec];
  const files = listDataFiles(spec);
  if (files.length === 0) throw new DataError(`${spec}: folder holds no CSV or Parquet files`, { file: spec });
  return files;
}

/** Data files below a folder, recursively; hidden and `_`-prefixed entries (_SUCCESS, .crc) skipped as Spark and Hive do. */
function listDataFiles(dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new DataError(`${dir}: cannot list folder: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: dir });
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listDataFiles(full));
    else if (DATA_FILE.test(e.name)) out.push(full);
  }
  return out;
}

/** A share of one file in a parallel scan: a CSV byte range, or a run of Parquet row groups. */
export interface FilePart {
  csv?: CsvRange;
  rowGroups?: RowGroupRange;
}

/** How openSourceFiles reads each of `files` (expanded from `spec`): its format and Hive partition keys. */
export function describeFiles(spec: string, files: string[], options: OpenOptions): { path: string; format: Format; partitions: [string, string | null][] }[] {
  const root = rootOf(spec);
  return files.map((f) => ({ path: f, format: options.format ?? detectFormat(f), partitions: root === undefined ? [] : partitionsOf(f, root) }));
}

/** One file as a Source, or only `part` of it. */
export function openFile(file: string, options: OpenOptions, part?: FilePart): Source {
  const format = options.format ?? detectFormat(file);
  if (format === 'parquet' || format === 'arrow') lazyFeedback();
  // Readers load on first use: a CSV run never pays for the Parquet or Arrow libraries.
  if (format === 'parquet') return new LazySource(file, async () => new (await import('./parquet.js')).ParquetSource(file, part?.rowGroups));
  if (format === 'arrow') return new LazySource(file, async () => new (await import('./arrow.js')).ArrowSource(file));
  if (format === 'jsonl') return new LazySource(file, async () => new (await import('./jsonl.js')).JsonLinesSource(file));
  const csv = options.csv;
  return new CsvSource(file, {
    delimiter: csv.delimiter,
    nullValues: csv.nullValues,
    onBadLines: csv.onBadLines,
    encoding: csv.encoding,
    open: file === '-' ? () => process.stdin : undefined,
    range: part?.csv,
  });
}

function detectFormat(file: string): Format {
  if (file === '-') return 'csv';
  for (const [re, format] of EXTENSIONS) if (re.test(file)) return format;
  // Unknown extension: Parquet files start with "PAR1", Arrow IPC files with "ARROW1".
  try {
    const fd = openSync(file, 'r');
    const head = Buffer.alloc(6);
    const n = readSync(fd, head, 0, 6, 0);
    closeSync(fd);
    if (n >= 4 && head.toString('latin1', 0, 4) === 'PAR1') return 'parquet';
    if (n === 6 && head.toString('latin1') === 'ARROW1') return 'arrow';
  } catch {
    // Let the CSV source report the read error with its own message.
  }
  return 'csv';
}
