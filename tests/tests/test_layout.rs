//! Every test file compiles (ADR 51): a crate's integration tests are one binary whose
//! `tests/main.rs` names each file and directory beside it as a module, so a file left
//! out of it would silently never run. A crate with one test file may keep it alone.

use std::path::{Path, PathBuf};

use jetcrawl_tests::workspace_root;

/// The members listed in the workspace's `Cargo.toml`.
fn members(root: &Path) -> Vec<PathBuf> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    let members = manifest
        .split("members = [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("a members list");
    members
        .split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .map(|m| root.join(m))
        .collect()
}

/// The module names of a `tests/` directory: its `.rs` files and its directories.
fn test_modules(tests: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(tests) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir() || path.extension().is_some_and(|e| e == "rs"))
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_owned()))
        .filter(|name| name != "main")
        .collect();
    names.sort();
    names
}

#[test]
fn every_test_file_is_a_module_of_its_crates_one_test_binary() {
    let root = workspace_root();
    let mut checked = 0;
    for member in members(&root) {
        let tests = member.join("tests");
        let modules = test_modules(&tests);
        let main = tests.join("main.rs");
        if !main.exists() {
            assert!(
                modules.len() <= 1,
                "{} has {} test files and no tests/main.rs: declare them as modules of \
                 one `integration` test target (ADR 51)",
                member.display(),
                modules.len()
            );
            continue;
        }
        let declared = std::fs::read_to_string(&main).expect("tests/main.rs");
        for module in &modules {
            assert!(
                declared
                    .lines()
                    .any(|line| line == format!("mod {module};")),
                "{} is never compiled: add `mod {module};` to {}",
                tests.join(module).display(),
                main.display()
            );
        }
        let manifest = std::fs::read_to_string(member.join("Cargo.toml")).expect("Cargo.toml");
        assert!(
            manifest.contains("autotests = false") && manifest.contains("path = \"tests/main.rs\""),
            "{}: tests/main.rs needs `autotests = false` and a [[test]] target pointing at it",
            member.display()
        );
        checked += modules.len();
    }
    assert!(
        checked > 50,
        "only {checked} test modules found under {}",
        root.display()
    );
}
