//! API key tokens: `jck_<id>_<secret>`. The id names the stored record; only the sha256
//! of the secret is stored, and it is compared in constant time.
//!
//! The secret is 32 random bytes, so a plain sha256 (no slow KDF) is enough: there is
//! nothing to brute-force that is smaller than the 256-bit secret itself.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

/// Prefix of every Jetcrawl API key, so scanners and the gateway recognise one.
pub const KEY_PREFIX: &str = "jck";

/// A freshly issued key: the token is shown once, the hash is what gets stored.
#[derive(Clone)]
pub struct IssuedKey {
    /// Public id of the key (16 hex digits).
    pub id: String,
    /// The whole token the client sends.
    pub token: String,
    /// Hex sha256 of the secret part.
    pub secret_sha256: String,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The parts of a presented token.
#[derive(PartialEq, Eq)]
pub struct PresentedKey<'a> {
    /// Key id.
    pub id: &'a str,
    /// Secret part.
    pub secret: &'a str,
}

/// Issues a new random key.
pub fn generate() -> IssuedKey {
    let mut rng = rand::rng();
    let mut id = [0u8; 8];
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut id);
    rng.fill_bytes(&mut secret);
    let id = hex::encode(id);
    let secret = URL_SAFE_NO_PAD.encode(secret);
    IssuedKey {
        token: format!("{KEY_PREFIX}_{id}_{secret}"),
        secret_sha256: hash_secret(&secret),
        id,
    }
}

/// True when `token` looks like an API key rather than a JWT.
pub fn looks_like_key(token: &str) -> bool {
    token.starts_with(KEY_PREFIX) && token[KEY_PREFIX.len()..].starts_with('_')
}

/// Splits a token into id and secret; `None` when it is not shaped like a key.
pub fn parse(token: &str) -> Option<PresentedKey<'_>> {
    let mut parts = token.splitn(3, '_');
    let (prefix, id, secret) = (parts.next()?, parts.next()?, parts.next()?);
    let id_ok = id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit());
    (prefix == KEY_PREFIX && id_ok && !secret.is_empty()).then_some(PresentedKey { id, secret })
}

/// Hex sha256 of a secret.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// True when `secret` hashes to `stored_sha256`, compared in constant time.
pub fn verify(secret: &str, stored_sha256: &str) -> bool {
    let Ok(stored) = hex::decode(stored_sha256) else {
        return false;
    };
    let presented = Sha256::digest(secret.as_bytes());
    stored.len() == presented.len() && bool::from(presented.as_slice().ct_eq(&stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_key_parses_and_verifies_and_nothing_else_does() {
        let key = generate();
        let presented = parse(&key.token).expect("parses");
        assert_eq!(presented.id, key.id);
        assert!(looks_like_key(&key.token));
        assert!(verify(presented.secret, &key.secret_sha256));
        assert!(!verify("wrong", &key.secret_sha256));
        assert!(!verify(presented.secret, "zz"));
        assert!(parse("jck_short_x").is_none());
        assert!(parse("eyJhbGciOi.x.y").is_none());
        assert!(
            !format!("{key:?}").contains(presented.secret),
            "Debug hides the secret"
        );
        assert_ne!(generate().token, key.token);
    }
}
