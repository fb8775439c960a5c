import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { CheckResult } from '../../src/checks/result.ts';
import type { DatasetResult, SuiteResult } from '../../src/run.ts';
import { datasetSamples, datasetSucceeded, expositionOf, METRICS, registryOf } from '../../src/sinks/metrics.ts';
import { readLastSuccess, writeAtomic } from '../../src/sinks/textfile.ts';
import { ROOT, tempDir } from '../helpers.ts';

const FINISHED = 1_795_824_000.5;

function check(c: Partial<CheckResult> & Pick<CheckResult, 'type' | 'metric' | 'value' | 'threshold'>): CheckResult {
  const outcome = c.outcome ?? 'passed';
  return { comparison: '<=', severity: 'error', message: '', passed: outcome === 'passed', outcome, ...c };
}

const orders: DatasetResult = {
  name: 'orders',
  source: '/data/orders.parquet',
  reference: '/data/orders_ref.csv',
  rows: 1000,
  outcome: 'failed',
  duration_seconds: 0.25,
  bad_lines: { count: 2, lines: [7, 9] },
  checks: [
    check({ type: 'completeness', column: 'amount', metric: 'null_ratio', value: 0.04, threshold: 0.05 }),
    check({ type: 'completeness', column: 'we"ird\\name', metric: 'null_ratio', value: 0.2, threshold: 0.1, outcome: 'failed' }),
    check({ type: 'uniqueness', columns: ['id', 'day'], metric: 'duplicate_ratio', value: 0.001, threshold: 0, outcome: 'warned', severity: 'warn' }),
    check({ type: 'drift', column: 'age', metric: 'p_value', value: 0.5, threshold: 0.05, comparison: '>=', statistic: 0.0125, p_value: 0.5 }),
    check({ type: 'drift', column: 'score', metric: 'p_value', value: null, threshold: 0.05, comparison: '>=', outcome: 'error' }),
    check({
      type: 'freshness',
      column: 'created_at',
      metric: 'age_hours',
      value: 1.5,
      threshold: 6,
      details: { newest_timestamp_seconds: 1_795_818_600 },
    }),
  ],
};

const clicks: DatasetResult = {
  name: 'clicks',
  source: '/data/missing.csv',
  rows: null,
  outcome: 'error',
  duration_seconds: 0.001,
  checks: [],
  error: { code: 'E_DATA', exitCode: 3, message: 'no such file' },
};

const events: DatasetResult = {
  name: 'events',
  source: '/data/events.csv',
  rows: 10,
  outcome: 'warned',
  duration_seconds: 0.125,
  checks: [check({ type: 'completeness', column: 'kind', metric: 'null_ratio', value: 0.5, threshold: 0.1, outcome: 'warned', severity: 'warn' })],
};

const suite: SuiteResult = { passed: false, now: '2026-11-27T12:00:00.000Z', duration_seconds: 0.4, datasets: [orders, clicks, events] };

const EXPECTED = `# HELP dqc_dataset_up 1 if the dataset could be read and checked, 0 if not (missing, unreadable, unknown column).
# TYPE dqc_dataset_up gauge
dqc_dataset_up{dataset="orders"} 1
dqc_dataset_up{dataset="clicks"} 0
dqc_dataset_up{dataset="events"} 1

# HELP dqc_dataset_passed 1 if the dataset was checked and no check failed at the run's --fail-on level, else 0.
# TYPE dqc_dataset_passed gauge
dqc_dataset_passed{dataset="orders"} 0
dqc_dataset_passed{dataset="clicks"} 0
dqc_dataset_passed{dataset="events"} 1

# HELP dqc_rows Rows read from the dataset in the last run.
# TYPE dqc_rows gauge
dqc_rows{dataset="orders"} 1000
dqc_rows{dataset="events"} 10

# HELP dqc_bad_lines Malformed CSV lines left out in the last run (csv.on_bad_lines warn or skip).
# TYPE dqc_bad_lines gauge
dqc_bad_lines{dataset="orders"} 2
dqc_bad_lines{dataset="events"} 0

# HELP dqc_checks Checks run in the last run (one per column for completeness and drift).
# TYPE dqc_checks gauge
dqc_checks{dataset="orders"} 6
dqc_checks{dataset="events"} 1

# HELP dqc_checks_failed Checks of severity error that failed in the last run.
# TYPE dqc_checks_failed gauge
dqc_checks_failed{dataset="orders"} 1
dqc_checks_failed{dataset="events"} 0

# HELP dqc_checks_warned Checks of severity warn that failed in the last run.
# TYPE dqc_checks_warned gauge
dqc_checks_warned{dataset="orders"} 1
dqc_checks_warned{dataset="events"} 1

# HELP dqc_checks_not_evaluated Checks that could not be evaluated in the last run (no rows, not numeric, no timestamps).
# TYPE dqc_checks_not_evaluated gauge
dqc_checks_not_evaluated{dataset="orders"} 1
dqc_checks_not_evaluated{dataset="events"} 0

# HELP dqc_check_passed 1 if the check held in the last run, 0 if it failed, warned or could not be evaluated.
# TYPE dqc_check_passed gauge
dqc_check_passed{dataset="orders",check="completeness",column="amount"} 1
dqc_check_passed{dataset="orders",check="completeness",column="we\\"ird\\\\name"} 0
dqc_check_passed{dataset="orders",check="uniqueness",column="id,day"} 0
dqc_check_passed{dataset="orders",check="drift",column="age"} 1
dqc_check_passed{dataset="orders",check="drift",column="score"} 0
dqc_check_passed{dataset="orders",check="freshness",column="created_at"} 1
dqc_check_passed{dataset="events",check="completeness",column="kind"} 0

# HELP dqc_check_value Measured value: null ratio, duplicate ratio, KS p-value, or data age in seconds (freshness). Absent when not evaluated.
# TYPE dqc_check_value gauge
dqc_check_value{dataset="orders",check="completeness",column="amount"} 0.04
dqc_check_value{dataset="orders",check="completeness",column="we\\"ird\\\\name"} 0.2
dqc_check_value{dataset="orders",check="uniqueness",column="id,day"} 0.001
dqc_check_value{dataset="orders",check="drift",column="age"} 0.5
dqc_check_value{dataset="orders",check="freshness",column="created_at"} 5400
dqc_check_value{dataset="events",check="completeness",column="kind"} 0.5

# HELP dqc_check_threshold Configured limit in the unit of dqc_check_value: max ratio, min p-value, or max age in seconds.
# TYPE dqc_check_threshold gauge
dqc_check_threshold{dataset="orders",check="completeness",column="amount"} 0.05
dqc_check_threshold{dataset="orders",check="completeness",column="we\\"ird\\\\name"} 0.1
dqc_check_threshold{dataset="orders",check="uniqueness",column="id,day"} 0
dqc_check_threshold{dataset="orders",check="drift",column="age"} 0.05
dqc_check_threshold{dataset="orders",check="drift",column="score"} 0.05
dqc_check_threshold{dataset="orders",check="freshness",column="created_at"} 21600
dqc_check_threshold{dataset="events",check="completeness",column="kind"} 0.1

# HELP dqc_null_ratio Share of null values in the column, 0 to 1.
# TYPE dqc_null_ratio gauge
dqc_null_ratio{dataset="orders",column="amount"} 0.04
dqc_null_ratio{dataset="orders",column="we\\"ird\\\\name"} 0.2
dqc_null_ratio{dataset="events",column="kind"} 0.5

# HELP dqc_duplicate_ratio Share of rows that repeat a key of the uniqueness check, 0 to 1.
# TYPE dqc_duplicate_ratio gauge
dqc_duplicate_ratio{dataset="orders"} 0.001

# HELP dqc_drift_statistic Two-sample Kolmogorov-Smirnov statistic D against the reference data, 0 to 1.
# TYPE dqc_drift_statistic gauge
dqc_drift_statistic{dataset="orders",column="age"} 0.0125

# HELP dqc_drift_p_value p-value of the two-sample Kolmogorov-Smirnov test against the reference data.
# TYPE dqc_drift_p_value gauge
dqc_drift_p_value{dataset="orders",column="age"} 0.5

# HELP dqc_newest_record_timestamp_seconds Unix time of the newest record (freshness timestamp column).
# TYPE dqc_newest_record_timestamp_seconds gauge
dqc_newest_record_timestamp_seconds{dataset="orders"} 1795818600

# HELP dqc_data_age_seconds Age of the newest record at the time of the run, in seconds.
# TYPE dqc_data_age_seconds gauge
dqc_data_age_seconds{dataset="orders"} 5400

# HELP dqc_run_duration_seconds Wall time spent checking the dataset in the last run.
# TYPE dqc_run_duration_seconds gauge
dqc_run_duration_seconds{dataset="orders"} 0.25
dqc_run_duration_seconds{dataset="clicks"} 0.001
dqc_run_duration_seconds{dataset="events"} 0.125

# HELP dqc_last_run_timestamp_seconds Unix time at which the last run of the dataset finished.
# TYPE dqc_last_run_timestamp_seconds gauge
dqc_last_run_timestamp_seconds{dataset="orders"} 1795824000.5
dqc_last_run_timestamp_seconds{dataset="clicks"} 1795824000.5
dqc_last_run_timestamp_seconds{dataset="events"} 1795824000.5

# HELP dqc_last_success_timestamp_seconds Unix time at which the last successful run of the dataset finished.
# TYPE dqc_last_success_timestamp_seconds gauge
dqc_last_success_timestamp_seconds{dataset="events"} 1795824000.5
`;

describe('metrics from a SuiteResult', () => {
  it('renders the exact exposition text', async () => {
    assert.equal(await expositionOf(suite.datasets, { finishedAt: FINISHED }), EXPECTED);
  });

  it('counts a warned check as a failure under --fail-on warn', async () => {
    assert.equal(datasetSucceeded(events), true);
    assert.equal(datasetSucceeded(events, true), false);
    const text = await expositionOf([events], { finishedAt: FINISHED, failOnWarn: true });
    assert.match(text, /^dqc_dataset_passed\{dataset="events"\} 0$/m);
    assert.doesNotMatch(text, /^dqc_last_success_timestamp_seconds/m);
  });

  it('keeps the label set of check metrics identical across metrics', () => {
    const samples = datasetSamples(orders, { finishedAt: FINISHED });
    const keys = (name: string) => samples.filter((s) => s.name === name).map((s) => JSON.stringify(s.labels));
    const threshold = keys('dqc_check_threshold');
    assert.deepEqual(keys('dqc_check_passed'), threshold);
    for (const k of keys('dqc_check_value')) assert.ok(threshold.includes(k));
  });

  it('never uses a path or a value as a label', async () => {
    const text = await expositionOf(suite.datasets, { finishedAt: FINISHED });
    assert.doesNotMatch(text, /\/data\//);
    const labels = new Set([...text.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1]));
    assert.deepEqual([...labels].sort(), ['check', 'column', 'dataset']);
  });

  it('uses a fresh registry per call, never the global one', async () => {
    const { register } = await import('prom-client');
    const before = await register.metrics();
    const a = registryOf(datasetSamples(events, { finishedAt: 1 }));
    const b = registryOf(datasetSamples(events, { finishedAt: 2 }));
    assert.notEqual(a, b);
    assert.match(await b.metrics(), /dqc_last_run_timestamp_seconds\{dataset="events"\} 2$/m);
    assert.equal(await register.metrics(), before);
  });

  it('documents every metric in the README', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const m of METRICS) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${m.name}\``));
      assert.ok(row, `README has a row for ${m.name}`);
      assert.ok(row.includes('gauge'), `${m.name} row names the type`);
      for (const l of m.labels) assert.ok(row.includes(l), `${m.name} row names the label ${l}`);
    }
  });
});

describe('textfile output', () => {
  it('writes atomically and leaves no temp file behind', () => {
    const dir = tempDir();
    const file = path.join(dir, 'dqc.prom');
    writeAtomic(file, 'a 1\n');
    writeAtomic(file, 'a 2\n');
    assert.equal(readFileSync(file, 'utf8'), 'a 2\n');
    assert.deepEqual(readdirSync(dir), ['dqc.prom']);
  });

  it('cleans up its temp file when the rename fails', () => {
    const dir = tempDir();
    const target = path.join(dir, 'dqc.prom');
    mkdirSync(target); // a folder in the way makes the rename fail
    assert.throws(() => writeAtomic(target, 'x 1\n'));
    assert.deepEqual(readdirSync(dir), ['dqc.prom']);
  });

  it('carries the last success over a failed run and replaces it after a successful one', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'dqc.prom');
    writeAtomic(file, await expositionOf([events], { finishedAt: 100 }));
    assert.deepEqual([...readLastSuccess(file)], [['events', 100]]);

    const failed: DatasetResult = { ...events, checks: [{ ...events.checks[0], outcome: 'failed', severity: 'error' }], outcome: 'failed' };
    writeAtomic(file, await expositionOf([failed, orders], { finishedAt: 200, lastSuccess: readLastSuccess(file) }));
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^dqc_last_success_timestamp_seconds\{dataset="events"\} 100$/m);
    assert.match(text, /^dqc_last_run_timestamp_seconds\{dataset="events"\} 200$/m);

    writeAtomic(file, await expositionOf([events], { finishedAt: 300, lastSuccess: readLastSuccess(file) }));
    assert.deepEqual([...readLastSuccess(file)], [['events', 300]]);
  });

  it('reads no last success from a missing or foreign file', () => {
    assert.equal(readLastSuccess('/nonexistent/dqc.prom').size, 0);
    const dir = tempDir();
    const file = path.join(dir, 'x.prom');
    writeFileSync(file, 'dqc_last_success_timestamp_seconds{dataset="a"} not-a-number\nother_metric{dataset="b"} 5\n');
    assert.equal(readLastSuccess(file).size, 0);
  });
});
