//! `jetcrawl webhooks secret|enable`: per-tenant webhook secrets (`whsec_…`, KV
//! `WEBHOOK_SECRETS`) and endpoints disabled by a 410. Talks to NATS directly, like
//! `jetcrawl keys`: an operator's tool.

use anyhow::Context;
use clap::{Args, Subcommand};
use jetcrawl_notifier::WebhookSecrets;
use jetcrawl_notifier::disabled::DisabledEndpoints;

use crate::args::{Global, Output};

/// `jetcrawl webhooks …`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Print a tenant's webhook secret (created when it has none); `--rotate` replaces it.
    Secret(SecretArgs),
    /// Deliver again to an endpoint that answered 410 Gone and was disabled.
    Enable(EnableArgs),
}

#[derive(Debug, Args)]
pub struct SecretArgs {
    /// The tenant.
    #[arg(long)]
    pub tenant: String,
    /// Replace the secret with a fresh one; deliveries are signed with it from now on.
    #[arg(long)]
    pub rotate: bool,
}

#[derive(Debug, Args)]
pub struct EnableArgs {
    /// The tenant.
    #[arg(long)]
    pub tenant: String,
    /// The webhook URL, exactly as in the job spec.
    #[arg(long)]
    pub url: String,
}

pub async fn run(global: &Global, command: WebhooksCommand) -> anyhow::Result<()> {
    let (_client, js) = global
        .nats
        .connect("jetcrawl-webhooks")
        .await
        .with_context(|| format!("connecting to NATS at {}", global.nats.url))?;
    match command {
        WebhooksCommand::Secret(args) => {
            let secrets = WebhookSecrets::open(&js).await?;
            let secret = if args.rotate {
                secrets.rotate(&args.tenant).await?
            } else {
                secrets.get_or_create(&args.tenant).await?
            };
            match global.output {
                Output::Json => outln!(
                    "{}",
                    serde_json::json!({"tenant": args.tenant, "secret": secret, "rotated": args.rotate})
                ),
                Output::Text => {
                    outln!("{secret}");
                    eprintln!(
                        "Webhook secret of tenant {}: verify `webhook-signature` with it (Standard Webhooks).",
                        args.tenant
                    );
                }
            }
        }
        WebhooksCommand::Enable(args) => {
            let disabled = DisabledEndpoints::open(&js)
                .await
                .map_err(anyhow::Error::msg)?;
            let was = disabled
                .enable(&args.tenant, &args.url)
                .await
                .map_err(anyhow::Error::msg)?;
            eprintln!(
                "{}",
                if was {
                    "endpoint enabled again"
                } else {
                    "the endpoint was not disabled"
                }
            );
        }
    }
    Ok(())
}
