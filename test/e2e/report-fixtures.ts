/**
 * Data for the report tests: a config whose column names, values and paths carry markup and
 * delimiters (`<script>`, `"&<>`, `:` `,` `%`), so every report format has to escape them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratch } from '../helpers.ts';

export const SCRIPT_COL = '<script>alert(1)</script>';
export const IMG_COL = '<img src=x onerror=alert(2)>';
export const DELIM_COL = 'a:b,c%d';
export const EVIL_VALUE = '"&<>';
export const EVIL_DIR = 'evil"&<>dir';
export const NOW = '2026-11-27T12:00:00Z';

/** CSV field, quoted when needed. */
function field(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * A folder with quality.yaml and two datasets:
 * - `evil`: completeness fails on SCRIPT_COL and DELIM_COL, uniqueness passes, drift passes on
 *   IMG_COL and is not evaluated on `amount` (a value "&<> is not a number), freshness fails
 *   and names the unparseable value;
 * - `missing`: its source does not exist (not checked).
 */
export function evilProject(): { dir: string; config: string } {
  const dir = scratch({});
  mkdirSync(path.join(dir, EVIL_DIR));
  const header = ['id', SCRIPT_COL, DELIM_COL, 'amount', IMG_COL, 'ts'];
  const rows: string[][] = [];
  for (let i = 1; i <= 40; i++) {
    rows.push([
      String(i),
      i % 4 === 0 ? '' : `s${i}`,
      i % 5 === 0 ? '' : 'x',
      i === 7 ? EVIL_VALUE : String(i * 1.5),
      String((i * 37) % 101),
      i === 9 ? EVIL_VALUE : `2026-11-2${i % 2 === 0 ? 5 : 6}T10:00:00Z`,
    ]);
  }
  const csv = [header, ...rows].map((r) => r.map(field).join(',')).join('\n') + '\n';
  writeFileSync(path.join(dir, EVIL_DIR, 'data.csv'), csv);
  const ref = ['amount', IMG_COL].map(field).join(',') + '\n' + Array.from({ length: 40 }, (_, i) => `${i * 1.4},${(i * 41) % 97}`).join('\n') + '\n';
  writeFileSync(path.join(dir, 'ref.csv'), ref);
  const q = (s: string) => JSON.stringify(s);
  writeFileSync(
    path.join(dir, 'quality.yaml'),
    `datasets:
  - name: evil
    source: ${q(`${EVIL_DIR}/data.csv`)}
    reference: ref.csv
    checks:
      completeness:
        columns: {${q(SCRIPT_COL)}: 0.1, ${q(DELIM_COL)}: 0.1, id: 0}
      uniqueness: {key_columns: [id]}
      drift: {columns: [amount, ${q(IMG_COL)}], threshold: 0.01}
      freshness: {timestamp_column: ts, max_age_hours: 6}
  - name: missing
    source: nowhere/missing.csv
    checks:
      completeness: {x: 0.1}
`,
  );
  return { dir, config: path.join(dir, 'quality.yaml') };
}
