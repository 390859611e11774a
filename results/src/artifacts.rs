//! Names of downloadable objects: a key is `<job_id>/<name>`, and the name is what a
//! signed URL carries (`result.json`, `<shot>.png`, `<shot>.thumb.png`).

/// Name of the result JSON of every job.
pub const RESULT_NAME: &str = "result.json";
/// Longest artifact name accepted in a URL.
pub const MAX_ARTIFACT_NAME_CHARS: usize = 96;

/// The key of artifact `name` of `job_id`.
pub fn key_of(job_id: &str, name: &str) -> String {
    format!("{job_id}/{name}")
}

/// The artifact name of `key` when it belongs to `job_id`.
pub fn artifact_name<'a>(job_id: &str, key: &'a str) -> Option<&'a str> {
    key.strip_prefix(job_id)?.strip_prefix('/')
}

/// The job id of a key, `None` when the key has no `<job_id>/` prefix.
pub fn job_of(key: &str) -> Option<&str> {
    key.split_once('/')
        .map(|(job, _)| job)
        .filter(|j| !j.is_empty())
}

/// True when `name` can be an artifact name: letters, digits, `_`, `-` and `.`, not
/// starting with a dot, at most [`MAX_ARTIFACT_NAME_CHARS`].
pub fn is_valid_artifact_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_ARTIFACT_NAME_CHARS
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// The content type served for an artifact name.
pub fn content_type_of(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("json") => "application/json",
        Some("jsonl") => "application/x-ndjson",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("html") => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keys_and_types_agree() {
        assert_eq!(key_of("j1", "result.json"), "j1/result.json");
        assert_eq!(
            artifact_name("j1", "j1/shot.thumb.png"),
            Some("shot.thumb.png")
        );
        assert_eq!(artifact_name("j1", "j10/shot.png"), None);
        assert_eq!(job_of("j1/result.json"), Some("j1"));
        assert_eq!(content_type_of("result.json"), "application/json");
        assert_eq!(content_type_of("a.thumb.png"), "image/png");
        assert!(is_valid_artifact_name("shot-1.thumb.png"));
        for bad in ["", ".hidden", "a/b", "..", "a b", "a%2f"] {
            assert!(!is_valid_artifact_name(bad), "{bad:?}");
        }
    }
}
