/**
 * Sending a run's notifications: one message per Slack or webhook channel, one event per alert
 * for PagerDuty, all channels at once, each channel's messages in turn. Prints nothing: the
 * CLI reports the outcome. A channel that is down (network error, 5xx, 429 after retries) is
 * not sent its remaining messages, as for the Pushgateway.
 */
import type { ChannelConfig } from '../config/notify.js';
import type { SuiteConfig } from '../config/types.js';
import type { SuiteResult } from '../run.js';
import { NO_SPAN, type StageSpan } from '../tracing/stage.js';
import { findingsOf } from './alerts.js';
import { batchFor, nextOpen, type ChannelBatch } from './batch.js';
import { Redactor } from '../sinks/redact.js';
import { endpointOf, postJson, secretsOf, type Endpoint } from './http.js';
import { pagerDutyEvents } from './pagerduty.js';
import { slackMessage } from './slack.js';
import { emptyState, readState, writeState, type NotifyState, type OpenAlert } from './state.js';
import { webhookBody } from './webhook.js';

export interface NotifyOptions {
  /** Wall clock at the end of the run, epoch milliseconds. */
  finishedAt: number;
  host: string;
  /** The config file as messages name it. */
  configName: string;
  /** Print the messages instead of sending them. */
  dryRun?: boolean;
  /** Receives redacted debug lines. */
  log?: (line: string) => void;
  /** The tracing span of the notify stage. */
  span?: StageSpan;
}

export interface NotifyOutcome {
  /** A channel did not get all of its messages, or the state file could not be written. */
  failed: boolean;
  /** One line per failure, secrets removed. */
  problems: string[];
  /** Not failures: an unreadable state file, say. */
  warnings: string[];
  /** Dry run: what would have been sent. */
  printed?: string;
  /** Messages delivered. */
  sent: number;
}

interface Message {
  body: unknown;
  /** For --debug and failures: "message", "trigger dqc/orders/freshness/created_at". */
  label: string;
  /** Alert keys this message resolves. */
  resolves: string[];
}

export async function sendNotifications(result: SuiteResult, suite: SuiteConfig, opts: NotifyOptions): Promise<NotifyOutcome> {
  const notify = suite.notify;
  const outcome: NotifyOutcome = { failed: false, problems: [], warnings: [], sent: 0 };
  if (!notify) return outcome;
  const findings = findingsOf(result, suite);
  let state: NotifyState | undefined;
  if (notify.stateFile !== undefined) {
    const read = readState(notify.stateFile);
    state = read.state;
    if (read.warning) outcome.warnings.push(read.warning);
  }
  const span = opts.span ?? NO_SPAN;
  const batchOpts = { config: opts.configName, host: opts.host, finishedAt: opts.finishedAt };
  // Every channel's secrets are hidden in every message: an error body may echo anything.
  const redactor = new Redactor(notify.channels.flatMap(secretsOf));
  const printed: string[] = [];
  const problems: string[][] = [];
  const next: NotifyState = emptyState();

  const perChannel = notify.channels.map(async (channel, i) => {
    const open = state ? (state.channels[channel.name] ?? {}) : undefined;
    const batch = batchFor(channel, findings, open, batchOpts);
    if (!batch) {
      if (open) next.channels[channel.name] = open;
      if (opts.dryRun) printed[i] = `# ${describe(channel)}: nothing to send (dry run)\n`;
      return;
    }
    const messages = messagesOf(batch);
    const endpoint = endpointOf(channel, redactor);
    if (opts.dryRun) {
      printed[i] = messages.map((m) => `# POST ${endpoint.display} (${describe(channel)}, ${m.label}, dry run)\n${JSON.stringify(m.body, maskRoutingKey, 2)}\n`).join('');
      return;
    }
    const attributes = {
      'dqc.notify.channel': channel.name,
      'dqc.notify.channel_type': channel.type,
      'dqc.notify.alerts': batch.alerts.length,
      'dqc.notify.resolves': batch.resolved.length,
      'dqc.notify.messages': messages.length,
      'server.address': endpoint.url.hostname,
    };
    const sent = await span.stage(`notify ${channel.type}`, attributes, (s) => deliver(channel, endpoint, messages, s, opts.log));
    problems[i] = sent.problems;
    outcome.sent += sent.count;
    if (open) next.channels[channel.name] = nextOpen(batch, open, findings, sent.resolved);
  });
  await Promise.all(perChannel);
  // In config order, whichever channel answered first.
  outcome.problems = problems.flatMap((p) => p ?? []);
  outcome.failed = outcome.problems.length > 0;

  if (opts.dryRun) {
    outcome.printed = printed.filter(Boolean).join('\n');
    return outcome;
  }
  if (state && notify.stateFile !== undefined) {
    try {
      writeState(notify.stateFile, sortChannels(next, notify.channels));
      opts.log?.(`wrote ${notify.stateFile}`);
    } catch (err) {
      outcome.failed = true;
      span.fail(`cannot write notify state file`, err);
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message.split(', ')[0];
      outcome.problems.push(`cannot write notify state file ${notify.stateFile}: ${why} (recoveries will not be announced next run)`);
    }
  }
  return outcome;
}

/** Sends a channel's messages in order: how many arrived, the alert keys resolved, the problems. */
async function deliver(
  channel: ChannelConfig,
  endpoint: Endpoint,
  messages: Message[],
  span: StageSpan,
  log?: (line: string) => void,
): Promise<{ count: number; resolved: Set<string>; problems: string[] }> {
  const delivered = new Set<string>();
  const problems: string[] = [];
  let sent = 0;
  let attempts = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const r = await postJson(endpoint, JSON.stringify(m.body), `${describe(channel)}, ${m.label}`, log);
    attempts += r.attempts;
    if (r.ok) {
      sent++;
      for (const k of m.resolves) delivered.add(k);
      continue;
    }
    const which = messages.length > 1 ? ` (${m.label})` : '';
    const problem = `notification not sent to ${describe(channel)} (${endpoint.display})${which}: ${r.reason}`;
    problems.push(problem);
    span.fail(problem);
    if (r.retryable && i + 1 < messages.length) {
      // The service is down or overloaded: do not wait through the same failure for every event.
      const left = messages.length - i - 1;
      problems.push(`${left} more message${left === 1 ? '' : 's'} not sent to ${describe(channel)} after that failure`);
      break;
    }
  }
  span.set({ 'dqc.notify.delivered': sent, 'dqc.notify.attempts': attempts });
  return { count: sent, resolved: delivered, problems };
}

function messagesOf(batch: ChannelBatch): Message[] {
  switch (batch.channel.type) {
    case 'slack':
      return [{ body: slackMessage(batch), label: 'message', resolves: batch.resolved.map((r) => r.key) }];
    case 'webhook':
      return [{ body: webhookBody(batch), label: 'message', resolves: batch.resolved.map((r) => r.key) }];
    case 'pagerduty':
      return pagerDutyEvents(batch).map(({ event, key }) => ({
        body: event,
        label: `${event.event_action} ${event.dedup_key}`,
        resolves: event.event_action === 'resolve' ? [key] : [],
      }));
  }
}

/** `slack channel "team"` */
export function describe(channel: ChannelConfig): string {
  return `${channel.type} channel ${JSON.stringify(channel.name)}`;
}

function maskRoutingKey(key: string, value: unknown): unknown {
  return key === 'routing_key' ? '***' : value;
}

/** Channels in config order, each channel's alerts by key: a stable file that diffs well. */
function sortChannels(state: NotifyState, channels: ChannelConfig[]): NotifyState {
  const out: NotifyState = emptyState();
  for (const c of channels) {
    const open = state.channels[c.name];
    if (!open) continue;
    out.channels[c.name] = Object.fromEntries(Object.entries(open).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as Record<string, OpenAlert>;
  }
  return out;
}
