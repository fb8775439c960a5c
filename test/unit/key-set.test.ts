import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  canonicalKey,
  ExactKeySet,
  finishKey,
  hashKey,
  HashState,
  hashValue,
  KeySet,
  countDistinctRuns,
  type DistinctKeys,
} from '../../src/metrics/key-set.js';
import { mulberry32 } from '../random.ts';


/** Oracle key for values of the generated columns: pandas-like equality, by construction. */
function oracleKey(values: unknown[]): string {
  return JSON.stringify(values.map((v) => (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? ['null'] : [typeof v === 'bigint' ? 'number' : typeof v, String(v)])));
}

/** Three columns with many repeats, nulls, NaN and mixed number/bigint spellings. */
function makeColumns(rows: number, seed: number): unknown[][] {
  const rand = mulberry32(seed);
  const a: unknown[] = [];
  const b: unknown[] = [];
  const c: unknown[] = [];
  for (let i = 0; i < rows; i++) {
    const r = rand();
    a.push(r < 0.05 ? null : r < 0.08 ? undefined : `user-${Math.floor(rand() * 300)}`);
    const n = Math.floor(rand() * 40);
    const s = rand();
    b.push(s < 0.05 ? null : s < 0.07 ? NaN : s < 0.5 ? BigInt(n) : n);
    const t = rand();
    c.push(t < 0.1 ? null : t < 0.2 ? '' : t < 0.25 ? true : t < 0.3 ? false : String.fromCharCode(97 + Math.floor(rand() * 6)));
  }
  return [a, b, c];
}

function countDistinct(set: DistinctKeys, columns: unknown[][], from = 0, to = columns[0].length): void {
  for (let row = from; row < to; row++) set.addRow(columns, row);
}

function oracleDistinct(columns: unknown[][]): number {
  const seen = new Set<string>();
  for (let row = 0; row < columns[0].length; row++) seen.add(oracleKey(columns.map((col) => col[row])));
  return seen.size;
}

describe('hashing', () => {
  const same = (x: unknown[], y: unknown[]) => {
    assert.deepEqual(hashKey(x), hashKey(y), `${String(x)} vs ${String(y)}`);
    assert.equal(canonicalKey(x), canonicalKey(y));
  };
  const differ = (x: unknown[], y: unknown[]) => {
    assert.notDeepEqual(hashKey(x), hashKey(y), `${String(x)} vs ${String(y)}`);
    assert.notEqual(canonicalKey(x), canonicalKey(y));
  };

  test('part boundaries matter', () => {
    differ(['a', 'bc'], ['ab', 'c']);
    differ(['', 'a'], ['a', '']);
    differ(['abc'], ['ab', 'c']);
    differ([''], ['', '']);
    differ([], ['']);
    differ(['a\u0000'], ['a']);
    differ([new Uint8Array([1, 2]), new Uint8Array([3])], [new Uint8Array([1]), new Uint8Array([2, 3])]);
    differ([new Uint8Array([0])], [new Uint8Array([])]);
    differ([new Uint8Array([1, 0, 0, 0, 0])], [new Uint8Array([1, 0, 0, 0])]);
  });

  test('missing values: null, undefined and NaN are equal; not "" nor "null"', () => {
    same([null], [undefined]);
    same([null], [NaN]);
    same([null, 'x'], [undefined, 'x']);
    differ([null], ['']);
    differ([null], ['null']);
    differ([''], ['null']);
    differ([null], [0]);
    differ([null], [false]);
    differ([null, null], [null]);
  });

  test('numbers by value across number and bigint', () => {
    same([1], [1n]);
    same([1], [1.0]);
    same([0], [-0]);
    same([0n], [-0]);
    same([-1], [-1n]);
    same([2 ** 53], [2n ** 53n]);
    same([2 ** 60], [2n ** 60n]);
    same([-(2 ** 62)], [-(2n ** 62n)]);
    same([2 ** 63], [2n ** 63n]);
    same([-(2 ** 63)], [-(2n ** 63n)]);
    same([1e30], [BigInt(1e30)]);
    same([Infinity], [Infinity]);
    differ([1], [2]);
    differ([1], [1.5]);
    differ([2 ** 53], [2n ** 53n + 1n]);
    differ([1e30], [BigInt(1e30) + 1n]);
    differ([2n ** 70n + 1n], [2n ** 70n + 2n]);
    differ([-(2n ** 70n) - 1n], [2n ** 70n + 1n]);
    differ([Infinity], [-Infinity]);
    differ([4294967296], [1]);
    differ([-1], [4294967295]);
  });

  test('types never mix', () => {
    differ(['1'], [1]);
    differ(['1'], [1n]);
    differ(['true'], [true]);
    differ([true], [1]);
    differ([false], [0]);
    differ([true], [false]);
    differ(['ab'], [new Uint8Array([97, 98])]);
    differ(['1.5'], [1.5]);
  });

  test('strings by code units, odd and even lengths', () => {
    same(['héllo wörld 🎉'], ['héllo wörld 🎉']);
    differ(['ab'], ['ba']);
    differ(['abc'], ['abd']);
    differ(['a'], ['a\u0000']);
    differ(['\u0001'], ['\u0000\u0001'.slice(1) + '\u0000']);
  });

  test('streaming state gives the same hash as hashKey and resets between keys', () => {
    const h = new HashState();
    hashValue(h, 'a');
    hashValue(h, 1);
    finishKey(h);
    assert.deepEqual([h.hi, h.lo], hashKey(['a', 1]));
    hashValue(h, 'a');
    hashValue(h, 1);
    finishKey(h);
    assert.deepEqual([h.hi, h.lo], hashKey(['a', 1]));
  });

  test('each 32-bit half collides about as often as a random function', () => {
    // 1M sequential integers and 1M short strings: expected collisions per
    // half ≈ n² / 2³³ ≈ 116; the full 64-bit hash should have none.
    for (const kind of ['int', 'string'] as const) {
      const n = 1_000_000;
      const hi = new Uint32Array(n);
      const lo = new Uint32Array(n);
      const full = new KeySet();
      const h = new HashState();
      for (let i = 0; i < n; i++) {
        hashValue(h, kind === 'int' ? i : `k${i}`);
        finishKey(h);
        hi[i] = h.hi;
        lo[i] = h.lo;
        full.add(h.hi, h.lo);
      }
      const collisions = (words: Uint32Array) => {
        words.sort();
        let count = 0;
        for (let i = 1; i < words.length; i++) if (words[i] === words[i - 1]) count++;
        return count;
      };
      const expected = (n * (n - 1)) / 2 / 2 ** 32;
      for (const [name, words] of [['hi', hi], ['lo', lo]] as const) {
        const seen = collisions(words);
        assert.ok(seen > expected * 0.5 && seen < expected * 1.6, `${kind} ${name}: ${seen} collisions, expected ≈ ${expected.toFixed(0)}`);
      }
      assert.equal(full.size, n, kind);
    }
  });
});

describe('KeySet and ExactKeySet against a JS Set oracle', () => {
  test('100k rows, composite keys with nulls', () => {
    const columns = makeColumns(100_000, 42);
    const expected = oracleDistinct(columns);
    const fast = new KeySet();
    const exact = new ExactKeySet();
    countDistinct(fast, columns);
    countDistinct(exact, columns);
    assert.ok(expected > 1_000 && expected < 100_000, `oracle found ${expected} distinct keys`);
    assert.equal(fast.size, expected);
    assert.equal(exact.size, expected);
  });

  test('single-column keys: duplicates count = rows − distinct', () => {
    for (const [index, column] of makeColumns(100_000, 7).entries()) {
      const expected = oracleDistinct([column]);
      const fast = new KeySet();
      const exact = new ExactKeySet();
      for (let row = 0; row < column.length; row++) {
        fast.addRow([column], row);
        exact.addKey([column[row]]);
      }
      assert.equal(fast.size, expected, `column ${index}`);
      assert.equal(exact.size, expected, `column ${index}`);
    }
  });

  test('addRow and addKey agree; signed and unsigned halves are one hash; the zero hash counts', () => {
    const columns = makeColumns(5_000, 3);
    const byRow = new KeySet();
    const byKey = new KeySet();
    for (let row = 0; row < 5_000; row++) {
      byRow.addRow(columns, row);
      byKey.addKey(columns.map((col) => col[row]));
    }
    assert.equal(byRow.size, byKey.size);
    assert.deepEqual(byRow.toRun(), byKey.toRun());
    const set = new KeySet();
    set.add(1, 2);
    set.add(1, 2);
    assert.equal(set.size, 1);
    set.add(0, 0);
    set.add(0, 0);
    assert.equal(set.size, 2);
    set.add(-1, -1);
    set.add(0xffffffff, 0xffffffff);
    set.add(2, 1);
    assert.equal(set.size, 4);
  });
});

describe('merge', () => {
  test('chunks merged in any order and grouping give the same size', () => {
    const columns = makeColumns(100_000, 11);
    const expected = oracleDistinct(columns);
    const bounds = [0, 13_000, 40_000, 41_000, 77_777, 100_000];
    const chunks = (make: () => KeySet) =>
      bounds.slice(1).map((end, i) => {
        const set = make();
        countDistinct(set, columns, bounds[i], end);
        return set;
      });
    const orders = [
      [0, 1, 2, 3, 4],
      [4, 3, 2, 1, 0],
      [2, 0, 4, 1, 3],
    ];
    for (const order of orders) {
      const parts = chunks(() => new KeySet());
      const total = new KeySet();
      for (const i of order) total.merge(parts[i]);
      assert.equal(total.size, expected, order.join());
    }
    // (a ∪ b) ∪ c = a ∪ (b ∪ c), checked on fresh copies
    const [a1, b1, c1] = chunks(() => new KeySet());
    const left = new KeySet().merge(a1).merge(b1).merge(c1);
    const [a2, b2, c2] = chunks(() => new KeySet());
    const right = a2.merge(b2.merge(c2));
    assert.equal(left.size, right.size);
    // merging leaves the source unchanged and is idempotent
    const [source] = chunks(() => new KeySet());
    const before = source.size;
    const target = new KeySet().merge(source).merge(source);
    assert.equal(source.size, before);
    assert.equal(target.size, before);

    const exactParts = bounds.slice(1).map((end, i) => {
      const set = new ExactKeySet();
      countDistinct(set, columns, bounds[i], end);
      return set;
    });
    const exact = new ExactKeySet();
    for (const i of [3, 1, 4, 0, 2]) exact.merge(exactParts[i]);
    assert.equal(exact.size, expected);
  });

  test('merge carries the all-zero hash', () => {
    const a = new KeySet();
    a.add(0, 0);
    const b = new KeySet().merge(a);
    assert.equal(b.size, 1);
    assert.equal(b.toRun().hasZero, true);
  });
});

test('many runs (well past one sort buffer) keep every key once', () => {
  const set = new KeySet();
  const n = 700_000;
  for (let i = 0; i < n; i++) set.addKey([i, `k${i % 1000}`]);
  assert.equal(set.size, n);
  // Repeats, in another order, add nothing; a key repeated many times costs one entry.
  for (let i = n - 1; i >= 0; i--) set.addKey([i, `k${i % 1000}`]);
  for (let i = 0; i < 300_000; i++) set.addKey(['same']);
  assert.equal(set.size, n + 1);
  const run = set.toRun().pairs;
  assert.equal(run.length, 2 * (n + 1));
  assertRun(run);
});

/** A run's pairs are distinct and grouped by the top 16 bits of hi, groups ascending. */
function assertRun(run: Uint32Array): void {
  const seen = new Set<string>();
  for (let k = 0; k < run.length; k += 2) {
    seen.add(`${run[k]}:${run[k + 1]}`);
    if (k > 0) assert.ok(run[k - 2] >>> 16 <= run[k] >>> 16, `groups ascending at pair ${k / 2}`);
  }
  assert.equal(seen.size, run.length / 2, 'no pair twice');
}

test('keys made to share the top bits of their hash are counted exactly, without a quadratic group', () => {
  // 200,000 distinct pairs in one group (each added three times): a scan per pair would
  // make about 2e10 comparisons; the table makes it linear.
  const set = new KeySet();
  for (let round = 0; round < 3; round++) for (let i = 0; i < 200_000; i++) set.add(0x51ab0000 | (i & 0xffff), Math.imul(i, 2654435761));
  assert.equal(set.size, 200_000);
  const run = set.toRun().pairs;
  assert.equal(run.length, 400_000);
  assertRun(run);
});

test('pairs that differ only in a few low bits of both halves are counted exactly (no crowding in the tables)', () => {
  // 13 bits of hi and 17 of lo vary: a slot taken from the low bits of lo ^ hi alone put
  // them into a few runs of neighbouring slots (200,000 pairs took 14 s).
  const a = new KeySet();
  const b = new KeySet();
  for (let i = 0; i < 200_000; i++) (i & 1 ? a : b).add(0x12340000 | ((i * 8) & 0xffff), i % 90_001);
  const want = new Set<string>();
  for (let i = 0; i < 200_000; i++) want.add(`${(0x12340000 | ((i * 8) & 0xffff)) >>> 0}:${i % 90_001}`);
  assert.equal(countDistinctRuns([...a.toRuns(), ...b.toRuns()]), want.size);
  assert.equal(a.merge(b).size, want.size);
});

test('measurement: memory per distinct key and adds per second (printed, not asserted)', () => {
  const n = 5_000_000;
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const tenants = Array.from({ length: 8 }, (_, i) => `tenant-${i}`);
  gc();
  const before = process.memoryUsage();
  const set = new KeySet();
  const h = new HashState();
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    hashValue(h, i);
    hashValue(h, tenants[i & 7]);
    finishKey(h);
    set.add(h.hi, h.lo);
  }
  assert.equal(set.size, n); // merges the runs into one
  const insertSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  gc();
  const after = process.memoryUsage();
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    hashValue(h, i);
    hashValue(h, tenants[i & 7]);
    finishKey(h);
    set.add(h.hi, h.lo);
  }
  const repeatSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  assert.equal(set.size, n);

  const column = Array.from({ length: 1_000_000 }, (_, i) => `order-${i % 500_000}`);
  const fromColumn = new KeySet();
  t0 = process.hrtime.bigint();
  for (let row = 0; row < column.length; row++) fromColumn.addRow([column], row);
  const columnSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

  const perKey = (bytes: number) => (bytes / n).toFixed(1);
  console.log(`KeySet, ${n.toLocaleString('en-US')} distinct (int, string) keys:`);
  console.log(`  process.memoryUsage delta after gc: arrayBuffers ${perKey(after.arrayBuffers - before.arrayBuffers)} B/key, rss ${perKey(after.rss - before.rss)} B/key, heapUsed ${perKey(after.heapUsed - before.heapUsed)} B/key`);
  console.log(`  hash + add, new keys: ${(n / insertSeconds / 1e6).toFixed(2)} M adds/s; repeated keys: ${(n / repeatSeconds / 1e6).toFixed(2)} M adds/s`);
  console.log(`  addRow on a 1M-row string column (500k distinct): ${(column.length / columnSeconds / 1e6).toFixed(2)} M rows/s`);
});

describe('runs: counting the union of parts', () => {
  const rnd = mulberry32(11);
  const word = () => {
    const r = rnd();
    // Plenty of edge patterns: zero words, all-ones, float NaN/infinity bit patterns.
    if (r < 0.05) return 0;
    if (r < 0.1) return 0xffffffff;
    if (r < 0.15) return 0x7ff80000;
    if (r < 0.2) return 0xfff00000;
    return Math.floor(rnd() * 2 ** 32) >>> 0;
  };

  test('toRun groups (hi, lo) by the top 16 bits of hi, without repeats', () => {
    for (const n of [0, 1, 2, 5, 1000, 300_000]) {
      const set = new KeySet();
      const want = new Set<string>();
      for (let i = 0; i < n; i++) {
        const [hi, lo] = [word(), word()];
        set.add(hi, lo);
        if (hi !== 0 || lo !== 0) want.add(`${hi}:${lo}`);
      }
      const run = set.toRun().pairs;
      assertRun(run);
      const got = new Set<string>();
      for (let i = 0; i < run.length / 2; i++) got.add(`${run[2 * i]}:${run[2 * i + 1]}`);
      assert.deepEqual(got, want);
    }
  });

  test('countDistinctRuns of 1 to 12 parts equals a Set of all their hashes', () => {
    for (const parts of [1, 2, 3, 5, 12]) { // 12 parts: enough pairs to count in slices
      const all = new Set<string>();
      const runs = [];
      for (let p = 0; p < parts; p++) {
        const set = new KeySet();
        for (let i = 0; i < 3000; i++) {
          // Small words make keys repeat within and across parts; (0, 0) uses the flag.
          const hi = rnd() < 0.5 ? Math.floor(rnd() * 40) : word();
          const lo = rnd() < 0.5 ? Math.floor(rnd() * 40) : word();
          set.add(hi, lo);
          all.add(`${hi >>> 0}:${lo >>> 0}`);
        }
        runs.push(set.toRun());
      }
      assert.equal(countDistinctRuns(runs), all.size, `${parts} parts`);
    }
  });
});
