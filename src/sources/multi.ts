import type { ColumnBatch, ColumnInfo, ColumnType, Source } from '../batch.js';
import { DataError } from '../errors.js';
import { mergeBadLines, type BadLinesSummary } from './bad-lines.js';

/**
 * Several files read as one table, unioned by column name: files may order columns
 * differently, and a column a file lacks reads as nulls there. The same column with
 * incompatible types in two files is an error.
 */
export class MultiSource implements Source {
  private merged?: Promise<ColumnInfo[]>;

  constructor(readonly description: string, private readonly parts: Source[]) {}

  /** Malformed CSV rows left out across the files, lines of the first file that had any. */
  get badLines(): BadLinesSummary {
    return mergeBadLines(this.parts.map((part) => ({ file: part.description, bad: (part as { badLines?: BadLinesSummary }).badLines })));
  }

  schema(): Promise<ColumnInfo[]> {
    this.merged ??= this.mergeSchemas();
    return this.merged;
  }

  private async mergeSchemas(): Promise<ColumnInfo[]> {
    const byName = new Map<string, { info: ColumnInfo; from: string }>();
    for (const part of this.parts) {
      for (const col of await part.schema()) {
        const seen = byName.get(col.name);
        if (!seen) {
          byName.set(col.name, { info: col, from: part.description });
        } else if (!compatible(seen.info.type, col.type)) {
          throw new DataError(
            `column "${col.name}" is ${col.type} in ${part.description} but ${seen.info.type} in ${seen.from}`,
            { file: part.description, hint: 'files read as one dataset must agree on column types; re-export them alike or check them as separate datasets' },
          );
        } else if (seen.info.type === 'text' && col.type !== 'text') {
          seen.info = col;
        }
      }
    }
    return [...byName.values()].map((v) => v.info);
  }

  async *batches(columns?: string[]): AsyncIterable<ColumnBatch> {
    const wanted = columns ?? (await this.schema()).map((c) => c.name);
    for (const part of this.parts) {
      const have = new Set((await part.schema()).map((c) => c.name));
      const missing = wanted.filter((c) => !have.has(c));
      for await (const batch of part.batches(wanted.filter((c) => have.has(c)))) {
        for (const name of missing) batch.columns.set(name, { type: 'text', values: new Array(batch.rows).fill(null) });
        yield batch;
      }
    }
  }
}

/** Types that can share a column across files; CSV text goes with anything. */
const FAMILY: Record<ColumnType, string> = {
  text: '*',
  string: 'string',
  binary: 'string',
  integer: 'number',
  float: 'number',
  decimal: 'number',
  boolean: 'boolean',
  timestamp: 'time',
  date: 'time',
  nested: 'nested',
};

function compatible(a: ColumnType, b: ColumnType): boolean {
  return FAMILY[a] === '*' || FAMILY[b] === '*' || FAMILY[a] === FAMILY[b];
}
