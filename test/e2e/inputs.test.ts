import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { parquetWriteFile } from 'hyparquet-writer';
import { BIN, dqc, tempDir } from '../helpers.ts';

function runJson(dir: string, yaml: string, args: string[] = []) {
  writeFileSync(path.join(dir, 'q.yaml'), yaml);
  const r = dqc(['check', '--config', path.join(dir, 'q.yaml'), '--format', 'json', '--now', '2026-11-28T00:00:00Z', ...args]);
  assert.ok(r.stdout.startsWith('{'), `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return { code: r.code, stderr: r.stderr, report: JSON.parse(r.stdout) };
}

function write(dir: string, rel: string, content: string | Uint8Array): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), content);
}

describe('input layouts', () => {
  it('Hive partition folders: keys become columns, nested folders are read recursively', () => {
    const dir = tempDir();
    write(dir, 'sales/date=2026-11-26/region=eu/part-0.csv', 'id,amount\n1,1.5\n2,\n');
    write(dir, 'sales/date=2026-11-27/region=us/part-0.csv', 'id,amount\n3,2.5\n');
    write(dir, 'sales/date=2026-11-27/region=__HIVE_DEFAULT_PARTITION__/part-0.csv', 'id,amount\n4,3.5\n');
    write(dir, 'sales/_SUCCESS', '');
    const { code, report } = runJson(
      dir,
      'datasets:\n  - name: s\n    source: sales\n    checks:\n      completeness: {amount: 0.5, region: 0.5}\n      freshness: {timestamp_column: date, max_age_hours: 48}\n',
    );
    const ds = report.datasets[0];
    assert.equal(ds.rows, 4);
    assert.equal(ds.checks[0].value, 0.25);
    assert.equal(ds.checks[1].value, 0.25, 'the default partition is null');
    assert.equal(ds.checks[2].details.newest_timestamp, '2026-11-27T00:00:00.000Z');
    assert.equal(code, 0);
  });

  it('a glob over partitions also yields the partition columns', () => {
    const dir = tempDir();
    write(dir, 'out/day=1/a.csv', 'x\n1\n');
    write(dir, 'out/day=2/a.csv', 'x\n2\n');
    const { report } = runJson(dir, 'datasets:\n  - name: s\n    source: "out/*/a.csv"\n    checks:\n      uniqueness: {key_columns: [day]}\n');
    assert.equal(report.datasets[0].checks[0].details.distinct_keys, 2);
  });

  it('files with the same columns in another order are unioned by name; missing columns read as null', () => {
    const dir = tempDir();
    write(dir, 'd/a.csv', 'id,amount,note\n1,1.0,x\n');
    write(dir, 'd/b.csv', 'amount,id\n,2\n3.0,3\n');
    const { report } = runJson(dir, 'datasets:\n  - name: s\n    source: d\n    checks:\n      completeness: {amount: 1, note: 1}\n      uniqueness: {key_columns: [id]}\n');
    const [amount, note, uniq] = report.datasets[0].checks;
    assert.equal(report.datasets[0].rows, 3);
    assert.equal(amount.details.null_count, 1);
    assert.equal(note.details.null_count, 2);
    assert.equal(uniq.details.distinct_keys, 3);
  });

  it('malformed rows left out of several files are counted together', () => {
    const dir = tempDir();
    write(dir, 'd/date=1/a.csv', 'id,amount\n1,1.0\n2,2.0,extra\n');
    write(dir, 'd/date=2/b.csv', 'id,amount\n3\n4,4.0\n');
    const { code, report } = runJson(dir, 'datasets:\n  - name: s\n    source: d\n    csv: {on_bad_lines: warn}\n    checks:\n      completeness: {amount: 1}\n');
    assert.equal(code, 0);
    assert.equal(report.datasets[0].rows, 2);
    assert.deepEqual(report.datasets[0].bad_lines, { count: 2, lines: [3] });
  });

  it('a type conflict between files is a clear data error', () => {
    const dir = tempDir();
    const schema = (type: 'DOUBLE' | 'BYTE_ARRAY') => [
      { name: 'root', num_children: 1 },
      { name: 'amount', type, repetition_type: 'OPTIONAL' as const, ...(type === 'BYTE_ARRAY' ? { converted_type: 'UTF8' as const } : {}) },
    ];
    mkdirSync(path.join(dir, 'p'));
    parquetWriteFile({ filename: path.join(dir, 'p', 'a.parquet'), schema: schema('DOUBLE'), columnData: [{ name: 'amount', data: [1.5, 2.5] }] });
    parquetWriteFile({ filename: path.join(dir, 'p', 'b.parquet'), schema: schema('BYTE_ARRAY'), columnData: [{ name: 'amount', data: ['x', 'y'] }] });
    const { code, report } = runJson(dir, 'datasets:\n  - name: s\n    source: p\n    checks:\n      completeness: {amount: 1}\n');
    assert.equal(code, 3);
    assert.match(report.datasets[0].error.message, /column "amount" is string in .*b\.parquet but float in .*a\.parquet/);
  });

  it('Arrow IPC files and streams', () => {
    const dir = tempDir();
    const table = tableFromArrays({ id: Int32Array.from([1, 2, 2]), amount: Float64Array.from([1.5, NaN, 3]) });
    write(dir, 't.arrow', tableToIPC(table, 'file'));
    write(dir, 't.arrows', tableToIPC(table, 'stream'));
    for (const file of ['t.arrow', 't.arrows']) {
      const { report } = runJson(dir, `datasets:\n  - name: s\n    source: ${file}\n    checks:\n      completeness: {amount: 1}\n      uniqueness: {key_columns: [id], max_duplicate_rate: 1}\n`);
      const [nulls, uniq] = report.datasets[0].checks;
      assert.equal(nulls.details.null_count, 1, 'NaN is missing, as pandas counts it');
      assert.equal(uniq.details.distinct_keys, 2);
      assert.equal(report.datasets[0].columns.id, 'integer');
    }
    write(dir, 'bad.arrow', Buffer.from('ARROW1\0\0garbage garbage garbage'));
    const { code, report } = runJson(dir, 'datasets:\n  - name: s\n    source: bad.arrow\n    checks:\n      completeness: {amount: 1}\n');
    assert.equal(code, 3);
    assert.match(report.datasets[0].error.message, /bad\.arrow/);
  });

  it('JSON Lines, with a bad line named by number', () => {
    const dir = tempDir();
    write(dir, 'e.jsonl', '{"id": 1, "ts": "2026-11-27T10:00:00Z", "v": 1.5}\n\n{"id": 2, "ts": "2026-11-27T11:00:00Z"}\n{"id": 2, "v": null, "extra": {"a": 1}}\n');
    const { report } = runJson(dir, 'datasets:\n  - name: s\n    source: e.jsonl\n    checks:\n      completeness: {v: 1}\n      uniqueness: {key_columns: [id], max_duplicate_rate: 1}\n      freshness: {timestamp_column: ts, max_age_hours: 24}\n');
    const [v, uniq, fresh] = report.datasets[0].checks;
    assert.equal(report.datasets[0].rows, 3);
    assert.equal(v.details.null_count, 2);
    assert.equal(uniq.details.distinct_keys, 2);
    assert.equal(fresh.details.newest_timestamp, '2026-11-27T11:00:00.000Z');
    write(dir, 'bad.jsonl', '{"id": 1}\n{"id": \n');
    const bad = runJson(dir, 'datasets:\n  - name: s\n    source: bad.jsonl\n    checks:\n      completeness: {id: 1}\n');
    assert.equal(bad.code, 3);
    assert.match(bad.report.datasets[0].error.message, /bad\.jsonl line 2: not valid JSON/);
  });
});

describe('a named pipe as the source', { skip: spawnSync('mkfifo', ['--version']).status !== 0 && 'needs mkfifo' }, () => {
  it('is read once, header and rows together (it cannot be reopened)', async () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'in.csv');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    writeFileSync(path.join(dir, 'q.yaml'), 'datasets:\n  - name: p\n    source: in.csv\n    checks:\n      completeness: {v: 0.5}\n');
    const child = spawn(process.execPath, [BIN, 'check', '--config', path.join(dir, 'q.yaml'), '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    const w = createWriteStream(fifo);
    w.write('id,v\n');
    for (let i = 0; i < 20_000; i++) w.write(`${i},${i % 4 === 0 ? '' : i}\n`);
    await new Promise<void>((r) => w.end(r));
    assert.equal(await done, 0, out);
    const ds = JSON.parse(out).datasets[0];
    assert.equal(ds.rows, 20_000);
    assert.equal(ds.checks[0].value, 0.25);
  });
});
