//! Realistic, repeatable pass applications for the simulator.
//!
//! It exists so that a station meets data like a card office's: companies
//! with valid tax IDs (統一編號), Traditional Chinese names, some with a
//! passport spelling, masked national IDs, vehicles with Taiwanese plates,
//! long-term passes and crews of temporary passes, several ports per pass.
//! A crew of eight or more is one application collected together, and one of
//! its items is refused after approval (withdrawn in the feed), as happens
//! when a port's check of one person fails: the rest of the crew goes on.
//! Central also knows each person's full ID document (a national ID, or for
//! one in ten a resident certificate), which it sends only as a hash, and
//! each company's named delegate, who collects its cards.
//! The same seed and batch number always give the same applications.

use std::sync::LazyLock;

use fastrand::Rng;
use time::{Date, Duration, Month};

use crate::api::{Company, Holder};
use crate::identity::IdDocument;
use crate::model::{PORTS, TaxId};

/// The seed lists in `fixtures/seed/`, read into the binary at build time.
static COMPANY_NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| seed_lines(include_str!("../../../../fixtures/seed/companies.txt")).collect());
/// Common surnames with their passport spelling.
static SURNAMES: LazyLock<Vec<(&'static str, &'static str)>> =
    LazyLock::new(|| seed_pairs(include_str!("../../../../fixtures/seed/surnames.tsv")));
/// Characters common in given names, with their passport spelling.
static GIVEN: LazyLock<Vec<(&'static str, &'static str)>> =
    LazyLock::new(|| seed_pairs(include_str!("../../../../fixtures/seed/given-name-characters.tsv")));

/// The entries of a seed file: its lines, without blanks and `#` comments.
fn seed_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// The entries of a two-column, tab-separated seed file.
fn seed_pairs(text: &'static str) -> Vec<(&'static str, &'static str)> {
    seed_lines(text)
        .map(|line| {
            line.split_once('\t')
                .expect("a fixtures/seed line is `text<TAB>spelling`")
        })
        .collect()
}

/// First letters of national IDs (the registration area).
const ID_AREAS: &[u8] = b"ABCDEFGHJKLMNPQTUVWXZ";
/// Plate letters: I and O are not used, being read as 1 and 0.
const PLATE_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
/// Plate digits: 4 is not issued.
const PLATE_DIGITS: &[u8] = b"012356789";
/// Vehicle types seen at a port gate, with their share in percent.
const VEHICLE_TYPES: [(&str, u32); 4] = [("小客車", 40), ("小貨車", 30), ("曳引車", 15), ("聯結車", 15)];

/// Share of long-term items that are vehicles, in percent.
const VEHICLE_PERCENT: u32 = 20;
/// Share of people whose application came without a usable photo: central
/// holds none, and the desk takes one when they come for the card.
const NO_PHOTO_PERCENT: u64 = 3;

/// Share of applications whose passes start after today, in percent.
const FUTURE_START_PERCENT: u32 = 25;
/// Share of applications that are temporary crews, in percent.
const TEMPORARY_PERCENT: u32 = 20;
/// Share of people with a passport spelling on record, in percent.
const LATIN_NAME_PERCENT: u32 = 40;
/// Size of a temporary application (a work crew).
pub(crate) const TEMPORARY_CREW: std::ops::RangeInclusive<u32> = 8..=20;

/// One application: a company asking for passes for the same ports and dates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApplicationPlan {
    /// The card office where the cards are made and collected.
    pub pickup_office: String,
    pub company: Company,
    pub temporary: bool,
    /// In the order of [`PORTS`]; always holds the pickup office.
    pub ports: Vec<String>,
    pub valid_from: Date,
    pub valid_to: Date,
    pub holders: Vec<HolderPlan>,
}

/// One pass item of an application.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HolderPlan {
    pub holder: Holder,
    /// The person's full ID document, as central holds it; none for a vehicle.
    pub document: Option<IdDocument>,
    /// Seeds the person's portrait; vehicles, and the few people whose
    /// application brought no photo, have none.
    pub portrait_seed: Option<u64>,
    /// Refused at central after the application's approval: the feed
    /// carries the item withdrawn from the start.
    pub refused: bool,
}

/// Makes applications from a seed.
#[derive(Debug)]
pub(crate) struct Generator {
    rng: Rng,
    today: Date,
    companies: Vec<Company>,
}

impl Generator {
    /// A generator for batch number `batch` of the data grown from `seed`;
    /// `today` is the day the applications are approved.
    pub(crate) fn new(seed: u64, batch: u64, today: Date) -> Self {
        Generator {
            rng: Rng::with_seed(mix(seed, batch.wrapping_add(1))),
            today,
            companies: companies(seed),
        }
    }

    /// Applications holding `count` items in all, picked up at `office`.
    pub(crate) fn applications(&mut self, office: &str, count: u32) -> Vec<ApplicationPlan> {
        let mut plans = Vec::new();
        let mut left = count;
        while left > 0 {
            let temporary = left >= *TEMPORARY_CREW.start() && self.percent(TEMPORARY_PERCENT);
            let size = if temporary {
                self.rng.u32(TEMPORARY_CREW)
            } else {
                self.long_term_size()
            };
            let size = size.min(left);
            let mut plan = self.application(office, None, size, temporary);
            // A crew's last person is the one refused; the crew is still eight or more.
            if temporary
                && size >= *TEMPORARY_CREW.start()
                && let Some(last) = plan.holders.last_mut()
            {
                last.refused = true;
            }
            plans.push(plan);
            left -= size;
        }
        plans
    }

    /// One application of `size` items; `ports` as given (the pickup office
    /// added) or drawn when `None`.
    pub(crate) fn application(
        &mut self,
        office: &str,
        ports: Option<&[String]>,
        size: u32,
        temporary: bool,
    ) -> ApplicationPlan {
        let company = self.companies[self.rng.usize(..self.companies.len())].clone();
        let ports = match ports {
            Some(ports) => with_pickup(office, ports),
            None => self.ports(office),
        };
        // Most passes waiting for pickup are already valid (approved for work
        // starting this week); some start in the next two weeks.
        let valid_from = if self.percent(FUTURE_START_PERCENT) {
            self.today + Duration::days(self.rng.i64(1..=14))
        } else {
            self.today - Duration::days(self.rng.i64(0..=6))
        };
        let valid_to = if temporary {
            // Still at least two days to run when picked up.
            (valid_from + Duration::days(self.rng.i64(2..=41))).max(self.today + Duration::days(2))
        } else {
            add_months(valid_from, self.rng.u32(6..=36)) - Duration::DAY
        };
        let holders = (0..size)
            .map(|_| {
                if !temporary && self.percent(VEHICLE_PERCENT) {
                    HolderPlan {
                        holder: self.vehicle(),
                        document: None,
                        portrait_seed: None,
                        refused: false,
                    }
                } else {
                    // The seed decides whether there is a photo, so the draws stay as they were.
                    let (holder, document) = self.person();
                    HolderPlan {
                        holder,
                        document: Some(document),
                        portrait_seed: Some(self.rng.u64(..)).filter(|seed| seed % 100 >= NO_PHOTO_PERCENT),
                        refused: false,
                    }
                }
            })
            .collect();
        ApplicationPlan {
            pickup_office: office.to_owned(),
            company,
            temporary,
            ports,
            valid_from,
            valid_to,
            holders,
        }
    }

    fn percent(&mut self, share: u32) -> bool {
        self.rng.u32(0..100) < share
    }

    /// Most companies ask for a few passes, some for a whole department.
    fn long_term_size(&mut self) -> u32 {
        match self.rng.u32(0..10) {
            0..=4 => self.rng.u32(1..=3),
            5..=7 => self.rng.u32(4..=10),
            _ => self.rng.u32(11..=25),
        }
    }

    /// One to six ports, the pickup office among them.
    fn ports(&mut self, office: &str) -> Vec<String> {
        let count = match self.rng.u32(0..20) {
            0..=6 => 1,
            7..=12 => 2,
            13..=15 => 3,
            16..=17 => 4,
            18 => 5,
            _ => 6,
        };
        let mut others: Vec<String> = PORTS
            .iter()
            .map(|p| p.code.to_owned())
            .filter(|c| c != office)
            .collect();
        self.rng.shuffle(&mut others);
        others.truncate(count - 1);
        with_pickup(office, &others)
    }

    fn person(&mut self) -> (Holder, IdDocument) {
        let (surname, surname_latin) = SURNAMES[self.rng.usize(..SURNAMES.len())];
        let given_len = if self.percent(85) { 2 } else { 1 };
        let given: Vec<(&str, &str)> = (0..given_len).map(|_| GIVEN[self.rng.usize(..GIVEN.len())]).collect();
        let name: String = std::iter::once(surname).chain(given.iter().map(|(c, _)| *c)).collect();
        let name_latin = self.percent(LATIN_NAME_PERCENT).then(|| {
            let given_latin: Vec<&str> = given.iter().map(|(_, latin)| *latin).collect();
            format!("{surname_latin} {}", given_latin.join("-"))
        });
        let area = char::from(ID_AREAS[self.rng.usize(..ID_AREAS.len())]);
        let sex = self.rng.u32(1..=2);
        let masked_digit = self.rng.u32(0..10);
        let last_three = self.rng.u32(0..1000);
        let document = full_document(&name, area, sex, masked_digit, last_three);
        let national_id_masked = document.masked();
        let holder = Holder::Person {
            name,
            name_latin,
            national_id_masked,
        };
        (holder, document)
    }

    fn vehicle(&mut self) -> Holder {
        let letters: String = (0..3)
            .map(|_| char::from(PLATE_LETTERS[self.rng.usize(..PLATE_LETTERS.len())]))
            .collect();
        let digits: String = (0..4)
            .map(|_| char::from(PLATE_DIGITS[self.rng.usize(..PLATE_DIGITS.len())]))
            .collect();
        let mut pick = self.rng.u32(0..100);
        let vehicle_type = VEHICLE_TYPES
            .iter()
            .find(|(_, share)| {
                let here = pick < *share;
                pick = pick.saturating_sub(*share);
                here
            })
            .map_or(VEHICLE_TYPES[0].0, |(name, _)| *name);
        Holder::Vehicle {
            plate: format!("{letters}-{digits}"),
            vehicle_type: vehicle_type.to_owned(),
        }
    }
}

/// The companies of a seed, each with a tax ID that passes its check digit.
fn companies(seed: u64) -> Vec<Company> {
    let mut rng = Rng::with_seed(mix(seed, 0));
    let mut tax_ids: Vec<String> = Vec::with_capacity(COMPANY_NAMES.len());
    while tax_ids.len() < COMPANY_NAMES.len() {
        let stem: String = (0..7).map(|_| char::from(b'0' + rng.u8(0..10))).collect();
        let valid = (0..10)
            .map(|d| format!("{stem}{d}"))
            .find(|id| TaxId::parse(id).is_ok());
        if let Some(id) = valid.filter(|id| !tax_ids.contains(id)) {
            tax_ids.push(id);
        }
    }
    COMPANY_NAMES
        .iter()
        .zip(tax_ids)
        .map(|(name, tax_id)| Company {
            name: (*name).to_owned(),
            tax_id,
        })
        .collect()
}

/// Share of people who hold a resident certificate rather than a national ID, in percent.
const RESIDENT_PERCENT: u64 = 10;

/// The person's full document, from what was drawn for the masked ID: the
/// hidden digits come from a hash of the name and the drawn digits (no more
/// draws, so the rest of the data stays as it was), the last of them chosen
/// so the drawn last digit is a valid check digit. One person in ten holds
/// a resident certificate of the 2021 style (8 or 9 second).
fn full_document(name: &str, area: char, sex: u32, masked_digit: u32, last_three: u32) -> IdDocument {
    let stir = name.bytes().fold(
        mix(u64::from(area as u32), u64::from(masked_digit * 1000 + last_three)),
        |h, b| mix(h, u64::from(b)),
    );
    let resident = stir % 100 < RESIDENT_PERCENT;
    let second = if resident { sex + 7 } else { sex };
    let hidden = [(stir >> 8) % 10, (stir >> 16) % 10, (stir >> 24) % 10];
    let mut digits: Vec<u32> = vec![second, masked_digit];
    digits.extend(hidden.iter().map(|d| *d as u32));
    digits.push(0);
    digits.extend([last_three / 100, last_three / 10 % 10, last_three % 10]);
    // Weights 8..1 and 1 on the digits after the letter; the letter's code counts 1 and 9.
    let code = 10
        + b"ABCDEFGHJKLMNPQRSTUVXYWZIO"
            .iter()
            .position(|c| char::from(*c) == area)
            .unwrap_or_default() as u32;
    let weights = [8, 7, 6, 5, 4, 3, 2, 1, 1];
    let sum: u32 = code / 10 + code % 10 * 9 + digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>();
    // The hidden digit at weight 3 makes the sum a multiple of 10 (3 × 7 ≡ 1 mod 10).
    digits[5] = (10 - sum % 10) % 10 * 7 % 10;
    let number: String = std::iter::once(area)
        .chain(digits.iter().map(|d| char::from_digit(*d, 10).unwrap_or('0')))
        .collect();
    if resident {
        IdDocument::ResidentCertificate { number }
    } else {
        IdDocument::NationalId { number }
    }
}

/// A company's named delegate (代理人), who collects its cards and receives
/// its pick-up codes: the same person for the same company every time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Delegate {
    pub name: String,
    pub mobile: String,
    pub email: String,
}

/// The delegate a company named, drawn from its tax ID.
pub(crate) fn delegate_of(company: &Company) -> Delegate {
    let mut rng = Rng::with_seed(mix(company.tax_id.parse().unwrap_or_default(), 7));
    let (surname, _) = SURNAMES[rng.usize(..SURNAMES.len())];
    let given: String = (0..2).map(|_| GIVEN[rng.usize(..GIVEN.len())].0).collect();
    Delegate {
        name: format!("{surname}{given}"),
        mobile: format!(
            "09{:02}-{:03}-{:03}",
            rng.u32(10..100),
            rng.u32(0..1000),
            rng.u32(0..1000)
        ),
        email: format!("pickup@{}.example.tw", company.tax_id),
    }
}

/// The given ports with the pickup office added, once each, in [`PORTS`] order.
pub(crate) fn with_pickup(office: &str, ports: &[String]) -> Vec<String> {
    let wanted = |code: &str| code == office || ports.iter().any(|p| p == code);
    PORTS
        .iter()
        .map(|p| p.code)
        .filter(|c| wanted(c))
        .map(str::to_owned)
        .collect()
}

/// The same day `months` later, or the month's last day when it is shorter.
pub(crate) fn add_months(date: Date, months: u32) -> Date {
    let index = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months as i32;
    let (year, month) = (index.div_euclid(12), (index.rem_euclid(12) + 1) as u8);
    let month = Month::try_from(month).expect("a remainder of 12, plus one, is a month number");
    let day = date.day().min(month.length(year));
    // The day fits the month; only a year past what dates can hold fails.
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

/// Two numbers stirred into one seed (SplitMix64), so nearby seeds differ widely.
fn mix(seed: u64, salt: u64) -> u64 {
    let mut z = seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 03 - 10);

    fn sample(seed: u64) -> Vec<ApplicationPlan> {
        Generator::new(seed, 0, TODAY).applications("TWKEL", 2000)
    }

    #[test]
    fn the_same_seed_gives_the_same_applications_and_another_seed_others() {
        assert_eq!(sample(7), sample(7));
        assert_ne!(sample(7), sample(8));
        assert_ne!(
            Generator::new(7, 1, TODAY).applications("TWKEL", 50),
            Generator::new(7, 2, TODAY).applications("TWKEL", 50)
        );
    }

    #[test]
    fn it_makes_exactly_the_items_asked_for() {
        for count in [1, 7, 8, 20, 333] {
            let total: usize = Generator::new(1, 0, TODAY)
                .applications("TWKHH", count)
                .iter()
                .map(|a| a.holders.len())
                .sum();
            assert_eq!(total, count as usize);
        }
    }

    #[test]
    fn every_company_has_a_valid_tax_id_of_its_own() {
        let companies = companies(99);
        assert_eq!(companies.len(), 30);
        for c in &companies {
            assert!(TaxId::parse(&c.tax_id).is_ok(), "{} has tax ID {}", c.name, c.tax_id);
            assert_eq!(
                companies.iter().filter(|o| o.tax_id == c.tax_id).count(),
                1,
                "{} is shared",
                c.tax_id
            );
        }
    }

    #[test]
    fn temporary_applications_are_crews_of_people_and_long_term_ones_hold_vehicles() {
        let plans = sample(3);
        let temporary: Vec<&ApplicationPlan> = plans.iter().filter(|a| a.temporary).collect();
        assert!(temporary.len() > 10, "only {} temporary applications", temporary.len());
        for a in &temporary {
            assert!(
                TEMPORARY_CREW.contains(&(a.holders.len() as u32)),
                "a crew of {}",
                a.holders.len()
            );
            assert!(a.holders.iter().all(|h| matches!(h.holder, Holder::Person { .. })));
            assert!(a.valid_to - a.valid_from <= Duration::weeks(6));
        }
        let items: Vec<&HolderPlan> = plans.iter().filter(|a| !a.temporary).flat_map(|a| &a.holders).collect();
        let vehicles = items
            .iter()
            .filter(|h| matches!(h.holder, Holder::Vehicle { .. }))
            .count();
        let share = vehicles * 100 / items.len();
        assert!((12..=28).contains(&share), "{share}% of long-term items are vehicles");
    }

    #[test]
    fn each_crew_has_one_refused_person_and_long_term_applications_none() {
        let plans = sample(3);
        for a in &plans {
            let refused: Vec<usize> = (0..a.holders.len()).filter(|&i| a.holders[i].refused).collect();
            if a.temporary && a.holders.len() >= 8 {
                assert_eq!(refused, vec![a.holders.len() - 1], "a crew of {}", a.holders.len());
            } else {
                assert!(refused.is_empty(), "{} refused of {}", refused.len(), a.holders.len());
            }
        }
        assert!(plans.iter().any(|a| a.temporary && a.holders.len() >= 8));
        // An application asked for on its own is as asked: nobody refused.
        let asked = Generator::new(3, 0, TODAY).application("TWKEL", None, 12, true);
        assert!(asked.holders.iter().all(|h| !h.refused));
    }

    #[test]
    fn ports_always_hold_the_pickup_office_and_dates_run_forwards() {
        for a in Generator::new(5, 0, TODAY).applications("TWTXG", 3000) {
            assert!(a.ports.iter().any(|p| p == "TWTXG"), "{:?}", a.ports);
            assert!((1..=6).contains(&a.ports.len()), "{:?}", a.ports);
            assert!(a.valid_from >= TODAY - Duration::weeks(1) && a.valid_to > a.valid_from);
            assert!(
                a.valid_to < add_months(TODAY, 37),
                "{} is more than three years away",
                a.valid_to
            );
        }
    }

    #[test]
    fn people_have_full_documents_that_pass_their_checks_and_match_the_masked_id() {
        let plans = sample(2026);
        let people: Vec<(&Holder, &IdDocument)> = plans
            .iter()
            .flat_map(|p| &p.holders)
            .filter_map(|h| h.document.as_ref().map(|d| (&h.holder, d)))
            .collect();
        assert!(people.len() > 50);
        let mut residents = 0;
        for (holder, document) in &people {
            assert_eq!(document.checked().as_ref(), Ok(*document), "{document:?}");
            let Holder::Person { national_id_masked, .. } = holder else {
                panic!("a vehicle with a document")
            };
            assert_eq!(national_id_masked, &document.masked());
            residents += usize::from(matches!(document, IdDocument::ResidentCertificate { .. }));
        }
        assert!(
            residents > 0 && residents < people.len() / 4,
            "{residents} of {}",
            people.len()
        );
    }

    #[test]
    fn a_company_always_names_the_same_delegate() {
        let company = &companies(2026)[0];
        assert_eq!(delegate_of(company), delegate_of(company));
        assert_ne!(delegate_of(company).name, delegate_of(&companies(2026)[1]).name);
    }

    #[test]
    fn people_have_chinese_names_masked_ids_and_sometimes_a_passport_spelling() {
        let people: Vec<Holder> = sample(11)
            .into_iter()
            .flat_map(|a| a.holders)
            .map(|h| h.holder)
            .collect();
        let mut latin = 0;
        for holder in &people {
            if let Holder::Person {
                name,
                name_latin,
                national_id_masked,
            } = holder
            {
                let chars = name.chars().count();
                assert!(
                    (2..=3).contains(&chars) && name.chars().all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
                    "{name}"
                );
                assert_eq!(
                    crate::model::MaskedNationalId::mask(national_id_masked)
                        .map(|m| m.to_string())
                        .as_deref(),
                    Ok(national_id_masked.as_str())
                );
                if let Some(latin_name) = name_latin {
                    latin += 1;
                    assert!(
                        latin_name
                            .chars()
                            .all(|c| c.is_ascii_uppercase() || c == ' ' || c == '-'),
                        "{latin_name}"
                    );
                }
            }
        }
        assert!(latin > 0 && latin < people.len());
    }

    #[test]
    fn plates_look_taiwanese() {
        let plans = sample(4);
        let plates: Vec<&str> = plans
            .iter()
            .flat_map(|a| &a.holders)
            .filter_map(|h| match &h.holder {
                Holder::Vehicle { plate, .. } => Some(plate.as_str()),
                Holder::Person { .. } => None,
            })
            .collect();
        assert!(!plates.is_empty());
        for plate in plates {
            let (letters, digits) = plate.split_once('-').unwrap_or_default();
            assert!(
                letters.len() == 3 && letters.bytes().all(|b| PLATE_LETTERS.contains(&b)),
                "{plate}"
            );
            assert!(
                digits.len() == 4 && digits.bytes().all(|b| PLATE_DIGITS.contains(&b)),
                "{plate}"
            );
        }
    }

    #[test]
    fn months_are_added_by_the_calendar() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2027 - 12 - 15), 1), date!(2028 - 01 - 15));
        assert_eq!(add_months(date!(2026 - 03 - 10), 36), date!(2029 - 03 - 10));
    }

    #[test]
    fn given_ports_get_the_pickup_office_and_lose_repeats() {
        let ports = with_pickup("TWKEL", &["TWKHH".into(), "TWTPE".into(), "TWKHH".into()]);
        assert_eq!(ports, ["TWKEL", "TWTPE", "TWKHH"]);
    }
}
