import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fail } from '../../src/cli/output.ts';
import { DataError, EXIT } from '../../src/errors.ts';

/** Captures what `fn` writes to stderr. */
function stderrOf(fn: () => void): string {
  const write = process.stderr.write;
  let out = '';
  process.stderr.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = write;
  }
  return out;
}

it('a user error is one line and a hint, its exit code, no stack unless --debug', () => {
  const err = new DataError('orders.csv: no such file', { hint: 'check the path' });
  let code = 0;
  const out = stderrOf(() => (code = fail(err, false)));
  assert.equal(code, EXIT.data);
  assert.equal(out, 'dqc: error: orders.csv: no such file\n  hint: check the path\n');
  assert.match(stderrOf(() => fail(err, true)), /\n\s+at /);
});

it('anything else is a bug: exit 5, the stack, and a request to report it', () => {
  let code = 0;
  const out = stderrOf(() => (code = fail(new TypeError('x is undefined'), false)));
  assert.equal(code, EXIT.internal);
  assert.match(out, /^dqc: internal error: x is undefined\n/);
  assert.match(out, /\n\s+at /);
  assert.match(out, /This is a bug in dqc\. Please report it/);
});
