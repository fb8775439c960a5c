/**
 * What a run has to tell: an Alert for every check that did not pass (and every dataset that
 * could not be checked), the checks that passed (candidates for "resolved"), and a summary.
 * Pure: no I/O, time and host are arguments.
 */
import type { CheckResult, Outcome } from '../checks/result.js';
import type { ChannelConfig } from '../config/notify.js';
import type { Severity, SuiteConfig } from '../config/types.js';
import type { DatasetResult, SuiteResult } from '../run.js';

/** A check that did not pass, or a dataset that could not be checked. */
export interface Alert {
  /** `<dataset>/<check>[/<column>]`, or `<dataset>/dataset`: the same in every run. */
  key: string;
  kind: 'check' | 'dataset';
  dataset: string;
  check?: CheckResult['type'];
  /** The column; for uniqueness the key columns joined by ",". */
  column?: string;
  severity: Severity;
  /** failed / warned / error (not evaluated, or the dataset could not be read). */
  outcome: Exclude<Outcome, 'passed'>;
  metric?: string;
  value?: number | null;
  threshold?: number;
  /** How value must compare with threshold to pass. */
  comparison?: '<=' | '>=';
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

/** A check (or a dataset's readability) that passed in this run. */
export interface Passing {
  key: string;
  dataset: string;
  check?: CheckResult['type'];
  column?: string;
  severity: Severity;
}

export interface DatasetSummary {
  name: string;
  outcome: Outcome;
  rows: number | null;
  checks: number;
  not_passing: number;
}

/** The run as the messages describe it, limited to the datasets a channel follows. */
export interface RunSummary {
  passed: boolean;
  config: string;
  host: string;
  /** The time the data was judged against (--now). */
  now: string;
  finishedAt: string;
  durationSeconds: number;
  counts: { datasets: number; checks: number; passed: number; failed: number; warned: number; not_evaluated: number; datasets_not_checked: number };
  datasets: DatasetSummary[];
}

export interface RunFindings {
  alerts: Alert[];
  passing: Passing[];
  /** Datasets whose checks ran (and so whose earlier alerts can be resolved). */
  checked: Set<string>;
  result: SuiteResult;
}

const RANK: Record<Severity, number> = { critical: 0, error: 1, warn: 2, info: 3 };

/** The most severe of some severities; `error` when there are none. */
export function worstSeverity(severities: Severity[]): Severity {
  return severities.reduce<Severity>((w, s) => (RANK[s] < RANK[w] ? s : w), severities[0] ?? 'error');
}

export function sortBySeverity<T extends { severity: Severity }>(items: T[]): T[] {
  return [...items].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}

export function checkKey(dataset: string, check: CheckResult): string {
  const column = columnOf(check);
  return column === undefined ? `${dataset}/${check.type}` : `${dataset}/${check.type}/${column}`;
}

function columnOf(check: CheckResult): string | undefined {
  return check.columns ? check.columns.join(',') : check.column;
}

export function findingsOf(result: SuiteResult, config: SuiteConfig): RunFindings {
  const alerts: Alert[] = [];
  const passing: Passing[] = [];
  const checked = new Set<string>();
  for (const d of result.datasets) {
    // An unreadable dataset is as severe as the most severe check it could not run.
    const configured = config.datasets.find((c) => c.name === d.name)?.checks.map((c) => c.severity) ?? [];
    const datasetSeverity = worstSeverity(configured);
    const datasetKey = `${d.name}/dataset`;
    if (d.error) {
      alerts.push({
        key: datasetKey,
        kind: 'dataset',
        dataset: d.name,
        severity: datasetSeverity,
        outcome: 'error',
        message: d.error.message,
        hint: d.error.hint,
        details: { code: d.error.code },
      });
      continue;
    }
    checked.add(d.name);
    passing.push({ key: datasetKey, dataset: d.name, severity: datasetSeverity });
    for (const c of d.checks) {
      const key = checkKey(d.name, c);
      if (c.outcome === 'passed') {
        passing.push({ key, dataset: d.name, check: c.type, column: columnOf(c), severity: c.severity });
        continue;
      }
      alerts.push({
        key,
        kind: 'check',
        dataset: d.name,
        check: c.type,
        column: columnOf(c),
        severity: c.severity,
        outcome: c.outcome,
        metric: c.metric,
        value: c.value,
        threshold: c.threshold,
        comparison: c.comparison,
        message: c.message,
        details: c.details,
      });
    }
  }
  return { alerts, passing, checked, result };
}

/** Does this channel receive news of this dataset at this severity? */
export function routes(channel: ChannelConfig, item: { dataset: string; severity: Severity }): boolean {
  return channel.severities.includes(item.severity) && (channel.datasets === undefined || channel.datasets.includes(item.dataset));
}

export function summaryOf(result: SuiteResult, opts: { config: string; host: string; finishedAt: number; datasets?: string[] }): RunSummary {
  const datasets = result.datasets.filter((d) => opts.datasets === undefined || opts.datasets.includes(d.name));
  const checks = datasets.flatMap((d) => d.checks);
  const n = (o: Outcome) => checks.filter((c) => c.outcome === o).length;
  return {
    passed: datasets.every((d) => d.outcome === 'passed' || d.outcome === 'warned'),
    config: opts.config,
    host: opts.host,
    now: result.now,
    finishedAt: new Date(opts.finishedAt).toISOString(),
    durationSeconds: Math.round(result.duration_seconds * 1000) / 1000,
    counts: {
      datasets: datasets.length,
      checks: checks.length,
      passed: n('passed'),
      failed: n('failed'),
      warned: n('warned'),
      not_evaluated: n('error'),
      datasets_not_checked: datasets.filter((d) => d.error).length,
    },
    datasets: datasets.map(datasetSummary),
  };
}

function datasetSummary(d: DatasetResult): DatasetSummary {
  return { name: d.name, outcome: d.outcome, rows: d.rows, checks: d.checks.length, not_passing: d.checks.filter((c) => c.outcome !== 'passed').length };
}

/** A number as people read it: 4 significant digits, exponent for the very small or large. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e7) return String(Number(v.toPrecision(4)));
  return v.toExponential(2);
}

/** "value 0.25, must be ≤ 0.1" */
export function valueLine(a: Alert): string | undefined {
  if (a.kind !== 'check' || a.threshold === undefined) return undefined;
  const metric = a.metric ?? 'value';
  if (a.value === null || a.value === undefined) return `${metric} not measured; must be ${a.comparison === '>=' ? '≥' : '≤'} ${formatNumber(a.threshold)}`;
  return `${metric} ${formatNumber(a.value)}, must be ${a.comparison === '>=' ? '≥' : '≤'} ${formatNumber(a.threshold)}`;
}

/** "failed", "warned", "not evaluated", "could not be checked" */
export function outcomeWords(a: Alert): string {
  if (a.kind === 'dataset') return 'could not be checked';
  return a.outcome === 'error' ? 'not evaluated' : a.outcome;
}

/** What an alert is about, e.g. "orders completeness amount" or "orders (dataset)". */
export function subjectOf(item: { dataset: string; check?: string; column?: string }): string {
  if (!item.check) return `${item.dataset} (dataset)`;
  return [item.dataset, item.check, item.column].filter((s) => s !== undefined).join(' ');
}
