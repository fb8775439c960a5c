import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BIN, dqc, noStack, ROOT, scratch } from '../helpers.ts';

const EXAMPLE = ['check', '--config', 'quality.example.yaml'];
const FRESH_NOW = ['--now', '2026-11-27T12:00:00Z'];

interface JsonCheck {
  type: string;
  column?: string;
  columns?: string[];
  metric: string;
  value: number | null;
  threshold: number;
  passed: boolean;
  outcome: string;
  severity: string;
  message: string;
  statistic?: number;
  p_value?: number;
}
interface JsonReport {
  passed: boolean;
  datasets: { name: string; source: string; rows: number | null; outcome: string; error?: { message: string }; checks: JsonCheck[] }[];
}

describe('dqc check on the shipped example', () => {
  it('prints a report with passing and failing checks and exits 1', () => {
    const r = dqc(EXAMPLE);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /✓ pass\s+completeness\s+user_id: 0% null/);
    assert.match(r.stdout, /✗ FAIL\s+completeness\s+category: 12% null/);
    assert.match(r.stdout, /✗ FAIL\s+drift\s+amount: KS D = /);
    assert.match(r.stdout, /FAILED {2}2 datasets, \d+ checks: \d+ passed, \d+ warned, \d+ failed/);
    assert.equal(r.stdout.includes('\x1b['), false, 'no color codes when not a terminal');
    assert.equal(r.stderr, '');
  });

  it('--format json prints one JSON document with every check', () => {
    const r = dqc([...EXAMPLE, '--format', 'json', ...FRESH_NOW]);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(report.passed, false);
    const [parquet, csv] = report.datasets;
    assert.equal(parquet.name, 'transactions');
    assert.equal(parquet.rows, 5000);
    assert.equal(csv.rows, 5000);
    assert.deepEqual(
      parquet.checks.map((c) => `${c.type}:${c.column ?? c.columns!.join('+')}`),
      ['completeness:user_id', 'completeness:amount', 'completeness:category', 'uniqueness:transaction_id', 'drift:amount', 'drift:age', 'freshness:created_at'],
    );
    const byKey = Object.fromEntries(parquet.checks.map((c) => [`${c.type}:${c.column ?? ''}`, c]));
    assert.equal(byKey['completeness:category'].value, 0.12);
    assert.equal(byKey['completeness:category'].passed, false);
    assert.equal(byKey['completeness:amount'].value, 0.04);
    assert.equal(byKey['uniqueness:'].value, 0.0006);
    assert.equal(byKey['drift:amount'].passed, false);
    assert.ok(byKey['drift:amount'].p_value! < 1e-6);
    assert.equal(byKey['drift:age'].passed, true);
    assert.equal(byKey['freshness:created_at'].value, 2, 'newest row is 10:00, now is 12:00');
    assert.equal(byKey['freshness:created_at'].passed, true);
    for (const c of parquet.checks) for (const k of ['metric', 'value', 'threshold', 'passed', 'severity', 'message']) assert.ok(k in c, `${k} in ${c.type}`);
    // The CSV and Parquet copies of the data agree on every shared metric.
    const csvCompleteness = csv.checks.find((c) => c.column === 'amount')!;
    assert.equal(csvCompleteness.value, byKey['completeness:amount'].value);
  });

  it('--output writes the report to a file and nothing to stdout', () => {
    const dir = scratch({});
    const out = path.join(dir, 'report.json');
    const r = dqc([...EXAMPLE, '--format', 'json', '--output', out]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal((JSON.parse(readFileSync(out, 'utf8')) as JsonReport).datasets.length, 2);
  });

  it('--dataset picks datasets; a warn-severity failure does not fail the run', () => {
    const r = dqc([...EXAMPLE, '--dataset', 'transactions_csv', '--format', 'json']);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.deepEqual(report.datasets.map((d) => d.name), ['transactions_csv']);
    const uniq = report.datasets[0].checks.find((c) => c.type === 'uniqueness')!;
    assert.equal(uniq.outcome, 'warned');
    assert.equal(r.code, 0);
    assert.equal(report.passed, true);
    assert.equal(dqc([...EXAMPLE, '--dataset', 'transactions_csv', '--fail-on', 'warn']).code, 1);
  });

  it('--quiet prints only checks that did not pass', () => {
    const r = dqc([...EXAMPLE, '--quiet']);
    assert.doesNotMatch(r.stdout, /✓ pass/);
    assert.match(r.stdout, /✗ FAIL/);
  });

  it('checks a DATA path instead of the source', () => {
    const dir = scratch({ 'tiny.csv': 'transaction_id,user_id,amount,category,age,created_at\n1,1,2.5,a,30,2026-11-27T11:00:00Z\n2,2,,b,40,2026-11-27T11:30:00Z\n' });
    const r = dqc([...EXAMPLE, '--dataset', 'transactions_csv', '--format', 'json', path.join(dir, 'tiny.csv')]);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(report.datasets[0].rows, 2);
    assert.equal(report.datasets[0].checks[0].value, 0.5);
    assert.equal(r.code, 1);
  });

  it('reads CSV from stdin with -', () => {
    const csv = 'transaction_id,user_id,amount,category,age,created_at\n1,1,2.5,a,30,2026-11-27T11:00:00Z\n';
    const r = dqc([...EXAMPLE, '--dataset', 'transactions_csv', '--format', 'json', '-'], { input: csv });
    assert.equal((JSON.parse(r.stdout) as JsonReport).datasets[0].rows, 1);
  });
});

describe('usage errors exit 2', () => {
  it('names an unknown dataset with a suggestion', () => {
    const r = dqc([...EXAMPLE, '--dataset', 'transaction']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no dataset named "transaction".*did you mean "transactions"/);
    assert.ok(noStack(r.stderr));
  });
  it('rejects a DATA path when several datasets are selected', () => {
    const r = dqc([...EXAMPLE, 'fixtures/transactions.csv']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pick one with --dataset/);
  });
  it('rejects an unknown flag, a bad --format and a bad --now', () => {
    assert.equal(dqc([...EXAMPLE, '--colour']).code, 2);
    assert.equal(dqc([...EXAMPLE, '--format', 'xml']).code, 2);
    const r = dqc([...EXAMPLE, '--now', 'yesterday']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--now "yesterday" is not an ISO 8601 time/);
  });
  it('--help shows examples and --version the version', () => {
    const h = dqc(['check', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Examples:/);
    const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
    for (const flag of ['--version', '-V']) {
      const v = dqc([flag]);
      assert.equal(v.code, 0);
      assert.equal(v.stdout, `${version}\n`);
    }
    // Run as a command (its first line is sh, which starts Node), keeping the user's glibc settings.
    const direct = spawnSync(BIN, ['check', '--help'], { encoding: 'utf8', env: { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.check=0' } });
    assert.equal(direct.status, 0, direct.stderr);
    assert.match(direct.stdout, /Examples:/);
  });
  it('the first line asks for huge pages before the user\'s own glibc settings (the last one wins), then runs node with its V8 flag and the arguments', () => {
    const dir = scratch({ node: '#!/bin/sh\necho "$GLIBC_TUNABLES|$*"\n' });
    chmodSync(path.join(dir, 'node'), 0o755);
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
    const plain = spawnSync(BIN, ['check', '-c', 'q y.yaml'], { encoding: 'utf8', env: { ...env, GLIBC_TUNABLES: '' } });
    assert.equal(plain.stdout, `glibc.malloc.hugetlb=1|--no-lazy-feedback-allocation ${BIN} check -c q y.yaml\n`);
    const off = spawnSync(BIN, ['--help'], { encoding: 'utf8', env: { ...env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' } });
    assert.equal(off.stdout, `glibc.malloc.hugetlb=1:glibc.malloc.hugetlb=0|--no-lazy-feedback-allocation ${BIN} --help\n`);
  });
  it('the first line hands NODE_EXTRA_CA_CERTS over as DQC_EXTRA_CA_CERTS, so that Node does not load it at start-up', () => {
    const dir = scratch({ node: '#!/bin/sh\necho "${NODE_EXTRA_CA_CERTS-unset}|${DQC_EXTRA_CA_CERTS-unset}"\n' });
    chmodSync(path.join(dir, 'node'), 0o755);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
    delete env.DQC_EXTRA_CA_CERTS;
    const handed = spawnSync(BIN, ['check'], { encoding: 'utf8', env: { ...env, NODE_EXTRA_CA_CERTS: '/etc/my ca.pem' } });
    assert.equal(handed.stdout, 'unset|/etc/my ca.pem\n');
    delete env.NODE_EXTRA_CA_CERTS;
    assert.equal(spawnSync(BIN, ['check'], { encoding: 'utf8', env }).stdout, 'unset|unset\n');
    assert.equal(spawnSync(BIN, ['check'], { encoding: 'utf8', env: { ...env, NODE_EXTRA_CA_CERTS: '' } }).stdout, '|unset\n');
  });
  it('the first line answers --version from package.json without starting node, also through a symlink, and leaves it to node where it cannot', () => {
    const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
    const dir = scratch({});
    mkdirSync(path.join(dir, 'stand-in'));
    writeFileSync(path.join(dir, 'stand-in', 'node'), '#!/bin/sh\necho "node|$*"\n');
    chmodSync(path.join(dir, 'stand-in', 'node'), 0o755);
    const env = { ...process.env, PATH: `${path.join(dir, 'stand-in')}:${process.env.PATH}` };
    symlinkSync(BIN, path.join(dir, 'dqc'));
    for (const [bin, flag] of [[BIN, '--version'], [BIN, '-V'], [path.join(dir, 'dqc'), '--version']]) {
      const r = spawnSync(bin, [flag], { encoding: 'utf8', env });
      assert.equal(r.stdout, `${version}\n`, `${bin} ${flag}`);
    }
    // With another argument, or without a package.json beside it, node answers.
    assert.equal(spawnSync(BIN, ['--version', 'x'], { encoding: 'utf8', env }).stdout, `node|--no-lazy-feedback-allocation ${BIN} --version x\n`);
    const alone = path.join(dir, 'copy', 'bin', 'dqc');
    mkdirSync(path.dirname(alone), { recursive: true });
    copyFileSync(BIN, alone);
    chmodSync(alone, 0o755);
    assert.equal(spawnSync(alone, ['--version'], { encoding: 'utf8', env }).stdout, `node|--no-lazy-feedback-allocation ${alone} --version\n`);
  });
});
