//! JWT bearer tokens, verified against an HS256 secret or a JWKS file (RSA, EC or EdDSA
//! public keys). `exp` is required, `nbf` is honoured, and a token's algorithm must match
//! the family of the key it names, so `alg=none` and HS256-signed-with-a-public-key
//! tricks are refused.

use std::path::Path;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;

use super::identity::Identity;
use super::role::Role;
use super::tenant::check_tenant;

/// Shortest HS256 secret accepted (RFC 7518: at least the hash size).
pub const MIN_HS256_SECRET_BYTES: usize = 32;

/// The claims Jetcrawl reads; `exp`/`nbf` are checked by [`Validation`].
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    tenant: String,
    role: String,
    #[serde(default)]
    tenants: Vec<String>,
}

/// Verifies bearer JWTs.
pub struct JwtVerifier {
    hs256: Option<DecodingKey>,
    jwks: Option<JwkSet>,
    leeway_secs: u64,
    issuer: Option<String>,
    audience: Option<String>,
}

/// Where the verifier's keys and expectations come from.
#[derive(Debug, Clone, Default)]
pub struct JwtSettings<'a> {
    /// File holding the HS256 secret.
    pub hs256_secret_file: Option<&'a Path>,
    /// JWKS file of public keys.
    pub jwks_file: Option<&'a Path>,
    /// Clock skew tolerated on `exp`/`nbf`, in seconds.
    pub leeway_secs: u64,
    /// Required `iss`, if any.
    pub issuer: Option<&'a str>,
    /// Required `aud`, if any.
    pub audience: Option<&'a str>,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("hs256", &self.hs256.is_some())
            .field("jwks_keys", &self.jwks.as_ref().map(|s| s.keys.len()))
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// The verifier the settings describe, `None` when neither key source is set.
    /// Errors name the file, never its content.
    pub fn from_settings(settings: &JwtSettings<'_>) -> Result<Option<Self>, String> {
        let hs256 = match settings.hs256_secret_file {
            Some(path) => Some(read_secret(path)?),
            None => None,
        };
        let jwks = match settings.jwks_file {
            Some(path) => Some(read_jwks(path)?),
            None => None,
        };
        if hs256.is_none() && jwks.is_none() {
            return Ok(None);
        }
        Ok(Some(Self {
            hs256,
            jwks,
            leeway_secs: settings.leeway_secs,
            issuer: settings.issuer.map(str::to_owned),
            audience: settings.audience.map(str::to_owned),
        }))
    }

    /// The identity a valid token speaks for, or why it is refused (never echoing it).
    pub fn verify(&self, token: &str) -> Result<Identity, String> {
        let header = decode_header(token).map_err(|err| {
            format!("the bearer token is neither an API key nor a valid JWT ({err}); alg=none is never accepted")
        })?;
        let key = self.key_for(header.alg, header.kid.as_deref())?;
        if key.family() != header.alg.family() {
            return Err(format!(
                "JWT algorithm {:?} does not match the configured key",
                header.alg
            ));
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = self.leeway_secs;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        match &self.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
        }
        let claims = decode::<Claims>(token, &key, &validation)
            .map_err(|err| format!("the JWT was refused: {err}"))?
            .claims;
        identity(claims)
    }

    fn key_for(&self, alg: Algorithm, kid: Option<&str>) -> Result<DecodingKey, String> {
        if alg.family() == jsonwebtoken::AlgorithmFamily::Hmac {
            if alg != Algorithm::HS256 {
                return Err(format!("JWT algorithm {alg:?} is not accepted; use HS256"));
            }
            return self
                .hs256
                .clone()
                .ok_or_else(|| "HS256 JWTs are not accepted by this gateway".to_owned());
        }
        let jwks = self.jwks.as_ref().ok_or_else(|| {
            format!("JWT algorithm {alg:?} needs a JWKS, and this gateway has none")
        })?;
        let jwk = match kid {
            Some(kid) => jwks.find(kid),
            None if jwks.keys.len() == 1 => jwks.keys.first(),
            None => None,
        }
        .ok_or_else(|| "the JWT names no key (kid) of the configured JWKS".to_owned())?;
        DecodingKey::from_jwk(jwk).map_err(|err| format!("JWKS key unusable: {err}"))
    }
}

fn identity(claims: Claims) -> Result<Identity, String> {
    check_tenant(&claims.tenant)?;
    let role: Role = claims.role.parse()?;
    for tenant in &claims.tenants {
        check_tenant(tenant)?;
    }
    let granted_tenants = if role == Role::Auditor {
        claims.tenants
    } else {
        Vec::new()
    };
    Ok(Identity {
        tenant: claims.tenant,
        actor: format!("jwt:{}", claims.sub),
        role,
        granted_tenants,
    })
}

fn read_secret(path: &Path) -> Result<DecodingKey, String> {
    let bytes = std::fs::read(path)
        .map_err(|err| format!("cannot read the JWT secret file {}: {err}", path.display()))?;
    let secret = bytes.trim_ascii();
    if secret.len() < MIN_HS256_SECRET_BYTES {
        return Err(format!(
            "the JWT secret in {} is shorter than {MIN_HS256_SECRET_BYTES} bytes; use a longer random secret",
            path.display()
        ));
    }
    Ok(DecodingKey::from_secret(secret))
}

fn read_jwks(path: &Path) -> Result<JwkSet, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read the JWKS file {}: {err}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|err| format!("the JWKS file {} is not a JWK set: {err}", path.display()))
}
