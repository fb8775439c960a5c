import type { ColumnBatch, TextBytes } from '../batch.js';
import type { Accumulator, Shareable } from './accumulator.js';
import { ExactKeySet, KeySet, countDistinctRuns, type ExactKeySetState, type KeyRun } from './key-set.js';

export interface DistinctKeysResult {
  rows: number;
  distinct: number;
}

/**
 * Distinct key tuples over one or more columns. By default each tuple is kept as a
 * 64-bit hash (8 bytes per distinct key, plus as much again while merging; see KeySet for the collision bound);
 * `exact` keeps canonical strings instead.
 */
export class DistinctKeys implements Accumulator<DistinctKeysResult>, Shareable {
  readonly key: string;
  readonly columns: readonly string[];
  private set: KeySet | ExactKeySet;
  private rows = 0;
  /** Parts' hashes received from workers, counted together in result(). */
  private runs: KeyRun[] = [];
  private distinct: number | undefined;

  static keyFor(columns: readonly string[], exact: boolean): string {
    return `keys:${exact ? 'exact' : 'hash'}:${columns.map((c) => JSON.stringify(c).slice(1, -1)).join(',')}`;
  }

  constructor(columns: readonly string[], exact = false) {
    this.columns = [...columns];
    this.key = DistinctKeys.keyFor(columns, exact);
    this.set = exact ? new ExactKeySet() : new KeySet();
  }

  update(batch: ColumnBatch): void {
    // Before the loops, not after (see KEEP_LOOPS_LAST in numeric-sample.ts).
    this.rows += batch.rows;
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
  }

  merge(other: DistinctKeys): void {
    this.mergeState(other.state());
  }

  /**
   * Hash mode sends its hashes as runs (grouped in the worker, in parallel): the main
   * thread then counts the union of every part's runs group by group, without building
   * a set of them all.
   */
  state(): { rows: number; runs?: KeyRun[]; set?: ExactKeySetState } {
    const set = this.set;
    return set instanceof KeySet ? { rows: this.rows, runs: set.toRuns() } : { rows: this.rows, set: set.toState() };
  }

  mergeState(state: unknown): void {
    const s = state as ReturnType<DistinctKeys['state']>;
    if (s.runs) this.runs.push(...s.runs);
    else (this.set as ExactKeySet).mergeState(s.set!);
    this.distinct = undefined;
    this.rows += s.rows;
  }

  result(): DistinctKeysResult {
    if (this.runs.length === 0) return { rows: this.rows, distinct: this.set.size };
    if (this.distinct === undefined) {
      const set = this.set as KeySet;
      this.runs.push(...set.toRuns());
      this.set = new KeySet();
      this.distinct = countDistinctRuns(this.runs);
    }
    return { rows: this.rows, distinct: this.distinct };
  }
}
