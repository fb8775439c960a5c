/**
 * Positional reads from a local file, for the Parquet source.
 *
 * The whole file is never loaded: callers ask for byte ranges (the footer, a
 * window of a column chunk) and get exactly those bytes or a DataError.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { AsyncBuffer } from 'hyparquet';
import { DataError } from '../errors.js';

export class ParquetFile {
  readonly path: string;
  readonly size: number;
  private readonly handle: FileHandle;
  private closed = false;

  private constructor(path: string, handle: FileHandle, size: number) {
    this.path = path;
    this.handle = handle;
    this.size = size;
  }

  /** Open `path` for reading; every failure is a DataError naming the file and the reason. */
  static async open(path: string): Promise<ParquetFile> {
    let handle: FileHandle;
    try {
      handle = await fsp.open(path, 'r');
    } catch (err) {
      throw openError(path, err);
    }
    try {
      const stat = await handle.stat();
      if (stat.isDirectory()) {
        throw new DataError(`${path}: is a directory, not a Parquet file`, {
          file: path,
          hint: 'point the dataset at a .parquet file (or a glob of them)',
        });
      }
      if (!stat.isFile()) {
        throw new DataError(`${path}: not a regular file; a Parquet file must be seekable`, { file: path });
      }
      return new ParquetFile(path, handle, stat.size);
    } catch (err) {
      await handle.close().catch(() => undefined);
      if (err instanceof DataError) throw err;
      throw openError(path, err);
    }
  }

  /**
   * Bytes [start, end) of the file, in a buffer of their own (never a shared pool),
   * so views into it stay valid for as long as anyone holds them.
   */
  async read(start: number, end: number): Promise<Uint8Array> {
    if (!(start >= 0 && end >= start && end <= this.size)) {
      throw new DataError(
        `${this.path}: read of bytes ${start}..${end} is outside the file (${this.size} bytes); the file is corrupt or truncated`,
        { file: this.path },
      );
    }
    const length = end - start;
    const buffer = Buffer.allocUnsafeSlow(length);
    let done = 0;
    while (done < length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.handle.read(buffer, done, length - done, start + done));
      } catch (err) {
        throw new DataError(`${this.path}: read failed at byte ${start + done}: ${errnoText(err)}`, { file: this.path });
      }
      if (bytesRead === 0) {
        throw new DataError(
          `${this.path}: unexpected end of file at byte ${start + done} (expected ${this.size} bytes); the file changed while it was being read`,
          { file: this.path, hint: 'read the file again once it is no longer being written' },
        );
      }
      done += bytesRead;
    }
    return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
  }

  /** The file as a hyparquet AsyncBuffer (positional reads, nothing cached). */
  asyncBuffer(): AsyncBuffer {
    return {
      byteLength: this.size,
      slice: async (start: number, end?: number): Promise<ArrayBuffer> => {
        const bytes = await this.read(start, end ?? this.size);
        return bytes.buffer.byteLength === bytes.byteLength
          ? (bytes.buffer as ArrayBuffer)
          : (bytes.slice().buffer as ArrayBuffer);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}

/** The DataError for a failed open or stat of `path`. */
export function openError(path: string, err: unknown): DataError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new DataError(`${path}: file not found`, { file: path, hint: 'check the path and the working directory' });
    case 'EACCES':
    case 'EPERM':
      return new DataError(`${path}: permission denied`, {
        file: path,
        hint: 'the user running dqc needs read permission on the file',
      });
    case 'EISDIR':
      return new DataError(`${path}: is a directory, not a Parquet file`, { file: path });
    case 'ENOTDIR':
      return new DataError(`${path}: a parent of this path is not a directory`, { file: path });
    default:
      return new DataError(`${path}: cannot open: ${errnoText(err)}`, { file: path });
  }
}

function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.code) return `${e.code}${e.message ? ` (${e.message.replace(/^[A-Z]+: /, '')})` : ''}`;
  return e instanceof Error ? e.message : String(err);
}
