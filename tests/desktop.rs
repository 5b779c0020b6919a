//! The desktop app end to end, as the card office uses it: the built
//! `pass-station` binary in demo mode, in a real WebKitGTK window on an Xvfb
//! display, driven through tauri-driver and WebKitWebDriver over the W3C
//! WebDriver protocol (plain JSON over HTTP, so no WebDriver client crate is
//! needed). One card goes the whole way: the clerk signs in, the queue
//! appears, a Chinese search finds an item, a sync runs, the card prints to
//! the PDF folder, its print is checked live (the demo's camera plays its
//! picture, no file is picked, the pass comes from the QR), its chip is
//! written on the virtual reader; the supervisor signs in and releases it;
//! the clerk hands it over with the recipient's ID masked; the clerk groups
//! the queue by application, prints a crew's printable items as one batch
//! and, once two of them are released, hands both over at once; a second
//! card's print check fails and is spoiled only once the clerk confirms; and
//! at the gate, as the gate officer, the first card's QR is valid to the live
//! camera, the spoiled card's QR from a handheld scanner (keys sent to the
//! window) is refused, and the chip is valid. An administrator then chooses
//! a real CUPS queue (the printer lab's cupsd with a cups-pdf queue) in
//! Settings: a test card and the clerk's next card come out of it. The zh-TW
//! labels are checked to draw with a CJK font rather than missing-glyph boxes
//! (run with `FONTCONFIG_FILE` naming a configuration without CJK fonts, the
//! check fails), and the status bar to fit the 1280x800 window in both
//! languages. A person without a photo gets one at the desk from a picture
//! file, and their card prints. Each screen is saved as a PNG under
//! `target/e2e-screens/`.
//!
//! The lab parts are real: a missing one fails the test with its install step.

mod common;

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use pass_central::api::Holder;
use pass_central::identity::IdDocument;
use pass_printer::lab::{CupsLab, read_qr_codes};
use pass_printer::{PRINT_DPI, rasterise};
use pass_station::desk_photo::needs_photo;
use pass_station::model::{CardState, PassKind, Role};
use pass_station::store::{QueueQuery, QueueRow};
use pass_station::sync::SyncOptions;
use pass_station::{Station, StationHome};
use serde_json::{Value, json};

use common::desktop::{Session, TEXT_OF, open_app, screens_dir};

const APP: &str = env!("CARGO_BIN_EXE_pass-station");

/// Runs passctl on the station in `home` with `input` on its standard input;
/// gives its JSON answer, or null for a command that prints none.
fn passctl(home: &Path, args: &[&str], input: &str) -> Value {
    let output = common::passctl_in(home, args, input);
    assert!(
        output.status.success(),
        "passctl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or(Value::Null)
}

/// The desktop test's own steps.
impl Session {
    /// Calls a command whose request body is an image (a photo of a card),
    /// with the card named in the `pass-id` header, as the UI sends a picked file.
    async fn invoke_image(&self, command: &str, pass_id: &str, image: &Path) -> Value {
        let bytes = std::fs::read(image).unwrap_or_else(|e| panic!("reading {}: {e}", image.display()));
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({
                "script": "const done = arguments[arguments.length - 1]; \
                           const body = Uint8Array.from(atob(arguments[1]), (c) => c.charCodeAt(0)); \
                           window.__TAURI_INTERNALS__.invoke(arguments[0], body, { headers: { 'pass-id': arguments[2] } }) \
                             .then(done, (error) => done({ failed: error }));",
                "args": [command, base64::engine::general_purpose::STANDARD.encode(bytes), pass_id],
            })),
        )
        .await
    }

    /// Types `text` and Enter to the window, not to a field, as a handheld
    /// scanner (a keyboard wedge) does: one burst of key presses.
    async fn scan(&self, text: &str) {
        // Focus on the heading, so no field or button takes the keys.
        self.script("document.querySelector('h1').focus();", json!([])).await;
        let keys: Vec<Value> = text
            .chars()
            .map(String::from)
            .chain(["\u{E007}".to_owned()])
            .flat_map(|key| {
                [
                    json!({ "type": "keyDown", "value": key }),
                    json!({ "type": "keyUp", "value": key }),
                ]
            })
            .collect();
        self.script(
            "window.__scanKeys = []; window.addEventListener('keydown', \
             (e) => window.__scanKeys.push([e.key, Math.round(e.timeStamp), e.target.tagName, e.defaultPrevented]), true);",
            json!([]),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({ "actions": [{ "type": "key", "id": "scanner", "actions": keys }] })),
        )
        .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let seen = self
            .script(
                "const k = window.__scanKeys; const gaps = k.slice(1).map((x, i) => x[1] - k[i][1]); \
                 return { keys: k.length, maxGap: Math.max(0, ...gaps), first: k.slice(0, 3), last: k.slice(-2), \
                 typed: k.filter(x => x[0].length === 1).map(x => x[0]).join('') === arguments[0] };",
                json!([text]),
            )
            .await;
        eprintln!("scanner keys as the window saw them: {seen}");
    }

    /// Waits until an element matching `css` is on the page.
    /// Finds `card` in the queue by its holder's name and prints it.
    async fn print_from_queue(&self, card: &QueueRow) {
        self.click("[data-testid=nav-queue]").await;
        self.clear("[data-testid=queue-search]").await;
        self.type_into("[data-testid=queue-search]", &card.holder).await;
        let row = format!("[data-testid=queue-row][data-pass='{}']", card.pass_id);
        self.appears("the card's row", &row).await;
        self.click(&row).await;
        self.click("[data-testid=queue-print]").await;
        self.until(
            "the card to be printed",
            "const r = document.querySelector(arguments[0]); return r && r.dataset.state === 'printed';",
            json!([row]),
        )
        .await;
    }

    /// Opens the card screen from the keyboard: Enter on the queue's active row.
    async fn open_active_row(&self) {
        let list = self.find("[data-testid=queue-list]").await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{list}/value"),
            Some(json!({ "text": "\u{E007}" })),
        )
        .await;
    }

    /// Waits for the gate's verdict on a card presented by `source` (`qr` or
    /// `chip`) and gives its `data-valid` ("true" or "false").
    async fn gate_verdict(&self, what: &str, source: &str) -> Value {
        self.until(
            what,
            "const v = document.querySelector('[data-testid=gate-verdict]'); \
             return v && v.dataset.source === arguments[0] && v.dataset.valid;",
            json!([source]),
        )
        .await
    }

    /// Taps the demo's virtual card of `pass_id` on the gate's reader.
    async fn tap_demo_card(&self, pass_id: &str) {
        self.script(
            "const s = document.querySelector('[data-testid=gate-demo-card]'); s.value = arguments[0]; \
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            json!([pass_id]),
        )
        .await;
        // A verdict with a photo is tall: the reader's panel may sit below the fold.
        self.scroll_to("[data-testid=gate-tap]").await;
        self.click("[data-testid=gate-tap]").await;
    }

    /// Signs a demo user in from the sign-in screen's list of demo users.
    async fn sign_in(&self, username: &str) {
        let fill = format!("[data-testid='signin-demo-{username}']");
        self.appears("the demo user's button", &fill).await;
        self.click(&fill).await;
        self.click("[data-testid=signin-submit]").await;
        self.appears("the signed-in app", "[data-testid=signout]").await;
    }

    async fn sign_out(&self) {
        self.click("[data-testid=signout]").await;
        self.appears("the sign-in screen", "[data-testid=signin-submit]").await;
    }

    /// Checks that the status bar shows every item whole in the window as it
    /// opens (1280x800): nothing runs past its end, no item is cut.
    async fn status_bar_fits(&self, language: &str) {
        let fit = self
            .script(
                "const bar = document.querySelector('footer.status-bar'); \
                 const right = bar.getBoundingClientRect().right; \
                 const items = [...bar.children].map((e) => ({ text: e.textContent.trim(), \
                   cut: e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > right + 0.5 })); \
                 return { width: window.innerWidth, height: window.innerHeight, \
                   overflows: bar.scrollWidth > bar.clientWidth + 1, items };",
                json!([]),
            )
            .await;
        assert_eq!(
            (fit["width"].as_u64(), fit["height"].as_u64()),
            (Some(1280), Some(800)),
            "the window opens at 1280x800: {fit}"
        );
        let items = fit["items"].as_array().cloned().unwrap_or_default();
        assert!(
            items.len() >= 8,
            "office, central, sync, events, printer, reader, camera, hotlist: {fit}"
        );
        assert!(
            fit["overflows"] == json!(false) && items.iter().all(|item| item["cut"] == json!(false)),
            "the status bar fits in {language}: {fit}"
        );
    }

    /// Switches to English, waits for the screen's English heading, saves
    /// the screen as `name`, and checks that the status bar fits; then back
    /// to Chinese, where it must fit too.
    async fn in_english(&self, heading: &str, name: &str) {
        self.click("nav .language").await;
        self.until(
            "the English interface",
            "return document.querySelector('h1').textContent.trim() === arguments[0]",
            json!([heading]),
        )
        .await;
        self.screenshot(name).await;
        self.status_bar_fits(&format!("English ({name})")).await;
        self.click("nav .language").await;
        self.appears("the Chinese interface", "html[lang='zh-TW']").await;
        self.status_bar_fits(&format!("Chinese ({name})")).await;
    }

    /// Scrolls the element matching `css` to the middle of the window.
    async fn scroll_to(&self, css: &str) {
        self.script(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})",
            json!([css]),
        )
        .await;
    }
}

/// A second desk of the demo's office, enrolled at the demo's central (on
/// loopback, its admin endpoints open as the simulator's are), claims an
/// approved pass with a photo; answers its pass number.
async fn another_desk_claims(demo_station: &Path, scratch: &Path) -> String {
    let settings: Value = serde_json::from_slice(&std::fs::read(demo_station.join("station.json")).expect("settings"))
        .expect("the demo station's settings");
    let (url, office) = (
        settings["central_url"].as_str().expect("central's address"),
        settings["office"].as_str().expect("the office"),
    );
    let admin = pass_central::sim::AdminClient::new(url).expect("the admin client");
    let code = admin.enrolment_code(office).await.expect("an enrolment code");
    let fingerprint = admin.root_fingerprint().await.expect("the root key's fingerprint");
    let home = StationHome::new(scratch.join("desk-2"));
    home.enroll(url, &code, "櫃台 2", &fingerprint)
        .await
        .expect("the second desk enrols");
    let password = "Desk-two-1";
    admin
        .create_user("desk2-clerk", "desk2-clerk", &[Role::Clerk], office, password)
        .await
        .expect("a clerk of the second desk");
    let mut desk = Station::open(home).expect("the second desk");
    desk.sync(&SyncOptions::default(), &mut |_| {})
        .await
        .expect("the second desk syncs");
    let session = desk.sign_in("desk2-clerk", password).await.expect("sign-in");
    // The one that starts last, not of a crew: the steps after this one
    // print the soonest cards and a crew's.
    let (station, rows) = approved(demo_station);
    let pass_id = rows
        .iter()
        .filter(|row| matches!(row.kind, PassKind::Person | PassKind::Vehicle))
        .filter(|row| station.item(&row.pass_id).is_ok_and(|r| !needs_photo(&r)))
        .max_by(|a, b| a.valid_from.cmp(&b.valid_from))
        .expect("an approved pass")
        .pass_id
        .clone();
    let claimed = pass_station::ops::desk::claim(&mut desk, &session, std::slice::from_ref(&pass_id))
        .await
        .expect("the claim");
    assert!(claimed[0].error.is_none(), "{:?}", claimed[0].error);
    pass_id
}

/// The holder of `pass_id` and their whole ID document, as central holds
/// it (what the person brings to the counter).
async fn holder_of(demo_station: &Path, pass_id: &str) -> (String, IdDocument) {
    let settings: Value = serde_json::from_slice(&std::fs::read(demo_station.join("station.json")).expect("settings"))
        .expect("the demo station's settings");
    let url = settings["central_url"].as_str().expect("central's address");
    let admin = pass_central::sim::AdminClient::new(url).expect("the admin client");
    let document = admin.holder_document(pass_id).await.expect("a person's pass");
    let station = Station::open(StationHome::new(demo_station)).expect("the demo station");
    let holder = station
        .item(pass_id)
        .expect("held")
        .item
        .holder
        .display_name()
        .to_owned();
    (holder, document)
}

/// The demo station's cache and its approved cards.
fn approved(home: &Path) -> (Station, Vec<QueueRow>) {
    let station = Station::open(StationHome::new(home.to_owned())).expect("the demo station's cache");
    let query = QueueQuery {
        states: vec![CardState::Approved],
        limit: 10_000,
        ..QueueQuery::default()
    };
    let rows = station.store().queue(&query).expect("the queue");
    (station, rows)
}

/// The approved card in the station's cache that starts soonest: today, in
/// a demo of a few hundred passes, most of them valid already.
fn soonest_approved(home: &Path) -> QueueRow {
    let (station, rows) = approved(home);
    // A person, who collects it with their own ID; one whose photo is at
    // hand: a person without one has theirs taken at the desk later.
    rows.into_iter()
        .filter(|row| {
            station
                .item(&row.pass_id)
                .is_ok_and(|record| matches!(record.item.holder, Holder::Person { .. }) && !needs_photo(&record))
        })
        .min_by(|a, b| a.valid_from.cmp(&b.valid_from))
        .expect("an approved card")
}

/// The cards of `application` in `state` in the station's cache, oldest first.
fn cards_of(home: &Path, application: &str, state: CardState) -> Vec<String> {
    let station = Station::open(StationHome::new(home.to_owned())).expect("the demo station's cache");
    let query = QueueQuery {
        states: vec![state],
        limit: 10_000,
        ..QueueQuery::default()
    };
    let rows = station.store().queue(&query).expect("the queue");
    rows.into_iter()
        .map(|row| row.pass_id)
        .filter(|id| station.store().application_of(id).expect("read").as_deref() == Some(application))
        .collect()
}

/// The QR text printed on a pass's card, as the station recorded it.
/// Whether the station's cache holds the photo of `pass_id`'s holder.
fn has_photo(home: &Path, pass_id: &str) -> bool {
    let station = Station::open(StationHome::new(home.to_owned())).expect("the demo station's cache");
    let record = station.item(pass_id).expect("a cached pass");
    record
        .item
        .photo_sha256
        .is_some_and(|sha| station.store().photo(&sha).is_ok_and(|photo| photo.is_some()))
}

fn printed_qr(home: &Path, pass_id: &str) -> String {
    let station = Station::open(StationHome::new(home.to_owned())).expect("the demo station's cache");
    let card = station.store().printed_card(pass_id).expect("read");
    card.expect("the card is printed").qr_text
}

/// An approved person's card in the station's cache whose photo it does not
/// hold (the demo makes a few people without one): its pass number and holder.
fn approved_without_photo(home: &Path) -> (String, String) {
    let (station, rows) = approved(home);
    rows.into_iter()
        .find(|row| station.item(&row.pass_id).is_ok_and(|record| needs_photo(&record)))
        .map(|row| (row.pass_id, row.holder))
        .expect("the demo has approved people without a photo")
}

/// The ID number the demo's recipient shows (made up, well formed).
/// A company clerk's national ID: a valid number, nobody's holder.
const RECIPIENT_ID: &str = "F128456793";

/// A fresh Debian machine has no CJK font: the `.deb` depends on the one the
/// zh-TW interface is drawn with, and the lab's setup installs it (the
/// end-to-end test below checks that labels draw with it).
#[test]
fn the_package_brings_the_cjk_font() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tauri.conf.json")).expect("tauri.conf.json"))
            .expect("tauri.conf.json is JSON");
    let depends = &config["bundle"]["linux"]["deb"]["depends"];
    assert!(
        depends.as_array().is_some_and(|d| d.contains(&json!("fonts-noto-cjk"))),
        "the .deb depends on fonts-noto-cjk: {depends}"
    );
    let setup = std::fs::read_to_string(root.join("../.ci/setup")).expect(".ci/setup");
    assert!(setup.contains("fonts-noto-cjk"), ".ci/setup installs fonts-noto-cjk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_issues_a_card_in_the_desktop_app() {
    let screens = screens_dir("e2e-screens");
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let demo_dir = scratch.path().join("demo");

    // The printer lab: a private cupsd with a cups-pdf queue, which the
    // administrator chooses in Settings; the app finds it through CUPS_SERVER.
    let cups = CupsLab::start();

    let args = [
        "--demo",
        "--demo-dir",
        &demo_dir.to_string_lossy(),
        "--demo-items",
        "200",
    ]
    .map(String::from);
    let (app, _lab) = open_app(
        Path::new(APP),
        &args,
        &[("CUPS_SERVER", cups.server.as_str())],
        scratch.path(),
        screens,
    )
    .await;

    // The app opens on sign-in; the demo lists its users. The clerk signs in.
    app.until("the sign-in screen", TEXT_OF, json!(["[data-testid=signin-submit]"]))
        .await;
    app.screenshot("00-sign-in").await;
    // The default zh-TW labels render with a CJK font, not as missing-glyph boxes.
    app.draws_chinese(&["[data-testid=signin-submit]", "h1"]).await;
    app.sign_in("demo-clerk").await;

    // The queue appears, filled by the start-up sync.
    app.until(
        "the queue's rows",
        "return document.querySelectorAll('[data-testid=queue-row]').length",
        json!([]),
    )
    .await;
    app.screenshot("01-queue").await;

    // The list shows how many items the queue holds and draws only the rows
    // in view; scrolled to its end, it fetches and shows the last item.
    let whole = app
        .invoke("queue", json!({ "text": null, "states": [], "limit": 1, "offset": 0 }))
        .await;
    let total = whole["total"].as_u64().expect("the queue answers its total");
    let last = app
        .invoke(
            "queue",
            json!({ "text": null, "states": [], "limit": 1, "offset": total - 1 }),
        )
        .await;
    let last_pass = last["rows"][0]["pass_id"].as_str().expect("the last item").to_owned();
    app.until(
        "the queue's total",
        "return document.querySelector('[data-testid=queue-count]').dataset.total === String(arguments[0])",
        json!([total]),
    )
    .await;
    let drawn = app
        .script(
            "return document.querySelectorAll('[data-testid=queue-row]').length",
            json!([]),
        )
        .await;
    assert!(
        drawn.as_u64().is_some_and(|drawn| drawn < total),
        "only the rows in view are drawn: {drawn} of {total}"
    );
    app.script(
        "const list = document.querySelector('[data-testid=queue-list]'); list.scrollTop = list.scrollHeight",
        json!([]),
    )
    .await;
    app.until(
        "the queue's last item, scrolled to",
        "return !!document.querySelector(`[data-testid=queue-row][data-pass='${arguments[0]}']`)",
        json!([last_pass]),
    )
    .await;
    app.script(
        "document.querySelector('[data-testid=queue-list]').scrollTop = 0",
        json!([]),
    )
    .await;

    // A search by two characters of a holder's name finds them.
    let holder = app
        .script(TEXT_OF, json!(["[data-testid=queue-row] span:nth-child(3)"]))
        .await;
    let part: String = holder.as_str().unwrap_or_default().chars().skip(1).take(2).collect();
    app.type_into("[data-testid=queue-search]", &part).await;
    app.until(
        "search results for the holder",
        "const rows = [...document.querySelectorAll('[data-testid=queue-row]')]; \
         return rows.length > 0 && rows.every(r => r.textContent.includes(arguments[0]));",
        json!([part]),
    )
    .await;
    app.screenshot("02-search").await;

    // Another desk of the office claims a pass at the demo's central.
    let claimed = another_desk_claims(&demo_dir.join("station"), scratch.path()).await;

    // A sync runs from the sync screen and reports.
    app.click("[data-testid=nav-sync]").await;
    app.click("[data-testid=sync-run]").await;
    app.until("the sync report", TEXT_OF, json!(["[data-testid=sync-report]"]))
        .await;
    app.screenshot("03-sync").await;

    // The queue shows where the other desk's pass is being made; its card
    // offers no print here.
    app.click("[data-testid=nav-queue]").await;
    app.clear("[data-testid=queue-search]").await;
    app.type_into("[data-testid=queue-search]", &claimed).await;
    let claim = format!("[data-testid=queue-row][data-pass='{claimed}'] [data-testid=queue-claimed]");
    app.appears("another desk's claim in the queue", &claim).await;
    let text = app.script(TEXT_OF, json!([claim])).await;
    assert!(text.as_str().is_some_and(|t| t.contains("櫃台 2")), "{text}");
    app.screenshot("03b-claimed-elsewhere").await;
    app.in_english("Queue", "03b-claimed-elsewhere-en").await;
    app.open_active_row().await;
    app.appears("the claim on the card", "[data-testid=card-claimed]").await;
    let print_offered = app
        .script("return !!document.querySelector('[data-testid=card-print]')", json!([]))
        .await;
    assert_eq!(
        print_offered,
        json!(false),
        "the card of another desk's claim offers no print"
    );
    app.screenshot("03c-card-claimed-elsewhere").await;
    app.click("nav .language").await;
    app.appears("the English card", "html[lang='en'] [data-testid=card-claimed]")
        .await;
    app.screenshot("03d-card-claimed-elsewhere-en").await;
    app.click("nav .language").await;
    app.appears("the Chinese interface", "html[lang='zh-TW']").await;

    // The approved card that starts soonest (today), so that the gate at the
    // end finds it valid, prints to the PDF folder and moves to printed. The
    // cache says which it is; the clerk finds it by the holder's name.
    let card = soonest_approved(&demo_dir.join("station"));
    let pass_id = card.pass_id.clone();
    app.print_from_queue(&card).await;
    app.screenshot("04-printed").await;
    let pdfs = std::fs::read_dir(demo_dir.join("station/printed"))
        .expect("the PDF printer folder")
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        })
        .count();
    assert_eq!(pdfs, 1, "one card PDF in the printer folder");

    // The card screen opens from the keyboard: Enter on the list's active row.
    app.open_active_row().await;
    app.until(
        "the card's print preview",
        "const i = document.querySelector('[data-testid=preview-front]'); return i && i.complete && i.naturalWidth > 0;",
        json!([]),
    )
    .await;
    let state = app.script(TEXT_OF, json!(["[data-testid=card-state]"])).await;
    assert_eq!(
        state,
        json!("已印製"),
        "the card screen shows the printed state in Chinese"
    );
    app.screenshot("05-card").await;

    // The print is checked live: the demo's camera plays its picture of the
    // card's back, the clerk types no pass number, and the verdict appears by
    // itself, for the pass the QR names. No file is picked.
    let picture = demo_dir.join("camera").join(format!("{pass_id}-back.png"));
    assert!(picture.exists(), "the demo camera pictured the printed card");
    app.click("[data-testid=card-check]").await;
    app.clear("[data-testid=check-pass]").await;
    let checked = app
        .until(
            "the live print check's verdict",
            "const v = document.querySelector('[data-testid=check-ok]'); return v && v.dataset.pass;",
            json!([]),
        )
        .await;
    assert_eq!(checked, json!(pass_id), "the QR's own pass is checked");
    let fps = app
        .until(
            "the preview's frame rate",
            "const c = document.querySelector('[data-testid=check-camera]'); \
             return c && Number(c.dataset.fps) >= 1 && Number(c.dataset.fps);",
            json!([]),
        )
        .await;
    eprintln!("check-print preview, first reading: {fps} frames drawn a second");
    app.screenshot("06-check-print").await;
    app.click("nav .language").await;
    app.appears("the English check-print screen", "[data-testid=check-ok]")
        .await;
    app.screenshot("06b-check-print-en").await;
    app.click("nav .language").await;

    // The chip is written on the virtual reader, each exchange shown, and read back valid.
    app.click("[data-testid=nav-encode]").await;
    app.click("[data-testid=encode-run]").await;
    app.until(
        "the encode verdict",
        "return document.querySelector('[data-testid=encode-result] .verdict.ok')",
        json!([]),
    )
    .await;
    let phases = app
        .script(
            "return [...document.querySelectorAll('[data-testid=encode-steps] li')].map(li => li.dataset.state)",
            json!([]),
        )
        .await;
    assert_eq!(
        phases,
        json!(["done", "done", "done", "done", "done"]),
        "the write's five phases are shown, each done"
    );
    let next = app
        .script(
            "const e = document.querySelector('[data-testid=encode-next]'); return e && e.textContent",
            json!([]),
        )
        .await;
    assert!(
        next.as_str().is_some_and(|text| text.contains("主管")),
        "the next step, the supervisor's release, is named: {next}"
    );
    app.screenshot("07-encode").await;

    // The card now says its chip is written; settings show the enrolment, in English too.
    app.click("[data-testid=nav-card]").await;
    app.until(
        "the encoded state",
        "const e = document.querySelector('[data-testid=card-state]'); return e && e.textContent.trim() === '晶片已寫入';",
        json!([]),
    )
    .await;
    app.screenshot("08-card-encoded").await;

    // A person without a photo is no dead end: the clerk takes the photo at
    // the desk with the camera, frames it, saves it, and the card prints. The
    // holder stands before the demo's camera: their picture is the first in
    // its folder by name, so a camera just started shows it first.
    let (no_photo, no_photo_holder) = approved_without_photo(&demo_dir.join("station"));
    let portrait = demo_dir.join("camera").join("0-holder.png");
    common::portrait_picture(&portrait, 1.0);
    app.click("[data-testid=nav-queue]").await;
    app.clear("[data-testid=queue-search]").await;
    app.type_into("[data-testid=queue-search]", &no_photo_holder).await;
    let row = format!("[data-testid=queue-row][data-pass='{no_photo}']");
    app.appears("the card without a photo", &row).await;
    app.click(&row).await;
    app.open_active_row().await;
    app.appears("the photo missing on the card", "[data-testid=card-photo-missing]")
        .await;
    app.screenshot("08c-card-without-photo").await;
    app.click("[data-testid=card-take-photo]").await;
    app.click("[data-testid=photo-from-camera]").await;
    app.appears("the camera's picture", "[data-testid=photo-snapshot]:not([disabled])")
        .await;
    app.screenshot("08c2-photo-camera").await;
    app.click("[data-testid=photo-snapshot]").await;
    std::fs::remove_file(&portrait).expect("the holder steps away");
    let warnings = app
        .until(
            "the photo's check",
            "const w = document.querySelector('[data-testid=photo-warnings]'); \
             const i = document.querySelector('[data-testid=photo-step] img'); \
             return w && w.dataset.checked === 'true' && i && i.complete && w.dataset.count;",
            json!([]),
        )
        .await;
    assert_eq!(warnings, json!("0"), "a good picture has no warning");
    app.screenshot("08d-photo-step").await;
    app.click("nav .language").await;
    app.appears("the English photo step", "[data-testid=photo-guide]").await;
    app.screenshot("08d-photo-step-en").await;
    app.click("nav .language").await;
    app.click("[data-testid=photo-save]").await;
    app.appears("the photo saved", "[data-testid=photo-saved]").await;
    app.appears("the print offered next", "[data-testid=card-print]").await;
    app.screenshot("08e-photo-saved").await;
    app.click("[data-testid=card-print]").await;
    app.until(
        "the card with the desk's photo to print",
        "const e = document.querySelector('[data-testid=card-state]'); return e && e.textContent.trim() === '已印製';",
        json!([]),
    )
    .await;
    app.screenshot("08f-photo-printed").await;
    // A wrong password says how many tries are left before the account locks.
    app.sign_out().await;
    app.clear("[data-testid=signin-username]").await;
    app.type_into("[data-testid=signin-username]", "demo-clerk").await;
    app.type_into("[data-testid=signin-password]", "Not-the-password-1")
        .await;
    app.click("[data-testid=signin-submit]").await;
    app.appears(
        "the wrong password's refusal",
        "[data-testid=signin-result] [data-code='auth.tries_left']",
    )
    .await;
    let refusal = app.script(TEXT_OF, json!(["[data-testid=signin-result]"])).await;
    assert!(
        refusal.as_str().unwrap_or_default().contains("再錯 4 次"),
        "four tries are left: {refusal}"
    );
    app.screenshot("08b-sign-in-tries-left").await;

    // The supervisor releases the card the clerk wrote.
    app.sign_in("demo-super").await;
    app.click("[data-testid=nav-supervisor]").await;
    let waiting = format!("[data-testid='release-row-{pass_id}']");
    app.appears("the card waiting for release", &waiting).await;
    app.click(&waiting).await;
    // Without the card's QR there is no seal check: the supervisor is told.
    app.click("[data-testid=release-submit]").await;
    app.appears("the note asking for the QR", "[data-testid=release-outcome] .warn")
        .await;
    app.screenshot("09a-release-needs-seal").await;
    // A QR that is not this card's (here a preview's specimen) breaks the seal.
    app.type_into("[data-testid=release-seal-text]", &format!("PP1-SPECIMEN:{pass_id}"))
        .await;
    app.click("[data-testid=release-submit]").await;
    app.appears("the broken seal", "[data-testid=release-error]").await;
    app.screenshot("09b-release-seal-broken").await;
    app.script(
        "const e = document.querySelector('[data-testid=release-seal-text]'); e.value = ''; \
         e.dispatchEvent(new Event('input', { bubbles: true }));",
        json!([]),
    )
    .await;
    // The seal check: the QR on the same card, from the demo camera's picture.
    app.type_into("[data-testid=release-seal-file]", &picture.to_string_lossy())
        .await;
    app.click("[data-testid=release-submit]").await;
    let released = app
        .until("the release", TEXT_OF, json!(["[data-testid=release-result]"]))
        .await;
    assert!(
        released.as_str().unwrap_or_default().contains("demo-super"),
        "the release names the supervisor: {released}"
    );
    app.screenshot("09-supervisor-release").await;
    app.click("nav .language").await;
    app.until(
        "the English supervisor screen",
        "return document.querySelector('h1').textContent.trim() === 'Supervisor'",
        json!([]),
    )
    .await;
    app.screenshot("09c-supervisor-release-en").await;
    app.click("nav .language").await;

    // The holder collects the card with their own ID document: the station
    // compares it with central's hash and says so before the hand-over; the
    // number is kept and shown masked only.
    app.sign_out().await;
    app.sign_in("demo-clerk").await;
    app.click("[data-testid=nav-handover]").await;
    let pickup = format!("[data-testid='pickup-row-{pass_id}']");
    app.appears("the card waiting for pick-up", &pickup).await;
    app.click(&pickup).await;
    let (holder, document) = holder_of(&demo_dir.join("station"), &pass_id).await;
    let (kind, number) = match &document {
        IdDocument::NationalId { number } => ("national_id", number.clone()),
        IdDocument::ResidentCertificate { number } => ("resident_certificate", number.clone()),
        IdDocument::Passport { .. } => panic!("central-sim generates no passport holders"),
    };
    app.type_into("[data-testid=handover-name]", &holder).await;
    app.select("[data-testid=handover-doc-kind]", kind).await;
    app.type_into("[data-testid=handover-id]", &number).await;
    app.click("[data-testid=handover-check]").await;
    let by = app
        .until(
            "the holder's verdict",
            "const v = document.querySelector('[data-testid=handover-verdict]'); return v && v.dataset.by",
            json!([]),
        )
        .await;
    assert_eq!(by, json!("holder"), "the station knows the holder by their own ID");
    app.screenshot("10a-handover-holder-checked").await;
    app.click("[data-testid=handover-submit]").await;
    let handed = app
        .until("the hand-over", TEXT_OF, json!(["[data-testid=handover-result]"]))
        .await;
    let handed = handed.as_str().unwrap_or_default();
    assert!(handed.contains(&document.masked()), "the masked ID is shown: {handed}");
    let page = app.script("return document.body.innerText", json!([])).await;
    assert!(
        !page.as_str().unwrap_or_default().contains(&number),
        "the full ID number is nowhere on screen"
    );
    app.screenshot("10-handover").await;

    // An application as a unit: the clerk groups the queue by application,
    // finds a crew of temporary passes (one person refused at central, counted
    // as out) and selects its printable items for one batch.
    app.click("[data-testid=nav-queue]").await;
    app.clear("[data-testid=queue-search]").await;
    app.click("[data-testid=queue-by-application]").await;
    let crew = app
        .until(
            "a crew in the queue by application",
            "const r = [...document.querySelectorAll('[data-testid=application-row]')] \
               .find(r => Number(r.dataset.items) >= 8 && r.dataset.out === '1'); \
             return r ? r.dataset.application : null;",
            json!([]),
        )
        .await;
    let crew = crew.as_str().expect("an application number").to_owned();
    let crew_row = format!("[data-testid=application-row][data-application='{crew}']");
    app.screenshot("16-queue-by-application").await;
    app.click("nav .language").await;
    app.appears("the English grouped queue", &crew_row).await;
    app.screenshot("16b-queue-by-application-en").await;
    app.click("nav .language").await;
    let station_home = demo_dir.join("station");
    let printable = cards_of(&station_home, &crew, CardState::Approved);
    assert!(
        printable.len() >= 7,
        "a crew of eight or more, one refused: {printable:?}"
    );
    app.click(&format!("{crew_row} [data-testid=application-select]")).await;
    let summary = app
        .until(
            "the application's items selected",
            TEXT_OF,
            json!(["[data-testid=print-summary]"]),
        )
        .await;
    assert!(
        summary
            .as_str()
            .unwrap_or_default()
            .contains(&printable.len().to_string()),
        "the selection names the crew's printable items: {summary}"
    );
    app.click("[data-testid=queue-print]").await;
    // The batch counts the cards selected: "n/{printable}" while it prints.
    let total = format!("/{}", printable.len());
    let progress = app
        .until(
            "the batch's progress",
            "const t = document.querySelector('[data-testid=print-summary]').textContent.trim(); \
             return t !== arguments[0] && t;",
            json!([summary]),
        )
        .await;
    let progress = progress.as_str().unwrap_or_default().to_owned();
    assert!(
        progress.contains(&total) || progress.contains(&printable.len().to_string()),
        "the progress counts the batch, not the queue: {progress}"
    );
    let mut printed = Vec::new();
    for _ in 0..5 {
        printed = cards_of(&station_home, &crew, CardState::Printed);
        if printed.len() == printable.len() {
            break;
        }
        app.until(
            "the crew's batch to print",
            "const r = document.querySelector(arguments[0]); return r && r.dataset.approved === '0';",
            json!([crew_row]),
        )
        .await;
    }
    assert_eq!(
        printed, printable,
        "the crew's printable items all printed, and only they"
    );
    app.screenshot("17-application-printed").await;

    // Two of its cards are checked and encoded (the clerk's steps, as the
    // screens call them) and released by the supervisor; then the clerk
    // hands both over at once to the crew's representative.
    let pair = &printed[..2];
    for id in pair {
        let picture = demo_dir.join("camera").join(format!("{id}-back.png"));
        let check = app.invoke_image("check_print_image", id, &picture).await;
        assert_eq!(check["matches"], json!(true), "{id}'s print checks: {check}");
        let encoded = app.invoke("encode_card", json!({ "passId": id })).await;
        assert_eq!(encoded["valid"], json!(true), "{id}'s chip reads back: {encoded}");
    }
    app.sign_out().await;
    app.sign_in("demo-super").await;
    for id in pair {
        let qr = printed_qr(&station_home, id);
        let released = app
            .invoke("release_card", json!({ "passId": id, "printedQr": qr }))
            .await;
        assert!(released.get("failed").is_none(), "{id} is released: {released}");
    }
    app.sign_out().await;
    app.sign_in("demo-clerk").await;
    app.click("[data-testid=nav-handover]").await;
    for id in pair {
        let row = format!("[data-testid='pickup-row-{id}']");
        app.appears("the crew's card waiting", &row).await;
        app.click(&row).await;
    }
    app.until(
        "both cards chosen, with their photos",
        "return document.querySelectorAll('[data-testid=handover-card]').length === 2 \
           && document.querySelectorAll('[data-testid=handover-photo]').length === 2",
        json!([]),
    )
    .await;
    // The company's clerk comes for the crew's cards: neither holder nor a
    // delegate with codes, so the station asks for a supervisor's approval.
    app.type_into("[data-testid=handover-name]", "陳建宏").await;
    app.type_into("[data-testid=handover-id]", RECIPIENT_ID).await;
    app.click("[data-testid=handover-check]").await;
    app.until(
        "each card needs an approval",
        "return [...document.querySelectorAll('[data-testid=handover-verdict]')] \
           .filter(v => v.dataset.by === 'none').length === 2",
        json!([]),
    )
    .await;
    app.appears("the supervisor's approval", "[data-testid=handover-approval]")
        .await;
    let users = app.invoke("demo_users", json!({})).await;
    let super_password = users
        .as_array()
        .and_then(|users| users.iter().find(|u| u["username"] == "demo-super"))
        .and_then(|u| u["password"].as_str())
        .expect("the demo supervisor's password")
        .to_owned();
    app.type_into("[data-testid=handover-supervisor]", "demo-super").await;
    app.type_into("[data-testid=handover-password]", &super_password).await;
    app.type_into("[data-testid=handover-reason]", "公司承辦人持委託書代領")
        .await;
    let typed = app
        .script(
            "return document.querySelector('[data-testid=handover-id]').value",
            json!([]),
        )
        .await;
    assert_eq!(
        typed,
        json!(RECIPIENT_ID),
        "the ID number shows as typed, to be checked"
    );
    app.screenshot("18-handover-application-form").await;
    app.click("[data-testid=handover-submit]").await;
    let handed = app
        .until(
            "the crew's hand-over",
            TEXT_OF,
            json!(["[data-testid=handover-result]"]),
        )
        .await;
    let handed = handed.as_str().unwrap_or_default();
    assert!(
        pair.iter().all(|id| handed.contains(id.as_str())) && handed.contains("F12****793"),
        "both cards, one recipient, the ID masked: {handed}"
    );
    let grounds = app
        .script(
            "return [...document.querySelectorAll('[data-testid=handover-result-by]')].map(d => d.dataset.by)",
            json!([]),
        )
        .await;
    assert_eq!(
        grounds,
        json!(["supervisor", "supervisor"]),
        "approved by the supervisor"
    );
    let cleared = app
        .script(
            "return ['handover-name', 'handover-company', 'handover-id'] \
               .map(id => document.querySelector(`[data-testid=${id}]`).value).join('')",
            json!([]),
        )
        .await;
    assert_eq!(cleared, json!(""), "the form is cleared for the next representative");
    assert_eq!(
        cards_of(&station_home, &crew, CardState::HandedOver),
        pair.to_vec(),
        "both cards are handed over"
    );
    app.screenshot("19-handover-application").await;
    app.click("nav .language").await;
    app.appears("the English hand-over", "[data-testid=handover-result]")
        .await;
    app.screenshot("19b-handover-application-en").await;
    app.click("nav .language").await;

    // A second card is printed; its picture is taken out of the camera's
    // folder (kept for the scanner at the gate), so the camera shows the cards
    // printed before while the clerk checks the second: the check fails, the screen asks
    // before spoiling with the reason filled in, and then says what comes next.
    // Its printed QR must never pass a gate.
    let spoiled = soonest_approved(&demo_dir.join("station"));
    app.print_from_queue(&spoiled).await;
    let spoiled_picture = scratch.path().join(format!("{}-back.png", spoiled.pass_id));
    std::fs::rename(
        demo_dir.join("camera").join(format!("{}-back.png", spoiled.pass_id)),
        &spoiled_picture,
    )
    .expect("the second card's picture leaves the camera");
    app.open_active_row().await;
    app.appears("the check button", "[data-testid=card-check]").await;
    app.click("[data-testid=card-check]").await;
    app.appears("the question before spoiling", "[data-testid=check-spoil-confirm]")
        .await;
    let reason = app
        .script(
            "return document.querySelector('[data-testid=check-spoil-reason]').value",
            json!([]),
        )
        .await;
    let reason = reason.as_str().unwrap_or_default();
    let office_prefix = format!("{}-", pass_id.split('-').next().unwrap_or_default());
    assert!(
        reason.contains(&office_prefix) && !reason.contains(&spoiled.pass_id),
        "the reason names the other card the camera saw: {reason}"
    );
    let state = Station::open(StationHome::new(demo_dir.join("station")))
        .expect("the cache")
        .item(&spoiled.pass_id)
        .expect("the second card")
        .state;
    assert_eq!(
        state,
        CardState::Printed,
        "nothing is spoiled before the clerk confirms"
    );
    app.screenshot("10b-check-mismatch").await;
    app.click("[data-testid=check-spoil-confirm]").await;
    app.appears("the spoiled card's next step", "[data-testid=check-spoiled]")
        .await;
    app.screenshot("10c-check-spoiled").await;
    let spoiled_qr = pass_station::scan::credential_in_image(&spoiled_picture).expect("the spoiled card's QR");

    // At the gate, as the gate officer: the card shown to the live camera is
    // valid, a handheld scanner's text for the spoiled card is refused with
    // the reason, and the chip is valid; the gate keeps running while the
    // officer opens another screen. Only the first card stays before the
    // camera (the crew's cards printed above go back to their holders), so it
    // is one presentation and the scanner's verdict is not followed by others.
    let camera_dir = demo_dir.join("camera");
    for entry in std::fs::read_dir(&camera_dir).expect("the demo's camera folder") {
        let path = entry.expect("a picture").path();
        if path.file_name() != picture.file_name() {
            std::fs::remove_file(&path).expect("a picture leaves the camera");
        }
    }
    app.sign_out().await;
    app.sign_in("demo-gate").await;
    app.click("[data-testid=nav-gate]").await;
    app.click("[data-testid=gate-start]").await;
    let camera_verdict = app
        .until(
            "the live camera's verdict",
            "const v = document.querySelector('[data-testid=gate-verdict]'); \
             return v && v.dataset.source === 'qr' && v.dataset.pass === arguments[0] && v.dataset.valid;",
            json!([pass_id]),
        )
        .await;
    assert_eq!(
        camera_verdict,
        json!("true"),
        "the printed QR is valid at the gate's camera"
    );
    app.until(
        "the gate's preview",
        "const c = document.querySelector('[data-testid=gate-camera]'); return c && Number(c.dataset.frames) > 0;",
        json!([]),
    )
    .await;
    app.screenshot("11-gate-camera").await;
    app.scan(&spoiled_qr).await;
    let scanned = app
        .until(
            "the scanner's verdict",
            "const v = document.querySelector('[data-testid=gate-verdict]'); \
             return v && v.dataset.pass === arguments[0] && v.dataset.valid;",
            json!([spoiled.pass_id]),
        )
        .await;
    app.screenshot("13-gate-spoiled").await;
    assert_eq!(scanned, json!("false"), "a spoiled card's QR is refused at the gate");
    let page = app.script("return document.body.innerText", json!([])).await;
    assert!(
        page.as_str().unwrap_or_default().contains("報廢"),
        "the verdict says the card was spoiled"
    );
    app.click("nav .language").await;
    app.appears("the English gate", "[data-testid=gate-verdict]").await;
    app.screenshot("13b-gate-spoiled-en").await;
    app.click("nav .language").await;
    app.tap_demo_card(&pass_id).await;
    let chip_valid = app.gate_verdict("the chip verdict", "chip").await;
    app.screenshot("12-gate-chip").await;
    assert_eq!(chip_valid, json!("true"), "the chip is valid at the gate");
    app.click("[data-testid=gate-full]").await;
    app.appears("the full-screen gate", ".gate-stage.full [data-testid=gate-verdict]")
        .await;
    app.screenshot("12b-gate-full").await;
    app.click(".gate-stage.full .exit").await;
    // A crew member's card: its chip carries the holder's photo, which the
    // gate shows as the chip's, signed by the office.
    let with_photo = pair
        .iter()
        .find(|id| has_photo(&station_home, id))
        .expect("a crew card whose holder has a photo");
    app.tap_demo_card(with_photo).await;
    app.appears("the chip's own photo", "[data-testid=gate-photo-from-chip]")
        .await;
    app.screenshot("12c-gate-chip-photo").await;
    app.in_english("Gate", "12d-gate-chip-photo-en").await;
    app.until(
        "the officer's checks of the day",
        "return document.querySelectorAll('[data-testid=gate-checks] li').length >= 3",
        json!([]),
    )
    .await;
    // Another screen and back: the gate ran all along.
    app.click("[data-testid=nav-settings]").await;
    app.click("[data-testid=nav-gate]").await;
    app.appears("the gate still running", "[data-testid=gate-state][data-running=true]")
        .await;
    app.appears("the last verdict still shown", "[data-testid=gate-verdict]")
        .await;
    app.click("[data-testid=gate-stop]").await;

    app.click("[data-testid=nav-settings]").await;
    app.until("the enrolment", TEXT_OF, json!(["[data-testid=settings-enrolment]"]))
        .await;
    app.screenshot("14-settings").await;
    app.in_english("Settings", "15-settings-en").await;

    // An administrator chooses the printer lab's CUPS queue in Settings; it
    // is in use at once, prints a test card (a specimen), and the clerk's
    // next card prints there.
    app.sign_out().await;
    app.sign_in("demo-admin").await;
    app.click("[data-testid=nav-settings]").await;
    let queue_option = format!("[data-testid=settings-printer] option[value='{}']", cups.queue);
    app.appears("the lab's CUPS queue among the printers", &queue_option)
        .await;
    app.select("[data-testid=settings-printer]", &cups.queue).await;
    app.click("[data-testid=settings-save]").await;
    app.appears("the devices saved", "[data-testid=settings-saved]").await;
    app.until(
        "the status bar to show the chosen printer",
        "const e = document.querySelector('[data-testid=status-printer]'); return e && e.textContent.includes(arguments[0]);",
        json!([cups.queue]),
    )
    .await;
    let kept: Value = serde_json::from_slice(
        &std::fs::read(demo_dir.join("station/station.json")).expect("the demo station's settings"),
    )
    .expect("station.json is JSON");
    assert_eq!(kept["devices"]["printer"], json!(cups.queue), "the choice is kept");
    assert_eq!(
        app.script(
            "return document.querySelector('[data-testid=settings-printer]').value",
            json!([])
        )
        .await,
        json!(cups.queue),
        "the form shows the printer in use"
    );
    app.click("[data-testid=settings-test-print]").await;
    app.appears("the test card printed", "[data-testid=settings-printed]")
        .await;
    app.screenshot("16-settings-admin").await;
    let qr_codes = |pdf: Vec<u8>| -> Vec<String> {
        rasterise(&pdf, PRINT_DPI)
            .expect("rasterise what CUPS printed")
            .iter()
            .flat_map(|page| read_qr_codes(page))
            .collect()
    };
    assert_eq!(
        qr_codes(cups.take_output()),
        vec!["PP1-SPECIMEN:TEST-CARD".to_owned()],
        "the test card is a specimen, never a credential"
    );
    // A test read of a card in the demo's tray (the first by pass number of
    // those written above) says it is this office's and whose it is.
    app.click("[data-testid=settings-test-read]").await;
    app.appears("the test read", "[data-testid=settings-read][data-kind=ours]")
        .await;
    let read = app.script(TEXT_OF, json!(["[data-testid=settings-read]"])).await;
    let read = read.as_str().unwrap_or_default();
    let office_prefix = format!("{}-", pass_id.split('-').next().unwrap_or_default());
    assert!(
        read.contains("寫入的卡") && read.contains(&office_prefix),
        "a card this station wrote, by its pass: {read}"
    );
    app.screenshot("16b-settings-test-read").await;
    // The administrator sets up backups to a folder (the passphrase once)
    // and backs up now: Settings says when and where; the file is there.
    let backups = demo_dir.join("backups");
    std::fs::create_dir_all(&backups).expect("the backup folder");
    app.type_into("[data-testid=backup-folder]", &backups.display().to_string())
        .await;
    app.select("[data-testid=backup-every]", "4").await;
    app.type_into("[data-testid=backup-passphrase]", "harbour lights at dawn")
        .await;
    app.type_into("[data-testid=backup-confirm]", "harbour lights at dawn")
        .await;
    app.click("[data-testid=backup-save]").await;
    app.appears("the backup schedule saved", "[data-testid=backup-saved]")
        .await;
    // A folder gone (an unmounted share): the backup fails, and says why.
    std::fs::remove_dir(&backups).expect("the folder removed");
    app.click("[data-testid=backup-now]").await;
    app.appears("the failed backup", "[data-testid=backup-last][data-ok=false]")
        .await;
    let why = app.script(TEXT_OF, json!(["[data-testid=backup-last]"])).await;
    assert!(
        why.as_str().unwrap_or_default().contains(".partial"),
        "it says which file could not be written: {why}"
    );
    app.scroll_to("[data-testid=backup-status]").await;
    app.screenshot("16d-settings-backup-failed").await;
    std::fs::create_dir_all(&backups).expect("the folder back");
    app.click("[data-testid=backup-now]").await;
    app.appears("the last backup made", "[data-testid=backup-last][data-ok=true]")
        .await;
    let made: Vec<_> = std::fs::read_dir(&backups)
        .expect("the backup folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".ppbackup"))
        .collect();
    assert_eq!(made.len(), 1, "one backup in the folder");
    app.scroll_to("[data-testid=backup-status]").await;
    app.screenshot("16c-settings-backup").await;
    app.click("nav .language").await;
    app.appears("the English interface", "html[lang='en']").await;
    app.scroll_to("[data-testid=backup-status]").await;
    app.screenshot("16e-settings-backup-en").await;
    app.click("nav .language").await;
    app.appears("the Chinese interface", "html[lang='zh-TW']").await;
    app.in_english("Settings", "17-settings-admin-en").await;
    app.sign_out().await;
    app.sign_in("demo-clerk").await;
    let third = soonest_approved(&demo_dir.join("station"));
    app.print_from_queue(&third).await;
    let printed = Station::open(StationHome::new(demo_dir.join("station")))
        .expect("the demo station")
        .store()
        .printed_card(&third.pass_id)
        .expect("read")
        .expect("printed");
    assert_eq!(
        qr_codes(cups.take_output()),
        vec![printed.qr_text.to_string()],
        "the clerk's card came out of the chosen CUPS queue"
    );

    // The supervisor's day: the figures counted from the trail (the cards
    // printed above, one spoiled), blanks received, the day closed with one
    // blank short in the hopper (flagged, not hidden), its report exported,
    // and the chart's table agreeing with the day's figures.
    app.sign_out().await;
    app.sign_in("demo-super").await;
    app.click("[data-testid=nav-supervisor]").await;
    app.appears("the day's figures", "[data-testid=day-figures]").await;
    let figure = |name: &str| {
        format!(
            "return Number(document.querySelector('[data-testid=day-figures] [data-figure={name}] dd').textContent)"
        )
    };
    let printed_today = app.script(&figure("printed"), json!([])).await;
    let spoiled_today = app.script(&figure("spoiled"), json!([])).await;
    assert!(
        printed_today.as_u64().is_some_and(|n| n >= 4) && spoiled_today.as_u64().is_some_and(|n| n >= 1),
        "today's figures count the cards printed and spoiled above: {printed_today} printed, {spoiled_today} spoiled"
    );
    // Nothing counted is nothing recorded: each form says what it lacks.
    app.click("[data-testid=stock-submit]").await;
    app.click("[data-testid=day-close]").await;
    app.appears("the closing's note", "[data-testid=day-close-note]").await;
    app.scroll_to("[data-testid=day-close-note]").await;
    app.screenshot("20a-office-day-needs-counts").await;
    app.in_english("Supervisor", "20a-office-day-needs-counts-en").await;
    app.type_into("[data-testid=stock-count]", "200").await;
    app.type_into("[data-testid=stock-first]", "B2026-0001").await;
    app.type_into("[data-testid=stock-last]", "B2026-0200").await;
    app.click("[data-testid=stock-submit]").await;
    app.appears("the blanks recorded", "[data-testid=stock-result]").await;
    let expected = app
        .until(
            "the stock with the blanks received",
            "const dd = document.querySelectorAll('[data-testid=day-stock] dd'); \
             return dd.length >= 3 && Number(dd[0].textContent) >= 200 && Number(dd[2].textContent);",
            json!([]),
        )
        .await
        .as_i64()
        .expect("the hopper's expected count");
    app.type_into("[data-testid=day-hopper]", &(expected - 1).to_string())
        .await;
    app.script(
        "document.querySelector('[data-testid=office-day]').scrollIntoView({block: 'start'})",
        json!([]),
    )
    .await;
    app.screenshot("20-office-day").await;
    app.click("[data-testid=day-close]").await;
    app.appears("the question before closing", "[data-testid=day-close-confirmation]")
        .await;
    app.click("[data-testid=day-close-confirm]").await;
    app.appears("the closed day", "[data-testid=day-status][data-closed=yes]")
        .await;
    let flag = app
        .until("the stock flagged", TEXT_OF, json!(["[data-testid=day-stock-flag]"]))
        .await;
    assert!(
        flag.as_str().unwrap_or_default().contains("-1"),
        "the hopper one short is flagged: {flag}"
    );
    assert_eq!(
        app.script(
            "return document.querySelector('[data-testid=day-close]') === null",
            json!([])
        )
        .await,
        json!(true),
        "a closed day offers no second closing"
    );
    app.click("[data-testid=day-export]").await;
    let exported = app
        .until("the exported report", TEXT_OF, json!(["[data-testid=day-exported]"]))
        .await;
    let reports = demo_dir.join("station").join("reports");
    for extension in ["pdf", "csv", "cose"] {
        let written = std::fs::read_dir(&reports)
            .expect("the reports folder")
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().ends_with(extension));
        assert!(
            written,
            "the {extension} report is in {}: {exported}",
            reports.display()
        );
    }
    let today_row = app
        .script(
            "const rows = document.querySelectorAll('[data-testid=day-table] tbody tr[data-day]'); \
             const last = rows[rows.length - 1]; \
             return [rows.length, Number(last.children[1].textContent), Number(last.children[2].textContent)];",
            json!([]),
        )
        .await;
    assert_eq!(
        today_row,
        json!([30, printed_today, spoiled_today]),
        "the table covers 30 days, today's row as the day's figures"
    );
    app.scroll_to("[data-testid=day-stock]").await;
    app.screenshot("20b-office-day-closed").await;
    app.in_english("Supervisor", "20c-office-day-closed-en").await;
    app.scroll_to("[data-testid=day-chart]").await;
    app.screenshot("20d-office-day-chart").await;

    // Both shells are one layer: the app's commands and passctl answer the
    // same use cases with the same views, for the same clerk.
    app.sign_out().await;
    app.sign_in("demo-clerk").await;
    let in_app = [
        app.invoke("card_detail", json!({ "passId": pass_id })).await,
        app.invoke("card_detail", json!({ "passId": spoiled.pass_id })).await,
        app.invoke("queue", json!({ "text": null, "states": [], "limit": 50 }))
            .await,
        app.invoke("pickups", json!({})).await,
    ];
    let users = app.invoke("demo_users", json!({})).await;
    let password = users
        .as_array()
        .and_then(|users| users.iter().find(|u| u["username"] == "demo-clerk"))
        .and_then(|clerk| clerk["password"].as_str())
        .expect("the demo lists its clerk")
        .to_owned();
    let home = demo_dir.join("station");
    passctl(&home, &["login", "--user", "demo-clerk", "--password-stdin"], &password);
    let in_passctl = [
        passctl(&home, &["show", &pass_id, "--json"], ""),
        passctl(&home, &["show", &spoiled.pass_id, "--json"], ""),
        passctl(&home, &["queue", "--limit", "50", "--json"], ""),
        passctl(&home, &["pickups", "--json"], ""),
    ];
    for (app_view, passctl_view) in in_app.iter().zip(&in_passctl) {
        assert!(app_view.get("failed").is_none(), "the app answered: {app_view}");
        assert_eq!(app_view, passctl_view, "the app and passctl show the same view");
    }
    assert!(
        in_app[1]["actions"].as_array().is_some_and(Vec::is_empty),
        "a spoiled card offers its clerk nothing: {}",
        in_app[1]
    );

    app.http
        .delete(format!("{}/session/{}", app.base, app.id))
        .send()
        .await
        .expect("the session closes");
}
