/**
 * Accumulator states across threads: every accumulator's state() survives structured
 * clone (typed arrays transferred), and merging the states of parts in scan order gives
 * the one pass's result, first offenders and their rows included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Column, ColumnBatch } from '../../src/batch.ts';
import { NO_SHIFT, isShareable, type Accumulator, type Shareable } from '../../src/metrics/accumulator.ts';
import { DistinctKeys } from '../../src/metrics/distinct-keys.ts';
import { InferType } from '../../src/metrics/infer-type.ts';
import { ExactKeySet, KeySet, countDistinctRuns, type KeyRun } from '../../src/metrics/key-set.ts';
import { MaxTime } from '../../src/metrics/max-time.ts';
import { NullCount } from '../../src/metrics/null-count.ts';
import { NumericSample } from '../../src/metrics/numeric-sample.ts';
import { fromWire, toWire, transferables } from '../../src/parallel/protocol.ts';
import { DataError, UsageError } from '../../src/errors.ts';

type Acc = Accumulator<unknown> & Shareable;

/** Rows of a CSV file numbered from `rowStart` (0 in a part), on lines from `firstLine` (1 in a part after the first). */
function batch(columns: Record<string, Column>, rowStart: number, file = 'x.csv', firstLine = rowStart + 2): ColumnBatch {
  const rows = Object.values(columns)[0].values.length;
  const lines = Int32Array.from({ length: rows }, (_, i) => firstLine + i);
  return { rows, columns: new Map(Object.entries(columns)), origin: { file, rowStart, lines } };
}

/** A state as the main thread receives it: cloned, its buffers transferred. */
function ship(state: unknown): unknown {
  return structuredClone(state, { transfer: transferables(state) });
}

/**
 * One pass over `values` against parts cut at `cuts`: each part counts its rows from 0 and
 * its lines from 1 (as a CSV part after the first does), is shipped, and merged in order
 * with the rows and lines before it (the header is line 1 of the first part).
 */
function partsAgree(make: () => Acc, columns: Record<string, Column>, cuts: number[]): { whole: unknown; parts: unknown } {
  const n = Object.values(columns)[0].values.length;
  const slice = (from: number, to: number) =>
    Object.fromEntries(Object.entries(columns).map(([k, c]) => [k, { type: c.type, values: Array.from(c.values).slice(from, to) }]));
  const whole = make();
  whole.update(batch(columns, 0));
  const merged = make();
  const bounds = [0, ...cuts, n];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const part = make();
    if (bounds[k + 1] > bounds[k]) part.update(batch(slice(bounds[k], bounds[k + 1]), 0, 'x.csv', k === 0 ? 2 : 1));
    merged.mergeState(ship(part.state()), { rows: bounds[k], lines: k === 0 ? 0 : bounds[k] + 1 });
  }
  return { whole: whole.result(), parts: merged.result() };
}

const text = (...values: (string | null)[]): Column => ({ type: 'text', values });

describe('parallel: accumulator states', () => {
  it('every accumulator of the checks can move between threads', () => {
    const all: Accumulator<unknown>[] = [new NullCount('a'), new DistinctKeys(['a']), new DistinctKeys(['a'], true), new NumericSample('a'), new MaxTime('a', { timezone: 'UTC', unit: 'auto' }), new InferType('a')];
    for (const acc of all) {
      assert.ok(isShareable(acc), acc.key);
    }
  });

  it('NullCount, InferType', () => {
    const cols = { a: text('1', null, '2.5', '', null, 'x') };
    for (const cuts of [[], [0], [2], [1, 3, 5], [6]]) {
      const a = partsAgree(() => new NullCount('a'), cols, cuts);
      assert.deepEqual(a.parts, a.whole);
      const t = partsAgree(() => new InferType('a'), { a: text('1', null, '2', '3') }, cuts.filter((c) => c <= 4));
      assert.deepEqual(t.parts, t.whole);
    }
    const typed = partsAgree(() => new InferType('a'), { a: { type: 'integer', values: [1, 2] } }, [1]);
    assert.equal(typed.parts, 'integer');
  });

  it('NumericSample: values (adopted, then grown exactly), and the first non-number with its row', () => {
    const values = Array.from({ length: 3000 }, (_, i) => (i === 1700 || i === 2500 ? 'bad' + i : i % 7 === 0 ? null : String(i / 4)));
    for (const cuts of [[], [1], [1000], [1000, 1700, 1701], [2999]]) {
      const r = partsAgree(() => new NumericSample('a'), { a: text(...values) }, cuts);
      const sorted = (x: unknown) => {
        const s = x as { values: Float64Array };
        return { ...s, values: [...s.values].sort((p, q) => p - q) };
      };
      assert.deepEqual(sorted(r.parts), sorted(r.whole), `cuts ${cuts}`);
      assert.deepEqual((r.parts as { firstNonNumeric: unknown }).firstNonNumeric, { value: 'bad1700', line: 1702, row: 1700 });
    }
  });

  it('NumericSample keeps the first offender in scan order, not the lowest row of another file', () => {
    const merged = new NumericSample('a');
    const a = new NumericSample('a');
    a.update(batch({ a: text('1', '2', 'x') }, 0, 'a.csv'));
    const b = new NumericSample('a');
    b.update(batch({ a: text('y') }, 0, 'b.csv'));
    merged.mergeState(ship(a.state()), NO_SHIFT);
    merged.mergeState(ship(b.state()), NO_SHIFT);
    assert.equal(merged.result().firstNonNumeric?.value, 'x');
    assert.equal(merged.result().nonNumeric, 2);
  });

  it('MaxTime', () => {
    const values = ['2026-01-01T00:00:00Z', 'soon', null, '2026-03-01T00:00:00Z', 'later', '2026-02-01T00:00:00Z'];
    for (const cuts of [[], [1], [2], [4], [1, 2, 5]]) {
      const r = partsAgree(() => new MaxTime('a', { timezone: 'UTC', unit: 'auto' }), { a: text(...values) }, cuts);
      assert.deepEqual(r.parts, r.whole, `cuts ${cuts}`);
    }
  });

  it('DistinctKeys (hash and exact): the union of the parts', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => String(i % 3777));
    ids[10] = null as unknown as string;
    ids[4000] = null as unknown as string;
    for (const exact of [false, true]) {
      for (const cuts of [[], [1], [100], [2500], [10, 20, 4990]]) {
        const r = partsAgree(() => new DistinctKeys(['a'], exact), { a: text(...ids) }, cuts);
        assert.deepEqual(r.parts, r.whole, `exact ${exact}, cuts ${cuts}`);
        assert.deepEqual(r.whole, { rows: 5000, distinct: 3778 });
      }
    }
  });

  it('KeySet runs cross threads and count the union, zero hash included', () => {
    const small = new KeySet();
    const big = new KeySet();
    for (let i = 1; i <= 20; i++) small.add(i, i * 3);
    small.add(0, 0);
    for (let i = 10; i <= 5000; i++) big.add(i, i * 3);
    const expected = 5000 + 1;
    const runs = [ship(small.toRun()), ship(big.toRun())] as KeyRun[];
    assert.equal(countDistinctRuns(runs), expected);
    assert.equal(countDistinctRuns([...runs].reverse()), expected);
    const a = new KeySet();
    for (const run of runs) a.addRun(run);
    assert.equal(a.size, expected);
    a.add(6000, 1);
    a.add(6000, 1);
    assert.equal(a.size, expected + 1, 'still usable');
  });

  it('ExactKeySet adopts the Sets of the first part and adds the rest', () => {
    const a = new ExactKeySet();
    a.addKey(['x']);
    a.addKey(['y']);
    const b = new ExactKeySet();
    b.addKey(['y']);
    b.addKey(['z']);
    const m = new ExactKeySet();
    m.mergeState(structuredClone(a.toState()));
    m.mergeState(structuredClone(b.toState()));
    assert.equal(m.size, 3);
    const empty = new ExactKeySet();
    empty.mergeState(structuredClone(new ExactKeySet().toState()));
    assert.equal(empty.size, 0);
    assert.ok(empty.addKey(['q']));
  });

  it('states transfer their typed arrays instead of copying them', () => {
    const s = new NumericSample('a');
    s.update(batch({ a: text('1', '2') }, 0));
    const state = s.state() as { values: Float64Array };
    const list = transferables({ x: state, y: [new Uint32Array(4)], z: new Set([1]) });
    assert.equal(list.length, 2);
    const shipped = ship(state) as { values: Float64Array };
    assert.deepEqual([...shipped.values], [1, 2]);
    assert.equal(state.values.byteLength, 0, 'the sender no longer holds the buffer');
  });
});

describe('parallel: errors across threads', () => {
  it('a DataError comes back with its message, file, line and hint', () => {
    const e = fromWire(structuredClone(toWire(new DataError('x.csv line 3: expected 2 fields, got 3', { file: 'x.csv', line: 3, hint: 'fix it' }))), 'part');
    assert.ok(e instanceof DataError);
    assert.deepEqual([e.message, e.file, e.line, e.hint, e.exitCode, e.code], ['x.csv line 3: expected 2 fields, got 3', 'x.csv', 3, 'fix it', 3, 'E_DATA']);
    const u = fromWire(toWire(new UsageError('bad', 'hint')), 'part');
    assert.ok(u instanceof UsageError);
  });

  it('anything else is an internal error naming the part', () => {
    const e = fromWire(toWire(new TypeError('oops')), 'big.csv (bytes 10-20, from line 2)');
    assert.equal(e.constructor, Error);
    assert.match(e.message, /^internal: a worker reading big\.csv \(bytes 10-20, from line 2\) failed: TypeError: oops/);
    assert.equal(toWire(Object.assign(new Error('m'), { name: 'CsvPartMismatch' })).kind, 'mismatch');
  });
});
