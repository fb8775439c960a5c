import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { distributionSummary } from '../../src/checks/drift.ts';
import { ks2samp } from '../../src/stats/ks.ts';

describe('drift distribution summary', () => {
  it('keeps 101 quantiles of each sorted sample', () => {
    const ref = Float64Array.from({ length: 1001 }, (_, i) => i);
    const cur = Float64Array.from({ length: 11 }, (_, i) => i * 10);
    const s = distributionSummary(ref, cur);
    assert.equal(s.quantiles.length, 101);
    assert.equal(s.reference[0], 0);
    assert.equal(s.reference[50], 500);
    assert.equal(s.reference[100], 1000);
    assert.equal(s.current[100], 100);
    assert.equal(s.current[55], 50);
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
          const m = distributionSummary(ref, cur).max_distance;
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
