import type { UniquenessConfig } from '../config/types.js';
import { DistinctKeys, type DistinctKeysResult } from '../metrics/distinct-keys.js';
import type { CheckDefinition } from './definition.js';
import { count, errorResult, outcomeOf, percent } from './result.js';

/** Duplicate rate over the key columns ≤ its maximum; nulls compare equal (pandas drop_duplicates). */
export const uniqueness: CheckDefinition<UniquenessConfig> = {
  columns: (c) => c.keyColumns.map((column, i) => ({ column, path: [...c.path, 'key_columns', i] })),
  metrics: (c) => ({ current: [new DistinctKeys(c.keyColumns, c.exact)], reference: [] }),
  judge(c, metrics) {
    const key = c.keyColumns.join(', ');
    const base = {
      type: 'uniqueness' as const,
      columns: c.keyColumns,
      metric: 'duplicate_ratio',
      threshold: c.maxDuplicateRate,
      comparison: '<=' as const,
      severity: c.severity,
    };
    const { rows, distinct } = metrics.current<DistinctKeysResult>(DistinctKeys.keyFor(c.keyColumns, c.exact));
    if (rows === 0) return [errorResult(base, `${key}: no rows, so no duplicate rate`)];
    // (rows - distinct) / rows, not 1 - distinct/rows: the latter rounds 0.001 up to 0.0010000000000000009.
    const duplicates = rows - distinct;
    const rate = duplicates / rows;
    const ok = rate <= c.maxDuplicateRate;
    return [
      {
        ...base,
        value: rate,
        outcome: outcomeOf(ok, c.severity),
        passed: ok,
        message: `${key}: ${percent(rate)} duplicate (${count(duplicates)} of ${count(rows)} rows repeat a key), max ${percent(c.maxDuplicateRate)}`,
        details: { rows, distinct_keys: distinct, duplicate_count: duplicates, exact: c.exact },
      },
    ];
  },
};
