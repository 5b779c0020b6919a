//! The station as an office gets it: the `.deb` built as README.md says
//! (`cd ui && npm run package`), checked (the desktop app as `pass-station`
//! and the command-line tool as `passctl`, both the production build with no
//! demo, stripped; the run-time dependencies declared), installed with
//! `dpkg -i`, and the INSTALLED app set up from its set-up screen on an empty
//! home against a central-sim on loopback: a wrong code and a wrong
//! fingerprint are refused with what to do, the station enrols, an
//! administrator generates the office's chip keys and exports the gate set
//! (the passphrase typed twice), a clerk signs in, syncs, and the queue
//! shows the passes. The set-up screen is saved in zh-TW and English under
//! `target/package-screens/`.
//!
//! The AppImage is not built here: the Tauri bundler downloads its tools
//! (linuxdeploy, AppRun and linuxdeploy's GTK plugin) from GitHub, and no
//! package registry this project's machines reach carries them (README.md,
//! "Packages").
//!
//! It needs root (dpkg) and the desktop lab (.ci/setup); the release build
//! takes most of its time, once per clean target folder.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use pass_central::sim::{AdminClient, SimConfig, SimHandle};
use pass_station::model::Role;
use serde_json::json;

use common::desktop::{Session, TEXT_OF, open_app, screens_dir};
use common::{OFFICE, PASSWORD};

const INSTALLED_APP: &str = "/usr/bin/pass-station";
const INSTALLED_PASSCTL: &str = "/usr/bin/passctl";

/// Runs `program` with `args`, expecting success; gives its standard output.
fn run(program: impl AsRef<std::ffi::OsStr>, args: &[&str], dir: &Path) -> String {
    let program = program.as_ref().to_owned();
    let output = Command::new(&program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program:?} runs: {e}"));
    assert!(
        output.status.success(),
        "{program:?} {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The `.deb` the package build left in `target/shipped/bundle/deb/`.
fn built_deb(target: &Path) -> PathBuf {
    let folder = target.join("shipped/bundle/deb");
    let mut debs: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "deb"))
        .collect();
    assert_eq!(debs.len(), 1, "one .deb in {}: {debs:?}", folder.display());
    debs.remove(0)
}

/// Whether an ELF file has a section named `name` (a stripped binary has no
/// `.symtab` and no `.debug_*`), from its section header string table.
fn has_section(elf: &[u8], name: &str) -> bool {
    let word = |at: usize, size: usize| -> usize {
        let bytes = &elf[at..at + size];
        bytes.iter().rev().fold(0usize, |n, b| (n << 8) | usize::from(*b))
    };
    assert_eq!(&elf[..5], b"\x7fELF\x02", "a 64-bit ELF file");
    let (headers, entry_size, count, names_index) = (word(0x28, 8), word(0x3a, 2), word(0x3c, 2), word(0x3e, 2));
    let names_at = word(headers + names_index * entry_size + 0x18, 8);
    (0..count).any(|i| {
        let start = names_at + word(headers + i * entry_size, 4);
        let end = start + elf[start..].iter().position(|b| *b == 0).unwrap_or(0);
        &elf[start..end] == name.as_bytes()
    })
}

/// The shared libraries an ELF file names as needed (its `.dynstr` holds
/// them), by looking for `library` among its strings.
fn links(elf: &[u8], library: &str) -> bool {
    elf.windows(library.len()).any(|w| w == library.as_bytes())
}

/// Saves the screen as `name` once its last change is drawn.
async fn shot(app: &Session, name: &str) {
    app.drawn().await;
    app.screenshot(name).await;
}

/// Signs `username` in from the sign-in screen, with the lab's password.
async fn sign_in(app: &Session, username: &str) {
    app.appears("the sign-in screen", "[data-testid=signin-submit]").await;
    app.type_into("[data-testid=signin-username]", username).await;
    app.type_into("[data-testid=signin-password]", PASSWORD).await;
    app.click("[data-testid=signin-submit]").await;
    app.appears("the signed-in app", "[data-testid=signout]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_sets_up_its_first_station_from_the_package() {
    let started = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .to_owned();

    // The package, built as README.md says.
    let release = target.join("release/pass-station");
    let release_before = std::fs::metadata(&release).and_then(|m| m.modified()).ok();
    let _ = std::fs::remove_dir_all(target.join("shipped/bundle"));
    run("npm", &["run", "package"], &root.join("ui"));
    eprintln!("package built in {:?}", started.elapsed());
    assert_eq!(
        std::fs::metadata(&release).and_then(|m| m.modified()).ok(),
        release_before,
        "the package build leaves target/release/pass-station alone"
    );
    let deb = built_deb(&target);

    // What the .deb holds and needs.
    let listing = run("dpkg-deb", &["--contents", &deb.to_string_lossy()], &root);
    for file in ["usr/bin/pass-station", "usr/bin/passctl"] {
        assert!(
            listing
                .lines()
                .any(|line| line.ends_with(&format!(" {file}")) || line.ends_with(&format!("./{file}"))),
            "the .deb installs {file}:\n{listing}"
        );
    }
    let depends = run("dpkg-deb", &["--field", &deb.to_string_lossy(), "Depends"], &root);
    for needed in ["pcscd", "libpcsclite1", "fonts-noto-cjk", "libwebkit2gtk-4.1-0"] {
        assert!(depends.contains(needed), "the .deb depends on {needed}: {depends}");
    }
    let package = run("dpkg-deb", &["--field", &deb.to_string_lossy(), "Package"], &root);

    // Installed, the app is the desktop app and passctl the command-line tool, both as shipped.
    run("dpkg", &["--install", &deb.to_string_lossy()], &root);
    let app_binary = std::fs::read(INSTALLED_APP).expect("the installed app");
    let passctl_binary = std::fs::read(INSTALLED_PASSCTL).expect("the installed passctl");
    assert!(
        links(&app_binary, "libwebkit2gtk-4.1.so.0"),
        "pass-station is the WebKitGTK desktop app"
    );
    assert!(
        !links(&passctl_binary, "libwebkit2gtk"),
        "passctl needs no GUI libraries"
    );
    for (name, binary) in [("pass-station", &app_binary), ("passctl", &passctl_binary)] {
        for section in [".symtab", ".debug_line", ".debug_info"] {
            assert!(
                !has_section(binary, section),
                "the installed {name} is stripped, yet has {section}"
            );
        }
    }
    let here = Path::new("/");
    assert_eq!(run(INSTALLED_APP, &["--version"], here).trim(), "pass-station 0.1.0");
    assert!(run(INSTALLED_APP, &["--help"], here).contains("desktop app"));
    assert_eq!(run(INSTALLED_PASSCTL, &["--version"], here).trim(), "passctl 0.1.0");
    let passctl_help = run(INSTALLED_PASSCTL, &["--help"], here);
    assert!(
        passctl_help.contains("enroll") && passctl_help.contains("chip-keys"),
        "{passctl_help}"
    );
    assert!(
        !passctl_help.contains("\n  demo "),
        "the shipped passctl has no demo: {passctl_help}"
    );
    let demo = Command::new(INSTALLED_APP)
        .arg("--demo")
        .output()
        .expect("the app runs");
    assert!(!demo.status.success(), "the shipped app has no --demo");

    // A central on loopback, with its letter for the office: a code and the root key's fingerprint.
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let mut config = SimConfig::new(scratch.path().join("central.db"));
    config.generate = 60;
    config.office = OFFICE.to_owned();
    let sim = SimHandle::spawn(config).expect("central-sim starts on loopback");
    let admin = AdminClient::new(sim.url()).expect("admin client");
    for (username, role) in [("office-admin", Role::Admin), ("office-clerk", Role::Clerk)] {
        admin
            .create_user(username, username, &[role], OFFICE, PASSWORD)
            .await
            .expect("a user at central");
    }
    let code = sim.enrolment_code(OFFICE).expect("an enrolment code for the office");
    let fingerprint = sim.root_fingerprint();

    // The installed app on an empty home opens its set-up screen, in zh-TW first.
    let home = scratch.path().join("station");
    let screens = screens_dir("package-screens");
    let args = ["--home".to_owned(), home.to_string_lossy().into_owned()];
    let (app, _lab) = open_app(Path::new(INSTALLED_APP), &args, &[], scratch.path(), screens).await;
    app.appears("the set-up screen", "[data-testid=setup-enrol]").await;
    app.appears("the Chinese interface", "html[lang='zh-TW']").await;
    shot(&app, "00-setup-zh-TW").await;
    app.draws_chinese(&["h1", "[data-testid=setup-enrol-submit]"]).await;
    app.click(".setup .language").await;
    app.appears("the English interface", "html[lang='en']").await;
    shot(&app, "01-setup-en").await;

    // A wrong code, then a wrong fingerprint: refused, each saying what to do.
    let enrol = |code: String, fingerprint: String| {
        let app = &app;
        let url = sim.url().to_owned();
        async move {
            for (field, value) in [
                ("setup-central", url.as_str()),
                ("setup-code", code.as_str()),
                ("setup-fingerprint", fingerprint.as_str()),
                ("setup-name", "Desk 1"),
            ] {
                let css = format!("[data-testid={field}]");
                app.clear(&css).await;
                app.type_into(&css, value).await;
            }
            app.click("[data-testid=setup-enrol-submit]").await;
        }
    };
    let refusal = |code: &'static str| {
        let app = &app;
        async move {
            app.until(
                code,
                "const e = document.querySelector('[data-testid=setup-error]'); return e && e.dataset.code === arguments[0];",
                json!([code]),
            )
            .await;
        }
    };
    enrol("NOT-A-CODE".to_owned(), fingerprint.clone()).await;
    refusal("central.enrolment_code_unknown").await;
    shot(&app, "02-setup-wrong-code").await;
    enrol(code.clone(), "ab".repeat(32)).await;
    refusal("root_mismatch").await;
    app.appears("what to do about the spent code", "[data-testid=setup-new-code]")
        .await;
    assert!(
        home.join("station.json").metadata().is_err(),
        "a refused enrolment keeps nothing"
    );

    // The right letter enrols the station; an administrator signs in and generates the office's chip keys.
    // Central spent the code on the enrolment the station then refused: the office asks for a new one.
    let code = admin.enrolment_code(OFFICE).await.expect("a new enrolment code");
    enrol(code, fingerprint).await;
    app.appears("the enrolment", "[data-testid=setup-enrolled]").await;
    app.type_into("[data-testid=setup-username]", "office-admin").await;
    app.type_into("[data-testid=setup-password]", PASSWORD).await;
    app.click("[data-testid=setup-admin-submit]").await;
    app.appears("the chip keys step", "[data-testid=chip-keys-generate]")
        .await;
    shot(&app, "03-setup-chip-keys").await;
    app.click("[data-testid=chip-keys-generate]").await;
    app.appears("the keys held", "[data-testid=chip-keys-held][data-held=office]")
        .await;
    app.click("[data-testid=setup-keys-next]").await;
    app.appears("the devices step", "[data-testid=settings-devices]").await;
    shot(&app, "04-setup-devices").await;
    app.click("[data-testid=setup-finish]").await;

    // A clerk signs in; the first sync has filled the queue, and a sync from the sync screen reports.
    sign_in(&app, "office-clerk").await;
    app.until(
        "the queue's rows",
        "return document.querySelectorAll('[data-testid=queue-row]').length",
        json!([]),
    )
    .await;
    shot(&app, "05-queue").await;
    app.click("[data-testid=nav-sync]").await;
    app.click("[data-testid=sync-run]").await;
    app.until("the sync report", TEXT_OF, json!(["[data-testid=sync-report]"]))
        .await;
    app.click("[data-testid=signout]").await;

    // The administrator exports the gate set from Settings: the passphrase typed twice, and it must match.
    sign_in(&app, "office-admin").await;
    app.click("[data-testid=nav-settings]").await;
    app.appears("the chip keys export", "[data-testid=chip-keys-export]")
        .await;
    let export = scratch.path().join("gate-keys.json");
    app.click("[data-testid=chip-keys-export-gate]").await;
    app.clear("[data-testid=chip-keys-export-to]").await;
    app.type_into("[data-testid=chip-keys-export-to]", &export.to_string_lossy())
        .await;
    app.type_into("[data-testid=chip-keys-export-passphrase]", "harbour lights at dawn")
        .await;
    app.type_into("[data-testid=chip-keys-export-again]", "harbour lights at dusk")
        .await;
    app.click("[data-testid=chip-keys-export-submit]").await;
    app.until(
        "the mismatch",
        "const e = document.querySelector('[data-testid=chip-keys-error]'); return e && e.dataset.code === 'passphrases_differ';",
        json!([]),
    )
    .await;
    assert!(
        export.metadata().is_err(),
        "nothing is written while the passphrases differ"
    );
    app.clear("[data-testid=chip-keys-export-again]").await;
    app.type_into("[data-testid=chip-keys-export-again]", "harbour lights at dawn")
        .await;
    app.click("[data-testid=chip-keys-export-submit]").await;
    app.appears("the export", "[data-testid=chip-keys-exported]").await;
    shot(&app, "06-settings-chip-keys").await;
    use std::os::unix::fs::PermissionsExt as _;
    let mode = export.metadata().expect("the export is written").permissions().mode();
    assert_eq!(mode & 0o077, 0, "the export is readable by its owner only");

    // The installed passctl works on the station the app set up.
    let home_arg = home.to_string_lossy();
    let mut login = Command::new(INSTALLED_PASSCTL)
        .args([
            "--home",
            &home_arg,
            "login",
            "--user",
            "office-clerk",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("passctl runs");
    use std::io::Write as _;
    writeln!(login.stdin.take().expect("stdin"), "{PASSWORD}").expect("the password is sent");
    assert!(
        login.wait().expect("passctl login ends").success(),
        "the clerk signs in with passctl"
    );
    let queue = run(
        INSTALLED_PASSCTL,
        &["--home", &home_arg, "queue", "--limit", "5", "--json"],
        here,
    );
    assert!(
        queue.contains("pass_id"),
        "passctl reads the queue the app synced: {queue}"
    );

    app.http
        .delete(format!("{}/session/{}", app.base, app.id))
        .send()
        .await
        .expect("the session closes");
    run("dpkg", &["--remove", package.trim()], here);
    eprintln!("package test took {:?}", started.elapsed());
}
