/**
 * Prometheus alerting rules for the datasets of a config (`dqc rules`). They read the
 * metrics of src/sinks/metrics.ts and the Pushgateway's own push_time_seconds /
 * push_failure_time_seconds. Severity: check severity critical and error → critical,
 * warn → warning, info → info.
 */
import { stringify } from 'yaml';
import type { AlertName, CheckConfig, DatasetConfig, Severity, SuiteConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { durationSeconds, formatDuration } from './duration.js';

/** The `severity` label of an alert about a check of each severity. */
export type AlertSeverity = 'critical' | 'warning' | 'info';
export const SEVERITY: Record<Severity, AlertSeverity> = { critical: 'critical', error: 'critical', warn: 'warning', info: 'info' };

/** `for:` of each alert unless the config says otherwise. */
export const DEFAULT_FOR: Record<AlertName, string> = {
  check_failed: '0s',
  data_stale: '0s',
  dataset_down: '0s',
  no_recent_success: '15m',
  push_failed: '0s',
};

export const DEFAULT_SUCCESS_WINDOW = '24h';
const DEFAULT_JOB = 'dqc';

export interface RulesOptions {
  /** --success-window: overrides prometheus.alerts.success_window. */
  successWindow?: string;
}

export interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string };
}

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

export function buildRules(config: SuiteConfig, opts: RulesOptions = {}): { groups: RuleGroup[] } {
  const prom = config.prometheus;
  const window = opts.successWindow ?? prom?.alerts.successWindow ?? DEFAULT_SUCCESS_WINDOW;
  const windowSeconds = durationSeconds(window);
  if (windowSeconds === undefined || windowSeconds <= 0) {
    throw new UsageError(`--success-window ${JSON.stringify(window)} is not a positive duration`, 'write it like 24h, 90m or 7d');
  }
  const forOf = (name: AlertName) => prom?.alerts.for[name] ?? DEFAULT_FOR[name];
  const extra = prom?.alerts.labels ?? {};
  const labels = (severity: AlertSeverity) => ({ severity, ...extra });
  const job = prom?.job ?? DEFAULT_JOB;

  const groups: RuleGroup[] = config.datasets.map((ds) => ({
    name: `dqc.${ds.name}`,
    rules: datasetRules(ds, { forOf, labels, window, windowSeconds }),
  }));
  const jobSel = `{job=${promString(job)}}`;
  groups.push({
    name: 'dqc.delivery',
    rules: [
      {
        alert: 'DqcMetricsPushFailed',
        expr: `push_failure_time_seconds${jobSel} > push_time_seconds${jobSel}`,
        for: forOf('push_failed'),
        labels: labels('warning'),
        annotations: {
          summary: 'The Pushgateway rejected the last dqc push for {{ $labels.dataset }}',
          description:
            'The last push of job {{ $labels.job }}, dataset {{ $labels.dataset }} failed on the Pushgateway, so the dqc metrics it shows are older than the last run. dqc also exits 4 when checks pass but a push fails.',
        },
      },
    ],
  });
  return { groups };
}

interface Ctx {
  forOf: (name: AlertName) => string;
  labels: (severity: AlertSeverity) => Record<string, string>;
  window: string;
  windowSeconds: number;
}

function datasetRules(ds: DatasetConfig, ctx: Ctx): Rule[] {
  const sel = (more = '') => `{dataset=${promString(ds.name)}${more}}`;
  const rules: Rule[] = [];
  for (const severity of ['critical', 'warning', 'info'] as const) {
    const types = [...new Set(ds.checks.filter((c) => SEVERITY[c.severity] === severity).map((c) => c.type))];
    if (types.length === 0) continue;
    const check = types.length === 1 ? `check="${types[0]}"` : `check=~"${types.join('|')}"`;
    rules.push({
      alert: 'DqcCheckFailed',
      expr: `dqc_check_passed${sel(`,${check}`)} == 0`,
      for: ctx.forOf('check_failed'),
      labels: ctx.labels(severity),
      annotations: {
        summary: 'dqc {{ $labels.check }} check failing on {{ $labels.dataset }} ({{ $labels.column }})',
        description:
          'In its last run dqc found the {{ $labels.check }} check on dataset {{ $labels.dataset }}, column {{ $labels.column }}, not passing (failed, or could not be evaluated). Compare dqc_check_value with dqc_check_threshold, or run dqc check --dataset {{ $labels.dataset }}.',
      },
    });
  }
  const fresh = ds.checks.find((c): c is Extract<CheckConfig, { type: 'freshness' }> => c.type === 'freshness');
  if (fresh) {
    const maxAge = fresh.maxAgeHours * 3600;
    rules.push({
      alert: 'DqcDataStale',
      expr: `time() - dqc_newest_record_timestamp_seconds${sel()} > ${maxAge}`,
      for: ctx.forOf('data_stale'),
      labels: ctx.labels(SEVERITY[fresh.severity]),
      annotations: {
        summary: 'Data of {{ $labels.dataset }} is stale',
        description: `The newest record of dataset {{ $labels.dataset }} (column ${fresh.timestampColumn}) is {{ $value | humanizeDuration }} old; the limit is ${formatDuration(maxAge)}. This keeps growing while no newer data arrives, whether or not dqc runs.`,
      },
    });
  }
  rules.push({
    alert: 'DqcDatasetDown',
    expr: `dqc_dataset_up${sel()} == 0`,
    for: ctx.forOf('dataset_down'),
    labels: ctx.labels('critical'),
    annotations: {
      summary: 'dqc could not check dataset {{ $labels.dataset }}',
      description: 'In its last run dqc could not read or check dataset {{ $labels.dataset }} (missing, unreadable or malformed data, or a column not in the data). Run dqc check --dataset {{ $labels.dataset }} to see why.',
    },
  });
  const hasError = ds.checks.some((c) => SEVERITY[c.severity] === 'critical');
  rules.push({
    alert: 'DqcNoRecentSuccess',
    expr: `time() - dqc_last_success_timestamp_seconds${sel()} > ${ctx.windowSeconds} or absent(dqc_last_success_timestamp_seconds${sel()})`,
    for: ctx.forOf('no_recent_success'),
    labels: ctx.labels(hasError ? 'critical' : 'warning'),
    annotations: {
      summary: `No successful dqc run of {{ $labels.dataset }} within ${ctx.window}`,
      description: `dqc has not reported a successful run of dataset {{ $labels.dataset }} for more than ${ctx.window}: its checks keep failing, or dqc (or its push) has stopped running.`,
    },
  });
  return rules;
}

/** A PromQL string literal. */
export function promString(s: string): string {
  return JSON.stringify(s);
}

export function renderRules(config: SuiteConfig, opts: RulesOptions = {}): string {
  const head = `# Prometheus alerting rules for the datasets of ${config.file}, generated by dqc rules.\n# Check with: promtool check rules FILE\n`;
  return head + stringify(buildRules(config, opts), { lineWidth: 0 });
}
