//! The `/admin` endpoints of `central-sim`: the handlers and their routes.
//!
//! They exist so that tests and demos can play the central office: make
//! enrolment codes, generate and approve applications, withdraw, edit and
//! revoke items, put bad data in a feed, corrupt a photo, rebuild the feed,
//! make users and backdate their sign-ins, inject faults, and look at what
//! stations reported. They take no
//! credentials: the simulator is served on loopback only.
//!
//! Not for the bodies they take and give (see `admin`), which the admin
//! client and the contract check share.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;

use super::admin::{
    ApplicationCreated, ApplicationRequest, ApproveRequest, CountRequest, DayReports, EnrolmentCode, Faults, FeedEpoch,
    HolderDocument, HotlistSequence, ItemState, LastSignIn, NewUser, Notifications, OfficeRequest, PassIds,
    PhotoCorrupted, RawItemsAppended, RawItemsRequest, Revocation, RevokeRequest, RootFingerprint, SignInBackdated,
    SignerRevoked, Stats, StoredEvents, VoidCardRequest,
};
use super::error::{SimError, check_office, parse_card_uid};
use super::extract::ApiJson;
use super::faults::Fault;
use super::state::AppState;
use crate::api::UserProfile;
use crate::model::check_password_rules;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/enrolment-codes", post(enrolment_code))
        .route("/admin/generate", post(generate))
        .route("/admin/applications", post(application))
        .route("/admin/items/{pass_id}/approve", post(approve))
        .route("/admin/items/{pass_id}/withdraw", post(withdraw))
        .route("/admin/items/{pass_id}/edit", post(edit))
        .route("/admin/edit-many", post(edit_many))
        .route("/admin/items/{pass_id}/revoke", post(revoke))
        .route("/admin/stations/{station_id}/revoke-signer", post(revoke_signer))
        .route("/admin/hotlist/cards", post(void_card))
        .route("/admin/users", post(create_user))
        .route("/admin/users/{username}/last-sign-in", post(backdate_sign_in))
        .route("/admin/raw-items", post(raw_items))
        .route("/admin/photos/{sha256}/corrupt", post(corrupt_photo))
        .route("/admin/feed/reset", post(reset_feed))
        .route("/admin/faults", post(arm_fault).delete(clear_faults))
        .route("/admin/events", axum::routing::get(events))
        .route("/admin/notifications", axum::routing::get(notifications))
        .route("/admin/day-reports", axum::routing::get(day_reports))
        .route(
            "/admin/items/{pass_id}/holder-document",
            axum::routing::get(holder_document),
        )
        .route("/admin/stats", axum::routing::get(stats))
        .route("/admin/root-fingerprint", axum::routing::get(root_fingerprint))
}

type Answer<T> = Result<Json<T>, SimError>;

async fn enrolment_code(State(state): State<AppState>, ApiJson(req): ApiJson<OfficeRequest>) -> Answer<EnrolmentCode> {
    check_office(&req.office)?;
    let code = state
        .db(move |store| store.new_enrolment_code(&req.office).map(|code| (req.office, code)))
        .await?;
    Ok(Json(EnrolmentCode {
        office: code.0,
        code: code.1,
    }))
}

async fn generate(State(state): State<AppState>, ApiJson(req): ApiJson<CountRequest>) -> Answer<PassIds> {
    check_office(&req.office)?;
    check_count(req.count, 1_000_000)?;
    let (seed, photos) = (state.seed, state.photos);
    let pass_ids = state
        .db(move |store| store.generate(seed, photos, &req.office, req.count))
        .await?;
    Ok(Json(PassIds { pass_ids }))
}

async fn application(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ApplicationRequest>,
) -> Answer<ApplicationCreated> {
    check_office(&req.office)?;
    req.ports.iter().try_for_each(|port| check_office(port))?;
    check_count(req.items, 1000)?;
    let (seed, photos) = (state.seed, state.photos);
    Ok(Json(
        state
            .db(move |store| store.create_application(seed, photos, &req))
            .await?,
    ))
}

async fn approve(
    State(state): State<AppState>,
    Path(pass_id): Path<String>,
    ApiJson(req): ApiJson<ApproveRequest>,
) -> Answer<ItemState> {
    Ok(Json(state.db(move |store| store.approve(&pass_id, &req.port)).await?))
}

async fn withdraw(State(state): State<AppState>, Path(pass_id): Path<String>) -> Answer<ItemState> {
    Ok(Json(state.db(move |store| store.withdraw(&pass_id)).await?))
}

async fn edit(State(state): State<AppState>, Path(pass_id): Path<String>) -> Answer<ItemState> {
    Ok(Json(state.db(move |store| store.edit(&pass_id)).await?))
}

async fn edit_many(State(state): State<AppState>, ApiJson(req): ApiJson<CountRequest>) -> Answer<PassIds> {
    check_office(&req.office)?;
    check_count(req.count, 1_000_000)?;
    let pass_ids = state.db(move |store| store.edit_oldest(&req.office, req.count)).await?;
    Ok(Json(PassIds { pass_ids }))
}

async fn revoke(
    State(state): State<AppState>,
    Path(pass_id): Path<String>,
    ApiJson(req): ApiJson<RevokeRequest>,
) -> Answer<Revocation> {
    if req.reason.trim().is_empty() {
        return Err(SimError::BadRequest("a revocation needs a reason".to_owned()));
    }
    Ok(Json(
        state.db(move |store| store.revoke(&pass_id, req.reason.trim())).await?,
    ))
}

async fn raw_items(State(state): State<AppState>, ApiJson(req): ApiJson<RawItemsRequest>) -> Answer<RawItemsAppended> {
    check_office(&req.office)?;
    let appended = state
        .db(move |store| store.append_raw_items(&req.office, &req.items))
        .await?;
    Ok(Json(RawItemsAppended { appended }))
}

async fn corrupt_photo(State(state): State<AppState>, Path(sha256): Path<String>) -> Answer<PhotoCorrupted> {
    let sha = sha256.clone();
    state.db(move |store| store.corrupt_photo(&sha)).await?;
    Ok(Json(PhotoCorrupted { sha256, corrupt: true }))
}

async fn revoke_signer(State(state): State<AppState>, Path(station_id): Path<String>) -> Answer<SignerRevoked> {
    let id = station_id.clone();
    state.db(move |store| store.revoke_signer(&id)).await?;
    Ok(Json(SignerRevoked { station_id }))
}

async fn void_card(State(state): State<AppState>, ApiJson(req): ApiJson<VoidCardRequest>) -> Answer<HotlistSequence> {
    let uid = parse_card_uid(&req.card_uid)?;
    let sequence = state.db(move |store| store.void_card(&uid, req.expires)).await?;
    Ok(Json(HotlistSequence { sequence }))
}

/// The longest user name and display name central keeps.
const MAX_NAME_CHARS: usize = 64;

async fn create_user(
    State(state): State<AppState>,
    ApiJson(user): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<UserProfile>), SimError> {
    check_office(&user.office)?;
    let name_ok = |name: &str| (1..=MAX_NAME_CHARS).contains(&name.chars().count()) && name.trim() == name;
    if !name_ok(&user.username) || user.username.contains(char::is_whitespace) {
        return Err(SimError::BadRequest(format!(
            "username {:?} must have 1 to {MAX_NAME_CHARS} characters and no spaces",
            user.username
        )));
    }
    if !name_ok(&user.display_name) {
        return Err(SimError::BadRequest(format!(
            "display_name must have 1 to {MAX_NAME_CHARS} characters, without spaces at its ends"
        )));
    }
    if user.roles.is_empty() {
        return Err(SimError::BadRequest(
            "a user needs at least one role, such as clerk".to_owned(),
        ));
    }
    check_password_rules(&user.password).map_err(|broken| SimError::WeakPassword(broken.to_string()))?;
    let profile = state.db(move |store| store.create_user(&user)).await?;
    Ok((StatusCode::CREATED, Json(profile)))
}

async fn backdate_sign_in(
    State(state): State<AppState>,
    Path(username): Path<String>,
    ApiJson(req): ApiJson<LastSignIn>,
) -> Answer<SignInBackdated> {
    let name = username.clone();
    state.db(move |store| store.backdate_sign_in(&name, req.at)).await?;
    Ok(Json(SignInBackdated {
        username,
        last_sign_in_at: req.at,
    }))
}

async fn reset_feed(State(state): State<AppState>) -> Answer<FeedEpoch> {
    let epoch = state.db(|store| store.new_epoch()).await?;
    Ok(Json(FeedEpoch { epoch }))
}

async fn arm_fault(State(state): State<AppState>, ApiJson(fault): ApiJson<Fault>) -> Answer<Faults> {
    Ok(Json(Faults {
        armed: state.faults.arm(fault)?,
    }))
}

async fn clear_faults(State(state): State<AppState>) -> Json<Faults> {
    state.faults.clear();
    Json(Faults {
        armed: state.faults.armed(),
    })
}

async fn events(State(state): State<AppState>) -> Answer<StoredEvents> {
    Ok(Json(StoredEvents {
        events: state.db(|store| store.events()).await?,
    }))
}

async fn notifications(State(state): State<AppState>) -> Answer<Notifications> {
    Ok(Json(Notifications {
        notifications: state.db(|store| store.notifications()).await?,
    }))
}

async fn day_reports(State(state): State<AppState>) -> Answer<DayReports> {
    Ok(Json(DayReports {
        reports: state.db(|store| store.day_reports()).await?,
    }))
}

async fn holder_document(State(state): State<AppState>, Path(pass_id): Path<String>) -> Answer<HolderDocument> {
    let document = state
        .db(move |store| {
            store
                .holder_document(&pass_id)?
                .ok_or_else(|| SimError::NotFound(format!("central holds no ID document for {pass_id}")))
        })
        .await?;
    Ok(Json(HolderDocument { document }))
}

async fn root_fingerprint(State(state): State<AppState>) -> Answer<RootFingerprint> {
    let fingerprint = state.db(|store| Ok(store.root_fingerprint())).await?;
    Ok(Json(RootFingerprint { fingerprint }))
}

async fn stats(State(state): State<AppState>) -> Answer<Stats> {
    let faults_armed = state.faults.armed().len() as u64;
    let stats = state.db(|store| store.stats()).await?;
    Ok(Json(Stats { faults_armed, ..stats }))
}

fn check_count(count: u32, most: u32) -> Result<(), SimError> {
    if (1..=most).contains(&count) {
        Ok(())
    } else {
        Err(SimError::BadRequest(format!(
            "the count must be from 1 to {most}, not {count}"
        )))
    }
}
