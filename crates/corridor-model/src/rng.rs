//! Random-number streams keyed by (seed, purpose, day, entity).
//!
//! Invariant: every random draw in the model comes from a [`Stream`] obtained with
//! [`stream`]. A stream depends only on its key, never on the order in which work is
//! scheduled, so results are identical for any number of threads or MPI ranks
//! (docs/design.md §3.3). The generator is xoshiro256++ seeded through SplitMix64, both
//! fully specified algorithms, so outputs are portable across platforms and crate
//! versions.

/// What a stream is used for. Distinct purposes never share a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Purpose {
    /// Number of people spawned per day (Poisson modes).
    SpawnCount = 1,
    /// Where spawned people appear.
    SpawnPlace = 2,
    /// Demographic attributes of a new agent.
    Demographics = 3,
    /// An agent's daily decision (move chance, route choice, walking).
    Agent = 4,
    /// Camp-as-sink deactivation.
    Sink = 5,
    /// Count engine draws per location.
    Counts = 6,
    /// Border processes (ports, appointments, checkpoints, crossings).
    Border = 7,
    /// Ensemble member seeds.
    Member = 8,
    /// Inflow and caravan draws.
    Inflow = 9,
    /// Free for extensions.
    Other = 15,
}

/// SplitMix64's output function (the finaliser of a 64-bit state).
#[inline]
pub(crate) fn splitmix_output(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64's increment.
pub(crate) const SPLITMIX_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(SPLITMIX_GAMMA);
    splitmix_output(*state)
}

/// Mixes a key into one 64-bit value; used to seed a stream.
#[inline]
pub fn mix(seed: u64, purpose: Purpose, day: u64, entity: u64) -> u64 {
    DayKey::new(seed, purpose, day).seed_of(entity)
}

/// The (seed, purpose, day) part of a key, mixed once: engines create millions
/// of streams a day (one per agent) that differ only in the entity.
#[derive(Debug, Clone, Copy)]
pub struct DayKey {
    prefix: u64,
}

impl DayKey {
    /// The prefix of the keys (seed, purpose, day, ·).
    #[inline]
    pub fn new(seed: u64, purpose: Purpose, day: u64) -> DayKey {
        let mut s = seed ^ 0x6A09_E667_F3BC_C909;
        let a = splitmix64(&mut s);
        let mut s2 = a ^ (purpose as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let b = splitmix64(&mut s2);
        let mut s3 = b ^ day.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        DayKey {
            prefix: splitmix64(&mut s3),
        }
    }

    /// The seed of the stream of `entity`: `mix(seed, purpose, day, entity)`.
    #[inline]
    pub fn seed_of(&self, entity: u64) -> u64 {
        let mut s4 = self.prefix ^ entity.wrapping_mul(0x1656_67B1_9E37_79F9);
        splitmix64(&mut s4)
    }

    /// The stream of `entity`; the same as `stream(seed, purpose, day, entity)`.
    #[inline]
    pub fn stream(&self, entity: u64) -> Stream {
        Stream::from_u64(self.seed_of(entity))
    }
}

/// A small, fast, portable generator (xoshiro256++).
#[derive(Debug, Clone)]
pub struct Stream {
    s: [u64; 4],
}

/// The stream for one (seed, purpose, day, entity) key.
#[inline]
pub fn stream(seed: u64, purpose: Purpose, day: u64, entity: u64) -> Stream {
    Stream::from_u64(mix(seed, purpose, day, entity))
}

impl Stream {
    /// Seeds the four words of state from one value with SplitMix64.
    #[inline]
    pub fn from_u64(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Stream { s }
    }

    /// Next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let result = (self.s[0].wrapping_add(self.s[3]))
            .rotate_left(23)
            .wrapping_add(self.s[0]);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n); `n` must be > 0. Lemire's multiply-shift, unbiased.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        loop {
            let x = self.next_u64();
            let m = (x as u128) * (n as u128);
            let l = m as u64;
            if l >= n.wrapping_neg() % n {
                return (m >> 64) as u64;
            }
        }
    }

    /// Index drawn with probability proportional to `weights` (all ≥ 0).
    /// Uniform when every weight is 0 (Flee's rule for route choice). `None` if empty.
    pub fn weighted_index(&mut self, weights: &[f64]) -> Option<usize> {
        if weights.is_empty() {
            return None;
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 || !total.is_finite() {
            return Some(self.below(weights.len() as u64) as usize);
        }
        let mut u = self.next_f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return Some(i);
            }
            u -= *w;
        }
        // Rounding can leave u just above the last weight: take the last positive one.
        weights.iter().rposition(|w| *w > 0.0)
    }

    /// Poisson-distributed count with mean `lambda` (inversion for small means,
    /// PTRS transformed rejection for large ones).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 || !lambda.is_finite() {
            return 0;
        }
        if lambda < 30.0 {
            let l = (-lambda).exp();
            let mut k = 0u64;
            let mut p = 1.0;
            loop {
                p *= self.next_f64();
                if p <= l {
                    return k;
                }
                k += 1;
            }
        }
        // Hörmann (1993), PTRS.
        let slam = lambda.sqrt();
        let loglam = lambda.ln();
        let b = 0.931 + 2.53 * slam;
        let a = -0.059 + 0.02483 * b;
        let invalpha = 1.1239 + 1.1328 / (b - 3.4);
        let vr = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = self.next_f64() - 0.5;
            let v = self.next_f64();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + lambda + 0.43).floor();
            if us >= 0.07 && v <= vr {
                return k as u64;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            if (v.ln() + invalpha.ln() - (a / (us * us) + b).ln())
                <= -lambda + k * loglam - ln_factorial(k)
            {
                return k as u64;
            }
        }
    }

    /// Binomial(n, p) count. Exact inversion for small n·p, normal-free BTPE-like
    /// fallback via splitting for large n (sum of Poisson-thinned halves is not used:
    /// we use the waiting-time method on the smaller tail, then recursion by halves).
    pub fn binomial(&mut self, n: u64, p: f64) -> u64 {
        if n == 0 || p.is_nan() || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        if p > 0.5 {
            return n - self.binomial(n, 1.0 - p);
        }
        let mean = n as f64 * p;
        if mean < 30.0 {
            // Geometric waiting-time method: expected cost O(n·p).
            let q = (1.0 - p).ln();
            let mut x = 0u64;
            let mut sum = 0u64;
            loop {
                let u = self.next_f64();
                let g = ((1.0 - u).ln() / q).floor() as u64 + 1;
                sum = sum.saturating_add(g);
                if sum > n {
                    return x;
                }
                x += 1;
            }
        }
        self.btrs(n, p)
    }

    /// Hörmann's BTRS transformed rejection for n·p ≥ 10, p ≤ 0.5.
    fn btrs(&mut self, n: u64, p: f64) -> u64 {
        let nf = n as f64;
        let spq = (nf * p * (1.0 - p)).sqrt();
        let b = 1.15 + 2.53 * spq;
        let a = -0.0873 + 0.0248 * b + 0.01 * p;
        let c = nf * p + 0.5;
        let alpha = (2.83 + 5.1 / b) * spq;
        let lpq = (p / (1.0 - p)).ln();
        let m = ((nf + 1.0) * p).floor();
        let h = ln_factorial(m) + ln_factorial(nf - m);
        loop {
            let u = self.next_f64() - 0.5;
            let v = self.next_f64();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + c).floor();
            if k < 0.0 || k > nf {
                continue;
            }
            // Hörmann's squeeze: accept at once inside the box v ≤ 0.92 − 4.2/b.
            if us >= 0.07 && v <= 0.92 - 4.2 / b {
                return k as u64;
            }
            let lhs = (v * alpha / (a / (us * us) + b)).ln();
            let rhs = h - ln_factorial(k) - ln_factorial(nf - k) + (k - m) * lpq;
            if lhs <= rhs {
                return k as u64;
            }
        }
    }
}

/// ln(k!) exactly for small k, Stirling series beyond.
pub fn ln_factorial(k: f64) -> f64 {
    if k < 10.0 {
        let mut r = 1.0f64;
        let mut i = 2.0;
        while i <= k {
            r *= i;
            i += 1.0;
        }
        return r.ln();
    }
    let k1 = k + 1.0;
    (k1 - 0.5) * k1.ln() - k1 + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * k1)
        - 1.0 / (360.0 * k1 * k1 * k1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_numbers_and_keys_differ() {
        let mut a = stream(7, Purpose::Agent, 3, 11);
        let mut b = stream(7, Purpose::Agent, 3, 11);
        let mut c = stream(7, Purpose::Agent, 3, 12);
        let xa: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let xb: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let xc: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
    }

    #[test]
    fn uniform_mean_is_half() {
        let mut s = stream(1, Purpose::Other, 0, 0);
        let n = 200_000;
        let m: f64 = (0..n).map(|_| s.next_f64()).sum::<f64>() / n as f64;
        assert!((m - 0.5).abs() < 0.005, "mean {m}");
    }

    #[test]
    fn poisson_and_binomial_means() {
        let mut s = stream(2, Purpose::Other, 0, 0);
        for &lam in &[0.5, 4.0, 50.0, 5000.0] {
            let n = 20_000;
            let m = (0..n).map(|_| s.poisson(lam) as f64).sum::<f64>() / n as f64;
            assert!(
                (m - lam).abs() < 4.0 * (lam / n as f64).sqrt() + 1e-9,
                "poisson {lam}: {m}"
            );
        }
        for &(nn, p) in &[
            (10u64, 0.3),
            (1000, 0.01),
            (1000, 0.4),
            (1_000_000_000, 0.3),
        ] {
            let n = 20_000;
            let m = (0..n).map(|_| s.binomial(nn, p) as f64).sum::<f64>() / n as f64;
            let mean = nn as f64 * p;
            let sd = (nn as f64 * p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (m - mean).abs() < 5.0 * sd + 1e-9,
                "binomial {nn},{p}: {m} vs {mean}"
            );
        }
    }

    #[test]
    fn binomial_variance_matches_in_the_btrs_range() {
        // n·p = 40 goes through BTRS; a wrong squeeze bound shows in the variance.
        let mut s = stream(4, Purpose::Other, 0, 0);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| s.binomial(200, 0.2) as f64).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        assert!((mean - 40.0).abs() < 0.06, "mean {mean}");
        // sd of the sample variance ≈ var·sqrt(2/n) ≈ 0.1; allow 4 sd.
        assert!((var - 32.0).abs() < 0.4, "variance {var}");
    }

    #[test]
    fn weighted_index_respects_zero_weights() {
        let mut s = stream(3, Purpose::Other, 0, 0);
        for _ in 0..1000 {
            let i = s.weighted_index(&[0.0, 2.0, 0.0, 1.0]).unwrap();
            assert!(i == 1 || i == 3);
        }
        assert_eq!(s.weighted_index(&[]), None);
        // All zero: uniform over all.
        let mut seen = [false; 3];
        for _ in 0..200 {
            seen[s.weighted_index(&[0.0, 0.0, 0.0]).unwrap()] = true;
        }
        assert!(seen.iter().all(|x| *x));
    }
}
