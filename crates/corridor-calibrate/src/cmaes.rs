//! (μ/μ_w, λ)-CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016,
//! default parameters) and a box-constrained minimiser on top of it.
//!
//! Why CMA-ES for calibration: the objective (an ensemble ARD) is noisy, has no
//! derivatives, few parameters (2–10) and each evaluation is a batch of model runs;
//! CMA-ES is rank-based (insensitive to the noise's scale and to monotone
//! transformations), learns parameter scalings and correlations, and evaluates a
//! whole generation at once, so candidates run in parallel.
//!
//! Box constraints: the search runs in unbounded *genotype* space `u ∈ R^n`; the
//! objective is evaluated at the *phenotype* `x = low + (high − low)·r(u)` where
//! `r` folds the real line onto [0, 1] by mirror reflection (period 2). `r` is
//! continuous, so the strategy sees an ordinary unconstrained function and its
//! update is the textbook one; points are never clipped, so no probability mass
//! piles up on the bounds. Coordinates are scaled to the box width, so one
//! `sigma0` fits all parameters.
//!
//! Determinism: generation `g` samples from the stream
//! `rng::stream(seed, Purpose::Other, g, STREAM_SAMPLE)`; ties in the objective are
//! broken by candidate index; NaN counts as +∞. The same seed and objective give
//! the same sequence of candidates on any machine and thread count.

use corridor_model::rng::{stream, Purpose, Stream};

/// Entity id of the sampling stream (other ids are used by callers for common
/// random numbers).
pub const STREAM_SAMPLE: u64 = 0;

/// Default population size for `n` dimensions: `4 + ⌊3 ln n⌋`.
pub fn default_population(n: usize) -> usize {
    4 + (3.0 * (n.max(1) as f64).ln()).floor() as usize
}

/// The state of one CMA-ES run, driven by [`CmaEs::ask`] and [`CmaEs::tell`].
#[derive(Debug, Clone)]
pub struct CmaEs {
    n: usize,
    lambda: usize,
    weights: Vec<f64>,
    mueff: f64,
    cc: f64,
    cs: f64,
    c1: f64,
    cmu: f64,
    damps: f64,
    chi_n: f64,
    mean: Vec<f64>,
    sigma: f64,
    /// Covariance matrix.
    c: Vec<Vec<f64>>,
    /// Eigenvectors of `c` as columns: `b[i][j]` is component `i` of vector `j`.
    b: Vec<Vec<f64>>,
    /// Square roots of the eigenvalues of `c`.
    d: Vec<f64>,
    pc: Vec<f64>,
    ps: Vec<f64>,
    generation: u64,
    seed: u64,
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// A standard normal draw (Box–Muller; one of the pair is discarded so that every
/// draw uses exactly two uniforms).
fn normal(rng: &mut Stream) -> f64 {
    let u1 = 1.0 - rng.next_f64(); // (0, 1]
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

impl CmaEs {
    /// Starts at `x0` with step size `sigma0` and population `lambda` (≥ 2;
    /// `None` = [`default_population`]).
    pub fn new(x0: &[f64], sigma0: f64, lambda: Option<usize>, seed: u64) -> Self {
        let n = x0.len();
        assert!(n >= 1, "CMA-ES needs at least one dimension");
        let lambda = lambda.unwrap_or_else(|| default_population(n)).max(2);
        let mu = lambda / 2;
        let raw: Vec<f64> = (0..mu)
            .map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - ((i + 1) as f64).ln())
            .collect();
        let sum: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / sum).collect();
        let mueff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let nf = n as f64;
        let cc = (4.0 + mueff / nf) / (nf + 4.0 + 2.0 * mueff / nf);
        let cs = (mueff + 2.0) / (nf + mueff + 5.0);
        let c1 = 2.0 / ((nf + 1.3).powi(2) + mueff);
        let cmu = (1.0 - c1).min(2.0 * (mueff - 2.0 + 1.0 / mueff) / ((nf + 2.0).powi(2) + mueff));
        let damps = 1.0 + 2.0 * (((mueff - 1.0) / (nf + 1.0)).sqrt() - 1.0).max(0.0) + cs;
        let chi_n = nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf));
        let identity: Vec<Vec<f64>> = (0..n)
            .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
            .collect();
        CmaEs {
            n,
            lambda,
            weights,
            mueff,
            cc,
            cs,
            c1,
            cmu,
            damps,
            chi_n,
            mean: x0.to_vec(),
            sigma: sigma0,
            c: identity.clone(),
            b: identity,
            d: vec![1.0; n],
            pc: vec![0.0; n],
            ps: vec![0.0; n],
            generation: 0,
            seed,
        }
    }

    pub fn population(&self) -> usize {
        self.lambda
    }
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
    /// Generations told so far.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Largest standard deviation of the sampling distribution along a coordinate.
    pub fn max_std(&self) -> f64 {
        (0..self.n)
            .map(|i| self.sigma * self.c[i][i].max(0.0).sqrt())
            .fold(0.0, f64::max)
    }

    /// The λ candidates of the current generation: `m + σ·B·D·z`, `z ~ N(0, I)`.
    pub fn ask(&self) -> Vec<Vec<f64>> {
        let mut rng = stream(self.seed, Purpose::Other, self.generation, STREAM_SAMPLE);
        (0..self.lambda)
            .map(|_| {
                let z: Vec<f64> = (0..self.n).map(|_| normal(&mut rng)).collect();
                (0..self.n)
                    .map(|i| {
                        let y: f64 = (0..self.n).map(|j| self.b[i][j] * self.d[j] * z[j]).sum();
                        self.mean[i] + self.sigma * y
                    })
                    .collect()
            })
            .collect()
    }

    /// Updates the distribution from the candidates of this generation and their
    /// objective values (lower is better).
    // Index loops read like the tutorial's formulas, several arrays per index.
    #[allow(clippy::needless_range_loop)]
    pub fn tell(&mut self, xs: &[Vec<f64>], f: &[f64]) {
        assert_eq!(xs.len(), f.len());
        assert!(xs.len() >= self.weights.len());
        let n = self.n;
        let key = |v: f64| if v.is_nan() { f64::INFINITY } else { v };
        let mut order: Vec<usize> = (0..xs.len()).collect();
        order.sort_by(|&a, &b| key(f[a]).total_cmp(&key(f[b])).then(a.cmp(&b)));
        let ys: Vec<Vec<f64>> = order[..self.weights.len()]
            .iter()
            .map(|&k| {
                (0..n)
                    .map(|i| (xs[k][i] - self.mean[i]) / self.sigma)
                    .collect()
            })
            .collect();
        let mut yw = vec![0.0; n];
        for (w, y) in self.weights.iter().zip(&ys) {
            for i in 0..n {
                yw[i] += w * y[i];
            }
        }
        for i in 0..n {
            self.mean[i] += self.sigma * yw[i];
        }
        // C^{-1/2}·y_w = B·D^{-1}·Bᵀ·y_w.
        let bty: Vec<f64> = (0..n)
            .map(|j| (0..n).map(|i| self.b[i][j] * yw[i]).sum::<f64>() / self.d[j])
            .collect();
        let inv_sqrt_y: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| self.b[i][j] * bty[j]).sum())
            .collect();
        let a = (self.cs * (2.0 - self.cs) * self.mueff).sqrt();
        for i in 0..n {
            self.ps[i] = (1.0 - self.cs) * self.ps[i] + a * inv_sqrt_y[i];
        }
        let g = (self.generation + 1) as f64;
        let ps_norm = norm(&self.ps);
        let hsig = ps_norm / (1.0 - (1.0 - self.cs).powf(2.0 * g)).sqrt() / self.chi_n
            < 1.4 + 2.0 / (n as f64 + 1.0);
        let hs = if hsig { 1.0 } else { 0.0 };
        let a = (self.cc * (2.0 - self.cc) * self.mueff).sqrt();
        for i in 0..n {
            self.pc[i] = (1.0 - self.cc) * self.pc[i] + hs * a * yw[i];
        }
        let keep = 1.0 - self.c1 - self.cmu + (1.0 - hs) * self.c1 * self.cc * (2.0 - self.cc);
        for i in 0..n {
            for j in 0..=i {
                let rank_mu: f64 = self
                    .weights
                    .iter()
                    .zip(&ys)
                    .map(|(w, y)| w * y[i] * y[j])
                    .sum();
                let v =
                    keep * self.c[i][j] + self.c1 * self.pc[i] * self.pc[j] + self.cmu * rank_mu;
                self.c[i][j] = v;
                self.c[j][i] = v;
            }
        }
        // Capped so that one wild generation cannot blow the step size up.
        let step = ((self.cs / self.damps) * (ps_norm / self.chi_n - 1.0)).min(1.0);
        self.sigma *= step.exp();
        self.decompose();
        self.generation += 1;
    }

    fn decompose(&mut self) {
        let (values, vectors) = symmetric_eigen(&self.c);
        // Round-off can leave tiny negative eigenvalues; a floor keeps D invertible.
        let max = values.iter().cloned().fold(0.0, f64::max).max(1e-300);
        self.d = values.iter().map(|&v| v.max(max * 1e-14).sqrt()).collect();
        self.b = vectors;
    }
}

/// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations:
/// returns the eigenvalues and the eigenvectors as columns (`v[i][j]` = component
/// `i` of vector `j`), so that `a = V·diag(λ)·Vᵀ`.
#[allow(clippy::needless_range_loop)] // rows p and q are updated together
pub fn symmetric_eigen(a: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let mut a: Vec<Vec<f64>> = a.to_vec();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let diag: f64 = (0..n).map(|i| a[i][i] * a[i][i]).sum();
        if off <= 1e-30 * diag || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p][k], a[q][k]);
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

/// Folds `u ∈ R` onto [0, 1] by mirror reflection at 0 and 1.
pub fn reflect(u: f64) -> f64 {
    if !u.is_finite() {
        return 0.5;
    }
    let v = u.rem_euclid(2.0);
    if v > 1.0 {
        2.0 - v
    } else {
        v
    }
}

/// Options of [`minimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct MinimizeOptions {
    /// Initial step size as a fraction of each box width.
    pub sigma0: f64,
    /// Population λ (`None` = [`default_population`]).
    pub population: Option<usize>,
    /// Most objective evaluations; whole generations only, at least one generation.
    pub max_evals: usize,
    pub seed: u64,
    /// Stop when every coordinate's sampling sd is below this fraction of its width.
    pub tol_x: f64,
}

impl MinimizeOptions {
    pub fn new(max_evals: usize, seed: u64) -> Self {
        MinimizeOptions {
            sigma0: 0.3,
            population: None,
            max_evals,
            seed,
            tol_x: 1e-12,
        }
    }
}

/// One evaluated candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub generation: usize,
    pub candidate: usize,
    /// The phenotype: a point of the box.
    pub x: Vec<f64>,
    pub f: f64,
}

/// Why the search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Budget,
    TolX,
}

/// Result of [`minimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// The evaluation with the lowest objective (first one on ties).
    pub best: Evaluation,
    /// The final mean of the search distribution, mapped into the box: the better
    /// estimate of the optimum when the objective is noisy.
    pub mean: Vec<f64>,
    /// Every evaluation, in generation and candidate order.
    pub evaluations: Vec<Evaluation>,
    pub generations: usize,
    pub population: usize,
    pub stop: Stop,
}

/// Minimises `f` over the box `[lower, upper]` from `x0` (clamped into the box).
///
/// `f(generation, candidates)` returns the objective of every candidate of one
/// generation (in order), so the caller can evaluate them in parallel and give
/// them common random numbers. A dimension with `lower == upper` is held fixed.
pub fn minimize<E>(
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    opts: &MinimizeOptions,
    mut f: impl FnMut(usize, &[Vec<f64>]) -> Result<Vec<f64>, E>,
) -> Result<Minimum, E> {
    let n = x0.len();
    assert!(n >= 1 && lower.len() == n && upper.len() == n);
    assert!((0..n).all(|i| lower[i] <= upper[i]));
    let width: Vec<f64> = (0..n).map(|i| upper[i] - lower[i]).collect();
    let to_box = |u: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|i| lower[i] + width[i] * reflect(u[i]))
            .collect()
    };
    let u0: Vec<f64> = (0..n)
        .map(|i| {
            if width[i] > 0.0 {
                ((x0[i] - lower[i]) / width[i]).clamp(0.0, 1.0)
            } else {
                0.0
            }
        })
        .collect();
    let population = opts
        .population
        .unwrap_or_else(|| default_population(n))
        .clamp(2, opts.max_evals.max(2));
    let mut es = CmaEs::new(&u0, opts.sigma0, Some(population), opts.seed);
    let mut evaluations: Vec<Evaluation> = Vec::new();
    let mut stop = Stop::Budget;
    loop {
        let generation = es.generation() as usize;
        let us = es.ask();
        let xs: Vec<Vec<f64>> = us.iter().map(|u| to_box(u)).collect();
        let fs = f(generation, &xs)?;
        assert_eq!(
            fs.len(),
            xs.len(),
            "the objective must return one value per candidate"
        );
        for (k, (x, &fx)) in xs.into_iter().zip(&fs).enumerate() {
            evaluations.push(Evaluation {
                generation,
                candidate: k,
                x,
                f: fx,
            });
        }
        es.tell(&us, &fs);
        if evaluations.len() + population > opts.max_evals {
            break;
        }
        if es.max_std() < opts.tol_x {
            stop = Stop::TolX;
            break;
        }
    }
    let key = |v: f64| if v.is_nan() { f64::INFINITY } else { v };
    let best = evaluations
        .iter()
        .min_by(|a, b| key(a.f).total_cmp(&key(b.f)))
        .cloned()
        .expect("at least one generation ran");
    Ok(Minimum {
        best,
        mean: to_box(es.mean()),
        generations: es.generation() as usize,
        population,
        evaluations,
        stop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    fn sphere(x: &[f64]) -> f64 {
        x.iter().map(|v| v * v).sum()
    }

    fn rosenbrock(x: &[f64]) -> f64 {
        x.windows(2)
            .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
            .sum()
    }

    /// Runs plain (unbounded) CMA-ES for at most `max_gen` generations.
    fn run(
        f: fn(&[f64]) -> f64,
        x0: &[f64],
        sigma: f64,
        max_gen: usize,
        seed: u64,
    ) -> (Vec<f64>, f64, u64) {
        let mut es = CmaEs::new(x0, sigma, None, seed);
        let mut best = (x0.to_vec(), f(x0));
        for _ in 0..max_gen {
            let xs = es.ask();
            let fs: Vec<f64> = xs.iter().map(|x| f(x)).collect();
            for (x, &v) in xs.iter().zip(&fs) {
                if v < best.1 {
                    best = (x.clone(), v);
                }
            }
            es.tell(&xs, &fs);
            if best.1 < 1e-14 {
                break;
            }
        }
        (best.0, best.1, es.generation())
    }

    #[test]
    fn eigen_reconstructs_a_symmetric_matrix() {
        let a = vec![
            vec![4.0, 1.0, -2.0, 0.5],
            vec![1.0, 3.0, 0.0, 1.5],
            vec![-2.0, 0.0, 5.0, -1.0],
            vec![0.5, 1.5, -1.0, 2.0],
        ];
        let (l, v) = symmetric_eigen(&a);
        for i in 0..4 {
            for j in 0..4 {
                let r: f64 = (0..4).map(|k| v[i][k] * l[k] * v[j][k]).sum();
                assert!((r - a[i][j]).abs() < 1e-10, "({i},{j}): {r} vs {}", a[i][j]);
                // Orthonormal eigenvectors.
                let o: f64 = (0..4).map(|k| v[k][i] * v[k][j]).sum();
                assert!((o - if i == j { 1.0 } else { 0.0 }).abs() < 1e-10);
            }
        }
        // Trace is preserved.
        assert!((l.iter().sum::<f64>() - 14.0).abs() < 1e-10);
    }

    #[test]
    fn default_parameters_match_the_tutorial() {
        assert_eq!(default_population(1), 4);
        assert_eq!(default_population(2), 6);
        assert_eq!(default_population(4), 8);
        assert_eq!(default_population(10), 10);
        let es = CmaEs::new(&[0.0; 4], 0.5, None, 1);
        // λ = 8, μ = 4: weights ln(4.5) − ln(i), normalised.
        let raw: Vec<f64> = (1..=4).map(|i| 4.5f64.ln() - (i as f64).ln()).collect();
        let s: f64 = raw.iter().sum();
        for (w, r) in es.weights.iter().zip(&raw) {
            assert!((w - r / s).abs() < 1e-15);
        }
        assert!((es.mueff - 1.0 / raw.iter().map(|r| (r / s).powi(2)).sum::<f64>()).abs() < 1e-12);
        assert!((es.cs - (es.mueff + 2.0) / (4.0 + es.mueff + 5.0)).abs() < 1e-15);
        assert!((es.chi_n - 2.0 * (1.0 - 1.0 / 16.0 + 1.0 / 336.0)).abs() < 1e-15);
    }

    #[test]
    fn sphere_converges() {
        let (x, fx, gens) = run(sphere, &[3.0, -2.0, 1.0, 4.0, -1.0], 1.0, 600, 7);
        assert!(fx < 1e-14, "f = {fx} after {gens} generations");
        assert!(x.iter().all(|v| v.abs() < 1e-6), "{x:?}");
        // Linear convergence: far fewer than the cap.
        assert!(gens < 400, "{gens} generations");
    }

    #[test]
    fn rosenbrock_converges() {
        // Three dimensions: from four on, Rosenbrock has a second local minimum
        // (near (−0.78, 0.61, 0.38, 0.15) for n = 4) where a local method may stop.
        for seed in [1, 2, 3, 4, 5] {
            let (x, fx, gens) = run(rosenbrock, &[-1.0, 1.5, 0.5], 0.5, 3000, seed);
            assert!(
                fx < 1e-10,
                "seed {seed}: f = {fx} after {gens} generations at {x:?}"
            );
            assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-4), "{x:?}");
        }
    }

    #[test]
    fn same_seed_same_search_other_seed_other_search() {
        let a = run(rosenbrock, &[0.0, 0.0], 0.5, 20, 11);
        let b = run(rosenbrock, &[0.0, 0.0], 0.5, 20, 11);
        let c = run(rosenbrock, &[0.0, 0.0], 0.5, 20, 12);
        assert_eq!(a, b);
        assert_ne!(a.0, c.0);
    }

    #[test]
    fn reflection_folds_onto_the_unit_interval() {
        for (u, r) in [
            (0.25, 0.25),
            (1.25, 0.75),
            (-0.25, 0.25),
            (2.25, 0.25),
            (-1.5, 0.5),
            (3.0, 1.0),
            (f64::NAN, 0.5),
        ] {
            assert!(
                (reflect(u) - r).abs() < 1e-15,
                "reflect({u}) = {}",
                reflect(u)
            );
        }
    }

    #[test]
    fn box_constrained_optimum_on_the_bound() {
        // Minimum of (x−3)² + (y+1)² over [0, 2] × [0, 5] is at (2, 0).
        let f = |x: &[f64]| (x[0] - 3.0).powi(2) + (x[1] + 1.0).powi(2);
        let opts = MinimizeOptions::new(3000, 5);
        let m = minimize(&[1.0, 4.0], &[0.0, 0.0], &[2.0, 5.0], &opts, |_, xs| {
            Ok::<_, Infallible>(xs.iter().map(|x| f(x)).collect())
        })
        .unwrap();
        assert!(
            (m.best.x[0] - 2.0).abs() < 1e-4 && m.best.x[1].abs() < 1e-4,
            "{:?}",
            m.best
        );
        assert!((m.best.f - 2.0).abs() < 1e-6);
        // Every candidate stayed in the box.
        assert!(m
            .evaluations
            .iter()
            .all(|e| (0.0..=2.0).contains(&e.x[0]) && (0.0..=5.0).contains(&e.x[1])));
        assert_eq!(m.evaluations.len() % m.population, 0);
    }

    #[test]
    fn interior_optimum_and_fixed_dimension() {
        // Rosenbrock in [−2, 2]² with a third dimension fixed at 0.7.
        let opts = MinimizeOptions::new(6000, 3);
        let m = minimize(
            &[-1.5, 1.5, 0.7],
            &[-2.0, -2.0, 0.7],
            &[2.0, 2.0, 0.7],
            &opts,
            |_, xs| {
                Ok::<_, Infallible>(
                    xs.iter()
                        .map(|x| {
                            assert_eq!(x[2], 0.7);
                            rosenbrock(&x[..2])
                        })
                        .collect(),
                )
            },
        )
        .unwrap();
        assert!(m.best.f < 1e-8, "{:?}", m.best);
        assert!((m.mean[0] - 1.0).abs() < 1e-3 && (m.mean[1] - 1.0).abs() < 1e-3);
        assert_eq!(m.stop, Stop::TolX);
    }

    #[test]
    fn budget_is_respected() {
        let mut opts = MinimizeOptions::new(50, 1);
        opts.population = Some(8);
        let mut calls = 0;
        let m = minimize(&[0.5, 0.5], &[0.0, 0.0], &[1.0, 1.0], &opts, |g, xs| {
            assert_eq!(g, calls);
            calls += 1;
            Ok::<_, Infallible>(xs.iter().map(|x| sphere(x)).collect())
        })
        .unwrap();
        // 6 generations of 8 = 48 ≤ 50 < 56.
        assert_eq!(m.evaluations.len(), 48);
        assert_eq!(m.generations, 6);
        // A budget below one generation still runs one, with a smaller population.
        let m = minimize(
            &[0.5],
            &[0.0],
            &[1.0],
            &MinimizeOptions::new(3, 1),
            |_, xs| Ok::<_, Infallible>(xs.iter().map(|x| sphere(x)).collect()),
        )
        .unwrap();
        assert_eq!((m.population, m.evaluations.len()), (3, 3));
    }

    #[test]
    fn noisy_sphere_mean_gets_close() {
        // Additive Gaussian noise of sd 0.01 on a sphere over [−1, 1]^3 shifted to
        // (0.3, −0.2, 0.5): the search distribution's mean still finds the optimum
        // to within a few hundredths, although single evaluations cannot tell apart
        // points whose true values differ by less than the noise.
        let target = [0.3, -0.2, 0.5];
        let mut opts = MinimizeOptions::new(1200, 9);
        opts.population = Some(12);
        let m = minimize(&[-0.8, 0.8, -0.8], &[-1.0; 3], &[1.0; 3], &opts, |g, xs| {
            let mut rng = stream(99, Purpose::Other, g as u64, 1);
            Ok::<_, Infallible>(
                xs.iter()
                    .map(|x| {
                        let d: f64 = x.iter().zip(&target).map(|(a, b)| (a - b).powi(2)).sum();
                        d + 0.01 * normal(&mut rng)
                    })
                    .collect(),
            )
        })
        .unwrap();
        let err: f64 = m
            .mean
            .iter()
            .zip(&target)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(err < 0.05, "mean {:?} is {err} from the optimum", m.mean);
        // The start was ~1.9 away.
        assert_eq!(m.stop, Stop::Budget);
    }

    #[test]
    fn normal_draws_have_unit_variance() {
        let mut rng = stream(5, Purpose::Other, 0, 3);
        let xs: Vec<f64> = (0..200_000).map(|_| normal(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(
            m.abs() < 0.01 && (v - 1.0).abs() < 0.01,
            "mean {m}, var {v}"
        );
    }
}
