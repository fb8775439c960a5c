import type { FreshnessConfig } from '../config/types.js';
import { placeOf } from '../metrics/accumulator.js';
import { MaxTime, type MaxTimeResult } from '../metrics/max-time.js';
import { formatIso } from '../metrics/timestamp.js';
import type { CheckDefinition } from './definition.js';
import { count, errorResult, formatHours, outcomeOf } from './result.js';

const HOUR_MS = 3_600_000;

/** Hours between the newest timestamp and `now` ≤ max age. */
export const freshness: CheckDefinition<FreshnessConfig> = {
  columns: (c) => [{ column: c.timestampColumn, path: [...c.path, 'timestamp_column'] }],
  metrics: (c) => ({ current: [maxTimeOf(c)], reference: [] }),
  judge(c, metrics, ctx) {
    const column = c.timestampColumn;
    const base = { type: 'freshness' as const, column, metric: 'age_hours', threshold: c.maxAgeHours, comparison: '<=' as const, severity: c.severity };
    const r = metrics.current<MaxTimeResult>(maxTimeOf(c).key);
    const bad = r.firstUnparseable;
    const badNote = bad ? `${count(r.unparseable)} value${r.unparseable === 1 ? '' : 's'} not timestamps, first ${JSON.stringify(bad.value)} (${placeOf(bad)})` : '';
    if (r.parsed === 0) {
      return [errorResult(base, bad ? `${column}: no timestamps: ${badNote}` : `${column}: no timestamps (no rows or all null)`)];
    }
    const ageHours = (ctx.now - r.max) / HOUR_MS;
    const ok = ageHours <= c.maxAgeHours;
    const newest = formatIso(r.max);
    return [
      {
        ...base,
        value: ageHours,
        outcome: outcomeOf(ok, c.severity),
        passed: ok,
        message: `${column}: newest ${newest}, ${formatHours(ageHours)} old, max ${c.maxAgeHours} h${badNote ? `; ${badNote}` : ''}`,
        details: {
          newest_timestamp: newest,
          newest_timestamp_seconds: r.max / 1000,
          now: formatIso(ctx.now),
          unparseable: r.unparseable,
          ...(bad ? { first_unparseable: { value: bad.value, place: placeOf(bad), row: bad.row } } : {}),
        },
      },
    ];
  },
};

function maxTimeOf(c: FreshnessConfig): MaxTime {
  return new MaxTime(c.timestampColumn, { timezone: c.timezone, unit: c.unit });
}
