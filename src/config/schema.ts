/**
 * The config file's schema. Snake_case keys as users write them in YAML;
 * `normalize.ts` turns the parsed value into the typed `SuiteConfig`.
 */
import { z } from 'zod';
import { notifySchema } from './notify.js';
import { tracingSchema } from './tracing.js';

const rate = z
  .number({ error: 'expected a number between 0 and 1' })
  .min(0, { error: 'must be between 0 and 1' })
  .max(1, { error: 'must be between 0 and 1' });

export const severitySchema = z.enum(['critical', 'error', 'warn', 'info'], {
  error: 'expected critical, error, warn or info',
});

const columnName = z.string({ error: 'expected a column name' }).min(1, { error: 'column name is empty' });

/** Keys of the short completeness form that are options, not column names. */
export const COMPLETENESS_OPTIONS = ['severity'] as const;

const completenessSchema = z.strictObject({
  columns: z.record(z.string(), rate, { error: 'expected a map of column: max null rate' }),
  severity: severitySchema.optional(),
});

const uniquenessSchema = z.strictObject({
  key_columns: z.array(columnName, { error: 'expected a list of column names' }).min(1, {
    error: 'name at least one key column',
  }),
  max_duplicate_rate: rate.default(0),
  exact: z.boolean({ error: 'expected true or false' }).optional(),
  severity: severitySchema.optional(),
});

const driftSchema = z.strictObject({
  columns: z.array(columnName, { error: 'expected a list of column names' }).min(1, {
    error: 'name at least one column',
  }),
  threshold: rate.default(0.05),
  method: z.enum(['ks'], { error: 'expected "ks" (the two-sample Kolmogorov-Smirnov test)' }).default('ks'),
  reference: z.string({ error: 'expected a path' }).optional(),
  severity: severitySchema.optional(),
});

const freshnessSchema = z.strictObject({
  timestamp_column: columnName,
  max_age_hours: z
    .number({ error: 'expected a number of hours' })
    .positive({ error: 'must be greater than 0' }),
  timezone: z.string({ error: 'expected an IANA time zone name such as "UTC"' }).optional(),
  unit: z.enum(['auto', 's', 'ms', 'us', 'ns'], { error: 'expected auto, s, ms, us or ns' }).optional(),
  severity: severitySchema.optional(),
});

export const checksSchema = z.strictObject({
  completeness: completenessSchema.optional(),
  uniqueness: uniquenessSchema.optional(),
  drift: driftSchema.optional(),
  freshness: freshnessSchema.optional(),
});

export const csvOptionsSchema = z.strictObject({
  delimiter: z.string({ error: 'expected a single character' }).length(1, { error: 'expected a single character' }).optional(),
  null_values: z.array(z.string(), { error: 'expected a list of strings' }).optional(),
  on_bad_lines: z.enum(['error', 'warn', 'skip'], { error: 'expected error, warn or skip' }).optional(),
  encoding: z.enum(['utf-8', 'latin1'], { error: 'expected utf-8 or latin1' }).optional(),
});

export const datasetSchema = z.strictObject({
  name: z
    .string({ error: 'expected a dataset name' })
    .regex(/^[A-Za-z0-9_.:-]+$/, { error: 'use letters, digits, _ . : - only (it becomes a metric label)' }),
  source: z.string({ error: 'expected a path, glob or folder' }).min(1),
  reference: z.string({ error: 'expected a path' }).optional(),
  format: z.enum(['csv', 'parquet', 'arrow', 'jsonl'], { error: 'expected csv, parquet, arrow or jsonl' }).optional(),
  csv: csvOptionsSchema.optional(),
  timezone: z.string({ error: 'expected an IANA time zone name such as "UTC"' }).optional(),
  checks: checksSchema,
});

/** A Prometheus duration: 30s, 15m, 24h, 7d, 1h30m, 0s. */
export const PROM_DURATION = /^(?:0|(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?)$/;
const duration = z
  .string({ error: 'expected a duration such as 0s, 15m, 24h or 7d' })
  .regex(PROM_DURATION, { error: 'expected a duration such as 0s, 15m, 24h or 7d' })
  .refine((s) => s !== '', { error: 'expected a duration such as 0s, 15m, 24h or 7d' });
const labelMap = z.record(z.string(), z.string({ error: 'expected a string' }), { error: 'expected a map of label: value' });

/** Where metrics go and how alerts are generated (README "Metrics"). */
export const prometheusSchema = z.strictObject({
  pushgateway: z.string({ error: 'expected the Pushgateway URL, e.g. http://pushgateway:9091' }).min(1).optional(),
  job: z.string({ error: 'expected a job name' }).min(1, { error: 'job name is empty' }).default('dqc'),
  grouping: labelMap.optional(),
  headers: z.record(z.string(), z.string({ error: 'expected a string' }), { error: 'expected a map of header: value' }).optional(),
  basic_auth: z
    .strictObject({ username: z.string({ error: 'expected a user name' }), password: z.string({ error: 'expected a password' }) })
    .optional(),
  bearer_token: z.string({ error: 'expected a token' }).min(1, { error: 'token is empty' }).optional(),
  timeout_seconds: z.number({ error: 'expected a number of seconds' }).positive({ error: 'must be greater than 0' }).default(10),
  retries: z
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .min(0, { error: 'must be between 0 and 10' })
    .max(10, { error: 'must be between 0 and 10' })
    .default(3),
  alerts: z
    .strictObject({
      success_window: duration.default('24h'),
      for: z
        .strictObject({
          check_failed: duration.optional(),
          data_stale: duration.optional(),
          dataset_down: duration.optional(),
          no_recent_success: duration.optional(),
          push_failed: duration.optional(),
        })
        .optional(),
      labels: labelMap.optional(),
    })
    .optional(),
});

export const configSchema = z.strictObject({
  version: z.literal(1, { error: 'only version 1 exists' }).optional(),
  prometheus: prometheusSchema.optional(),
  notify: notifySchema.optional(),
  tracing: tracingSchema.optional(),
  datasets: z.array(datasetSchema, { error: 'expected a list of datasets' }).min(1, {
    error: 'define at least one dataset',
  }),
});

export type RawConfig = z.infer<typeof configSchema>;
export type RawDataset = z.infer<typeof datasetSchema>;
export type RawPrometheus = z.infer<typeof prometheusSchema>;
