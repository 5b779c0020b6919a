//! New applications and their items: generated ones (approved at once, in
//! the feed, a crew's refused person withdrawn) and ones waiting for their
//! ports' approval, with their pass
//! numbers and application numbers counted per office and year, and the
//! holders' portraits.
//!
//! What it is not for: changing an item once it exists (see [`super::feed`]).

use std::collections::HashMap;

use rusqlite::{Transaction, params};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};

use super::db::{Store, next_counter, random_bytes, rfc3339, to_json, today};
use super::feed::state_name;
use super::pickups::keep_holder_document;
use crate::api::{Holder, ItemStatus, WireItem};
use crate::identity::hash_holder_id;
use crate::sim::admin::{ApplicationCreated, ApplicationRequest, ItemStateName};
use crate::sim::error::SimError;
use crate::sim::generate::{ApplicationPlan, Generator};
use crate::sim::portrait;

impl Store {
    /// Generates `count` approved items picked up at `office`; returns their
    /// pass numbers in feed order.
    pub(crate) fn generate(
        &mut self,
        seed: u64,
        photos: bool,
        office: &str,
        count: u32,
    ) -> Result<Vec<String>, SimError> {
        let id_hash = self.id_hash_params.clone();
        let made = self.write("generating items", |tx| {
            insert_generated(tx, (seed, photos, &id_hash), true, |generator| {
                generator.applications(office, count)
            })
        })?;
        Ok(made.into_iter().flat_map(|(_, pass_ids)| pass_ids).collect())
    }

    /// Creates one application whose items wait for every port's approval.
    pub(crate) fn create_application(
        &mut self,
        seed: u64,
        photos: bool,
        req: &ApplicationRequest,
    ) -> Result<ApplicationCreated, SimError> {
        let id_hash = self.id_hash_params.clone();
        let made = self.write("creating an application", |tx| {
            insert_generated(tx, (seed, photos, &id_hash), false, |generator| {
                vec![generator.application(&req.office, Some(&req.ports), req.items, req.temporary)]
            })
        })?;
        let (application_id, pass_ids) = made
            .into_iter()
            .next()
            .ok_or_else(|| SimError::Internal("no application was made".to_owned()))?;
        Ok(ApplicationCreated {
            application_id,
            pass_ids,
        })
    }
}

/// Plans applications with the generator of the next batch number and
/// stores them: the same seed and the same requests give the same data
/// (but the holder ID hashes, whose salts are random as central's are).
fn insert_generated(
    tx: &Transaction,
    (seed, photos, id_hash): (u64, bool, &argon2::Params),
    approved: bool,
    plan: impl FnOnce(&mut Generator) -> Vec<ApplicationPlan>,
) -> Result<Vec<(String, Vec<String>)>, SimError> {
    let batch = next_counter(tx, "batch", 1)? - 1;
    let today = today();
    let plans = plan(&mut Generator::new(seed, batch, today));
    insert_applications(tx, &plans, today, (approved, photos), id_hash)
}

/// Stores planned applications; returns each one's ID and pass numbers.
fn insert_applications(
    tx: &Transaction,
    plans: &[ApplicationPlan],
    today: Date,
    (approved, photos): (bool, bool),
    id_hash: &argon2::Params,
) -> Result<Vec<(String, Vec<String>)>, SimError> {
    let year = today.year();
    let now = OffsetDateTime::now_utc();
    let now_text = rfc3339(now);
    let approved_at = approved.then_some(now_text.as_str());
    let state = state_name(if approved {
        ItemStateName::Approved
    } else {
        ItemStateName::Pending
    });

    let mut next_application =
        next_counter(tx, &format!("application:{year}"), plans.len() as u64)? - plans.len() as u64;
    // Pass numbers run per office and year; reserve those this batch needs.
    let mut next_pass: HashMap<&str, u64> = HashMap::new();
    for plan in plans {
        let office = plan.pickup_office.as_str();
        if !next_pass.contains_key(office) {
            let needed: u64 = plans
                .iter()
                .filter(|p| p.pickup_office == office)
                .map(|p| p.holders.len() as u64)
                .sum();
            next_pass.insert(
                office,
                next_counter(tx, &format!("pass:{office}:{year}"), needed)? - needed,
            );
        }
    }
    let mut application_stmt = tx.prepare_cached(
        "INSERT INTO applications (id, company_name, company_tax_id, temporary, pickup_office, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut item_stmt = tx.prepare_cached(
        "INSERT INTO items (pass_id, application_id, pickup_office, state, record) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut approval_stmt =
        tx.prepare_cached("INSERT INTO approvals (pass_id, port, approved_at) VALUES (?1, ?2, ?3)")?;
    let mut feed_stmt = tx.prepare_cached("INSERT INTO feed (office, pass_id, body) VALUES (?1, ?2, ?3)")?;
    let mut photo_stmt = tx.prepare_cached("INSERT OR IGNORE INTO photos (sha256, bytes) VALUES (?1, ?2)")?;

    let mut made = Vec::with_capacity(plans.len());
    for plan in plans {
        next_application += 1;
        let application_id = format!("A-{year}-{next_application:06}");
        let office = plan.pickup_office.as_str();
        application_stmt.execute(params![
            application_id,
            plan.company.name,
            plan.company.tax_id,
            plan.temporary,
            office,
            now_text
        ])?;
        let prefix = office.strip_prefix("TW").unwrap_or(office);
        let seq = next_pass.entry(office).or_default();
        let mut pass_ids = Vec::with_capacity(plan.holders.len());
        for holder in &plan.holders {
            *seq += 1;
            let pass_id = format!("{prefix}-{year}-{seq:06}");
            let photo_sha256 = match (photos, holder.portrait_seed, &holder.holder) {
                (true, Some(portrait_seed), Holder::Person { .. }) => {
                    let bytes = portrait::render(portrait_seed, &pass_id).map_err(|source| SimError::Portrait {
                        label: pass_id.clone(),
                        source,
                    })?;
                    let sha = hex::encode(Sha256::digest(&bytes));
                    photo_stmt.execute(params![sha, bytes])?;
                    Some(sha)
                }
                _ => None,
            };
            let holder_id_hash = match &holder.document {
                Some(document) => {
                    let hash = hash_holder_id(document, &random_bytes(16), id_hash.clone())
                        .map_err(|e| SimError::Internal(format!("hashing a holder's ID: {e}")))?;
                    Some(hash)
                }
                None => None,
            };
            // A person refused after the approval is in the feed withdrawn.
            let refused = approved && holder.refused;
            let item = WireItem {
                pass_id: pass_id.clone(),
                version: 1,
                status: if refused {
                    ItemStatus::Withdrawn
                } else {
                    ItemStatus::Approved
                },
                application_id: application_id.clone(),
                holder: holder.holder.clone(),
                temporary: plan.temporary,
                company: plan.company.clone(),
                ports: plan.ports.clone(),
                valid_from: plan.valid_from,
                valid_to: plan.valid_to,
                pickup_office: office.to_owned(),
                photo_sha256,
                holder_id_hash,
                changed_at: now,
                handed_over: None,
                claim: None,
                card_in_work: None,
            };
            let record = to_json(&item)?;
            let item_state = if refused {
                state_name(ItemStateName::Withdrawn)
            } else {
                state
            };
            item_stmt.execute(params![pass_id, application_id, office, item_state, record])?;
            if let Some(document) = &holder.document {
                keep_holder_document(tx, &pass_id, document)?;
            }
            for port in &plan.ports {
                approval_stmt.execute(params![pass_id, port, approved_at])?;
            }
            if approved {
                feed_stmt.execute(params![office, pass_id, record])?;
            }
            pass_ids.push(pass_id);
        }
        made.push((application_id, pass_ids));
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_application_waits_for_every_port_before_it_reaches_the_feed() {
        let mut store = Store::in_memory();
        let request = ApplicationRequest {
            office: "TWKEL".to_owned(),
            ports: vec!["TWKHH".to_owned()],
            items: 2,
            temporary: true,
        };
        let made = store.create_application(2026, false, &request).expect("an application");
        assert_eq!(made.pass_ids.len(), 2);
        assert_eq!(store.count("feed"), 0, "nothing is approved yet");
        let pass_id = &made.pass_ids[0];
        assert!(matches!(store.approve(pass_id, "TWTXG"), Err(SimError::BadRequest(_))));
        let state = store.approve(pass_id, "TWKEL").expect("approved by the office's port");
        assert_eq!(state.waiting_for, ["TWKHH"]);
        let state = store.approve(pass_id, "TWKHH").expect("approved by the last port");
        assert_eq!((state.state, state.waiting_for.len()), (ItemStateName::Approved, 0));
        assert_eq!(store.count("feed"), 1);
    }

    #[test]
    fn the_same_seed_makes_the_same_items_and_numbers_run_on() {
        let holders = |store: &mut Store| -> Vec<(String, String)> {
            let made = store.generate(7, false, "TWKEL", 4).expect("generated");
            let page = store.feed_page("TWKEL", None, 100).expect("a page");
            let items: Vec<WireItem> = page
                .items
                .iter()
                .map(|text| serde_json::from_str(text).expect("an item"))
                .collect();
            assert_eq!(items.iter().map(|i| i.pass_id.clone()).collect::<Vec<_>>(), made);
            items
                .into_iter()
                .map(|i| (i.pass_id, i.holder.display_name().to_owned()))
                .collect()
        };
        let (mut one, mut two) = (Store::in_memory(), Store::in_memory());
        assert_eq!(holders(&mut one), holders(&mut two));
        let more = one.generate(7, false, "TWKEL", 1).expect("generated");
        assert!(more[0].ends_with("-000005"), "{more:?}");
    }
}
