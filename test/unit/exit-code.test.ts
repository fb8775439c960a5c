import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Outcome } from '../../src/checks/result.ts';
import { exitCodeOf, type DatasetResult, type SuiteResult } from '../../src/run.ts';

function dataset(outcomes: Outcome[], errorExit?: 2 | 3): DatasetResult {
  return {
    name: 'd',
    source: 'x',
    rows: 1,
    outcome: 'passed',
    duration_seconds: 0,
    error: errorExit ? { code: 'E', exitCode: errorExit, message: 'm' } : undefined,
    checks: outcomes.map((outcome) => ({ type: 'completeness', metric: 'null_ratio', value: 0, threshold: 0, comparison: '<=', outcome, passed: outcome === 'passed', severity: 'error', message: '' })),
  };
}
const suite = (...datasets: DatasetResult[]): SuiteResult => ({ passed: false, now: '', duration_seconds: 0, datasets });

it('maps results to exit codes in the documented priority order', () => {
  const table: [string, SuiteResult, { deliveryFailed?: boolean; failOnWarn?: boolean }, number][] = [
    ['all passed', suite(dataset(['passed', 'passed'])), {}, 0],
    ['warned only', suite(dataset(['passed', 'warned'])), {}, 0],
    ['warned with --fail-on warn', suite(dataset(['warned'])), { failOnWarn: true }, 1],
    ['one failed', suite(dataset(['passed', 'failed'])), {}, 1],
    ['delivery failed, checks passed', suite(dataset(['passed'])), { deliveryFailed: true }, 4],
    ['check failure outranks delivery', suite(dataset(['failed'])), { deliveryFailed: true }, 1],
    ['not evaluated outranks failed', suite(dataset(['failed', 'error'])), {}, 3],
    ['unreadable dataset outranks failed', suite(dataset(['failed']), dataset([], 3)), {}, 3],
    ['a dataset error of any other kind is still exit 3', suite(dataset(['passed']), { ...dataset([]), error: { code: 'E', exitCode: 1, message: 'm' } }), {}, 3],
    ['an internal error in a dataset is exit 5', suite(dataset(['failed']), { ...dataset([]), error: { code: 'E_INTERNAL', exitCode: 5, message: 'm' } }), {}, 5],
    ['config error outranks everything', suite(dataset(['failed']), dataset([], 3), dataset([], 2)), { deliveryFailed: true }, 2],
  ];
  for (const [name, result, opts, code] of table) assert.equal(exitCodeOf(result, opts), code, name);
});
