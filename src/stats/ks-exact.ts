/**
 * Exact null distribution of the two-sided two-sample Kolmogorov–Smirnov
 * statistic, as computed by scipy 1.10's `ks_2samp(method='exact')`
 * (`scipy/stats/_stats_py.py` and `scipy/stats/_stats_pythran.py`), with the
 * same floating-point operations in the same order.
 */

export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** numpy's `round` (round half to even) for finite doubles. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Pr(D_{n,n} >= h/n): the proportion of lattice paths that pass outside the
 * lines x - y = +/-h, evaluated with scipy's Horner-like scheme
 *   P = 2 * A0 * (1 - A1*(1 - A2*(1 - A3*(...)))).
 * (scipy `_compute_prob_outside_square`)
 */
export function probOutsideSquare(n: number, h: number): number {
  let P = 0.0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1.0;
    // Each A_i has h factors in numerator and denominator.
    for (let j = 0; j < h; j++) {
      p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    }
    P = p1 * (1.0 - P);
    k -= 1;
  }
  return 2 * P;
}

/**
 * Proportion of lattice paths from (0,0) to (m,n) that do not stay strictly
 * inside |x/m - y/n| < h/lcm(m,n) — Hodges' "inside method", with Viehmann's
 * recursion that carries 1 - p so that small p-values keep their precision.
 * (scipy `_compute_outer_prob_inside_method`)
 *
 * One sliding column of the lattice is kept in a typed array, updated in
 * place; the cost is O(m * window) with window ~ 2h/(m/g). Each cell depends
 * on the cell below it, so a column is one long chain of dependent
 * divisions; to keep two chains in flight, columns are computed in pairs,
 * the second trailing the first by two cells. Every cell still sees exactly
 * the operands it would see column by column, so the result is bit-for-bit
 * that of the plain recursion.
 */
export function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  // Symmetric in m, n; the recursion wants m >= n.
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

  // window [lo, hi) of column i
  const windowLo = (i: number): number => Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
  const windowHi = (i: number): number => Math.min(Math.ceil((ng * i + h) / mg), n + 1);
  // cells above a shrinking window were outside: set them to 1
  const carryOver = (width: number, lastlen: number): void => {
    if (lastlen > width) {
      const end = Math.min(lastlen, lenA);
      for (let t = width; t < end; t++) A[t] = 1;
    }
  };
  const LAG = 2; // > the largest window shift between neighbouring columns (1)

  let i = 1;
  while (i <= m) {
    // column a = i
    const aMinj = windowLo(i);
    const aMaxj = windowHi(i);
    if (aMaxj <= aMinj) return 1.0;
    const aShift = aMinj - minj;
    const aWidth = aMaxj - aMinj;
    let va = aMinj === 0 ? 0.0 : 1.0;

    if (i === m) {
      for (let jj = 0; jj < aWidth; jj++) {
        const j = jj + aMinj;
        va = (A[jj + aShift] * i + va * j) / (i + j);
        A[jj] = va;
      }
      carryOver(aWidth, curlen);
      minj = aMinj;
      maxj = aMaxj;
      curlen = aWidth;
      break;
    }

    // column b = i + 1, trailing column a by LAG cells
    const ib = i + 1;
    const bMinj = windowLo(ib);
    const bMaxj = windowHi(ib);
    if (bMaxj <= bMinj) return 1.0;
    const bShift = bMinj - aMinj;
    const bWidth = bMaxj - bMinj;
    let vb = bMinj === 0 ? 0.0 : 1.0;

    let jj = 0;
    const head = Math.min(LAG, aWidth);
    for (; jj < head; jj++) {
      const j = jj + aMinj;
      va = (A[jj + aShift] * i + va * j) / (i + j);
      A[jj] = va;
    }
    let kk = 0;
    const bothEnd = Math.min(aWidth, bWidth + LAG);
    for (; jj < bothEnd; jj++, kk++) {
      const j = jj + aMinj;
      va = (A[jj + aShift] * i + va * j) / (i + j);
      A[jj] = va;
      // reads A[kk + bShift] <= A[jj - 1], already column a's
      const k = kk + bMinj;
      vb = (A[kk + bShift] * ib + vb * k) / (ib + k);
      A[kk] = vb;
    }
    for (; jj < aWidth; jj++) {
      const j = jj + aMinj;
      va = (A[jj + aShift] * i + va * j) / (i + j);
      A[jj] = va;
    }
    carryOver(aWidth, curlen);
    for (; kk < bWidth; kk++) {
      const k = kk + bMinj;
      vb = (A[kk + bShift] * ib + vb * k) / (ib + k);
      A[kk] = vb;
    }
    carryOver(bWidth, aWidth);

    minj = bMinj;
    maxj = bMaxj;
    curlen = bWidth;
    i += 2;
  }
  return A[maxj - minj - 1];
}

export interface ExactAttempt {
  /** false when the computed probability is not a probability (scipy then falls back to asymp) */
  success: boolean;
  /** the statistic re-rounded to h / lcm(n1, n2) */
  d: number;
  prob: number;
}

/**
 * scipy `_attempt_exact_2kssamp` for alternative='two-sided'. scipy also
 * treats a floating-point exception as failure; neither two-sided recursion
 * can raise one, so failure here means a value outside [0, 1] (the n1 == n2
 * series can exceed 1 by an ulp or two when the true probability is 1).
 */
export function attemptExact2ksSamp(n1: number, n2: number, g: number, d: number): ExactAttempt {
  const lcm = Math.trunc(n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dRounded = (h * 1.0) / lcm;
  if (h === 0) return { success: true, d: dRounded, prob: 1.0 };
  const prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  if (!(prob >= 0 && prob <= 1)) return { success: false, d: dRounded, prob };
  return { success: true, d: dRounded, prob };
}
