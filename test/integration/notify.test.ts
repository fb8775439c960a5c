/**
 * Notifications end to end: the real CLI against local receivers on 127.0.0.1 that stand in
 * for Slack, PagerDuty and a webhook and record what they get: payload shapes, routing by
 * severity, dedup keys, resolves on recovery (stateless and with a state file), retries after
 * a 500, timeouts, 429 with Retry-After, secrets, exit codes. README "Notifications".
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { NOW_FRESH, NOW_STALE, ordersConfig } from './data.ts';
import { startReceiver, type Receiver } from './notify-receiver.ts';
import { dqcAsync, freePort } from './servers.ts';

const SLACK_SECRET = 'T0000/B0000/slacksecret123456';
const ROUTING_KEY = 'pdroutingkey0123456789abcdef';
const HOOK_TOKEN = 'hooktoken-s3cret';

/** freshness fails at NOW_STALE, everything passes at NOW_FRESH. */
const datasets = (freshness = 'critical') => `datasets:
  - name: orders
    source: orders.csv
    checks:
      completeness: {columns: {amount: 0.5, id: 0}, severity: critical}
      uniqueness: {key_columns: [id]}
      freshness: {timestamp_column: created_at, max_age_hours: 6, severity: ${freshness}}
`;

describe('notifications', () => {
  let rx: Receiver;
  before(async () => {
    rx = await startReceiver();
  });
  after(() => rx.close());
  beforeEach(() => rx.reset());

  const env = () => ({ SLACK_WEBHOOK_URL: `${rx.url}/services/${SLACK_SECRET}`, PD_ROUTING_KEY: ROUTING_KEY, HOOK_TOKEN });
  const channels = (extra = '') => `notify:
  retries: 2
${extra}  channels:
    slack: {url: "\${SLACK_WEBHOOK_URL}"}
    oncall: {type: pagerduty, routing_key: "\${PD_ROUTING_KEY}", url: "${rx.url}/v2/enqueue"}
    audit: {type: webhook, url: "${rx.url}/hooks/dqc", headers: {Authorization: "Bearer \${HOOK_TOKEN}"}}
`;
  const run = (config: string, now: string, ...flags: string[]) => dqcAsync(['check', '-c', config, '--now', now, ...flags], { env: env() });
  const noSecrets = (text: string) => {
    for (const s of ['slacksecret123456', ROUTING_KEY, HOOK_TOKEN]) assert.ok(!text.includes(s), `${s} printed:\n${text}`);
  };

  it('sends one Slack message, one PagerDuty event per critical check and one webhook body, in each service\'s format', async () => {
    const s = ordersConfig(channels(), datasets());
    const r = await run(s.config, NOW_STALE, '--debug');
    assert.equal(r.code, 1, r.stderr);
    noSecrets(r.stdout + r.stderr);

    const [slack, ...moreSlack] = rx.at('/services/');
    assert.equal(moreSlack.length, 0, 'one Slack message per run');
    assert.equal(slack.path, `/services/${SLACK_SECRET}`);
    assert.match(slack.headers['content-type']!, /^application\/json/);
    const msg = slack.json;
    assert.equal(msg.blocks[0].type, 'header');
    assert.match(msg.blocks[0].text.text, /dqc: 1 check not passing/);
    assert.match(msg.text, /^:rotating_light: dqc: 1 check not passing/);
    assert.equal(msg.attachments.length, 1);
    assert.equal(msg.attachments[0].color, '#d40e0d', 'critical is red');
    const text = msg.attachments[0].blocks[0].text.text as string;
    assert.match(text, /^\*orders\* · freshness · `created_at` — \*CRITICAL\*, failed$/m);
    assert.match(text, /created_at: newest 2020-01-01T03:00:00\.000Z, 21 h old, max 6 h/);
    assert.match(text, /_age_hours 21, must be ≤ 6_/);

    // Only the critical failure pages; the passing critical checks are resolved (no state file).
    const [pd, ...morePd] = rx.at('/v2/enqueue').filter((e) => e.json.event_action === 'trigger');
    assert.equal(morePd.length, 0);
    assert.deepEqual(
      { ...pd.json, payload: undefined },
      { routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: 'dqc/orders/freshness/created_at', client: 'dqc', payload: undefined },
    );
    const p = pd.json.payload;
    assert.equal(p.summary, 'dqc: orders freshness failed: created_at: newest 2020-01-01T03:00:00.000Z, 21 h old, max 6 h');
    assert.deepEqual([p.severity, p.component, p.group, p.class], ['critical', 'orders', 'dqc', 'freshness']);
    assert.equal(typeof p.source, 'string');
    assert.ok(!Number.isNaN(Date.parse(p.timestamp)));
    assert.deepEqual(
      [p.custom_details.dataset, p.custom_details.check, p.custom_details.column, p.custom_details.value, p.custom_details.threshold, p.custom_details.passes_when],
      ['orders', 'freshness', 'created_at', 21, 6, 'age_hours <= 6'],
    );

    const [hook] = rx.at('/hooks/dqc');
    assert.equal(hook.headers.authorization, `Bearer ${HOOK_TOKEN}`);
    const body = hook.json;
    assert.equal(body.version, 1);
    assert.equal(body.passed, false);
    assert.equal(body.now, '2020-01-02T00:00:00.000Z');
    assert.deepEqual(body.summary, { datasets: 1, checks: 4, passed: 3, failed: 1, warned: 0, not_evaluated: 0, datasets_not_checked: 0 });
    assert.deepEqual(body.datasets, [{ name: 'orders', outcome: 'failed', rows: 4, checks: 4, not_passing: 1 }]);
    assert.equal(body.alerts.length, 1);
    assert.deepEqual(
      { ...body.alerts[0], details: undefined },
      {
        key: 'orders/freshness/created_at',
        kind: 'check',
        dataset: 'orders',
        check: 'freshness',
        column: 'created_at',
        severity: 'critical',
        outcome: 'failed',
        metric: 'age_hours',
        value: 21,
        threshold: 6,
        comparison: '<=',
        message: 'created_at: newest 2020-01-01T03:00:00.000Z, 21 h old, max 6 h',
        details: undefined,
      },
    );
    assert.deepEqual(body.resolved, []);
    assert.match(r.stderr, /^dqc: debug: POST http:\/\/127\.0\.0\.1:\d+\/\*\*\* \(slack channel "slack", message, \d+ bytes\) -> 200 in \d+ ms$/m);
  });

  it('routes by severity: a warning goes to Slack and the webhook, not to PagerDuty; the run passes', async () => {
    const s = ordersConfig(channels(), datasets('warn'));
    const r = await run(s.config, NOW_STALE);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(rx.at('/v2/enqueue').filter((e) => e.json.event_action === 'trigger').length, 0);
    assert.equal(rx.at('/services/')[0].json.attachments[0].color, '#f2c744');
    assert.equal(rx.at('/hooks/dqc')[0].json.alerts[0].severity, 'warn');
  });

  it('sends nothing when every check passes, except PagerDuty resolves for the checks routed there', async () => {
    const s = ordersConfig(channels(), datasets());
    const r = await run(s.config, NOW_FRESH);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(rx.at('/services/').length + rx.at('/hooks/').length, 0);
    const resolves = rx.at('/v2/enqueue').map((e) => e.json);
    assert.ok(resolves.every((e) => e.event_action === 'resolve' && e.routing_key === ROUTING_KEY && e.payload === undefined));
    // Critical checks (and the dataset being readable) route to PagerDuty; uniqueness (error) does not.
    assert.deepEqual(resolves.map((e) => e.dedup_key).sort(), [
      'dqc/orders/completeness/amount',
      'dqc/orders/completeness/id',
      'dqc/orders/dataset',
      'dqc/orders/freshness/created_at',
    ]);
  });

  it('a check that fails in one cron run and passes in the next: trigger, then resolve with the same dedup key', async () => {
    const s = ordersConfig(channels(), datasets());
    await run(s.config, NOW_STALE);
    await run(s.config, NOW_STALE);
    await run(s.config, NOW_FRESH);
    const events = rx.at('/v2/enqueue').map((e) => e.json).filter((e) => e.dedup_key === 'dqc/orders/freshness/created_at');
    assert.deepEqual(events.map((e) => e.event_action), ['trigger', 'trigger', 'resolve']);
  });

  it('with a state file: recoveries are announced on Slack and the webhook, and only remembered incidents are resolved', async () => {
    const s = ordersConfig(channels('  state_file: dqc-notify-state.json\n'), datasets());
    const stateFile = path.join(s.dir, 'dqc-notify-state.json');

    assert.equal((await run(s.config, NOW_STALE)).code, 1);
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    assert.equal(state.version, 1);
    assert.deepEqual(Object.keys(state.channels.oncall), ['orders/freshness/created_at']);
    const since = state.channels.slack['orders/freshness/created_at'].since;
    rx.reset();

    assert.equal((await run(s.config, NOW_STALE)).code, 1);
    assert.equal(rx.at('/hooks/dqc')[0].json.alerts[0].since, since, 'failing since the first run');
    rx.reset();

    const r = await run(s.config, NOW_FRESH);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      rx.at('/v2/enqueue').map((e) => [e.json.event_action, e.json.dedup_key]),
      [['resolve', 'dqc/orders/freshness/created_at']],
    );
    const slack = rx.at('/services/')[0].json;
    assert.match(slack.text, /dqc: 1 alert resolved/);
    assert.equal(slack.attachments[0].color, '#2eb67d');
    assert.match(slack.attachments[0].blocks[0].text.text, /orders freshness created_at: passes again/);
    assert.deepEqual(rx.at('/hooks/dqc')[0].json.resolved, [
      { key: 'orders/freshness/created_at', dataset: 'orders', check: 'freshness', column: 'created_at', severity: 'critical', now: 'passed', since },
    ]);
    assert.deepEqual(JSON.parse(readFileSync(stateFile, 'utf8')).channels, { slack: {}, oncall: {}, audit: {} });
    rx.reset();

    assert.equal((await run(s.config, NOW_FRESH)).code, 0);
    assert.equal(rx.received.length, 0, 'nothing left to say');
  });

  it('an unreadable dataset is an alert of its own at the severity of its worst check', async () => {
    const s = ordersConfig(channels(), datasets().replace('source: orders.csv', 'source: missing.csv'));
    const r = await run(s.config, NOW_FRESH);
    assert.equal(r.code, 3);
    const [pd] = rx.at('/v2/enqueue').map((e) => e.json);
    assert.equal(pd.dedup_key, 'dqc/orders/dataset');
    assert.equal(pd.payload.class, 'dataset');
    assert.match(pd.payload.summary, /^dqc: dataset orders could not be checked: .*missing\.csv: no such file/);
    assert.match(rx.at('/services/')[0].json.blocks[0].text.text, /1 dataset not checked/);
  });

  it('retries after a 500 and succeeds: the run is not affected', async () => {
    const s = ordersConfig(channels(), datasets('warn'));
    rx.answerAt('/services/', { status: 500, body: 'oops' }, { status: 502 });
    const r = await run(s.config, NOW_STALE, '--debug');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(rx.at('/services/').map((q) => q.json.text), Array(3).fill(':warning: dqc: 1 check not passing'));
    assert.match(r.stderr, /-> 500 in \d+ ms$/m);
    assert.match(r.stderr, /retrying in 500 ms \(attempt 2 of 3\)/);
    assert.doesNotMatch(r.stderr, /dqc: (error|warning)/);
  });

  it('a channel that keeps failing: exit 4 when the checks passed, a message naming it, secrets hidden; --notify-optional makes it a warning', async () => {
    const s = ordersConfig(channels(), datasets('warn'));
    rx.fallback({ status: 500, body: `internal error for ${SLACK_SECRET}` });
    const r = await run(s.config, NOW_STALE, '--debug');
    assert.equal(r.code, 4, r.stderr);
    assert.equal(rx.at('/services/').length, 3, 'first attempt + 2 retries');
    assert.match(
      r.stderr,
      /^dqc: error: notification not sent to slack channel "slack" \(http:\/\/127\.0\.0\.1:\d+\/\*\*\*\): HTTP 500 Internal Server Error: internal error for T0000\/B0000\/\*\*\* \(after 3 attempts\)$/m,
    );
    assert.match(r.stderr, /^dqc: error: notification not sent to webhook channel "audit" /m);
    assert.match(r.stderr, /hint: the checks ran and the report is complete; only notifications were not sent/);
    assert.match(r.stdout, /PASSED/);
    noSecrets(r.stdout + r.stderr);

    const optional = await run(s.config, NOW_STALE, '--notify-optional');
    assert.equal(optional.code, 0);
    assert.match(optional.stderr, /^dqc: warning: notification not sent to slack channel "slack"/m);

    // A failed check outranks it.
    const failing = ordersConfig(channels(), datasets());
    assert.equal((await run(failing.config, NOW_STALE)).code, 1);
  });

  it('a 4xx is not retried', async () => {
    const s = ordersConfig(channels(), datasets('warn'));
    rx.fallback({ status: 404, body: 'no_service' });
    const r = await run(s.config, NOW_STALE);
    assert.equal(r.code, 4);
    assert.equal(rx.at('/services/').length, 1);
    assert.match(r.stderr, /slack channel "slack" .*: HTTP 404 Not Found: no_service$/m);
  });

  it('a receiver that does not answer: each attempt ends at timeout_seconds', async () => {
    const s = ordersConfig(channels('  timeout_seconds: 0.3\n').replace('retries: 2', 'retries: 1'), datasets('warn'));
    rx.fallback('hang');
    const started = Date.now();
    const r = await run(s.config, NOW_STALE);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(rx.at('/services/').length, 2);
    assert.match(r.stderr, /slack channel "slack" .*: no answer within 0\.3 s \(timeout_seconds\) \(after 2 attempts\)$/m);
    assert.ok(Date.now() - started < 10_000);
  });

  it('429 with Retry-After: waits as asked, then retries; a Retry-After longer than 30 s ends the retries', async () => {
    const s = ordersConfig(channels(), datasets());
    rx.answerAt('/services/', { status: 429, headers: { 'Retry-After': '1' }, body: 'rate limited' });
    const r = await run(s.config, NOW_STALE);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, /notification not sent/);
    const [first, second] = rx.at('/services/');
    assert.ok(second, 'retried');
    assert.ok(second.at - first.at >= 900, `waited ${second.at - first.at} ms`);
    rx.reset();

    rx.answerAt('/services/', { status: 429, headers: { 'Retry-After': '3600' } });
    const long = await run(s.config, NOW_STALE);
    assert.equal(long.code, 1);
    assert.equal(rx.at('/services/').length, 1);
    assert.match(long.stderr, /slack channel "slack" .*: HTTP 429 Too Many Requests \(Retry-After 3600 s is longer than dqc waits, 30 s\)$/m);
  });

  it('PagerDuty down: after one event fails its retries, the others are not tried', async () => {
    const s = ordersConfig(channels().replace('retries: 2', 'retries: 0'), datasets());
    const port = await freePort();
    s.write(readFileSync(s.config, 'utf8').replace(`${rx.url}/v2/enqueue`, `http://127.0.0.1:${port}/v2/enqueue`));
    const r = await run(s.config, NOW_FRESH);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /^dqc: error: notification not sent to pagerduty channel "oncall" \(http:\/\/127\.0\.0\.1:\d+\/v2\/enqueue\) \(resolve dqc\/orders\/\S+\): connection refused \(ECONNREFUSED\)$/m);
    assert.match(r.stderr, /^dqc: error: 3 more messages not sent to pagerduty channel "oncall" after that failure$/m);
  });

  it('--no-notify sends nothing and does not need the secrets in the environment', async () => {
    const s = ordersConfig(channels(), datasets());
    const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_STALE, '--no-notify']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(rx.received.length, 0);
    const without = await dqcAsync(['check', '-c', s.config, '--now', NOW_STALE]);
    assert.equal(without.code, 2);
    assert.match(without.stderr, /notify\.channels\.slack\.url: environment variable SLACK_WEBHOOK_URL is not set/);
    // dqc rules and dqc dashboard never read the section.
    for (const command of ['rules', 'dashboard']) assert.equal((await dqcAsync([command, '-c', s.config])).code, 0, command);
  });

  it('--print-notifications prints what would be sent, with the routing key masked, and sends nothing', async () => {
    const s = ordersConfig(channels(), datasets());
    const r = await run(s.config, NOW_STALE, '--print-notifications');
    assert.equal(r.code, 1, r.stderr);
    assert.equal(rx.received.length, 0);
    noSecrets(r.stdout + r.stderr);
    assert.match(r.stdout, /^# POST http:\/\/127\.0\.0\.1:\d+\/\*\*\* \(slack channel "slack", message, dry run\)$/m);
    assert.match(r.stdout, /^# POST http:\/\/127\.0\.0\.1:\d+\/v2\/enqueue \(pagerduty channel "oncall", trigger dqc\/orders\/freshness\/created_at, dry run\)$/m);
    assert.match(r.stdout, /"routing_key": "\*\*\*"/);
    const json = await run(s.config, NOW_STALE, '--print-notifications', '--format', 'json');
    assert.equal(json.code, 2);
    assert.match(json.stderr, /--print-notifications prints the messages on stdout/);
  });

  it('refuses a Slack webhook URL written into the config, without printing it', async () => {
    const s = ordersConfig(`notify:\n  channels:\n    slack: {url: "${rx.url}/services/${SLACK_SECRET}"}\n`, datasets());
    const r = await run(s.config, NOW_STALE);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /quality\.yaml:3:18: notify\.channels\.slack\.url: a Slack webhook URL is a secret: write url: \$\{SLACK_WEBHOOK_URL\}/);
    noSecrets(r.stderr);
    assert.equal(rx.received.length, 0);
  });
});
