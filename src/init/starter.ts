/**
 * The starter config `dqc init` writes: checks proposed from a data profile, each threshold
 * derived from what the data shows, with comments in the YAML that say why.
 *
 * - completeness, every column that is not all null: max null rate = observed rate plus
 *   headroom (1 percentage point, or a fifth of the rate when that is more), rounded up to a
 *   whole percent, at most 1;
 * - uniqueness, one key: a column whose values are all distinct and whose name looks like a
 *   key (id, key, uuid, …_id, …Id), or failing that an integer sequence; no duplicates allowed;
 * - freshness, the timestamp column (by name: created/updated/…_at/timestamp, else the newest):
 *   max age = observed age plus half of it, rounded up to whole hours, at least 24 h
 *   (24 h when the newest timestamp is not in the past);
 * - drift, numeric columns that are not keys or sequences and have 2+ values: KS against
 *   the reference (`--reference`, or the data itself as the baseline for later runs), p ≥ 0.01.
 */
import path from 'node:path';
import { Document, isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { formatIso } from '../metrics/timestamp.js';
import type { ColumnProfile, DataProfile } from './profile.js';

export const DRIFT_THRESHOLD = 0.01;
const MIN_MAX_AGE_HOURS = 24;

export interface StarterOptions {
  /** The data path as the user gave it. */
  data: string;
  /** Where the config is written ('-' for stdout): paths in it are relative to its folder. */
  output: string;
  /** Reference data for drift; undefined: the data itself. */
  reference?: string;
  /** Columns of the reference data, when one was given. */
  referenceColumns?: string[];
  name?: string;
  /** Epoch ms the freshness age is measured at. */
  now: number;
}

/** Max null rate for an observed rate: rate + max(0.01, rate / 5), rounded up to a percent, at most 1. */
export function completenessThreshold(rate: number): number {
  const raw = rate + Math.max(0.01, rate / 5);
  return Math.min(1, Math.ceil(raw * 100 - 1e-9) / 100);
}

/** Max age for an observed age in hours: age × 1.5 rounded up, at least 24 h. */
export function freshnessThreshold(ageHours: number): number {
  if (!(ageHours > 0)) return MIN_MAX_AGE_HOURS;
  return Math.max(MIN_MAX_AGE_HOURS, Math.ceil(ageHours * 1.5));
}

/** The column freshness is judged on, or undefined when no column holds timestamps. */
export function pickTimestamp(columns: ColumnProfile[], now: number): ColumnProfile | undefined {
  const times = columns.filter((c) => c.newest !== undefined && Number.isFinite(c.newest));
  const named = times.filter((c) => /(created|updated|modified|inserted|ingested|loaded|event|timestamp|^ts$|_ts$|_at$|At$|_time$|Time$)/i.test(c.name));
  const pool = named.length > 0 ? named : times.filter((c) => c.newest! <= now).length > 0 ? times.filter((c) => c.newest! <= now) : times;
  // Prefer "updated" over "created" names, then the newest values.
  const rank = (c: ColumnProfile) => (/(updated|modified)/i.test(c.name) ? 0 : /(event|ingest|load|insert)/i.test(c.name) ? 1 : 2);
  return [...pool].sort((a, b) => rank(a) - rank(b) || b.newest! - a.newest!)[0];
}

/** The key column for uniqueness, or undefined. */
export function pickKey(columns: ColumnProfile[]): { column: ColumnProfile; why: string } | undefined {
  const distinctNamed = columns.filter((c) => c.keyName && c.nulls === 0 && c.rows > 0 && c.distinct === c.rows);
  // "id" before "x_id": a bare key name is the table's own key, a suffix often a foreign one.
  const bare = distinctNamed.find((c) => /^(id|key|uuid|guid|pk)$/i.test(c.name));
  const named = bare ?? distinctNamed[0];
  if (named) return { column: named, why: `every value distinct and the name looks like a key` };
  const seq = columns.find((c) => c.sequence);
  if (seq) return { column: seq, why: 'an integer sequence (each value one more than the one before)' };
  return undefined;
}

const NUMERIC = new Set(['integer', 'float', 'decimal']);

export function buildStarter(profile: DataProfile, o: StarterOptions): string {
  const dir = o.output === '-' ? process.cwd() : path.dirname(path.resolve(o.output));
  const rel = (p: string) => {
    const r = path.relative(dir, path.resolve(p));
    return r === '' ? '.' : r.split(path.sep).join('/');
  };
  const name = o.name ?? datasetName(o.data);
  const rows = profile.rows;
  const cols = profile.columns;

  // completeness
  const allNull = cols.filter((c) => c.nulls === c.rows);
  const measured = cols.filter((c) => c.nulls < c.rows);
  // uniqueness
  const key = pickKey(cols);
  // freshness
  const ts = pickTimestamp(cols, o.now);
  // drift
  const refCols = o.referenceColumns ? new Set(o.referenceColumns) : undefined;
  const numeric = cols.filter((c) => NUMERIC.has(c.type) && !c.keyName && !c.sequence && c.rows - c.nulls >= 2 && c !== key?.column);
  const drift = numeric.filter((c) => !refCols || refCols.has(c.name));
  const notInRef = numeric.filter((c) => refCols && !refCols.has(c.name));

  const checks: Record<string, unknown> = {};
  if (measured.length > 0) checks.completeness = { columns: Object.fromEntries(measured.map((c) => [c.name, completenessThreshold(c.nulls / c.rows)])) };
  if (key) checks.uniqueness = { key_columns: [key.column.name], max_duplicate_rate: 0 };
  if (drift.length > 0) checks.drift = { columns: drift.map((c) => c.name), threshold: DRIFT_THRESHOLD };
  let age = NaN;
  if (ts) {
    age = (o.now - ts.newest!) / 3_600_000;
    checks.freshness = { timestamp_column: ts.name, max_age_hours: freshnessThreshold(age) };
  }
  const dataset: Record<string, unknown> = { name, source: rel(o.data) };
  if (drift.length > 0) dataset.reference = rel(o.reference ?? o.data);
  dataset.checks = checks;

  const doc = new Document({ datasets: [dataset] });
  const cfg = o.output === '-' ? 'quality.yaml' : o.output;
  doc.commentBefore = [
    ` dqc config written by "dqc init" from ${o.data} at ${formatIso(o.now)}:`,
    ` ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'}, ${cols.length} column${cols.length === 1 ? '' : 's'}. Each threshold below comes from that data, with`,
    ` some headroom; the comments say how. Review them, then run:`,
    `   dqc check --config ${cfg}`,
  ].join('\n');

  const ds = doc.getIn(['datasets', 0], true) as YAMLMap;
  keyComment(ds, 'source', 'relative to this file; a DATA argument replaces it for one run: dqc check -c FILE NEW_DATA');
  if (drift.length > 0) {
    keyComment(
      ds,
      'reference',
      o.reference
        ? 'reference data for drift, as given with --reference'
        : 'the data init read, as the baseline: drift compares later data (a new export passed as DATA) with it; keep it unchanged or point this at a copy',
    );
  }
  const checksNode = ds.get('checks', true) as unknown as YAMLMap;
  const notes: string[] = [];

  if (checks.completeness) {
    keyComment(checksNode, 'completeness', 'max null rate per column: observed rate + headroom (1 point, or a fifth of the rate if more), rounded up to a whole percent, at most 1');
    const map = doc.getIn(['datasets', 0, 'checks', 'completeness', 'columns'], true) as YAMLMap;
    for (const c of measured) {
      const v = map.get(c.name, true);
      if (isScalar(v)) v.comment = c.nulls === 0 ? ' no nulls seen' : ` observed ${pct(c.nulls / c.rows)} (${c.nulls.toLocaleString('en-US')} of ${c.rows.toLocaleString('en-US')} rows)`;
    }
  }
  if (allNull.length > 0) notes.push(`not in completeness, all null in the data: ${allNull.map((c) => c.name).join(', ')}`);

  if (key) {
    keyComment(checksNode, 'uniqueness', `${key.column.name}: ${key.why}; no duplicates allowed`);
    flow(doc.getIn(['datasets', 0, 'checks', 'uniqueness', 'key_columns'], true));
  } else {
    notes.push('no uniqueness check: no column looks like a key (all values distinct and named like id, key, …_id; or an integer sequence)');
  }

  if (drift.length > 0) {
    keyComment(
      checksNode,
      'drift',
      `numeric columns, two-sample KS test against the reference; fails when p < ${DRIFT_THRESHOLD}. With large samples even small shifts are significant: lower the threshold to flag fewer`,
    );
    flow(doc.getIn(['datasets', 0, 'checks', 'drift', 'columns'], true));
  } else if (numeric.length === 0) {
    notes.push('no drift check: no numeric column other than keys and sequences');
  }
  if (notInRef.length > 0) notes.push(`not in drift, missing from the reference: ${notInRef.map((c) => c.name).join(', ')}`);

  if (ts) {
    const when = age > 0 ? `${formatAge(age)} before init ran` : 'not in the past when init ran';
    keyComment(
      checksNode,
      'freshness',
      `newest ${ts.name} is ${formatIso(ts.newest!)}, ${when}; max age = that age + 50%, rounded up, at least ${MIN_MAX_AGE_HOURS} h. Set it to how often the data should be refreshed. Naive timestamps are read as UTC (timezone:)`,
    );
  } else {
    notes.push('no freshness check: no column holds timestamps');
  }
  if (notes.length > 0) checksNode.comment = notes.flatMap((n) => wrap(n, 88)).map((l) => ` ${l}`).join('\n');
  const text = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  return text.endsWith('\n') ? text : text + '\n';
}

/** A comment on the line above a key. */
function keyComment(map: YAMLMap, key: string, text: string): void {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (pair && isScalar(pair.key)) pair.key.commentBefore = wrap(text, 88).map((l) => ` ${l}`).join('\n');
}

function flow(node: unknown): void {
  if (isSeq(node) || isMap(node)) (node as Node & { flow?: boolean }).flow = true;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/** A dataset name from the data path: its file name without extensions, in the allowed characters. */
export function datasetName(data: string): string {
  const base = path.basename(data.replace(/[\\/]+$/, '')).replace(/\*.*$/, '');
  const stem = base.replace(/(\.(csv|tsv|txt|parquet|parq|pq|arrow|feather|ipc|arrows|jsonl|ndjson|gz))+$/i, '');
  const clean = stem.replace(/[^A-Za-z0-9_.:-]+/g, '_').replace(/^[_.]+|[_.]+$/g, '');
  return clean || 'data';
}

function pct(r: number): string {
  return `${Number((r * 100).toPrecision(3))}%`;
}

function formatAge(h: number): string {
  if (h < 1) return `${Math.round(h * 60)} min`;
  if (h < 48) return `${Number(h.toFixed(1))} h`;
  return `${Number((h / 24).toFixed(1))} days`;
}
