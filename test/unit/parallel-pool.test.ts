/**
 * The worker pool never hangs: crashed, failing and exiting workers fail their task with
 * an internal error naming it. And a whole run through runSuite with workers (from source,
 * under tsx) gives the one pass's results and forwards progress to the observer.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { DatasetConfig, SuiteConfig } from '../../src/config/types.ts';
import { WorkerPool, workerEntry } from '../../src/parallel/pool.ts';
import { ParallelScanner } from '../../src/parallel/scan.ts';
import type { Reply, ScanTask } from '../../src/parallel/protocol.ts';
import { runSuite, type SuiteResult } from '../../src/run.ts';
import { tempDir } from '../helpers.ts';

/** A task the stand-in workers below understand: they only look at its slot. */
const task = (slot: number) => ({ kind: 'scan', slot }) as unknown as ScanTask;

function failed(reply: Reply): string {
  assert.equal(reply.kind, 'failed');
  return reply.kind === 'failed' ? reply.error.message : '';
}

describe('parallel: worker pool', () => {
  it('runs tasks on workers and returns their replies', async () => {
    const echo = `const { parentPort } = require('node:worker_threads');
      parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, reply: { kind: 'scanned', rows: m.task.slot, states: {}, seconds: 0 } }));`;
    const pool = new WorkerPool(2, { script: echo, eval: true });
    try {
      const replies = await Promise.all([1, 2, 3, 4, 5].map((slot) => pool.run(task(slot), `task ${slot}`)));
      assert.deepEqual(replies.map((r) => (r.kind === 'scanned' ? r.rows : -1)), [1, 2, 3, 4, 5]);
    } finally {
      await pool.close();
    }
  });

  it('a worker that exits fails its task, naming it; the others go on', async () => {
    const flaky = `const { parentPort } = require('node:worker_threads');
      parentPort.on('message', (m) => {
        if (m.task.slot === 2) process.exit(7);
        parentPort.postMessage({ id: m.id, reply: { kind: 'scanned', rows: 0, states: {}, seconds: 0 } });
      });`;
    const pool = new WorkerPool(2, { script: flaky, eval: true });
    try {
      const replies = await Promise.all([1, 2, 3].map((slot) => pool.run(task(slot), `part ${slot}`)));
      assert.equal(replies[0].kind, 'scanned');
      assert.match(failed(replies[1]), /the worker reading part 2 exited \(code 7\)/);
      assert.equal(replies[2].kind, 'scanned');
    } finally {
      await pool.close();
    }
  });

  it('an uncaught error in a worker fails its task', async () => {
    const thrower = `const { parentPort } = require('node:worker_threads');
      parentPort.on('message', () => { throw new RangeError('kaboom'); });`;
    const pool = new WorkerPool(1, { script: thrower, eval: true });
    try {
      assert.match(failed(await pool.run(task(0), 'big.csv (bytes 0-9)')), /the worker reading big\.csv \(bytes 0-9\) threw RangeError: kaboom/);
    } finally {
      await pool.close();
    }
  });

  it('workers that cannot start fail every task instead of looping', async () => {
    const pool = new WorkerPool(2, { script: 'throw new Error("no start")', eval: true });
    try {
      const replies = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((slot) => pool.run(task(slot), `part ${slot}`)));
      for (const r of replies) assert.match(failed(r), /part \d/);
    } finally {
      await pool.close();
    }
  });

  it('closing fails the tasks running and queued', async () => {
    const silent = `require('node:worker_threads').parentPort.on('message', () => {});`;
    const pool = new WorkerPool(1, { script: silent, eval: true });
    const first = pool.run(task(0), 'first');
    const second = pool.run(task(1), 'second');
    await pool.close();
    assert.match(failed(await second), /closed before second/);
    assert.match(failed(await first), /closed while first/);
  });

  it('counts the tasks waiting and the workers free; a task marked first runs before those waiting', async () => {
    const echo = `const { parentPort } = require('node:worker_threads');
      parentPort.on('message', (m) => setTimeout(() => parentPort.postMessage({ id: m.id, reply: { kind: 'scanned', rows: m.task.slot, states: {}, seconds: 0 } }), 20));`;
    const pool = new WorkerPool(1, { script: echo, eval: true });
    try {
      const order: number[] = [];
      const run = (slot: number, first = false) => pool.run(task(slot), `task ${slot}`, undefined, undefined, first).then((r) => order.push(r.kind === 'scanned' ? r.rows : -1));
      const all = [run(1), run(2), run(3)];
      assert.equal(pool.waiting, 2);
      assert.equal(pool.idle, 0, 'its one worker runs task 1');
      all.push(run(4, true));
      assert.equal(pool.waiting, 3);
      await Promise.all(all);
      assert.deepEqual(order, [1, 4, 2, 3]);
      assert.equal(pool.waiting, 0);
      assert.equal(pool.idle, 1);
    } finally {
      await pool.close();
    }
  });

  it('finds the worker module from source, behind tsx', () => {
    const entry = workerEntry();
    assert.ok(entry && entry.eval && String(entry.script).includes('worker.ts'));
  });
});

describe('parallel: runSuite with workers (from source)', () => {
  it('same results as one pass, and progress reaches the observer', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'd.csv');
    let text = 'id,amount,ts\n';
    for (let i = 0; i < 20_000; i++) text += `${i % 19_000},${i % 10 === 0 ? '' : i / 8},"2026-11-${String(1 + (i % 27)).padStart(2, '0')}T00:00:00Z"\r\n`;
    writeFileSync(file, text);
    const ds: DatasetConfig = {
      name: 'd',
      source: file,
      csv: { onBadLines: 'warn', encoding: 'utf-8' },
      path: ['datasets', 0],
      checks: [
        { type: 'completeness', severity: 'error', path: [], columns: [{ column: 'amount', maxNullRate: 0.2, path: [] }] },
        { type: 'uniqueness', severity: 'error', path: [], keyColumns: ['id'], maxDuplicateRate: 0.1, exact: false },
        { type: 'drift', severity: 'error', path: [], columns: ['amount'], threshold: 0.05, method: 'ks', reference: file },
        { type: 'freshness', severity: 'error', path: [], timestampColumn: 'ts', maxAgeHours: 48, timezone: 'UTC', unit: 'auto' },
      ],
    };
    const config: SuiteConfig = { file: 'q.yaml', datasets: [ds], locate: () => undefined };
    const now = Date.parse('2026-11-28T00:00:00Z');
    const strip = (r: SuiteResult) => JSON.stringify(r, (k, v) => (k === 'duration_seconds' ? undefined : v));
    const one = await runSuite(config, { now });
    let rows = 0;
    let bytes = 0;
    const log: string[] = [];
    const split = await runSuite(config, {
      now,
      parallel: { workers: 2, minSplitBytes: 1, partBytes: 100_000, log: (l) => log.push(l) },
      observer: {
        batch: (_d, role, b) => {
          if (role !== 'data') return;
          rows += b.rows;
          bytes = b.origin.bytesRead ?? bytes;
        },
      },
    });
    assert.equal(strip(split), strip(one));
    assert.ok(log.some((l) => /^d data: \d+ parts on 2 workers/.test(l)), log.join('\n'));
    assert.equal(rows, 20_000);
    assert.equal(bytes, Buffer.byteLength(text));
  });
});

describe('parallel: a part split while it is read (scripted pool)', () => {
  /** Runs ParallelScanner's parts against a pool whose replies the test sends, in the order it chooses. */
  function scripted() {
    interface Job {
      task: ScanTask;
      first: boolean;
      onProgress?: (r: Reply & { kind: 'progress' | 'split' }) => void;
      resolve: (r: Reply) => void;
    }
    const jobs: Job[] = [];
    const pool = {
      waiting: 0,
      idle: 1,
      run(task: ScanTask, _label: string, onProgress?: Job['onProgress'], _note?: unknown, first = false): Promise<Reply> {
        return new Promise((resolve) => jobs.push({ task, first, onProgress, resolve }));
      },
    };
    const names = ['id', 'v'];
    const part = (start: number, end: number | undefined) => ({
      pieces: [{ file: 'f.csv', format: 'csv' as const, partitions: [], csv: { start, end, firstLine: start === 0 ? 1 : undefined, names, delimiter: 44 } }],
      continues: start > 0,
      label: `f.csv (bytes ${start}-${end})`,
    });
    const parts = [part(0, 1000), part(1000, 2000), part(2000, undefined)];
    const scanner = new ParallelScanner({ workers: 3, minSplitBytes: 4 });
    const input = {
      dataset: { name: 'd' },
      role: 'data',
      spec: 'f.csv',
      files: [{ path: 'f.csv', bytes: 3000 }],
      options: {},
      source: { description: 'f.csv' },
      accumulators: [],
      inputs: {},
      progress: () => undefined,
    };
    const run = (scanner as unknown as { runParts(pool: unknown, input: unknown, parts: unknown): Promise<unknown> })
      .runParts(pool, input, parts)
      .then((ok) => ({ ok }), (err: Error) => ({ err: err.message }));
    return { jobs, parts, run };
  }
  const tick = () => new Promise((r) => setImmediate(r));
  const scanned = (rows: number, lines: number): Reply => ({ kind: 'scanned', rows, lines, states: {}, bytes: 0, seconds: 0 });
  const failure = (line: number): Reply => ({ kind: 'failed', error: { kind: 'dqc', name: 'DataError', message: `f.csv line ${line}: expected 2 fields, got 3`, file: 'f.csv', line } });

  it('a part that fails once and reads when it is read again (a read error that passed): one pass instead', async () => {
    const { jobs, run } = scripted();
    await tick();
    const [a, b, c] = jobs;
    b.resolve(failure(7));
    a.resolve(scanned(100, 100));
    c.resolve({ kind: 'failed', error: { kind: 'cancelled', name: 'Cancelled', message: 'cancelled' } });
    await tick();
    const again = jobs.find((j) => j.first);
    assert.equal(again?.task.pieces[0].csv?.firstLine, 101);
    again!.resolve(scanned(90, 90));
    // Its lines were counted from its true first line this time, and the part after it was
    // cancelled: nothing of the parts can be merged, so the scan is read in one pass.
    assert.deepEqual(await run, { ok: undefined });
  });

  for (const order of ['split, then a later part fails', 'a later part fails, then the split arrives'] as const) {
    it(`${order}: the split-off part is read, and the failure is re-read from its true first line`, async () => {
      const { jobs, parts, run } = scripted();
      await tick();
      const [a, b, c] = jobs;
      c.resolve(scanned(100, 100)); // nothing waits: the part with the most left (a) is asked to split
      await tick();
      assert.equal(Atomics.load(a.task.steal!, a.task.slot), 1);
      if (order === 'split, then a later part fails') {
        a.onProgress!({ kind: 'split', at: 500, end: 1000 });
        await tick();
        b.resolve(failure(7));
      } else {
        b.resolve(failure(7));
        await tick();
        a.onProgress!({ kind: 'split', at: 500, end: 1000 }); // a had already moved its end to 500
      }
      await tick();
      a.resolve(scanned(50, 50)); // bytes 0-500: 50 lines
      await tick();
      const tail = jobs.find((j) => j.task.pieces[0].csv?.start === 500 && !j.first);
      assert.ok(tail, 'bytes 500-1000 are read by a part of their own');
      assert.deepEqual(parts.map((p) => p.label), ['f.csv (bytes 0-500)', 'f.csv (bytes 500-1000)', 'f.csv (bytes 1000-2000)', 'f.csv (bytes 2000-undefined)']);
      tail.resolve(scanned(40, 50));
      await tick();
      const again = jobs.find((j) => j.first);
      assert.equal(again?.task.pieces[0].csv?.firstLine, 101, 'after the 50 + 50 lines of bytes 0-1000');
      again!.resolve(failure(107));
      assert.deepEqual(await run, { err: 'f.csv line 107: expected 2 fields, got 3' });
    });
  }
});
