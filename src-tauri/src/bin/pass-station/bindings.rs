//! The UI's contract: the TypeScript declarations of every type a command
//! answers with or an event carries, generated from these Rust types into
//! `ui/src/lib/bindings.ts`, which is checked in.
//!
//! Why generated: a hand-copied type drifts (the sync screen once lost the
//! withdrawn cards to pull because its copy had no field for them). The test
//! below fails when the checked-in file is not what the code generates, and
//! says how to regenerate it. Not for: the commands' names and arguments,
//! which `ui/src/lib/api.ts` wraps by hand, one line each.

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};

use pass_station::error::{Code, ErrorClass};
use ts_rs::{Config, TS, TypeVisitor};

/// The generated file, from the command's answers and the events' payloads.
pub fn declarations() -> String {
    let mut collected = Collect {
        config: Config::new().with_large_int("number"),
        declarations: BTreeMap::new(),
        seen: HashSet::new(),
    };
    roots(&mut collected);
    let mut out = String::from(
        "// Generated from the Rust types by `cargo test -p pass-station --bin pass-station bindings`\n\
         // with UPDATE_BINDINGS=1; do not edit. See src-tauri/src/bin/pass-station/bindings.rs.\n\n",
    );
    let union = |names: Vec<&str>| names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(" | ");
    collected.declarations.insert(
        "ErrorClass".to_owned(),
        format!(
            "type ErrorClass = {};",
            union(ErrorClass::ALL.iter().map(|c| c.name()).collect())
        ),
    );
    collected.declarations.insert(
        "ErrorCode".to_owned(),
        format!(
            "type ErrorCode = {};",
            union(Code::ALL.iter().map(|c| c.as_str()).collect())
        ),
    );
    for declaration in collected.declarations.values() {
        out.push_str("export ");
        out.push_str(declaration);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// Every type the UI receives; their dependencies follow by themselves.
fn roots(visitor: &mut Collect) {
    use pass_station::ops::{desk, devices, gate, office, people};
    visitor.visit::<crate::commands::StationStatus>();
    visitor.visit::<crate::commands::GateInfo>();
    visitor.visit::<crate::commands::GateMessage>();
    visitor.visit::<crate::commands::CameraInfo>();
    visitor.visit::<crate::camera::CameraState>();
    visitor.visit::<crate::camera::CameraRead>();
    visitor.visit::<crate::state::DeviceState>();
    crate::events::visit_payloads(visitor);
    visitor.visit::<people::SignedIn>();
    visitor.visit::<people::DemoUser>();
    visitor.visit::<pass_station::store::QueueRow>();
    visitor.visit::<pass_station::ops::desk::QueuePage>();
    visitor.visit::<pass_station::store::ApplicationRow>();
    visitor.visit::<desk::CardView>();
    visitor.visit::<desk::PrintOutcome>();
    visitor.visit::<desk::PhotoTaken>();
    visitor.visit::<desk::PhotoSave>();
    visitor.visit::<desk::EncodeResult>();
    visitor.visit::<devices::EncodeStep>();
    visitor.visit::<devices::DevicesView>();
    visitor.visit::<devices::TestPrintView>();
    visitor.visit::<devices::TestReadView>();
    visitor.visit::<pass_station::ops::backup::BackupSettingsView>();
    visitor.visit::<pass_station::printing::PrintCheck>();
    visitor.visit::<pass_station::ops::Retired>();
    visitor.visit::<pass_station::workflow::Waiting>();
    visitor.visit::<pass_station::workflow::Released>();
    visitor.visit::<pass_station::workflow::Reprinted>();
    visitor.visit::<pass_station::store::Recipient>();
    visitor.visit::<pass_station::workflow::HandedOver>();
    visitor.visit::<desk::HandOver>();
    visitor.visit::<desk::RecipientCheck>();
    visitor.visit::<pass_station::office_day::DayView>();
    visitor.visit::<pass_station::office_day::DayFigures>();
    visitor.visit::<pass_station::store::StockReceipt>();
    visitor.visit::<pass_station::ops::supervisor::DayExport>();
    visitor.visit::<pass_station::store::Delegation>();
    visitor.visit::<pass_station::store::Colleague>();
    visitor.visit::<pass_station::store::Check>();
    visitor.visit::<office::SyncView>();
    visitor.visit::<office::SetupStatus>();
    visitor.visit::<crate::commands::ChipKeysSettings>();
    visitor.visit::<gate::GateEventView>();
    visitor.visit::<pass_station::error::ErrorView>();
}

/// Gathers the declaration of each type visited and of everything it uses.
struct Collect {
    config: Config,
    declarations: BTreeMap<String, String>,
    /// Every type visited, so a type that contains itself (JSON) is visited once.
    seen: HashSet<TypeId>,
}

impl TypeVisitor for Collect {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        // Primitives and containers have no declaration of their own; what they hold does.
        if T::output_path().is_some() {
            self.declarations.insert(T::ident(&self.config), T::decl(&self.config));
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn bindings_ts_is_what_the_rust_types_generate() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
        let generated = super::declarations();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &generated).expect("write bindings.ts");
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == generated,
            "ui/src/lib/bindings.ts is not what the Rust types generate; run \
             `UPDATE_BINDINGS=1 cargo test -p pass-station --bin pass-station bindings` and commit the file"
        );
    }
}
