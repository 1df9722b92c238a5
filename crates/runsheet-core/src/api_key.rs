//! API tokens. A token is shown once, when issued; only its SHA-256 is stored.
//!
//! The first characters of a token are kept in clear as a lookup prefix, so that the
//! database finds the candidate user by an index and the secret part is then compared
//! in constant time against the stored hash.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Length of the clear lookup prefix.
pub const PREFIX_LEN: usize = 8;

/// A newly issued token with what is stored of it.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// The token itself: 40 hex characters, like the original's API keys. Shown once.
    pub token: String,
    pub prefix: String,
    pub hash: String,
}

pub fn issue() -> IssuedKey {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    IssuedKey {
        prefix: token[..PREFIX_LEN].to_string(),
        hash: hash(&token),
        token,
    }
}

/// The lookup prefix of a presented token, or `None` when it cannot be one of ours.
pub fn prefix(token: &str) -> Option<&str> {
    if token.len() < PREFIX_LEN {
        return None;
    }
    token.get(..PREFIX_LEN)
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `token` is the one whose hash is stored, compared in constant time.
pub fn verify(token: &str, stored_hash: &str) -> bool {
    hash(token).as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_keys_verify_and_differ() {
        let a = issue();
        let b = issue();
        assert_eq!(a.token.len(), 40);
        assert!(a.token.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.token, b.token);
        assert_eq!(prefix(&a.token), Some(a.prefix.as_str()));
        assert!(verify(&a.token, &a.hash));
        assert!(!verify(&b.token, &a.hash));
        assert!(!a.hash.contains(&a.token));
    }

    #[test]
    fn short_or_odd_tokens_have_no_prefix() {
        assert_eq!(prefix(""), None);
        assert_eq!(prefix("abc"), None);
        // A multi-byte character across the prefix boundary is not a panic.
        assert_eq!(prefix("abcdefgé"), None);
        assert_eq!(prefix("abcdefghij"), Some("abcdefgh"));
    }
}
