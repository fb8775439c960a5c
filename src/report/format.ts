/**
 * Formatting shared by the report formats (JUnit, GitHub, Markdown, HTML): names of checks,
 * values and thresholds in their units, counts per outcome.
 */
import path from 'node:path';
import { formatHours, formatP, percent, type CheckResult, type Outcome } from '../checks/result.js';
import type { DatasetResult, SuiteResult } from '../run.js';

/** What a report needs besides the result: how strict the run is, timings, where checks are written. */
export interface ReportContext {
  /** `--fail-on warn`: a warned check fails the run. */
  failOnWarn?: boolean;
  /** Only checks that did not pass, where the format lists checks for people. */
  quiet?: boolean;
  /** Paths are shown relative to this folder. */
  cwd?: string;
  /** Seconds each check took to judge (from the run's observer). */
  checkSeconds?: WeakMap<CheckResult, number>;
  /** Where a check is written in the config file, for annotations. */
  locate?: (dataset: string, check: CheckResult) => { file: string; line: number; column: number } | undefined;
  /** dqc's version, for generator notes. */
  version?: string;
}

export const OUTCOMES: Outcome[] = ['passed', 'warned', 'failed', 'error'];

export const OUTCOME_LABEL: Record<Outcome, string> = { passed: 'passed', warned: 'warned', failed: 'failed', error: 'not evaluated' };

/** The column(s) a check judges: "amount", or "transaction_id, user_id" for uniqueness. */
export function subjectOf(c: CheckResult): string {
  return c.column ?? (c.columns ?? []).join(', ');
}

/** "completeness: amount" */
export function checkName(c: CheckResult): string {
  const s = subjectOf(c);
  return s === '' ? c.type : `${c.type}: ${s}`;
}

/** A value in the unit people read it in: percent for ratios, a p-value, hours. */
export function formatValue(c: CheckResult, v: number | null = c.value): string {
  if (v === null || !Number.isFinite(v)) return '—';
  switch (c.metric) {
    case 'null_ratio':
    case 'duplicate_ratio':
      return percent(v);
    case 'p_value':
      return formatP(v);
    case 'age_hours':
      return formatHours(v);
    default:
      return String(Number(v.toPrecision(6)));
  }
}

/** "≤ 10%", "≥ 0.05", "≤ 6 h" */
export function formatThreshold(c: CheckResult): string {
  return `${c.comparison === '<=' ? '≤' : '≥'} ${formatValue(c, c.threshold)}`;
}

export { count as formatCount, formatHours, formatP } from '../checks/result.js';

export function countOutcomes(checks: CheckResult[]): Record<Outcome, number> {
  const n: Record<Outcome, number> = { passed: 0, warned: 0, failed: 0, error: 0 };
  for (const c of checks) n[c.outcome]++;
  return n;
}

/** Whether a check fails the run at this run's `--fail-on` level. */
export function failsRun(c: CheckResult, ctx: ReportContext): boolean {
  return c.outcome === 'failed' || c.outcome === 'error' || (c.outcome === 'warned' && ctx.failOnWarn === true);
}

/** The one-line verdict: "FAILED: 2 datasets, 12 checks: 8 passed, 1 warned, 3 failed". */
export function summaryLine(result: SuiteResult, ctx: ReportContext = {}): string {
  const all = result.datasets.flatMap((d) => d.checks);
  const n = countOutcomes(all);
  const parts = [`${n.passed} passed`, `${n.warned} warned`, `${n.failed} failed`];
  if (n.error > 0) parts.push(`${n.error} not evaluated`);
  const unreadable = result.datasets.filter((d) => d.error).length;
  if (unreadable > 0) parts.push(`${unreadable} dataset${unreadable === 1 ? '' : 's'} not checked`);
  const ds = result.datasets.length;
  return `${runPasses(result, ctx) ? 'PASSED' : 'FAILED'}: ${ds} dataset${ds === 1 ? '' : 's'}, ${all.length} check${all.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** A path relative to `cwd` when it is below it; "stdin" for "-". */
export function displayPath(p: string, cwd = process.cwd()): string {
  if (p === '-') return 'stdin';
  const rel = path.relative(cwd, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** A dataset passes when it was read and none of its checks fails the run. */
export function datasetFails(d: DatasetResult, ctx: ReportContext): boolean {
  return d.error !== undefined || d.checks.some((c) => failsRun(c, ctx));
}

/** The run's verdict at its `--fail-on` level (the exit code's 0 or not, metrics aside). */
export function runPasses(result: SuiteResult, ctx: ReportContext): boolean {
  return result.datasets.every((d) => !datasetFails(d, ctx));
}
