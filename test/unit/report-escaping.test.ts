import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckResult } from '../../src/checks/result.ts';
import { command, escapeData, escapeProperty, renderGithub } from '../../src/report/github.ts';
import { renderHtml } from '../../src/report/html.ts';
import { attr, renderJunit, text } from '../../src/report/junit.ts';
import { md, renderMarkdown } from '../../src/report/markdown.ts';
import { h } from '../../src/report/svg.ts';
import type { SuiteResult } from '../../src/run.ts';

const NASTY = 'x<y>&"z\'\n\r\t%:,|*_`[]\u0001\uFFFE';

function check(over: Partial<CheckResult>): CheckResult {
  return {
    type: 'completeness',
    column: NASTY,
    metric: 'null_ratio',
    value: 0.5,
    threshold: 0.1,
    comparison: '<=',
    outcome: 'failed',
    passed: false,
    severity: 'error',
    message: `${NASTY}: 50% null`,
    ...over,
  };
}

const RESULT: SuiteResult = {
  passed: false,
  now: '2026-11-27T12:00:00.000Z',
  duration_seconds: 0.5,
  datasets: [
    {
      name: 'ds',
      source: `/data/${NASTY}.csv`,
      rows: 10,
      outcome: 'failed',
      duration_seconds: 0.4,
      checks: [
        check({}),
        check({ outcome: 'warned', severity: 'warn' }),
        check({ outcome: 'error', value: null, message: `not numeric: ${NASTY}` }),
        check({ outcome: 'passed', passed: true, value: 0 }),
      ],
    },
    { name: 'broken', source: '/x.csv', rows: null, outcome: 'error', checks: [], duration_seconds: 0, error: { code: 'E_DATA', exitCode: 3, message: `bad ${NASTY}`, hint: 'fix <it>' } },
  ],
};

describe('XML escaping (JUnit)', () => {
  it('escapes markup, quotes and attribute whitespace, and drops characters XML cannot hold', () => {
    assert.equal(text('a<b>&c'), 'a&lt;b&gt;&amp;c');
    assert.equal(attr('"a"\n\tb\r'), '&quot;a&quot;&#10;&#9;b&#13;');
    assert.equal(text('a\u0000b\u001Fc\uFFFFd'), 'a\uFFFDb\uFFFDc\uFFFDd');
    assert.equal(text('\uD800x'), '\uFFFDx', 'lone surrogate');
    assert.equal(text('😀'), '😀', 'a surrogate pair is kept');
    assert.equal(text(']]>'), ']]&gt;');
  });

  it('renders a document with no raw markup from values', () => {
    const xml = renderJunit(RESULT);
    assert.ok(!xml.includes('x<y>'));
    assert.ok(!/[\u0001\uFFFE]/.test(xml));
    assert.match(xml, /<testsuites name="dqc" tests="5" failures="1" errors="2"/);
    assert.match(xml, /<testcase classname="ds" name="completeness: x&lt;y&gt;&amp;&quot;z'&#10;&#13;&#9;%:,\|\*_`\[\]\uFFFD\uFFFD"/);
    assert.match(xml, /<error message="bad [^"]*" type="E_DATA">bad [^<]*\nhint: fix &lt;it&gt;<\/error>/);
  });
});

describe('workflow command escaping (GitHub)', () => {
  it('percent-encodes %, CR and LF in data, and also : and , in properties', () => {
    assert.equal(escapeData('50% a\r\nb: c, d'), '50%25 a%0D%0Ab: c, d');
    assert.equal(escapeProperty('50% a\r\nb: c, d'), '50%25 a%0D%0Ab%3A c%2C d');
    assert.equal(command('error', { file: 'q.yaml', line: '3', title: 'a:b,c' }, 'x\ny'), '::error file=q.yaml,line=3,title=a%3Ab%2Cc::x%0Ay');
    assert.equal(command('endgroup', {}, ''), '::endgroup::');
  });

  it('keeps every line of the output a command or plain text', () => {
    const out = renderGithub(RESULT);
    for (const line of out.trimEnd().split('\n')) assert.ok(line.startsWith('::') || /^(failed|warned|passed|not evaluated|not checked|dqc: )/.test(line), JSON.stringify(line));
    assert.match(out, /^::warning title=dqc ds%3A completeness%3A x<y>&"z'%0A%0D\t%25%3A%2C/m);
  });
});

describe('Markdown escaping', () => {
  it('turns markup into entities, escapes table and emphasis characters, and joins lines', () => {
    assert.equal(md('a|b'), 'a\\|b');
    assert.equal(md('<b>&'), '&lt;b&gt;&amp;');
    assert.equal(md('*x* _y_ `z` [l](u) ~s~'), '\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\~s\\~');
    assert.equal(md('a\nb\r\nc'), 'a b c');
    assert.equal(md('a\\|b'), 'a\\\\\\|b');
  });

  it('keeps each check on one table row with seven cells', () => {
    const out = renderMarkdown(RESULT);
    const rows = out.split('\n').filter((l) => /^\| (✅|❌|⚠️|❓) /.test(l));
    assert.equal(rows.length, 4);
    for (const r of rows) assert.equal(r.split(/(?<!\\)\|/).length, 9, r);
  });
});

describe('HTML escaping', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    assert.equal(h(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('renders without raw markup from values', () => {
    const html = renderHtml(RESULT);
    assert.ok(!html.includes('x<y>'));
    assert.ok(!html.includes('z\''));
    assert.ok(html.includes('x&lt;y&gt;&amp;&quot;z&#39;'));
    assert.ok(html.includes('hint: fix &lt;it&gt;'));
    assert.doesNotMatch(html, /<script/i);
  });
});
