//! How every service reaches Postgres, declared once and flattened into each service's
//! configuration: the URL and the files holding its password and TLS CA. The URL is
//! optional on the command line (the notifier runs without one); a service that needs
//! it refuses to start without it, naming the variable.

use std::path::PathBuf;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgSslMode};
use thiserror::Error;

/// Postgres settings.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// Postgres URL of the read models (`postgres://user@host:port/db`).
    #[arg(
        id = "database_url",
        long = "database-url",
        env = "JETCRAWL_DATABASE_URL",
        hide_env_values = true
    )]
    pub url: Option<String>,
    /// File holding the Postgres password (overrides one in the URL).
    #[arg(
        id = "database_password_file",
        long = "database-password-file",
        env = "JETCRAWL_DATABASE_PASSWORD_FILE"
    )]
    pub password_file: Option<PathBuf>,
    /// CA (PEM) of the Postgres server certificate; turns on `sslmode=verify-full`.
    #[arg(
        id = "database_tls_ca",
        long = "database-tls-ca",
        env = "JETCRAWL_DATABASE_TLS_CA"
    )]
    pub tls_ca: Option<PathBuf>,
}

/// Why the Postgres settings cannot be used.
#[derive(Debug, Error)]
pub enum DatabaseArgsError {
    /// No URL was given.
    #[error(
        "JETCRAWL_DATABASE_URL is not set; set it (or --database-url) to postgres://user@host:5432/jetcrawl"
    )]
    Missing,
    /// The URL does not parse; it is never echoed (it may hold a password).
    #[error("JETCRAWL_DATABASE_URL is not a valid postgres:// URL")]
    InvalidUrl(#[source] sqlx::Error),
    /// The password file cannot be read.
    #[error("cannot read the database password file {path}")]
    PasswordFile {
        /// The file named by JETCRAWL_DATABASE_PASSWORD_FILE.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl DatabaseArgs {
    /// `url` without a password file or TLS.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: Some(url.into()),
            password_file: None,
            tls_ca: None,
        }
    }

    /// Whether a URL was given.
    pub fn is_set(&self) -> bool {
        self.url.is_some()
    }

    /// The connect options: the URL, plus the password file and the CA when given.
    pub fn connect_options(&self) -> Result<PgConnectOptions, DatabaseArgsError> {
        let url = self.url.as_deref().ok_or(DatabaseArgsError::Missing)?;
        let mut options = PgConnectOptions::from_str(url).map_err(DatabaseArgsError::InvalidUrl)?;
        if let Some(path) = &self.password_file {
            let password = std::fs::read_to_string(path).map_err(|source| {
                DatabaseArgsError::PasswordFile {
                    path: path.display().to_string(),
                    source,
                }
            })?;
            options = options.password(password.trim_end_matches(['\r', '\n']));
        }
        if let Some(ca) = &self.tls_ca {
            options = options.ssl_mode(PgSslMode::VerifyFull).ssl_root_cert(ca);
        }
        Ok(options)
    }

    /// Host, port and database, for logs (never the password).
    pub fn describe(&self) -> String {
        let Some(url) = &self.url else {
            return "<JETCRAWL_DATABASE_URL not set>".to_owned();
        };
        match PgConnectOptions::from_str(url) {
            Ok(opts) => format!(
                "{}:{}/{}",
                opts.get_host(),
                opts.get_port(),
                opts.get_database().unwrap_or("")
            ),
            Err(_) => "<unparsable JETCRAWL_DATABASE_URL>".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_url_is_named_without_being_echoed() {
        let err = DatabaseArgs::new("postgres://u:hunter2@[bad")
            .connect_options()
            .expect_err("unparsable");
        let text = err.to_string();
        assert!(text.contains("JETCRAWL_DATABASE_URL"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn a_readable_password_file_is_taken_and_logs_show_no_secret() {
        let dir = std::env::temp_dir().join(format!("jetcrawl-db-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let file = dir.join("password");
        std::fs::write(&file, "s3cret\n").expect("written");
        let args = DatabaseArgs {
            password_file: Some(file),
            ..DatabaseArgs::new("postgres://app:old@127.0.0.1:5432/jetcrawl")
        };
        args.connect_options().expect("a readable password file");
        assert_eq!(args.describe(), "127.0.0.1:5432/jetcrawl");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_missing_url_names_the_variable() {
        let args = DatabaseArgs {
            url: None,
            ..DatabaseArgs::new("unused")
        };
        let err = args.connect_options().expect_err("no URL");
        assert!(
            err.to_string().contains("JETCRAWL_DATABASE_URL is not set"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_password_file_is_named() {
        let args = DatabaseArgs {
            password_file: Some("/nonexistent/jetcrawl-password".into()),
            ..DatabaseArgs::new("postgres://app@127.0.0.1/jetcrawl")
        };
        let err = args.connect_options().expect_err("missing file");
        assert!(
            err.to_string().contains("/nonexistent/jetcrawl-password"),
            "{err}"
        );
    }
}
