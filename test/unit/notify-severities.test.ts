/**
 * The severities critical and info: they route notifications, and otherwise behave like error
 * and warn (outcome, exit code, metrics), while alert rules label them critical and info.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completeness } from '../../src/checks/completeness.ts';
import { outcomeOf } from '../../src/checks/result.ts';
import { parseConfig } from '../../src/config/load.ts';
import { buildRules, SEVERITY } from '../../src/monitoring/rules.ts';
import { exitCodeOf, type SuiteResult } from '../../src/run.ts';

describe('severities critical and info', () => {
  it('critical fails like error, info warns like warn', () => {
    assert.deepEqual(
      (['critical', 'error', 'warn', 'info'] as const).map((s) => [outcomeOf(false, s), outcomeOf(true, s)]),
      [
        ['failed', 'passed'],
        ['failed', 'passed'],
        ['warned', 'passed'],
        ['warned', 'passed'],
      ],
    );
  });

  it('exit codes: a failed critical check is 1, a failed info check 0 (1 with --fail-on warn)', () => {
    const nulls = { 'nulls:x': { rows: 10, nulls: 5 } } as Record<string, unknown>;
    const metrics = { current: <R>(k: string) => nulls[k] as R, reference: <R>() => undefined as R };
    const run = (severity: 'critical' | 'info'): SuiteResult => {
      const checks = completeness.judge({ type: 'completeness', severity, path: [], columns: [{ column: 'x', maxNullRate: 0.1, path: [] }] }, metrics, { now: 0 });
      return { passed: false, now: '', duration_seconds: 0, datasets: [{ name: 'd', source: 's', rows: 10, outcome: checks[0].outcome, checks, duration_seconds: 0 }] };
    };
    assert.equal(exitCodeOf(run('critical')), 1);
    assert.equal(exitCodeOf(run('info')), 0);
    assert.equal(exitCodeOf(run('info'), { failOnWarn: true }), 1);
    assert.equal(exitCodeOf(run('info'), { deliveryFailed: true }), 4);
  });

  it('alert rules: critical and error page (critical), warn warns, info informs', () => {
    assert.deepEqual(SEVERITY, { critical: 'critical', error: 'critical', warn: 'warning', info: 'info' });
    const config = parseConfig(
      `datasets:
  - name: orders
    source: o.csv
    checks:
      completeness: {columns: {amount: 0.05}, severity: critical}
      uniqueness: {key_columns: [id]}
      drift: {columns: [amount], severity: info, reference: r.csv}
      freshness: {timestamp_column: t, max_age_hours: 1, severity: info}
  - name: clicks
    source: c.csv
    checks:
      uniqueness: {key_columns: [id], severity: info}
`,
      'q.yaml',
    );
    const [orders, clicks] = buildRules(config).groups;
    assert.deepEqual(
      orders.rules.filter((r) => r.alert === 'DqcCheckFailed').map((r) => [r.expr, r.labels.severity]),
      [
        ['dqc_check_passed{dataset="orders",check=~"completeness|uniqueness"} == 0', 'critical'],
        ['dqc_check_passed{dataset="orders",check=~"drift|freshness"} == 0', 'info'],
      ],
    );
    assert.equal(orders.rules.find((r) => r.alert === 'DqcDataStale')?.labels.severity, 'info');
    assert.equal(orders.rules.find((r) => r.alert === 'DqcNoRecentSuccess')?.labels.severity, 'critical');
    assert.equal(clicks.rules.find((r) => r.alert === 'DqcNoRecentSuccess')?.labels.severity, 'warning');
  });
});
