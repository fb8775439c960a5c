/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, with the statistic,
 * p-value and method choice of scipy 1.10.1's
 * `scipy.stats.ks_2samp(data1, data2, alternative='two-sided', method='auto')`:
 *
 * - D = max |F1(x) - F2(x)| over the pooled data, ties grouped;
 * - 'exact' when max(n1, n2) <= 10000: D is re-rounded to h / lcm(n1, n2)
 *   and the p-value is the exact lattice-path probability (n1 == n2: the
 *   "outside the square" series, else the inside-method recursion); if that
 *   yields something that is not a probability, scipy falls back to 'asymp';
 * - 'asymp' otherwise: kstwo.sf(D, round(n1*n2/(n1+n2))) with numpy's
 *   round-half-to-even;
 * - the p-value is clipped to [0, 1].
 */

import { attemptExact2ksSamp, gcd, roundHalfEven } from './ks-exact.js';
import { kstwoSf } from './kstwo.js';
import { sortFloat64 } from './sort.js';

export interface KsResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymp';
  nReference: number;
  nCurrent: number;
}

/** ks_2samp with method='auto' tries the exact distribution up to this sample size. */
export const MAX_AUTO_N = 10000;

/**
 * D = max over x of |F_a(x) - F_b(x)| for two ascending-sorted samples, in one
 * merge pass. Equal values (also across samples) are consumed together, which
 * is what scipy's searchsorted(side='right') over the pooled data amounts to;
 * each ECDF difference is formed as i/na - j/nb, as scipy does.
 */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const na = a.length;
  const nb = b.length;
  let i = 0;
  let j = 0;
  let maxS = 0;
  let minS = 0;
  while (i < na || j < nb) {
    const v = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
    while (i < na && a[i] <= v) i++;
    while (j < nb && b[j] <= v) j++;
    const diff = i / na - j / nb;
    if (diff > maxS) maxS = diff;
    else if (diff < minS) minS = diff;
  }
  // scipy: minS = clip(-min(diff), 0, 1); the larger of the two wins, maxS on ties
  const negMin = -minS;
  return negMin > maxS ? negMin : maxS;
}

/**
 * Two-sided two-sample KS test of `reference` (scipy's data1) against
 * `current` (data2). D and p do not depend on the order of the arguments.
 *
 * Both arrays are sorted in place (a radix sort for large samples, which
 * briefly needs a scratch copy of the larger array). They must not contain
 * NaN.
 * Throws RangeError when either sample is empty.
 */
export function ks2samp(reference: Float64Array, current: Float64Array): KsResult {
  const n1 = reference.length;
  const n2 = current.length;
  if (n1 < 1 || n2 < 1) {
    throw new RangeError(
      `two-sample KS test needs at least one value in each sample (reference: ${n1}, current: ${n2})`,
    );
  }
  sortFloat64(reference);
  sortFloat64(current);
  return ksTest(ksStatisticSorted(reference, current), n1, n2);
}

/**
 * D as {@link ksStatisticSorted} computes it, from the reference's distinct values and
 * counts and the current sample's counts per reference value (`eq`) and per gap between
 * them (`gap`, u + 1 entries): only the ECDF differences at reference values and at the
 * last current value of each gap can be extremes, and they are formed from the same
 * integers, i/na - j/nb, so D is identical. Also returns where |F_ref - F_cur| is first
 * largest (`gapMax` gives the last current value of each gap).
 */
export function ksStatisticCounts(
  refValues: Float64Array,
  refCounts: Int32Array,
  eq: Int32Array,
  gap: Int32Array,
  gapMax: Float64Array,
): { statistic: number; at: number; referenceEcdf: number; currentEcdf: number } {
  const u = refValues.length;
  let na = 0;
  for (let k = 0; k < u; k++) na += refCounts[k];
  let nb = 0;
  for (let k = 0; k < u; k++) nb += eq[k] + gap[k];
  nb += gap[u];
  let i = 0;
  let j = 0;
  let maxS = 0;
  let minS = 0;
  let best = { at: NaN, referenceEcdf: 0, currentEcdf: 0 };
  let bestAbs = -1;
  const visit = (at: number) => {
    const diff = i / na - j / nb;
    if (diff > maxS) maxS = diff;
    else if (diff < minS) minS = diff;
    const abs = Math.abs(diff);
    if (abs > bestAbs) {
      bestAbs = abs;
      best = { at, referenceEcdf: i / na, currentEcdf: j / nb };
    }
  };
  for (let k = 0; k <= u; k++) {
    if (gap[k] > 0) {
      j += gap[k];
      visit(gapMax[k]);
    }
    if (k < u) {
      i += refCounts[k];
      j += eq[k];
      visit(refValues[k]);
    }
  }
  const negMin = -minS;
  return { statistic: negMin > maxS ? negMin : maxS, ...best };
}

/** The p-value and method of ks_2samp(method='auto') for statistic `d` of samples of n1 and n2 values. */
export function ksTest(statistic: number, n1: number, n2: number): KsResult {
  let d = statistic;
  let method: 'exact' | 'asymp' = Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'asymp';
  let prob = NaN;
  if (method === 'exact') {
    const g = gcd(n1, n2);
    const attempt = attemptExact2ksSamp(n1, n2, g, d);
    d = attempt.d;
    if (attempt.success) prob = attempt.prob;
    else method = 'asymp';
  }
  if (method === 'asymp') {
    const m = Math.max(n1, n2);
    const n = Math.min(n1, n2);
    const en = (m * n) / (m + n);
    prob = kstwoSf(d, roundHalfEven(en));
  }
  prob = prob < 0 ? 0 : prob > 1 ? 1 : prob;
  return { statistic: d, pValue: prob, method, nReference: n1, nCurrent: n2 };
}
