import type { ColumnBatch, ColumnInfo, Source } from '../batch.js';

/** A source whose reader module is imported the first time it is used. */
export class LazySource implements Source {
  private loaded?: Promise<Source>;

  constructor(readonly description: string, private readonly load: () => Promise<Source>) {}

  private source(): Promise<Source> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  async schema(): Promise<ColumnInfo[]> {
    return (await this.source()).schema();
  }

  async *batches(columns?: string[]): AsyncIterable<ColumnBatch> {
    yield* (await this.source()).batches(columns);
  }
}
