import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { configIssues } from '../helpers.ts';

const SEED = `datasets:
  - name: transactions
    source: fixtures/transactions.parquet     # file, glob, or folder of files
    reference: fixtures/transactions_ref.csv  # data for drift checks
    checks:
      completeness: {user_id: 0.0, amount: 0.05, category: 0.10}   # max null rate
      uniqueness: {key_columns: [transaction_id], max_duplicate_rate: 0.001}
      drift: {columns: [amount, age], threshold: 0.05}              # KS p-value
      freshness: {timestamp_column: created_at, max_age_hours: 6}
`;

const issuesOf = (text: string, env: Record<string, string> = {}) => configIssues(text, env);

describe('config', () => {
  it("accepts the design document's config as written", () => {
    const config = parseConfig(SEED, '/work/q.yaml');
    const [ds] = config.datasets;
    assert.equal(ds.name, 'transactions');
    assert.equal(ds.source, '/work/fixtures/transactions.parquet');
    assert.deepEqual(
      ds.checks.map((c) => c.type),
      ['completeness', 'uniqueness', 'drift', 'freshness'],
    );
    const comp = ds.checks[0];
    assert.ok(comp.type === 'completeness');
    assert.deepEqual(
      comp.columns.map((c) => [c.column, c.maxNullRate]),
      [['user_id', 0], ['amount', 0.05], ['category', 0.1]],
    );
    const drift = ds.checks[2];
    assert.ok(drift.type === 'drift');
    assert.equal(drift.reference, '/work/fixtures/transactions_ref.csv');
    assert.equal(drift.severity, 'error');
  });

  it('accepts the long completeness form with a severity', () => {
    const config = parseConfig(SEED.replace('{user_id: 0.0, amount: 0.05, category: 0.10}', '{columns: {amount: 0.05}, severity: warn}'), 'q.yaml');
    const comp = config.datasets[0].checks[0];
    assert.ok(comp.type === 'completeness');
    assert.equal(comp.severity, 'warn');
    assert.deepEqual(comp.columns.map((c) => c.column), ['amount']);
  });

  it('names file, line, column and key path of an unknown key, with a suggestion', () => {
    const issues = issuesOf(SEED.replace('max_age_hours', 'max_age_hour'));
    assert.equal(issues.length, 1);
    assert.equal(issues[0].line, 9);
    assert.equal(issues[0].path, 'datasets[0].checks.freshness.max_age_hour');
    assert.match(issues[0].message, /unknown key "max_age_hour" \(did you mean "max_age_hours"\?\)/);
  });

  it('reports every problem at once, in file order', () => {
    const bad = SEED.replace('threshold: 0.05', 'threshold: 1.5').replace('max_duplicate_rate: 0.001', 'max_duplicate_rate: "low"').replace('checks:', 'checks:\n      freshnes: {}');
    const issues = issuesOf(bad);
    assert.deepEqual(
      issues.map((i) => i.path),
      ['datasets[0].checks.freshnes', 'datasets[0].checks.uniqueness.max_duplicate_rate', 'datasets[0].checks.drift.threshold'],
    );
    assert.match(issues[1].message, /got the string "low"/);
    assert.match(issues[2].message, /between 0 and 1/);
    assert.ok(issues.every((i) => i.line !== undefined && i.column !== undefined));
  });

  it('rejects thresholds outside [0, 1] and a non-positive max age', () => {
    const issues = issuesOf(SEED.replace('amount: 0.05', 'amount: -0.1').replace('max_age_hours: 6', 'max_age_hours: 0'));
    assert.deepEqual(issues.map((i) => i.line), [6, 9]);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    const dup = issuesOf('datasets:\n  - name: a\n    name: b\n');
    assert.match(dup[0].message, /duplicate key/);
    assert.equal(dup[0].line, 3);
    const syntax = issuesOf('datasets: [\n  - name: a\n');
    assert.match(syntax[0].message, /YAML syntax error/);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    let bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n';
    for (let i = 0; i < 8; i++) bomb += `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill('*' + String.fromCharCode(97 + i)).join(',')}]\n`;
    bomb += 'datasets: []\n';
    const issues = issuesOf(bomb);
    // Refused for the aliases themselves, before the empty dataset list is even looked at.
    assert.equal(issues.length, 1);
    assert.match(issues[0].message, /alias/i);
  });

  it('interpolates ${VAR} and ${VAR:-default}, and names a missing variable', () => {
    const text = SEED.replace('fixtures/transactions.parquet', '${DATA_DIR}/t.parquet').replace('fixtures/transactions_ref.csv', '${REF:-ref}.csv');
    const config = parseConfig(text, '/work/q.yaml', { env: { DATA_DIR: '/data' } });
    assert.equal(config.datasets[0].source, '/data/t.parquet');
    assert.equal(config.datasets[0].reference, '/work/ref.csv');
    const issues = issuesOf(text);
    assert.equal(issues[0].path, 'datasets[0].source');
    assert.match(issues[0].message, /DATA_DIR is not set/);
  });

  it('requires a reference for drift and unique dataset names', () => {
    const noRef = SEED.replace(/    reference:.*\n/, '');
    assert.match(issuesOf(noRef)[0].message, /drift needs reference data/);
    const twice = SEED + SEED.replace('datasets:\n', '');
    assert.match(issuesOf(twice)[0].message, /already used/);
  });

  it('rejects an empty file and a missing datasets list', () => {
    assert.match(issuesOf('')[0].message, /empty/);
    assert.match(issuesOf('version: 1\n')[0].message, /missing required key/);
  });

  it('says a missing secret is missing, without the "not shown" wording for a value', () => {
    const text = `prometheus:\n  basic_auth: {username: ci}\n${SEED}`;
    const issues = issuesOf(text);
    assert.equal(issues.length, 1);
    assert.equal(issues[0].path, 'prometheus.basic_auth.password');
    assert.equal(issues[0].message, 'missing required key: expected a password');
  });

  it('keeps a key named __proto__ as a key of its map', () => {
    const text = SEED.replace('completeness: {user_id: 0.0,', 'completeness: {__proto__: [1], user_id: 0.0,');
    const issues = issuesOf(text);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0].path, 'datasets[0].checks.completeness.columns.__proto__');
    assert.match(issues[0].message, /expected a number between 0 and 1, got a list/);
  });
});
