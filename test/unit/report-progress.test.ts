import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ColumnBatch } from '../../src/batch.ts';
import { Terminal, wantsProgress } from '../../src/cli/progress.ts';
import { parseConfig } from '../../src/config/load.ts';
import { runSuite } from '../../src/run.ts';
import { tempDir } from '../helpers.ts';

function fakeStream(columns = 100): { write(s: string): boolean; columns: number; text: string } {
  return {
    columns,
    text: '',
    write(s: string) {
      this.text += s;
      return true;
    },
  };
}

function batch(file: string, rows: number, bytesRead?: number): ColumnBatch {
  return { rows, columns: new Map(), origin: { file, rowStart: 0, bytesRead } };
}

describe('progress bar', () => {
  it('shows bytes read of the total, rows, rows/s and ETA, redrawn at most every 100 ms', () => {
    let now = 0;
    const out = fakeStream();
    const t = new Terminal({ progress: true, verbose: false, stream: out, clock: () => now });
    t.observer.scanStart!('sales', 'data', [{ path: 'a.csv', bytes: 4_000_000 }, { path: 'b.csv', bytes: 6_000_000 }]);
    now = 100;
    t.observer.batch!('sales', 'data', batch('a.csv', 50_000, 1_000_000));
    assert.equal(out.text.length, 0, 'nothing in the first 250 ms');
    now = 500;
    t.observer.batch!('sales', 'data', batch('a.csv', 50_000, 2_500_000));
    assert.equal(out.text, '\rsales data [██████░░░░░░░░░░░░░░░░░░] 25% 2.50/10.0 MB · 100k rows · 200k rows/s · ETA 2s\x1b[K');
    now = 550;
    t.observer.batch!('sales', 'data', batch('a.csv', 50_000, 3_000_000));
    assert.equal(out.text.split('\r').length - 1, 1, 'not redrawn within 100 ms');
    now = 1000;
    // The next file: the first one counts whole; a batch without bytesRead (Parquet) adds nothing yet.
    t.observer.batch!('sales', 'data', batch('b.csv', 50_000));
    assert.match(out.text, /\rsales data \[[█░]+\] 40% 4\.00\/10\.0 MB · 200k rows · 200k rows\/s · ETA 2s\x1b\[K$/);
    t.stop();
    assert.ok(out.text.endsWith('\r\x1b[K'), 'cleared');
    const frames = out.text.length;
    t.stop();
    assert.equal(out.text.length, frames, 'clearing twice writes nothing');
  });

  it('without a known size shows rows and rows/s only, and fits a narrow terminal', () => {
    let now = 0;
    const out = fakeStream(60);
    const t = new Terminal({ progress: true, verbose: false, stream: out, clock: () => now });
    t.observer.scanStart!('sales', 'data', [{ path: '-' }]);
    now = 1000;
    t.observer.batch!('sales', 'data', batch('stdin', 12_345, 999));
    assert.equal(out.text, '\rsales data · 12.3k rows · 12.3k rows/s\x1b[K');
    const narrow = fakeStream(60);
    const t2 = new Terminal({ progress: true, verbose: false, stream: narrow, clock: () => now });
    now = 0;
    t2.observer.scanStart!('a_rather_long_dataset_name', 'reference', [{ path: 'a', bytes: 1e9 }]);
    now = 2000;
    t2.observer.batch!('a_rather_long_dataset_name', 'reference', batch('a', 1e6, 5e8));
    const line = narrow.text.slice(1, -3);
    assert.ok(line.length < 60, line);
    assert.ok(!line.includes('['), 'the bar gives way first');
  });

  it('is off when asked, and verbose lines clear the bar first', () => {
    let now = 0;
    const out = fakeStream();
    const t = new Terminal({ progress: true, verbose: true, stream: out, clock: () => now });
    t.observer.scanStart!('s', 'data', [{ path: 'a', bytes: 100 }]);
    now = 300;
    t.observer.batch!('s', 'data', batch('a', 10, 50));
    t.observer.scanEnd!('s', 'data', { rows: 10, files: 1, bytes: 100, seconds: 0.5 });
    assert.match(out.text, /\x1b\[K\r\x1b\[Kdqc: s: read data: 10 rows, 1 file, 0\.00 MB in 0\.50 s \(20 rows\/s, 0\.0 MB\/s\)\n$/);
    const off = fakeStream();
    const t2 = new Terminal({ progress: false, verbose: false, stream: off, clock: () => now });
    t2.observer.scanStart!('s', 'data', [{ path: 'a', bytes: 100 }]);
    now = 5000;
    t2.observer.batch!('s', 'data', batch('a', 10, 50));
    t2.stop();
    assert.equal(off.text, '');
  });

  it('is wanted only on a terminal, without --quiet or --no-progress', () => {
    const term = process.env.TERM;
    process.env.TERM = 'xterm-256color';
    try {
      assert.equal(wantsProgress({ isTTY: true }, {}), true);
      assert.equal(wantsProgress({ isTTY: false }, {}), false);
      assert.equal(wantsProgress({}, {}), false);
      assert.equal(wantsProgress({ isTTY: true }, { quiet: true }), false);
      assert.equal(wantsProgress({ isTTY: true }, { progress: false }), false);
      process.env.TERM = 'dumb';
      assert.equal(wantsProgress({ isTTY: true }, {}), false);
    } finally {
      if (term === undefined) delete process.env.TERM;
      else process.env.TERM = term;
    }
  });

  it('follows a real CSV scan through the run observer to 100%', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 300_000 }, (_, i) => `${i},${i % 10 === 0 ? '' : i / 3}`).join('\n');
    writeFileSync(path.join(dir, 'big.csv'), `id,v\n${rows}\n`);
    const config = parseConfig('datasets:\n  - name: big\n    source: big.csv\n    checks:\n      completeness: {v: 0.2}\n', path.join(dir, 'q.yaml'));
    const out = fakeStream(120);
    const t = new Terminal({ progress: true, verbose: false, stream: out, delay: 0, interval: 0 });
    const result = await runSuite(config, { now: Date.now(), observer: t.observer });
    t.stop();
    assert.equal(result.datasets[0].rows, 300_000);
    const frames = out.text.split('\r').filter((f) => f.startsWith('big data'));
    assert.ok(frames.length >= 3, `one frame per batch: ${frames.length}`);
    const percents = frames.map((f) => Number(/\] (\d+)%/.exec(f)![1]));
    for (let i = 1; i < percents.length; i++) assert.ok(percents[i] >= percents[i - 1], 'never goes back');
    assert.ok(percents.at(-1)! >= 90, `ends near 100%: ${percents.join(',')}`);
    assert.ok(t.checkSeconds.get(result.datasets[0].checks[0])! >= 0, 'check times are kept for reports');
  });
});
