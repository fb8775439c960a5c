import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NO_SHIFT } from '../../src/metrics/accumulator.ts';
import { KsCounts, countAgainst, prepareReference } from '../../src/metrics/ks-counts.ts';
import { ksStatisticCounts, ksStatisticSorted } from '../../src/stats/ks.ts';
import { mulberry32 } from '../random.ts';

/** D from the counts and D from the two whole sorted samples. */
function both(ref: number[], cur: number[]): { counts: number; sorted: number } {
  const c = countAgainst(Float64Array.from(ref), cur);
  const r = c.reference;
  const counts = ksStatisticCounts(r.values, r.counts, c.eq, c.gap, c.gapMax).statistic;
  const a = Float64Array.from(ref).sort();
  const b = Float64Array.from(cur).sort();
  return { counts, sorted: ksStatisticSorted(a, b) };
}

const value = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
  fc.constantFrom(-0, 0, Infinity, -Infinity, 1e300, -1e-300, 5e-324),
);

describe('KsCounts: D from counts against the reference', () => {
  it('is bit-identical to D from the whole sorted samples (ties, -0, infinities, tiny and huge values)', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 80 }), fc.array(value, { minLength: 1, maxLength: 80 }), (ref, cur) => {
        const { counts, sorted } = both(ref, cur);
        assert.ok(Object.is(counts, sorted), `${counts} vs ${sorted}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('stays identical on large samples that use the lookup grid', () => {
    const rnd = mulberry32(7);
    for (const shape of ['normal', 'lognormal', 'rounded', 'shifted'] as const) {
      const draw = (shift: number) => {
        const u = Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
        if (shape === 'lognormal') return Math.exp(3.5 + u);
        if (shape === 'rounded') return Math.round(Math.exp(3 + u) * 100) / 100;
        return u + shift;
      };
      const ref = Array.from({ length: 20_000 }, () => draw(0));
      const cur = Array.from({ length: 50_000 }, () => draw(shape === 'shifted' ? 0.05 : 0));
      const { counts, sorted } = both(ref, cur);
      assert.ok(Object.is(counts, sorted), `${shape}: ${counts} vs ${sorted}`);
    }
  });

  it('marks a point where the ECDF gap is D, with both ECDFs right there', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 1, maxLength: 40 }), fc.array(fc.double({ noNaN: true, min: -10, max: 10 }), { minLength: 1, maxLength: 40 }), (ref, cur) => {
        const c = countAgainst(Float64Array.from(ref), cur);
        const r = c.reference;
        const s = ksStatisticCounts(r.values, r.counts, c.eq, c.gap, c.gapMax);
        assert.equal(Math.abs(s.referenceEcdf - s.currentEcdf), s.statistic);
        assert.equal(s.referenceEcdf, ref.filter((x) => x <= s.at).length / ref.length);
        assert.equal(s.currentEcdf, cur.filter((x) => x <= s.at).length / cur.length);
      }),
      { numRuns: 500 },
    );
  });

  it('counts every value where a search of the whole sorted reference puts it (cells of 0, 1, 2-8 and more values)', () => {
    /** eq, gap and gapMax by a linear search for the first reference value >= x. */
    const naive = (values: Float64Array, cur: number[]) => {
      const u = values.length;
      const eq = new Array<number>(u).fill(0);
      const gap = new Array<number>(u + 1).fill(0);
      const gapMax = new Array<number>(u + 1).fill(-Infinity);
      for (const x of cur) {
        let k = 0;
        while (k < u && values[k] < x) k++;
        if (k < u && values[k] === x) eq[k]++;
        else {
          gap[k]++;
          if (x > gapMax[k]) gapMax[k] = x;
        }
      }
      return { eq, gap, gapMax };
    };
    // Clustered references put up to dozens of values in one grid cell next to empty cells.
    const clustered = fc.oneof(value, fc.integer({ min: 0, max: 40 }).map((k) => 1000 + k / 1e4), fc.integer({ min: 0, max: 9 }).map((k) => k / 1e3));
    fc.assert(
      fc.property(fc.array(clustered, { minLength: 1, maxLength: 120 }), fc.array(clustered, { minLength: 1, maxLength: 200 }), (ref, cur) => {
        const c = countAgainst(Float64Array.from(ref), cur);
        const want = naive(c.reference.values, cur);
        assert.deepEqual([[...c.eq], [...c.gap], [...c.gapMax]], [want.eq, want.gap, want.gapMax]);
      }),
      { numRuns: 3000 },
    );
  });

  it('parts merged in any split equal one pass', () => {
    const rnd = mulberry32(3);
    const ref = Float64Array.from({ length: 500 }, () => Math.round(rnd() * 100) / 10);
    const cur = Array.from({ length: 3000 }, () => Math.round(rnd() * 120) / 10 - 1);
    const whole = countAgainst(Float64Array.from(ref), cur);
    const input = prepareReference(Float64Array.from(ref));
    const parts = [cur.slice(0, 1000), cur.slice(1000, 1001), cur.slice(1001)].map((part) => {
      const acc = new KsCounts('x', 'ref');
      acc.bind(input);
      acc.update({ rows: part.length, columns: new Map([['x', { type: 'float', values: part }]]), origin: { file: '', rowStart: 0 } });
      return acc.state();
    });
    const merged = new KsCounts('x', 'ref');
    merged.bind(input);
    for (const p of parts) merged.mergeState(p, NO_SHIFT);
    const m = merged.result();
    assert.deepEqual([m.n, [...m.eq], [...m.gap], [...m.gapMax], m.min], [whole.n, [...whole.eq], [...whole.gap], [...whole.gapMax], whole.min]);
  });

  it('holds counts, not values: its memory follows the distinct reference values only', () => {
    const ref = Float64Array.from({ length: 1000 }, (_, i) => i % 100);
    const c = countAgainst(ref, Float64Array.from({ length: 200_000 }, (_, i) => (i % 1000) / 10));
    assert.equal(c.reference.values.length, 100);
    assert.equal(c.eq.length, 100);
    assert.equal(c.gap.length, 101);
    assert.equal(c.n, 200_000);
  });
});

describe('KsCounts: values read before the reference is bound', () => {
  const rnd = mulberry32(11);
  const reference = Float64Array.from({ length: 5000 }, () => Math.round(rnd() * 1000) / 10);
  const batches = Array.from({ length: 7 }, () => {
    const values = Array.from({ length: 3000 }, () => (rnd() < 0.05 ? null : rnd() < 0.01 ? 'n/a' : String(Math.round(rnd() * 1100) / 10)));
    return { rows: values.length, columns: new Map([['x', { type: 'text' as const, values }]]), origin: { file: 'f.csv', rowStart: 0 } };
  });

  it('are kept and counted at bind: the same state as when bound first', () => {
    const first = new KsCounts('x', 'ref.csv');
    first.bind(prepareReference(reference.slice()));
    for (const b of batches) first.update(b);
    const late = new KsCounts('x', 'ref.csv');
    for (const b of batches.slice(0, 4)) late.update(b);
    late.bind(prepareReference(reference.slice()));
    for (const b of batches.slice(4)) late.update(b);
    assert.deepEqual(late.state(), first.state());
  });

  it('a state asked for before any bind is an internal error, not an empty count', () => {
    const never = new KsCounts('x', 'ref.csv');
    never.update(batches[0]);
    assert.throws(() => never.state(), /internal: .* never bound/);
  });
});
