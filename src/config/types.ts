/** Typed, normalised config: what the rest of dqc works from. */
import type { NotifyConfig } from './notify.js';
import type { TracingConfig } from './tracing.js';

/**
 * How bad a failed check is. critical and error fail the run (exit 1), warn and info do not
 * (unless --fail-on warn); notifications are routed by it (README "Notifications").
 */
export type Severity = 'critical' | 'error' | 'warn' | 'info';

/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'error', 'warn', 'info'];

/** A key path in the YAML, e.g. ['datasets', 0, 'checks', 'drift', 'columns', 1]. */
export type KeyPath = (string | number)[];

interface CheckBase {
  severity: Severity;
  /** Where this check is written, for messages. */
  path: KeyPath;
}

export interface CompletenessConfig extends CheckBase {
  type: 'completeness';
  /** column → maximum null rate (0..1) */
  columns: { column: string; maxNullRate: number; path: KeyPath }[];
}

export interface UniquenessConfig extends CheckBase {
  type: 'uniqueness';
  keyColumns: string[];
  maxDuplicateRate: number;
  /** Count exact distinct keys instead of 64-bit hashes (more memory). */
  exact: boolean;
}

export interface DriftConfig extends CheckBase {
  type: 'drift';
  columns: string[];
  /** Fail when p < threshold. */
  threshold: number;
  method: 'ks';
  /** Resolved path of the reference data. */
  reference?: string;
}

export interface FreshnessConfig extends CheckBase {
  type: 'freshness';
  timestampColumn: string;
  maxAgeHours: number;
  /** IANA zone for naive timestamps. */
  timezone: string;
  unit: 'auto' | 's' | 'ms' | 'us' | 'ns';
}

export type CheckConfig = CompletenessConfig | UniquenessConfig | DriftConfig | FreshnessConfig;

export interface CsvSettings {
  delimiter?: string;
  nullValues?: string[];
  onBadLines: 'error' | 'warn' | 'skip';
  encoding: 'utf-8' | 'latin1';
}

export interface DatasetConfig {
  name: string;
  /** Path, glob or folder, resolved against the config file's folder; '-' is stdin. */
  source: string;
  /** Reference data for drift, resolved. */
  reference?: string;
  format?: 'csv' | 'parquet' | 'arrow' | 'jsonl';
  csv: CsvSettings;
  checks: CheckConfig[];
  path: KeyPath;
}

/** Alerts that `dqc rules` generates; see README "Alert rules". */
export type AlertName = 'check_failed' | 'data_stale' | 'dataset_down' | 'no_recent_success' | 'push_failed';

/** The `prometheus:` section, normalised. Secrets are kept as written; never print them. */
export interface PrometheusConfig {
  /** Pushgateway URL as written (it may carry user:password). */
  pushgateway?: string;
  job: string;
  /** Extra grouping labels, after job and dataset. */
  grouping: Record<string, string>;
  headers: Record<string, string>;
  basicAuth?: { username: string; password: string };
  bearerToken?: string;
  timeoutSeconds: number;
  retries: number;
  alerts: {
    /** Prometheus duration, e.g. "24h". */
    successWindow: string;
    /** `for:` of each alert, Prometheus durations. */
    for: Partial<Record<AlertName, string>>;
    /** Extra labels on every alert. */
    labels: Record<string, string>;
  };
  path: KeyPath;
}

export interface SuiteConfig {
  /** The config file as given. */
  file: string;
  datasets: DatasetConfig[];
  /** The `prometheus:` section; absent when the config has none. */
  prometheus?: PrometheusConfig;
  /** The `notify:` section; absent when the config has none (or --no-notify). */
  notify?: NotifyConfig;
  /** The `tracing:` section; absent when the config has none. */
  tracing?: TracingConfig;
  /** 1-based line and column of a key path in the config file, when it exists there. */
  locate(path: KeyPath, atKey?: boolean): { line: number; column: number } | undefined;
}
