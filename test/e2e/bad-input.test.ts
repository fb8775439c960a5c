import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dqc, noStack, ROOT, scratch } from '../helpers.ts';

const HEADER = 'transaction_id,user_id,amount,category,age,created_at\n';
const ROWS = '1,10,2.5,a,30,2026-11-27T11:00:00Z\n2,11,3.5,b,40,2026-11-27T11:30:00Z\n3,12,4.5,c,50,2026-11-27T11:45:00Z\n';

function config(source: string, checks = 'completeness: {amount: 0.5}', extra = ''): string {
  return `datasets:\n  - name: d\n    source: ${source}\n${extra}    checks:\n      ${checks}\n`;
}

/** Runs dqc on a scratch folder holding a config and data files. */
function run(files: Record<string, string | Buffer>, args: string[] = []) {
  const dir = scratch(files);
  return { dir, ...dqc(['check', '--config', path.join(dir, 'q.yaml'), '--now', '2026-11-27T12:00:00Z', ...args]) };
}

function expectError(r: { code: number | null; stdout: string; stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code; stdout: ${r.stdout} stderr: ${r.stderr}`);
  assert.match(r.stdout + r.stderr, pattern);
  assert.ok(noStack(r.stderr), `no stack trace:\n${r.stderr}`);
}

describe('bad data exits 3 with a clear message', () => {
  it('missing file', () => expectError(run({ 'q.yaml': config('nope.csv') }), 3, /nope\.csv: no such file or folder/));
  it('glob matching nothing', () => expectError(run({ 'q.yaml': config('"exports/*.csv"') }), 3, /no files match .*exports\/\*\.csv/));
  it('empty folder', () => {
    const dir = scratch({ 'q.yaml': config('exports') });
    mkdirSync(path.join(dir, 'exports'));
    expectError(dqc(['check', '--config', path.join(dir, 'q.yaml')]), 3, /folder holds no CSV or Parquet files/);
  });
  it('zero-byte file', () => expectError(run({ 'q.yaml': config('empty.csv'), 'empty.csv': '' }), 3, /empty/));
  it('header-only file: 0 rows, checks not evaluated', () => {
    const r = run({ 'q.yaml': config('h.csv'), 'h.csv': HEADER }, ['--format', 'json']);
    assert.equal(r.code, 3);
    const report = JSON.parse(r.stdout);
    assert.equal(report.datasets[0].rows, 0);
    assert.equal(report.datasets[0].checks[0].outcome, 'error');
    assert.match(report.datasets[0].checks[0].message, /no rows/);
  });
  it('ragged CSV row names the line', () => {
    expectError(run({ 'q.yaml': config('r.csv'), 'r.csv': HEADER + ROWS + '4,13,5.5\n' }), 3, /line 5: expected 6 fields, got 3/);
  });
  it('ragged rows can be skipped and are counted', () => {
    const r = run({ 'q.yaml': config('r.csv', 'completeness: {amount: 0.5}', '    csv: {on_bad_lines: warn}\n'), 'r.csv': HEADER + ROWS + '4,13,5.5\n' }, ['--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.datasets[0].rows, 3);
    assert.deepEqual(report.datasets[0].bad_lines, { count: 1, lines: [5] });
  });
  it('corrupt Parquet file', () => {
    const good = readFileSync(path.join(ROOT, 'fixtures', 'transactions.parquet'));
    expectError(run({ 'q.yaml': config('t.parquet'), 't.parquet': good.subarray(0, Math.floor(good.length / 2)) }), 3, /t\.parquet: truncated Parquet file/);
    expectError(run({ 'q.yaml': config('t.parquet'), 't.parquet': Buffer.from('this is not parquet at all, just text') }), 3, /t\.parquet: not a Parquet file/);
  });
  it('binary garbage named .csv', () => {
    const garbage = Buffer.alloc(4096);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 256;
    expectError(run({ 'q.yaml': config('g.csv'), 'g.csv': garbage }), 3, /g\.csv looks binary, not CSV/);
  });
  it('a timestamp column that holds no timestamps', () => {
    const r = run({ 'q.yaml': config('t.csv', 'freshness: {timestamp_column: category, max_age_hours: 6}'), 't.csv': HEADER + ROWS }, ['--format', 'json']);
    assert.equal(r.code, 3);
    assert.match(JSON.parse(r.stdout).datasets[0].checks[0].message, /no timestamps: 3 values not timestamps, first "a" \(line 2\)/);
  });
  it('one unreadable dataset does not stop the others', () => {
    const yaml = `datasets:\n  - name: broken\n    source: missing.csv\n    checks: {completeness: {amount: 0.5}}\n  - name: fine\n    source: ok.csv\n    checks: {completeness: {amount: 0.5}}\n`;
    const r = run({ 'q.yaml': yaml, 'ok.csv': HEADER + ROWS }, ['--format', 'json']);
    assert.equal(r.code, 3);
    const report = JSON.parse(r.stdout);
    assert.equal(report.datasets[0].outcome, 'error');
    assert.match(report.datasets[0].error.message, /missing\.csv: no such file/);
    assert.equal(report.datasets[1].outcome, 'passed');
    assert.match(r.stderr, /broken: .*missing\.csv/);
  });
});

describe('bad config exits 2 with file:line:column and key path', () => {
  it('YAML typo', () => {
    const r = run({ 'q.yaml': config('d.csv').replace('completeness', 'completness'), 'd.csv': HEADER + ROWS });
    expectError(r, 2, /q\.yaml:5:7: datasets\[0\]\.checks\.completness: unknown key "completness" \(did you mean "completeness"\?\)/);
  });
  it('YAML syntax error', () => {
    expectError(run({ 'q.yaml': 'datasets:\n  - name: d\n   source: [x\n' }), 2, /q\.yaml:\d+:\d+: YAML syntax error/);
  });
  it('unknown column, with a suggestion from the real columns', () => {
    const r = run({ 'q.yaml': config('d.csv', 'completeness: {amout: 0.1}'), 'd.csv': HEADER + ROWS });
    expectError(r, 2, /q\.yaml:5:22: datasets\[0\]\.checks\.completeness\.columns\.amout: column "amout" is not in the data .*\(did you mean "amount"\?\)/);
  });
  it('missing config file', () => {
    const r = dqc(['check', '--config', '/nonexistent/q.yaml']);
    expectError(r, 2, /cannot read config \/nonexistent\/q\.yaml: no such file/);
  });
  it('--debug adds the stack trace', () => {
    const dir = scratch({ 'q.yaml': 'datasets: 3\n' });
    const r = dqc(['check', '--config', path.join(dir, 'q.yaml'), '--debug']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\n\s+at /);
  });
});

describe('drift data problems', () => {
  it('a non-numeric drift column is reported, not crashed on', () => {
    const dir = scratch({ 'd.csv': HEADER + ROWS, 'ref.csv': HEADER + ROWS });
    writeFileSync(
      path.join(dir, 'q.yaml'),
      config('d.csv', 'drift: {columns: [category], threshold: 0.05}', '    reference: ref.csv\n'),
    );
    const r = dqc(['check', '--config', path.join(dir, 'q.yaml'), '--format', 'json']);
    assert.equal(r.code, 3);
    assert.match(JSON.parse(r.stdout).datasets[0].checks[0].message, /not numeric/);
  });
});

describe('more bad input', () => {
  it('permission denied', () => {
    const dir = scratch({ 'q.yaml': config('locked.csv'), 'locked.csv': HEADER + ROWS });
    chmodSync(path.join(dir, 'locked.csv'), 0o000);
    // root reads anything: run as nobody so the permission bits apply.
    const asNobody = process.getuid?.() === 0;
    if (asNobody) chmodSync(dir, 0o755);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'dqc'), 'check', '--config', path.join(dir, 'q.yaml')], {
      encoding: 'utf8',
      ...(asNobody ? { uid: 65534, gid: 65534 } : {}),
    });
    expectError({ code: r.status, stdout: r.stdout, stderr: r.stderr }, 3, /locked\.csv: permission denied/);
  });

  it('invalid UTF-8 names the line and suggests latin1', () => {
    const bytes = Buffer.concat([Buffer.from(HEADER + ROWS), Buffer.from('4,13,5.5,caf'), Buffer.from([0xe9]), Buffer.from(',30,2026-11-27T11:00:00Z\n')]);
    expectError(run({ 'q.yaml': config('u.csv'), 'u.csv': bytes }), 3, /u\.csv.*line 5.*UTF-8[\s\S]*latin1/);
    const ok = run({ 'q.yaml': config('u.csv', 'completeness: {category: 0}', '    csv: {encoding: latin1}\n'), 'u.csv': bytes }, ['--format', 'json']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('a 10 MB line is read, not choked on', () => {
    const long = 'x'.repeat(10 * 1024 * 1024);
    const r = run({ 'q.yaml': config('l.csv', 'completeness: {category: 0}'), 'l.csv': HEADER + ROWS + `4,13,5.5,"${long}",30,2026-11-27T11:00:00Z\n` }, ['--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).datasets[0].rows, 4);
  });

  it('huge numbers: ids past 2^53 stay distinct, 1e400 is infinite, not an error', () => {
    const csv = 'id,amount\n99999999999999999999999,1e400\n99999999999999999999998,2\n99999999999999999999999,3\n';
    const dir = scratch({ 'd.csv': csv, 'r.csv': 'id,amount\n1,1\n2,2\n3,3\n' });
    writeFileSync(path.join(dir, 'q.yaml'), config('d.csv', 'uniqueness: {key_columns: [id], max_duplicate_rate: 1}\n      drift: {columns: [amount], threshold: 0}', '    reference: r.csv\n'));
    const r = dqc(['check', '--config', path.join(dir, 'q.yaml'), '--format', 'json']);
    const [uniq, drift] = JSON.parse(r.stdout).datasets[0].checks;
    assert.equal(uniq.details.distinct_keys, 2);
    assert.equal(drift.outcome, 'passed');
    assert.equal(r.code, 0);
  });
});
