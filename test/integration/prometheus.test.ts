/**
 * The generated alert rules and dashboard against the real thing: promtool accepts the
 * rules; a Prometheus (started here, scraping a Pushgateway started here) fires the
 * check-failed, stale-data and push-failed alerts; every dashboard query evaluates.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dashboardQueries } from '../../src/monitoring/dashboard.ts';
import { tempDir } from '../helpers.ts';
import { ORDERS_DATASET, ordersConfig } from './data.ts';
import { BINARIES, dqcAsync, get, missingBinaries, sleep, startPrometheus, startPushgateway, type Server } from './servers.ts';

const skip = missingBinaries('pushgateway', 'prometheus', 'promtool');

interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

/** The data is from 2020, so against the real clock it is stale (max age 1 h); amount is 25% null (max 10%). */
const PROMETHEUS_SECTION = `prometheus:
  alerts:
    success_window: 1h
    for: {check_failed: 0s, data_stale: 0s, dataset_down: 0s, no_recent_success: 0s, push_failed: 0s}
    labels: {team: data}
`;
const DATASETS = ORDERS_DATASET.replace('completeness: {amount: 0.5, id: 0}', 'completeness: {amount: 0.1, id: 0}').replace('max_age_hours: 6', 'max_age_hours: 1');

describe('alert rules and dashboard on a real Prometheus', { skip }, () => {
  let gw: Server | undefined;
  let prom: Server | undefined;
  let rulesFile: string;
  let config: string;

  before(async () => {
    config = ordersConfig(PROMETHEUS_SECTION, DATASETS).config;
    const dir = tempDir('dqc-rules-');
    rulesFile = path.join(dir, 'dqc-rules.yml');
    const rules = await dqcAsync(['rules', '-c', config, '-o', rulesFile]);
    assert.equal(rules.code, 0, rules.stderr);

    gw = await startPushgateway();
    const promConfig = path.join(dir, 'prometheus.yml');
    writeFileSync(
      promConfig,
      `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${JSON.stringify(rulesFile)}
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: ["127.0.0.1:${gw.port}"]
`,
    );
    prom = await startPrometheus(promConfig);
  });

  after(async () => {
    await Promise.all([prom?.stop(), gw?.stop()]);
  });

  async function query(expr: string): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> {
    const r = await get(`${prom!.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return JSON.parse(r.body) as { status: string; error?: string; data?: { result: unknown[] } };
  }

  /** Polls until `want` holds for the firing alerts, for at most `ms`. */
  async function firing(want: (alerts: Alert[]) => boolean, ms = 60_000): Promise<Alert[]> {
    const deadline = Date.now() + ms;
    let alerts: Alert[] = [];
    while (Date.now() < deadline) {
      const r = await get(`${prom!.url}/api/v1/alerts`);
      alerts = (JSON.parse(r.body) as { data: { alerts: Alert[] } }).data.alerts.filter((a) => a.state === 'firing');
      if (want(alerts)) return alerts;
      await sleep(500);
    }
    assert.fail(`alerts did not fire within ${ms} ms; firing: ${JSON.stringify(alerts.map((a) => a.labels))}\n${prom!.log()}`);
  }

  it('promtool check rules accepts the generated rules', () => {
    const r = spawnSync(BINARIES.promtool!, ['check', 'rules', rulesFile], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS: \d+ rules found/);
  });

  it('fires the check-failed and stale-data alerts after a failing push, with severity from the config', async () => {
    const r = await dqcAsync(['check', '-c', config, '--pushgateway', gw!.url]);
    assert.equal(r.code, 1, r.stderr);
    const has = (alerts: Alert[], name: string, labels: Record<string, string> = {}) =>
      alerts.find((a) => a.labels.alertname === name && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
    const alerts = await firing((a) => Boolean(has(a, 'DqcCheckFailed', { column: 'amount' }) && has(a, 'DqcDataStale') && has(a, 'DqcNoRecentSuccess')));
    const failed = has(alerts, 'DqcCheckFailed', { column: 'amount' })!;
    assert.deepEqual(
      [failed.labels.dataset, failed.labels.check, failed.labels.severity, failed.labels.team, failed.labels.job],
      ['orders', 'completeness', 'critical', 'data', 'dqc'],
    );
    assert.equal(has(alerts, 'DqcCheckFailed', { check: 'freshness' })?.labels.severity, 'critical');
    assert.equal(has(alerts, 'DqcDataStale')!.labels.dataset, 'orders');
    assert.equal(has(alerts, 'DqcCheckFailed', { column: 'id' }), undefined, 'passing checks do not alert');
    assert.equal(has(alerts, 'DqcDatasetDown'), undefined);
  });

  it('fires the push-failed alert when the Pushgateway rejects a push', async () => {
    // A push the gateway must reject: dqc_rows as a counter clashes with dqc's gauge.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${gw!.url}/metrics/job/dqc/dataset/broken`, { method: 'PUT', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('# TYPE dqc_rows counter\ndqc_rows{dataset="broken"} 1\n');
    });
    assert.equal(status, 400);
    const alerts = await firing((a) => a.some((x) => x.labels.alertname === 'DqcMetricsPushFailed'));
    const alert = alerts.find((x) => x.labels.alertname === 'DqcMetricsPushFailed')!;
    assert.deepEqual([alert.labels.dataset, alert.labels.severity], ['broken', 'warning']);
  });

  it('evaluates every PromQL expression of the generated dashboard', async () => {
    const r = await dqcAsync(['dashboard', '-c', config]);
    assert.equal(r.code, 0, r.stderr);
    const dashboard = JSON.parse(r.stdout) as Record<string, unknown>;
    const queries = dashboardQueries(dashboard);
    assert.ok(queries.length >= 15);
    const vars: Record<string, string> = { dataset: '.*', __rate_interval: '1m', __interval: '15s', __range: '1h' };
    const expand = (q: string) => q.replace(/\$\{?(\w+)\}?/g, (m, name: string) => vars[name] ?? m);
    for (const q of queries) {
      const expr = expand(q);
      assert.doesNotMatch(expr, /\$/, `unexpanded variable in ${expr}`);
      const res = await query(expr);
      assert.equal(res.status, 'success', `${expr}: ${res.error}`);
    }
    // The metrics are there: the panels are not empty.
    for (const q of ['dqc_null_ratio{dataset=~"$dataset"}', 'time() - dqc_newest_record_timestamp_seconds{dataset=~"$dataset"}', 'dqc_check_passed{dataset=~"$dataset"} == 0']) {
      assert.ok(queries.includes(q), q);
      assert.ok((await query(expand(q))).data!.result.length > 0, `${q} returns data`);
    }
    // The dataset variable's query.
    const variable = (dashboard.templating as { list: { name: string; definition?: string }[] }).list.find((v) => v.name === 'dataset')!;
    const m = /^label_values\((.+), dataset\)$/.exec(variable.definition!)!;
    assert.ok((await query(m[1])).data!.result.length > 0);
  });
});
