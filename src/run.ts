/**
 * runSuite(): the whole pipeline for one config — sources → one pass of accumulators
 * per dataset → checks → results. No process globals: time, paths and selection are arguments.
 */
import type { ColumnBatch, Source } from './batch.js';
import type { MetricResults } from './checks/definition.js';
import { definitionOf } from './checks/registry.js';
import type { CheckResult, Outcome } from './checks/result.js';
import { didYouMean } from './config/suggest.js';
import type { DatasetConfig, SuiteConfig } from './config/types.js';
import { ConfigError, DqcError, EXIT, UsageError, type ConfigIssue, type ExitCode } from './errors.js';
import { needsReference, type Accumulator } from './metrics/accumulator.js';
import { InferType, type InferredType } from './metrics/infer-type.js';
import type { ParallelScanner, Planned } from './parallel/scan.js';
import type { ParallelSettings } from './parallel/settings.js';
import { openSourceFiles, type OpenOptions, type SourceFile } from './sources/open.js';

export interface RunOptions {
  /** The clock, epoch milliseconds. */
  now: number;
  /** Run only these datasets (by name). */
  datasets?: string[];
  /** Check this data instead of the single selected dataset's `source`. */
  dataPath?: string;
  /** Told what the run is doing: progress bars, timings, traces. */
  observer?: RunObserver;
  /** Worker threads for large scans; absent or 1 worker reads everything on the calling thread. */
  parallel?: ParallelSettings;
  /** Workers started ahead (with `parallel`'s settings); the run closes them when it ends. */
  scanner?: ParallelScanner;
}

/** Which data a scan reads: the dataset's own, or the reference data of its drift checks. */
export type ScanRole = 'data' | 'reference';

/**
 * Hooks into a run, all optional; none may throw. Reporters of progress, stage timings
 * and traces listen here instead of reaching into the pipeline.
 */
export interface RunObserver {
  datasetStart?(name: string): void;
  scanStart?(dataset: string, role: ScanRole, files: SourceFile[]): void;
  /**
   * Each batch read. A scan split over worker threads reports coarse progress instead:
   * batches without columns, of the rows read since the last call, whose origin is the
   * whole source (its description) with the bytes read of all its files.
   */
  batch?(dataset: string, role: ScanRole, batch: ColumnBatch): void;
  scanEnd?(dataset: string, role: ScanRole, stats: { rows: number; files: number; bytes: number; seconds: number }): void;
  check?(dataset: string, result: CheckResult, seconds: number): void;
  datasetEnd?(result: DatasetResult): void;
}

export interface DatasetError {
  code: string;
  exitCode: ExitCode;
  message: string;
  hint?: string;
}

export interface DatasetResult {
  name: string;
  source: string;
  reference?: string;
  /** Rows read; null when the data could not be read. */
  rows: number | null;
  /** Type of each checked column: declared by the source, or inferred from CSV text. */
  columns?: Record<string, InferredType>;
  outcome: Outcome;
  checks: CheckResult[];
  /** Set when the dataset could not be checked at all. */
  error?: DatasetError;
  /** Malformed CSV rows left out under on_bad_lines: warn | skip. */
  bad_lines?: { count: number; lines: number[] };
  duration_seconds: number;
}

export interface SuiteResult {
  /** No error-severity check failed and every dataset could be checked. */
  passed: boolean;
  now: string;
  datasets: DatasetResult[];
  duration_seconds: number;
}

export async function runSuite(config: SuiteConfig, options: RunOptions): Promise<SuiteResult> {
  const started = performance.now();
  const selected = selectDatasets(config, options);
  const datasets: DatasetResult[] = [];
  const settings = options.parallel;
  const scanner = options.scanner ?? (settings && settings.workers > 1 ? new (await import('./parallel/scan.js')).ParallelScanner(settings) : undefined);
  try {
    for (const ds of selected) {
      options.observer?.datasetStart?.(ds.name);
      const result = await runDataset(config, ds, options, scanner);
      options.observer?.datasetEnd?.(result);
      datasets.push(result);
    }
  } finally {
    await scanner?.close();
  }
  return {
    passed: datasets.every((d) => d.outcome === 'passed' || d.outcome === 'warned'),
    now: new Date(options.now).toISOString(),
    datasets,
    duration_seconds: (performance.now() - started) / 1000,
  };
}

function selectDatasets(config: SuiteConfig, options: RunOptions): DatasetConfig[] {
  let selected = config.datasets;
  if (options.datasets && options.datasets.length > 0) {
    const names = config.datasets.map((d) => d.name);
    for (const n of options.datasets) {
      if (!names.includes(n)) throw new UsageError(`no dataset named "${n}" in ${config.file}${didYouMean(n, names)}`, `datasets: ${names.join(', ')}`);
    }
    selected = config.datasets.filter((d) => options.datasets!.includes(d.name));
  }
  if (options.dataPath !== undefined) {
    if (selected.length !== 1) {
      throw new UsageError(
        `a DATA path replaces one dataset's source, but ${selected.length} datasets are selected`,
        'pick one with --dataset NAME',
      );
    }
    selected = [{ ...selected[0], source: options.dataPath }];
  }
  return selected;
}

async function runDataset(config: SuiteConfig, ds: DatasetConfig, options: RunOptions, scanner?: ParallelScanner): Promise<DatasetResult> {
  const started = performance.now();
  const result: DatasetResult = { name: ds.name, source: ds.source, reference: ds.reference, rows: null, outcome: 'error', checks: [], duration_seconds: 0 };
  try {
    const openOptions: OpenOptions = { format: ds.format, csv: ds.csv };
    const current = openSourceFiles(ds.source, openOptions);
    const source = current.source;
    // Workers take a while to start: start them while the headers are read, when a split is likely
    // (idle workers cost CPU and memory, so not merely possible).
    if (scanner && bytesOf(current.files) >= scanner.settings.minSplitBytes) scanner.warm();
    const plan = planDataset(ds);
    const issues = await missingColumns(config, source, plan.currentColumns, 'data');
    const references = new Map<string, ReturnType<typeof openSourceFiles>>();
    for (const [refPath, refPlan] of plan.references) {
      const ref = openSourceFiles(refPath, openOptions);
      references.set(refPath, ref);
      issues.push(...(await missingColumns(config, ref.source, refPlan.columns, 'reference data')));
    }
    if (issues.length > 0) throw new ConfigError(issues);

    const observe = options.observer;
    const scanOf = async (
      role: ScanRole,
      spec: string,
      opened: ReturnType<typeof openSourceFiles>,
      accs: Accumulator<unknown>[],
      how: {
        inputs?: Record<string, unknown> | Promise<Record<string, unknown>>;
        planning?: Promise<Planned>;
        /** Read on this thread even when workers could split it. */
        here?: boolean;
        /** Observers hear of this scan only once `after` settles (the scan before it ends first). */
        after?: Promise<unknown>;
      } = {},
    ) => {
      let scanStarted = performance.now();
      let pendingRows = 0;
      let pendingBytes: number | undefined;
      let started = how.after === undefined;
      // Workers report progress as counts; observers see them as column-less batches of the whole source.
      const progressed = (rows: number, bytesRead: number | undefined) =>
        observe?.batch?.(ds.name, role, { rows, columns: new Map(), origin: { file: opened.source.description, rowStart: 0, bytesRead } });
      const start = () => {
        started = true;
        scanStarted = performance.now();
        observe?.scanStart?.(ds.name, role, opened.files);
        if (pendingRows > 0) progressed(pendingRows, pendingBytes);
      };
      if (how.after) how.after.then(start, () => undefined).catch(() => undefined);
      else start();
      const split = await (how.here ? undefined : scanner)?.scan({
        dataset: ds,
        role,
        reference: role === 'reference' ? spec : undefined,
        spec,
        files: opened.files,
        options: openOptions,
        source: opened.source,
        accumulators: accs,
        inputs: how.inputs ?? {},
        planning: how.planning,
        progress: (rows, bytesRead) => {
          if (started) return progressed(rows, bytesRead);
          pendingRows += rows;
          pendingBytes = bytesRead;
        },
      });
      // Read here: the accumulators that need the reference are bound once it is read.
      if (!split) await how.inputs;
      const rows = split ? split.rows : await scan(opened.source, accs, (b) => observe?.batch?.(ds.name, role, b));
      const badLines = split ? split.badLines : badLinesOf(opened.source);
      observe?.scanEnd?.(ds.name, role, { rows, files: opened.files.length, bytes: bytesOf(opened.files), seconds: (performance.now() - scanStarted) / 1000 });
      return { rows, badLines: badLines && badLines.count > 0 ? { count: badLines.count, lines: badLines.lines } : undefined };
    };
    // The reference first: drift measures the current data against its values. Meanwhile the
    // workers find where to cut the data. A reference small enough for one pass is read here
    // while the workers already read the data: the values drift counts wait in them until
    // the reference is bound (see ScanTask.inputs).
    const planning = plan.references.size > 0 ? scanner?.plan({ spec: ds.source, files: current.files, options: openOptions }) : undefined;
    const overlap = planning !== undefined && [...references.values()].every((r) => bytesOf(r.files) < scanner!.settings.minSplitBytes);
    const readReferences = async (): Promise<Record<string, unknown>> => {
      for (const [refPath, refPlan] of plan.references) {
        await scanOf('reference', refPath, references.get(refPath)!, [...refPlan.accumulators.values()], { here: overlap });
      }
      return bindReferences(plan);
    };
    const dataAccumulators = [...plan.current.values()];
    let read: Awaited<ReturnType<typeof scanOf>>;
    if (overlap) {
      const log = scanner!.settings.log;
      if (log) void planning!.then((p) => 'parts' in p && log(`${ds.name} reference: read on the main thread while the workers read the data`));
      const inputs = readReferences();
      const [refs, data] = await Promise.allSettled([inputs, scanOf('data', ds.source, current, dataAccumulators, { inputs, planning, after: inputs })]);
      // As in sequence: a reference that cannot be read is the error, whatever the data scan met.
      if (refs.status === 'rejected') throw refs.reason;
      if (data.status === 'rejected') throw data.reason;
      read = data.value;
    } else {
      const inputs = await readReferences();
      read = await scanOf('data', ds.source, current, dataAccumulators, { inputs, planning });
    }
    result.rows = read.rows;
    result.columns = Object.fromEntries(plan.types.map((t) => [t.column, t.result()]));
    if (read.badLines) result.bad_lines = read.badLines;

    for (const check of ds.checks) {
      const refPlan = check.type === 'drift' && check.reference ? plan.references.get(check.reference) : undefined;
      const metrics: MetricResults = {
        current: <R>(key: string) => lookup(plan.current, key) as R,
        reference: <R>(key: string) => lookup(refPlan?.accumulators ?? new Map(), key) as R,
      };
      const started = performance.now();
      const judged = definitionOf(check).judge(check, metrics, { now: options.now });
      const seconds = (performance.now() - started) / 1000;
      for (const r of judged) observe?.check?.(ds.name, r, seconds / judged.length);
      result.checks.push(...judged);
    }
    result.outcome = worstOutcome(result.checks);
  } catch (err) {
    if (!(err instanceof DqcError)) throw err;
    result.error = { code: err.code, exitCode: err.exitCode, message: err.message, hint: err.hint };
    result.outcome = 'error';
  }
  result.duration_seconds = (performance.now() - started) / 1000;
  return result;
}

/** Binds every current accumulator that needs the reference (after the reference scans); returns their inputs by key, for workers. */
function bindReferences(plan: Plan): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const acc of plan.current.values()) {
    if (!needsReference(acc)) continue;
    const ref = plan.references.get(acc.reference);
    if (!ref) throw new Error(`internal: ${acc.key} needs reference ${acc.reference}, which was not planned`);
    const input = acc.prepare((key) => lookup(ref.accumulators, key));
    acc.bind(input);
    inputs[acc.key] = input;
  }
  return inputs;
}

export interface Plan {
  current: Map<string, Accumulator<unknown>>;
  types: InferType[];
  currentColumns: { column: string; path: (string | number)[] }[];
  references: Map<string, { accumulators: Map<string, Accumulator<unknown>>; columns: { column: string; path: (string | number)[] }[] }>;
}

/**
 * Every check's accumulators, deduplicated by key, so each metric is computed once. A
 * worker reading part of a scan rebuilds the same plan from the same config.
 */
export function planDataset(ds: DatasetConfig): Plan {
  const plan: Plan = { current: new Map(), types: [], currentColumns: [], references: new Map() };
  for (const check of ds.checks) {
    const def = definitionOf(check);
    const { current, reference } = def.metrics(check);
    for (const acc of current) if (!plan.current.has(acc.key)) plan.current.set(acc.key, acc);
    plan.currentColumns.push(...def.columns(check));
    if (check.type === 'drift' && check.reference) {
      let ref = plan.references.get(check.reference);
      if (!ref) plan.references.set(check.reference, (ref = { accumulators: new Map(), columns: [] }));
      for (const acc of reference) if (!ref.accumulators.has(acc.key)) ref.accumulators.set(acc.key, acc);
      ref.columns.push(...def.columns(check));
    }
  }
  for (const column of new Set(plan.currentColumns.map((c) => c.column))) {
    const infer = new InferType(column);
    plan.types.push(infer);
    plan.current.set(infer.key, infer);
  }
  return plan;
}

async function missingColumns(config: SuiteConfig, source: Source, wanted: Plan['currentColumns'], what: string): Promise<ConfigIssue[]> {
  const names = (await source.schema()).map((c) => c.name);
  const have = new Set(names);
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const { column, path } of wanted) {
    if (have.has(column) || seen.has(column)) continue;
    seen.add(column);
    const shown = names.length > 12 ? names.slice(0, 12).join(', ') + ', …' : names.join(', ');
    issues.push({
      file: config.file,
      ...config.locate(path, true),
      path: path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join(''),
      message: `column "${column}" is not in the ${what} (${source.description})${didYouMean(column, names)}; columns: ${shown}`,
    });
  }
  return issues;
}

/** One pass over the source: every accumulator sees every batch. Returns the row count. */
async function scan(source: Source, accumulators: Accumulator<unknown>[], onBatch: (batch: ColumnBatch) => void): Promise<number> {
  const columns = [...new Set(accumulators.flatMap((a) => a.columns))];
  let rows = 0;
  const batches: AsyncIterable<ColumnBatch> = source.batches(columns);
  for await (const batch of batches) {
    for (const acc of accumulators) acc.update(batch);
    rows += batch.rows;
    onBatch(batch);
    batch.release?.();
  }
  return rows;
}

function bytesOf(files: SourceFile[]): number {
  return files.reduce((n, f) => n + (f.bytes ?? 0), 0);
}

function lookup(map: Map<string, Accumulator<unknown>>, key: string): unknown {
  const acc = map.get(key);
  if (!acc) throw new Error(`internal: no accumulator "${key}" was planned`);
  return acc.result();
}

function badLinesOf(source: Source): DatasetResult['bad_lines'] {
  const b = (source as { badLines?: { count: number; lines: number[] } }).badLines;
  return b && b.count > 0 ? { count: b.count, lines: b.lines } : undefined;
}

const OUTCOME_RANK: Record<Outcome, number> = { passed: 0, warned: 1, failed: 2, error: 3 };

function worstOutcome(checks: CheckResult[]): Outcome {
  let worst: Outcome = 'passed';
  for (const c of checks) if (OUTCOME_RANK[c.outcome] > OUTCOME_RANK[worst]) worst = c.outcome;
  return worst;
}

/**
 * The run's exit code. Priority, highest first: 5 a bug while checking a dataset, 2 config invalid (a dataset's columns
 * included), 3 data unreadable or not measurable, 1 a check failed, 4 metrics not
 * delivered, 0. A warned check never changes the code unless `failOnWarn`.
 */
export function exitCodeOf(result: SuiteResult, opts: { deliveryFailed?: boolean; failOnWarn?: boolean } = {}): ExitCode {
  const errors = result.datasets.map((d) => d.error?.exitCode);
  if (errors.includes(EXIT.internal)) return EXIT.internal;
  if (errors.includes(EXIT.usage)) return EXIT.usage;
  const checks = result.datasets.flatMap((d) => d.checks);
  // Any other dataset error still means a dataset went unchecked.
  if (errors.some((e) => e !== undefined) || checks.some((c) => c.outcome === 'error')) return EXIT.data;
  if (checks.some((c) => c.outcome === 'failed' || (opts.failOnWarn && c.outcome === 'warned'))) return EXIT.checkFailed;
  if (opts.deliveryFailed) return EXIT.delivery;
  return EXIT.ok;
}
