import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseDocument } from 'yaml';
import { completenessThreshold, datasetName, freshnessThreshold } from '../../src/init/starter.ts';
import { dqc, noStack, ROOT, scratch } from '../helpers.ts';

const NOW = '2026-11-27T12:00:00Z';

interface Starter {
  datasets: {
    name: string;
    source: string;
    reference?: string;
    checks: {
      completeness?: { columns: Record<string, number> };
      uniqueness?: { key_columns: string[]; max_duplicate_rate: number };
      drift?: { columns: string[]; threshold: number };
      freshness?: { timestamp_column: string; max_age_hours: number };
    };
  }[];
}

/** A CSV with a key, a foreign key, numbers with nulls, a category and timestamps. */
function ordersCsv(): string {
  const rows = ['order_id,user_id,amount,status,note,created_at'];
  for (let i = 0; i < 400; i++) {
    const amount = i % 20 === 0 ? '' : (10 + ((i * 7919) % 500) / 10).toFixed(2);
    const created = new Date(Date.parse('2026-11-27T09:00:00Z') - i * 600_000).toISOString();
    rows.push(`${1000 + ((i * 37) % 400)},${i % 50},${amount},${i % 3 === 0 ? 'open' : 'done'},,${created}`);
  }
  return rows.join('\n') + '\n';
}

describe('dqc init', () => {
  it('writes a commented starter config that passes dqc check on the same data', () => {
    const dir = scratch({ 'orders.csv': ordersCsv() });
    const r = dqc(['init', 'orders.csv', '--now', NOW], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^dqc: wrote quality\.yaml \(400 rows, 6 columns read\); next: dqc check --config quality\.yaml\n$/);
    const text = readFileSync(path.join(dir, 'quality.yaml'), 'utf8');
    const config = parse(text) as Starter;
    const ds = config.datasets[0];
    assert.equal(ds.name, 'orders');
    assert.equal(ds.source, 'orders.csv');
    assert.equal(ds.reference, 'orders.csv', 'the data itself is the drift baseline');
    assert.deepEqual(ds.checks.completeness!.columns, { order_id: 0.01, user_id: 0.01, amount: 0.06, status: 0.01, created_at: 0.01 });
    assert.deepEqual(ds.checks.uniqueness, { key_columns: ['order_id'], max_duplicate_rate: 0 });
    assert.deepEqual(ds.checks.drift, { columns: ['amount'], threshold: 0.01 }, 'numbers, not keys');
    assert.deepEqual(ds.checks.freshness, { timestamp_column: 'created_at', max_age_hours: 24 });
    // Comments explain each choice.
    assert.match(text, /^# dqc config written by "dqc init" from orders\.csv at 2026-11-27T12:00:00\.000Z:\n# 400 rows, 6 columns\./);
    assert.match(text, /amount: 0\.06 # observed 5% \(20 of 400 rows\)/);
    assert.match(text, /order_id: 0\.01 # no nulls seen/);
    assert.match(text, /# max null rate per column: observed rate \+ headroom/);
    assert.match(text, /# order_id: every value distinct and the name looks like a key; no duplicates allowed\n\s+uniqueness:/);
    assert.match(text, /# the data init read, as the baseline: drift compares later data/);
    assert.match(text, /# newest created_at is 2026-11-27T09:00:00\.000Z, 3 h before init ran; max age = that age \+/);
    assert.match(text, /# not in completeness, all null in the data: note/);
    assert.equal(parseDocument(text).errors.length, 0);

    const check = dqc(['check', '-c', 'quality.yaml', '--now', '2026-11-27T13:00:00Z'], { cwd: dir });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /PASSED {2}1 dataset, 8 checks: 8 passed/);
  });

  it('refuses to overwrite a file without --force (exit 2)', () => {
    const dir = scratch({ 'orders.csv': ordersCsv(), 'quality.yaml': 'mine\n' });
    const r = dqc(['init', 'orders.csv'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'dqc: error: quality.yaml already exists; not overwriting it\n  hint: pass --force to replace it, or -o OTHER.yaml to write elsewhere\n');
    assert.equal(readFileSync(path.join(dir, 'quality.yaml'), 'utf8'), 'mine\n');
    const forced = dqc(['init', 'orders.csv', '--force'], { cwd: dir });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(path.join(dir, 'quality.yaml'), 'utf8'), /^# dqc config/);
  });

  it('-o writes elsewhere with paths relative to the config; --reference is used for drift', () => {
    const dir = scratch({});
    copyFileSync(path.join(ROOT, 'fixtures/transactions.parquet'), path.join(dir, 'transactions.parquet'));
    copyFileSync(path.join(ROOT, 'fixtures/transactions_ref.csv'), path.join(dir, 'ref.csv'));
    const out = path.join(dir, 'conf', 'q.yaml');
    const r = dqc(['init', path.join(dir, 'transactions.parquet'), '-o', out, '--reference', path.join(dir, 'ref.csv'), '--now', NOW]);
    assert.equal(r.code, 2, 'conf/ does not exist');
    assert.match(r.stderr, /cannot write .*q\.yaml: no such folder/);
    writeFileSync(path.join(dir, 'keep'), '');
    const out2 = path.join(dir, 'q.yaml');
    const ok = dqc(['init', 'transactions.parquet', '-o', out2, '--reference', 'ref.csv', '--name', 'tx', '--now', NOW], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    const ds = (parse(readFileSync(out2, 'utf8')) as Starter).datasets[0];
    assert.equal(ds.name, 'tx');
    assert.equal(ds.reference, 'ref.csv');
    assert.deepEqual(ds.checks.drift!.columns, ['amount', 'age']);
    assert.equal(ds.checks.uniqueness, undefined, 'transaction_id has duplicates in this data');
    assert.match(readFileSync(out2, 'utf8'), /# no uniqueness check: no column looks like a key/);
    // Against the reference, amount drifted: the starter config catches it.
    const check = dqc(['check', '-c', out2, '--now', NOW, '--format', 'json']);
    assert.equal(check.code, 1);
    const failed = (JSON.parse(check.stdout) as { datasets: { checks: { type: string; column?: string; outcome: string }[] }[] }).datasets[0].checks.filter((c) => c.outcome !== 'passed');
    assert.deepEqual(failed.map((c) => `${c.type}:${c.column}`), ['drift:amount']);
  });

  it('finds an integer sequence as key, skips non-numeric drift and notes a missing timestamp', () => {
    const rows = ['n,label,score'];
    for (let i = 1; i <= 50; i++) rows.push(`${i},same,${i % 2 ? 'x' : 'y'}`);
    const dir = scratch({ 'seq.csv': rows.join('\n') + '\n' });
    const r = dqc(['init', 'seq.csv', '-o', '-', '--now', NOW], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const ds = (parse(r.stdout) as Starter).datasets[0];
    assert.deepEqual(ds.checks.uniqueness!.key_columns, ['n']);
    assert.match(r.stdout, /# n: an integer sequence/);
    assert.equal(ds.checks.drift, undefined);
    assert.equal(ds.reference, undefined);
    assert.equal(ds.checks.freshness, undefined);
    assert.match(r.stdout, /# no freshness check: no column holds timestamps/);
    assert.match(r.stdout, /# no drift check: no numeric column other than keys and sequences/);
    assert.equal(existsSync(path.join(dir, 'quality.yaml')), false, '-o - writes nothing');
  });

  it('quotes column names that need it, and the result still passes', () => {
    const col = '<script>alert(1)</script>';
    const weird = 'a: b, #c';
    const rows = [`id,"${weird}",${col},ts`];
    for (let i = 0; i < 30; i++) rows.push(`${i},${i % 3 ? i : ''},"""&<>",2026-11-20T00:00:00Z`);
    const dir = scratch({ 'weird data.csv': rows.join('\n') + '\n' });
    const r = dqc(['init', 'weird data.csv', '--now', NOW], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const ds = (parse(readFileSync(path.join(dir, 'quality.yaml'), 'utf8')) as Starter).datasets[0];
    assert.equal(ds.name, 'weird_data');
    assert.deepEqual(Object.keys(ds.checks.completeness!.columns), ['id', weird, col, 'ts']);
    assert.equal(ds.checks.completeness!.columns[weird], 0.4, 'observed 1/3 null: 0.333 + a fifth of it');
    assert.equal(ds.checks.freshness!.max_age_hours, 270, '7.5 days old: 180 h × 1.5');
    const check = dqc(['check', '-c', 'quality.yaml', '--now', NOW], { cwd: dir });
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });

  it('reports unreadable data and stdin as errors', () => {
    const dir = scratch({ 'empty.csv': 'a,b\n' });
    const missing = dqc(['init', 'nope.csv'], { cwd: dir });
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /nope\.csv: no such file or folder/);
    assert.ok(noStack(missing.stderr));
    const empty = dqc(['init', 'empty.csv'], { cwd: dir });
    assert.equal(empty.code, 3);
    assert.match(empty.stderr, /empty\.csv: no rows, so nothing to base thresholds on/);
    const stdin = dqc(['init', '-'], { cwd: dir });
    assert.equal(stdin.code, 2);
    assert.match(stdin.stderr, /not stdin/);
    assert.equal(existsSync(path.join(dir, 'quality.yaml')), false);
  });
});

describe('init thresholds', () => {
  it('completeness: observed rate + max(1 point, a fifth), rounded up to a percent, at most 1', () => {
    assert.equal(completenessThreshold(0), 0.01);
    assert.equal(completenessThreshold(0.04), 0.05);
    assert.equal(completenessThreshold(0.05), 0.06);
    assert.equal(completenessThreshold(0.12), 0.15);
    assert.equal(completenessThreshold(0.5), 0.6);
    assert.equal(completenessThreshold(0.9), 1);
    for (let r = 0; r <= 1; r += 0.0137) assert.ok(completenessThreshold(r) > r || completenessThreshold(r) === 1);
  });

  it('freshness: observed age × 1.5 rounded up, at least 24 h', () => {
    assert.equal(freshnessThreshold(2), 24);
    assert.equal(freshnessThreshold(-5), 24, 'timestamps in the future');
    assert.equal(freshnessThreshold(30), 45);
    assert.equal(freshnessThreshold(100.2), 151);
  });

  it('dataset names come from the file name', () => {
    assert.equal(datasetName('exports/2026-11-27.csv.gz'), '2026-11-27');
    assert.equal(datasetName('data/orders/'), 'orders');
    assert.equal(datasetName('data/*.parquet'), 'data');
    assert.equal(datasetName('my file (1).jsonl'), 'my_file_1');
  });
});
