/**
 * Every oracle case (data + config + values computed by pandas and scipy) run through
 * the real CLI: rates to 1e-9 absolute, KS statistic 1e-12 and p-values 1e-6 relative.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dqc, ROOT } from '../helpers.ts';

const CASES = path.join(ROOT, 'test', 'data', 'oracle-cases');

interface Expected {
  now: string;
  rows: number;
  checks: {
    completeness: { columns: Record<string, { null_rate: number; passed: boolean }> };
    uniqueness: { duplicate_rate_count_over_rows: number; passed_if_count_over_rows: boolean; distinct_keys: number };
    drift: { columns: Record<string, { statistic: number; p_value: number; passed: boolean; method: string; n_reference: number; n_current: number }> };
    freshness: { age_hours: number; passed: boolean };
  };
}

function close(actual: number, expected: number, rel: number, what: string): void {
  const tol = rel * Math.max(Math.abs(expected), Number.MIN_VALUE);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (relative ${Math.abs(actual - expected) / Math.abs(expected)})`);
}

describe('oracle cases', () => {
  const cases = readdirSync(CASES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  it('has cases to run', () => assert.ok(cases.length >= 4));
  for (const name of cases) {
    it(name, () => {
      const dir = path.join(CASES, name);
      const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
      const r = dqc(['check', '--config', path.join(dir, 'quality.yaml'), '--now', expected.now, '--format', 'json']);
      const report = JSON.parse(r.stdout);
      const ds = report.datasets[0];
      assert.equal(ds.rows, expected.rows);
      const e = expected.checks;
      let anyFailed = false;
      for (const c of ds.checks) {
        if (c.type === 'completeness') {
          const x = e.completeness.columns[c.column];
          assert.ok(Math.abs(c.value - x.null_rate) <= 1e-9, `${c.column} null rate ${c.value} vs ${x.null_rate}`);
          assert.equal(c.passed, x.passed, `completeness ${c.column}`);
        } else if (c.type === 'uniqueness') {
          assert.ok(Math.abs(c.value - e.uniqueness.duplicate_rate_count_over_rows) <= 1e-9);
          assert.equal(c.details.distinct_keys, e.uniqueness.distinct_keys);
          assert.equal(c.passed, e.uniqueness.passed_if_count_over_rows);
        } else if (c.type === 'drift') {
          const x = e.drift.columns[c.column];
          close(c.statistic, x.statistic, 1e-12, `${c.column} statistic`);
          close(c.p_value, x.p_value, 1e-6, `${c.column} p-value`);
          assert.equal(c.details.method, x.method);
          assert.equal(c.details.n_reference, x.n_reference);
          assert.equal(c.details.n_current, x.n_current);
          assert.equal(c.passed, x.passed, `drift ${c.column}`);
        } else if (c.type === 'freshness') {
          close(c.value, e.freshness.age_hours, 1e-6, 'age hours');
          assert.equal(c.passed, e.freshness.passed);
        }
        anyFailed ||= !c.passed;
      }
      assert.equal(ds.checks.length, 7);
      assert.equal(r.code, anyFailed ? 1 : 0);
    });
  }
});
