//! Binomial and multinomial draws for the count engine.
//!
//! [`binomial`] is exact and costs O(1) expected time whatever `n`: inversion
//! (BINV, Kachitvichyanukul & Schmeiser 1988) for means below 10, Hörmann's
//! transformed rejection BTRS (1993) above. It draws from the same `Stream` as
//! `Stream::binomial` but with cheaper paths for the count engine's mix of calls
//! (billions of people, means from 10^-3 to 10^8): no logarithm per success,
//! no libm `floor`.
//!
//! Multinomial draws are sequential conditional binomials.
//!
//! Splitting `n` people over categories with probabilities `p_1..p_k`: category
//! `j` gets `Binomial(n_left, p_j / (1 − p_1 − … − p_{j−1}))`, and the last
//! category with a positive weight takes whatever is left, so the parts always
//! sum to `n` whatever the rounding. The cost is one binomial per category,
//! independent of `n` (`Stream::binomial` is O(1) in expectation for large means).

use crate::rng::Stream;

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
    if p <= 0.5 && (n as f64) * p < 10.0 {
        return binv_ln(rng, n, p, ln_q);
    }
    binomial(rng, n, p)
}

/// Inversion: walk the probabilities P(0), P(1), … with the recurrence
/// P(x) = P(x−1)·((n+1)·s/x − s), s = p/q, until the uniform is used up.
fn binv(rng: &mut Stream, n: u64, p: f64) -> u64 {
    binv_ln(rng, n, p, (-p).ln_1p())
}

fn binv_ln(rng: &mut Stream, n: u64, p: f64, ln_q: f64) -> u64 {
    let q = 1.0 - p;
    let s = p / q;
    let a = (n as f64 + 1.0) * s;
    let r0 = ((n as f64) * ln_q).exp();
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
    let mut setup: Option<(f64, f64, f64)> = None;
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
        // The slow test needs ln(k!) terms; set them up once per call.
        let (alpha, lpq, h) = *setup.get_or_insert_with(|| {
            let m = ((nf + 1.0) * p).floor();
            (
                (2.83 + 5.1 / b) * spq,
                (p / q).ln(),
                crate::rng::ln_factorial(m) + crate::rng::ln_factorial(nf - m),
            )
        });
        let m = ((nf + 1.0) * p).floor();
        let lhs = (v * alpha / (a / (us * us) + b)).ln();
        let rhs =
            h - crate::rng::ln_factorial(k) - crate::rng::ln_factorial(nf - k) + (k - m) * lpq;
        if lhs <= rhs {
            return k as u64;
        }
    }
}

fn uniform(rng: &mut Stream, n: u64, out: &mut [u64]) {
    let k = out.len();
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
}
