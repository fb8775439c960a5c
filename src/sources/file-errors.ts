import { DataError } from '../errors.js';

/** The DataError for a failed open, stat or read of a data file, named by its errno. */
export function readError(file: string, err: unknown): DataError {
  if (err instanceof DataError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  switch (e?.code) {
    case 'ENOENT':
      return new DataError(`${file}: no such file`, { file, hint: "check the path; relative paths start at the config file's folder" });
    case 'EACCES':
    case 'EPERM':
      return new DataError(`${file}: permission denied`, { file, hint: 'make the file readable by the user running dqc' });
    case 'EISDIR':
      return new DataError(`${file}: is a folder, not a file`, { file, hint: 'point the source at the folder itself, or use a glob' });
    default:
      return new DataError(`${file}: cannot read: ${e?.message ?? String(err)}`, { file });
  }
}
