/**
 * The dqc benchmark: `npm run bench` (= node --import tsx bench/run.ts).
 *
 *   npm run bench [-- --sizes 100k,1m] [--10m] [--runs 3] [--data bench-data]
 *                 [--write-docs] [--no-pandas] [--no-duckdb] [--no-parquet]
 *
 * Generates the datasets that are missing (cached by name in the data folder),
 * then times, several runs each and round-robin, in one session:
 *   - dqc on the CSV with all four checks, and without drift (the part DuckDB does too)
 *   - dqc on the same data as Parquet (snappy and zstd), both ways
 *   - the Python reference checker (pandas + scipy), when ../shared/bench/seed_checker.py
 *     and /usr/bin/python3 with pandas and scipy are there
 *   - DuckDB (2 threads) doing the checks without drift in one SQL scan, CSV and Parquet
 *   - `dqc --version` (start-up)
 * Every run's answer is checked against what the data holds by construction; a
 * wrong answer or an unexpected exit code fails the benchmark (exit 1). Timings are
 * reported, never asserted. Prints a Markdown table of medians and writes it to
 * <data>/results.md (raw runs in <data>/results.json); --write-docs also writes
 * docs/benchmarks.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import {
  CODECS,
  DQC_BIN,
  NOW,
  REPO_ROOT,
  SIZES,
  duckdbAvailable,
  ensureData,
  warm,
  writeDqcConfig,
  type CheckSet,
  type Dataset,
  type SizeName,
} from './data.ts';
import { checkDqc, checkDuckdb, checkPandas, comparePValues, expectedFor, type PValues, type Verdict } from './expect.ts';
import { cleanupMeasure, detectRssMethod, measure, type Command, type Measured, type RssMethod } from './measure.ts';

const PYTHON = '/usr/bin/python3';
const SEED_CHECKER = path.resolve(REPO_ROOT, '../shared/bench/seed_checker.py');
const DUCKDB_THREADS = 2;
const STARTUP_RUNS = 5;

interface Options {
  sizes: SizeName[];
  runs: number;
  data: string;
  writeDocs: boolean;
  pandas: boolean;
  duckdb: boolean;
  parquet: boolean;
  rssFallback: boolean;
}

const USAGE = `usage: npm run bench -- [options]

  --sizes LIST     comma-separated sizes among 100k, 1m, 10m (default: 100k,1m)
  --10m            add 10m (also BENCH_10M=1); needs ~650 MB of disk for the CSV
  --runs N         timed runs of each variant (default 3; dqc --version: at least ${STARTUP_RUNS})
  --data DIR       data folder (default: bench-data/ at the repository root)
  --write-docs     also write the results to docs/benchmarks.md
  --no-pandas      skip the Python reference checker
  --no-duckdb      skip DuckDB
  --no-parquet     skip the Parquet files (and DuckDB on Parquet)
  --rss-fallback   measure peak RSS without /usr/bin/time (as on machines without it)
`;

function parseOptions(argv: string[]): Options {
  const o: Options = {
    sizes: ['100k', '1m'],
    runs: 3,
    data: path.join(REPO_ROOT, 'bench-data'),
    writeDocs: false,
    pandas: true,
    duckdb: true,
    parquet: true,
    rssFallback: false,
  };
  let add10m = /^(1|true|yes)$/i.test(process.env.BENCH_10M ?? '');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--sizes': {
        const list = value().split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
        for (const s of list) if (!(s in SIZES)) throw new UsageError(`unknown size ${s} (sizes: ${Object.keys(SIZES).join(', ')})`);
        o.sizes = list as SizeName[];
        break;
      }
      case '--10m':
        add10m = true;
        break;
      case '--runs':
        o.runs = Number(value());
        if (!Number.isInteger(o.runs) || o.runs < 1) throw new UsageError('--runs needs a positive integer');
        break;
      case '--data':
        o.data = path.resolve(value());
        break;
      case '--write-docs':
        o.writeDocs = true;
        break;
      case '--no-pandas':
        o.pandas = false;
        break;
      case '--no-duckdb':
        o.duckdb = false;
        break;
      case '--no-parquet':
        o.parquet = false;
        break;
      case '--rss-fallback':
        o.rssFallback = true;
        break;
      case '-h':
      case '--help':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown argument ${a}`);
    }
  }
  if (add10m && !o.sizes.includes('10m')) o.sizes.push('10m');
  const order = Object.keys(SIZES);
  o.sizes = [...new Set(o.sizes)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return o;
}

class UsageError extends Error {}
class WrongAnswer extends Error {}

type Format = 'CSV' | 'Parquet snappy' | 'Parquet zstd' | '-';
type Tool = 'dqc' | 'pandas + scipy' | 'DuckDB' | 'dqc --version';

interface Variant {
  size: SizeName | null;
  rows: number | null;
  format: Format;
  file: string | null;
  tool: Tool;
  checks: 'all 4' | 'no drift' | 'nulls + freshness, 1 thread' | '-';
  command: Command;
  validate: (m: Measured) => Verdict;
  runs: Measured[];
  pValues?: PValues;
}

const log = (msg: string): void => void process.stderr.write(msg + '\n');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function medianWall(v: Variant): number {
  return median(v.runs.map((r) => r.wall_s));
}

function medianRss(v: Variant): number | null {
  const xs = v.runs.map((r) => r.rss_mb).filter((x): x is number => x !== null);
  return xs.length ? median(xs) : null;
}

function sizeLabel(rows: number): string {
  return rows >= 1e6 ? `${rows / 1e6}M` : `${rows / 1e3}k`;
}

/** Newest modification time under `dir` of files whose name ends with `ext`. */
function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(ext)) {
      newest = Math.max(newest, statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** duckdb.ts compiled to plain JavaScript, so DuckDB runs are not charged for a TypeScript loader. */
function compileDuckdbRunner(): string {
  const source = readFileSync(path.join(import.meta.dirname, 'duckdb.ts'), 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: 'duckdb.ts',
  }).outputText;
  // inside node_modules so that '@duckdb/node-api' resolves from the repository
  const dir = path.join(REPO_ROOT, 'node_modules', '.cache', 'dqc-bench');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'duckdb.mjs');
  writeFileSync(file, js);
  return file;
}

function pandasStatus(): { ok: true; versions: string } | { ok: false; why: string } {
  if (!existsSync(SEED_CHECKER)) return { ok: false, why: `${path.relative(REPO_ROOT, SEED_CHECKER)} not found` };
  if (!existsSync(PYTHON)) return { ok: false, why: `${PYTHON} not found` };
  const r = spawnSync(PYTHON, ['-c', 'import pandas, scipy; print(pandas.__version__, scipy.__version__)'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return { ok: false, why: `${PYTHON} cannot import pandas and scipy` };
  const [pd, sp] = r.stdout.trim().split(' ');
  return { ok: true, versions: `pandas ${pd}, scipy ${sp}` };
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  for (const k of ['FORCE_COLOR', 'NODE_TEST_CONTEXT']) delete env[k];
  return env;
}

function buildVariants(
  opts: Options,
  data: { reference: Dataset; current: Map<SizeName, Dataset> },
  extras: { pandas: boolean; duckdbRunner: string | null },
): Variant[] {
  const env = childEnv();
  const variants: Variant[] = [
    {
      size: null,
      rows: null,
      format: '-',
      file: null,
      tool: 'dqc --version',
      checks: '-',
      // The command as users run it: through its own first line (see bin/dqc).
      command: { file: DQC_BIN, args: ['--version'], env },
      validate: (m) => ({ errors: m.code === 0 && m.stdout.trim() ? [] : [`exit code ${m.code}, output ${JSON.stringify(m.stdout)}`] }),
      runs: [],
    },
  ];
  const ref = data.reference.csv;
  for (const size of opts.sizes) {
    const ds = data.current.get(size)!;
    const files: [Format, string][] = [['CSV', ds.csv]];
    for (const codec of CODECS) {
      const f = ds.parquet[codec];
      if (f) files.push([codec === 'snappy' ? 'Parquet snappy' : 'Parquet zstd', f]);
    }
    const rows = ds.meta.summary.rows;
    for (const [format, file] of files) {
      const exp = expectedFor(ds, file, NOW);
      // Completeness and freshness alone, on one thread, on CSV: the memory that must stay flat as files grow.
      const sets: CheckSet[] = format === 'CSV' ? ['all', 'no-drift', 'nulls-freshness'] : ['all', 'no-drift'];
      for (const set of sets) {
        const config = writeDqcConfig(opts.data, file, ref, set);
        const oneThread = set === 'nulls-freshness' ? ['--workers', '1'] : [];
        variants.push({
          size,
          rows,
          format,
          file,
          tool: 'dqc',
          checks: set === 'all' ? 'all 4' : set === 'no-drift' ? 'no drift' : 'nulls + freshness, 1 thread',
          command: { file: DQC_BIN, args: ['check', '--config', config, '--format', 'json', '--now', NOW, ...oneThread], env },
          validate: (m) => checkDqc(m.stdout, m.code, exp, set),
          runs: [],
        });
      }
      if (format === 'CSV' && extras.pandas) {
        variants.push({
          size,
          rows,
          format,
          file,
          tool: 'pandas + scipy',
          checks: 'all 4',
          command: { file: PYTHON, args: [SEED_CHECKER, file, '--reference', ref, '--now', NOW], env },
          validate: (m) => checkPandas(m.stdout, m.code, exp),
          runs: [],
        });
      }
      if (extras.duckdbRunner) {
        variants.push({
          size,
          rows,
          format,
          file,
          tool: 'DuckDB',
          checks: 'no drift',
          command: { file: process.execPath, args: [extras.duckdbRunner, file, '--threads', String(DUCKDB_THREADS)], env },
          validate: (m) => checkDuckdb(m.stdout, m.code, exp),
          runs: [],
        });
      }
    }
  }
  return variants;
}

function describe(v: Variant): string {
  if (v.size === null) return v.tool;
  return `${v.size} ${v.format} ${v.tool}${v.checks === '-' ? '' : ` (${v.checks})`}`;
}

async function runVariant(v: Variant, method: RssMethod, i: number, n: number): Promise<void> {
  const m = await measure(v.command, method);
  const verdict = v.validate(m);
  if (m.signal) verdict.errors.unshift(`killed by ${m.signal}`);
  if (verdict.errors.length) {
    const stderr = m.stderr.trim();
    throw new WrongAnswer(
      `${describe(v)} gave a wrong answer (run ${i}/${n}):\n  - ${verdict.errors.join('\n  - ')}\n` +
        `  command: ${[v.command.file, ...v.command.args].join(' ')}` +
        (stderr ? `\n  stderr: ${stderr.split('\n').slice(-10).join('\n          ')}` : ''),
    );
  }
  v.pValues ??= verdict.pValues;
  v.runs.push(m);
  log(
    `  ${describe(v).padEnd(40)} run ${i}/${n}: ${m.wall_s.toFixed(3)} s` +
      (m.rss_mb === null ? '' : `, ${m.rss_mb.toFixed(0)} MB`),
  );
}

function fmtWall(v: Variant): string {
  const walls = v.runs.map((r) => r.wall_s);
  const med = medianWall(v);
  const digits = med < 10 ? 2 : 1;
  if (walls.length < 2) return med.toFixed(digits);
  return `${med.toFixed(digits)} (${Math.min(...walls).toFixed(digits)}-${Math.max(...walls).toFixed(digits)})`;
}

function fmtRss(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(0);
}

function ratio(a: Variant, b: Variant | undefined): string {
  if (!b || !b.runs.length) return '';
  const t = medianWall(a) / medianWall(b);
  const ra = medianRss(a);
  const rb = medianRss(b);
  const r = ra !== null && rb !== null ? ` / ${(ra / rb).toFixed(2)}x` : '';
  return `${t.toFixed(2)}x${r}`;
}

function resultsTable(variants: Variant[]): string {
  const lines = [
    '| rows | format | file MB | tool | checks | runs | wall s, median (min-max) | peak RSS MB | dqc / pandas (time / RSS) | dqc / DuckDB (time / RSS) |',
    '|---|---|--:|---|---|--:|--:|--:|--:|--:|',
  ];
  for (const v of variants) {
    if (!v.runs.length) continue;
    let vsPandas = '';
    let vsDuck = '';
    if (v.tool === 'dqc' && v.size !== null) {
      const same = (tool: Tool, checks: Variant['checks']): Variant | undefined =>
        variants.find((w) => w.size === v.size && w.format === v.format && w.tool === tool && w.checks === checks);
      if (v.checks === 'all 4') vsPandas = ratio(v, same('pandas + scipy', 'all 4'));
      else if (v.checks === 'no drift') vsDuck = ratio(v, same('DuckDB', 'no drift'));
    }
    const tool = v.tool === 'DuckDB' ? `DuckDB (${DUCKDB_THREADS} threads)` : v.tool;
    lines.push(
      `| ${v.rows === null ? '-' : sizeLabel(v.rows)} | ${v.format} | ${v.file ? (statSync(v.file).size / 1e6).toFixed(1) : '-'} | ${tool} | ${v.checks} | ${v.runs.length} | ${fmtWall(v)} | ${fmtRss(medianRss(v))} | ${vsPandas} | ${vsDuck} |`,
    );
  }
  return lines.join('\n');
}

function growthTable(variants: Variant[]): string | null {
  const rows: string[] = [];
  for (const big of variants.filter((v) => v.size === '10m' && v.runs.length)) {
    const small = variants.find((v) => v.size === '1m' && v.format === big.format && v.tool === big.tool && v.checks === big.checks);
    if (!small?.runs.length) continue;
    const rs = medianRss(small);
    const rb = medianRss(big);
    rows.push(
      `| ${big.tool === 'DuckDB' ? `DuckDB (${DUCKDB_THREADS} threads)` : big.tool} | ${big.format} | ${big.checks} | ` +
        `${medianWall(small).toFixed(2)} | ${medianWall(big).toFixed(2)} | ${(medianWall(big) / medianWall(small)).toFixed(1)}x | ` +
        `${fmtRss(rs)} | ${fmtRss(rb)} | ${rs !== null && rb !== null ? `${(rb / rs).toFixed(1)}x` : 'n/a'} |`,
    );
  }
  if (!rows.length) return null;
  return [
    '| tool | format | checks | wall s 1M | wall s 10M | wall x | peak RSS MB 1M | peak RSS MB 10M | RSS x |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}

interface Machine {
  cpus: number;
  model: string;
  memory: string;
  node: string;
  os: string;
  dqc: string;
  duckdb: string | null;
  python: string | null;
  rss: string;
}

function machine(method: RssMethod, duckdb: string | null, python: string | null): Machine {
  let model = 'unknown';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? model;
  } catch {
    model = os.cpus()[0]?.model ?? model;
  }
  let cpus = os.availableParallelism();
  try {
    cpus = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || cpus;
  } catch {
    /* keep availableParallelism */
  }
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return {
    cpus,
    model,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    dqc: pkg.version,
    duckdb,
    python,
    rss: method === 'gnu-time' ? "/usr/bin/time -f '%e %M'" : 'self-reported maxRSS (Node) / VmHWM sampling',
  };
}

function commandLine(argv: string[]): string {
  const env = process.env.BENCH_10M ? `BENCH_10M=${process.env.BENCH_10M} ` : '';
  return `${env}npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`;
}

function report(
  variants: Variant[],
  m: Machine,
  info: { command: string; notes: string[]; load: [number[], number[]]; date: string },
): string {
  const growth = growthTable(variants);
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  return [
    `Command: \`${info.command}\` (${info.date})`,
    '',
    `Machine: ${m.cpus} CPUs (nproc), ${m.model}, ${m.memory} RAM; ${m.os}; Node ${m.node}; dqc ${m.dqc}` +
      (m.duckdb ? `; DuckDB ${m.duckdb}` : '') +
      (m.python ? `; ${m.python}` : '') +
      `. Load average (1/5/15 min) before: ${load(info.load[0])}, after: ${load(info.load[1])}. Peak RSS: ${m.rss}.`,
    '',
    resultsTable(variants),
    ...(growth ? ['', 'Growth from 1M to 10M rows (medians):', '', growth] : []),
    ...(info.notes.length ? ['', ...info.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

function docsPage(results: string): string {
  return `# Benchmarks

\`npm run bench\` times dqc on generated "transactions" data (CSV, and the same rows as
Parquet) next to two yardsticks: a straightforward pandas + scipy implementation of
the same four checks (the Python reference checker, optional) and DuckDB computing
everything but the drift test in one SQL scan. Every run's answer is checked
against what the data holds by construction (row count, null counts, duplicate
ids, newest timestamp, KS statistics, exit code); a wrong answer fails the
benchmark. Timings are reported, never asserted.

## Running it

\`\`\`sh
npm run build                       # the benchmark runs bin/dqc, i.e. dist/
npm run bench                       # 100k and 1M rows, 3 runs each
npm run bench -- --10m              # adds 10M rows (or BENCH_10M=1); ~650 MB of disk for the CSV
npm run bench -- --sizes 100k --runs 1   # quick (CI): well under a minute
npm run bench -- --write-docs       # also rewrites this page
npm run bench:profile -- --size 1m  # where dqc spends its time (node --cpu-prof, top self time)
\`\`\`

Other options: \`--data DIR\` (default \`bench-data/\`, git-ignored), \`--no-pandas\`,
\`--no-duckdb\`, \`--no-parquet\`, \`--rss-fallback\`. Generated files are kept and reused:
\`cur_100k\`, \`cur_1m\`, \`cur_10m\` (seeds 2, 3, 4) and the drift reference \`ref_100k\`
(seed 1), each as \`.csv\`, \`.snappy.parquet\` and \`.zstd.parquet\` plus a \`.meta.json\`
with the values every tool must report. The results go to \`bench-data/results.md\`
and, with every run's numbers, \`bench-data/results.json\`. To make a dataset by hand:
\`npm run bench:gen -- --rows 1000000 --seed 3 --now 2026-11-27T22:00:00Z --out FILE.csv [--parquet]\`.

### What is measured

- **Data** (\`bench/gen.ts\`): columns \`transaction_id,user_id,amount,category,age,created_at\`;
  ids sequential in time order, exactly 0.2 % of the rows reuse another row's id; exactly
  5 % of \`amount\` (log-normal, median about 33, 2 decimals), 8 % of \`category\` (12
  values, skewed) and 1 % of \`age\` missing (empty fields); \`created_at\` ISO-8601 UTC over
  the 72 hours ending 2 h before ${NOW}, in time order. The Parquet files are the same
  rows written by DuckDB (typed columns, \`created_at\` a UTC timestamp, row groups of
  122,880 rows).
- **Checks**: completeness \`user_id\` 0, \`amount\` 0.05, \`category\` 0.10; uniqueness of
  \`transaction_id\`, max 0.001; drift (KS) of \`amount\` and \`age\` against \`ref_100k.csv\`,
  threshold 0.05; freshness of \`created_at\`, max 6 h, with \`--now ${NOW}\`. The data
  fails uniqueness by design (0.2 % duplicates), so every dqc run with it exits 1.
- **dqc**: \`bin/dqc check --config <generated yaml> --format json --now ...\` (run as users run it,
  through its \`sh\` first line: see bin/dqc), once with
  all four checks and once without drift ("no drift", the part DuckDB also does); on CSV also
  with completeness and freshness alone on one thread (\`--workers 1\`): the peak RSS that must
  stay flat as files grow (see the growth table).
- **pandas + scipy**: \`../shared/bench/seed_checker.py\` (pandas \`read_csv\`, \`isnull\`,
  \`drop_duplicates\`, \`scipy.stats.ks_2samp\`, \`to_datetime\`) run with \`/usr/bin/python3\`;
  only when that file exists next to the repository and pandas and scipy import; CSV only.
  dqc's p-values are also checked against scipy's (1e-6 relative).
- **DuckDB** (\`bench/duckdb.ts\`, 2 threads): \`count(*) - count(col)\` for every column,
  \`count(DISTINCT transaction_id)\` and \`max(created_at)\` in one query, on the CSV
  (\`read_csv\` with type detection) and on the Parquet files.
- **Time and memory**: wall time of the whole process (start-up, reading the config and
  the reference, the report) measured around the child process; peak RSS from
  \`/usr/bin/time -f '%e %M'\` (Debian package \`time\`; without it, Node children report
  their own \`maxRSS\` and dqc's peak is sampled from \`/proc\`). Runs are sequential, round-robin over the variants, after reading
  every file once (warm page cache). The table shows medians with the range over the runs;
  "dqc / pandas" divides dqc (all 4 checks) by pandas on the same file, "dqc / DuckDB"
  divides dqc without drift by DuckDB on the same file. pandas uses one CPU, DuckDB two
  threads, dqc two worker threads for files of 64 MiB or more (the 10M rows) and one
  thread below.

Numbers move by 10-40 % from run to run on a shared VM; compare runs made on the same
machine in the same session. The load average printed with the results shows whether
other work was competing for the CPUs.

## Results

${results}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parseOptions(argv);
  const started = new Date();
  const loadBefore = os.loadavg();

  if (!existsSync(path.join(REPO_ROOT, 'dist', 'bundle', 'main.cjs'))) {
    throw new UsageError('dist/ is missing: run "npm run build" first (the benchmark runs bin/dqc)');
  }
  const notes: string[] = [];
  if (newestMtime(path.join(REPO_ROOT, 'src'), '.ts') > newestMtime(path.join(REPO_ROOT, 'dist'), '.js')) {
    log('note: src/ has changes newer than dist/; run "npm run build" to measure them');
    notes.push('dist/ was older than src/ when this ran (the numbers are for the last build).');
  }

  const method: RssMethod = opts.rssFallback ? 'self-report' : detectRssMethod();
  if (method !== 'gnu-time') log('note: peak RSS self-reported by the children (/usr/bin/time not used)');

  const pandas = opts.pandas ? pandasStatus() : ({ ok: false, why: 'skipped (--no-pandas)' } as const);
  if (!pandas.ok) {
    log(`note: pandas + scipy comparison skipped: ${pandas.why}`);
    notes.push(`pandas + scipy not run: ${pandas.why}.`);
  }
  let duckdb = opts.duckdb || opts.parquet ? await duckdbAvailable() : false;
  let duckdbVer: string | null = null;
  if ((opts.duckdb || opts.parquet) && !duckdb) {
    log('note: @duckdb/node-api does not load here: DuckDB and Parquet runs skipped');
    notes.push('DuckDB and the Parquet files skipped: @duckdb/node-api does not load on this machine.');
  }
  if (duckdb) duckdbVer = await (await import('./duckdb.ts')).duckdbVersion();
  if (!opts.duckdb) notes.push('DuckDB not run (--no-duckdb).');
  if (!opts.parquet) notes.push('Parquet not run (--no-parquet).');

  log(`data: ${opts.data}`);
  const data = await ensureData(opts.data, opts.sizes, { parquet: opts.parquet && duckdb, log });
  duckdb &&= opts.duckdb;
  const variants = buildVariants(opts, data, {
    pandas: pandas.ok,
    duckdbRunner: duckdb ? compileDuckdbRunner() : null,
  });

  // start-up
  const startup = variants.filter((v) => v.size === null);
  const startupRuns = Math.max(opts.runs, STARTUP_RUNS);
  log('start-up');
  for (let i = 1; i <= startupRuns; i++) for (const v of startup) await runVariant(v, method, i, startupRuns);

  for (const size of opts.sizes) {
    const mine = variants.filter((v) => v.size === size);
    log(`${size}: ${mine.length} variants x ${opts.runs} runs`);
    for (const f of new Set([data.reference.csv, ...mine.map((v) => v.file!)])) warm(f);
    for (let i = 1; i <= opts.runs; i++) for (const v of mine) await runVariant(v, method, i, opts.runs);

    const scipy = mine.find((v) => v.tool === 'pandas + scipy')?.pValues;
    if (scipy) {
      for (const v of mine.filter((w) => w.tool === 'dqc' && w.pValues && Object.keys(w.pValues).length)) {
        const errors = comparePValues(v.pValues!, scipy);
        if (errors.length) throw new WrongAnswer(`${describe(v)} disagrees with scipy:\n  - ${errors.join('\n  - ')}`);
      }
    }
  }

  const loadAfter = os.loadavg();
  const m = machine(method, duckdbVer, pandas.ok ? pandas.versions : null);
  const results = report(variants, m, {
    command: commandLine(argv),
    notes,
    load: [loadBefore, loadAfter],
    date: started.toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  });
  process.stdout.write('\n' + results);
  writeFileSync(path.join(opts.data, 'results.md'), results);
  writeFileSync(
    path.join(opts.data, 'results.json'),
    JSON.stringify(
      {
        command: commandLine(argv),
        started: started.toISOString(),
        machine: m,
        load: { before: loadBefore, after: loadAfter },
        variants: variants.map((v) => ({
          size: v.size,
          rows: v.rows,
          format: v.format,
          file: v.file && path.basename(v.file),
          tool: v.tool,
          checks: v.checks,
          command: [v.command.file, ...v.command.args],
          median_wall_s: v.runs.length ? medianWall(v) : null,
          median_rss_mb: medianRss(v),
          p_values: v.pValues,
          runs: v.runs.map((r) => ({ wall_s: r.wall_s, rss_mb: r.rss_mb, code: r.code })),
        })),
      },
      null,
      2,
    ) + '\n',
  );
  log(`\nwrote ${path.relative(process.cwd(), path.join(opts.data, 'results.md'))}`);
  if (opts.writeDocs) {
    const docs = path.join(REPO_ROOT, 'docs', 'benchmarks.md');
    mkdirSync(path.dirname(docs), { recursive: true });
    writeFileSync(docs, docsPage(results));
    log(`wrote ${path.relative(process.cwd(), docs)}`);
  }
}

main()
  .catch((err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`bench: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (err instanceof WrongAnswer) {
      process.stderr.write(`\nbench: FAILED: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  })
  .finally(cleanupMeasure);
