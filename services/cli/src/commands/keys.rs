//! `jetcrawl keys create|revoke|list`: API keys straight in the `API_KEYS` bucket. Whoever
//! can reach NATS with these rights is an operator; gateways pick changes up at once.
//! Each rotation is recorded on the audit log (`key_audit`).

use anyhow::Context;
use async_nats::jetstream::Context as JetStream;
use jetcrawl_gateway::auth::{KeyStore, NewKey, Role};
use jetcrawl_proto::v1::{ApiKeyIssued, ApiKeyRevoked};
use jetcrawl_streams::audit::Action;

use super::key_audit;
use crate::args::{Global, KeyCreateArgs, KeyListArgs, KeyRevokeArgs, KeysCommand, Output};
use crate::table;

pub async fn run(global: &Global, command: KeysCommand) -> anyhow::Result<()> {
    let (_client, js) = global
        .nats
        .connect("jetcrawl-keys")
        .await
        .with_context(|| format!("connecting to NATS at {}", global.nats.url))?;
    let store = KeyStore::open(&js)
        .await
        .context("opening the API_KEYS bucket")?;
    match command {
        KeysCommand::Create(args) => create(global, &store, &js, args).await,
        KeysCommand::Revoke(args) => revoke(global, &store, &js, args).await,
        KeysCommand::List(args) => list(global, &store, args).await,
    }
}

async fn list(global: &Global, store: &KeyStore, args: KeyListArgs) -> anyhow::Result<()> {
    let keys: Vec<_> = store
        .list()
        .await?
        .into_iter()
        .filter(|k| args.tenant.as_ref().is_none_or(|t| &k.tenant == t))
        .filter(|k| !args.active || k.revoked_at.is_none())
        .collect();
    match global.output {
        Output::Json => outln!(
            "{}",
            serde_json::json!({"keys": keys.iter().map(|k| serde_json::json!({
                "id": k.id,
                "tenant": k.tenant,
                "role": k.role.as_str(),
                "granted_tenants": k.granted_tenants,
                "created_at": k.created_at,
                "created_by": k.created_by,
                "revoked_at": k.revoked_at,
            })).collect::<Vec<_>>()})
        ),
        Output::Text => table::print(
            &["ID", "TENANT", "ROLE", "GRANTS", "ISSUED", "BY", "REVOKED"],
            keys.iter()
                .map(|k| {
                    vec![
                        k.id.clone(),
                        k.tenant.clone(),
                        k.role.as_str().to_owned(),
                        table::or_dash(&k.granted_tenants.join(",")),
                        table::when(Some(k.created_at)),
                        k.created_by.clone(),
                        table::when(k.revoked_at),
                    ]
                })
                .collect(),
        ),
    }
    Ok(())
}

/// Opens the key store behind the NATS server at `nats_url` (one `jetcrawl up` started:
/// no credentials).
pub async fn open(nats_url: &str) -> anyhow::Result<KeyStore> {
    let (_client, js) = jetcrawl_streams::connect(nats_url, "jetcrawl-keys")
        .await
        .with_context(|| format!("connecting to NATS at {nats_url}"))?;
    KeyStore::open(&js)
        .await
        .context("opening the API_KEYS bucket")
}

/// Issues a key and returns `(id, token)`.
pub async fn issue(
    store: &KeyStore,
    tenant: &str,
    role: Role,
    grant: Vec<String>,
) -> anyhow::Result<(String, String)> {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
    let (record, issued) = store
        .create(NewKey {
            tenant: tenant.to_owned(),
            role,
            granted_tenants: grant,
            created_by: format!("cli:{user}"),
        })
        .await?;
    Ok((record.id, issued.token))
}

async fn create(
    global: &Global,
    store: &KeyStore,
    js: &JetStream,
    args: KeyCreateArgs,
) -> anyhow::Result<()> {
    let role: Role = args.role.parse().map_err(anyhow::Error::msg)?;
    let (id, token) = issue(store, &args.tenant, role, args.grant.clone()).await?;
    let issued = Action::ApiKeyIssued(ApiKeyIssued {
        key_id: id.clone(),
        role: role.as_str().to_owned(),
        granted_tenants: args.grant,
        issued_by: key_audit::operator(),
    });
    if let Err(err) = key_audit::record(js, &args.tenant, issued).await {
        // An unaudited key must not exist: take it back before reporting.
        let _ = store.revoke(&id).await;
        return Err(err.context(format!(
            "key {id} was revoked again because its issuance could not be audited; retry when NATS is healthy"
        )));
    }
    match global.output {
        Output::Json => outln!(
            "{}",
            serde_json::json!({"id": id, "tenant": args.tenant, "role": role.as_str(), "key": token})
        ),
        Output::Text => {
            eprintln!("API key {id} for tenant {} (role {role}):", args.tenant);
            outln!("{token}");
            eprintln!(
                "It is shown only this once: store it now (export JETCRAWL_API_KEY=...). \
                 Revoke it with `jetcrawl keys revoke {id}`."
            );
        }
    }
    Ok(())
}

async fn revoke(
    global: &Global,
    store: &KeyStore,
    js: &JetStream,
    args: KeyRevokeArgs,
) -> anyhow::Result<()> {
    let id = args
        .id
        .trim_start_matches(jetcrawl_gateway::auth::KEY_PREFIX)
        .trim_start_matches('_');
    let record = store.revoke(id).await?;
    let revoked = Action::ApiKeyRevoked(ApiKeyRevoked {
        key_id: record.id.clone(),
        role: record.role.as_str().to_owned(),
        revoked_by: key_audit::operator(),
    });
    key_audit::record(js, &record.tenant, revoked)
        .await
        .with_context(|| {
            format!(
                "key {} is revoked, but the revocation could not be audited; run `jetcrawl keys revoke {}` again",
                record.id, record.id
            )
        })?;
    match global.output {
        Output::Json => outln!(
            "{}",
            serde_json::json!({"id": record.id, "tenant": record.tenant, "revoked": true})
        ),
        Output::Text => eprintln!(
            "API key {} of tenant {} is revoked; gateways refuse it from now on.",
            record.id, record.tenant
        ),
    }
    Ok(())
}
