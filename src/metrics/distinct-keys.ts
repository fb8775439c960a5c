import type { ColumnBatch, TextBytes } from '../batch.js';
import type { Accumulator, Shareable } from './accumulator.js';
import { ExactKeySet, KeySet, type ExactKeySetState, type KeySetState } from './key-set.js';

export interface DistinctKeysResult {
  rows: number;
  distinct: number;
}

/**
 * Distinct key tuples over one or more columns. By default each tuple is kept as a
 * 64-bit hash (about 16 bytes per distinct key; see KeySet for the collision bound);
 * `exact` keeps canonical strings instead.
 */
export class DistinctKeys implements Accumulator<DistinctKeysResult>, Shareable {
  readonly key: string;
  readonly columns: readonly string[];
  private set: KeySet | ExactKeySet;
  private rows = 0;

  static keyFor(columns: readonly string[], exact: boolean): string {
    return `keys:${exact ? 'exact' : 'hash'}:${columns.map((c) => JSON.stringify(c).slice(1, -1)).join(',')}`;
  }

  constructor(columns: readonly string[], exact = false) {
    this.columns = [...columns];
    this.key = DistinctKeys.keyFor(columns, exact);
    this.set = exact ? new ExactKeySet() : new KeySet();
  }

  update(batch: ColumnBatch): void {
    const set = this.set;
    const columns = this.columns.map((c) => batch.columns.get(c)!);
    const bytes = columns.map((c) => c.bytes);
    if (set instanceof KeySet && bytes.every((b) => b !== undefined)) {
      const text = bytes as TextBytes[];
      for (let i = 0; i < batch.rows; i++) set.addTextRow(text, i);
    } else {
      const cols = columns.map((c) => c.values);
      for (let i = 0; i < batch.rows; i++) set.addRow(cols, i);
    }
    this.rows += batch.rows;
  }

  merge(other: DistinctKeys): void {
    (this.set as KeySet).merge(other.set as KeySet);
    this.rows += other.rows;
  }

  state(): { rows: number; set: KeySetState | ExactKeySetState } {
    return { rows: this.rows, set: this.set.toState() };
  }

  mergeState(state: unknown): void {
    const s = state as ReturnType<DistinctKeys['state']>;
    (this.set as KeySet).mergeState(s.set as KeySetState);
    this.rows += s.rows;
  }

  result(): DistinctKeysResult {
    return { rows: this.rows, distinct: this.set.size };
  }
}
