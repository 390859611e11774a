//! Signing keys, identified by key id. One is active (it signs); every configured one
//! verifies, so a rotation adds a new id, makes it active, and removes the old id only
//! once the URLs it signed have expired.

use std::collections::BTreeMap;

use thiserror::Error;

/// Shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// A configuration error in the signing keys.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct KeyError(pub String);

/// The configured keys.
#[derive(Clone)]
pub struct SigningKeys {
    active: String,
    keys: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for SigningKeys {
    // Never print a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("active", &self.active)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SigningKeys {
    /// Parses `kid=secret` (or `kid:secret`) entries separated by newlines or commas;
    /// `#` starts a comment. `active` names the signing key; by default the first one.
    pub fn parse(text: &str, active: Option<&str>) -> Result<Self, KeyError> {
        let mut keys = BTreeMap::new();
        let mut first = None;
        // Comments end at the line's end, so strip them before splitting on commas.
        for entry in text
            .lines()
            .map(|line| line.split('#').next().unwrap_or(""))
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (kid, secret) = entry.split_once(['=', ':']).ok_or_else(|| {
                KeyError("a signing key entry has no `=`; write each as kid=secret".to_owned())
            })?;
            let (kid, secret) = (kid.trim(), secret.trim());
            check_kid(kid)?;
            if secret.len() < MIN_SECRET_BYTES {
                return Err(KeyError(format!(
                    "signing key {kid} is {} bytes; use at least {MIN_SECRET_BYTES} random bytes \
                     (e.g. `openssl rand -hex 32`)",
                    secret.len()
                )));
            }
            if keys
                .insert(kid.to_owned(), secret.as_bytes().to_vec())
                .is_some()
            {
                return Err(KeyError(format!("signing key id {kid} is listed twice")));
            }
            first.get_or_insert_with(|| kid.to_owned());
        }
        let active = match (active.filter(|a| !a.is_empty()), first) {
            (Some(kid), _) if keys.contains_key(kid) => kid.to_owned(),
            (Some(kid), _) => {
                return Err(KeyError(format!(
                    "the active signing key id {kid} is not among the configured keys"
                )));
            }
            (None, Some(first)) => first,
            (None, None) => return Err(KeyError("no signing key configured".to_owned())),
        };
        Ok(Self { active, keys })
    }

    /// The id of the key that signs.
    pub fn active_id(&self) -> &str {
        &self.active
    }

    /// The active key's secret.
    pub(crate) fn active_secret(&self) -> &[u8] {
        self.keys
            .get(&self.active)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The secret of `kid`, when configured.
    pub(crate) fn secret(&self, kid: &str) -> Option<&[u8]> {
        self.keys.get(kid).map(Vec::as_slice)
    }
}

fn check_kid(kid: &str) -> Result<(), KeyError> {
    let ok = !kid.is_empty()
        && kid.len() <= 32
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        return Ok(());
    }
    Err(KeyError(format!(
        "signing key id {kid:?} is invalid; use 1–32 letters, digits, - or _"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn keys_parse_with_the_first_active_unless_named() {
        let keys = SigningKeys::parse(
            &format!("# keys, kid=secret\nk1={A}\n# old, k9=x\nk0={B}"),
            None,
        )
        .expect("keys");
        assert_eq!(keys.active_id(), "k1");
        assert!(keys.secret("k0").is_some());
        let keys = SigningKeys::parse(&format!("k1:{A},k0:{B}"), Some("k0")).expect("keys");
        assert_eq!(keys.active_id(), "k0");
        assert!(
            !format!("{keys:?}").contains(A),
            "Debug never prints secrets"
        );
    }

    #[test]
    fn bad_keys_are_refused_with_the_fix() {
        for (text, active, needle) in [
            ("k1=short", None, "at least 32"),
            ("nokey", None, "kid=secret"),
            ("", None, "no signing key"),
        ] {
            let err = SigningKeys::parse(text, active).expect_err(text);
            assert!(err.to_string().contains(needle), "{err}");
        }
        let err = SigningKeys::parse(&format!("k1={A}"), Some("k9")).expect_err("unknown active");
        assert!(err.to_string().contains("k9"), "{err}");
        let err = SigningKeys::parse(&format!("k.1={A}"), None).expect_err("bad id");
        assert!(err.to_string().contains("invalid"), "{err}");
    }
}
