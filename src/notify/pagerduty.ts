/**
 * PagerDuty Events API v2 events for one run: a `trigger` per alert routed to the channel and
 * a `resolve` per alert that is over. The dedup key is `<prefix>/<dataset>/<check>[/<column>]`,
 * the same in every run, so a cron job that keeps failing updates one incident (PagerDuty
 * deduplicates triggers of an open incident) and the run where the check passes resolves it.
 */
import { createHash } from 'node:crypto';
import type { Severity } from '../config/types.js';
import { outcomeWords, sortBySeverity, valueLine, type Alert } from './alerts.js';
import type { ChannelBatch, Resolved } from './batch.js';

/** PagerDuty's four severities. */
export const PD_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = { critical: 'critical', error: 'error', warn: 'warning', info: 'info' };

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  client?: string;
  payload?: {
    summary: string;
    severity: string;
    source: string;
    component: string;
    group: string;
    class: string;
    timestamp: string;
    custom_details: Record<string, unknown>;
  };
}

/** PagerDuty caps dedup keys at 255 characters: a longer key keeps its start and gets a hash. */
export function dedupKey(prefix: string, key: string): string {
  const full = `${prefix}/${key}`;
  if (full.length <= 255) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 16);
  return `${full.slice(0, 255 - hash.length - 1)}~${hash}`;
}

export function pagerDutyEvents(batch: ChannelBatch): { event: PagerDutyEvent; key: string }[] {
  const ch = batch.channel;
  const routingKey = ch.routingKey ?? '';
  const triggers = sortBySeverity(batch.alerts).map((a) => ({ key: a.key, event: trigger(a, batch, routingKey) }));
  const resolves = batch.resolved.map((r: Resolved) => ({
    key: r.key,
    event: { routing_key: routingKey, event_action: 'resolve' as const, dedup_key: dedupKey(ch.dedupKeyPrefix, r.key) },
  }));
  return [...triggers, ...resolves];
}

function trigger(a: Alert & { since?: string }, batch: ChannelBatch, routingKey: string): PagerDutyEvent {
  const ch = batch.channel;
  const what = a.kind === 'dataset' ? `dataset ${a.dataset} ${outcomeWords(a)}` : `${a.dataset} ${a.check} ${outcomeWords(a)}`;
  const details: Record<string, unknown> = {
    dataset: a.dataset,
    check: a.check ?? null,
    column: a.column ?? null,
    outcome: a.outcome,
    severity: a.severity,
    message: a.message,
  };
  if (a.kind === 'check') {
    Object.assign(details, { metric: a.metric, value: a.value ?? null, threshold: a.threshold, passes_when: `${a.metric} ${a.comparison} ${a.threshold}`, condition: valueLine(a) });
  }
  if (a.hint) details.hint = a.hint;
  if (a.details) details.details = a.details;
  if (a.since) details.failing_since = a.since;
  Object.assign(details, { config: batch.summary.config, data_as_of: batch.summary.now, host: batch.summary.host });
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey(ch.dedupKeyPrefix, a.key),
    client: 'dqc',
    payload: {
      summary: `dqc: ${what}: ${a.message}`.slice(0, 1024),
      severity: PD_SEVERITY[a.severity],
      source: ch.source ?? batch.summary.host,
      component: a.dataset,
      group: ch.group ?? 'dqc',
      class: a.check ?? 'dataset',
      timestamp: batch.summary.finishedAt,
      custom_details: details,
    },
  };
}
