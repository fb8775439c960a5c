/**
 * JSON Lines: one JSON object per line, streamed. Columns are the keys of the objects
 * (the first SCHEMA_LINES lines name them; later new keys are ignored); a missing key
 * is a null. Blank lines are skipped; a line that is not a JSON object is an error
 * naming its line.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Column, ColumnBatch, ColumnInfo, ColumnType, Source } from '../batch.js';
import { DataError } from '../errors.js';
import { readError } from './file-errors.js';

const SCHEMA_LINES = 1000;
const BATCH_ROWS = 16384;

export class JsonLinesSource implements Source {
  readonly description: string;
  private cached?: Promise<ColumnInfo[]>;

  constructor(private readonly path: string) {
    this.description = path;
  }

  schema(): Promise<ColumnInfo[]> {
    this.cached ??= this.readSchema();
    return this.cached;
  }

  private async readSchema(): Promise<ColumnInfo[]> {
    const types = new Map<string, ColumnType | undefined>();
    let seen = 0;
    for await (const { obj } of this.records()) {
      for (const [k, v] of Object.entries(obj)) if (types.get(k) === undefined) types.set(k, typeOfValue(v));
      if (++seen >= SCHEMA_LINES) break;
    }
    if (seen === 0) throw new DataError(`${this.path}: no JSON records (the file is empty)`, { file: this.path });
    return [...types].map(([name, type]) => ({ name, type: type ?? 'string' }));
  }

  async *batches(columns?: string[]): AsyncIterable<ColumnBatch> {
    const schema = await this.schema();
    const wanted = schema.filter((c) => !columns || columns.includes(c.name));
    let rows: Record<string, unknown>[] = [];
    let lines: number[] = [];
    let rowStart = 0;
    const flush = (): ColumnBatch => {
      const out = new Map<string, Column>();
      for (const c of wanted) {
        const values = new Array<unknown>(rows.length);
        for (let i = 0; i < rows.length; i++) values[i] = normalize(rows[i][c.name], c.type);
        out.set(c.name, { type: c.type, values });
      }
      const batch = { rows: rows.length, columns: out, origin: { file: this.path, rowStart, lines: Int32Array.from(lines) } };
      rowStart += rows.length;
      rows = [];
      lines = [];
      return batch;
    };
    for await (const { obj, line } of this.records()) {
      rows.push(obj);
      lines.push(line);
      if (rows.length === BATCH_ROWS) yield flush();
    }
    if (rows.length > 0) yield flush();
  }

  private async *records(): AsyncIterable<{ obj: Record<string, unknown>; line: number }> {
    const file = createReadStream(this.path);
    const failed = new Promise<never>((_, reject) => file.once('error', (e) => reject(readError(this.path, e))));
    failed.catch(() => undefined);
    const input = /\.gz$/i.test(this.path) ? file.pipe(createGunzip()) : file;
    const rl = createInterface({ input, crlfDelay: Infinity });
    let line = 0;
    try {
      const it = rl[Symbol.asyncIterator]();
      for (;;) {
        const next = await Promise.race([it.next(), failed]);
        if (next.done) break;
        line++;
        const text = next.value.trim();
        if (text === '') continue;
        let obj: unknown;
        try {
          obj = JSON.parse(text);
        } catch (err) {
          throw new DataError(`${this.path} line ${line}: not valid JSON: ${(err as Error).message}`, { file: this.path, line, hint: 'each line must hold one JSON object' });
        }
        if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
          throw new DataError(`${this.path} line ${line}: expected a JSON object, got ${Array.isArray(obj) ? 'an array' : JSON.stringify(obj)}`, { file: this.path, line });
        }
        yield { obj: obj as Record<string, unknown>, line };
      }
    } finally {
      rl.close();
      file.destroy();
    }
  }
}

function typeOfValue(v: unknown): ColumnType | undefined {
  switch (typeof v) {
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'object':
      return v === null ? undefined : 'nested';
    default:
      return undefined;
  }
}

/** A value as its column's type expects; a value of another JSON type is kept as text. */
function normalize(v: unknown, type: ColumnType): unknown {
  if (v === undefined || v === null) return null;
  if (type === 'nested' || typeof v !== 'object') return v;
  return JSON.stringify(v);
}
