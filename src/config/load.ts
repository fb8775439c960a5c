/**
 * Reads a config file: YAML (with positions) → env interpolation → schema → typed config.
 * Every problem is collected and reported together, each with file:line:column and key path.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import * as v from 'valibot';
import { ConfigError, DqcError, EXIT, type ConfigIssue } from '../errors.js';
import { checkNotify, isNotifySecretPath, normalizeNotify } from './notify.js';
import { checkPrometheus, isSecretPath, normalizePrometheus } from './prometheus.js';
import { COMPLETENESS_OPTIONS, configSchema, type RawConfig } from './schema.js';
import { isRecord, setOwn } from './kit.js';
import { closest, didYouMean } from './suggest.js';
import { checkTracing, isTracingSecretPath, normalizeTracing } from './tracing.js';
import type { CheckConfig, DatasetConfig, KeyPath, SuiteConfig } from './types.js';

export interface LoadOptions {
  /** Environment for `${VAR}` interpolation. */
  env?: Record<string, string | undefined>;
  /** Sections not to read at all (`--no-notify`): their `${VAR}`s need not be set. */
  without?: ('notify' | 'tracing')[];
}

export function loadConfig(file: string, options: LoadOptions = {}): SuiteConfig {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new DqcError('E_CONFIG', EXIT.usage, `${file} is a folder, not a config file`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof DqcError) throw err;
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new DqcError('E_CONFIG', EXIT.usage, `cannot read config ${file}: ${why}`, 'pass the path of a YAML config with --config');
  }
  return parseConfig(text, file, options);
}

export function parseConfig(text: string, file: string, options: LoadOptions = {}): SuiteConfig {
  const lineCounter = new LineCounter();
  // maxAliasCount bounds alias expansion ("billion laughs"); uniqueKeys rejects duplicate keys.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const locateOffset = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const locate = (keyPath: KeyPath, atKey = false) => {
    const node = nodeAt(doc, keyPath, atKey);
    return node?.range ? locateOffset(node.range[0]) : undefined;
  };

  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file,
        ...locateOffset(e.pos[0]),
        path: '',
        message: yamlMessage(e.code, e.message),
      })),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError([{ file, path: '', message: (err as Error).message }]);
  }
  if (value === null || value === undefined) {
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message: 'the file is empty; it needs a "datasets:" list' }]);
  }

  const issues: ConfigIssue[] = [];
  const issueAt = (keyPath: KeyPath, message: string, atKey = false) =>
    issues.push({ file, ...locate(keyPath, atKey), path: formatPath(keyPath), message });

  if (isRecord(value)) for (const section of options.without ?? []) delete value[section];
  const written = value;
  value = interpolate(value, [], options.env ?? process.env, issueAt);
  value = expandShortForms(value);

  const parsed = v.safeParse(configSchema, value);
  if (!parsed.success) {
    // A misspelt required key shows up twice (unknown + missing): keep only the unknown one.
    const suggested = new Set<string>();
    for (const issue of parsed.issues) {
      if (keyIssue(issue) !== 'unknown') continue;
      const keyPath = pathOf(issue);
      const c = closest(String(keyPath.at(-1)), knownKeys(keyPath.slice(0, -1)));
      if (c !== undefined) suggested.add(formatPath([...keyPath.slice(0, -1), c]));
    }
    for (const issue of parsed.issues) {
      const keyPath = pathOf(issue);
      const kind = keyIssue(issue);
      if (kind === 'missing' && suggested.has(formatPath(keyPath))) continue;
      if (kind === 'unknown') {
        const key = String(keyPath.at(-1));
        issueAt(keyPath, `unknown key "${key}"${didYouMean(key, knownKeys(keyPath.slice(0, -1)))}`, true);
      } else {
        // A value that may be a credential is described by its type only.
        const input = issue.input;
        const secret = isSecretPath(keyPath) || isNotifySecretPath(keyPath) || isTracingSecretPath(keyPath);
        issueAt(keyPath, issueMessage(issue, keyPath, secret && input !== undefined && (input === null || typeof input !== 'object') ? new Hidden(input) : input));
      }
    }
  }
  if (issues.length === 0 && parsed.success) {
    checkDatasetNames(parsed.output, issueAt);
    checkPrometheus(parsed.output.prometheus, issueAt);
    checkNotify(parsed.output.notify, parsed.output.datasets.map((d) => d.name), isRecord(written) ? written.notify : undefined, issueAt);
    checkTracing(parsed.output.tracing, issueAt);
  }
  if (issues.length > 0 || !parsed.success) {
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    throw new ConfigError(issues);
  }

  const baseDir = path.dirname(path.resolve(file));
  return {
    file,
    datasets: parsed.output.datasets.map((d, i) => normalizeDataset(d, i, baseDir)),
    prometheus: normalizePrometheus(parsed.output.prometheus),
    notify: normalizeNotify(parsed.output.notify, baseDir),
    tracing: normalizeTracing(parsed.output.tracing),
    locate,
  };
}

function normalizeDataset(raw: RawConfig['datasets'][number], index: number, baseDir: string): DatasetConfig {
  const at: KeyPath = ['datasets', index];
  const resolve = (p: string) => (p === '-' ? p : path.resolve(baseDir, p));
  const checks: CheckConfig[] = [];
  const c = raw.checks;
  const checkPath = (name: string): KeyPath => [...at, 'checks', name];
  if (c.completeness) {
    checks.push({
      type: 'completeness',
      severity: c.completeness.severity ?? 'error',
      path: checkPath('completeness'),
      columns: Object.entries(c.completeness.columns).map(([column, maxNullRate]) => ({
        column,
        maxNullRate,
        path: [...checkPath('completeness'), 'columns', column],
      })),
    });
  }
  if (c.uniqueness) {
    checks.push({
      type: 'uniqueness',
      severity: c.uniqueness.severity ?? 'error',
      path: checkPath('uniqueness'),
      keyColumns: c.uniqueness.key_columns,
      maxDuplicateRate: c.uniqueness.max_duplicate_rate,
      exact: c.uniqueness.exact ?? false,
    });
  }
  if (c.drift) {
    const reference = c.drift.reference ?? raw.reference;
    checks.push({
      type: 'drift',
      severity: c.drift.severity ?? 'error',
      path: checkPath('drift'),
      columns: c.drift.columns,
      threshold: c.drift.threshold,
      method: c.drift.method,
      reference: reference === undefined ? undefined : resolve(reference),
    });
  }
  if (c.freshness) {
    checks.push({
      type: 'freshness',
      severity: c.freshness.severity ?? 'error',
      path: checkPath('freshness'),
      timestampColumn: c.freshness.timestamp_column,
      maxAgeHours: c.freshness.max_age_hours,
      timezone: c.freshness.timezone ?? raw.timezone ?? 'UTC',
      unit: c.freshness.unit ?? 'auto',
    });
  }
  return {
    name: raw.name,
    source: resolve(raw.source),
    reference: raw.reference === undefined ? undefined : resolve(raw.reference),
    format: raw.format,
    csv: {
      delimiter: raw.csv?.delimiter,
      nullValues: raw.csv?.null_values,
      onBadLines: raw.csv?.on_bad_lines ?? 'error',
      encoding: raw.csv?.encoding ?? 'utf-8',
    },
    checks,
    path: at,
  };
}

function checkDatasetNames(config: RawConfig, issueAt: (p: KeyPath, m: string) => void): void {
  const seen = new Map<string, number>();
  config.datasets.forEach((d, i) => {
    const first = seen.get(d.name);
    if (first !== undefined) issueAt(['datasets', i, 'name'], `dataset name "${d.name}" is already used by datasets[${first}]`);
    else seen.set(d.name, i);
    if (Object.keys(d.checks).length === 0) issueAt(['datasets', i, 'checks'], 'no checks: add completeness, uniqueness, drift or freshness');
  });
  config.datasets.forEach((d, i) => {
    if (d.checks.drift && d.checks.drift.reference === undefined && d.reference === undefined) {
      issueAt(['datasets', i, 'checks', 'drift'], 'drift needs reference data: set "reference:" on the dataset or the check');
    }
  });
}

/** `${VAR}` and `${VAR:-default}` in any string value. */
function interpolate(value: unknown, at: KeyPath, env: Record<string, string | undefined>, issueAt: (p: KeyPath, m: string) => void): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      issueAt(at, `environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, [...at, i], env, issueAt));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, interpolate(v, [...at, k], env, issueAt));
    return out;
  }
  return value;
}

/**
 * The design document writes completeness as `{column: max_rate}`; the schema wants
 * `{columns: {...}, severity}`. Move column keys under `columns` unless it is already there.
 */
function expandShortForms(value: unknown): unknown {
  if (!isRecord(value) || !Array.isArray(value.datasets)) return value;
  for (const d of value.datasets) {
    if (!isRecord(d) || !isRecord(d.checks)) continue;
    const comp = d.checks.completeness;
    if (!isRecord(comp) || 'columns' in comp) continue;
    const columns: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(comp)) {
      setOwn((COMPLETENESS_OPTIONS as readonly string[]).includes(k) ? rest : columns, k, v);
    }
    d.checks.completeness = { ...rest, columns };
  }
  return value;
}


/** The YAML node at a key path; skips a `columns` segment the short completeness form doesn't have. */
function nodeAt(doc: Document, keyPath: KeyPath, atKey: boolean): Node | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined = doc.contents ?? undefined;
  for (const seg of keyPath) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) {
        if (seg === 'columns') continue;
        break;
      }
      node = pair.value;
      // Point at the key for unknown keys, at the value otherwise.
      found = atKey || !pair.value ? (pair.key as Node) : (pair.value as Node);
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      found = item;
      node = item;
    } else break;
  }
  return found;
}

function formatPath(keyPath: KeyPath): string {
  let out = '';
  for (const seg of keyPath) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

function pathOf(issue: v.BaseIssue<unknown>): KeyPath {
  return (issue.path ?? []).map((item) => item.key as string | number);
}

/** An object reports a missing or an unknown key as an issue about the key, not its value. */
function keyIssue(issue: v.BaseIssue<unknown>): 'missing' | 'unknown' | undefined {
  if (issue.path?.at(-1)?.origin !== 'key') return undefined;
  return issue.input === undefined ? 'missing' : 'unknown';
}

/** The schema of the value at a key path; undefined past a value that is not a map or list. */
function schemaAt(keyPath: KeyPath): v.GenericSchema | undefined {
  let schema: v.GenericSchema | undefined = configSchema;
  for (const seg of keyPath) {
    const s = unwrap(schema) as { type: string; item?: v.GenericSchema; entries?: v.ObjectEntries; value?: v.GenericSchema };
    if (s.type === 'array') schema = s.item;
    else if (s.type === 'object') schema = s.entries && Object.hasOwn(s.entries, String(seg)) ? (s.entries[String(seg)] as v.GenericSchema) : undefined;
    else if (s.type === 'record') schema = s.value;
    else return undefined;
    if (!schema) return undefined;
  }
  return schema;
}

/** Allowed keys of the object at a path of the schema, for suggestions. */
function knownKeys(keyPath: KeyPath): string[] {
  const schema = schemaAt(keyPath);
  const s = schema && (unwrap(schema) as { type: string; entries?: v.ObjectEntries });
  return s?.type === 'object' && s.entries ? Object.keys(s.entries) : [];
}

function unwrap(schema: v.GenericSchema): v.GenericSchema {
  let s = schema as v.GenericSchema & { wrapped?: v.GenericSchema };
  while (s.type === 'optional' && s.wrapped) s = s.wrapped;
  return s;
}

/** Schemas whose message lists the values allowed: the value given adds nothing. */
const CHOICES = ['picklist', 'literal', 'union'];

function issueMessage(issue: v.BaseIssue<unknown>, keyPath: KeyPath, input: unknown): string {
  const missing = keyIssue(issue) === 'missing';
  // A missing key's issue is the object's; the key's own schema says what was expected.
  const schema = missing ? schemaAt(keyPath) : undefined;
  const message = (schema && v.safeParse(schema, undefined).issues?.[0].message) ?? issue.message;
  if (!missing && (issue.kind !== 'schema' || CHOICES.includes(issue.type))) return message;
  if (input === undefined) return `missing required key: ${message}`;
  return `${message}, got ${describe(input)}`;
}

/** A value that is described by its type only. */
class Hidden {
  constructor(readonly value: unknown) {}
}

function describe(x: unknown): string {
  if (x instanceof Hidden) return `${x.value === null ? 'nothing (null)' : `a ${typeof x.value}`} (not shown: it may be a secret)`;
  if (x === null) return 'nothing (null)';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'a map';
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 40 ? x.slice(0, 40) + '…' : x)}`;
  return `${typeof x} ${String(x)}`;
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') return `duplicate key: ${first}`;
  return `YAML syntax error: ${first}`;
}
