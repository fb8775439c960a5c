/**
 * Typed errors. Every error a user can cause is a DqcError with a stable `code`
 * and the exit code it maps to; anything else reaching the CLI is a bug (exit 5).
 */

/** Exit codes are a public contract: see README "Exit codes". */
export const EXIT = {
  ok: 0,
  checkFailed: 1,
  usage: 2,
  data: 3,
  delivery: 4,
  internal: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class DqcError extends Error {
  /** Stable machine-readable code, e.g. `E_CONFIG`, `E_DATA`. */
  readonly code: string;
  readonly exitCode: ExitCode;
  /** What the user can do about it, printed after the message. */
  readonly hint?: string;

  constructor(code: string, exitCode: ExitCode, message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** Wrong flags or arguments. */
export class UsageError extends DqcError {
  constructor(message: string, hint?: string) {
    super('E_USAGE', EXIT.usage, message, hint);
  }
}

/** One problem in a config file, with its place. */
export interface ConfigIssue {
  file: string;
  line?: number;
  column?: number;
  /** Key path such as `datasets[0].checks.drift.threshold`. */
  path: string;
  message: string;
}

/** The config is invalid; carries every problem found, not just the first. */
export class ConfigError extends DqcError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super('E_CONFIG', EXIT.usage, formatConfigIssues(issues), 'fix the config and run again');
    this.issues = issues;
  }
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line ? `${issue.file}:${issue.line}:${issue.column ?? 1}` : issue.file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

function formatConfigIssues(issues: ConfigIssue[]): string {
  const head = issues.length === 1 ? 'invalid config' : `invalid config (${issues.length} problems)`;
  return [head, ...issues.map((i) => '  ' + formatConfigIssue(i))].join('\n');
}

/** Data that cannot be read: missing, unreadable, corrupt, malformed. */
export class DataError extends DqcError {
  /** The file the problem is in, when known. */
  readonly file?: string;
  /** 1-based physical line in a text file, when known. */
  readonly line?: number;

  constructor(message: string, opts: { file?: string; line?: number; hint?: string } = {}) {
    super('E_DATA', EXIT.data, message, opts.hint);
    this.file = opts.file;
    this.line = opts.line;
  }
}
