import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Column, ColumnBatch } from '../../src/batch.ts';
import type { Accumulator } from '../../src/metrics/accumulator.ts';
import { DistinctKeys } from '../../src/metrics/distinct-keys.ts';
import { InferType } from '../../src/metrics/infer-type.ts';
import { MaxTime } from '../../src/metrics/max-time.ts';
import { NullCount } from '../../src/metrics/null-count.ts';
import { NumericSample, readNumbers } from '../../src/metrics/numeric-sample.ts';
import { HashState, finishKey, hashKey, hashTextField } from '../../src/metrics/key-set.ts';
import { mulberry32 } from '../random.ts';
import { parseNumber } from '../../src/metrics/parse-number.ts';
import { Readable } from 'node:stream';
import { CsvSource } from '../../src/sources/csv.ts';

function batch(columns: Record<string, Column>, rowStart = 0): ColumnBatch {
  const rows = Object.values(columns)[0].values.length;
  const lines = Int32Array.from({ length: rows }, (_, i) => rowStart + i + 2);
  return { rows, columns: new Map(Object.entries(columns)), origin: { file: 'x.csv', rowStart, lines } };
}
const text = (...values: (string | null)[]): Column => ({ type: 'text', values });

/** Feeds rows in one batch, and in every split into two batches merged: results must agree. */
function splitAgrees<R>(make: () => Accumulator<R>, columns: Record<string, Column>, normalize: (r: R) => unknown = (r) => r): R {
  const whole = make();
  whole.update(batch(columns));
  const n = Object.values(columns)[0].values.length;
  for (let cut = 0; cut <= n; cut++) {
    const a = make();
    const b = make();
    const part = (from: number, to: number) =>
      Object.fromEntries(Object.entries(columns).map(([k, c]) => [k, { type: c.type, values: Array.from(c.values).slice(from, to) }]));
    a.update(batch(part(0, cut)));
    b.update(batch(part(cut, n), cut));
    b.merge(a as never); // merge in the other order too: it must not matter
    assert.deepEqual(normalize(b.result()), normalize(whole.result()), `split at ${cut}`);
  }
  return whole.result();
}

describe('accumulators', () => {
  it('NullCount counts null and NaN, and merges', () => {
    assert.deepEqual(splitAgrees(() => new NullCount('a'), { a: { type: 'float', values: [1, null, NaN, 2, undefined] } }), { rows: 5, nulls: 3 });
    assert.deepEqual(splitAgrees(() => new NullCount('a'), { a: text('x', null, '', 'NA') }), { rows: 4, nulls: 1 }, 'tokens are the source\'s job');
  });

  it('NumericSample keeps numbers, counts and locates non-numbers', () => {
    const sorted = (r: { values: Float64Array }) => ({ ...r, values: [...r.values].sort((x, y) => x - y) });
    const r = splitAgrees(() => new NumericSample('a'), { a: text('1', '2.5', null, '-3e2', 'abc', ' 4 ') }, sorted);
    assert.deepEqual([...r.values].sort((x, y) => x - y), [-300, 1, 2.5, 4]);
    assert.equal(r.nonNumeric, 1);
    const one = new NumericSample('a');
    one.update(batch({ a: text('1', 'abc') }));
    assert.deepEqual(one.result().firstNonNumeric, { value: 'abc', line: 3, row: 1 });
    const typed = new NumericSample('a');
    typed.update(batch({ a: { type: 'integer', values: [1n, 2, true, null] } }));
    assert.deepEqual([...typed.result().values], [1, 2, 1]);
  });

  it('parseNumber accepts what pandas reads as numbers and nothing else', () => {
    for (const [s, v] of [['1', 1], ['-2.5', -2.5], ['+3', 3], ['1e3', 1000], ['.5', 0.5], ['5.', 5], [' 7 ', 7], ['inf', Infinity], ['-Infinity', -Infinity]] as const) assert.equal(parseNumber(s), v, s);
    for (const s of ['', ' ', '0x1F', '1,5', '12abc', 'e5', '1e', '--1', '.']) assert.ok(Number.isNaN(parseNumber(s)), s);
  });

  it('MaxTime finds the newest ISO, offset and epoch timestamps and counts the rest', () => {
    const r = splitAgrees(() => new MaxTime('t', { timezone: 'UTC', unit: 'auto' }), {
      t: text('2026-11-27T10:00:00Z', '2026-11-27T13:00:00+02:00', 'soon', null, '2026-11-27 09:00:00'),
    });
    assert.equal(r.max, Date.parse('2026-11-27T11:00:00Z'));
    assert.equal(r.parsed, 3);
    assert.equal(r.unparseable, 1);
    const epoch = new MaxTime('t', { timezone: 'UTC', unit: 'auto' });
    epoch.update(batch({ t: { type: 'integer', values: [1_764_000_000, 1_764_000_000_000 + 5] } }));
    assert.equal(epoch.result().max, 1_764_000_000_005);
    const zoned = new MaxTime('t', { timezone: 'America/New_York', unit: 'auto' });
    zoned.update(batch({ t: text('2026-11-27 07:00:00') }));
    assert.equal(zoned.result().max, Date.parse('2026-11-27T12:00:00Z'));
  });

  it('DistinctKeys counts composite keys with nulls equal, hashed and exact alike', () => {
    const cols = { a: text('1', '1', null, null, '2', '1'), b: text('x', 'x', 'y', 'y', 'x', 'y') };
    assert.deepEqual(splitAgrees(() => new DistinctKeys(['a', 'b']), cols), { rows: 6, distinct: 4 });
    assert.deepEqual(splitAgrees(() => new DistinctKeys(['a', 'b'], true), cols), { rows: 6, distinct: 4 });
  });

  it('InferType types text columns and keeps declared types', () => {
    const t = (...v: (string | null)[]) => splitAgrees(() => new InferType('a'), { a: text(...v) });
    assert.equal(t('1', '2', null), 'integer');
    assert.equal(t('1', '2.5'), 'float');
    assert.equal(t('True', 'false'), 'boolean');
    assert.equal(t('2026-11-27', '2026-11-27T10:00:00Z'), 'timestamp');
    assert.equal(t('1', 'x'), 'string');
    assert.equal(t(null, null), 'empty');
    // Past the first 1024 lines only every 32nd is sampled; a value on no sampled line types nothing.
    const sparse = new InferType('a');
    sparse.update({ rows: 1, columns: new Map([['a', text('7')]]), origin: { file: 'x.csv', rowStart: 2000, lines: Int32Array.of(2001) } });
    assert.equal(sparse.result(), 'string');
    const declared = new InferType('a');
    declared.update(batch({ a: { type: 'timestamp', values: [1] } }));
    assert.equal(declared.result(), 'timestamp');
  });

  it('InferType looks at the rows picked by their byte offsets, however the input is chunked', async () => {
    // Rows of 7 bytes from byte 2: row k is bytes [2 + 7k, 9 + 7k). Picked: every row that
    // starts in the first 64 KiB, then every row that holds a multiple of 2048.
    const rows = 30_000;
    const picked = (k: number) => {
      const start = 2 + 7 * k;
      return start < 65_536 || Math.floor((start + 6) / 2048) * 2048 >= start;
    };
    const sampled = Array.from({ length: rows }, (_, k) => k).filter(picked);
    assert.ok(sampled.length > 9362 + 50 && sampled.length < 9362 + 100, `${sampled.length} rows picked`);
    const late = sampled.filter((k) => k > 9362);
    const body = (bad: (k: number) => boolean, float: number) =>
      'a\n' + Array.from({ length: rows }, (_, k) => (k === float ? '0002.5' : bad(k) ? 'xxxxxx' : String(k).padStart(6, '0'))).join('\n') + '\n';
    const typeOf = async (text: string, chunk: number) => {
      const acc = new InferType('a');
      const src = new CsvSource('mem.csv', { open: () => Readable.from([Buffer.from(text)].flatMap((b) => Array.from({ length: Math.ceil(b.length / chunk) }, (_, i) => b.subarray(i * chunk, (i + 1) * chunk)))) });
      for await (const b of src.batches()) acc.update(b);
      return acc.result();
    };
    // "x" on rows not picked only, "2.5" on a picked one far into the file.
    const quiet = body((k) => k > 9362 && k % 7 === 0 && !picked(k), late[40]);
    for (const chunk of [13, 4096, 1 << 20]) assert.equal(await typeOf(quiet, chunk), 'float', `chunk ${chunk}`);
    assert.equal(await typeOf(body((k) => k === late[20], -1), 4096), 'string', 'a picked row that is not a number');
    assert.equal(await typeOf(body(() => false, -1), 4096), 'integer');
  });
});

describe('MaxTime over CSV bytes', () => {
  it('counts repeated texts each time, parsed or not, and takes the newest', async () => {
    const rows = ['2026-11-27T10:00:00Z', '2026-11-27T10:00:00Z', '2026-02-30T00:00:00Z', '2026-02-30T00:00:00Z', '', '2026-11-27T10:00:01+01:00', '2026-11-27T10:00:01+01:00', '2026-11-27T11:00:00.5Z', '2026-11-27T11:00:00.5Z'];
    const acc = new MaxTime('t', { timezone: 'UTC', unit: 'auto' });
    const src = new CsvSource('mem.csv', { open: () => Readable.from([Buffer.from('t\n' + rows.join('\n') + '\n')]) });
    for await (const b of src.batches()) acc.update(b);
    const r = acc.result();
    assert.equal(r.parsed, 6);
    assert.equal(r.unparseable, 2);
    assert.equal(r.firstUnparseable?.value, '2026-02-30T00:00:00Z');
    assert.equal(r.max, Date.parse('2026-11-27T11:00:00.500Z'));
  });
});

describe('reading CSV bytes gives what the decoded text gives', () => {
  const csvOf = (fields: string[]) =>
    'v\n' + fields.map((f) => (/[",\n\r]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f)).join('\n') + '\n';
  const read = async (fields: string[], chunk: number) => {
    const text = Buffer.from(csvOf(fields));
    const src = new CsvSource('mem.csv', { open: () => Readable.from(Array.from({ length: Math.ceil(text.length / chunk) }, (_, i) => text.subarray(i * chunk, (i + 1) * chunk))) });
    const batches = [];
    for await (const b of src.batches()) batches.push(b);
    return batches;
  };

  it('key hashes from bytes equal the hashes of the decoded strings (ASCII, non-ASCII, escaped quotes, nulls)', async () => {
    const rnd = mulberry32(5);
    const pieces = ['a', 'Z', '7', ' ', 'é', '日本', '😀', '""', 'x,y', 'NA', 'None', '-', '.'];
    const fields = Array.from({ length: 3000 }, () => Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => pieces[Math.floor(rnd() * pieces.length)]).join(''));
    for (const chunk of [5, 4096]) {
      for (const b of await read(fields, chunk)) {
        const col = b.columns.get('v')!;
        for (let i = 0; i < b.rows; i++) {
          const fromBytes = new HashState();
          hashTextField(fromBytes, col.bytes!, i);
          finishKey(fromBytes);
          assert.deepEqual([fromBytes.hi, fromBytes.lo], hashKey([col.values[i]]), JSON.stringify(col.values[i]));
        }
      }
    }
  });

  it('numbers parsed from bytes equal parseNumber of the text, the fast path included', async () => {
    const rnd = mulberry32(9);
    const forms = ['0', '-0', '+.5', '5.', '007', '1e5', ' 12 ', '0x1F', 'inf', '-Infinity', '1.2.3', '12345678901234567', '0.1', '-', '.', 'abc'];
    const fields = [
      ...forms,
      ...Array.from({ length: 3000 }, () => {
        const digits = 1 + Math.floor(rnd() * 17);
        let s = rnd() < 0.3 ? '-' : '';
        for (let k = 0; k < digits; k++) s += String(Math.floor(rnd() * 10));
        if (rnd() < 0.6) {
          const at = 1 + Math.floor(rnd() * s.length);
          s = s.slice(0, at) + '.' + s.slice(at);
        }
        return s;
      }),
    ];
    let checked = 0;
    for (const b of await read(fields, 4096)) {
      const out = new Float64Array(b.rows);
      const bad: number[] = [];
      const n = readNumbers(b, 'v', out, 0, (row) => bad.push(row));
      const text = b.columns.get('v')!.values;
      const want = Array.from({ length: b.rows }, (_, i) => (text[i] === null ? undefined : parseNumber(text[i] as string))).filter((x) => x !== undefined);
      assert.deepEqual(
        [...out.subarray(0, n)].map((x) => Object.is(x, -0) ? '-0' : x),
        want.filter((x) => x === x).map((x) => Object.is(x, -0) ? '-0' : x),
      );
      assert.equal(bad.length, want.filter((x) => x !== x).length);
      checked += b.rows;
    }
    assert.equal(checked, fields.length);
  });
});
