/** What each channel is told, built from hand-made run results: routing, batching, state, formats. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckResult } from '../../src/checks/result.ts';
import type { ChannelConfig } from '../../src/config/notify.ts';
import { parseConfig } from '../../src/config/load.ts';
import { findingsOf, formatNumber, valueLine } from '../../src/notify/alerts.ts';
import { batchFor, nextOpen } from '../../src/notify/batch.ts';
import { endpointOf, parseRetryAfter } from '../../src/notify/http.ts';
import { dedupKey, pagerDutyEvents } from '../../src/notify/pagerduty.ts';
import { slackMessage } from '../../src/notify/slack.ts';
import { webhookBody } from '../../src/notify/webhook.ts';
import type { SuiteResult } from '../../src/run.ts';

const CONFIG = parseConfig(
  `notify:
  channels:
    slack: {url: "\${SLACK}"}
    pd: {type: pagerduty, routing_key: "\${KEY}"}
    hook: {type: webhook, url: "https://hooks.example/x", datasets: [clicks]}
datasets:
  - name: orders
    source: o.csv
    checks:
      completeness: {columns: {amount: 0.1, id: 0}, severity: critical}
      uniqueness: {key_columns: [id, region], severity: warn}
  - name: clicks
    source: c.csv
    checks:
      completeness: {columns: {user: 0.1}, severity: info}
`,
  'q.yaml',
  { env: { SLACK: 'https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefSECRETxyz', KEY: 'routing-key-123' } },
);
const [SLACK, PD, HOOK] = CONFIG.notify!.channels;
const OPTS = { config: 'q.yaml', host: 'runner-1', finishedAt: Date.parse('2026-11-27T12:00:05Z') };

function check(over: Partial<CheckResult>): CheckResult {
  return { type: 'completeness', column: 'amount', metric: 'null_ratio', value: 0, threshold: 0.1, comparison: '<=', outcome: 'passed', passed: true, severity: 'critical', message: 'ok', ...over };
}

/** orders: amount failed (critical), id passed (critical), uniqueness warned; clicks: unreadable. */
const RESULT: SuiteResult = {
  passed: false,
  now: '2026-11-27T12:00:00.000Z',
  duration_seconds: 1.5,
  datasets: [
    {
      name: 'orders',
      source: 'o.csv',
      rows: 100,
      outcome: 'failed',
      duration_seconds: 1,
      checks: [
        check({ value: 0.25, outcome: 'failed', passed: false, message: 'amount: 25% null (25 of 100 rows), max 10%' }),
        check({ column: 'id', threshold: 0 }),
        check({ type: 'uniqueness', column: undefined, columns: ['id', 'region'], metric: 'duplicate_ratio', value: 0.02, threshold: 0, outcome: 'warned', passed: false, severity: 'warn', message: 'id,region: 2% duplicate <b>' }),
      ],
    },
    { name: 'clicks', source: 'c.csv', rows: null, outcome: 'error', duration_seconds: 0, checks: [], error: { code: 'E_DATA', exitCode: 3, message: 'c.csv: no such file', hint: 'check the path' } },
  ],
};

describe('alerts', () => {
  const f = findingsOf(RESULT, CONFIG);

  it('one per check that did not pass and per unreadable dataset, with stable keys', () => {
    assert.deepEqual(
      f.alerts.map((a) => [a.key, a.kind, a.severity, a.outcome]),
      [
        ['orders/completeness/amount', 'check', 'critical', 'failed'],
        ['orders/uniqueness/id,region', 'check', 'warn', 'warned'],
        // As severe as its worst check: info.
        ['clicks/dataset', 'dataset', 'info', 'error'],
      ],
    );
    assert.deepEqual(f.passing.map((p) => p.key), ['orders/dataset', 'orders/completeness/id']);
    assert.deepEqual([...f.checked], ['orders']);
  });

  it('formats values for people', () => {
    assert.equal(valueLine(f.alerts[0]), 'null_ratio 0.25, must be ≤ 0.1');
    assert.deepEqual([1.2e-40, 0.123456, 21, 0, 123456789].map(formatNumber), ['1.20e-40', '0.1235', '21', '0', '1.23e+8']);
  });

  it('routes by severity and dataset; without a state file only PagerDuty is resolved, for every passing check routed to it', () => {
    const slack = batchFor(SLACK, f, undefined, OPTS)!;
    assert.deepEqual(slack.alerts.map((a) => a.key), ['orders/completeness/amount', 'orders/uniqueness/id,region']);
    assert.deepEqual(slack.resolved, []);
    const pd = batchFor(PD, f, undefined, OPTS)!;
    assert.deepEqual(pd.alerts.map((a) => a.key), ['orders/completeness/amount']);
    // orders could be read, and its worst check is critical: an incident about reading it is resolved too.
    assert.deepEqual(pd.resolved.map((r) => r.key), ['orders/dataset', 'orders/completeness/id']);
    const hook = batchFor(HOOK, f, undefined, OPTS)!;
    assert.deepEqual(hook.alerts.map((a) => a.key), ['clicks/dataset']);
    assert.deepEqual(hook.summary.counts, { datasets: 1, checks: 0, passed: 0, failed: 0, warned: 0, not_evaluated: 0, datasets_not_checked: 1 });
  });

  it('with a state file: what recovered, what is no longer routed, what was removed; unchecked datasets keep theirs', () => {
    const open = {
      'orders/completeness/id': { dataset: 'orders', check: 'completeness', column: 'id', severity: 'critical' as const, since: '2026-11-26T00:00:00Z' },
      'orders/completeness/amount': { dataset: 'orders', check: 'completeness', column: 'amount', severity: 'critical' as const, since: '2026-11-25T00:00:00Z' },
      'orders/uniqueness/id,region': { dataset: 'orders', check: 'uniqueness', column: 'id,region', severity: 'critical' as const, since: '2026-11-26T00:00:00Z' },
      'orders/freshness/ts': { dataset: 'orders', check: 'freshness', column: 'ts', severity: 'critical' as const, since: '2026-11-26T00:00:00Z' },
      'clicks/completeness/user': { dataset: 'clicks', check: 'completeness', column: 'user', severity: 'info' as const, since: '2026-11-26T00:00:00Z' },
    };
    const b = batchFor(PD, f, open, OPTS)!;
    assert.deepEqual(b.alerts.map((a) => [a.key, a.since]), [['orders/completeness/amount', '2026-11-25T00:00:00Z']]);
    assert.deepEqual(
      b.resolved.map((r) => [r.key, r.now]),
      [
        ['orders/completeness/id', 'passed'],
        ['orders/uniqueness/id,region', 'not_routed'],
        ['orders/freshness/ts', 'removed'],
      ],
    );
    const next = nextOpen(b, open, f, new Set(['orders/completeness/id', 'orders/freshness/ts']));
    assert.deepEqual(Object.keys(next).sort(), ['clicks/completeness/user', 'orders/completeness/amount', 'orders/uniqueness/id,region']);
    assert.equal(next['orders/completeness/amount'].since, '2026-11-25T00:00:00Z');
  });

  it('nothing to say: no batch, unless `always` asks for one', () => {
    const passing = findingsOf({ ...RESULT, datasets: [{ ...RESULT.datasets[0], outcome: 'passed', checks: [check({})] }] }, CONFIG);
    assert.equal(batchFor(SLACK, passing, undefined, OPTS), undefined);
    const always = batchFor({ ...SLACK, always: true }, passing, undefined, OPTS)!;
    assert.equal(always.empty, true);
    assert.match(slackMessage(always).text, /dqc: all 1 checks passed/);
  });
});

describe('message formats', () => {
  const f = findingsOf(RESULT, CONFIG);

  it('Slack: header, summary, an attachment per severity with its color; mrkdwn escaped; long lists cut', () => {
    const m = slackMessage(batchFor(SLACK, f, undefined, OPTS)!);
    assert.equal(m.text, ':rotating_light: dqc: 2 checks not passing');
    assert.deepEqual(m.blocks.map((b) => b.type), ['header', 'section', 'context']);
    assert.deepEqual(m.attachments.map((a) => a.color), ['#d40e0d', '#f2c744']);
    const warn = (m.attachments[1].blocks[0] as { text: { text: string } }).text.text;
    assert.match(warn, /^\*orders\* · uniqueness · `id,region` — \*WARN\*, warned$/m);
    assert.match(warn, /2% duplicate &lt;b&gt;/);

    const many = findingsOf(
      { ...RESULT, datasets: [{ ...RESULT.datasets[0], checks: Array.from({ length: 30 }, (_, i) => check({ column: `c${i}`, value: 0.5, outcome: 'failed', passed: false })) }] },
      CONFIG,
    );
    const cut = slackMessage(batchFor(SLACK, many, undefined, OPTS)!);
    const blocks = cut.attachments[0].blocks;
    assert.equal(blocks.length, 21);
    assert.match(JSON.stringify(blocks[20]), /…and 10 more critical checks not passing/);
  });

  it('PagerDuty: triggers then resolves, severities in PagerDuty words, dedup keys at most 255 characters', () => {
    const events = pagerDutyEvents(batchFor(PD, f, undefined, OPTS)!);
    assert.deepEqual(events.map((e) => [e.event.event_action, e.event.dedup_key]), [
      ['trigger', 'dqc/orders/completeness/amount'],
      ['resolve', 'dqc/orders/dataset'],
      ['resolve', 'dqc/orders/completeness/id'],
    ]);
    const t = events[0].event;
    assert.equal(t.routing_key, 'routing-key-123');
    assert.deepEqual(
      { ...t.payload, custom_details: undefined },
      {
        summary: 'dqc: orders completeness failed: amount: 25% null (25 of 100 rows), max 10%',
        severity: 'critical',
        source: 'runner-1',
        component: 'orders',
        group: 'dqc',
        class: 'completeness',
        timestamp: '2026-11-27T12:00:05.000Z',
        custom_details: undefined,
      },
    );
    assert.deepEqual(Object.keys(events[1].event), ['routing_key', 'event_action', 'dedup_key']);
    const long = dedupKey('dqc', `orders/completeness/${'x'.repeat(300)}`);
    assert.equal(long.length, 255);
    assert.notEqual(long, dedupKey('dqc', `orders/completeness/${'x'.repeat(299)}y`));
  });

  it('webhook: summary of the datasets it follows and their alerts', () => {
    const body = webhookBody(batchFor(HOOK, f, undefined, OPTS)!);
    assert.deepEqual(
      { ...body, alerts: undefined },
      {
        version: 1,
        source: 'dqc',
        channel: 'hook',
        passed: false,
        config: 'q.yaml',
        host: 'runner-1',
        now: '2026-11-27T12:00:00.000Z',
        finished_at: '2026-11-27T12:00:05.000Z',
        duration_seconds: 1.5,
        summary: { datasets: 1, checks: 0, passed: 0, failed: 0, warned: 0, not_evaluated: 0, datasets_not_checked: 1 },
        datasets: [{ name: 'clicks', outcome: 'error', rows: null, checks: 0, not_passing: 0 }],
        alerts: undefined,
        resolved: [],
      },
    );
    assert.deepEqual(body.alerts, [
      {
        key: 'clicks/dataset',
        kind: 'dataset',
        dataset: 'clicks',
        check: null,
        column: null,
        severity: 'info',
        outcome: 'error',
        metric: null,
        value: null,
        threshold: null,
        comparison: null,
        message: 'c.csv: no such file',
        hint: 'check the path',
        details: { code: 'E_DATA' },
      },
    ]);
  });
});

describe('HTTP', () => {
  it('reads Retry-After as seconds or a date', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter(['1.5'], now), 1500);
    assert.equal(parseRetryAfter('Fri, 27 Nov 2026 12:00:10 GMT', now), 10_000);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('shows a webhook URL without its path, PagerDuty\'s with it, and hides every secret', () => {
    const slack = endpointOf(SLACK);
    assert.equal(slack.display, 'https://hooks.slack.com/***');
    assert.equal(slack.redactor.redact('bad token abcdefSECRETxyz in /services/T0123ABCD/B0123ABCD/abcdefSECRETxyz'), 'bad token *** in ***');
    const pd = endpointOf(PD);
    assert.equal(pd.display, 'https://events.pagerduty.com/v2/enqueue');
    assert.equal(pd.redactor.redact('key routing-key-123 invalid'), 'key *** invalid');
    const basic = endpointOf({ ...HOOK, url: 'https://bot:pa55word@hooks.example/x?sig=abc12345' } as ChannelConfig);
    assert.equal(basic.display, 'https://bot:***@hooks.example/***');
    assert.equal(basic.headers.Authorization, `Basic ${Buffer.from('bot:pa55word').toString('base64')}`);
    assert.equal(basic.url.href, 'https://hooks.example/x?sig=abc12345');
  });
});
