/**
 * Mutated fixtures (truncations, byte flips, inserted delimiters, quotes and newlines)
 * must give a report or a clear DqcError — never another exception, never a hang.
 * DQC_FUZZ_RUNS raises the number of cases (default keeps CI fast).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseConfig } from '../../src/config/load.ts';
import { DqcError } from '../../src/errors.ts';
import { runSuite } from '../../src/run.ts';
import { dqc, noStack, ROOT, tempDir } from '../helpers.ts';

const RUNS = Number(process.env.DQC_FUZZ_RUNS ?? 40);
const CASE_TIMEOUT_MS = 10_000;
const CSV = readFileSync(path.join(ROOT, 'fixtures', 'transactions.csv')).subarray(0, 20_000);
const PARQUET = readFileSync(path.join(ROOT, 'fixtures', 'transactions.parquet'));

const CHECKS = `checks:
      completeness: {user_id: 0.0, amount: 0.05, category: 0.10}
      uniqueness: {key_columns: [transaction_id], max_duplicate_rate: 0.001}
      freshness: {timestamp_column: created_at, max_age_hours: 6}`;

type Mutation = { kind: 'truncate'; at: number } | { kind: 'flip'; at: number; byte: number } | { kind: 'insert'; at: number; text: string };

const mutation = (size: number): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(size) }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(size - 1), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(size), text: fc.constantFrom(',', '"', '\n', '\r', ',,,', '"\n"', '\0', '\xff\xfe', 'NA') }),
  );

function mutate(data: Buffer, ms: Mutation[]): Buffer {
  let out = Buffer.from(data);
  for (const m of ms) {
    const at = Math.min(m.at, out.length);
    if (m.kind === 'truncate') out = out.subarray(0, at);
    else if (m.kind === 'flip' && out.length > 0) out[Math.min(at, out.length - 1)] = m.byte;
    else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.from(m.text, 'latin1'), out.subarray(at)]);
  }
  return out;
}

/** Runs the suite in-process on mutated bytes; the only acceptable failure is a DqcError. */
async function survives(file: string, bytes: Buffer): Promise<void> {
  const dir = tempDir('dqc-fuzz-');
  writeFileSync(path.join(dir, file), bytes);
  const yaml = `datasets:\n  - name: f\n    source: ${file}\n    ${CHECKS}\n`;
  const config = parseConfig(yaml, path.join(dir, 'q.yaml'));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`hung on ${file} (${bytes.length} bytes)`)), CASE_TIMEOUT_MS)));
  try {
    const result = await Promise.race([runSuite(config, { now: Date.parse('2026-11-27T12:00:00Z') }), timeout]);
    for (const d of result.datasets) if (d.error) assert.ok(d.error.message.length > 0);
  } catch (err) {
    assert.ok(err instanceof DqcError, `not a DqcError: ${(err as Error)?.stack}`);
  } finally {
    clearTimeout(timer);
  }
}

describe('fuzzed inputs', () => {
  it(`CSV: ${RUNS} mutated files`, async () => {
    await fc.assert(fc.asyncProperty(fc.array(mutation(CSV.length), { minLength: 1, maxLength: 4 }), (ms) => survives('t.csv', mutate(CSV, ms))), { numRuns: RUNS, seed: 42 });
  });

  it(`Parquet: ${RUNS} mutated files`, async () => {
    await fc.assert(fc.asyncProperty(fc.array(mutation(PARQUET.length), { minLength: 1, maxLength: 3 }), (ms) => survives('t.parquet', mutate(PARQUET, ms))), { numRuns: RUNS, seed: 42 });
  });

  it('the CLI exits 0-3 with a message on a sample of mutated files', () => {
    const dir = tempDir('dqc-fuzz-cli-');
    writeFileSync(path.join(dir, 'q.yaml'), `datasets:\n  - name: f\n    source: t.parquet\n    ${CHECKS}\n`);
    const samples = fc.sample(fc.array(mutation(PARQUET.length), { minLength: 1, maxLength: 3 }), { numRuns: 6, seed: 7 });
    for (const ms of samples) {
      writeFileSync(path.join(dir, 't.parquet'), mutate(PARQUET, ms));
      const r = dqc(['check', '--config', path.join(dir, 'q.yaml'), '--now', '2026-11-27T12:00:00Z']);
      assert.ok(r.code !== null && r.code <= 3, `exit ${r.code} for ${JSON.stringify(ms)}: ${r.stderr}`);
      assert.ok(r.stdout.length + r.stderr.length > 0);
      assert.ok(noStack(r.stderr), r.stderr);
    }
  });
});
