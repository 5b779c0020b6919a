//! Credentials made by the station and verified offline against the trust
//! list and hotlist it synced from a real `central-sim`.

mod common;

use common::{Lab, OFFICE, cached_pass_ids, quick_sync};
use pass_credential::{Algorithm, Reason, SigningKey, Warning};
use pass_station::Station;
use time::{Duration, OffsetDateTime};

/// A station synced with central, and the first pass it holds.
async fn synced(items: u32) -> (Lab, Station, String) {
    let lab = Lab::start(items, false).await;
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let pass_id = cached_pass_ids(&station)[0].clone();
    (lab, station, pass_id)
}

fn reason(station: &Station, qr: &str, now: OffsetDateTime, port: Option<&str>) -> Result<(), Reason> {
    station.verifier().expect("verifier").verify_qr(qr, now, port).outcome
}

/// A moment inside the pass's validity.
fn during(station: &Station, pass_id: &str) -> OffsetDateTime {
    let item = station.store().item(pass_id).expect("read").expect("held").item;
    item.valid_from.with_hms(12, 0, 0).expect("noon").assume_utc()
}

#[tokio::test]
async fn a_synced_pass_gets_one_credential_that_verifies_offline() {
    let (mut lab, station, pass_id) = synced(20).await;
    let qr = station.qr_credential(&pass_id).expect("signed");
    assert!(qr.starts_with("PP1:"), "{qr}");
    assert_eq!(
        station.qr_credential(&pass_id).expect("again"),
        qr,
        "one credential per pass version"
    );

    let now = during(&station, &pass_id);
    let verdict = station.verifier().expect("verifier").verify_qr(&qr, now, Some(OFFICE));
    assert!(verdict.is_valid(), "{:?}", verdict.outcome);
    let claims = verdict.claims.expect("claims");
    assert_eq!(
        (claims.pass_id.as_str(), claims.issuer.as_str()),
        (pass_id.as_str(), OFFICE)
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
    let (_lab, station, pass_id) = synced(10).await;
    let qr = station.qr_credential(&pass_id).expect("signed");
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
    let mut claims = pass_station::credentials::claims_for(&item, OFFICE, now);
    claims.holder = "冒名者".to_owned();
    let forged = pass_credential::to_qr_text(&pass_credential::sign(&claims, &stranger).expect("sign"));
    assert_eq!(reason(&station, &forged, now, None), Err(Reason::UnknownSigner));
}

#[tokio::test]
async fn revocations_at_central_reach_the_gate_after_a_sync() {
    let (lab, mut station, pass_id) = synced(10).await;
    let qr = station.qr_credential(&pass_id).expect("signed");
    let now = during(&station, &pass_id);

    lab.admin.revoke(&pass_id, "遺失 lost").await.expect("revoke");
    assert_eq!(
        reason(&station, &qr, now, None),
        Ok(()),
        "not known before the next sync"
    );
    let report = station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    assert_eq!(report.trust.hotlist_entries, 1);
    assert_eq!(reason(&station, &qr, now, None), Err(Reason::PassRevoked));

    // A stolen station is shut out by one trust-list update.
    let other = station.qr_credential(&cached_pass_ids(&station)[1]).expect("signed");
    lab.admin
        .revoke_signer(&station.config().station_id)
        .await
        .expect("revoke signer");
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    assert_eq!(reason(&station, &other, now, None), Err(Reason::SignerRevoked));
}

#[tokio::test]
async fn an_old_hotlist_warns_and_a_station_that_never_synced_has_no_trust_list() {
    let (lab, station, pass_id) = synced(5).await;
    let qr = station.qr_credential(&pass_id).expect("signed");
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
    fresh.enroll(&lab.url(), &code, "new station").await.expect("enrol");
    let new_station = Station::open(fresh).expect("open");
    let verdict = new_station
        .verifier()
        .expect("verifier")
        .verify_qr(&qr, OffsetDateTime::now_utc(), None);
    assert_eq!(verdict.outcome, Err(Reason::NoTrustList));
}

#[tokio::test]
async fn a_new_pass_version_gets_a_new_credential() {
    let (lab, mut station, _) = synced(3).await;
    let edited = lab.admin.edit_many(1, OFFICE).await.expect("edit");
    let before = station.qr_credential(&edited[0]).expect("signed");
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let after = station.qr_credential(&edited[0]).expect("signed");
    assert_ne!(before, after);
    let now = during(&station, &edited[0]);
    let claims = station
        .verifier()
        .expect("verifier")
        .verify_qr(&after, now, None)
        .claims
        .expect("claims");
    assert_eq!(claims.version, 2);
}
