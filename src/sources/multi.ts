import type { ColumnBatch, ColumnInfo, Source } from '../batch.js';
import { DataError } from '../errors.js';

/**
 * Several files read as one table. Columns are matched by name, so files may
 * order them differently; every file must have every column that is read.
 */
export class MultiSource implements Source {
  constructor(readonly description: string, private readonly parts: Source[]) {}

  async schema(): Promise<ColumnInfo[]> {
    const byName = new Map<string, ColumnInfo>();
    for (const part of this.parts) {
      for (const col of await part.schema()) if (!byName.has(col.name)) byName.set(col.name, col);
    }
    return [...byName.values()];
  }

  async *batches(columns?: string[]): AsyncIterable<ColumnBatch> {
    for (const part of this.parts) {
      if (columns) {
        const have = new Set((await part.schema()).map((c) => c.name));
        const missing = columns.filter((c) => !have.has(c));
        if (missing.length > 0) {
          throw new DataError(`${part.description}: has no column ${missing.map((m) => JSON.stringify(m)).join(', ')}, which the other files of ${this.description} have`, {
            file: part.description,
          });
        }
      }
      yield* part.batches(columns);
    }
  }
}
