/**
 * What every benchmarked tool must answer for a generated dataset. A benchmark of
 * a wrong answer is worthless, so each timed run's output is checked against the
 * values known by construction (see data.ts); any difference fails the benchmark.
 */
import { CHECKS, type CheckSet, type Dataset } from './data.ts';
import { parseNow } from './gen.ts';

export interface Expected {
  file: string;
  rows: number;
  nulls: Record<string, number>;
  duplicates: number;
  distinct: number;
  newest: string;
  newestSeconds: number;
  nowSeconds: number;
  ks: Record<string, { statistic: number; n_reference: number; n_current: number }>;
}

export function expectedFor(ds: Dataset, file: string, now: string): Expected {
  const s = ds.meta.summary;
  return {
    file,
    rows: s.rows,
    nulls: s.nulls,
    duplicates: s.duplicates,
    distinct: s.distinct_ids,
    newest: s.newest,
    newestSeconds: s.newest_seconds,
    nowSeconds: parseNow(now),
    ks: ds.meta.reference ? { ...ds.meta.reference.ks } : {},
  };
}

/** p-values per drift column, for cross-checking tools against each other. */
export type PValues = Record<string, number>;

export interface Verdict {
  errors: string[];
  pValues?: PValues;
}

function close(a: unknown, b: number, rel: number): boolean {
  return typeof a === 'number' && Math.abs(a - b) <= rel * Math.max(Math.abs(b), Number.MIN_VALUE);
}

function parseJson(stdout: string, errors: string[]): any {
  try {
    return JSON.parse(stdout);
  } catch {
    errors.push(`output is not JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
    return undefined;
  }
}

/** dqc's JSON report (`dqc check --format json`) for the benchmark config. */
export function checkDqc(stdout: string, code: number | null, exp: Expected, set: CheckSet): Verdict {
  const withDrift = set === 'all';
  const withUniqueness = set !== 'nulls-freshness';
  const errors: string[] = [];
  const report = parseJson(stdout, errors);
  if (!report) return { errors };
  const ds = report.datasets?.[0];
  if (!ds || report.datasets.length !== 1) return { errors: ['report does not hold exactly one dataset'] };
  if (ds.rows !== exp.rows) errors.push(`rows ${ds.rows}, expected ${exp.rows}`);
  const checks: any[] = ds.checks ?? [];
  const find = (type: string, column?: string): any =>
    checks.find((c) => c.type === type && (column === undefined || c.column === column));
  let allPassed = true;
  const expectPassed = (what: string, check: any, passed: boolean): void => {
    allPassed &&= passed;
    if (check.passed !== passed) errors.push(`${what}: passed=${check.passed}, expected ${passed}`);
  };

  for (const [col, max] of Object.entries(CHECKS.completeness)) {
    const c = find('completeness', col);
    if (!c) {
      errors.push(`no completeness result for ${col}`);
      continue;
    }
    const nulls = exp.nulls[col];
    if (c.details?.null_count !== nulls) errors.push(`completeness ${col}: null_count ${c.details?.null_count}, expected ${nulls}`);
    if (c.details?.rows !== exp.rows) errors.push(`completeness ${col}: rows ${c.details?.rows}, expected ${exp.rows}`);
    if (!close(c.value, nulls / exp.rows, 1e-12)) errors.push(`completeness ${col}: null ratio ${c.value}, expected ${nulls / exp.rows}`);
    expectPassed(`completeness ${col}`, c, nulls / exp.rows <= max);
  }

  const u = find('uniqueness');
  if (!withUniqueness) {
    if (u) errors.push('uniqueness result in a run without uniqueness');
  } else if (!u) errors.push('no uniqueness result');
  else {
    const d = u.details ?? {};
    if (d.rows !== exp.rows) errors.push(`uniqueness: rows ${d.rows}, expected ${exp.rows}`);
    if (d.distinct_keys !== exp.distinct) errors.push(`uniqueness: distinct_keys ${d.distinct_keys}, expected ${exp.distinct}`);
    if (d.duplicate_count !== exp.duplicates) errors.push(`uniqueness: duplicate_count ${d.duplicate_count}, expected ${exp.duplicates}`);
    const rate = exp.duplicates / exp.rows;
    if (!close(u.value, rate, 1e-9)) errors.push(`uniqueness: duplicate ratio ${u.value}, expected ${rate}`);
    expectPassed('uniqueness', u, rate <= CHECKS.uniqueness.max_duplicate_rate);
  }

  const pValues: PValues = {};
  const driftResults = checks.filter((c) => c.type === 'drift');
  if (!withDrift && driftResults.length) errors.push('drift results in a run without drift checks');
  if (withDrift) {
    for (const col of CHECKS.drift.columns) {
      const c = find('drift', col);
      const e = exp.ks[col];
      if (!c) {
        errors.push(`no drift result for ${col}`);
        continue;
      }
      if (c.details?.n_reference !== e.n_reference) errors.push(`drift ${col}: n_reference ${c.details?.n_reference}, expected ${e.n_reference}`);
      if (c.details?.n_current !== e.n_current) errors.push(`drift ${col}: n_current ${c.details?.n_current}, expected ${e.n_current}`);
      if (!close(c.statistic, e.statistic, 1e-9)) errors.push(`drift ${col}: KS statistic ${c.statistic}, expected ${e.statistic}`);
      const p = c.p_value;
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) errors.push(`drift ${col}: p-value ${p} is not in [0, 1]`);
      else {
        pValues[col] = p;
        expectPassed(`drift ${col}`, c, p >= CHECKS.drift.threshold);
      }
    }
  }

  const f = find('freshness', CHECKS.freshness.column);
  if (!f) errors.push('no freshness result');
  else {
    const ageHours = (exp.nowSeconds - exp.newestSeconds) / 3600;
    if (f.details?.newest_timestamp_seconds !== exp.newestSeconds)
      errors.push(`freshness: newest ${f.details?.newest_timestamp}, expected ${exp.newest}`);
    if (!close(f.value, ageHours, 1e-9)) errors.push(`freshness: age ${f.value} h, expected ${ageHours} h`);
    expectPassed('freshness', f, ageHours <= CHECKS.freshness.max_age_hours);
  }

  const expectedChecks = Object.keys(CHECKS.completeness).length + 1 + (withUniqueness ? 1 : 0) + (withDrift ? CHECKS.drift.columns.length : 0);
  if (checks.length !== expectedChecks) errors.push(`${checks.length} check results, expected ${expectedChecks}`);
  if (report.passed !== allPassed) errors.push(`report passed=${report.passed}, expected ${allPassed}`);
  const expectedCode = allPassed ? 0 : 1;
  if (code !== expectedCode) errors.push(`exit code ${code}, expected ${expectedCode}`);
  return { errors, pValues };
}

/** The Python reference checker's JSON (seed_checker.py). */
export function checkPandas(stdout: string, code: number | null, exp: Expected): Verdict {
  const errors: string[] = [];
  const out = parseJson(stdout, errors);
  if (!out) return { errors };
  if (out.rows !== exp.rows) errors.push(`rows ${out.rows}, expected ${exp.rows}`);
  for (const col of Object.keys(CHECKS.completeness)) {
    const rate = out.checks?.completeness?.columns?.[col]?.null_rate;
    if (!close(rate, exp.nulls[col] / exp.rows, 1e-12)) errors.push(`null rate of ${col}: ${rate}, expected ${exp.nulls[col] / exp.rows}`);
  }
  const distinct = out.checks?.uniqueness?.distinct_keys;
  if (distinct !== exp.distinct) errors.push(`distinct keys ${distinct}, expected ${exp.distinct}`);
  const pValues: PValues = {};
  for (const col of CHECKS.drift.columns) {
    const c = out.checks?.drift?.columns?.[col];
    const e = exp.ks[col];
    if (!c) {
      errors.push(`no drift result for ${col}`);
      continue;
    }
    if (!close(c.statistic, e.statistic, 1e-9)) errors.push(`drift ${col}: KS statistic ${c.statistic}, expected ${e.statistic}`);
    if (c.n_reference !== e.n_reference || c.n_current !== e.n_current)
      errors.push(`drift ${col}: n ${c.n_reference}/${c.n_current}, expected ${e.n_reference}/${e.n_current}`);
    pValues[col] = c.p_value;
  }
  const newest = out.checks?.freshness?.max_timestamp;
  if (newest !== exp.newest) errors.push(`newest timestamp ${newest}, expected ${exp.newest}`);
  const expectedCode = out.passed ? 0 : 1;
  if (code !== expectedCode) errors.push(`exit code ${code}, expected ${expectedCode}`);
  return { errors, pValues };
}

/** duckdb.ts's JSON (the checks without drift, in SQL). */
export function checkDuckdb(stdout: string, code: number | null, exp: Expected): Verdict {
  const errors: string[] = [];
  if (code !== 0) errors.push(`exit code ${code}, expected 0`);
  const out = parseJson(stdout, errors);
  if (!out) return { errors };
  if (out.rows !== exp.rows) errors.push(`rows ${out.rows}, expected ${exp.rows}`);
  for (const [col, n] of Object.entries(exp.nulls)) {
    if (out.null_counts?.[col] !== n) errors.push(`nulls in ${col}: ${out.null_counts?.[col]}, expected ${n}`);
  }
  if (out.distinct_keys !== exp.distinct) errors.push(`distinct keys ${out.distinct_keys}, expected ${exp.distinct}`);
  if (out.max_created_at !== exp.newest) errors.push(`newest timestamp ${out.max_created_at}, expected ${exp.newest}`);
  return { errors };
}

/** dqc's p-values against scipy's: the same test on the same data must agree to 1e-6 (relative). */
export function comparePValues(dqc: PValues, scipy: PValues): string[] {
  const errors: string[] = [];
  for (const [col, p] of Object.entries(scipy)) {
    const q = dqc[col];
    if (q === undefined) continue;
    if (!(Math.abs(p - q) <= 1e-6 * Math.max(Math.abs(p), Math.abs(q)) || Math.abs(p - q) <= 1e-300))
      errors.push(`drift ${col}: dqc p-value ${q}, scipy ${p}`);
  }
  return errors;
}
