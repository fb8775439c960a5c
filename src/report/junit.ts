/**
 * JUnit XML for CI test views (Jenkins, GitLab, GitHub test reporters): one <testsuite> per
 * dataset, one <testcase> per check. Mapping (README "JUnit report"):
 *
 * - passed → an empty <testcase>;
 * - failed → <failure message type="CHECK"> with value, threshold and severity in its text;
 * - warned → a passing <testcase> whose <system-out> carries the warning, since a warning
 *   does not fail the run; with `--fail-on warn` it fails the run, so it is a <failure>;
 * - not evaluated → <error type="not_evaluated">: the run fails (exit 3), so it must not look skipped;
 * - a dataset that could not be read → a suite with one "read data" testcase holding an <error>.
 */
import type { CheckResult } from '../checks/result.js';
import type { DatasetResult, SuiteResult } from '../run.js';
import { checkName, displayPath, formatThreshold, formatValue, type ReportContext } from './format.js';

export function renderJunit(result: SuiteResult, ctx: ReportContext = {}): string {
  const suites = result.datasets.map((d) => suiteOf(d, result, ctx));
  const total = sum(suites, 'tests');
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dqc" tests="${total}" failures="${sum(suites, 'failures')}" errors="${sum(suites, 'errors')}" time="${seconds(result.duration_seconds, 3)}">`,
    ...suites.flatMap((s) => s.lines),
    '</testsuites>',
  ];
  return lines.join('\n') + '\n';
}

interface Suite {
  tests: number;
  failures: number;
  errors: number;
  lines: string[];
}

function sum(suites: Suite[], key: 'tests' | 'failures' | 'errors'): number {
  return suites.reduce((n, s) => n + s[key], 0);
}

function suiteOf(d: DatasetResult, result: SuiteResult, ctx: ReportContext): Suite {
  const cases: string[][] = [];
  let failures = 0;
  let errors = 0;
  if (d.error) {
    errors++;
    const body = [d.error.message, ...(d.error.hint ? [`hint: ${d.error.hint}`] : [])].join('\n');
    cases.push(testcase(d.name, 'read data', d.duration_seconds, [`<error message="${attr(d.error.message)}" type="${attr(d.error.code)}">${text(body)}</error>`]));
  }
  for (const c of d.checks) {
    const time = ctx.checkSeconds?.get(c) ?? 0;
    const facts = factsOf(c);
    if (c.outcome === 'passed') {
      cases.push(testcase(d.name, checkName(c), time, []));
    } else if (c.outcome === 'failed' || (c.outcome === 'warned' && ctx.failOnWarn)) {
      failures++;
      const type = c.outcome === 'warned' ? `${c.type} (severity warn)` : c.type;
      cases.push(testcase(d.name, checkName(c), time, [`<failure message="${attr(c.message)}" type="${attr(type)}">${text(facts)}</failure>`]));
    } else if (c.outcome === 'warned') {
      const note = `warning (severity warn: reported, does not fail the run): ${c.message}\n${facts}`;
      cases.push(testcase(d.name, checkName(c), time, [`<system-out>${text(note)}</system-out>`]));
    } else {
      errors++;
      cases.push(testcase(d.name, checkName(c), time, [`<error message="${attr(c.message)}" type="not_evaluated">${text(`not evaluated: ${c.message}`)}</error>`]));
    }
  }
  const props: [string, string][] = [['source', displayPath(d.source, ctx.cwd)]];
  if (d.reference) props.push(['reference', displayPath(d.reference, ctx.cwd)]);
  if (d.rows !== null) props.push(['rows', String(d.rows)]);
  if (d.bad_lines) props.push(['bad_lines', String(d.bad_lines.count)]);
  props.push(['outcome', d.outcome]);
  const lines = [
    `  <testsuite name="${attr(d.name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds(d.duration_seconds, 3)}" timestamp="${attr(timestamp(result.now))}">`,
    '    <properties>',
    ...props.map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>`),
    '    </properties>',
    ...cases.flat(),
    '  </testsuite>',
  ];
  return { tests: cases.length, failures, errors, lines };
}

function testcase(classname: string, name: string, time: number, children: string[]): string[] {
  const open = `    <testcase classname="${attr(classname)}" name="${attr(name)}" time="${seconds(time, 6)}"`;
  if (children.length === 0) return [`${open}/>`];
  return [`${open}>`, ...children.map((c) => `      ${c}`), '    </testcase>'];
}

/** The numbers behind a verdict, as the text of <failure> / <system-out>. */
function factsOf(c: CheckResult): string {
  const lines = [`value: ${formatValue(c)}${c.value === null ? '' : ` (${c.value})`}`, `threshold: ${formatThreshold(c)} (${c.threshold})`, `severity: ${c.severity}`];
  if (c.statistic !== undefined) lines.push(`KS statistic D: ${c.statistic}`);
  return lines.join('\n');
}

function seconds(s: number, digits: number): string {
  return (Number.isFinite(s) && s > 0 ? s : 0).toFixed(digits);
}

/** ISO 8601 without a zone (UTC), as JUnit's timestamp attribute is written. */
function timestamp(iso: string): string {
  return iso.replace(/\.\d+Z$|Z$/, '');
}

/** Characters XML 1.0 cannot hold at all (controls, lone surrogates, U+FFFE/F) become U+FFFD. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Element text: & < > escaped (and ]]> cannot form). */
export function text(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute value in double quotes: also " and the whitespace that attribute normalisation would fold. */
export function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
