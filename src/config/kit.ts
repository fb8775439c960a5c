/**
 * Schema pieces the config sections share. `strictObject` and `record` stand in for valibot's
 * own, which skip keys named "constructor" and "prototype" (a column or channel may be called
 * that), accept a list where a map is expected, and (strictObject) report only the first
 * unknown key, where every problem should be reported at once.
 */
import * as v from 'valibot';

type Message = string | ((issue: v.BaseIssue<unknown>) => string);

/** For a schema with nothing to add to its type: "Invalid input: expected object, received array". */
export function expected(type: string): Message {
  return (issue) => `Invalid input: expected ${type}, received ${typeName(issue.input)}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

/** A YAML mapping as parsed: an object that is not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A finite number: YAML's .inf and .nan are of the wrong type, like a string. */
export function number(message?: string) {
  return v.pipe(v.number(message), v.custom<number>(Number.isFinite, message));
}

/** A whole number: 2.5 is reported like a value of the wrong type; 1e20 fails a check. */
export function wholeNumber(message: string) {
  return v.pipe(number(message), v.custom<number>(Number.isInteger, message), v.safeInteger(message));
}

type StringOrList = v.GenericSchema & {
  readonly type: 'string' | 'array';
  readonly pipe: readonly [v.GenericSchema, ...v.PipeItem<any, unknown, v.BaseIssue<unknown>>[]];
};
const LENGTH_RULES = ['min_length', 'max_length', 'length'];

/**
 * A piped string or list whose length rules also apply to a value of the wrong type that has a
 * length: `key_columns: ${UNSET}` is reported both as not a list and as naming no column.
 */
export function sized<const T extends StringOrList>(schema: T): T {
  const ofType = schema.type === 'array' ? Array.isArray : (value: unknown) => typeof value === 'string';
  const rules = schema.pipe.filter((item) => LENGTH_RULES.includes(item.type)) as v.GenericValidation[];
  return v._standardSchema<T>({
    ...withoutStandard(schema),
    '~run'(dataset, config) {
      const input = dataset.value as { length?: unknown } | null | undefined;
      const out = schema['~run'](dataset, config);
      if (ofType(input) || input === null || input === undefined || input.length === undefined) return out;
      for (const rule of rules) {
        const { issues } = rule['~run']({ typed: true, value: input }, config);
        if (issues) (out.issues as v.BaseIssue<unknown>[]).push(...issues);
      }
      return out;
    },
  } as Omit<T, '~standard'>);
}

/** A non-empty string; an empty one gets the same message as a value of another type. */
export function text(message: string) {
  return sized(v.pipe(v.string(message), v.minLength(1, message)));
}

/**
 * A map with these keys and no others. Missing and unknown keys are issues about the key (path
 * origin "key"): a missing one has input undefined, an unknown one its name; the unknown keys
 * come after the issues of the known ones.
 */
export function strictObject<const TEntries extends v.ObjectEntries>(
  entries: TEntries,
  message: Message = expected('object'),
): v.ObjectSchema<TEntries, Message> {
  const known = v.object(entries, message);
  return v._standardSchema<v.ObjectSchema<TEntries, Message>>({
    ...withoutStandard(known),
    '~run'(dataset, config) {
      const input = dataset.value;
      if (!isRecord(input)) return typeIssue<v.FailureDataset<v.ObjectIssue>>(this, dataset, config);
      const out = known['~run'](dataset, config);
      for (const key of Object.keys(input)) {
        if (Object.hasOwn(entries, key)) continue;
        v._addIssue(this, 'key', out, config, {
          input: key,
          expected: 'never',
          path: [{ type: 'object', origin: 'key', input, key, value: input[key] }],
        });
      }
      return out;
    },
  });
}

/** A map of any keys to values of one schema. */
export function record<const TValue extends v.GenericSchema>(
  value: TValue,
  message: Message,
): v.RecordSchema<v.StringSchema<undefined>, TValue, Message> {
  const base = v.record(v.string(), value, message);
  return v._standardSchema<v.RecordSchema<v.StringSchema<undefined>, TValue, Message>>({
    ...withoutStandard(base),
    '~run'(dataset, config) {
      const input = dataset.value;
      if (!isRecord(input)) return typeIssue<v.FailureDataset<v.RecordIssue>>(this, dataset, config);
      const out: { typed: boolean; value: Record<string, unknown>; issues?: v.BaseIssue<unknown>[] } = { typed: true, value: {} };
      for (const key of Object.keys(input)) {
        const item = this.value['~run']({ value: input[key] }, config);
        const at: v.ObjectPathItem = { type: 'object', origin: 'value', input, key, value: input[key] };
        for (const issue of item.issues ?? []) (out.issues ??= []).push({ ...issue, path: [at, ...(issue.path ?? [])] });
        if (!item.typed) out.typed = false;
        setOwn(out.value, key, item.value);
      }
      return out as v.OutputDataset<v.InferOutput<typeof base>, v.InferIssue<typeof base>>;
    },
  });
}

/** obj[key] = value, except that a key named __proto__ becomes a key instead of setting the prototype. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The schema's type issue for a value that is not a map, and the dataset as its failure. */
function typeIssue<T>(schema: Parameters<typeof v._addIssue>[0], dataset: v.UnknownDataset, config: v.Config<v.BaseIssue<unknown>>): T {
  v._addIssue(schema, 'type', dataset, config);
  return dataset as unknown as T;
}

function withoutStandard<T extends { '~standard': unknown }>(schema: T): Omit<T, '~standard'> {
  const { '~standard': _, ...rest } = schema;
  return rest;
}

// Rules several sections share (checks, notify, prometheus, tracing), with one wording.

export const severity = v.picklist(['critical', 'error', 'warn', 'info'], 'expected critical, error, warn or info');
export const timeoutSeconds = v.pipe(number('expected a number of seconds'), v.gtValue(0, 'must be greater than 0'));
export const retries = v.pipe(wholeNumber('expected a whole number'), v.minValue(0, 'must be between 0 and 10'), v.maxValue(10, 'must be between 0 and 10'));
export const headerMap = record(v.string('expected a string'), 'expected a map of header: value');
/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
