/**
 * Parquet files as a `Source`.
 *
 * - The file is read through a file handle with positional reads; it is never loaded whole.
 * - `schema()` reads only the footer.
 * - `batches()` goes row group by row group. Flat columns are decoded page by page and
 *   row groups are cut into batches of at most BATCH_ROWS rows, so memory is bounded by the
 *   batch size and the page size, not by the row group. Nested columns (lists, maps,
 *   structs) are read by hyparquet one whole row group at a time, and only when asked for.
 * - Every value count is checked against the row group's row count; a chunk with fewer or
 *   more values, a page whose CRC does not match, a dictionary index that points nowhere is a
 *   DataError, never a short or padded column.
 *
 * Type mapping and value conventions: see parquet-schema.ts and src/batch.ts.
 */
import { parquetRead, type SchemaTree } from 'hyparquet';
import { getMaxDefinitionLevel, getMaxRepetitionLevel } from 'hyparquet/src/schema.js';
import type { Column, ColumnBatch, ColumnInfo, Source } from '../batch.js';
import { DataError } from '../errors.js';
import { COMPRESSORS, FlatColumnReader, SUPPORTED_CODECS, assemble, readyDecompressors, verifyChunk } from './parquet-column.js';
import { ParquetFile } from './parquet-file.js';
import {
  PARSERS,
  columnInfos,
  planLayout,
  readFooter,
  type ColumnPlan,
  type ParquetLayout,
  type RowGroupPlan,
} from './parquet-schema.js';

/** Largest batch yielded; row groups with more rows are cut into several batches. */
export const BATCH_ROWS = 65_536;

/**
 * A nested column is assembled a whole row group at a time; one larger than this
 * (uncompressed) is refused rather than allocated.
 */
const MAX_NESTED_CHUNK_BYTES = 1 << 30;

/** Row groups [start, end) of a file: a parallel scan's share of it. */
export interface RowGroupRange {
  start: number;
  end: number;
}

export class ParquetSource implements Source {
  readonly description: string;
  readonly path: string;

  /** `rowGroups` limits batches() to those row groups (rows keep their file-wide index). */
  constructor(path: string, private readonly rowGroups?: RowGroupRange) {
    this.path = path;
    this.description = path;
  }

  async schema(): Promise<ColumnInfo[]> {
    const file = await ParquetFile.open(this.path);
    try {
      return columnInfos(await this.layout(file));
    } finally {
      await file.close();
    }
  }

  /** Total row count from the footer (sum of the row groups). */
  async rowCount(): Promise<number> {
    const file = await ParquetFile.open(this.path);
    try {
      return (await this.layout(file)).rows;
    } finally {
      await file.close();
    }
  }

  /** Rows of each row group, from the footer. */
  async rowGroupRows(): Promise<number[]> {
    const file = await ParquetFile.open(this.path);
    try {
      return (await this.layout(file)).rowGroups.map((g) => g.rows);
    } finally {
      await file.close();
    }
  }

  async *batches(columns?: string[]): AsyncGenerator<ColumnBatch> {
    const file = await ParquetFile.open(this.path);
    try {
      await readyDecompressors();
      const layout = await this.layout(file);
      // Every row group's chunks are vetted, also those of other parts: the first problem is the same in one pass.
      const selected = this.select(layout, columns);
      const groups = this.rowGroups ? layout.rowGroups.slice(this.rowGroups.start, this.rowGroups.end) : layout.rowGroups;
      for (const group of groups) {
        if (group.rows === 0) continue;
        yield* this.readGroup(file, layout, group, selected);
      }
    } finally {
      await file.close();
    }
  }

  private async layout(file: ParquetFile): Promise<ParquetLayout> {
    return planLayout(this.path, file.size, await readFooter(file));
  }

  private select(layout: ParquetLayout, columns: string[] | undefined): ColumnPlan[] {
    const byName = new Map(layout.columns.map((c) => [c.name, c]));
    const names = columns ? [...new Set(columns)] : layout.columns.map((c) => c.name);
    const selected = names.map((name) => {
      const plan = byName.get(name);
      if (!plan) {
        const known = layout.columns.map((c) => c.name).join(', ');
        throw new DataError(`${this.path}: no column '${name}' in the file`, {
          file: this.path,
          hint: `the file has: ${known || '(no columns)'}`,
        });
      }
      return plan;
    });
    for (const plan of selected) {
      for (const group of layout.rowGroups) {
        for (let leaf = plan.leafStart; leaf < plan.leafEnd; leaf++) {
          const { codec, problem, hint } = group.chunks[leaf];
          if (problem) {
            throw new DataError(`${this.path}: ${problem}`, {
              file: this.path,
              hint: hint ?? 'the file is corrupt or truncated; re-export or re-download it',
            });
          }
          if (!SUPPORTED_CODECS.has(codec)) {
            throw new DataError(
              `${this.path}: column '${plan.name}' is compressed with ${codec === 'undefined' ? 'an unknown codec' : codec}, which is not supported`,
              {
                file: this.path,
                hint: `rewrite the file with one of: ${[...SUPPORTED_CODECS].join(', ')}`,
              },
            );
          }
        }
      }
    }
    return selected;
  }

  private async *readGroup(
    file: ParquetFile,
    layout: ParquetLayout,
    group: RowGroupPlan,
    selected: ColumnPlan[],
  ): AsyncGenerator<ColumnBatch> {
    const readers = new Map<string, FlatColumnReader>();
    const nested = new Map<string, unknown[]>();
    for (const plan of selected) {
      if (plan.flat) readers.set(plan.name, new FlatColumnReader(file, plan, group));
      else nested.set(plan.name, await readNested(file, layout, plan, group));
    }
    for (let offset = 0; offset < group.rows; offset += BATCH_ROWS) {
      const rows = Math.min(BATCH_ROWS, group.rows - offset);
      const flatPlans = selected.filter((p) => p.flat);
      const pieces = await inOrder(flatPlans.map((p) => (readers.get(p.name) as FlatColumnReader).take(rows)));
      const taken = new Map(flatPlans.map((p, i) => [p.name, pieces[i]]));
      const batchColumns = new Map<string, Column>();
      for (const plan of selected) {
        if (plan.flat) {
          batchColumns.set(plan.name, {
            type: plan.type,
            values: assemble(taken.get(plan.name) ?? [], rows),
          });
        } else {
          const values = nested.get(plan.name) as unknown[];
          batchColumns.set(plan.name, {
            type: 'nested',
            values: rows === group.rows ? values : values.slice(offset, offset + rows),
          });
        }
      }
      yield { rows, columns: batchColumns, origin: { file: this.path, rowStart: group.rowStart + offset } };
    }
    await inOrder([...readers.values()].map((r) => r.finish()));
  }
}

/**
 * Every promise's value, or the error of the first one in order that failed: columns are
 * read concurrently, and a corrupt file must give the same message whichever read fails first.
 */
async function inOrder<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** A nested column of one row group, assembled by hyparquet; its length is checked. */
async function readNested(
  file: ParquetFile,
  layout: ParquetLayout,
  plan: ColumnPlan,
  group: RowGroupPlan,
): Promise<unknown[]> {
  const where = `${file.path}: column '${plan.name}', row group ${group.index}`;
  let bytes = 0;
  for (let leaf = plan.leafStart; leaf < plan.leafEnd; leaf++) bytes += group.chunks[leaf].totalUncompressed;
  if (bytes > MAX_NESTED_CHUNK_BYTES) {
    throw new DataError(
      `${where}: nested column of ${bytes} bytes uncompressed is larger than the ${MAX_NESTED_CHUNK_BYTES}-byte limit for nested columns`,
      { file: file.path, hint: 'leave the column out of the checks, or rewrite the file with smaller row groups' },
    );
  }
  // hyparquet decodes the chunks whole and trusts their page headers: check those first.
  const leaves = leafPaths(plan.schemaPath);
  for (let i = 0; i < leaves.length; i++) {
    await verifyChunk(file, group.chunks[plan.leafStart + i], {
      column: plan.name,
      group,
      maxDefinition: getMaxDefinitionLevel(leaves[i]),
      maxRepetition: getMaxRepetitionLevel(leaves[i]),
    });
  }
  const values: unknown[] = new Array(group.rows);
  let filled = 0;
  try {
    await parquetRead({
      file: file.asyncBuffer(),
      metadata: layout.metadata,
      columns: [plan.name],
      rowStart: group.rowStart,
      rowEnd: group.rowStart + group.rows,
      compressors: COMPRESSORS,
      parsers: PARSERS,
      utf8: false,
      onChunk: ({ columnData, rowStart }) => {
        const base = rowStart - group.rowStart;
        for (let i = 0; i < columnData.length; i++) {
          const at = base + i;
          if (at >= 0 && at < group.rows) {
            if (!(at in values)) filled++;
            values[at] = columnData[i];
          }
        }
      },
    });
  } catch (err) {
    if (err instanceof DataError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const reason = err instanceof RangeError || err instanceof TypeError
      ? `corrupt data (${message})`
      : message.replace(/^parquet /, '');
    throw new DataError(`${where}: cannot decode nested column: ${reason}`, {
      file: file.path,
      hint: 'the file is corrupt, or uses a feature this reader does not support',
    });
  }
  if (filled !== group.rows) {
    throw new DataError(
      `${where}: nested column decoded to ${filled} of the row group's ${group.rows} rows`,
      { file: file.path, hint: 'the file is corrupt or truncated; re-export or re-download it' },
    );
  }
  return values;
}

/** Root-to-leaf schema paths of the primitive leaves under the last node of `path`, in order. */
function leafPaths(path: SchemaTree[]): SchemaTree[][] {
  const out: SchemaTree[][] = [];
  const walk = (p: SchemaTree[]): void => {
    const node = p[p.length - 1];
    if (node.children.length) for (const child of node.children) walk([...p, child]);
    else if (node.element.type) out.push(p);
  };
  walk(path);
  return out;
}
