//! Who is calling. The tenant, actor and role come from the request's credential only
//! (API key or JWT), never from the request body; every RPC names the [`Action`] it
//! takes and gets a [`Caller`] only when the credential's role allows it. A refusal is
//! answered PERMISSION_DENIED and recorded on the `AUDIT_ACTIONS` stream.

use jetcrawl_proto::v1::AccessDenied;
use tonic::metadata::MetadataMap;

use super::Gateway;
use crate::auth::{Action, AuthError, Identity, Role};
use crate::error::GatewayError;

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The tenant every job of this request belongs to.
    pub tenant: String,
    /// The actor recorded in events: `key:<id>` or `jwt:<sub>`.
    pub actor: String,
    /// What the credential may do.
    pub role: Role,
    /// Further tenants an auditor may read (empty for other roles).
    pub granted_tenants: Vec<String>,
    /// `grpc` or `http`, for audit records.
    pub transport: &'static str,
}

impl Caller {
    /// A caller with `identity`, arriving over `transport`.
    pub fn new(identity: Identity, transport: &'static str) -> Self {
        Self {
            tenant: identity.tenant,
            actor: identity.actor,
            role: identity.role,
            granted_tenants: identity.granted_tenants,
            transport,
        }
    }

    /// `Ok` when this caller's role may take `action`; PERMISSION_DENIED otherwise.
    /// Pure: use [`Gateway::require`] so the refusal is also audited.
    pub fn require(&self, action: Action) -> Result<(), GatewayError> {
        if action.allows(self.role) {
            return Ok(());
        }
        let allowed: Vec<&str> = action.allowed_roles().iter().map(|r| r.as_str()).collect();
        Err(GatewayError::PermissionDenied(format!(
            "{} needs role {}; this credential ({}) has role {}",
            action.name(),
            allowed.join(" or "),
            self.actor,
            self.role
        )))
    }

    /// True when this caller may read data of `tenant`: its own, or one it is granted.
    pub fn may_read_tenant(&self, tenant: &str) -> bool {
        self.tenant == tenant || self.granted_tenants.iter().any(|t| t == tenant)
    }

    /// PERMISSION_DENIED naming `field` unless this caller may read `tenant`.
    pub fn require_tenant(&self, field: &str, tenant: &str) -> Result<(), GatewayError> {
        if self.may_read_tenant(tenant) {
            return Ok(());
        }
        Err(GatewayError::PermissionDenied(format!(
            "{field}: tenant {tenant} is not granted to this key; use a key of that tenant or ask for a grant"
        )))
    }
}

impl Gateway {
    /// Authenticates the request in `metadata` (gRPC metadata, or the HTTP headers) and
    /// checks that its role may take `action`.
    pub async fn caller(
        &self,
        metadata: &MetadataMap,
        action: Action,
    ) -> Result<Caller, GatewayError> {
        let identity = self
            .guards
            .auth
            .authenticate(metadata)
            .await
            .map_err(|err| match err {
                AuthError::Unauthenticated(why) => GatewayError::Unauthenticated(why),
                AuthError::Unavailable(why) => GatewayError::unavailable(why),
            })?;
        let caller = Caller::new(identity, transport_of(metadata));
        self.require(&caller, action, "").await?;
        Ok(caller)
    }

    /// [`Caller::require`], recording a refusal (naming `job_id` when there is one) on
    /// the `AUDIT_ACTIONS` stream. For the admin RPCs: `self.require(&caller,
    /// Action::ReplayDeadLetter, job_id).await?`.
    pub async fn require(
        &self,
        caller: &Caller,
        action: Action,
        job_id: &str,
    ) -> Result<(), GatewayError> {
        let Err(refused) = caller.require(action) else {
            return Ok(());
        };
        tracing::info!(tenant = %caller.tenant, actor = %caller.actor, role = %caller.role, action = action.name(), "call refused: role");
        self.guards
            .denials
            .record(AccessDenied {
                tenant: caller.tenant.clone(),
                actor: caller.actor.clone(),
                role: caller.role.as_str().to_owned(),
                action: action.name().to_owned(),
                reason: refused.to_string(),
                transport: caller.transport.to_owned(),
                job_id: job_id.to_owned(),
                ..Default::default()
            })
            .await;
        Err(refused)
    }
}

/// gRPC requests carry `content-type: application/grpc…`; everything else is HTTP.
fn transport_of(metadata: &MetadataMap) -> &'static str {
    let grpc = metadata
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"));
    if grpc { "grpc" } else { "http" }
}
