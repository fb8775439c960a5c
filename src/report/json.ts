import type { SuiteResult } from '../run.js';

/** The machine-readable report: one JSON document, schema in the README ("JSON report"). */
export function renderJson(result: SuiteResult): string {
  return JSON.stringify(toJsonReport(result), (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
}

export function toJsonReport(result: SuiteResult): unknown {
  return {
    passed: result.passed,
    now: result.now,
    duration_seconds: round(result.duration_seconds),
    datasets: result.datasets.map((d) => ({
      name: d.name,
      source: d.source,
      ...(d.reference ? { reference: d.reference } : {}),
      rows: d.rows,
      ...(d.columns ? { columns: d.columns } : {}),
      outcome: d.outcome,
      ...(d.error ? { error: { code: d.error.code, message: d.error.message, ...(d.error.hint ? { hint: d.error.hint } : {}) } } : {}),
      ...(d.bad_lines ? { bad_lines: d.bad_lines } : {}),
      duration_seconds: round(d.duration_seconds),
      checks: d.checks.map((c) => ({
        type: c.type,
        ...(c.column !== undefined ? { column: c.column } : {}),
        ...(c.columns !== undefined ? { columns: c.columns } : {}),
        metric: c.metric,
        value: c.value,
        threshold: c.threshold,
        passed: c.passed,
        outcome: c.outcome,
        severity: c.severity,
        message: c.message,
        ...(c.type === 'drift' && c.statistic !== undefined ? { statistic: c.statistic, p_value: c.p_value } : {}),
        ...(c.details ? { details: c.details } : {}),
      })),
    })),
  };
}

function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}
