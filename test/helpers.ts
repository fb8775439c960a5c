import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config/load.ts';
import { ConfigError, type ConfigIssue } from '../src/errors.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const BIN = path.join(ROOT, 'bin', 'dqc');

/** The test certificates (test/data/tls/README.md): what the test servers present, and one that did not sign it. */
export const TLS_DIR = path.join(ROOT, 'test', 'data', 'tls');
export const TLS_FILES = { cert: path.join(TLS_DIR, 'server.pem'), key: path.join(TLS_DIR, 'server.key'), other: path.join(TLS_DIR, 'other.pem') };

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `bin/dqc` as a user would, with color off unless asked. */
export function dqc(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: userEnv(opts.env),
    input: opts.input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The environment of a user's shell: the test runner's color and context variables removed. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['FORCE_COLOR', 'NO_COLOR', 'NODE_TEST_CONTEXT']) delete env[k];
  return { ...env, ...extra };
}

export function tempDir(prefix = 'dqc-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes files into a fresh temp folder; returns the folder. */
export function scratch(files: Record<string, string | Buffer>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

/** No raw stack trace reached the user. */
export function noStack(stderr: string): boolean {
  return !/\n\s+at .+:\d+:\d+\)?/.test(stderr);
}

/** The problems parseConfig reports for a config text; fails the test if it is accepted. */
export function configIssues(text: string, env: Record<string, string> = {}): ConfigIssue[] {
  try {
    parseConfig(text, 'q.yaml', { env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err.issues;
  }
  assert.fail('config was accepted');
}

/** The same, one line each: "line:column path: message". */
export function configIssueLines(text: string, env: Record<string, string> = {}): string[] {
  return configIssues(text, env).map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
}
