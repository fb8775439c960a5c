import type { CheckConfig, KeyPath } from '../config/types.js';
import type { Accumulator } from '../metrics/accumulator.js';
import type { CheckResult } from './result.js';

/** Results of the run's accumulators, by accumulator key. */
export interface MetricResults {
  current<R>(key: string): R;
  reference<R>(key: string): R;
}

export interface JudgeContext {
  /** The run's clock, epoch milliseconds. */
  now: number;
}

/**
 * One check type: which columns it reads (validated against the data before the scan),
 * which accumulators it needs, and how it judges their results.
 */
export interface CheckDefinition<C extends CheckConfig> {
  columns(config: C): { column: string; path: KeyPath }[];
  /** Accumulators over the current data and over the reference data. */
  metrics(config: C): { current: Accumulator<unknown>[]; reference: Accumulator<unknown>[] };
  judge(config: C, metrics: MetricResults, ctx: JudgeContext): CheckResult[];
}
