/**
 * Parquet footer: reading, validation, and the mapping from Parquet's physical and
 * logical types to dqc column types.
 *
 * Type mapping (see src/batch.ts for the value conventions):
 * - BOOLEAN → boolean
 * - INT32, INT64 (plain, INT_n, UINT_n) → integer. INT32 values are numbers; INT64 values
 *   are numbers when within ±(2^53 − 1) and bigints outside it. The choice is per value, so
 *   equal integers always have the same representation.
 * - FLOAT, DOUBLE, FLOAT16 → float
 * - DATE → date; TIMESTAMP (MILLIS, MICROS, NANOS, legacy TIMESTAMP_MILLIS/MICROS) and INT96
 *   → timestamp; both as epoch milliseconds numbers (fractional below 1 ms)
 * - DECIMAL (INT32, INT64, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY) → decimal, as number
 * - BYTE_ARRAY annotated STRING/UTF8, ENUM or JSON, and UUID → string (JSON is kept as text)
 * - other BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY (incl. BSON, INTERVAL, GEOMETRY) → binary (Uint8Array)
 * - TIME → integer (raw count of the annotated unit since midnight)
 * - groups (structs, lists, maps) and repeated fields → nested
 */
import type { FileMetaData, ParquetParsers, ParquetType, SchemaElement, SchemaTree } from 'hyparquet';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import type { ColumnInfo, ColumnType } from '../batch.js';
import { DataError } from '../errors.js';
import type { ParquetFile } from './parquet-file.js';

const MAGIC = 0x31524150; // "PAR1", little-endian
const MAGIC_ENCRYPTED = 0x45524150; // "PARE"
const TAIL_BYTES = 64 * 1024;

const utf8 = new TextDecoder();
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Milliseconds from microseconds, exact to the double nearest the true value. */
export function microsToMillis(v: bigint | number): number {
  if (typeof v === 'number') return v / 1000;
  if (v <= MAX_SAFE && v >= -MAX_SAFE) return Number(v) / 1000;
  return Number(v / 1000n) + Number(v % 1000n) / 1000;
}

/** Milliseconds from nanoseconds, exact to the double nearest the true value. */
export function nanosToMillis(v: bigint | number): number {
  if (typeof v === 'number') return v / 1e6;
  return Number(v / 1_000_000n) + Number(v % 1_000_000n) / 1e6;
}

/**
 * Value parsers handed to hyparquet. Flat columns use them only for text, JSON and UUID
 * values (their temporal values are converted from the raw integers in parquet-column.ts);
 * in nested columns they give epoch-millisecond numbers instead of Date objects. JSON stays
 * text, geometry stays bytes.
 */
export const PARSERS: ParquetParsers = {
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: microsToMillis,
  timestampFromNanoseconds: nanosToMillis,
  dateFromDays: (days: number) => days * 86_400_000,
  stringFromBytes: (bytes: Uint8Array) => bytes && utf8.decode(bytes),
  jsonFromBytes: (bytes: Uint8Array) => bytes && utf8.decode(bytes),
  geometryFromBytes: (bytes: Uint8Array) => bytes,
  geographyFromBytes: (bytes: Uint8Array) => bytes,
  uuidFromBytes: (bytes: Uint8Array) => {
    if (!bytes) return bytes;
    let hex = '';
    for (let i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  },
};

/**
 * How raw decoded values become dqc values, applied once per dictionary or plain page:
 * - `int64`: bigint to number when within ±(2^53 − 1), else left a bigint
 * - `millis`, `micros`, `nanos`: INT64 timestamp to epoch milliseconds
 * - `days`: INT32 date to epoch milliseconds
 * - `int96`: 12-byte INT96 timestamp to epoch milliseconds
 */
export type ValueTransform = 'none' | 'int64' | 'int96' | 'millis' | 'micros' | 'nanos' | 'days';

export interface ColumnPlan {
  name: string;
  type: ColumnType;
  /** A top-level primitive that is not repeated: decoded page by page. */
  flat: boolean;
  /** Index of the first and one past the last column chunk (leaf) of this column. */
  leafStart: number;
  leafEnd: number;
  node: SchemaTree;
  /** Root-to-leaf schema path (flat columns). */
  schemaPath: SchemaTree[];
  /** Physical type as hyparquet should decode it (INT96 is read as 12 raw bytes). */
  decodeType: ParquetType;
  /** Schema element as hyparquet should see it when converting values. */
  decodeElement: SchemaElement;
  transform: ValueTransform;
}

export interface ChunkPlan {
  /** Absolute byte range of the column chunk, as the footer declares it. */
  start: number;
  end: number;
  /**
   * How far the chunk's pages may really extend: `end`, or a little more for files from
   * parquet-mr before 1.2.9, which left the dictionary page header out of the chunk size
   * (PARQUET-816, IMPALA-694).
   */
  limit: number;
  codec: string;
  type: ParquetType;
  totalUncompressed: number;
  /** Why the chunk cannot be read, found in the footer; reported when the column is read. */
  problem?: string;
  hint?: string;
}

export interface RowGroupPlan {
  index: number;
  /** Index of the group's first row within the file. */
  rowStart: number;
  rows: number;
  chunks: ChunkPlan[];
}

export interface ParquetLayout {
  metadata: FileMetaData;
  columns: ColumnPlan[];
  rowGroups: RowGroupPlan[];
  rows: number;
}

function fail(path: string, message: string, hint?: string): never {
  throw new DataError(`${path}: ${message}`, {
    file: path,
    hint: hint ?? 'the file is corrupt or truncated; re-export or re-download it',
  });
}

function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof TypeError || err instanceof RangeError) return `malformed structure (${message})`;
  return message.replace(/^parquet /, '');
}

/** Read and parse the footer; only the last bytes of the file are read. */
export async function readFooter(file: ParquetFile): Promise<FileMetaData> {
  const { path, size } = file;
  if (size === 0) fail(path, 'empty file (0 bytes), not a Parquet file', 'the file was probably not written completely');
  const head = await file.read(0, Math.min(4, size));
  const headOk = head.length === 4 && new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true) === MAGIC;
  if (size < 12) {
    if (headOk) fail(path, `truncated Parquet file: only ${size} bytes, no footer`);
    fail(path, `not a Parquet file: only ${size} bytes and no PAR1 magic bytes`, 'is this really a Parquet file?');
  }
  const tailStart = Math.max(0, size - TAIL_BYTES);
  const tail = await file.read(tailStart, size);
  const tailView = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const tailMagic = tailView.getUint32(tail.byteLength - 4, true);
  if (tailMagic === MAGIC_ENCRYPTED) {
    fail(path, 'encrypted Parquet file (PARE footer); encryption is not supported', 'export the data unencrypted');
  }
  if (tailMagic !== MAGIC) {
    if (headOk) {
      fail(path, 'truncated Parquet file: it does not end with the PAR1 footer (cut short, or still being written)');
    }
    fail(path, 'not a Parquet file: no PAR1 magic bytes at the start or the end', 'is this really a Parquet file?');
  }
  if (!headOk) {
    fail(path, 'not a valid Parquet file: it ends with PAR1 but does not start with the PAR1 magic bytes');
  }
  const metaLength = tailView.getUint32(tail.byteLength - 8, true);
  if (metaLength === 0 || metaLength > size - 12) {
    fail(path, `corrupt footer: metadata length ${metaLength} does not fit in a file of ${size} bytes`);
  }
  const footerStart = size - 8 - metaLength;
  const footer = footerStart >= tailStart
    ? tail.subarray(footerStart - tailStart)
    : await file.read(footerStart, size);
  try {
    return parquetMetadata(footer, { parsers: PARSERS, geoparquet: false });
  } catch (err) {
    fail(path, `corrupt footer metadata: ${reasonOf(err)}`);
  }
}

function toInt(path: string, value: unknown, what: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    fail(path, `corrupt footer: ${what} is ${String(value)}`);
  }
  return n;
}

/** Check the footer against the file and work out what to read for each column. */
export function planLayout(path: string, fileSize: number, metadata: FileMetaData): ParquetLayout {
  let tree: SchemaTree;
  try {
    if (!metadata.schema?.length) throw new Error('schema is empty');
    tree = parquetSchema(metadata);
    if (tree.count !== metadata.schema.length) {
      throw new Error(`schema tree covers ${tree.count} of ${metadata.schema.length} elements`);
    }
  } catch (err) {
    fail(path, `corrupt schema in footer: ${reasonOf(err)}`);
  }
  // Column chunks follow the primitive leaves in schema order; a group without children
  // (an empty struct) has none.
  const leaves: SchemaTree[] = [];
  const collect = (node: SchemaTree): void => {
    if (node.children.length) node.children.forEach(collect);
    else if (node !== tree && node.element.type) leaves.push(node);
  };
  collect(tree);

  const columns: ColumnPlan[] = [];
  const seen = new Set<string>();
  let leafIndex = 0;
  for (const node of tree.children) {
    const name = node.element.name;
    if (typeof name !== 'string') fail(path, 'corrupt schema in footer: a column has no name');
    if (seen.has(name)) fail(path, `duplicate column name '${name}' in the schema`, 'rename the column in the writer');
    seen.add(name);
    const leafCount = countLeaves(node);
    columns.push(planColumn(tree, node, leafIndex, leafIndex + leafCount));
    leafIndex += leafCount;
  }

  const dataEnd = fileSize - 8 - metadata.metadata_length;
  const padding = missesDictionaryHeaderSize(metadata.created_by) ? MAX_DICTIONARY_HEADER_BYTES : 0;
  const rowGroups: RowGroupPlan[] = [];
  let rowStart = 0;
  (metadata.row_groups ?? []).forEach((group, g) => {
    const rows = toInt(path, group.num_rows, `row group ${g} row count`);
    if (group.columns?.length !== leaves.length) {
      fail(path, `corrupt footer: row group ${g} has ${group.columns?.length ?? 0} column chunks, the schema has ${leaves.length} columns`);
    }
    const chunks = group.columns.map((chunk, c): ChunkPlan => {
      const leafName = leaves[c].path.join('.');
      const meta = chunk.meta_data;
      const broken = (problem: string, hint?: string): ChunkPlan => ({
        start: 0, end: 0, limit: 0, codec: String(meta?.codec), type: leaves[c].element.type as ParquetType,
        totalUncompressed: 0, problem, hint,
      });
      if (chunk.file_path) {
        return broken(`column '${leafName}' keeps its data in another file (${chunk.file_path}); external column chunks are not supported`, 'rewrite the dataset as self-contained files');
      }
      if (chunk.crypto_metadata || chunk.encrypted_column_metadata) {
        return broken(`column '${leafName}' is encrypted; encryption is not supported`, 'export the data unencrypted');
      }
      if (!meta) return broken(`corrupt footer: column '${leafName}' in row group ${g} has no metadata`);
      if (meta.path_in_schema?.join('.') !== leafName) {
        return broken(`corrupt footer: row group ${g} has a chunk for '${meta.path_in_schema?.join('.')}' where the schema puts '${leafName}'`);
      }
      if (meta.type !== leaves[c].element.type) {
        return broken(`corrupt footer: column '${leafName}' is ${leaves[c].element.type} in the schema but ${meta.type} in row group ${g}`);
      }
      const numbers = [meta.data_page_offset, meta.total_compressed_size, meta.total_uncompressed_size].map(Number);
      const dictOffset = meta.dictionary_page_offset === undefined ? 0 : Number(meta.dictionary_page_offset);
      if (!numbers.every((n) => Number.isSafeInteger(n) && n >= 0) || !Number.isSafeInteger(dictOffset)) {
        return broken(`corrupt footer: column '${leafName}' in row group ${g} has an invalid offset or size`);
      }
      const [dataOffset, length, totalUncompressed] = numbers;
      const start = dictOffset > 0 && dictOffset < dataOffset ? dictOffset : dataOffset;
      const end = start + length;
      if (rows > 0 && (start < 4 || end > dataEnd)) {
        return broken(`column '${leafName}' in row group ${g} points at bytes ${start}..${end}, outside the data area (4..${dataEnd}); the file is truncated or corrupt`);
      }
      return {
        start,
        end,
        limit: Math.min(end + padding, dataEnd),
        codec: String(meta.codec),
        type: meta.type,
        totalUncompressed,
      };
    });
    rowGroups.push({ index: g, rowStart, rows, chunks });
    rowStart += rows;
  });
  return { metadata, columns, rowGroups, rows: rowStart };
}

/** Arrow's bound on the size of the dictionary page header that old parquet-mr did not count. */
const MAX_DICTIONARY_HEADER_BYTES = 100;

/** True for writers affected by PARQUET-816: parquet-mr before 1.2.9, or without a version. */
export function missesDictionaryHeaderSize(createdBy: string | undefined): boolean {
  const match = /^parquet-mr(?:\s+version\s+(\d+)\.(\d+)\.(\d+))?/i.exec(createdBy ?? '');
  if (!match) return false;
  if (match[1] === undefined) return true;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return major < 1 || (major === 1 && (minor < 2 || (minor === 2 && patch < 9)));
}

function countLeaves(node: SchemaTree): number {
  if (!node.children.length) return node.element.type ? 1 : 0;
  let n = 0;
  for (const child of node.children) n += countLeaves(child);
  return n;
}

function planColumn(root: SchemaTree, node: SchemaTree, leafStart: number, leafEnd: number): ColumnPlan {
  const element = node.element;
  const flat = !node.children.length && element.type !== undefined && element.repetition_type !== 'REPEATED';
  const base = {
    name: element.name,
    flat,
    leafStart,
    leafEnd,
    node,
    schemaPath: [root, node],
  };
  if (!flat) {
    return { ...base, flat: false, type: 'nested', decodeType: element.type ?? 'BYTE_ARRAY', decodeElement: element, transform: 'none' };
  }
  const { type, decodeElement, transform, decodeType } = mapPrimitive(element);
  return { ...base, type, decodeElement, transform, decodeType };
}

function mapPrimitive(element: SchemaElement): {
  type: ColumnType;
  decodeElement: SchemaElement;
  decodeType: ParquetType;
  transform: ValueTransform;
} {
  const physical = element.type as ParquetType;
  const ctype = element.converted_type;
  const ltype = element.logical_type?.type;
  const el: SchemaElement = { ...element };
  const result = (type: ColumnType, transform: ValueTransform = 'none', decodeType: ParquetType = physical) => ({
    type,
    decodeElement: el,
    decodeType,
    transform,
  });
  // An annotation hyparquet does not know arrives as a raw thrift object: read the plain type.
  if (element.logical_type && typeof ltype !== 'string') delete el.logical_type;

  if (physical === 'INT96') {
    // Decoded from the 12 raw bytes here, not by hyparquet (see int96ToMillis).
    el.type = 'FIXED_LEN_BYTE_ARRAY';
    el.type_length = 12;
    delete el.converted_type;
    delete el.logical_type;
    return result('timestamp', 'int96', 'FIXED_LEN_BYTE_ARRAY');
  }
  if (ctype === 'DECIMAL' || ltype === 'DECIMAL') {
    const lt = element.logical_type;
    el.converted_type = 'DECIMAL';
    if (lt?.type === 'DECIMAL') el.scale = lt.scale;
    delete el.logical_type;
    return result('decimal');
  }
  if (physical === 'BOOLEAN') return result('boolean');
  if (physical === 'FLOAT' || physical === 'DOUBLE') return result('float');
  if (physical === 'INT32' || physical === 'INT64') {
    const lt = element.logical_type;
    // Temporal values are converted from the raw integers (see ValueTransform).
    const raw = (type: ColumnType, transform: ValueTransform) => {
      delete el.converted_type;
      delete el.logical_type;
      return result(type, transform);
    };
    if (physical === 'INT64' && lt?.type === 'TIMESTAMP') {
      return raw('timestamp', lt.unit === 'NANOS' ? 'nanos' : lt.unit === 'MICROS' ? 'micros' : 'millis');
    }
    if (physical === 'INT64' && ctype === 'TIMESTAMP_MILLIS') return raw('timestamp', 'millis');
    if (physical === 'INT64' && ctype === 'TIMESTAMP_MICROS') return raw('timestamp', 'micros');
    if (physical === 'INT32' && (ctype === 'DATE' || ltype === 'DATE')) return raw('date', 'days');
    return result('integer', physical === 'INT64' ? 'int64' : 'none');
  }
  // BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY
  if (ltype === 'FLOAT16') return result('float');
  if (ltype === 'UUID') return result('string');
  const isText =
    ctype === 'UTF8' || ctype === 'ENUM' || ctype === 'JSON' ||
    ltype === 'STRING' || ltype === 'ENUM' || ltype === 'JSON';
  if (isText && physical === 'BYTE_ARRAY') {
    el.converted_type = 'UTF8';
    delete el.logical_type;
    return result('string');
  }
  // Everything else is kept as raw bytes: BSON, INTERVAL, GEOMETRY, unannotated binary.
  delete el.converted_type;
  delete el.logical_type;
  return result('binary');
}

/** Column names and types, as `Source.schema()` reports them. */
export function columnInfos(layout: ParquetLayout): ColumnInfo[] {
  return layout.columns.map((c) => ({ name: c.name, type: c.type }));
}
