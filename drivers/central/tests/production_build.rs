//! Holds the `sim` feature to its promise: pass-central without it (as a
//! station's production build takes it) pulls in none of the dependencies
//! only central-sim uses, and with it (the default) it does.

use std::collections::BTreeSet;
use std::process::Command;

/// Crates that only central-sim needs: none may be in a build without `sim`.
const SIM_ONLY: [&str; 6] = ["axum", "rusqlite", "argon2", "jsonschema", "clap", "serde_norway"];

/// The names of every crate in pass-central's normal dependency tree with `features`.
fn dependency_names(features: &[&str]) -> BTreeSet<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "pass-central",
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
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    text.lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn without_sim_no_simulator_dependency_is_built() {
    let production = dependency_names(&["--no-default-features"]);
    assert!(production.contains("reqwest"), "the client is built: {production:?}");
    let pulled: Vec<&str> = SIM_ONLY.into_iter().filter(|name| production.contains(*name)).collect();
    assert!(pulled.is_empty(), "built without sim but pulls in {pulled:?}");

    let with_sim = dependency_names(&["--features", "sim"]);
    let missing: Vec<&str> = SIM_ONLY.into_iter().filter(|name| !with_sim.contains(*name)).collect();
    assert!(
        missing.is_empty(),
        "central-sim no longer needs {missing:?}: update SIM_ONLY"
    );
}
