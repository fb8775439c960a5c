/**
 * Splitting CSV files for parallel scans, without workers: guessing record boundaries,
 * and reading a file part by part (CsvSource with a range) against one pass: the same
 * rows, values, line numbers, bad lines and errors, or a CsvPartMismatch at the first
 * wrong split, never a silently different result.
 */
import assert from 'node:assert/strict';
import { unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CsvSettings } from '../../src/config/types.ts';
import { guessBoundary, pickReading, read } from '../../src/sources/csv-boundary.ts';
import { planParts, type PartPlan } from '../../src/parallel/plan.ts';
import type { ParallelSettings } from '../../src/parallel/settings.ts';
import { CsvPartMismatch, CsvSource } from '../../src/sources/csv.ts';
import { openSourceFiles } from '../../src/sources/open.ts';
import { tempDir } from '../helpers.ts';

const QUOTE = 0x22;

interface Read {
  rows: number;
  values: (string | null)[][];
  lines: number[];
  /** Rows picked for type inference (batch.origin.samples), counted from the first row read. */
  samples: number[];
  bad: { count: number; lines: number[] };
}

type Outcome = Read | { error: string } | 'mismatch';

async function readAll(source: CsvSource): Promise<Read> {
  const out: Read = { rows: 0, values: [], lines: [], samples: [], bad: { count: 0, lines: [] } };
  const names = (await source.schema()).map((c) => c.name);
  for await (const b of source.batches(names)) {
    for (let i = 0; i < b.rows; i++) out.values.push(names.map((n) => b.columns.get(n)!.values[i] as string | null));
    out.lines.push(...b.origin.lines!);
    out.samples.push(...Array.from(b.origin.samples!, (i) => out.rows + i));
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

/**
 * The parts read one after another, as the parallel scan merges them: a part's lines move by
 * the lines of the parts before it; a part that fails is read again from its real first line
 * (its message then names the one pass's line); stop at the first failure.
 */
async function byParts(file: string, csv: CsvSettings, parts: PartPlan[]): Promise<Outcome> {
  const out: Read = { rows: 0, values: [], lines: [], samples: [], bad: { count: 0, lines: [] } };
  let linesBefore = 0;
  for (const part of parts) {
    assert.equal(part.pieces.length, 1);
    const range = part.pieces[0].csv!;
    assert.ok(range, 'a CSV part has a byte range');
    assert.equal(range.firstLine, range.start === 0 ? 1 : undefined, 'only the first part knows its lines');
    let r: Read;
    const source = new CsvSource(file, { ...csv, range });
    try {
      r = await readAll(source);
    } catch (err) {
      if (err instanceof CsvPartMismatch) return 'mismatch';
      try {
        await readAll(new CsvSource(file, { ...csv, range: { ...range, firstLine: linesBefore + 1 } }));
      } catch (again) {
        return { error: (again as Error).message };
      }
      throw new Error('a part failed once and not again');
    }
    out.samples.push(...r.samples.map((i) => i + out.rows));
    out.rows += r.rows;
    out.values.push(...r.values);
    out.lines.push(...r.lines.map((l) => l + linesBefore));
    out.bad.count += r.bad.count;
    out.bad.lines.push(...r.bad.lines.map((l) => l + linesBefore));
    linesBefore += source.lines;
  }
  out.bad.lines = out.bad.lines.slice(0, 20);
  return out;
}

const settings = (partBytes: number, workers = 4): ParallelSettings => ({ workers, minSplitBytes: 1, partBytes });

async function plan(file: string, csv: CsvSettings, partBytes: number): Promise<PartPlan[] | undefined> {
  const opened = openSourceFiles(file, { csv });
  const p = await planParts(file, opened.files, { csv }, settings(partBytes));
  return 'parts' in p ? p.parts : undefined;
}

const CSV: CsvSettings = { onBadLines: 'warn', encoding: 'utf-8' };

describe('parallel: guessing record boundaries', () => {
  const layout = { fields: 3, delimiter: 0x2c, quote: QUOTE };
  const reading = (text: string, inside: boolean, fieldStart = false) => read(Buffer.from(text), inside, fieldStart, layout);

  it('reads a window both ways: outside quotes (from a field start or not) and inside a quoted field', () => {
    // From the middle of an unquoted field: its first line feed ends a record, and the quotes after read cleanly.
    assert.deepEqual(reading('9,x\n4,"a\n,b""",6\r\n\n7,,\n', false), { boundary: 4, clean: true, wrongWidth: 0, endsQuoted: false });
    assert.equal(reading('9,x\n4,"a\n,b""",6\r\n\n7,,\n', true).clean, false, 'inside: the opening quote of "a reads as a closing one');
    // From inside a quoted field: the other way round.
    const text = 'b\nc",2,3\n4,"x",6\n';
    assert.deepEqual(reading(text, true), { boundary: 9, clean: true, wrongWidth: 0, endsQuoted: false });
    assert.equal(reading(text, false).clean, false, 'outside: c" is a quote inside an unquoted field');
    assert.equal(reading('"a"b,2,3\n', false, true).clean, false, 'text after a closing quote');
    assert.deepEqual(reading('x\n1,2\n3,4,5,6\n7,8,9\n', false), { boundary: 2, clean: true, wrongWidth: 2, endsQuoted: false }, 'records of another width are counted');
    assert.equal(reading('x\n1,"2\n3,4', false).endsQuoted, true);
    assert.equal(reading('no line feed, no quote', false).boundary, -1);
  });

  it('trusts the clean reading; with both clean, the one not left inside quotes, then the one with fewer records of a wrong width, or none', () => {
    const r = (boundary: number, clean: boolean, wrongWidth = 0, endsQuoted = false) => ({ boundary, clean, wrongWidth, endsQuoted });
    assert.equal(pickReading(r(5, true), r(9, false)), 5);
    assert.equal(pickReading(r(5, false), r(9, true)), 9);
    assert.equal(pickReading(r(5, false), r(9, false)), undefined, 'stray quotes either way');
    assert.equal(pickReading(r(5, true), r(-1, true)), 5, 'no quote closes the assumed quoted field: no boundary that way');
    assert.equal(pickReading(r(5, true, 0), r(9, true, 3)), 5);
    assert.equal(pickReading(r(5, true, 2), r(9, true, 0)), 9);
    assert.equal(pickReading(r(5, true, 1), r(9, true, 1)), undefined, 'no telling');
    assert.equal(pickReading(r(5, true, 1), r(5, true, 1)), 5, 'both agree');
    assert.equal(pickReading(r(5, true, 0, true), r(9, true, 4)), 9, 'a quoted field still open at the end of the window counts first');
    assert.equal(pickReading(r(5, true, 4), r(9, true, 0, true)), 5);
  });

  it('takes the first record boundary after the start, passing over line feeds inside quotes, within the limit', () => {
    const dir = tempDir();
    const file = path.join(dir, 'g.csv');
    // Line feeds at bytes 5 (after the header), 10 (inside the quotes), 17 and 23 (the end).
    writeFileSync(file, 'a,b,c\n1,"x\ny,z",3\n4,5,6\n');
    assert.equal(guessBoundary(file, 1, 100, layout), 6, 'after the header');
    assert.equal(guessBoundary(file, 7, 100, layout), 18, 'from before the quoted field');
    assert.equal(guessBoundary(file, 9, 100, layout), 18, 'from inside the quoted field');
    assert.equal(guessBoundary(file, 7, 12, layout), undefined, 'none before the limit');
    assert.equal(guessBoundary(file, 19, 100, layout), 24, 'the end of the file (the planner drops it)');
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
  it('parts at the boundaries guessed read exactly the rows, values and lines of one pass', async () => {
    const dir = tempDir();
    for (let seed = 1; seed <= 12; seed++) {
      const file = path.join(dir, `t${seed}.csv`);
      // Seed 12 is past the first 64 KiB, where rows are picked for type inference by their offsets.
      // Seed 12 also starts with a byte order mark: offsets stay the file's in every part.
      writeFileSync(file, (seed === 12 ? '\ufeff' : '') + csvText(seeded(seed), seed === 12 ? 9000 : 400 + seed * 37, { bad: seed % 2 === 0 }));
      const whole = await onePass(file, CSV);
      for (const partBytes of [97, 500, 3000]) {
        const parts = await plan(file, CSV, partBytes);
        assert.ok(parts && parts.length >= 2, `seed ${seed} splits at ${partBytes} bytes`);
        assert.ok(parts.every((p, k) => p.continues === k > 0));
        const split = await byParts(file, CSV, parts);
        assert.notEqual(split, 'mismatch', `seed ${seed}, parts of ${partBytes} bytes: the guesses hold on these files`);
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

  it('quotes inside unquoted fields: a misplaced split is reported by the part before it, never a different result', async () => {
    const dir = tempDir();
    let cut = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const file = path.join(dir, `stray${seed}.csv`);
      writeFileSync(file, csvText(seeded(seed * 31), 300, { strayQuotes: true, cr: true }));
      const whole = await onePass(file, CSV);
      const parts = await plan(file, CSV, 200);
      if (!parts) continue;
      cut++;
      const split = await byParts(file, CSV, parts);
      if (split !== 'mismatch') assert.deepEqual(split, whole, `seed ${seed}`);
    }
    // Stray quotes read unclean both ways, so such files are cut less often, but some are.
    assert.ok(cut > 0, 'some of the files are cut');
  });

  it('a header longer than the first part is a mismatch, not "no header"; the planner splits after it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'h.csv');
    const header = `"${'h'.repeat(300)}\n",b\n`;
    writeFileSync(file, header + '1,2\n'.repeat(300));
    const parts = await plan(file, CSV, 100);
    assert.ok(parts);
    assert.equal(parts[1].pieces[0].csv!.start, Buffer.byteLength(header), 'the quoted header is not split');
    const range = { start: 0, end: 100, firstLine: 1, names: ['h', 'b'], delimiter: 0x2c };
    await assert.rejects(readAll(new CsvSource(file, { ...CSV, range })), CsvPartMismatch);
    await assert.rejects(readAll(new CsvSource(file, { ...CSV, range: { ...range, end: header.length + 2 } })), CsvPartMismatch, 'ends inside a record');
    const ok = new CsvSource(file, { ...CSV, range: { ...range, end: header.length + 4 } });
    assert.deepEqual((await readAll(ok)).lines, [3]);
    assert.equal(ok.lines, 3, 'the header takes two lines');
    const later = new CsvSource(file, { ...CSV, range: { start: header.length + 4, end: header.length + 12, names: ['h', 'b'], delimiter: 0x2c } });
    assert.deepEqual((await readAll(later)).lines, [1, 2], 'a later part counts its lines from 1');
    assert.equal(later.lines, 2);
  });

  it('a quoted field that holds lines like records: read past when the window shows its end; else the part before says so', async () => {
    const dir = tempDir();
    for (const [lines, expect] of [[300, 'same'], [20_000, 'mismatch']] as const) {
      const file = path.join(dir, `nested${lines}.csv`);
      // The quoted field holds lines of three fields each: the nominal starts land inside it.
      const inner = Array.from({ length: lines }, (_, i) => `${i},x,y`).join('\n');
      writeFileSync(file, `a,b,c\n1,"${inner}",3\n` + '4,5,6\n'.repeat(50));
      const parts = await plan(file, CSV, Math.floor(inner.length / 3));
      assert.ok(parts && parts.length >= 2, `${lines} lines: split`);
      const whole = await onePass(file, CSV);
      assert.equal((whole as Read).rows, 51);
      const split = await byParts(file, CSV, parts);
      // Past 64 KiB of it, the window sees no quote: the guess is wrong, and found to be.
      assert.deepEqual(split, expect === 'same' ? whole : 'mismatch', `${lines} lines`);
    }
  });

  it('a part being read gives away the second half of what it has not read yet, when there is enough of it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'rest.csv');
    writeFileSync(file, csvText(seeded(9), 250_000, { bad: true }));
    const whole = (await onePass(file, CSV)) as Read;
    const parts = (await plan(file, CSV, 1 << 30)) ?? [];
    assert.equal(parts.length, 0, 'one part: the whole file');
    const names = (await openSourceFiles(file, { csv: CSV }).source.schema()).map((c) => c.name);
    const delimiter = 0x2c;
    const size = openSourceFiles(file, { csv: CSV }).files[0].bytes!;
    // The first part of the file, read batch by batch; after the first batch it is asked to split.
    const head = new CsvSource(file, { ...CSV, range: { start: 0, end: size, firstLine: 1, names, delimiter } });
    let rows = 0;
    let given: { at: number; end: number | undefined } | undefined;
    for await (const b of head.batches(names)) {
      rows += b.rows;
      if (given) continue;
      assert.equal(await head.splitRest(size), undefined, 'less left than asked for');
      given = await head.splitRest(1);
      assert.ok(given && given.at > 0 && given.at < size && given.end === size, JSON.stringify(given));
    }
    const tail = new CsvSource(file, { ...CSV, range: { start: given!.at, end: given!.end, names, delimiter } });
    for await (const b of tail.batches(names)) rows += b.rows;
    assert.equal(rows, whole.rows, 'the two parts read every row once');
  });

  it('a part whose file is gone from its path finishes instead of splitting', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'gone.csv');
    writeFileSync(file, csvText(seeded(4), 250_000));
    const names = (await openSourceFiles(file, { csv: CSV }).source.schema()).map((c) => c.name);
    const size = openSourceFiles(file, { csv: CSV }).files[0].bytes!;
    const whole = (await onePass(file, CSV)) as Read;
    const part = new CsvSource(file, { ...CSV, range: { start: 0, end: size, firstLine: 1, names, delimiter: 0x2c } });
    let rows = 0;
    for await (const b of part.batches(names)) {
      if (rows === 0) {
        unlinkSync(file);
        assert.equal(await part.splitRest(1), undefined);
      }
      rows += b.rows;
    }
    assert.equal(rows, whole.rows, 'read to its end through the open file');
  });

  it('gzip, stdin and small data are not split', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'z.csv');
    writeFileSync(file, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]));
    const opened = openSourceFiles(file, { csv: CSV });
    assert.deepEqual(await planParts(file, opened.files, { csv: CSV }, settings(1)), { reason: 'the data does not split into two parts' });
    assert.ok('reason' in (await planParts('-', [{ path: '-' }], { csv: CSV }, settings(1))));
    const small = path.join(dir, 's.csv');
    writeFileSync(small, 'a\n' + '1\n'.repeat(50));
    const p = await planParts(small, openSourceFiles(small, { csv: CSV }).files, { csv: CSV }, { workers: 4, minSplitBytes: 1000 });
    assert.match((p as { reason: string }).reason, /102 bytes .* below the split threshold of 1000/);
    const tiny = await planParts(small, openSourceFiles(small, { csv: CSV }).files, { csv: CSV }, { workers: 4, minSplitBytes: 100_000 });
    assert.deepEqual(tiny, { reason: 'small data' }, 'no file is even opened');
  });

  it('several files: big ones split, small ones grouped, in file order', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.csv'), csvText(seeded(1), 300));
    writeFileSync(path.join(dir, 'b.csv'), 'id,"note\nmulti",v\n1,2,3\n');
    writeFileSync(path.join(dir, 'c.csv'), 'id,"note\nmulti",v\n4,5,6\n');
    const opened = openSourceFiles(dir, { csv: CSV });
    const p = await planParts(dir, opened.files, { csv: CSV }, settings(2000));
    assert.ok('parts' in p);
    const files = p.parts.map((part) => part.pieces.map((x) => path.basename(x.file)).join('+'));
    assert.ok(files.length >= 3);
    assert.equal(files[files.length - 1], 'b.csv+c.csv');
    assert.ok(files.slice(0, -1).every((f) => f === 'a.csv'));
  });
});
