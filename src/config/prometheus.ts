/**
 * The `prometheus:` section: checks the schema cannot express (URL, label names, auth
 * given twice) and normalisation. Messages never repeat a value here: it may be a secret.
 */
import type { RawPrometheus } from './schema.js';
import { HEADER_NAME } from './kit.js';
import type { KeyPath, PrometheusConfig } from './types.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Labels dqc sets itself, so a grouping label of that name would clash. */
export const RESERVED_GROUPING = ['job', 'dataset', 'check', 'column', 'dqc_group'];
/** Labels the generated alert rules set themselves. */
const RESERVED_ALERT_LABELS = ['alertname', 'severity', 'dataset', 'job'];
/** Headers dqc sets itself. */
const RESERVED_HEADERS = ['content-type', 'content-length', 'host', 'transfer-encoding', 'connection'];

/** Values under these keys may hold credentials: config errors must not echo them. */
export function isSecretPath(keyPath: KeyPath): boolean {
  return keyPath[0] === 'prometheus' && ['pushgateway', 'headers', 'basic_auth', 'bearer_token'].includes(String(keyPath[1]));
}

export function checkPrometheus(raw: RawPrometheus | undefined, issueAt: (p: KeyPath, m: string, atKey?: boolean) => void): void {
  if (!raw) return;
  const at = (...p: KeyPath): KeyPath => ['prometheus', ...p];
  let urlAuth = false;
  if (raw.pushgateway !== undefined) {
    const url = parseUrl(raw.pushgateway);
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      issueAt(at('pushgateway'), 'expected an http:// or https:// URL, e.g. http://pushgateway:9091');
    } else {
      if (url.search || url.hash) issueAt(at('pushgateway'), 'the URL must not have a ?query or #fragment');
      urlAuth = url.username !== '' || url.password !== '';
    }
  }
  const auths = [urlAuth && 'user:password in the URL', raw.basic_auth && 'basic_auth', raw.bearer_token !== undefined && 'bearer_token'].filter(Boolean);
  if (auths.length > 1) issueAt(at(raw.bearer_token !== undefined ? 'bearer_token' : 'basic_auth'), `give one way to authenticate, not ${auths.join(' and ')}`, true);
  for (const [name, value] of Object.entries(raw.headers ?? {})) {
    if (!HEADER_NAME.test(name)) issueAt(at('headers', name), `"${name}" is not a valid HTTP header name`, true);
    else if (RESERVED_HEADERS.includes(name.toLowerCase())) issueAt(at('headers', name), `dqc sets the ${name} header itself`, true);
    else if (name.toLowerCase() === 'authorization' && auths.length > 0) issueAt(at('headers', name), `an Authorization header and ${auths[0]} both authenticate; keep one`, true);
    if (/[\r\n\0]/.test(value)) issueAt(at('headers', name), 'a header value cannot contain line breaks');
  }
  checkLabels(raw.grouping, at('grouping'), RESERVED_GROUPING, 'grouping label', issueAt);
  checkLabels(raw.alerts?.labels, at('alerts', 'labels'), RESERVED_ALERT_LABELS, 'alert label', issueAt);
  for (const [name, value] of Object.entries(raw.grouping ?? {})) {
    if (value === '') issueAt(at('grouping', name), 'a grouping label needs a value');
  }
}

function checkLabels(
  labels: Record<string, string> | undefined,
  path: KeyPath,
  reserved: string[],
  what: string,
  issueAt: (p: KeyPath, m: string, atKey?: boolean) => void,
): void {
  for (const name of Object.keys(labels ?? {})) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      issueAt([...path, name], `"${name}" is not a valid label name (letters, digits and _, not starting with a digit or __)`, true);
    } else if (reserved.includes(name)) {
      issueAt([...path, name], `dqc sets the "${name}" label itself; pick another ${what} name`, true);
    }
  }
}

export function normalizePrometheus(raw: RawPrometheus | undefined): PrometheusConfig | undefined {
  if (!raw) return undefined;
  return {
    pushgateway: raw.pushgateway,
    job: raw.job,
    grouping: raw.grouping ?? {},
    headers: raw.headers ?? {},
    basicAuth: raw.basic_auth,
    bearerToken: raw.bearer_token,
    timeoutSeconds: raw.timeout_seconds,
    retries: raw.retries,
    alerts: {
      successWindow: raw.alerts?.success_window ?? '24h',
      for: { ...(raw.alerts?.for ?? {}) },
      labels: raw.alerts?.labels ?? {},
    },
    path: ['prometheus'],
  };
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
