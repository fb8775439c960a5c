/**
 * Whether and where a run sends its trace, from the `tracing:` section and the standard
 * OpenTelemetry environment variables, which win over the file (the file is shared, the
 * environment is the deployment's). No OpenTelemetry import: this decides whether to load it.
 */
import type { OtlpProtocol, TracingConfig } from '../config/tracing.js';
import { redactUrl } from '../sinks/redact.js';

export interface TracingSettings {
  /** The full URL spans are POSTed to (…/v1/traces). May hold credentials: print `display`. */
  url: string;
  display: string;
  /** Which setting named the endpoint, for messages. */
  from: string;
  protocol: OtlpProtocol;
  /** From tracing.headers; OTEL_EXPORTER_OTLP_(TRACES_)HEADERS are added by the exporter and win. */
  headers: Record<string, string>;
  /** Per export request, retries included. */
  timeoutMs: number;
  serviceName: string;
  resourceAttributes: Record<string, string | number | boolean>;
  /** W3C traceparent of a parent span (TRACEPARENT), so a CI job's trace can contain the run. */
  traceparent?: string;
  tracestate?: string;
}

/** dqc waits at most this long for spans to be exported at the end of a run, unless told otherwise. */
export const DEFAULT_TIMEOUT_MS = 5000;

type Env = Record<string, string | undefined>;

/** `settings` undefined: no trace. `warning`: configured, but not usable. */
export function tracingSettings(config: TracingConfig | undefined, env: Env): { settings?: TracingSettings; warning?: string } {
  const get = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  if (get('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return {};
  const exporters = get('OTEL_TRACES_EXPORTER')?.toLowerCase();
  if (exporters === 'none') return {};

  let url: string | undefined;
  let from: string;
  if (get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')) {
    from = 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';
    url = get(from);
  } else if (get('OTEL_EXPORTER_OTLP_ENDPOINT')) {
    from = 'OTEL_EXPORTER_OTLP_ENDPOINT';
    url = withTracesPath(get(from)!, false);
  } else if (config?.endpoint !== undefined) {
    from = 'tracing.endpoint';
    url = withTracesPath(config.endpoint, true);
  } else {
    return {};
  }
  if (!isHttpUrl(url)) return { warning: `${from} is not an http:// or https:// URL; no trace is sent` };
  if (exporters !== undefined && !exporters.split(',').map((s) => s.trim()).includes('otlp')) {
    return { warning: `OTEL_TRACES_EXPORTER=${exporters}: dqc only exports OTLP; no trace is sent` };
  }

  const protocolFrom = get('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : get('OTEL_EXPORTER_OTLP_PROTOCOL') ? 'OTEL_EXPORTER_OTLP_PROTOCOL' : undefined;
  const protocol = (protocolFrom ? get(protocolFrom) : undefined) ?? config?.protocol ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    return { warning: `${protocolFrom}=${protocol} is not supported: dqc sends OTLP over HTTP (http/protobuf or http/json, usually port 4318); no trace is sent` };
  }

  const envTimeout = Number(get('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') ?? get('OTEL_EXPORTER_OTLP_TIMEOUT'));
  const timeoutMs = Number.isFinite(envTimeout) && envTimeout > 0 ? envTimeout : config?.timeoutSeconds !== undefined ? config.timeoutSeconds * 1000 : DEFAULT_TIMEOUT_MS;

  return {
    settings: {
      url: url!,
      display: redactUrl(url!),
      from,
      protocol,
      headers: config?.headers ?? {},
      timeoutMs,
      serviceName: get('OTEL_SERVICE_NAME') ?? config?.serviceName ?? 'dqc',
      resourceAttributes: config?.resourceAttributes ?? {},
      traceparent: get('TRACEPARENT'),
      tracestate: get('TRACESTATE'),
    },
  };
}

/**
 * OTEL_EXPORTER_OTLP_ENDPOINT is a base URL: traces go to `<base>/v1/traces`, as every
 * OpenTelemetry SDK does. `tracing.endpoint` may also be the full traces URL (`keep`).
 */
export function withTracesPath(base: string, keep: boolean): string {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    return base;
  }
  if (!(keep && /\/v1\/traces\/?$/.test(u.pathname))) u.pathname = u.pathname.replace(/\/+$/, '') + '/v1/traces';
  return u.toString();
}

function isHttpUrl(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
