import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetMetadata, type FileMetaData } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { ByteWriter, parquetWriteBuffer } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import type { ColumnBatch } from '../../src/batch.js';
import { DataError } from '../../src/errors.js';
import { BATCH_ROWS, ParquetSource } from '../../src/sources/parquet.js';
import { int96ToMillis } from '../../src/sources/parquet-column.js';
import { openError } from '../../src/sources/parquet-file.js';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '../data/parquet-testing');

// ---------------------------------------------------------------------------
// Test data

type WriteOptions = Omit<Parameters<typeof parquetWriteBuffer>[0], 'columnData'>;
type ColumnSource = Parameters<typeof parquetWriteBuffer>[0]['columnData'][number];

const CATEGORIES = ['groceries', 'electronics', 'travel', 'dining', 'fuel', 'health', 'books', 'utilities'];
const T0 = Date.UTC(2024, 0, 1);
const BIG = 2n ** 60n;

/** Transaction-like rows; `expected` holds the values the source must return. */
function transactions(n: number) {
  const id: bigint[] = [];
  const userId = new Int32Array(n);
  const amount: (number | null)[] = [];
  const category: (string | null)[] = [];
  const flag: boolean[] = [];
  const createdAt: number[] = [];
  const big: bigint[] = [];
  for (let i = 0; i < n; i++) {
    id.push(BigInt(i + 1));
    userId[i] = (i * 7919) % 100_003;
    amount.push(i % 7 === 3 ? null : Math.round(((i * 3571) % 100_000) * 1.37) / 100);
    category.push(i % 11 === 5 ? null : CATEGORIES[(i * 31) % CATEGORIES.length]);
    flag.push(i % 3 === 0);
    createdAt.push(T0 + i * 1000 + (i % 997));
    big.push(i % 5 === 0 ? BIG + BigInt(i) : BigInt(i) - 50n);
  }
  const columnData: ColumnSource[] = [
    { name: 'id', data: id, type: 'INT64', nullable: false },
    { name: 'user_id', data: userId, type: 'INT32', nullable: false },
    { name: 'amount', data: amount, type: 'DOUBLE' },
    { name: 'category', data: category, type: 'STRING' },
    { name: 'flag', data: flag, type: 'BOOLEAN' },
    { name: 'created_at', data: createdAt.map((t) => new Date(t)), type: 'TIMESTAMP' },
    { name: 'big', data: big, type: 'INT64' },
  ];
  const expected: Record<string, unknown[]> = {
    id: id.map((v) => Number(v)),
    user_id: Array.from(userId),
    amount,
    category,
    flag,
    created_at: createdAt,
    big: big.map((v) => (v > BigInt(Number.MAX_SAFE_INTEGER) ? v : Number(v))),
  };
  return { columnData, expected };
}

function parquetBytes(columnData: ColumnSource[], options: WriteOptions = {}): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({ columnData, ...options }));
}

let dir: string;
let counter = 0;

async function tmpFile(bytes: Uint8Array | string, name = `f${counter++}.parquet`): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dqc-parquet-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// Helpers

async function collect(source: ParquetSource, columns?: string[]) {
  const batches: ColumnBatch[] = [];
  const values = new Map<string, unknown[]>();
  for await (const batch of source.batches(columns)) {
    batches.push(batch);
    for (const [name, column] of batch.columns) {
      assert.equal(column.values.length, batch.rows, `column ${name} has ${column.values.length} values in a ${batch.rows}-row batch`);
      const all = values.get(name) ?? [];
      for (let i = 0; i < column.values.length; i++) all.push(column.values[i]);
      values.set(name, all);
    }
  }
  return { batches, values };
}

async function drain(source: ParquetSource, columns?: string[]): Promise<number> {
  let rows = 0;
  for await (const batch of source.batches(columns)) rows += batch.rows;
  return rows;
}

/** Assert that `fn` rejects with a DataError for `path` whose message matches `pattern`. */
async function rejectsData(fn: () => Promise<unknown>, path: string, pattern: RegExp): Promise<DataError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof DataError, `expected a DataError, got ${(err as Error)?.stack ?? String(err)}`);
    assert.equal(err.file, path);
    assert.ok(err.message.includes(path), `message does not name the file: ${err.message}`);
    assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected a DataError matching ${pattern} for ${path}`);
}

/** Both schema() and a full read fail with a DataError matching `pattern`. */
async function unreadable(path: string, pattern: RegExp): Promise<void> {
  const source = new ParquetSource(path);
  await rejectsData(() => source.schema(), path, pattern);
  await rejectsData(() => drain(source), path, pattern);
}

function footerOf(bytes: Uint8Array): { metadata: FileMetaData; start: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(bytes.length - 8, true);
  return { metadata: parquetMetadata(bytes), start: bytes.length - 8 - length };
}

/** The file with its footer rewritten after `edit` changed the parsed metadata. */
function withFooter(bytes: Uint8Array, edit: (metadata: FileMetaData) => void): Uint8Array {
  const { metadata, start } = footerOf(bytes);
  edit(metadata);
  const writer = new ByteWriter();
  writeMetadata(writer, metadata as Parameters<typeof writeMetadata>[1]);
  const footer = new Uint8Array(writer.getBuffer());
  const out = new Uint8Array(start + footer.length + 8);
  out.set(bytes.subarray(0, start));
  out.set(footer, start);
  const view = new DataView(out.buffer);
  view.setUint32(start + footer.length, footer.length, true);
  out.set(new TextEncoder().encode('PAR1'), start + footer.length + 4);
  return out;
}

/** The file with the first page header of `column` (in row group 0) rewritten by `edit`. */
function withPageHeader(
  bytes: Uint8Array,
  column: string,
  edit: (header: ReturnType<typeof parquetHeader>) => void,
): Uint8Array {
  const { metadata } = footerOf(bytes);
  const chunk = metadata.row_groups[0].columns.find((c) => c.meta_data?.path_in_schema[0] === column);
  assert.ok(chunk?.meta_data);
  const start = Number(chunk.meta_data.dictionary_page_offset || chunk.meta_data.data_page_offset);
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset + start), offset: 0 };
  const header = parquetHeader(reader);
  edit(header);
  const writer = new ByteWriter();
  writePageHeader(writer, header as Parameters<typeof writePageHeader>[1]);
  const encoded = new Uint8Array(writer.getBuffer());
  assert.equal(encoded.length, reader.offset, 'rewritten page header must keep its length');
  const out = bytes.slice();
  out.set(encoded, start);
  return out;
}

function chunkRange(bytes: Uint8Array, column: string, group = 0): [number, number] {
  const { metadata } = footerOf(bytes);
  const meta = metadata.row_groups[group].columns.find((c) => c.meta_data?.path_in_schema[0] === column)?.meta_data;
  assert.ok(meta);
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return [start, start + Number(meta.total_compressed_size)];
}

// ---------------------------------------------------------------------------

describe('ParquetSource: streaming', () => {
  test('several row groups give several batches with the right origin and values', async () => {
    const { columnData, expected } = transactions(4500);
    const path = await tmpFile(parquetBytes(columnData, { rowGroupSize: 1000, pageSize: 4096 }));
    const source = new ParquetSource(path);
    assert.equal(source.description, path);
    assert.deepEqual(await source.schema(), [
      { name: 'id', type: 'integer' },
      { name: 'user_id', type: 'integer' },
      { name: 'amount', type: 'float' },
      { name: 'category', type: 'string' },
      { name: 'flag', type: 'boolean' },
      { name: 'created_at', type: 'timestamp' },
      { name: 'big', type: 'integer' },
    ]);
    const { batches, values } = await collect(source);
    assert.deepEqual(batches.map((b) => b.rows), [1000, 1000, 1000, 1000, 500]);
    assert.deepEqual(batches.map((b) => b.origin.rowStart), [0, 1000, 2000, 3000, 4000]);
    for (const b of batches) assert.equal(b.origin.file, path);
    for (const [name, want] of Object.entries(expected)) {
      assert.deepEqual(values.get(name), want, `column ${name}`);
    }
    assert.equal(values.get('amount')?.filter((v) => v === null).length, expected.amount.filter((v) => v === null).length);
    assert.equal(typeof values.get('big')?.[0], 'bigint', 'INT64 beyond 2^53 stays a bigint');
    assert.equal(typeof values.get('big')?.[1], 'number', 'INT64 within 2^53 is a number');
  });

  test('a large row group is cut into batches of at most BATCH_ROWS rows', async () => {
    const n = BATCH_ROWS * 2 + 18_928;
    const { columnData, expected } = transactions(n);
    const path = await tmpFile(parquetBytes(columnData, { rowGroupSize: n, pageSize: 16 * 1024 }));
    const { batches, values } = await collect(new ParquetSource(path));
    assert.deepEqual(batches.map((b) => b.rows), [BATCH_ROWS, BATCH_ROWS, 18_928]);
    assert.deepEqual(batches.map((b) => b.origin.rowStart), [0, BATCH_ROWS, 2 * BATCH_ROWS]);
    for (const [name, want] of Object.entries(expected)) {
      assert.deepEqual(values.get(name), want, `column ${name}`);
    }
  });

  test('row groups and batches combine: rowStart stays global', async () => {
    const n = 70_000 + 3_000;
    const { columnData, expected } = transactions(n);
    const path = await tmpFile(parquetBytes(columnData, { rowGroupSize: 70_000, codec: 'UNCOMPRESSED' }));
    const { batches, values } = await collect(new ParquetSource(path), ['id', 'amount']);
    assert.deepEqual(batches.map((b) => [b.origin.rowStart, b.rows]), [[0, BATCH_ROWS], [BATCH_ROWS, 70_000 - BATCH_ROWS], [70_000, 3_000]]);
    assert.deepEqual(values.get('id'), expected.id);
    assert.deepEqual(values.get('amount'), expected.amount);
  });

  test('temporal and decimal types are epoch milliseconds and numbers', async () => {
    const nanos = [1_704_141_296_123_456_789n, null, -1n, 9_000_000_000_000_000_123n];
    const micros = [1_704_141_296_123_456n, -86_400_000_001n, null, 9_000_000_000_000_000n];
    const days = [19_723, -1, null, 2_932_896];
    const bytes = new Uint8Array(parquetWriteBuffer({
      columnData: [
        { name: 'ns', data: nanos },
        { name: 'us', data: micros },
        { name: 'd', data: days },
        { name: 'price', data: [12.34, -0.05, null, 99999.99] },
      ],
      schema: [
        { name: 'root', num_children: 4 },
        { name: 'ns', type: 'INT64', repetition_type: 'OPTIONAL', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' } },
        { name: 'us', type: 'INT64', repetition_type: 'OPTIONAL', converted_type: 'TIMESTAMP_MICROS' },
        { name: 'd', type: 'INT32', repetition_type: 'OPTIONAL', converted_type: 'DATE' },
        { name: 'price', type: 'INT64', repetition_type: 'OPTIONAL', converted_type: 'DECIMAL', scale: 2, precision: 12 },
      ],
    }));
    const source = new ParquetSource(await tmpFile(bytes));
    assert.deepEqual(await source.schema(), [
      { name: 'ns', type: 'timestamp' },
      { name: 'us', type: 'timestamp' },
      { name: 'd', type: 'date' },
      { name: 'price', type: 'decimal' },
    ]);
    const { values } = await collect(source);
    assert.deepEqual(values.get('ns'), [1_704_141_296_123 + 0.456789, null, -0.000001, 9_000_000_000_000 + 0.000123]);
    assert.deepEqual(values.get('us'), [1_704_141_296_123.456, -86_400_000.001, null, 9_000_000_000_000]);
    assert.deepEqual(values.get('d'), [Date.UTC(2024, 0, 1), -86_400_000, null, Date.UTC(9999, 11, 31)]);
    assert.deepEqual(values.get('price'), [12.34, -0.05, null, 99999.99]);
  });

  test('INT96 timestamps: exact within a day, Spark wrapping beyond the int64 range', () => {
    const int96 = (day: number, nanos: bigint) => {
      const b = new Uint8Array(12);
      const v = new DataView(b.buffer);
      v.setBigInt64(0, nanos, true);
      v.setInt32(8, day, true);
      return b;
    };
    assert.equal(int96ToMillis(int96(2_440_588, 0n)), 0);
    assert.ok(Math.abs(int96ToMillis(int96(2_440_587, 86_399_999_999_999n)) + 0.000001) < 1e-12);
    assert.equal(int96ToMillis(int96(2_460_311, 74_096_123_456_000n)), Date.UTC(2024, 0, 1, 20, 34, 56, 123) + 0.456);
    assert.equal(int96ToMillis(int96(5_373_484, 10_800_000_000_000n)), Date.UTC(9999, 11, 31, 3));
    // 290000-12-30T23:00:00Z as Spark writes it: micros overflow int64 and wrap.
    const micros = 9_089_380_393_200_000_000n;
    const wrapped = BigInt.asIntN(64, micros + 2_440_588n * 86_400_000_000n);
    const day = Number(wrapped / 86_400_000_000n);
    const nanos = (wrapped % 86_400_000_000n) * 1000n;
    assert.equal(int96ToMillis(int96(day, nanos)), 9_089_380_393_200_000);
  });

  test('projection: only the requested columns, in the requested order', async () => {
    const { columnData, expected } = transactions(3000);
    const path = await tmpFile(parquetBytes(columnData, { rowGroupSize: 1000 }));
    const source = new ParquetSource(path);
    const { batches, values } = await collect(source, ['amount', 'id', 'amount']);
    for (const b of batches) assert.deepEqual([...b.columns.keys()], ['amount', 'id']);
    assert.deepEqual(values.get('amount'), expected.amount);
    assert.deepEqual(values.get('id'), expected.id);

    const counts = await collect(source, []);
    assert.deepEqual(counts.batches.map((b) => [b.rows, b.columns.size]), [[1000, 0], [1000, 0], [1000, 0]]);

    const err = await rejectsData(() => drain(source, ['id', 'nope']), path, /no column 'nope'/);
    assert.match(err.hint ?? '', /id, user_id, amount/);
  });

  test('a corrupt column that is not requested does not stop the others', async () => {
    const { columnData, expected } = transactions(2000);
    const bytes = parquetBytes(columnData, { codec: 'UNCOMPRESSED', rowGroupSize: 2000 });
    const [start, end] = chunkRange(bytes, 'category');
    const broken = bytes.slice();
    broken.fill(0xff, start, end);
    const path = await tmpFile(broken);
    const source = new ParquetSource(path);
    const { values } = await collect(source, ['id', 'amount', 'created_at']);
    assert.deepEqual(values.get('id'), expected.id);
    assert.deepEqual(values.get('created_at'), expected.created_at);
    await rejectsData(() => drain(source, ['category']), path, /column 'category', row group 0/);
    await rejectsData(() => drain(source), path, /column 'category'/);
  });

  test('schema() reads the footer only', async () => {
    const { columnData } = transactions(1000);
    const bytes = parquetBytes(columnData, { codec: 'UNCOMPRESSED' });
    const { start } = footerOf(bytes);
    const broken = bytes.slice();
    broken.fill(0, 4, start);
    const path = await tmpFile(broken);
    const source = new ParquetSource(path);
    assert.equal((await source.schema()).length, 7);
    await rejectsData(() => drain(source), path, /column 'id'/);
  });

  test('stopping early closes the file', async () => {
    const fds = async () => (await readdir('/proc/self/fd').catch(() => [])).length;
    const { columnData } = transactions(5000);
    const path = await tmpFile(parquetBytes(columnData, { rowGroupSize: 1000 }));
    const before = await fds();
    for (let i = 0; i < 5; i++) {
      for await (const batch of new ParquetSource(path).batches()) {
        assert.equal(batch.rows, 1000);
        break;
      }
    }
    assert.equal(await fds(), before);
  });

  test('nested columns are typed nested and read only when asked for', async () => {
    const path = join(CORPUS, 'data/nested_lists.snappy.parquet');
    const source = new ParquetSource(path);
    assert.deepEqual(await source.schema(), [
      { name: 'a', type: 'nested' },
      { name: 'b', type: 'integer' },
    ]);
    const flat = await collect(source, ['b']);
    assert.deepEqual(flat.values.get('b'), [1, 1, 1]);
    const all = await collect(source);
    assert.equal(all.batches[0].columns.get('a')?.type, 'nested');
    assert.equal(all.values.get('a')?.length, 3);
  });
});

describe('ParquetSource: bad input is a DataError naming the file', () => {
  let good: Uint8Array;
  before(() => {
    good = parquetBytes(transactions(3000).columnData, { rowGroupSize: 1000, codec: 'UNCOMPRESSED', statistics: false });
  });

  test('missing file', async () => {
    await unreadable(join(dir, 'does-not-exist.parquet'), /file not found/);
  });

  test('a directory', async () => {
    const path = join(dir, 'a-directory.parquet');
    await mkdir(path);
    await unreadable(path, /is a directory/);
  });

  test('permission denied', async () => {
    const err = openError('/x/y.parquet', Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    assert.ok(err instanceof DataError);
    assert.equal(err.message, '/x/y.parquet: permission denied');
    assert.equal(err.file, '/x/y.parquet');
    if (process.getuid?.() === 0) return; // root reads anything: only the mapping can be checked
    const path = await tmpFile(good);
    await chmod(path, 0o000);
    await unreadable(path, /permission denied/);
  });

  test('zero-byte file', async () => {
    await unreadable(await tmpFile(new Uint8Array(0)), /empty file \(0 bytes\)/);
  });

  test('not a Parquet file at all', async () => {
    await unreadable(await tmpFile('id,amount\n1,2.5\n2,3.5\n'.repeat(20), 'data.csv'), /not a Parquet file/);
    await unreadable(await tmpFile('PAR'), /not a Parquet file/);
  });

  test('wrong magic bytes', async () => {
    const head = good.slice();
    head[0] = 0x51;
    await unreadable(await tmpFile(head), /does not start with the PAR1 magic/);
    const tail = good.slice();
    tail[tail.length - 1] = 0x30;
    await unreadable(await tmpFile(tail), /truncated Parquet file/);
    const both = head.slice();
    both[both.length - 1] = 0x30;
    await unreadable(await tmpFile(both), /not a Parquet file/);
    const encrypted = good.slice();
    encrypted[encrypted.length - 1] = 0x45; // "PARE"
    await unreadable(await tmpFile(encrypted), /encrypted Parquet file/);
  });

  test('truncated at several points', async () => {
    const { start } = footerOf(good);
    const [pageStart, pageEnd] = chunkRange(good, 'amount', 1);
    const cuts = [
      4, 11, 100,
      Math.floor((pageStart + pageEnd) / 2), // inside a data page
      start + 10, // inside the footer
      Math.floor((start + good.length) / 2),
      good.length - 8, good.length - 5, good.length - 1,
    ];
    for (const cut of cuts) {
      await unreadable(await tmpFile(good.subarray(0, cut)), /truncated|not a Parquet file/);
    }
  });

  test('data cut out of the middle, footer intact', async () => {
    const [pageStart] = chunkRange(good, 'amount', 1);
    const spliced = new Uint8Array(good.length - 500);
    spliced.set(good.subarray(0, pageStart));
    spliced.set(good.subarray(pageStart + 500), pageStart);
    const path = await tmpFile(spliced);
    await new ParquetSource(path).schema().catch(() => undefined);
    await rejectsData(() => drain(new ParquetSource(path)), path, /outside the data area|corrupt|page/);
  });

  test('corrupt footer metadata', async () => {
    const { start } = footerOf(good);
    const broken = good.slice();
    broken.fill(0xff, start + 20, start + 60);
    await unreadable(await tmpFile(broken), /corrupt (footer|schema)/);
    const hugeLength = good.slice();
    new DataView(hugeLength.buffer).setUint32(hugeLength.length - 8, 0x7fffffff, true);
    await unreadable(await tmpFile(hugeLength), /metadata length 2147483647 does not fit/);
  });

  test('a row group that claims more rows than its column chunks hold', async () => {
    const path = await tmpFile(withFooter(good, (md) => {
      md.row_groups[1].num_rows = 1005n;
      md.num_rows = 3005n;
    }));
    await rejectsData(() => drain(new ParquetSource(path)), path, /column 'id', row group 1: the column chunk ends after 1000 of the row group's 1005 rows/);
  });

  test('a row group that claims fewer rows than its column chunks hold', async () => {
    const path = await tmpFile(withFooter(good, (md) => {
      md.row_groups[0].num_rows = 990n;
    }));
    await rejectsData(() => drain(new ParquetSource(path), ['amount']), path, /column 'amount', row group 0.*more values than the row group's 990 rows/);
  });

  test('unsupported codec names the column and the codec', async () => {
    const path = await tmpFile(withFooter(good, (md) => {
      const meta = md.row_groups[2].columns[3].meta_data;
      assert.ok(meta);
      meta.codec = 'LZO';
    }));
    await rejectsData(() => drain(new ParquetSource(path)), path, /column 'category' is compressed with LZO, which is not supported/);
    assert.equal(await drain(new ParquetSource(path), ['id']), 3000);
  });

  test('unsupported encoding names the column and the encoding', async () => {
    const path = await tmpFile(withPageHeader(good, 'user_id', (header) => {
      assert.ok(header.data_page_header_v2);
      header.data_page_header_v2.encoding = 'BIT_PACKED';
    }));
    await rejectsData(() => drain(new ParquetSource(path)), path, /column 'user_id', row group 0, page 1 at byte \d+: unsupported encoding BIT_PACKED/);
  });

  test('a dictionary index past the end of the dictionary', async () => {
    const path = await tmpFile(withPageHeader(good, 'category', (header) => {
      assert.equal(header.type, 'DICTIONARY_PAGE');
      assert.ok(header.dictionary_page_header);
      header.dictionary_page_header.num_values = 2;
    }));
    await rejectsData(() => drain(new ParquetSource(path)), path, /column 'category', row group 0, page 2 .*dictionary index \d+ is outside the 2-entry dictionary/);
  });

  test('a page that runs past its column chunk', async () => {
    const path = await tmpFile(withPageHeader(good, 'id', (header) => {
      header.compressed_page_size += 50;
      header.uncompressed_page_size += 50;
    }));
    await rejectsData(() => drain(new ParquetSource(path)), path, /column 'id', row group 0, page 1 .*runs \d+ bytes past the end of the column chunk/);
  });

  test('a garbage page header', async () => {
    const [start] = chunkRange(good, 'flag');
    const broken = good.slice();
    broken.fill(0xee, start, start + 12);
    const path = await tmpFile(broken);
    await rejectsData(() => drain(new ParquetSource(path), ['flag']), path, /column 'flag', row group 0, page 1 .*(corrupt page header|page runs)/);
  });

  test('a v2 page header without its level lengths is rejected, not looped on', async () => {
    const bytes = new Uint8Array(await readFile(join(CORPUS, 'data/page_v2_empty_compressed.parquet')));
    // Byte 42 is the field header of definition_levels_byte_length in the first data page;
    // 0xc8 turns it into an unknown binary field, so the length goes missing.
    assert.equal(bytes[42], 0x15);
    bytes[42] = 0xc8;
    const path = await tmpFile(bytes);
    await rejectsData(() => drain(new ParquetSource(path)), path, /column 'integer_column', row group 0, page 2 at byte 27: corrupt page header \(invalid counts or level lengths/);
  });

  test('page checksum mismatch', async () => {
    const original = await readFile(join(CORPUS, 'data/datapage_v1-uncompressed-checksum.parquet'));
    assert.equal(await drain(new ParquetSource(join(CORPUS, 'data/datapage_v1-uncompressed-checksum.parquet'))), 5120);
    const broken = new Uint8Array(original);
    broken[200] ^= 0x01; // inside the first data page of column 'a'
    const path = await tmpFile(broken);
    await rejectsData(() => drain(new ParquetSource(path)), path, /column 'a', row group 0, page 1 at byte 4: page checksum mismatch/);
  });

  test('a file that shrinks while it is read', async () => {
    const path = await tmpFile(good);
    const source = new ParquetSource(path);
    await rejectsData(async () => {
      for await (const _ of source.batches()) {
        await writeFile(path, good.subarray(0, 1000));
      }
    }, path, /unexpected end of file|outside the file|truncated|page/);
  });

  test('corpus copies can be read from a temporary path too', async () => {
    const path = join(dir, 'copy.parquet');
    await copyFile(join(CORPUS, 'data/alltypes_plain.parquet'), path);
    assert.equal(await drain(new ParquetSource(path)), 8);
  });
});

describe('ParquetSource: throughput', { skip: process.env.DQC_BENCH ? false : 'set DQC_BENCH=1 to run' }, () => {
  test('2M transaction-like rows, all columns', async (t) => {
    const n = 2_000_000;
    const id: bigint[] = new Array(n);
    const userId = new Int32Array(n);
    const amount: (number | null)[] = new Array(n);
    const category: string[] = new Array(n);
    const age = new Int32Array(n);
    const createdAt: Date[] = new Array(n);
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < n; i++) {
      id[i] = BigInt(i + 1);
      userId[i] = Math.floor(rnd() * 100_000);
      amount[i] = rnd() < 0.05 ? null : Math.round(rnd() * 100_000) / 100;
      category[i] = CATEGORIES[Math.floor(rnd() * CATEGORIES.length)];
      age[i] = 18 + Math.floor(rnd() * 70);
      createdAt[i] = new Date(T0 + i * 1000 + Math.floor(rnd() * 1000));
    }
    const path = await tmpFile(parquetBytes([
      { name: 'id', data: id, type: 'INT64', nullable: false },
      { name: 'user_id', data: userId, type: 'INT32', nullable: false },
      { name: 'amount', data: amount, type: 'DOUBLE' },
      { name: 'category', data: category, type: 'STRING' },
      { name: 'age', data: age, type: 'INT32' },
      { name: 'created_at', data: createdAt, type: 'TIMESTAMP' },
    ]), 'bench.parquet');
    const started = performance.now();
    let rows = 0;
    let nulls = 0;
    for await (const batch of new ParquetSource(path).batches()) {
      rows += batch.rows;
      for (const column of batch.columns.values()) {
        const values = column.values;
        for (let i = 0; i < values.length; i++) if (values[i] == null) nulls++;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    assert.equal(rows, n);
    assert.ok(nulls > 0);
    t.diagnostic(`${rows} rows in ${seconds.toFixed(2)} s: ${Math.round(rows / seconds).toLocaleString('en')} rows/s (all 6 columns, default row groups)`);
  });
});
