//! Credentials made by the station and verified offline against the trust
//! list and hotlist it synced from a real `central-sim`.

mod common;

use common::{Lab, OFFICE, cached_pass_ids, quick_sync};
use pass_credential::{Algorithm, Reason, Revocation, SigningKey, Warning};
use pass_station::Station;
use pass_station::ops;
use pass_station::ops::desk::{PrintOptions, Printer};
use time::{Duration, OffsetDateTime};

/// A station synced with central, and the first pass it holds.
async fn synced(items: u32) -> (Lab, Station, String) {
    let lab = Lab::start(items, true).await;
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let pass_id = cached_pass_ids(&station)[0].clone();
    (lab, station, pass_id)
}

fn reason(station: &Station, qr: &str, now: OffsetDateTime, port: Option<&str>) -> Result<(), Reason> {
    station.verifier().expect("verifier").verify_qr(qr, now, port).outcome
}

/// The QR of `pass_id`'s card, printed and read back from the PDF.
async fn printed(lab: &Lab, station: &mut Station, pass_id: &str) -> String {
    lab.print_card(station, pass_id).await
}

/// A moment inside the pass's validity.
fn during(station: &Station, pass_id: &str) -> OffsetDateTime {
    let item = station.store().item(pass_id).expect("read").expect("held").item;
    item.valid_from.with_hms(12, 0, 0).expect("noon").assume_utc()
}

#[tokio::test]
async fn a_printed_card_carries_a_credential_that_verifies_offline_and_a_preview_only_a_specimen() {
    let (mut lab, mut station, pass_id) = synced(20).await;
    lab.login("lab-clerk", &[pass_station::model::Role::Clerk]).await;
    let clerk = lab.session(&mut station);
    let preview = ops::desk::preview(&mut station, &clerk, &pass_id, false).expect("a preview");
    let specimen = pass_station::scan::credential_in_photo(&preview[1], "preview").expect("the preview's QR reads");
    assert!(specimen.starts_with(pass_credential::SPECIMEN_PREFIX), "{specimen}");
    let now = during(&station, &pass_id);
    assert_eq!(reason(&station, &specimen, now, None), Err(Reason::Specimen));

    let qr = printed(&lab, &mut station, &pass_id).await;
    assert!(qr.starts_with("PP2:"), "{qr}");

    let now = during(&station, &pass_id);
    let verdict = station.verifier().expect("verifier").verify_qr(&qr, now, Some(OFFICE));
    assert!(verdict.is_valid(), "{:?}", verdict.outcome);
    let claims = verdict.claims.expect("claims");
    assert_eq!(
        (claims.pass_id.as_str(), claims.issuer.as_str(), claims.print),
        (pass_id.as_str(), OFFICE, 1)
    );

    lab.stop_central();
    assert_eq!(
        reason(&station, &qr, now, Some(OFFICE)),
        Ok(()),
        "verification needs no network"
    );
}

#[tokio::test]
async fn each_check_of_the_pass_has_its_reason() {
    let (lab, mut station, pass_id) = synced(10).await;
    let qr = printed(&lab, &mut station, &pass_id).await;
    let item = station.store().item(&pass_id).expect("read").expect("held").item;
    let now = during(&station, &pass_id);

    let elsewhere = pass_central::model::PORTS
        .iter()
        .find(|p| !item.ports.iter().any(|c| c == p.code));
    let elsewhere = elsewhere.expect("a port the pass does not cover").code;
    assert_eq!(
        reason(&station, &qr, now, Some(elsewhere)),
        Err(Reason::NotValidAtThisPort)
    );

    let before = item.valid_from.midnight().assume_utc() - Duration::days(2);
    assert_eq!(reason(&station, &qr, before, Some(OFFICE)), Err(Reason::NotYetValid));
    let after = item.valid_to.midnight().assume_utc() + Duration::days(2);
    assert_eq!(reason(&station, &qr, after, Some(OFFICE)), Err(Reason::Expired));

    // One character changed in the signed text.
    let mut tampered: Vec<char> = qr.chars().collect();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    assert!(
        matches!(
            reason(&station, &tampered, now, None),
            Err(Reason::Malformed(_) | Reason::BadSignature)
        ),
        "a changed character is caught"
    );

    // Signed by a key central never certified.
    let stranger = SigningKey::generate(Algorithm::EdDsa).expect("key");
    let mut claims = pass_station::credentials::claims_for(&item, OFFICE, now, 1);
    claims.holder = "冒名者".to_owned();
    let forged = pass_credential::to_qr_text(&pass_credential::sign(&claims, &stranger).expect("sign"));
    assert_eq!(reason(&station, &forged, now, None), Err(Reason::UnknownSigner));
}

#[tokio::test]
async fn revocations_at_central_reach_the_gate_after_a_sync() {
    let (lab, mut station, pass_id) = synced(10).await;
    let qr = printed(&lab, &mut station, &pass_id).await;
    let other_pass = cached_pass_ids(&station)[1].clone();
    let other = printed(&lab, &mut station, &other_pass).await;
    let now = during(&station, &pass_id);

    lab.admin.revoke(&pass_id, "遺失 lost").await.expect("revoke");
    assert_eq!(
        reason(&station, &qr, now, None),
        Ok(()),
        "not known before the next sync"
    );
    let report = station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    assert_eq!(report.trust.hotlist_entries, 1);
    assert_eq!(
        reason(&station, &qr, now, None),
        Err(Reason::Revoked(Revocation::Revoked))
    );

    // A stolen station is shut out by one trust-list update.
    lab.admin
        .revoke_signer(&station.config().station_id)
        .await
        .expect("revoke signer");
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    assert_eq!(reason(&station, &other, now, None), Err(Reason::SignerRevoked));
}

#[tokio::test]
async fn an_old_hotlist_warns_and_a_station_that_never_synced_has_no_trust_list() {
    let (lab, mut station, pass_id) = synced(5).await;
    let qr = printed(&lab, &mut station, &pass_id).await;
    let fresh = station
        .verifier()
        .expect("verifier")
        .verify_qr(&qr, OffsetDateTime::now_utc(), None);
    assert!(
        fresh.warnings.is_empty(),
        "a hotlist fetched just now is fresh: {:?}",
        fresh.warnings
    );
    let later = OffsetDateTime::now_utc() + Duration::hours(25);
    let verdict = station.verifier().expect("verifier").verify_qr(&qr, later, None);
    assert!(
        verdict
            .warnings
            .iter()
            .any(|w| matches!(w, Warning::HotlistStale { .. })),
        "{:?}",
        verdict.warnings
    );

    let fresh = pass_station::StationHome::new(lab.path("fresh-station"));
    let code = lab.admin.enrolment_code(OFFICE).await.expect("code");
    let fingerprint = lab.admin.root_fingerprint().await.expect("the published fingerprint");
    fresh
        .enroll(&lab.url(), &code, "new station", &fingerprint)
        .await
        .expect("enrol");
    let new_station = Station::open(fresh).expect("open");
    let verdict = new_station
        .verifier()
        .expect("verifier")
        .verify_qr(&qr, OffsetDateTime::now_utc(), None);
    assert_eq!(verdict.outcome, Err(Reason::NoTrustList));
}

#[tokio::test]
async fn a_print_the_printer_failed_is_revoked_and_the_next_print_has_its_own_serial() {
    let (lab, mut station, pass_id) = synced(3).await;
    lab.login("lab-clerk", &[pass_station::model::Role::Clerk]).await;
    let session = lab.session(&mut station);
    // A "printer" that cannot take the card (a folder in the way of its file):
    // the job fails after its credential was signed.
    let jammed_dir = lab.path("jammed");
    let version = station
        .store()
        .item(&pass_id)
        .expect("read")
        .expect("held")
        .item
        .version;
    std::fs::create_dir_all(jammed_dir.join(format!("pass-{pass_id}-v{version}.pdf"))).expect("in the way");
    let jammed = Printer::new(pass_printer::PrintTarget::Folder(pass_printer::PdfFolder::new(
        jammed_dir,
    )));
    let outcome = ops::desk::print_batch(
        &mut station,
        &session,
        &jammed,
        std::slice::from_ref(&pass_id),
        PrintOptions::default(),
        &mut |_| {},
    )
    .await
    .expect("the batch runs");
    assert!(outcome[0].error.is_some(), "the printer fails");
    let record = station.store().item(&pass_id).expect("read").expect("held");
    assert_eq!(
        record.state,
        pass_station::model::CardState::Approved,
        "no card was marked printed"
    );

    let qr = printed(&lab, &mut station, &pass_id).await;
    let now = during(&station, &pass_id);
    let claims = station
        .verifier()
        .expect("verifier")
        .verify_qr(&qr, now, None)
        .claims
        .expect("claims");
    assert_eq!(claims.print, 2, "the second print of the version has its own serial");

    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let hotlist = station.verifier().expect("verifier").hotlist().clone();
    assert_eq!(
        hotlist.print_revocation(&pass_id, claims.version, 1),
        Some(Revocation::Spoiled),
        "the failed print is revoked"
    );
    assert_eq!(
        reason(&station, &qr, now, None),
        Ok(()),
        "the card that came out is not"
    );
}

/// An unsigned "cursor expired" (410) never costs the station its hotlist:
/// when central's signed list ends before the sequence held (central lost
/// entries), the held list and its revocations stay.
#[tokio::test]
async fn a_410_and_an_older_hotlist_never_lower_the_sequence_held() {
    let (lab, mut station, pass_id) = synced(5).await;
    let qr = printed(&lab, &mut station, &pass_id).await;
    let now = during(&station, &pass_id);
    lab.admin.revoke(&pass_id, "遺失 lost").await.expect("revoke");
    let other = cached_pass_ids(&station)[1].clone();
    lab.admin.revoke(&other, "遺失 lost").await.expect("revoke");
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let held = station.verifier().expect("verifier").hotlist().sequence();
    assert!(held >= 2, "two revocations held");

    // Central loses its newest hotlist entry: it has never given the sequence held.
    let central = rusqlite::Connection::open(lab.path("central.db")).expect("central's file");
    central
        .execute_batch(
            "DELETE FROM hotlist WHERE seq = (SELECT max(seq) FROM hotlist);
             UPDATE sqlite_sequence SET seq = seq - 1 WHERE name = 'hotlist';",
        )
        .expect("entries lost");
    let refused = station.sync(&quick_sync(100, 0), &mut |_| {}).await;
    let error = refused.expect_err("an older hotlist is not taken").to_string();
    assert!(error.contains("before the"), "{error}");
    let verifier = station.verifier().expect("verifier");
    assert_eq!(verifier.hotlist().sequence(), held, "the sequence never goes down");
    assert_eq!(
        reason(&station, &qr, now, None),
        Err(Reason::Revoked(Revocation::Revoked)),
        "what was revoked stays revoked"
    );
}
