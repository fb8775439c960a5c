/**
 * What one channel is told about a run: the alerts routed to it (by severity and dataset) and
 * the alerts it had been sent that are over. Without a state file dqc cannot know what a
 * channel was told before, so only PagerDuty gets resolves then: one for every passing check
 * routed to it (PagerDuty ignores a resolve for an incident that is not open).
 */
import type { ChannelConfig } from '../config/notify.js';
import type { Severity } from '../config/types.js';
import { routes, summaryOf, type Alert, type RunFindings, type RunSummary } from './alerts.js';
import type { OpenAlert } from './state.js';

/** An alert this channel had been sent that is over. */
export interface Resolved {
  key: string;
  dataset: string;
  check?: string;
  column?: string;
  severity: Severity;
  /** When it was first sent (state file only). */
  since?: string;
  /** passed; not_routed: it still fails, at a severity (or in a dataset) this channel no longer receives; removed: no longer checked. */
  now: 'passed' | 'not_routed' | 'removed';
}

export interface ChannelBatch {
  channel: ChannelConfig;
  alerts: (Alert & { since?: string })[];
  resolved: Resolved[];
  summary: RunSummary;
  /** Slack and webhook: nothing to report, but `always` asks for a message. */
  empty: boolean;
}

export interface BatchOptions {
  config: string;
  host: string;
  finishedAt: number;
}

/**
 * `open` is what the state file says this channel was sent and not yet told is over;
 * undefined when there is no state file.
 */
export function batchFor(channel: ChannelConfig, findings: RunFindings, open: Record<string, OpenAlert> | undefined, opts: BatchOptions): ChannelBatch | undefined {
  const finishedAt = new Date(opts.finishedAt).toISOString();
  const alerts = findings.alerts.filter((a) => routes(channel, a)).map((a) => ({ ...a, since: open ? (open[a.key]?.since ?? finishedAt) : undefined }));
  let resolved: Resolved[];
  if (open) {
    const alerting = new Set(alerts.map((a) => a.key));
    const passing = new Set(findings.passing.map((p) => p.key));
    const failing = new Set(findings.alerts.map((a) => a.key));
    resolved = Object.entries(open)
      // A dataset that was not checked this run (not selected, or unreadable) says nothing about its checks.
      .filter(([key, o]) => findings.checked.has(o.dataset) && !alerting.has(key))
      .map(([key, o]) => ({ key, dataset: o.dataset, check: o.check, column: o.column, severity: o.severity, since: o.since, now: passing.has(key) ? 'passed' : failing.has(key) ? 'not_routed' : 'removed' }));
  } else if (channel.type === 'pagerduty') {
    resolved = findings.passing.filter((p) => routes(channel, p)).map((p) => ({ ...p, now: 'passed' as const }));
  } else {
    resolved = [];
  }
  const empty = alerts.length === 0 && resolved.length === 0;
  if (empty && !(channel.always && channel.type !== 'pagerduty')) return undefined;
  const summary = summaryOf(findings.result, { config: opts.config, host: opts.host, finishedAt: opts.finishedAt, datasets: channel.datasets });
  return { channel, alerts, resolved, summary, empty };
}

/** The channel's open alerts after this run, given which resolves were delivered. */
export function nextOpen(batch: ChannelBatch, open: Record<string, OpenAlert>, findings: RunFindings, delivered: Set<string>): Record<string, OpenAlert> {
  const next: Record<string, OpenAlert> = {};
  for (const [key, o] of Object.entries(open)) {
    if (!findings.checked.has(o.dataset)) next[key] = o;
  }
  for (const r of batch.resolved) {
    if (!delivered.has(r.key)) next[r.key] = open[r.key];
  }
  // A trigger that may not have arrived is kept too: resolving an unknown alert is harmless.
  for (const a of batch.alerts) {
    next[a.key] = { dataset: a.dataset, check: a.check, column: a.column, severity: a.severity, since: a.since ?? new Date().toISOString() };
  }
  return next;
}
