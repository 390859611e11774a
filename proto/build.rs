//! Compiles `jetcrawl/v1/*.proto` with protox (pure Rust), so no system `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "jetcrawl/v1/spec.proto",
        "jetcrawl/v1/events.proto",
        "jetcrawl/v1/audit_actions.proto",
        "jetcrawl/v1/jobs.proto",
        "jetcrawl/v1/crawl.proto",
        "jetcrawl/v1/audit.proto",
        "jetcrawl/v1/reports.proto",
    ];
    for file in files {
        println!("cargo:rerun-if-changed={file}");
    }
    let fds = protox::compile(files, ["."])?;
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("jetcrawl_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
