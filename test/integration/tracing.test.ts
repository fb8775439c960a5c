/**
 * Traces end to end: the real CLI exports to a local OTLP/HTTP receiver on 127.0.0.1, which
 * decodes the JSON encoding (OTEL_EXPORTER_OTLP_PROTOCOL=http/json) and checks the span tree
 * and attributes; protobuf (the default) by content type; an unreachable or silent collector
 * is a warning within a bounded time; and without an endpoint nothing of OpenTelemetry loads.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { tempDir, TLS_FILES } from '../helpers.ts';
import { NOW_FRESH, NOW_STALE, ordersConfig } from './data.ts';
import { startReceiver, type Receiver } from './notify-receiver.ts';
import { dqcAsync, freePort } from './servers.ts';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: OtlpValue }[];
  status?: { code?: number; message?: string };
  events?: { name: string; attributes: { key: string; value: OtlpValue }[] }[];
}

const STATUS_ERROR = 2;

function valueOf(v: OtlpValue | undefined): unknown {
  if (!v) return undefined;
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.stringValue ?? v.doubleValue ?? v.boolValue;
}
const attr = (s: { attributes: OtlpSpan['attributes'] }, key: string) => valueOf(s.attributes.find((a) => a.key === key)?.value);

/** Every span of every OTLP/JSON request, and the resource attributes of the first. */
function spansOf(rx: Receiver): { spans: OtlpSpan[]; resource: Record<string, unknown> } {
  const spans: OtlpSpan[] = [];
  let resource: Record<string, unknown> = {};
  for (const r of rx.at('/v1/traces')) {
    for (const rs of r.json.resourceSpans) {
      resource = Object.fromEntries(rs.resource.attributes.map((a: { key: string; value: OtlpValue }) => [a.key, valueOf(a.value)]));
      for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    }
  }
  return { spans, resource };
}

const DATASETS = `datasets:
  - name: orders
    source: orders.csv
    reference: orders.csv
    checks:
      completeness: {amount: 0.1, id: 0}
      drift: {columns: [amount]}
      freshness: {timestamp_column: created_at, max_age_hours: 6, severity: warn}
  - name: broken
    source: missing.csv
    checks:
      completeness: {amount: 0.1}
`;

describe('tracing', () => {
  let rx: Receiver;
  before(async () => {
    rx = await startReceiver((r) => (r.path === '/v1/traces' ? { status: 200, headers: { 'Content-Type': String(r.headers['content-type']) }, body: r.json ? '{}' : '' } : undefined));
  });
  after(() => rx.close());
  beforeEach(() => rx.reset());

  const json = () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });

  it('a run is one trace: the run, its datasets, their reads and checks, metrics delivery and notifications', async () => {
    const s = ordersConfig(`notify:\n  channels:\n    audit: {type: webhook, url: "${rx.url}/hook"}\n`, DATASETS);
    const metricsFile = path.join(s.dir, 'dqc.prom');
    const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_STALE, '--metrics-file', metricsFile], {
      env: { ...json(), OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test' },
    });
    assert.equal(r.code, 3, r.stderr);
    assert.doesNotMatch(r.stderr, /warning/);
    assert.ok(rx.at('/v1/traces').every((q) => /^application\/json/.test(String(q.headers['content-type']))));
    const { spans, resource } = spansOf(rx);
    assert.equal(resource['service.name'], 'dqc');
    assert.equal(resource['deployment.environment'], 'test');
    assert.match(String(resource['service.version']), /^\d+\.\d+\.\d+/);

    assert.equal(new Set(spans.map((x) => x.traceId)).size, 1, 'one trace');
    const byId = new Map(spans.map((x) => [x.spanId, x]));
    const parentName = (x: OtlpSpan) => (x.parentSpanId ? byId.get(x.parentSpanId)?.name : undefined);
    const tree = spans.map((x) => `${parentName(x) ?? '-'} > ${x.name}${attr(x, 'dqc.check.column') ? ` ${attr(x, 'dqc.check.column')}` : ''}`).sort();
    assert.deepEqual(tree, [
      '- > dqc check',
      'dataset orders > check completeness amount',
      'dataset orders > check completeness id',
      'dataset orders > check drift amount',
      'dataset orders > check freshness created_at',
      'dataset orders > read data',
      'dataset orders > read reference',
      'dqc check > dataset broken',
      'dqc check > dataset orders',
      'dqc check > notify',
      'dqc check > push metrics',
      'notify > notify webhook',
    ]);
    const one = (name: string, column?: string) => spans.find((x) => x.name === name && (column === undefined || attr(x, 'dqc.check.column') === column))!;

    const root = one('dqc check');
    assert.equal(attr(root, 'dqc.exit_code'), 3);
    assert.equal(attr(root, 'dqc.passed'), false);
    assert.equal(attr(root, 'dqc.checks'), 4);
    assert.equal(root.status?.code, STATUS_ERROR);
    assert.equal(root.status?.message, 'exit 3: data could not be read or measured');
    for (const x of spans) {
      assert.ok(BigInt(x.startTimeUnixNano) >= BigInt(root.startTimeUnixNano) && BigInt(x.endTimeUnixNano) <= BigInt(root.endTimeUnixNano), `${x.name} inside the run`);
    }

    const read = one('read data');
    assert.deepEqual([attr(read, 'dqc.read.role'), attr(read, 'dqc.read.rows'), attr(read, 'dqc.read.files')], ['data', 4, 1]);
    assert.ok(Number(attr(read, 'dqc.read.bytes')) > 100);
    assert.equal(attr(one('read reference'), 'dqc.read.role'), 'reference');

    const failed = one('check completeness', 'amount');
    assert.deepEqual(
      ['dqc.check.value', 'dqc.check.threshold', 'dqc.check.passed', 'dqc.check.outcome', 'dqc.check.severity', 'dqc.check.metric'].map((k) => attr(failed, k)),
      [0.25, 0.1, false, 'failed', 'error', 'null_ratio'],
    );
    assert.equal(failed.status?.code, STATUS_ERROR);
    const warned = one('check freshness');
    assert.deepEqual([attr(warned, 'dqc.check.outcome'), attr(warned, 'dqc.check.value')], ['warned', 21]);
    assert.notEqual(warned.status?.code, STATUS_ERROR);
    assert.equal(attr(one('check drift'), 'dqc.check.passed'), true);

    const orders = one('dataset orders');
    assert.deepEqual([attr(orders, 'dqc.dataset.rows'), attr(orders, 'dqc.dataset.outcome')], [4, 'failed']);
    const broken = one('dataset broken');
    assert.equal(broken.status?.code, STATUS_ERROR);
    const [exception] = broken.events ?? [];
    assert.equal(exception?.name, 'exception');
    assert.equal(attr(exception, 'exception.type'), 'E_DATA');
    assert.match(String(attr(exception, 'exception.message')), /missing\.csv: no such file/);

    assert.notEqual(one('push metrics').status?.code, STATUS_ERROR);
    const hook = one('notify webhook');
    assert.deepEqual([attr(hook, 'dqc.notify.channel'), attr(hook, 'dqc.notify.alerts'), attr(hook, 'dqc.notify.delivered')], ['audit', 3, 1]);
  });

  it('a delivery that fails is an error on its span, with an exception event', async () => {
    const port = await freePort();
    const s = ordersConfig(`notify:\n  retries: 0\n  channels:\n    audit: {type: webhook, url: "http://127.0.0.1:${port}/hook"}\n`);
    const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_STALE, '--notify-optional'], { env: json() });
    assert.equal(r.code, 1);
    const { spans } = spansOf(rx);
    const hook = spans.find((x) => x.name === 'notify webhook')!;
    assert.equal(hook.status?.code, STATUS_ERROR);
    assert.match(hook.status?.message ?? '', /connection refused/);
    assert.equal(hook.events?.[0].name, 'exception');
  });

  it('sends OTLP protobuf by default, to tracing.endpoint with its headers when no variable is set', async () => {
    const s = ordersConfig(`tracing:\n  endpoint: ${rx.url}\n  headers: {Authorization: "Bearer \${OTLP_TOKEN}"}\n  service_name: dqc-nightly\n`);
    const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--debug'], { env: { OTLP_TOKEN: 'otlp-s3cret-token' } });
    assert.equal(r.code, 0, r.stderr);
    const [req, ...more] = rx.at('/v1/traces');
    assert.equal(more.length, 0);
    assert.equal(req.headers['content-type'], 'application/x-protobuf');
    assert.equal(req.headers.authorization, 'Bearer otlp-s3cret-token');
    // Protobuf keeps strings as they are: the span and service names are in the bytes.
    for (const name of ['dqc check', 'dataset orders', 'read data', 'check freshness', 'dqc-nightly', 'dqc.check.threshold']) {
      assert.ok(req.raw.includes(Buffer.from(name)), `${name} not in the request`);
    }
    assert.match(r.stderr, /^dqc: debug: tracing: spans go to http:\/\/127\.0\.0\.1:\d+\/v1\/traces \(http\/protobuf, from tracing\.endpoint\)$/m);
    assert.ok(!r.stderr.includes('otlp-s3cret-token'));
  });

  it('joins the trace of the caller given in TRACEPARENT', async () => {
    const s = ordersConfig();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH], { env: { ...json(), TRACEPARENT: `00-${traceId}-${parent}-01` } });
    assert.equal(r.code, 0, r.stderr);
    const root = spansOf(rx).spans.find((x) => x.name === 'dqc check')!;
    assert.equal(root.traceId, traceId);
    assert.equal(root.parentSpanId, parent);
  });

  it('exports over HTTPS to a collector whose CA is in NODE_EXTRA_CA_CERTS or OTEL_EXPORTER_OTLP_CERTIFICATE; without either, a warning', async () => {
    const secure = await startReceiver(() => ({ status: 200, headers: { 'Content-Type': 'application/json' }, body: '{}' }), { tls: true });
    try {
      const s = ordersConfig();
      const ca = TLS_FILES.cert;
      const base = { OTEL_EXPORTER_OTLP_ENDPOINT: secure.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', NODE_EXTRA_CA_CERTS: undefined, DQC_EXTRA_CA_CERTS: undefined };
      const cases: [string, Record<string, string | undefined>][] = [
        ['NODE_EXTRA_CA_CERTS', { NODE_EXTRA_CA_CERTS: ca }],
        ['OTEL_EXPORTER_OTLP_CERTIFICATE', { OTEL_EXPORTER_OTLP_CERTIFICATE: ca }],
        ['OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE', { OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: ca }],
      ];
      for (const [name, env] of cases) {
        secure.reset();
        const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH], { env: { ...base, ...env }, command: true });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '', name);
        assert.equal(secure.at('/v1/traces').length, 1, name);
      }
      secure.reset();
      const untrusted = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH], { env: base, command: true });
      assert.equal(untrusted.code, 0);
      assert.match(untrusted.stderr, /^dqc: warning: trace not exported to https:\/\/127\.0\.0\.1:\d+\/v1\/traces: self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)/m);
      assert.equal(secure.at('/v1/traces').length, 0);
      const missing = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH], { env: { ...base, OTEL_EXPORTER_OTLP_CERTIFICATE: path.join(s.dir, 'none.pem') } });
      assert.equal(missing.code, 0);
      assert.match(missing.stderr, /^dqc: warning: tracing could not start \(cannot read the file of OTEL_EXPORTER_OTLP_\[TRACES_\]CERTIFICATE \(.*none\.pem\): ENOENT\)/m);
    } finally {
      await secure.close();
    }
  });

  it('an unreachable collector is a warning: same exit code, bounded time', async () => {
    const s = ordersConfig();
    const port = await freePort();
    const started = Date.now();
    const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_STALE], {
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`, OTEL_EXPORTER_OTLP_TIMEOUT: '1000' },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^dqc: warning: trace not exported to http://127\\.0\\.0\\.1:${port}/v1/traces: connection refused \\(ECONNREFUSED\\)$`, 'm'));
    assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
  });

  it('a collector that never answers is given up on after the export timeout', async () => {
    const silent = await startReceiver(() => 'hang');
    try {
      const s = ordersConfig(`tracing: {endpoint: "${silent.url}", timeout_seconds: 1}\n`);
      const started = Date.now();
      const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^dqc: warning: trace not exported to http:\/\/127\.0\.0\.1:\d+\/v1\/traces: no answer within 1 s$/m);
      assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
    } finally {
      await silent.close();
    }
  });

  it('the environment wins over the file; OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none turn it off; gRPC is refused', async () => {
    const port = await freePort();
    const s = ordersConfig(`tracing: {endpoint: "http://127.0.0.1:${port}"}\n`);
    const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH], { env: json() });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(rx.at('/v1/traces').length > 0);
    rx.reset();
    for (const off of [{ OTEL_SDK_DISABLED: 'true' }, { OTEL_TRACES_EXPORTER: 'none' }] as Record<string, string>[]) {
      const quiet = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH], { env: { ...json(), ...off } });
      assert.equal(quiet.code, 0);
      assert.equal(quiet.stderr, '');
    }
    const grpc = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } });
    assert.equal(grpc.code, 0);
    assert.match(grpc.stderr, /^dqc: warning: OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: dqc sends OTLP over HTTP/m);
    assert.equal(rx.received.length, 0);
  });

  it('without an endpoint nothing of OpenTelemetry is loaded', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'modules.log');
    const hook = path.join(dir, 'hook.cjs');
    // Preloaded: at exit, logs every package file the CLI required (the bundle loads packages with require).
    writeFileSync(
      hook,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(log)}, Object.keys(require('node:module')._cache).join('\\n')));\n`,
    );
    const s = ordersConfig();
    const env = { NODE_OPTIONS: `--require=${hook}` };
    const off = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH], { env });
    assert.equal(off.code, 0, off.stderr);
    assert.doesNotMatch(readFileSync(log, 'utf8'), /@opentelemetry/);

    const on = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH], { env: { ...env, ...json() } });
    assert.equal(on.code, 0, on.stderr);
    // The hook sees what is loaded: here the tracing packages.
    assert.match(readFileSync(log, 'utf8'), /node_modules\/@opentelemetry\/sdk-trace-base\//);
  });
});
