/**
 * The OpenTelemetry trace of one `dqc check` run, exported over OTLP/HTTP. Loaded (with the
 * @opentelemetry packages) only when tracing is configured: see src/cli/tracing.ts.
 *
 *   dqc check                         the run, from process start; exit code, pass/fail
 *   ├─ dataset <name>                 one per dataset; rows, outcome; ERROR when unreadable
 *   │  ├─ read data | read reference  files, bytes, rows
 *   │  └─ check <type>                one per column; value, threshold, passed, outcome
 *   ├─ push metrics                   Pushgateway / textfile delivery
 *   └─ notify                         └─ notify <channel type>, one per channel
 */
import {
  defaultTextMapGetter,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Attributes as OtelAttributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { ExportResultCode, parseKeyPairsIntoRecord, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { readFileSync } from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { CheckResult } from '../checks/result.js';
import { DqcError } from '../errors.js';
import type { DatasetResult, RunObserver, ScanRole } from '../run.js';
import { networkReason } from '../sinks/pushgateway.js';
import { extraCa } from '../sinks/tls.js';
import { Redactor } from '../sinks/redact.js';
import type { SourceFile } from '../sources/open.js';
import type { TracingSettings } from './settings.js';
import type { Attributes, StageSpan } from './stage.js';

export interface OtelRun {
  observer: RunObserver;
  /** The run's root span, for the stages after the checks (delivery, notifications). */
  root: StageSpan;
  /** Ends the root span and exports every span, waiting at most the export timeout (+1 s). Returns warnings. */
  finish(outcome: { exitCode: number; meaning: string; attributes?: Attributes; error?: unknown }): Promise<string[]>;
}

export interface OtelOptions {
  version: string;
  /** Environment: OTEL_EXPORTER_OTLP_*_HEADERS and OTEL_RESOURCE_ATTRIBUTES. */
  env: Record<string, string | undefined>;
  attributes: Attributes;
  log?: (line: string) => void;
}

/**
 * TLS of the exporter's connections. The exporter reads OTEL_EXPORTER_OTLP_[TRACES_]CERTIFICATE,
 * _CLIENT_CERTIFICATE and _CLIENT_KEY only into an agent of its own, which the agent options
 * given here replace, so they are read here, as the SDK does: the CA file replaces the usual
 * roots (as Node's `ca` does), the client pair is presented. Without them, the extra CA
 * certificates of NODE_EXTRA_CA_CERTS are added to the usual roots (src/sinks/tls.ts).
 */
function exporterTls(env: Record<string, string | undefined>): https.AgentOptions {
  const file = (name: string) => {
    const where = env[`OTEL_EXPORTER_OTLP_TRACES_${name}`] || env[`OTEL_EXPORTER_OTLP_${name}`];
    if (!where) return undefined;
    try {
      return readFileSync(path.resolve(where));
    } catch (err) {
      throw new Error(`cannot read the file of OTEL_EXPORTER_OTLP_[TRACES_]${name} (${where}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const ca = file('CERTIFICATE');
  const cert = file('CLIENT_CERTIFICATE');
  const key = file('CLIENT_KEY');
  if (ca) return { ca, cert, key };
  const extra = extraCa();
  if (!cert && !key) return extra.secureContext ? { secureContext: extra.secureContext } : {};
  return { ca: extra.pem ? [...tls.rootCertificates, extra.pem] : undefined, cert, key };
}

export async function startOtel(settings: TracingSettings, opts: OtelOptions): Promise<OtelRun> {
  const { OTLPTraceExporter } =
    settings.protocol === 'http/json' ? await import('@opentelemetry/exporter-trace-otlp-http') : await import('@opentelemetry/exporter-trace-otlp-proto');
  const envHeaders = {
    ...parseKeyPairsIntoRecord(opts.env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseKeyPairsIntoRecord(opts.env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
  };
  // The exporter adds the OTEL_* headers itself; the environment wins over tracing.headers.
  const taken = new Set(Object.keys(envHeaders).map((h) => h.toLowerCase()));
  const headers = Object.fromEntries(Object.entries(settings.headers).filter(([h]) => !taken.has(h.toLowerCase())));
  const url = new URL(settings.url);
  const redactor = new Redactor([settings.url, url.password, url.username, url.search.slice(1), ...Object.values(settings.headers), ...Object.values(envHeaders)]);
  const httpAgentOptions = { keepAlive: false, ...(url.protocol === 'https:' ? exporterTls(opts.env) : {}) };
  const exporter = new ReportingExporter(
    new OTLPTraceExporter({ url: settings.url, headers, timeoutMillis: settings.timeoutMs, httpAgentOptions }),
    redactor,
    settings.timeoutMs,
  );

  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: settings.serviceName,
    [ATTR_SERVICE_VERSION]: opts.version,
    'host.name': os.hostname(),
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    ...settings.resourceAttributes,
    ...parseKeyPairsIntoRecord(opts.env.OTEL_RESOURCE_ATTRIBUTES),
    ...(opts.env.OTEL_SERVICE_NAME ? { [ATTR_SERVICE_NAME]: opts.env.OTEL_SERVICE_NAME } : {}),
  });
  const provider = new BasicTracerProvider({
    resource,
    // The exporter's own timeout ends a request first, so that its reason can be reported.
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 20_000, maxExportBatchSize: 1000, exportTimeoutMillis: settings.timeoutMs + 500 })],
  });
  const tracer = provider.getTracer('dqc', opts.version);
  opts.log?.(`tracing: spans go to ${settings.display} (${settings.protocol}, from ${settings.from})`);

  const parent = settings.traceparent
    ? new W3CTraceContextPropagator().extract(ROOT_CONTEXT, { traceparent: settings.traceparent, tracestate: settings.tracestate }, defaultTextMapGetter)
    : ROOT_CONTEXT;
  // The run began when the process did: module loading and config parsing are part of it.
  const rootSpan = tracer.startSpan('dqc check', { startTime: performance.timeOrigin, attributes: clean(opts.attributes) }, parent);
  const rootCtx = trace.setSpan(parent, rootSpan);
  const root = stageSpan(tracer, rootSpan, rootCtx);

  return {
    observer: runObserver(tracer, rootCtx),
    root,
    async finish({ exitCode, meaning, attributes, error }) {
      rootSpan.setAttributes(clean({ 'dqc.exit_code': exitCode, ...attributes }));
      if (exitCode !== 0) rootSpan.setStatus({ code: SpanStatusCode.ERROR, message: `exit ${exitCode}: ${meaning}` });
      if (error !== undefined) rootSpan.recordException(exceptionOf(error));
      // The same clock as the child spans (time origin + monotonic time): a root given an
      // explicit start would otherwise end on Date.now(), up to a millisecond before them.
      rootSpan.end(performance.timeOrigin + performance.now());
      const limit = settings.timeoutMs + 1000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        provider.shutdown().then(
          () => false,
          () => false,
        ),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), limit);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
      const warnings = exporter.failures.map((why) => `trace not exported to ${settings.display}: ${why}`);
      if ((timedOut || exporter.pending > 0) && warnings.length === 0) {
        warnings.push(`trace not exported to ${settings.display}: no answer within ${settings.timeoutMs / 1000} s; gave up`);
      }
      opts.log?.(`tracing: ${exporter.exported} spans exported${exporter.failures.length ? `, ${exporter.failures.length} export requests failed` : ''}`);
      return [...new Set(warnings)];
    },
  };
}

/** The exporter, remembering why exports failed: dqc reports it instead of staying silent. */
class ReportingExporter implements SpanExporter {
  failures: string[] = [];
  exported = 0;
  /** Export requests not answered yet. */
  pending = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly redactor: Redactor,
    private readonly timeoutMs: number,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.pending++;
    this.inner.export(spans, (result) => {
      this.pending--;
      if (result.code === ExportResultCode.SUCCESS) this.exported += spans.length;
      else this.failures.push(this.redactor.redact(describeExportError(result.error, this.timeoutMs)));
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

function describeExportError(err: Error | undefined, timeoutMs: number): string {
  if (!err) return 'unknown error';
  const e = err as Error & { code?: number | string; data?: string };
  if (typeof e.code === 'number') return `HTTP ${e.code}${e.message ? ` ${e.message}` : ''}${e.data ? `: ${String(e.data).trim().split('\n')[0].slice(0, 200)}` : ''}`;
  if (e.message === 'Request timed out') return `no answer within ${timeoutMs / 1000} s`;
  return networkReason(err, timeoutMs);
}

function runObserver(tracer: Tracer, rootCtx: Context): RunObserver {
  const datasets = new Map<string, { span: Span; ctx: Context; scan?: Span }>();
  return {
    datasetStart(name) {
      const span = tracer.startSpan(`dataset ${name}`, { attributes: { 'dqc.dataset': name } }, rootCtx);
      datasets.set(name, { span, ctx: trace.setSpan(rootCtx, span) });
    },
    scanStart(dataset: string, role: ScanRole, files: SourceFile[]) {
      const d = datasets.get(dataset);
      if (!d) return;
      d.scan = tracer.startSpan(
        `read ${role}`,
        { attributes: { 'dqc.dataset': dataset, 'dqc.read.role': role, 'dqc.read.files': files.length, 'dqc.read.bytes': files.reduce((n, f) => n + (f.bytes ?? 0), 0) } },
        d.ctx,
      );
    },
    scanEnd(dataset, role, stats) {
      const d = datasets.get(dataset);
      if (!d?.scan) return;
      d.scan.setAttributes({ 'dqc.read.rows': stats.rows, 'dqc.read.files': stats.files, 'dqc.read.bytes': stats.bytes });
      d.scan.end();
      d.scan = undefined;
    },
    check(dataset: string, result: CheckResult, seconds: number) {
      const d = datasets.get(dataset);
      if (!d) return;
      const end = Date.now();
      const span = tracer.startSpan(`check ${result.type}`, { startTime: end - seconds * 1000, attributes: checkAttributes(dataset, result) }, d.ctx);
      if (result.outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: result.message });
      if (result.outcome === 'error') {
        span.setStatus({ code: SpanStatusCode.ERROR, message: `not evaluated: ${result.message}` });
        span.recordException({ name: 'CheckNotEvaluated', message: result.message });
      }
      span.end(end);
    },
    datasetEnd(result: DatasetResult) {
      const d = datasets.get(result.name);
      if (!d) return;
      d.span.setAttributes(
        clean({
          'dqc.dataset.outcome': result.outcome,
          'dqc.dataset.rows': result.rows,
          'dqc.dataset.checks': result.checks.length,
          'dqc.dataset.checks_failed': result.checks.filter((c) => c.outcome === 'failed').length,
          'dqc.dataset.checks_warned': result.checks.filter((c) => c.outcome === 'warned').length,
          'dqc.dataset.bad_lines': result.bad_lines?.count,
        }),
      );
      if (result.error) {
        const exception = { name: result.error.code, message: result.error.message };
        for (const span of d.scan ? [d.scan, d.span] : [d.span]) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: result.error.message });
          span.recordException(exception);
        }
        d.scan?.end();
      } else if (result.outcome === 'failed' || result.outcome === 'error') {
        d.span.setStatus({ code: SpanStatusCode.ERROR, message: `checks ${result.outcome === 'failed' ? 'failed' : 'not evaluated'}` });
      }
      d.span.end();
      datasets.delete(result.name);
    },
  };
}

function checkAttributes(dataset: string, r: CheckResult): OtelAttributes {
  return clean({
    'dqc.dataset': dataset,
    'dqc.check.type': r.type,
    'dqc.check.column': r.columns ? r.columns.join(',') : r.column,
    'dqc.check.metric': r.metric,
    'dqc.check.value': r.value,
    'dqc.check.threshold': r.threshold,
    'dqc.check.comparison': r.comparison,
    'dqc.check.passed': r.passed,
    'dqc.check.outcome': r.outcome,
    'dqc.check.severity': r.severity,
    'dqc.check.message': r.message,
    'dqc.check.statistic': r.statistic,
  });
}

function stageSpan(tracer: Tracer, span: Span, ctx: Context): StageSpan {
  return {
    set: (attributes) => span.setAttributes(clean(attributes)),
    fail(message, err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      span.recordException(err === undefined ? { name: 'DeliveryError', message } : exceptionOf(err));
    },
    async stage(name, attributes, fn) {
      const child = tracer.startSpan(name, { attributes: clean(attributes) }, ctx);
      const inner = stageSpan(tracer, child, trace.setSpan(ctx, child));
      try {
        return await fn(inner);
      } catch (err) {
        inner.fail((err as Error)?.message ?? String(err), err);
        throw err;
      } finally {
        child.end();
      }
    },
  };
}

/** A user's error without its stack (it is not a bug); anything else with it. */
function exceptionOf(err: unknown): { name: string; message: string; stack?: string } {
  if (err instanceof DqcError) return { name: err.code, message: err.message };
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

function clean(attributes: Attributes): OtelAttributes {
  const out: OtelAttributes = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== null && v !== undefined && !(typeof v === 'number' && !Number.isFinite(v))) out[k] = v;
  return out;
}
