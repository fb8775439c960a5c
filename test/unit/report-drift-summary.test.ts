import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { distributionSummary } from '../../src/checks/drift.ts';
import { countAgainst } from '../../src/metrics/ks-counts.ts';
import { ks2samp, ksStatisticCounts } from '../../src/stats/ks.ts';

/** The summary as the drift check makes it: the data counted against the reference. */
function summary(ref: Float64Array, cur: Float64Array) {
  const counts = countAgainst(Float64Array.from(ref), cur);
  const r = counts.reference;
  const s = ksStatisticCounts(r.values, r.counts, counts.eq, counts.gap, counts.gapMax);
  return distributionSummary(counts, { at: s.at, reference_ecdf: s.referenceEcdf, current_ecdf: s.currentEcdf });
}

describe('drift distribution summary', () => {
  it('keeps 101 quantiles of each sorted sample', () => {
    const ref = Float64Array.from({ length: 1001 }, (_, i) => i);
    const cur = Float64Array.from({ length: 11 }, (_, i) => i * 10);
    const s = summary(ref, cur);
    assert.equal(s.quantiles.length, 101);
    assert.equal(s.reference[0], 0);
    assert.equal(s.reference[50], 500);
    assert.equal(s.reference[100], 1000);
    assert.equal(s.current[100], 100);
    assert.equal(s.current[55], 50);
  });

  it('current quantiles between two reference values are interpolated below the largest one there', () => {
    const ref = Float64Array.from([0, 10, 20]);
    const cur = Float64Array.from([1, 2, 3, 4, 11, 12, 30]);
    const s = summary(ref, cur);
    assert.equal(s.current[0], 1, 'the smallest value is kept');
    assert.equal(s.current[100], 30, 'the largest value is kept');
    // rank 3 of 7 (p = 0.5) is the largest value in (0, 10): exact
    assert.equal(s.current[50], 4);
    // rank 1 (p = 1/6 → floor(1.0) = 1) lies in (0, 10): between 0 and 4
    const q = s.current[17];
    assert.ok(q > 0 && q <= 4, String(q));
  });

  it('every quantile is the value at its rank in the sorted sample: exact for the reference, and for the data where that value is a reference value or the largest in its gap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -30, max: 30 }), { minLength: 1, maxLength: 80 }),
        fc.array(fc.integer({ min: -40, max: 40 }), { minLength: 1, maxLength: 300 }),
        (a, b) => {
          const s = summary(Float64Array.from(a), Float64Array.from(b));
          const ref = [...a].sort((x, y) => x - y);
          const cur = [...b].sort((x, y) => x - y);
          const refSet = new Set(ref);
          s.quantiles.forEach((p, k) => {
            assert.equal(s.reference[k], ref[Math.floor(p * (ref.length - 1) + 1e-9)], `reference p=${p}`);
            const rank = Math.floor(p * (cur.length - 1) + 1e-9);
            const x = cur[rank];
            if (refSet.has(x)) {
              assert.equal(s.current[k], x, `data p=${p}`);
              return;
            }
            // x lies in the gap between two adjacent reference values (or beyond the ends)
            const below = Math.max(-Infinity, ...ref.filter((r) => r < x));
            const above = Math.min(Infinity, ...ref.filter((r) => r > x));
            const inGap = cur.filter((c) => c > below && c < above);
            const gapMax = Math.max(...inGap);
            const firstRank = cur.findIndex((c) => c > below);
            // the gap's last rank is its largest value (equal values before it are not known apart),
            // and below all reference values the smallest is known too
            if (rank === firstRank + inGap.length - 1 || (below === -Infinity && rank === 0)) assert.equal(s.current[k], x, `data p=${p}`);
            else {
              // otherwise interpolated from the reference value below (or the smallest value) to the gap's largest
              const lo = below === -Infinity ? cur[0] : below;
              assert.equal(s.current[k], lo + ((gapMax - lo) * (rank - firstRank + 1)) / inGap.length, `data p=${p}`);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('marks where the ECDFs are farthest apart: their gap is the KS statistic', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 60 }),
        (a, b) => {
          const ref = Float64Array.from(a);
          const cur = Float64Array.from(b);
          const ks = ks2samp(ref, cur); // sorts both in place, as the drift check relies on
          const m = summary(ref, cur).max_distance;
          const gap = Math.abs(m.reference_ecdf - m.current_ecdf);
          // ks2samp re-rounds D to the lattice h / lcm(n1, n2) in its exact method.
          assert.ok(Math.abs(gap - ks.statistic) < 1e-9, `${gap} vs ${ks.statistic}`);
          assert.equal(m.reference_ecdf, a.filter((x) => x <= m.at).length / a.length);
          assert.equal(m.current_ecdf, b.filter((x) => x <= m.at).length / b.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
