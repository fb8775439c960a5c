import type { DriftConfig } from '../config/types.js';
import { NumericSample, type NumericSampleResult } from '../metrics/numeric-sample.js';
import { ks2samp } from '../stats/ks.js';
import type { CheckDefinition } from './definition.js';
import { count, errorResult, formatP, outcomeOf, type CheckResult } from './result.js';

/** Minimum non-null values in each sample for a KS test to say anything. */
const MIN_VALUES = 2;

/** Two-sample Kolmogorov–Smirnov test against the reference; fails when p < threshold. */
export const drift: CheckDefinition<DriftConfig> = {
  columns: (c) => c.columns.map((column, i) => ({ column, path: [...c.path, 'columns', i] })),
  metrics: (c) => ({
    current: c.columns.map((col) => new NumericSample(col, 'current')),
    reference: c.columns.map((col) => new NumericSample(col, 'reference')),
  }),
  judge(c, metrics) {
    return c.columns.map((column): CheckResult => {
      const base = { type: 'drift' as const, column, metric: 'p_value', threshold: c.threshold, comparison: '>=' as const, severity: c.severity };
      const cur = metrics.current<NumericSampleResult>(`sample:current:${column}`);
      const ref = metrics.reference<NumericSampleResult>(`sample:reference:${column}`);
      for (const [name, s] of [['data', cur], ['reference', ref]] as const) {
        if (s.nonNumeric > 0) {
          const f = s.firstNonNumeric!;
          return errorResult(base, `${column}: not numeric in the ${name}: ${count(s.nonNumeric)} values like ${JSON.stringify(f.value)} (${f.place}); drift needs numbers`);
        }
        if (s.values.length < MIN_VALUES) {
          return errorResult(base, `${column}: the ${name} has ${s.values.length} non-null value${s.values.length === 1 ? '' : 's'}; a KS test needs at least ${MIN_VALUES}`);
        }
      }
      const ks = ks2samp(ref.values, cur.values);
      const ok = ks.pValue >= c.threshold;
      return {
        ...base,
        value: ks.pValue,
        statistic: ks.statistic,
        p_value: ks.pValue,
        outcome: outcomeOf(ok, c.severity),
        passed: ok,
        message: `${column}: KS D = ${ks.statistic.toPrecision(4)}, p = ${formatP(ks.pValue)} ${ok ? '≥' : '<'} ${c.threshold}${ok ? '' : ' (distribution changed)'}`,
        details: { method: ks.method, n_reference: ks.nReference, n_current: ks.nCurrent, distribution: distributionSummary(ref.values, cur.values) },
      };
    });
  },
};

/** Quantiles kept of each sample for plots: 0%, 1%, …, 100%. */
const QUANTILES = 101;

/**
 * A small, bounded picture of both samples for reports: 101 quantiles of each (nearest
 * rank, lower) and where their ECDFs are farthest apart. Both arrays must be sorted
 * ascending, as ks2samp leaves them.
 */
export interface DistributionSummary {
  /** Fraction of each sample at or below the matching `reference` / `current` value: 0, 0.01, …, 1. */
  quantiles: number[];
  reference: number[];
  current: number[];
  /** The x where |F_ref(x) − F_cur(x)| is largest, and both ECDFs there. */
  max_distance: { at: number; reference_ecdf: number; current_ecdf: number };
}

export function distributionSummary(reference: Float64Array, current: Float64Array): DistributionSummary {
  const probs = Array.from({ length: QUANTILES }, (_, k) => k / (QUANTILES - 1));
  return {
    quantiles: probs,
    reference: probs.map((p) => quantileSorted(reference, p)),
    current: probs.map((p) => quantileSorted(current, p)),
    max_distance: maxDistance(reference, current),
  };
}

/** The value at rank floor(p·(n−1)) of a sorted sample: a value that occurs in the data. */
function quantileSorted(sorted: Float64Array, p: number): number {
  return sorted[Math.floor(p * (sorted.length - 1) + 1e-9)];
}

/** One merge pass over both sorted samples, as the KS statistic is computed, keeping the place of the maximum. */
function maxDistance(a: Float64Array, b: Float64Array): DistributionSummary['max_distance'] {
  const na = a.length;
  const nb = b.length;
  let i = 0;
  let j = 0;
  let best = { at: a[0], reference_ecdf: 0, current_ecdf: 0 };
  let bestD = -1;
  while (i < na || j < nb) {
    const v = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
    while (i < na && a[i] <= v) i++;
    while (j < nb && b[j] <= v) j++;
    const d = Math.abs(i / na - j / nb);
    if (d > bestD) {
      bestD = d;
      best = { at: v, reference_ecdf: i / na, current_ecdf: j / nb };
    }
  }
  return best;
}
