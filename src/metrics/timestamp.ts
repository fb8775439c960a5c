/**
 * Timestamp parsing and formatting without a `Date` object per value.
 *
 * All instants are epoch milliseconds UTC as a JS number, the convention of
 * `timestamp` columns in `batch.ts`. Sub-millisecond parts are kept as the
 * fraction of the number; float64 resolves about 0.25 µs around the present,
 * so nanosecond digits are parsed but only survive to that resolution.
 */

const MS_PER_SECOND = 1_000;
const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

/** Largest magnitude of a `Date` time value; Intl cannot format beyond it. */
const MAX_DATE_MS = 8.64e15;

// ---------------------------------------------------------------------------
// Civil calendar arithmetic (proleptic Gregorian, astronomical year numbering:
// year 0 is 1 BC). After H. Hinnant, "chrono-Compatible Low-Level Date
// Algorithms".
// ---------------------------------------------------------------------------

/** Days from 1970-01-01 to the given civil date. `month` is 1-12. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400; // [0, 399]
  const mp = month > 2 ? month - 3 : month + 9; // March = 0
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1; // [0, 365]
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy; // [0, 146096]
  return era * 146_097 + doe - 719_468;
}

/** Civil date of a day count from 1970-01-01, written into `out` as [year, month, day]. */
function civilFromDays(days: number, out: number[]): void {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097; // [0, 146096]
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (month <= 2 ? 1 : 0);
  out[1] = month;
  out[2] = day;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// ---------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------

/**
 * Converts between UTC instants and wall-clock times of one IANA time zone.
 *
 * A wall time is written as "local milliseconds": the epoch milliseconds the
 * same calendar date and clock reading would have in UTC.
 */
export interface ZoneResolver {
  /** The zone name this resolver was made for. */
  readonly timeZone: string;
  /** True when the zone never has an offset other than zero (naive times are UTC). */
  readonly isUtc: boolean;
  /**
   * Epoch milliseconds UTC of a wall time in this zone.
   *
   * Wall times that occur twice (a DST overlap, clocks set back) resolve to the
   * earlier instant, i.e. with the offset in force before the transition.
   * Wall times that do not occur (a DST gap, clocks set forward) are moved
   * forward by the length of the gap, i.e. read with the offset in force before
   * the transition: 02:30 on a New York spring-forward day becomes 03:30 EDT.
   * This is the "compatible" disambiguation of Temporal and of java.time's
   * `ZonedDateTime.ofLocal`, and what `new Date(y, m, d, h, mi)` does for the
   * process's own zone.
   */
  localToUtc(localMs: number): number;
  /** Offset of this zone at a UTC instant, in milliseconds (local minus UTC). */
  offsetAt(utcMs: number): number;
}

const UTC_RESOLVER: ZoneResolver = {
  timeZone: 'UTC',
  isUtc: true,
  localToUtc: (localMs: number) => localMs,
  offsetAt: () => 0,
};

/** Hour buckets kept per cache before it is emptied (bounds memory on data spanning centuries). */
const MAX_CACHED_BUCKETS = 100_000;

/**
 * Resolver for one IANA zone.
 *
 * `Intl.DateTimeFormat` is consulted once per UTC hour bucket, not per value.
 * For each hour bucket the offset at its start and at its end are computed; if
 * they differ the bucket holds a transition, whose instant is then found to the
 * millisecond by bisection and kept with the bucket, so offsets inside a bucket
 * are exact even for transitions that are not on a UTC hour (half-hour zones,
 * historical local mean time). This assumes at most one transition per hour,
 * which holds for every zone in the tz database.
 *
 * Wall times are cached per local hour bucket too: a bucket whose whole hour
 * maps to UTC with one offset and no gap or overlap is converted with a single
 * subtraction; other buckets go through the general resolution.
 */
class IanaZoneResolver implements ZoneResolver {
  readonly timeZone: string;
  readonly isUtc = false;
  private readonly format: Intl.DateTimeFormat;
  /** UTC hour bucket -> offset, for buckets without a transition. */
  private readonly steady = new Map<number, number>();
  /** UTC hour bucket -> [transition instant, offset before, offset after]. */
  private readonly changing = new Map<number, [number, number, number]>();
  /** Local hour bucket -> offset for the whole local hour, or NaN when it needs the general path. */
  private readonly local = new Map<number, number>();

  constructor(timeZone: string, format: Intl.DateTimeFormat) {
    this.timeZone = timeZone;
    this.format = format;
  }

  /** Offset at a whole-second instant straight from Intl (uncached). */
  private intlOffset(utcMs: number): number {
    const t = Math.min(MAX_DATE_MS, Math.max(-MAX_DATE_MS, Math.floor(utcMs / MS_PER_SECOND) * MS_PER_SECOND));
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const part of this.format.formatToParts(t)) {
      switch (part.type) {
        case 'year': year = Number(part.value); break;
        case 'month': month = Number(part.value); break;
        case 'day': day = Number(part.value); break;
        case 'hour': hour = Number(part.value) % 24; break;
        case 'minute': minute = Number(part.value); break;
        case 'second': second = Number(part.value); break;
        case 'era': bc = part.value === 'BC' || part.value === 'B'; break;
        default: break;
      }
    }
    if (bc) year = 1 - year;
    const wall = daysFromCivil(year, month, day) * MS_PER_DAY + hour * MS_PER_HOUR + minute * MS_PER_MINUTE + second * MS_PER_SECOND;
    return wall - t;
  }

  offsetAt(utcMs: number): number {
    const bucket = Math.floor(utcMs / MS_PER_HOUR);
    const known = this.steady.get(bucket);
    if (known !== undefined) return known;
    const change = this.changing.get(bucket);
    if (change !== undefined) return utcMs < change[0] ? change[1] : change[2];
    return this.fillBucket(bucket, utcMs);
  }

  private fillBucket(bucket: number, utcMs: number): number {
    if (this.steady.size + this.changing.size >= MAX_CACHED_BUCKETS) {
      this.steady.clear();
      this.changing.clear();
    }
    const start = bucket * MS_PER_HOUR;
    const end = start + MS_PER_HOUR - 1;
    const before = this.intlOffset(start);
    const after = this.intlOffset(end);
    if (before === after) {
      this.steady.set(bucket, before);
      return before;
    }
    // Smallest instant in (start, end] whose offset is `after`.
    let lo = start;
    let hi = end;
    while (hi - lo > MS_PER_SECOND) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.intlOffset(mid) === before) lo = mid;
      else hi = mid;
    }
    // Offsets change on whole seconds: the transition is the first whole second past `lo`.
    const transition = Math.floor(lo / MS_PER_SECOND) * MS_PER_SECOND + MS_PER_SECOND;
    this.changing.set(bucket, [transition, before, after]);
    return utcMs < transition ? before : after;
  }

  localToUtc(localMs: number): number {
    const bucket = Math.floor(localMs / MS_PER_HOUR);
    let offset = this.local.get(bucket);
    if (offset === undefined) {
      if (this.local.size >= MAX_CACHED_BUCKETS) this.local.clear();
      offset = this.wholeHourOffset(bucket);
      this.local.set(bucket, offset);
    }
    if (offset === offset) return localMs - offset; // not NaN
    return this.resolve(localMs);
  }

  /**
   * The single offset that maps every wall time of the local hour bucket, or
   * NaN when the hour touches a transition (gap, overlap or offset change).
   */
  private wholeHourOffset(bucket: number): number {
    const first = bucket * MS_PER_HOUR;
    const last = first + MS_PER_HOUR - 1;
    const o1 = this.uniqueOffset(first);
    if (o1 !== o1) return NaN;
    const o2 = this.uniqueOffset(last);
    if (o2 !== o1) return NaN;
    // The UTC hour the bucket maps onto must hold no transition either.
    if (this.offsetAt(first - o1) !== o1 || this.offsetAt(last - o1) !== o1) return NaN;
    return o1;
  }

  /** The offset of the only instant showing this wall time, or NaN for a gap or overlap. */
  private uniqueOffset(localMs: number): number {
    const early = this.offsetAt(localMs - MS_PER_DAY);
    const late = this.offsetAt(localMs + MS_PER_DAY);
    const earlyOk = this.offsetAt(localMs - early) === early;
    const lateOk = this.offsetAt(localMs - late) === late;
    if (early === late) return earlyOk ? early : NaN;
    if (earlyOk !== lateOk) return earlyOk ? early : late;
    return NaN;
  }

  /** General wall time -> instant, with the disambiguation documented on {@link ZoneResolver.localToUtc}. */
  private resolve(localMs: number): number {
    // Offsets a day either side bracket any single transition near this wall time.
    const early = this.offsetAt(localMs - MS_PER_DAY);
    const late = this.offsetAt(localMs + MS_PER_DAY);
    const byEarly = localMs - early;
    if (this.offsetAt(byEarly) === early) return byEarly; // unique, or the earlier of an overlap
    const byLate = localMs - late;
    if (this.offsetAt(byLate) === late) return byLate;
    // A gap: read with the offset before the transition, which lands past it.
    return byEarly;
  }
}

/** Zone names that are UTC by definition; they skip Intl entirely. */
const UTC_NAMES = new Set(['utc', 'etc/utc', 'etc/uct', 'uct', 'gmt', 'etc/gmt', 'etc/gmt0', 'etc/gmt+0', 'etc/gmt-0', 'zulu', 'etc/zulu', 'universal', 'etc/universal']);

/**
 * Resolver for naive (offset-less) timestamps in an IANA zone.
 *
 * @param tz IANA zone name such as `Europe/Berlin`; `UTC` (the default) and its
 *   aliases convert without consulting Intl.
 * @throws RangeError when the zone is unknown to the runtime's ICU data.
 */
export function makeZoneResolver(tz: string = 'UTC'): ZoneResolver {
  if (UTC_NAMES.has(tz.toLowerCase())) return UTC_RESOLVER;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new RangeError(`unknown time zone "${tz}" (expected an IANA name such as "Europe/Berlin" or "UTC")`);
  }
  return new IanaZoneResolver(tz, format);
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/** 10^(9-k) for k fraction digits, scaling a fraction to nanoseconds. */
const FRACTION_TO_NANOS = [0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/** Value of the ASCII digit at `i`, or -1. */
function digitAt(b: Uint8Array, i: number): number {
  const d = b[i] - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Value of the two ASCII digits at `i` and `i + 1`, or -1. */
function twoDigits(b: Uint8Array, i: number): number {
  const hi = b[i] - 48;
  const lo = b[i + 1] - 48;
  if (!(hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9)) return -1;
  return hi * 10 + lo;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * Parse an ISO 8601 / RFC 3339 timestamp to epoch milliseconds UTC.
 *
 * Accepted (spaces or tabs around the text are ignored):
 * - date: `YYYY-MM-DD`, or an expanded year `±YYYYYY-MM-DD` (`-000000` is rejected)
 * - date and time: date, then `T`, `t` or one space, then `HH:MM`, `HH:MM:SS`, or
 *   `HH:MM:SS` followed by `.` or `,` and 1 to 9 fraction digits
 * - zone after a time: `Z`, `z`, `±HH:MM`, `±HHMM` or `±HH` (at most 23:59)
 *
 * A date or time without a zone is a wall time in `zone` (a bare date is its
 * midnight there, unlike `Date.parse`, which takes a bare date as UTC).
 *
 * Ranges are checked: month 1-12, the day within its month (leap years
 * included), hour 0-23 (`24:00` is rejected), minute 0-59, second 0-60.
 * Second 60 (a leap second) is read as the last millisecond of its minute,
 * `:59.999`, whatever its fraction: the instant stays in its own minute, hour
 * and day, so buckets and freshness never move because of it.
 *
 * @returns epoch milliseconds UTC (fractional below 1 ms), or NaN when `text`
 *   is not one of the forms above or names an invalid date or time.
 */
export function parseTimestamp(text: string, zone: ZoneResolver): number {
  const n = text.length;
  if (scratch.length < n) scratch = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c > 0x7f) return NaN; // no timestamp form has a non-ASCII character
    scratch[k] = c;
  }
  return parseTimestampBytes(scratch, 0, n, zone);
}

/** The last valid 4-digit-year date parsed (10 bytes, `YYYY-MM-DD`) and its day count. */
const lastDate = new Uint8Array(Buffer.from('1970-01-01', 'latin1'));
let lastDays = 0;

/** Chars of a string timestamp, copied as bytes for the one parser. */
let scratch = new Uint8Array(64);

/**
 * {@link parseTimestamp} of the ASCII text `b[start, end)`: the one implementation, so
 * CSV fields are parsed from the bytes they were read as, without a string. Bytes past
 * `end` are never used for the result.
 */
export function parseTimestampBytes(b: Uint8Array, start: number, end: number, zone: ZoneResolver): number {
  let i = start;
  while (i < end && isBlank(b[i])) i++;
  while (end > i && isBlank(b[end - 1])) end--;
  if (end - i < 10) return NaN;

  // A column's timestamps mostly share their date with the one before: reuse its day count.
  let days: number;
  const first = b[i];
  const c = lastDate;
  if (
    first === c[0] && b[i + 1] === c[1] && b[i + 2] === c[2] && b[i + 3] === c[3] && b[i + 4] === c[4] &&
    b[i + 5] === c[5] && b[i + 6] === c[6] && b[i + 7] === c[7] && b[i + 8] === c[8] && b[i + 9] === c[9]
  ) {
    days = lastDays;
    i += 10;
  } else {
    const dateStart = i;
    let year: number;
    if (first === 43 || first === 45) {
      // '+' or '-': six-digit expanded year
      if (end - i < 13) return NaN;
      year = 0;
      for (let k = 1; k <= 6; k++) {
        const d = digitAt(b, i + k);
        if (d < 0) return NaN;
        year = year * 10 + d;
      }
      if (first === 45) {
        if (year === 0) return NaN;
        year = -year;
      }
      i += 7;
    } else {
      const hi = twoDigits(b, i);
      const lo = twoDigits(b, i + 2);
      if (hi < 0 || lo < 0) return NaN;
      year = hi * 100 + lo;
      i += 4;
    }

    // -MM-DD
    if (b[i] !== 45 || b[i + 3] !== 45) return NaN;
    const month = twoDigits(b, i + 1);
    const day = twoDigits(b, i + 4);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
    i += 6;

    days = daysFromCivil(year, month, day);
    if (i - dateStart === 10) {
      for (let k = 0; k < 10; k++) c[k] = b[dateStart + k];
      lastDays = days;
    }
  }
  if (i === end) return zone.localToUtc(days * MS_PER_DAY);

  // Separator and HH:MM
  const sep = b[i];
  if (sep !== 84 && sep !== 116 && sep !== 32) return NaN; // T t space
  if (end - i < 6 || b[i + 3] !== 58) return NaN;
  const hour = twoDigits(b, i + 1);
  const minute = twoDigits(b, i + 4);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return NaN;
  i += 6;

  // :SS[.fffffffff]
  let second = 0;
  let nanos = 0;
  if (i < end && b[i] === 58) {
    second = twoDigits(b, i + 1);
    if (second < 0 || second > 60 || i + 3 > end) return NaN;
    i += 3;
    const dot = i < end ? b[i] : 0;
    if (dot === 46 || dot === 44) {
      // '.' or ','
      let k = 0;
      let fraction = 0;
      i++;
      while (i < end) {
        const d = digitAt(b, i);
        if (d < 0) break;
        if (++k > 9) return NaN;
        fraction = fraction * 10 + d;
        i++;
      }
      if (k === 0) return NaN;
      nanos = fraction * FRACTION_TO_NANOS[k];
    }
    if (second === 60) {
      second = 59;
      nanos = 999_000_000;
    }
  }
  const wall = days * MS_PER_DAY + hour * MS_PER_HOUR + minute * MS_PER_MINUTE + second * MS_PER_SECOND;
  const sub = nanos / 1e6;

  if (i === end) return zone.localToUtc(wall) + sub;

  // Zone designator
  const z = b[i];
  if (z === 90 || z === 122) {
    // 'Z' or 'z'
    return i + 1 === end ? wall + sub : NaN;
  }
  if (z !== 43 && z !== 45) return NaN;
  const offHours = twoDigits(b, i + 1);
  if (offHours < 0 || offHours > 23 || i + 3 > end) return NaN;
  i += 3;
  let offMinutes = 0;
  if (i < end) {
    if (b[i] === 58) i++;
    if (end - i !== 2) return NaN;
    offMinutes = twoDigits(b, i);
    if (offMinutes < 0 || offMinutes > 59) return NaN;
    i += 2;
  }
  const offset = (offHours * 60 + offMinutes) * MS_PER_MINUTE;
  return (z === 45 ? wall + offset : wall - offset) + sub;
}

// ---------------------------------------------------------------------------
// Numeric epochs
// ---------------------------------------------------------------------------

export type EpochUnit = 's' | 'ms' | 'us' | 'ns' | 'auto';

/**
 * Magnitude limits of `auto`: below the first a value is seconds, below the
 * second milliseconds, below the third microseconds, otherwise nanoseconds.
 * Each unit then covers instants from about 1973 to 5138 (and as far before
 * 1970), except seconds, which also cover everything nearer to 1970; in return
 * milliseconds before 1973-03-03 (|v| < 1e11) are read as seconds.
 */
export const AUTO_EPOCH_LIMITS = { seconds: 1e11, millis: 1e14, micros: 1e17 } as const;

/**
 * Epoch milliseconds UTC from a numeric epoch in `unit`.
 *
 * `auto` picks the unit by magnitude (see {@link AUTO_EPOCH_LIMITS}):
 * |v| < 1e11 → seconds, < 1e14 → milliseconds, < 1e17 → microseconds,
 * otherwise nanoseconds. Bigints (Parquet INT64) are divided exactly before
 * conversion, so nanosecond epochs keep their sub-millisecond digits as well
 * as float64 can hold them. NaN and ±Infinity give NaN.
 */
export function epochToMs(value: number | bigint, unit: EpochUnit): number {
  if (typeof value === 'bigint') {
    const u = unit === 'auto' ? autoUnit(Math.abs(Number(value))) : unit;
    switch (u) {
      case 's': return Number(value) * MS_PER_SECOND;
      case 'ms': return Number(value);
      case 'us': return Number(value / 1_000n) + Number(value % 1_000n) / 1e3;
      default: return Number(value / 1_000_000n) + Number(value % 1_000_000n) / 1e6;
    }
  }
  if (!Number.isFinite(value)) return NaN;
  const u = unit === 'auto' ? autoUnit(Math.abs(value)) : unit;
  switch (u) {
    case 's': return value * MS_PER_SECOND;
    case 'ms': return value;
    case 'us': return value / 1e3;
    default: return value / 1e6;
  }
}

function autoUnit(magnitude: number): 's' | 'ms' | 'us' | 'ns' {
  if (magnitude < AUTO_EPOCH_LIMITS.seconds) return 's';
  if (magnitude < AUTO_EPOCH_LIMITS.millis) return 'ms';
  if (magnitude < AUTO_EPOCH_LIMITS.micros) return 'us';
  return 'ns';
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

const civilScratch = [0, 0, 0];

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function pad3(n: number): string {
  return n < 10 ? '00' + n : n < 100 ? '0' + n : String(n);
}

/**
 * ISO 8601 UTC text of an instant, millisecond precision, ending in `Z`:
 * `2026-11-27T09:30:00.000Z`.
 *
 * Years 0-9999 have four digits; others use the expanded form `+YYYYYY` /
 * `-YYYYYY` (at least six digits), as `Date.prototype.toISOString` does, but
 * without its ±8.64e15 ms limit. Sub-millisecond fractions are dropped by
 * rounding down (the millisecond that contains the instant).
 *
 * @throws RangeError for NaN or ±Infinity.
 */
export function formatIso(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`not a finite instant: ${ms}`);
  const whole = Math.floor(ms);
  const days = Math.floor(whole / MS_PER_DAY);
  let rest = whole - days * MS_PER_DAY;
  civilFromDays(days, civilScratch);
  const year = civilScratch[0];
  const hour = Math.floor(rest / MS_PER_HOUR);
  rest -= hour * MS_PER_HOUR;
  const minute = Math.floor(rest / MS_PER_MINUTE);
  rest -= minute * MS_PER_MINUTE;
  const second = Math.floor(rest / MS_PER_SECOND);
  const milli = rest - second * MS_PER_SECOND;
  let y: string;
  if (year >= 0 && year <= 9999) {
    y = String(year).padStart(4, '0');
  } else {
    y = (year < 0 ? '-' : '+') + String(Math.abs(year)).padStart(6, '0');
  }
  return `${y}-${pad2(civilScratch[1])}-${pad2(civilScratch[2])}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${pad3(milli)}Z`;
}
