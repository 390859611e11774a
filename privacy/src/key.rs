//! One data subject's 256-bit data key: AES-256-GCM for sealing, HMAC-SHA256 for the
//! keyed spec digest. The bytes are wiped from memory when the key is dropped.

use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::PrivacyError;

/// Length of a data key in bytes.
pub const KEY_LEN: usize = 32;

/// A data key. Never logged: `Debug` prints nothing of it.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        rand::rng().fill_bytes(bytes.as_mut());
        Self(bytes)
    }

    /// The key stored as `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PrivacyError> {
        let array: [u8; KEY_LEN] = bytes.try_into().map_err(|_| {
            PrivacyError::Corrupt(format!(
                "a data key must be {KEY_LEN} bytes, the stored one has {}",
                bytes.len()
            ))
        })?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// The raw bytes, for the key store.
    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Hex HMAC-SHA256 of `data` under this key: a digest that is stable while the key
    /// lives, reveals nothing to whoever lacks it, and is shredded with it.
    pub fn digest(&self, data: &[u8]) -> String {
        hex::encode(hmac_sha256(self.bytes(), &[data]))
    }
}

/// HMAC-SHA256 of the concatenated `parts` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_stable_per_key_and_differ_between_keys() {
        let (a, b) = (DataKey::generate(), DataKey::generate());
        assert_eq!(a.digest(b"spec"), a.digest(b"spec"));
        assert_ne!(a.digest(b"spec"), b.digest(b"spec"));
        assert_eq!(a.digest(b"spec").len(), 64);
    }

    #[test]
    fn a_key_of_the_wrong_length_is_refused_and_debug_hides_the_bytes() {
        assert!(DataKey::from_bytes(&[0u8; 16]).is_err());
        let key = DataKey::from_bytes(&[7u8; 32]).expect("32 bytes");
        assert_eq!(format!("{key:?}"), "DataKey(..)");
    }
}
