/**
 * Where a part of a CSV file can start, found without reading the file up to there.
 *
 * Whether a line feed ends a record depends on every quote before it: a byte in the middle
 * of a file is either inside a quoted field or not, and only the bytes before it say which.
 * Both are tried instead. Read from a nominal start, each assumption gives its first record
 * boundary and a reading of the quotes after it; under the wrong one every quote is taken
 * the wrong way round, which shows within a few quoted fields as a quote inside an unquoted
 * field or text right after a closing quote. The assumption whose reading is clean is
 * taken; when neither or both are (no telling), the file is not cut there.
 *
 * A guess is checked where it matters: the part before it must end exactly there between
 * records (CsvPartMismatch otherwise, and the scan is read in one pass), so a wrong guess
 * costs time, never a result.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CR, LF } from './csv-tokenizer.js';
import { readError } from './file-errors.js';

/** Bytes read after a nominal start: the quotes in them decide between the two readings. */
const WINDOW = 64 * 1024;

export interface CsvLayout {
  /** Fields per record (the header's). */
  fields: number;
  delimiter: number;
  quote: number;
}

/** One reading of a window: its first record boundary, whether its quotes read cleanly, and records of another width after it. */
export interface Reading {
  /** Offset in the window of the byte after the first line feed outside quotes, or -1. */
  boundary: number;
  clean: boolean;
  /** Records after the boundary with another number of fields than the layout's. */
  wrongWidth: number;
  /** The window ends inside a quoted field (one never closed is likelier under the wrong reading). */
  endsQuoted: boolean;
}

/**
 * The byte after the first line feed at or after `from` and before `limit` that ends a
 * record, when the quotes around it tell; undefined when they do not.
 */
export function guessBoundary(path: string, from: number, limit: number, layout: CsvLayout): number | undefined {
  if (from <= 0 || limit <= from) return undefined;
  // One byte before `from`: whether `from` starts a field.
  const buf = Buffer.allocUnsafe(WINDOW + 1);
  const n = readAt(path, buf, from - 1) - 1;
  if (n <= 0) return undefined;
  const window = buf.subarray(1, 1 + n);
  const prev = buf[0];
  const fieldStart = prev === layout.delimiter || prev === LF || prev === CR;
  const at = pickReading(read(window, false, fieldStart, layout), read(window, true, false, layout));
  return at !== undefined && from + at < limit ? from + at : undefined;
}

/**
 * The boundary of the reading to trust: the clean one; when both are clean, the one that
 * does not end inside a quoted field, then the one with fewer records of a wrong width.
 */
export function pickReading(outside: Reading, inside: Reading): number | undefined {
  const a = outside.clean && outside.boundary >= 0;
  const b = inside.clean && inside.boundary >= 0;
  if (a && !b) return outside.boundary;
  if (b && !a) return inside.boundary;
  if (!a || !b) return undefined;
  if (outside.boundary === inside.boundary) return outside.boundary;
  if (outside.endsQuoted !== inside.endsQuoted) return outside.endsQuoted ? inside.boundary : outside.boundary;
  if (outside.wrongWidth < inside.wrongWidth) return outside.boundary;
  if (inside.wrongWidth < outside.wrongWidth) return inside.boundary;
  return undefined;
}

/**
 * Reads buf's quotes assuming its first byte is inside a quoted field (`inside`) or not
 * (then `fieldStart` says whether it begins a field), as RFC 4180 has them: a quote opens
 * a field only at its start, `""` inside one is a quote, and a closing quote is followed by
 * a delimiter or a line break. Anything else makes the reading unclean.
 */
export function read(buf: Uint8Array, inside: boolean, fieldStart: boolean, layout: CsvLayout): Reading {
  const { fields: width, delimiter: D, quote: Q } = layout;
  const n = buf.length;
  let quoted = inside;
  let atStart = fieldStart;
  let boundary = -1;
  let fields = 1;
  let blank = true;
  let wrongWidth = 0;
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (quoted) {
      if (c !== Q) continue;
      if (i + 1 >= n) break;
      const next = buf[i + 1];
      if (next === Q) {
        i++; // "" inside quotes
        continue;
      }
      if (next !== D && next !== LF && next !== CR) return { boundary, clean: false, wrongWidth, endsQuoted: quoted };
      quoted = false;
      continue;
    }
    if (c === Q) {
      if (!atStart) return { boundary, clean: false, wrongWidth, endsQuoted: quoted };
      quoted = true;
      atStart = false;
      blank = false;
      continue;
    }
    if (c === D) {
      fields++;
      atStart = true;
      blank = false;
      continue;
    }
    if (c === LF || c === CR) {
      if (boundary < 0) {
        if (c === LF) boundary = i + 1;
      } else if (!blank && fields !== width) {
        wrongWidth++;
      }
      fields = 1;
      blank = true;
      atStart = true;
      continue;
    }
    atStart = false;
    blank = false;
  }
  return { boundary, clean: true, wrongWidth, endsQuoted: quoted };
}

/** Fills buf from byte `position` of the file; returns the bytes read (fewer only at the end of the file). */
function readAt(path: string, buf: Buffer, position: number): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw readError(path, err);
  }
  try {
    let done = 0;
    while (done < buf.length) {
      const got = readSync(fd, buf, done, buf.length - done, position + done);
      if (got === 0) break;
      done += got;
    }
    return done;
  } catch (err) {
    throw readError(path, err);
  } finally {
    closeSync(fd);
  }
}
