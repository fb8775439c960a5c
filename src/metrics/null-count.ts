import { MISSING, type ColumnBatch } from '../batch.js';
import { isMissing, type Accumulator, type Shareable } from './accumulator.js';

export interface NullCountResult {
  rows: number;
  nulls: number;
}

/** Missing values in one column, as pandas `isnull().sum()`. */
export class NullCount implements Accumulator<NullCountResult>, Shareable {
  readonly key: string;
  readonly columns: readonly string[];
  private rows = 0;
  private nulls = 0;

  constructor(readonly column: string) {
    this.key = `nulls:${column}`;
    this.columns = [column];
  }

  update(batch: ColumnBatch): void {
    const col = batch.columns.get(this.column)!;
    let n = 0;
    if (col.bytes) {
      const at = col.bytes.at;
      for (let i = 0; i < batch.rows; i++) if (at[2 * i] === MISSING) n++;
    } else {
      const values = col.values;
      for (let i = 0; i < batch.rows; i++) if (isMissing(values[i])) n++;
    }
    this.nulls += n;
    this.rows += batch.rows;
  }

  merge(other: NullCount): void {
    this.rows += other.rows;
    this.nulls += other.nulls;
  }

  result(): NullCountResult {
    return { rows: this.rows, nulls: this.nulls };
  }

  state(): NullCountResult {
    return { rows: this.rows, nulls: this.nulls };
  }

  mergeState(state: unknown): void {
    const s = state as NullCountResult;
    this.rows += s.rows;
    this.nulls += s.nulls;
  }
}
