//! Sampling designs on the unit hypercube: Latin hypercube and Saltelli's scheme.
//!
//! Both are deterministic functions of (seed, dimensions, samples): every random
//! number comes from `corridor_model::rng` streams keyed by the design's tag and
//! the column, so a design never depends on thread count or call order.
//!
//! * Latin hypercube (McKay et al. 1979): for each dimension j, a uniformly random
//!   permutation π_j of 0..n (Fisher–Yates) and a jitter U ~ U[0, 1):
//!   `x[i][j] = (π_j(i) + U) / n`. Every one of the n equal strata of every
//!   dimension holds exactly one sample.
//! * Saltelli (2002, 2010): two independent Latin hypercubes A and B (n × k), then
//!   for each i the matrix A_B^(i) = A with column i taken from B. Rows are
//!   ordered A (n rows), B (n rows), A_B^(1), …, A_B^(k): n·(k + 2) rows in all.

use corridor_model::rng::{stream, Purpose};

/// Stream tags ("day" field of the RNG key) of the designs; distinct per matrix.
const TAG_LHS: u64 = 0x4C48_5300;
const TAG_SALTELLI_A: u64 = 0x5341_4C41;
const TAG_SALTELLI_B: u64 = 0x5341_4C42;

/// `n` rows × `k` columns of a Latin hypercube on [0, 1)^k.
pub fn latin_hypercube(k: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    lhs_tagged(k, n, seed, TAG_LHS)
}

fn lhs_tagged(k: usize, n: usize, seed: u64, tag: u64) -> Vec<Vec<f64>> {
    let mut rows = vec![vec![0.0; k]; n];
    for j in 0..k {
        let mut perm_rng = stream(seed, Purpose::Other, tag, 2 * j as u64);
        let mut jitter = stream(seed, Purpose::Other, tag, 2 * j as u64 + 1);
        let mut perm: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let r = perm_rng.below(i as u64 + 1) as usize;
            perm.swap(i, r);
        }
        for (i, row) in rows.iter_mut().enumerate() {
            row[j] = (perm[i] as f64 + jitter.next_f64()) / n as f64;
        }
    }
    rows
}

/// Saltelli's design for first-order and total Sobol indices.
#[derive(Debug, Clone, PartialEq)]
pub struct SaltelliDesign {
    /// Base sample size N.
    pub n: usize,
    /// Number of parameters k.
    pub k: usize,
    /// N·(k + 2) points on [0, 1)^k: A, B, A_B^(1), …, A_B^(k).
    pub rows: Vec<Vec<f64>>,
}

impl SaltelliDesign {
    pub fn new(k: usize, n: usize, seed: u64) -> Self {
        let a = lhs_tagged(k, n, seed, TAG_SALTELLI_A);
        let b = lhs_tagged(k, n, seed, TAG_SALTELLI_B);
        let mut rows = Vec::with_capacity(n * (k + 2));
        rows.extend(a.iter().cloned());
        rows.extend(b.iter().cloned());
        for i in 0..k {
            for (ra, rb) in a.iter().zip(&b) {
                let mut r = ra.clone();
                r[i] = rb[i];
                rows.push(r);
            }
        }
        SaltelliDesign { n, k, rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stratum_hit_once_per_dimension() {
        for &(k, n) in &[(1, 1), (3, 10), (5, 97), (2, 1000)] {
            let x = latin_hypercube(k, n, 42);
            assert_eq!(x.len(), n);
            for j in 0..k {
                let mut hit = vec![0u32; n];
                for row in &x {
                    assert!((0.0..1.0).contains(&row[j]));
                    hit[(row[j] * n as f64).floor() as usize] += 1;
                }
                assert!(hit.iter().all(|&h| h == 1), "k={k} n={n} dim {j}: {hit:?}");
            }
        }
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        assert_eq!(latin_hypercube(3, 20, 7), latin_hypercube(3, 20, 7));
        assert_ne!(latin_hypercube(3, 20, 7), latin_hypercube(3, 20, 8));
        // Columns are not the same permutation.
        let x = latin_hypercube(2, 50, 7);
        let strata =
            |j: usize| -> Vec<usize> { x.iter().map(|r| (r[j] * 50.0) as usize).collect() };
        assert_ne!(strata(0), strata(1));
    }

    #[test]
    fn saltelli_layout() {
        let d = SaltelliDesign::new(3, 8, 1);
        assert_eq!(d.rows.len(), 8 * 5);
        let (a, rest) = d.rows.split_at(8);
        let (b, ab) = rest.split_at(8);
        assert_ne!(a, b);
        for i in 0..3 {
            for j in 0..8 {
                let r = &ab[i * 8 + j];
                for c in 0..3 {
                    let expect = if c == i { b[j][c] } else { a[j][c] };
                    assert_eq!(r[c], expect);
                }
            }
        }
    }
}
