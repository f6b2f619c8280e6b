//! Small statistics the forecast needs: quantiles of member values, the
//! negative binomial log-likelihood that weights members, and the skill measures
//! of backtests (docs/forecast.md defines them once), and the normal quantiles
//! that spread a forecast without random draws.
//!
//! Invariants: pure functions of their arguments; quantiles interpolate linearly
//! between order statistics (type 7, as the ensemble statistics do), so a
//! quantile lies within the members' range.

/// The `q` quantile (0 ≤ q ≤ 1) of `values` (any order); 0 for no values.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, q)
}

/// [`quantile`] of values sorted ascending.
pub fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let h = (v.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Mean of `values`; 0 for none.
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 terms; relative error
/// below 1e-13 over the range used here).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// ln P(Y = y) for Y negative binomial with mean `mu` and size `k`
/// (variance `mu + mu²/k`). `mu` is floored at 0.5 so that a member simulating
/// nobody where people were observed is unlikely, not impossible.
pub fn nb_log_likelihood(y: f64, mu: f64, k: f64) -> f64 {
    let y = y.max(0.0).round();
    let mu = mu.max(0.5);
    ln_gamma(y + k) - ln_gamma(k) - ln_gamma(y + 1.0)
        + k * (k / (k + mu)).ln()
        + y * (mu / (k + mu)).ln()
}

/// The continuous ranked probability score of an ensemble `members` for the
/// outcome `y`: `E|X − y| − ½·E|X − X'|` over the members' empirical law
/// (lower is better; equals |x − y| for a single member).
pub fn crps(members: &[f64], y: f64) -> f64 {
    let n = members.len();
    if n == 0 {
        return f64::NAN;
    }
    let mut v = members.to_vec();
    v.sort_by(f64::total_cmp);
    let e1 = v.iter().map(|x| (x - y).abs()).sum::<f64>() / n as f64;
    // Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − n + 1) x_(i) for sorted values (0-based).
    let s: f64 = v
        .iter()
        .enumerate()
        .map(|(i, x)| (2.0 * i as f64 - n as f64 + 1.0) * x)
        .sum();
    e1 - s / (n * n) as f64
}

/// The standard normal quantile Φ⁻¹(p) for 0 < p < 1 (Acklam's rational
/// approximation, relative error below 1.2e-9); ±∞ at 0 and 1.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let tail = |q: f64| {
        let q = (-2.0 * q.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail(p)
    } else if p > 1.0 - LOW {
        -tail(1.0 - p)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Effective sample size of normalised weights: 1 / Σ w².
pub fn ess(weights: &[f64]) -> f64 {
    let s: f64 = weights.iter().map(|w| w * w).sum();
    if s > 0.0 {
        1.0 / s
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let v = [4.0, 1.0, 3.0, 2.0, 5.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 5.0);
        // h = 4 × 0.05 = 0.2: 1 + 0.2 × (2 − 1).
        assert!((quantile(&v, 0.05) - 1.2).abs() < 1e-12);
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        // Γ(n) = (n−1)!
        assert!((ln_gamma(1.0)).abs() < 1e-12);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(11.0) - 3_628_800f64.ln()).abs() < 1e-10);
        // Γ(1/2) = √π.
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }

    #[test]
    fn negative_binomial_sums_to_one_and_peaks_near_the_mean() {
        let (mu, k) = (7.0, 3.0);
        let total: f64 = (0..400)
            .map(|y| nb_log_likelihood(y as f64, mu, k).exp())
            .sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        let mean: f64 = (0..400)
            .map(|y| y as f64 * nb_log_likelihood(y as f64, mu, k).exp())
            .sum();
        assert!((mean - mu).abs() < 1e-6, "{mean}");
        // P(0) = (k/(k+mu))^k by hand: (3/10)^3 = 0.027.
        assert!((nb_log_likelihood(0.0, mu, k).exp() - 0.027).abs() < 1e-12);
    }

    #[test]
    fn crps_of_an_ensemble_by_hand() {
        // One member: the absolute error.
        assert_eq!(crps(&[3.0], 5.0), 2.0);
        // Members {0, 2}, y = 1: E|X−y| = 1, E|X−X'| = (0+2+2+0)/4 = 1 → 1 − 0.5.
        assert!((crps(&[2.0, 0.0], 1.0) - 0.5).abs() < 1e-12);
        // Members {0, 1, 2}, y = 3: E|X−y| = 2, E|X−X'| = 8/9 → 2 − 4/9.
        assert!((crps(&[0.0, 1.0, 2.0], 3.0) - (2.0 - 4.0 / 9.0)).abs() < 1e-12);
    }

    #[test]
    fn normal_quantiles_match_tables() {
        // Φ⁻¹(0.5) = 0, Φ⁻¹(0.975) = 1.959964, Φ⁻¹(0.95) = 1.644854,
        // Φ⁻¹(0.01) = −2.326348 (printed tables), and symmetry.
        assert!(normal_quantile(0.5).abs() < 1e-12);
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-6);
        assert!((normal_quantile(0.95) - 1.644_854).abs() < 1e-6);
        assert!((normal_quantile(0.01) + 2.326_348).abs() < 1e-6);
        assert!((normal_quantile(0.2) + normal_quantile(0.8)).abs() < 1e-9);
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
    }

    #[test]
    fn ess_of_uniform_and_degenerate_weights() {
        assert!((ess(&[0.25; 4]) - 4.0).abs() < 1e-12);
        assert_eq!(ess(&[1.0, 0.0, 0.0]), 1.0);
    }
}
