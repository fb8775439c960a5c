/**
 * Ascending in-place sort of a Float64Array without NaN, for large samples.
 *
 * An LSD radix sort on the raw IEEE-754 bit patterns (four passes of 16
 * bits, skipping passes in which every value has the same digit), followed
 * by a fix-up for the sign: ordered as unsigned integers, the negative
 * values come last and in reverse order. It needs a scratch buffer as large
 * as the input and is several times faster than
 * Float64Array.prototype.sort for millions of values. -0 sorts before +0;
 * infinities sort at the ends.
 *
 * Small arrays use the built-in sort.
 */

// Below this the built-in sort wins: the radix sort's 1 MiB of histograms and its scratch
// copy are fresh memory, and it runs before it is compiled (100k values: 21 vs 10 ms cold).
const RADIX_MIN_LENGTH = 1 << 17;
const BITS = 16;
const BUCKETS = 1 << BITS;
const MASK = BUCKETS - 1;

// index of the 32-bit word holding the sign and exponent of a double
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** One counting-sort pass on the 16-bit digit at `shift` of word `word` (LO or HI). */
function pass(
  src: Float64Array,
  srcWords: Uint32Array,
  dst: Float64Array,
  word: number,
  shift: number,
  offsets: Uint32Array,
): void {
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const d = (srcWords[2 * i + word] >>> shift) & MASK;
    dst[offsets[d]++] = src[i];
  }
}

export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN_LENGTH) return values.sort();

  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  // all four histograms in one pass
  const counts = new Uint32Array(4 * BUCKETS);
  let negatives = 0;
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i + LO];
    const hi = words[2 * i + HI];
    counts[lo & MASK]++;
    counts[BUCKETS + (lo >>> 16)]++;
    counts[2 * BUCKETS + (hi & MASK)]++;
    counts[3 * BUCKETS + (hi >>> 16)]++;
    negatives += hi >>> 31;
  }

  let src: Float64Array = values;
  let srcWords: Uint32Array = words;
  let dst: Float64Array = new Float64Array(n);
  let dstWords: Uint32Array = new Uint32Array(dst.buffer);
  const offsets = new Uint32Array(BUCKETS);
  for (let p = 0; p < 4; p++) {
    const base = p * BUCKETS;
    // a pass in which every value has the same digit changes nothing
    let first = 0;
    while (counts[base + first] === 0) first++;
    if (counts[base + first] === n) continue;
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      offsets[b] = sum;
      sum += counts[base + b];
    }
    pass(src, srcWords, dst, p < 2 ? LO : HI, p % 2 === 0 ? 0 : 16, offsets);
    [src, dst] = [dst, src];
    [srcWords, dstWords] = [dstWords, srcWords];
  }

  // src now holds [non-negatives ascending, negatives by descending value]
  const k = negatives;
  const m = n - k;
  if (k === 0) {
    if (src !== values) values.set(src);
    return values;
  }
  if (src === values) {
    dst.set(values);
    src = dst;
  }
  for (let i = 0; i < k; i++) values[i] = src[n - 1 - i];
  values.set(src.subarray(0, m), k);
  return values;
}
