//! Authentication and authorization at the gateway: API keys (hashed, in the `API_KEYS`
//! bucket) and JWTs become an [`Identity`]; [`Role`]s decide which [`Action`]s it may
//! take; refusals are recorded on the `AUDIT_ACTIONS` stream.

mod api_key;
mod authenticator;
mod credential;
mod denial;
mod identity;
mod jwt;
mod key_cache;
mod key_store;
mod role;
mod tenant;

pub use api_key::{IssuedKey, KEY_PREFIX};
pub use authenticator::{AuthError, Authenticator};
pub use credential::HOW_TO_AUTHENTICATE;
pub use denial::{ACCESS_DENIED_SCHEMA, DenialRecorder};
pub use identity::Identity;
pub use jwt::{JwtSettings, JwtVerifier, MIN_HS256_SECRET_BYTES};
pub use key_cache::KeyCache;
pub use key_store::{KeyRecord, KeyStore, KeyStoreError, NewKey};
pub use role::{Action, Role};
pub use tenant::check_tenant;
