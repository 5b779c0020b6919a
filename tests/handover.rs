//! Who may take a released card at the counter, against a real central-sim
//! on loopback and a real SQLite cache: the holder with their own ID
//! document (central's Argon2id hash), the company's delegate with the
//! card's pick-up code (issued by central at release, checked offline, good
//! once), and anyone else only with a supervisor's approval and reason.

mod common;

use common::{Lab, PASSWORD, quick_sync, synced_office};
use pass_central::identity::IdDocument;
use pass_central::sim::admin::Notification;
use pass_credential::{Algorithm, PickupCode, PickupError, SigningKey};
use pass_station::auth::{AuthError, Session};
use pass_station::entitlement::{Entitlement, PickupRefusal};
use pass_station::model::{CardState, Role};
use pass_station::ops;
use pass_station::ops::desk::{HandOver, RecipientCheck, SupervisorApproval};
use pass_station::ops::devices::PrintedQr;
use pass_station::{Station, StationError};
use pass_vcard::{CardMemory, Cipher, VirtualCard};

const CLERK: &str = "clerk";
const BOSS: &str = "boss";
const WRITER: &str = "writer";

async fn sign_in(station: &mut Station, username: &str) -> Session {
    station.sign_in(username, PASSWORD).await.expect("sign-in")
}

/// Makes each card and releases it: printed and checked, its chip written
/// by one supervisor and released by another.
async fn release(lab: &Lab, station: &mut Station, ids: &[String]) {
    for (n, pass_id) in ids.iter().enumerate() {
        let qr = lab.print_card(station, pass_id).await;
        let clerk = sign_in(station, CLERK).await;
        assert!(
            ops::desk::check_print(station, &clerk, pass_id, PrintedQr::Text(qr.clone()))
                .expect("check")
                .matches
        );
        let mut chip = VirtualCard::new(CardMemory::blank([0x04, 0x48, 0, 0, 0, 0, n as u8 + 1], Cipher::Aes));
        ops::desk::encode(station, &clerk, pass_id, &mut chip, &mut |_| {}).expect("encode");
        let boss = sign_in(station, BOSS).await;
        ops::supervisor::release(station, &boss, pass_id, PrintedQr::Text(qr), &mut chip).expect("release");
    }
}

fn to(pass_id: &str, name: &str, document: IdDocument, codes: &[&str]) -> HandOver {
    HandOver {
        pass_ids: vec![pass_id.to_owned()],
        name: name.to_owned(),
        company: "長榮海運".to_owned(),
        document,
        pickup_codes: codes.iter().map(|c| (*c).to_owned()).collect(),
        approval: None,
    }
}

fn stranger() -> IdDocument {
    IdDocument::NationalId {
        number: "F128456793".to_owned(),
    }
}

/// The pick-up code central sent for `pass_id`, by SMS.
fn code_for<'a>(sent: &'a [Notification], pass_id: &str) -> &'a Notification {
    sent.iter()
        .find(|n| n.pass_id.as_deref() == Some(pass_id) && n.channel == "sms")
        .expect("central sent the card's pick-up code")
}

fn delegate_of(station: &Station, code: &str) -> String {
    let verifier = station.verifier().expect("the cached trust list");
    let trust = verifier.trust_list().expect("a trust list");
    PickupCode::verify(code, trust, station.now())
        .expect("a good code")
        .delegate
}

fn audit_detail(station: &Station, pass_id: &str) -> serde_json::Value {
    let trail = station.store().audit(Some(pass_id), None, None).expect("audit");
    let entry = trail
        .iter()
        .find(|e| e.action == "handed_over")
        .expect("a hand-over entry");
    assert_eq!(entry.actor, CLERK);
    entry.detail.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_holder_the_delegate_with_a_code_once_and_a_stranger_only_with_a_supervisor() {
    let staff = [
        (CLERK, Role::Clerk),
        (BOSS, Role::Supervisor),
        (WRITER, Role::Supervisor),
    ];
    let (lab, mut station, ids) = synced_office(12, &staff).await;
    // Three people's cards: one for the holder, one for the delegate, one for a stranger.
    let mut people = Vec::new();
    for pass_id in ids {
        if let Ok(document) = lab.admin.holder_document(&pass_id).await {
            people.push((pass_id, document));
        }
    }
    assert!(people.len() >= 3, "the lab holds three people's passes");
    let (holders_card, holder_document) = people[0].clone();
    let (delegates_card, stranger_card) = (people[1].0.clone(), people[2].0.clone());
    let ids = [holders_card.clone(), delegates_card.clone(), stranger_card.clone()];
    release(&lab, &mut station, &ids).await;

    // Central hears of the releases and sends the company's delegate a code for each card.
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let sent = lab.admin.notifications().await.expect("central's outbox");
    for pass_id in &ids {
        let channels: Vec<&str> = sent
            .iter()
            .filter(|n| n.pass_id.as_deref() == Some(pass_id.as_str()))
            .map(|n| n.channel.as_str())
            .collect();
        assert_eq!(channels, ["sms", "email"], "{pass_id}: one SMS and one e-mail");
    }
    let delegates_code = code_for(&sent, &delegates_card).pickup_code.clone().expect("a code");
    let strangers_code = code_for(&sent, &stranger_card).pickup_code.clone().expect("a code");
    let delegate = delegate_of(&station, &delegates_code);
    assert!(code_for(&sent, &delegates_card).body.contains(&delegate));

    let clerk = sign_in(&mut station, CLERK).await;
    let holder_name = station
        .item(&holders_card)
        .expect("held")
        .item
        .holder
        .display_name()
        .to_owned();

    // 1. The holder with their own document; the station says so before anything is recorded.
    let check = |document: IdDocument| RecipientCheck {
        pass_ids: vec![holders_card.clone()],
        name: holder_name.clone(),
        document: Some(document),
        pickup_codes: Vec::new(),
    };
    let seen = ops::desk::check_recipient(&mut station, &clerk, &check(holder_document.clone())).expect("check");
    assert_eq!(seen[0].entitlement, Some(Entitlement::Holder));
    let seen = ops::desk::check_recipient(&mut station, &clerk, &check(stranger())).expect("check");
    assert_eq!(seen[0].entitlement, None, "another person's ID is not the holder's");
    let handed = ops::desk::hand_over(
        &mut station,
        &clerk,
        &to(&holders_card, &holder_name, holder_document, &[]),
    )
    .expect("the holder takes their card");
    assert_eq!(handed.cards[0].entitlement, Some(Entitlement::Holder));
    assert_eq!(audit_detail(&station, &holders_card)["authorised_by"], "holder");

    // 2. The delegate's code: for this card only, for the delegate only, once.
    let as_delegate = |pass_id: &str, codes: &[&str]| to(pass_id, &delegate, stranger(), codes);
    let other_card = ops::desk::hand_over(&mut station, &clerk, &as_delegate(&stranger_card, &[&delegates_code]));
    assert!(
        matches!(&other_card, Err(StationError::Pickup(PickupRefusal::OtherCard { pass_id })) if *pass_id == delegates_card),
        "{other_card:?}"
    );
    let other_person = ops::desk::hand_over(
        &mut station,
        &clerk,
        &to(&delegates_card, "王大同", stranger(), &[&delegates_code]),
    );
    assert!(
        matches!(
            &other_person,
            Err(StationError::Pickup(PickupRefusal::OtherPerson { .. }))
        ),
        "{other_person:?}"
    );
    let handed = ops::desk::hand_over(&mut station, &clerk, &as_delegate(&delegates_card, &[&delegates_code]))
        .expect("the delegate takes the card with its code");
    let Some(Entitlement::PickupCode { code_id, .. }) = &handed.cards[0].entitlement else {
        panic!("handed over by code: {handed:?}")
    };
    let detail = audit_detail(&station, &delegates_card);
    assert_eq!(detail["authorised_by"], "pickup_code");
    assert_eq!(detail["pickup_code_id"], code_id.as_str());
    let again = ops::desk::hand_over(&mut station, &clerk, &as_delegate(&delegates_card, &[&delegates_code]));
    assert!(
        matches!(&again, Err(StationError::Pickup(PickupRefusal::Used { .. }))),
        "a code serves once: {again:?}"
    );

    // Codes central did not sign, and codes past their day, are refused.
    let forged = PickupCode::verify(
        &strangers_code,
        station.verifier().expect("v").trust_list().expect("t"),
        station.now(),
    )
    .expect("a good code")
    .sign(&SigningKey::generate(Algorithm::EdDsa).expect("a key"))
    .expect("signed");
    let refused = ops::desk::hand_over(&mut station, &clerk, &as_delegate(&stranger_card, &[&forged]));
    assert!(
        matches!(
            &refused,
            Err(StationError::Pickup(PickupRefusal::Invalid(PickupError::UnknownSigner)))
        ),
        "{refused:?}"
    );
    let today = station.now();
    station.pin_clock(today + time::Duration::days(31));
    let later = sign_in(&mut station, CLERK).await;
    let expired = ops::desk::hand_over(&mut station, &later, &as_delegate(&stranger_card, &[&strangers_code]));
    assert!(
        matches!(
            &expired,
            Err(StationError::Pickup(PickupRefusal::Invalid(PickupError::Expired(_))))
        ),
        "{expired:?}"
    );
    station.pin_clock(today);
    let clerk = sign_in(&mut station, CLERK).await;

    // 3. A stranger: refused, unless a supervisor approves with a reason and their own password.
    let stranger_takes = to(&stranger_card, "王大同", stranger(), &[]);
    let refused = ops::desk::hand_over(&mut station, &clerk, &stranger_takes);
    assert!(
        matches!(&refused, Err(StationError::NeedsApproval { pass_ids }) if *pass_ids == [stranger_card.clone()]),
        "{refused:?}"
    );
    let approval = |supervisor: &str, password: &str, reason: &str| HandOver {
        approval: Some(SupervisorApproval {
            supervisor: supervisor.to_owned(),
            password: password.to_owned(),
            reason: reason.to_owned(),
        }),
        ..stranger_takes.clone()
    };
    let no_reason = ops::desk::hand_over(&mut station, &clerk, &approval(BOSS, PASSWORD, " "));
    assert!(matches!(no_reason, Err(StationError::ReasonMissing)), "{no_reason:?}");
    let wrong = ops::desk::hand_over(&mut station, &clerk, &approval(BOSS, "not-the-password", "代領"));
    assert!(
        matches!(wrong, Err(StationError::Auth(AuthError::BadCredentials { .. }))),
        "{wrong:?}"
    );
    let by_clerk = ops::desk::hand_over(&mut station, &clerk, &approval(CLERK, PASSWORD, "代領"));
    assert!(
        matches!(by_clerk, Err(StationError::Auth(AuthError::Forbidden { .. }))),
        "a clerk cannot approve: {by_clerk:?}"
    );
    assert_eq!(
        station.item(&stranger_card).expect("held").state,
        CardState::Released,
        "nothing was done"
    );
    let handed = ops::desk::hand_over(&mut station, &clerk, &approval(BOSS, PASSWORD, "持公司委託書代領"))
        .expect("handed over with the supervisor's approval");
    assert_eq!(handed.approved_by.as_deref(), Some(BOSS));
    let detail = audit_detail(&station, &stranger_card);
    assert_eq!(detail["authorised_by"], "supervisor");
    assert_eq!(detail["approved_by"], BOSS);
    assert_eq!(detail["approval_reason"], "持公司委託書代領");
    assert_eq!(detail["recipient_id_masked"], "F12****793");

    // Central learns of each hand-over, and which code was used.
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let sent = lab.admin.notifications().await.expect("central's outbox");
    assert!(
        code_for(&sent, &delegates_card).code_used_at.is_some(),
        "central marks the code used"
    );
    assert!(code_for(&sent, &stranger_card).code_used_at.is_none());
    let db = std::fs::read(lab.home.db_path()).expect("the cache file");
    assert!(!db.windows(10).any(|w| w == b"F128456793"), "no full ID number is kept");
}
