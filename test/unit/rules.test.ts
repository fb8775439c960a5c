import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load.ts';
import { UsageError } from '../../src/errors.ts';
import { buildDashboard, dashboardQueries, renderDashboard } from '../../src/monitoring/dashboard.ts';
import { durationSeconds, formatDuration } from '../../src/monitoring/duration.ts';
import { buildRules, renderRules, type Rule } from '../../src/monitoring/rules.ts';

const CONFIG = `datasets:
  - name: orders
    source: orders.parquet
    reference: ref.csv
    checks:
      completeness: {amount: 0.05}
      uniqueness: {key_columns: [id], severity: warn}
      drift: {columns: [amount], severity: warn}
      freshness: {timestamp_column: created_at, max_age_hours: 1.5}
  - name: clicks.v2
    source: clicks.csv
    checks:
      uniqueness: {key_columns: [id], severity: warn}
`;

const rulesOf = (text: string, opts = {}) => buildRules(parseConfig(text, 'q.yaml'), opts).groups;
const find = (rules: Rule[], alert: string) => rules.filter((r) => r.alert === alert);

describe('alert rules', () => {
  it('has one group per dataset and one for delivery', () => {
    assert.deepEqual(rulesOf(CONFIG).map((g) => g.name), ['dqc.orders', 'dqc.clicks.v2', 'dqc.delivery']);
  });

  it('maps check severity error to critical and warn to warning', () => {
    const [orders, clicks] = rulesOf(CONFIG);
    assert.deepEqual(
      find(orders.rules, 'DqcCheckFailed').map((r) => [r.expr, r.labels.severity]),
      [
        ['dqc_check_passed{dataset="orders",check=~"completeness|freshness"} == 0', 'critical'],
        ['dqc_check_passed{dataset="orders",check=~"uniqueness|drift"} == 0', 'warning'],
      ],
    );
    assert.deepEqual(find(clicks.rules, 'DqcCheckFailed').map((r) => r.labels.severity), ['warning']);
    // No error-severity check: not succeeding for a day is a warning, not a page.
    assert.equal(find(clicks.rules, 'DqcNoRecentSuccess')[0].labels.severity, 'warning');
    assert.equal(find(orders.rules, 'DqcNoRecentSuccess')[0].labels.severity, 'critical');
  });

  it('alerts on stale data from the newest record, so it fires even when dqc stops running', () => {
    const [orders, clicks] = rulesOf(CONFIG);
    const [stale] = find(orders.rules, 'DqcDataStale');
    assert.equal(stale.expr, 'time() - dqc_newest_record_timestamp_seconds{dataset="orders"} > 5400');
    assert.equal(stale.labels.severity, 'critical');
    assert.match(stale.annotations.description, /the limit is 1h30m/);
    assert.equal(find(clicks.rules, 'DqcDataStale').length, 0, 'no freshness check, no staleness rule');
  });

  it('alerts when no run succeeded within the window, including never', () => {
    const [orders] = rulesOf(CONFIG, { successWindow: '90m' });
    const [rule] = find(orders.rules, 'DqcNoRecentSuccess');
    assert.equal(
      rule.expr,
      'time() - dqc_last_success_timestamp_seconds{dataset="orders"} > 5400 or absent(dqc_last_success_timestamp_seconds{dataset="orders"})',
    );
    assert.match(rule.annotations.summary, /within 90m/);
    assert.throws(() => rulesOf(CONFIG, { successWindow: 'a day' }), UsageError);
    assert.throws(() => rulesOf(CONFIG, { successWindow: '0s' }), UsageError);
  });

  it('alerts on push failures reported by the Pushgateway for the configured job', () => {
    const delivery = rulesOf(`prometheus: {job: nightly}\n${CONFIG}`).at(-1)!;
    assert.deepEqual(delivery.rules.map((r) => r.expr), ['push_failure_time_seconds{job="nightly"} > push_time_seconds{job="nightly"}']);
  });

  it('takes for: durations, the success window and extra labels from the config', () => {
    const groups = rulesOf(`prometheus:
  alerts:
    success_window: 2h
    for: {check_failed: 1m, data_stale: 30s, dataset_down: 2m, no_recent_success: 0s, push_failed: 5m}
    labels: {team: data}
${CONFIG}`);
    const all = groups.flatMap((g) => g.rules);
    const forOf = (a: string) => [...new Set(find(all, a).map((r) => r.for))];
    assert.deepEqual(forOf('DqcCheckFailed'), ['1m']);
    assert.deepEqual(forOf('DqcDataStale'), ['30s']);
    assert.deepEqual(forOf('DqcDatasetDown'), ['2m']);
    assert.deepEqual(forOf('DqcNoRecentSuccess'), ['0s']);
    assert.deepEqual(forOf('DqcMetricsPushFailed'), ['5m']);
    assert.ok(all.every((r) => r.labels.team === 'data'));
    assert.match(find(all, 'DqcNoRecentSuccess')[0].expr, /> 7200 or/);
  });

  it('renders YAML that reads back as the same rules', () => {
    const config = parseConfig(CONFIG, 'q.yaml');
    const text = renderRules(config);
    assert.match(text, /^# Prometheus alerting rules/);
    assert.deepEqual(parse(text), buildRules(config));
  });
});

describe('Grafana dashboard', () => {
  const dashboard = buildDashboard(parseConfig(CONFIG, 'q.yaml'));
  const panels = dashboard.panels as { type: string; title: string; datasource: unknown; targets: { expr: string; datasource: unknown }[] }[];

  it("has the design document's panels", () => {
    const titles = panels.map((p) => `${p.type}: ${p.title}`);
    for (const want of [
      'stat: Check pass rate',
      'timeseries: Check pass rate by dataset',
      'timeseries: Null ratio by column',
      'heatmap: Null ratio by column (heatmap)',
      'timeseries: Data age',
      'timeseries: Rows per run',
      'timeseries: Drift statistic (KS D) by column',
      'timeseries: Drift p-value by column',
      'table: Failed checks',
    ]) {
      assert.ok(titles.includes(want), `${want} in ${titles.join(', ')}`);
    }
  });

  it('queries through the datasource variable and filters by the dataset variable', () => {
    const vars = (dashboard.templating as { list: { name: string; type: string; regex: string }[] }).list;
    assert.deepEqual(vars.map((v) => [v.name, v.type]), [['datasource', 'datasource'], ['dataset', 'query']]);
    assert.equal(vars[1].regex, '/^(orders|clicks\\.v2)$/');
    for (const p of panels) {
      assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' });
      for (const t of p.targets) assert.deepEqual(t.datasource, { type: 'prometheus', uid: '${datasource}' });
    }
    for (const q of dashboardQueries(dashboard)) {
      if (!q.startsWith('count(push_failure')) assert.match(q, /dataset=~"\$dataset"/, q);
    }
  });

  it('has unique panel ids and non-overlapping positions', () => {
    const ids = panels.map((p) => (p as unknown as { id: number }).id);
    assert.equal(new Set(ids).size, ids.length);
    const cells = new Set<string>();
    for (const p of panels as unknown as { gridPos: { x: number; y: number; w: number; h: number } }[]) {
      const { x, y, w, h } = p.gridPos;
      assert.ok(x + w <= 24);
      for (let i = x; i < x + w; i++) for (let j = y; j < y + h; j++) {
        assert.ok(!cells.has(`${i},${j}`), `overlap at ${i},${j}`);
        cells.add(`${i},${j}`);
      }
    }
  });

  it('renders JSON with the title and uid asked for', () => {
    const d = JSON.parse(renderDashboard(parseConfig(CONFIG, 'q.yaml'), { title: 'Orders', uid: 'orders-dq' })) as { title: string; uid: string };
    assert.deepEqual([d.title, d.uid], ['Orders', 'orders-dq']);
  });
});

describe('durations', () => {
  it('parses and formats Prometheus durations', () => {
    assert.equal(durationSeconds('1h30m'), 5400);
    assert.equal(durationSeconds('7d'), 604800);
    assert.equal(durationSeconds('0s'), 0);
    assert.equal(durationSeconds('500ms'), 0.5);
    assert.equal(durationSeconds('30m1h'), undefined);
    assert.equal(durationSeconds(''), undefined);
    assert.equal(formatDuration(5400), '1h30m');
    assert.equal(formatDuration(90061), '1d1h1m1s');
  });
});
