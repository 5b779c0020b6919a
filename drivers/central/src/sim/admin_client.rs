//! A client for `central-sim`'s admin endpoints, for tests, demos and
//! benchmarks that play the central office. It speaks the same bodies the
//! server defines in [`super::admin`], so the two cannot drift apart.

use reqwest::Method;

use super::admin::{
    CountRequest, DayReports, EnrolmentCode, Faults, FeedEpoch, HolderDocument, HotlistSequence, ItemState, LastSignIn,
    NewUser, Notification, Notifications, OfficeRequest, PassIds, PhotoCorrupted, RawItemsAppended, RawItemsRequest,
    Revocation, RevokeRequest, RootFingerprint, SignInBackdated, SignerRevoked, Stats, StoredDayReport, StoredEvent,
    StoredEvents, VoidCardRequest,
};
use super::faults::Fault;
use crate::api::{Role, UserProfile};
use crate::client::{CentralClient, CentralError};
use crate::identity::IdDocument;

/// Calls the admin endpoints of one simulator.
#[derive(Debug, Clone)]
pub struct AdminClient {
    client: CentralClient,
}

impl AdminClient {
    pub fn new(base_url: &str) -> Result<AdminClient, CentralError> {
        Ok(AdminClient {
            client: CentralClient::new(base_url)?,
        })
    }

    async fn post<B: serde::Serialize + ?Sized, T: serde::de::DeserializeOwned>(
        &self,
        segments: &[&str],
        body: Option<&B>,
    ) -> Result<T, CentralError> {
        self.client.call(Method::POST, segments, body).await
    }

    /// A new one-time enrolment code for `office`.
    pub async fn enrolment_code(&self, office: &str) -> Result<String, CentralError> {
        let body = OfficeRequest {
            office: office.to_owned(),
        };
        let code: EnrolmentCode = self.post(&["admin", "enrolment-codes"], Some(&body)).await?;
        Ok(code.code)
    }

    /// Generates `count` more approved items for `office`; returns their pass numbers.
    pub async fn generate(&self, count: u32, office: &str) -> Result<Vec<String>, CentralError> {
        self.count_request("generate", count, office).await
    }

    /// Edits (raises the version of) the oldest `count` items of `office`.
    pub async fn edit_many(&self, count: u32, office: &str) -> Result<Vec<String>, CentralError> {
        self.count_request("edit-many", count, office).await
    }

    async fn count_request(&self, endpoint: &str, count: u32, office: &str) -> Result<Vec<String>, CentralError> {
        let body = CountRequest {
            count,
            office: office.to_owned(),
        };
        let ids: PassIds = self.post(&["admin", endpoint], Some(&body)).await?;
        Ok(ids.pass_ids)
    }

    /// Withdraws an item: it stays in the feed with status `withdrawn`.
    pub async fn withdraw(&self, pass_id: &str) -> Result<(), CentralError> {
        let _: ItemState = self
            .post::<(), _>(&["admin", "items", pass_id, "withdraw"], None)
            .await?;
        Ok(())
    }

    /// Revokes an item's current version: it goes on the hotlist.
    pub async fn revoke(&self, pass_id: &str, reason: &str) -> Result<Revocation, CentralError> {
        let body = RevokeRequest {
            reason: reason.to_owned(),
        };
        self.post(&["admin", "items", pass_id, "revoke"], Some(&body)).await
    }

    /// Revokes a station's signing key in the trust list.
    pub async fn revoke_signer(&self, station_id: &str) -> Result<(), CentralError> {
        let _: SignerRevoked = self
            .post::<(), _>(&["admin", "stations", station_id, "revoke-signer"], None)
            .await?;
        Ok(())
    }

    /// Puts a card UID on the hotlist; returns the hotlist's new sequence.
    pub async fn void_card(&self, card_uid: &[u8], expires: time::OffsetDateTime) -> Result<u64, CentralError> {
        let body = VoidCardRequest {
            card_uid: hex::encode_upper(card_uid),
            expires,
        };
        let sequence: HotlistSequence = self.post(&["admin", "hotlist", "cards"], Some(&body)).await?;
        Ok(sequence.sequence)
    }

    /// Makes a user of `office` who has never signed in; the password must meet
    /// the password rules.
    pub async fn create_user(
        &self,
        username: &str,
        display_name: &str,
        roles: &[Role],
        office: &str,
        password: &str,
    ) -> Result<UserProfile, CentralError> {
        let body = NewUser {
            username: username.to_owned(),
            display_name: display_name.to_owned(),
            roles: roles.to_vec(),
            office: office.to_owned(),
            password: password.to_owned(),
        };
        self.post(&["admin", "users"], Some(&body)).await
    }

    /// Sets when a user last signed in; more than 90 days ago freezes the account.
    pub async fn backdate_sign_in(&self, username: &str, at: time::OffsetDateTime) -> Result<(), CentralError> {
        let _: SignInBackdated = self
            .post(&["admin", "users", username, "last-sign-in"], Some(&LastSignIn { at }))
            .await?;
        Ok(())
    }

    /// Appends JSON values to the office's feed exactly as given.
    pub async fn raw_items(&self, office: &str, items: &[serde_json::Value]) -> Result<usize, CentralError> {
        let body = RawItemsRequest {
            office: office.to_owned(),
            items: items.to_vec(),
        };
        let appended: RawItemsAppended = self.post(&["admin", "raw-items"], Some(&body)).await?;
        Ok(appended.appended)
    }

    /// Makes the simulator serve wrong bytes for this photo from now on.
    pub async fn corrupt_photo(&self, sha256: &str) -> Result<(), CentralError> {
        let _: PhotoCorrupted = self
            .post::<(), _>(&["admin", "photos", sha256, "corrupt"], None)
            .await?;
        Ok(())
    }

    /// Starts a new feed epoch: every cursor handed out before expires.
    pub async fn reset_feed(&self) -> Result<u32, CentralError> {
        let epoch: FeedEpoch = self.post::<(), _>(&["admin", "feed", "reset"], None).await?;
        Ok(epoch.epoch)
    }

    pub async fn arm_fault(&self, fault: &Fault) -> Result<Vec<Fault>, CentralError> {
        let faults: Faults = self.post(&["admin", "faults"], Some(fault)).await?;
        Ok(faults.armed)
    }

    pub async fn clear_faults(&self) -> Result<(), CentralError> {
        let _: Faults = self
            .client
            .call::<(), _>(Method::DELETE, &["admin", "faults"], None)
            .await?;
        Ok(())
    }

    /// Every event stations reported, in arrival order.
    /// The root key's fingerprint, as the authority publishes it for enrolment.
    pub async fn root_fingerprint(&self) -> Result<String, CentralError> {
        let answer: RootFingerprint = self
            .client
            .call::<(), _>(Method::GET, &["admin", "root-fingerprint"], None)
            .await?;
        Ok(answer.fingerprint)
    }

    pub async fn events(&self) -> Result<Vec<StoredEvent>, CentralError> {
        let events: StoredEvents = self
            .client
            .call::<(), _>(Method::GET, &["admin", "events"], None)
            .await?;
        Ok(events.events)
    }

    /// The SMS and e-mail central would have sent, oldest first.
    pub async fn notifications(&self) -> Result<Vec<Notification>, CentralError> {
        let sent: Notifications = self
            .client
            .call::<(), _>(Method::GET, &["admin", "notifications"], None)
            .await?;
        Ok(sent.notifications)
    }

    /// The office days stations closed, oldest first.
    pub async fn day_reports(&self) -> Result<Vec<StoredDayReport>, CentralError> {
        let kept: DayReports = self
            .client
            .call::<(), _>(Method::GET, &["admin", "day-reports"], None)
            .await?;
        Ok(kept.reports)
    }

    /// The holder's whole ID document, as the person shows it at the counter.
    pub async fn holder_document(&self, pass_id: &str) -> Result<IdDocument, CentralError> {
        let held: HolderDocument = self
            .client
            .call::<(), _>(Method::GET, &["admin", "items", pass_id, "holder-document"], None)
            .await?;
        Ok(held.document)
    }

    /// Counts of what central holds.
    pub async fn stats(&self) -> Result<Stats, CentralError> {
        self.client.call::<(), _>(Method::GET, &["admin", "stats"], None).await
    }
}
