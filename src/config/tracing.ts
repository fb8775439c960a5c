/**
 * The `tracing:` section (README "Tracing"): where to send an OpenTelemetry trace of each run.
 * The standard OTEL_* environment variables override it (see src/tracing/settings.ts).
 * Messages never repeat the endpoint or header values: they may hold credentials.
 */
import * as v from 'valibot';
import { HEADER_NAME, headerMap, number, record, sized, strictObject, text, timeoutSeconds } from './kit.js';
import type { KeyPath } from './types.js';

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];


export const tracingSchema = strictObject({
  endpoint: v.optional(text('expected the URL of an OTLP/HTTP receiver, e.g. http://otel-collector:4318')),
  protocol: v.optional(v.picklist(OTLP_PROTOCOLS, 'expected http/protobuf or http/json (OTLP over gRPC is not supported)')),
  headers: v.optional(headerMap),
  timeout_seconds: v.optional(timeoutSeconds),
  service_name: v.optional(sized(v.pipe(v.string('expected a service name'), v.minLength(1, 'the service name is empty')))),
  resource_attributes: v.optional(
    record(
      v.union([v.string(), number(), v.boolean()], 'expected a string, number or boolean'),
      'expected a map of attribute: value',
    ),
  ),
});

export type RawTracing = v.InferOutput<typeof tracingSchema>;

/** The `tracing:` section, normalised. Endpoint and headers may be secrets: never print them whole. */
export interface TracingConfig {
  /** Base URL (`/v1/traces` is appended) or the full traces URL. */
  endpoint?: string;
  protocol?: OtlpProtocol;
  headers: Record<string, string>;
  timeoutSeconds?: number;
  serviceName?: string;
  resourceAttributes: Record<string, string | number | boolean>;
  path: KeyPath;
}

/** Values under these keys may hold credentials: config errors must not echo them. */
export function isTracingSecretPath(keyPath: KeyPath): boolean {
  return keyPath[0] === 'tracing' && ['endpoint', 'headers'].includes(String(keyPath[1]));
}

export function checkTracing(raw: RawTracing | undefined, issueAt: (p: KeyPath, m: string, atKey?: boolean) => void): void {
  if (!raw) return;
  if (raw.endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(raw.endpoint);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      issueAt(['tracing', 'endpoint'], 'expected an http:// or https:// URL, e.g. http://otel-collector:4318');
    }
  }
  for (const [name, value] of Object.entries(raw.headers ?? {})) {
    if (!HEADER_NAME.test(name)) issueAt(['tracing', 'headers', name], `"${name}" is not a valid HTTP header name`, true);
    if (/[\r\n\0]/.test(value)) issueAt(['tracing', 'headers', name], 'a header value cannot contain line breaks');
  }
}

export function normalizeTracing(raw: RawTracing | undefined): TracingConfig | undefined {
  if (!raw) return undefined;
  return {
    endpoint: raw.endpoint,
    protocol: raw.protocol,
    headers: raw.headers ?? {},
    timeoutSeconds: raw.timeout_seconds,
    serviceName: raw.service_name,
    resourceAttributes: raw.resource_attributes ?? {},
    path: ['tracing'],
  };
}
