/**
 * A Markdown summary (GitHub-flavoured tables): the verdict, a table of datasets with their
 * counts per outcome, and a table of checks. `--format markdown` prints it; `--format github`
 * appends it to $GITHUB_STEP_SUMMARY. Every value from the data or the config is escaped, so a
 * column named `<b>|x` shows as written and cannot break the table.
 */
import type { CheckResult, Outcome } from '../checks/result.js';
import type { SuiteResult } from '../run.js';
import {
  countOutcomes,
  datasetFails,
  displayPath,
  formatCount,
  formatThreshold,
  formatValue,
  OUTCOME_LABEL,
  runPasses,
  summaryLine,
  subjectOf,
  type ReportContext,
} from './format.js';

const ICON: Record<Outcome, string> = { passed: '✅', warned: '⚠️', failed: '❌', error: '❓' };

export function renderMarkdown(result: SuiteResult, ctx: ReportContext = {}): string {
  const passed = runPasses(result, ctx);
  const out: string[] = [`## dqc: ${passed ? '✅ PASSED' : '❌ FAILED'}`, ''];
  out.push(`${md(summaryLine(result, ctx).replace(/^(PASSED|FAILED): /, ''))} · now ${md(result.now)} · ${result.duration_seconds.toFixed(2)} s`, '');

  out.push('| Dataset | Rows | ✅ Passed | ⚠️ Warned | ❌ Failed | ❓ Not evaluated | Result |');
  out.push('|---|--:|--:|--:|--:|--:|---|');
  for (const d of result.datasets) {
    const n = countOutcomes(d.checks);
    const verdict = d.error ? '❓ not checked' : datasetFails(d, ctx) ? '❌ failed' : n.warned > 0 ? '⚠️ passed with warnings' : '✅ passed';
    out.push(`| ${cell(d.name)} | ${d.rows === null ? '—' : formatCount(d.rows)} | ${n.passed} | ${n.warned} | ${n.failed} | ${n.error} | ${verdict} |`);
  }
  const unreadable = result.datasets.filter((d) => d.error);
  if (unreadable.length > 0) {
    out.push('');
    for (const d of unreadable) {
      out.push(`- ❓ **${md(d.name)}** (${md(displayPath(d.source, ctx.cwd))}) was not checked: ${md(d.error!.message)}${d.error!.hint ? ` (hint: ${md(d.error!.hint)})` : ''}`);
    }
  }

  const rows = result.datasets.flatMap((d) => d.checks.filter((c) => !ctx.quiet || c.outcome !== 'passed').map((c) => ({ d, c })));
  out.push('');
  if (rows.length === 0) {
    out.push(ctx.quiet ? 'Every check passed.' : 'No checks ran.');
  } else {
    out.push('| | Dataset | Check | Column | Value | Threshold | Message |');
    out.push('|---|---|---|---|--:|---|---|');
    for (const { d, c } of rows) out.push(checkRow(d.name, c));
  }
  return out.join('\n') + '\n';
}

function checkRow(dataset: string, c: CheckResult): string {
  const icon = `${ICON[c.outcome]} ${OUTCOME_LABEL[c.outcome]}${(c.severity === 'warn' || c.severity === 'info') && c.outcome !== 'passed' ? ` (severity ${c.severity})` : ''}`;
  return `| ${icon} | ${cell(dataset)} | ${c.type} | ${cell(subjectOf(c))} | ${cell(formatValue(c))} | ${cell(formatThreshold(c))} | ${cell(c.message)} |`;
}

/**
 * Inline text shown literally in Markdown (never at the start of a line): HTML-significant
 * characters become entities; emphasis, code, link, strikethrough and table punctuation is
 * backslash-escaped; line breaks become spaces.
 */
export function md(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1')
    .replace(/\r\n|\r|\n/g, ' ');
}

/** A table cell: escaped, on one line. */
function cell(s: string): string {
  return md(s);
}
