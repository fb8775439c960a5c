import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { configIssueLines } from '../helpers.ts';

const DATASETS = `datasets:
  - name: orders
    source: orders.csv
    checks:
      completeness: {amount: 0.05}
`;

const issuesOf = (text: string, env: Record<string, string> = {}) => configIssueLines(text, env);

describe('config: prometheus section', () => {
  it('is optional', () => {
    assert.equal(parseConfig(DATASETS, 'q.yaml').prometheus, undefined);
  });

  it('is normalised with defaults and env interpolation', () => {
    const c = parseConfig(
      `prometheus:
  pushgateway: http://gw:9091
  grouping: {env: prod}
  headers: {X-Scope-OrgID: team-a}
  bearer_token: \${PUSHGATEWAY_TOKEN}
  alerts:
    for: {data_stale: 5m}
${DATASETS}`,
      'q.yaml',
      { env: { PUSHGATEWAY_TOKEN: 'tok-123' } },
    );
    assert.deepEqual(c.prometheus, {
      pushgateway: 'http://gw:9091',
      job: 'dqc',
      grouping: { env: 'prod' },
      headers: { 'X-Scope-OrgID': 'team-a' },
      basicAuth: undefined,
      bearerToken: 'tok-123',
      timeoutSeconds: 10,
      retries: 3,
      alerts: { successWindow: '24h', for: { data_stale: '5m' }, labels: {} },
      path: ['prometheus'],
    });
  });

  it('locates every problem, with suggestions for misspelt keys', () => {
    const issues = issuesOf(`prometheus:
  pushgateway: gw:9091
  job: ""
  groupin: {env: prod}
  timeout_seconds: -1
  retries: 2.5
  alerts:
    success_window: 1 day
    for: {check_failed: soon}
${DATASETS}`);
    assert.deepEqual(issues, [
      '3:8 prometheus.job: job name is empty',
      '4:3 prometheus.groupin: unknown key "groupin" (did you mean "grouping"?)',
      '5:20 prometheus.timeout_seconds: must be greater than 0',
      '6:12 prometheus.retries: expected a whole number, got number 2.5',
      '8:21 prometheus.alerts.success_window: expected a duration such as 0s, 15m, 24h or 7d',
      '9:25 prometheus.alerts.for.check_failed: expected a duration such as 0s, 15m, 24h or 7d',
    ]);
  });

  it('rejects reserved or invalid label names and header names', () => {
    const issues = issuesOf(`prometheus:
  grouping: {dataset: x, 2env: y, ok_label: ""}
  headers: {"Bad Header": v, Content-Type: text/plain}
  alerts:
    labels: {severity: page, team: data}
${DATASETS}`);
    assert.deepEqual(issues, [
      '2:14 prometheus.grouping.dataset: dqc sets the "dataset" label itself; pick another grouping label name',
      '2:26 prometheus.grouping.2env: "2env" is not a valid label name (letters, digits and _, not starting with a digit or __)',
      '2:45 prometheus.grouping.ok_label: a grouping label needs a value',
      '3:13 prometheus.headers.Bad Header: "Bad Header" is not a valid HTTP header name',
      '3:30 prometheus.headers.Content-Type: dqc sets the Content-Type header itself',
      '5:14 prometheus.alerts.labels.severity: dqc sets the "severity" label itself; pick another alert label name',
    ]);
  });

  it('wants an http(s) URL without query', () => {
    for (const url of ['gw:9091', 'ftp://gw/', '"http://gw:9091/?x=1"']) {
      assert.deepEqual(issuesOf(`prometheus:\n  pushgateway: ${url}\n${DATASETS}`), [
        url.includes('?') ? '2:16 prometheus.pushgateway: the URL must not have a ?query or #fragment' : '2:16 prometheus.pushgateway: expected an http:// or https:// URL, e.g. http://pushgateway:9091',
      ]);
    }
  });

  it('refuses two ways to authenticate', () => {
    const issues = issuesOf(`prometheus:
  pushgateway: http://u:p@gw:9091
  bearer_token: abcd
${DATASETS}`);
    assert.deepEqual(issues, ['3:3 prometheus.bearer_token: give one way to authenticate, not user:password in the URL and bearer_token']);
  });

  it('never echoes a secret in a config error', () => {
    const text = `prometheus:
  bearer_token: 12345678
  basic_auth: {username: bob, password: 87654321}
  headers: {Authorization: 55555555}
${DATASETS}`;
    const issues = [...issuesOf(text), ...issuesOf(`prometheus:\n  pushgateway: "http//alice:hunter22@gw:9091"\n${DATASETS}`)];
    assert.equal(issues.length, 4, issues.join('\n'));
    for (const secret of ['hunter22', '12345678', '87654321', '55555555']) {
      assert.ok(!issues.join('\n').includes(secret), `${secret} shown in:\n${issues.join('\n')}`);
    }
    assert.match(issues.join('\n'), /expected a token, got a number \(not shown: it may be a secret\)/);
  });
});
