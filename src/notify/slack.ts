/**
 * A Slack incoming-webhook message for one run: a header and a summary in blocks, then one
 * attachment per severity (its color bar) listing the checks that did not pass, and a green
 * one for what recovered. Slack allows 50 blocks a message: past MAX_ITEMS checks the rest
 * are counted, not listed.
 */
import type { Severity } from '../config/types.js';
import { outcomeWords, sortBySeverity, subjectOf, valueLine, type Alert } from './alerts.js';
import type { ChannelBatch, Resolved } from './batch.js';

export const COLORS: Record<Severity | 'resolved' | 'passed', string> = {
  critical: '#d40e0d',
  error: '#e8700a',
  warn: '#f2c744',
  info: '#439fe0',
  resolved: '#2eb67d',
  passed: '#2eb67d',
};

const EMOJI: Record<Severity | 'resolved', string> = {
  critical: ':rotating_light:',
  error: ':x:',
  warn: ':warning:',
  info: ':information_source:',
  resolved: ':white_check_mark:',
};

const MAX_ITEMS = 20;

type Block = Record<string, unknown>;

export interface SlackMessage {
  text: string;
  blocks: Block[];
  attachments: { color: string; fallback: string; blocks: Block[] }[];
}

export function slackMessage(batch: ChannelBatch): SlackMessage {
  const { alerts, resolved, summary } = batch;
  const sorted = sortBySeverity(alerts);
  const worst = sorted[0]?.severity;
  const title = headline(batch);
  const emoji = worst ? EMOJI[worst] : EMOJI.resolved;
  const datasets = [...new Set(alerts.map((a) => a.dataset))];
  const c = summary.counts;
  const lines = [
    `*${c.passed}* of *${c.checks}* checks passed in *${c.datasets}* dataset${c.datasets === 1 ? '' : 's'}` +
      (c.failed + c.warned + c.not_evaluated > 0 ? ` (${[c.failed && `${c.failed} failed`, c.warned && `${c.warned} warned`, c.not_evaluated && `${c.not_evaluated} not evaluated`].filter(Boolean).join(', ')})` : '') +
      (c.datasets_not_checked > 0 ? `; *${c.datasets_not_checked}* dataset${c.datasets_not_checked === 1 ? '' : 's'} could not be checked` : ''),
  ];
  if (datasets.length > 0) lines.push(`Datasets: ${datasets.map((d) => `\`${esc(d)}\``).join(', ')}`);
  const message: SlackMessage = {
    text: `${emoji} ${title}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${emoji} ${title}`.slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: esc(`config ${summary.config} · data as of ${summary.now} · host ${summary.host} · ${summary.durationSeconds} s`) }] },
    ],
    attachments: [],
  };
  let shown = 0;
  for (const severity of ['critical', 'error', 'warn', 'info'] as const) {
    const group = sorted.filter((a) => a.severity === severity);
    if (group.length === 0) continue;
    const blocks: Block[] = [];
    for (const a of group) {
      if (shown >= MAX_ITEMS) break;
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: alertText(a) } });
      shown++;
    }
    const left = group.length - blocks.length;
    if (left > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${left} more ${severity} check${left === 1 ? '' : 's'} not passing (see the report)` }] });
    if (blocks.length > 0) {
      message.attachments.push({ color: COLORS[severity], fallback: `${group.length} ${severity}: ${group.map((a) => subjectOf(a)).join(', ')}`.slice(0, 300), blocks });
    }
  }
  if (resolved.length > 0) {
    const items = resolved.slice(0, MAX_ITEMS).map((r) => `• ${resolvedText(r)}`);
    if (resolved.length > MAX_ITEMS) items.push(`…and ${resolved.length - MAX_ITEMS} more`);
    message.attachments.push({
      color: COLORS.resolved,
      fallback: `${resolved.length} resolved: ${resolved.map((r) => subjectOf(r)).join(', ')}`.slice(0, 300),
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `${EMOJI.resolved} *Resolved*\n${items.join('\n')}`.slice(0, 3000) } }],
    });
  }
  if (batch.empty) {
    message.attachments.push({ color: COLORS.passed, fallback: 'all checks passed', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Nothing to report: no check routed to this channel failed.' } }] });
  }
  return message;
}

/** "dqc: 3 checks not passing", "dqc: 2 checks recovered", "dqc: all 12 checks passed" */
export function headline(batch: ChannelBatch): string {
  const n = batch.alerts.length;
  if (n > 0) {
    const datasetsDown = batch.alerts.filter((a) => a.kind === 'dataset').length;
    const checks = n - datasetsDown;
    const parts = [checks > 0 && `${checks} check${checks === 1 ? '' : 's'} not passing`, datasetsDown > 0 && `${datasetsDown} dataset${datasetsDown === 1 ? '' : 's'} not checked`];
    return `dqc: ${parts.filter(Boolean).join(', ')}`;
  }
  if (batch.resolved.length > 0) return `dqc: ${batch.resolved.length} alert${batch.resolved.length === 1 ? '' : 's'} resolved`;
  return `dqc: all ${batch.summary.counts.checks} checks passed`;
}

function alertText(a: Alert & { since?: string }): string {
  const where = a.kind === 'dataset' ? `*${esc(a.dataset)}*` : `*${esc(a.dataset)}* · ${a.check}${a.column !== undefined ? ` · \`${esc(a.column)}\`` : ''}`;
  const lines = [`${where} — *${a.severity.toUpperCase()}*, ${outcomeWords(a)}`, esc(a.message)];
  const value = valueLine(a);
  if (value) lines.push(`_${esc(value)}_`);
  if (a.hint) lines.push(`_hint: ${esc(a.hint)}_`);
  if (a.since) lines.push(`_failing since ${a.since}_`);
  return lines.join('\n').slice(0, 3000);
}

function resolvedText(r: Resolved): string {
  const why = r.now === 'passed' ? 'passes again' : r.now === 'not_routed' ? `still not passing, no longer sent to this channel` : 'no longer checked';
  return `${esc(subjectOf(r))}: ${why}${r.since ? ` (alerting since ${r.since})` : ''}`;
}

/** Slack's mrkdwn escapes: &, < and > only. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
