//! Sensitivity indices of a model output to its parameters.
//!
//! * Sobol first-order and total indices from a Saltelli design
//!   ([`crate::design::SaltelliDesign`]) with Jansen's (1999) estimators, as
//!   recommended by Saltelli et al. (2010, Comput. Phys. Commun. 181:259):
//!   with f_A, f_B, f_ABi the outputs on the rows of A, B and A_B^(i),
//!   `V = var(f_A ∪ f_B)` (2N values, denominator 2N − 1),
//!   `S_i  = (V − ½·mean_j (f_B,j − f_ABi,j)²) / V`,
//!   `ST_i = ½·mean_j (f_A,j − f_ABi,j)² / V`.
//!   Indices are NaN when V = 0 (the output does not vary).
//! * Standardised regression coefficients for any design (e.g. Latin hypercube):
//!   the least-squares coefficients of the output on the parameters after
//!   standardising every column to mean 0 and sd 1; with the model's R², which
//!   tells how much of the variance a linear model explains (SRC² sum to R² for
//!   uncorrelated inputs).

/// Sobol indices of one output.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolIndices {
    pub first: Vec<f64>,
    pub total: Vec<f64>,
    /// The output variance V.
    pub variance: f64,
}

/// Jansen estimators on outputs `y` ordered as a Saltelli design with base size
/// `n` and `k` parameters (`y.len() == n·(k + 2)`).
pub fn sobol_jansen(y: &[f64], n: usize, k: usize) -> SobolIndices {
    assert_eq!(
        y.len(),
        n * (k + 2),
        "outputs must follow the Saltelli design"
    );
    let fa = &y[..n];
    let fb = &y[n..2 * n];
    let ab = |i: usize| &y[(2 + i) * n..(3 + i) * n];
    let all = || fa.iter().chain(fb.iter());
    let m = all().sum::<f64>() / (2 * n) as f64;
    let v = if n > 0 {
        all().map(|x| (x - m) * (x - m)).sum::<f64>() / (2 * n - 1).max(1) as f64
    } else {
        f64::NAN
    };
    let ratio = |x: f64| if v > 0.0 { x / v } else { f64::NAN };
    let mean_sq = |p: &[f64], q: &[f64]| {
        p.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / n as f64
    };
    let first = (0..k)
        .map(|i| ratio(v - 0.5 * mean_sq(fb, ab(i))))
        .collect();
    let total = (0..k).map(|i| ratio(0.5 * mean_sq(fa, ab(i)))).collect();
    SobolIndices {
        first,
        total,
        variance: v,
    }
}

/// Standardised regression coefficients and the fit's R².
#[derive(Debug, Clone, PartialEq)]
pub struct Src {
    pub coefficients: Vec<f64>,
    pub r2: f64,
}

/// Regresses `y` on the columns of `x` (rows = samples). `None` when there are
/// fewer samples than parameters + 2 or the output does not vary; a coefficient
/// is NaN for a constant parameter column.
pub fn standardized_regression(x: &[Vec<f64>], y: &[f64]) -> Option<Src> {
    let n = y.len();
    let k = x.first().map_or(0, |r| r.len());
    if n < k + 2 || x.len() != n {
        return None;
    }
    let standardise = |col: &mut dyn Iterator<Item = f64>| -> (f64, f64) {
        let v: Vec<f64> = col.collect();
        let m = v.iter().sum::<f64>() / n as f64;
        let sd = (v.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (n - 1) as f64).sqrt();
        (m, sd)
    };
    let (my, sy) = standardise(&mut y.iter().copied());
    // NaN-safe: a NaN sd (NaN outputs) also means "nothing to regress".
    if sy.is_nan() || sy <= 0.0 {
        return None;
    }
    let zy: Vec<f64> = y.iter().map(|v| (v - my) / sy).collect();
    // Only varying columns enter the regression; constant ones get NaN.
    let mut cols: Vec<usize> = Vec::new();
    let mut z: Vec<Vec<f64>> = Vec::new();
    for j in 0..k {
        let (m, s) = standardise(&mut x.iter().map(|r| r[j]));
        if s > 0.0 {
            cols.push(j);
            z.push(x.iter().map(|r| (r[j] - m) / s).collect());
        }
    }
    let p = cols.len();
    // Normal equations (Zᵀ Z) β = Zᵀ zy, solved by Gaussian elimination with
    // partial pivoting; p is the number of swept parameters (small).
    let mut a = vec![vec![0.0; p + 1]; p];
    for r in 0..p {
        for c in 0..p {
            a[r][c] = z[r].iter().zip(&z[c]).map(|(u, v)| u * v).sum();
        }
        a[r][p] = z[r].iter().zip(&zy).map(|(u, v)| u * v).sum();
    }
    for c in 0..p {
        let piv = (c..p).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[piv][c].abs() < 1e-12 * n as f64 {
            return None;
        }
        a.swap(c, piv);
        let pivot_row = a[c].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != c {
                let f = row[c] / pivot_row[c];
                for (x, pv) in row[c..].iter_mut().zip(&pivot_row[c..]) {
                    *x -= f * pv;
                }
            }
        }
    }
    let beta: Vec<f64> = (0..p).map(|r| a[r][p] / a[r][r]).collect();
    let ss_res: f64 = (0..n)
        .map(|i| {
            let fit: f64 = (0..p).map(|r| beta[r] * z[r][i]).sum();
            (zy[i] - fit) * (zy[i] - fit)
        })
        .sum();
    let ss_tot = (n - 1) as f64;
    let mut coefficients = vec![f64::NAN; k];
    for (r, &j) in cols.iter().enumerate() {
        coefficients[j] = beta[r];
    }
    Some(Src {
        coefficients,
        r2: 1.0 - ss_res / ss_tot,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::{latin_hypercube, SaltelliDesign};
    use std::f64::consts::PI;

    /// Ishigami function with a = 7, b = 0.1 on [−π, π]³.
    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    #[test]
    fn sobol_on_ishigami_matches_the_analytic_indices() {
        // Analytic values (Ishigami & Homma 1990; a = 7, b = 0.1):
        // V = 13.8446; S = (0.3139, 0.4424, 0); ST = (0.5576, 0.4424, 0.2437).
        let n = 8192;
        let d = SaltelliDesign::new(3, n, 2024);
        let y: Vec<f64> = d.rows.iter().map(|r| ishigami(r)).collect();
        let s = sobol_jansen(&y, n, 3);
        let s1 = [0.3139, 0.4424, 0.0];
        let st = [0.5576, 0.4424, 0.2437];
        for i in 0..3 {
            assert!(
                (s.first[i] - s1[i]).abs() < 0.03,
                "S{}: {:?}",
                i + 1,
                s.first
            );
            assert!(
                (s.total[i] - st[i]).abs() < 0.03,
                "ST{}: {:?}",
                i + 1,
                s.total
            );
        }
        assert!((s.variance - 13.8446).abs() < 0.5, "V = {}", s.variance);
    }

    #[test]
    fn sobol_of_an_additive_function_is_exact_in_the_limit_and_constant_is_nan() {
        // y = x1 + 2·x2 (x uniform): V1 = 1/12, V2 = 4/12, S = ST = (0.2, 0.8).
        let n = 4096;
        let d = SaltelliDesign::new(2, n, 5);
        let y: Vec<f64> = d.rows.iter().map(|r| r[0] + 2.0 * r[1]).collect();
        let s = sobol_jansen(&y, n, 2);
        for (i, e) in [0.2, 0.8].iter().enumerate() {
            assert!((s.first[i] - e).abs() < 0.03, "{:?}", s.first);
            assert!((s.total[i] - e).abs() < 0.03, "{:?}", s.total);
        }
        let flat = vec![1.0; n * 4];
        let s = sobol_jansen(&flat, n, 2);
        assert!(s.first[0].is_nan() && s.total[1].is_nan());
    }

    #[test]
    fn src_of_a_linear_model() {
        // y = 2·x1 + x2 + 0·x3 on a Latin hypercube. The fit is exact, so
        // SRC_i = β_i·sd(x_i)/sd(y) with the sample sds, and R² = 1; in
        // expectation SRC = (2, 1, 0)/√5 (sampling correlation of x1, x2 aside).
        let x = latin_hypercube(3, 2000, 9);
        let y: Vec<f64> = x.iter().map(|r| 2.0 * r[0] + r[1]).collect();
        let s = standardized_regression(&x, &y).unwrap();
        let sd = |v: Vec<f64>| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
        };
        let sy = sd(y.clone());
        let beta = [2.0, 1.0, 0.0];
        for i in 0..3 {
            let exact = beta[i] * sd(x.iter().map(|r| r[i]).collect()) / sy;
            assert!(
                (s.coefficients[i] - exact).abs() < 1e-9,
                "{:?}",
                s.coefficients
            );
            let expected = beta[i] / 5f64.sqrt();
            assert!(
                (s.coefficients[i] - expected).abs() < 0.03,
                "{:?}",
                s.coefficients
            );
        }
        assert!((s.r2 - 1.0).abs() < 1e-9);
        // A constant column gets NaN, the others are still estimated.
        let x2: Vec<Vec<f64>> = x.iter().map(|r| vec![r[0], 0.5]).collect();
        let y2: Vec<f64> = x2.iter().map(|r| r[0]).collect();
        let s = standardized_regression(&x2, &y2).unwrap();
        assert!((s.coefficients[0] - 1.0).abs() < 1e-9 && s.coefficients[1].is_nan());
        assert!(standardized_regression(&x2, &vec![3.0; x2.len()]).is_none());
    }
}
