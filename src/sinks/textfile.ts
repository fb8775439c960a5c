/**
 * node_exporter textfile collector output: the exposition text written atomically
 * (a temp file in the same folder, then rename), so the collector never reads half a file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { LAST_SUCCESS } from './metrics.js';

/** Last-success times in an earlier metrics file, by dataset: a failed run keeps them. */
export function readLastSuccess(file: string): Map<string, number> {
  const out = new Map<string, number>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  const line = new RegExp(`^${LAST_SUCCESS}\\{(.*)\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(line)) {
    const dataset = /(?:^|,)dataset="((?:[^"\\]|\\.)*)"/.exec(m[1])?.[1];
    const value = Number(m[2]);
    if (dataset !== undefined && Number.isFinite(value)) out.set(dataset.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c)), value);
  }
  return out;
}

/** Writes `text` to `file` atomically. Throws the file system's error. */
export function writeAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  // node_exporter reads only *.prom, so the temp name must not end in .prom.
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
