//! Small helpers shared across the engine.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `n` bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS random source failing is not something we can continue from:
    // every slug and token would be guessable.
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    buf
}

const BASE32: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// Lower-case base32 (no padding, no look-alike letters) of `bytes`.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// A new endpoint slug: 130 random bits as 26 base32 characters.
pub fn new_slug() -> String {
    let mut s = base32(&random_bytes::<17>());
    s.truncate(26);
    s
}

/// A new API token: 256 random bits.
pub fn new_token() -> String {
    base32(&random_bytes::<32>())
}

/// Compare two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_long_and_distinct() {
        let a = new_slug();
        let b = new_slug();
        assert_eq!(a.len(), 26, "26 base32 chars carry 130 bits");
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| BASE32.contains(&c)));
    }

    #[test]
    fn base32_known_values() {
        assert_eq!(base32(&[0]), "aa");
        assert_eq!(base32(&[0xff]), "96");
        assert_eq!(base32(b"hello").len(), 8);
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
