/**
 * Generates a synthetic transactions CSV and measures CsvSource throughput.
 *
 *   node --import tsx test/data/csv-bench.ts [rows=1000000] [path] [batchRows]
 *
 * The file is written once (to the OS temp directory unless a path is given) and
 * reused by later runs. Reports MB/s (best of 5 passes, after a warm-up) for: every
 * column decoded, two columns decoded, and no column decoded (tokenizing and
 * field-count validation only). `batchRows` defaults to CsvSource's default.
 */
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { CsvSource } from '../../src/sources/csv.js';
import { mulberry32 as rng } from '../random.ts';

const CATEGORIES = ['dining', 'groceries', 'travel', 'fuel', 'entertainment', 'utilities', 'health', 'shopping'];


function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Writes `rows` data rows (plus the header) to `path`. */
export async function generateTransactions(path: string, rows: number, seed = 42): Promise<void> {
  const rand = rng(seed);
  const out = createWriteStream(path);
  let buf = 'transaction_id,user_id,amount,category,age,created_at\n';
  for (let i = 0; i < rows; i++) {
    const id = 10000001 + i;
    const user = 100000 + Math.floor(rand() * 900000);
    const amount = rand() < 0.05 ? '' : (rand() * 500).toFixed(2);
    const cat = CATEGORIES[Math.floor(rand() * CATEGORIES.length)];
    const age = 18 + Math.floor(rand() * 70);
    const month = 1 + Math.floor(rand() * 12);
    const day = 1 + Math.floor(rand() * 28);
    const ts = `2026-${pad2(month)}-${pad2(day)}T${pad2(Math.floor(rand() * 24))}:${pad2(Math.floor(rand() * 60))}:${pad2(Math.floor(rand() * 60))}Z`;
    buf += `${id},${user},${amount},${cat},${age},${ts}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

async function measure(path: string, columns: string[] | undefined, batchRows: number | undefined): Promise<{ secs: number; rows: number }> {
  const src = new CsvSource(path, { batchRows });
  const t0 = process.hrtime.bigint();
  let rows = 0;
  for await (const batch of src.batches(columns)) rows += batch.rows;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { secs, rows };
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const path = process.argv[3] ?? join(tmpdir(), `dqc-transactions-${rows}.csv`);
  const batchRows = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
  if (!existsSync(path)) {
    process.stdout.write(`generating ${path} ...\n`);
    await generateTransactions(path, rows);
  }
  const mb = statSync(path).size / 1e6;
  process.stdout.write(`${path}: ${mb.toFixed(1)} MB\n`);
  const cases: Array<[string, string[] | undefined]> = [
    ['all columns', undefined],
    ['two columns (amount, category)', ['amount', 'category']],
    ['no columns (validate only)', []],
  ];
  for (const [label, cols] of cases) {
    await measure(path, cols, batchRows); // warm-up
    let best = Infinity;
    let n = 0;
    for (let i = 0; i < 5; i++) {
      const r = await measure(path, cols, batchRows);
      best = Math.min(best, r.secs);
      n = r.rows;
    }
    process.stdout.write(`${label.padEnd(32)} ${(mb / best).toFixed(0).padStart(5)} MB/s  (${best.toFixed(3)} s, ${n} rows)\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    process.stderr.write(String(err?.stack ?? err) + '\n');
    process.exit(1);
  });
}
