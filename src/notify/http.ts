/**
 * POST of a JSON message to a channel, on the Pushgateway's HTTP helpers (src/sinks): a
 * deadline per attempt, retries with exponential backoff on network errors, 408, 429 and
 * 5xx, and a 429's or 503's Retry-After respected up to MAX_RETRY_AFTER_MS. Never throws;
 * every reason is scrubbed of the channel's secrets.
 */
import type { ChannelConfig } from '../config/notify.js';
import { networkReason, sendHttp, untrustedCertificate } from '../sinks/pushgateway.js';
import { MASK, Redactor, redactUrl } from '../sinks/redact.js';

export interface Endpoint {
  /** Where to POST, credentials removed (they are in `headers`). */
  url: URL;
  /** The URL for messages: secrets in it masked (a Slack webhook's whole path is a secret). */
  display: string;
  /** Never print their values. */
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  /** First retry delay; doubles on every retry. */
  backoffMs: number;
  /** The longest Retry-After dqc waits for; a longer one ends the retries. */
  maxRetryAfterMs: number;
  redactor: Redactor;
}

export const BACKOFF_MS = 500;
export const MAX_RETRY_AFTER_MS = 30_000;

/** What a message about this channel must never show: URL secrets, routing key, header values. */
export function secretsOf(channel: ChannelConfig): string[] {
  const url = new URL(channel.url);
  const secrets = [channel.routingKey, ...Object.values(channel.headers)];
  if (channel.type !== 'pagerduty') {
    // Webhook URLs carry their token in the path (Slack: /services/T…/B…/secret): the path,
    // the query, and each part that looks like a token (long, with digits or mixed case).
    const tokenLike = (part: string) => part.length >= 8 && (/\d/.test(part) || (/[a-z]/.test(part) && /[A-Z]/.test(part)));
    secrets.push(channel.url, url.href, url.pathname, url.search.slice(1), ...url.pathname.split('/').filter(tokenLike));
  }
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (user || password) secrets.push(password || user, url.password || url.username, basic(user, password));
  return secrets.filter((s): s is string => s !== undefined);
}

/** `redactor` defaults to one for this channel's secrets; pass one for every channel's to be safer. */
export function endpointOf(channel: ChannelConfig, redactor = new Redactor(secretsOf(channel))): Endpoint {
  const url = new URL(channel.url);
  const headers: Record<string, string> = { ...channel.headers };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (user || password) headers.Authorization = basic(user, password);
  const display = displayUrl(url, channel.type === 'pagerduty');
  url.username = '';
  url.password = '';
  return {
    url,
    display,
    headers,
    timeoutMs: channel.timeoutSeconds * 1000,
    retries: channel.retries,
    backoffMs: BACKOFF_MS,
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
    redactor,
  };
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** `https://hooks.slack.com/***`; PagerDuty's path is no secret and is kept. */
function displayUrl(url: URL, keepPath: boolean): string {
  if (keepPath) return redactUrl(url);
  const auth = url.password ? `${url.username}:${MASK}@` : url.username ? `${MASK}@` : '';
  return `${url.protocol}//${auth}${url.host}${url.pathname === '/' && !url.search ? '' : `/${MASK}`}`;
}

export type PostResult =
  | { ok: true; attempts: number; status: number }
  | { ok: false; attempts: number; reason: string; /** The endpoint is down or overloaded: later messages would fail too. */ retryable: boolean };

/** Seconds or an HTTP date, as milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export async function postJson(ep: Endpoint, body: string, label: string, log: (line: string) => void = () => {}): Promise<PostResult> {
  let reason = '';
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    let retryable: boolean;
    // A refused certificate: the endpoint stays unusable (retryable), but another attempt cannot help.
    let refused = false;
    let wait: number | undefined;
    try {
      const res = await sendHttp('POST', ep.url, body, { ...ep.headers, 'Content-Type': 'application/json' }, ep.timeoutMs);
      const ms = Math.round(performance.now() - started);
      log(ep.redactor.redact(`POST ${ep.display} (${label}, ${Buffer.byteLength(body)} bytes) -> ${res.status} in ${ms} ms`));
      if (res.status >= 200 && res.status < 300) return { ok: true, attempts: attempt, status: res.status };
      const detail = res.body.trim().split('\n')[0].slice(0, 200);
      reason = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${detail ? `: ${detail}` : ''}`;
      retryable = res.status >= 500 || res.status === 429 || res.status === 408;
      if (res.status === 429 || res.status === 503) {
        const after = parseRetryAfter(res.headers['retry-after']);
        if (after !== undefined && after > ep.maxRetryAfterMs) {
          reason += ` (Retry-After ${Math.ceil(after / 1000)} s is longer than dqc waits, ${ep.maxRetryAfterMs / 1000} s)`;
          return { ok: false, attempts: attempt, reason: ep.redactor.redact(attempt > 1 ? `${reason} (after ${attempt} attempts)` : reason), retryable: true };
        }
        wait = after;
      }
    } catch (err) {
      reason = networkReason(err, ep.timeoutMs);
      log(ep.redactor.redact(`POST ${ep.display} (${label}) failed: ${reason}`));
      retryable = true;
      refused = untrustedCertificate(err);
    }
    reason = ep.redactor.redact(reason);
    if (refused || !retryable || attempt > ep.retries) {
      return { ok: false, attempts: attempt, reason: attempt > 1 ? `${reason} (after ${attempt} attempts)` : reason, retryable };
    }
    const delay = wait ?? ep.backoffMs * 2 ** (attempt - 1);
    log(`retrying in ${delay} ms (attempt ${attempt + 1} of ${ep.retries + 1})${wait !== undefined ? ', as Retry-After asks' : ''}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
