//! Shelters: beds at a location (`Location::shelter_capacity`, changed by
//! `set_shelter_capacity` events) and what fullness does.
//!
//! * Split: with `n` people at the location and `c` beds, `sheltered = min(n, c)`
//!   and `unsheltered = n − sheltered`; a location without beds (`None`) shelters
//!   nobody and reports everyone as 0/0 (not a shelter).
//! * Weight: the location's attractiveness score is multiplied by
//!   `m(n) = 1` if `n ≤ c`, else `w + (1 − w) · c / n`, where `w` is
//!   `Border::shelter_full_weight` (1 = fullness has no effect). `m` is continuous
//!   at `n = c` and falls towards `w` as the shelter overfills. `c = 0` gives `w`.

/// (sheltered, unsheltered) for `n` people and `beds`.
pub fn split(n: u64, beds: Option<u64>) -> (u64, u64) {
    match beds {
        Some(c) => {
            let s = n.min(c);
            (s, n - s)
        }
        None => (0, 0),
    }
}

/// Attractiveness multiplier for `n` people at a location with `beds`.
pub fn weight(n: u64, beds: Option<u64>, full_weight: f64) -> f64 {
    match beds {
        Some(c) if n > c => full_weight + (1.0 - full_weight) * c as f64 / n as f64,
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_weight() {
        assert_eq!(split(480, Some(140)), (140, 340));
        assert_eq!(split(100, Some(140)), (100, 0));
        assert_eq!(split(100, None), (0, 0));
        assert_eq!(weight(100, Some(140), 0.2), 1.0);
        assert_eq!(weight(140, Some(140), 0.2), 1.0);
        // Twice full: 0.2 + 0.8 · 0.5 = 0.6.
        assert!((weight(280, Some(140), 0.2) - 0.6).abs() < 1e-12);
        assert_eq!(weight(10, Some(0), 0.2), 0.2);
        assert_eq!(weight(10_000, None, 0.2), 1.0);
        assert_eq!(weight(10_000, Some(1), 1.0), 1.0);
    }
}
