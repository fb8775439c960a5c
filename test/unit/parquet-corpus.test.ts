/**
 * ParquetSource over Apache's parquet-testing corpus (test/data/parquet-testing), checked
 * against what DuckDB reads from the same files (manifest.json).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ColumnInfo, ColumnType } from '../../src/batch.js';
import { DataError } from '../../src/errors.js';
import { ParquetSource } from '../../src/sources/parquet.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../data/parquet-testing');

interface ManifestEntry {
  shape: 'flat' | 'nested' | 'bad';
  rows?: number;
  columns?: Record<string, { duckdb_type: string; nulls: number }>;
  duckdb?: string;
  rows_from_metadata?: number;
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as Record<string, ManifestEntry>;

/**
 * Files DuckDB reads in full but this reader does not. Each is asserted to still fail with
 * the given error, so the list cannot go stale.
 */
const KNOWN_GAPS: { file: string; reason: string; error: RegExp }[] = [
  {
    file: 'data/datapage_v1-corrupt-checksum.parquet',
    reason: 'deliberate: the first page of each column fails its CRC32 check (its data is corrupt); DuckDB does not verify page checksums and returns the corrupt values',
    error: /column 'a', row group 0, page 1 at byte 4: page checksum mismatch/,
  },
  {
    file: 'data/rle-dict-uncompressed-corrupt-checksum.parquet',
    reason: 'deliberate: a page fails its CRC32 check (its data is corrupt); DuckDB does not verify page checksums',
    error: /column 'long_field', row group 0, page 1 at byte 4: page checksum mismatch/,
  },
];

/**
 * What this reader does with the files DuckDB cannot read in full (and the bad_data files):
 * `rows` when it reads them completely, or the DataError it raises.
 */
const OUTCOMES: Record<string, { rows: number } | { error: RegExp }> = {
  'bad_data/ARROW-GH-41317.parquet': { error: /corrupt footer: row group 1 has a chunk for 'timestampWus_no_tz'/ },
  'bad_data/ARROW-GH-41321.parquet': { error: /column 'int64', row group 0, page 2 at byte 1313: cannot decode PLAIN_DICTIONARY page: bitpack offset 9 out of range/ },
  'bad_data/ARROW-GH-43605.parquet': { rows: 21186 },
  'bad_data/ARROW-GH-45185.parquet': { error: /column 'x', row group 0: cannot decode nested column: corrupt data/ },
  'bad_data/ARROW-GH-47662.parquet': { error: /column 'flba_field', row group 0, page 10 at byte 3441: cannot decode PLAIN page: corrupt data/ },
  'bad_data/ARROW-RS-GH-6229-DICTHEADER.parquet': { error: /column 'name' in row group 0 points at bytes 129\.\.451, outside the data area/ },
  'bad_data/ARROW-RS-GH-6229-LEVELS.parquet': { error: /column 'outer', row group 0: cannot decode nested column: corrupt data/ },
  'bad_data/PARQUET-1481.parquet': { error: /corrupt footer metadata: malformed structure/ },
  'data/byte_stream_split_extended.gzip.parquet': { rows: 200 },
  'data/hadoop_lz4_compressed.parquet': { rows: 4 },
  'data/hadoop_lz4_compressed_larger.parquet': { rows: 10000 },
  'data/non_hadoop_lz4_compressed.parquet': { rows: 4 },
  'data/map_no_value.parquet': { rows: 3 },
  'data/large_string_map.brotli.parquet': { error: /column 'arr', row group 0: nested column of 2147483827 bytes uncompressed is larger than the \d+-byte limit/ },
};

/** The dqc type a DuckDB type corresponds to. */
function expectedType(duckdbType: string): ColumnType {
  if (/\[\]$|^STRUCT|^MAP/.test(duckdbType)) return 'nested';
  if (/^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?)$/.test(duckdbType)) return 'integer';
  if (duckdbType === 'FLOAT' || duckdbType === 'DOUBLE') return 'float';
  if (duckdbType === 'BOOLEAN') return 'boolean';
  if (duckdbType === 'VARCHAR' || duckdbType === 'UUID') return 'string';
  if (duckdbType === 'BLOB') return 'binary';
  if (duckdbType.startsWith('DECIMAL')) return 'decimal';
  if (duckdbType.startsWith('TIMESTAMP')) return 'timestamp';
  if (duckdbType === 'DATE') return 'date';
  throw new Error(`no dqc type for DuckDB type ${duckdbType}`);
}

interface ReadResult {
  schema: ColumnInfo[];
  rows: number;
  nulls: Map<string, number>;
  values: Map<string, unknown[]>;
}

/** Read everything (or `columns`); only DataErrors may escape, and they must name the file. */
async function read(file: string, columns?: string[]): Promise<ReadResult | DataError> {
  const path = join(ROOT, file);
  const source = new ParquetSource(path);
  try {
    const schema = await source.schema();
    let rows = 0;
    let expectedStart = 0;
    const nulls = new Map<string, number>();
    const values = new Map<string, unknown[]>();
    for await (const batch of source.batches(columns)) {
      assert.equal(batch.origin.file, path);
      assert.equal(batch.origin.rowStart, expectedStart);
      expectedStart += batch.rows;
      rows += batch.rows;
      for (const [name, column] of batch.columns) {
        assert.equal(column.values.length, batch.rows, `${file}: column ${name} length`);
        let n = nulls.get(name) ?? 0;
        const all = values.get(name) ?? [];
        for (let i = 0; i < column.values.length; i++) {
          const v = column.values[i];
          if (v === null || v === undefined) n++;
          all.push(v);
        }
        nulls.set(name, n);
        values.set(name, all);
      }
    }
    return { schema, rows, nulls, values };
  } catch (err) {
    assert.ok(err instanceof DataError, `${file}: expected a DataError, got ${(err as Error)?.stack ?? String(err)}`);
    assert.equal(err.file, path, `${file}: DataError.file`);
    assert.ok(err.message.startsWith(`${path}: `), `${file}: message does not name the file: ${err.message}`);
    return err;
  }
}

async function readOk(file: string, columns?: string[]): Promise<ReadResult> {
  const result = await read(file, columns);
  if (result instanceof DataError) assert.fail(`${file}: ${result.message}`);
  return result;
}

describe('parquet-testing corpus against DuckDB', () => {
  test('every file of the corpus is in the manifest, every gap and outcome is in the corpus', () => {
    for (const gap of KNOWN_GAPS) assert.ok(manifest[gap.file], gap.file);
    for (const file of Object.keys(OUTCOMES)) assert.ok(manifest[file], file);
  });

  for (const [file, entry] of Object.entries(manifest)) {
    const gap = KNOWN_GAPS.find((g) => g.file === file);
    const outcome = OUTCOMES[file];
    const readByDuckdb = entry.rows !== undefined && entry.columns !== undefined;

    test(`${file} (${entry.shape}${readByDuckdb ? '' : ', DuckDB cannot read it'})`, async () => {
      const result = await read(file);

      if (gap) {
        assert.ok(result instanceof DataError, `${file} is a known gap (${gap.reason}) but now reads: drop it from KNOWN_GAPS`);
        assert.match(result.message, gap.error);
        return;
      }
      if (outcome && 'error' in outcome) {
        assert.ok(result instanceof DataError, `${file}: expected ${outcome.error}, but it reads`);
        assert.match(result.message, outcome.error);
        return;
      }
      if (result instanceof DataError) assert.fail(`${file}: ${result.message}`);

      if (!readByDuckdb) {
        assert.ok(outcome && 'rows' in outcome, `${file}: DuckDB cannot read it; record what this reader does in OUTCOMES`);
        assert.equal(result.rows, outcome.rows);
        if (entry.rows_from_metadata !== undefined) assert.equal(result.rows, entry.rows_from_metadata);
        return;
      }
      if (outcome && 'rows' in outcome) assert.equal(result.rows, outcome.rows);

      const columns = entry.columns as NonNullable<ManifestEntry['columns']>;
      assert.equal(result.rows, entry.rows, `${file}: row count`);
      assert.deepEqual(result.schema.map((c) => c.name).sort(), Object.keys(columns).sort(), `${file}: column names`);
      for (const info of result.schema) {
        const expected = columns[info.name];
        assert.ok(expected, `${file}: column ${info.name} is not in DuckDB's result`);
        assert.equal(info.type, expectedType(expected.duckdb_type), `${file}: type of ${info.name} (DuckDB ${expected.duckdb_type})`);
        assert.equal(result.nulls.get(info.name) ?? 0, expected.nulls, `${file}: nulls in ${info.name}`);
      }
      if (result.rows > 0) assert.equal(result.nulls.size, result.schema.length, `${file}: every column was read`);

      if (result.schema.some((c) => c.type === 'nested')) {
        // Flat columns read on their own, without touching the nested ones.
        const flat = result.schema.filter((c) => c.type !== 'nested').map((c) => c.name);
        const alone = await readOk(file, flat);
        assert.equal(alone.rows, entry.rows);
        assert.deepEqual([...alone.nulls.keys()], flat);
        for (const name of flat) assert.equal(alone.nulls.get(name), columns[name].nulls, `${file}: nulls in ${name} read alone`);
      }
    });
  }

  test('the known-gap list stays small', () => {
    assert.ok(KNOWN_GAPS.length <= 2, KNOWN_GAPS.map((g) => `${g.file}: ${g.reason}`).join('\n'));
  });
});

// ---------------------------------------------------------------------------
// Decoded values

function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    let value: string | null;
    if (text[i] === '"') {
      let end = i + 1;
      value = '';
      for (;;) {
        const q = text.indexOf('"', end);
        if (text[q + 1] === '"') {
          value += text.slice(end, q + 1);
          end = q + 2;
        } else {
          value += text.slice(end, q);
          i = q + 1;
          break;
        }
      }
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      value = end === i ? null : text.slice(i, end);
      i = end;
    }
    row.push(value);
    if (text[i] === ',') {
      i++;
    } else {
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      rows.push(row);
      row = [];
    }
  }
  return rows;
}

/** Day number of a proleptic Gregorian date (days since 1970-01-01), for years Date cannot hold. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const text = (v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : v);

describe('parquet-testing corpus: decoded values', () => {
  test('int96_from_spark.parquet: far-out timestamps are right, not wrapped or clamped', async () => {
    const { values, schema } = await readOk('data/int96_from_spark.parquet');
    assert.deepEqual(schema, [{ name: 'a', type: 'timestamp' }]);
    const a = values.get('a') as (number | null)[];
    const expected = [
      Date.UTC(2024, 0, 1, 20, 34, 56, 123) + 0.456,
      Date.UTC(2024, 0, 1, 1),
      Date.UTC(9999, 11, 31, 3),
      Date.UTC(2024, 11, 30, 23),
      null,
      daysFromCivil(290000, 12, 30) * 86_400_000 + 23 * 3_600_000, // beyond the range of Date
    ];
    assert.equal(a.length, expected.length);
    for (let i = 0; i < a.length; i++) {
      if (expected[i] === null) assert.equal(a[i], null);
      else assert.ok(Math.abs((a[i] as number) - (expected[i] as number)) < 0.001, `value ${i}: ${a[i]} != ${expected[i]}`);
    }
  });

  for (const name of ['delta_binary_packed', 'delta_byte_array', 'delta_encoding_optional_column', 'delta_encoding_required_column']) {
    test(`${name}.parquet matches ${name}_expect.csv`, async () => {
      const csv = parseCsv(readFileSync(join(ROOT, `data/${name}_expect.csv`), 'utf8'));
      const [header, ...rows] = csv;
      const { schema, values } = await readOk(`data/${name}.parquet`);
      assert.equal(schema.length, header.length);
      assert.equal(values.get(schema[0].name)?.length, rows.length);
      schema.forEach((column, c) => {
        const got = values.get(column.name) as unknown[];
        for (let r = 0; r < rows.length; r++) {
          const want = rows[r][c];
          const v = got[r];
          assert.equal(v === null ? null : String(v), want, `${column.name} row ${r}`);
        }
      });
    });
  }

  test('nation.dict-malformed.parquet: the 25 nation names, or an error', async () => {
    const result = await read('data/nation.dict-malformed.parquet');
    if (result instanceof DataError) return;
    assert.deepEqual(result.values.get('name')?.map(text), [
      'ALGERIA', 'ARGENTINA', 'BRAZIL', 'CANADA', 'EGYPT', 'ETHIOPIA', 'FRANCE', 'GERMANY', 'INDIA',
      'INDONESIA', 'IRAN', 'IRAQ', 'JAPAN', 'JORDAN', 'KENYA', 'MOROCCO', 'MOZAMBIQUE', 'PERU', 'CHINA',
      'ROMANIA', 'SAUDI ARABIA', 'VIETNAM', 'RUSSIA', 'UNITED KINGDOM', 'UNITED STATES',
    ]);
    assert.deepEqual(result.values.get('nation_key'), Array.from({ length: 25 }, (_, i) => i));
  });

  test('binary_truncated_min_max.parquet: binary is not mangled, strings are strings', async () => {
    const { values, schema } = await readOk('data/binary_truncated_min_max.parquet');
    for (const column of schema) {
      const all = values.get(column.name) as unknown[];
      if (column.name.startsWith('binary')) {
        assert.equal(column.type, 'binary');
        for (const v of all) assert.ok(v instanceof Uint8Array, `${column.name}: ${String(v)}`);
      } else {
        assert.equal(column.type, 'string');
        for (const v of all) assert.equal(typeof v, 'string');
      }
    }
    const last = (values.get('binary_partial_truncation') as Uint8Array[]).at(-1) as Uint8Array;
    assert.deepEqual(Array.from(last), [0xff, 0xff, 0x01, 0x02]);
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(last));
    assert.equal(values.get('utf8_partial_truncation')?.at(-1), '🚀Kevin Bacon');
    assert.equal(text(values.get('binary_full_truncation')?.[0]), 'Blart Versenwald III');
  });

  test('byte_stream_split_extended.gzip.parquet: BYTE_STREAM_SPLIT columns equal their PLAIN twins', async () => {
    const { values, schema } = await readOk('data/byte_stream_split_extended.gzip.parquet');
    const plain = schema.filter((c) => c.name.endsWith('_plain'));
    assert.equal(plain.length, 7);
    for (const column of plain) {
      const twin = column.name.replace(/_plain$/, '_byte_stream_split');
      const a = values.get(column.name) as unknown[];
      const b = values.get(twin) as unknown[];
      assert.equal(a.length, 200);
      assert.deepEqual(b.map(text), a.map(text), twin);
    }
  });

  test('LZ4 (hadoop framing, raw, and legacy without framing) decode to the same values', async () => {
    for (const file of ['hadoop_lz4_compressed', 'non_hadoop_lz4_compressed', 'lz4_raw_compressed']) {
      const { values } = await readOk(`data/${file}.parquet`);
      assert.deepEqual(values.get('c0'), [1593604800, 1593604800, 1593604801, 1593604801], file);
      assert.deepEqual(values.get('c1')?.map(text), ['abc', 'def', 'abc', 'def'], file);
      assert.deepEqual(values.get('v11'), [42, 7.7, 42.125, 7.7], file);
    }
  });

  test('concatenated_gzip_members.parquet: all gzip members are decompressed', async () => {
    const { values } = await readOk('data/concatenated_gzip_members.parquet');
    assert.deepEqual(values.get('long_col'), Array.from({ length: 513 }, (_, i) => i + 1));
  });

  test('decimals are numbers', async () => {
    for (const file of ['int32_decimal', 'int64_decimal', 'byte_array_decimal', 'fixed_length_decimal', 'fixed_length_decimal_legacy']) {
      const { values, schema } = await readOk(`data/${file}.parquet`);
      assert.deepEqual(schema, [{ name: 'value', type: 'decimal' }], file);
      assert.deepEqual(values.get('value'), Array.from({ length: 24 }, (_, i) => i + 1), file);
    }
  });

  test('float16 values, NaN kept as NaN', async () => {
    const { values } = await readOk('data/float16_nonzeros_and_nans.parquet');
    assert.deepEqual(values.get('x'), [null, 1, -2, NaN, 0, -1, -0, 2]);
  });

  test('alltypes_plain.parquet: INT96 timestamps and the other primitive types', async () => {
    const { values } = await readOk('data/alltypes_plain.parquet');
    assert.deepEqual(values.get('id'), [4, 5, 6, 7, 2, 3, 0, 1]);
    assert.deepEqual(values.get('bool_col'), [true, false, true, false, true, false, true, false]);
    assert.deepEqual(values.get('bigint_col'), [0, 10, 0, 10, 0, 10, 0, 10]);
    assert.deepEqual(values.get('double_col'), [0, 10.1, 0, 10.1, 0, 10.1, 0, 10.1]);
    assert.deepEqual(values.get('date_string_col')?.map(text), ['03/01/09', '03/01/09', '04/01/09', '04/01/09', '02/01/09', '02/01/09', '01/01/09', '01/01/09']);
    assert.deepEqual(values.get('timestamp_col'), [
      Date.UTC(2009, 2, 1), Date.UTC(2009, 2, 1, 0, 1), Date.UTC(2009, 3, 1), Date.UTC(2009, 3, 1, 0, 1),
      Date.UTC(2009, 1, 1), Date.UTC(2009, 1, 1, 0, 1), Date.UTC(2009, 0, 1), Date.UTC(2009, 0, 1, 0, 1),
    ]);
  });

  test('repeated_no_annotation.parquet: rows come from the row groups, not the footer total of 0', async () => {
    const { rows, values } = await readOk('data/repeated_no_annotation.parquet');
    assert.equal(rows, 6);
    assert.deepEqual(values.get('id'), [1, 2, 3, 4, 5, 6]);
  });

  test('files with valid page checksums read', async () => {
    for (const file of ['datapage_v1-uncompressed-checksum', 'datapage_v1-snappy-compressed-checksum', 'plain-dict-uncompressed-checksum', 'rle-dict-snappy-checksum']) {
      const { rows } = await readOk(`data/${file}.parquet`);
      assert.ok(rows > 0, file);
    }
  });
});
