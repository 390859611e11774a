//! One sealed value: `sealed:v1:<ref>:<base64url(nonce ‖ ciphertext ‖ tag)>`.
//!
//! The associated data binds the ciphertext to its tenant and subject, so a value copied
//! into another tenant's job, or under another subject's reference, does not open.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;

use crate::error::PrivacyError;
use crate::key::DataKey;
use crate::subject::SubjectRef;

/// What every sealed value starts with (the version follows).
pub const SEALED_PREFIX: &str = "sealed:";
/// The full prefix of the current format.
const V1: &str = "sealed:v1:";
/// What a sealed value reads once its subject was erased.
pub const ERASED: &str = "[erased]";
const NONCE_LEN: usize = 12;

/// True when `value` is a sealed value (of any version).
pub fn is_sealed(value: &str) -> bool {
    value.starts_with(SEALED_PREFIX)
}

/// The subject reference a sealed value names; `None` for anything else.
pub fn sealed_ref(value: &str) -> Option<SubjectRef> {
    let rest = value.strip_prefix(V1)?;
    let (reference, _) = rest.split_once(':')?;
    SubjectRef::parse(reference)
}

/// Seals `plaintext` of `tenant` under `key` of subject `reference`.
pub fn seal_value(
    key: &DataKey,
    tenant: &str,
    reference: &SubjectRef,
    plaintext: &str,
) -> Result<String, PrivacyError> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let cipher = cipher(key);
    let aad = associated_data(tenant, reference);
    let payload = Payload {
        msg: plaintext.as_bytes(),
        aad: &aad,
    };
    // Encryption fails only for messages beyond GCM's 64 GiB limit; specs are tiny.
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), payload)
        .map_err(|_| PrivacyError::Corrupt("AES-GCM refused to seal a value".to_owned()))?;
    let mut blob = Vec::with_capacity(NONCE_LEN + sealed.len());
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&sealed);
    Ok(format!("{V1}{reference}:{}", URL_SAFE_NO_PAD.encode(blob)))
}

/// Opens sealed `value` of `tenant` with `key`. `Ok(None)` when the key does not open it
/// (the subject was erased and its reference got a new key since); an error when the
/// value is not a well-formed sealed value.
pub fn open_value(
    key: &DataKey,
    tenant: &str,
    value: &str,
) -> Result<Option<String>, PrivacyError> {
    let malformed = || PrivacyError::Corrupt(format!("not a sealed value: {:.24}…", value));
    let rest = value.strip_prefix(V1).ok_or_else(malformed)?;
    let (reference, encoded) = rest.split_once(':').ok_or_else(malformed)?;
    let reference = SubjectRef::parse(reference).ok_or_else(malformed)?;
    let blob = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| malformed())?;
    if blob.len() < NONCE_LEN + 16 {
        return Err(malformed());
    }
    let (nonce, sealed) = blob.split_at(NONCE_LEN);
    let aad = associated_data(tenant, &reference);
    let payload = Payload {
        msg: sealed,
        aad: &aad,
    };
    match cipher(key).decrypt(Nonce::from_slice(nonce), payload) {
        Ok(plain) => String::from_utf8(plain)
            .map(Some)
            .map_err(|_| PrivacyError::Corrupt("a sealed value is not UTF-8".to_owned())),
        Err(_) => Ok(None),
    }
}

fn cipher(key: &DataKey) -> Aes256Gcm {
    Aes256Gcm::new(key.bytes().into())
}

fn associated_data(tenant: &str, reference: &SubjectRef) -> Vec<u8> {
    format!("jetcrawl-seal-v1\0{tenant}\0{reference}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subject::{RefKey, Subject};

    fn reference(tenant: &str) -> SubjectRef {
        RefKey::new(b"p").reference(tenant, &Subject::Data("alice".into()))
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_only_and_hides_the_plaintext() {
        let key = DataKey::generate();
        let r = reference("acme");
        let url = "https://shop.example/orders?customer=alice";
        let sealed = seal_value(&key, "acme", &r, url).expect("seals");
        assert!(is_sealed(&sealed) && !sealed.contains("alice") && !sealed.contains("shop"));
        assert_eq!(sealed_ref(&sealed), Some(r.clone()));
        let again = seal_value(&key, "acme", &r, url).expect("seals");
        assert_ne!(sealed, again, "fresh nonce each time");
        let opened = open_value(&key, "acme", &sealed).expect("well formed");
        assert_eq!(opened.as_deref(), Some(url));
        let other = DataKey::generate();
        assert_eq!(
            open_value(&other, "acme", &sealed).expect("well formed"),
            None
        );
    }

    #[test]
    fn a_value_moved_to_another_tenant_does_not_open() {
        let key = DataKey::generate();
        let sealed =
            seal_value(&key, "acme", &reference("acme"), "https://a.example/").expect("seals");
        assert_eq!(
            open_value(&key, "globex", &sealed).expect("well formed"),
            None
        );
    }

    #[test]
    fn malformed_values_are_reported() {
        let key = DataKey::generate();
        for bad in ["https://a.example/", "sealed:v1:zz:abc", "sealed:v1:"] {
            assert!(open_value(&key, "acme", bad).is_err(), "{bad}");
        }
    }
}
