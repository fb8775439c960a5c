/**
 * Page-by-page decoding of one flat column chunk.
 *
 * hyparquet decodes each page (decompression, levels, encodings); this module walks the
 * pages itself so that a row group is never decoded whole: compressed bytes are read in
 * windows, each page is decoded when the batch being assembled needs its rows, and the
 * checks hyparquet leaves out are made here — page CRCs, value counts per page and per
 * chunk, dictionary indices that point nowhere, pages that run past the chunk, header fields
 * that would send the decoder astray.
 *
 * The page-level functions come from hyparquet's `hyparquet/src/*.js` exports, which are not
 * its documented API: the dependency is pinned to an exact version, and the corpus tests
 * (test/unit/parquet-corpus.test.ts) are what an upgrade has to pass.
 */
import { brotliDecompressSync, crc32, gunzipSync } from 'node:zlib';
import type { Compressors, DecodedArray } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { convert } from 'hyparquet/src/convert.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { compressors as baseCompressors } from 'hyparquet-compressors';
import { ZSTDDecoder } from 'zstddec';
import { DataError } from '../errors.js';
import type { ParquetFile } from './parquet-file.js';
import { PARSERS, microsToMillis, nanosToMillis, type ChunkPlan, type ColumnPlan, type RowGroupPlan, type ValueTransform } from './parquet-schema.js';

type ColumnDecoder = Parameters<typeof readDataPageV2>[2];
type PageHeader = ReturnType<typeof parquetHeader>;

/** Compressed bytes are read from the file in windows of at least this size. */
const READ_WINDOW = 1 << 20;
/** First guess at the size of a page header; grown when a header is larger. */
const HEADER_PROBE = 16 * 1024;
/** A page that decompresses to more than this is refused rather than allocated. */
export const MAX_PAGE_BYTES = 1 << 30;
/**
 * A page with more values than this is refused rather than decoded: RLE lets a few bytes
 * claim billions of values, and a page is decoded whole (at this limit, 512 MB of doubles).
 * Writers cut pages at about 1 MB or 20,000 rows; a row group is seldom over a few million.
 */
export const MAX_PAGE_VALUES = 1 << 26;

function zlibDecompressor(name: string, fn: (input: Uint8Array, opts: { maxOutputLength: number }) => Buffer) {
  return (input: Uint8Array, outputLength: number): Uint8Array => {
    try {
      return fn(input, { maxOutputLength: Math.max(1, outputLength) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new Error(`${name} data decompresses to more than the ${outputLength} bytes the page header declares`);
      }
      throw new Error(`${name} data is corrupt (${(err as Error).message})`);
    }
  };
}

/**
 * ZSTD through zstddec: the reference C decoder (libzstd's single-file decoder) compiled to
 * WebAssembly and shipped inside the npm package, about 3x faster than hyparquet-compressors'
 * pure-JS fzstd on the benchmark pages. It is instantiated asynchronously, once per thread
 * ({@link readyDecompressors}); until then, and for pages too large to stage in the WASM heap
 * (whose allocator cannot be trusted near its 2 GiB ceiling), fzstd decodes.
 */
const zstdWasm = new ZSTDDecoder();
let zstdWasmReady = false;
let zstdWasmLoading: Promise<void> | undefined;
/** Pages whose compressed plus uncompressed size exceeds this are decoded by fzstd. */
const ZSTD_WASM_MAX_BYTES = 256 << 20;
const fzstd = baseCompressors.ZSTD as NonNullable<Compressors['ZSTD']>;

/** Load the WebAssembly decompressors; reading works without them, only slower. */
export function readyDecompressors(): Promise<void> {
  zstdWasmLoading ??= zstdWasm.init().then(
    () => {
      zstdWasmReady = true;
    },
    () => undefined,
  );
  return zstdWasmLoading;
}

function decompressZstd(input: Uint8Array, outputLength: number): Uint8Array {
  if (!zstdWasmReady || input.length + outputLength > ZSTD_WASM_MAX_BYTES || outputLength === 0) {
    return fzstd(input, outputLength);
  }
  const out = zstdWasm.decode(input, outputLength);
  // zstddec returns what ZSTD_decompress wrote; on an error code that is an empty array.
  if (out.length !== outputLength) {
    throw new Error(
      out.length === 0
        ? `zstd data is corrupt or does not decompress to the ${outputLength} bytes the page header declares`
        : `zstd data decompresses to ${out.length} bytes, the page header declares ${outputLength}`,
    );
  }
  return out;
}

/**
 * Decompressors: hyparquet-compressors (snappy, lz4 raw and hadoop-framed), zstd from zstddec
 * (WebAssembly), with gzip and brotli from node:zlib (native, handles concatenated gzip
 * members, output bounded by the size the page header declares).
 */
export const COMPRESSORS: Compressors = {
  ...baseCompressors,
  ZSTD: decompressZstd,
  GZIP: zlibDecompressor('gzip', gunzipSync),
  BROTLI: zlibDecompressor('brotli', brotliDecompressSync),
};

export const SUPPORTED_CODECS = new Set(['UNCOMPRESSED', ...Object.keys(COMPRESSORS)]);

/** A run of decoded values: `data[start..end)`. */
export interface Piece {
  data: DecodedArray;
  start: number;
  end: number;
}

function reasonOf(err: unknown): string {
  if (err instanceof RangeError || err instanceof TypeError) {
    return `corrupt data (${err.message})`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^parquet /, '');
}

const DICTIONARY_ENCODINGS = new Set(['PLAIN_DICTIONARY', 'RLE_DICTIONARY']);

/** Where a chunk is, for messages. */
export interface ChunkLabel {
  column: string;
  group: RowGroupPlan;
  /** Maximum definition and repetition levels of the leaf the chunk holds. */
  maxDefinition: number;
  maxRepetition: number;
}

const isCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;

/**
 * The pages of one column chunk, in order: windows of compressed bytes read from the file,
 * every page header checked for sizes and fields that would send a decoder astray, every
 * page CRC that is present verified.
 */
export class ChunkPages {
  private readonly file: ParquetFile;
  private readonly label: ChunkLabel;
  /** Absolute offset of the next page header. */
  private pos: number;
  /** Declared end of the chunk: no page starts at or after it. */
  private readonly end: number;
  /** No page may extend past this (the declared end plus any writer-bug padding). */
  private readonly limit: number;
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  private pageNumber = 0;
  private pageStart = 0;

  constructor(file: ParquetFile, chunk: ChunkPlan, label: ChunkLabel) {
    this.file = file;
    this.label = label;
    this.pos = chunk.start;
    this.end = chunk.end;
    this.limit = chunk.limit;
  }

  /** A DataError placed at the current page, or at the chunk as a whole with `chunkWide`. */
  error(message: string, hint?: string, chunkWide = false): DataError {
    const where = `column '${this.label.column}', row group ${this.label.group.index}`;
    const page = this.pageNumber && !chunkWide ? `, page ${this.pageNumber} at byte ${this.pageStart}` : '';
    return new DataError(`${this.file.path}: ${where}${page}: ${message}`, {
      file: this.file.path,
      hint: hint ?? 'the file is corrupt or truncated; re-export or re-download it',
    });
  }

  /** The next page (header and stored bytes), or undefined at the end of the chunk. */
  async next(): Promise<{ header: PageHeader; bytes: Uint8Array } | undefined> {
    if (this.pos >= this.end) {
      this.window = new Uint8Array(0);
      return undefined;
    }
    const { header, dataStart } = await this.readHeader();
    const size = header.compressed_page_size;
    await this.ensure(dataStart, size);
    const bytes = new Uint8Array(this.window.buffer, this.window.byteOffset + (dataStart - this.windowStart), size);
    this.pos = dataStart + size;
    if (header.crc !== undefined) {
      const actual = crc32(bytes) >>> 0;
      const stored = header.crc >>> 0;
      if (actual !== stored) {
        throw this.error(
          `page checksum mismatch (stored CRC32 ${hex(stored)}, computed ${hex(actual)}): the page is corrupt`,
        );
      }
    }
    return { header, bytes };
  }

  /** Make the window cover [start, start + length). */
  private async ensure(start: number, length: number): Promise<void> {
    const windowEnd = this.windowStart + this.window.length;
    if (start >= this.windowStart && start + length <= windowEnd) return;
    const want = Math.min(this.limit - start, Math.max(length, READ_WINDOW));
    this.window = await this.file.read(start, start + want);
    this.windowStart = start;
  }

  private async readHeader(): Promise<{ header: PageHeader; dataStart: number }> {
    this.pageNumber++;
    this.pageStart = this.pos;
    let want = Math.min(this.limit - this.pos, HEADER_PROBE);
    for (;;) {
      await this.ensure(this.pos, want);
      const available = Math.min(this.windowStart + this.window.length, this.limit) - this.pos;
      const view = new DataView(
        this.window.buffer,
        this.window.byteOffset + (this.pos - this.windowStart),
        available,
      );
      const reader = { view, offset: 0 };
      let header: PageHeader;
      try {
        header = parquetHeader(reader);
      } catch (err) {
        if (this.pos + available >= this.limit) throw this.error(`corrupt page header (${reasonOf(err)})`);
        want = Math.min(this.limit - this.pos, available * 4);
        continue;
      }
      const dataStart = this.pos + reader.offset;
      this.checkHeader(header, dataStart);
      return { header, dataStart };
    }
  }

  /**
   * Reject headers that would make the decoder misbehave: missing or negative counts and
   * sizes (hyparquet turns an absent level length into a NaN read offset and loops), level
   * encodings it does not decode, pages past the chunk or too large to allocate.
   */
  private checkHeader(header: PageHeader, dataStart: number): void {
    const corrupt = (what: string) => this.error(`corrupt page header (${what})`);
    const { compressed_page_size: compressed, uncompressed_page_size: uncompressed } = header;
    if (!header.type) throw corrupt('unknown page type');
    if (!isCount(compressed) || !isCount(uncompressed)) {
      throw corrupt(`page sizes ${String(compressed)} / ${String(uncompressed)}`);
    }
    if (dataStart + compressed > this.limit) {
      throw this.error(`the page runs ${dataStart + compressed - this.end} bytes past the end of the column chunk`);
    }
    if (uncompressed > MAX_PAGE_BYTES) {
      throw this.error(
        `page of ${uncompressed} bytes uncompressed is larger than the ${MAX_PAGE_BYTES}-byte limit this reader accepts`,
        'rewrite the file with smaller pages (most writers default to 1 MiB)',
      );
    }
    const claimed = Math.max(
      header.dictionary_page_header?.num_values ?? 0,
      header.data_page_header?.num_values ?? 0,
      header.data_page_header_v2?.num_values ?? 0,
      header.data_page_header_v2?.num_rows ?? 0,
    );
    if (claimed > MAX_PAGE_VALUES) {
      throw this.error(
        `page of ${claimed} values is more than the ${MAX_PAGE_VALUES} this reader decodes at once`,
        'the file is corrupt, or was written with very large pages: rewrite it with a current writer (pages of at most 20,000 rows)',
      );
    }
    const { maxDefinition, maxRepetition } = this.label;
    if (header.type === 'DICTIONARY_PAGE') {
      if (!isCount(header.dictionary_page_header?.num_values)) throw corrupt('dictionary page without a value count');
    } else if (header.type === 'DATA_PAGE') {
      const h = header.data_page_header;
      if (!h || !isCount(h.num_values)) throw corrupt('data page without a value count');
      if (h.encoding === undefined) throw corrupt('unknown encoding');
      for (const [max, encoding, what] of [
        [maxDefinition, h.definition_level_encoding, 'definition'],
        [maxRepetition, h.repetition_level_encoding, 'repetition'],
      ] as const) {
        if (max > 0 && encoding !== 'RLE') {
          throw this.error(
            `unsupported ${what} level encoding ${encoding ?? '(unknown)'}`,
            'rewrite the file with a current writer',
          );
        }
      }
    } else if (header.type === 'DATA_PAGE_V2') {
      const h = header.data_page_header_v2;
      if (!h) throw corrupt('DATA_PAGE_V2 without its header');
      const levels = h.definition_levels_byte_length + h.repetition_levels_byte_length;
      if (
        !isCount(h.num_values) || !isCount(h.num_nulls) || !isCount(h.num_rows) || h.num_nulls > h.num_values ||
        !isCount(h.definition_levels_byte_length) || !isCount(h.repetition_levels_byte_length) ||
        levels > compressed || levels > uncompressed
      ) {
        throw corrupt('invalid counts or level lengths in the v2 data page header');
      }
      if (h.encoding === undefined) throw corrupt('unknown encoding');
    }
  }
}

/**
 * Walk every page of a chunk that hyparquet is about to decode whole (nested columns):
 * checks headers and CRCs, decodes nothing.
 */
export async function verifyChunk(file: ParquetFile, chunk: ChunkPlan, label: ChunkLabel): Promise<void> {
  const pages = new ChunkPages(file, chunk, label);
  while (await pages.next());
}

export class FlatColumnReader {
  private readonly plan: ColumnPlan;
  private readonly group: RowGroupPlan;
  private readonly decoder: ColumnDecoder;
  private readonly pages: ChunkPages;

  private dictionary: DecodedArray | undefined;
  private page: DecodedArray | undefined;
  private pageOffset = 0;
  private sawDataPage = false;
  /** Rows decoded so far from this chunk. */
  private decoded = 0;
  /** 1 for an optional column, 0 for a required one. */
  private readonly maxDefinition: number;
  /** How PLAIN pages are read without hyparquet, or undefined when hyparquet decodes them. */
  private readonly plainKind: PlainKind | undefined;
  /** Scratch space for the definition levels and dictionary indices of one page. */
  private levels = new Uint8Array(0);
  private indices = new Uint32Array(0);

  constructor(file: ParquetFile, plan: ColumnPlan, group: RowGroupPlan) {
    this.plan = plan;
    this.group = group;
    const chunk = group.chunks[plan.leafStart];
    this.maxDefinition = plan.node.element.repetition_type === 'REQUIRED' ? 0 : 1;
    this.pages = new ChunkPages(file, chunk, {
      column: plan.name,
      group,
      maxDefinition: this.maxDefinition,
      maxRepetition: 0,
    });
    this.decoder = {
      pathInSchema: [plan.name],
      type: plan.decodeType,
      element: plan.decodeElement,
      schemaPath: plan.schemaPath,
      codec: chunk.codec as ColumnDecoder['codec'],
      parsers: PARSERS,
      compressors: COMPRESSORS,
      utf8: false,
    };
    this.plainKind = plainKindOf(plan);
  }

  private error(message: string, hint?: string, chunkWide = false): DataError {
    return this.pages.error(message, hint, chunkWide);
  }

  /** The next `count` rows of this column, as pieces of decoded pages. */
  async take(count: number): Promise<Piece[]> {
    const pieces: Piece[] = [];
    let needed = count;
    while (needed > 0) {
      if (!this.page || this.pageOffset >= this.page.length) {
        const more = await this.nextDataPage();
        if (!more) {
          throw this.error(
            `the column chunk ends after ${this.decoded} of the row group's ${this.group.rows} rows`,
            undefined,
            true,
          );
        }
        continue;
      }
      const page = this.page;
      const end = Math.min(page.length, this.pageOffset + needed);
      pieces.push({ data: page, start: this.pageOffset, end });
      needed -= end - this.pageOffset;
      this.pageOffset = end;
    }
    return pieces;
  }

  /** After the last row: anything left in the chunk must be pages without values. */
  async finish(): Promise<void> {
    if (this.page && this.pageOffset < this.page.length) {
      throw this.error(`the column chunk holds more values than the row group's ${this.group.rows} rows`, undefined, true);
    }
    for (let page = await this.pages.next(); page; page = await this.pages.next()) {
      const { header } = page;
      const values = header.data_page_header?.num_values ?? header.data_page_header_v2?.num_rows ?? 0;
      if ((header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') && values > 0) {
        throw this.error(`the column chunk holds more values than the row group's ${this.group.rows} rows`);
      }
    }
    this.page = undefined;
    this.dictionary = undefined;
  }

  /** Decode pages until one with values; false at the end of the chunk. */
  private async nextDataPage(): Promise<boolean> {
    for (let page = await this.pages.next(); page; page = await this.pages.next()) {
      const { header, bytes } = page;
      if (header.type === 'DICTIONARY_PAGE') {
        this.readDictionary(header, bytes);
        continue;
      }
      if (header.type !== 'DATA_PAGE' && header.type !== 'DATA_PAGE_V2') {
        // Index pages (never written in practice) and unknown page types carry no values.
        continue;
      }
      this.sawDataPage = true;
      const values = this.readDataPage(header, bytes);
      if (!values) continue;
      this.decoded += values.length;
      this.page = values;
      this.pageOffset = 0;
      return true;
    }
    return false;
  }

  private readDictionary(header: PageHeader, bytes: Uint8Array): void {
    if (this.dictionary) throw this.error('a second dictionary page in one column chunk');
    if (this.sawDataPage) throw this.error('dictionary page after data pages');
    const count = header.dictionary_page_header?.num_values as number;
    try {
      const page = decompressPage(bytes, header.uncompressed_page_size, this.decoder.codec, COMPRESSORS);
      const reader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      const raw = readPlain(reader, this.decoder.type, count, this.decoder.element.type_length);
      if (raw.length !== count) throw new Error(`decoded ${raw.length} of ${count} values`);
      this.dictionary = transformValues(convert(raw, this.decoder), this.plan.transform);
    } catch (err) {
      throw this.error(`cannot decode dictionary page: ${reasonOf(err)}`);
    }
  }

  /** Values of one data page, nulls in place; undefined for a page without rows. */
  private readDataPage(header: PageHeader, bytes: Uint8Array): DecodedArray | undefined {
    const v1 = header.data_page_header;
    const v2 = header.data_page_header_v2;
    const pageHeader = v1 ?? v2;
    if (!pageHeader) throw this.error(`corrupt page header (${header.type} without its header)`);
    const rows = v1 ? v1.num_values : (v2 as NonNullable<typeof v2>).num_rows;
    if (v2 && v2.num_values !== v2.num_rows) {
      throw this.error(`corrupt page header (${v2.num_values} values in ${v2.num_rows} rows of a flat column)`);
    }
    if (!Number.isInteger(rows) || rows < 0) throw this.error(`corrupt page header (${rows} values)`);
    if (this.decoded + rows > this.group.rows) {
      throw this.error(`the column chunk holds more values than the row group's ${this.group.rows} rows`);
    }
    const encoding = pageHeader.encoding;
    if (encoding === undefined) throw this.error('corrupt page header (unknown encoding)');
    const usesDictionary = DICTIONARY_ENCODINGS.has(encoding);
    if (usesDictionary && !this.dictionary) {
      throw this.error(`data page is ${encoding}-encoded but the column chunk has no dictionary page`);
    }
    if (rows === 0) return undefined;

    if (v1 && (usesDictionary ? this.decoder.type !== 'BOOLEAN' : encoding === 'PLAIN' && this.plainKind)) {
      let page: Uint8Array;
      try {
        page = decompressPage(bytes, header.uncompressed_page_size, this.decoder.codec, COMPRESSORS);
      } catch (err) {
        throw this.pageError(encoding, err);
      }
      return this.readPageV1(page, rows, encoding, usesDictionary);
    }

    let definitionLevels: number[] | undefined;
    let decoded: DecodedArray;
    try {
      const page = v1
        ? readDataPage(decompressPage(bytes, header.uncompressed_page_size, this.decoder.codec, COMPRESSORS), v1, this.decoder)
        : readDataPageV2(bytes, header, this.decoder);
      definitionLevels = page.definitionLevels;
      decoded = page.dataPage;
    } catch (err) {
      throw this.pageError(encoding, err);
    }

    let values: DecodedArray;
    if (usesDictionary) {
      values = this.dereference(decoded);
    } else {
      try {
        values = transformValues(convert(decoded, this.decoder), this.plan.transform);
      } catch (err) {
        throw this.error(`cannot decode ${encoding} page: ${reasonOf(err)}`);
      }
      if (Array.isArray(values)) {
        for (let i = 0; i < values.length; i++) {
          if (values[i] === undefined) throw this.error(`value ${i} of the page is missing from its data`);
        }
      }
    }
    return this.placeNulls(values, definitionLevels, rows);
  }

  private pageError(encoding: string, err: unknown): DataError {
    const reason = reasonOf(err);
    if (/unsupported (encoding|compression codec)/.test(reason)) {
      return this.error(reason.replace(/: /, ' '), 'rewrite the file with a supported encoding and codec');
    }
    return this.error(`cannot decode ${encoding} page: ${reason}`);
  }

  /**
   * A v1 data page of a dictionary-encoded column or of PLAIN numbers, decoded here rather
   * than by hyparquet: the definition levels and dictionary indices go to reused typed
   * arrays (hyparquet makes a JS array of each), INT64 values become numbers without a bigint
   * each, and the values are placed among the nulls in the same pass. The result is the one
   * hyparquet's decoding followed by {@link transformValues}, {@link dereference} and
   * {@link placeNulls} gives; corrupt pages are errors in both.
   */
  private readPageV1(page: Uint8Array, rows: number, encoding: string, usesDictionary: boolean): DecodedArray {
    let offset = 0;
    let present = rows;
    let levels: Uint8Array | undefined;
    try {
      if (this.maxDefinition) {
        if (page.length < 4) throw new RangeError('page too short for its definition levels');
        const length = (page[0] | (page[1] << 8) | (page[2] << 16) | (page[3] << 24)) >>> 0;
        if (!isOneRunOfOnes(page, 4, rows)) {
          if (this.levels.length < rows) this.levels = new Uint8Array(rows);
          levels = this.levels;
          readHybrid(page, 4, page.length, 1, rows, levels);
          present = 0;
          for (let i = 0; i < rows; i++) present += levels[i] === 1 ? 1 : 0;
          if (present === rows) levels = undefined;
        }
        offset = 4 + length;
      }
      if (usesDictionary) {
        if (offset >= page.length) throw new RangeError('page ends before the bit width of its dictionary indices');
        const width = page[offset++];
        if (width > 32) throw new RangeError(`dictionary index bit width ${width}`);
        if (this.indices.length < present) this.indices = new Uint32Array(present);
        readHybrid(page, offset, page.length, width, present, this.indices);
      }
    } catch (err) {
      throw this.pageError(encoding, err);
    }
    if (usesDictionary) return this.gather(this.indices, present, levels, rows);
    let values: DecodedArray;
    try {
      values = readPlainNumbers(page, offset, present, this.plainKind as PlainKind, this.plan.transform);
    } catch (err) {
      throw this.pageError(encoding, err);
    }
    return levels ? spread(values, levels, rows) : values;
  }

  /** Dictionary values for `present` indices, nulls where `levels` is not 1. */
  private gather(indices: Uint32Array, present: number, levels: Uint8Array | undefined, rows: number): DecodedArray {
    const dictionary = this.dictionary as DecodedArray;
    const size = dictionary.length;
    let largest = 0;
    for (let i = 0; i < present; i++) if (indices[i] > largest) largest = indices[i];
    if (present > 0 && largest >= size) {
      const bad = indices.subarray(0, present).find((index) => index >= size) as number;
      throw this.error(`dictionary index ${bad} is outside the ${size}-entry dictionary`);
    }
    if (!levels) {
      if (dictionary instanceof Float64Array) {
        const out = new Float64Array(rows);
        for (let i = 0; i < rows; i++) out[i] = dictionary[indices[i]];
        return out;
      }
      const out = (Array.isArray(dictionary)
        ? new Array(rows)
        : new (dictionary.constructor as new (length: number) => DecodedArray)(rows)) as unknown[];
      const source = dictionary as ArrayLike<unknown>;
      for (let i = 0; i < rows; i++) out[i] = source[indices[i]];
      return out as DecodedArray;
    }
    const out: unknown[] = new Array(rows);
    const source = dictionary as ArrayLike<unknown>;
    let v = 0;
    for (let i = 0; i < rows; i++) out[i] = levels[i] === 1 ? source[indices[v++]] : null;
    return out;
  }

  /** Dictionary indices to values, every index checked against the dictionary's size. */
  private dereference(indices: DecodedArray): DecodedArray {
    const dictionary = this.dictionary as DecodedArray;
    const size = dictionary.length;
    const n = indices.length;
    const out: DecodedArray = Array.isArray(dictionary)
      ? new Array(n)
      : new (dictionary.constructor as new (length: number) => DecodedArray)(n);
    const target = out as unknown[];
    const source = dictionary as ArrayLike<unknown>;
    for (let i = 0; i < n; i++) {
      const index = indices[i] as number;
      if (!(index < size)) {
        throw this.error(`dictionary index ${index} is outside the ${size}-entry dictionary`);
      }
      target[i] = source[index];
    }
    return out;
  }

  /** Spread the non-null values over the rows by their definition levels. */
  private placeNulls(values: DecodedArray, levels: number[] | undefined, rows: number): DecodedArray {
    if (!this.maxDefinition || !levels || levels.length === 0) {
      if (values.length !== rows) throw this.error(`page decoded to ${values.length} values, its header says ${rows}`);
      return values;
    }
    if (levels.length !== rows) {
      throw this.error(`page has ${levels.length} definition levels, its header says ${rows} values`);
    }
    const max = this.maxDefinition;
    let present = 0;
    for (let i = 0; i < rows; i++) if (levels[i] === max) present++;
    if (present !== values.length) {
      throw this.error(`page has ${present} non-null rows by its definition levels but ${values.length} values`);
    }
    if (present === rows) return values;
    const source = values as ArrayLike<unknown>;
    const out: unknown[] = new Array(rows);
    let v = 0;
    for (let i = 0; i < rows; i++) out[i] = levels[i] === max ? source[v++] : null;
    return out;
  }
}

/**
 * How PLAIN values of a flat column are read without hyparquet: numbers whose hyparquet
 * conversion is the identity (no DECIMAL, unsigned, FLOAT16 or temporal annotation left on
 * the decode element). Undefined: hyparquet decodes the page.
 */
type PlainKind = 'f64' | 'f32' | 'i32' | 'i64';

const SIGNED_INT_ANNOTATIONS = new Set([undefined, 'INT_8', 'INT_16', 'INT_32', 'INT_64']);

function plainKindOf(plan: ColumnPlan): PlainKind | undefined {
  const { converted_type: ctype, logical_type: ltype } = plan.decodeElement;
  if (!SIGNED_INT_ANNOTATIONS.has(ctype)) return undefined;
  if (ltype !== undefined && !(ltype.type === 'INTEGER' && ltype.isSigned)) return undefined;
  const { transform } = plan;
  switch (plan.decodeType) {
    case 'DOUBLE':
      return transform === 'none' ? 'f64' : undefined;
    case 'FLOAT':
      return transform === 'none' ? 'f32' : undefined;
    case 'INT32':
      return transform === 'none' || transform === 'days' ? 'i32' : undefined;
    case 'INT64':
      return transform === 'int64' || transform === 'millis' || transform === 'micros' ? 'i64' : undefined;
    default:
      return undefined;
  }
}

/**
 * `count` PLAIN values at page[offset..], as {@link transformValues} would give them from
 * hyparquet's typed arrays. INT64 values are composed from their 32-bit halves as doubles
 * (exact within ±2^53, correctly rounded beyond, as Number(bigint) is); a page with a value
 * outside ±(2^53 − 1) where that matters takes the bigint path.
 */
function readPlainNumbers(page: Uint8Array, offset: number, count: number, kind: PlainKind, transform: ValueTransform): DecodedArray {
  const width = kind === 'f64' || kind === 'i64' ? 8 : 4;
  const bytes = count * width;
  if (offset + bytes > page.length) {
    throw new RangeError(`page holds ${Math.max(0, page.length - offset)} bytes of values, ${count} values need ${bytes}`);
  }
  const at = page.byteOffset + offset;
  const aligned = at % width === 0;
  // A copy when unaligned (not page.slice: on a Buffer from node:zlib that is a view).
  const buffer = aligned ? page.buffer : new Uint8Array(page.subarray(offset, offset + bytes)).buffer;
  const base = aligned ? at : 0;
  switch (kind) {
    case 'f64':
      return new Float64Array(buffer, base, count);
    case 'f32':
      return new Float32Array(buffer, base, count);
    case 'i32': {
      const ints = new Int32Array(buffer, base, count);
      if (transform !== 'days') return ints;
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = ints[i] * 86_400_000;
      return out;
    }
    case 'i64': {
      const words = new Int32Array(buffer, base, count * 2);
      const out = new Float64Array(count);
      if (transform === 'millis') {
        for (let i = 0; i < count; i++) out[i] = words[2 * i + 1] * 4294967296 + (words[2 * i] >>> 0);
        return out;
      }
      for (let i = 0; i < count; i++) {
        const x = words[2 * i + 1] * 4294967296 + (words[2 * i] >>> 0);
        if (x > MAX_SAFE || x < -MAX_SAFE) {
          return transformValues(new BigInt64Array(buffer, base, count), transform);
        }
        out[i] = x;
      }
      if (transform === 'micros') for (let i = 0; i < count; i++) out[i] /= 1000;
      return out;
    }
  }
}

/** Spread the non-null values over the rows: row i has a value where levels[i] is 1. */
function spread(values: DecodedArray, levels: Uint8Array, rows: number): unknown[] {
  const source = values as ArrayLike<unknown>;
  const out: unknown[] = new Array(rows);
  let v = 0;
  for (let i = 0; i < rows; i++) out[i] = levels[i] === 1 ? source[v++] : null;
  return out;
}

/** True when the levels at src[pos..] open with one RLE run of `rows` ones: no row is null. */
function isOneRunOfOnes(src: Uint8Array, pos: number, rows: number): boolean {
  let header = 0;
  let scale = 1;
  for (;;) {
    if (pos >= src.length || scale > 2 ** 35) return false;
    const b = src[pos++];
    header += (b & 0x7f) * scale;
    if (!(b & 0x80)) break;
    scale *= 128;
  }
  return header === rows * 2 && pos < src.length && src[pos] === 1;
}

/**
 * Decode `count` values of Parquet's RLE / bit-packed hybrid encoding (bit width 0 to 32)
 * from src[pos, end) into out[0, count). Throws on a run that goes past `end` or an RLE run
 * longer than the values left (hyparquet's decoder yields more values than the page has
 * there, which the callers rejected); values of a last bit-packed group past `count` are
 * padding and dropped.
 */
export function readHybrid(
  src: Uint8Array,
  pos: number,
  end: number,
  width: number,
  count: number,
  out: Uint8Array | Uint32Array,
): number {
  const valueBytes = (width + 7) >> 3;
  let seen = 0;
  while (seen < count) {
    let header = 0;
    let scale = 1;
    for (;;) {
      if (pos >= end) throw new RangeError(`RLE/bit-packed data ends after ${seen} of ${count} values`);
      const b = src[pos++];
      header += (b & 0x7f) * scale;
      if (!(b & 0x80)) break;
      scale *= 128;
      if (scale > 2 ** 35) throw new RangeError('RLE/bit-packed run header is too long');
    }
    const n = Math.floor(header / 2);
    if (header % 2 === 0) {
      if (pos + valueBytes > end) throw new RangeError(`RLE/bit-packed data ends after ${seen} of ${count} values`);
      let value = 0;
      for (let i = 0; i < valueBytes; i++) value += src[pos + i] * 2 ** (8 * i);
      pos += valueBytes;
      if (n > count - seen) throw new RangeError(`an RLE run of ${n} values where ${count - seen} are left`);
      out.fill(value, seen, seen + n);
      seen += n;
    } else {
      const bytes = n * width;
      // hyparquet's wording, which the corpus test of ARROW-GH-41321 expects.
      if (pos >= end && width > 0) throw new Error(`bitpack offset ${pos} out of range`);
      if (pos + bytes > end) throw new RangeError(`RLE/bit-packed data ends after ${seen} of ${count} values`);
      const take = Math.min(n * 8, count - seen);
      unpack(src, pos, width, take, out, seen);
      pos += bytes;
      seen += take;
    }
  }
  return pos;
}

/** `take` bit-packed values of `width` bits from src at byte `pos`, to out[at..]. */
function unpack(src: Uint8Array, pos: number, width: number, take: number, out: Uint8Array | Uint32Array, at: number): void {
  if (width === 0) {
    out.fill(0, at, at + take);
    return;
  }
  if (width === 1) {
    const whole = take >> 3;
    for (let g = 0; g < whole; g++) {
      const b = src[pos + g];
      const o = at + 8 * g;
      out[o] = b & 1;
      out[o + 1] = (b >> 1) & 1;
      out[o + 2] = (b >> 2) & 1;
      out[o + 3] = (b >> 3) & 1;
      out[o + 4] = (b >> 4) & 1;
      out[o + 5] = (b >> 5) & 1;
      out[o + 6] = (b >> 6) & 1;
      out[o + 7] = (b >> 7) & 1;
    }
    for (let i = whole * 8; i < take; i++) out[at + i] = (src[pos + (i >> 3)] >> (i & 7)) & 1;
    return;
  }
  let i = 0;
  if (width <= 24) {
    // A 32-bit little-endian window holds the value's bits: shift (< 8) + width <= 32.
    const mask = (1 << width) - 1;
    const last = src.length - 4;
    for (; i < take; i++) {
      const bit = i * width;
      const p = pos + (bit >>> 3);
      if (p > last) break;
      const word = src[p] | (src[p + 1] << 8) | (src[p + 2] << 16) | (src[p + 3] << 24);
      out[at + i] = (word >>> (bit & 7)) & mask;
    }
  }
  for (; i < take; i++) {
    let bit = i * width;
    let value = 0;
    for (let got = 0; got < width;) {
      const off = bit & 7;
      const bits = Math.min(8 - off, width - got);
      value += ((src[pos + (bit >>> 3)] >> off) & ((1 << bits) - 1)) * 2 ** got;
      got += bits;
      bit += bits;
    }
    out[at + i] = value;
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const JULIAN_EPOCH_DAY = 2_440_588;
const NANOS_PER_DAY = 86_400_000_000_000;

/**
 * INT96 timestamp (8 bytes nanoseconds of the day, 4 bytes Julian day, little-endian) to
 * epoch milliseconds.
 *
 * Normal values have nanoseconds within one day and are converted exactly. Spark writes
 * timestamps beyond the int64-microsecond range (years past ±292,277 such as 290000) with
 * 64-bit wrapping arithmetic, which leaves the nanoseconds field outside [0, 1 day); those
 * are decoded with the same wrapping arithmetic Spark uses to read them back, so the value
 * written is the value returned.
 */
export function int96ToMillis(bytes: Uint8Array): number {
  const lo = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
  const hi = bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24);
  const day = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24);
  const nanos = hi * 4294967296 + lo;
  if (nanos >= 0 && nanos < NANOS_PER_DAY) {
    // Whole milliseconds are summed exactly; the fraction is rounded once.
    const fraction = nanos % 1e6;
    return (day - JULIAN_EPOCH_DAY) * 86_400_000 + (nanos - fraction) / 1e6 + fraction / 1e6;
  }
  const nanosBig = BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo));
  const micros = BigInt.asIntN(64, BigInt(day - JULIAN_EPOCH_DAY) * 86_400_000_000n + nanosBig / 1000n);
  return Number(micros / 1000n) + Number(micros % 1000n) / 1000;
}

/** Apply a ValueTransform to non-null raw values (a dictionary or a plain page). */
export function transformValues(values: DecodedArray, transform: ValueTransform): DecodedArray {
  if (transform === 'none') return values;
  const n = values.length;
  const source = values as ArrayLike<unknown>;
  if (transform === 'int64') {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = Number(source[i]);
      if (x > MAX_SAFE || x < -MAX_SAFE) return mixedIntegers(source);
      out[i] = x;
    }
    return out;
  }
  const out = new Float64Array(n);
  switch (transform) {
    case 'millis':
      for (let i = 0; i < n; i++) out[i] = Number(source[i]);
      break;
    case 'micros':
      for (let i = 0; i < n; i++) out[i] = microsToMillis(source[i] as bigint);
      break;
    case 'nanos':
      for (let i = 0; i < n; i++) out[i] = nanosToMillis(source[i] as bigint);
      break;
    case 'days':
      for (let i = 0; i < n; i++) out[i] = (source[i] as number) * 86_400_000;
      break;
    case 'int96':
      for (let i = 0; i < n; i++) out[i] = int96ToMillis(source[i] as Uint8Array);
      break;
  }
  return out;
}

/** INT64 values with some outside the safe range: numbers where safe, bigints elsewhere. */
function mixedIntegers(source: ArrayLike<unknown>): unknown[] {
  const out: unknown[] = new Array(source.length);
  for (let i = 0; i < source.length; i++) {
    const v = source[i];
    const x = Number(v);
    out[i] = x > MAX_SAFE || x < -MAX_SAFE ? v : x;
  }
  return out;
}

/** One column of a batch from the pieces of decoded pages that hold its rows. */
export function assemble(pieces: Piece[], rows: number): ArrayLike<unknown> {
  if (pieces.length === 1) {
    const { data, start, end } = pieces[0];
    if (start === 0 && end === data.length) return data;
    return Array.isArray(data) ? data.slice(start, end) : data.subarray(start, end);
  }
  const first = pieces[0].data;
  const typed = !Array.isArray(first) && pieces.every((p) => p.data.constructor === first.constructor);
  if (typed) {
    const out = new (first.constructor as new (length: number) => Exclude<DecodedArray, unknown[]>)(rows);
    let k = 0;
    for (const { data, start, end } of pieces) {
      (out as Float64Array).set((data as Float64Array).subarray(start, end), k);
      k += end - start;
    }
    return out;
  }
  const out: unknown[] = new Array(rows);
  let k = 0;
  for (const { data, start, end } of pieces) {
    const d = data as ArrayLike<unknown>;
    for (let i = start; i < end; i++) out[k++] = d[i];
  }
  return out;
}
