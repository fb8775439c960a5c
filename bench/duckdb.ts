/**
 * DuckDB side of the benchmark (@duckdb/node-api, a dev dependency):
 *
 * - `nonKsChecks`: the checks that need no KS test, in one SQL scan of a CSV or
 *   Parquet file: null count of every column, count(DISTINCT transaction_id) and
 *   max(created_at). This is the "fast engine" yardstick for dqc without drift.
 * - `csvToParquet`: converts a generated CSV to Parquet (snappy or zstd, row groups
 *   of 122,880 rows, explicit column types).
 *
 * As a program it runs `nonKsChecks` and prints JSON (run.ts runs it as a child
 * process so its wall time and peak RSS can be measured):
 *
 *   node --import tsx bench/duckdb.ts FILE.{csv,parquet} [--threads N]
 *
 * This file imports nothing from the rest of the repository so that run.ts can
 * transpile it on its own and run it with plain `node`.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const CSV_COLUMN_TYPES: Record<string, string> = {
  transaction_id: 'BIGINT',
  user_id: 'BIGINT',
  amount: 'DOUBLE',
  category: 'VARCHAR',
  age: 'INTEGER',
  created_at: 'TIMESTAMPTZ',
};
const COLUMNS = Object.keys(CSV_COLUMN_TYPES);

export type ParquetCodec = 'snappy' | 'zstd';

export interface NonKsResult {
  dataset: string;
  engine: 'duckdb';
  threads: number | 'default';
  rows: number;
  null_counts: Record<string, number>;
  distinct_keys: number;
  duplicate_rate: number;
  max_created_at: string;
  query_s: number;
  peak_rss_mb: number;
}

/** bench-data/cur_1m.csv -> bench-data/cur_1m.zstd.parquet */
export function parquetPath(csv: string, codec: ParquetCodec): string {
  return csv.replace(/\.csv$/, '') + `.${codec}.parquet`;
}

function sqlString(s: string): string {
  return "'" + s.replace(/'/g, "''") + "'";
}

async function connect(threads?: number) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  if (threads) await con.run(`SET threads = ${Math.trunc(threads)}`);
  return {
    con,
    close(): void {
      con.closeSync();
      db.closeSync();
    },
  };
}

/** Null counts, distinct transaction ids and newest created_at, in one scan. */
export async function nonKsChecks(file: string, threads?: number): Promise<NonKsResult> {
  const t0 = process.hrtime.bigint();
  const { con, close } = await connect(threads);
  try {
    const lit = sqlString(path.resolve(file));
    const scan = file.endsWith('.parquet') ? `read_parquet(${lit})` : `read_csv(${lit})`;
    const nulls = COLUMNS.map((c) => `count(*) - count("${c}") AS "null_${c}"`).join(', ');
    const sql = `SELECT count(*) AS total, ${nulls},
        count(DISTINCT transaction_id) AS distinct_ids,
        strftime(max(created_at)::TIMESTAMPTZ AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS max_created_at
      FROM ${scan}`;
    const reader = await con.runAndReadAll(sql);
    const row = reader.getRowObjectsJson()[0] as Record<string, string | number | null>;
    const t1 = process.hrtime.bigint();
    const total = Number(row.total);
    const distinct = Number(row.distinct_ids);
    return {
      dataset: path.basename(file),
      engine: 'duckdb',
      threads: threads ?? 'default',
      rows: total,
      null_counts: Object.fromEntries(COLUMNS.map((c) => [c, Number(row[`null_${c}`])])),
      distinct_keys: distinct,
      duplicate_rate: 1 - distinct / total,
      max_created_at: String(row.max_created_at),
      query_s: Number(t1 - t0) / 1e9,
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
    };
  } finally {
    close();
  }
}

/** Writes `csv` as Parquet (typed columns, row order kept) to `out`, via a temporary file. */
export async function csvToParquet(csv: string, out: string, codec: ParquetCodec): Promise<void> {
  const { rename, rm } = await import('node:fs/promises');
  const tmp = `${out}.tmp-${process.pid}`;
  const { con, close } = await connect();
  try {
    const columns =
      '{' + Object.entries(CSV_COLUMN_TYPES).map(([c, t]) => `${sqlString(c)}: ${sqlString(t)}`).join(', ') + '}';
    await con.run('SET preserve_insertion_order = true');
    await con.run(
      `COPY (SELECT * FROM read_csv(${sqlString(path.resolve(csv))}, header = true, columns = ${columns}))
       TO ${sqlString(path.resolve(tmp))} (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 122880)`,
    );
    await rename(tmp, out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    close();
  }
}

/** DuckDB's version string, e.g. "v1.5.6". */
export async function duckdbVersion(): Promise<string> {
  const { con, close } = await connect();
  try {
    const r = await con.runAndReadAll('SELECT version() AS v');
    return String((r.getRowObjectsJson()[0] as { v: string }).v);
  } finally {
    close();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--threads');
  if (!file) {
    process.stderr.write('usage: duckdb.ts DATA.{csv,parquet} [--threads N]\n');
    process.exit(2);
  }
  const ti = args.indexOf('--threads');
  const threads = ti >= 0 ? Number(args[ti + 1]) : undefined;
  const result = await nonKsChecks(file, threads);
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

/** True when this module is the program being run (also when started through a symlink). */
function isMain(): boolean {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  main().catch((err: unknown) => {
    process.stderr.write(`duckdb: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
