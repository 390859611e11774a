//! Everything the platform stores, as text to grep: a `pg_dump` of the database, and the
//! raw messages (subject, headers, payload) of every JetStream stream, the object store
//! and KV buckets included.

use anyhow::Context as _;
use futures::StreamExt as _;
use jetcrawl_tests::Stack;

const PG_DUMP: &str = "/usr/lib/postgresql/15/bin/pg_dump";

/// The whole database as SQL.
pub fn pg_dump(stack: &Stack) -> anyhow::Result<String> {
    let out = std::process::Command::new(PG_DUMP)
        .arg("--dbname")
        .arg(stack.database_url())
        .output()
        .with_context(|| format!("running {PG_DUMP}"))?;
    anyhow::ensure!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Every stored message of every stream, one per line (lossy UTF-8), with the names of
/// the streams read.
pub async fn all_stream_messages(stack: &Stack) -> anyhow::Result<(Vec<String>, String)> {
    let (_client, js) = jetcrawl_streams::connect(&stack.nats_url(), "rgpd-dump").await?;
    let mut names = Vec::new();
    let mut listing = js.stream_names();
    while let Some(name) = listing.next().await {
        names.push(name?);
    }
    names.sort();
    let mut text = String::new();
    for name in &names {
        let mut stream = js.get_stream(name).await?;
        let info = stream.info().await?.state.clone();
        for seq in info.first_sequence..=info.last_sequence {
            // Deleted and purged messages are gone: exactly what must be true.
            let Ok(message) = stream.get_raw_message(seq).await else {
                continue;
            };
            text.push_str(&format!(
                "{name} #{seq} {} {:?} {}\n",
                message.subject,
                message.headers,
                String::from_utf8_lossy(&message.payload)
            ));
        }
    }
    Ok((names, text))
}
