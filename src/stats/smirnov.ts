/**
 * One-sided Kolmogorov–Smirnov (Smirnov) distribution: survival function of
 * D+_n, the same numbers as `scipy.special.smirnov(n, d)` in scipy 1.10
 * (`scipy/special/cephes/kolmogorov.c`, van Mulbregt's double-double
 * evaluation of the Birnbaum–Tingey / Smirnov–Dwass sums).
 *
 *   P(D+_n > d) = d * sum_{v=0}^{floor(n(1-d))} C(n,v) (d+v/n)^(v-1) (1-d-v/n)^(n-v)
 *
 * Only the survival function is computed (scipy also computes the CDF and
 * PDF alongside; those never change the survival value or the loop's stopping
 * point).
 */

import { type DD, DD_ONE, DD_ZERO, ddAddDD, ddDiv, ddFloor, ddMulDD, ddSub, frexp, frexpOut, ldexp } from './dd.js';

const DBL_EPSILON = Number.EPSILON;
/** cephes MINLOG with denormals enabled: log(2^-1075). */
const MINLOG = -7.451332191019412076235e2;
/** Above this n, scipy uses the approximation p ~ exp(-(6nx+1)^2 / 18n). */
const SMIRNOV_MAX_COMPUTE_N = 1000000;
const SM_UPPER_MAX_TERMS = 3;
const SM_UPPERSUM_MIN_N = 10;
/** Keep both words of a double-double normal while exponentiating. */
const MAX_EXPONENT = 960;

// ---------------------------------------------------------------------------
// Double-double arithmetic on "registers": the summation loop below runs up
// to a million terms, so these versions of the QD operations (the same
// operations as in ./dd.ts) take scalars and leave their result in a small
// typed array instead of allocating objects (doubles stored there are not
// boxed).
const R = new Float64Array(5);
/** R[RH] + R[RL]: result of the last double-double operation */
const RH = 0;
const RL = 1;
/** R[RX]: binary exponent that goes with the result of frexpR / pow2ScaledR */
const RX = 2;
/** R[ERR]: error term of the last error-free transform */
const ERR = 3;
/** R[SPLO]: low half of the last split */
const SPLO = 4;

const SPLITTER = 134217729.0; // 2^27 + 1
const SPLIT_THRESH = 6.69692879491417e299; // 2^996

function quickTwoSum(a: number, b: number): number {
  const s = a + b;
  R[ERR] = b - (s - a);
  return s;
}

function twoSum(a: number, b: number): number {
  const s = a + b;
  const c = s - a;
  const d = b - c;
  const e = s - c;
  R[ERR] = a - e + d;
  return s;
}

function twoSplit(a: number): number {
  if (a > SPLIT_THRESH || a < -SPLIT_THRESH) {
    a *= 3.7252902984619140625e-9; // 2^-28
    const temp = SPLITTER * a;
    const hi = temp - (temp - a);
    R[SPLO] = (a - hi) * 268435456.0; // 2^28
    return hi * 268435456.0;
  }
  const temp = SPLITTER * a;
  const hi = temp - (temp - a);
  R[SPLO] = a - hi;
  return hi;
}

function twoProd(a: number, b: number): number {
  const p = a * b;
  const aHi = twoSplit(a);
  const aLo = R[SPLO];
  const bHi = twoSplit(b);
  const bLo = R[SPLO];
  const c = aHi * bHi - p;
  const d = c + aHi * bLo + aLo * bHi;
  R[ERR] = d + aLo * bLo;
  return p;
}

/** (ah,al) + (bh,bl), IEEE-style */
function addR(ah: number, al: number, bh: number, bl: number): void {
  let s1 = twoSum(ah, bh);
  let s2 = R[ERR];
  const t1 = twoSum(al, bl);
  const t2 = R[ERR];
  s2 += t1;
  s1 = quickTwoSum(s1, s2);
  s2 = R[ERR] + t2;
  R[RH] = quickTwoSum(s1, s2);
  R[RL] = R[ERR];
}

/** (ah,al) + b */
function addDR(ah: number, al: number, b: number): void {
  const s1 = twoSum(ah, b);
  const s2 = R[ERR] + al;
  R[RH] = quickTwoSum(s1, s2);
  R[RL] = R[ERR];
}

/** (ah,al) * (bh,bl) */
function mulR(ah: number, al: number, bh: number, bl: number): void {
  const p1 = twoProd(ah, bh);
  const p2 = R[ERR] + (ah * bl + al * bh);
  R[RH] = quickTwoSum(p1, p2);
  R[RL] = R[ERR];
}

/** (ah,al) * b */
function mulDR(ah: number, al: number, b: number): void {
  const p1 = twoProd(ah, b);
  const e1 = R[ERR];
  const p2 = twoProd(al, b);
  const e2 = R[ERR];
  R[RH] = quickTwoSum(p1, e2 + p2 + e1);
  R[RL] = R[ERR];
}

/** (ah,al) / (bh,bl), QD's accurate division */
function divR(ah: number, al: number, bh: number, bl: number): void {
  let q1 = ah / bh;
  mulDR(bh, bl, q1);
  addR(ah, al, -R[RH], -R[RL]);
  let rh = R[RH];
  let rl = R[RL];
  const q2 = rh / bh;
  mulDR(bh, bl, q2);
  addR(rh, rl, -R[RH], -R[RL]);
  rh = R[RH];
  rl = R[RL];
  const q3 = rh / bh;
  q1 = quickTwoSum(q1, q2);
  addDR(q1, R[ERR], q3);
}

/** (R[RH], R[RL], R[RX]) = mantissa and exponent of (ah, al), as QD's dd_frexp */
function frexpR(ah: number, al: number): void {
  let man = frexp(ah);
  let exponent = frexpOut.exponent;
  let b1 = ldexp(al, -exponent);
  if (Math.abs(man) === 0.5 && man * b1 < 0) {
    man *= 2;
    b1 *= 2;
    exponent -= 1;
  }
  R[RH] = man;
  R[RL] = b1;
  R[RX] = exponent;
}

function nextPowerOf2(x: number): number {
  const q = ldexp(x, 1 - 53);
  let L = Math.abs(q + x);
  if (L === 0) {
    L = Math.abs(x);
  } else {
    const Lint = Math.trunc(L);
    if (Lint === L) L = Lint;
  }
  return L;
}

// powR and pow2ScaledR read their double-double argument from (R[RH], R[RL])
// rather than from parameters: they are not inlined (pow2ScaledR recurses),
// and doubles passed to or returned from a call that is not inlined are boxed.

/** (R[RH], R[RL]) <- (R[RH], R[RL])^m, trading some accuracy for speed as scipy does. */
function powR(m: number): void {
  if (m <= 0) {
    if (m === 0) {
      R[RH] = 1;
      R[RL] = 0;
      return;
    }
    powR(-m);
    divR(1, 0, R[RH], R[RL]);
    return;
  }
  const ah = R[RH];
  const al = R[RL];
  if (ah === 0) {
    R[RH] = 0;
    R[RL] = 0;
    return;
  }
  const ans = Math.pow(ah, m);
  const r = al / ah;
  let adj = m * r;
  if (Math.abs(adj) > 1e-8) {
    if (Math.abs(adj) < 1e-4) {
      // first two terms of the Taylor series of (1+r)^m
      adj += m * r * (((m - 1) / 2.0) * r);
    } else {
      adj = Math.expm1(m * Math.log1p(r));
    }
  }
  R[RH] = twoSum(ans, ans * adj);
  R[RL] = R[ERR];
}

/**
 * (R[RH], R[RL]) * 2^R[RX] <- (R[RH], R[RL])^m, the mantissa normalised to
 * [0.5, 1) so that large powers neither overflow nor underflow.
 */
function pow2ScaledR(m: number): void {
  if (m <= 0) {
    if (m === 0) {
      R[RH] = 1;
      R[RL] = 0;
      R[RX] = 0;
      return;
    }
    pow2ScaledR(-m);
    const aE1 = R[RX];
    divR(1, 0, R[RH], R[RL]);
    frexpR(R[RH], R[RL]);
    R[RX] = -aE1 + R[RX];
    return;
  }
  frexpR(R[RH], R[RL]);
  const yh = R[RH];
  const yl = R[RL];
  const yE = R[RX];
  if (m === 1) return;
  let maxExpt = MAX_EXPONENT;
  if ((m * (yh - 1)) / yh < -MAX_EXPONENT * Math.LN2) {
    const lg2y = Math.log(yh) / Math.LN2;
    const lgAns = m * lg2y;
    if (lgAns <= -MAX_EXPONENT) {
      maxExpt = Math.trunc(nextPowerOf2(-MAX_EXPONENT / lg2y + 1) / 2);
    }
  }
  if (m <= maxExpt) {
    powR(m);
    frexpR(R[RH], R[RL]);
    R[RX] += m * yE;
    return;
  }
  const q = Math.trunc(m / maxExpt);
  const r = m % maxExpt;
  // y^m = (y^maxExpt)^q * y^r
  R[RH] = yh;
  R[RL] = yl;
  pow2ScaledR(r);
  const y2rh = R[RH];
  const y2rl = R[RL];
  const y2rE = R[RX];
  R[RH] = yh;
  R[RL] = yl;
  pow2ScaledR(maxExpt);
  const y2mE = R[RX];
  pow2ScaledR(q);
  let y2mqE = R[RX];
  mulR(y2rh, y2rl, R[RH], R[RL]);
  frexpR(R[RH], R[RL]);
  y2mqE += y2mE * q;
  R[RX] += y2mqE + y2rE;
  R[RX] += m * yE;
}

function pow2(a: number, b: number, m: number): number {
  R[RH] = twoSum(a, b);
  R[RL] = R[ERR];
  powR(m);
  return R[RH];
}

/** ((a+b)/(c+d))^m */
function pow4D(a: number, b: number, c: number, d: number, m: number): DD {
  if (m <= 0) {
    if (m === 0) return DD_ONE;
    return pow4D(c, d, a, b, -m);
  }
  const A = ddAddDD(a, b);
  const C = ddAddDD(c, d);
  if (A.hi === 0) {
    return C.hi === 0 ? { hi: NaN, lo: NaN } : DD_ZERO;
  }
  if (C.hi === 0) {
    return A.hi < 0 ? { hi: -Infinity, lo: -Infinity } : { hi: Infinity, lo: Infinity };
  }
  const X = ddDiv(A, C);
  R[RH] = X.hi;
  R[RL] = X.lo;
  powR(m);
  return { hi: R[RH], lo: R[RL] };
}

/**
 * Survival function of the one-sided statistic: P(D+_n >= d), matching
 * `scipy.special.smirnov(n, d)`. Returns NaN outside n >= 1, 0 <= d <= 1.
 */
export function smirnov(n: number, d: number): number {
  const x = d;
  if (!(n > 0 && x >= 0.0 && x <= 1.0) || !Number.isInteger(n)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0.0) return 1.0;
  if (x === 1.0) return 0.0;

  // floor(n*x) and the remainder, exactly
  const nxD = ddMulDD(n, x);
  const nxfloorD = ddFloor(nxD);
  let alpha = ddSub(nxD, nxfloorD).hi;
  let nxfl = Math.trunc(nxfloorD.hi);
  if (alpha === 1) {
    nxfl += 1;
    alpha = 0;
  }

  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  // If alpha is 0, the last term belongs to neither the lower nor the upper sum.
  if (alpha === 0) {
    n1mxfl -= 1;
    n1mxceil += 1;
  }

  // x <= 1/n
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const t = pow2(1, x, n - 1);
    const cdf = x * t;
    return 1 - cdf;
  }
  // the survival function underflows
  if (-2 * n * x * x < MINLOG) return 0;
  // x >= 1 - 1/n
  if (nxfl >= n - 1) return pow2(1, -x, n);
  // n too large to sum: p ~ e^(-(6nx+1)^2 / 18n)
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -Math.pow(6.0 * n * x + 1, 2) / 18.0 / n;
    if (logp < -Math.LN2) return Math.exp(logp);
    const cdf = -Math.expm1(logp);
    return 1 - cdf;
  }

  // The upper (alternating) sum only when it has very few terms.
  const nUpperTerms = n - n1mxceil + 1;
  let bUseUpperSum = nUpperTerms <= 1 && x < 0.5;
  bUseUpperSum =
    bUseUpperSum ||
    (n >= SM_UPPERSUM_MIN_N && nUpperTerms <= SM_UPPER_MAX_TERMS && x <= 0.5 / Math.sqrt(n));

  let start = 0;
  let step = 1;
  let nTerms = n1mxfl + 1;
  const vmid = Math.trunc(n / 2);

  let Aj: DD;
  if (bUseUpperSum) {
    start = n;
    step = -1;
    nTerms = n - n1mxceil + 1;
    Aj = pow4D(1, x, 1, 0, n - 1);
  } else {
    const t2 = pow4D(1, -x, 1, 0, n);
    divR(t2.hi, t2.lo, x, 0);
    Aj = { hi: R[RH], lo: R[RL] };
  }
  addR(0, 0, Aj.hi, Aj.lo);
  let sumH = R[RH];
  let sumL = R[RL];

  // C(n, j) kept as a mantissa (cH, cL) in [0.5, 1) and a binary exponent cE
  let cH = 1;
  let cL = 0;
  let cE = 0;
  // C(n, 1) from C(n, 0)
  divR(n, 0, 1.0, 0);
  mulR(cH, cL, R[RH], R[RL]);
  frexpR(R[RH], R[RL]);
  cH = R[RH];
  cL = R[RL];
  cE += R[RX];

  for (let j = 1; j < nTerms; j += 1) {
    const v = start + j * step;
    // A_v = C(n,v) * (1-x-v/n)^(n-v) * (x+v/n)^(v-1)
    divR(n - v, 0, n, 0);
    addDR(R[RH], R[RL], -x); // 1 - x - v/n
    pow2ScaledR(n - v);
    const t2h = R[RH];
    const t2l = R[RL];
    const t2E = R[RX];
    divR(v, 0, n, 0);
    addDR(R[RH], R[RL], x); // x + v/n
    pow2ScaledR(v - 1);
    const t1E = R[RX];
    mulR(R[RH], R[RL], t2h, t2l);
    mulR(R[RH], R[RL], cH, cL);
    const e = cE + t1E + t2E;
    const ajH = ldexp(R[RH], e);
    const ajL = ldexp(R[RL], e);

    if (Number.isFinite(ajH) && ajH !== 0) {
      addR(sumH, sumL, ajH, ajL);
      sumH = R[RH];
      sumL = R[RL];
    }
    // safe to stop early?
    if (ajH !== 0) {
      if (4 * (nTerms - j) * Math.abs(ajH) < DBL_EPSILON * sumH && j !== nTerms - 1) {
        break;
      }
    } else if (j > vmid) {
      break;
    }
    // C(n, j+1) from C(n, j)
    divR(n - j, 0, j + 1.0, 0);
    mulR(cH, cL, R[RH], R[RL]);
    frexpR(R[RH], R[RL]);
    cH = R[RH];
    cL = R[RL];
    cE += R[RX];
  }

  mulDR(sumH, sumL, x);
  const prob = R[RH];
  const sf = step < 0 ? 1 - prob : prob;
  return sf < 0 ? 0 : Math.min(sf, 1);
}
