import type { ColumnBatch, ColumnInfo, Source } from '../batch.js';

/** A source whose reader module is imported the first time it is used. */
export class LazySource implements Source {
  private loaded?: Promise<Source>;
  private ready?: Source;

  constructor(readonly description: string, private readonly load: () => Promise<Source>) {}

  private source(): Promise<Source> {
    this.loaded ??= this.load().then((s) => (this.ready = s));
    return this.loaded;
  }

  get badLines(): { count: number; lines: number[] } | undefined {
    return (this.ready as { badLines?: { count: number; lines: number[] } } | undefined)?.badLines;
  }

  async schema(): Promise<ColumnInfo[]> {
    return (await this.source()).schema();
  }

  async *batches(columns?: string[]): AsyncIterable<ColumnBatch> {
    yield* (await this.source()).batches(columns);
  }
}
