/**
 * The config file's schema. Snake_case keys as users write them in YAML;
 * `normalize.ts` turns the parsed value into the typed `SuiteConfig`.
 */
import * as v from 'valibot';
import { expected, headerMap, number, record, retries, severity, sized, strictObject, text, timeoutSeconds } from './kit.js';
import { notifySchema } from './notify.js';
import { tracingSchema } from './tracing.js';

const rate = v.pipe(
  number('expected a number between 0 and 1'),
  v.minValue(0, 'must be between 0 and 1'),
  v.maxValue(1, 'must be between 0 and 1'),
);

export const severitySchema = severity;

const columnName = sized(v.pipe(v.string('expected a column name'), v.minLength(1, 'column name is empty')));

/** Keys of the short completeness form that are options, not column names. */
export const COMPLETENESS_OPTIONS = ['severity'] as const;

const completenessSchema = strictObject({
  columns: record(rate, 'expected a map of column: max null rate'),
  severity: v.optional(severitySchema),
});

const uniquenessSchema = strictObject({
  key_columns: sized(v.pipe(v.array(columnName, 'expected a list of column names'), v.minLength(1, 'name at least one key column'))),
  max_duplicate_rate: v.optional(rate, 0),
  exact: v.optional(v.boolean('expected true or false')),
  severity: v.optional(severitySchema),
});

const driftSchema = strictObject({
  columns: sized(v.pipe(v.array(columnName, 'expected a list of column names'), v.minLength(1, 'name at least one column'))),
  threshold: v.optional(rate, 0.05),
  method: v.optional(v.picklist(['ks'], 'expected "ks" (the two-sample Kolmogorov-Smirnov test)'), 'ks'),
  reference: v.optional(v.string('expected a path')),
  severity: v.optional(severitySchema),
});

const freshnessSchema = strictObject({
  timestamp_column: columnName,
  max_age_hours: v.pipe(number('expected a number of hours'), v.gtValue(0, 'must be greater than 0')),
  timezone: v.optional(v.string('expected an IANA time zone name such as "UTC"')),
  unit: v.optional(v.picklist(['auto', 's', 'ms', 'us', 'ns'], 'expected auto, s, ms, us or ns')),
  severity: v.optional(severitySchema),
});

export const checksSchema = strictObject({
  completeness: v.optional(completenessSchema),
  uniqueness: v.optional(uniquenessSchema),
  drift: v.optional(driftSchema),
  freshness: v.optional(freshnessSchema),
});

export const csvOptionsSchema = strictObject({
  delimiter: v.optional(sized(v.pipe(v.string('expected a single character'), v.length(1, 'expected a single character')))),
  null_values: v.optional(v.array(v.string(expected('string')), 'expected a list of strings')),
  on_bad_lines: v.optional(v.picklist(['error', 'warn', 'skip'], 'expected error, warn or skip')),
  encoding: v.optional(v.picklist(['utf-8', 'latin1'], 'expected utf-8 or latin1')),
});

export const datasetSchema = strictObject({
  name: v.pipe(
    v.string('expected a dataset name'),
    v.regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits, _ . : - only (it becomes a metric label)'),
  ),
  source: text('expected a path, glob or folder'),
  reference: v.optional(v.string('expected a path')),
  format: v.optional(v.picklist(['csv', 'parquet', 'arrow', 'jsonl'], 'expected csv, parquet, arrow or jsonl')),
  csv: v.optional(csvOptionsSchema),
  timezone: v.optional(v.string('expected an IANA time zone name such as "UTC"')),
  checks: checksSchema,
});

/** A Prometheus duration: 30s, 15m, 24h, 7d, 1h30m, 0s. */
export const PROM_DURATION = /^(?:0|(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?)$/;
const DURATION = 'expected a duration such as 0s, 15m, 24h or 7d';
const duration = v.pipe(
  v.string(DURATION),
  v.regex(PROM_DURATION, DURATION),
  v.check((s) => s !== '', DURATION),
);
const labelMap = record(v.string('expected a string'), 'expected a map of label: value');

/** Where metrics go and how alerts are generated (README "Metrics"). */
export const prometheusSchema = strictObject({
  pushgateway: v.optional(text('expected the Pushgateway URL, e.g. http://pushgateway:9091')),
  job: v.optional(sized(v.pipe(v.string('expected a job name'), v.minLength(1, 'job name is empty'))), 'dqc'),
  grouping: v.optional(labelMap),
  headers: v.optional(headerMap),
  basic_auth: v.optional(strictObject({ username: v.string('expected a user name'), password: v.string('expected a password') })),
  bearer_token: v.optional(sized(v.pipe(v.string('expected a token'), v.minLength(1, 'token is empty')))),
  timeout_seconds: v.optional(timeoutSeconds, 10),
  retries: v.optional(retries, 3),
  alerts: v.optional(
    strictObject({
      success_window: v.optional(duration, '24h'),
      for: v.optional(
        strictObject({
          check_failed: v.optional(duration),
          data_stale: v.optional(duration),
          dataset_down: v.optional(duration),
          no_recent_success: v.optional(duration),
          push_failed: v.optional(duration),
        }),
      ),
      labels: v.optional(labelMap),
    }),
  ),
});

export const configSchema = strictObject({
  version: v.optional(v.literal(1, 'only version 1 exists')),
  prometheus: v.optional(prometheusSchema),
  notify: v.optional(notifySchema),
  tracing: v.optional(tracingSchema),
  datasets: sized(v.pipe(v.array(datasetSchema, 'expected a list of datasets'), v.minLength(1, 'define at least one dataset'))),
});

export type RawConfig = v.InferOutput<typeof configSchema>;
export type RawDataset = v.InferOutput<typeof datasetSchema>;
export type RawPrometheus = v.InferOutput<typeof prometheusSchema>;
