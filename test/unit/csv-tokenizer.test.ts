import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import {
  BATCH_FULL,
  CsvTokenizer,
  HEADER_DONE,
  NEED_INPUT,
  NullMatcher,
  TailCarry,
  unescapeQuoted,
  type TokenizerOptions,
} from '../../src/sources/csv-tokenizer.js';
import { PANDAS_NA_VALUES } from '../../src/sources/null-tokens.js';
import { TextColumn } from '../../src/sources/text-column.js';
import { DataError } from '../../src/errors.js';

interface Parsed {
  header: string[];
  rows: Array<Array<string | null>>;
  lines: number[];
  batches: number;
  bad: { count: number; lines: number[] };
}

/**
 * Drives the tokenizer the way CsvSource does: regions are the carried tail plus the
 * next chunk; every column is decoded.
 */
function tokenize(input: Buffer | string, chunkSize: number, opts: Partial<TokenizerOptions> = {}, batchRows = 1000): Parsed {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const tok = new CsvTokenizer({
    file: 'mem.csv',
    delimiter: 0x2c,
    quote: 0x22,
    nullValues: [],
    encoding: 'utf-8',
    onBadLines: 'error',
    ...opts,
  });
  const carry = new TailCarry();
  let region: Buffer | null = null;
  let off = 0;
  const pump = (): boolean => {
    if (off >= bytes.length) return false;
    const chunk = Buffer.from(bytes.subarray(off, off + chunkSize)); // a fresh buffer, like a stream
    off += chunk.length;
    if (region !== null) carry.keep(region, tok.keepFrom);
    region = carry.join(chunk);
    tok.feed(region, isAscii(region));
    return true;
  };
  for (;;) {
    if (tok.run() === HEADER_DONE) break;
    if (!pump()) {
      if (tok.finish() === HEADER_DONE) break;
      throw new Error('no header');
    }
  }
  const header = tok.headerFields.slice();
  const n = header.length;
  tok.startData(n, Int32Array.from(header.map((_, i) => i)), batchRows);
  const out: Parsed = { header, rows: [], lines: [], batches: 0, bad: { count: 0, lines: [] } };
  const take = () => {
    const b = tok.takeBatch();
    out.batches++;
    const cols = b.at.map((at) => new TextColumn(b.region, at, b.specials, b.oneByte, b.rows).values);
    for (let r = 0; r < b.rows; r++) {
      out.rows.push(cols.map((col) => col[r]));
      out.lines.push(b.lines[r]);
    }
  };
  for (;;) {
    const st = tok.run();
    if (st === BATCH_FULL) {
      take();
      tok.newBatch();
      continue;
    }
    assert.equal(st, NEED_INPUT);
    // As the CSV source does: a region's rows are taken before the next region replaces it.
    if (tok.rows > 0) {
      take();
      tok.newBatch();
    }
    if (!pump()) {
      tok.finish();
      if (tok.rows > 0) take();
      break;
    }
  }
  out.bad = tok.badLines;
  return out;
}

const CHUNK_SIZES = [1, 2, 3, 7, 64 * 1024];

function sameForAllChunkSizes(input: string, opts: Partial<TokenizerOptions> = {}): Parsed {
  const ref = tokenize(input, 64 * 1024, opts);
  for (const k of CHUNK_SIZES) {
    const got = tokenize(input, k, opts);
    assert.deepEqual(got.header, ref.header, `header, chunk ${k}`);
    assert.deepEqual(got.rows, ref.rows, `rows, chunk ${k}`);
    assert.deepEqual(got.lines, ref.lines, `lines, chunk ${k}`);
    assert.deepEqual(got.bad, ref.bad, `bad lines, chunk ${k}`);
  }
  return ref;
}

test('NullMatcher matches exactly, by bytes', () => {
  const m = new NullMatcher(PANDAS_NA_VALUES, 'utf-8');
  assert.equal(m.emptyIsNull, true);
  for (const t of PANDAS_NA_VALUES) {
    const b = Buffer.from(`x${t}y`);
    assert.equal(m.matches(b, 1, b.length - 2), true, JSON.stringify(t));
  }
  for (const t of [' NA', 'NA ', 'na', 'Na', 'NAN', 'NULL ', '#N/A N', 'nan1', '1.#INDX', 'N', 'x']) {
    const b = Buffer.from(t);
    assert.equal(m.matches(b, 0, b.length), false, JSON.stringify(t));
  }
  const custom = new NullMatcher(['-', 'missing', 'ñ'], 'utf-8');
  assert.equal(custom.emptyIsNull, false);
  assert.equal(custom.matches(Buffer.from('missing'), 0, 7), true);
  assert.equal(custom.matches(Buffer.from('ñ'), 0, 2), true);
  assert.equal(custom.matches(Buffer.from('NA'), 0, 2), false);
  const long = 'x'.repeat(40);
  const lm = new NullMatcher([long], 'utf-8');
  assert.equal(lm.matches(Buffer.from(long), 0, 40), true);
  assert.equal(lm.matches(Buffer.from(long + 'x'), 0, 41), false);
  // Latin-1: tokens are compared as Latin-1 bytes.
  const l1 = new NullMatcher(['ñ', '€'], 'latin1');
  assert.equal(l1.matches(Buffer.from([0xf1]), 0, 1), true);
});

test('unescapeQuoted follows the pandas quoted-field rules', () => {
  const cases: Array<[string, string]> = [
    ['"abc"', 'abc'],
    ['"a""b"', 'a"b'],
    ['""""', '"'],
    ['"ab"cd', 'abcd'],
    ['"ab"c"d', 'abc"d'],
    ['"a""', 'a"'],
  ];
  for (const [raw, want] of cases) {
    const b = Buffer.from(raw);
    const out = Buffer.alloc(b.length);
    const n = unescapeQuoted(b, 0, b.length, 0x22, out);
    assert.equal(out.toString('utf8', 0, n), want, raw);
  }
});

test('TailCarry joins tails and chunks without losing bytes', () => {
  const c = new TailCarry();
  const a = Buffer.from('hello,wor');
  let region = c.join(a);
  assert.equal(region, a, 'no tail: the chunk itself');
  c.keep(region, 6);
  region = c.join(Buffer.from('ld\nx'));
  assert.equal(region.toString(), 'world\nx');
  c.keep(region, 0); // the whole region stays (a long field)
  region = c.join(Buffer.from('y'.repeat(100_000)));
  assert.equal(region.toString(), 'world\nx' + 'y'.repeat(100_000));
  c.keep(region, region.length - 3);
  region = c.join(Buffer.from('z'));
  assert.equal(region.toString(), 'yyyz');
  c.keep(region, region.length);
  assert.equal(c.length, 0);
  assert.equal(c.join(Buffer.from('q')).toString(), 'q');
});

test('fields, quotes and line endings', () => {
  const input =
    'a,b,c\r\n' + // CRLF header
    '1,"x,y",3\n' + // embedded delimiter
    '"he said ""hi""",,\r' + // escaped quotes, empty fields, lone CR
    '"multi\nline\r\nfield",2,"3"\n' + // quoted newlines (LF and CRLF)
    '"ab"cd,e"f,g\n' + // text after a closing quote; quote inside an unquoted field
    ',,\n' + // only delimiters
    'last,row,'; // no trailing newline, last field empty
  const r = sameForAllChunkSizes(input);
  assert.deepEqual(r.header, ['a', 'b', 'c']);
  assert.deepEqual(r.rows, [
    ['1', 'x,y', '3'],
    ['he said "hi"', '', ''],
    ['multi\nline\r\nfield', '2', '3'],
    ['abcd', 'e"f', 'g'],
    ['', '', ''],
    ['last', 'row', ''],
  ]);
  assert.deepEqual(r.lines, [2, 3, 4, 7, 8, 9]);
});

test('blank and whitespace-only lines are skipped; line numbers stay physical', () => {
  const input = '\n\r\n  \t\n' + 'a,b\n' + '\n' + '1,2\r' + '\r' + ' \r\n' + '3,4\n' + '\n\n';
  const r = sameForAllChunkSizes(input);
  assert.deepEqual(r.header, ['a', 'b']);
  assert.deepEqual(r.rows, [
    ['1', '2'],
    ['3', '4'],
  ]);
  assert.deepEqual(r.lines, [6, 9]);
});

test('a line starting with spaces is data when anything follows', () => {
  const r = sameForAllChunkSizes('a,b\n  x,y\n \t,z\n');
  assert.deepEqual(r.rows, [
    ['  x', 'y'],
    [' \t', 'z'],
  ]);
  assert.deepEqual(r.lines, [2, 3]);
});

test('with a tab delimiter, tabs never make a line blank', () => {
  const r = sameForAllChunkSizes('a\tb\n\t\n \t\n  \n', { delimiter: 0x09 });
  assert.deepEqual(r.rows, [
    ['', ''],
    [' ', ''],
  ]);
  assert.deepEqual(r.lines, [2, 3]);
});

test('null tokens become null, quoted or not; other values stay text', () => {
  const input = 'v\n' + PANDAS_NA_VALUES.map((t) => `${t}\n"${t}"`).join('\n') + '\n NA\nNA \nna\n"N""A"\n';
  const r = sameForAllChunkSizes(input, { nullValues: PANDAS_NA_VALUES });
  const values = r.rows.map((row) => row[0]);
  // '' unquoted is a blank line in a one-column file; everything else is a row.
  const expectedNulls = PANDAS_NA_VALUES.length * 2 - 1;
  assert.deepEqual(values.slice(0, expectedNulls), new Array(expectedNulls).fill(null));
  assert.deepEqual(values.slice(expectedNulls), [' NA', 'NA ', 'na', 'N"A']);
});

test('batches fill exactly and continue', () => {
  const lines = ['n'];
  for (let i = 0; i < 25; i++) lines.push(String(i));
  const r = tokenize(lines.join('\n') + '\n', 64 * 1024, {}, 4);
  assert.equal(r.rows.length, 25);
  assert.equal(r.batches, 7);
  assert.deepEqual(
    r.rows.map((x) => x[0]),
    lines.slice(1),
  );
});

test('field count mismatches: error by default, counted under skip', () => {
  const input = 'a,b,c\n1,2,3\n1,2\n1,2,3,4\n4,5,6\n';
  assert.throws(
    () => tokenize(input, 3),
    (err: unknown) => err instanceof DataError && err.message === 'mem.csv line 3: expected 3 fields, got 2' && err.line === 3 && /on_bad_lines/.test(err.hint ?? ''),
  );
  const r = sameForAllChunkSizes(input, { onBadLines: 'skip' });
  assert.deepEqual(r.rows, [
    ['1', '2', '3'],
    ['4', '5', '6'],
  ]);
  assert.deepEqual(r.lines, [2, 5]);
  assert.deepEqual(r.bad, { count: 2, lines: [3, 4] });
});

test('unterminated quote reports the line where the field opened', () => {
  for (const k of CHUNK_SIZES) {
    assert.throws(
      () => tokenize('a,b\n1,2\n3,"open\nmore\nlines\n', k),
      (err: unknown) => err instanceof DataError && err.line === 3 && /^mem\.csv line 3: quoted field is never closed/.test(err.message),
    );
  }
});

test('a record over the size limit is an error, wherever the chunks split it', () => {
  const big = 'x'.repeat(300);
  for (const k of [1, 7, 64, 1024]) {
    assert.throws(
      () => tokenize(`a,b\n1,2\n3,"${big}"\n`, k, { maxRecordBytes: 256 }),
      (err: unknown) => err instanceof DataError && err.line === 3 && /record is longer than 256 bytes/.test(err.message),
    );
  }
  // Exactly at the limit is fine (the record's bytes include its line ending).
  const ok = `3,${'y'.repeat(253)}\n`;
  assert.equal(Buffer.byteLength(ok), 256);
  const r = tokenize(`a,b\n${ok}`, 10, { maxRecordBytes: 256 });
  assert.equal(r.rows.length, 1);
});

test('utf-8 characters split across chunks decode intact', () => {
  const input = 'name,city\nJosé,Zürich\n"Ünïcødé, ok",東京\n€,😀\n';
  const r = sameForAllChunkSizes(input);
  assert.deepEqual(r.rows, [
    ['José', 'Zürich'],
    ['Ünïcødé, ok', '東京'],
    ['€', '😀'],
  ]);
});

test('latin1 encoding decodes every byte as one character', () => {
  const input = Buffer.from('name\nJos\xe9\n"\xe9\xe8"\n', 'latin1');
  const r = tokenize(input, 2, { encoding: 'latin1' });
  assert.deepEqual(r.rows, [['José'], ['éè']]);
});

test('long fields (sliced-string sized and beyond) decode correctly', () => {
  const vals = ['abcdefghijkl', 'abcdefghijklm', 'x'.repeat(70_000), 'short'];
  const input = 'v\n' + vals.join('\n') + '\n';
  const r = sameForAllChunkSizes(input);
  assert.deepEqual(
    r.rows.map((x) => x[0]),
    vals,
  );
});
