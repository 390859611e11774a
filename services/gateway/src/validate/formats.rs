//! The output formats of a job (issue 17): known, each once, and only where there are
//! pages to read (not on an agent job, whose result is its answer).

use std::collections::HashSet;

use jetcrawl_proto::v1::{JobSpec, OutputFormat};

use super::violations::Violations;

/// The names of the formats, as written in the API.
const FORMATS: &str = "MARKDOWN, HTML, RAW_HTML, LINKS or METADATA";

/// Checks `spec.formats`.
pub fn check_formats(spec: &JobSpec, out: &mut Violations) {
    if spec.agent.is_some() && !spec.formats.is_empty() {
        out.add(
            "spec.formats",
            "an agent job's result is its answer, not pages; remove spec.formats or drop spec.agent",
        );
        return;
    }
    let mut seen = HashSet::new();
    for (index, &value) in spec.formats.iter().enumerate() {
        let field = format!("spec.formats[{index}]");
        match OutputFormat::try_from(value) {
            Ok(OutputFormat::Unspecified) | Err(_) => {
                out.add(field, format!("unknown format {value}; use {FORMATS}"));
            }
            Ok(format) if !seen.insert(format) => out.add(
                field,
                format!(
                    "{} is asked for twice; list each format once",
                    format.as_str_name()
                ),
            ),
            Ok(_) => {}
        }
    }
}
