//! Reading the credential of a request: `authorization: Bearer <token>` (gRPC metadata or
//! HTTP header), or `x-api-key: <key>`. Nothing here ever logs or echoes a token.

use tonic::metadata::MetadataMap;

use super::api_key::looks_like_key;

/// The credential a request presents.
#[derive(PartialEq, Eq)]
pub enum Credential<'a> {
    /// A `jck_` API key.
    ApiKey(&'a str),
    /// Anything else after `Bearer`: a JWT.
    Jwt(&'a str),
}

/// What to send, for error messages.
pub const HOW_TO_AUTHENTICATE: &str =
    "send `authorization: Bearer <API key or JWT>` (jetcrawl: --api-key or JETCRAWL_API_KEY)";

/// The credential of `metadata`, or why there is none usable.
pub fn credential_of(metadata: &MetadataMap) -> Result<Credential<'_>, String> {
    let token = if let Some(value) = metadata.get("authorization") {
        let value = value
            .to_str()
            .map_err(|_| format!("the authorization header is not ASCII; {HOW_TO_AUTHENTICATE}"))?;
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(format!(
                "the authorization scheme must be Bearer; {HOW_TO_AUTHENTICATE}"
            ));
        }
        token.trim()
    } else if let Some(value) = metadata.get("x-api-key") {
        value
            .to_str()
            .map_err(|_| format!("the x-api-key header is not ASCII; {HOW_TO_AUTHENTICATE}"))?
            .trim()
    } else {
        return Err(format!("no credential; {HOW_TO_AUTHENTICATE}"));
    };
    if token.is_empty() {
        return Err(format!("empty credential; {HOW_TO_AUTHENTICATE}"));
    }
    Ok(if looks_like_key(token) {
        Credential::ApiKey(token)
    } else {
        Credential::Jwt(token)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &'static str, value: &str) -> MetadataMap {
        let mut map = MetadataMap::new();
        map.insert(name, value.parse().expect("ascii"));
        map
    }

    #[test]
    fn bearer_and_x_api_key_are_read_and_other_schemes_refused() {
        let bearer = with("authorization", "Bearer jck_0123456789abcdef_s");
        assert!(matches!(
            credential_of(&bearer),
            Ok(Credential::ApiKey("jck_0123456789abcdef_s"))
        ));
        let jwt = with("authorization", "bearer a.b.c");
        assert!(matches!(credential_of(&jwt), Ok(Credential::Jwt("a.b.c"))));
        let header = with("x-api-key", "jck_0123456789abcdef_s");
        assert!(matches!(credential_of(&header), Ok(Credential::ApiKey(_))));
        let basic = with("authorization", "Basic dXNlcjpwYXNz");
        let refused = credential_of(&basic).err().unwrap_or_default();
        assert!(refused.contains("Bearer") && !refused.contains("dXNlcjpwYXNz"));
        assert!(credential_of(&MetadataMap::new()).is_err());
    }
}
