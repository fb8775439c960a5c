import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BIN, dqc, scratch } from '../helpers.ts';

const EXAMPLE = ['check', '--config', 'quality.example.yaml', '--now', '2026-11-27T12:00:00Z'];
const hasScript = spawnSync('script', ['--version']).status === 0;
const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if ((!hasScript || !hasMkfifo) && process.env.DQC_REQUIRE_REPORT_TOOLS === '1') throw new Error('script (util-linux) or mkfifo is missing');

/** Single-quoted for sh. */
function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `dqc check` under a pseudo-terminal (util-linux `script`) reading CSV from a FIFO that
 * this test fills slowly, so the scan takes about 1.5 s whatever the machine's speed.
 * Returns what the terminal showed and what went to the stdout file.
 */
async function slowRunOnTerminal(extra: string[], stdoutToFile: boolean): Promise<{ code: number | null; terminal: string; stdout: string }> {
  const dir = scratch({
    'quality.yaml': 'datasets:\n  - name: slow\n    source: unused.csv\n    checks:\n      completeness: {v: 0.5}\n',
  });
  const fifo = path.join(dir, 'in.csv');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const out = path.join(dir, 'stdout.txt');
  const cmd = [process.execPath, BIN, 'check', '-c', path.join(dir, 'quality.yaml'), ...extra, '-'].map(sh).join(' ') + ` < ${sh(fifo)}` + (stdoutToFile ? ` > ${sh(out)}` : '');
  const env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: '100' };
  for (const k of ['FORCE_COLOR', 'NO_COLOR', 'NODE_TEST_CONTEXT', 'CI']) delete env[k];
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let terminal = '';
  child.stdout.on('data', (b: Buffer) => (terminal += b.toString('utf8')));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  const w = createWriteStream(fifo);
  w.write('id,v\n');
  let id = 0;
  for (let chunk = 0; chunk < 30; chunk++) {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++, id++) lines.push(`${id},${id % 7 === 0 ? '' : id * 0.5}`);
    w.write(lines.join('\n') + '\n');
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise<void>((r) => w.end(r));
  const code = await done;
  return { code, terminal, stdout: stdoutToFile ? readFileSync(out, 'utf8') : '' };
}

describe('progress bar', { skip: (!hasScript || !hasMkfifo) && 'needs util-linux script and mkfifo' }, () => {
  it('is drawn on a terminal, on stderr only, and cleared before the report', async () => {
    const r = await slowRunOnTerminal([], true);
    assert.equal(r.code, 0, r.terminal);
    // Redrawn in place: carriage return, the line, erase to end of line.
    const frames = r.terminal.split('\r').filter((f) => f.startsWith('slow data · '));
    assert.ok(frames.length >= 3, `several redraws: ${JSON.stringify(r.terminal)}`);
    assert.match(frames[0], /^slow data · [\d.,k]+ rows · [\d.,kM]+ rows\/s\x1b\[K$/);
    assert.ok(frames.length <= 25, `at most ~10 redraws a second over ~1.5 s, got ${frames.length}`);
    assert.ok(r.terminal.endsWith('\r\x1b[K'), 'the last frame is erased');
    assert.doesNotMatch(r.stdout, /rows\/s|\r|\x1b/, 'nothing of it in stdout');
    assert.match(r.stdout, /✓ pass {2}completeness {2}v: 14\.29% null \(12,858 of 90,000 rows\)/);
  });

  it('is cleared before the report when both share the terminal', async () => {
    const r = await slowRunOnTerminal([], false);
    const lastFrame = r.terminal.lastIndexOf('rows/s');
    const report = r.terminal.indexOf('90,000 rows');
    assert.ok(lastFrame > 0 && report > lastFrame, r.terminal);
    assert.equal(r.terminal.slice(lastFrame).indexOf('\r\x1b[K') < report - lastFrame, true, 'erased before the report');
  });

  it('is not drawn with --quiet or --no-progress', async () => {
    for (const flag of ['--quiet', '--no-progress']) {
      const r = await slowRunOnTerminal([flag], true);
      assert.equal(r.code, 0);
      assert.doesNotMatch(r.terminal, /rows\/s/, flag);
    }
  });

  it('is not drawn when stderr is not a terminal', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => `${i},${i % 3}`).join('\n');
    const dir = scratch({ 'big.csv': `id,v\n${rows}\n`, 'quality.yaml': 'datasets:\n  - name: big\n    source: big.csv\n    checks:\n      completeness: {v: 0}\n' });
    const r = dqc(['check', '-c', path.join(dir, 'quality.yaml')]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.doesNotMatch(r.stdout, /\x1b|\r/);
  });
});

describe('--verbose', () => {
  it('prints the time of each scan and check on stderr', () => {
    const r = dqc([...EXAMPLE, '--verbose', '--format', 'json']);
    assert.equal(r.code, 1);
    JSON.parse(r.stdout);
    const lines = r.stderr.trim().split('\n');
    // The reference is read first: drift counts the data against its values.
    assert.match(lines[0], /^dqc: transactions: read reference: 5,000 rows, 1 file, [\d.]+ MB in /);
    assert.match(lines[1], /^dqc: transactions: read data: 5,000 rows, 1 file, [\d.]+ MB in [\d.]+ (s|ms) \([\d,]+ rows\/s, [\d.]+ MB\/s\)$/);
    assert.ok(lines.some((l) => /^dqc: transactions: check completeness category: [\d.]+ (ms|s) \(failed\)$/.test(l)), r.stderr);
    assert.ok(lines.some((l) => /^dqc: transactions: check uniqueness transaction_id: [\d.]+ (ms|s) \(passed\)$/.test(l)), r.stderr);
    assert.ok(lines.some((l) => /^dqc: transactions: failed in [\d.]+ (ms|s)$/.test(l)), r.stderr);
    assert.ok(lines.some((l) => /^dqc: transactions_csv: warned in /.test(l)), r.stderr);
    assert.equal(lines.filter((l) => / check /.test(l)).length, 10, 'one line per check');
  });

  it('and --quiet exclude each other', () => {
    const r = dqc([...EXAMPLE, '--verbose', '--quiet']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot be used with option/);
  });
});

describe('--quiet', () => {
  it('keeps machine-readable reports complete and lists only problems in the people-facing ones', () => {
    const json = JSON.parse(dqc([...EXAMPLE, '--quiet', '--format', 'json']).stdout) as { datasets: { checks: unknown[] }[] };
    assert.equal(json.datasets[0].checks.length, 7, 'JSON keeps every check');
    assert.match(dqc([...EXAMPLE, '--quiet', '--format', 'junit']).stdout, /tests="10"/, 'JUnit keeps every test');
    const github = dqc([...EXAMPLE, '--quiet', '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: '' } }).stdout;
    assert.doesNotMatch(github, /^passed /m);
    assert.match(github, /^failed +completeness category: 12% null/m);
    const text = dqc([...EXAMPLE, '--quiet']).stdout;
    assert.doesNotMatch(text, /✓ pass/);
  });
});

describe('help and version', () => {
  it('dqc --help and each command show examples', () => {
    for (const args of [['--help'], ['check', '--help'], ['init', '--help'], ['rules', '--help'], ['dashboard', '--help']]) {
      const r = dqc(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /\nExamples?:\n {2}dqc /, args.join(' '));
    }
    const check = dqc(['check', '--help']).stdout;
    for (const flag of ['--report <format=path>', '--verbose', '--no-progress', 'junit', 'github', 'markdown', 'html']) assert.ok(check.includes(flag), flag);
  });

  it('dqc --version prints the version', () => {
    const version = (JSON.parse(readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;
    const r = dqc(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), version);
  });
});
