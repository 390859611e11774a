//! `jetcrawl keys create|revoke`: API keys straight in the `API_KEYS` bucket. Whoever
//! can reach NATS with these rights is an operator; gateways pick changes up at once.

use anyhow::Context;
use jetcrawl_gateway::auth::{KeyStore, NewKey, Role};
use jetcrawl_streams::Topology;

use crate::cli::{Global, KeyCreateArgs, KeyRevokeArgs, KeysCommand, Output};

pub async fn run(global: &Global, command: KeysCommand) -> anyhow::Result<()> {
    let store = open(&global.nats_url).await?;
    match command {
        KeysCommand::Create(args) => create(global, &store, args).await,
        KeysCommand::Revoke(args) => revoke(global, &store, args).await,
    }
}

/// Opens the key store behind the NATS server at `nats_url`.
pub async fn open(nats_url: &str) -> anyhow::Result<KeyStore> {
    let (_client, js) = jetcrawl_streams::connect(nats_url, "jetcrawl-keys")
        .await
        .with_context(|| format!("connecting to NATS at {nats_url}"))?;
    KeyStore::open(&js, &Topology::default())
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

async fn create(global: &Global, store: &KeyStore, args: KeyCreateArgs) -> anyhow::Result<()> {
    let role: Role = args.role.parse().map_err(anyhow::Error::msg)?;
    let (id, token) = issue(store, &args.tenant, role, args.grant).await?;
    match global.output {
        Output::Json => println!(
            "{}",
            serde_json::json!({"id": id, "tenant": args.tenant, "role": role.as_str(), "key": token})
        ),
        Output::Text => {
            eprintln!("API key {id} for tenant {} (role {role}):", args.tenant);
            println!("{token}");
            eprintln!(
                "It is shown only this once: store it now (export JETCRAWL_API_KEY=...). \
                 Revoke it with `jetcrawl keys revoke {id}`."
            );
        }
    }
    Ok(())
}

async fn revoke(global: &Global, store: &KeyStore, args: KeyRevokeArgs) -> anyhow::Result<()> {
    let id = args
        .id
        .trim_start_matches(jetcrawl_gateway::auth::KEY_PREFIX)
        .trim_start_matches('_');
    let record = store.revoke(id).await?;
    match global.output {
        Output::Json => println!(
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
