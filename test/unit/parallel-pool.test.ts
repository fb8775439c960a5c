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
