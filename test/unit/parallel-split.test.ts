/**
 * Splitting CSV files for parallel scans, without workers: byte counting, record
 * boundaries, and reading a file part by part (CsvSource with a range) against one pass:
 * the same rows, values, line numbers, bad lines and errors, or a CsvPartMismatch at the
 * first wrong split, never a silently different result.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CsvSettings } from '../../src/config/types.ts';
import { countByte, countByteWords, countFileRange, countRange, findBoundary } from '../../src/parallel/count.ts';
import { csvCountRanges, csvParts, planParts, type PartPlan } from '../../src/parallel/plan.ts';
import type { ParallelSettings } from '../../src/parallel/settings.ts';
import { CsvPartMismatch, CsvSource } from '../../src/sources/csv.ts';
import { openSourceFiles } from '../../src/sources/open.ts';
import { tempDir } from '../helpers.ts';

const QUOTE = 0x22;

function naiveCounts(bytes: Uint8Array, quote: number): { quotes: number; breaks: number } {
  let quotes = 0;
  let breaks = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === quote) quotes++;
    else if (bytes[i] === 0x0a) breaks++;
    else if (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a) breaks++;
  }
  return { quotes, breaks };
}

interface Read {
  rows: number;
  values: (string | null)[][];
  lines: number[];
  bad: { count: number; lines: number[] };
}

type Outcome = Read | { error: string } | 'mismatch';

async function readAll(source: CsvSource): Promise<Read> {
  const out: Read = { rows: 0, values: [], lines: [], bad: { count: 0, lines: [] } };
  const names = (await source.schema()).map((c) => c.name);
  for await (const b of source.batches(names)) {
    for (let i = 0; i < b.rows; i++) out.values.push(names.map((n) => b.columns.get(n)!.values[i] as string | null));
    out.lines.push(...b.origin.lines!);
    out.rows += b.rows;
  }
  out.bad = source.badLines;
  return out;
}

async function onePass(file: string, csv: CsvSettings): Promise<Outcome> {
  try {
    return await readAll(openSourceFiles(file, { csv }).source as CsvSource);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The parts read one after another, as the parallel scan merges them: stop at the first failure. */
async function byParts(file: string, csv: CsvSettings, parts: PartPlan[]): Promise<Outcome> {
  const out: Read = { rows: 0, values: [], lines: [], bad: { count: 0, lines: [] } };
  for (const part of parts) {
    assert.equal(part.pieces.length, 1);
    const range = part.pieces[0].csv!;
    assert.ok(range, 'a CSV part has a byte range');
    let r: Read;
    try {
      r = await readAll(new CsvSource(file, { ...csv, range }));
    } catch (err) {
      if (err instanceof CsvPartMismatch) return 'mismatch';
      return { error: (err as Error).message };
    }
    out.rows += r.rows;
    out.values.push(...r.values);
    out.lines.push(...r.lines);
    out.bad.count += r.bad.count;
    out.bad.lines.push(...r.bad.lines);
  }
  out.bad.lines = out.bad.lines.slice(0, 20);
  return out;
}

const settings = (partBytes: number, workers = 4): ParallelSettings => ({ workers, minSplitBytes: 1, partBytes });
const localCount = async (file: string, start: number, end: number, quote: number) => countFileRange(file, start, end, quote);

async function plan(file: string, csv: CsvSettings, partBytes: number): Promise<PartPlan[] | undefined> {
  const opened = openSourceFiles(file, { csv });
  const p = await planParts(file, opened.files, { csv }, settings(partBytes), localCount);
  return 'parts' in p ? p.parts : undefined;
}

const CSV: CsvSettings = { onBadLines: 'warn', encoding: 'utf-8' };

describe('parallel: counting bytes', () => {
  it('counts a byte four at a time at any alignment', () => {
    const buf = Buffer.alloc(1000);
    for (let i = 0; i < buf.length; i++) buf[i] = i % 7 === 0 || i % 11 === 3 ? 0x0a : 0x41 + (i % 5);
    for (let from = 0; from < 9; from++) {
      for (const to of [from, from + 1, 500, 997, 1000]) {
        let expected = 0;
        for (let i = from; i < to; i++) if (buf[i] === 0x0a) expected++;
        assert.equal(countByteWords(buf, from, to, 0x0a), expected, `${from}..${to}`);
        if (to >= 1) assert.equal(countByteWords(buf.subarray(1), Math.max(0, from - 1), to - 1, 0x0a), countByteWords(buf, Math.max(1, from), to, 0x0a));
      }
    }
  });

  it('counts sparse and dense bytes alike (memchr, then words)', () => {
    const dense = Buffer.alloc(300_000, 0x22);
    for (let i = 0; i < dense.length; i += 3) dense[i] = 0x61;
    assert.equal(countByte(dense, dense.length, 0x22), 200_000);
    assert.equal(countByte(dense, 1000, 0x22), naiveCounts(dense.subarray(0, 1000), 0x22).quotes);
    const sparse = Buffer.alloc(300_000, 0x61);
    sparse[5] = sparse[299_999] = 0x22;
    assert.equal(countByte(sparse, sparse.length, 0x22), 2);
  });

  it('counts line breaks as the tokenizer counts lines: LF, CR LF and a lone CR are one each', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '"', '\n', '\r', '\r\n', ','), { maxLength: 60 }), fc.nat(60), (chunks, cutAt) => {
        const bytes = Buffer.from(chunks.join(''));
        const cut = Math.min(cutAt, bytes.length);
        const whole = naiveCounts(bytes, QUOTE);
        // Two ranges counted apart add up to the whole, a CR LF split between them included.
        const a = countRange(Buffer.from(bytes.subarray(0, cut)), cut, QUOTE, cut < bytes.length ? bytes[cut] : -1);
        const b = countRange(Buffer.from(bytes.subarray(cut)), bytes.length - cut, QUOTE, -1);
        assert.deepEqual({ quotes: a.quotes + b.quotes, breaks: a.breaks + b.breaks }, whole);
      }),
    );
  });

  it('counts a file range in chunks, with the byte after the range deciding a final CR', () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.csv');
    const body = Buffer.from('a,"b\r\nc"\r\n'.repeat(250_000) + 'x\r');
    writeFileSync(file, body);
    const all = countFileRange(file, 0, body.length, QUOTE);
    assert.deepEqual(all, naiveCounts(body, QUOTE));
    const mid = 1_234_567;
    const a = countFileRange(file, 0, mid, QUOTE);
    const b = countFileRange(file, mid, body.length, QUOTE);
    assert.deepEqual({ quotes: a.quotes + b.quotes, breaks: a.breaks + b.breaks }, all);
  });

  it('finds the first line feed outside quotes, with its line', () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.csv');
    // bytes:        0123 4 567 8 9...
    writeFileSync(file, 'a,"x\ny",b\r\nc,d\n');
    assert.deepEqual(findBoundary(file, 0, 100, false, 1, QUOTE), { offset: 11, line: 3 });
    assert.deepEqual(findBoundary(file, 4, 100, true, 1, QUOTE), { offset: 11, line: 3 }, 'inside the quotes: the next LF is not a boundary');
    assert.deepEqual(findBoundary(file, 4, 100, false, 1, QUOTE), { offset: 5, line: 2 }, 'wrong parity given: the LF inside the quotes');
    assert.equal(findBoundary(file, 0, 4, false, 1, QUOTE), undefined, 'none before the limit');
  });
});

/** A random CSV that naive splitting breaks: quoted fields with line breaks and delimiters, blank lines, CR LF, bad rows. */
function csvText(rng: () => number, rows: number, opts: { bad?: boolean; strayQuotes?: boolean; cr?: boolean } = {}): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  const field = (): string => {
    const r = rng();
    if (r < 0.25) {
      let s = '';
      const n = Math.floor(rng() * 6);
      for (let i = 0; i < n; i++) s += pick(['a', 'b', ',', '\n', '\r\n', '""', ' ', 'é', '\n\n']);
      return `"${s}"`;
    }
    if (r < 0.3) return pick(['', 'NA', 'null', ' ']);
    if (r < 0.33 && opts.strayQuotes) return `5'1${pick(['0', '1'])}"`;
    return String(Math.floor(rng() * 1000) / pick([1, 10]));
  };
  const end = () => (opts.cr && rng() < 0.05 ? '\r' : pick(['\n', '\n', '\r\n']));
  let text = rng() < 0.2 ? '\ufeff' : '';
  text += `id,"note\nmulti",v${end()}`;
  for (let i = 0; i < rows; i++) {
    const r = rng();
    if (r < 0.03) text += pick(['\n', '  \n', '\t\r\n', '\r\n']);
    const n = opts.bad && rng() < 0.02 ? pick([2, 4]) : 3;
    const fields: string[] = [];
    for (let f = 0; f < n; f++) fields.push(f === 0 ? String(i) : field());
    text += fields.join(',') + end();
  }
  return text;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('parallel: CSV parts', () => {
  it('parts at the boundaries found read exactly the rows, values and lines of one pass', async () => {
    const dir = tempDir();
    for (let seed = 1; seed <= 12; seed++) {
      const file = path.join(dir, `t${seed}.csv`);
      writeFileSync(file, csvText(seeded(seed), 400 + seed * 37, { bad: seed % 2 === 0 }));
      const whole = await onePass(file, CSV);
      for (const partBytes of [97, 500, 3000]) {
        const parts = await plan(file, CSV, partBytes);
        assert.ok(parts && parts.length >= 2, `seed ${seed} splits at ${partBytes} bytes`);
        assert.ok(parts.every((p, k) => p.continues === k > 0));
        const split = await byParts(file, CSV, parts);
        assert.notEqual(split, 'mismatch', `seed ${seed}, parts of ${partBytes} bytes: RFC 4180 quotes always split right`);
        assert.deepEqual(split, whole, `seed ${seed}, parts of ${partBytes} bytes`);
      }
    }
  });

  it('the first error is the one pass\'s error (on_bad_lines: error)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.csv');
    writeFileSync(file, csvText(seeded(7), 600, { bad: true }));
    const csv: CsvSettings = { onBadLines: 'error', encoding: 'utf-8' };
    const whole = await onePass(file, csv);
    assert.ok('error' in (whole as object), 'the file has a bad line');
    for (const partBytes of [150, 2000]) assert.deepEqual(await byParts(file, csv, (await plan(file, csv, partBytes))!), whole);
  });

  it('invalid UTF-8 in a later part is reported at the same line', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'utf.csv');
    const text = csvText(seeded(3), 500);
    const at = text.lastIndexOf('\n', Math.floor(text.length * 0.8)) + 1;
    writeFileSync(file, Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0x31, 0xff, 0x2c, 0x32, 0x2c, 0x33, 0x0a]), Buffer.from(text.slice(at))]));
    const whole = await onePass(file, CSV);
    assert.match((whole as { error: string }).error, /line \d+: invalid UTF-8/);
    assert.deepEqual(await byParts(file, CSV, (await plan(file, CSV, 400))!), whole);
  });

  it('quotes inside unquoted fields can misplace a split: the part before it says so, never a different result', async () => {
    const dir = tempDir();
    let mismatches = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const file = path.join(dir, `stray${seed}.csv`);
      writeFileSync(file, csvText(seeded(seed * 31), 300, { strayQuotes: true, cr: true }));
      const whole = await onePass(file, CSV);
      const parts = await plan(file, CSV, 200);
      if (!parts) continue;
      const split = await byParts(file, CSV, parts);
      if (split === 'mismatch') mismatches++;
      else assert.deepEqual(split, whole, `seed ${seed}`);
    }
    assert.ok(mismatches > 0, 'stray quotes do misplace splits');
  });

  it('a header longer than the first part is a mismatch, not "no header"; the planner splits after it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'h.csv');
    const header = `"${'h'.repeat(300)}\n",b\n`;
    writeFileSync(file, header + '1,2\n'.repeat(300));
    const parts = await plan(file, CSV, 100);
    assert.ok(parts);
    assert.equal(parts[1].pieces[0].csv!.start, Buffer.byteLength(header), 'the quoted header is not split');
    const range = { start: 0, end: 100, firstLine: 1, endLine: 1, names: ['h', 'b'], delimiter: 0x2c };
    await assert.rejects(readAll(new CsvSource(file, { ...CSV, range })), CsvPartMismatch);
    await assert.rejects(readAll(new CsvSource(file, { ...CSV, range: { ...range, end: header.length + 2, endLine: 3 } })), CsvPartMismatch, 'ends inside a record');
    await assert.rejects(readAll(new CsvSource(file, { ...CSV, range: { ...range, end: header.length + 4, endLine: 5 } })), /line 4, expected 5/);
    const ok = await readAll(new CsvSource(file, { ...CSV, range: { ...range, end: header.length + 4, endLine: 4 } }));
    assert.deepEqual(ok.lines, [3]);
  });

  it('the ranges counted ahead of the plan (prefetchCsv) are the ones the plan asks for', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'ahead.csv');
    writeFileSync(file, csvText(seeded(5), 2000));
    const bytes = openSourceFiles(file, { csv: CSV }).files[0].bytes!;
    for (const [workers, partBytes] of [[2, undefined], [4, undefined], [3, 5000], [2, 1]] as const) {
      const set: ParallelSettings = { workers, minSplitBytes: 1, partBytes };
      const asked: string[] = [];
      const p = await planParts(file, openSourceFiles(file, { csv: CSV }).files, { csv: CSV }, set, async (f, start, end, quote) => {
        asked.push(`${start}-${end}`);
        return countFileRange(f, start, end, quote);
      });
      assert.ok('parts' in p && p.parts.length >= 2, `split with ${workers} workers`);
      const ahead = csvCountRanges(bytes, csvParts(bytes, set), workers).flat().map(([a, b]) => `${a}-${b}`);
      assert.deepEqual(ahead.sort(), asked.sort(), `${workers} workers, part bytes ${partBytes}`);
    }
  });

  it('gzip, stdin and small data are not split', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'z.csv');
    writeFileSync(file, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]));
    const opened = openSourceFiles(file, { csv: CSV });
    assert.deepEqual(await planParts(file, opened.files, { csv: CSV }, settings(1), localCount), { reason: 'the data does not split into two parts' });
    assert.ok('reason' in (await planParts('-', [{ path: '-' }], { csv: CSV }, settings(1), localCount)));
    const small = path.join(dir, 's.csv');
    writeFileSync(small, 'a\n' + '1\n'.repeat(50));
    const p = await planParts(small, openSourceFiles(small, { csv: CSV }).files, { csv: CSV }, { workers: 4, minSplitBytes: 1000 }, localCount);
    assert.match((p as { reason: string }).reason, /102 bytes .* below the split threshold of 1000/);
    const tiny = await planParts(small, openSourceFiles(small, { csv: CSV }).files, { csv: CSV }, { workers: 4, minSplitBytes: 100_000 }, localCount);
    assert.deepEqual(tiny, { reason: 'small data' }, 'no file is even opened');
  });

  it('several files: big ones split, small ones grouped, in file order', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.csv'), csvText(seeded(1), 300));
    writeFileSync(path.join(dir, 'b.csv'), 'id,"note\nmulti",v\n1,2,3\n');
    writeFileSync(path.join(dir, 'c.csv'), 'id,"note\nmulti",v\n4,5,6\n');
    const opened = openSourceFiles(dir, { csv: CSV });
    const p = await planParts(dir, opened.files, { csv: CSV }, settings(2000), localCount);
    assert.ok('parts' in p);
    const files = p.parts.map((part) => part.pieces.map((x) => path.basename(x.file)).join('+'));
    assert.ok(files.length >= 3);
    assert.equal(files[files.length - 1], 'b.csv+c.csv');
    assert.ok(files.slice(0, -1).every((f) => f === 'a.csv'));
  });
});
