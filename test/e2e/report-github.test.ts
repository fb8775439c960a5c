import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dqc, scratch } from '../helpers.ts';
import { DELIM_COL, evilProject, NOW, SCRIPT_COL } from './report-fixtures.ts';

const EXAMPLE = ['check', '--config', 'quality.example.yaml', '--now', NOW];

/** The runner's parser: `::name k=v,k=v::message`, with properties and message unescaped. */
function parseCommand(line: string): { name: string; props: Record<string, string>; message: string } | undefined {
  const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!m) return undefined;
  const unescape = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  const props: Record<string, string> = {};
  for (const kv of (m[2] ?? '').split(',').filter(Boolean)) {
    const eq = kv.indexOf('=');
    props[kv.slice(0, eq)] = unescape(kv.slice(eq + 1));
  }
  return { name: m[1], props, message: unescape(m[3]) };
}

describe('--format github', () => {
  it('annotates failed checks as errors and warnings as warnings, pointing at the config', () => {
    const r = dqc([...EXAMPLE, '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: '' } });
    assert.equal(r.code, 1, r.stderr);
    const commands = r.stdout.split('\n').map(parseCommand).filter((c) => c !== undefined);
    const annotations = commands.filter((c) => c.name === 'error' || c.name === 'warning');
    assert.deepEqual(
      annotations.map((a) => `${a.name} ${a.props.title}`),
      [
        'error dqc transactions: completeness: category failed',
        'error dqc transactions: drift: amount failed',
        'warning dqc transactions_csv: uniqueness: transaction_id warned',
      ],
    );
    const category = annotations[0];
    assert.equal(category.props.file, 'quality.example.yaml');
    assert.equal(category.props.line, '11', 'the line of "category:" in the config');
    assert.equal(category.message, 'category: 12% null (600 of 5,000 rows), max 10%\nvalue 12%, threshold ≤ 10%, severity error');
    assert.ok(r.stdout.includes('::error file=quality.example.yaml,line=11,col=50,title=dqc transactions%3A completeness%3A category failed::category: 12%25 null'));
    assert.deepEqual(commands.filter((c) => c.name === 'group').map((c) => c.message), [
      'dqc transactions (fixtures/transactions.parquet, 5,000 rows): failed',
      'dqc transactions_csv (fixtures/transactions.csv, 5,000 rows): warned',
    ]);
    assert.match(r.stdout, /\ndqc: FAILED: 2 datasets, 10 checks: 7 passed, 1 warned, 2 failed\n$/);
  });

  it('--fail-on warn turns the warning into an error annotation', () => {
    const r = dqc([...EXAMPLE, '--dataset', 'transactions_csv', '--format', 'github', '--fail-on', 'warn'], { env: { GITHUB_STEP_SUMMARY: '' } });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^::error file=quality\.example\.yaml,line=\d+,col=\d+,title=dqc transactions_csv%3A uniqueness%3A transaction_id warned::/m);
  });

  it('escapes %, line breaks, and : and , in properties', () => {
    const { config } = evilProject();
    const r = dqc(['check', '-c', config, '--now', NOW, '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: '' } });
    assert.equal(r.code, 3);
    const lines = r.stdout.split('\n');
    const delim = lines.find((l) => l.includes('a%3Ab%2Cc%25d'))!;
    assert.ok(delim.startsWith('::error '), delim);
    assert.ok(delim.includes(`title=dqc evil%3A completeness%3A a%3Ab%2Cc%25d failed::a:b,c%25d: 20%25 null`), delim);
    const parsed = parseCommand(delim)!;
    assert.equal(parsed.props.title, `dqc evil: completeness: ${DELIM_COL} failed`);
    const script = lines.map(parseCommand).find((c) => c?.props.title?.includes(SCRIPT_COL))!;
    assert.equal(script.name, 'error');
    const missing = lines.map(parseCommand).find((c) => c?.props.title === 'dqc: dataset missing not checked')!;
    assert.match(missing.message, /no such file or folder\nhint: /);
    assert.ok(lines.find((l) => l.startsWith('::error title=dqc%3A dataset missing not checked::'))!.includes('%0Ahint: '));
    // Every line is either a workflow command or plain log text: no stray line breaks from the data.
    for (const l of lines.filter(Boolean)) assert.ok(l.startsWith('::') || /^(passed|failed|warned|not evaluated|not checked|dqc: )/.test(l), l);
  });

  it('appends a Markdown summary to $GITHUB_STEP_SUMMARY', () => {
    const dir = scratch({});
    const summary = path.join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = dqc([...EXAMPLE, '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: summary } });
    assert.equal(r.code, 1);
    const md = readFileSync(summary, 'utf8');
    assert.ok(md.startsWith('# earlier step\n## dqc: ❌ FAILED\n'), 'appended, not replaced');
    assert.match(md, /\| transactions \| 5,000 \| 5 \| 0 \| 2 \| 0 \| ❌ failed \|/);
    assert.match(md, /\| ❌ failed \| transactions \| completeness \| category \| 12% \| ≤ 10% \| category: 12% null/);
    // Without the variable nothing is written anywhere else.
    assert.equal(dqc([...EXAMPLE, '--format', 'text'], { env: { GITHUB_STEP_SUMMARY: summary } }).code, 1);
    assert.equal(readFileSync(summary, 'utf8'), md, 'only the github format writes the summary');
  });
});

describe('--format markdown', () => {
  it('prints the summary tables', () => {
    const r = dqc([...EXAMPLE, '--format', 'markdown']);
    assert.equal(r.code, 1);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], '## dqc: ❌ FAILED');
    assert.ok(lines.includes('| Dataset | Rows | ✅ Passed | ⚠️ Warned | ❌ Failed | ❓ Not evaluated | Result |'));
    assert.ok(lines.includes('| transactions\\_csv | 5,000 | 2 | 1 | 0 | 0 | ⚠️ passed with warnings |'));
    const checkRows = lines.filter((l) => /^\| (✅|❌|⚠️|❓) /.test(l));
    assert.equal(checkRows.length, 10);
    for (const row of checkRows) assert.equal(row.split(/(?<!\\)\|/).length, 9, row);
  });

  it('--quiet keeps only the checks that did not pass', () => {
    const r = dqc([...EXAMPLE, '--format', 'markdown', '--quiet']);
    const checkRows = r.stdout.split('\n').filter((l) => /^\| (✅|❌|⚠️|❓) /.test(l));
    assert.deepEqual(checkRows.map((l) => l.split(' | ')[0]), ['| ❌ failed', '| ❌ failed', '| ⚠️ warned (severity warn)']);
  });

  it('escapes markup and table delimiters from the data', () => {
    const { config } = evilProject();
    const r = dqc(['check', '-c', config, '--now', NOW, '--format', 'markdown']);
    assert.ok(!r.stdout.includes('<script>'), 'no raw HTML');
    assert.ok(r.stdout.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(r.stdout.includes('"\\\\"&amp;&lt;&gt;"'), 'the value "&<> (quoted by the message) is shown as text');
    const rows = r.stdout.split('\n').filter((l) => /^\| (✅|❌|⚠️|❓) /.test(l));
    for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length, 9, row);
    assert.match(r.stdout, /❓ \*\*missing\*\* \(.*nowhere\/missing\.csv\) was not checked/);
  });
});
