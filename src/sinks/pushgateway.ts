/**
 * PUT of one metrics group to a Prometheus Pushgateway: grouping-key URLs, auth,
 * a deadline per attempt, and retries with exponential backoff on network errors and 5xx.
 */
import http from 'node:http';
import https from 'node:https';
import type { PrometheusConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { redactUrl, Redactor } from './redact.js';
import { extraCa } from './tls.js';

export interface PushTarget {
  /** Base URL, credentials removed. */
  url: URL;
  /** The URL for messages, password masked. */
  display: string;
  job: string;
  grouping: Record<string, string>;
  /** Headers sent with every push, Authorization included. Never print their values. */
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  /** First retry delay; doubles on every retry. */
  backoffMs: number;
  redactor: Redactor;
}

export const DEFAULTS = { job: 'dqc', timeoutSeconds: 10, retries: 3, backoffMs: 500 };

/** The label that keeps the last-success time in a group of its own. */
export const SUCCESS_GROUP: [string, string] = ['dqc_group', 'last_success'];

/** Where and how to push, from the config and `--pushgateway`; undefined when neither names a gateway. */
export function pushTargetOf(config: PrometheusConfig | undefined, urlOverride?: string): PushTarget | undefined {
  const raw = urlOverride ?? config?.pushgateway;
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    // Not echoed: it may hold a password.
    throw new UsageError('the Pushgateway URL is not an http:// or https:// URL', 'write it like http://pushgateway:9091');
  }
  const headers: Record<string, string> = { ...(config?.headers ?? {}) };
  const secrets: (string | undefined)[] = [...Object.values(headers)];
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (user || password) {
    headers.Authorization = basic(user, password);
    secrets.push(password || user, url.password || url.username);
  } else if (config?.basicAuth) {
    headers.Authorization = basic(config.basicAuth.username, config.basicAuth.password);
    secrets.push(config.basicAuth.password);
  } else if (config?.bearerToken) {
    headers.Authorization = `Bearer ${config.bearerToken}`;
    secrets.push(config.bearerToken);
  }
  if (headers.Authorization) secrets.push(headers.Authorization, headers.Authorization.replace(/^\S+ /, ''));
  const display = redactUrl(url);
  url.username = '';
  url.password = '';
  return {
    url,
    display: display.replace(/\/$/, ''),
    job: config?.job ?? DEFAULTS.job,
    grouping: config?.grouping ?? {},
    headers,
    timeoutMs: (config?.timeoutSeconds ?? DEFAULTS.timeoutSeconds) * 1000,
    retries: config?.retries ?? DEFAULTS.retries,
    backoffMs: DEFAULTS.backoffMs,
    redactor: new Redactor(secrets),
  };
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The grouping key of a dataset's group: job, dataset, the configured labels, then the success marker. */
export function groupLabels(target: PushTarget, dataset: string, success: boolean): [string, string][] {
  return [['job', target.job], ['dataset', dataset], ...Object.entries(target.grouping), ...(success ? [SUCCESS_GROUP] : [])];
}

/** `/metrics/job/<job>/dataset/<name>/...`; values that are not plain URL text are base64url-encoded. */
export function groupPath(labels: [string, string][]): string {
  const parts = labels.map(([name, value]) =>
    /^[A-Za-z0-9_.:-]+$/.test(value) && value !== '.' && value !== '..'
      ? `${name}/${value}`
      : `${name}@base64/${Buffer.from(value).toString('base64url') || '='}`,
  );
  return `/metrics/${parts.join('/')}`;
}

export function groupUrl(target: PushTarget, labels: [string, string][]): URL {
  const url = new URL(target.url);
  url.pathname = url.pathname.replace(/\/+$/, '') + groupPath(labels);
  return url;
}

/** `job="dqc", dataset="transactions"` */
export function describeGroup(labels: [string, string][]): string {
  return labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
}

export type PushResult =
  | { ok: true; attempts: number; status: number }
  | { ok: false; attempts: number; reason: string; /** Network error or 5xx: the gateway is unusable. */ retryable: boolean };

/** PUT (replace the group) with retries; never throws. `log` receives redacted debug lines. */
export async function pushGroup(
  target: PushTarget,
  labels: [string, string][],
  body: string,
  contentType: string,
  log: (line: string) => void = () => {},
): Promise<PushResult> {
  const url = groupUrl(target, labels);
  const shown = target.display + url.pathname.slice(target.url.pathname.replace(/\/+$/, '').length);
  let reason = '';
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    let retryable: boolean;
    // The endpoint refused its certificate: later groups would fail too (retryable), but not another attempt.
    let refused = false;
    try {
      const res = await sendHttp('PUT', url, body, { ...target.headers, 'Content-Type': contentType }, target.timeoutMs);
      const ms = Math.round(performance.now() - started);
      log(`PUT ${shown} (${Buffer.byteLength(body)} bytes, headers: ${Object.keys(target.headers).join(', ') || 'none'}) -> ${res.status} in ${ms} ms`);
      if (res.status >= 200 && res.status < 300) return { ok: true, attempts: attempt, status: res.status };
      const detail = res.body.trim().split('\n')[0].slice(0, 200);
      reason = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${detail ? `: ${detail}` : ''}`;
      retryable = res.status >= 500;
    } catch (err) {
      reason = networkReason(err, target.timeoutMs);
      log(`PUT ${shown} failed: ${target.redactor.redact(reason)}`);
      retryable = true;
      refused = untrustedCertificate(err);
    }
    reason = target.redactor.redact(reason);
    if (refused || !retryable || attempt > target.retries) {
      return { ok: false, attempts: attempt, reason: attempt > 1 ? `${reason} (after ${attempt} attempts)` : reason, retryable };
    }
    const delay = target.backoffMs * 2 ** (attempt - 1);
    log(`retrying in ${delay} ms (attempt ${attempt + 1} of ${target.retries + 1})`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

export interface HttpResponse {
  status: number;
  statusText: string;
  /** The first 4 KiB of the answer. */
  body: string;
  headers: http.IncomingHttpHeaders;
}

class Timeout extends Error {}

/**
 * One request with a deadline covering connect, upload and the whole answer. No keep-alive,
 * no proxy. Rejects on network errors and timeouts (describe them with `networkReason`).
 */
export function sendHttp(method: 'PUT' | 'POST', url: URL, body: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpResponse> {
  const tls = url.protocol === 'https:';
  const mod = tls ? https : http;
  const secureContext = tls ? extraCa().secureContext : undefined;
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const req = mod.request(url, {
      method,
      agent: false,
      headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
      ...(secureContext ? { secureContext } : {}),
    });
    const timer = setTimeout(() => {
      settle(() => reject(new Timeout()));
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => settle(() => reject(err)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < 4096) chunks.push(c);
        size += c.length;
      });
      res.on('error', (err) => settle(() => reject(err)));
      res.on('end', () =>
        settle(() => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8'), headers: res.headers })),
      );
    });
    req.end(body);
  });
}

/** A network error or timeout of `sendHttp` in words: "connection refused (ECONNREFUSED)". */
export function networkReason(err: unknown, timeoutMs: number): string {
  if (err instanceof Timeout) return `no answer within ${timeoutMs / 1000} s (timeout_seconds)`;
  const e = err as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
  };
  if (e?.code && known[e.code]) return `${known[e.code]} (${e.code})`;
  if (UNKNOWN_ISSUER.has(e?.code ?? '')) return `${e.message} (${e.code}): the server's certificate is not trusted; if it is right, name its CA's PEM file in NODE_EXTRA_CA_CERTS`;
  if (untrustedCertificate(err)) return `${e.message} (${e.code}): the server's certificate was refused`;
  return e?.message ?? String(err);
}

/** Certificates signed by a CA that is not trusted here (one NODE_EXTRA_CA_CERTS can add). */
const UNKNOWN_ISSUER = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** Certificate checks that fail the same way on every attempt. */
const CERTIFICATE_ERRORS = new Set([
  ...UNKNOWN_ISSUER,
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The server's certificate was refused: retrying cannot help. */
export function untrustedCertificate(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && CERTIFICATE_ERRORS.has(code);
}
