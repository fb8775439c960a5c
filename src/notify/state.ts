/**
 * `notify.state_file`: what each channel was last told is failing, so that the next run can
 * announce what recovered (and resolve exactly those PagerDuty incidents). A small JSON file,
 * written atomically after the notifications of a run went out.
 */
import { readFileSync } from 'node:fs';
import type { Severity } from '../config/types.js';
import { writeAtomic } from '../sinks/textfile.js';

/** An alert a channel was sent and that has not been resolved since. */
export interface OpenAlert {
  dataset: string;
  check?: string;
  column?: string;
  severity: Severity;
  /** When the alert was first sent (ISO 8601). */
  since: string;
}

export interface NotifyState {
  version: 1;
  /** channel name → alert key → open alert */
  channels: Record<string, Record<string, OpenAlert>>;
}

export function emptyState(): NotifyState {
  return { version: 1, channels: {} };
}

/** The state in `file`; a missing file is an empty state, an unreadable one too (with a warning). */
export function readState(file: string): { state: NotifyState; warning?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { state: emptyState() };
    return { state: emptyState(), warning: `cannot read notify state file ${file}: ${e.code ?? e.message}; recoveries since the last run are not announced` };
  }
  try {
    const parsed = JSON.parse(text) as NotifyState;
    if (parsed?.version !== 1 || typeof parsed.channels !== 'object' || parsed.channels === null) throw new Error('not a dqc notify state');
    return { state: parsed };
  } catch {
    return { state: emptyState(), warning: `notify state file ${file} is not a dqc state file (version 1); it is replaced, and recoveries since the last run are not announced` };
  }
}

/** Throws the file system's error. */
export function writeState(file: string, state: NotifyState): void {
  writeAtomic(file, JSON.stringify(state, null, 2) + '\n');
}
