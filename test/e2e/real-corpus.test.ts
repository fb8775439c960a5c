/**
 * Eight real public files (test/data/real, see its README for origin and licences)
 * through the real CLI: row and null counts as pandas 2 counts them (DuckDB's for
 * Parquet), duplicate keys, newest timestamps and KS drift as the manifest records.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dqc, ROOT, tempDir } from '../helpers.ts';

const DIR = path.join(ROOT, 'test', 'data', 'real');
interface FileEntry {
  format: 'csv' | 'parquet';
  rows: { pandas: number | null; duckdb: number };
  columns: Record<string, { nulls_pandas?: number; nulls_duckdb: number }>;
  keys?: { suggested: string[] | null; duplicate_rows_on_key?: number };
  max_timestamps?: Record<string, { max_pandas?: string | null; max_duckdb: string }>;
}
const manifest = JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as {
  files: Record<string, FileEntry>;
  drift_pairs: { reference: string; current: string; ks_2samp: Record<string, { statistic: number; pvalue: number }> }[];
};

/** Runs dqc with a config written as JSON (valid YAML; column names here have spaces and symbols). */
function check(datasets: unknown[], now = '2026-11-27T12:00:00Z') {
  const dir = tempDir();
  const file = path.join(dir, 'q.yaml');
  writeFileSync(file, JSON.stringify({ datasets }, null, 1));
  const r = dqc(['check', '--config', file, '--format', 'json', '--now', now]);
  assert.ok(r.stdout.startsWith('{'), `JSON on stdout; stderr: ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout), stderr: r.stderr };
}

/** "2019-01-31 23:59:11" and "2023-04-04 15:03:48.18+00" as epoch ms (naive = UTC). */
function parseManifestTime(s: string): number {
  let t = s.length === 10 ? `${s}T00:00:00` : s.replace(' ', 'T');
  if (/T.*[+-]\d\d$/.test(t)) t += ':00';
  else if (!/(Z|[+-]\d\d:\d\d)$/.test(t)) t += 'Z';
  return Date.parse(t);
}

describe('real files', () => {
  for (const [name, entry] of Object.entries(manifest.files)) {
    it(`${name}: rows and null counts`, () => {
      const columns = Object.keys(entry.columns);
      const { report } = check([{ name: 'd', source: path.join(DIR, name), checks: { completeness: { columns: Object.fromEntries(columns.map((c) => [c, 1])) } } }]);
      const ds = report.datasets[0];
      assert.equal(ds.error, undefined, ds.error?.message);
      assert.equal(ds.rows, entry.rows.pandas ?? entry.rows.duckdb);
      for (const c of ds.checks) {
        const expected = entry.format === 'csv' ? entry.columns[c.column].nulls_pandas! : entry.columns[c.column].nulls_duckdb;
        assert.equal(c.details.null_count, expected, `${c.column}`);
      }
    });

    const keys = entry.keys?.suggested;
    if (keys && entry.keys?.duplicate_rows_on_key !== undefined) {
      it(`${name}: duplicates on ${keys.join(', ')}`, () => {
        const { report } = check([{ name: 'd', source: path.join(DIR, name), checks: { uniqueness: { key_columns: keys, max_duplicate_rate: 1 } } }]);
        assert.equal(report.datasets[0].checks[0].details.duplicate_count, entry.keys!.duplicate_rows_on_key);
      });
    }

    for (const [column, t] of Object.entries(entry.max_timestamps ?? {})) {
      const expected = parseManifestTime(t.max_duckdb);
      const isoLike = /^\d{4}-\d\d-\d\d/.test(t.max_duckdb) && entry.format === 'csv';
      if (!isoLike) continue;
      it(`${name}: newest ${column}`, () => {
        const now = '2026-11-27T12:00:00Z';
        const { report } = check([{ name: 'd', source: path.join(DIR, name), checks: { freshness: { timestamp_column: column, max_age_hours: 1 } } }], now);
        const c = report.datasets[0].checks[0];
        assert.equal(c.details.newest_timestamp_seconds * 1000, expected, c.message);
        assert.equal(c.details.unparseable, 0);
      });
    }
  }

  it('the taxi drift pair: KS statistic and p-value per column', () => {
    const pair = manifest.drift_pairs[0];
    const columns = Object.keys(pair.ks_2samp);
    const { report } = check([
      { name: 'taxi', source: path.join(DIR, pair.current), reference: path.join(DIR, pair.reference), checks: { drift: { columns, threshold: 0.05 } } },
    ]);
    for (const c of report.datasets[0].checks) {
      const x = pair.ks_2samp[c.column];
      // The manifest rounds to 3-6 significant digits.
      assert.ok(Math.abs(c.statistic - x.statistic) <= 5e-4 * x.statistic, `${c.column} D ${c.statistic} vs ${x.statistic}`);
      assert.ok(Math.abs(Math.log10(c.p_value) - Math.log10(x.pvalue)) < 0.01, `${c.column} p ${c.p_value} vs ${x.pvalue}`);
      assert.equal(c.passed, false);
    }
  });

  it('the fire-calls drift pair: Delay stored as strings, cast to numbers', () => {
    const pair = manifest.drift_pairs[1];
    const x = pair.ks_2samp['Delay (cast from string to double)'];
    const { report } = check([
      { name: 'fire', source: path.join(DIR, pair.current), reference: path.join(DIR, pair.reference), checks: { drift: { columns: ['Delay'], threshold: 0.05 } } },
    ]);
    const c = report.datasets[0].checks[0];
    assert.ok(Math.abs(c.statistic - x.statistic) <= 1e-5, `D ${c.statistic} vs ${x.statistic}`);
    assert.ok(Math.abs(Math.log10(c.p_value) - Math.log10(x.pvalue)) < 0.01, `p ${c.p_value} vs ${x.pvalue}`);
  });
});
