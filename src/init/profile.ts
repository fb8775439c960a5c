/**
 * One pass over data to propose checks for `dqc init`: null rate, type, key-likeness and
 * newest timestamp of every column, with the accumulators `dqc check` itself uses.
 */
import type { ColumnBatch, Source } from '../batch.js';
import { isMissing, type Accumulator } from '../metrics/accumulator.js';
import { DistinctKeys } from '../metrics/distinct-keys.js';
import { InferType, type InferredType } from '../metrics/infer-type.js';
import { MaxTime } from '../metrics/max-time.js';
import { NullCount } from '../metrics/null-count.js';
import { openSourceFiles, type OpenOptions, type SourceFile } from '../sources/open.js';

export interface ColumnProfile {
  name: string;
  type: InferredType;
  rows: number;
  nulls: number;
  /** Distinct values (nulls count as one), measured for columns named like keys. */
  distinct?: number;
  /** Named like id, key, uuid, …_id, …Id. */
  keyName: boolean;
  /** Every value an integer, none missing, each one more than the one before. */
  sequence: boolean;
  /** Newest timestamp, epoch ms, for columns that hold timestamps. */
  newest?: number;
}

export interface DataProfile {
  description: string;
  files: SourceFile[];
  rows: number;
  columns: ColumnProfile[];
}

/** id, key, uuid, guid, pk; …_id, …-key, …Id, …ID, …Key. */
export function looksLikeKey(name: string): boolean {
  return /^(id|key|uuid|guid|pk)$/i.test(name) || /[_\-. ](id|key|uuid|guid)$/i.test(name) || /[a-z0-9](Id|ID|Key|Uuid|UUID)$/.test(name);
}

export async function profileData(spec: string, options: OpenOptions): Promise<DataProfile> {
  const { source, files } = openSourceFiles(spec, options);
  return { ...(await profileSource(source)), description: source.description, files };
}

export async function profileSource(source: Source): Promise<Omit<DataProfile, 'description' | 'files'>> {
  const schema = await source.schema();
  const per = schema.map((c) => {
    const timeLike = c.type === 'text' || c.type === 'string' || c.type === 'timestamp' || c.type === 'date';
    return {
      info: c,
      nulls: new NullCount(c.name),
      type: new InferType(c.name),
      sequence: new Sequence(c.name),
      keys: looksLikeKey(c.name) ? new DistinctKeys([c.name]) : undefined,
      time: timeLike ? new TimeGate(c.name) : undefined,
    };
  });
  const accumulators: Accumulator<unknown>[] = per.flatMap((p) => [p.nulls, p.type, p.sequence, ...(p.keys ? [p.keys] : []), ...(p.time ? [p.time] : [])]);
  let rows = 0;
  for await (const batch of source.batches(schema.map((c) => c.name))) {
    for (const acc of accumulators) acc.update(batch);
    rows += batch.rows;
  }
  const columns = per.map((p): ColumnProfile => {
    const type = p.type.result();
    const { nulls } = p.nulls.result();
    const time = p.time?.result();
    // Text counts as a timestamp only when InferType agrees (MaxTime also reads epoch numbers);
    // a typed string column when every value parsed.
    const isTime = type === 'timestamp' || type === 'date' || (p.info.type === 'string' && time !== undefined && time.clean);
    return {
      name: p.info.name,
      type: isTime && type === 'string' ? 'timestamp' : type,
      rows,
      nulls,
      distinct: p.keys?.result().distinct,
      keyName: looksLikeKey(p.info.name),
      sequence: p.sequence.result() && rows > 1,
      newest: isTime && time && time.parsed > 0 ? time.max : undefined,
    };
  });
  return { rows, columns };
}

/** An integer sequence: no nulls, every value one more than the one before. */
class Sequence implements Accumulator<boolean> {
  readonly key: string;
  readonly columns: readonly string[];
  private ok = true;
  private prev: number | undefined;

  constructor(readonly column: string) {
    this.key = `sequence:${column}`;
    this.columns = [column];
  }

  update(batch: ColumnBatch): void {
    if (!this.ok) return;
    const values = batch.columns.get(this.column)!.values;
    let prev = this.prev;
    for (let i = 0; i < batch.rows; i++) {
      const v = values[i];
      if (isMissing(v)) return void (this.ok = false);
      const x = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^[+-]?\d{1,15}$/.test(v.trim()) ? Number(v) : NaN;
      if (!Number.isInteger(x) || (prev !== undefined && x !== prev + 1)) return void (this.ok = false);
      prev = x;
    }
    this.prev = prev;
  }

  merge(): void {
    // Order matters for a sequence; init reads in one pass and never merges.
    this.ok = false;
  }

  result(): boolean {
    return this.ok && this.prev !== undefined;
  }
}

/** MaxTime that stops reading a column at its first batch with a value that is not a timestamp. */
class TimeGate implements Accumulator<{ max: number; parsed: number; clean: boolean }> {
  readonly key: string;
  readonly columns: readonly string[];
  private readonly inner: MaxTime;
  private clean = true;

  constructor(readonly column: string) {
    this.inner = new MaxTime(column, { timezone: 'UTC', unit: 'auto' });
    this.key = `timegate:${column}`;
    this.columns = [column];
  }

  update(batch: ColumnBatch): void {
    if (!this.clean) return;
    this.inner.update(batch);
    if (this.inner.result().unparseable > 0) this.clean = false;
  }

  merge(other: TimeGate): void {
    this.inner.merge(other.inner);
    this.clean &&= other.clean;
  }

  result(): { max: number; parsed: number; clean: boolean } {
    const r = this.inner.result();
    return { max: r.max, parsed: r.parsed, clean: this.clean && r.parsed > 0 };
  }
}
