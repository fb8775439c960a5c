/**
 * What `dqc check` shows on stderr while it runs: a progress bar for each scan (only on a
 * terminal, redrawn at most 10 times a second, cleared before the report prints) and, with
 * --verbose, the time of each stage. Both listen to the run's RunObserver hooks.
 */
import type { ColumnBatch } from '../batch.js';
import type { CheckResult } from '../checks/result.js';
import type { DatasetResult, RunObserver, ScanRole } from '../run.js';
import type { SourceFile } from '../sources/open.js';

export interface TerminalOptions {
  /** Draw the progress bar (the caller decides: stderr is a terminal, not --quiet, not --no-progress). */
  progress: boolean;
  /** Print stage timings. */
  verbose: boolean;
  /** Where both go; process.stderr by default. */
  stream?: { write(s: string): unknown; columns?: number };
  /** Milliseconds; performance.now by default. */
  clock?: () => number;
  /** Milliseconds between redraws (default 100). */
  interval?: number;
  /** A scan shorter than this never shows a bar (default 250 ms). */
  delay?: number;
}

interface Scan {
  dataset: string;
  role: ScanRole;
  started: number;
  /** Bytes of all files; undefined when a size is unknown (stdin). */
  total?: number;
  sizes: Map<string, number | undefined>;
  /** Bytes of the files already finished. */
  doneFiles: number;
  file?: string;
  fileBytes: number;
  rows: number;
}

/** Should the bar be drawn on this stream? Only on a real terminal that can redraw a line. */
export function wantsProgress(stream: { isTTY?: boolean }, flags: { quiet?: boolean; progress?: boolean }): boolean {
  return stream.isTTY === true && !flags.quiet && flags.progress !== false && process.env.TERM !== 'dumb';
}

export class Terminal {
  /** Seconds each check took, for reports (JUnit test times). */
  readonly checkSeconds = new WeakMap<CheckResult, number>();
  readonly observer: RunObserver;
  private readonly out: NonNullable<TerminalOptions['stream']>;
  private readonly clock: () => number;
  private scan?: Scan;
  private drawn = false;
  private lastDraw = -Infinity;

  constructor(private readonly options: TerminalOptions) {
    this.out = options.stream ?? process.stderr;
    this.clock = options.clock ?? (() => performance.now());
    this.observer = {
      scanStart: (dataset, role, files) => this.scanStart(dataset, role, files),
      batch: (dataset, role, batch) => this.batch(batch),
      scanEnd: (dataset, role, stats) => this.scanEnd(dataset, role, stats),
      check: (dataset, result, seconds) => this.check(dataset, result, seconds),
      datasetEnd: (result) => this.datasetEnd(result),
    };
  }

  /** Clears the bar; call before anything else is printed. */
  stop(): void {
    this.clear();
    this.scan = undefined;
  }

  private scanStart(dataset: string, role: ScanRole, files: SourceFile[]): void {
    const sizes = new Map(files.map((f) => [f.path, f.bytes]));
    const known = files.every((f) => f.bytes !== undefined);
    this.scan = {
      dataset,
      role,
      started: this.clock(),
      total: known ? files.reduce((n, f) => n + (f.bytes ?? 0), 0) : undefined,
      sizes,
      doneFiles: 0,
      fileBytes: 0,
      rows: 0,
    };
  }

  private batch(batch: ColumnBatch): void {
    const s = this.scan;
    if (!s) return;
    const file = batch.origin.file;
    if (s.file !== undefined && file !== s.file) {
      s.doneFiles += s.sizes.get(s.file) ?? s.fileBytes;
      s.fileBytes = 0;
    }
    s.file = file;
    const size = s.sizes.get(file);
    if (batch.origin.bytesRead !== undefined) s.fileBytes = size === undefined ? batch.origin.bytesRead : Math.min(batch.origin.bytesRead, size);
    s.rows += batch.rows;
    if (!this.options.progress) return;
    const now = this.clock();
    if (now - s.started < (this.options.delay ?? 250) || now - this.lastDraw < (this.options.interval ?? 100)) return;
    this.lastDraw = now;
    this.draw(progressLine(s, now, this.out.columns || 80));
  }

  private scanEnd(dataset: string, role: ScanRole, stats: { rows: number; files: number; bytes: number; seconds: number }): void {
    this.clear();
    this.scan = undefined;
    if (!this.options.verbose) return;
    const perSecond = stats.seconds > 0 ? ` (${rate(stats.rows / stats.seconds)} rows/s, ${(stats.bytes / 1e6 / stats.seconds).toFixed(1)} MB/s)` : '';
    const what = role === 'data' ? 'read data' : 'read reference';
    this.line(`${dataset}: ${what}: ${stats.rows.toLocaleString('en-US')} rows, ${stats.files} file${stats.files === 1 ? '' : 's'}, ${mb(stats.bytes)} in ${secs(stats.seconds)}${perSecond}`);
  }

  private check(dataset: string, result: CheckResult, seconds: number): void {
    this.checkSeconds.set(result, seconds);
    if (!this.options.verbose) return;
    const subject = result.column ?? (result.columns ?? []).join(', ');
    this.line(`${dataset}: check ${result.type} ${subject}: ${secs(seconds)} (${result.outcome})`);
  }

  private datasetEnd(result: DatasetResult): void {
    if (!this.options.verbose) return;
    this.line(`${result.name}: ${result.error ? 'not checked' : result.outcome} in ${secs(result.duration_seconds)}`);
  }

  private line(text: string): void {
    this.clear();
    this.out.write(`dqc: ${text}\n`);
  }

  private draw(line: string): void {
    this.out.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  private clear(): void {
    if (!this.drawn) return;
    this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}

const BAR = 24;

/** "transactions data [██████░░░░] 45% 12.3/27.1 MB · 120k rows · 50.2k rows/s · ETA 3s", fit to the width. */
export function progressLine(s: Scan, now: number, columns: number): string {
  const elapsed = Math.max((now - s.started) / 1000, 1e-3);
  const done = s.doneFiles + s.fileBytes;
  const name = `${s.dataset} ${s.role}`;
  const counts = `${compact(s.rows)} rows · ${compact(s.rows / elapsed)} rows/s`;
  let line: string;
  if (s.total !== undefined && s.total > 0 && done > 0) {
    const f = Math.min(done / s.total, 1);
    const eta = f > 0 && f < 1 ? (elapsed * (1 - f)) / f : 0;
    const tail = ` ${Math.floor(f * 100)}% ${mb(done, false)}/${mb(s.total)} · ${counts} · ETA ${duration(eta)}`;
    // The bar gives way first when the terminal is narrow.
    const room = Math.min(BAR, columns - 1 - name.length - tail.length - 3);
    const bar = room >= 6 ? ` [${'█'.repeat(Math.round(f * room))}${'░'.repeat(room - Math.round(f * room))}]` : '';
    line = name + bar + tail;
  } else {
    line = `${name} · ${counts}`;
  }
  return line.length >= columns ? line.slice(0, Math.max(columns - 1, 10)) : line;
}

function mb(bytes: number, unit = true): string {
  const v = bytes / 1e6;
  const s = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return unit ? `${s} MB` : s;
}

/** 950, 12.3k, 1.4M */
function compact(x: number): string {
  if (x < 10_000) return Math.round(x).toLocaleString('en-US');
  if (x < 1_000_000) return `${Number((x / 1000).toPrecision(3))}k`;
  return `${Number((x / 1e6).toPrecision(3))}M`;
}

function rate(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

function secs(s: number): string {
  return s < 0.01 ? `${(s * 1000).toFixed(2)} ms` : `${s.toFixed(2)} s`;
}

function duration(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
