/**
 * Parses a CSV field as a number the way pandas' C parser would accept it:
 * decimal or exponent notation, optional sign, surrounding spaces, inf/infinity.
 * Returns NaN for anything else (hex, "1,5", "12abc"); `Number()` alone would accept "0x1F" and "".
 */
export function parseNumber(s: string): number {
  // Fast path: the engine's own conversion, for text that starts like a decimal number.
  // `+s` also accepts "0x1F", "0b1", "0o7", "" and padded text; those go the careful way.
  const x = +s;
  if (x === x && s.length > 0) {
    const c = s.charCodeAt(0);
    if ((c >= 48 && c <= 57) || c === 45 || c === 46) {
      if (c !== 48 || s.length === 1) return x;
      const c1 = s.charCodeAt(1) | 32;
      if (c1 !== 120 && c1 !== 98 && c1 !== 111) return x;
    }
  }
  return parseCarefully(s);
}

function parseCarefully(s: string): number {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 32) start++;
  while (end > start && s.charCodeAt(end - 1) === 32) end--;
  if (start === end) return NaN;
  let i = start;
  const c0 = s.charCodeAt(i);
  if (c0 === 43 || c0 === 45) i++; // + -
  let digits = 0;
  while (i < end && isDigit(s.charCodeAt(i))) (i++, digits++);
  if (i < end && s.charCodeAt(i) === 46) {
    i++;
    while (i < end && isDigit(s.charCodeAt(i))) (i++, digits++);
  }
  if (digits === 0) {
    const word = s.slice(i, end).toLowerCase();
    if (word === 'inf' || word === 'infinity') return c0 === 45 ? -Infinity : Infinity;
    return NaN;
  }
  if (i < end && (s.charCodeAt(i) | 32) === 101) {
    // e / E
    i++;
    const c = s.charCodeAt(i);
    if (c === 43 || c === 45) i++;
    let exp = 0;
    while (i < end && isDigit(s.charCodeAt(i))) (i++, exp++);
    if (exp === 0) return NaN;
  }
  if (i !== end) return NaN;
  return Number(s.slice(start, end));
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Exact powers of ten: every one up to 1e22 is a float64 without rounding. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * The common case of {@link parseNumber} straight from ASCII bytes `b[s, e)`: an
 * optional sign, at most 15 digits with an optional decimal point, nothing else.
 * Then the digits as an integer m < 2^53 and 10^k (k <= 15) are both exact, and
 * one correctly rounded division m / 10^k gives exactly what `Number()` gives for the
 * text. Returns NaN for anything else (exponents, spaces, long digit strings, text):
 * the caller then parses the field's string with {@link parseNumber}.
 */
export function parseDecimalBytes(b: Uint8Array, s: number, e: number): number {
  let i = s;
  const c0 = b[i];
  const negative = c0 === 45;
  if (negative || c0 === 43) i++;
  let m = 0;
  let digits = 0;
  let point = -1;
  for (; i < e; i++) {
    const c = b[i];
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      m = m * 10 + d;
      digits++;
    } else if (c === 46 && point < 0) {
      point = i;
    } else {
      return NaN;
    }
  }
  if (digits === 0 || digits > 15) return NaN;
  const x = point < 0 ? m : m / POW10[e - point - 1];
  return negative ? -x : x;
}
