//! NATS and Postgres: the compose copy of the NATS config keeps the JetStream settings of
//! infra/nats/single.conf, durability first (ADR 29), and both stores are probed and
//! reached where they listen.

use std::collections::BTreeMap;

use crate::compose::file::{
    compose_dir, environment, load, mounts, port_of, probe, read, service, strings,
};

/// `key: value` settings of a nats-server config, `block.key` inside a block.
fn parse_conf(text: &str) -> BTreeMap<String, String> {
    let mut settings = BTreeMap::new();
    let mut blocks: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if let Some(block) = line.strip_suffix('{') {
            blocks.push(block.trim().to_owned());
        } else if line == "}" {
            blocks.pop();
        } else if let Some((key, value)) = line.split_once(':') {
            let mut path = blocks.clone();
            path.push(key.trim().to_owned());
            settings.insert(path.join("."), value.trim().trim_matches('"').to_owned());
        }
    }
    settings
}

#[test]
fn nats_keeps_the_durability_of_single_conf() {
    let compose = load();
    let nats = service(&compose, "nats");
    let command = strings(&nats["command"]);
    let config = command
        .windows(2)
        .find(|w| w[0] == "--config")
        .map(|w| w[1])
        .expect("nats-server --config");
    let mounted = mounts(nats)
        .into_iter()
        .find(|m| m.target == config)
        .expect("the config file is mounted");
    let ours = parse_conf(&std::fs::read_to_string(compose_dir().join(&mounted.source)).unwrap());
    let single = parse_conf(&read("infra/nats/single.conf"));
    assert_eq!(ours["jetstream.sync_interval"], "always", "ADR 29");
    for (key, value) in &single {
        if !["listen", "http", "jetstream.store_dir"].contains(&key.as_str()) {
            assert_eq!(ours.get(key), Some(value), "{key} differs from single.conf");
        }
    }
    let store = &ours["jetstream.store_dir"];
    assert!(
        mounts(nats)
            .iter()
            .any(|m| m.named && store.starts_with(&format!("{}/", m.target))),
        "the JetStream store {store} is not on a volume"
    );
    let health = probe(nats);
    assert_eq!(health.port, port_of(&ours["http"]), "monitoring port");
    assert_eq!(health.path, "/healthz?js-enabled-only=true");
    assert!(
        ours["listen"].starts_with("0.0.0.0:"),
        "reachable by the services"
    );
    let url = &environment(service(&compose, "admin"))["JETCRAWL_NATS_URL"];
    assert_eq!(port_of(url), port_of(&ours["listen"]), "JETCRAWL_NATS_URL");
}

/// The image runs the nats-server minor version the tests and `jetcrawl up` run
/// (scripts/setup.sh): 2.11+ and 2.12+ features are used (single.conf).
#[test]
fn nats_is_the_version_the_tests_run() {
    let setup = read("scripts/setup.sh");
    let pinned = setup
        .lines()
        .find_map(|l| l.strip_prefix("NATS_VERSION="))
        .expect("NATS_VERSION in scripts/setup.sh");
    let minor = pinned.rsplit_once('.').expect("x.y.z").0;
    let image = service(&load(), "nats")["image"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        image,
        format!("nats:{minor}-alpine"),
        "wget for the health check"
    );
}

/// The role, database and port the services connect with are those Postgres creates and
/// its health check asks; the password is the secret the services read.
#[test]
fn postgres_serves_what_the_services_connect_to() {
    let compose = load();
    let postgres = service(&compose, "postgres");
    let env = environment(postgres);
    let url = &environment(service(&compose, "admin"))["JETCRAWL_DATABASE_URL"];
    let (_, rest) = url.split_once("://").expect("a URL");
    let (authority, database) = rest.split_once('/').expect("a database");
    let (user, host) = authority.split_once('@').expect("a role");
    assert_eq!(env["POSTGRES_USER"], user);
    assert_eq!(env["POSTGRES_DB"], database);
    assert!(host.starts_with("postgres:"), "{url}");
    let test = strings(&postgres["healthcheck"]["test"]);
    let flag = |f: &str| test.windows(2).find(|w| w[0] == f).map(|w| w[1]);
    assert_eq!(test.get(1), Some(&"pg_isready"));
    assert_eq!(flag("-U"), Some(user));
    assert_eq!(flag("-d"), Some(database));
    assert_eq!(
        flag("-p").map(str::to_owned),
        Some(port_of(host).to_string())
    );
    let secret =
        crate::compose::file::secret_mounts(postgres)[&env["POSTGRES_PASSWORD_FILE"]].clone();
    let services_secret = crate::compose::file::secret_mounts(service(&compose, "admin"))
        [&environment(service(&compose, "admin"))["JETCRAWL_DATABASE_PASSWORD_FILE"]]
        .clone();
    assert_eq!(
        secret, services_secret,
        "one password for Postgres and its clients"
    );
}
