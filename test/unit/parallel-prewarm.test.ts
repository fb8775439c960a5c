/**
 * Workers started before the config loads: which sources the config names (a glance at
 * its `source:` lines), and that only a file large enough to split starts them. End to
 * end, a config error with workers already started still exits at once with its message.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { likelySources, prewarm } from '../../src/parallel/prewarm.ts';
import type { ParallelSettings } from '../../src/parallel/settings.ts';
import { dqc, tempDir } from '../helpers.ts';

describe('parallel: workers started before the config loads', () => {
  const dir = tempDir('dqc-prewarm-');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'quality.yaml');
  writeFileSync(
    config,
    [
      'datasets:',
      '  - name: a',
      '    source: data/a.csv   # relative to this file',
      '  - name: b',
      '    source: "/abs/b.parquet"',
      "  - source: 'c d.csv'",
      '    name: c',
      '    reference: ref.csv',
      '#   source: commented.csv',
      '  - {name: d, source: flow.csv}',
      '',
    ].join('\n'),
  );

  it("finds the config's source lines, quoted or not, relative to its folder", () => {
    assert.deepEqual(likelySources(config, undefined), [path.join(dir, 'data/a.csv'), '/abs/b.parquet', path.join(dir, 'c d.csv')]);
  });

  it('the DATA argument replaces them; an unreadable or oversized config gives none', () => {
    assert.deepEqual(likelySources(config, 'other.csv'), ['other.csv']);
    assert.deepEqual(likelySources(path.join(dir, 'missing.yaml'), undefined), []);
    const big = path.join(dir, 'data-not-config.csv');
    writeFileSync(big, 'source: x.csv\n' + 'a,b\n'.repeat(400_000));
    assert.deepEqual(likelySources(big, undefined), [], 'a data file given as the config is not read');
  });

  it('starts workers only for a plain file of at least the split size, with two or more workers', async () => {
    const file = path.join(dir, 'big.csv');
    writeFileSync(file, 'x\n'.repeat(5000));
    const settings: ParallelSettings = { workers: 2, minSplitBytes: 10_000 };
    assert.equal(await prewarm({ ...settings, minSplitBytes: 20_000 }, [file]), undefined, 'too small');
    assert.equal(await prewarm({ ...settings, workers: 1 }, [file]), undefined, 'one worker');
    assert.equal(await prewarm(settings, [dir, path.join(dir, 'nope.csv')]), undefined, 'a folder and a missing file');
    const scanner = await prewarm(settings, [path.join(dir, 'nope.csv'), file]);
    assert.ok(scanner, 'a large file starts them');
    await scanner.close();
  });

  it('a config error with workers started: exit 2 with the message, and the workers are closed', () => {
    const sub = tempDir('dqc-prewarm-cli-');
    try {
      writeFileSync(path.join(sub, 'big.csv'), 'id,v\n' + '1,2\n'.repeat(50_000));
      writeFileSync(path.join(sub, 'quality.yaml'), 'datasets:\n  - name: big\n    source: big.csv\n    checks:\n      completeness: {v: 0.1\n');
      const r = dqc(['check', '--config', path.join(sub, 'quality.yaml')], { env: { DQC_SPLIT_MIN_BYTES: '1000', DQC_WORKERS: '2' } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /quality\.yaml/);
    } finally {
      rmSync(sub, { recursive: true, force: true });
    }
  });
});
