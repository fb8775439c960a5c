/**
 * `dqc check`'s output formats: `--format F` for stdout (or `--output FILE`), and any number
 * of `--report F=PATH` files written by the same run. Renderers load only when used.
 */
import { accessSync, appendFileSync, constants, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckResult } from '../checks/result.js';
import type { SuiteConfig } from '../config/types.js';
import { DqcError, EXIT, UsageError } from '../errors.js';
import type { ReportContext } from '../report/format.js';
import type { SuiteResult } from '../run.js';

export const REPORT_FORMATS = ['text', 'json', 'junit', 'github', 'markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Formats whose output is one document that nothing else may be appended to. */
const DOCUMENTS: ReportFormat[] = ['json', 'junit', 'html'];

export interface ReportFlags {
  format: ReportFormat;
  output?: string;
  /** `--report FORMAT=PATH`, repeatable. */
  report?: string[];
  quiet?: boolean;
  failOn: 'error' | 'warn';
  printMetrics?: boolean;
  dryRun?: boolean;
}

export interface ReportFile {
  format: ReportFormat;
  path: string;
}

/** Parses and checks `--report` and `--format` before anything runs; UsageError (exit 2) on a problem. */
export function planReports(flags: ReportFlags): ReportFile[] {
  if ((flags.printMetrics || flags.dryRun) && flags.output === undefined && DOCUMENTS.includes(flags.format) && flags.format !== 'json') {
    throw new UsageError(
      `${flags.printMetrics ? '--print-metrics' : '--dry-run'} prints metrics on stdout, where --format ${flags.format} prints its one document`,
      'write the report elsewhere with --output FILE, or the metrics with --metrics-file PATH',
    );
  }
  const files: ReportFile[] = [];
  const seen = new Map<string, string>();
  if (flags.output !== undefined) seen.set(path.resolve(flags.output), '--output');
  for (const spec of flags.report ?? []) {
    const eq = spec.indexOf('=');
    const format = (eq < 0 ? spec : spec.slice(0, eq)) as ReportFormat;
    const file = eq < 0 ? '' : spec.slice(eq + 1);
    if (!REPORT_FORMATS.includes(format)) {
      throw new UsageError(`--report ${JSON.stringify(spec)}: unknown format "${format}"`, `write it as FORMAT=PATH with FORMAT one of ${REPORT_FORMATS.join(', ')}, e.g. --report junit=out/junit.xml`);
    }
    if (file === '') throw new UsageError(`--report ${JSON.stringify(spec)}: no path`, `write it as FORMAT=PATH, e.g. --report ${format}=out/report.${extensionOf(format)}`);
    const abs = path.resolve(file);
    const before = seen.get(abs);
    if (before !== undefined) throw new UsageError(`--report ${spec}: ${file} is already written by ${before}`, 'give each report its own file');
    seen.set(abs, `--report ${spec}`);
    checkWritable(file, `--report ${spec}`);
    files.push({ format, path: file });
  }
  return files;
}

function extensionOf(format: ReportFormat): string {
  return { text: 'txt', json: 'json', junit: 'xml', github: 'txt', markdown: 'md', html: 'html' }[format];
}

/** The folder is created if missing; an unwritable place is a usage error now, not after the run. */
function checkWritable(file: string, what: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${what}: ${file} is a folder`);
  } catch (err) {
    if (err instanceof DqcError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`${what}: cannot write to ${dir}: ${e.code === 'EACCES' ? 'permission denied' : e.code === 'ENOTDIR' || e.code === 'EEXIST' ? 'not a folder' : e.message}`);
  }
}

export interface WriteOptions {
  config: SuiteConfig;
  /** Color of the text report on stdout (0 in files). */
  colorLevel: 0 | 1 | 2 | 3;
  checkSeconds?: WeakMap<CheckResult, number>;
}

/** Renders the stdout report (or --output) and every --report file; appends the GitHub step summary. */
export async function writeReports(result: SuiteResult, flags: ReportFlags, files: ReportFile[], options: WriteOptions): Promise<void> {
  const ctx: ReportContext = {
    failOnWarn: flags.failOn === 'warn',
    quiet: flags.quiet,
    checkSeconds: options.checkSeconds,
    locate: locator(options.config),
    version: version(),
  };
  const main = await render(flags.format, result, ctx, flags.output === undefined ? options.colorLevel : 0);
  if (flags.output !== undefined) writeFileSync(flags.output, main);
  else process.stdout.write(main);
  for (const f of files) {
    const text = f.format === flags.format && flags.output === undefined && f.format !== 'text' ? main : await render(f.format, result, ctx, 0);
    try {
      writeFileSync(f.path, text);
    } catch (err) {
      throw new DqcError('E_REPORT', EXIT.usage, `cannot write the ${f.format} report to ${f.path}: ${(err as Error).message}`);
    }
  }
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (summary && (flags.format === 'github' || files.some((f) => f.format === 'github'))) {
    const { renderMarkdown } = await import('../report/markdown.js');
    try {
      appendFileSync(summary, renderMarkdown(result, ctx) + '\n');
    } catch (err) {
      process.stderr.write(`dqc: warning: cannot append the summary to GITHUB_STEP_SUMMARY (${summary}): ${(err as Error).message}\n`);
    }
  }
}

async function render(format: ReportFormat, result: SuiteResult, ctx: ReportContext, colorLevel: 0 | 1 | 2 | 3): Promise<string> {
  switch (format) {
    case 'text':
      return (await import('../report/text.js')).renderText(result, { colorLevel, quiet: ctx.quiet });
    case 'json':
      return (await import('../report/json.js')).renderJson(result);
    case 'junit':
      return (await import('../report/junit.js')).renderJunit(result, ctx);
    case 'github':
      return (await import('../report/github.js')).renderGithub(result, ctx);
    case 'markdown':
      return (await import('../report/markdown.js')).renderMarkdown(result, ctx);
    case 'html':
      return (await import('../report/html.js')).renderHtml(result, ctx);
  }
}

/** Where each check is written in the config, for GitHub annotations. */
function locator(config: SuiteConfig): NonNullable<ReportContext['locate']> {
  return (dataset, c) => {
    const check = config.datasets.find((d) => d.name === dataset)?.checks.find((x) => x.type === c.type);
    if (!check) return undefined;
    let at = config.locate(check.path, true);
    if (check.type === 'completeness') {
      const col = check.columns.find((x) => x.column === c.column);
      if (col) at = config.locate(col.path, true) ?? at;
    } else if (check.type === 'drift' && c.column !== undefined) {
      const i = check.columns.indexOf(c.column);
      if (i >= 0) at = config.locate([...check.path, 'columns', i]) ?? at;
    }
    return at ? { file: config.file, ...at } : undefined;
  };
}

let cachedVersion: string | undefined;
function version(): string | undefined {
  try {
    cachedVersion ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    // A report without a version is still a report.
  }
  return cachedVersion;
}
