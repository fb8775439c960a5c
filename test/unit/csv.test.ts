import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { MISSING } from '../../src/batch.js';
import { CsvSource, pandasColumnNames, sniffDelimiter, findInvalidUtf8, type CsvOptions } from '../../src/sources/csv.js';
import { PANDAS_NA_VALUES } from '../../src/sources/null-tokens.js';
import { DataError, UsageError } from '../../src/errors.js';

// ---------------------------------------------------------------------------
// helpers

interface Table {
  names: string[];
  rows: Array<Array<string | null>>;
  lines: number[];
  batches: number;
}

/** Reads a whole source into rows (column order as requested, or the header's). */
async function readAll(src: CsvSource, columns?: string[]): Promise<Table> {
  const names = columns ?? (await src.schema()).map((c) => c.name);
  const out: Table = { names, rows: [], lines: [], batches: 0 };
  let expectStart = 0;
  for await (const b of src.batches(columns)) {
    out.batches++;
    assert.equal(b.origin.rowStart, expectStart, 'rowStart continues across batches');
    expectStart += b.rows;
    assert.equal(b.origin.lines?.length, b.rows);
    for (const [, col] of b.columns) {
      assert.equal(col.type, 'text');
      assert.equal(col.values.length, b.rows);
    }
    for (let r = 0; r < b.rows; r++) {
      out.rows.push(names.map((n) => b.columns.get(n)!.values[r] as string | null));
      out.lines.push(b.origin.lines![r]);
    }
  }
  return out;
}

/** A one-shot stream delivering `data` in chunks of `size` bytes. */
function chunked(data: Buffer | string, size: number): () => NodeJS.ReadableStream {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) parts.push(Buffer.from(bytes.subarray(i, i + size)));
    return Readable.from(parts);
  };
}

function memSource(data: Buffer | string, options: CsvOptions = {}, chunk = 64 * 1024, name = 'mem.csv'): CsvSource {
  return new CsvSource(name, { ...options, open: chunked(data, chunk) });
}

async function expectDataError(p: Promise<unknown>, check: (err: DataError) => void): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    check(err);
    return true;
  });
}

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dqc-csv-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function tmpFile(name: string, data: Buffer | string): string {
  const p = join(dir, name);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
  return p;
}

const CHUNK_SIZES = [1, 2, 3, 7, 64 * 1024];

// ---------------------------------------------------------------------------
// csv-spectrum

describe('csv-spectrum', () => {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('csv-spectrum/package.json'));
  const names = readdirSync(join(root, 'csvs')).map((f) => basename(f, '.csv'));

  test('has the cases', () => {
    assert.equal(names.length, 12);
  });

  for (const name of names) {
    test(name, async () => {
      const csv = readFileSync(join(root, 'csvs', `${name}.csv`));
      let expected = JSON.parse(readFileSync(join(root, 'json', `${name}.json`), 'utf8')) as
        | Record<string, string>
        | Array<Record<string, string>>;
      if (!Array.isArray(expected)) expected = [expected];
      if (name === 'location_coordinates') {
        // Erratum in csv-spectrum 2.0.0: its JSON has a different phone number than its CSV.
        assert.equal(expected[0]['Contact Phone Number'], '1234567890');
        expected[0]['Contact Phone Number'] = '2095257564';
      }
      for (const k of CHUNK_SIZES) {
        // nullValues: [] compares the raw text; csv-spectrum has no notion of NA.
        const t = await readAll(memSource(csv, { nullValues: [] }, k, `${name}.csv`));
        const got = t.rows.map((row) => Object.fromEntries(t.names.map((n, i) => [n, row[i]])));
        assert.deepEqual(got, expected, `chunk size ${k}`);
      }
    });
  }

  test('empty quoted fields are null under the default NA values (pandas)', async () => {
    const csv = readFileSync(join(root, 'csvs', 'empty.csv'));
    const t = await readAll(memSource(csv));
    assert.deepEqual(t.rows, [
      ['1', null, null],
      ['2', '3', '4'],
    ]);
  });
});

// ---------------------------------------------------------------------------
// RFC 4180 and pandas row semantics

const EDGE_FILE =
  '\uFEFFid,text,n\r\n' + // BOM, CRLF
  '\r\n' + // blank line
  '1,"a, b",10\n' + // embedded delimiter, LF
  '2,"say ""hi""",\r' + // escaped quotes, empty last field, lone CR
  '3,"line one\r\nline two\nline three",30\r\n' + // embedded CRLF and LF
  ',,\n' + // only delimiters
  '   \n' + // whitespace-only line: skipped
  '4,"",NA\n' + // quoted empty, NA
  '5,"NA", NA\n' + // quoted NA is NA; " NA" is not
  '6,tail,60'; // no final newline

const EDGE_ROWS = [
  ['1', 'a, b', '10'],
  ['2', 'say "hi"', null],
  ['3', 'line one\r\nline two\nline three', '30'],
  [null, null, null],
  ['4', null, null],
  ['5', null, ' NA'],
  ['6', 'tail', '60'],
];
const EDGE_LINES = [3, 4, 5, 8, 10, 11, 12];

describe('row semantics', () => {
  test('edge cases, identical for every chunk size', async () => {
    for (const k of CHUNK_SIZES) {
      const t = await readAll(memSource(EDGE_FILE, {}, k));
      assert.deepEqual(t.names, ['id', 'text', 'n'], `chunk ${k}`);
      assert.deepEqual(t.rows, EDGE_ROWS, `chunk ${k}`);
      assert.deepEqual(t.lines, EDGE_LINES, `chunk ${k}`);
    }
  });

  test('edge cases from a file', async () => {
    const p = tmpFile('edge.csv', EDGE_FILE);
    const t = await readAll(new CsvSource(p));
    assert.deepEqual(t.rows, EDGE_ROWS);
    assert.deepEqual(t.lines, EDGE_LINES);
  });

  test('small batches split rows without changing them', async () => {
    for (const k of [1, 7, 64 * 1024]) {
      const t = await readAll(memSource(EDGE_FILE, { batchRows: 2 }, k));
      // At most batchRows rows a batch; a batch also ends with each chunk of input.
      if (k > EDGE_FILE.length) assert.equal(t.batches, 4);
      else assert.ok(t.batches >= 4);
      assert.deepEqual(t.rows, EDGE_ROWS);
      assert.deepEqual(t.lines, EDGE_LINES);
    }
  });

  test('trailing newline or not, CR-only files, leading blank lines', async () => {
    for (const text of ['a,b\n1,2\n', 'a,b\n1,2', 'a,b\r1,2\r', 'a,b\r\n1,2\r\n', '\n\n \na,b\n1,2\n\n\n']) {
      const t = await readAll(memSource(text));
      assert.deepEqual(t.names, ['a', 'b'], JSON.stringify(text));
      assert.deepEqual(t.rows, [['1', '2']], JSON.stringify(text));
    }
    const t = await readAll(memSource('\n\n \na,b\n1,2\n'));
    assert.deepEqual(t.lines, [5]);
  });

  test('header-only file has columns and no rows', async () => {
    for (const text of ['a,b,c', 'a,b,c\n', 'a,b,c\r\n\r\n']) {
      const src = memSource(text);
      assert.deepEqual(
        (await src.schema()).map((c) => c.name),
        ['a', 'b', 'c'],
      );
      const t = await readAll(memSource(text));
      assert.equal(t.rows.length, 0);
      assert.equal(t.batches, 0);
    }
  });

  test('a final empty field at end of file counts', async () => {
    const t = await readAll(memSource('a,b\n1,'));
    assert.deepEqual(t.rows, [['1', null]]);
  });

  test('quoted header names, unescaped', async () => {
    const src = memSource('"a,1","b""2",c\n1,2,3\n');
    assert.deepEqual(
      (await src.schema()).map((c) => c.name),
      ['a,1', 'b"2', 'c'],
    );
  });

  test('many columns and a 10 MB line', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const text = `a,b,c\n1,${big},3\n4,"${big}",6\n`;
    const p = tmpFile('big-line.csv', text);
    const t = await readAll(new CsvSource(p));
    assert.equal(t.rows.length, 2);
    assert.equal(t.rows[0][1]!.length, big.length);
    assert.equal(t.rows[1][1], big);
    assert.deepEqual(t.rows[1][2], '6');
  });
});

// ---------------------------------------------------------------------------
// header names

describe('header names', () => {
  test('duplicates and empty names as pandas makes them', () => {
    assert.deepEqual(pandasColumnNames(['a', 'a', 'a']), ['a', 'a.1', 'a.2']);
    assert.deepEqual(pandasColumnNames(['a', 'a', 'a.1']), ['a', 'a.2', 'a.1']);
    assert.deepEqual(pandasColumnNames(['', 'b', '']), ['Unnamed: 0', 'b', 'Unnamed: 2']);
    assert.deepEqual(pandasColumnNames(['x', '', 'x', 'b', 'b']), ['x', 'Unnamed: 1', 'x.1', 'b', 'b.1']);
  });

  test('from a file', async () => {
    const src = memSource('id,id,,value,\n1,2,3,4,5\n');
    const names = (await src.schema()).map((c) => c.name);
    assert.deepEqual(names, ['id', 'id.1', 'Unnamed: 2', 'value', 'Unnamed: 4']);
    const t = await readAll(memSource('id,id,,value,\n1,2,3,4,5\n'));
    assert.deepEqual(t.rows, [['1', '2', '3', '4', '5']]);
  });

  test('schema reads only the header: the rest of the file may be broken', async () => {
    const src = memSource('a,b\n1,2,3\n"open\n');
    assert.deepEqual(await src.schema(), [
      { name: 'a', type: 'text' },
      { name: 'b', type: 'text' },
    ]);
  });
});

// ---------------------------------------------------------------------------
// null tokens

describe('null tokens', () => {
  test('the defaults are pandas 2 STR_NA_VALUES', () => {
    assert.deepEqual(
      [...PANDAS_NA_VALUES].sort(),
      [
        '',
        '#N/A',
        '#N/A N/A',
        '#NA',
        '-1.#IND',
        '-1.#QNAN',
        '-NaN',
        '-nan',
        '1.#IND',
        '1.#QNAN',
        '<NA>',
        'N/A',
        'NA',
        'NULL',
        'NaN',
        'None',
        'n/a',
        'nan',
        'null',
      ].sort(),
    );
  });

  test('every default token is null, quoted or not; near misses are text', async () => {
    const rows = PANDAS_NA_VALUES.map((t) => `${t},"${t}",x`);
    const text = 'a,b,c\n' + rows.join('\n') + '\n NA," NA",NA \nna,Nan,NONE\n';
    for (const k of [1, 64 * 1024]) {
      const t = await readAll(memSource(text, {}, k));
      for (let i = 0; i < PANDAS_NA_VALUES.length; i++) {
        assert.deepEqual(t.rows[i], [null, null, 'x'], JSON.stringify(PANDAS_NA_VALUES[i]));
      }
      assert.deepEqual(t.rows.slice(PANDAS_NA_VALUES.length), [
        [' NA', ' NA', 'NA '],
        ['na', 'Nan', 'NONE'],
      ]);
    }
  });

  test('custom nullValues replace the defaults', async () => {
    const text = 'a,b\n-,NA\n,missing\n';
    const t = await readAll(memSource(text, { nullValues: ['-', 'missing'] }));
    assert.deepEqual(t.rows, [
      [null, 'NA'],
      ['', null],
    ]);
    const none = await readAll(memSource(text, { nullValues: [] }));
    assert.deepEqual(none.rows, [
      ['-', 'NA'],
      ['', 'missing'],
    ]);
  });

  test('a requested subset of columns still sees nulls', async () => {
    const t = await readAll(memSource('a,b,c\n1,,NA\nnull,2,3\n'), ['c', 'a']);
    assert.deepEqual(t.rows, [
      [null, '1'],
      ['3', null],
    ]);
  });
});

// ---------------------------------------------------------------------------
// column selection

describe('columns', () => {
  test('only requested columns are in the batch', async () => {
    const src = memSource('a,b,c\n1,2,3\n');
    for await (const b of src.batches(['b'])) {
      assert.deepEqual([...b.columns.keys()], ['b']);
      assert.deepEqual(b.columns.get('b')!.values, ['2']);
    }
  });

  test('no columns: rows are still counted and validated', async () => {
    let rows = 0;
    for await (const b of memSource('a,b\n1,2\n3,4\n').batches([])) {
      assert.equal(b.columns.size, 0);
      rows += b.rows;
    }
    assert.equal(rows, 2);
    await expectDataError(readAll(memSource('a,b\n1,2\n3\n'), []), (e) => assert.equal(e.line, 3));
  });

  test('an unknown column is a DataError naming the header', async () => {
    await expectDataError(readAll(memSource('a,b\n1,2\n'), ['c']), (e) => {
      assert.match(e.message, /no column named "c"/);
      assert.match(e.hint ?? '', /a, b/);
    });
  });

  test('batches point into input that is never overwritten: values read after the whole pass are right', async () => {
    // Records straddle the 7-byte chunks, quoted fields with escapes become specials.
    const rows = Array.from({ length: 300 }, (_, i) => `${i},"x""${i}",${i % 7 === 0 ? 'NA' : `v${i}`}`);
    const src = memSource('id,q,v\n' + rows.join('\n') + '\n', {}, 7);
    const batches = [];
    for await (const b of src.batches()) batches.push(b);
    assert.ok(batches.length > 10, 'one batch per chunk of input');
    const got: unknown[][] = [];
    for (const b of batches) {
      const cols = ['id', 'q', 'v'].map((c) => b.columns.get(c)!);
      for (let i = 0; i < b.rows; i++) got.push(cols.map((c) => c.values[i]));
    }
    assert.deepEqual(
      got,
      Array.from({ length: 300 }, (_, i) => [String(i), `x"${i}`, i % 7 === 0 ? null : `v${i}`]),
    );
  });

  test('byte ranges and decoded text agree, null tokens are MISSING', async () => {
    const src = memSource('a,b\n1,"N""A"\n,NA\n"3",\u00e9t\u00e9\n', {}, 5);
    const seen: [number, string | null][] = [];
    for await (const b of src.batches()) {
      const col = b.columns.get('b')!;
      const bytes = col.bytes!;
      for (let i = 0; i < b.rows; i++) seen.push([bytes.at[2 * i] === MISSING ? -1 : 0, bytes.at[2 * i] === MISSING ? null : bytes.text(i)]);
    }
    assert.deepEqual(seen, [[0, 'N"A'], [-1, null], [0, '\u00e9t\u00e9']]);
  });
});

// ---------------------------------------------------------------------------
// delimiter

describe('delimiter', () => {
  test('sniffed: ; tab |, and comma on ties', () => {
    const s = (t: string) => String.fromCharCode(sniffDelimiter(Buffer.from(t), 0x22));
    assert.equal(s('a;b;c\n1,5;2;3\n'), ';');
    assert.equal(s('a\tb\tc\n'), '\t');
    assert.equal(s('a|b|c\n'), '|');
    assert.equal(s('a,b;c\n'), ',');
    assert.equal(s('a;b\tc|d\n'), ';');
    assert.equal(s('single\n'), ',');
    assert.equal(s('"a;b;c",d\n'), ',', 'delimiters inside quotes are not counted');
    assert.equal(s('\n\n  \na;b\n'), ';', 'blank lines before the header are skipped');
    assert.equal(s('"a\nb;c;d",e\n'), ',', 'a quoted newline does not end the header');
  });

  test('sniffed when reading', async () => {
    for (const [text, want] of [
      ['a;b\n1,5;2\n', ['1,5', '2']],
      ['a\tb\n1\t2\n', ['1', '2']],
      ['a|b\n1|2\n', ['1', '2']],
    ] as const) {
      const t = await readAll(memSource(text));
      assert.deepEqual(t.names, ['a', 'b']);
      assert.deepEqual(t.rows, [want]);
    }
  });

  test('.tsv means tab, even when the header has commas', async () => {
    const p = tmpFile('x.tsv', 'a,b\tc\n1\t2\n');
    const t = await readAll(new CsvSource(p));
    assert.deepEqual(t.names, ['a,b', 'c']);
    assert.deepEqual(t.rows, [['1', '2']]);
  });

  test('an explicit delimiter wins', async () => {
    const t = await readAll(memSource('a;b,c\n1;2,3\n', { delimiter: ';' }));
    assert.deepEqual(t.names, ['a', 'b,c']);
    const tab = await readAll(memSource('a\tb\n1\t2\n', { delimiter: '\\t' }));
    assert.deepEqual(tab.names, ['a', 'b']);
  });

  test('bad options are usage errors', () => {
    assert.throws(() => new CsvSource('x.csv', { delimiter: ';;' }), UsageError);
    assert.throws(() => new CsvSource('x.csv', { delimiter: '\n' }), UsageError);
    assert.throws(() => new CsvSource('x.csv', { delimiter: '"' }), UsageError);
    assert.throws(() => new CsvSource('x.csv', { batchRows: 0 }), UsageError);
    assert.throws(() => new CsvSource('x.csv', { onBadLines: 'ignore' as 'skip' }), UsageError);
  });

  test('a custom quote character', async () => {
    const t = await readAll(memSource("a,b\n'x,y',''''\n", { quote: "'" }));
    assert.deepEqual(t.rows, [['x,y', "'"]]);
  });
});

// ---------------------------------------------------------------------------
// bad lines

describe('bad lines', () => {
  const text = 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n';

  test('error (default): the first bad row throws with its line', async () => {
    for (const k of [1, 64 * 1024]) {
      await expectDataError(readAll(memSource(text, {}, k, 'transactions.csv')), (e) => {
        assert.equal(e.message, 'transactions.csv line 3: expected 3 fields, got 2');
        assert.equal(e.line, 3);
        assert.equal(e.file, 'transactions.csv');
        assert.match(e.hint ?? '', /on_bad_lines/);
      });
    }
    await expectDataError(readAll(memSource('a,b\n1,2,3\n')), (e) => assert.equal(e.message, 'mem.csv line 2: expected 2 fields, got 3'));
  });

  for (const policy of ['warn', 'skip'] as const) {
    test(`${policy}: rows left out, counted, first line numbers kept`, async () => {
      const src = memSource(text, { onBadLines: policy }, 3);
      const t = await readAll(src);
      assert.deepEqual(t.rows, [
        ['1', '2', '3'],
        ['10', '11', '12'],
      ]);
      assert.deepEqual(t.lines, [2, 5]);
      assert.deepEqual(src.badLines, { count: 2, lines: [3, 4] });
    });
  }

  test('only the first 20 line numbers are kept', async () => {
    let body = 'a,b\n';
    for (let i = 0; i < 50; i++) body += i % 2 === 0 ? `${i}\n` : `${i},x\n`;
    const src = memSource(body, { onBadLines: 'skip', batchRows: 3 });
    const t = await readAll(src);
    assert.equal(t.rows.length, 25);
    assert.equal(src.badLines.count, 25);
    assert.deepEqual(
      src.badLines.lines,
      Array.from({ length: 20 }, (_, i) => 2 + 2 * i),
    );
  });

  test('a bad final row without newline', async () => {
    const src = memSource('a,b\n1,2\n3', { onBadLines: 'skip' });
    const t = await readAll(src);
    assert.deepEqual(t.rows, [['1', '2']]);
    assert.deepEqual(src.badLines, { count: 1, lines: [3] });
  });
});

// ---------------------------------------------------------------------------
// bad input

describe('bad input', () => {
  test('missing file', async () => {
    const p = join(dir, 'nope.csv');
    await expectDataError(new CsvSource(p).schema(), (e) => {
      assert.equal(e.message, `${p}: no such file`);
      assert.equal(e.file, p);
      assert.ok(e.hint);
    });
    await expectDataError(readAll(new CsvSource(p), ['a']), (e) => assert.match(e.message, /no such file/));
  });

  test('a directory', async () => {
    const d = join(dir, 'a-folder');
    mkdirSync(d, { recursive: true });
    await expectDataError(new CsvSource(d).schema(), (e) => {
      assert.equal(e.message, `${d}: is a folder, not a file`);
      assert.ok(e.hint);
    });
  });

  test('permission denied', { skip: process.getuid?.() === 0 ? 'root can read anything' : false }, async () => {
    const p = tmpFile('secret.csv', 'a\n1\n');
    chmodSync(p, 0o000);
    try {
      await expectDataError(new CsvSource(p).schema(), (e) => assert.equal(e.message, `${p}: permission denied`));
    } finally {
      chmodSync(p, 0o644);
    }
  });

  test('permission denied, as a stream error', async () => {
    const src = new CsvSource('locked.csv', {
      open: () =>
        new Readable({
          read() {
            this.destroy(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
          },
        }),
    });
    await expectDataError(src.schema(), (e) => {
      assert.equal(e.message, 'locked.csv: permission denied');
      assert.ok(e.hint);
    });
  });

  test('zero-byte file, BOM-only file, blank-lines-only file', async () => {
    const p = tmpFile('empty.csv', '');
    await expectDataError(new CsvSource(p).schema(), (e) => assert.equal(e.message, `${p} is empty: no header row`));
    await expectDataError(memSource('\uFEFF').schema(), (e) => assert.match(e.message, /is empty: no header row/));
    await expectDataError(memSource('\n\r\n  \n').schema(), (e) => assert.match(e.message, /is empty: no header row/));
    await expectDataError(readAll(memSource('')), (e) => assert.match(e.message, /is empty/));
  });

  test('binary content', async () => {
    const bin = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00, 0xff, 0xfe]);
    await expectDataError(memSource(bin).schema(), (e) => {
      assert.equal(e.message, 'mem.csv looks binary, not CSV');
      assert.match(e.hint ?? '', /NUL byte at offset 4/);
    });
    // A NUL past the first 64 KiB is data.
    const late = Buffer.concat([Buffer.from('a\n' + 'x\n'.repeat(40_000)), Buffer.from([0]), Buffer.from('\n')]);
    const t = await readAll(memSource(late, { nullValues: [] }));
    assert.equal(t.rows.at(-1)![0], '\u0000');
  });

  test('invalid UTF-8 reports its line; latin1 reads the same bytes', async () => {
    const bytes = Buffer.concat([Buffer.from('name,city\nJosé,Zürich\nAna,'), Buffer.from([0x4d, 0xfc, 0x6e]), Buffer.from('chen\n')]);
    for (const k of CHUNK_SIZES) {
      await expectDataError(readAll(memSource(bytes, {}, k)), (e) => {
        assert.equal(e.message, 'mem.csv line 3: invalid UTF-8 (byte 0xFC)', `chunk ${k}`);
        assert.equal(e.line, 3);
        assert.match(e.hint ?? '', /encoding: latin1/);
      });
    }
    const t = await readAll(memSource(bytes, { encoding: 'latin1' }));
    assert.deepEqual(t.rows[1], ['Ana', 'München']);
    assert.equal(t.rows[0][1], 'ZÃ¼rich', 'UTF-8 bytes read as Latin-1');
  });

  test('invalid UTF-8 in the header, in a quoted field, and truncated at end of file', async () => {
    await expectDataError(readAll(memSource(Buffer.from([0x61, 0xc3, 0x28, 0x0a]))), (e) => assert.equal(e.line, 1));
    const quoted = Buffer.concat([Buffer.from('a\n"x\ny\n'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"\n')]); // a surrogate
    for (const k of [1, 2, 64 * 1024]) {
      await expectDataError(readAll(memSource(quoted, {}, k)), (e) => assert.equal(e.line, 4, `chunk ${k}`));
    }
    const truncated = Buffer.concat([Buffer.from('a\nok\n\n'), Buffer.from([0xe2, 0x82])]);
    for (const k of [1, 64 * 1024]) {
      await expectDataError(readAll(memSource(truncated, {}, k)), (e) => {
        assert.equal(e.line, 4);
        assert.match(e.message, /invalid UTF-8 \(byte 0xE2\)/);
      });
    }
  });

  test('invalid UTF-8 right after a character split across chunks', async () => {
    // Chunks of 4: [a \n E2 82] [AC FF \n b] [\n]: the euro sign is split, the bad byte follows it.
    const bytes = Buffer.concat([Buffer.from('a\n'), Buffer.from('€'), Buffer.from([0xff]), Buffer.from('\nb\n')]);
    await expectDataError(readAll(memSource(bytes, {}, 4)), (e) => {
      assert.equal(e.line, 2);
      assert.match(e.message, /byte 0xFF/);
    });
  });

  test('findInvalidUtf8 agrees with the strict rules', () => {
    const cases: Array<[number[], number]> = [
      [[0x61, 0x62], -1],
      [[0xc3, 0xa9], -1],
      [[0xc0, 0x80], 0], // overlong
      [[0x61, 0xe0, 0x80, 0x80], 1], // overlong 3-byte
      [[0xed, 0xa0, 0x80], 0], // surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0xf0, 0x9f, 0x98, 0x80], -1],
      [[0x80], 0],
      [[0xe2, 0x82], 0], // truncated
    ];
    for (const [bytes, want] of cases) assert.equal(findInvalidUtf8(Uint8Array.from(bytes), 0, bytes.length), want, bytes.join(','));
  });

  test('unterminated quote at end of file: the line where the field began', async () => {
    for (const k of CHUNK_SIZES) {
      await expectDataError(readAll(memSource('a,b\n1,2\n3,"never\nclosed\n4,5\n', {}, k)), (e) => {
        assert.match(e.message, /^mem\.csv line 3: quoted field is never closed/, `chunk ${k}`);
        assert.equal(e.line, 3);
      });
    }
  });

  test('a record over the limit is an error, not unbounded memory', async () => {
    await expectDataError(readAll(memSource(`a,b\n1,2\n3,"${'x'.repeat(5000)}\n`, { maxRecordBytes: 4096 }, 1000)), (e) => {
      assert.equal(e.message, 'mem.csv line 3: record is longer than 4 KiB');
      assert.equal(e.line, 3);
    });
  });

  test('the default limit is 64 MiB', async () => {
    const MiB = 1024 * 1024;
    const piece = Buffer.alloc(MiB, 0x78);
    const open = () =>
      Readable.from(
        (function* () {
          yield Buffer.from('a,b\n1,"');
          for (let i = 0; i < 80; i++) yield piece; // an unclosed quote swallowing 80 MiB
        })(),
      );
    await expectDataError(readAll(new CsvSource('huge.csv', { open }), ['a']), (e) => {
      assert.equal(e.message, 'huge.csv line 2: record is longer than 64 MiB');
    });
  });

  test('a stream that fails midway', async () => {
    const open = () =>
      new Readable({
        read() {
          this.push(Buffer.from('a,b\n1,2\n'));
          this.destroy(new Error('socket hang up'));
        },
      });
    await expectDataError(readAll(new CsvSource('net.csv', { open })), (e) => assert.match(e.message, /^net\.csv: cannot read: socket hang up/));
  });
});

// ---------------------------------------------------------------------------
// gzip, BOM, stdin-like streams

describe('containers and streams', () => {
  const text = 'id,name\n1,alpha\n2,NA\n3,"x\ny"\n';
  const rows = [
    ['1', 'alpha'],
    ['2', null],
    ['3', 'x\ny'],
  ];

  test('.gz is decompressed while streaming', async () => {
    const p = tmpFile('data.csv.gz', gzipSync(text));
    const t = await readAll(new CsvSource(p));
    assert.deepEqual(t.rows, rows);
    assert.deepEqual(t.lines, [2, 3, 4]);
  });

  test('gzip magic without a .gz name, in tiny chunks', async () => {
    for (const k of [1, 3, 64 * 1024]) {
      const t = await readAll(memSource(gzipSync(text), {}, k, 'data.csv'));
      assert.deepEqual(t.rows, rows, `chunk ${k}`);
    }
  });

  test('.tsv.gz means tab', async () => {
    const p = tmpFile('data.tsv.gz', gzipSync('a,x\tb\n1\t2\n'));
    const t = await readAll(new CsvSource(p));
    assert.deepEqual(t.names, ['a,x', 'b']);
  });

  test('large gzip file streams in many chunks', async () => {
    let body = 'n,sq\n';
    for (let i = 0; i < 100_000; i++) body += `${i},${i * i}\n`;
    const p = tmpFile('many.csv.gz', gzipSync(body));
    let count = 0;
    let last: unknown;
    for await (const b of new CsvSource(p).batches(['sq'])) {
      count += b.rows;
      last = b.columns.get('sq')!.values[b.rows - 1];
    }
    assert.equal(count, 100_000);
    assert.equal(last, String(99_999 * 99_999));
  });

  test('corrupt and truncated gzip are DataErrors', async () => {
    const gz = gzipSync(text);
    const corrupt = Buffer.from(gz);
    corrupt[12] ^= 0xff;
    corrupt[13] ^= 0xff;
    await expectDataError(readAll(memSource(corrupt, {}, 64 * 1024, 'bad.csv.gz')), (e) => assert.match(e.message, /^bad\.csv\.gz: is not valid gzip data/));
    const truncated = gz.subarray(0, gz.length - 12);
    await expectDataError(readAll(memSource(truncated, {}, 64 * 1024, 'cut.csv.gz')), (e) => assert.match(e.message, /is not valid gzip data/));
    await expectDataError(readAll(memSource('a,b\n1,2\n', {}, 64 * 1024, 'plain.csv.gz')), (e) => assert.match(e.message, /is not valid gzip data/));
  });

  test('BOM is stripped, also with a quoted first name', async () => {
    const t = await readAll(memSource('\uFEFF"id",v\n1,2\n'));
    assert.deepEqual(t.names, ['id', 'v']);
    const g = await readAll(memSource(gzipSync('\uFEFFid,v\n1,2\n')));
    assert.deepEqual(g.names, ['id', 'v']);
  });

  test('a one-shot stream: schema() then batches() continue the same pass', async () => {
    let opened = 0;
    const stream = chunked(text, 5);
    const src = new CsvSource('-', {
      open: () => {
        opened++;
        return stream();
      },
    });
    assert.equal(src.description, '-');
    assert.deepEqual(
      (await src.schema()).map((c) => c.name),
      ['id', 'name'],
    );
    const t = await readAll(src);
    assert.deepEqual(t.rows, rows);
    assert.equal(opened, 1);
  });

  test('messages name stdin for "-"', async () => {
    const src = new CsvSource('-', { open: chunked('a,b\n1\n', 64) });
    await expectDataError(readAll(src), (e) => assert.equal(e.message, 'stdin line 2: expected 2 fields, got 1'));
  });

  test('stopping early closes the file', async () => {
    let body = 'n\n';
    for (let i = 0; i < 200_000; i++) body += `${i}\n`;
    const p = tmpFile('early.csv', body);
    const src = new CsvSource(p, { batchRows: 10 });
    for await (const b of src.batches()) {
      assert.equal(b.rows, 10);
      break;
    }
    rmSync(p); // would fail on some platforms if still open; here it just must not hang
    const gz = tmpFile('early.csv.gz', gzipSync(body));
    assert.deepEqual(await new CsvSource(gz).schema(), [{ name: 'n', type: 'text' }]);
    for await (const b of new CsvSource(gz, { batchRows: 10 }).batches()) {
      assert.deepEqual(b.columns.get('n')!.values.length, 10);
      break;
    }
  });
});

// ---------------------------------------------------------------------------
// property: any input, any chunking, same answer as a plain reference parser

interface RefResult {
  header: string[] | null;
  rows: string[][];
  lines: number[];
  bad: number[];
  error?: number;
}

/** A direct, character-at-a-time reading of the pandas C tokenizer rules. */
function reference(text: string, delim: string, quote: string): RefResult {
  const records: Array<{ fields: string[]; line: number }> = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  const blank = (c: string) => (c === ' ' || c === '\t') && c !== delim;
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === '\r') {
      line++;
      i++;
      if (text[i] === '\n') i++;
      continue;
    }
    if (blank(c)) {
      let j = i;
      while (j < n && blank(text[j])) j++;
      if (j === n) break;
      if (text[j] === '\n' || text[j] === '\r') {
        i = j;
        continue;
      }
    }
    const fields: string[] = [];
    const recLine = line;
    for (;;) {
      let f = '';
      if (text[i] === quote) {
        const qLine = line;
        i++;
        for (;;) {
          if (i >= n) return { header: null, rows: [], lines: [], bad: [], error: qLine };
          const ch = text[i];
          if (ch === quote) {
            if (text[i + 1] === quote) {
              f += quote;
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n' && text[i - 1] !== '\r') line++;
          if (ch === '\r') line++;
          f += ch;
          i++;
        }
      }
      while (i < n && text[i] !== delim && text[i] !== '\n' && text[i] !== '\r') f += text[i++];
      fields.push(f);
      if (i >= n) break;
      const t = text[i++];
      if (t === delim) {
        if (i >= n) {
          fields.push('');
          break;
        }
        continue;
      }
      line++;
      if (t === '\r' && text[i] === '\n') i++;
      break;
    }
    records.push({ fields, line: recLine });
  }
  if (records.length === 0) return { header: null, rows: [], lines: [], bad: [] };
  const header = records[0].fields;
  const out: RefResult = { header, rows: [], lines: [], bad: [] };
  for (const r of records.slice(1)) {
    if (r.fields.length === header.length) {
      out.rows.push(r.fields);
      out.lines.push(r.line);
    } else out.bad.push(r.line);
  }
  return out;
}

/** Reads `text` with CsvSource in chunks and checks it against the reference parser. */
async function checkAgainstReference(text: string, d: string, chunk: number): Promise<void> {
  const ref = reference(text, d, '"');
  const opts: CsvOptions = { delimiter: d, nullValues: [], onBadLines: 'skip', batchRows: 2 };
  const src = memSource(text, opts, chunk);
  if (ref.error !== undefined) {
    await expectDataError(readAll(src), (e) => assert.equal(e.line, ref.error));
    return;
  }
  if (ref.header === null) {
    await expectDataError(readAll(src), (e) => assert.match(e.message, /is empty/));
    return;
  }
  const t = await readAll(src);
  assert.deepEqual(t.names, pandasColumnNames(ref.header));
  assert.deepEqual(t.rows, ref.rows);
  assert.deepEqual(t.lines, ref.lines);
  assert.deepEqual(src.badLines, { count: ref.bad.length, lines: ref.bad.slice(0, 20) });
}

describe('property: matches the reference parser under any chunking', () => {
  const delim = fc.constantFrom(',', ';', '\t');
  const chunk = fc.integer({ min: 1, max: 9 });

  test('random byte soup', async () => {
    const unit = fc.constantFrom(
      ...['a', 'b', 'é', '€', 'NA', '', ' ', '\t', ',', ';', ',', ';', '\n', '\r', '\r\n', '\n'],
      ...['"', '""', '"x"', '"a,b"', '"q""q"', '"l\nl"', '"r\r\nr"', '"s;t"'],
    );
    await fc.assert(
      fc.asyncProperty(fc.array(unit, { maxLength: 60 }), delim, chunk, async (parts, d, k) => checkAgainstReference(parts.join(''), d, k)),
      { numRuns: 300 },
    );
  });

  test('random tables: quoting, line endings, blank lines, ragged rows', async () => {
    const unquoted = fc.array(fc.constantFrom('a', 'é', '€', ' ', 'N', 'A', '"', '1'), { maxLength: 4 }).map((a) => a.join(''));
    const quotedBody = fc.array(fc.constantFrom('x', ',', ';', '\t', '\n', '\r\n', '\r', '""', ' ', 'é'), { maxLength: 5 });
    const quoted = fc.tuple(quotedBody, fc.constantFrom('', '', '', 'z')).map(([b, tail]) => `"${b.join('')}"${tail}`);
    const field = fc.oneof(unquoted, quoted);
    const eol = fc.constantFrom('\n', '\r\n', '\r');
    const table = fc
      .record({
        width: fc.integer({ min: 1, max: 4 }),
        rows: fc.array(
          fc.record({
            fields: fc.array(field, { minLength: 5, maxLength: 5 }),
            widthDelta: fc.constantFrom(0, 0, 0, 0, 0, 0, -1, 1),
            eol,
            blankAfter: fc.constantFrom('', '', '', '', '\n', '  \n', '\r\n', '\t\n'),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        finalEol: fc.boolean(),
      })
      .map(({ width, rows, finalEol }) => (d: string) => {
        let text = '';
        rows.forEach((r, i) => {
          const n = i === 0 ? width : Math.max(1, width + r.widthDelta);
          text += r.fields.slice(0, n).join(d);
          if (i < rows.length - 1 || finalEol) text += r.eol + r.blankAfter;
        });
        return text;
      });
    await fc.assert(
      fc.asyncProperty(table, delim, chunk, async (make, d, k) => checkAgainstReference(make(d), d, k)),
      { numRuns: 300 },
    );
  });
});

describe('released batches', () => {
  /** Rows of every batch, decoded before the batch is released (or kept, when not releasing). */
  async function rowsOf(src: CsvSource, release: boolean): Promise<{ rows: (string | null)[][]; lines: number[]; regions: Set<ArrayBufferLike> }> {
    const names = (await src.schema()).map((c) => c.name);
    const rows: (string | null)[][] = [];
    const lines: number[] = [];
    const regions = new Set<ArrayBufferLike>();
    const kept = [];
    for await (const b of src.batches()) {
      for (const col of b.columns.values()) if (col.bytes) regions.add(col.bytes.buf.buffer);
      if (!release) {
        kept.push(b);
        continue;
      }
      for (let r = 0; r < b.rows; r++) {
        rows.push(names.map((n) => b.columns.get(n)!.values[r] as string | null));
        lines.push(b.origin.lines![r]);
      }
      b.release?.();
    }
    // Without release, batches are read only after the whole pass: nothing under them changed.
    for (const b of kept) {
      for (let r = 0; r < b.rows; r++) {
        rows.push(names.map((n) => b.columns.get(n)!.values[r] as string | null));
        lines.push(b.origin.lines![r]);
      }
    }
    return { rows, lines, regions };
  }

  test('reuse chunk buffers and arrays, and read the same rows as batches kept whole', async () => {
    // ~6 MB: records cross every 1 MiB chunk boundary; quoted line breaks, doubled quotes,
    // CRLF, null tokens, and one record longer than the free bytes in front of a chunk.
    let text = 'id,name,note\r\n';
    let i = 0;
    while (text.length < 6_000_000) {
      const note = i % 7 === 0 ? `"line one\nline ""two"" ${i}"` : i % 11 === 0 ? 'NA' : `plain ${i}`;
      text += `${i},name-${i % 97},${note}\r\n`;
      if (i === 40_000) text += `${i}-long,${'x'.repeat(200_000)},"${'y\n'.repeat(10)}"\r\n`;
      i++;
    }
    const file = tmpFile('released.csv', text);
    for (const batchRows of [undefined, 5_000]) {
      const released = await rowsOf(new CsvSource(file, { batchRows }), true);
      const kept = await rowsOf(new CsvSource(file, { batchRows }), false);
      assert.equal(released.rows.length, i + 1);
      assert.deepEqual(released.rows, kept.rows);
      assert.deepEqual(released.lines, kept.lines);
      assert.ok(kept.regions.size >= 6, `kept: a buffer per chunk (${kept.regions.size})`);
      assert.ok(released.regions.size <= 4, `released: chunk buffers reused (${released.regions.size} for ${kept.regions.size} chunks)`);
    }
  });

  test('a pass that stops early leaves no read behind: the file is closed and nothing is rejected unhandled', async () => {
    const openFds = () => (process.platform === 'linux' ? readdirSync('/proc/self/fd').length : 0);
    let text = 'id,v\n';
    for (let i = 0; text.length < 5_000_000; i++) text += `${i},${i % 13}\n`;
    const file = tmpFile('early-stop.csv', text);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const before = openFds();
      for (const stopAfter of [1, 2, 3]) {
        let seen = 0;
        for await (const b of new CsvSource(file).batches(['v'])) {
          b.release?.();
          if (++seen === stopAfter) break;
        }
        assert.equal(seen, stopAfter);
      }
      // The header-only pass stops after the first chunk.
      assert.deepEqual((await new CsvSource(file).schema()).map((c) => c.name), ['id', 'v']);
      // Closing waits for a read still running; give it a moment.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(openFds(), before, 'every file handle closed');
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
