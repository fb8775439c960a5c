/**
 * Real Prometheus and Pushgateway processes for integration tests: each on 127.0.0.1 on a
 * port the OS picked, with its own temp folder, stopped by the test's `after`.
 * Also an async `dqc` runner (the sync one would block in-process fake servers) and a
 * small exposition-format parser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT, TLS_FILES, type CliRun } from '../helpers.ts';

/** The first of these executables on PATH (or the Debian location). */
export function findBinary(...names: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/local/bin'];
  for (const name of names) {
    for (const dir of dirs) {
      const p = path.join(dir, name);
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export const BINARIES = {
  pushgateway: findBinary('prometheus-pushgateway', 'pushgateway'),
  prometheus: findBinary('prometheus'),
  promtool: findBinary('promtool'),
};

/**
 * Why these tests cannot run here, or undefined when they can. With DQC_REQUIRE_PROMETHEUS=1
 * (set by .ci/run) a missing binary is an error instead of a skip.
 */
export function missingBinaries(...which: (keyof typeof BINARIES)[]): string | undefined {
  const missing = which.filter((w) => !BINARIES[w]);
  if (missing.length === 0) return undefined;
  const why = `not installed: ${missing.join(', ')} (apt-get install prometheus-pushgateway prometheus)`;
  if (process.env.DQC_REQUIRE_PROMETHEUS === '1') throw new Error(why);
  return why;
}

/** A port nothing listens on right now, picked by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface Server {
  url: string;
  port: number;
  dir: string;
  /** stdout and stderr so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function startServer(bin: string, args: (port: number, dir: string) => string[], prefix: string, scheme = 'http'): Promise<Server> {
  const dir = tempDir(prefix);
  // A freshly picked port can be taken between picking and binding; try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(bin, args(port, dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    const server: Server = { url: `${scheme}://127.0.0.1:${port}`, port, dir, log: () => output, stop: () => stopProcess(child) };
    try {
      await waitReady(server.url, child, 30_000);
      return server;
    } catch (err) {
      await server.stop();
      if (attempt >= 3 || !/address already in use/.test(output)) throw new Error(`${(err as Error).message}\n${output}`);
    }
  }
}

/** A Pushgateway; with `tls`, over HTTPS with the test certificate (TLS_FILES). */
export function startPushgateway(opts: { tls?: boolean } = {}): Promise<Server> {
  return startServer(
    BINARIES.pushgateway!,
    (port, dir) => {
      const web: string[] = [];
      if (opts.tls) {
        const file = path.join(dir, 'web.yml');
        writeFileSync(file, `tls_server_config:\n  cert_file: ${JSON.stringify(TLS_FILES.cert)}\n  key_file: ${JSON.stringify(TLS_FILES.key)}\n`);
        web.push(`--web.config.file=${file}`);
      }
      return [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${path.join(dir, 'pushgateway.data')}`, '--log.level=warn', ...web];
    },
    'dqc-pushgateway-',
    opts.tls ? 'https' : 'http',
  );
}

export function startPrometheus(configFile: string): Promise<Server> {
  return startServer(
    BINARIES.prometheus!,
    (port, dir) => [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    'dqc-prometheus-',
  );
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${url}: the process exited (${child.exitCode ?? child.signalCode})`);
    try {
      const r = await get(`${url}/-/ready`);
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET on 127.0.0.1 only; over HTTPS it trusts the test certificate. */
export function get(url: string): Promise<{ status: number; body: string }> {
  if (!/^https?:\/\/127\.0\.0\.1:/.test(url)) throw new Error(`tests only talk to 127.0.0.1, not ${url}`);
  return new Promise((resolve, reject) => {
    const options = { agent: false, timeout: 5000 };
    const done = (res: http.IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    };
    const req = url.startsWith('https:') ? https.get(url, { ...options, ca: readFileSync(TLS_FILES.cert) }, done) : http.get(url, options, done);
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/**
 * Runs the built `bin/dqc` without blocking the event loop: with Node, or with `command`
 * as users run it (its first line, sh, starts Node). `env` values of undefined are removed.
 */
export function dqcAsync(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined>; command?: boolean } = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of ['FORCE_COLOR', 'NO_COLOR', 'NODE_TEST_CONTEXT']) delete env[k];
  Object.assign(env, opts.env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const [file, argv] = opts.command ? [BIN, args] : [process.execPath, [BIN, ...args]];
    const child = spawn(file, argv, { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples of an exposition text (no timestamps, the way dqc and the Pushgateway write them). */
export function parseExposition(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

export async function scrape(url: string): Promise<Series[]> {
  const r = await get(`${url}/metrics`);
  if (r.status !== 200) throw new Error(`GET ${url}/metrics: ${r.status}`);
  return parseExposition(r.body);
}

/** Series named `name` whose labels include `labels`. */
export function pick(series: Series[], name: string, labels: Record<string, string> = {}): Series[] {
  return series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
