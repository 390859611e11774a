//! `jetcrawl result <id> [--dir DIR | --print]`: a job's result and artifacts
//! (screenshots), downloaded through the gateway's signed URLs into files.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use super::client;
use super::result_fetch::{Downloader, signed};
use crate::args::{Global, Output};
use crate::table;

#[derive(Debug, Args)]
pub struct ResultArgs {
    /// Job id.
    pub job_id: String,
    /// Directory to write into (created); default `./<job id>/`.
    #[arg(long, conflicts_with = "print")]
    pub dir: Option<PathBuf>,
    /// Print the result JSON on stdout instead of writing files.
    #[arg(long)]
    pub print: bool,
}

pub async fn run(global: &Global, args: ResultArgs) -> anyhow::Result<()> {
    let mut jobs = client(global).await?;
    let result = signed(&mut jobs, &args.job_id, 0).await?;
    let downloader = Downloader::new(global)?;
    let main = result
        .result
        .as_ref()
        .with_context(|| format!("job {} has no result file", args.job_id))?;
    if args.print {
        let bytes = downloader.fetch(main).await?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("the result of job {} is not JSON", args.job_id))?;
        outln!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&args.job_id));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    for artifact in std::iter::once(main).chain(&result.artifacts) {
        let bytes = downloader.fetch(artifact).await?;
        // The gateway names files; never let a name leave the directory.
        let name = std::path::Path::new(&artifact.name)
            .file_name()
            .with_context(|| format!("the gateway sent a bad file name {:?}", artifact.name))?;
        let path = dir.join(name);
        std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        written.push((artifact, path));
    }
    match global.output {
        Output::Json => outln!(
            "{}",
            json!({
                "job_id": result.job_id,
                "files": written.iter().map(|(a, path)| json!({
                    "name": a.name,
                    "path": path.display().to_string(),
                    "size": a.size,
                    "sha256": a.sha256,
                    "content_type": a.content_type,
                })).collect::<Vec<_>>(),
            })
        ),
        Output::Text => table::print(
            &["FILE", "SIZE", "SHA256"],
            written
                .iter()
                .map(|(a, path)| {
                    vec![
                        path.display().to_string(),
                        a.size.to_string(),
                        a.sha256.clone(),
                    ]
                })
                .collect(),
        ),
    }
    Ok(())
}
