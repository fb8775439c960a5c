/**
 * The JSON body POSTed to a `webhook` channel: the run's summary, the alerts routed to the
 * channel and (with a state file) what recovered. Its shape is documented in the README
 * ("Webhook body") and versioned by `version`.
 */
import { sortBySeverity } from './alerts.js';
import type { ChannelBatch } from './batch.js';

export const WEBHOOK_VERSION = 1;

export function webhookBody(batch: ChannelBatch): Record<string, unknown> {
  const s = batch.summary;
  return {
    version: WEBHOOK_VERSION,
    source: 'dqc',
    channel: batch.channel.name,
    passed: s.passed,
    config: s.config,
    host: s.host,
    now: s.now,
    finished_at: s.finishedAt,
    duration_seconds: s.durationSeconds,
    summary: s.counts,
    datasets: s.datasets,
    alerts: sortBySeverity(batch.alerts).map((a) => ({
      key: a.key,
      kind: a.kind,
      dataset: a.dataset,
      check: a.check ?? null,
      column: a.column ?? null,
      severity: a.severity,
      outcome: a.outcome,
      metric: a.metric ?? null,
      value: a.value ?? null,
      threshold: a.threshold ?? null,
      comparison: a.comparison ?? null,
      message: a.message,
      ...(a.hint ? { hint: a.hint } : {}),
      ...(a.details ? { details: a.details } : {}),
      ...(a.since ? { since: a.since } : {}),
    })),
    resolved: batch.resolved.map((r) => ({
      key: r.key,
      dataset: r.dataset,
      check: r.check ?? null,
      column: r.column ?? null,
      severity: r.severity,
      now: r.now,
      ...(r.since ? { since: r.since } : {}),
    })),
  };
}
