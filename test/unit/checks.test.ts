import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricResults } from '../../src/checks/definition.ts';
import { completeness } from '../../src/checks/completeness.ts';
import { drift } from '../../src/checks/drift.ts';
import { freshness } from '../../src/checks/freshness.ts';
import { uniqueness } from '../../src/checks/uniqueness.ts';
import { countAgainst } from '../../src/metrics/ks-counts.ts';
import type { CompletenessConfig, DriftConfig, FreshnessConfig, UniquenessConfig } from '../../src/config/types.ts';

/** Hand-built metric results: the checks are judged without any data. */
function metrics(current: Record<string, unknown>, reference: Record<string, unknown> = {}): MetricResults {
  const get = (m: Record<string, unknown>) => <R>(key: string): R => {
    assert.ok(key in m, `unexpected metric ${key}`);
    return m[key] as R;
  };
  return { current: get(current), reference: get(reference) };
}
const NOW = Date.parse('2026-11-27T12:00:00Z');

describe('completeness', () => {
  const config: CompletenessConfig = {
    type: 'completeness',
    severity: 'error',
    path: [],
    columns: [
      { column: 'amount', maxNullRate: 0.05, path: [] },
      { column: 'category', maxNullRate: 0.1, path: [] },
    ],
  };
  it('passes a rate equal to its threshold and fails one above', () => {
    const [amount, category] = completeness.judge(config, metrics({ 'nulls:amount': { rows: 2000, nulls: 100 }, 'nulls:category': { rows: 2000, nulls: 201 } }), { now: NOW });
    assert.equal(amount.value, 0.05);
    assert.equal(amount.outcome, 'passed');
    assert.equal(category.outcome, 'failed');
    assert.equal(category.passed, false);
    assert.match(category.message, /10.05% null \(201 of 2,000 rows\), max 10%/);
  });
  it('reports an all-null column as rate 1 and zero rows as not evaluated', () => {
    const [all] = completeness.judge({ ...config, columns: [config.columns[0]] }, metrics({ 'nulls:amount': { rows: 5, nulls: 5 } }), { now: NOW });
    assert.equal(all.value, 1);
    const [none] = completeness.judge({ ...config, columns: [config.columns[0]] }, metrics({ 'nulls:amount': { rows: 0, nulls: 0 } }), { now: NOW });
    assert.equal(none.outcome, 'error');
    assert.equal(none.value, null);
  });
  it('downgrades a failure to warned under severity warn', () => {
    const [r] = completeness.judge({ ...config, severity: 'warn', columns: [config.columns[0]] }, metrics({ 'nulls:amount': { rows: 10, nulls: 5 } }), { now: NOW });
    assert.equal(r.outcome, 'warned');
    assert.equal(r.passed, false);
  });
});

describe('uniqueness', () => {
  const config: UniquenessConfig = { type: 'uniqueness', severity: 'error', path: [], keyColumns: ['id'], maxDuplicateRate: 0.001, exact: false };
  it('computes (rows - distinct) / rows so a rate equal to the threshold passes', () => {
    // 1 - 1998/2000 = 0.0010000000000000009 > 0.001; (2000 - 1998)/2000 = 0.001.
    const [r] = uniqueness.judge(config, metrics({ 'keys:hash:id': { rows: 2000, distinct: 1998 } }), { now: NOW });
    assert.equal(r.value, 0.001);
    assert.equal(r.outcome, 'passed');
    const [f] = uniqueness.judge(config, metrics({ 'keys:hash:id': { rows: 2000, distinct: 1997 } }), { now: NOW });
    assert.equal(f.outcome, 'failed');
    assert.deepEqual(f.columns, ['id']);
  });
});

describe('drift', () => {
  const config: DriftConfig = { type: 'drift', severity: 'error', path: [], columns: ['x'], threshold: 0.05, method: 'ks', reference: '/ref.csv' };
  const bad = (n: number) => (n ? { value: 'abc', line: 3, row: 1 } : undefined);
  /** The metrics drift reads: the data counted against the reference, and the reference sample. */
  const samples = (ref: number[], cur: number[], nonNumeric = { cur: 0, ref: 0 }) =>
    metrics(
      { 'ks:/ref.csv:x': { ...countAgainst(Float64Array.from(ref), cur), nonNumeric: nonNumeric.cur, firstNonNumeric: bad(nonNumeric.cur) } },
      { 'sample:reference:x': { values: Float64Array.from(ref), nonNumeric: nonNumeric.ref, firstNonNumeric: bad(nonNumeric.ref) } },
    );
  it('fails when p < threshold and passes identical samples', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    const b = a.map((x) => x + 40);
    const [f] = drift.judge(config, samples(a, b), { now: NOW });
    assert.equal(f.outcome, 'failed');
    assert.ok(f.p_value! < 0.05);
    assert.equal(f.statistic, 0.8);
    const [p] = drift.judge(config, samples(a, a), { now: NOW });
    assert.equal(p.outcome, 'passed');
    assert.equal(p.statistic, 0);
    assert.equal(p.p_value, 1);
  });
  it('is not evaluated with fewer than 2 reference values or non-numeric data', () => {
    const [few] = drift.judge(config, samples([1], [1, 2, 3]), { now: NOW });
    assert.equal(few.outcome, 'error');
    assert.match(few.message, /reference has 1 non-null value/);
    const [text] = drift.judge(config, samples([1, 2], [1, 2], { cur: 4, ref: 0 }), { now: NOW });
    assert.equal(text.outcome, 'error');
    assert.match(text.message, /not numeric in the data: 4 values like "abc" \(line 3\)/);
    const [refText] = drift.judge(config, samples([1, 2], [1, 2], { cur: 0, ref: 2 }), { now: NOW });
    assert.match(refText.message, /not numeric in the reference: 2 values like "abc"/);
  });
});

describe('freshness', () => {
  const config: FreshnessConfig = { type: 'freshness', severity: 'error', path: [], timestampColumn: 'ts', maxAgeHours: 6, timezone: 'UTC', unit: 'auto' };
  const key = 'maxtime:ts:UTC:auto';
  it('passes at exactly the max age and fails a millisecond later', () => {
    const max = NOW - 6 * 3_600_000;
    const [r] = freshness.judge(config, metrics({ [key]: { max, parsed: 10, unparseable: 0 } }), { now: NOW });
    assert.equal(r.value, 6);
    assert.equal(r.outcome, 'passed');
    const [f] = freshness.judge(config, metrics({ [key]: { max: max - 1, parsed: 10, unparseable: 0 } }), { now: NOW });
    assert.equal(f.outcome, 'failed');
    assert.match(f.message, /newest 2026-11-27T05:59:59.999Z/);
  });
  it('counts unparseable values and is not evaluated when none parse', () => {
    const [r] = freshness.judge(config, metrics({ [key]: { max: NOW, parsed: 8, unparseable: 2, firstUnparseable: { value: 'yesterday', line: 4, row: 2 } } }), { now: NOW });
    assert.equal(r.outcome, 'passed');
    assert.match(r.message, /2 values not timestamps, first "yesterday" \(line 4\)/);
    const [e] = freshness.judge(config, metrics({ [key]: { max: NaN, parsed: 0, unparseable: 3, firstUnparseable: { value: 'x', line: 2, row: 0 } } }), { now: NOW });
    assert.equal(e.outcome, 'error');
  });
});
