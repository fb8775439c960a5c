/**
 * GitHub Actions workflow commands: per dataset a collapsible group with its checks, and an
 * annotation for every check that did not pass: `::error` when it fails the run (failed,
 * not evaluated, or warned under `--fail-on warn`), `::warning` for a warning. Annotations
 * point at the check in the config file when its place is known. The Markdown summary for
 * $GITHUB_STEP_SUMMARY is renderMarkdown's.
 */
import type { CheckResult } from '../checks/result.js';
import type { SuiteResult } from '../run.js';
import { checkName, displayPath, failsRun, formatCount, formatThreshold, formatValue, OUTCOME_LABEL, summaryLine, type ReportContext } from './format.js';

export function renderGithub(result: SuiteResult, ctx: ReportContext = {}): string {
  const out: string[] = [];
  for (const d of result.datasets) {
    const rows = d.rows === null ? '' : `, ${formatCount(d.rows)} rows`;
    out.push(command('group', {}, `dqc ${d.name} (${displayPath(d.source, ctx.cwd)}${rows}): ${d.error ? 'not checked' : d.outcome}`));
    if (d.error) out.push(`not checked: ${oneLine(d.error.message)}`);
    for (const c of d.checks) {
      if (ctx.quiet && c.outcome === 'passed') continue;
      out.push(`${OUTCOME_LABEL[c.outcome].padEnd(13)} ${c.type.padEnd(12)} ${oneLine(c.message)}`);
    }
    out.push(command('endgroup', {}, ''));
  }
  for (const d of result.datasets) {
    if (d.error) {
      const message = d.error.message + (d.error.hint ? `\nhint: ${d.error.hint}` : '');
      out.push(command('error', { title: `dqc: dataset ${d.name} not checked` }, message));
    }
    for (const c of d.checks) {
      if (c.outcome === 'passed') continue;
      out.push(annotation(d.name, c, ctx));
    }
  }
  out.push(`dqc: ${summaryLine(result, ctx)}`);
  return out.join('\n') + '\n';
}

function annotation(dataset: string, c: CheckResult, ctx: ReportContext): string {
  const level = failsRun(c, ctx) ? 'error' : 'warning';
  const where = ctx.locate?.(dataset, c);
  const props: Record<string, string> = {};
  if (where) Object.assign(props, { file: where.file, line: String(where.line), col: String(where.column) });
  props.title = `dqc ${dataset}: ${checkName(c)} ${c.outcome === 'error' ? 'not evaluated' : c.outcome}`;
  const facts = c.value === null ? '' : `\nvalue ${formatValue(c)}, threshold ${formatThreshold(c)}, severity ${c.severity}`;
  return command(level, props, c.message + facts);
}

/** `::name key=value,…::message`, escaped as the runner expects. */
export function command(name: string, props: Record<string, string>, message: string): string {
  const p = Object.entries(props)
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(',');
  return `::${name}${p ? ' ' + p : ''}::${escapeData(message)}`;
}

/** A command's message: %, CR and LF are percent-encoded. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A command's property value: as data, and also : and , which delimit properties. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** A plain log line: a line break in a value could otherwise start a workflow command of its own. */
function oneLine(s: string): string {
  return s.replace(/\r\n|\r|\n/g, ' ');
}
