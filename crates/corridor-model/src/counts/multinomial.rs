//! Binomial and multinomial draws for the count engine.
//!
//! [`binomial`] is exact and costs O(1) expected time whatever `n`: inversion
//! (BINV, Kachitvichyanukul & Schmeiser 1988) for means below 10, Hörmann's
//! transformed rejection BTRS (1993) above. It draws from the same `Stream` as
//! `Stream::binomial` but with cheaper paths for the count engine's mix of calls
//! (billions of people, means from 10^-3 to 10^8): no logarithm per success,
//! no libm `floor`, and for groups of up to [`POWI_MAX`] people no `exp` or
//! `log` at all (inversion starts from `q^n` by repeated squaring); groups of
//! up to [`BERNOULLI_MAX`] people draw one uniform per person.
//!
//! Multinomial draws are sequential conditional binomials, or one categorical
//! draw per person for groups of at most [`PER_PERSON_MAX`] people or at most
//! as many people as categories (most groups are that small, and one uniform
//! and a search per person are cheaper than a binomial per category: routes
//! from a location have up to ~75 destinations on the built-in scenario).
//! Both have the multinomial law.
//!
//! Splitting `n` people over categories with probabilities `p_1..p_k`: category
//! `j` gets `Binomial(n_left, p_j / (1 − p_1 − … − p_{j−1}))`, and the last
//! category with a positive weight takes whatever is left, so the parts always
//! sum to `n` whatever the rounding. The cost is one binomial per category,
//! independent of `n` (`Stream::binomial` is O(1) in expectation for large means).

use std::sync::OnceLock;

use crate::rng::Stream;

/// Binomials with at most this many trials are drawn trial by trial (one
/// uniform each: cheaper than inversion for groups this small).
pub(crate) const BERNOULLI_MAX: u64 = 4;

/// The number of successes in `n` Bernoulli(p) trials, one uniform each.
#[inline]
fn bernoullis(rng: &mut Stream, n: u64, p: f64) -> u64 {
    (0..n).map(|_| (rng.next_f64() < p) as u64).sum()
}

/// Groups of at most this many people are split one person at a time (see the
/// module documentation); larger ones by conditional binomials.
pub(crate) const PER_PERSON_MAX: u64 = 8;

/// Up to this `n`, inversion computes `q^n` with `powi` (relative error below
/// `n`·2^-53 from the rounding of `q`, about 7e-12 here) instead of
/// `exp(n·ln q)`; above it, the rounding of `q` would matter and `ln_1p` is used.
pub(crate) const POWI_MAX: u64 = 1 << 16;

/// `(1 − p)^n`; `ln_q` gives ln(1 − p) when `n` is too large for `powi`.
#[inline]
fn q_pow_n(n: u64, p: f64, ln_q: impl FnOnce() -> f64) -> f64 {
    if n <= POWI_MAX {
        // Repeated squaring, inlined (libcompiler-rt's `powi` is a call).
        // `r *= 1.0` is exact, so multiplying by a selected factor gives the
        // same bits as skipping the product, without a branch on each bit of
        // `n` (which mispredicts about half the time).
        let (mut r, mut b, mut e) = (1.0, 1.0 - p, n);
        while e > 0 {
            r *= if e & 1 == 1 { b } else { 1.0 };
            b *= b;
            e >>= 1;
        }
        r
    } else {
        ((n as f64) * ln_q()).exp()
    }
}

/// Splits `n` over categories given by *cumulative* weights `cum` (as in the
/// engine's route tables), writing the parts into `out` (resized to
/// `cum.len()`). Zero-weight categories get nobody. When the total weight is not
/// positive and finite, the split is uniform, the agent engine's rule for
/// route choice when every weight is 0.
pub(crate) fn split_cumulative(rng: &mut Stream, n: u64, cum: &[f64], out: &mut Vec<u64>) {
    let k = cum.len();
    out.clear();
    out.resize(k, 0);
    if k == 0 || n == 0 {
        return;
    }
    let total = cum[k - 1];
    if !(total > 0.0 && total.is_finite()) {
        uniform(rng, n, out);
        return;
    }
    let weight = |j: usize| cum[j] - if j == 0 { 0.0 } else { cum[j - 1] };
    if n <= PER_PERSON_MAX.max(k as u64) {
        // One categorical draw per person (the agent engine's route choice).
        for _ in 0..n {
            out[draw_category(rng, cum, total)] += 1;
        }
        return;
    }
    let Some(last) = (0..k).rev().find(|&j| weight(j) > 0.0) else {
        uniform(rng, n, out);
        return;
    };
    let mut left = n;
    let mut before = 0.0;
    for j in 0..=last {
        let w = weight(j);
        if w <= 0.0 {
            before = cum[j];
            continue;
        }
        if j == last {
            out[j] = left;
            return;
        }
        let p = w / (total - before);
        let x = binomial(rng, left, p);
        out[j] = x;
        left -= x;
        before = cum[j];
        if left == 0 {
            return;
        }
    }
}

/// The categories of `n` people (2 ≤ `n` ≤ [`PER_PERSON_MAX`], `cum` of at
/// least one category), sorted, in `out[..n]`: the draws [`split_cumulative`]
/// makes for such a group, in the same order, so the parts are the same.
/// `None` (nothing drawn) for larger groups or a total weight that is not
/// positive and finite: use [`split_cumulative`] then.
#[inline]
pub(crate) fn pick_few<'o>(
    rng: &mut Stream,
    n: u64,
    cum: &[f64],
    out: &'o mut [usize; PER_PERSON_MAX as usize],
) -> Option<&'o [usize]> {
    let k = cum.len();
    if n > PER_PERSON_MAX || k == 0 {
        return None;
    }
    let total = cum[k - 1];
    if !(total > 0.0 && total.is_finite()) {
        return None;
    }
    let out = &mut out[..n as usize];
    for o in out.iter_mut() {
        *o = draw_category(rng, cum, total);
    }
    out.sort_unstable();
    Some(out)
}

/// Most categories [`pick_few_packed`] takes: four bits of a `u64` each.
pub(crate) const PACKED_MAX: usize = 16;

// A category's count must fit its four bits whatever `PER_PERSON_MAX` becomes.
const _: () = assert!(PER_PERSON_MAX < 16);

/// [`pick_few`] for at most [`PACKED_MAX`] categories, with the same draws in
/// the same order, returning the head counts packed four bits per category
/// (category `j` in bits `4j..4j + 4`: at most [`PER_PERSON_MAX`] = 8 people
/// fit) instead of the sorted categories. The caller reads the parts in
/// category order from the set nibbles, with no sort and no scan for runs of
/// equal picks (mali2012 has ~190,000 such groups a run, 2–8 movers over a
/// handful of routes). `None` (nothing drawn) where
/// `pick_few` would return `None` and for more than `PACKED_MAX` categories.
#[inline]
pub(crate) fn pick_few_packed(rng: &mut Stream, n: u64, cum: &[f64]) -> Option<u64> {
    let k = cum.len();
    if n > PER_PERSON_MAX || k == 0 || k > PACKED_MAX {
        return None;
    }
    let total = cum[k - 1];
    if !(total > 0.0 && total.is_finite()) {
        return None;
    }
    let mut packed = 0u64;
    for _ in 0..n {
        packed += 1 << (4 * draw_category(rng, cum, total));
    }
    Some(packed)
}

/// The category of one person, drawn from cumulative weights `cum` (as
/// [`split_cumulative`] does for each person of a small group, with the same
/// draws): uniform when the total is not positive and finite.
#[inline]
pub(crate) fn pick_cumulative(rng: &mut Stream, cum: &[f64]) -> usize {
    let k = cum.len();
    debug_assert!(k > 0);
    let total = cum[k - 1];
    if !(total > 0.0 && total.is_finite()) {
        return rng.below(k as u64) as usize;
    }
    draw_category(rng, cum, total)
}

/// One categorical draw from `cum`, whose total `total` is positive and finite.
#[inline]
fn draw_category(rng: &mut Stream, cum: &[f64], total: f64) -> usize {
    category_at(cum, rng.next_f64() * total)
}

/// The category of `u` in [0, total] under cumulative weights `cum`.
#[inline]
fn category_at(cum: &[f64], u: f64) -> usize {
    let k = cum.len();
    // cum[j − 1] ≤ u < cum[j]: category j has a positive weight. `cum` is
    // non-decreasing, so j is the number of entries ≤ u; for the few
    // candidates a location has, counting them (no branches, vectorised) is
    // cheaper than a binary search and gives the same j.
    let j = if k <= LINEAR_MAX {
        cum.iter().map(|&c| (c <= u) as usize).sum()
    } else {
        cum.partition_point(|&c| c <= u)
    };
    if j < k {
        return j;
    }
    // Rounding put u at the very top: the last category with weight (there is
    // one: the total is positive).
    let weight = |j: usize| cum[j] - if j == 0 { 0.0 } else { cum[j - 1] };
    (0..k).rev().find(|&j| weight(j) > 0.0).unwrap_or(k - 1)
}

/// Up to this many categories, [`category_at`] counts instead of bisecting.
const LINEAR_MAX: usize = 16;

/// Splits `n` over `probs` (non-negative, summing to about 1); see
/// [`split_cumulative`].
pub(crate) fn split(rng: &mut Stream, n: u64, probs: &[f64], out: &mut Vec<u64>) {
    let mut acc = 0.0;
    let cum: Vec<f64> = probs
        .iter()
        .map(|&p| {
            acc += if p.is_finite() && p > 0.0 { p } else { 0.0 };
            acc
        })
        .collect();
    split_cumulative(rng, n, &cum, out);
}

/// Binomial(n, p); 0 for `p` ≤ 0 or NaN, `n` for `p` ≥ 1.
#[inline]
pub(crate) fn binomial(rng: &mut Stream, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if n <= BERNOULLI_MAX {
        return bernoullis(rng, n, p);
    }
    if p > 0.5 {
        return n - binomial(rng, n, 1.0 - p);
    }
    if (n as f64) * p < 10.0 {
        binv(rng, n, p)
    } else {
        btrs(rng, n, p)
    }
}

/// [`binomial`] with `ln_q` = ln(1 − p) given (computed once per location and
/// day for move chances, saving a logarithm per draw).
#[inline]
pub(crate) fn binomial_ln(rng: &mut Stream, n: u64, p: f64, ln_q: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if n <= BERNOULLI_MAX {
        return bernoullis(rng, n, p);
    }
    if p <= 0.5 && (n as f64) * p < 10.0 {
        return binv_ln(rng, n, p, ln_q);
    }
    binomial(rng, n, p)
}

/// Inversion: walk the probabilities P(0), P(1), … with the recurrence
/// P(x) = P(x−1)·((n+1)·s/x − s), s = p/q, until the uniform is used up.
fn binv(rng: &mut Stream, n: u64, p: f64) -> u64 {
    binv_r0(rng, n, p, q_pow_n(n, p, || (-p).ln_1p()))
}

fn binv_ln(rng: &mut Stream, n: u64, p: f64, ln_q: f64) -> u64 {
    binv_r0(rng, n, p, q_pow_n(n, p, || ln_q))
}

/// Inversion given `r0` = P(0) = q^n.
#[inline]
fn binv_r0(rng: &mut Stream, n: u64, p: f64, r0: f64) -> u64 {
    let q = 1.0 - p;
    let s = p / q;
    let a = (n as f64 + 1.0) * s;
    // Far beyond any probable value (mean < 10): only rounding can get here.
    let limit = n.min(110);
    loop {
        let mut u = rng.next_f64();
        let mut r = r0;
        let mut x = 0u64;
        loop {
            if u < r {
                return x;
            }
            u -= r;
            x += 1;
            if x > limit {
                break;
            }
            r *= a / x as f64 - s;
        }
    }
}

/// Hörmann's BTRS for n·p ≥ 10, p ≤ 0.5.
fn btrs(rng: &mut Stream, n: u64, p: f64) -> u64 {
    let nf = n as f64;
    let q = 1.0 - p;
    let spq = (nf * p * q).sqrt();
    let b = 1.15 + 2.53 * spq;
    let a = -0.0873 + 0.0248 * b + 0.01 * p;
    let c = nf * p + 0.5;
    let vr = 0.92 - 4.2 / b;
    let mut setup: Option<(f64, f64, f64, f64)> = None;
    loop {
        let u = rng.next_f64() - 0.5;
        let v = rng.next_f64();
        let us = 0.5 - u.abs();
        let x = (2.0 * a / us + b) * u + c;
        if x < 0.0 || x >= nf + 1.0 {
            continue;
        }
        let k = x as u64 as f64; // floor of a non-negative number
        if us >= 0.07 && v <= vr {
            return k as u64;
        }
        // The slow test needs ln(k!) terms; set them up once per call (the
        // mode `m` too: a libm `floor` call per slow test otherwise).
        let (alpha, lpq, h, m) = *setup.get_or_insert_with(|| {
            // Floor of a non-negative number below 2^64.
            let m = ((nf + 1.0) * p) as u64 as f64;
            (
                (2.83 + 5.1 / b) * spq,
                (p / q).ln(),
                ln_fact(m) + ln_fact(nf - m),
                m,
            )
        });
        let lhs = (v * alpha / (a / (us * us) + b)).ln();
        let rhs = h - ln_fact(k) - ln_fact(nf - k) + (k - m) * lpq;
        if lhs <= rhs {
            return k as u64;
        }
    }
}

/// Entries of [`ln_fact`]'s table (16 KiB).
const LN_FACT_TABLE: usize = 2048;

/// `rng::ln_factorial(k)` for the whole numbers `k` ≥ 0 that BTRS asks for:
/// below [`LN_FACT_TABLE`] read from a table that function filled (so the
/// same bits), beyond it computed. Its slow test asks for two of them, and
/// its setup for two more; above 9 each was a libm logarithm and a Stirling
/// series.
#[inline]
fn ln_fact(k: f64) -> f64 {
    static TABLE: OnceLock<Box<[f64]>> = OnceLock::new();
    if k < LN_FACT_TABLE as f64 {
        let t = TABLE.get_or_init(|| {
            (0..LN_FACT_TABLE)
                .map(|i| crate::rng::ln_factorial(i as f64))
                .collect()
        });
        t[k as usize]
    } else {
        crate::rng::ln_factorial(k)
    }
}

fn uniform(rng: &mut Stream, n: u64, out: &mut [u64]) {
    let k = out.len();
    if n <= PER_PERSON_MAX {
        for _ in 0..n {
            out[rng.below(k as u64) as usize] += 1;
        }
        return;
    }
    let mut left = n;
    for (j, o) in out.iter_mut().enumerate() {
        if j + 1 == k {
            *o = left;
            return;
        }
        let x = binomial(rng, left, 1.0 / (k - j) as f64);
        *o = x;
        left -= x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Purpose};

    /// Small groups: the same parts as `split_cumulative` from the same stream.
    #[test]
    fn pick_few_gives_split_cumulatives_parts() {
        let cum = [0.0, 2.0, 2.5, 2.5, 7.0, 7.25, 9.0];
        for n in 0..=PER_PERSON_MAX + 1 {
            for seed in 0..50 {
                let mut a = stream(seed, Purpose::Other, 0, 0);
                let mut b = a.clone();
                let mut want = Vec::new();
                split_cumulative(&mut a, n, &cum, &mut want);
                let mut few = [0usize; PER_PERSON_MAX as usize];
                match pick_few(&mut b, n, &cum, &mut few) {
                    Some(p) => {
                        let mut got = vec![0u64; cum.len()];
                        p.iter().for_each(|&j| got[j] += 1);
                        assert!(p.windows(2).all(|w| w[0] <= w[1]));
                        assert_eq!(got, want, "n {n}");
                        assert_eq!(a.next_u64(), b.next_u64(), "same draws, n {n}");
                    }
                    None => assert!(n > PER_PERSON_MAX),
                }
            }
        }
        let mut few = [0usize; PER_PERSON_MAX as usize];
        let mut r = stream(1, Purpose::Other, 0, 0);
        assert!(pick_few(&mut r, 3, &[0.0, 0.0], &mut few).is_none());
    }

    /// The table gives `rng::ln_factorial`'s bits for every whole number it
    /// holds, and the function's beyond.
    #[test]
    fn ln_fact_is_ln_factorial() {
        for k in (0..LN_FACT_TABLE + 50).chain([10_000, 123_456_789]) {
            let k = k as f64;
            assert_eq!(
                ln_fact(k).to_bits(),
                crate::rng::ln_factorial(k).to_bits(),
                "{k}"
            );
        }
    }

    /// Small groups over a few categories: the same parts and draws as
    /// `split_cumulative`, packed four bits per category.
    #[test]
    fn pick_few_packed_gives_split_cumulatives_parts() {
        let cum = [0.0, 2.0, 2.5, 2.5, 7.0, 7.25, 9.0];
        let wide: Vec<f64> = (1..=PACKED_MAX).map(|j| (j * j) as f64).collect();
        for cum in [&cum[..], &cum[..2], &wide[..]] {
            for n in 0..=PER_PERSON_MAX + 1 {
                for seed in 0..50 {
                    let mut a = stream(seed, Purpose::Other, 0, 0);
                    let mut b = a.clone();
                    let mut want = Vec::new();
                    split_cumulative(&mut a, n, cum, &mut want);
                    match pick_few_packed(&mut b, n, cum) {
                        Some(p) => {
                            let got: Vec<u64> =
                                (0..cum.len()).map(|j| (p >> (4 * j)) & 0xF).collect();
                            if cum.len() < PACKED_MAX {
                                assert_eq!(p >> (4 * cum.len()), 0, "nothing past k");
                            }
                            assert_eq!(got, want, "n {n}");
                            assert_eq!(a.next_u64(), b.next_u64(), "same draws, n {n}");
                        }
                        None => assert!(n > PER_PERSON_MAX),
                    }
                }
            }
        }
        let mut r = stream(1, Purpose::Other, 0, 0);
        assert!(pick_few_packed(&mut r, 3, &[0.0, 0.0]).is_none());
        let over: Vec<f64> = (1..=PACKED_MAX + 1).map(|j| j as f64).collect();
        assert!(pick_few_packed(&mut r, 3, &over).is_none());
    }

    #[test]
    fn parts_sum_to_n_and_respect_zero_weights() {
        let mut rng = stream(1, Purpose::Other, 0, 0);
        let mut out = Vec::new();
        for n in [0u64, 1, 7, 1000, 1_000_000_000] {
            split_cumulative(&mut rng, n, &[0.0, 2.0, 2.0, 5.0, 5.0], &mut out);
            assert_eq!(out.iter().sum::<u64>(), n);
            assert_eq!((out[0], out[2], out[4]), (0, 0, 0));
        }
        split_cumulative(&mut rng, 10, &[0.0, 0.0], &mut out);
        assert_eq!(out.iter().sum::<u64>(), 10);
    }

    /// Mean and variance of both samplers against the binomial's, at means
    /// around the switch between inversion and rejection and far beyond.
    #[test]
    fn binomial_moments() {
        let mut rng = stream(3, Purpose::Other, 0, 0);
        for &(n, p) in &[
            (20u64, 0.3),
            (100, 0.09),
            (100, 0.11),
            (100, 0.35),
            (1000, 0.5),
            (1000, 0.97),
            (1_000_000_000, 0.001),
            (50, 1e-4),
        ] {
            let reps = 200_000;
            let xs: Vec<f64> = (0..reps).map(|_| binomial(&mut rng, n, p) as f64).collect();
            let m = xs.iter().sum::<f64>() / reps as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (reps - 1) as f64;
            let (mu, var) = (n as f64 * p, n as f64 * p * (1.0 - p));
            assert!(
                (m - mu).abs() < 5.0 * (var / reps as f64).sqrt(),
                "{n},{p}: mean {m} vs {mu}"
            );
            // sd of the sample variance ≈ sqrt((μ4 − σ⁴) / reps), with the
            // binomial's fourth central moment μ4 = npq(1 + 3(n − 2)pq).
            let nf = n as f64;
            let mu4 = var * (1.0 + 3.0 * (nf - 2.0) * p * (1.0 - p));
            let sd_v = ((mu4 - var * var).max(0.0) / reps as f64).sqrt();
            assert!(
                (v - var).abs() < 5.0 * sd_v + 1e-12,
                "{n},{p}: var {v} vs {var}"
            );
            assert!(xs.iter().all(|&x| x <= n as f64));
        }
    }

    #[test]
    fn means_match_probabilities() {
        let mut rng = stream(2, Purpose::Other, 0, 0);
        let mut out = Vec::new();
        let probs = [0.1, 0.0, 0.6, 0.3];
        let (n, reps) = (1000u64, 4000);
        let mut sum = [0.0f64; 4];
        for _ in 0..reps {
            split(&mut rng, n, &probs, &mut out);
            for j in 0..4 {
                sum[j] += out[j] as f64;
            }
        }
        for j in 0..4 {
            let mean = sum[j] / reps as f64;
            let expect = n as f64 * probs[j];
            let se = (n as f64 * probs[j] * (1.0 - probs[j]) / reps as f64).sqrt();
            assert!(
                (mean - expect).abs() <= 4.0 * se + 1e-9,
                "{j}: {mean} vs {expect}"
            );
        }
        // Uniform fallback.
        let mut tot = [0.0f64; 3];
        for _ in 0..reps {
            split_cumulative(&mut rng, 300, &[0.0, 0.0, 0.0], &mut out);
            for j in 0..3 {
                tot[j] += out[j] as f64;
            }
        }
        for t in tot {
            assert!(
                (t / reps as f64 - 100.0).abs() < 4.0 * (300.0 * 2.0 / 9.0 / reps as f64).sqrt()
            );
        }
    }

    /// Exact pmf of Binomial(n, p) at 0..=m, by the recurrence from P(0).
    fn pmf(n: u64, p: f64, m: usize) -> Vec<f64> {
        let mut v = vec![((n as f64) * (-p).ln_1p()).exp()];
        for x in 1..=m {
            let prev = v[x - 1];
            v.push(prev * (n - x as u64 + 1) as f64 / x as f64 * p / (1.0 - p));
        }
        v
    }

    /// The inversion paths (q^n by `powi` up to `POWI_MAX`, by `exp` above, and
    /// with a given ln q) against the exact pmf: every value's frequency within
    /// 5 standard errors (plus 3 draws).
    #[test]
    fn inversion_matches_the_pmf() {
        let mut rng = stream(4, Purpose::Other, 0, 0);
        let reps = 200_000usize;
        for &(n, p) in &[
            (1u64, 0.3),
            (3, 0.5),
            (4, 0.9),
            (5, 0.2),
            (7, 0.7),
            (40, 0.1),
            (POWI_MAX, 5e-5),
            (POWI_MAX + 1, 5e-5),
            (1_000_000, 3e-6),
        ] {
            for with_ln in [false, true] {
                let mut freq = vec![0usize; 40];
                for _ in 0..reps {
                    let x = if with_ln {
                        binomial_ln(&mut rng, n, p, (-p).ln_1p())
                    } else {
                        binomial(&mut rng, n, p)
                    };
                    assert!(x <= n);
                    freq[(x as usize).min(39)] += 1;
                }
                let exact = pmf(n, p, 38);
                for (x, &pr) in exact.iter().enumerate() {
                    let f = freq[x] as f64 / reps as f64;
                    let se = (pr * (1.0 - pr) / reps as f64).sqrt();
                    // 3 / reps: a few draws of a very improbable value are
                    // not evidence of a bias.
                    assert!(
                        (f - pr).abs() <= 5.0 * se + 3.0 / reps as f64,
                        "{n},{p},{with_ln}: P({x}) {f} vs {pr}"
                    );
                }
            }
        }
    }

    /// Groups of at most `PER_PERSON_MAX` (one draw per person): the parts have
    /// the multinomial's means, variances and covariances, and zero weights
    /// get nobody; the uniform fallback too.
    #[test]
    fn per_person_split_is_multinomial() {
        let mut rng = stream(5, Purpose::Other, 0, 0);
        let mut out = Vec::new();
        let cum = [0.5, 0.5, 2.0, 4.0, 4.0];
        let probs = [0.125, 0.0, 0.375, 0.5, 0.0];
        let reps = 100_000;
        for n in [1u64, 3, PER_PERSON_MAX] {
            let nf = n as f64;
            let (mut s, mut s2, mut s02) = ([0.0f64; 5], [0.0f64; 5], 0.0f64);
            for _ in 0..reps {
                split_cumulative(&mut rng, n, &cum, &mut out);
                assert_eq!(out.iter().sum::<u64>(), n);
                for j in 0..5 {
                    s[j] += out[j] as f64;
                    s2[j] += (out[j] * out[j]) as f64;
                }
                s02 += (out[0] * out[2]) as f64;
            }
            let r = reps as f64;
            for j in 0..5 {
                let (m, v) = (s[j] / r, s2[j] / r - (s[j] / r).powi(2));
                let (mu, var) = (nf * probs[j], nf * probs[j] * (1.0 - probs[j]));
                assert!(
                    (m - mu).abs() <= 5.0 * (var / r).sqrt() + 1e-12,
                    "{n} {j}: mean {m}"
                );
                // The variance within 5% (a loose but failing-if-wrong bound).
                assert!(
                    (v - var).abs() <= 0.05 * var + 1e-12,
                    "{n} {j}: var {v} vs {var}"
                );
            }
            // Cov(X0, X2) = −n p0 p2.
            let cov = s02 / r - (s[0] / r) * (s[2] / r);
            let expect = -nf * probs[0] * probs[2];
            assert!(
                (cov - expect).abs() <= 0.1 * expect.abs(),
                "{n}: cov {cov} vs {expect}"
            );
        }
        let mut tot = [0.0f64; 3];
        for _ in 0..reps {
            split_cumulative(&mut rng, 2, &[0.0, 0.0, 0.0], &mut out);
            assert_eq!(out.iter().sum::<u64>(), 2);
            for j in 0..3 {
                tot[j] += out[j] as f64;
            }
        }
        for t in tot {
            let se = (2.0 * 2.0 / 9.0 / reps as f64).sqrt();
            assert!((t / reps as f64 - 2.0 / 3.0).abs() < 5.0 * se, "{t}");
        }
    }

    /// Groups above `PER_PERSON_MAX` but not above the number of categories
    /// also split person by person: the multinomial's means and variances,
    /// and nobody in zero-weight categories.
    #[test]
    fn per_person_up_to_the_number_of_categories() {
        let mut rng = stream(9, Purpose::Other, 0, 0);
        let mut out = Vec::new();
        // 24 categories, every third one without weight.
        let w: Vec<f64> = (0..24)
            .map(|j| if j % 3 == 2 { 0.0 } else { 1.0 + j as f64 })
            .collect();
        let total: f64 = w.iter().sum();
        let cum: Vec<f64> = w
            .iter()
            .scan(0.0, |c, &x| {
                *c += x;
                Some(*c)
            })
            .collect();
        let n = 20u64;
        assert!(n > PER_PERSON_MAX && n <= cum.len() as u64);
        let reps = 40_000;
        let (mut s, mut s2) = (vec![0.0f64; 24], vec![0.0f64; 24]);
        for _ in 0..reps {
            split_cumulative(&mut rng, n, &cum, &mut out);
            assert_eq!(out.iter().sum::<u64>(), n);
            for j in 0..24 {
                s[j] += out[j] as f64;
                s2[j] += (out[j] * out[j]) as f64;
            }
        }
        let r = reps as f64;
        for j in 0..24 {
            let p = w[j] / total;
            let (mu, var) = (n as f64 * p, n as f64 * p * (1.0 - p));
            let (m, v) = (s[j] / r, s2[j] / r - (s[j] / r).powi(2));
            if p == 0.0 {
                assert_eq!(s[j], 0.0, "{j}");
                continue;
            }
            assert!(
                (m - mu).abs() <= 5.0 * (var / r).sqrt(),
                "{j}: mean {m} vs {mu}"
            );
            assert!((v - var).abs() <= 0.08 * var, "{j}: var {v} vs {var}");
        }
    }

    /// One person: `pick_cumulative` makes `split_cumulative`'s draw (same
    /// stream, same category), zero weights get nobody, and the rounding
    /// fallback and the uniform rule hold.
    #[test]
    fn pick_is_a_split_of_one() {
        let mut out = Vec::new();
        let cums: [&[f64]; 4] = [
            &[0.5, 0.5, 2.0, 4.0, 4.0],
            &[0.0, 1.0],
            &[0.0, 0.0, 0.0],
            &[3.0],
        ];
        for (t, cum) in cums.iter().enumerate() {
            let mut a = stream(6, Purpose::Other, 0, t as u64);
            let mut b = a.clone();
            let mut hits = vec![0u64; cum.len()];
            for _ in 0..20_000 {
                let j = pick_cumulative(&mut a, cum);
                split_cumulative(&mut b, 1, cum, &mut out);
                assert_eq!(out[j], 1, "{cum:?}");
                hits[j] += 1;
            }
            let total = cum[cum.len() - 1];
            for j in 0..cum.len() {
                let w = cum[j] - if j == 0 { 0.0 } else { cum[j - 1] };
                let p = if total > 0.0 {
                    w / total
                } else {
                    1.0 / cum.len() as f64
                };
                let f = hits[j] as f64 / 20_000.0;
                assert!((f - p).abs() <= 5.0 * (p * (1.0 - p) / 20_000.0).sqrt() + 1e-12);
            }
        }
        // u at the very top (only rounding gets there): the last category
        // with weight; u on a boundary: the category above it.
        assert_eq!(category_at(&[1.0, 2.0, 2.0], 2.0), 1);
        assert_eq!(category_at(&[1.0, 2.0, 2.0], 1.0), 1);
        assert_eq!(category_at(&[0.0, 2.0, 2.0], 0.0), 1);
        // Counting (short cums) and bisecting (long ones) agree with a scan
        // for the first entry above u, ties and repeated values included.
        let mut x = 77u64;
        for k in 1..=40usize {
            for _ in 0..500 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let mut acc = 0.0;
                let cum: Vec<f64> = (0..k)
                    .map(|j| {
                        acc += ((x >> (j % 60)) % 3) as f64;
                        acc
                    })
                    .collect();
                let total = cum[k - 1];
                if total <= 0.0 {
                    continue;
                }
                let u = (x % 1000) as f64 / 1000.0 * total;
                let u = if x.is_multiple_of(7) {
                    cum[(x as usize / 7) % k]
                } else {
                    u
                };
                let j = category_at(&cum, u);
                let first = cum.iter().position(|&c| c > u);
                match first {
                    Some(f) => assert_eq!(j, f, "{cum:?} {u}"),
                    None => assert!(j < k && cum[j] > if j == 0 { 0.0 } else { cum[j - 1] }),
                }
            }
        }
    }
}
