/**
 * A fixed set of worker threads running tasks from one queue, one task per worker at a
 * time. A task never hangs: a worker that throws outside a task, fails to start or exits
 * fails its task with an internal error naming it, and is replaced while tasks remain
 * (up to a limit, so a worker that cannot start fails the run instead of looping).
 */
import { Worker } from 'node:worker_threads';
import type { Note, Reply, ScanTask, WireError } from './protocol.js';

/** How to start a worker: the compiled module, or (running from source under tsx) a loader stub. */
interface Entry {
  script: URL | string;
  eval: boolean;
}

/**
 * The worker module next to this one: dist/bundle/worker.js when built; when this
 * module runs as TypeScript source (tests under tsx), worker.ts behind tsx's loader.
 * Undefined when neither works, and scans stay on the main thread.
 */
export function workerEntry(): Entry | undefined {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { script: new URL('./worker.js', here), eval: false };
  let tsx: string;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    return undefined;
  }
  const target = new URL('./worker.ts', here).href;
  return { script: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`, eval: true };
}

interface Job {
  id: number;
  task: ScanTask;
  label: string;
  /** Replies before the last: progress, and parts split off (see ScanTask.steal). */
  onProgress?: (reply: Reply & { kind: 'progress' | 'split' }) => void;
  /** Sent to the worker running the task once it settles (see Note). */
  note?: Promise<Note>;
  resolve: (reply: Reply) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  dead: boolean;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private started = 0;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly entry: Entry,
  ) {}

  /** Tasks waiting for a worker. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Workers started and without a task. */
  get idle(): number {
    let n = 0;
    for (const s of this.slots) if (!s.dead && !s.job) n++;
    return n;
  }

  /** Starts the workers now, so their start-up overlaps other work. */
  warm(): void {
    try {
      while (!this.closed && this.slots.length < this.size) this.spawn();
    } catch {
      // Not fatal here: run() tries again and reports a worker that cannot start per part.
    }
  }

  /**
   * Runs a task on the next free worker (before the tasks queued, when `first`). Resolves
   * with its reply; a crash becomes a `failed` reply with an internal error that names `label`.
   */
  run(task: ScanTask, label: string, onProgress?: Job['onProgress'], note?: Promise<Note>, first = false): Promise<Reply> {
    return new Promise((resolve) => {
      const job: Job = { id: this.nextId++, task, label, onProgress, note, resolve };
      if (first) this.queue.unshift(job);
      else this.queue.push(job);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve(failure('internal', `the worker pool closed before ${job.label} was read`));
    for (const slot of this.slots) {
      const job = slot.job;
      slot.job = undefined;
      job?.resolve(failure('internal', `the worker pool closed while ${job.label} was read`));
    }
    await Promise.all(this.slots.splice(0).map((s) => ((s.dead = true), s.worker.terminate().catch(() => 0))));
  }

  private dispatch(): void {
    if (this.closed) return;
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.dead && !s.job);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        if (this.started >= this.size * 2 + 2) {
          // Workers keep dying: fail what is left rather than start more.
          for (const job of this.queue.splice(0)) job.resolve(failure('internal', `no worker could run ${job.label}: workers keep exiting`));
          return;
        }
        try {
          slot = this.spawn();
        } catch (err) {
          for (const job of this.queue.splice(0)) job.resolve(failure('internal', `no worker could start to read ${job.label}: ${(err as Error).message}`));
          return;
        }
      }
      const job = this.queue.shift()!;
      slot.job = job;
      // A busy worker keeps the process alive; an idle one does not.
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, task: job.task });
      const worker = slot.worker;
      void job.note
        ?.then((note) => {
          if (slot.job === job) worker.postMessage({ id: job.id, note });
        })
        // A note that cannot be sent would leave the task waiting: the worker goes, and its task fails.
        .catch(() => void worker.terminate().catch(() => 0));
    }
  }

  private spawn(): Slot {
    this.started++;
    const worker = new Worker(this.entry.script, { eval: this.entry.eval, execArgv: this.entry.eval ? [] : undefined });
    worker.unref();
    const slot: Slot = { worker, dead: false };
    this.slots.push(slot);
    worker.on('message', (msg: { id: number; reply: Reply }) => {
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      if (msg.reply.kind === 'progress' || msg.reply.kind === 'split') {
        job.onProgress?.(msg.reply);
        return;
      }
      slot.job = undefined;
      worker.unref();
      job.resolve(msg.reply);
      this.dispatch();
    });
    const fail = (why: string, stack?: string) => {
      if (slot.dead) return;
      slot.dead = true;
      const at = this.slots.indexOf(slot);
      if (at >= 0) this.slots.splice(at, 1);
      void worker.terminate().catch(() => 0);
      const job = slot.job;
      slot.job = undefined;
      if (job) job.resolve(failure('internal', `the worker reading ${job.label} ${why}`, stack));
      this.dispatch();
    };
    worker.on('error', (err) => fail(`threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, err instanceof Error ? err.stack : undefined));
    worker.on('messageerror', (err) => fail(`sent a message that could not be read (${err.message})`));
    worker.on('exit', (code) => fail(`exited (code ${code})`));
    return slot;
  }
}

function failure(kind: WireError['kind'], message: string, stack?: string): Reply {
  return { kind: 'failed', error: { kind, name: 'WorkerCrash', message, stack } };
}
