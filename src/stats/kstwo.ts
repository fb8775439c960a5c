/**
 * Two-sided one-sample Kolmogorov–Smirnov distribution D_n, the numbers of
 * `scipy.stats.kstwo` in scipy 1.10 (`scipy/stats/_ksstats.py`, after Simard
 * and L'Ecuyer (2011), "Computing the Two-Sided Kolmogorov-Smirnov
 * Distribution"):
 *
 * - Ruben–Gambino closed forms for n*x <= 1 and n*x >= n-1;
 * - 2 * smirnov(n, x) for x >= 0.5, where it is exact;
 * - n <= 140: Durbin's matrix (Marsaglia–Tsang–Wang) for n x^2 <= 0.754693,
 *   Pomeranz's recursion for n x^2 <= 4, else 2 * smirnov(n, x);
 * - n > 140 (survival function): 0 for n x^2 >= 370, 2 * smirnov(n, x) for
 *   n x^2 >= 2.2, else 1 - CDF with the CDF from Durbin's matrix when
 *   n <= 100000 and n x^1.5 <= 1.4, from the Pelz–Good expansion otherwise.
 *
 * Where scipy's numpy code silently switches to 80-bit long double (scaling
 * by the long double constant 2^±128), the remaining products are carried in
 * double-double, which reproduces the long double results to well below
 * double precision.
 */

import { type DD, dSubDd, ddDivD, ddLdexp, ddMulD, ldexp } from './dd.js';
import { smirnov } from './smirnov.js';

const E128 = 128;
const EP128 = 3.402823669209385e38; // 2^128
const EM128 = 2.938735877055719e-39; // 2^-128

const SQRT2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const MIN_LOG = -708;
const SQRT3 = Math.sqrt(3);
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;

// B_{2j}/(2j)/(2j-1) for j = 8..1: Stirling series coefficients.
const STIRLING_COEFFS = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
  8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
  -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

/** numpy's pairwise summation order for a short contiguous float64 array (n <= 128). */
function numpySum(a: readonly number[]): number {
  const n = a.length;
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[i];
    return res;
  }
  const r = a.slice(0, 8);
  let i = 8;
  for (; i < n - (n % 8); i += 8) {
    for (let j = 0; j < 8; j++) r[j] += a[i + j];
  }
  let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
  for (; i < n; i++) res += a[i];
  return res;
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** log(n! / n^n) by Stirling's series, with n*log(n) removed up front. */
function logNFactorialDivNPowN(n: number): number {
  const rn = 1.0 / n;
  const z = rn / n;
  let poly = 0;
  for (const c of STIRLING_COEFFS) poly = poly * z + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/**
 * A probability that scipy holds either as a double or, after a scaling by
 * a long double constant, as a long double (carried here in double-double).
 */
interface MaybeExtended {
  value: number;
  extended: DD | null;
}

/** 1 - clip(p) from a probability that may be extended, rounded to double. */
function sfFromCdf(p: MaybeExtended, expnt: number): number {
  if (p.extended === null) {
    let v = p.value;
    if (expnt !== 0) v = ldexp(v, expnt);
    return 1.0 - clip01(v);
  }
  let e = p.extended;
  if (expnt !== 0) e = ddLdexp(e, expnt);
  const v = e.hi + e.lo;
  if (v <= 0) return 1;
  if (v >= 1) return 0;
  return dSubDd(1.0, e).hi;
}

/**
 * Pr(D_n <= d) by Durbin's matrix algorithm as arranged by Marsaglia, Tsang
 * and Wang; returned as the survival function 1 - CDF.
 * (scipy `_kolmogn_DMTW`)
 */
function kolmognDMTWSf(n: number, d: number): number {
  if (d >= 1.0) return 0.0;
  const nd = n * d;
  if (nd <= 0.5) return 1.0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  // v: first column (and reversed last row); w[j] = 1/j!
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1.0;
  for (let j = 1; j <= m; j++) {
    v[j - 1] = 1.0 - Math.pow(h, j);
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] *= fac;
  }
  const tt = Math.pow(Math.max(2 * h - 1.0, 0), m) - 2 * Math.pow(h, m);
  v[m - 1] = (1.0 + tt) * fac;

  let H = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1];
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];

  let Hpwr = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let tmp = new Float64Array(m * m);
  const matmul = (A: Float64Array, B: Float64Array, out: Float64Array): void => {
    out.fill(0);
    for (let i = 0; i < m; i++) {
      const rowA = i * m;
      const rowOut = i * m;
      for (let l = 0; l < m; l++) {
        const a = A[rowA + l];
        if (a === 0) continue;
        const rowB = l * m;
        for (let j = 0; j < m; j++) out[rowOut + j] += a * B[rowB + j];
      }
    }
  };

  let nn = n;
  let expnt = 0; // scaling of Hpwr
  let Hexpnt = 0; // scaling of H
  while (nn > 0) {
    if (nn % 2) {
      matmul(Hpwr, H, tmp);
      [Hpwr, tmp] = [tmp, Hpwr];
      expnt += Hexpnt;
    }
    nn = Math.floor(nn / 2);
    if (nn === 0) break; // the last squaring of H is never used
    matmul(H, H, tmp);
    [H, tmp] = [tmp, H];
    Hexpnt *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]) > EP128) {
      for (let i = 0; i < m * m; i++) H[i] /= EP128;
      Hexpnt += E128;
    }
  }

  // Multiply by n!/n^n, rescaling as needed.
  const p: MaybeExtended = { value: Hpwr[(k - 1) * m + (k - 1)], extended: null };
  for (let i = 1; i <= n; i++) {
    if (p.extended === null) {
      p.value = (i * p.value) / n;
      if (Math.abs(p.value) < EM128) {
        p.extended = { hi: p.value * EP128, lo: 0 };
        expnt -= E128;
      }
    } else {
      let e = ddDivD(ddMulD(p.extended, i), n);
      if (Math.abs(e.hi) < EM128) {
        e = ddLdexp(e, E128);
        expnt -= E128;
      }
      p.extended = e;
    }
  }
  return sfFromCdf(p, expnt);
}

/** Interval of possibly non-zero entries in row i of Pomeranz's recursion. */
function pomeranzJ1J2(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      // i is odd
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/**
 * Pr(D_n <= x) by Pomeranz's recursion; returned as the survival function.
 * (scipy `_kolmogn_Pomeranz`)
 */
function kolmognPomeranzSf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = 1.0 * (t - ll);
  const g = Math.min(f, 1.0 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  // (g/n)^m/m!, (2g/n)^m/m!, ((1-2g)/n)^m/m!: Poisson probabilities without the normalising factor
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1.0;
  twogpower[0] = 1.0;
  onem2gpower[0] = 1.0;
  let expnt = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1] * gOverN) / m;
    twogpower[m] = (twogpower[m - 1] * twoGOverN) / m;
    onem2gpower[m] = (onem2gpower[m - 1] * oneMinusTwoGOverN) / m;
  }

  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzJ1J2(0, n, ll, ceilf, roundf);
  const conv = new Float64Array(2 * npwrs);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0.0);
    [j1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // full convolution of V0[k1-V0s : k1-V0s+ln2] with pwrs[:ln2]
      const aStart = k1 - V0s;
      const aLen = Math.max(0, Math.min(ln2, npwrs - aStart));
      const bLen = Math.min(ln2, npwrs);
      const convLen = aLen + bLen - 1;
      for (let q = 0; q < convLen; q++) {
        let s = 0;
        const lo = Math.max(0, q - bLen + 1);
        const hi = Math.min(q, aLen - 1);
        for (let r = lo; r <= hi; r++) s += V0[aStart + r] * pwrs[q - r];
        conv[q] = s;
      }
      const convStart = j1 - k1;
      const convUse = j2 - j1 + 1;
      let vmax = -Infinity;
      for (let q = 0; q < convUse; q++) {
        const src = convStart + q;
        V1[q] = src >= 0 && src < convLen ? conv[src] : 0;
      }
      for (let q = 0; q < npwrs; q++) if (V1[q] > vmax) vmax = V1[q];
      // scale to avoid underflow
      if (vmax > 0 && vmax < EM128) {
        for (let q = 0; q < npwrs; q++) V1[q] *= EP128;
        expnt -= E128;
      }
      V1s = V0s + j1 - k1;
    }
  }

  // multiply by n!
  const ans: MaybeExtended = { value: V1[n - V1s], extended: null };
  for (let m = 1; m <= n; m++) {
    if (ans.extended === null) {
      if (Math.abs(ans.value) > EP128) {
        ans.extended = { hi: ans.value * EM128, lo: 0 };
        expnt += E128;
        ans.extended = ddMulD(ans.extended, m);
      } else {
        ans.value *= m;
      }
    } else {
      let e = ans.extended;
      if (Math.abs(e.hi) > EP128) {
        e = ddLdexp(e, -E128);
        expnt += E128;
      }
      ans.extended = ddMulD(e, m);
    }
  }
  return sfFromCdf(ans, expnt);
}

/**
 * Pelz–Good approximation to Pr(D_n <= x), 0 <= x <= 1 (not clipped).
 * (scipy `_kolmogn_PelzGood`)
 */
function kolmognPelzGoodCdf(n: number, x: number): number {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;

  const z = Math.sqrt(n) * x;
  const zsquared = z ** 2;
  const zthree = z ** 3;
  const zfour = z ** 4;
  const zsix = z ** 6;

  const qlog = -PI_SQUARED / 8 / zsquared;
  if (qlog < MIN_LOG) return 0.0; // z ~ 0.041743441416853426
  let q = Math.exp(qlog);

  // coefficients of the terms in the sums for K1, K2 and K3
  const k1a = -zsquared;
  const k1b = PI_SQUARED / 4;

  const k2a = 6 * zsix + 2 * zfour;
  const k2b = ((2 * zfour - 5 * zsquared) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * zsquared)) / 16;

  const k3d = (PI_SIX * (5 - 30 * zsquared)) / 64;
  const k3c = (PI_FOUR * (-60 * zsquared + 212 * zfour)) / 16;
  const k3b = (PI_SQUARED * (135 * zfour - 96 * zsix)) / 4;
  const k3a = -30 * zsix - 90 * z ** 8;

  const K = [0, 0, 0, 0];
  // Horner scheme for sum c_i q^(i^2), a sum over odd integers
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const msquared = m ** 2;
    const mfour = m ** 4;
    const msix = m ** 6;
    const qpower = Math.pow(q, 8 * k);
    const c0 = 1.0;
    const c1 = k1a + k1b * msquared;
    const c2 = k2a + k2b * msquared + k2c * mfour;
    const c3 = k3a + k3b * msquared + k3c * mfour + k3d * msix;
    K[0] = K[0] * qpower + c0;
    K[1] = K[1] * qpower + c1;
    K[2] = K[2] * qpower + c2;
    K[3] = K[3] * qpower + c3;
  }
  const divisors = [z, 6 * zfour, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) {
    K[i] *= q;
    K[i] *= SQRT2PI;
    K[i] /= divisors[i];
  }

  // the other sums, over all integers k:
  // K_2: (pi^2 k^2) q^(k^2);  K_3: (3 pi^2 k^2 z^2 - pi^4 k^4) q^(k^2)
  q = Math.exp(-PI_SQUARED / 2 / zsquared);
  const sqrt3z = SQRT3 * z;
  const t2s: number[] = [];
  const t3s: number[] = [];
  for (let k = maxk; k > 0; k--) {
    const ksquared = k * k;
    const kspi = Math.PI * k;
    const qpwer = Math.pow(q, ksquared);
    t2s.push(ksquared * qpwer);
    t3s.push((sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpwer);
  }
  const k2sum = numpySum(t2s);
  const k3sum = numpySum(t3s);
  let k2extra = k2sum;
  k2extra *= (PI_SQUARED * SQRT2PI) / (-36 * zthree);
  K[2] += k2extra;
  let k3extra = k3sum;
  k3extra *= (PI_SQUARED * SQRT2PI) / (216 * zsix);
  K[3] += k3extra;
  const nf = n * 1.0;
  K[1] /= Math.pow(nf, 0.5);
  K[2] /= Math.pow(nf, 1.0);
  K[3] /= Math.pow(nf, 1.5);

  return 0 + K[0] + K[1] + K[2] + K[3];
}

/**
 * Survival function of the two-sided one-sample statistic, Pr(D_n > x);
 * the same numbers as `scipy.stats.kstwo.sf(x, n)`. n must be a positive
 * integer (NaN otherwise).
 */
export function kstwoSf(x: number, n: number): number {
  if (Number.isNaN(x) || Number.isNaN(n)) return NaN;
  if (!(n >= 1) || !Number.isInteger(n)) return NaN;
  // support of kstwo is (0.5/n, 1)
  if (x <= 0.5 / n) return 1.0;
  if (x >= 1.0) return 0.0;
  return kolmognSf(n, x);
}

/** scipy `_kolmogn(n, x, cdf=False)`. */
export function kolmognSf(n: number, x: number): number {
  if (x >= 1.0) return 0.0;
  if (x <= 0.0) return 1.0;
  const t = n * x;
  if (t <= 1.0) {
    // Ruben–Gambino: 1/2n <= x <= 1/n
    if (t <= 0.5) return 1.0;
    let prob: number;
    if (n <= 140) {
      const c = 2 * t - 1;
      const rn = 1.0 / n;
      prob = 1 * rn * c;
      for (let i = 2; i <= n; i++) prob *= i * rn * c;
    } else {
      prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1.0 - prob);
  }
  if (t >= n - 1) {
    // Ruben–Gambino
    const prob = 2 * Math.pow(1.0 - x, n);
    return clip01(prob);
  }
  if (x >= 0.5) {
    // exact: 2 * smirnov
    return clip01(2 * smirnov(n, x));
  }

  const nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) return clip01(kolmognDMTWSf(n, x));
    if (nxsquared <= 4) return clip01(kolmognPomeranzSf(n, x));
    return clip01(2 * smirnov(n, x));
  }

  if (nxsquared >= 370.0) return 0.0;
  if (nxsquared >= 2.2) return clip01(2 * smirnov(n, x));
  if (n <= 100000 && n * Math.pow(x, 1.5) <= 1.4) return clip01(kolmognDMTWSf(n, x));
  return clip01(1.0 - kolmognPelzGoodCdf(n, x));
}

/** Which formula {@link kolmognSf} uses for (n, x); for tests and diagnostics. */
export function kolmognSfBranch(n: number, x: number): string {
  if (x >= 1.0 || x <= 0.0) return 'trivial';
  const t = n * x;
  if (t <= 1.0) return t <= 0.5 ? 'trivial' : 'ruben-gambino-low';
  if (t >= n - 1) return 'ruben-gambino-high';
  if (x >= 0.5) return '2*smirnov';
  const nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) return 'durbin-matrix';
    if (nxsquared <= 4) return 'pomeranz';
    return '2*smirnov';
  }
  if (nxsquared >= 370.0) return 'zero';
  if (nxsquared >= 2.2) return '2*smirnov';
  if (n <= 100000 && n * Math.pow(x, 1.5) <= 1.4) return 'durbin-matrix';
  return 'pelz-good';
}
