import type { CompletenessConfig } from '../config/types.js';
import { NullCount, type NullCountResult } from '../metrics/null-count.js';
import type { CheckDefinition } from './definition.js';
import { count, errorResult, outcomeOf, percent, type CheckResult } from './result.js';

/** Null rate per column ≤ its maximum. */
export const completeness: CheckDefinition<CompletenessConfig> = {
  columns: (c) => c.columns.map((x) => ({ column: x.column, path: x.path })),
  metrics: (c) => ({ current: c.columns.map((x) => new NullCount(x.column)), reference: [] }),
  judge(c, metrics) {
    return c.columns.map(({ column, maxNullRate }): CheckResult => {
      const base = { type: 'completeness' as const, column, metric: 'null_ratio', threshold: maxNullRate, comparison: '<=' as const, severity: c.severity };
      const { rows, nulls } = metrics.current<NullCountResult>(`nulls:${column}`);
      if (rows === 0) return errorResult(base, `${column}: no rows, so no null rate`);
      const rate = nulls / rows;
      const ok = rate <= maxNullRate;
      return {
        ...base,
        value: rate,
        outcome: outcomeOf(ok, c.severity),
        passed: ok,
        message: `${column}: ${percent(rate)} null (${count(nulls)} of ${count(rows)} rows), max ${percent(maxNullRate)}`,
        details: { null_count: nulls, rows },
      };
    });
  },
};
