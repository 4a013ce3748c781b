//! The SDK's one source of randomness: claim tokens, retry jitter, the
//! sandbox's ids. Not for secrets. Seeded once per process from the
//! standard library's randomly keyed hasher, then a splitmix64 sequence.

use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

static STATE: AtomicU64 = AtomicU64::new(0);
static SEED: OnceLock<u64> = OnceLock::new();

/// A fresh 64-bit value: distinct across calls and processes (with
/// overwhelming likelihood), spread over all 64 bits.
pub(crate) fn next_u64() -> u64 {
    let seed = *SEED.get_or_init(|| {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        hasher.finish()
    });
    let mut z = STATE
        .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
        .wrapping_add(seed);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number in [0, 1).
pub(crate) fn unit_f64() -> f64 {
    (next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_differ_and_fractions_stay_in_the_unit_interval() {
        let values: std::collections::HashSet<u64> =
            (0..10_000).map(|_| super::next_u64()).collect();
        assert_eq!(values.len(), 10_000);
        for _ in 0..10_000 {
            assert!((0.0..1.0).contains(&super::unit_f64()));
        }
    }
}
