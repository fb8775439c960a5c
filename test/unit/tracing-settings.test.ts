import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TracingConfig } from '../../src/config/tracing.ts';
import { DEFAULT_TIMEOUT_MS, tracingSettings, withTracesPath } from '../../src/tracing/settings.ts';

const yaml = (over: Partial<TracingConfig> = {}): TracingConfig => ({ headers: {}, resourceAttributes: {}, path: ['tracing'], endpoint: 'http://collector:4318', ...over });

describe('tracing settings', () => {
  it('is off without an endpoint', () => {
    assert.deepEqual(tracingSettings(undefined, {}), {});
    assert.deepEqual(tracingSettings(yaml({ endpoint: undefined }), { OTEL_SERVICE_NAME: 'x' }), {});
  });

  it('takes the endpoint from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (as is), OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces), then the file', () => {
    const url = (env: Record<string, string>, config?: TracingConfig) => tracingSettings(config, env).settings?.url;
    assert.equal(url({}, yaml()), 'http://collector:4318/v1/traces');
    assert.equal(url({}, yaml({ endpoint: 'https://otlp.example/otlp/v1/traces' })), 'https://otlp.example/otlp/v1/traces');
    assert.equal(url({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318/' }, yaml()), 'http://env:4318/v1/traces');
    assert.equal(url({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318/otlp' }), 'http://env:4318/otlp/v1/traces');
    assert.equal(url({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env:4318/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other:4318' }), 'http://env:4318/custom');
    assert.equal(tracingSettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318' }).settings?.from, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    assert.equal(withTracesPath('http://a:4318?x=1', false), 'http://a:4318/v1/traces?x=1');
  });

  it('protocol, timeout and service name: the environment, then the file, then the defaults', () => {
    const d = tracingSettings(yaml(), {}).settings!;
    assert.deepEqual([d.protocol, d.timeoutMs, d.serviceName], ['http/protobuf', DEFAULT_TIMEOUT_MS, 'dqc']);
    const f = tracingSettings(yaml({ protocol: 'http/json', timeoutSeconds: 2, serviceName: 'nightly' }), {}).settings!;
    assert.deepEqual([f.protocol, f.timeoutMs, f.serviceName], ['http/json', 2000, 'nightly']);
    const e = tracingSettings(yaml({ protocol: 'http/json', timeoutSeconds: 2, serviceName: 'nightly' }), {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TIMEOUT: '750',
      OTEL_SERVICE_NAME: 'from-env',
    }).settings!;
    assert.deepEqual([e.protocol, e.timeoutMs, e.serviceName], ['http/protobuf', 750, 'from-env']);
    assert.equal(tracingSettings(yaml(), { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }).settings?.protocol, 'http/json');
  });

  it('is turned off by OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none, and warns about what it cannot do', () => {
    assert.deepEqual(tracingSettings(yaml(), { OTEL_SDK_DISABLED: 'true' }), {});
    assert.deepEqual(tracingSettings(yaml(), { OTEL_TRACES_EXPORTER: 'none' }), {});
    assert.ok(tracingSettings(yaml(), { OTEL_TRACES_EXPORTER: 'otlp,console' }).settings);
    assert.deepEqual(tracingSettings(yaml(), { OTEL_TRACES_EXPORTER: 'zipkin' }), { warning: 'OTEL_TRACES_EXPORTER=zipkin: dqc only exports OTLP; no trace is sent' });
    assert.match(tracingSettings(yaml(), { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).warning!, /grpc is not supported/);
    assert.deepEqual(tracingSettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317?key=s3cret' }), {
      warning: 'OTEL_EXPORTER_OTLP_ENDPOINT is not an http:// or https:// URL; no trace is sent',
    });
  });

  it('shows the endpoint without credentials and passes TRACEPARENT on', () => {
    const s = tracingSettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:pa55@otlp.example', TRACEPARENT: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }).settings!;
    assert.equal(s.display, 'https://user:***@otlp.example/v1/traces');
    assert.equal(s.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  });
});
