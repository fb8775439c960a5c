/**
 * A scan worker: takes one task at a time from the main thread. A scan task rebuilds
 * the dataset's plan from its config, reads its part of the data and sends back the
 * accumulators' states (typed arrays transferred), the rows read, the bad lines left
 * out and the bytes read; progress goes out at most every PROGRESS_MS.
 */
import { parentPort } from 'node:worker_threads';
import type { Source } from '../batch.js';
import { isShareable, needsReference, type Accumulator } from '../metrics/accumulator.js';
import { planDataset } from '../run.js';
import { mergeBadLines } from '../sources/bad-lines.js';
import { MultiSource } from '../sources/multi.js';
import { openFile, type OpenOptions } from '../sources/open.js';
import { PartitionedSource } from '../sources/partitioned.js';
import type { CsvSource } from '../sources/csv.js';
import { Cancelled, toWire, transferables, type BadLines, type Note, type Reply, type ScanTask } from './protocol.js';

const PROGRESS_MS = 200;
/**
 * Values a part keeps at most (over all accumulators that need the reference: 32 MB, in
 * buffers that grow by doubling to at most 64 MB) before the reference's inputs arrive;
 * then it waits for them.
 */
const MAX_VALUES_BEFORE_INPUTS = 4_000_000;

const port = parentPort;
if (!port) throw new Error('src/parallel/worker.ts runs as a worker thread only');

/** Notes for the running task, by task id: the resolver of its wait. */
const waiting = new Map<number, (note: Note) => void>();

port.on('message', (msg: { id: number; task?: ScanTask; note?: Note }) => {
  if (msg.task) void handle(msg.id, msg.task);
  else if (msg.note) waiting.get(msg.id)?.(msg.note);
});

async function handle(id: number, task: ScanTask): Promise<void> {
  const send = (reply: Reply, transfer: ArrayBuffer[] = []) => port!.postMessage({ id, reply }, transfer);
  try {
    const note = task.inputs ? undefined : new Promise<Note>((resolve) => waiting.set(id, resolve));
    const result = await scanPart(task, note, (news) => send(news));
    send(result, transferables(result.states));
  } catch (err) {
    send({ kind: 'failed', error: toWire(err) });
  } finally {
    waiting.delete(id);
  }
}

async function scanPart(
  task: ScanTask,
  note: Promise<Note> | undefined,
  news: (reply: Reply & { kind: 'progress' | 'split' }) => void,
): Promise<Reply & { kind: 'scanned' }> {
  const started = performance.now();
  const plan = planDataset(task.dataset);
  const accumulators: Accumulator<unknown>[] =
    task.role === 'data' ? [...plan.current.values()] : [...(plan.references.get(task.reference ?? '')?.accumulators.values() ?? [])];
  const bind = (inputs: Record<string, unknown>) => {
    for (const acc of accumulators) if (needsReference(acc)) acc.bind(inputs[acc.key]);
  };
  // Bound between batches when the note comes (messages arrive while the reads wait).
  let bound: Promise<void> | undefined;
  const maxRowsUnbound = Math.floor(MAX_VALUES_BEFORE_INPUTS / Math.max(1, accumulators.filter(needsReference).length));
  if (task.inputs) bind(task.inputs);
  else if (note) {
    bound = note.then((n) => {
      if ('abort' in n) throw new Cancelled();
      bind(n.inputs);
      bound = undefined;
    });
    // Handled where it is awaited; a part that fails first must not leave it unhandled.
    bound.catch(() => undefined);
  }
  const options: OpenOptions = { format: task.dataset.format, csv: task.dataset.csv };
  const bases: Source[] = [];
  const sources = task.pieces.map((p) => {
    const base = openFile(p.file, { ...options, format: p.format }, { csv: p.csv, rowGroups: p.rowGroups });
    bases.push(base);
    return p.partitions.length > 0 ? new PartitionedSource(base, p.partitions) : base;
  });
  const source = task.multi ? new MultiSource(task.description, sources) : sources[0];
  const columns = [...new Set(accumulators.flatMap((a) => a.columns))];

  let rows = 0;
  const bytesByFile = new Map<string, number>();
  let lastSent = performance.now();
  for await (const batch of source.batches(columns)) {
    if (Atomics.load(task.cancel, task.slot) !== 0) throw new Cancelled();
    if (bound && rows >= maxRowsUnbound) await bound;
    for (const acc of accumulators) acc.update(batch);
    rows += batch.rows;
    if (batch.origin.bytesRead !== undefined) bytesByFile.set(batch.origin.file, batch.origin.bytesRead);
    batch.release?.();
    const now = performance.now();
    if (now - lastSent >= PROGRESS_MS) {
      lastSent = now;
      news({ kind: 'progress', rows, bytes: sum(bytesByFile) });
    }
    if (task.steal && Atomics.load(task.steal, task.slot) !== 0) {
      // Another worker is free: give it the second half of what is left of this part.
      Atomics.store(task.steal, task.slot, 0);
      const csv = task.pieces.length === 1 ? (bases[0] as Partial<Pick<CsvSource, 'splitRest'>>) : undefined;
      const split = await csv?.splitRest?.(task.stealMinBytes ?? 0);
      news({ kind: 'split', at: split?.at ?? -1, end: split?.end });
    }
  }

  if (bound) await bound;
  const states: Record<string, unknown> = {};
  for (const acc of accumulators) {
    if (!isShareable(acc)) throw new Error(`accumulator ${acc.key} cannot be sent to the main thread`);
    states[acc.key] = acc.state();
  }
  const lines = task.pieces.length === 1 && task.pieces[0].csv ? (bases[0] as { lines?: number }).lines : undefined;
  return { kind: 'scanned', rows, lines, states, badLines: badLinesOf(bases, task.pieces), bytes: sum(bytesByFile), seconds: (performance.now() - started) / 1000 };
}

function sum(bytes: Map<string, number>): number | undefined {
  if (bytes.size === 0) return undefined;
  let n = 0;
  for (const b of bytes.values()) n += b;
  return n;
}

/** Rows the CSV pieces left out (on_bad_lines: warn | skip), in order. */
function badLinesOf(sources: Source[], pieces: ScanTask['pieces']): BadLines | undefined {
  const all = sources.map((s, k) => ({ file: pieces[k].file, bad: (s as { badLines?: BadLines }).badLines }));
  return all.some((b) => b.bad !== undefined) ? mergeBadLines(all) : undefined;
}
