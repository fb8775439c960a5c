import type { DriftConfig } from '../config/types.js';
import { NumericSample, type NumericSampleResult } from '../metrics/numeric-sample.js';
import { ks2samp } from '../stats/ks.js';
import type { CheckDefinition } from './definition.js';
import { count, errorResult, outcomeOf, type CheckResult } from './result.js';

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
        details: { method: ks.method, n_reference: ks.nReference, n_current: ks.nCurrent },
      };
    });
  },
};

function formatP(p: number): string {
  return p === 0 ? '0' : p >= 0.001 ? String(Number(p.toFixed(4))) : p.toExponential(2);
}
