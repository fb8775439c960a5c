/**
 * Arrow IPC (Feather v2 files and IPC streams) via apache-arrow, record batch by
 * record batch. Arrow already hands back the value conventions of src/batch.ts:
 * timestamps and dates as epoch milliseconds, 64-bit integers as bigint.
 */
import { createReadStream } from 'node:fs';
import { DataType, RecordBatchReader, type Field } from 'apache-arrow';
import type { ColumnBatch, ColumnInfo, ColumnType, Source } from '../batch.js';
import { DataError } from '../errors.js';
import { readError } from './file-errors.js';

export class ArrowSource implements Source {
  readonly description: string;

  constructor(private readonly path: string) {
    this.description = path;
  }

  async schema(): Promise<ColumnInfo[]> {
    const reader = await this.open();
    try {
      return reader.schema.fields.map((f) => ({ name: f.name, type: typeOf(f) }));
    } finally {
      await release(reader);
    }
  }

  async *batches(columns?: string[]): AsyncIterable<ColumnBatch> {
    const reader = await this.open();
    let rowStart = 0;
    try {
      for await (const batch of reader) {
        const out = new Map<string, ColumnBatch['columns'] extends Map<string, infer C> ? C : never>();
        for (const field of batch.schema.fields) {
          if (columns && !columns.includes(field.name)) continue;
          const vector = batch.getChild(field.name)!;
          const values = new Array<unknown>(batch.numRows);
          for (let i = 0; i < batch.numRows; i++) values[i] = vector.get(i);
          out.set(field.name, { type: typeOf(field), values });
        }
        yield { rows: batch.numRows, columns: out, origin: { file: this.path, rowStart } };
        rowStart += batch.numRows;
      }
    } catch (err) {
      throw this.corrupt(err);
    } finally {
      await release(reader);
    }
  }

  private async open() {
    const stream = createReadStream(this.path);
    const failed = new Promise<never>((_, reject) => stream.once('error', (e) => reject(readError(this.path, e))));
    try {
      const reader = await Promise.race([RecordBatchReader.from(stream), failed]);
      await Promise.race([reader.open(), failed]);
      if (!reader.schema) throw new Error('no schema message');
      return reader;
    } catch (err) {
      stream.destroy();
      throw err instanceof DataError ? err : this.corrupt(err);
    }
  }

  private corrupt(err: unknown): DataError {
    if (err instanceof DataError) return err;
    return new DataError(`${this.path}: not a readable Arrow IPC file: ${(err as Error).message}`, {
      file: this.path,
      hint: 'the file is corrupt, truncated or not Arrow IPC / Feather v2',
    });
  }
}

/** Closes a reader; some reader kinds return nothing from cancel(), some a promise. */
async function release(reader: { cancel(): unknown }): Promise<void> {
  try {
    await reader.cancel();
  } catch {
    // Closing a reader that already failed has nothing left to report.
  }
}

function typeOf(field: Field): ColumnType {
  const t = field.type;
  if (DataType.isDictionary(t)) return typeOf({ ...field, type: t.dictionary } as Field);
  if (DataType.isInt(t)) return 'integer';
  if (DataType.isFloat(t)) return 'float';
  if (DataType.isDecimal(t)) return 'decimal';
  if (DataType.isBool(t)) return 'boolean';
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t)) return 'string';
  if (DataType.isBinary(t) || DataType.isLargeBinary(t) || DataType.isFixedSizeBinary(t)) return 'binary';
  if (DataType.isTimestamp(t)) return 'timestamp';
  if (DataType.isDate(t)) return 'date';
  return 'nested';
}
