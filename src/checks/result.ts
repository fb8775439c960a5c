import type { Severity } from '../config/types.js';

/** passed / warned (failed, severity warn or info) / failed / error (could not be evaluated). */
export type Outcome = 'passed' | 'warned' | 'failed' | 'error';

export interface CheckResult {
  type: 'completeness' | 'uniqueness' | 'drift' | 'freshness';
  /** The column judged, for per-column checks. */
  column?: string;
  /** The key columns, for uniqueness. */
  columns?: string[];
  /** What `value` measures: null_ratio, duplicate_ratio, p_value, age_hours. */
  metric: string;
  /** In the unit of `threshold`; null when it could not be computed. */
  value: number | null;
  threshold: number;
  /** How value is compared with threshold for the check to pass. */
  comparison: '<=' | '>=';
  outcome: Outcome;
  /** The condition held (a warned check has passed = false). */
  passed: boolean;
  severity: Severity;
  message: string;
  /** Drift only. */
  statistic?: number;
  p_value?: number;
  /** Counts and context behind the value. */
  details?: Record<string, unknown>;
}

/** critical fails like error, info warns like warn: severities beyond error/warn only route notifications. */
export function outcomeOf(ok: boolean, severity: Severity): Outcome {
  if (ok) return 'passed';
  return severity === 'warn' || severity === 'info' ? 'warned' : 'failed';
}

/** A check that could not be evaluated: not enough data, wrong type. */
export function errorResult(base: Omit<CheckResult, 'outcome' | 'passed' | 'value' | 'message'>, message: string): CheckResult {
  return { ...base, value: null, outcome: 'error', passed: false, message };
}

/** A ratio as a percentage with enough digits that equal-to-threshold reads as equal. */
export function percent(r: number): string {
  if (r === 0) return '0%';
  const p = r * 100;
  const digits = p >= 10 ? 2 : p >= 1 ? 2 : p >= 0.01 ? 3 : 4;
  return `${Number(p.toFixed(digits))}%`;
}

/** A p-value: 4 decimals down to 0.001, then scientific. */
export function formatP(p: number): string {
  return p === 0 ? '0' : p >= 0.001 ? String(Number(p.toFixed(4))) : p.toExponential(2);
}

/** An age: minutes under an hour, days from two days on. */
export function formatHours(h: number): string {
  if (Math.abs(h) < 1) return `${Number((h * 60).toFixed(1))} min`;
  if (Math.abs(h) >= 48) return `${Number((h / 24).toFixed(1))} d`;
  return `${Number(h.toFixed(2))} h`;
}

/** 1234567 → "1,234,567" (toLocaleString would load Intl's locale data: ~15 ms at start-up). */
export function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
