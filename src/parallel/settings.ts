/**
 * How many worker threads a run uses and when a scan is worth splitting. Resolved by
 * the CLI from `--workers` and the environment; the core only sees the result.
 */
import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';

export interface ParallelSettings {
  /** Worker threads; 1 reads everything on the main thread. */
  workers: number;
  /**
   * A scan is split only when its data is at least this big, in bytes of plain CSV
   * or the equivalent (see PARQUET_ROW_BYTES in plan.ts); below it, starting workers
   * costs more than they save.
   */
  minSplitBytes: number;
  /** Size of each part (same unit); default: the data divided evenly among the workers. */
  partBytes?: number;
  /** Told how each scan was split, or why it was read in one pass (DQC_PARALLEL_LOG). */
  log?: (line: string) => void;
}

/** Most workers used by default: past 4 the merge and the disk cap the gain. */
export const DEFAULT_MAX_WORKERS = 4;
/**
 * Default split threshold. Measured with two workers on the benchmark data (all checks):
 * 53 MB of CSV took as long split as not (workers start in 50-100 ms, warm up their JIT,
 * and the merge takes its share), 107 MB ran 7 % faster split, 213 MB 22 %, 533 MB 30-40 %.
 */
export const DEFAULT_MIN_SPLIT_BYTES = 64 * 1024 * 1024;

/** The default worker count: the CPUs available, at most DEFAULT_MAX_WORKERS. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), DEFAULT_MAX_WORKERS));
}

/** A worker count from `--workers` or DQC_WORKERS: a whole number from 1 to 256. */
export function parseWorkers(text: string, from: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(`${from} must be a whole number from 1 to 256, got ${JSON.stringify(text)}`, 'use 1 to read on the main thread only');
  }
  return n;
}

function parseBytes(text: string | undefined, from: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${from} must be a positive whole number of bytes, got ${JSON.stringify(text)}`);
  return n;
}

/**
 * Settings from the `--workers` flag (wins) and the environment: DQC_WORKERS,
 * DQC_SPLIT_MIN_BYTES, DQC_SPLIT_PART_BYTES and DQC_PARALLEL_LOG (any value but
 * empty or 0: one line per scan on `logTo`).
 */
export function parallelSettings(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  logTo: (line: string) => void,
): ParallelSettings {
  let workers = defaultWorkers();
  if (flag !== undefined) workers = parseWorkers(flag, '--workers');
  else if (env.DQC_WORKERS !== undefined && env.DQC_WORKERS !== '') workers = parseWorkers(env.DQC_WORKERS, 'DQC_WORKERS');
  const log = env.DQC_PARALLEL_LOG;
  return {
    workers,
    minSplitBytes: parseBytes(env.DQC_SPLIT_MIN_BYTES, 'DQC_SPLIT_MIN_BYTES') ?? DEFAULT_MIN_SPLIT_BYTES,
    partBytes: parseBytes(env.DQC_SPLIT_PART_BYTES, 'DQC_SPLIT_PART_BYTES'),
    log: log !== undefined && log !== '' && log !== '0' ? logTo : undefined,
  };
}
