import type { DriftConfig } from '../config/types.js';
import { placeOf } from '../metrics/accumulator.js';
import { KsCounts, type KsCountsResult, type ReferenceEcdf } from '../metrics/ks-counts.js';
import { NumericSample, type NumericSampleResult } from '../metrics/numeric-sample.js';
import { ksStatisticCounts, ksTest } from '../stats/ks.js';
import type { CheckDefinition } from './definition.js';
import { count, errorResult, formatP, outcomeOf, type CheckResult } from './result.js';

/** Minimum non-null values in each sample for a KS test to say anything. */
const MIN_VALUES = 2;

/**
 * Two-sample Kolmogorov–Smirnov test against the reference; fails when p < threshold.
 * The reference is kept whole; the current data only as counts against the reference's
 * values (KsCounts), which give the same D and p as the full samples.
 */
export const drift: CheckDefinition<DriftConfig> = {
  columns: (c) => c.columns.map((column, i) => ({ column, path: [...c.path, 'columns', i] })),
  metrics: (c) => ({
    current: c.columns.map((col) => new KsCounts(col, c.reference ?? '')),
    reference: c.columns.map((col) => new NumericSample(col, 'reference')),
  }),
  judge(c, metrics) {
    return c.columns.map((column): CheckResult => {
      const base = { type: 'drift' as const, column, metric: 'p_value', threshold: c.threshold, comparison: '>=' as const, severity: c.severity };
      const cur = metrics.current<KsCountsResult>(KsCounts.keyFor(c.reference ?? '', column));
      const ref = cur.reference;
      const refInput = metrics.reference<NumericSampleResult>(KsCounts.referenceKey(column));
      for (const [name, nonNumeric, first, n] of [
        ['data', cur.nonNumeric, cur.firstNonNumeric, cur.n],
        ['reference', refInput.nonNumeric, refInput.firstNonNumeric, ref.n],
      ] as const) {
        if (nonNumeric > 0) {
          return errorResult(base, `${column}: not numeric in the ${name}: ${count(nonNumeric)} values like ${JSON.stringify(first!.value)} (${placeOf(first!)}); drift needs numbers`);
        }
        if (n < MIN_VALUES) {
          return errorResult(base, `${column}: the ${name} has ${n} non-null value${n === 1 ? '' : 's'}; a KS test needs at least ${MIN_VALUES}`);
        }
      }
      const stat = ksStatisticCounts(ref.values, ref.counts, cur.eq, cur.gap, cur.gapMax);
      const ks = ksTest(stat.statistic, ref.n, cur.n);
      const ok = ks.pValue >= c.threshold;
      return {
        ...base,
        value: ks.pValue,
        statistic: ks.statistic,
        p_value: ks.pValue,
        outcome: outcomeOf(ok, c.severity),
        passed: ok,
        message: `${column}: KS D = ${ks.statistic.toPrecision(4)}, p = ${formatP(ks.pValue)} ${ok ? '≥' : '<'} ${c.threshold}${ok ? '' : ' (distribution changed)'}`,
        details: {
          method: ks.method,
          n_reference: ks.nReference,
          n_current: ks.nCurrent,
          distribution: distributionSummary(cur, { at: stat.at, reference_ecdf: stat.referenceEcdf, current_ecdf: stat.currentEcdf }),
        },
      };
    });
  },
};

/** Quantiles kept of each sample for plots: 0%, 1%, …, 100%. */
const QUANTILES = 101;

/** A small, bounded picture of both samples for reports: 101 quantiles of each and where their ECDFs are farthest apart. */
export interface DistributionSummary {
  /** Fraction of each sample at or below the matching `reference` / `current` value: 0, 0.01, …, 1. */
  quantiles: number[];
  /** Nearest-rank (lower) quantiles of the reference: values that occur in it. */
  reference: number[];
  /**
   * The same quantiles of the current data: exact where they are a reference value or
   * the largest current value between two adjacent reference values; otherwise
   * interpolated between the reference value below and that largest value.
   */
  current: number[];
  /** The x where |F_ref(x) − F_cur(x)| is largest, and both ECDFs there. */
  max_distance: { at: number; reference_ecdf: number; current_ecdf: number };
}

export function distributionSummary(cur: KsCountsResult, maxDistance: DistributionSummary['max_distance']): DistributionSummary {
  const ref = cur.reference;
  const probs = Array.from({ length: QUANTILES }, (_, k) => k / (QUANTILES - 1));
  return {
    quantiles: probs,
    reference: referenceQuantiles(ref, probs.map((p) => Math.floor(p * (ref.n - 1) + 1e-9))),
    current: currentQuantiles(ref, cur, probs.map((p) => Math.floor(p * (cur.n - 1) + 1e-9))),
    max_distance: maxDistance,
  };
}

// Both walk the counts once for all the ranks (ascending), not once per rank: 101 walks over
// 100k distinct values were most of a drift check's time.

/** The values at 0-based ranks `ranks` (ascending) of the sorted reference. */
function referenceQuantiles(ref: ReferenceEcdf, ranks: number[]): number[] {
  const out = new Array<number>(ranks.length).fill(ref.values[ref.values.length - 1]);
  let q = 0;
  let seen = 0;
  for (let k = 0; k < ref.values.length && q < ranks.length; k++) {
    seen += ref.counts[k];
    while (q < ranks.length && ranks[q] < seen) out[q++] = ref.values[k];
  }
  return out;
}

/** The values at 0-based ranks `ranks` (ascending) of the sorted current data, from its counts (see DistributionSummary.current). */
function currentQuantiles(ref: ReferenceEcdf, cur: KsCountsResult, ranks: number[]): number[] {
  const u = ref.values.length;
  const out = new Array<number>(ranks.length).fill(cur.gapMax[u] > -Infinity ? cur.gapMax[u] : ref.values[u - 1]);
  let q = 0;
  let seen = 0;
  for (let k = 0; k <= u && q < ranks.length; k++) {
    const g = cur.gap[k];
    while (q < ranks.length && ranks[q] < seen + g) {
      out[q] = inGap(ref, cur, k, ranks[q], seen);
      q++;
    }
    seen += g;
    if (k < u) {
      seen += cur.eq[k];
      while (q < ranks.length && ranks[q] < seen) out[q++] = ref.values[k];
    }
  }
  return out;
}

/** The value at `rank` within gap k, whose first rank is `seen`. */
function inGap(ref: ReferenceEcdf, cur: KsCountsResult, k: number, rank: number, seen: number): number {
  const g = cur.gap[k];
  const hi = cur.gapMax[k];
  if (rank === seen + g - 1) return hi;
  if (k === 0 && rank === 0) return cur.min;
  const lo = k === 0 ? cur.min : ref.values[k - 1];
  return lo + ((hi - lo) * (rank - seen + 1)) / g;
}
