/**
 * Deterministic generator of the synthetic "transactions" CSV used by the benchmark.
 *
 *   node --import tsx bench/gen.ts --rows 1000000 --seed 3 --out bench-data/cur_1m.csv
 *       [--now 2026-11-27T22:00:00Z] [--drift 1.05] [--parquet]
 *
 * Columns, in this order:
 *   transaction_id  integer, sequential in time order from 10,000,000; exactly
 *                   round(dup_rate * rows) rows (default 0.2 %) reuse the id of
 *                   another row, so distinct ids = rows - that count
 *   user_id         integer in [1, 500000], never missing
 *   amount          log-normal (median e^3.5 ~ 33, sigma 1) times --drift, 2 decimals,
 *                   exactly round(0.05 * rows) missing
 *   category        one of 12 values with fixed skewed weights, exactly
 *                   round(0.08 * rows) missing
 *   age             integer in [18, 90], exactly round(0.01 * rows) missing
 *   created_at      ISO-8601 UTC, whole seconds (2026-11-27T10:00:00Z), uniform over
 *                   the 72 hours ending at now - 2 h, rows in time order; the newest
 *                   row is exactly now - 2 h
 * A missing value is an empty field. Same arguments => same bytes (seeded PRNG,
 * no clock unless --now is omitted, which then means the current UTC hour).
 *
 * With --parquet the CSV is also converted to <out>.snappy.parquet and
 * <out>.zstd.parquet (DuckDB, row groups of 122,880 rows; see duckdb.ts).
 */
import { closeSync, mkdirSync, openSync, realpathSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const COLUMNS = ['transaction_id', 'user_id', 'amount', 'category', 'age', 'created_at'] as const;

export const CATEGORIES = [
  'groceries', 'dining', 'fuel', 'electronics', 'travel', 'apparel',
  'health', 'entertainment', 'utilities', 'home', 'education', 'gifts',
] as const;
/** Skewed, fixed popularity (normalised below). */
const CATEGORY_WEIGHTS = [20, 16, 12, 10, 8, 7, 6, 6, 5, 4, 3, 3];

const AMOUNT_LOG_MEAN = 3.5; // median amount ~ exp(3.5) ~ 33
const AMOUNT_LOG_SIGMA = 1.0;
const AGE_MIN = 18;
const AGE_MAX = 90;

/** Bumped whenever the output for the same options changes (invalidates cached data). */
export const GENERATOR_VERSION = 1;

export interface GenOptions {
  rows: number;
  seed: number;
  /** Multiplies every amount (1.05 = +5 %). */
  drift?: number;
  /** Anchor time, ISO-8601; the newest row is now - newestHoursAgo. */
  now: string;
  newestHoursAgo?: number;
  spanHours?: number;
  dupRate?: number;
  amountNullRate?: number;
  categoryNullRate?: number;
  ageNullRate?: number;
  users?: number;
  idBase?: number;
}

export interface GenParams extends Required<GenOptions> {
  generator: number;
}

/** What the generated data contains, known by construction. */
export interface GenSummary {
  params: GenParams;
  rows: number;
  bytes: number;
  nulls: Record<(typeof COLUMNS)[number], number>;
  duplicates: number;
  distinct_ids: number;
  newest: string;
  newest_seconds: number;
  oldest_seconds: number;
}

/** Per-value counts of the non-missing amounts (index = cents) and ages (index = years). */
export interface GenHistograms {
  amountCents: Int32Array;
  age: Int32Array;
}

export function resolveParams(o: GenOptions): GenParams {
  const p: GenParams = {
    generator: GENERATOR_VERSION,
    rows: o.rows,
    seed: o.seed,
    drift: o.drift ?? 1,
    now: isoSeconds(parseNow(o.now)),
    newestHoursAgo: o.newestHoursAgo ?? 2,
    spanHours: o.spanHours ?? 72,
    dupRate: o.dupRate ?? 0.002,
    amountNullRate: o.amountNullRate ?? 0.05,
    categoryNullRate: o.categoryNullRate ?? 0.08,
    ageNullRate: o.ageNullRate ?? 0.01,
    users: o.users ?? 500_000,
    idBase: o.idBase ?? 10_000_000,
  };
  if (!Number.isInteger(p.rows) || p.rows < 2) throw new Error('--rows must be an integer >= 2');
  if (p.spanHours < p.newestHoursAgo) throw new Error('--span-hours must be >= --newest-hours-ago');
  return p;
}

/** Epoch seconds of an ISO-8601 instant ('auto' = the current UTC hour). */
export function parseNow(text: string): number {
  if (text === 'auto') return Math.floor(Date.now() / 3_600_000) * 3600;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : text + 'Z');
  if (!Number.isFinite(ms)) throw new Error(`not an ISO-8601 time: ${text}`);
  return Math.floor(ms / 1000);
}

function isoSeconds(s: number): string {
  return new Date(s * 1000).toISOString().slice(0, 19) + 'Z';
}

/** xoshiro128** seeded through splitmix32; doubles with 53 random bits. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;

  constructor(seed: number) {
    let s = (seed >>> 0) ^ 0x9e3779b9;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  private u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** round(x) with halves up, as gen.py's round_half_up. */
function roundHalfUp(x: number): number {
  return Math.floor(x + 0.5);
}

const VICTIM = 1;
const AMOUNT_NULL = 2;
const CATEGORY_NULL = 4;
const AGE_NULL = 8;

/** Sets `bit` on exactly k distinct rows picked uniformly (rows that already have `bit` are not re-picked). */
function markExactly(rng: Rng, flags: Uint8Array, k: number, bit: number): void {
  const n = flags.length;
  if (k > n) throw new Error('more marked rows than rows');
  if (k > n / 2) {
    // pick the n - k rows to leave unmarked instead
    const keep = new Uint8Array(n);
    for (let left = n - k; left > 0; ) {
      const i = rng.below(n);
      if (!keep[i]) {
        keep[i] = 1;
        left--;
      }
    }
    for (let i = 0; i < n; i++) if (!keep[i]) flags[i] |= bit;
    return;
  }
  for (let left = k; left > 0; ) {
    const i = rng.below(n);
    if (!(flags[i] & bit)) {
      flags[i] |= bit;
      left--;
    }
  }
}

/** Shortest decimal text of cents / 100 with at least one decimal, like pandas writes floats ("33.1", "12.0"). */
function formatCents(c: number): string {
  const whole = Math.floor(c / 100);
  const frac = c - whole * 100;
  if (frac === 0) return whole + '.0';
  if (frac % 10 === 0) return whole + '.' + frac / 10;
  return whole + (frac < 10 ? '.0' : '.') + frac;
}

/**
 * Generates the data; writes it to `out` (atomically, via a temporary file) unless
 * `out` is undefined, in which case only the summary and histograms are computed.
 */
export function generate(options: GenOptions, out?: string): { summary: GenSummary; histograms: GenHistograms } {
  const p = resolveParams(options);
  const n = p.rows;
  const rng = new Rng(p.seed);
  const nowS = parseNow(p.now);
  const newestS = nowS - Math.round(p.newestHoursAgo * 3600);
  const oldestS = nowS - Math.round(p.spanHours * 3600);

  // created_at: n uniform whole seconds in [oldest, newest], one of them exactly
  // newest; counted per second, so rows come out in time order without a sort.
  const span = newestS - oldestS + 1;
  const perSecond = new Int32Array(span);
  for (let i = 0; i < n - 1; i++) perSecond[rng.below(span)]++;
  perSecond[span - 1]++;

  const flags = new Uint8Array(n);
  const kDup = roundHalfUp(p.dupRate * n);
  if (kDup >= n) throw new Error('--dup-rate too large');
  markExactly(rng, flags, kDup, VICTIM);
  const nulls = {
    transaction_id: 0,
    user_id: 0,
    amount: roundHalfUp(p.amountNullRate * n),
    category: roundHalfUp(p.categoryNullRate * n),
    age: roundHalfUp(p.ageNullRate * n),
    created_at: 0,
  };
  markExactly(rng, flags, nulls.amount, AMOUNT_NULL);
  markExactly(rng, flags, nulls.category, CATEGORY_NULL);
  markExactly(rng, flags, nulls.age, AGE_NULL);

  const wsum = CATEGORY_WEIGHTS.reduce((s, w) => s + w, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of CATEGORY_WEIGHTS) cumulative.push((acc += w) / wsum);
  cumulative[cumulative.length - 1] = 1;
  const catField = CATEGORIES.map((c) => c + ',');

  let amountHist = new Int32Array(1 << 20);
  const ageHist = new Int32Array(AGE_MAX + 1);

  const tmp = out ? `${out}.tmp-${process.pid}` : undefined;
  if (out) mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  const fd = tmp ? openSync(tmp, 'w') : -1;
  const FLUSH_CHARS = 4 << 20;
  let buf = COLUMNS.join(',') + '\n';
  let bytes = 0;
  const flush = (): void => {
    if (fd >= 0 && buf.length > 0) bytes += writeSync(fd, buf);
    else bytes += Buffer.byteLength(buf);
    buf = '';
  };

  try {
    let row = 0;
    for (let s = 0; s < span; s++) {
      const count = perSecond[s];
      if (count === 0) continue;
      const ts = isoSeconds(oldestS + s) + '\n';
      for (let j = 0; j < count; j++, row++) {
        const f = flags[row];
        let id = p.idBase + row;
        if (f & VICTIM) {
          let donor: number;
          do donor = rng.below(n);
          while (flags[donor] & VICTIM);
          id = p.idBase + donor;
        }
        const user = 1 + rng.below(p.users);
        const cents = Math.round(Math.exp(AMOUNT_LOG_MEAN + AMOUNT_LOG_SIGMA * rng.normal()) * p.drift * 100);
        const u = rng.uniform();
        let cat = 0;
        while (u >= cumulative[cat]) cat++;
        const age = AGE_MIN + rng.below(AGE_MAX - AGE_MIN + 1);

        let line = id + ',' + user + ',';
        if (!(f & AMOUNT_NULL)) {
          line += formatCents(cents);
          if (cents >= amountHist.length) {
            let size = amountHist.length;
            while (size <= cents) size *= 2;
            const grown = new Int32Array(size);
            grown.set(amountHist);
            amountHist = grown;
          }
          amountHist[cents]++;
        }
        line += f & CATEGORY_NULL ? ',,' : ',' + catField[cat];
        if (!(f & AGE_NULL)) {
          line += age;
          ageHist[age]++;
        }
        buf += line + ',' + ts;
      }
      if (buf.length >= FLUSH_CHARS) flush();
    }
    flush();
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  if (out && tmp) renameSync(tmp, out);

  return {
    summary: {
      params: p,
      rows: n,
      bytes,
      nulls,
      duplicates: kDup,
      distinct_ids: n - kDup,
      newest: isoSeconds(newestS),
      newest_seconds: newestS,
      oldest_seconds: oldestS,
    },
    histograms: { amountCents: amountHist, age: ageHist },
  };
}

export interface KsStatistic {
  statistic: number;
  /** max |i * n2 - j * n1| over the distinct values; statistic = numerator / (n1 * n2). */
  numerator: number;
  n_reference: number;
  n_current: number;
}

/** Two-sample KS statistic of two samples given as counts per integer value. */
export function ksFromHistograms(reference: Int32Array, current: Int32Array): KsStatistic {
  let n1 = 0;
  let n2 = 0;
  for (const c of reference) n1 += c;
  for (const c of current) n2 += c;
  let c1 = 0;
  let c2 = 0;
  let best = 0;
  const len = Math.max(reference.length, current.length);
  for (let i = 0; i < len; i++) {
    c1 += reference[i] ?? 0;
    c2 += current[i] ?? 0;
    const d = Math.abs(c1 * n2 - c2 * n1);
    if (d > best) best = d;
  }
  return { statistic: best / (n1 * n2), numerator: best, n_reference: n1, n_current: n2 };
}

function parseArgs(argv: string[]): { options: GenOptions; out: string; parquet: boolean } {
  const o: Partial<GenOptions> & { now: string } = { now: 'auto', seed: 0 };
  let out = '';
  let parquet = false;
  const num = (name: string, v: string | undefined): number => {
    const x = Number(v);
    if (v === undefined || !Number.isFinite(x)) throw new Error(`${name} needs a number`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--rows': o.rows = num(a, v); i++; break;
      case '--seed': o.seed = num(a, v); i++; break;
      case '--drift': o.drift = num(a, v); i++; break;
      case '--now': o.now = v ?? 'auto'; i++; break;
      case '--out': out = v ?? ''; i++; break;
      case '--newest-hours-ago': o.newestHoursAgo = num(a, v); i++; break;
      case '--span-hours': o.spanHours = num(a, v); i++; break;
      case '--dup-rate': o.dupRate = num(a, v); i++; break;
      case '--amount-null-rate': o.amountNullRate = num(a, v); i++; break;
      case '--category-null-rate': o.categoryNullRate = num(a, v); i++; break;
      case '--age-null-rate': o.ageNullRate = num(a, v); i++; break;
      case '--users': o.users = num(a, v); i++; break;
      case '--id-base': o.idBase = num(a, v); i++; break;
      case '--parquet': parquet = true; break;
      case '-h':
      case '--help':
        process.stdout.write(
          'usage: node --import tsx bench/gen.ts --rows N --out FILE.csv [--seed S] [--now ISO|auto]\n' +
            '         [--drift X] [--newest-hours-ago H] [--span-hours H] [--dup-rate R]\n' +
            '         [--amount-null-rate R] [--category-null-rate R] [--age-null-rate R]\n' +
            '         [--users N] [--id-base N] [--parquet]\n',
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument: ${a}`);
    }
  }
  if (o.rows === undefined) throw new Error('--rows is required');
  if (!out) throw new Error('--out is required');
  return { options: o as GenOptions, out, parquet };
}

async function main(): Promise<void> {
  const { options, out, parquet } = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const { summary } = generate(options, out);
  const t1 = performance.now();
  process.stderr.write(
    `wrote ${out}: rows=${summary.rows} seed=${summary.params.seed} drift=${summary.params.drift} ` +
      `duplicates=${summary.duplicates} newest=${summary.newest} size=${statSync(out).size} bytes ` +
      `(${((t1 - t0) / 1000).toFixed(1)} s)\n`,
  );
  if (parquet) {
    const { csvToParquet, parquetPath } = await import('./duckdb.ts');
    for (const codec of ['snappy', 'zstd'] as const) {
      const t = performance.now();
      const target = parquetPath(out, codec);
      await csvToParquet(out, target, codec);
      process.stderr.write(`wrote ${target}: ${statSync(target).size} bytes (${((performance.now() - t) / 1000).toFixed(1)} s)\n`);
    }
  }
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
    process.stderr.write(`gen: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
