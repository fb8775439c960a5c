/**
 * Parallel scans: a scan split into parts (plan.ts), the parts read by worker threads,
 * their accumulator states merged on the main thread in part order, so the result is the
 * one pass's. The first part (in scan order) that fails decides the outcome, exactly as
 * the one pass would have stopped there: its DataError is thrown as is, a crash is an
 * internal error naming the part, and a CSV part that did not end between records (the
 * split was wrong) sends the scan back to the main thread as one pass.
 */
import type { Source } from '../batch.js';
import type { DatasetConfig } from '../config/types.js';
import { isShareable, type Accumulator, type PartShift, type Shareable } from '../metrics/accumulator.js';
import type { ScanRole } from '../run.js';
import { mergeBadLines } from '../sources/bad-lines.js';
import type { OpenOptions, SourceFile } from '../sources/open.js';
import { pieceLabel, planParts, type PartPlan } from './plan.js';
import { WorkerPool, workerEntry } from './pool.js';
import { fromWire, type BadLines, type Note, type Reply, type ScanTask } from './protocol.js';
import type { ParallelSettings } from './settings.js';

export interface ParallelScanInput {
  dataset: DatasetConfig;
  role: ScanRole;
  /** The reference path, for role 'reference'. */
  reference?: string;
  /** The source spec (path, glob, folder) and its files, as openSourceFiles gave them. */
  spec: string;
  files: SourceFile[];
  options: OpenOptions;
  /** The main thread's source: its description names the scan; bad lines are reported only when it reports them. */
  source: Source;
  /** Fresh accumulators (as the plan made them); the parts' states are merged into them. */
  accumulators: Accumulator<unknown>[];
  /**
   * Inputs of the accumulators that need the reference, by key (see NeedsReference); a
   * promise while the reference is still read: the parts start anyway and get them later.
   */
  inputs: Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Progress: rows read since the last call, and bytes read of all files so far (when known). */
  progress(rows: number, bytesRead: number | undefined): void;
  /** The scan's plan(), when it was started ahead of the scan. */
  planning?: Promise<Planned>;
}

export type Planned = Awaited<ReturnType<typeof planParts>> | { reason: string };

export interface ParallelScanResult {
  rows: number;
  /** Bad lines of the scan, when the source reports them. */
  badLines?: BadLines;
  parts: number;
}

/** Parts split off running ones, at most, per scan. */
const MAX_SPLITS = 16;

export class ParallelScanner {
  private pool?: WorkerPool;

  constructor(readonly settings: ParallelSettings) {}

  /** Starts the workers ahead of a scan that is likely to be split. */
  warm(): void {
    this.workers()?.warm();
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  /** Reads the scan in parts on the workers; undefined when it is better (or must be) read in one pass. */
  async scan(input: ParallelScanInput): Promise<ParallelScanResult | undefined> {
    const started = performance.now();
    const log = (line: string) => this.settings.log?.(`${input.dataset.name} ${input.role}: ${line}`);
    const pool = this.workers();
    if (!pool) {
      log('one pass: no worker module to start');
      return undefined;
    }
    const accumulators = input.accumulators;
    if (!accumulators.every(isShareable)) {
      log('one pass: an accumulator cannot move between threads');
      return undefined;
    }
    const planned = await (input.planning ?? this.plan(input));
    if ('reason' in planned) {
      log(`one pass: ${planned.reason}`);
      return undefined;
    }
    const parts = planned.parts;
    const planSeconds = (performance.now() - started) / 1000;
    const outcome = await this.runParts(pool, input, parts);
    if (outcome === undefined) return undefined;
    const readSeconds = (performance.now() - started) / 1000 - planSeconds;
    const mergeStarted = performance.now();

    // Merge in part order: the first offender of the earliest part is kept, as in one pass.
    let rows = 0;
    const shifts = partShifts(parts, outcome);
    for (let k = 0; k < parts.length; k++) {
      const r = outcome[k];
      for (const acc of accumulators as (Accumulator<unknown> & Shareable)[]) acc.mergeState(r.states[acc.key], shifts[k]);
      // Merged: let the part's buffers go before the next part's merge allocates.
      r.states = {};
      rows += r.rows;
    }
    if (this.settings.log) {
      const times = outcome.map((r) => r.seconds.toFixed(2)).join(', ');
      const merge = (performance.now() - mergeStarted) / 1000;
      log(`${parts.length} parts on ${Math.min(this.settings.workers, parts.length)} workers: plan ${planSeconds.toFixed(2)} s, read ${readSeconds.toFixed(2)} s (parts ${times} s), merge ${merge.toFixed(2)} s`);
    }
    const reportsBadLines = 'badLines' in input.source;
    const badLines = outcome.map((r, k) => ({ file: r.badLines?.file ?? '', bad: r.badLines && { ...r.badLines, lines: r.badLines.lines.map((l) => l + shifts[k].lines) } }));
    return { rows, badLines: reportsBadLines ? mergeBadLines(badLines) : undefined, parts: parts.length };
  }

  /**
   * Where a scan would be cut into parts, or why it is read in one pass. Never rejects,
   * so it can run ahead of the scan, e.g. while the reference is read.
   */
  async plan(input: Pick<ParallelScanInput, 'spec' | 'files' | 'options'>): Promise<Planned> {
    const pool = this.workers();
    if (!pool) return { reason: 'no worker module to start' };
    try {
      return await planParts(input.spec, input.files, input.options, this.settings);
    } catch (err) {
      // The one pass reads the same files and reports whatever is wrong with them in its own words.
      return { reason: `planning failed: ${(err as Error).message}` };
    }
  }

  private workers(): WorkerPool | undefined {
    if (this.pool) return this.pool;
    const entry = workerEntry();
    if (!entry) return undefined;
    this.pool = new WorkerPool(this.settings.workers, entry);
    return this.pool;
  }

  /**
   * Every part's reply, in order; undefined when the split was wrong. Throws the first
   * part's error. When a worker would sit idle while another still has much of its part to
   * read, the rest of that part is split off as a new part (see CsvSource.splitRest), so
   * workers of unequal speed finish together; `parts` then grows in place.
   */
  private async runParts(pool: WorkerPool, input: ParallelScanInput, parts: PartPlan[]): Promise<(Reply & { kind: 'scanned' })[] | undefined> {
    // A slot per part, and for the parts split off running ones.
    const capacity = parts.length + MAX_SPLITS;
    const cancel = new Int32Array(new SharedArrayBuffer(4 * capacity));
    const steal = new Int32Array(new SharedArrayBuffer(4 * capacity));
    const reported = new Array<number>(capacity).fill(0);
    const bytes = new Array<number | undefined>(capacity).fill(undefined);
    const totalBytes = () => {
      let n: number | undefined;
      for (const b of bytes) if (b !== undefined) n = (n ?? 0) + b;
      return n;
    };
    const progress = (slot: number, rows: number, read: number | undefined) => {
      const delta = rows - reported[slot];
      reported[slot] = rows;
      if (read !== undefined) bytes[slot] = read;
      if (delta > 0) input.progress(delta, totalBytes());
    };
    const multi = input.files.length > 1;
    const inputs = input.inputs;
    // Never rejects: a reference that cannot be read ends the parts waiting for it.
    const note: Promise<Note> | undefined =
      inputs instanceof Promise
        ? inputs.then(
            (ready) => ({ inputs: ready }),
            (err: unknown) => {
              for (let j = 0; j < capacity; j++) Atomics.store(cancel, j, 1);
              return { abort: (err as Error)?.message ?? String(err) };
            },
          )
        : undefined;
    const ready = inputs instanceof Promise ? undefined : inputs;
    const fileBytes = new Map(input.files.map((f) => [f.path, f.bytes ?? 0]));
    const log = (line: string) => this.settings.log?.(`${input.dataset.name} ${input.role}: ${line}`);
    const stealMin = Math.max(1, Math.floor(this.settings.minSplitBytes / 4));

    // In scan order: the slot of each part and its reply. By slot: task, size, state.
    const slots: number[] = [];
    const replies: Promise<Reply>[] = [];
    const tasks: ScanTask[] = [];
    const sizes: number[] = [];
    const settled: boolean[] = [];
    const unsplittable: boolean[] = [];
    let asked: number | undefined;
    let failed = false;
    let closing = false;

    const later = (slot: number) => {
      const at = slots.indexOf(slot);
      for (let j = at + 1; j < slots.length; j++) Atomics.store(cancel, slots[j], 1);
    };
    /** A worker is about to be idle: ask the part with the most left to read to give half of it away. */
    const balance = () => {
      if (failed || asked !== undefined || tasks.length >= capacity || pool.waiting > 0 || pool.idle === 0) return;
      let victim = -1;
      let most = stealMin - 1;
      for (const slot of slots) {
        if (settled[slot] || unsplittable[slot] || !tasks[slot].pieces[0].csv || tasks[slot].pieces.length !== 1) continue;
        const left = sizes[slot] - (bytes[slot] ?? 0);
        if (left > most) {
          most = left;
          victim = slot;
        }
      }
      if (victim < 0) return;
      asked = victim;
      Atomics.store(steal, victim, 1);
    };
    const start = (part: PartPlan, at: number): number => {
      const slot = tasks.length;
      const piece = part.pieces[0];
      sizes[slot] = part.pieces.length === 1 && piece.csv ? (piece.csv.end ?? fileBytes.get(piece.file) ?? 0) - piece.csv.start : 0;
      settled[slot] = false;
      const task: ScanTask = (tasks[slot] = {
        kind: 'scan',
        dataset: input.dataset,
        role: input.role,
        reference: input.reference,
        pieces: part.pieces,
        multi,
        description: input.source.description,
        cancel,
        steal,
        stealMinBytes: stealMin,
        slot,
        inputs: ready,
      });
      const news = (p: Reply & { kind: 'progress' | 'split' }) => {
        if (p.kind === 'progress') return progress(slot, p.rows, p.bytes);
        if (asked === slot) asked = undefined;
        // Closing: nothing of the scan is used any more.
        if (closing) return;
        if (p.at < 0) {
          unsplittable[slot] = true;
          return balance();
        }
        // The part now ends at p.at; a new part reads from there to its old end, right after
        // it in scan order. It runs even when a later part has failed meanwhile (the lines of
        // that failure are counted through it), and is cancelled with its victim.
        const i = slots.indexOf(slot);
        const piece = parts[i].pieces[0];
        const csv = piece.csv!;
        const bytesOfFile = fileBytes.get(piece.file) ?? 0;
        const head = { ...piece, csv: { ...csv, end: p.at } };
        const rest = { ...piece, csv: { ...csv, start: p.at, end: p.end, firstLine: undefined } };
        const tail: PartPlan = { pieces: [rest], continues: true, label: pieceLabel(rest, bytesOfFile) };
        parts[i] = { ...parts[i], pieces: [head], label: pieceLabel(head, bytesOfFile) };
        sizes[slot] = p.at - csv.start;
        log(`${parts[i].label} gives bytes ${p.at}-${p.end ?? bytesOfFile} to a worker that is free`);
        parts.splice(i + 1, 0, tail);
        const tailSlot = start(tail, i + 1);
        if (Atomics.load(cancel, slot) !== 0) Atomics.store(cancel, tailSlot, 1);
        balance();
      };
      slots.splice(at, 0, slot);
      replies.splice(
        at,
        0,
        pool.run(task, part.label, news, note).then((reply) => {
          settled[slot] = true;
          if (asked === slot) asked = undefined;
          if (reply.kind === 'scanned') progress(slot, reply.rows, reply.bytes);
          else if (reply.kind === 'failed' && reply.error.kind !== 'cancelled') {
            // Later parts no longer matter: either this failure stands or the scan starts over.
            failed = true;
            later(slot);
          }
          balance();
          return reply;
        }),
      );
      return slot;
    };
    parts.forEach((part, k) => start(part, k));

    const done: (Reply & { kind: 'scanned' })[] = [];
    try {
      for (let k = 0; k < parts.length; k++) {
        const reply = await replies[k];
        if (reply.kind === 'scanned') {
          done.push(reply);
          continue;
        }
        const error = reply.kind === 'failed' ? reply.error : undefined;
        if (error?.kind === 'mismatch') {
          log(`one pass after all: ${error.message}`);
          return undefined;
        }
        if (!error) throw new Error(`internal: unexpected reply ${reply.kind} for ${parts[k].label}`);
        const csv = parts[k].pieces[0].csv;
        if (error.kind === 'dqc' && csv && csv.firstLine === undefined) {
          // The part counted its lines from its own start, so its message has them wrong:
          // now that the parts before it are read, it is read again from its real first line.
          const firstLine = 1 + partShifts(parts.slice(0, k + 1), done)[k].lines;
          const again = await pool.run({ ...tasks[slots[k]], steal: undefined, pieces: [{ ...parts[k].pieces[0], csv: { ...csv, firstLine } }], inputs: await inputs }, parts[k].label, undefined, undefined, true);
          // Read without failing this time (the error did not repeat, e.g. a read error), or
          // found misplaced: the later parts were cancelled, so the scan is read in one pass.
          if (again.kind === 'failed' && again.error.kind !== 'mismatch') throw fromWire(again.error, parts[k].label);
          log(`one pass after all: ${parts[k].label} failed once, then ${again.kind === 'scanned' ? 'read' : 'did not end between records'}`);
          return undefined;
        }
        throw fromWire(error, parts[k].label);
      }
      return done;
    } finally {
      failed = true;
      closing = true;
      for (let j = 0; j < capacity; j++) Atomics.store(cancel, j, 1);
      // Leave no part running behind an error: the pool is free for the next scan (no part
      // is split off any more: `closing` is set).
      await Promise.allSettled(replies);
    }
  }
}

/**
 * What each part's rows and lines are counted from: a CSV part after the first of its file
 * counts both from its own start, so it is moved by the rows and lines of the parts of its
 * file before it (`replies` may end before `parts`: the shift of part k needs replies 0..k-1).
 */
function partShifts(parts: PartPlan[], replies: { rows: number; lines?: number }[]): PartShift[] {
  const shifts: PartShift[] = [];
  let rows = 0;
  let lines = 0;
  for (let k = 0; k < parts.length; k++) {
    if (!parts[k].continues) {
      rows = 0;
      lines = 0;
    }
    shifts.push({ rows, lines });
    const r = replies[k];
    if (r === undefined) break;
    rows += r.rows;
    lines += r.lines ?? 0;
  }
  return shifts;
}
