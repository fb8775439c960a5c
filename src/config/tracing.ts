/**
 * The `tracing:` section (README "Tracing"): where to send an OpenTelemetry trace of each run.
 * The standard OTEL_* environment variables override it (see src/tracing/settings.ts).
 * Messages never repeat the endpoint or header values: they may hold credentials.
 */
import { z } from 'zod';
import type { KeyPath } from './types.js';

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const tracingSchema = z.strictObject({
  endpoint: z.string({ error: 'expected the URL of an OTLP/HTTP receiver, e.g. http://otel-collector:4318' }).min(1).optional(),
  protocol: z.enum(OTLP_PROTOCOLS, { error: 'expected http/protobuf or http/json (OTLP over gRPC is not supported)' }).optional(),
  headers: z.record(z.string(), z.string({ error: 'expected a string' }), { error: 'expected a map of header: value' }).optional(),
  timeout_seconds: z.number({ error: 'expected a number of seconds' }).positive({ error: 'must be greater than 0' }).optional(),
  service_name: z.string({ error: 'expected a service name' }).min(1, { error: 'the service name is empty' }).optional(),
  resource_attributes: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' }), {
      error: 'expected a map of attribute: value',
    })
    .optional(),
});

export type RawTracing = z.infer<typeof tracingSchema>;

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
