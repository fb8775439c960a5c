/**
 * The `notify:` section (README "Notifications"): named channels of type slack, pagerduty or
 * webhook, each receiving the failed checks of the severities it lists. The schema accepts
 * every key of every type; `checkNotify` then says which key belongs to which type, with its
 * place. Messages never repeat a value here: URLs, routing keys and headers are secrets.
 */
import path from 'node:path';
import * as v from 'valibot';
import { HEADER_NAME, headerMap, record, retries, severity, sized, strictObject, text, timeoutSeconds } from './kit.js';
import { didYouMean } from './suggest.js';
import type { KeyPath, Severity } from './types.js';

export const CHANNEL_TYPES = ['slack', 'pagerduty', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Severities each type of channel receives unless it lists its own. */
export const DEFAULT_SEVERITIES: Record<ChannelType, Severity[]> = {
  slack: ['critical', 'error', 'warn'],
  pagerduty: ['critical'],
  webhook: ['critical', 'error', 'warn', 'info'],
};

/** PagerDuty's Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export const NOTIFY_DEFAULTS = { timeoutSeconds: 10, retries: 3, dedupKeyPrefix: 'dqc' };

const CHANNEL_NAME = /^[A-Za-z0-9_.-]+$/;
/** Headers dqc sets itself. */
const RESERVED_HEADERS = ['content-type', 'content-length', 'host', 'transfer-encoding', 'connection'];

export const channelSchema = strictObject({
  type: v.optional(v.picklist(CHANNEL_TYPES, 'expected slack, pagerduty or webhook')),
  // Empty is allowed: an unset ${VAR} is reported once, as such; checkNotify reports an empty value.
  url: v.optional(v.string('expected a URL')),
  routing_key: v.optional(v.string('expected the routing key of a PagerDuty Events API v2 integration')),
  severities: v.optional(
    sized(v.pipe(v.array(severity, 'expected a list of severities: critical, error, warn, info'), v.minLength(1, 'list at least one severity'))),
  ),
  datasets: v.optional(
    sized(v.pipe(v.array(v.string('expected a dataset name'), 'expected a list of dataset names'), v.minLength(1, 'list at least one dataset'))),
  ),
  headers: v.optional(headerMap),
  source: v.optional(text('expected a string')),
  group: v.optional(text('expected a string')),
  dedup_key_prefix: v.optional(
    sized(v.pipe(v.string('expected a string'), v.minLength(1, 'expected a string'), v.maxLength(100, 'at most 100 characters'))),
  ),
  always: v.optional(v.boolean('expected true or false')),
  timeout_seconds: v.optional(timeoutSeconds),
  retries: v.optional(retries),
});

export const notifySchema = strictObject({
  channels: record(channelSchema, 'expected a map of channel name: {type, ...}'),
  state_file: v.optional(text('expected a path')),
  timeout_seconds: v.optional(timeoutSeconds, NOTIFY_DEFAULTS.timeoutSeconds),
  retries: v.optional(retries, NOTIFY_DEFAULTS.retries),
});

export type RawNotify = v.InferOutput<typeof notifySchema>;
type RawChannel = v.InferOutput<typeof channelSchema>;

/** One channel, normalised. Secrets (url, routingKey, headers) are kept as given: never print them. */
export interface ChannelConfig {
  name: string;
  type: ChannelType;
  /** Slack: the incoming webhook; pagerduty: the Events v2 endpoint; webhook: where to POST. */
  url: string;
  /** PagerDuty only. */
  routingKey?: string;
  /** Failed checks of these severities are sent here. */
  severities: Severity[];
  /** Only these datasets; undefined: all. */
  datasets?: string[];
  /** Webhook only: extra HTTP headers. */
  headers: Record<string, string>;
  /** PagerDuty `payload.source` (default: the host name) and `payload.group` (default: dqc). */
  source?: string;
  group?: string;
  /** PagerDuty dedup keys are `<prefix>/<dataset>/<check>[/<column>]`. */
  dedupKeyPrefix: string;
  /** Slack and webhook: send a message after every run, even when there is nothing to report. */
  always: boolean;
  timeoutSeconds: number;
  retries: number;
  path: KeyPath;
}

export interface NotifyConfig {
  channels: ChannelConfig[];
  /** Resolved path of the state file that remembers what is failing between runs. */
  stateFile?: string;
  path: KeyPath;
}

type IssueAt = (p: KeyPath, m: string, atKey?: boolean) => void;

/** Keys each channel type accepts (besides the common ones). */
const TYPE_KEYS: Record<ChannelType, (keyof RawChannel)[]> = {
  slack: ['url', 'always'],
  pagerduty: ['url', 'routing_key', 'source', 'group', 'dedup_key_prefix'],
  webhook: ['url', 'headers', 'always'],
};
const COMMON_KEYS: (keyof RawChannel)[] = ['type', 'severities', 'datasets', 'timeout_seconds', 'retries'];

/** Values under these keys may hold credentials: config errors must not echo them. */
export function isNotifySecretPath(keyPath: KeyPath): boolean {
  return keyPath[0] === 'notify' && keyPath[1] === 'channels' && ['url', 'routing_key', 'headers'].includes(String(keyPath[3]));
}

/** The type of a channel: its `type`, or its name when that is a type. */
export function channelTypeOf(name: string, raw: RawChannel): ChannelType | undefined {
  return raw.type ?? (CHANNEL_TYPES as readonly string[]).find((t) => t === name) as ChannelType | undefined;
}

/**
 * What the schema cannot check. `written` is the section as written in the file, before
 * `${VAR}` interpolation: a Slack webhook URL and a PagerDuty routing key must come from the
 * environment, so that the secret is never in the (committed) config file.
 */
export function checkNotify(raw: RawNotify | undefined, datasets: string[], written: unknown, issueAt: IssueAt): void {
  if (!raw) return;
  const at = (...p: KeyPath): KeyPath => ['notify', 'channels', ...p];
  const names = Object.keys(raw.channels);
  if (names.length === 0) issueAt(['notify', 'channels'], 'no channels: add one, e.g. slack: {url: ${SLACK_WEBHOOK_URL}}');
  for (const name of names) {
    const ch = raw.channels[name];
    if (!CHANNEL_NAME.test(name)) issueAt(at(name), `channel name "${name}" may only use letters, digits, _ . -`, true);
    // The alert state file keys its channels by name in a plain object.
    else if (name in Object.prototype) issueAt(at(name), `channel name "${name}" is reserved: choose another`, true);
    const type = channelTypeOf(name, ch);
    if (!type) {
      issueAt(at(name), `channel "${name}" needs a type: slack, pagerduty or webhook${didYouMean(name, [...CHANNEL_TYPES])}`, true);
      continue;
    }
    const allowed = new Set([...COMMON_KEYS, ...TYPE_KEYS[type]]);
    for (const key of Object.keys(ch) as (keyof RawChannel)[]) {
      if (allowed.has(key)) continue;
      const owners = CHANNEL_TYPES.filter((t) => TYPE_KEYS[t].includes(key));
      issueAt(at(name, key), `"${key}" is for ${owners.join(' and ')} channels, not ${type}`, true);
    }
    const writtenChannel = (written as { channels?: Record<string, Record<string, unknown>> } | undefined)?.channels?.[name];
    const fromEnv = (key: string) => {
      const v = writtenChannel?.[key];
      return typeof v !== 'string' || v.includes('${');
    };
    if (type !== 'pagerduty' && ch.url === undefined) {
      issueAt(at(name), `a ${type} channel needs a url${type === 'slack' ? ': the incoming webhook URL, e.g. url: ${SLACK_WEBHOOK_URL}' : ''}`, true);
    }
    if (ch.url !== undefined) {
      const url = parseUrl(ch.url);
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) issueAt(at(name, 'url'), 'expected an http:// or https:// URL');
      else if (type === 'slack' && !fromEnv('url')) {
        issueAt(at(name, 'url'), 'a Slack webhook URL is a secret: write url: ${SLACK_WEBHOOK_URL} and set that variable in the environment');
      }
    }
    if (type === 'pagerduty') {
      if (ch.routing_key === undefined) issueAt(at(name), 'a pagerduty channel needs a routing_key: the integration key of an Events API v2 integration', true);
      else if (ch.routing_key === '') issueAt(at(name, 'routing_key'), 'the routing key is empty');
      else if (!fromEnv('routing_key')) {
        issueAt(at(name, 'routing_key'), 'a routing key is a secret: write routing_key: ${PAGERDUTY_ROUTING_KEY} and set that variable in the environment');
      }
    }
    for (const [header, value] of Object.entries(ch.headers ?? {})) {
      if (!HEADER_NAME.test(header)) issueAt(at(name, 'headers', header), `"${header}" is not a valid HTTP header name`, true);
      else if (RESERVED_HEADERS.includes(header.toLowerCase())) issueAt(at(name, 'headers', header), `dqc sets the ${header} header itself`, true);
      if (/[\r\n\0]/.test(value)) issueAt(at(name, 'headers', header), 'a header value cannot contain line breaks');
    }
    (ch.datasets ?? []).forEach((d, i) => {
      if (!datasets.includes(d)) issueAt(at(name, 'datasets', i), `no dataset named "${d}"${didYouMean(d, datasets)}`);
    });
  }
}

export function normalizeNotify(raw: RawNotify | undefined, baseDir: string): NotifyConfig | undefined {
  if (!raw) return undefined;
  return {
    channels: Object.entries(raw.channels).map(([name, ch]): ChannelConfig => {
      const type = channelTypeOf(name, ch)!;
      return {
        name,
        type,
        url: ch.url ?? PAGERDUTY_EVENTS_URL,
        routingKey: ch.routing_key,
        severities: ch.severities ?? DEFAULT_SEVERITIES[type],
        datasets: ch.datasets,
        headers: ch.headers ?? {},
        source: ch.source,
        group: ch.group,
        dedupKeyPrefix: ch.dedup_key_prefix ?? NOTIFY_DEFAULTS.dedupKeyPrefix,
        always: ch.always ?? false,
        timeoutSeconds: ch.timeout_seconds ?? raw.timeout_seconds,
        retries: ch.retries ?? raw.retries,
        path: ['notify', 'channels', name],
      };
    }),
    stateFile: raw.state_file === undefined ? undefined : path.resolve(baseDir, raw.state_file),
    path: ['notify'],
  };
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
