/**
 * Double-double arithmetic (an unevaluated sum hi + lo of two doubles, about
 * 106 bits of precision) and the libm helpers frexp / ldexp that JavaScript
 * lacks.
 *
 * The operations follow the QD library (Hida, Li, Bailey) as vendored by scipy
 * in `scipy/special/cephes/dd_real*.h`, operation for operation, so that what
 * is built on them (the Smirnov distribution in ./smirnov.ts, the stand-in
 * for numpy's long double in ./kstwo.ts) rounds the way scipy does.
 * Error-free transforms use Dekker splitting (no fused multiply-add), which
 * yields the same exact error terms as an FMA would.
 */

export interface DD {
  readonly hi: number;
  readonly lo: number;
}

export const DD_ZERO: DD = { hi: 0, lo: 0 };
export const DD_ONE: DD = { hi: 1, lo: 0 };

// ---------------------------------------------------------------------------
// frexp / ldexp

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// index of the 32-bit word holding sign and exponent
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const TWO_64 = 18446744073709551616; // 2^64

/**
 * Out-parameter of {@link frexp}: the binary exponent of the last
 * decomposition (an object, so importers read the current value cheaply).
 */
export const frexpOut = { exponent: 0 };

/**
 * C `frexp`: returns m with 0.5 <= |m| < 1 and stores e in
 * `frexpOut.exponent` such that x = m * 2^e. Zero, infinities and NaN are
 * returned unchanged with exponent 0.
 */
export function frexp(x: number): number {
  if (x === 0 || !Number.isFinite(x)) {
    frexpOut.exponent = 0;
    return x;
  }
  let bias = 0;
  f64[0] = x;
  let e = (u32[HI] >>> 20) & 0x7ff;
  if (e === 0) {
    // subnormal: scale into the normal range first
    f64[0] = x * TWO_64;
    e = (u32[HI] >>> 20) & 0x7ff;
    bias = -64;
  }
  u32[HI] = ((u32[HI] & 0x800fffff) | (1022 << 20)) >>> 0;
  frexpOut.exponent = e - 1022 + bias;
  return f64[0];
}

/** POW2[n + 1074] = 2^n for -1074 <= n <= 1023 (exact, subnormal at the low end). */
const POW2 = (() => {
  const t = new Float64Array(1074 + 1024);
  let p = 1;
  for (let n = 0; n <= 1023; n++, p *= 2) t[n + 1074] = p;
  p = 1;
  for (let n = 0; n >= -1074; n--, p /= 2) t[n + 1074] = p;
  return t;
})();

const P2_1023 = 8.98846567431158e307; // 2^1023
const P2_M1022 = 2.2250738585072014e-308; // 2^-1022
const P2_53 = 9007199254740992; // 2^53

/**
 * C `ldexp` / `scalbn`: x * 2^n rounded once. When 2^n is a double that is a
 * single multiplication; otherwise musl's stepwise scaling.
 */
export function ldexp(x: number, n: number): number {
  if (n >= -1074 && n <= 1023) return x * POW2[n + 1074];
  let y = x;
  if (n > 1023) {
    y *= P2_1023;
    n -= 1023;
    if (n > 1023) {
      y *= P2_1023;
      n -= 1023;
      if (n > 1023) n = 1023;
    }
  } else {
    // keep the final step below -53 so the subnormal result is rounded once
    y *= P2_M1022 * P2_53;
    n += 1022 - 53;
    if (n < -1022) {
      y *= P2_M1022 * P2_53;
      n += 1022 - 53;
      if (n < -1022) n = -1022;
    }
  }
  return y * POW2[n + 1074];
}

// ---------------------------------------------------------------------------
// error-free transforms

const SPLITTER = 134217729.0; // 2^27 + 1
const SPLIT_THRESH = 6.69692879491417e299; // 2^996

/** Low word written by the last call to an error-free transform below. */
let err = 0;

function quickTwoSum(a: number, b: number): number {
  const s = a + b;
  const c = s - a;
  err = b - c;
  return s;
}

function twoSum(a: number, b: number): number {
  const s = a + b;
  const c = s - a;
  const d = b - c;
  const e = s - c;
  err = a - e + d;
  return s;
}

let splitLo = 0;
function twoSplit(a: number): number {
  if (a > SPLIT_THRESH || a < -SPLIT_THRESH) {
    a *= 3.7252902984619140625e-9; // 2^-28
    const temp = SPLITTER * a;
    const tempma = temp - a;
    let hi = temp - tempma;
    let lo = a - hi;
    hi *= 268435456.0; // 2^28
    lo *= 268435456.0;
    splitLo = lo;
    return hi;
  }
  const temp = SPLITTER * a;
  const tempma = temp - a;
  const hi = temp - tempma;
  splitLo = a - hi;
  return hi;
}

function twoProd(a: number, b: number): number {
  const p = a * b;
  const aHi = twoSplit(a);
  const aLo = splitLo;
  const bHi = twoSplit(b);
  const bLo = splitLo;
  const c = aHi * bHi - p;
  const d = c + aHi * bLo + aLo * bHi;
  err = d + aLo * bLo;
  return p;
}

// ---------------------------------------------------------------------------
// double-double operations (names after QD: d = double, dd = double-double)

export function ddNeg(a: DD): DD {
  return { hi: -a.hi, lo: -a.lo };
}

export function ddAddDD(a: number, b: number): DD {
  const s = twoSum(a, b);
  return { hi: s, lo: err };
}

/** IEEE-style (Briggs–Kahan) double-double addition. */
export function ddAdd(a: DD, b: DD): DD {
  let s1 = twoSum(a.hi, b.hi);
  let s2 = err;
  const t1 = twoSum(a.lo, b.lo);
  const t2 = err;
  s2 += t1;
  s1 = quickTwoSum(s1, s2);
  s2 = err;
  s2 += t2;
  s1 = quickTwoSum(s1, s2);
  return { hi: s1, lo: err };
}

export function ddSub(a: DD, b: DD): DD {
  return ddAdd(a, ddNeg(b));
}

/** dd + d */
export function ddAddD(a: DD, b: number): DD {
  let s1 = twoSum(a.hi, b);
  let s2 = err;
  s2 += a.lo;
  s1 = quickTwoSum(s1, s2);
  return { hi: s1, lo: err };
}

/** d - dd */
export function dSubDd(a: number, b: DD): DD {
  let s1 = twoSum(a, -b.hi);
  let s2 = err;
  s2 -= b.lo;
  s1 = quickTwoSum(s1, s2);
  return { hi: s1, lo: err };
}

/** d * d, exactly */
export function ddMulDD(a: number, b: number): DD {
  const p = twoProd(a, b);
  return { hi: p, lo: err };
}

/** dd * d */
export function ddMulD(a: DD, b: number): DD {
  let p1 = twoProd(a.hi, b);
  let e1 = err;
  const p2 = twoProd(a.lo, b);
  const e2 = err;
  p1 = quickTwoSum(p1, e2 + p2 + e1);
  e1 = err;
  return { hi: p1, lo: e1 };
}

/** QD's "accurate" division. */
export function ddDiv(a: DD, b: DD): DD {
  let q1 = a.hi / b.hi;
  let r = ddSub(a, ddMulD(b, q1));
  let q2 = r.hi / b.hi;
  r = ddSub(r, ddMulD(b, q2));
  const q3 = r.hi / b.hi;
  q1 = quickTwoSum(q1, q2);
  q2 = err;
  return ddAddD({ hi: q1, lo: q2 }, q3);
}

/** dd / d */
export function ddDivD(a: DD, b: number): DD {
  return ddDiv(a, { hi: b, lo: 0 });
}

export function ddFloor(a: DD): DD {
  let hi = Math.floor(a.hi);
  let lo = 0;
  if (hi === a.hi) {
    lo = Math.floor(a.lo);
    hi = quickTwoSum(hi, lo);
    lo = err;
  }
  return { hi, lo };
}

export function ddLdexp(a: DD, e: number): DD {
  return { hi: ldexp(a.hi, e), lo: ldexp(a.lo, e) };
}

