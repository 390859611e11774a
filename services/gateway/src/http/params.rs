//! Query strings and JSON bodies of the HTTP routes: a value that does not parse is a
//! 400 naming the parameter and what it takes, never the framework's own rejection.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use serde::de::DeserializeOwned;

use crate::error::GatewayError;

/// The query string as `T` (whose fields are strings, parsed by the handler); an unknown
/// parameter is refused with the list of known ones.
pub fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, GatewayError> {
    query
        .map(|Query(q)| q)
        .map_err(|rejection| GatewayError::invalid("query", rejection.body_text()))
}

/// An optional JSON body as `T`: an empty body is `T::default()`.
pub fn body<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, GatewayError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    json(bytes)
}

/// A JSON body as `T`, or a 400 naming the JSON path that is wrong.
pub fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, GatewayError> {
    let mut json = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut json).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        GatewayError::invalid(field, err.into_inner().to_string())
    })?;
    json.end().map_err(|err| {
        GatewayError::invalid(
            "body",
            format!("unexpected data after the JSON object: {err}"),
        )
    })?;
    Ok(value)
}

/// A `true`/`false` query parameter (absent or empty is false), or a 400 naming it.
pub fn flag(name: &str, value: Option<&str>) -> Result<bool, GatewayError> {
    match value {
        None | Some("" | "false") => Ok(false),
        Some("true") => Ok(true),
        Some(text) => Err(GatewayError::invalid(
            name,
            format!("{text:?} is not true or false; give e.g. {name}=true"),
        )),
    }
}

/// A whole number from a query parameter, or a 400 naming it.
pub fn number(name: &str, value: Option<&str>) -> Result<u32, GatewayError> {
    match value {
        None | Some("") => Ok(0),
        Some(text) => text.parse().map_err(|_| {
            GatewayError::invalid(
                name,
                format!("{text:?} is not a whole number; give e.g. {name}=50"),
            )
        }),
    }
}
