/**
 * bin/dqc's code cache, in a copy of the built package: written when there is none, used
 * (not rewritten) when V8 accepts it, replaced when V8 refuses it, never written with
 * DQC_CODE_CACHE=0 or after a reader changed V8's flags; the report is the same each time.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { ROOT, scratch, tempDir } from '../helpers.ts';

describe('code cache', () => {
  let pkg: string;
  let bundle: string;
  let data: string;
  before(() => {
    pkg = tempDir('dqc-package-');
    bundle = path.join(pkg, 'dist', 'bundle');
    mkdirSync(path.join(pkg, 'bin'));
    mkdirSync(bundle, { recursive: true });
    copyFileSync(path.join(ROOT, 'bin', 'dqc'), path.join(pkg, 'bin', 'dqc'));
    copyFileSync(path.join(ROOT, 'bin', 'package.json'), path.join(pkg, 'bin', 'package.json'));
    copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
    copyFileSync(path.join(ROOT, 'dist', 'bundle', 'main.cjs'), path.join(bundle, 'main.cjs'));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
    data = scratch({
      'orders.csv': 'id,amount\n1,10\n2,\n3,12\n3,13\n',
      'quality.yaml': 'datasets:\n  - name: orders\n    source: orders.csv\n    checks:\n      completeness: {amount: 0.5}\n      uniqueness: {key_columns: [id]}\n',
      'parquet.yaml': `datasets:\n  - name: p\n    source: ${JSON.stringify(path.join(ROOT, 'fixtures', 'transactions.parquet'))}\n    checks:\n      completeness: {amount: 0.5}\n`,
    });
  });

  const run = (config = 'quality.yaml', env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [path.join(pkg, 'bin', 'dqc'), 'check', '-c', path.join(data, config), '--format', 'json'], {
      encoding: 'utf8',
      env: { ...process.env, ...env, DQC_CODE_CACHE: env.DQC_CODE_CACHE ?? '' },
    });
    assert.equal(r.stderr, '');
    // The report without its times, which differ from run to run.
    const report = JSON.parse(r.stdout, (key, value) => (key === 'duration_seconds' || key === 'now' ? undefined : value)) as { datasets: { rows: number }[] };
    return { code: r.status, report };
  };
  const caches = () => readdirSync(bundle).filter((f) => f.endsWith('.cache'));
  const clear = () => {
    for (const f of caches()) rmSync(path.join(bundle, f));
  };

  it('is written by the first run, then used as it is, and replaced when V8 refuses it', () => {
    clear();
    const first = run();
    assert.equal(first.code, 1, 'a duplicate id fails uniqueness');
    assert.equal(first.report.datasets[0].rows, 4);
    const names = caches();
    assert.equal(names.length, 1);
    assert.match(names[0], /^main\.cjs\.[0-9a-f]{16}\.cache$/);
    const file = path.join(bundle, names[0]);
    assert.ok(statSync(file).size > 100_000);

    // Accepted: not written again (its time stays where it was put).
    const old = new Date('2020-01-01T00:00:00Z');
    utimesSync(file, old, old);
    const second = run();
    assert.deepEqual(second, first);
    assert.equal(statSync(file).mtime.getTime(), old.getTime());

    // Refused (not a cache at all): compiled as usual, and a good one takes its place.
    writeFileSync(file, 'not a code cache');
    assert.deepEqual(run(), first);
    assert.ok(statSync(file).size > 100_000);
    assert.notEqual(readFileSync(file, 'latin1').slice(0, 16), 'not a code cache');
  });

  it('is made anew for a changed script and for a moved package, and is only written by a check that ran', () => {
    clear();
    const first = run();
    const [original] = caches();
    // Rebuilt: another script (here a comment more) never meets the old cache.
    const script = path.join(bundle, 'main.cjs');
    const saved = readFileSync(script);
    try {
      writeFileSync(script, Buffer.concat([saved, Buffer.from('\n// rebuilt\n')]));
      assert.deepEqual(run(), first);
      assert.equal(caches().length, 2);
      assert.ok(caches().includes(original));
    } finally {
      writeFileSync(script, saved);
    }
    // Moved: V8 keeps the path a cache was made at (for stack traces), so it is part of the name.
    const moved = tempDir('dqc-package-moved-');
    mkdirSync(path.join(moved, 'bin'));
    mkdirSync(path.join(moved, 'dist', 'bundle'), { recursive: true });
    for (const f of ['bin/dqc', 'bin/package.json', 'package.json', 'dist/bundle/main.cjs', `dist/bundle/${original}`]) copyFileSync(path.join(pkg, f), path.join(moved, f));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(moved, 'node_modules'));
    const r = spawnSync(process.execPath, [path.join(moved, 'bin', 'dqc'), 'check', '-c', path.join(data, 'quality.yaml'), '--format', 'json'], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(readdirSync(path.join(moved, 'dist', 'bundle')).filter((f) => f.endsWith('.cache')).length, 2);

    // Help, or a check stopped by a usage error, compiles little: a cache from it would stay thin.
    clear();
    for (const argv of [['--help'], ['check', '--help'], ['check', '-c', path.join(data, 'missing.yaml')]]) {
      spawnSync(process.execPath, [path.join(pkg, 'bin', 'dqc'), ...argv], { encoding: 'utf8' });
      assert.deepEqual(caches(), [], argv.join(' '));
    }
  });

  it('is not written with DQC_CODE_CACHE=0, nor after the Parquet reader changed V8 flags', () => {
    clear();
    const off = run('quality.yaml', { DQC_CODE_CACHE: '0' });
    assert.equal(off.report.datasets[0].rows, 4);
    assert.deepEqual(caches(), []);
    const parquet = run('parquet.yaml');
    assert.ok(parquet.report.datasets[0].rows > 0);
    assert.deepEqual(caches(), []);
  });
});
