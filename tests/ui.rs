//! The web front end's own checks, run with the rest of the workspace's
//! tests so that one `cargo test` covers the whole station: Vitest's unit
//! tests (catalogues, dates, duties, the gate's verdict handling, contrast)
//! and svelte-check's type check of every screen. They need `ui/node_modules`,
//! which `.ci/setup` installs.

use std::path::Path;
use std::process::Command;

fn npm(script: &str) {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui");
    assert!(
        ui.join("node_modules").is_dir(),
        "ui/node_modules is missing: run .ci/setup (or `npm install` in ui/)"
    );
    let output = Command::new("npm")
        .args(["run", script, "--silent"])
        .current_dir(&ui)
        .env("CI", "1")
        .output()
        .expect("npm runs (Node.js and npm are installed by .ci/setup)");
    assert!(
        output.status.success(),
        "npm run {script} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn vitest_unit_tests_pass() {
    npm("test");
}

#[test]
fn every_screen_type_checks() {
    npm("check");
}
