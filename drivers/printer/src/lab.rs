//! The CUPS lab: a private `cupsd` started for a test, with
//! its own configuration, spool and port, and one cups-pdf queue whose output
//! the test picks up. Shared by the printer's tests and the station's.
//!
//! It needs root (cups-pdf reads its settings only from /etc/cups) and
//! Debian's CUPS packages; a missing part fails with the install line, never
//! a silent skip. It panics rather than returning errors: it is test
//! equipment, and a broken lab must stop the test at once.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::CupsQueue;

pub const INSTALL: &str = "apt-get install cups cups-client printer-driver-cups-pdf poppler-utils";
const CUPS_PDF_PPD: &str = "lsb/usr/cups-pdf/CUPS-PDF_noopt.ppd";

fn require(path: &str, what: &str) {
    assert!(Path::new(path).exists(), "{what} ({path}) is missing: {INSTALL}");
}

/// A private cupsd with one cups-pdf queue; stopped by PID when dropped.
#[derive(Debug)]
pub struct CupsLab {
    dir: tempfile::TempDir,
    cupsd: Option<Child>,
    /// `127.0.0.1:<port>` of this cupsd.
    pub server: String,
    /// The cups-pdf queue's name.
    pub queue: String,
    queue_config: PathBuf,
}

impl CupsLab {
    pub fn start() -> CupsLab {
        require("/usr/sbin/cupsd", "cupsd");
        require("/usr/sbin/lpadmin", "lpadmin");
        require("/usr/sbin/cupsdisable", "cupsdisable");
        require("/usr/bin/lp", "lp");
        require("/usr/lib/cups/backend/cups-pdf", "the cups-pdf backend");
        require("/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd", "the cups-pdf PPD");
        require("/usr/bin/pdftoppm", "pdftoppm");

        let dir = tempfile::tempdir().expect("temporary folder");
        // cupsd runs filters as user lp, which must reach the spool inside.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let path = |name: &str| dir.path().join(name);
        for sub in ["etc", "etc/ppd", "cache", "state", "spool", "spool/tmp", "log", "out"] {
            std::fs::create_dir_all(path(sub)).expect("lab folders");
            // cups-pdf writes as the job's user, or as nobody for a user it does not know.
            let mode = if sub == "out" { 0o777 } else { 0o755 };
            std::fs::set_permissions(path(sub), std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let server = format!("127.0.0.1:{port}");
        std::fs::write(
            path("etc/cupsd.conf"),
            format!(
                "Listen {server}\nLogLevel info\nWebInterface No\nBrowsing Off\n\
                 <Location />\n  Order allow,deny\n  Allow from 127.0.0.1\n</Location>\n\
                 <Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
            ),
        )
        .expect("cupsd.conf");
        let root = dir.path().display();
        std::fs::write(
            path("etc/cups-files.conf"),
            format!(
                "ServerRoot {root}/etc\nCacheDir {root}/cache\nStateDir {root}/state\nRequestRoot {root}/spool\n\
                 TempDir {root}/spool/tmp\nErrorLog {root}/log/error_log\nAccessLog {root}/log/access_log\n\
                 PageLog {root}/log/page_log\nPrintcap {root}/state/printcap\nSystemGroup root\n"
            ),
        )
        .expect("cups-files.conf");

        // cups-pdf reads /etc/cups/cups-pdf-<name>.conf for device URI cups-pdf:/<name>.
        let queue = format!("CardPDFTest{}", std::process::id());
        let queue_config = PathBuf::from(format!("/etc/cups/cups-pdf-{queue}.conf"));
        std::fs::write(&queue_config, format!("Out {root}/out\nAnonDirName {root}/out\n")).unwrap_or_else(|e| {
            panic!(
                "cannot write {}: {e}; run the tests as root (cups-pdf reads only /etc/cups)",
                queue_config.display()
            )
        });

        let cupsd = Command::new("/usr/sbin/cupsd")
            .arg("-f")
            .arg("-c")
            .arg(path("etc/cupsd.conf"))
            .arg("-s")
            .arg(path("etc/cups-files.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start cupsd: {e}; {INSTALL}"));
        let lab = CupsLab {
            dir,
            cupsd: Some(cupsd),
            server,
            queue,
            queue_config,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(&lab.server).is_err() {
            assert!(
                Instant::now() < deadline,
                "cupsd did not listen on {}: {}",
                lab.server,
                lab.log()
            );
            sleep(Duration::from_millis(100));
        }
        let device = format!("cups-pdf:/{}", lab.queue);
        lab.admin(
            "lpadmin",
            &["-p", &lab.queue.clone(), "-v", &device, "-E", "-m", CUPS_PDF_PPD],
        );
        lab
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log/error_log")).unwrap_or_default()
    }

    pub fn admin(&self, tool: &str, args: &[&str]) {
        let output = Command::new(tool)
            .args(["-h", &self.server])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e}; {INSTALL}"));
        assert!(
            output.status.success(),
            "{tool} {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub fn queue(&self) -> CupsQueue {
        let mut queue = CupsQueue::new(&self.queue).with_server(&self.server);
        queue.timeout = Duration::from_secs(60);
        queue
    }

    /// The PDF cups-pdf wrote for the latest job, waiting for it to appear whole.
    pub fn take_output(&self) -> Vec<u8> {
        self.take_outputs(1).remove(0)
    }

    /// The next `count` documents cups-pdf writes, in the order it wrote them, once all are whole.
    pub fn take_outputs(&self, count: usize) -> Vec<Vec<u8>> {
        let out = self.dir.path().join("out");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&out)
                .expect("output folder")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
                .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
                .collect();
            files.sort();
            if files.len() == count {
                let documents: Vec<Vec<u8>> = files
                    .iter()
                    .map(|(_, file)| std::fs::read(file).expect("read output"))
                    .collect();
                if documents
                    .iter()
                    .all(|bytes| bytes.ends_with(b"%%EOF\n") || bytes.ends_with(b"%%EOF"))
                {
                    for (_, file) in &files {
                        std::fs::remove_file(file).expect("clear output");
                    }
                    return documents;
                }
            }
            assert!(
                files.len() <= count && Instant::now() < deadline,
                "cups-pdf wrote {files:?} where {count} were awaited; log: {}",
                self.log()
            );
            sleep(Duration::from_millis(100));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut cupsd) = self.cupsd.take() {
            // cupsd stops cleanly on SIGTERM; signal this child by its PID only.
            let _ = Command::new("kill").arg(cupsd.id().to_string()).status();
            if cupsd.try_wait().ok().flatten().is_none() {
                let deadline = Instant::now() + Duration::from_secs(10);
                while cupsd.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                    sleep(Duration::from_millis(50));
                }
                let _ = cupsd.kill();
                let _ = cupsd.wait();
            }
        }
    }
}

impl Drop for CupsLab {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_file(&self.queue_config);
    }
}

/// The text of every QR code found on a PNG page, as `rqrr` reads it.
pub fn read_qr_codes(png: &[u8]) -> Vec<String> {
    let Ok(page) = image::load_from_memory(png) else {
        return Vec::new();
    };
    let page = page.to_luma8();
    // Black and white at mid-grey, as a scanner's sensor sees print: the
    // card's tinted background and watermark (light) must not make rqrr's
    // own thresholding misplace a module edge.
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(page.width() as usize, page.height() as usize, |x, y| {
            if page.get_pixel(x as u32, y as u32).0[0] < 128 {
                0
            } else {
                255
            }
        });
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}
