//! Holds the production build to its promise: the station as it ships
//! (`pass-station --no-default-features --features gui`) and pass-central
//! without `sim` build none of the demo's and test lab's parts (central-sim's
//! server, virtual cards, the printer lab's QR reader), while the default
//! builds, which run the demo, do.

use std::collections::BTreeSet;
use std::process::Command;

/// The names of every crate in `package`'s normal dependency tree built with `features`.
fn dependency_names(package: &str, features: &[&str]) -> BTreeSet<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            package,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--locked",
            "--offline",
        ])
        .args(features)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// Asserts that `only_in_default` are all in the default build and none in the production one.
fn kept_out(package: &str, production: &[&str], only_in_default: &[&str], built_anyway: &str) {
    let shipped = dependency_names(package, production);
    assert!(
        shipped.contains(built_anyway),
        "{package} ships {built_anyway}: {shipped:?}"
    );
    let pulled: Vec<&&str> = only_in_default.iter().filter(|name| shipped.contains(**name)).collect();
    assert!(
        pulled.is_empty(),
        "{package} built {production:?} still pulls in {pulled:?}"
    );
    let default = dependency_names(package, &[]);
    let missing: Vec<&&str> = only_in_default
        .iter()
        .filter(|name| !default.contains(**name))
        .collect();
    assert!(
        missing.is_empty(),
        "{package}'s default build no longer needs {missing:?}: update this test"
    );
}

#[test]
fn central_without_sim_builds_no_simulator() {
    kept_out(
        "pass-central",
        &["--no-default-features"],
        // argon2 stays: stations compare holder ID hashes with it (`identity`).
        &["axum", "rusqlite", "jsonschema", "clap", "serde_norway"],
        "reqwest",
    );
}

#[test]
fn the_shipped_station_builds_no_demo_and_no_lab() {
    kept_out(
        "pass-station",
        &["--no-default-features", "--features", "gui"],
        &["axum", "pass-vcard", "serde_norway", "jsonschema"],
        "tauri",
    );
}
