import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { configIssueLines } from '../helpers.ts';

const DATASETS = `datasets:
  - name: orders
    source: orders.csv
    checks:
      completeness: {amount: 0.05}
  - name: clicks
    source: clicks.csv
    checks:
      completeness: {user: 0.05}
`;
const ENV = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefSECRETxyz', PD_KEY: 'R0UT1NGKEYsecret', TOKEN: 'tok-s3cret' };

const issuesOf = (text: string, env: Record<string, string> = ENV) => configIssueLines(text, env);

describe('config: notify section', () => {
  it('is optional', () => {
    assert.equal(parseConfig(DATASETS, 'q.yaml').notify, undefined);
  });

  it('is normalised: type from the channel name, default severities per type, env interpolation, state file beside the config', () => {
    const c = parseConfig(
      `notify:
  state_file: state/dqc.json
  timeout_seconds: 5
  channels:
    slack: {url: "\${SLACK_WEBHOOK_URL}"}
    oncall: {type: pagerduty, routing_key: "\${PD_KEY}", datasets: [orders], retries: 1}
    audit: {type: webhook, url: "https://hooks.example/dqc", headers: {Authorization: "Bearer \${TOKEN}"}, always: true}
${DATASETS}`,
      '/etc/dqc/q.yaml',
      { env: ENV },
    );
    const n = c.notify!;
    assert.equal(n.stateFile, path.resolve('/etc/dqc/state/dqc.json'));
    assert.deepEqual(
      n.channels.map((ch) => [ch.name, ch.type, ch.severities.join(','), ch.timeoutSeconds, ch.retries]),
      [
        ['slack', 'slack', 'critical,error,warn', 5, 3],
        ['oncall', 'pagerduty', 'critical', 5, 1],
        ['audit', 'webhook', 'critical,error,warn,info', 5, 3],
      ],
    );
    assert.equal(n.channels[0].url, ENV.SLACK_WEBHOOK_URL);
    assert.equal(n.channels[1].url, 'https://events.pagerduty.com/v2/enqueue');
    assert.equal(n.channels[1].routingKey, ENV.PD_KEY);
    assert.deepEqual(n.channels[1].datasets, ['orders']);
    assert.equal(n.channels[1].dedupKeyPrefix, 'dqc');
    assert.deepEqual(n.channels[2].headers, { Authorization: 'Bearer tok-s3cret' });
    assert.equal(n.channels[2].always, true);
  });

  it('refuses channel names that are properties of every object (the state file keys channels by name)', () => {
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const issues = issuesOf(`notify:\n  channels:\n    ${name}: {type: webhook, url: "https://hooks.example/dqc"}\n${DATASETS}`);
      assert.equal(issues.length, 1, issues.join('\n'));
      assert.match(issues[0], new RegExp(`^3:5 notify\\.channels\\.${name}: channel name "${name}" is reserved: choose another$`));
    }
  });

  it('locates every problem: missing type and url, keys of another type, unknown datasets and severities', () => {
    const issues = issuesOf(`notify:
  channels:
    team: {url: "\${SLACK_WEBHOOK_URL}"}
    slack: {routing_key: "\${PD_KEY}"}
    oncall: {type: pagerduty, headers: {X-A: b}, always: true}
    hook: {type: webhook, url: "ftp://example", datasets: [order]}
${DATASETS}`);
    assert.deepEqual(issues, [
      '3:5 notify.channels.team: channel "team" needs a type: slack, pagerduty or webhook',
      '4:5 notify.channels.slack: a slack channel needs a url: the incoming webhook URL, e.g. url: ${SLACK_WEBHOOK_URL}',
      '4:13 notify.channels.slack.routing_key: "routing_key" is for pagerduty channels, not slack',
      '5:5 notify.channels.oncall: a pagerduty channel needs a routing_key: the integration key of an Events API v2 integration',
      '5:31 notify.channels.oncall.headers: "headers" is for webhook channels, not pagerduty',
      '5:50 notify.channels.oncall.always: "always" is for slack and webhook channels, not pagerduty',
      '6:32 notify.channels.hook.url: expected an http:// or https:// URL',
      '6:60 notify.channels.hook.datasets[0]: no dataset named "order" (did you mean "orders"?)',
    ]);
    // Schema problems first: the checks above run once the schema is satisfied.
    assert.deepEqual(issuesOf(`notify:\n  channels:\n    hook: {type: webhook, url: "ftp://example", severities: [fatal]}\n${DATASETS}`), [
      '3:62 notify.channels.hook.severities[0]: expected critical, error, warn or info',
    ]);
  });

  it('suggests misspelt keys', () => {
    assert.deepEqual(issuesOf(`notify:\n  chanels: {}\n${DATASETS}`).slice(0, 1), ['2:3 notify.chanels: unknown key "chanels" (did you mean "channels"?)']);
    assert.deepEqual(issuesOf(`notify:\n  channels:\n    slack: {url: "\${SLACK_WEBHOOK_URL}", severites: [error]}\n${DATASETS}`), [
      '3:42 notify.channels.slack.severites: unknown key "severites" (did you mean "severities"?)',
    ]);
  });

  it('wants the Slack webhook URL and the routing key from the environment, and never echoes them', () => {
    const issues = issuesOf(`notify:
  channels:
    slack: {url: "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefSECRETxyz"}
    oncall: {type: pagerduty, routing_key: R0UT1NGKEYsecret}
    hook: {type: webhook, url: 42}
${DATASETS}`);
    assert.deepEqual(issues, ['5:32 notify.channels.hook.url: expected a URL, got a number (not shown: it may be a secret)']);
    const literal = issuesOf(`notify:
  channels:
    slack: {url: "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefSECRETxyz"}
    oncall: {type: pagerduty, routing_key: R0UT1NGKEYsecret}
${DATASETS}`);
    assert.deepEqual(literal, [
      '3:18 notify.channels.slack.url: a Slack webhook URL is a secret: write url: ${SLACK_WEBHOOK_URL} and set that variable in the environment',
      '4:44 notify.channels.oncall.routing_key: a routing key is a secret: write routing_key: ${PAGERDUTY_ROUTING_KEY} and set that variable in the environment',
    ]);
    assert.ok(!literal.join('\n').includes('SECRET') && !literal.join('\n').includes('R0UT1NG'));
  });

  it('an unset variable is an error, unless the section is left out (--no-notify)', () => {
    const text = `notify:\n  channels:\n    slack: {url: "\${SLACK_WEBHOOK_URL}"}\n${DATASETS}`;
    assert.deepEqual(issuesOf(text, {}), ['3:18 notify.channels.slack.url: environment variable SLACK_WEBHOOK_URL is not set']);
    assert.equal(parseConfig(text, 'q.yaml', { env: {}, without: ['notify'] }).notify, undefined);
  });

  it('check severities take critical and info', () => {
    const c = parseConfig(
      `datasets:\n  - name: a\n    source: a.csv\n    checks:\n      completeness: {columns: {x: 0}, severity: critical}\n      uniqueness: {key_columns: [x], severity: info}\n`,
      'q.yaml',
    );
    assert.deepEqual(c.datasets[0].checks.map((ch) => ch.severity), ['critical', 'info']);
    assert.deepEqual(issuesOf(`datasets:\n  - name: a\n    source: a.csv\n    checks:\n      uniqueness: {key_columns: [x], severity: fatal}\n`), [
      '5:48 datasets[0].checks.uniqueness.severity: expected critical, error, warn or info',
    ]);
  });
});

describe('config: tracing section', () => {
  it('is normalised and validated without echoing the endpoint or headers', () => {
    const c = parseConfig(`tracing:\n  endpoint: http://collector:4318\n  protocol: http/json\n  headers: {Authorization: "Bearer \${TOKEN}"}\n  resource_attributes: {deployment.environment: prod}\n${DATASETS}`, 'q.yaml', { env: ENV });
    assert.deepEqual(c.tracing, {
      endpoint: 'http://collector:4318',
      protocol: 'http/json',
      headers: { Authorization: 'Bearer tok-s3cret' },
      timeoutSeconds: undefined,
      serviceName: undefined,
      resourceAttributes: { 'deployment.environment': 'prod' },
      path: ['tracing'],
    });
    assert.deepEqual(issuesOf(`tracing:\n  endpoint: collector:4318?token=s3cret\n  protocol: grpc\n${DATASETS}`), [
      '3:13 tracing.protocol: expected http/protobuf or http/json (OTLP over gRPC is not supported)',
    ]);
    assert.deepEqual(issuesOf(`tracing:\n  endpoint: grpc://collector:4317?token=s3cret\n${DATASETS}`), [
      '2:13 tracing.endpoint: expected an http:// or https:// URL, e.g. http://otel-collector:4318',
    ]);
  });
});
