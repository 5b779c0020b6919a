//! Interoperability of the holder ID hash with argon2-cffi, which wraps the
//! reference Argon2 C code: what central-sim writes verifies there, and what
//! it writes verifies at a station. Needs `python3` with `pip install
//! argon2-cffi`; fails, never skips, without it.

use std::path::Path;
use std::process::Command;

use pass_central::identity::{HOLDER_HASH_FLOOR, IdDocument, hash_holder_id, is_holder};

/// Runs `holder_hash.py` with `args`: whether it succeeded, and its output.
fn holder_hash_py(args: &[&str]) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop/holder_hash.py");
    let output = Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}): install Python 3 and `pip install argon2-cffi`"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("missing Python module"),
        "the interop test needs argon2-cffi: run `pip install argon2-cffi`\n{stderr}"
    );
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
    )
}

fn documents() -> [IdDocument; 3] {
    [
        IdDocument::NationalId {
            number: "A123456789".into(),
        },
        IdDocument::ResidentCertificate {
            number: "AC01234567".into(),
        },
        IdDocument::Passport {
            country: "PHL".into(),
            number: "P1234567A".into(),
        },
    ]
}

#[test]
fn argon2_cffi_verifies_the_hashes_central_writes() {
    let params = argon2::Params::new(HOLDER_HASH_FLOOR.0, HOLDER_HASH_FLOOR.1, 1, None).expect("params");
    for document in documents() {
        let phc = hash_holder_id(&document, b"a salt of 16 b..", params.clone()).expect("a hash");
        let (matches, _) = holder_hash_py(&["verify", &phc, &document.canonical()]);
        assert!(matches, "argon2-cffi verifies {document:?}");
        let (matches, _) = holder_hash_py(&["verify", &phc, "TWID:A123456780"]);
        assert!(!matches, "and refuses another number");
    }
}

#[test]
fn a_station_verifies_the_hashes_argon2_cffi_writes() {
    for document in documents() {
        let (made, phc) = holder_hash_py(&["make", &document.canonical()]);
        assert!(made && phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert_eq!(is_holder(&phc, &document), Ok(true), "{document:?}");
        let other = IdDocument::NationalId {
            number: "B123456780".into(),
        };
        assert_eq!(is_holder(&phc, &other), Ok(false));
    }
}
