import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

import { ks2samp, ksStatisticSorted } from '../../src/stats/ks.js';
import { kstwoSf, kolmognSfBranch } from '../../src/stats/kstwo.js';
import { smirnov } from '../../src/stats/smirnov.js';
import { outerProbInside, probOutsideSquare, roundHalfEven } from '../../src/stats/ks-exact.js';
import { sortFloat64 } from '../../src/stats/sort.js';

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, '..', 'data');

// ---------------------------------------------------------------------------
// reference data made by test/data/make-ks-cases.py with scipy 1.10.1

type SampleSpec =
  | { values: number[] }
  | { grid: { n: number; start: number; step: number; mult: number } }
  | { lcg: { n: number; seed: number; mod: number; terms: number; offset: number; scale: number } };

interface Ks2sampCase {
  name: string;
  note: string;
  reference: SampleSpec;
  current: SampleSpec;
  n_reference: number;
  n_current: number;
  statistic: number;
  p_value: number;
  method: 'exact' | 'asymp';
  fell_back: boolean;
  en?: number;
  kstwo_n?: number;
  kstwo_branch?: string;
}

interface KsCases {
  scipy: string;
  ks2samp: Ks2sampCase[];
  kstwo_sf: [number, number, number, string][];
  smirnov: [number, number, number][];
  prob_outside_square: [number, number, number][];
  outer_prob_inside: [number, number, number, number, number][];
}

const cases = JSON.parse(readFileSync(join(dataDir, 'ks-cases.json'), 'utf8')) as KsCases;

/** The sample generators of make-ks-cases.py. */
function generate(spec: SampleSpec): Float64Array {
  if ('values' in spec) return Float64Array.from(spec.values);
  if ('grid' in spec) {
    const { n, start, step, mult } = spec.grid;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = start + step * ((i * mult) % n);
    return out;
  }
  const { n, seed, mod, terms, offset, scale } = spec.lcg;
  const out = new Float64Array(n);
  let s = seed;
  for (let k = 0; k < n; k++) {
    let tot = 0;
    for (let t = 0; t < terms; t++) {
      s = (s * 48271) % 2147483647;
      tot += s % mod;
    }
    out[k] = offset + scale * tot;
  }
  return out;
}

function relErr(actual: number, expected: number): number {
  if (actual === expected) return 0;
  return Math.abs(actual - expected) / Math.abs(expected);
}

function assertClose(actual: number, expected: number, rtol: number, what: string): number {
  if (expected === 0) {
    assert.equal(actual, 0, `${what}: expected exactly 0, got ${actual}`);
    return 0;
  }
  const rel = relErr(actual, expected);
  assert.ok(rel <= rtol, `${what}: got ${actual}, scipy ${expected} (relative error ${rel} > ${rtol})`);
  return rel;
}

// ---------------------------------------------------------------------------

describe('ksStatisticSorted', () => {
  test('is max |F1 - F2| with ties grouped across samples', () => {
    const a = Float64Array.from([1, 2, 2, 3]);
    const b = Float64Array.from([2, 2, 4]);
    // at x=1: 1/4 - 0; x=2: 3/4 - 2/3; x=3: 1 - 2/3; x=4: 1 - 1
    assert.equal(ksStatisticSorted(a, b), 1 - 2 / 3);
    assert.equal(ksStatisticSorted(b, a), 1 - 2 / 3);
  });

  test('identical samples give 0 and disjoint samples give 1', () => {
    const a = Float64Array.from([0, 1, 1, 5]);
    assert.equal(ksStatisticSorted(a, a.slice()), 0);
    assert.equal(ksStatisticSorted(a, Float64Array.from([6, 7])), 1);
    assert.equal(ksStatisticSorted(Float64Array.from([6, 7]), a), 1);
  });

  test('treats -0 and +0 as the same value', () => {
    const a = Float64Array.from([0, -0, 1]).sort();
    const b = Float64Array.from([0, 2]);
    // at 0: 2/3 - 1/2; at 1: 1 - 1/2
    assert.equal(ksStatisticSorted(a, b), 1 - 1 / 2);
    assert.equal(ksStatisticSorted(Float64Array.from([-0, 1]), Float64Array.from([0, 1])), 0);
  });

  test('handles infinities', () => {
    const a = Float64Array.from([-Infinity, 0, Infinity]);
    const b = Float64Array.from([-Infinity, Infinity]);
    // differences 1/3 - 1/2, 2/3 - 1/2, 0: scipy keeps the larger of
    // max(diff) and -min(diff), which here is -(1/3 - 1/2)
    assert.equal(ksStatisticSorted(a, b), -(1 / 3 - 1 / 2));
  });
});

describe('sortFloat64', () => {
  test('sorts like Float64Array.prototype.sort (radix path and small path)', () => {
    let s = 7;
    const rnd = (): number => {
      s = (s * 48271) % 2147483647;
      return s / 2147483647;
    };
    const specials = [-Infinity, Infinity, -0, 0, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1];
    for (const n of [0, 1, 5, 1000, 200003]) {
      for (const kind of ['wide', 'ties', 'positive', 'specials']) {
        const a = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const u = rnd();
          a[i] =
            kind === 'wide'
              ? (u - 0.5) * 10 ** Math.floor(rnd() * 40 - 20)
              : kind === 'ties'
                ? Math.floor(u * 7) - 3
                : kind === 'positive'
                  ? Math.round(u * 1e6) / 100
                  : specials[Math.floor(u * specials.length)];
        }
        const want = a.slice().sort();
        const got = sortFloat64(a);
        assert.equal(got, a, 'sorts in place');
        for (let i = 0; i < n; i++) {
          if (!Object.is(a[i], want[i])) assert.fail(`${kind} n=${n}: index ${i}: ${a[i]} != ${want[i]}`);
        }
      }
    }
  });

  test('sorts a subarray view in place without touching its neighbours', () => {
    const buf = new Float64Array(140000 + 2);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 7919) % 140009;
    buf[0] = -1;
    buf[buf.length - 1] = -2;
    const view = buf.subarray(1, buf.length - 1);
    const want = view.slice().sort();
    sortFloat64(view);
    assert.deepEqual(Array.from(view), Array.from(want));
    assert.equal(buf[0], -1);
    assert.equal(buf[buf.length - 1], -2);
  });
});

describe('ks2samp basics', () => {
  test('throws RangeError for an empty sample', () => {
    assert.throws(() => ks2samp(new Float64Array(0), Float64Array.from([1])), RangeError);
    assert.throws(() => ks2samp(Float64Array.from([1]), new Float64Array(0)), RangeError);
  });

  test('sorts its inputs in place and reports sample sizes', () => {
    const ref = Float64Array.from([3, 1, 2]);
    const cur = Float64Array.from([9, 7, 8, 6]);
    const r = ks2samp(ref, cur);
    assert.deepEqual(Array.from(ref), [1, 2, 3]);
    assert.deepEqual(Array.from(cur), [6, 7, 8, 9]);
    assert.equal(r.nReference, 3);
    assert.equal(r.nCurrent, 4);
    assert.equal(r.statistic, 1);
    assert.equal(r.method, 'exact');
  });

  test('roundHalfEven is numpy.round', () => {
    assert.equal(roundHalfEven(2.5), 2);
    assert.equal(roundHalfEven(3.5), 4);
    assert.equal(roundHalfEven(10000.5), 10000);
    assert.equal(roundHalfEven(10001.5), 10002);
    assert.equal(roundHalfEven(0.49999999999999994), 0);
    assert.equal(roundHalfEven(13550.673469080393), 13551);
  });
});

describe(`ks2samp vs scipy ${cases.scipy} ks_2samp (generated cases)`, () => {
  let worstP = 0;
  let worstD = 0;
  for (const c of cases.ks2samp) {
    test(c.name, () => {
      const ref = generate(c.reference);
      const cur = generate(c.current);
      assert.equal(ref.length, c.n_reference);
      assert.equal(cur.length, c.n_current);
      const swappedRef = cur.slice();
      const swappedCur = ref.slice();
      const r = ks2samp(ref, cur);
      assert.equal(r.method, c.method, 'method');
      worstD = Math.max(worstD, assertClose(r.statistic, c.statistic, 1e-12, 'statistic'));
      worstP = Math.max(worstP, assertClose(r.pValue, c.p_value, 1e-9, 'p-value'));
      if (c.kstwo_n !== undefined) {
        assert.equal(roundHalfEven(c.en as number), c.kstwo_n);
        assert.equal(kolmognSfBranch(c.kstwo_n, r.statistic), c.kstwo_branch, 'kstwo branch');
      }
      // the argument order changes neither D nor p
      const s = ks2samp(swappedRef, swappedCur);
      assert.equal(s.statistic, r.statistic);
      assert.equal(s.pValue, r.pValue);
      assert.equal(s.method, r.method);
    });
  }
  test('summary', (t) => {
    t.diagnostic(`max relative error: statistic ${worstD}, p-value ${worstP}`);
  });

  test('covers every kstwo branch and the exact fallback', () => {
    const branches = new Set(cases.ks2samp.map((c) => c.kstwo_branch).filter(Boolean));
    for (const b of ['zero', '2*smirnov', 'pelz-good', 'durbin-matrix', 'pomeranz', 'ruben-gambino-low', 'ruben-gambino-high']) {
      assert.ok(branches.has(b), b);
    }
    assert.ok(cases.ks2samp.some((c) => c.fell_back && c.method === 'asymp'));
    assert.ok(cases.ks2samp.some((c) => c.en !== undefined && c.en % 1 === 0.5));
  });
});

describe('oracle datasets (amount and age columns)', () => {
  const oracleDir = join(dataDir, 'oracle-cases');
  const caseNames = readdirSync(oracleDir).filter((d) => existsSync(join(oracleDir, d, 'expected.json')));

  function loadColumns(path: string, names: string[]): Record<string, Float64Array> {
    const lines = readFileSync(path, 'utf8').split(/\r?\n/);
    const header = lines[0].split(',');
    const idx = names.map((n) => header.indexOf(n));
    const cols: number[][] = names.map(() => []);
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if (line === '') continue;
      const fields = line.split(',');
      idx.forEach((k, c) => {
        const f = fields[k];
        if (f !== undefined && f !== '') cols[c].push(Number(f));
      });
    }
    return Object.fromEntries(names.map((n, c) => [n, Float64Array.from(cols[c])]));
  }

  test('there are oracle cases', () => assert.ok(caseNames.length >= 4));

  for (const name of caseNames) {
    test(name, () => {
      const expected = JSON.parse(readFileSync(join(oracleDir, name, 'expected.json'), 'utf8'));
      const ref = loadColumns(join(oracleDir, name, 'reference.csv'), ['amount', 'age']);
      const cur = loadColumns(join(oracleDir, name, 'current.csv'), ['amount', 'age']);
      for (const col of ['amount', 'age']) {
        const e = expected.checks.drift.columns[col];
        const r = ks2samp(ref[col], cur[col]);
        assert.equal(r.nReference, e.n_reference, `${col} n_reference`);
        assert.equal(r.nCurrent, e.n_current, `${col} n_current`);
        assert.equal(r.method, e.method, `${col} method`);
        assertClose(r.statistic, e.statistic, 1e-12, `${col} statistic`);
        assertClose(r.pValue, e.p_value, 1e-6, `${col} p-value`);
        assertClose(r.pValue, e.p_value, 1e-10, `${col} p-value (tight)`);
      }
    });
  }
});

describe(`kstwo.sf vs scipy ${cases.scipy}`, () => {
  test('all branches', () => {
    let worst = 0;
    const perBranch = new Map<string, number>();
    for (const [n, x, expected, branch] of cases.kstwo_sf) {
      assert.equal(kolmognSfBranch(n, x), branch, `branch for n=${n} x=${x}`);
      const rel = assertClose(kstwoSf(x, n), expected, 1e-10, `kstwo.sf(${x}, ${n}) [${branch}]`);
      worst = Math.max(worst, rel);
      perBranch.set(branch, Math.max(perBranch.get(branch) ?? 0, rel));
    }
    assert.ok(perBranch.size >= 8);
    assert.ok(worst < 1e-10);
  });

  test('argument checks', () => {
    assert.ok(Number.isNaN(kstwoSf(0.1, 0)));
    assert.ok(Number.isNaN(kstwoSf(0.1, 2.5)));
    assert.ok(Number.isNaN(kstwoSf(NaN, 10)));
    assert.equal(kstwoSf(0, 10), 1);
    assert.equal(kstwoSf(0.05, 10), 1);
    assert.equal(kstwoSf(1, 10), 0);
  });
});

describe(`smirnov vs scipy ${cases.scipy} special.smirnov`, () => {
  test('values', () => {
    for (const [n, x, expected] of cases.smirnov) {
      assertClose(smirnov(n, x), expected, 1e-13, `smirnov(${n}, ${x})`);
    }
  });
  test('domain', () => {
    assert.ok(Number.isNaN(smirnov(0, 0.5)));
    assert.ok(Number.isNaN(smirnov(5, -0.1)));
    assert.ok(Number.isNaN(smirnov(5, 1.1)));
  });
});

/** scipy's inside-method recursion, one column at a time (reference for the paired-column version). */
function outerProbInsideColumnwise(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = Math.trunc(m / g);
  const ng = Math.trunc(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1.0);
  for (let j = minj; j < maxj; j++) A[j] = 0.0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1.0;
    let val = minj === 0 ? 0.0 : 1.0;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      for (let t = curlen; t < Math.min(lastlen, lenA); t++) A[t] = 1;
    }
  }
  return A[maxj - minj - 1];
}

describe('exact two-sample path counts vs scipy', () => {
  test('probOutsideSquare (n1 == n2)', () => {
    for (const [n, h, expected] of cases.prob_outside_square) {
      assertClose(probOutsideSquare(n, h), expected, 1e-14, `square(${n}, ${h})`);
    }
  });
  test('outerProbInside (n1 != n2)', () => {
    for (const [m, n, g, h, expected] of cases.outer_prob_inside) {
      assertClose(outerProbInside(m, n, g, h), expected, 1e-14, `inside(${m}, ${n}, ${g}, ${h})`);
    }
  });
  test('outerProbInside equals the column-by-column recursion bit for bit', () => {
    let s = 12345;
    const rnd = (): number => {
      s = (s * 48271) % 2147483647;
      return s / 2147483647;
    };
    for (let t = 0; t < 2000; t++) {
      const m = 1 + Math.floor(rnd() ** 2 * 300);
      const n = 1 + Math.floor(rnd() ** 2 * 300);
      let a = m;
      let b = n;
      while (b !== 0) [a, b] = [b, a % b];
      const h = 1 + Math.floor(rnd() ** 3 * (m / a) * n);
      const got = outerProbInside(m, n, a, h);
      const want = outerProbInsideColumnwise(m, n, a, h);
      assert.ok(Object.is(got, want), `inside(${m}, ${n}, ${a}, ${h}): ${got} != ${want}`);
    }
  });
});
