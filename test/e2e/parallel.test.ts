/**
 * The built CLI with 1 and with 4 workers gives the same report (durations aside), the
 * same errors and the same exit code: on CSV that naive splitting would break, on
 * multi-row-group Parquet, on several files, and on the oracle cases. A low split
 * threshold (DQC_SPLIT_MIN_BYTES, DQC_SPLIT_PART_BYTES) makes small files split, and
 * DQC_PARALLEL_LOG shows that they did.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parquetWriteFile } from 'hyparquet-writer';
import { dqc, ROOT, tempDir, type CliRun } from '../helpers.ts';

const NOW = '2026-11-28T00:00:00Z';

function run(config: string, workers: number, partBytes: number, args: string[] = [], minBytes = 1): CliRun {
  return dqc(['check', '--config', config, '--format', 'json', '--now', NOW, '--workers', String(workers), ...args], {
    env: { DQC_SPLIT_MIN_BYTES: String(minBytes), DQC_SPLIT_PART_BYTES: String(partBytes), DQC_PARALLEL_LOG: '1' },
  });
}

/** The report without timings. */
function normalized(stdout: string): unknown {
  return JSON.parse(stdout, (k, v) => (k === 'duration_seconds' ? undefined : v));
}

/** Runs with 1 and 4 workers; asserts the same stdout (timings aside), exit code and error lines; returns the 4-worker run. */
function sameWithWorkers(config: string, partBytes: number, args: string[] = [], minBytes = 1): CliRun & { report: any } {
  const one = run(config, 1, partBytes, args, minBytes);
  const four = run(config, 4, partBytes, args, minBytes);
  if (process.env.DQC_TEST_SHOW) process.stderr.write(four.stderr);
  assert.ok(one.stdout.startsWith('{'), `stdout: ${one.stdout}\nstderr: ${one.stderr}`);
  assert.deepEqual(normalized(four.stdout), normalized(one.stdout));
  assert.equal(four.code, one.code);
  const errors = (s: string) => s.split('\n').filter((l) => l.startsWith('dqc: error'));
  assert.deepEqual(errors(four.stderr), errors(one.stderr));
  assert.ok(!/dqc: parallel/.test(one.stderr), 'one worker: no parallel scan');
  return { ...four, report: JSON.parse(four.stdout) };
}

function parts(stderr: string, dataset: string): number {
  const m = new RegExp(`dqc: parallel: ${dataset} data: (\\d+) parts on (\\d+) workers`).exec(stderr);
  return m ? Number(m[1]) : 0;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * A few MB of CSV: quoted notes with line breaks, delimiters and "" (so that cutting at
 * a plain line feed would land inside a record), blank and whitespace-only lines, CR LF
 * and LF endings, rows with a field too many or too few, timestamps with a few that do
 * not parse and scores with a few that are not numbers, late in the file.
 */
function trickyCsv(rows: number, seed: number, opts: { strayQuotes?: boolean; clean?: boolean } = {}): string {
  const rng = seeded(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  let text = 'id,note,amount,score,ts\r\n';
  for (let i = 0; i < rows; i++) {
    if (rng() < 0.01) text += pick(['\n', '   \n', '\t\r\n']);
    let note = '';
    if (rng() < 0.4) {
      const n = 1 + Math.floor(rng() * 5);
      note = '"';
      for (let k = 0; k < n; k++) note += pick(['line\n', 'a,b', '""q""', '\r\n', 'x', '\n\n,']);
      note += '"';
    } else if (opts.strayQuotes && rng() < 0.01) {
      note = `5'1${Math.floor(rng() * 10)}"`;
    } else {
      note = pick(['', 'NA', 'plain', 'élan']);
    }
    const amount = rng() < 0.05 ? '' : Math.exp(rng() * 5).toFixed(2);
    const score = i > rows * 0.7 && rng() < 0.001 ? 'n/a-' + i : String(Math.floor(rng() * 100));
    const day = 1 + Math.floor(rng() * 26);
    const ts = i > rows * 0.6 && rng() < 0.002 ? 'soon' : `2026-11-${String(day).padStart(2, '0')}T${String(Math.floor(rng() * 24)).padStart(2, '0')}:00:00Z`;
    const id = rng() < 0.01 ? Math.floor(rng() * i) : i;
    const fields = [String(id), note, amount, score, ts];
    if (!opts.clean && rng() < 0.003) fields.push('extra');
    else if (!opts.clean && rng() < 0.003) fields.pop();
    text += fields.join(',') + pick(['\n', '\r\n']);
  }
  return text;
}

function writeConfig(dir: string, yaml: string): string {
  const file = path.join(dir, 'quality.yaml');
  writeFileSync(file, yaml);
  return file;
}

const CHECKS = `
    checks:
      completeness: {amount: 0.1, note: 0.9}
      uniqueness: {key_columns: [id], max_duplicate_rate: 0.05}
      drift: {columns: [amount, score], threshold: 0.05}
      freshness: {timestamp_column: ts, max_age_hours: 72}`;

describe('parallel scans: same results with 1 and 4 workers', () => {
  const dir = tempDir('dqc-parallel-');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const big = path.join(dir, 'big.csv');
  writeFileSync(big, trickyCsv(200_000, 1));
  writeFileSync(path.join(dir, 'ref.csv'), trickyCsv(3_000, 2).replace(/n\/a-\d+/g, '1'));

  it('a multi-MB CSV with quoted line breaks, blank lines, CR LF and bad lines (warn)', () => {
    const config = writeConfig(dir, `datasets:\n  - name: big\n    source: big.csv\n    reference: ref.csv\n    csv: {on_bad_lines: warn}${CHECKS}\n`);
    for (const partBytes of [150_000, 700_000]) {
      const r = sameWithWorkers(config, partBytes);
      assert.ok(parts(r.stderr, 'big') >= 4, r.stderr);
      const ds = r.report.datasets[0];
      assert.ok(ds.bad_lines.count > 10 && ds.bad_lines.lines.length === 20, 'bad lines are counted and located');
      const fresh = ds.checks.find((c: any) => c.type === 'freshness');
      assert.equal(fresh.details.first_unparseable.value, 'soon');
      assert.ok(fresh.details.first_unparseable.row > 30_000, 'the first offender of a later part, with its row in the file');
      assert.match(fresh.details.first_unparseable.place, /^line \d+$/, 'and its line, as one pass names it');
      const score = ds.checks.find((c: any) => c.type === 'drift' && c.column === 'score');
      assert.match(score.message, /not numeric in the data: .* \(line \d+\)/);
    }
  });

  it('a worker that is free takes over the rest of a part still being read: same results', () => {
    const config = writeConfig(dir, `datasets:\n  - name: big\n    source: big.csv\n    reference: ref.csv\n    csv: {on_bad_lines: warn}${CHECKS}\n`);
    const size = statSync(big).size;
    // Three parts on two workers: the one that finishes second finds no part waiting and
    // takes half of what the third part has left.
    const env = (workers: number) => ({ env: { DQC_SPLIT_MIN_BYTES: '1', DQC_SPLIT_PART_BYTES: String(Math.ceil(size / 3)), DQC_PARALLEL_LOG: '1', DQC_WORKERS: String(workers) } });
    const args = ['check', '--config', config, '--format', 'json', '--now', NOW];
    const one = dqc(args, env(1));
    let split = 0;
    for (let attempt = 0; attempt < 3 && split === 0; attempt++) {
      const two = dqc(args, env(2));
      assert.deepEqual(normalized(two.stdout), normalized(one.stdout));
      assert.equal(two.code, one.code);
      if (/gives bytes \d+-\d+ to a worker that is free/.test(two.stderr)) split++;
    }
    assert.ok(split > 0, 'a part was split while it was read');
  });

  it('on_bad_lines: error stops at the same line with the same message', () => {
    const config = writeConfig(dir, `datasets:\n  - name: big\n    source: big.csv\n    reference: ref.csv${CHECKS}\n`);
    const r = sameWithWorkers(config, 300_000);
    assert.equal(r.code, 3);
    // The reference is read first (drift counts the data against it), so its bad line is the one reported.
    assert.match(r.report.datasets[0].error.message, /ref\.csv line \d+: expected 5 fields, got [46]/);
  });

  // A reference below the split threshold is read on the main thread while the workers
  // already read the data; what drift counts waits in them until the reference is bound.
  const whileReading = /big reference: read on the main thread while the workers read the data/;

  it('a small reference read while the workers read the data', () => {
    const config = writeConfig(dir, `datasets:\n  - name: big\n    source: big.csv\n    reference: ref.csv\n    csv: {on_bad_lines: warn}${CHECKS}\n`);
    const r = sameWithWorkers(config, 700_000, [], 1_000_000);
    assert.match(r.stderr, whileReading);
    assert.ok(parts(r.stderr, 'big') >= 4, r.stderr);
    // Every value of the data was counted against the reference, those read before it too.
    const amount = r.report.datasets[0].checks.find((c: any) => c.type === 'drift' && c.column === 'amount');
    assert.ok(amount.details.n_current > 150_000 && typeof amount.value === 'number', JSON.stringify(amount));
  });

  it('a small reference that fails while the workers read the data: its error, as in one pass', () => {
    const config = writeConfig(dir, `datasets:\n  - name: big\n    source: big.csv\n    reference: ref.csv${CHECKS}\n`);
    const r = sameWithWorkers(config, 700_000, [], 1_000_000);
    assert.match(r.stderr, whileReading);
    assert.equal(r.code, 3);
    assert.match(r.report.datasets[0].error.message, /ref\.csv line \d+: expected 5 fields, got [46]/);
  });

  it('bad lines in several files: the count of all, the line numbers of the first file that has any', () => {
    const sub = path.join(dir, 'badfiles');
    mkdirSync(sub);
    for (const [name, bad] of [['a.csv', [100, 200]], ['b.csv', [50, 60, 70]]] as const) {
      const rows = ['id,v'];
      for (let i = 0; i < 30_000; i++) rows.push((bad as readonly number[]).includes(i) ? '1,2,3' : `${i},${i % 5}`);
      writeFileSync(path.join(sub, name), rows.join('\n') + '\n');
    }
    const config = writeConfig(sub, `datasets:\n  - name: files\n    source: ${JSON.stringify(sub)}\n    csv: {on_bad_lines: warn}\n    checks:\n      completeness: {v: 0.5}\n`);
    const r = sameWithWorkers(config, 100_000);
    assert.ok(parts(r.stderr, 'files') >= 2, r.stderr);
    assert.deepEqual(r.report.datasets[0].bad_lines, { count: 5, lines: [102, 202] });
  });

  it('a bad line only in a late part is still the error reported', () => {
    const sub = path.join(dir, 'late');
    mkdirSync(sub);
    const text = trickyCsv(30_000, 5, { clean: true });
    const lines = text.split('\n');
    const at = Math.floor(lines.length * 0.9);
    lines.splice(at, 0, '1,2,3');
    writeFileSync(path.join(sub, 'late.csv'), lines.join('\n'));
    const config = writeConfig(sub, `datasets:\n  - name: late\n    source: late.csv\n    checks:\n      completeness: {amount: 1}\n`);
    const r = sameWithWorkers(config, 100_000);
    assert.equal(r.code, 3);
    assert.match(r.report.datasets[0].error.message, /late\.csv line \d+: expected 5 fields, got 3/);
  });

  it('quotes inside unquoted fields: a misplaced split falls back to one pass, same results', () => {
    const sub = path.join(dir, 'stray');
    mkdirSync(sub);
    writeFileSync(path.join(sub, 'stray.csv'), trickyCsv(20_000, 3, { strayQuotes: true }));
    const config = writeConfig(sub, `datasets:\n  - name: stray\n    source: stray.csv\n    csv: {on_bad_lines: skip}\n    checks:\n      completeness: {amount: 0.1}\n      uniqueness: {key_columns: [id], max_duplicate_rate: 0.05}\n`);
    const r = sameWithWorkers(config, 50_000);
    assert.match(r.stderr, /stray data: (one pass after all|one pass: the data does not split)/);
  });

  it('several files in partition folders, one of them split', () => {
    const sub = path.join(dir, 'multi');
    for (const [day, rows] of [['2026-11-25', 200], ['2026-11-26', 30_000], ['2026-11-27', 500]] as const) {
      mkdirSync(path.join(sub, 'data', `day=${day}`), { recursive: true });
      writeFileSync(path.join(sub, 'data', `day=${day}`, 'part-0.csv'), trickyCsv(rows, rows, { clean: true }));
    }
    writeFileSync(path.join(sub, 'data', 'day=2026-11-27', 'part-1.csv'), 'id,amount,day\n1,2.5,x\n');
    const config = writeConfig(sub, `datasets:\n  - name: multi\n    source: data\n    csv: {on_bad_lines: warn}\n    checks:\n      completeness: {amount: 0.1, note: 0.9, day: 0}\n      uniqueness: {key_columns: [id, day], max_duplicate_rate: 0.05}\n      freshness: {timestamp_column: ts, max_age_hours: 72}\n`);
    const r = sameWithWorkers(config, 500_000);
    assert.ok(parts(r.stderr, 'multi') >= 3, r.stderr);
    assert.ok(r.report.datasets[0].rows > 30_000);
  });

  it('Parquet with many row groups', () => {
    const sub = path.join(dir, 'pq');
    mkdirSync(sub);
    const n = 50_000;
    const rng = seeded(9);
    const id: bigint[] = [];
    const amount: (number | null)[] = [];
    const ts: Date[] = [];
    const category: (string | null)[] = [];
    for (let i = 0; i < n; i++) {
      id.push(BigInt(rng() < 0.01 ? Math.floor(rng() * (i + 1)) : i));
      amount.push(rng() < 0.05 ? null : Math.round(Math.exp(rng() * 5) * 100) / 100);
      ts.push(new Date(Date.parse('2026-11-20T00:00:00Z') + Math.floor(rng() * 7 * 86_400_000)));
      category.push(rng() < 0.1 ? null : String.fromCharCode(97 + Math.floor(rng() * 12)));
    }
    parquetWriteFile({
      filename: path.join(sub, 'cur.parquet'),
      columnData: [
        { name: 'id', data: id, type: 'INT64' },
        { name: 'amount', data: amount, type: 'DOUBLE' },
        { name: 'ts', data: ts, type: 'TIMESTAMP' },
        { name: 'category', data: category, type: 'STRING' },
      ],
      rowGroupSize: 2_000,
    });
    parquetWriteFile({ filename: path.join(sub, 'ref.parquet'), columnData: [{ name: 'amount', data: amount.slice(0, 5_000).map((a) => (a === null ? null : a * 1.01)), type: 'DOUBLE' }], rowGroupSize: 1000 });
    const config = writeConfig(sub, `datasets:\n  - name: pq\n    source: cur.parquet\n    reference: ref.parquet\n    checks:\n      completeness: {amount: 0.1, category: 0.2}\n      uniqueness: {key_columns: [id], max_duplicate_rate: 0.05}\n      drift: {columns: [amount], threshold: 0.05}\n      freshness: {timestamp_column: ts, max_age_hours: 72}\n`);
    const r = sameWithWorkers(config, 200_000);
    assert.ok(parts(r.stderr, 'pq') >= 4, r.stderr);
    assert.equal(r.report.datasets[0].rows, n);
  });

  it('every oracle case', () => {
    const cases = path.join(ROOT, 'test', 'data', 'oracle-cases');
    for (const name of readdirSync(cases, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
      const { now } = JSON.parse(readFileSync(path.join(cases, name, 'expected.json'), 'utf8')) as { now: string };
      const config = path.join(cases, name, 'quality.yaml');
      const one = dqc(['check', '--config', config, '--format', 'json', '--now', now, '--workers', '1']);
      const four = dqc(['check', '--config', config, '--format', 'json', '--now', now, '--workers', '4'], {
        env: { DQC_SPLIT_MIN_BYTES: '1', DQC_SPLIT_PART_BYTES: '20000', DQC_PARALLEL_LOG: '1' },
      });
      assert.ok(parts(four.stderr, name) >= 4, `${name}: ${four.stderr}`);
      assert.deepEqual(normalized(four.stdout), normalized(one.stdout), name);
      assert.equal(four.code, one.code, name);
    }
  });

  it('--workers and DQC_WORKERS must be whole numbers', () => {
    const config = writeConfig(dir, `datasets:\n  - name: big\n    source: big.csv\n    checks:\n      completeness: {amount: 1}\n`);
    const r = dqc(['check', '--config', config, '--workers', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--workers must be a whole number from 1 to 256, got "0"/);
    const e = dqc(['check', '--config', config], { env: { DQC_WORKERS: 'two' } });
    assert.equal(e.code, 2);
    assert.match(e.stderr, /DQC_WORKERS must be a whole number/);
  });
});
