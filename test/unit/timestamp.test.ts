import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUTO_EPOCH_LIMITS,
  daysFromCivil,
  epochToMs,
  formatIso,
  makeZoneResolver,
  parseTimestamp,
} from '../../src/metrics/timestamp.js';
import { mulberry32 } from '../random.ts';

const UTC = makeZoneResolver();
const NEW_YORK = makeZoneResolver('America/New_York');
const BERLIN = makeZoneResolver('Europe/Berlin');

const H = 3_600_000;


function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Wall time of an instant in a zone, as local milliseconds, straight from Intl. */
function intlWall(zone: string, utcMs: number): number {
  let format = formats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, format);
  }
  const parts = format.formatToParts(utcMs);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
}

describe('parseTimestamp: accepted forms', () => {
  const base = Date.UTC(2026, 10, 24, 12, 4, 15);

  test('date only is midnight in the resolver zone', () => {
    assert.equal(parseTimestamp('2026-11-24', UTC), Date.UTC(2026, 10, 24));
    assert.equal(parseTimestamp('2026-11-24', BERLIN), Date.UTC(2026, 10, 23, 23));
    assert.equal(parseTimestamp('2026-07-24', NEW_YORK), Date.UTC(2026, 6, 24, 4));
  });

  test('date and minutes', () => {
    assert.equal(parseTimestamp('2026-11-24T12:04', UTC), Date.UTC(2026, 10, 24, 12, 4));
    assert.equal(parseTimestamp('2026-11-24 12:04', UTC), Date.UTC(2026, 10, 24, 12, 4));
    assert.equal(parseTimestamp('2026-11-24t12:04Z', UTC), Date.UTC(2026, 10, 24, 12, 4));
  });

  test('date and seconds, T, t or space', () => {
    assert.equal(parseTimestamp('2026-11-24T12:04:15', UTC), base);
    assert.equal(parseTimestamp('2026-11-24t12:04:15', UTC), base);
    assert.equal(parseTimestamp('2026-11-24 12:04:15', UTC), base);
  });

  test('fractional seconds from 1 to 9 digits, dot or comma', () => {
    assert.equal(parseTimestamp('2026-11-24T12:04:15.5Z', UTC), base + 500);
    assert.equal(parseTimestamp('2026-11-24T12:04:15.12Z', UTC), base + 120);
    assert.equal(parseTimestamp('2026-11-24T12:04:15.123Z', UTC), base + 123);
    assert.equal(parseTimestamp('2026-11-24T12:04:15,123Z', UTC), base + 123);
    const micro = parseTimestamp('2026-11-24T12:04:15.123456Z', UTC);
    assert.ok(Math.abs(micro - (base + 123.456)) < 1e-3, String(micro - base));
    const nano = parseTimestamp('2026-11-24T12:04:15.123456789Z', UTC);
    assert.ok(Math.abs(nano - (base + 123.456789)) < 1e-3, String(nano - base));
    assert.ok(nano > micro);
    assert.ok(Number.isNaN(parseTimestamp('2026-11-24T12:04:15.1234567890Z', UTC)), '10 digits');
    assert.ok(Number.isNaN(parseTimestamp('2026-11-24T12:04:15.Z', UTC)), 'no digits');
    assert.ok(Number.isNaN(parseTimestamp('2026-11-24T12:04.5Z', UTC)), 'fraction of a minute');
  });

  test('Z and z', () => {
    assert.equal(parseTimestamp('2026-11-24T12:04:15Z', BERLIN), base);
    assert.equal(parseTimestamp('2026-11-24T12:04:15z', NEW_YORK), base);
  });

  test('numeric offsets in every spelling', () => {
    assert.equal(parseTimestamp('2026-11-24T12:04:15+05:30', UTC), base - 5.5 * H);
    assert.equal(parseTimestamp('2026-11-24T12:04:15+0530', UTC), base - 5.5 * H);
    assert.equal(parseTimestamp('2026-11-24T12:04:15+05', UTC), base - 5 * H);
    assert.equal(parseTimestamp('2026-11-24T12:04:15-08:00', UTC), base + 8 * H);
    assert.equal(parseTimestamp('2026-11-24T12:04:15-0800', UTC), base + 8 * H);
    assert.equal(parseTimestamp('2026-11-24T12:04:15-08', UTC), base + 8 * H);
    assert.equal(parseTimestamp('2026-11-24T12:04+01:00', UTC), base - 15_000 - H);
    assert.equal(parseTimestamp('2026-11-24T12:04:15.250-00:30', UTC), base + 250 + 0.5 * H);
    // An explicit offset wins over the resolver zone.
    assert.equal(parseTimestamp('2026-11-24T12:04:15+00:00', NEW_YORK), base);
    assert.equal(parseTimestamp('2026-11-24T12:04:15+23:59', UTC), base - 23 * H - 59 * 60_000);
  });

  test('surrounding blanks are ignored', () => {
    assert.equal(parseTimestamp('  2026-11-24T12:04:15Z\t', UTC), base);
  });

  test('expanded years', () => {
    assert.equal(parseTimestamp('+012026-11-24T12:04:15Z', UTC), Date.parse('+012026-11-24T12:04:15Z'));
    assert.equal(parseTimestamp('-000001-01-01T00:00:00Z', UTC), Date.parse('-000001-01-01T00:00:00Z'));
    assert.equal(parseTimestamp('+275760-09-13T00:00:00Z', UTC), 8.64e15);
    assert.ok(Number.isNaN(parseTimestamp('-000000-01-01T00:00:00Z', UTC)));
  });
});

describe('parseTimestamp: rejected input', () => {
  const invalid = [
    '2026-02-30',
    '2026-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '2026-01-32',
    '2026-11-24T25:00',
    '2026-11-24T24:00:00',
    '2026-11-24T12:60',
    '2026-11-24T12:04:61',
    '2026-11-24T12:04:15+24:00',
    '2026-11-24T12:04:15+05:60',
    '2026-11-24T12:04:15+5',
    '2026-11-24T12:04:15+05:3',
    '2026-11-24T12:04:15+05:300',
    '2026-11-24T12:04:15 +05:00',
    '2026-11-24T12:04:15ZZ',
    '2026-11-24T12:04:15Zx',
    '2026-11-24T12:04:15UTC',
    '2026-11-24T1:04',
    '2026-11-24T12',
    '2026-11-24T',
    '2026-11-24X12:04',
    '2026-11-24  12:04',
    '2026/11/24',
    '26-11-24',
    '2026-1-24',
    '20261124',
    '20261124T120415Z',
    '',
    '   ',
    'not a date',
    'NaN',
    '1764000000',
    '2026-11-24T12:04:15Z trailing',
    '２０２６-11-24',
  ];
  for (const text of invalid) {
    test(JSON.stringify(text), () => {
      assert.ok(Number.isNaN(parseTimestamp(text, UTC)), text);
      assert.ok(Number.isNaN(parseTimestamp(text, BERLIN)), text);
    });
  }
});

describe('parseTimestamp: calendar', () => {
  test('leap years', () => {
    for (const year of [1600, 2000, 2004, 2024, 2028, 2400]) {
      assert.equal(parseTimestamp(`${year}-02-29`, UTC), Date.UTC(year, 1, 29), String(year));
    }
    for (const year of [1700, 1800, 1900, 2023, 2026, 2100]) {
      assert.ok(Number.isNaN(parseTimestamp(`${year}-02-29`, UTC)), String(year));
    }
  });

  test('every day from 1600 to 2400 agrees with Date.UTC', () => {
    for (let year = 1600; year <= 2400; year += 1) {
      for (let month = 1; month <= 12; month++) {
        const expected = Date.UTC(year, month - 1, 1) / 86_400_000;
        assert.equal(daysFromCivil(year, month, 1), expected);
      }
    }
  });

  test('far years', () => {
    assert.equal(parseTimestamp('0000-01-01T00:00:00Z', UTC), Date.parse('0000-01-01T00:00:00Z'));
    assert.equal(parseTimestamp('0001-03-01', UTC), Date.parse('0001-03-01T00:00:00Z'));
    assert.equal(parseTimestamp('9999-12-31T23:59:59.999Z', UTC), Date.parse('9999-12-31T23:59:59.999Z'));
    assert.equal(parseTimestamp('1900-03-01T00:00:00+01:00', UTC), Date.parse('1900-03-01T00:00:00+01:00'));
    // Beyond Intl's range the zone offset is the one at the range's edge.
    assert.ok(Number.isFinite(parseTimestamp('+999999-01-01T00:00:00', BERLIN)));
  });

  test('leap second 60 is the last millisecond of its minute', () => {
    const expected = Date.UTC(2016, 11, 31, 23, 59, 59, 999);
    assert.equal(parseTimestamp('2016-12-31T23:59:60Z', UTC), expected);
    assert.equal(parseTimestamp('2016-12-31T23:59:60.5Z', UTC), expected);
    assert.equal(parseTimestamp('2017-01-01T00:59:60+01:00', UTC), expected);
  });
});

describe('parseTimestamp: agreement with Date.parse', () => {
  test('5,000 random ISO strings with offsets', () => {
    const rand = mulberry32(20261124);
    const int = (n: number) => Math.floor(rand() * n);
    let checked = 0;
    for (let n = 0; n < 5000; n++) {
      const year = int(10_000);
      const month = 1 + int(12);
      const dim = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // days in month of a leap year
      const day = 1 + int(month === 2 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 28 : dim);
      let text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(int(24), 2)}:${pad(int(60), 2)}`;
      if (rand() < 0.9) {
        text += `:${pad(int(60), 2)}`;
        const digits = int(10);
        if (digits > 0) text += '.' + pad(int(10 ** digits), digits);
      }
      const zoneKind = int(3);
      if (zoneKind === 0) text += 'Z';
      else text += `${rand() < 0.5 ? '+' : '-'}${pad(int(24), 2)}:${pad(int(60), 2)}`;
      if (zoneKind === 2) text = text.slice(0, -3) + text.slice(-2); // +HHMM
      const expected = Date.parse(zoneKind === 2 ? text.slice(0, -2) + ':' + text.slice(-2) : text);
      const actual = parseTimestamp(text, BERLIN);
      assert.ok(Number.isFinite(expected), text);
      // Date.parse drops fraction digits past the millisecond; add them back.
      const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
      const extra = fraction.length > 3 ? Number(fraction.slice(3)) / 10 ** (fraction.length - 3) : 0;
      if (extra === 0) assert.equal(actual, expected, text);
      const tolerance = Math.max(Math.abs(expected) * Number.EPSILON, 1e-9);
      assert.ok(Math.abs(actual - (expected + extra)) <= tolerance, `${text}: ${actual} vs ${expected} + ${extra}`);
      checked++;
    }
    assert.equal(checked, 5000);
  });

  test('naive times in UTC equal Date.parse with Z', () => {
    const rand = mulberry32(7);
    for (let n = 0; n < 2000; n++) {
      const ms = Math.floor((rand() - 0.5) * 2 * 6e12);
      const iso = new Date(ms).toISOString();
      const naive = iso.slice(0, -1).replace('T', rand() < 0.5 ? 'T' : ' ');
      assert.equal(parseTimestamp(naive, UTC), ms, naive);
    }
  });
});

describe('makeZoneResolver', () => {
  test('UTC and its aliases', () => {
    for (const name of ['UTC', 'Etc/UTC', 'utc', 'GMT']) {
      const zone = makeZoneResolver(name);
      assert.equal(zone.isUtc, true, name);
      assert.equal(parseTimestamp('2026-11-24T12:04:15', zone), Date.UTC(2026, 10, 24, 12, 4, 15));
    }
  });

  test('unknown zone throws', () => {
    assert.throws(() => makeZoneResolver('Mars/Olympus_Mons'), RangeError);
  });

  test('America/New_York spring forward: the gap moves forward by one hour', () => {
    // 2026-03-08 02:00 EST → 03:00 EDT.
    assert.equal(parseTimestamp('2026-03-08T01:59:59', NEW_YORK), Date.parse('2026-03-08T01:59:59-05:00'));
    assert.equal(parseTimestamp('2026-03-08T02:00:00', NEW_YORK), Date.parse('2026-03-08T03:00:00-04:00'));
    assert.equal(parseTimestamp('2026-03-08T02:30:00', NEW_YORK), Date.parse('2026-03-08T03:30:00-04:00'));
    assert.equal(parseTimestamp('2026-03-08T03:00:00', NEW_YORK), Date.parse('2026-03-08T03:00:00-04:00'));
  });

  test('America/New_York fall back: the repeated hour is the earlier instant', () => {
    // 2026-11-01 02:00 EDT → 01:00 EST.
    assert.equal(parseTimestamp('2026-11-01T00:59:59', NEW_YORK), Date.parse('2026-11-01T00:59:59-04:00'));
    assert.equal(parseTimestamp('2026-11-01T01:00:00', NEW_YORK), Date.parse('2026-11-01T01:00:00-04:00'));
    assert.equal(parseTimestamp('2026-11-01T01:30:00', NEW_YORK), Date.parse('2026-11-01T01:30:00-04:00'));
    assert.equal(parseTimestamp('2026-11-01T01:59:59.999', NEW_YORK), Date.parse('2026-11-01T01:59:59.999-04:00'));
    assert.equal(parseTimestamp('2026-11-01T02:00:00', NEW_YORK), Date.parse('2026-11-01T02:00:00-05:00'));
  });

  test('Europe/Berlin spring forward and fall back', () => {
    // 2026-03-29 02:00 CET → 03:00 CEST; 2026-10-25 03:00 CEST → 02:00 CET.
    assert.equal(parseTimestamp('2026-03-29T01:59:59', BERLIN), Date.parse('2026-03-29T01:59:59+01:00'));
    assert.equal(parseTimestamp('2026-03-29T02:30:00', BERLIN), Date.parse('2026-03-29T03:30:00+02:00'));
    assert.equal(parseTimestamp('2026-03-29T03:00:00', BERLIN), Date.parse('2026-03-29T03:00:00+02:00'));
    assert.equal(parseTimestamp('2026-10-25T01:59:59', BERLIN), Date.parse('2026-10-25T01:59:59+02:00'));
    assert.equal(parseTimestamp('2026-10-25T02:30:00', BERLIN), Date.parse('2026-10-25T02:30:00+02:00'));
    assert.equal(parseTimestamp('2026-10-25T03:00:00', BERLIN), Date.parse('2026-10-25T03:00:00+01:00'));
    assert.equal(parseTimestamp('2026-01-15', BERLIN), Date.parse('2026-01-15T00:00:00+01:00'));
    assert.equal(parseTimestamp('2026-07-15T12:00', BERLIN), Date.parse('2026-07-15T12:00:00+02:00'));
  });

  test('half-hour transitions inside a UTC hour (Australia/Lord_Howe)', () => {
    const zone = makeZoneResolver('Australia/Lord_Howe');
    // 2026-10-04 02:00 (+10:30) → 02:30 (+11:00); 2026-04-05 02:00 (+11:00) → 01:30 (+10:30).
    assert.equal(parseTimestamp('2026-10-04T01:59:00', zone), Date.parse('2026-10-04T01:59:00+10:30'));
    assert.equal(parseTimestamp('2026-10-04T02:15:00', zone), Date.parse('2026-10-04T02:45:00+11:00'));
    assert.equal(parseTimestamp('2026-10-04T02:30:00', zone), Date.parse('2026-10-04T02:30:00+11:00'));
    assert.equal(parseTimestamp('2026-04-05T01:45:00', zone), Date.parse('2026-04-05T01:45:00+11:00'));
    assert.equal(parseTimestamp('2026-04-05T02:00:00', zone), Date.parse('2026-04-05T02:00:00+10:30'));
    assert.equal(zone.offsetAt(Date.parse('2026-04-05T01:59:59.999+11:00')), 11 * H);
    assert.equal(zone.offsetAt(Date.parse('2026-04-05T02:00:00+11:00')), 10.5 * H);
  });

  test('every quarter hour of 2025-2026 round-trips through Intl', () => {
    for (const [name, zone] of [['America/New_York', NEW_YORK], ['Europe/Berlin', BERLIN]] as const) {
      let gaps = 0;
      let overlaps = 0;
      const start = Date.UTC(2025, 0, 1);
      const end = Date.UTC(2027, 0, 1);
      for (let local = start; local < end; local += 15 * 60_000) {
        const utc = zone.localToUtc(local);
        const wall = intlWall(name, utc);
        if (wall === local) {
          // An overlap resolves to the earlier instant: an hour before shows another wall time.
          if (intlWall(name, utc + H) === local) overlaps++;
          assert.notEqual(intlWall(name, utc - H), local, `${name} ${formatIso(local)}`);
        } else {
          gaps++;
          assert.equal(wall - local, H, `${name} ${formatIso(local)}: gap moves forward one hour`);
        }
      }
      assert.equal(gaps, 8, `${name}: two one-hour gaps in two years`);
      assert.equal(overlaps, 8, `${name}: two one-hour overlaps in two years`);
    }
  });

  test('Intl is consulted per hour bucket, not per value', () => {
    const zone = makeZoneResolver('America/Chicago');
    const proto = Intl.DateTimeFormat.prototype;
    const original = proto.formatToParts;
    let calls = 0;
    proto.formatToParts = function (this: Intl.DateTimeFormat, date?: Date | number) {
      calls++;
      return original.call(this, date);
    };
    try {
      const start = Date.UTC(2026, 10, 24);
      let sum = 0;
      for (let n = 0; n < 100_000; n++) {
        const ms = start + Math.floor((n / 100_000) * 72 * H);
        sum += parseTimestamp(formatIso(ms).slice(0, 19), zone);
      }
      assert.ok(Number.isFinite(sum));
    } finally {
      proto.formatToParts = original;
    }
    assert.ok(calls < 1_000, `formatToParts called ${calls} times for 100,000 values over 72 hours`);
  });
});

describe('epochToMs', () => {
  const ms = Date.UTC(2026, 10, 27, 9, 30);

  test('explicit units', () => {
    assert.equal(epochToMs(ms / 1000, 's'), ms);
    assert.equal(epochToMs(ms, 'ms'), ms);
    assert.equal(epochToMs(ms * 1000, 'us'), ms);
    assert.equal(epochToMs(ms * 1e6, 'ns'), ms);
    assert.equal(epochToMs(1.5, 's'), 1500);
    assert.equal(epochToMs(1500, 'us'), 1.5);
  });

  test('auto by magnitude', () => {
    assert.equal(epochToMs(ms / 1000, 'auto'), ms);
    assert.equal(epochToMs(ms, 'auto'), ms);
    assert.equal(epochToMs(ms * 1000, 'auto'), ms);
    assert.equal(epochToMs(ms * 1e6, 'auto'), ms);
    assert.equal(epochToMs(-ms / 1000, 'auto'), -ms);
    assert.equal(epochToMs(0, 'auto'), 0);
    assert.equal(epochToMs(AUTO_EPOCH_LIMITS.seconds - 1, 'auto'), (AUTO_EPOCH_LIMITS.seconds - 1) * 1000);
    assert.equal(epochToMs(AUTO_EPOCH_LIMITS.seconds, 'auto'), AUTO_EPOCH_LIMITS.seconds);
    assert.equal(epochToMs(AUTO_EPOCH_LIMITS.millis, 'auto'), AUTO_EPOCH_LIMITS.millis / 1000);
    assert.equal(epochToMs(AUTO_EPOCH_LIMITS.micros, 'auto'), AUTO_EPOCH_LIMITS.micros / 1e6);
  });

  test('bigint keeps sub-millisecond digits', () => {
    assert.equal(epochToMs(BigInt(ms) * 1_000_000n + 500_000n, 'ns'), ms + 0.5);
    assert.equal(epochToMs(BigInt(ms) * 1_000_000n + 500_000n, 'auto'), ms + 0.5);
    assert.equal(epochToMs(BigInt(ms) * 1000n + 250n, 'us'), ms + 0.25);
    assert.equal(epochToMs(BigInt(ms), 'ms'), ms);
    assert.equal(epochToMs(BigInt(ms / 1000), 's'), ms);
  });

  test('non-finite gives NaN', () => {
    assert.ok(Number.isNaN(epochToMs(NaN, 'auto')));
    assert.ok(Number.isNaN(epochToMs(Infinity, 's')));
  });
});

describe('formatIso', () => {
  test('agrees with Date.prototype.toISOString', () => {
    const rand = mulberry32(99);
    for (let n = 0; n < 5000; n++) {
      const ms = Math.floor((rand() - 0.5) * 2 * 8.64e15);
      assert.equal(formatIso(ms), new Date(ms).toISOString());
    }
    for (const ms of [0, -1, 1, 8.64e15, -8.64e15, Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), -62198755200000]) {
      assert.equal(formatIso(ms), new Date(ms).toISOString());
    }
  });

  test('years beyond Date range and fractional milliseconds', () => {
    assert.equal(formatIso(8.64e15 + 86_400_000), '+275760-09-14T00:00:00.000Z');
    assert.equal(formatIso(daysFromCivil(1_000_000, 1, 1) * 86_400_000), '+1000000-01-01T00:00:00.000Z');
    assert.equal(formatIso(daysFromCivil(-1_000_000, 1, 1) * 86_400_000), '-1000000-01-01T00:00:00.000Z');
    assert.equal(formatIso(1.9), '1970-01-01T00:00:00.001Z');
    assert.equal(formatIso(-0.5), '1969-12-31T23:59:59.999Z');
    assert.throws(() => formatIso(NaN), RangeError);
  });

  test('round-trips through parseTimestamp', () => {
    const rand = mulberry32(3);
    for (let n = 0; n < 2000; n++) {
      const ms = Math.floor((rand() - 0.5) * 2 * 3e16);
      assert.equal(parseTimestamp(formatIso(ms), UTC), ms);
    }
  });
});

test('benchmark: parses per second (printed, not asserted)', () => {
  const count = 1_000_000;
  const texts: string[] = new Array(count);
  const start = Date.UTC(2026, 10, 24);
  for (let n = 0; n < count; n++) {
    texts[n] = formatIso(start + n * 259).slice(0, 19) + 'Z';
  }
  const naive = texts.map((t) => t.slice(0, 19));
  const run = (label: string, inputs: string[], parse: (s: string) => number) => {
    let sum = 0;
    for (let n = 0; n < 100_000; n++) sum += parse(inputs[n]); // warm-up
    const t0 = process.hrtime.bigint();
    for (let n = 0; n < count; n++) sum += parse(inputs[n]);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`${label}: ${(count / seconds / 1e6).toFixed(2)} M parses/s (${count.toLocaleString('en-US')} strings, ${seconds.toFixed(3)} s)`);
    assert.ok(Number.isFinite(sum));
  };
  run('parseTimestamp "2026-11-24T12:04:15Z"', texts, (s) => parseTimestamp(s, UTC));
  run('parseTimestamp naive, America/New_York', naive, (s) => parseTimestamp(s, NEW_YORK));
  run('Date.parse (reference)', texts, Date.parse);
});

describe('parseTimestamp: the reused day count of a repeated date', () => {
  test('never lets a cached date stand in for a different or invalid one', () => {
    const utc = makeZoneResolver('UTC');
    const seq = [
      '2026-02-28T10:00:00Z',
      '2026-02-28T25:00:00Z', // same date, invalid hour
      '2026-02-29T10:00:00Z', // not a leap year
      '2024-02-29T10:00:00Z',
      '2024-02-29',
      '1970-01-01T00:00:00Z',
      '\0\0\0\0\0\0\0\0\0\0',
      '2026-02-28 10:00',
      '+002026-02-28T10:00:00Z',
      '2026-02-28T10:00:00+01:00',
    ];
    const expected = [Date.UTC(2026, 1, 28, 10), NaN, NaN, Date.UTC(2024, 1, 29, 10), Date.UTC(2024, 1, 29), 0, NaN, Date.UTC(2026, 1, 28, 10), Date.UTC(2026, 1, 28, 10), Date.UTC(2026, 1, 28, 9)];
    for (let round = 0; round < 2; round++) {
      seq.forEach((text, k) => assert.deepEqual(parseTimestamp(text, utc), expected[k], `${round}: ${JSON.stringify(text)}`));
    }
  });
});
