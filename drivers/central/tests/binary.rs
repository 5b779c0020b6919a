//! The `central-sim` program as scripts and the station's tests use it: the
//! first line of its output names the address, the next ones the enrolment
//! codes; SIGTERM stops it cleanly; a second start on the same file keeps the
//! data and adds to it.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use pass_central::CentralClient;

/// A running `central-sim` and the lines it printed at start.
struct Running {
    child: Child,
    url: String,
    codes: Vec<String>,
}

/// Starts `central-sim` on `db` and reads its address and `codes` enrolment code lines.
fn start(db: &Path, extra: &[&str], codes: usize) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_central-sim"))
        .args(["--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("central-sim starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let first = lines.next().expect("a first line").expect("text");
    let url = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line {first:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "{url}");
    let second = lines.next().expect("a second line").expect("text");
    let fingerprint = second
        .strip_prefix("root key fingerprint: ")
        .unwrap_or_else(|| panic!("second line {second:?}"));
    assert!(
        fingerprint.len() == 64 && fingerprint.bytes().all(|b| b.is_ascii_hexdigit()),
        "{fingerprint}"
    );
    // Nothing follows the codes: reading past them would wait for ever.
    let codes: Vec<String> = lines.take(codes).map_while(Result::ok).collect();
    assert!(
        codes.iter().all(|line| line.starts_with("enrolment code for ")),
        "{codes:?}"
    );
    Running { child, url, codes }
}

/// Sends SIGTERM and waits for a clean exit.
fn terminate(mut running: Running) {
    let pid = running.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
    assert!(sent.success());
    let status = running.child.wait().expect("central-sim ends");
    assert!(status.success(), "central-sim ended with {status}");
}

/// How many items the TWKEL feed holds, as the station with `key` sees them.
async fn feed_size(url: &str, key: &str) -> usize {
    let client = CentralClient::new(url).expect("a URL").with_station_key(key.to_owned());
    let page = client.items_page("TWKEL", None, 1000).await.expect("a page");
    assert!(!page.has_more);
    page.items.len()
}

#[tokio::test]
async fn central_sim_announces_itself_stops_on_sigterm_and_keeps_its_data() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("central.db");

    let first = start(
        &db,
        &["--generate", "20", "--no-photos", "--enrolment-code", "TWKHH:ABCD-2345"],
        2,
    );
    assert!(
        first.codes.contains(&"enrolment code for TWKHH: ABCD-2345".to_owned()),
        "{:?}",
        first.codes
    );
    assert!(
        first.codes.iter().any(|c| c.starts_with("enrolment code for TWKEL: ")),
        "{:?}",
        first.codes
    );
    let code = first
        .codes
        .iter()
        .find_map(|c| c.strip_prefix("enrolment code for TWKEL: "))
        .expect("a TWKEL code");
    let request = common::enrolment_request(code, "基隆港製證櫃檯 2");
    let client = CentralClient::new(&first.url).expect("a URL");
    let key = client.enrol(&request).await.expect("enrolled").station_key;
    assert_eq!(feed_size(&first.url, &key).await, 20);
    terminate(first);

    // The station, its key and the items survive; five more are generated.
    // Unused: the TWKHH code, and a new TWKEL one.
    let second = start(&db, &["--generate", "5", "--no-photos"], 2);
    assert_eq!(feed_size(&second.url, &key).await, 25);
    terminate(second);
}

#[test]
fn central_sim_refuses_an_unknown_office_and_says_why() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let output = Command::new(env!("CARGO_BIN_EXE_central-sim"))
        .args(["--listen", "127.0.0.1:0", "--office", "TWXXX", "--db"])
        .arg(dir.path().join("central.db"))
        .output()
        .expect("central-sim runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown card office \"TWXXX\"") && stderr.contains("TWKEL"),
        "{stderr}"
    );
}
