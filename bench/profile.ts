/**
 * Where dqc spends its time: runs `dqc check` once under `node --cpu-prof` on a
 * benchmark dataset and prints the functions and files with the most self time.
 *
 *   npm run bench:profile [-- --size 1m] [--format csv|snappy|zstd] [--no-drift]
 *                         [--top 25] [--data bench-data]
 *
 * The profiles (the main thread's and each worker's) are kept in <data>/profiles/ (open them in
 * Chrome DevTools or VS Code); the workers' self times are summed.
 * Locations in the bundle that ran (dist/bundle/) are given in src/ through its source maps.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { CODECS, DQC_BIN, NOW, REPO_ROOT, SIZES, duckdbAvailable, ensureData, writeDqcConfig, type SizeName } from './data.ts';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  location: string;
  file: string;
  ms: number;
}

/**
 * Self time per sampled function, summed over the profiles given (the interval after each
 * sample goes to that sample's function), most first.
 */
export function selfTimes(profiles: CpuProfile[]): SelfTime[] {
  const acc = new Map<string, SelfTime>();
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const { samples, timeDeltas } = profile;
    for (let i = 0; i < samples.length; i++) {
      const us = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0;
      const cf = byId.get(samples[i])!.callFrame;
      const original = cf.url ? sourceOf(cf.url, cf.lineNumber, cf.columnNumber) : undefined;
      const file = original?.file ?? (cf.url ? relative(cf.url) : cf.functionName.startsWith('(') ? cf.functionName : '(native)');
      const line = original ? original.line : cf.url ? cf.lineNumber + 1 : undefined;
      const location = line === undefined ? file : `${file}:${line}`;
      const name = cf.functionName || '(anonymous)';
      const key = `${name} ${location}`;
      const entry = acc.get(key) ?? { name, location, file, ms: 0 };
      entry.ms += us / 1000;
      acc.set(key, entry);
    }
  }
  return [...acc.values()].sort((a, b) => b.ms - a.ms);
}

const maps = new Map<string, SourceMap | undefined>();

/** The source file and 1-based line of a location in a file with a source map beside it. */
function sourceOf(url: string, line: number, column: number): { file: string; line: number } | undefined {
  if (!url.startsWith('file://')) return undefined;
  const js = new URL(url).pathname;
  if (!maps.has(js)) maps.set(js, existsSync(js + '.map') ? new SourceMap(JSON.parse(readFileSync(js + '.map', 'utf8'))) : undefined);
  const entry = maps.get(js)?.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined;
  if (!entry?.originalSource || entry.originalLine === undefined) return undefined;
  const source = entry.originalSource.startsWith('file://') ? new URL(entry.originalSource).pathname : path.resolve(path.dirname(js), entry.originalSource);
  return { file: relative(source), line: entry.originalLine + 1 };
}

function relative(url: string): string {
  const p = url.startsWith('file://') ? new URL(url).pathname : url;
  if (p.includes('/node_modules/')) return 'node_modules/' + p.split('/node_modules/').pop();
  return p.startsWith(REPO_ROOT + '/') ? path.relative(REPO_ROOT, p) : p;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let size: SizeName = '1m';
  let format = 'csv';
  let withDrift = true;
  let top = 25;
  let data = path.join(REPO_ROOT, 'bench-data');
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--size' && args[i + 1] && args[i + 1] in SIZES) size = args[++i] as SizeName;
    else if (a === '--format' && ['csv', ...CODECS].includes(args[i + 1])) format = args[++i];
    else if (a === '--no-drift') withDrift = false;
    else if (a === '--top') top = Number(args[++i]) || top;
    else if (a === '--data') data = path.resolve(args[++i]);
    else {
      process.stderr.write('usage: npm run bench:profile -- [--size 100k|1m|10m] [--format csv|snappy|zstd] [--no-drift] [--top N] [--data DIR]\n');
      process.exit(2);
    }
  }
  const parquet = format !== 'csv';
  if (parquet && !(await duckdbAvailable())) throw new Error('Parquet needs @duckdb/node-api to write the files');
  const log = (m: string): void => void process.stderr.write(m + '\n');
  const sets = await ensureData(data, [size], { parquet, log });
  const ds = sets.current.get(size)!;
  const file = parquet ? ds.parquet[format as (typeof CODECS)[number]]! : ds.csv;
  const config = writeDqcConfig(data, file, sets.reference.csv, withDrift ? 'all' : 'no-drift');

  const dir = path.join(data, 'profiles');
  const tmp = path.join(dir, `.tmp-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const r = spawnSync(
    process.execPath,
    ['--cpu-prof', '--cpu-prof-dir', tmp, DQC_BIN, 'check', '--config', config, '--format', 'json', '--now', NOW],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (r.status !== 0 && r.status !== 1) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`dqc exited ${r.status}: ${r.stderr}`);
  }
  // One profile per thread: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile, thread 0 the main one.
  const produced = readdirSync(tmp)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, thread: Number(f.split('.').at(-3)) }))
    .sort((a, b) => a.thread - b.thread);
  if (produced.length === 0) throw new Error('no .cpuprofile written');
  const base = path.join(dir, `${path.basename(file)}.${withDrift ? 'all' : 'no-drift'}`);
  const outs = produced.map(({ f, thread }) => {
    const out = thread === 0 ? `${base}.cpuprofile` : `${base}.worker${thread}.cpuprofile`;
    renameSync(path.join(tmp, f), out);
    return out;
  });
  rmSync(tmp, { recursive: true, force: true });

  const profiles = outs.map((out) => JSON.parse(readFileSync(out, 'utf8')) as CpuProfile);
  const total = (profiles[0].endTime - profiles[0].startTime) / 1000;
  const lines = [
    `dqc check on ${path.basename(file)} (${withDrift ? 'all 4 checks' : 'no drift'}): ${(total / 1000).toFixed(2)} s profiled`,
    `profiles: ${outs.map((o) => path.relative(process.cwd(), o)).join(', ')}`,
    '',
    ...threadReport('main thread', [profiles[0]], top),
  ];
  if (profiles.length > 1) lines.push(...threadReport(`${profiles.length - 1} workers, together`, profiles.slice(1), top));
  process.stdout.write(lines.join('\n'));
}

/** Self time by file and by function of one thread, or of several summed, in ms and as a share of their busy time. */
function threadReport(title: string, profiles: CpuProfile[], top: number): string[] {
  const fns = selfTimes(profiles).filter((f) => f.name !== '(idle)');
  const busy = fns.reduce((n, f) => n + f.ms, 0);
  const files = new Map<string, number>();
  for (const f of fns) files.set(f.file, (files.get(f.file) ?? 0) + f.ms);
  const pct = (ms: number): string => ((100 * ms) / busy).toFixed(1).padStart(5) + ' %';
  return [
    `${title}: ${(busy / 1000).toFixed(2)} s busy (idle time left out)`,
    '',
    'self time by file:',
    ...[...files.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([f, ms]) => `  ${ms.toFixed(0).padStart(7)} ms ${pct(ms)}  ${f}`),
    '',
    `self time by function (top ${top}):`,
    ...fns.slice(0, top).map((f) => `  ${f.ms.toFixed(0).padStart(7)} ms ${pct(f.ms)}  ${f.name}  ${f.location}`),
    '',
  ];
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:profile: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
