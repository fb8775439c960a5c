/**
 * The config file's schema. Snake_case keys as users write them in YAML;
 * `normalize.ts` turns the parsed value into the typed `SuiteConfig`.
 */
import { z } from 'zod';

const rate = z
  .number({ error: 'expected a number between 0 and 1' })
  .min(0, { error: 'must be between 0 and 1' })
  .max(1, { error: 'must be between 0 and 1' });

export const severitySchema = z.enum(['error', 'warn'], {
  error: 'expected "error" or "warn"',
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
  format: z.enum(['csv', 'parquet'], { error: 'expected csv or parquet' }).optional(),
  csv: csvOptionsSchema.optional(),
  timezone: z.string({ error: 'expected an IANA time zone name such as "UTC"' }).optional(),
  checks: checksSchema,
});

export const configSchema = z.strictObject({
  version: z.literal(1, { error: 'only version 1 exists' }).optional(),
  datasets: z.array(datasetSchema, { error: 'expected a list of datasets' }).min(1, {
    error: 'define at least one dataset',
  }),
});

export type RawConfig = z.infer<typeof configSchema>;
export type RawDataset = z.infer<typeof datasetSchema>;
