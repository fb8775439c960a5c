/**
 * The v1 data-page fast path of src/sources/parquet-column.ts (definition levels, dictionary
 * indices and PLAIN numbers decoded without hyparquet) and the WebAssembly ZSTD decoder.
 *
 * hyparquet-writer only writes v2 pages, so the files here are assembled page by page:
 * every value the source returns is compared with the value computed independently from
 * what was written.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parquetMetadata, type FileMetaData, type ParquetType, type SchemaElement } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { compressors as baseCompressors } from 'hyparquet-compressors';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { DataError } from '../../src/errors.js';
import { ParquetSource } from '../../src/sources/parquet.js';
import { COMPRESSORS, MAX_PAGE_VALUES, readHybrid, readyDecompressors } from '../../src/sources/parquet-column.js';
import { mulberry32 as rng } from '../random.ts';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '../data/parquet-testing');
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------------------
// Encoders

function append(out: number[], more: ArrayLike<number>): void {
  for (let i = 0; i < more.length; i++) out.push(more[i]);
}

function varint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** Bit-pack `values` (padded to a multiple of 8) at `width` bits, LSB first. */
function bitPack(values: number[], width: number): number[] {
  const padded = [...values];
  while (padded.length % 8) padded.push(0);
  const bytes = new Array((padded.length * width) / 8).fill(0);
  let bit = 0;
  for (const v of padded) {
    for (let b = 0; b < width; b++, bit++) {
      if (Math.floor(v / 2 ** b) % 2) bytes[bit >> 3] |= 1 << (bit & 7);
    }
  }
  return bytes;
}

/**
 * RLE / bit-packed hybrid encoding of `values`: `style` 'rle' makes one run per repeated
 * value, 'packed' bit-packs everything, 'mixed' alternates at random.
 */
function hybrid(values: number[], width: number, style: 'rle' | 'packed' | 'mixed', random = rng(7)): number[] {
  const out: number[] = [];
  const valueBytes = (width + 7) >> 3;
  let i = 0;
  while (i < values.length) {
    const rle = style === 'rle' || (style === 'mixed' && random() < 0.5);
    if (rle) {
      let j = i;
      while (j < values.length && values[j] === values[i]) j++;
      varint(out, (j - i) * 2);
      for (let b = 0; b < valueBytes; b++) out.push(Math.floor(values[i] / 2 ** (8 * b)) & 0xff);
      i = j;
    } else {
      const n = Math.min(values.length - i, 8 * (1 + Math.floor((style === 'mixed' ? random() : 1) * 8)));
      const groups = Math.ceil(n / 8);
      varint(out, groups * 2 + 1);
      append(out, bitPack(values.slice(i, i + n), width));
      i += n;
    }
  }
  return out;
}

function bitWidth(max: number): number {
  let w = 0;
  while (max >= 2 ** w) w++;
  return w;
}

type Value = number | bigint | string | null;

/** PLAIN encoding of non-null values. */
function plain(type: ParquetType, values: Value[]): number[] {
  const parts: Uint8Array[] = [];
  for (const v of values) {
    if (type === 'BYTE_ARRAY') {
      const text = new TextEncoder().encode(v as string);
      const b = new Uint8Array(4 + text.length);
      new DataView(b.buffer).setUint32(0, text.length, true);
      b.set(text, 4);
      parts.push(b);
      continue;
    }
    const b = new Uint8Array(type === 'INT64' || type === 'DOUBLE' ? 8 : 4);
    const view = new DataView(b.buffer);
    if (type === 'INT64') view.setBigInt64(0, v as bigint, true);
    else if (type === 'INT32') view.setInt32(0, v as number, true);
    else if (type === 'FLOAT') view.setFloat32(0, v as number, true);
    else view.setFloat64(0, v as number, true);
    parts.push(b);
  }
  const out: number[] = [];
  for (const p of parts) append(out, p);
  return out;
}

interface ColumnSpec {
  name: string;
  type: ParquetType;
  optional: boolean;
  /** Row values; null is a missing value (optional columns only). */
  values: Value[];
  dictionary?: boolean;
  levels?: 'rle' | 'packed' | 'mixed';
  indices?: 'rle' | 'packed' | 'mixed';
  pageRows?: number;
  converted_type?: SchemaElement['converted_type'];
  logical_type?: SchemaElement['logical_type'];
}

interface FileOptions {
  codec?: 'UNCOMPRESSED' | 'GZIP';
  /** Edit a data page's bytes (uncompressed) before it is written. */
  editPage?: (column: string, page: number[]) => number[];
  /** Values a data page's header claims, instead of its real count. */
  pageValues?: number;
  /** Rows the footer claims for the row group and the file, instead of the real count. */
  footerRows?: number;
}

/** One row group of v1 pages. */
function v1File(columns: ColumnSpec[], options: FileOptions = {}): Uint8Array {
  const codec = options.codec ?? 'UNCOMPRESSED';
  const compress = (b: number[]): Uint8Array => (codec === 'GZIP' ? new Uint8Array(gzipSync(Uint8Array.from(b))) : Uint8Array.from(b));
  const body: number[] = [0x50, 0x41, 0x52, 0x31];
  const rows = columns[0].values.length;
  const chunks: FileMetaData['row_groups'][number]['columns'] = [];
  const page = (header: Parameters<typeof writePageHeader>[1], raw: number[]): void => {
    const data = compress(raw);
    const writer = new ByteWriter();
    writePageHeader(writer, { ...header, uncompressed_page_size: raw.length, compressed_page_size: data.length });
    append(body, new Uint8Array(writer.getBuffer()));
    append(body, data);
  };
  for (const c of columns) {
    const start = body.length;
    let dictionaryOffset: number | undefined;
    let entries: Value[] = [];
    const index = new Map<Value, number>();
    if (c.dictionary) {
      for (const v of c.values) {
        if (v !== null && !index.has(v)) {
          index.set(v, entries.length);
          entries.push(v);
        }
      }
      dictionaryOffset = body.length;
      page({
        type: 'DICTIONARY_PAGE',
        uncompressed_page_size: 0,
        compressed_page_size: 0,
        dictionary_page_header: { num_values: entries.length, encoding: 'PLAIN' },
      }, plain(c.type, entries));
    }
    const dataOffset = body.length;
    const pageRows = c.pageRows ?? rows;
    for (let p = 0; p * pageRows < rows; p++) {
      const slice = c.values.slice(p * pageRows, (p + 1) * pageRows);
      const raw: number[] = [];
      if (c.optional) {
        const levels = hybrid(slice.map((v) => (v === null ? 0 : 1)), 1, c.levels ?? 'mixed', rng(p + 1));
        append(raw, plain('INT32', [levels.length]));
        append(raw, levels);
      }
      const present = slice.filter((v) => v !== null);
      if (c.dictionary) {
        const width = bitWidth(entries.length - 1);
        raw.push(width);
        append(raw, hybrid(present.map((v) => index.get(v) as number), width, c.indices ?? 'mixed', rng(p + 11)));
      } else {
        append(raw, plain(c.type, present));
      }
      page({
        type: 'DATA_PAGE',
        uncompressed_page_size: 0,
        compressed_page_size: 0,
        data_page_header: {
          num_values: options.pageValues ?? slice.length,
          encoding: c.dictionary ? 'RLE_DICTIONARY' : 'PLAIN',
          definition_level_encoding: 'RLE',
          repetition_level_encoding: 'RLE',
        },
      }, options.editPage ? options.editPage(c.name, raw) : raw);
    }
    chunks.push({
      file_offset: BigInt(start),
      meta_data: {
        type: c.type,
        encodings: c.dictionary ? ['PLAIN', 'RLE', 'RLE_DICTIONARY'] : ['PLAIN', 'RLE'],
        path_in_schema: [c.name],
        codec,
        num_values: BigInt(options.footerRows ?? rows),
        total_uncompressed_size: BigInt(body.length - start),
        total_compressed_size: BigInt(body.length - start),
        data_page_offset: BigInt(dataOffset),
        dictionary_page_offset: dictionaryOffset === undefined ? undefined : BigInt(dictionaryOffset),
      },
    });
  }
  const metadata = {
    version: 1,
    schema: [
      { name: 'root', num_children: columns.length },
      ...columns.map((c) => ({
        name: c.name,
        type: c.type,
        repetition_type: c.optional ? 'OPTIONAL' : 'REQUIRED',
        converted_type: c.converted_type,
        logical_type: c.logical_type,
      })),
    ],
    num_rows: BigInt(options.footerRows ?? rows),
    row_groups: [{ columns: chunks, total_byte_size: BigInt(body.length), num_rows: BigInt(options.footerRows ?? rows) }],
    metadata_length: 0,
  } as unknown as FileMetaData;
  const writer = new ByteWriter();
  writeMetadata(writer, metadata as Parameters<typeof writeMetadata>[1]);
  const footer = new Uint8Array(writer.getBuffer());
  const out = new Uint8Array(body.length + footer.length + 8);
  out.set(body);
  out.set(footer, body.length);
  new DataView(out.buffer).setUint32(body.length + footer.length, footer.length, true);
  out.set([0x50, 0x41, 0x52, 0x31], body.length + footer.length + 4);
  return out;
}

// ---------------------------------------------------------------------------

let dir: string;
let counter = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dqc-parquet-v1-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(bytes: Uint8Array): Promise<{ path: string; values: Map<string, unknown[]>; kinds: Map<string, Set<string>> }> {
  const path = join(dir, `f${counter++}.parquet`);
  await writeFile(path, bytes);
  const values = new Map<string, unknown[]>();
  const kinds = new Map<string, Set<string>>();
  for await (const batch of new ParquetSource(path).batches()) {
    for (const [name, column] of batch.columns) {
      assert.equal(column.values.length, batch.rows);
      const all = values.get(name) ?? [];
      for (let i = 0; i < batch.rows; i++) all.push(column.values[i]);
      values.set(name, all);
      const k = kinds.get(name) ?? new Set<string>();
      k.add(column.values.constructor.name);
      kinds.set(name, k);
    }
  }
  return { path, values, kinds };
}

async function rejects(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  const path = join(dir, `bad${counter++}.parquet`);
  await writeFile(path, bytes);
  await assert.rejects(async () => {
    for await (const _ of new ParquetSource(path).batches());
  }, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected a DataError, got ${(err as Error)?.stack}`);
    assert.match(err.message, pattern);
    return true;
  });
}

/** int64 as dqc returns it: a number within ±(2^53 − 1), else the bigint. */
const int64Value = (v: bigint | null) => (v === null ? null : v > BigInt(MAX_SAFE) || v < -BigInt(MAX_SAFE) ? v : Number(v));
const microsValue = (v: bigint | null) =>
  v === null ? null : v <= BigInt(MAX_SAFE) && v >= -BigInt(MAX_SAFE) ? Number(v) / 1000 : Number(v / 1000n) + Number(v % 1000n) / 1000;

const EDGE_INT64 = [
  0n, 1n, -1n, 4294967295n, 4294967296n, -4294967296n, -4294967297n,
  BigInt(MAX_SAFE), -BigInt(MAX_SAFE), 2n ** 53n, -(2n ** 53n), 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n),
  1_704_141_296_123_456n, -86_400_000_001n,
];

describe('v1 data pages: PLAIN numbers', () => {
  for (const codec of ['UNCOMPRESSED', 'GZIP'] as const) {
    test(`INT64 edge values, with and without nulls (${codec})`, async () => {
      const withNulls = EDGE_INT64.flatMap((v, i) => (i % 3 === 0 ? [null, v] : [v]));
      const safe = withNulls.map((v, i) => (v === null ? null : BigInt(i * 1_000_003 - 7)));
      const required = [...EDGE_INT64, ...EDGE_INT64.slice(0, withNulls.length - EDGE_INT64.length)];
      const { values, kinds } = await read(v1File([
        { name: 'big', type: 'INT64', optional: true, values: withNulls },
        { name: 'safe', type: 'INT64', optional: true, values: safe },
        { name: 'safe_dense', type: 'INT64', optional: true, values: safe.map((v, i) => v ?? BigInt(i)) },
        { name: 'req', type: 'INT64', optional: false, values: required },
        { name: 'ms', type: 'INT64', optional: true, values: withNulls, converted_type: 'TIMESTAMP_MILLIS' },
        { name: 'us_safe', type: 'INT64', optional: true, values: safe, converted_type: 'TIMESTAMP_MICROS' },
        { name: 'us_safe_dense', type: 'INT64', optional: false, values: safe.map((v, i) => v ?? BigInt(-i)), converted_type: 'TIMESTAMP_MICROS' },
        { name: 'us', type: 'INT64', optional: true, values: withNulls, converted_type: 'TIMESTAMP_MICROS' },
        {
          name: 'us_lt', type: 'INT64', optional: false, values: required,
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
        },
      ], { codec }));
      assert.deepEqual(values.get('big'), withNulls.map((v) => int64Value(v as bigint | null)));
      assert.deepEqual(values.get('safe'), safe.map((v) => int64Value(v as bigint | null)));
      assert.deepEqual(values.get('req'), required.map((v) => int64Value(v)));
      assert.deepEqual(values.get('ms'), withNulls.map((v) => (v === null ? null : Number(v))));
      assert.deepEqual(values.get('us'), withNulls.map((v) => microsValue(v as bigint | null)));
      assert.deepEqual(values.get('us_lt'), required.map((v) => microsValue(v)));
      assert.deepEqual(values.get('us_safe'), safe.map((v) => microsValue(v as bigint | null)));
      assert.deepEqual(values.get('us_safe_dense'), safe.map((v, i) => microsValue((v ?? BigInt(-i)) as bigint)));
      assert.deepEqual([...(kinds.get('safe_dense') ?? [])], ['Float64Array'], 'safe INT64 without nulls is a Float64Array');
      assert.deepEqual([...(kinds.get('ms') ?? [])], ['Array']);
    });
  }

  test('INT32, DATE, FLOAT and DOUBLE, unaligned and across pages', async () => {
    const n = 1000;
    const ints = Array.from({ length: n }, (_, i) => (i % 9 === 4 ? null : (i * 2_654_435_761) | 0));
    const days = Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : i * 37 - 10_000));
    const floats = Array.from({ length: n }, (_, i) => (i % 5 === 1 ? null : Math.fround(i / 7 - 30)));
    const doubles = Array.from({ length: n }, (_, i) => (i % 17 === 3 ? null : i === 5 ? NaN : i / 3 - 100));
    const { values, kinds } = await read(v1File([
      { name: 'i', type: 'INT32', optional: true, values: ints, pageRows: 333, levels: 'packed' },
      { name: 'i_req', type: 'INT32', optional: false, values: ints.map((v) => v ?? 0), pageRows: 250 },
      { name: 'd', type: 'INT32', optional: true, values: days, converted_type: 'DATE', pageRows: 100 },
      { name: 'f', type: 'FLOAT', optional: true, values: floats, levels: 'rle' },
      { name: 'x', type: 'DOUBLE', optional: true, values: doubles, pageRows: 97 },
      { name: 'x_req', type: 'DOUBLE', optional: false, values: doubles.map((v) => v ?? 1.5), pageRows: 97 },
    ], { codec: 'GZIP' }));
    assert.deepEqual(values.get('i'), ints);
    assert.deepEqual(values.get('i_req'), ints.map((v) => v ?? 0));
    assert.deepEqual(values.get('d'), days.map((v) => (v === null ? null : v * 86_400_000)));
    assert.deepEqual(values.get('f'), floats);
    assert.deepEqual(values.get('x'), doubles);
    assert.deepEqual(values.get('x_req'), doubles.map((v) => v ?? 1.5));
    assert.deepEqual([...(kinds.get('i_req') ?? [])], ['Int32Array']);
    assert.deepEqual([...(kinds.get('x_req') ?? [])], ['Float64Array']);
  });

  test('definition levels: all null, all present in one run, long runs, a partial last group', async () => {
    const n = 777;
    const allNull = new Array<Value>(n).fill(null);
    const dense = Array.from({ length: n }, (_, i) => i + 0.5);
    const runs = Array.from({ length: n }, (_, i) => (Math.floor(i / 100) % 2 ? null : i * 1.25));
    const { values } = await read(v1File([
      { name: 'none', type: 'DOUBLE', optional: true, values: allNull },
      { name: 'dense', type: 'DOUBLE', optional: true, values: dense, levels: 'rle' },
      { name: 'dense_packed', type: 'DOUBLE', optional: true, values: dense, levels: 'packed' },
      { name: 'runs', type: 'DOUBLE', optional: true, values: runs, levels: 'rle' },
      { name: 'runs_mixed', type: 'DOUBLE', optional: true, values: runs, levels: 'mixed', pageRows: 129 },
    ]));
    assert.deepEqual(values.get('none'), allNull);
    assert.deepEqual(values.get('dense'), dense);
    assert.deepEqual(values.get('dense_packed'), dense);
    assert.deepEqual(values.get('runs'), runs);
    assert.deepEqual(values.get('runs_mixed'), runs);
  });
});

describe('v1 data pages: dictionary indices', () => {
  for (const entries of [1, 2, 3, 200, 5000, 70_000]) {
    test(`${entries}-entry dictionaries, RLE and bit-packed indices, with nulls`, async () => {
      const random = rng(entries);
      const n = Math.max(2000, entries);
      const strings = Array.from({ length: n }, (_, i) => (random() < 0.1 ? null : `s${i < entries ? i : Math.floor(random() * entries)}`));
      const doubles = strings.map((s) => (s === null ? null : Number(s.slice(1)) / 4));
      const dense = doubles.map((v, i) => v ?? (i % entries) / 4);
      const { values, kinds } = await read(v1File([
        { name: 's', type: 'BYTE_ARRAY', optional: true, values: strings, dictionary: true, converted_type: 'UTF8', pageRows: 600 },
        { name: 'd', type: 'DOUBLE', optional: true, values: doubles, dictionary: true, indices: 'packed' },
        { name: 'd_rle', type: 'DOUBLE', optional: true, values: doubles, dictionary: true, indices: 'rle', pageRows: 512 },
        { name: 'dense', type: 'DOUBLE', optional: false, values: dense, dictionary: true },
        { name: 'ts', type: 'INT64', optional: true, values: doubles.map((v) => (v === null ? null : BigInt(v * 4) * 1_000_001n)), dictionary: true, converted_type: 'TIMESTAMP_MICROS' },
      ]));
      assert.deepEqual(values.get('s'), strings);
      assert.deepEqual(values.get('d'), doubles);
      assert.deepEqual(values.get('d_rle'), doubles);
      assert.deepEqual(values.get('dense'), dense);
      assert.deepEqual(values.get('ts'), doubles.map((v) => (v === null ? null : (v * 4 * 1_000_001) / 1000)));
      assert.deepEqual([...(kinds.get('dense') ?? [])], ['Float64Array']);
    });
  }

  test('a dictionary index past the dictionary is an error naming it', async () => {
    const values = ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'];
    const bytes = v1File([{ name: 's', type: 'BYTE_ARRAY', optional: false, values, dictionary: true, converted_type: 'UTF8', indices: 'packed' }], {
      editPage: (_, page) => [3, ...hybrid([0, 1, 5, 1, 0, 1, 0, 1], 3, 'packed')],
    });
    await rejects(bytes, /column 's', row group 0, page 2 .*dictionary index 5 is outside the 2-entry dictionary/);
  });
});

describe('v1 data pages: corrupt pages are errors', () => {
  const doubles = Array.from({ length: 64 }, (_, i) => (i % 5 ? i / 2 : null));
  const column: ColumnSpec = { name: 'x', type: 'DOUBLE', optional: true, values: doubles };
  const cases: [string, (page: number[]) => number[], RegExp][] = [
    ['values cut short', (p) => p.slice(0, p.length - 3), /column 'x'.*cannot decode PLAIN page: corrupt data/],
    ['no values at all', (p) => p.slice(0, 4 + (p[0] | (p[1] << 8))), /cannot decode PLAIN page: corrupt data/],
    ['levels cut short', (p) => p.slice(0, 5), /cannot decode PLAIN page: (corrupt data|bitpack offset \d+ out of range)/],
    ['an RLE run longer than the page', (p) => [...plain('INT32', [2]), 200, 1, ...p.slice(4)], /cannot decode PLAIN page: corrupt data \(an RLE run of 100 values/],
    ['an empty page', () => [], /cannot decode PLAIN page: corrupt data/],
  ];
  for (const [what, edit, pattern] of cases) {
    test(what, async () => {
      await rejects(v1File([column], { editPage: (_, p) => edit(p) }), pattern);
    });
  }

  test('a page claiming more values than its row group, or than can be decoded at once, is refused before decoding', async () => {
    // One RLE run of 2^31 - 1 dictionary indices is six bytes: only the header counts bound it.
    const spec: ColumnSpec = { name: 's', type: 'BYTE_ARRAY', optional: false, values: ['a', 'a', 'a', 'a'], dictionary: true, converted_type: 'UTF8' };
    const run = (n: number) => {
      const out = [1]; // bit width 1, then one RLE run of index 0
      varint(out, n * 2);
      out.push(0);
      return out;
    };
    const huge = 2 ** 31 - 1;
    await rejects(v1File([spec], { pageValues: 1000, editPage: () => run(1000) }), /column 's', row group 0, page 2 .*more values than the row group's 4 rows/);
    await rejects(
      v1File([spec], { pageValues: huge, footerRows: huge, editPage: () => run(huge) }),
      new RegExp(`column 's', row group 0, page 2 .*page of ${huge} values is more than the ${MAX_PAGE_VALUES} this reader decodes at once`),
    );
    await rejects(v1File([spec], { pageValues: MAX_PAGE_VALUES + 1, footerRows: huge, editPage: () => run(MAX_PAGE_VALUES + 1) }), /is more than the \d+ this reader decodes at once/);
  });

  test('dictionary indices wider than 32 bits, or missing', async () => {
    const spec: ColumnSpec = { name: 's', type: 'BYTE_ARRAY', optional: false, values: ['a', 'b', 'c', 'a'], dictionary: true, converted_type: 'UTF8' };
    await rejects(v1File([spec], { editPage: (_, p) => [33, ...p.slice(1)] }), /cannot decode RLE_DICTIONARY page: corrupt data \(dictionary index bit width 33\)/);
    await rejects(v1File([spec], { editPage: () => [] }), /cannot decode RLE_DICTIONARY page: corrupt data/);
    await rejects(v1File([spec], { editPage: (_, p) => p.slice(0, 1) }), /cannot decode RLE_DICTIONARY page/);
  });

  test('random byte flips give values or a DataError, never another error', async () => {
    const random = rng(99);
    const specs: ColumnSpec[] = [
      { name: 'x', type: 'DOUBLE', optional: true, values: doubles },
      { name: 'i', type: 'INT64', optional: true, values: doubles.map((v, i) => (v === null ? null : BigInt(i) * 123_456_789_012n)) },
      { name: 's', type: 'BYTE_ARRAY', optional: true, values: doubles.map((v) => (v === null ? null : `v${v % 7}`)), dictionary: true, converted_type: 'UTF8' },
    ];
    for (let run = 0; run < 300; run++) {
      const bytes = v1File(specs, {
        editPage: (_, p) => {
          const q = [...p];
          for (let k = 0; k < 1 + Math.floor(random() * 3); k++) q[Math.floor(random() * q.length)] = Math.floor(random() * 256);
          return random() < 0.2 ? q.slice(0, Math.floor(random() * q.length)) : q;
        },
      });
      try {
        const { values } = await read(bytes);
        for (const v of values.values()) assert.equal(v.length, doubles.length);
      } catch (err) {
        assert.ok(err instanceof DataError, `run ${run}: ${(err as Error)?.stack}`);
      }
    }
  });
});

describe('readHybrid', () => {
  /** Straightforward decoder to compare with: one bit at a time. */
  function reference(src: number[], width: number, count: number): number[] {
    const out: number[] = [];
    let pos = 0;
    while (out.length < count) {
      let header = 0;
      let scale = 1;
      for (;;) {
        const b = src[pos++];
        header += (b & 0x7f) * scale;
        if (!(b & 0x80)) break;
        scale *= 128;
      }
      const n = Math.floor(header / 2);
      if (header % 2 === 0) {
        let v = 0;
        for (let b = 0; b < (width + 7) >> 3; b++) v += src[pos++] * 2 ** (8 * b);
        for (let i = 0; i < n; i++) out.push(v);
      } else {
        for (let i = 0; i < n * 8; i++) {
          let v = 0;
          for (let b = 0; b < width; b++) {
            const bit = i * width + b;
            if ((src[pos + (bit >> 3)] >> (bit & 7)) & 1) v += 2 ** b;
          }
          out.push(v);
        }
        pos += n * width;
      }
    }
    return out.slice(0, count);
  }

  for (let width = 0; width <= 32; width++) {
    test(`bit width ${width}`, () => {
      const random = rng(width + 100);
      for (let run = 0; run < 20; run++) {
        const count = 1 + Math.floor(random() * 300);
        const max = 2 ** width;
        const values = Array.from({ length: count }, () => (random() < 0.3 ? max - 1 : Math.floor(random() * max)));
        // Runs of repeats so that RLE runs occur.
        for (let i = 1; i < count; i++) if (random() < 0.4) values[i] = values[i - 1];
        const encoded = hybrid(values, width, 'mixed', random);
        const src = Uint8Array.from(encoded);
        const out = width <= 8 ? new Uint8Array(count) : new Uint32Array(count);
        readHybrid(src, 0, src.length, width, count, out);
        assert.deepEqual(Array.from(out), values);
        assert.deepEqual(Array.from(out), reference(encoded, width, count));
        if (width >= 1 && width <= 16) {
          // (hyparquet reads a byte for a bit-packed run of width 0, which holds none.)
          const theirs = new Array(count);
          readRleBitPackedHybrid({ view: new DataView(src.buffer), offset: 0 }, width, theirs, src.length);
          assert.deepEqual(Array.from(out), theirs, 'same as hyparquet');
        }
      }
    });
  }

  test('truncated input and over-long RLE runs throw', () => {
    const src = Uint8Array.from(hybrid([1, 2, 3, 4, 5, 6, 7, 8, 9], 4, 'packed'));
    assert.throws(() => readHybrid(src, 0, src.length - 1, 4, 9, new Uint8Array(9)), RangeError);
    const rle = Uint8Array.from([20, 1]);
    assert.throws(() => readHybrid(rle, 0, rle.length, 1, 5, new Uint8Array(5)), /an RLE run of 10 values where 5 are left/);
    const empty = new Uint8Array(0);
    assert.throws(() => readHybrid(empty, 0, 0, 1, 1, new Uint8Array(1)), RangeError);
  });
});

describe('ZSTD through WebAssembly', () => {
  test('every ZSTD page of the parquet-testing corpus decodes as fzstd decodes it', async () => {
    await readyDecompressors();
    const fzstd = baseCompressors.ZSTD as (input: Uint8Array, length: number) => Uint8Array;
    const files: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const name of await readdir(d)) {
        const p = join(d, name);
        if ((await stat(p)).isDirectory()) await walk(p);
        else if (p.endsWith('.parquet')) files.push(p);
      }
    };
    await walk(CORPUS);
    let pages = 0;
    for (const file of files) {
      const bytes = new Uint8Array(await readFile(file));
      let metadata: FileMetaData;
      try {
        metadata = parquetMetadata(bytes);
      } catch {
        continue;
      }
      for (const group of metadata.row_groups) {
        for (const chunk of group.columns) {
          const meta = chunk.meta_data;
          if (meta?.codec !== 'ZSTD') continue;
          let pos = Number(meta.dictionary_page_offset || meta.data_page_offset);
          const end = pos + Number(meta.total_compressed_size);
          while (pos < end) {
            const reader = { view: new DataView(bytes.buffer, pos, end - pos), offset: 0 };
            let header;
            try {
              header = parquetHeader(reader);
            } catch {
              break;
            }
            const start = pos + reader.offset;
            let input = bytes.subarray(start, start + header.compressed_page_size);
            let size = header.uncompressed_page_size;
            const v2 = header.data_page_header_v2;
            if (v2) {
              const levels = v2.definition_levels_byte_length + v2.repetition_levels_byte_length;
              input = input.subarray(levels);
              size -= levels;
              if (v2.is_compressed === false) input = new Uint8Array(0);
            }
            if (input.length && size > 0) {
              let expected: Uint8Array | Error;
              try {
                expected = fzstd(input, size);
              } catch (err) {
                expected = err as Error;
              }
              if (expected instanceof Error) {
                assert.throws(() => COMPRESSORS.ZSTD?.(input, size), `${file} at ${start}`);
              } else {
                assert.deepEqual(COMPRESSORS.ZSTD?.(input, size), expected, `${file} at ${start}`);
                pages++;
              }
            }
            pos = start + header.compressed_page_size;
          }
        }
      }
    }
    assert.ok(pages > 0, 'the corpus has ZSTD pages');
  });

  test('corrupt, truncated and mis-sized frames throw, never return the wrong bytes', async () => {
    await readyDecompressors();
    const file = join(CORPUS, 'data/byte_stream_split.zstd.parquet');
    const bytes = new Uint8Array(await readFile(file));
    const meta = parquetMetadata(bytes).row_groups[0].columns[0].meta_data;
    assert.equal(meta?.codec, 'ZSTD');
    const pos = Number(meta.dictionary_page_offset || meta.data_page_offset);
    const reader = { view: new DataView(bytes.buffer, pos), offset: 0 };
    const header = parquetHeader(reader);
    const frame = bytes.slice(pos + reader.offset, pos + reader.offset + header.compressed_page_size);
    const size = header.uncompressed_page_size;
    const zstd = COMPRESSORS.ZSTD as (input: Uint8Array, length: number) => Uint8Array;
    const good = zstd(frame, size);
    assert.equal(good.length, size);
    assert.throws(() => zstd(frame.subarray(0, frame.length >> 1), size));
    assert.throws(() => zstd(frame, size - 1));
    assert.throws(() => zstd(frame, size + 1));
    const random = rng(5);
    for (let run = 0; run < 200; run++) {
      const bad = frame.slice();
      bad[Math.floor(random() * bad.length)] ^= 1 + Math.floor(random() * 255);
      try {
        const out = zstd(bad, size);
        assert.equal(out.length, size);
      } catch (err) {
        assert.ok(err instanceof Error);
      }
    }
    assert.deepEqual(zstd(frame, size), good, 'the decoder still works after corrupt input');
  });
});
