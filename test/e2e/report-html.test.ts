import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dqc, noStack, scratch } from '../helpers.ts';
import { evilProject, IMG_COL, NOW, SCRIPT_COL } from './report-fixtures.ts';

const EXAMPLE = ['check', '--config', 'quality.example.yaml', '--now', NOW];

interface DriftDetails {
  method: string;
  distribution: { quantiles: number[]; reference: number[]; current: number[]; max_distance: { at: number; reference_ecdf: number; current_ecdf: number } };
}

describe('--report FORMAT=PATH', () => {
  it('writes several reports in one run while stdout keeps the --format report', () => {
    const dir = scratch({});
    const out = (f: string) => path.join(dir, 'out', f);
    const r = dqc([...EXAMPLE, '--report', `junit=${out('junit.xml')}`, '--report', `html=${out('report.html')}`, '--report', `json=${out('r.json')}`, '--report', `markdown=${out('summary.md')}`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^transactions {2}fixtures\/transactions\.parquet {2}5,000 rows/);
    assert.equal(r.stderr, '');
    assert.match(readFileSync(out('junit.xml'), 'utf8'), /<testsuites name="dqc" tests="10"/);
    assert.match(readFileSync(out('report.html'), 'utf8'), /^<!DOCTYPE html>/);
    assert.equal((JSON.parse(readFileSync(out('r.json'), 'utf8')) as { datasets: unknown[] }).datasets.length, 2);
    assert.match(readFileSync(out('summary.md'), 'utf8'), /^## dqc: ❌ FAILED/);
  });

  it('rejects unknown formats, missing paths and one file written twice (exit 2) before running', () => {
    const dir = scratch({});
    const html = path.join(dir, 'r.html');
    for (const [args, message] of [
      [['--report', `pdf=${html}`], /unknown format "pdf".*\n {2}hint: write it as FORMAT=PATH with FORMAT one of text, json, junit, github, markdown, html/],
      [['--report', 'junit'], /--report "junit": no path/],
      [['--report', `html=${html}`, '--report', `junit=${html}`], /is already written by --report html=/],
      [['--output', html, '--report', `html=${html}`], /is already written by --output/],
      [['--format', 'junit', '--print-metrics'], /--print-metrics prints metrics on stdout, where --format junit prints its one document/],
    ] as [string[], RegExp][]) {
      const r = dqc([...EXAMPLE, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '', 'nothing ran');
      assert.ok(noStack(r.stderr));
    }
    assert.equal(existsSync(html), false);
    const r = dqc([...EXAMPLE, '--format', 'yaml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Allowed choices are text, json, junit, github, markdown, html/);
  });
});

describe('--report html', () => {
  it('is one self-contained file: inline CSS and SVG, no script, nothing fetched', () => {
    const file = path.join(scratch({}), 'report.html');
    const r = dqc([...EXAMPLE, '--report', `html=${file}`]);
    assert.equal(r.code, 1);
    const html = readFileSync(file, 'utf8');
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:/);
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(/i);
    for (const m of html.matchAll(/\b(?:src|href)="([^"]*)"/g)) assert.ok(m[1].startsWith('#'), `only in-page links: ${m[1]}`);
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/, 'no URL other than SVG namespaces');
    // Summary and per-check rows carry their numbers.
    assert.match(html, /<div class="verdict failed" id="verdict" data-verdict="failed">FAILED<\/div>/);
    assert.match(html, /<div class="tile" data-outcome="failed"[^>]*><span class="count">2<\/span>/);
    assert.match(html, /<tr class="check failed" data-type="completeness" data-column="category" data-outcome="failed" data-value="0.12" data-threshold="0.1">/);
    assert.match(html, /<td class="num value">12%<\/td><td class="num threshold">≤ 10%<\/td>/);
    // Charts: null rates, an ECDF plot per drift check with D marked, the freshness timeline.
    assert.equal((html.match(/<svg class="chart nulls"/g) ?? []).length, 2, 'one null-rate chart per dataset');
    assert.equal((html.match(/<svg class="chart ecdf"/g) ?? []).length, 2);
    assert.match(html, /<svg class="chart ecdf"[^>]*data-column="amount" data-statistic="0.1527083/);
    assert.match(html, /class="ks-distance"/);
    assert.match(html, /<svg class="chart freshness"[^>]*data-value="2" data-threshold="6"/);
    assert.ok(html.length < 200_000, `small: ${html.length} bytes`);
  });

  it('escapes every name, value and path taken from the data', () => {
    const { dir, config } = evilProject();
    const file = path.join(dir, 'report.html');
    const r = dqc(['check', '-c', config, '--now', NOW, '--report', `html=${file}`]);
    assert.equal(r.code, 3);
    const html = readFileSync(file, 'utf8');
    assert.ok(!html.includes(SCRIPT_COL) && !html.includes(IMG_COL), 'markup from column names never appears raw');
    assert.doesNotMatch(html, /<script|<img/i);
    assert.ok(!html.includes('"&<>'), 'the value "&<> never appears raw');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(2)&gt;'));
    assert.ok(html.includes('evil&quot;&amp;&lt;&gt;dir/data.csv'), 'the path is escaped');
    assert.ok(html.includes('values like &quot;\\&quot;&amp;&lt;&gt;&quot;'), 'the value in a message is escaped');
    assert.match(html, /<section class="card dataset" id="ds-1" data-dataset="missing" data-outcome="error">/);
    assert.match(html, /Could not be checked:<\/strong> <span class="msg">[^<]*no such file or folder/);
  });
});

describe('drift details', () => {
  it('carry a bounded summary of both distributions in the JSON report', () => {
    const r = dqc([...EXAMPLE, '--format', 'json']);
    const report = JSON.parse(r.stdout) as { datasets: { checks: { type: string; column?: string; statistic?: number; details: DriftDetails }[] }[] };
    const amount = report.datasets[0].checks.find((c) => c.type === 'drift' && c.column === 'amount')!;
    const d = amount.details.distribution;
    assert.equal(d.quantiles.length, 101);
    assert.equal(d.reference.length, 101);
    assert.equal(d.current.length, 101);
    assert.equal(d.quantiles[50], 0.5);
    for (const q of [d.reference, d.current]) for (let i = 1; i < q.length; i++) assert.ok(q[i] >= q[i - 1], 'quantiles ascend');
    const gap = Math.abs(d.max_distance.reference_ecdf - d.max_distance.current_ecdf);
    assert.ok(Math.abs(gap - amount.statistic!) < 1e-9, `the marked gap ${gap} is KS D ${amount.statistic}`);
    assert.ok(JSON.stringify(amount.details).length < 6000, 'small');
  });
});
