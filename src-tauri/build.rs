//! Build script: only the desktop app needs one. With the `gui` feature on, it
//! runs `tauri_build`, which checks `tauri.conf.json` and the capabilities and
//! turns the app's command list into permissions, so the web view may call
//! exactly the commands a capability grants. It also checks that the web front
//! end is built, since the app embeds `ui/dist` and cannot start without it.
//! Without `gui` (the core and passctl alone) it does nothing.

/// The app's commands: each gets an `allow-…` permission, and the capability
/// in `capabilities/main.json` grants them to the main window. A command not
/// listed here cannot be called from the UI at all.
#[cfg(feature = "gui")]
const COMMANDS: &[&str] = &[
    "station_status",
    "setup_status",
    "setup_enroll",
    "chip_keys_status",
    "chip_keys_generate",
    "chip_keys_import",
    "chip_keys_export",
    "sync_now",
    "queue",
    "applications",
    "card_detail",
    "card_preview",
    "card_photo",
    "take_photo",
    "print_cards",
    "check_print_image",
    "check_print_read",
    "camera_watch",
    "camera_unwatch",
    "encode_card",
    "devices_list",
    "devices_choose",
    "devices_test_print",
    "devices_test_read",
    "backup_settings",
    "backup_schedule",
    "backup_now",
    "spoil_card",
    "resolve_scan",
    "first_screen_drawn",
    "pickups",
    "check_recipient",
    "hand_over",
    "sign_in",
    "sign_out",
    "current_user",
    "change_password",
    "demo_users",
    "release_card",
    "receive_stock",
    "office_day_report",
    "close_office_day",
    "recent_days",
    "export_office_day",
    "void_uncollected",
    "release_card_image",
    "refuse_release",
    "void_card",
    "reprint_card",
    "take_over_claim",
    "delegates",
    "delegate",
    "gate_start",
    "gate_stop",
    "gate_check_image",
    "gate_scan",
    "gate_preview",
    "gate_tap_demo_card",
    "gate_checks_today",
];

fn main() {
    #[cfg(feature = "gui")]
    gui();
}

#[cfg(feature = "gui")]
fn gui() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist/index.html");
    println!("cargo:rerun-if-changed={}", dist.display());
    if !dist.exists() {
        eprintln!(
            "error: the desktop app embeds the web front end, and {} is missing: \
             run `.ci/setup` (or `npm install && npm run build` in ui/), or build without the app: \
             `cargo build -p pass-station --no-default-features`",
            dist.display()
        );
        std::process::exit(1);
    }
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)).unwrap_or_else(|e| {
        eprintln!("error: tauri_build: {e:#}");
        std::process::exit(1);
    });
}
