import path from 'node:path';
import { Chalk, type ChalkInstance } from 'chalk';
import { count, type Outcome } from '../checks/result.js';
import type { DatasetResult, SuiteResult } from '../run.js';

export interface TextOptions {
  /** 0 = no color codes (files, pipes, NO_COLOR), 1+ = color. */
  colorLevel: 0 | 1 | 2 | 3;
  /** Print only checks that did not pass. */
  quiet?: boolean;
  /** Paths are shown relative to this folder. */
  cwd?: string;
}

const MARK: Record<Outcome, string> = { passed: '✓', warned: '!', failed: '✗', error: '?' };
const WORD: Record<Outcome, string> = { passed: 'pass', warned: 'warn', failed: 'FAIL', error: 'ERROR' };

/** The human report: per dataset its rows and checks, then a one-line summary. */
export function renderText(result: SuiteResult, options: TextOptions): string {
  const c = new Chalk({ level: options.colorLevel });
  const paint = painter(c);
  const lines: string[] = [];
  for (const d of result.datasets) lines.push(...renderDataset(d, c, paint, options), '');
  const all = result.datasets.flatMap((d) => d.checks);
  const n = (o: Outcome) => all.filter((x) => x.outcome === o).length;
  const unreadable = result.datasets.filter((d) => d.error).length;
  const parts = [`${n('passed')} passed`, `${n('warned')} warned`, `${n('failed')} failed`];
  if (n('error') > 0) parts.push(`${n('error')} not evaluated`);
  if (unreadable > 0) parts.push(`${unreadable} dataset${unreadable === 1 ? '' : 's'} not checked`);
  const verdict = result.passed ? c.bold.green('PASSED') : c.bold.red('FAILED');
  const ds = result.datasets.length;
  lines.push(`${verdict}  ${ds} dataset${ds === 1 ? '' : 's'}, ${all.length} checks: ${parts.join(', ')}  (${result.duration_seconds.toFixed(2)} s)`);
  return lines.join('\n') + '\n';
}

function renderDataset(d: DatasetResult, c: ChalkInstance, paint: (o: Outcome, s: string) => string, options: TextOptions): string[] {
  const where = display(d.source, options.cwd);
  const rows = d.rows === null ? '' : `  ${count(d.rows)} rows`;
  const out = [`${c.bold(d.name)}  ${c.dim(where)}${rows}`];
  if (d.error) {
    out.push(`  ${paint('error', `${MARK.error} ${WORD.error}`)}  ${d.error.message.split('\n').join('\n    ')}`);
    if (d.error.hint) out.push(`    ${c.dim('hint: ' + d.error.hint)}`);
    return out;
  }
  if (d.bad_lines) {
    const l = d.bad_lines;
    out.push(`  ${paint('warned', '! warn')}  ${count(l.count)} malformed rows left out (lines ${l.lines.join(', ')}${l.count > l.lines.length ? ', …' : ''})`);
  }
  const width = Math.max(...d.checks.map((x) => x.type.length));
  for (const check of d.checks) {
    if (options.quiet && check.outcome === 'passed') continue;
    const status = paint(check.outcome, `${MARK[check.outcome]} ${WORD[check.outcome].padEnd(5)}`);
    const sev = (check.severity === 'warn' || check.severity === 'info') && check.outcome !== 'passed' ? c.dim(` (severity ${check.severity})`) : '';
    out.push(`  ${status} ${check.type.padEnd(width)}  ${check.message}${sev}`);
  }
  return out;
}

function painter(c: ChalkInstance): (o: Outcome, s: string) => string {
  return (o, s) => (o === 'passed' ? c.green(s) : o === 'warned' ? c.yellow(s) : c.red.bold(s));
}

function display(p: string, cwd = process.cwd()): string {
  if (p === '-') return 'stdin';
  const rel = path.relative(cwd, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
