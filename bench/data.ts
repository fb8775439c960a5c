/**
 * The benchmark datasets: generated on demand into the data folder and cached by
 * name. Each CSV has a `<name>.meta.json` next to it with the generator options
 * and what the data contains by construction (row count, null counts, duplicate
 * ids, newest timestamp, and the KS statistics against the reference), which is
 * what the benchmark checks every tool's answer against.
 */
import { existsSync, mkdirSync, readFileSync, readSync, openSync, closeSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate, ksFromHistograms, resolveParams, type GenHistograms, type GenOptions, type GenParams, type GenSummary, type KsStatistic } from './gen.ts';
import { parquetPath, type ParquetCodec } from './duckdb.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
export const DQC_BIN = path.join(REPO_ROOT, 'bin', 'dqc');

/** The instant every dataset is generated against and every check is run at. */
export const NOW = '2026-11-27T22:00:00Z';

export const SIZES = {
  '100k': { name: 'cur_100k', rows: 100_000, seed: 2 },
  '1m': { name: 'cur_1m', rows: 1_000_000, seed: 3 },
  '10m': { name: 'cur_10m', rows: 10_000_000, seed: 4 },
} as const;
export type SizeName = keyof typeof SIZES;
export const REFERENCE = { name: 'ref_100k', rows: 100_000, seed: 1 } as const;

export const CODECS: readonly ParquetCodec[] = ['snappy', 'zstd'];

/** The checks of the benchmark (the same values as the Python reference checker's built-in config). */
export const CHECKS = {
  completeness: { user_id: 0.0, amount: 0.05, category: 0.1 } as Record<string, number>,
  uniqueness: { key: 'transaction_id', max_duplicate_rate: 0.001 },
  drift: { columns: ['amount', 'age'] as const, threshold: 0.05 },
  freshness: { column: 'created_at', max_age_hours: 6 },
};

export interface DatasetMeta {
  summary: GenSummary;
  reference?: { params: GenParams; ks: { amount: KsStatistic; age: KsStatistic } };
}

export interface Dataset {
  name: string;
  csv: string;
  parquet: Partial<Record<ParquetCodec, string>>;
  meta: DatasetMeta;
}

export interface Datasets {
  reference: Dataset;
  current: Map<SizeName, Dataset>;
}

function options(spec: { rows: number; seed: number }): GenOptions {
  return { rows: spec.rows, seed: spec.seed, now: NOW };
}

function readMeta(file: string): DatasetMeta | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DatasetMeta;
  } catch {
    return undefined;
  }
}

function sameParams(a: GenParams | undefined, b: GenParams): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/** True when @duckdb/node-api loads here (it is a dev dependency with a native binding). */
export async function duckdbAvailable(): Promise<boolean> {
  try {
    await import('@duckdb/node-api');
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure the reference and the current datasets of `sizes` exist in `dir`
 * (and their Parquet versions when `parquet`), generating what is missing or stale.
 */
export async function ensureData(
  dir: string,
  sizes: readonly SizeName[],
  opts: { parquet: boolean; log: (msg: string) => void },
): Promise<Datasets> {
  mkdirSync(dir, { recursive: true });
  const log = opts.log;
  const refParams = resolveParams(options(REFERENCE));
  const refCsv = path.join(dir, `${REFERENCE.name}.csv`);
  const refMetaFile = path.join(dir, `${REFERENCE.name}.meta.json`);
  let refMeta = readMeta(refMetaFile);
  let refHist: GenHistograms | undefined;
  const refHistograms = (): GenHistograms => {
    refHist ??= generate(options(REFERENCE)).histograms;
    return refHist;
  };
  if (!isCurrent(refCsv, refMeta, refParams)) {
    log(`generating ${path.relative(process.cwd(), refCsv)} (${REFERENCE.rows.toLocaleString('en-US')} rows)`);
    const g = generate(options(REFERENCE), refCsv);
    refHist = g.histograms;
    refMeta = { summary: g.summary };
    writeFileSync(refMetaFile, JSON.stringify(refMeta, null, 2) + '\n');
  }
  const reference: Dataset = { name: REFERENCE.name, csv: refCsv, parquet: {}, meta: refMeta! };

  const current = new Map<SizeName, Dataset>();
  for (const size of sizes) {
    const spec = SIZES[size];
    const params = resolveParams(options(spec));
    const csv = path.join(dir, `${spec.name}.csv`);
    const metaFile = path.join(dir, `${spec.name}.meta.json`);
    let meta = readMeta(metaFile);
    let hist: GenHistograms | undefined;
    if (!isCurrent(csv, meta, params)) {
      const t = performance.now();
      log(`generating ${path.relative(process.cwd(), csv)} (${spec.rows.toLocaleString('en-US')} rows)`);
      const g = generate(options(spec), csv);
      hist = g.histograms;
      meta = { summary: g.summary };
      log(`  ${(g.summary.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    if (!meta!.reference || !sameParams(meta!.reference.params, refParams)) {
      hist ??= generate(options(spec)).histograms; // same data, not written again
      const r = refHistograms();
      meta!.reference = {
        params: refParams,
        ks: { amount: ksFromHistograms(r.amountCents, hist.amountCents), age: ksFromHistograms(r.age, hist.age) },
      };
    }
    writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');

    const parquet: Partial<Record<ParquetCodec, string>> = {};
    if (opts.parquet) {
      const { csvToParquet } = await import('./duckdb.ts');
      for (const codec of CODECS) {
        const file = parquetPath(csv, codec);
        if (!existsSync(file) || statSync(file).mtimeMs < statSync(csv).mtimeMs) {
          const t = performance.now();
          log(`converting to ${path.relative(process.cwd(), file)}`);
          await csvToParquet(csv, file, codec);
          log(`  ${(statSync(file).size / 1e6).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
        }
        parquet[codec] = file;
      }
    }
    current.set(size, { name: spec.name, csv, parquet, meta: meta! });
  }
  return { reference, current };
}

function isCurrent(csv: string, meta: DatasetMeta | undefined, params: GenParams): boolean {
  return (
    meta !== undefined &&
    sameParams(meta.summary?.params, params) &&
    existsSync(csv) &&
    statSync(csv).size === meta.summary.bytes
  );
}

/** Reads a file once so that timed runs start from a warm page cache. */
export function warm(file: string): void {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 22);
  try {
    while (readSync(fd, buf, 0, buf.length, null) > 0) {
      /* discard */
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Which of the benchmark's checks a dqc run has: all four, all but drift, or only
 * completeness and freshness (whose memory must not grow with the data).
 */
export type CheckSet = 'all' | 'no-drift' | 'nulls-freshness';

/** A dqc config with the benchmark's checks for `source`. */
export function dqcConfig(source: string, reference: string, set: CheckSet): string {
  const withDrift = set === 'all';
  const q = (s: string): string => JSON.stringify(s);
  const c = CHECKS;
  const completeness = Object.entries(c.completeness).map(([k, v]) => `${k}: ${v}`).join(', ');
  return [
    '# Written by bench/run.ts: the benchmark checks.',
    'datasets:',
    '  - name: transactions',
    `    source: ${q(source)}`,
    ...(withDrift ? [`    reference: ${q(reference)}`] : []),
    '    checks:',
    `      completeness: {${completeness}}`,
    ...(set !== 'nulls-freshness' ? [`      uniqueness: {key_columns: [${c.uniqueness.key}], max_duplicate_rate: ${c.uniqueness.max_duplicate_rate}}`] : []),
    ...(withDrift ? [`      drift: {columns: [${c.drift.columns.join(', ')}], threshold: ${c.drift.threshold}}`] : []),
    `      freshness: {timestamp_column: ${c.freshness.column}, max_age_hours: ${c.freshness.max_age_hours}}`,
    '',
  ].join('\n');
}

/** Writes the config for a data file to <dir>/configs/ and returns its path. */
export function writeDqcConfig(dir: string, dataFile: string, reference: string, set: CheckSet): string {
  const configs = path.join(dir, 'configs');
  mkdirSync(configs, { recursive: true });
  const file = path.join(configs, `${path.basename(dataFile)}.${set}.yaml`);
  writeFileSync(file, dqcConfig(dataFile, reference, set));
  return file;
}
