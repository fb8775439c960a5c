import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse as junit2json, type TestCase, type TestSuites } from 'junit2json';
import { parse as parseResults } from 'test-results-parser';
import { dqc, ROOT, scratch } from '../helpers.ts';
import { DELIM_COL, evilProject, IMG_COL, NOW, SCRIPT_COL } from './report-fixtures.ts';

const XSD = path.join(ROOT, 'test/data/junit/junit-10.xsd');
const EXAMPLE = ['check', '--config', 'quality.example.yaml', '--now', NOW];

const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
if (!hasXmllint && process.env.DQC_REQUIRE_REPORT_TOOLS === '1') throw new Error('xmllint is missing (apt-get install -y --no-install-recommends libxml2-utils)');

/** Validates against the Jenkins JUnit schema with libxml2's xmllint. */
function validate(xml: string): void {
  const file = path.join(scratch({}), 'junit.xml');
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `xmllint: ${r.stderr}`);
  assert.match(r.stderr, /validates/);
}

function cases(doc: TestSuites, suite: string): Map<string, TestCase> {
  const s = doc.testsuite!.find((x) => x.name === suite)!;
  return new Map((s.testcase ?? []).map((c) => [c.name!, c]));
}

describe('--format junit', () => {
  it('validates against the Jenkins JUnit XSD (xmllint) for the shipped example', { skip: !hasXmllint && 'xmllint (libxml2-utils) is not installed' }, () => {
    const r = dqc([...EXAMPLE, '--format', 'junit']);
    assert.equal(r.code, 1, r.stderr);
    validate(r.stdout);
  });

  it('has one testsuite per dataset and one testcase per check, read back by JUnit consumers', async () => {
    const r = dqc([...EXAMPLE, '--format', 'junit']);
    const doc = await junit2json(r.stdout);
    assert.ok(doc && 'testsuite' in doc);
    const suites = doc as TestSuites;
    assert.deepEqual(suites.testsuite!.map((s) => s.name), ['transactions', 'transactions_csv']);
    assert.equal(suites.tests, 10);
    assert.equal(suites.failures, 2);
    assert.equal(suites.errors, 0);
    const t = cases(suites, 'transactions');
    assert.deepEqual([...t.keys()], [
      'completeness: user_id',
      'completeness: amount',
      'completeness: category',
      'uniqueness: transaction_id',
      'drift: amount',
      'drift: age',
      'freshness: created_at',
    ]);
    for (const c of t.values()) assert.equal(c.classname, 'transactions');
    const category = t.get('completeness: category')!;
    assert.equal(category.failure![0].type, 'completeness');
    assert.equal(category.failure![0].message, 'category: 12% null (600 of 5,000 rows), max 10%');
    assert.match(category.failure![0].inner!, /value: 12% \(0\.12\)\nthreshold: ≤ 10% \(0\.1\)\nseverity: error/);
    assert.equal(t.get('completeness: user_id')!.failure, undefined);
    assert.ok(t.get('drift: amount')!.failure);
    const props = Object.fromEntries(suites.testsuite![0].properties!.map((p) => [p.name, p.value]));
    assert.equal(props.source, 'fixtures/transactions.parquet');
    assert.equal(props.rows, 5000);

    // A warning does not fail the run: a passing testcase with the warning in <system-out>.
    const warned = cases(suites, 'transactions_csv').get('uniqueness: transaction_id')!;
    assert.equal(warned.failure, undefined);
    assert.match(warned['system-out']![0], /^warning \(severity warn/);

    // test-results-parser reads the statuses as a CI dashboard would.
    const file = path.join(scratch({}), 'junit.xml');
    writeFileSync(file, r.stdout);
    const parsed = parseResults({ type: 'junit', files: [file] });
    assert.equal(parsed.status, 'FAIL');
    assert.equal(parsed.total, 10);
    assert.equal(parsed.failed, 2);
    assert.equal(parsed.passed, 8);
    const csvSuite = parsed.suites.find((s) => s.name === 'transactions_csv')!;
    assert.equal(csvSuite.status, 'PASS');
  });

  it('under --fail-on warn a warned check is a <failure>', async () => {
    const r = dqc([...EXAMPLE, '--dataset', 'transactions_csv', '--format', 'junit', '--fail-on', 'warn']);
    assert.equal(r.code, 1);
    const doc = (await junit2json(r.stdout)) as TestSuites;
    const warned = cases(doc, 'transactions_csv').get('uniqueness: transaction_id')!;
    assert.equal(warned.failure![0].type, 'uniqueness (severity warn)');
    assert.equal(doc.failures, 1);
  });

  it('reports checks not evaluated and unreadable datasets as <error>, and escapes names and values', async () => {
    const { config } = evilProject();
    const r = dqc(['check', '-c', config, '--now', NOW, '--format', 'junit']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /dqc: error: missing: .*no such file/);
    if (hasXmllint) validate(r.stdout);
    assert.ok(!r.stdout.includes(SCRIPT_COL), 'the column name is escaped');
    const doc = (await junit2json(r.stdout)) as TestSuites;
    assert.equal(doc.errors, 2);
    const evil = cases(doc, 'evil');
    assert.equal(evil.get(`completeness: ${SCRIPT_COL}`)!.failure![0].message, `${SCRIPT_COL}: 25% null (10 of 40 rows), max 10%`);
    assert.ok(evil.get(`completeness: ${DELIM_COL}`)!.failure);
    assert.equal(evil.get(`drift: ${IMG_COL}`)!.failure, undefined);
    const notEvaluated = evil.get('drift: amount')!;
    assert.equal(notEvaluated.error![0].type, 'not_evaluated');
    assert.equal(notEvaluated.error![0].message, 'amount: not numeric in the data: 1 values like "\\"&<>" (line 8); drift needs numbers');
    const missing = cases(doc, 'missing').get('read data')!;
    assert.equal(missing.error![0].type, 'E_DATA');
    assert.match(missing.error![0].inner!, /hint: check the "source" path/);
    const props = Object.fromEntries(doc.testsuite![0].properties!.map((p) => [p.name, p.value]));
    assert.match(String(props.source), /evil"&<>dir\/data\.csv$/);
  });

  it('--report junit=PATH writes it next to the stdout report', () => {
    const dir = scratch({});
    const out = path.join(dir, 'nested', 'junit.xml');
    const r = dqc([...EXAMPLE, '--report', `junit=${out}`]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAILED {2}2 datasets/);
    const xml = readFileSync(out, 'utf8');
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="dqc" tests="10" failures="2" errors="0"/);
    if (hasXmllint) validate(xml);
  });
});
