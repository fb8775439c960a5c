/**
 * bin/dqc asks V8 for type feedback from a function's first call, which speeds up the
 * CSV scan's few hot loops. The Parquet and Arrow readers run many functions a few times
 * each, and there it cost (a 100k-row Parquet check 80 ms slower), so they turn it off
 * before they load. The mark tells bin/dqc not to write its code cache, which V8 would
 * refuse on the next start (it must be made with the flags a run starts with).
 */
import v8 from 'node:v8';

const CHANGED = Symbol.for('dqc.v8FlagsChanged');

export function lazyFeedback(): void {
  const g = globalThis as { [CHANGED]?: boolean };
  if (g[CHANGED]) return;
  g[CHANGED] = true;
  v8.setFlagsFromString('--lazy-feedback-allocation');
}
