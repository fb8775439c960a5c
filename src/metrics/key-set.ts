/**
 * Distinct-key counting for uniqueness checks.
 *
 * A key is a tuple of column values. {@link KeySet} keeps only a 64-bit hash
 * per distinct key, in runs of typed arrays (no JS string or object per
 * row or per key); {@link ExactKeySet} keeps a canonical string per distinct key
 * and never confuses two keys.
 *
 * Equality of key parts follows pandas `drop_duplicates`:
 * - missing values are equal to each other: null, undefined and NaN are one
 *   value (a NaN float counts as missing, as in `batch.ts`), distinct from ''
 *   and from 'null';
 * - numbers compare by numeric value: 1, 1.0 and 1n are equal, 0 and -0 are
 *   equal; a string never equals a number ('1' ≠ 1);
 * - strings compare by UTF-16 code units, byte arrays by bytes, booleans by value;
 * - tuples compare part by part, so ('a', 'bc') ≠ ('ab', 'c').
 */

import { MISSING, type TextBytes } from '../batch.js';

// ---------------------------------------------------------------------------
// Hashing
// ---------------------------------------------------------------------------

/** Tags that open each encoded key part; every part's encoding is prefix-free. */
const TAG_NULL = 0x6e756c6c;
const TAG_FALSE = 0x66616c73;
const TAG_TRUE = 0x74727565;
const TAG_INT = 0x696e7436;
const TAG_FLOAT = 0x666c6f74;
const TAG_BIG = 0x62696769;
const TAG_STRING = 0x73747269;
const TAG_BYTES = 0x62797465;
const TAG_DATE = 0x64617465;
const TAG_ARRAY = 0x61727261;
const TAG_OBJECT = 0x6f626a65;

// Lane A: MurmurHash3 x86_32 block mixing. Lane B: xxHash32 round. Different
// round functions and seeds keep the two 32-bit halves independent.
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const SEED_A = 0x3c6ef372;
const SEED_B = 0x510e527f;

const TWO_32 = 4_294_967_296;
const TWO_63 = 9_223_372_036_854_775_808;
const BIG_TWO_63 = 1n << 63n;
const BIG_MASK_32 = 0xffffffffn;

const floatScratch = new Float64Array(1);
const floatWords = new Uint32Array(floatScratch.buffer);

/**
 * Streaming state of one key's hash. Reused across rows: feed each part with
 * {@link hashValue}, then {@link finishKey} writes `hi`/`lo` and resets the
 * state for the next key. Nothing is allocated per row for strings, numbers,
 * booleans, nulls or byte arrays.
 */
export class HashState {
  /** Lane A accumulator. */
  a = SEED_A;
  /** Lane B accumulator. */
  b = SEED_B;
  /** Words fed so far for the current key. */
  n = 0;
  /** High 32 bits of the last finished key's hash (unsigned). */
  hi = 0;
  /** Low 32 bits of the last finished key's hash (unsigned). */
  lo = 0;

  reset(): void {
    this.a = SEED_A;
    this.b = SEED_B;
    this.n = 0;
  }
}

/** Lane A's round for one 32-bit word (small enough to be inlined in the string loops). */
function roundA(a: number, word: number): number {
  let k = Math.imul(word, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  a ^= k;
  a = (a << 13) | (a >>> 19);
  return (Math.imul(a, 5) + 0xe6546b64) | 0;
}

/** Lane B's round for one 32-bit word. */
function roundB(b: number, word: number): number {
  b = (b + Math.imul(word, P2)) | 0;
  b = (b << 13) | (b >>> 19);
  return Math.imul(b, P1);
}

/** Mix one 32-bit word into both lanes. */
function feed(h: HashState, word: number): void {
  h.a = roundA(h.a, word);
  h.b = roundB(h.b, word);
  h.n++;
}

function feedString(h: HashState, s: string): void {
  const length = s.length;
  feed(h, TAG_STRING);
  feed(h, length);
  let a = h.a;
  let b = h.b;
  let i = 0;
  for (; i + 1 < length; i += 2) {
    const word = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    a = roundA(a, word);
    b = roundB(b, word);
  }
  h.a = a;
  h.b = b;
  h.n += i >>> 1;
  if (i < length) feed(h, s.charCodeAt(i));
}

/**
 * feedString of field i of a CSV text column, read from its bytes when they are its
 * UTF-16 code units (one-byte text), so the hash equals that of the decoded string.
 */
export function hashTextField(h: HashState, col: TextBytes, i: number): void {
  const at = col.at;
  const s = at[2 * i];
  if (s === MISSING) {
    feed(h, TAG_NULL);
    return;
  }
  if (s <= -2) {
    feedString(h, col.special[-2 - s]);
    return;
  }
  const e = at[2 * i + 1];
  const b = col.buf;
  if (!col.oneByte) {
    let any = 0;
    for (let k = s; k < e; k++) any |= b[k];
    if (any >= 0x80) {
      feedString(h, col.text(i));
      return;
    }
  }
  const length = e - s;
  feed(h, TAG_STRING);
  feed(h, length);
  let a = h.a;
  let bb = h.b;
  let k = s;
  for (; k + 1 < e; k += 2) {
    const word = b[k] | (b[k + 1] << 16);
    a = roundA(a, word);
    bb = roundB(bb, word);
  }
  h.a = a;
  h.b = bb;
  h.n += (k - s) >>> 1;
  if (k < e) feed(h, b[k]);
}

function feedBytes(h: HashState, bytes: Uint8Array): void {
  const length = bytes.length;
  feed(h, TAG_BYTES);
  feed(h, length);
  let i = 0;
  for (; i + 3 < length; i += 4) {
    feed(h, bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
  }
  let tail = 0;
  for (let shift = 0; i < length; i++, shift += 8) tail |= bytes[i] << shift;
  if ((length & 3) !== 0) feed(h, tail);
}

/** An integer with |x| < 2^63, as two's-complement 64-bit words. */
function feedInt(h: HashState, x: number): void {
  feed(h, TAG_INT);
  feed(h, Math.floor(x / TWO_32) >>> 0);
  feed(h, x >>> 0);
}

function feedFloat(h: HashState, x: number): void {
  floatScratch[0] = x;
  feed(h, TAG_FLOAT);
  feed(h, floatWords[0]);
  feed(h, floatWords[1]);
}

function feedNumber(h: HashState, x: number): void {
  if (x !== x) feed(h, TAG_NULL);
  else if (Number.isInteger(x) && x < TWO_63 && x > -TWO_63) feedInt(h, x);
  else feedFloat(h, x);
}

function feedBigInt(h: HashState, x: bigint): void {
  const n = Number(x);
  if (Number.isSafeInteger(n)) {
    feedInt(h, n);
  } else if (x < BIG_TWO_63 && x > -BIG_TWO_63) {
    feed(h, TAG_INT);
    feed(h, Number((x >> 32n) & BIG_MASK_32));
    feed(h, Number(x & BIG_MASK_32));
  } else if (Number.isFinite(n) && BigInt(n) === x) {
    feedFloat(h, n); // equal to the float with the same value
  } else {
    let magnitude = x < 0n ? -x : x;
    let words = 0;
    for (let m = magnitude; m > 0n; m >>= 32n) words++;
    feed(h, TAG_BIG);
    feed(h, x < 0n ? 1 : 0);
    feed(h, words);
    for (; magnitude > 0n; magnitude >>= 32n) feed(h, Number(magnitude & BIG_MASK_32));
  }
}

/**
 * Mix one key part into `h`. Call once per part, in column order, then
 * {@link finishKey}.
 *
 * @throws TypeError for symbols and functions, which no column holds.
 */
export function hashValue(h: HashState, value: unknown): void {
  switch (typeof value) {
    case 'string':
      feedString(h, value);
      return;
    case 'number':
      feedNumber(h, value);
      return;
    case 'bigint':
      feedBigInt(h, value);
      return;
    case 'boolean':
      feed(h, value ? TAG_TRUE : TAG_FALSE);
      return;
    case 'undefined':
      feed(h, TAG_NULL);
      return;
    case 'object':
      if (value === null) feed(h, TAG_NULL);
      else if (value instanceof Uint8Array) feedBytes(h, value);
      else if (value instanceof Date) {
        feed(h, TAG_DATE);
        feedNumber(h, value.getTime());
      } else if (Array.isArray(value)) {
        feed(h, TAG_ARRAY);
        feed(h, value.length);
        for (const item of value) hashValue(h, item);
      } else {
        const keys = Object.keys(value);
        feed(h, TAG_OBJECT);
        feed(h, keys.length);
        for (const key of keys) {
          feedString(h, key);
          hashValue(h, (value as Record<string, unknown>)[key]);
        }
      }
      return;
    default:
      throw new TypeError(`cannot use a ${typeof value} as a key`);
  }
}

function fmixA(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function fmixB(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  return h ^ (h >>> 16);
}

/** Finish the current key: set `h.hi` and `h.lo` (unsigned) and reset `h` for the next key. */
export function finishKey(h: HashState): void {
  let a = h.a ^ h.n;
  let b = h.b ^ Math.imul(h.n, P3);
  a = (a + b) | 0;
  b = (b + a) | 0;
  a = fmixA(a);
  b = fmixB(b);
  a = (a + b) | 0;
  b = (b + a) | 0;
  h.hi = a >>> 0;
  h.lo = b >>> 0;
  h.reset();
}

/**
 * Hash of a whole key tuple, for callers outside hot loops.
 * @returns `[hi, lo]`, the two unsigned 32-bit halves of the 64-bit hash.
 */
export function hashKey(values: ArrayLike<unknown>, h: HashState = new HashState()): [number, number] {
  h.reset();
  for (let i = 0; i < values.length; i++) hashValue(h, values[i]);
  finishKey(h);
  return [h.hi, h.lo];
}

// ---------------------------------------------------------------------------
// Canonical strings (exact mode)
// ---------------------------------------------------------------------------

/** Decimal digits of an integer with |x| < 2^63, exact. */
function intDigits(x: number): string {
  return Number.isSafeInteger(x) ? String(x) : BigInt(x).toString();
}

function canonicalNumber(x: number): string {
  if (x !== x) return 'n';
  if (Number.isInteger(x) && x < TWO_63 && x > -TWO_63) return 'i' + intDigits(x) + ';';
  return 'd' + String(x) + ';';
}

/**
 * Injective text form of one key part, with the equality of {@link hashValue}:
 * two parts get the same text exactly when they are equal.
 */
export function canonicalValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return 's' + value.length + ':' + value;
    case 'number':
      return canonicalNumber(value);
    case 'bigint': {
      if (value < BIG_TWO_63 && value > -BIG_TWO_63) return 'i' + value.toString() + ';';
      const n = Number(value);
      if (Number.isFinite(n) && BigInt(n) === value) return 'd' + String(n) + ';';
      return 'b' + value.toString() + ';';
    }
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return 'n';
    case 'object': {
      if (value === null) return 'n';
      if (value instanceof Uint8Array) {
        let text = '';
        for (let i = 0; i < value.length; i += 8192) {
          text += String.fromCharCode.apply(null, Array.from(value.subarray(i, i + 8192)));
        }
        return 'y' + value.length + ':' + text;
      }
      if (value instanceof Date) return 'D' + canonicalNumber(value.getTime());
      if (Array.isArray(value)) return 'a' + value.length + ':' + value.map(canonicalValue).join('');
      const keys = Object.keys(value);
      let text = 'o' + keys.length + ':';
      for (const key of keys) text += canonicalValue(key) + canonicalValue((value as Record<string, unknown>)[key]);
      return text;
    }
    default:
      throw new TypeError(`cannot use a ${typeof value} as a key`);
  }
}

/** Injective text form of a key tuple. */
export function canonicalKey(values: ArrayLike<unknown>): string {
  let text = '';
  for (let i = 0; i < values.length; i++) text += canonicalValue(values[i]);
  return text;
}

// ---------------------------------------------------------------------------
// Sets
// ---------------------------------------------------------------------------

/** What both key sets offer a uniqueness check. */
export interface DistinctKeys {
  /** Number of distinct keys added. */
  readonly size: number;
  /** Add the key made of `columns[c][row]` for every column c, in order. */
  addRow(columns: readonly ArrayLike<unknown>[], row: number): void;
  /** Add the key tuple `values`. */
  addKey(values: ArrayLike<unknown>): void;
}

/**
 * A set's hashes as duplicate-free (hi, lo) pairs, grouped by the top GROUP_BITS bits of
 * hi in ascending order (in any order within a group); the all-zero hash is the flag.
 */
export interface KeyRun {
  pairs: Uint32Array;
  hasZero: boolean;
}

/** Hashes gathered before they are grouped into a run: 8 MiB of pairs (measured faster than 2 or 32 MiB). */
const CHUNK = 1 << 20;
/** Runs kept apart before they are merged into one (each merge pass reads and writes them all). */
const MAX_RUNS = 32;
/** Runs are grouped by this many top bits of hi: 65,536 groups of about 16 pairs a chunk. */
const GROUP_BITS = 16;
const GROUPS = 1 << GROUP_BITS;
/** Pairs of a group that are checked one by one for a repeat; a bigger group gets a hash table. */
const SCAN_GROUP = 64;

/**
 * Set of 64-bit key hashes, kept as runs. Hashes are appended to a buffer; a full buffer
 * is grouped by the top 16 bits (one counting pass and one scatter) and repeats within
 * each of the 65,536 small groups are dropped, giving a duplicate-free run. Runs stay
 * apart (up to MAX_RUNS, then they are merged into one); the distinct count looks at
 * the same group of every run at once (see countDistinctRuns). Everything is sequential
 * memory access or a small table that stays in cache, where a hash table of millions of
 * keys pays a cache and TLB miss per key (measured 2x slower per key at 10M keys).
 * Groups are not sorted inside: an insertion sort of ~16 random pairs mispredicts most of
 * its branches (measured 29 ns a key to group and sort, 18 ns to group). Memory: at most
 * 8 bytes per distinct key per run it appears in (a key repeated across many runs is
 * kept in each until they merge), plus 16 MiB while grouping a buffer.
 *
 * Collision bound: keys are counted by hash, so two distinct keys whose 64-bit
 * hashes coincide count as one. With n distinct keys and a hash that behaves
 * as random, the probability that any two of them collide is about
 * n² / 2⁶⁵ (the birthday bound n(n-1)/2 · 2⁻⁶⁴): 1M keys → 2.7e-8,
 * 10M keys → 2.7e-6, 100M keys → 2.7e-4. Such a collision can only lower the
 * distinct count, i.e. over-count duplicates by one per colliding pair, with
 * that probability. Use {@link ExactKeySet} when that is not acceptable.
 */
export class KeySet implements DistinctKeys {
  private buf = new Uint32Array(2 * CHUNK);
  private fill = 0;
  /** Duplicate-free runs; never modified once made (merges make new ones). */
  private runs: Uint32Array[] = [];
  private hasZero = false;
  private readonly state = new HashState();

  /** Distinct hashes added. */
  get size(): number {
    this.flush();
    return countDistinctRuns(this.toRuns());
  }

  /** Add one 64-bit hash given as two 32-bit halves (signed or unsigned). */
  add(hi: number, lo: number): void {
    if (hi === 0 && lo === 0) {
      this.hasZero = true;
      return;
    }
    const f = this.fill;
    this.buf[2 * f] = hi;
    this.buf[2 * f + 1] = lo;
    this.fill = f + 1;
    if (f + 1 === CHUNK) this.flush();
  }

  addRow(columns: readonly ArrayLike<unknown>[], row: number): void {
    const h = this.state;
    h.reset();
    for (let c = 0; c < columns.length; c++) hashValue(h, columns[c][row]);
    finishKey(h);
    this.add(h.hi, h.lo);
  }

  /** addRow for keys made only of CSV text columns, hashed from their bytes. */
  addTextRow(columns: readonly TextBytes[], row: number): void {
    const h = this.state;
    h.reset();
    for (let c = 0; c < columns.length; c++) hashTextField(h, columns[c], row);
    finishKey(h);
    this.add(h.hi, h.lo);
  }

  addKey(values: ArrayLike<unknown>): void {
    const h = this.state;
    h.reset();
    for (let i = 0; i < values.length; i++) hashValue(h, values[i]);
    finishKey(h);
    this.add(h.hi, h.lo);
  }

  /** Adds every hash of `other` (the union); `other` keeps its keys. */
  merge(other: KeySet): this {
    this.addRun({ pairs: other.compact(), hasZero: other.hasZero });
    return this;
  }

  /** Adds the hashes of a run (another part's toRun()). */
  addRun(run: KeyRun): void {
    if (run.hasZero) this.hasZero = true;
    if (run.pairs.length > 0) this.push(run.pairs);
  }

  /** The set as one run. */
  toRun(): KeyRun {
    return { pairs: this.compact(), hasZero: this.hasZero };
  }

  /** The set as its runs, unmerged: what a worker sends (see countDistinctRuns). */
  toRuns(): KeyRun[] {
    this.flush();
    const runs = this.runs.map((pairs) => ({ pairs, hasZero: false }));
    if (this.hasZero) runs.push({ pairs: new Uint32Array(0), hasZero: true });
    return runs;
  }

  /** Groups the buffer into a run and merges all runs into one. */
  private compact(): Uint32Array {
    this.flush();
    if (this.runs.length > 1) this.runs = [unionRuns(this.runs)];
    return this.runs[0] ?? new Uint32Array(0);
  }

  private flush(): void {
    const n = this.fill;
    if (n === 0) return;
    this.fill = 0;
    this.push(groupChunk(this.buf, n));
  }

  private push(run: Uint32Array): void {
    this.runs.push(run);
    if (this.runs.length > MAX_RUNS) this.runs = [unionRuns(this.runs)];
  }
}

/** Counts per group, reused by every chunk. */
const groupStart = new Uint32Array(GROUPS + 1);
/**
 * Where chunks are grouped, reused by every chunk of the thread: fresh memory costs a
 * page fault per 4 KiB on first touch, measured to be most of a sort into a new array.
 */
let groupScratch = new Uint32Array(0);

/**
 * The first `n` pairs of `buf` as a run, as a new array. Hashes are uniform, so a group
 * holds a handful of pairs, each checked against the group's pairs kept so far; repeats
 * of one key land in one group and are dropped there, so a key repeated many times costs
 * no more than once. A group of more than SCAN_GROUP distinct pairs (keys made to collide
 * in their top bits) is finished with a hash table instead, so such a group costs no more
 * than a hash table would.
 */
function groupChunk(buf: Uint32Array, n: number): Uint32Array {
  // One loop per function (see KEEP_LOOPS_LAST in numeric-sample.ts).
  const starts = prefixSums(groupCounts(buf, n));
  if (groupScratch.length < 2 * n) groupScratch = new Uint32Array(2 * n);
  const out = groupScratch;
  scatter(buf, n, starts.slice(0, GROUPS), out);
  return out.slice(0, 2 * dropRepeats(out, starts));
}

/** Pairs of each group among buf's first n, at the group's index + 1 (GROUPS + 1 entries). */
function groupCounts(buf: Uint32Array, n: number): Uint32Array {
  const counts = groupStart;
  counts.fill(0);
  const shift = 32 - GROUP_BITS;
  for (let i = 0; i < n; i++) counts[(buf[2 * i] >>> shift) + 1]++;
  return counts;
}

/** Running sums in place: counts at index + 1 become starts. */
function prefixSums(a: Uint32Array): Uint32Array {
  for (let d = 1; d < a.length; d++) a[d] += a[d - 1];
  return a;
}

/** buf's first n pairs into out in group order; `next` is where each group's next pair goes. */
function scatter(buf: Uint32Array, n: number, next: Uint32Array, out: Uint32Array): void {
  const shift = 32 - GROUP_BITS;
  for (let i = 0; i < n; i++) {
    const j = 2 * next[buf[2 * i] >>> shift]++;
    out[j] = buf[2 * i];
    out[j + 1] = buf[2 * i + 1];
  }
}

/** Drops the repeats within each group of out (groups start at `starts`), in place; returns the pairs kept. */
function dropRepeats(out: Uint32Array, starts: Uint32Array): number {
  // Per group: keep a pair unless the group's kept pairs [base, w) hold it already,
  // writing at w (never past the pair being read).
  let w = 0;
  for (let d = 0; d < GROUPS; d++) {
    const base = w;
    const end = starts[d + 1];
    for (let i = starts[d]; i < end; i++) {
      if (w - base > SCAN_GROUP) {
        w = dedupeByTable(out, base, w, i, end);
        break;
      }
      const hi = out[2 * i];
      const lo = out[2 * i + 1];
      let a = base;
      while (a < w && (out[2 * a + 1] !== lo || out[2 * a] !== hi)) a++;
      if (a < w) continue;
      out[2 * w] = hi;
      out[2 * w + 1] = lo;
      w++;
    }
  }
  return w;
}

/**
 * The rest of a big group: pairs [from, end) of `out` kept, unless seen, after the kept
 * pairs [base, w); returns the new end of the kept pairs.
 */
function dedupeByTable(out: Uint32Array, base: number, w: number, from: number, end: number): number {
  const table = new PairTable(w - base + end - from);
  for (let a = base; a < w; a++) table.insert(out[2 * a], out[2 * a + 1]);
  for (let i = from; i < end; i++) {
    const hi = out[2 * i];
    const lo = out[2 * i + 1];
    if (!table.insert(hi, lo)) continue;
    out[2 * w] = hi;
    out[2 * w + 1] = lo;
    w++;
  }
  return w;
}

/** An open-addressing set of non-zero pairs for at most `capacity` of them; clear() empties it for reuse. */
class PairTable {
  private keys: Uint32Array;
  private stamp: Uint32Array;
  private gen = 1;
  private mask: number;
  private shift: number;

  constructor(capacity: number) {
    let bits = 4;
    while (1 << bits < 2 * capacity) bits++;
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    this.keys = new Uint32Array(2 << bits);
    this.stamp = new Uint32Array(1 << bits);
  }

  /** Adds the pair; false when it was there already. */
  insert(hi: number, lo: number): boolean {
    const mask = this.mask;
    const keys = this.keys;
    const stamp = this.stamp;
    const gen = this.gen;
    // The top bits of a product mix every bit of both halves: pairs that share many bits
    // (hi within a group shares its top 16) do not crowd into neighbouring slots.
    let slot = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
    for (;;) {
      if (stamp[slot] !== gen) {
        stamp[slot] = gen;
        keys[2 * slot] = hi;
        keys[2 * slot + 1] = lo;
        return true;
      }
      if (keys[2 * slot] === hi && keys[2 * slot + 1] === lo) return false;
      slot = (slot + 1) & mask;
    }
  }

  /** Empties the table in O(1): a slot is in use only when its stamp is the current generation. */
  clear(): void {
    this.gen++;
  }
}

/**
 * Distinct hashes in the union of duplicate-free runs (any number, from any parts),
 * writing nothing big. One run is its length. More: every run is cut at the same
 * boundaries of the top bits of hi (hashes are uniform, so each slice of every run is
 * small), and each slice's pairs are counted in a small hash table that stays in cache:
 * measured 4x faster than a k-way merge of sorted runs over 10 runs of 1M.
 */
export function countDistinctRuns(runs: readonly KeyRun[]): number {
  const zero = runs.some((r) => r.hasZero) ? 1 : 0;
  const arrs = runs.map((r) => r.pairs).filter((p) => p.length > 0);
  if (arrs.length === 0) return zero;
  if (arrs.length === 1) return zero + arrs[0].length / 2;
  let total = 0;
  for (const a of arrs) total += a.length / 2;
  // About 2,048 pairs a slice; runs are grouped by GROUP_BITS, so slices can be no finer.
  let bits = 0;
  while (bits < GROUP_BITS && total >>> bits > 2048) bits++;
  return zero + unionSlices(arrs, bits, undefined);
}

/** The union of runs as one duplicate-free run. */
function unionRuns(runs: Uint32Array[]): Uint32Array {
  let total = 0;
  for (const r of runs) total += r.length;
  const out = new Uint32Array(total);
  // Slices of GROUP_BITS bits keep the result grouped as a run must be.
  const n = unionSlices(runs, GROUP_BITS, out);
  return 2 * n === out.length ? out : out.slice(0, 2 * n);
}

/** Distinct pairs in the union of runs, slice by slice of the top `bits` bits, written to `out` (in slice order) when given. */
function unionSlices(runs: readonly Uint32Array[], bits: number, out: Uint32Array | undefined): number {
  const slices = 1 << bits;
  const cut = runs.map((a) => sliceStarts(a, bits));
  let biggest = 0;
  for (let b = 0; b < slices; b++) {
    let n = 0;
    for (let r = 0; r < runs.length; r++) n += cut[r][b + 1] - cut[r][b];
    if (n > biggest) biggest = n;
  }
  const table = new PairTable(biggest);
  let distinct = 0;
  for (let b = 0; b < slices; b++) {
    table.clear();
    for (let r = 0; r < runs.length; r++) {
      const a = runs[r];
      const end = 2 * cut[r][b + 1];
      for (let i = 2 * cut[r][b]; i < end; i += 2) {
        const hi = a[i];
        const lo = a[i + 1];
        if (!table.insert(hi, lo)) continue;
        if (out) {
          out[2 * distinct] = hi;
          out[2 * distinct + 1] = lo;
        }
        distinct++;
      }
    }
  }
  return distinct;
}

/** Index of the first pair of each top-`bits` slice of a run (slices + 1 entries). */
function sliceStarts(a: Uint32Array, bits: number): Int32Array {
  const slices = 1 << bits;
  const starts = new Int32Array(slices + 1);
  const n = a.length / 2;
  starts[slices] = n;
  let i = 0;
  for (let b = 0; b < slices; b++) {
    starts[b] = i;
    // Pairs whose top bits are b; bits = 0 means one slice of everything.
    while (i < n && (bits === 0 ? 0 : a[2 * i] >>> (32 - bits)) === b) i++;
  }
  return starts;
}

/** Entries per inner `Set`; V8 caps one Set at 2^24 entries. */
const EXACT_SHARD_LIMIT = 1 << 23;

/**
 * Exact distinct-key set: one canonical string per distinct key
 * ({@link canonicalKey}), so no two keys are ever confused, at the price of a
 * JS string and a Set entry per distinct key (typically 50-100 bytes plus the
 * key text). Same equality as {@link KeySet}. Past 2^23 keys it spreads over
 * several Sets, as one Set cannot exceed 2^24 entries.
 */
export class ExactKeySet implements DistinctKeys {
  private readonly sets: Set<string>[] = [new Set()];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Add a key already in canonical form. @returns true when it was not in the set yet. */
  add(canonical: string): boolean {
    const sets = this.sets;
    for (let i = 0; i < sets.length; i++) if (sets[i].has(canonical)) return false;
    let last = sets[sets.length - 1];
    if (last.size >= EXACT_SHARD_LIMIT) {
      last = new Set();
      sets.push(last);
    }
    last.add(canonical);
    this.count++;
    return true;
  }

  /** True when the canonical key is in the set. */
  has(canonical: string): boolean {
    for (const set of this.sets) if (set.has(canonical)) return true;
    return false;
  }

  addRow(columns: readonly ArrayLike<unknown>[], row: number): boolean {
    let text = '';
    for (let c = 0; c < columns.length; c++) text += canonicalValue(columns[c][row]);
    return this.add(text);
  }

  addKey(values: ArrayLike<unknown>): boolean {
    return this.add(canonicalKey(values));
  }

  /** Add every key of `other` (the union); `other` is left unchanged. */
  merge(other: ExactKeySet): this {
    for (const set of other.sets) for (const key of set) this.add(key);
    return this;
  }

  /** The set as data for another thread (Sets survive structured clone). */
  toState(): ExactKeySetState {
    return { sets: this.sets };
  }

  /** Adds every key of a `toState()` (the union); an empty set adopts its Sets. */
  mergeState(state: ExactKeySetState): void {
    if (this.count === 0) {
      this.sets.length = 0;
      for (const set of state.sets) {
        this.sets.push(set);
        this.count += set.size;
      }
      if (this.sets.length === 0) this.sets.push(new Set());
      return;
    }
    for (const set of state.sets) for (const key of set) this.add(key);
  }
}

/** An {@link ExactKeySet} as plain data. */
export interface ExactKeySetState {
  sets: Set<string>[];
}
