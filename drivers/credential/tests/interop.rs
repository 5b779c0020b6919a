//! Interoperability with an independent COSE implementation (pycose, cbor2, base45):
//! credentials this crate signs verify there, and credentials pycose signs verify here.
//! Needs `python3` with `pip install pycose 'cbor2<6' base45` (pycose 1.1 cannot decode with
//! cbor2 6); fails, never skips, without them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Authority, CARD_UID, NOW, OFFICE, chip_claims, claims, worst_case_claims};
use pass_credential::{Algorithm, PassClaims, PassKind, Reason, to_qr_text};

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop").join(name)
}

/// Runs a script with `python3`; its stdout, or the reason it failed.
fn python(args: &[&std::ffi::OsStr]) -> Result<String, String> {
    let output = Command::new("python3")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}): install Python 3, then {PIP_INSTALL}"));
    if output.status.success() {
        Ok(String::from_utf8(output.stdout).expect("UTF-8 output"))
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

const PIP_INSTALL: &str = "pip install pycose 'cbor2<6' base45";

fn require_python_modules() {
    let check =
        "import pycose, cbor2, base45, importlib.metadata as m; assert int(m.version('cbor2').split('.')[0]) < 6";
    if let Err(error) = python(&["-c".as_ref(), check.as_ref()]) {
        panic!("the interop tests need pycose, cbor2 below 6 and base45: run `{PIP_INSTALL}`\n{error}");
    }
}

/// The claims in the JSON shape both scripts use: `cti` is
/// `"<pass_id>#<version>#<print>"` on the wire, three fields here.
fn claims_json(claims: &PassClaims) -> serde_json::Value {
    let mut json = serde_json::json!({
        "iss": claims.issuer,
        "exp": claims.valid_to.unix_timestamp(),
        "nbf": claims.valid_from.unix_timestamp(),
        "iat": claims.issued_at.unix_timestamp(),
        "pass_id": claims.pass_id,
        "version": claims.version,
        "print": claims.print,
        "kind": claims.kind as u8,
        "holder": claims.holder,
        "company_tax_id": claims.company_tax_id,
        "ports": claims.ports,
    });
    if let Some(uid) = &claims.card_uid {
        json["card_uid"] = hex::encode(uid).into();
    }
    json
}

#[test]
fn pycose_verifies_what_this_crate_signs() {
    require_python_modules();
    let dir = tempfile::tempdir().expect("temp dir");
    for (algorithm, cose_alg) in [(Algorithm::EdDsa, -8), (Algorithm::Es256, -7)] {
        let authority = Authority::new(algorithm);
        let public = authority.station.public();
        let jwk = dir.path().join("station.jwk");
        let cose_key = dir.path().join("station.cose_key");
        std::fs::write(&jwk, public.to_jwk().to_string()).expect("write JWK");
        std::fs::write(&cose_key, public.to_cose_key().expect("COSE_Key")).expect("write COSE_Key");

        let odd_number = PassClaims {
            pass_id: "KEL-2026#7".into(),
            print: 2,
            ..claims(PassKind::Person)
        };
        for claims in [claims(PassKind::Vehicle), worst_case_claims(), odd_number] {
            let qr = to_qr_text(&authority.credential(&claims));
            for key_file in [&jwk, &cose_key] {
                let printed = python(&[
                    script("verify_cose.py").as_os_str(),
                    qr.as_ref(),
                    key_file.as_os_str(),
                    OFFICE.as_ref(),
                ])
                .unwrap_or_else(|e| panic!("{algorithm:?}, {}: pycose refused: {e}", key_file.display()));
                let printed: serde_json::Value = serde_json::from_str(&printed).expect("JSON");
                assert_eq!(printed["claims"], claims_json(&claims), "{algorithm:?}");
                assert_eq!(printed["header"]["alg"], cose_alg);
                assert_eq!(printed["header"]["kid"], public.kid().to_string());
            }
        }

        let stranger = Authority::new(algorithm).station.public();
        std::fs::write(&jwk, stranger.to_jwk().to_string()).expect("write JWK");
        let qr = to_qr_text(&authority.credential(&claims(PassKind::Person)));
        let refused = python(&[
            script("verify_cose.py").as_os_str(),
            qr.as_ref(),
            jwk.as_os_str(),
            OFFICE.as_ref(),
        ]);
        assert!(
            refused.is_err_and(|e| e.contains("does not verify")),
            "pycose accepted another station's key"
        );
    }
}

#[test]
fn this_crate_verifies_what_pycose_signs() {
    require_python_modules();
    let dir = tempfile::tempdir().expect("temp dir");
    let authority = Authority::new(Algorithm::EdDsa);
    let verifier = authority.verifier();
    let key_pem = dir.path().join("station.pem");
    std::fs::write(&key_pem, authority.station.to_pkcs8_pem().expect("PEM").as_bytes()).expect("write key");

    // Prints past the first, and a pass number holding the cti's separator.
    let reprint = PassClaims {
        print: 3,
        ..claims(PassKind::TemporaryPerson)
    };
    let odd_number = PassClaims {
        pass_id: "KEL-2026#7".into(),
        print: 2,
        ..chip_claims(PassKind::Vehicle)
    };
    // A card printed before PP2: (claims of format 1, zlib) verifies while it is valid,
    // and only for the office its key is certified for.
    let older_card = claims(PassKind::Person);
    let elsewhere = PassClaims {
        issuer: "TWKHH".into(),
        ..claims(PassKind::Person)
    };
    for (claims, format1) in [
        (reprint, false),
        (odd_number, false),
        (older_card, true),
        (elsewhere, true),
    ] {
        let claims_file = dir.path().join("claims.json");
        std::fs::write(&claims_file, claims_json(&claims).to_string()).expect("write claims");
        let mut args = vec![
            script("make_cose.py").into_os_string(),
            claims_file.into(),
            key_pem.clone().into(),
        ];
        let on_chip = claims.card_uid.is_some();
        if on_chip {
            args.push("--chip".into());
        }
        if format1 {
            args.push("--format1".into());
        }
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|arg| arg.as_os_str()).collect();
        let made = python(&args).unwrap_or_else(|e| panic!("make_cose.py failed: {e}"));
        let made = made.trim();
        assert!(
            made.starts_with(if format1 { "PP1:" } else { "PP2:" }) || on_chip,
            "{made}"
        );

        let verdict = if on_chip {
            verifier.verify_chip(&hex::decode(made).expect("hex"), &CARD_UID, None, NOW, Some(OFFICE))
        } else {
            verifier.verify_qr(made, NOW, Some(OFFICE))
        };
        if claims.issuer == OFFICE {
            assert_eq!(verdict.outcome, Ok(()), "pycose credential (chip: {on_chip}) refused");
            assert_eq!(verdict.claims, Some(claims));
        } else {
            assert_eq!(verdict.outcome, Err(Reason::UnknownSigner), "issued for another office");
        }
    }
}

#[test]
fn pycose_verifies_a_pick_up_code_only_as_a_pick_up_code() {
    require_python_modules();
    let dir = tempfile::tempdir().expect("temp dir");
    let key = pass_credential::SigningKey::generate(Algorithm::EdDsa).expect("central's pick-up key");
    let cose_key = dir.path().join("pickup.cose_key");
    std::fs::write(&cose_key, key.public().to_cose_key().expect("COSE_Key")).expect("write COSE_Key");
    let code = pass_credential::PickupCode {
        code_id: [0xA5; 16],
        office: OFFICE.into(),
        pass_id: "KEL-2026-000042".into(),
        version: 3,
        delegate: "林小美".into(),
        company_tax_id: "22099131".into(),
        issued_at: NOW,
        expires_at: NOW + time::Duration::days(30),
    };
    let text = code.sign(&key).expect("signed");
    let verify = |extra: &[&str]| {
        let mut args = vec![
            script("verify_pickup.py").into_os_string(),
            text.clone().into(),
            cose_key.clone().into(),
        ];
        args.extend(extra.iter().map(|a| (*a).into()));
        python(&args.iter().map(|a| a.as_os_str()).collect::<Vec<_>>())
    };
    let printed: serde_json::Value =
        serde_json::from_str(&verify(&[]).expect("pycose verifies the code")).expect("JSON");
    assert_eq!(
        printed,
        serde_json::json!({
            "code_id": "a5".repeat(16), "office": OFFICE, "pass_id": "KEL-2026-000042", "version": 3,
            "delegate": "林小美", "company_tax_id": "22099131",
            "issued_at": NOW.unix_timestamp(), "expires_at": (NOW + time::Duration::days(30)).unix_timestamp(),
        })
    );
    assert!(
        verify(&["--no-aad"]).is_err_and(|e| e.contains("does not verify")),
        "without its purpose bound in, the signature is not a credential's"
    );
}
