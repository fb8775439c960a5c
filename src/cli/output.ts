import { writeFileSync } from 'node:fs';
import { DqcError, EXIT, type ExitCode } from '../errors.js';

/** Print an error to stderr; returns its exit code. Non-DqcErrors are bugs (exit 5). */
export function fail(err: unknown, debug: boolean): ExitCode {
  if (err instanceof DqcError) {
    process.stderr.write(`dqc: error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  hint: ${err.hint}\n`);
    if (debug && err.stack) process.stderr.write(err.stack + '\n');
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`dqc: internal error: ${e?.message ?? String(err)}\n`);
  process.stderr.write(`${e?.stack ?? ''}\nThis is a bug in dqc. Please report it with the command you ran and this output.\n`);
  return EXIT.internal;
}

/** Wait for stdout and stderr to drain, then exit with the code already set. */
export async function finish(): Promise<never> {
  await Promise.all([drain(process.stdout), drain(process.stderr)]);
  process.exit();
}

function drain(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) resolve();
    else stream.write('', () => resolve());
  });
}

/** Prints a command's output, or writes it to `--output FILE`. */
export function emit(text: string, output: string | undefined): void {
  if (output === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(output, text);
  } catch (err) {
    throw new DqcError('E_OUTPUT', EXIT.usage, `cannot write ${output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'pass a writable path with --output');
  }
}
