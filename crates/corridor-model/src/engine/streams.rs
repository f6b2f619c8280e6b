//! An agent's stream of the day, created on its first draw ([`LazyStream`]).
//!
//! The (seed, purpose, day) part of the key is mixed once per day
//! ([`DayKey`], from `rng.rs`); every number drawn here is exactly the one of
//! `rng::stream(seed, purpose, day, entity)` (checked by the tests below).

pub(crate) use crate::rng::DayKey;
use crate::rng::{splitmix_output, Stream, SPLITMIX_GAMMA};

/// The first number of `key.stream(entity)` without building the stream:
/// xoshiro256++'s first output needs only state words 0 and 3, i.e. the 1st and
/// 4th SplitMix64 outputs of the seed, so 3 mixing rounds instead of 5.
#[inline]
fn first_u64(key: &DayKey, entity: u64) -> u64 {
    let seed = key.seed_of(entity);
    let s0 = splitmix_output(seed.wrapping_add(SPLITMIX_GAMMA));
    let s3 = splitmix_output(seed.wrapping_add(SPLITMIX_GAMMA.wrapping_mul(4)));
    s0.wrapping_add(s3).rotate_left(23).wrapping_add(s0)
}

/// The first `f64` of `key.stream(entity)` (as `Stream::next_f64`), from
/// [`first_u64`]: one keyed Bernoulli draw costs 3 mixing rounds instead of
/// the 5 of building the stream (and the 3 of mixing the day's key, which
/// the caller keeps for the day).
#[inline]
pub(crate) fn first_f64(key: &DayKey, entity: u64) -> f64 {
    (first_u64(key, entity) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A stream created on its first draw: most agents on most days need no random
/// number at all (certain outcomes draw nothing), and creating a stream costs more
/// than drawing from it. Most agents that draw need one number (the move-chance
/// test), so the first one comes from [`first_u64`] and the stream is
/// built, past that number, only for a second draw. The numbers are exactly
/// those of `DayKey::stream`.
pub(crate) struct LazyStream<'a> {
    key: &'a DayKey,
    entity: u64,
    s: Option<Stream>,
    first_taken: bool,
}

impl<'a> LazyStream<'a> {
    #[inline]
    pub(crate) fn new(key: &'a DayKey, entity: u64) -> Self {
        LazyStream {
            key,
            entity,
            s: None,
            first_taken: false,
        }
    }

    #[inline]
    pub(crate) fn get(&mut self) -> &mut Stream {
        let (key, entity, skip) = (self.key, self.entity, self.first_taken);
        self.s.get_or_insert_with(|| {
            let mut s = key.stream(entity);
            if skip {
                s.next_u64();
            }
            s
        })
    }

    #[inline]
    pub(crate) fn next_f64(&mut self) -> f64 {
        if self.s.is_none() && !self.first_taken {
            self.first_taken = true;
            return first_f64(self.key, self.entity);
        }
        self.get().next_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{self, Purpose};

    #[test]
    fn lazy_first_draw_is_the_streams_first() {
        let k = DayKey::new(5, Purpose::Agent, 17);
        for e in [0u64, 1, 2, 999, u64::MAX] {
            let mut full = k.stream(e);
            let want: Vec<f64> = (0..4).map(|_| full.next_f64()).collect();
            let mut lazy = LazyStream::new(&k, e);
            let got: Vec<f64> = (0..4).map(|_| lazy.next_f64()).collect();
            assert_eq!(got, want);
            // A first number taken lazily is skipped by `get`.
            let mut lazy = LazyStream::new(&k, e);
            assert_eq!(lazy.next_f64(), want[0]);
            assert_eq!(lazy.get().next_f64(), want[1]);
        }
    }

    #[test]
    fn first_f64_is_the_streams_first_number() {
        for &seed in &[0u64, 7, u64::MAX] {
            for day in [0u64, 3, 304] {
                let k = DayKey::new(seed, Purpose::Border, day);
                for e in [0u64, 5, 1 << 56 | 42, u64::MAX] {
                    let want = rng::stream(seed, Purpose::Border, day, e).next_f64();
                    assert_eq!(first_f64(&k, e).to_bits(), want.to_bits());
                }
            }
        }
    }

    #[test]
    fn identical_to_rng_stream() {
        for &seed in &[0u64, 1, 42, u64::MAX] {
            for &p in &[Purpose::Agent, Purpose::Sink, Purpose::SpawnPlace] {
                for day in [0u64, 1, 299, 10_000] {
                    let k = DayKey::new(seed, p, day);
                    for e in [0u64, 1, 2, 12345, u64::MAX / 3] {
                        let mut a = k.stream(e);
                        let mut b = rng::stream(seed, p, day, e);
                        for _ in 0..3 {
                            assert_eq!(a.next_u64(), b.next_u64());
                        }
                    }
                }
            }
        }
    }
}
