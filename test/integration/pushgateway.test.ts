/**
 * dqc against a real Prometheus Pushgateway (started here on 127.0.0.1): what a passing
 * and a failing run leave on the gateway, that a failed run keeps the last-success time,
 * and that a removed check's series disappear on the next push.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NEWEST, NOW_FRESH, NOW_STALE, ORDERS_DATASET, ordersConfig } from './data.ts';
import { dqcAsync, missingBinaries, pick, scrape, startPushgateway, type Series, type Server } from './servers.ts';

const skip = missingBinaries('pushgateway');

describe('pushing to a real Pushgateway', { skip }, () => {
  let gw: Server;
  before(async () => {
    gw = await startPushgateway();
  });
  after(async () => {
    await gw?.stop();
  });

  const one = (series: Series[], name: string, labels: Record<string, string> = {}) => {
    const found = pick(series, name, labels);
    assert.equal(found.length, 1, `one ${name} ${JSON.stringify(labels)}, got ${JSON.stringify(found)}`);
    return found[0];
  };

  it('publishes a passing run, keeps its success time through a failing run, and drops removed checks', async () => {
    const s = ordersConfig();
    const job = { job: 'dqc', dataset: 'orders' };

    // 1. A passing run.
    const before1 = Date.now() / 1000;
    const pass = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--pushgateway', gw.url]);
    assert.equal(pass.code, 0, pass.stderr);
    assert.equal(pass.stderr, '');
    let m = await scrape(gw.url);
    for (const [check, column] of [['completeness', 'amount'], ['completeness', 'id'], ['uniqueness', 'id'], ['freshness', 'created_at']]) {
      const passed = one(m, 'dqc_check_passed', { ...job, check, column });
      assert.equal(passed.value, 1);
      assert.deepEqual(Object.keys(passed.labels).sort(), ['check', 'column', 'dataset', 'instance', 'job']);
      assert.ok(one(m, 'dqc_check_threshold', { ...job, check, column }));
    }
    assert.equal(one(m, 'dqc_null_ratio', { ...job, column: 'amount' }).value, 0.25);
    assert.equal(one(m, 'dqc_check_value', { ...job, check: 'completeness', column: 'amount' }).value, 0.25);
    assert.equal(one(m, 'dqc_check_threshold', { ...job, check: 'freshness' }).value, 6 * 3600);
    assert.equal(one(m, 'dqc_duplicate_ratio', job).value, 0);
    assert.equal(one(m, 'dqc_rows', job).value, 4);
    assert.equal(one(m, 'dqc_dataset_up', job).value, 1);
    assert.equal(one(m, 'dqc_dataset_passed', job).value, 1);
    assert.equal(one(m, 'dqc_checks_failed', job).value, 0);
    assert.equal(one(m, 'dqc_newest_record_timestamp_seconds', job).value, NEWEST);
    assert.equal(one(m, 'dqc_data_age_seconds', job).value, 3600);
    const lastRun1 = one(m, 'dqc_last_run_timestamp_seconds', job).value;
    assert.ok(lastRun1 >= before1 && lastRun1 <= Date.now() / 1000, 'wall-clock time of the run, not --now');
    const success1 = one(m, 'dqc_last_success_timestamp_seconds', job);
    assert.equal(success1.value, lastRun1);
    assert.equal(success1.labels.dqc_group, 'last_success');
    assert.equal(pick(m, 'push_failure_time_seconds', job).every((s) => s.value === 0), true);

    // 2. A failing run (the data is stale at this --now): exit 1, pushed, success time kept.
    const fail = await dqcAsync(['check', '-c', s.config, '--now', NOW_STALE, '--pushgateway', gw.url]);
    assert.equal(fail.code, 1, fail.stderr);
    assert.match(fail.stdout, /FAIL\s+freshness/);
    m = await scrape(gw.url);
    assert.equal(one(m, 'dqc_check_passed', { ...job, check: 'freshness' }).value, 0);
    assert.equal(one(m, 'dqc_check_passed', { ...job, check: 'uniqueness' }).value, 1);
    assert.equal(one(m, 'dqc_checks_failed', job).value, 1);
    assert.equal(one(m, 'dqc_dataset_passed', job).value, 0);
    assert.equal(one(m, 'dqc_data_age_seconds', job).value, 21 * 3600);
    assert.ok(one(m, 'dqc_last_run_timestamp_seconds', job).value > lastRun1);
    assert.equal(one(m, 'dqc_last_success_timestamp_seconds', job).value, success1.value, 'a failed run must not erase the last success');

    // 3. The uniqueness check and a completeness column are removed from the config.
    s.write(ORDERS_DATASET.replace('completeness: {amount: 0.5, id: 0}', 'completeness: {amount: 0.5}').replace(/ +uniqueness: .*\n/, ''));
    const fewer = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--pushgateway', gw.url]);
    assert.equal(fewer.code, 0, fewer.stderr);
    m = await scrape(gw.url);
    assert.deepEqual(pick(m, 'dqc_check_passed', job).map((x) => `${x.labels.check}:${x.labels.column}`).sort(), ['completeness:amount', 'freshness:created_at']);
    assert.equal(pick(m, 'dqc_check_value', { ...job, check: 'uniqueness' }).length, 0);
    assert.equal(pick(m, 'dqc_null_ratio', { ...job, column: 'id' }).length, 0);
    assert.equal(pick(m, 'dqc_duplicate_ratio', job).length, 0);
    assert.ok(one(m, 'dqc_last_success_timestamp_seconds', job).value > success1.value, 'a new success replaces the old one');
  });

  it('groups by job, dataset and the configured labels; each dataset has its own group', async () => {
    const s = ordersConfig(
      'prometheus:\n  job: nightly\n  grouping: {env: "prod/eu"}\n',
      `${ORDERS_DATASET}  - name: orders_copy\n    source: orders.csv\n    checks:\n      completeness: {amount: 0.1}\n`,
    );
    const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--pushgateway', gw.url]);
    assert.equal(r.code, 1, r.stderr);
    const m = await scrape(gw.url);
    const labels = { job: 'nightly', env: 'prod/eu' };
    assert.equal(pick(m, 'dqc_dataset_passed', { ...labels, dataset: 'orders' })[0]?.value, 1);
    assert.equal(pick(m, 'dqc_dataset_passed', { ...labels, dataset: 'orders_copy' })[0]?.value, 0);
    assert.equal(pick(m, 'dqc_last_success_timestamp_seconds', { ...labels, dataset: 'orders' }).length, 1);
    assert.equal(pick(m, 'dqc_last_success_timestamp_seconds', { ...labels, dataset: 'orders_copy' }).length, 0);
    // One run group per dataset and one success group for the dataset that passed.
    assert.equal(pick(m, 'push_time_seconds', labels).length, 3);
  });

  it('pushes the configured gateway unless --no-push, and --print-metrics pushes nothing', async () => {
    const s = ordersConfig(`prometheus:\n  pushgateway: ${gw.url}\n  job: configured\n`);
    const quiet = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--no-push']);
    assert.equal(quiet.code, 0, quiet.stderr);
    const dry = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--print-metrics']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`^# PUT ${gw.url}/metrics/job/configured/dataset/orders \\(dry run\\)$`, 'm'));
    assert.match(dry.stdout, /^dqc_check_passed\{dataset="orders",check="freshness",column="created_at"\} 1$/m);
    assert.equal(pick(await scrape(gw.url), 'dqc_rows', { job: 'configured' }).length, 0);

    const pushed = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(pick(await scrape(gw.url), 'dqc_rows', { job: 'configured' })[0]?.value, 4);
  });
});
