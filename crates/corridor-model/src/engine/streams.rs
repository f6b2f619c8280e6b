//! Keyed random streams with the (seed, purpose, day) part of the key hoisted.
//!
//! The engine creates one stream per agent per pass, i.e. millions per day. Mixing
//! the whole key for each of them would repeat the same three SplitMix64 rounds
//! (seed, purpose, day) every time; [`DayKey`] does them once per day and only
//! mixes the entity per stream.
//!
//! Invariant: `DayKey::new(seed, p, day).stream(e)` yields exactly the same
//! numbers as `rng::stream(seed, p, day, e)` (checked by a test below), so every
//! draw still comes from the project's keyed streams (DESIGN §3.3). If `rng::mix`
//! ever changes, that test fails; the lead may prefer to move this helper into
//! `rng.rs` (requested in the engine report).

use crate::rng::{Purpose, Stream};

#[inline]
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The (seed, purpose, day) prefix of a stream key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DayKey {
    prefix: u64,
}

impl DayKey {
    pub(crate) fn new(seed: u64, purpose: Purpose, day: u64) -> Self {
        // Same rounds, constants and order as `rng::mix`.
        let mut s = seed ^ 0x6A09_E667_F3BC_C909;
        let a = splitmix64(&mut s);
        let mut s2 = a ^ (purpose as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let b = splitmix64(&mut s2);
        let mut s3 = b ^ day.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        let c = splitmix64(&mut s3);
        DayKey { prefix: c }
    }

    /// The stream of one entity; identical to `rng::stream(seed, purpose, day, entity)`.
    #[inline]
    pub(crate) fn stream(&self, entity: u64) -> Stream {
        let mut s4 = self.prefix ^ entity.wrapping_mul(0x1656_67B1_9E37_79F9);
        Stream::from_u64(splitmix64(&mut s4))
    }

    /// The first number of `self.stream(entity)` without building the stream:
    /// xoshiro256++'s first output needs only state words 0 and 3, i.e. the 1st
    /// and 4th SplitMix64 outputs of the seed, so 3 mixing rounds instead of 5.
    #[inline]
    pub(crate) fn first_u64(&self, entity: u64) -> u64 {
        let mut s4 = self.prefix ^ entity.wrapping_mul(0x1656_67B1_9E37_79F9);
        let seed = splitmix64(&mut s4);
        let s0 = mix(seed.wrapping_add(GAMMA));
        let s3 = mix(seed.wrapping_add(GAMMA.wrapping_mul(4)));
        s0.wrapping_add(s3).rotate_left(23).wrapping_add(s0)
    }
}

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stream created on its first draw: most agents on most days need no random
/// number at all (certain outcomes draw nothing), and creating a stream costs more
/// than drawing from it. Most agents that draw need one number (the move-chance
/// test), so the first one comes from [`DayKey::first_u64`] and the stream is
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
            // As `Stream::next_f64`.
            return (self.key.first_u64(self.entity) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        }
        self.get().next_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

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
