#!/usr/bin/env python3
"""Reference values for dqc's two-sample Kolmogorov-Smirnov test.

Writes test/data/ks-cases.json next to this script with the numbers scipy
1.10.1 computes for:

- ks2samp: scipy.stats.ks_2samp(reference, current) on samples described by
  small deterministic generators (so that large samples need no data file);
- kstwo_sf: scipy.stats.kstwo.sf(x, n) over every branch of scipy's
  _kolmogn;
- smirnov: scipy.special.smirnov(n, x);
- prob_outside_square / outer_prob_inside: the exact two-sample path
  counts (_compute_prob_outside_square, _compute_outer_prob_inside_method).

Run with Debian's python3-scipy (1.10.1):  /usr/bin/python3 test/data/make-ks-cases.py

Sample generators (reproduced exactly by test/unit/ks.test.ts; all
arithmetic on integers below 2^53, then one float multiply-add):
  {"values": [...]}                                   the values themselves
  {"grid": {"n", "start", "step", "mult"}}             start + step * ((i * mult) % n), i < n
  {"lcg": {"n", "seed", "mod", "terms", "offset", "scale"}}
      MINSTD s <- s * 48271 mod (2^31 - 1); each value is
      offset + scale * (sum of `terms` successive draws of s % mod)
"""

import json
import math
import os
import warnings

import numpy as np
import scipy
from scipy import special, stats
from scipy.stats._stats_py import _compute_prob_outside_square
from scipy.stats._stats_pythran import _compute_outer_prob_inside_method

assert scipy.__version__ == "1.10.1", scipy.__version__

HERE = os.path.dirname(os.path.abspath(__file__))


def gen(spec):
    if "values" in spec:
        return np.asarray(spec["values"], dtype=np.float64)
    if "grid" in spec:
        g = spec["grid"]
        n, start, step, mult = g["n"], g["start"], g["step"], g["mult"]
        assert math.gcd(mult, n) == 1
        i = np.arange(n, dtype=np.int64)
        return start + step * ((i * mult) % n).astype(np.float64)
    if "lcg" in spec:
        g = spec["lcg"]
        s = g["seed"]
        out = np.empty(g["n"], dtype=np.float64)
        for k in range(g["n"]):
            tot = 0
            for _ in range(g["terms"]):
                s = (s * 48271) % 2147483647
                tot += s % g["mod"]
            out[k] = g["offset"] + g["scale"] * float(tot)
        return out
    raise ValueError(spec)


def kolmogn_sf_branch(n, x):
    """The branch scipy 1.10's _kolmogn(n, x, cdf=False) takes."""
    if x >= 1.0 or x <= 0.0:
        return "trivial"
    t = n * x
    if t <= 1.0:
        return "trivial" if t <= 0.5 else "ruben-gambino-low"
    if t >= n - 1:
        return "ruben-gambino-high"
    if x >= 0.5:
        return "2*smirnov"
    nxsquared = t * x
    if n <= 140:
        if nxsquared <= 0.754693:
            return "durbin-matrix"
        if nxsquared <= 4:
            return "pomeranz"
        return "2*smirnov"
    if nxsquared >= 370.0:
        return "zero"
    if nxsquared >= 2.2:
        return "2*smirnov"
    if n <= 100000 and n * x**1.5 <= 1.4:
        return "durbin-matrix"
    return "pelz-good"


def ks_case(name, ref_spec, cur_spec, note=""):
    ref = gen(ref_spec)
    cur = gen(cur_spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = stats.ks_2samp(ref, cur, alternative="two-sided", method="auto")
    fell_back = any("Exact calculation unsuccessful" in str(w.message) for w in caught)
    n1, n2 = len(ref), len(cur)
    method = "exact" if max(n1, n2) <= 10000 and not fell_back else "asymp"
    case = {
        "name": name,
        "note": note,
        "reference": ref_spec,
        "current": cur_spec,
        "n_reference": n1,
        "n_current": n2,
        "statistic": float(res.statistic),
        "p_value": float(res.pvalue),
        "method": method,
        "fell_back": fell_back,
    }
    if method == "asymp":
        m, n = sorted([float(n1), float(n2)], reverse=True)
        en = m * n / (m + n)
        kn = int(np.round(en))
        case["en"] = en
        case["kstwo_n"] = kn
        case["kstwo_branch"] = kolmogn_sf_branch(kn, float(res.statistic))
        case["n_x_squared"] = kn * float(res.statistic) ** 2
    # the swapped call gives the same D and p
    swapped = stats.ks_2samp(cur, ref)
    assert swapped.statistic == res.statistic and swapped.pvalue == res.pvalue, name
    print(f"{name:40s} n=({n1},{n2}) D={res.statistic:.6g} p={res.pvalue:.6g} {method}"
          f" {case.get('kstwo_branch', '')}")
    return case


def grid(n, start, step, mult=1):
    if math.gcd(mult, n) != 1:
        mult = 1
    return {"grid": {"n": n, "start": start, "step": step, "mult": mult}}


def lcg(n, seed, mod=1000, terms=4, offset=0, scale=1):
    return {"lcg": {"n": n, "seed": seed, "mod": mod, "terms": terms, "offset": offset, "scale": scale}}


def ks2samp_cases():
    c = []
    v = lambda *xs: {"values": list(xs)}
    # tiny samples
    c.append(ks_case("tiny_1_vs_1_equal", v(1.0), v(1.0)))
    c.append(ks_case("tiny_1_vs_1_apart", v(1.0), v(2.0)))
    c.append(ks_case("tiny_1_vs_2", v(0.5), v(0.1, 0.9)))
    c.append(ks_case("tiny_2_vs_1", v(3.0, 1.0), v(2.0)))
    c.append(ks_case("tiny_2_vs_3", v(1.0, 2.0), v(3.0, 0.0, 1.5)))
    c.append(ks_case("tiny_3_vs_3_shift", v(1.0, 2.0, 3.0), v(1.5, 2.5, 3.5)))
    c.append(ks_case("tiny_3_vs_3_disjoint", v(3.0, 1.0, 2.0), v(6.0, 4.0, 5.0)))
    c.append(ks_case("tiny_3_vs_2_ties", v(1.0, 1.0, 2.0), v(1.0, 2.0)))
    c.append(ks_case("tiny_signed_zero", v(-0.0, 0.0, 1.0), v(0.0, 2.0)))
    # equal n, exact
    c.append(ks_case("exact_equal_500", lcg(500, 11), lcg(500, 12, offset=150)))
    c.append(ks_case("exact_equal_10000", lcg(10000, 13), lcg(10000, 14, offset=20)))
    c.append(ks_case("exact_equal_10000_far", lcg(10000, 15), lcg(10000, 16, offset=600)))
    c.append(ks_case("exact_equal_2000_null", lcg(2000, 17), lcg(2000, 18)))
    # unequal n, exact
    c.append(ks_case("exact_37_vs_113", lcg(37, 21), lcg(113, 22, offset=300)))
    c.append(ks_case("exact_2000_vs_3000", lcg(2000, 23), lcg(3000, 24, offset=60)))
    c.append(ks_case("exact_10000_vs_9999", lcg(10000, 25), lcg(9999, 26, offset=25)))
    c.append(ks_case("exact_10000_vs_9999_null", lcg(10000, 27), lcg(9999, 28)))
    c.append(ks_case("exact_10000_vs_9999_far", lcg(10000, 29), lcg(9999, 30, offset=1500)))
    c.append(ks_case("exact_1_vs_10000", v(1999.0), lcg(10000, 31)))
    c.append(ks_case("exact_7_vs_6000", lcg(7, 32, offset=500), lcg(6000, 33)))
    c.append(ks_case("exact_3000_vs_4500_gcd", lcg(3000, 34), lcg(4500, 35, offset=40)))
    # heavy ties
    c.append(ks_case("ties_exact_5_levels", lcg(800, 41, mod=5, terms=1), lcg(1200, 42, mod=6, terms=1)))
    c.append(ks_case("ties_exact_equal_n", lcg(3000, 43, mod=3, terms=2), lcg(3000, 44, mod=3, terms=2, offset=0.5)))
    c.append(ks_case("ties_asymp_two_levels", lcg(15000, 45, mod=2, terms=1), lcg(12000, 46, mod=2, terms=1)))
    c.append(ks_case("ties_asymp_20_levels", lcg(30000, 47, mod=5, terms=4), lcg(25000, 48, mod=5, terms=4)))
    # identical samples: D = 0, p = 1
    c.append(ks_case("identical_exact", lcg(1000, 51), lcg(1000, 51)))
    c.append(ks_case("identical_exact_dup", grid(100, 0, 1, 37), {"values": [float(i // 2) for i in range(200)]}))
    c.append(ks_case("identical_asymp", lcg(20000, 52), lcg(20000, 52)))
    # disjoint samples
    c.append(ks_case("disjoint_exact_20_vs_30", grid(20, 0, 1, 7), grid(30, 100, 1, 7)))
    c.append(ks_case("disjoint_exact_equal_50", grid(50, 0, 1, 7), grid(50, 100, 1, 7)))
    c.append(ks_case("disjoint_exact_1000_vs_1500", grid(1000, 0, 1, 7), grid(1500, 5000, 1, 7)))
    c.append(ks_case("disjoint_asymp", grid(20001, 0, 1, 7), grid(30000, 50000, 1, 7)))
    # exact attempt that is not a probability -> scipy falls back to asymp
    c.append(ks_case("fallback_5_vs_5", v(1.0, 2.0, 3.0, 4.0, 5.0), v(1.5, 2.5, 3.5, 4.5, 5.5),
                     "exact gives 1.0000000000000002; asymp with en = 2.5 -> kstwo n = 2"))
    c.append(ks_case("fallback_30_vs_30", grid(30, 0, 2, 7), grid(30, 1, 2, 11),
                     "exact gives 1.0000000000000004; en = 15"))
    c.append(ks_case("fallback_69_vs_69_h2", grid(69, 0, 2, 7), grid(69, 3, 2, 11),
                     "h = 2; en = 34.5 -> 34"))
    # asymptotic, one per kstwo branch
    c.append(ks_case("asymp_zero_branch", grid(20001, 0, 20000, 7), grid(20001, 5000 * 20001, 20001, 11),
                     "n x^2 >= 370 -> p = 0"))
    c.append(ks_case("asymp_2smirnov", lcg(20000, 61), lcg(30000, 62, offset=40)))
    c.append(ks_case("asymp_pelz_good", lcg(12000, 63), lcg(15000, 64, offset=6)))
    c.append(ks_case("asymp_pelz_good_large_n", lcg(300000, 65, mod=100000, terms=1),
                     lcg(300000, 66, mod=100000, terms=1, offset=80)))
    c.append(ks_case("asymp_durbin", grid(20000, 0, 3, 7), grid(30000, 30, 2, 7),
                     "p ~ 1, Durbin matrix"))
    c.append(ks_case("asymp_ruben_gambino_low", grid(20000, 0, 3, 7), grid(30000, 1, 2, 7)))
    c.append(ks_case("asymp_half_even_down", lcg(20001, 67), lcg(20001, 68, offset=15),
                     "en = 10000.5 -> 10000"))
    c.append(ks_case("asymp_half_even_up", lcg(20003, 69), lcg(20003, 70, offset=15),
                     "en = 10001.5 -> 10002"))
    c.append(ks_case("asymp_1_vs_20000", v(1000.0), lcg(20000, 71), "kstwo n = 1"))
    c.append(ks_case("asymp_5_vs_20000", lcg(5, 72, offset=700), lcg(20000, 73), "kstwo n = 5"))
    c.append(ks_case("asymp_100_vs_20000_pomeranz", lcg(100, 74, offset=190), lcg(20000, 75),
                     "en = 99.5 -> 100"))
    c.append(ks_case("asymp_60_vs_20000_2smirnov", lcg(60, 76, offset=600), lcg(20000, 77)))
    c.append(ks_case("asymp_20_vs_20000_x_ge_half", lcg(20, 82, offset=1300), lcg(20000, 83),
                     "kstwo n = 20, D >= 0.5: 2 * smirnov"))
    c.append(ks_case("asymp_3_vs_20000_rg_high", lcg(3, 84, offset=900), lcg(20000, 85),
                     "kstwo n = 3, n D >= n - 1"))
    c.append(ks_case("asymp_140_vs_30000_durbin", lcg(140, 78, offset=10), lcg(30000, 79)))
    c.append(ks_case("asymp_smirnov_approx_n_gt_1e6", lcg(2200000, 80, mod=1000000, terms=1),
                     lcg(2200000, 81, mod=1000000, terms=1, offset=2000),
                     "en = 1.1e6 > 1e6: smirnov's large-n approximation"))
    return c


def kstwo_cases():
    rng = np.random.default_rng(20240601)
    out = []
    small = [1, 2, 3, 4, 5, 7, 10, 20, 50, 100, 139, 140]
    medium = [141, 200, 500, 1000, 2375, 5000, 10000, 14250, 50000, 99999, 100000]
    large = [100001, 500000, 1000000, 1000001, 5000000]
    for n in small + medium + large:
        xs = [1 / n, 0.5 / n, 0.75 / n, 1 - 1 / n, 2 / n, 0.5, (n - 1.5) / n]
        xs += [math.sqrt(2.2 / n), math.sqrt(370 / n) * 1.01, math.sqrt(300 / n), math.sqrt(18 / n)]
        xs += list((rng.uniform(0.01, 1.4, 3) / n) ** (2 / 3))
        if n < 50000:
            xs += list(rng.uniform(0, 1, 3))
            xs += list(np.sqrt(rng.uniform(0.01, 8, 8) / n))
        elif n <= 100001:
            xs += list(rng.uniform(0, 1, 2))
            xs += list(np.sqrt(rng.uniform(0.01, 8, 3) / n))
        else:
            xs += list(np.sqrt(rng.uniform(0.01, 2.19, 5) / n))
        full_sums = 0
        for x in xs:
            x = float(x)
            if not (0 <= x <= 1):
                continue
            if 50000 <= n <= 1000000 and kolmogn_sf_branch(n, x) == "2*smirnov" and x < 0.5:
                # A full Smirnov sum has ~n terms (0.1 s at n = 1e5, seconds at 1e6):
                # keep two per n up to 100001 and none above.
                full_sums += 1
                if n > 100001 or full_sums > 2:
                    continue
            out.append([n, x, float(stats.kstwo.sf(x, n)), kolmogn_sf_branch(n, x)])
    return out


def smirnov_cases():
    rng = np.random.default_rng(7)
    out = []
    for n in [1, 2, 3, 5, 10, 11, 50, 100, 140, 141, 500, 1000, 1013, 5000, 10000, 100000, 1000001, 5000000]:
        xs = list(rng.uniform(0, 1, 4)) + [1 / n, 0.5 / n, 1 - 1 / n, 2 / n, 0.5, (n - 1.5) / n, 0.0, 1.0]
        k = 6 if n <= 10000 or n > 1000000 else 1
        xs += list(np.sqrt(rng.uniform(0.5, 400, k) / n))
        for x in xs:
            x = float(x)
            if 0 <= x <= 1:
                out.append([n, x, float(special.smirnov(n, x))])
    return out


def exact_cases():
    sq = []
    for n, h in [(1, 1), (5, 1), (30, 1), (69, 2), (100, 7), (500, 40), (4750, 70), (4950, 75),
                 (10000, 1), (10000, 150), (10000, 2000), (10000, 9999), (10000, 10000), (7, 7)]:
        sq.append([n, h, float(_compute_prob_outside_square(n, h))])
    ins = []
    for m, n, h in [(3, 2, 1), (3, 2, 4), (37, 113, 1500), (2850, 1900, 566), (2970, 1980, 135),
                    (10000, 9999, 1), (10000, 9999, 250000), (10000, 9999, 9000000),
                    (10000, 9999, 99990000), (6000, 7, 3000), (4500, 3000, 200), (1, 10000, 5000),
                    (128, 96, 60), (9999, 10000, 1234567)]:
        g = math.gcd(m, n)
        ins.append([m, n, g, h, float(_compute_outer_prob_inside_method(m, n, g, h))])
    return sq, ins


def main():
    sq, ins = exact_cases()
    data = {
        "generator": "test/data/make-ks-cases.py",
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "ks2samp": ks2samp_cases(),
        "kstwo_sf": kstwo_cases(),
        "smirnov": smirnov_cases(),
        "prob_outside_square": sq,
        "outer_prob_inside": ins,
    }
    path = os.path.join(HERE, "ks-cases.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
