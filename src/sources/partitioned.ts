import path from 'node:path';
import type { ColumnBatch, ColumnInfo, Source } from '../batch.js';

/** Hive's spelling of a null partition value. */
const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

/**
 * `key=value` folder names between a dataset's root and a file, in order:
 * `root/date=2026-11-27/region=eu/part-0.parquet` → [[date, 2026-11-27], [region, eu]].
 */
export function partitionsOf(file: string, root: string): [string, string | null][] {
  const rel = path.relative(root, path.dirname(file));
  if (rel === '' || rel.startsWith('..')) return [];
  const out: [string, string | null][] = [];
  for (const seg of rel.split(path.sep)) {
    const eq = seg.indexOf('=');
    if (eq <= 0) continue;
    const value = decodeURIComponent(seg.slice(eq + 1));
    out.push([decodeURIComponent(seg.slice(0, eq)), value === HIVE_NULL ? null : value]);
  }
  return out;
}

/**
 * A file of a Hive-style partitioned folder: its partition keys become columns
 * (text, so they are typed like CSV values), constant within the file. A column
 * stored in the file itself wins over a partition key of the same name.
 */
export class PartitionedSource implements Source {
  readonly description: string;

  constructor(private readonly inner: Source, private readonly partitions: [string, string | null][]) {
    this.description = inner.description;
  }

  get badLines(): { count: number; lines: number[] } | undefined {
    return (this.inner as { badLines?: { count: number; lines: number[] } }).badLines;
  }

  async schema(): Promise<ColumnInfo[]> {
    const cols = await this.inner.schema();
    const names = new Set(cols.map((c) => c.name));
    return [...cols, ...this.extra(names).map(([name]) => ({ name, type: 'text' as const }))];
  }

  async *batches(columns?: string[]): AsyncIterable<ColumnBatch> {
    const names = new Set((await this.inner.schema()).map((c) => c.name));
    const extra = this.extra(names).filter(([name]) => !columns || columns.includes(name));
    const innerColumns = columns?.filter((c) => names.has(c));
    for await (const batch of this.inner.batches(innerColumns)) {
      for (const [name, value] of extra) batch.columns.set(name, { type: 'text', values: new Array(batch.rows).fill(value) });
      yield batch;
    }
  }

  private extra(fileColumns: Set<string>): [string, string | null][] {
    return this.partitions.filter(([name]) => !fileColumns.has(name));
  }
}
