/**
 * SuiteResult → Prometheus metrics. Every metric is a gauge in base units (seconds,
 * ratios 0–1) with bounded labels: dataset, check, column. A fresh prom-client Registry
 * is built per call; the global one is never touched. README "Metrics" documents each.
 */
import { Gauge, Registry } from 'prom-client';
import type { CheckResult } from '../checks/result.js';
import type { DatasetResult } from '../run.js';

type Label = 'dataset' | 'check' | 'column';

export interface MetricDef {
  name: string;
  help: string;
  labels: readonly Label[];
}

const D = ['dataset'] as const;
const DC = ['dataset', 'column'] as const;
const DCC = ['dataset', 'check', 'column'] as const;

/** Every metric dqc publishes, in exposition order. */
export const METRICS = [
  { name: 'dqc_dataset_up', labels: D, help: '1 if the dataset could be read and checked, 0 if not (missing, unreadable, unknown column).' },
  { name: 'dqc_dataset_passed', labels: D, help: "1 if the dataset was checked and no check failed at the run's --fail-on level, else 0." },
  { name: 'dqc_rows', labels: D, help: 'Rows read from the dataset in the last run.' },
  { name: 'dqc_bad_lines', labels: D, help: 'Malformed CSV lines left out in the last run (csv.on_bad_lines warn or skip).' },
  { name: 'dqc_checks', labels: D, help: 'Checks run in the last run (one per column for completeness and drift).' },
  { name: 'dqc_checks_failed', labels: D, help: 'Checks of severity error that failed in the last run.' },
  { name: 'dqc_checks_warned', labels: D, help: 'Checks of severity warn that failed in the last run.' },
  { name: 'dqc_checks_not_evaluated', labels: D, help: 'Checks that could not be evaluated in the last run (no rows, not numeric, no timestamps).' },
  { name: 'dqc_check_passed', labels: DCC, help: '1 if the check held in the last run, 0 if it failed, warned or could not be evaluated.' },
  { name: 'dqc_check_value', labels: DCC, help: 'Measured value: null ratio, duplicate ratio, KS p-value, or data age in seconds (freshness). Absent when not evaluated.' },
  { name: 'dqc_check_threshold', labels: DCC, help: 'Configured limit in the unit of dqc_check_value: max ratio, min p-value, or max age in seconds.' },
  { name: 'dqc_null_ratio', labels: DC, help: 'Share of null values in the column, 0 to 1.' },
  { name: 'dqc_duplicate_ratio', labels: D, help: 'Share of rows that repeat a key of the uniqueness check, 0 to 1.' },
  { name: 'dqc_drift_statistic', labels: DC, help: 'Two-sample Kolmogorov-Smirnov statistic D against the reference data, 0 to 1.' },
  { name: 'dqc_drift_p_value', labels: DC, help: 'p-value of the two-sample Kolmogorov-Smirnov test against the reference data.' },
  { name: 'dqc_newest_record_timestamp_seconds', labels: D, help: 'Unix time of the newest record (freshness timestamp column).' },
  { name: 'dqc_data_age_seconds', labels: D, help: 'Age of the newest record at the time of the run, in seconds.' },
  { name: 'dqc_run_duration_seconds', labels: D, help: 'Wall time spent checking the dataset in the last run.' },
  { name: 'dqc_last_run_timestamp_seconds', labels: D, help: 'Unix time at which the last run of the dataset finished.' },
  { name: 'dqc_last_success_timestamp_seconds', labels: D, help: 'Unix time at which the last successful run of the dataset finished.' },
] as const satisfies readonly MetricDef[];

export type MetricName = (typeof METRICS)[number]['name'];
export const LAST_SUCCESS: MetricName = 'dqc_last_success_timestamp_seconds';

export interface Sample {
  name: MetricName;
  labels: Partial<Record<Label, string>>;
  value: number;
}

export interface SampleOptions {
  /** Wall-clock end of the run, Unix seconds (not --now: that is the clock freshness uses). */
  finishedAt: number;
  /** --fail-on warn: a warned check makes the dataset unsuccessful. */
  failOnWarn?: boolean;
}

/** Read, checked, and nothing failed at the run's fail-on level. */
export function datasetSucceeded(d: DatasetResult, failOnWarn = false): boolean {
  return !d.error && d.checks.every((c) => c.outcome === 'passed' || (c.outcome === 'warned' && !failOnWarn));
}

/** The samples of one dataset, last-success included when the dataset succeeded. */
export function datasetSamples(d: DatasetResult, opts: SampleOptions): Sample[] {
  const out: Sample[] = [];
  const ds = { dataset: d.name };
  const add = (name: MetricName, labels: Sample['labels'], value: number | null | undefined) => {
    if (value !== null && value !== undefined && Number.isFinite(value)) out.push({ name, labels, value });
  };
  const up = !d.error;
  add('dqc_dataset_up', ds, up ? 1 : 0);
  add('dqc_dataset_passed', ds, datasetSucceeded(d, opts.failOnWarn) ? 1 : 0);
  if (up) {
    add('dqc_rows', ds, d.rows);
    add('dqc_bad_lines', ds, d.bad_lines?.count ?? 0);
    add('dqc_checks', ds, d.checks.length);
    add('dqc_checks_failed', ds, d.checks.filter((c) => c.outcome === 'failed').length);
    add('dqc_checks_warned', ds, d.checks.filter((c) => c.outcome === 'warned').length);
    add('dqc_checks_not_evaluated', ds, d.checks.filter((c) => c.outcome === 'error').length);
  }
  for (const c of d.checks) {
    const labels = { dataset: d.name, check: c.type, column: columnLabel(c) };
    const scale = c.type === 'freshness' ? 3600 : 1; // hours in the report, seconds here
    add('dqc_check_passed', labels, c.passed ? 1 : 0);
    add('dqc_check_value', labels, c.value === null ? null : c.value * scale);
    add('dqc_check_threshold', labels, c.threshold * scale);
  }
  for (const c of d.checks) {
    const col = { dataset: d.name, column: columnLabel(c) };
    if (c.type === 'completeness') add('dqc_null_ratio', col, c.value);
    if (c.type === 'uniqueness') add('dqc_duplicate_ratio', ds, c.value);
    if (c.type === 'drift') {
      add('dqc_drift_statistic', col, c.statistic);
      add('dqc_drift_p_value', col, c.p_value);
    }
    if (c.type === 'freshness') {
      add('dqc_newest_record_timestamp_seconds', ds, c.details?.newest_timestamp_seconds as number | undefined);
      add('dqc_data_age_seconds', ds, c.value === null ? null : c.value * 3600);
    }
  }
  add('dqc_run_duration_seconds', ds, d.duration_seconds);
  add('dqc_last_run_timestamp_seconds', ds, opts.finishedAt);
  if (datasetSucceeded(d, opts.failOnWarn)) add(LAST_SUCCESS, ds, opts.finishedAt);
  return out;
}

/** Uniqueness is labelled with its key columns joined by ",". */
function columnLabel(c: CheckResult): string {
  return c.column ?? c.columns?.join(',') ?? '';
}

/** A fresh registry holding these samples; metrics without samples are left out. */
export function registryOf(samples: Sample[]): Registry {
  const registry = new Registry();
  for (const def of METRICS) {
    const mine = samples.filter((s) => s.name === def.name);
    if (mine.length === 0) continue;
    const gauge = new Gauge({ name: def.name, help: def.help, labelNames: def.labels, registers: [registry] });
    for (const s of mine) gauge.set(orderedLabels(def.labels, s.labels), s.value);
  }
  return registry;
}

/** Labels in the documented order, so every series of a metric reads alike. */
function orderedLabels(names: readonly Label[], labels: Sample['labels']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) out[n] = labels[n] ?? '';
  return out;
}

/** The exposition text of every dataset, with last-success times carried over from earlier runs. */
export async function expositionOf(datasets: DatasetResult[], opts: SampleOptions & { lastSuccess?: Map<string, number> }): Promise<string> {
  const samples = datasets.flatMap((d) => datasetSamples(d, opts));
  const fresh = new Set(samples.filter((s) => s.name === LAST_SUCCESS).map((s) => s.labels.dataset));
  for (const [dataset, value] of opts.lastSuccess ?? []) {
    if (!fresh.has(dataset)) samples.push({ name: LAST_SUCCESS, labels: { dataset }, value });
  }
  return registryOf(samples).metrics();
}
