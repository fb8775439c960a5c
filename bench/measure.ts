/**
 * Runs a child process and measures its wall time and peak resident set size.
 *
 * Wall time is taken here (high-resolution clock around spawn → exit). Peak RSS
 * comes from GNU time (`/usr/bin/time -f '%e %M'`, Debian package `time`) when it
 * is installed; otherwise from the child itself: Node children get a preloaded
 * module (rss-preload.cjs) that writes `process.resourceUsage().maxRSS` at exit,
 * and other children are sampled through /proc/<pid>/status (VmHWM) every 5 ms.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const GNU_TIME = '/usr/bin/time';
const PRELOAD = path.join(import.meta.dirname, 'rss-preload.cjs');

export interface Measured {
  wall_s: number;
  /** Peak RSS in MB (2^20 bytes), or null if it could not be measured. */
  rss_mb: number | null;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Command {
  /** Executable; process.execPath for Node children. */
  file: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export type RssMethod = 'gnu-time' | 'self-report';

let tmpDir: string | undefined;
function scratch(): string {
  tmpDir ??= mkdtempSync(path.join(os.tmpdir(), 'dqc-bench-'));
  return tmpDir;
}

export function cleanupMeasure(): void {
  if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = undefined;
}

/** 'gnu-time' when /usr/bin/time works with -f/-o, else 'self-report'. */
export function detectRssMethod(): RssMethod {
  if (!existsSync(GNU_TIME)) return 'self-report';
  const out = path.join(scratch(), 'probe');
  const r = spawnSync(GNU_TIME, ['-f', '%e %M', '-o', out, process.execPath, '-e', '0'], { stdio: 'ignore' });
  if (r.status !== 0 || !existsSync(out)) return 'self-report';
  return /^\d+(\.\d+)? \d+$/m.test(readFileSync(out, 'utf8')) ? 'gnu-time' : 'self-report';
}

let counter = 0;

export async function measure(cmd: Command, method: RssMethod): Promise<Measured> {
  const rssFile = path.join(scratch(), `rss-${process.pid}-${++counter}`);
  const isNode = cmd.file === process.execPath;
  let file = cmd.file;
  let args = cmd.args;
  const env = { ...(cmd.env ?? process.env) };
  if (method === 'gnu-time') {
    file = GNU_TIME;
    args = ['-f', '%e %M', '-o', rssFile, cmd.file, ...cmd.args];
  } else if (isNode) {
    args = ['--require', PRELOAD, ...cmd.args];
    env.DQC_BENCH_RSS_FILE = rssFile;
  }

  const t0 = process.hrtime.bigint();
  const child = spawn(file, args, { cwd: cmd.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));

  // /proc sampling for children that cannot report on themselves
  let hwmKb = 0;
  let timer: NodeJS.Timeout | undefined;
  if (method === 'self-report' && !isNode && child.pid !== undefined) {
    const status = `/proc/${child.pid}/status`;
    const sample = (): void => {
      try {
        const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(status, 'utf8'));
        if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
      } catch {
        /* exited */
      }
    };
    sample();
    timer = setInterval(sample, 5);
  }

  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve({ code: c, signal: s }));
  });
  const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (timer) clearInterval(timer);

  let rss_mb: number | null = null;
  if (existsSync(rssFile)) {
    const text = readFileSync(rssFile, 'utf8');
    rmSync(rssFile, { force: true });
    if (method === 'gnu-time') {
      // GNU time may put "Command exited with non-zero status N" before the format line
      const m = /^(\d+(?:\.\d+)?) (\d+)\s*$/m.exec(text);
      if (m) rss_mb = Number(m[2]) / 1024;
    } else {
      const kb = Number(text.trim());
      if (Number.isFinite(kb) && kb > 0) rss_mb = kb / 1024;
    }
  } else if (hwmKb > 0) {
    rss_mb = hwmKb / 1024;
  }
  return {
    wall_s,
    rss_mb,
    code,
    signal,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}
