//! The desktop app under test: a real WebKitGTK window on an Xvfb display,
//! driven through tauri-driver and WebKitWebDriver over the W3C WebDriver
//! protocol (plain JSON over HTTP, so no WebDriver client crate is needed).
//! The desktop test drives the built app in demo mode; the package test the
//! installed one on an empty home. Not for: any test's own steps.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The key under which W3C WebDriver returns an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long the app may take for a step (a debug build under Xvfb on two cores).
pub const STEP: Duration = Duration::from_secs(60);

/// The text of the first element matching a selector (a script argument).
pub const TEXT_OF: &str = "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;";

/// The folder a test's screenshots go to, `target/NAME/`, emptied: a
/// failed.png of an earlier run would mislead.
pub fn screens_dir(name: &str) -> PathBuf {
    let screens = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .join(name);
    let _ = std::fs::remove_dir_all(&screens);
    std::fs::create_dir_all(&screens).expect("the screenshot folder");
    screens
}

/// Starts `application` with `args` in a window on a new Xvfb display,
/// under tauri-driver, with `env` added and its window state and web view
/// data in `scratch`; gives the WebDriver session and the lab's processes
/// (Xvfb and tauri-driver), which stop when dropped.
pub async fn open_app(
    application: &Path,
    args: &[String],
    env: &[(&str, &str)],
    scratch: &Path,
    screens: PathBuf,
) -> (Session, [Process; 2]) {
    let tauri_driver = lab_program(
        "tauri-driver",
        &[Path::new(&std::env::var("HOME").unwrap_or_default()).join(".cargo/bin/tauri-driver")],
        "cargo install tauri-driver --locked",
    );
    let native_driver = lab_program("WebKitWebDriver", &[], "apt-get install webkit2gtk-driver");
    let display = free_display();
    let xvfb = start_xvfb(display);
    let (port, native_port) = (free_port(), free_port());
    let mut driver = Command::new(tauri_driver);
    driver
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
            "--native-driver",
        ])
        .arg(native_driver)
        .env("DISPLAY", format!(":{display}"))
        // The app's window state and web view data stay in the scratch folder.
        .env("XDG_CONFIG_HOME", scratch.join("config"))
        .env("XDG_DATA_HOME", scratch.join("data"))
        .env("XDG_CACHE_HOME", scratch.join("cache"))
        .env_remove("PASS_STATION_HOME")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (name, value) in env {
        driver.env(name, OsStr::new(value));
    }
    let driver = Process {
        child: driver.spawn().expect("tauri-driver starts"),
        name: "tauri-driver",
    };

    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("an HTTP client");
    let base = format!("http://127.0.0.1:{port}");
    let capabilities = json!({ "capabilities": { "alwaysMatch": {
        "browserName": "wry",
        "tauri:options": { "application": application, "args": args },
    }}});
    let mut started = None;
    for _ in 0..50 {
        if let Ok(answer) = http.post(format!("{base}/session")).json(&capabilities).send().await {
            started = Some(answer.json::<Value>().await.expect("a session answer"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let started = started.expect("tauri-driver answers within 10 s");
    let id = started["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {started}"))
        .to_owned();
    let session = Session {
        http,
        base,
        id,
        screens,
    };
    (session, [driver, xvfb])
}

/// A lab program, found or named with the step that installs it.
pub fn lab_program(name: &str, candidates: &[PathBuf], install: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(candidates.iter().cloned())
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!("the desktop test needs {name}, which is not installed: {install} (or run .ci/setup)")
        })
}

/// A child process, killed by its PID when the test ends however it ends.
pub struct Process {
    pub child: Child,
    pub name: &'static str,
}

impl Drop for Process {
    fn drop(&mut self) {
        // tauri-driver's WebKitWebDriver outlives a killed tauri-driver: stop it first, by its PID.
        for child in children(self.child.id()) {
            let _ = Command::new("kill").arg(child.to_string()).status();
        }
        if let Err(e) = self.child.kill() {
            eprintln!("stopping {}: {e}", self.name);
        }
        let _ = self.child.wait();
    }
}

/// The PIDs of a process's children (Linux: /proc/PID/task/PID/children).
pub fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// An X display number no other server uses.
pub fn free_display() -> u32 {
    (100 + std::process::id() % 400..600)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .expect("a free X display number")
}

/// Starts Xvfb on `display` and waits for its socket.
pub fn start_xvfb(display: u32) -> Process {
    let xvfb = lab_program("Xvfb", &[], "apt-get install xvfb");
    let child = Command::new(xvfb)
        .args([
            format!(":{display}"),
            "-screen".into(),
            "0".into(),
            "1440x900x24".into(),
            "-nolisten".into(),
            "tcp".into(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb starts");
    let process = Process { child, name: "Xvfb" };
    let socket = format!("/tmp/.X11-unix/X{display}");
    wait_for(Duration::from_secs(10), "Xvfb's socket", || {
        Path::new(&socket).exists().then_some(())
    });
    process
}

pub fn wait_for<T>(timeout: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what} after {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One WebDriver session with the app.
pub struct Session {
    pub http: reqwest::Client,
    pub base: String,
    pub id: String,
    pub screens: PathBuf,
}

impl Session {
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.id);
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{url}: not JSON: {e}"));
        if answer["value"]["error"].is_string() {
            panic!("{url}: {}", answer["value"]);
        }
        answer["value"].clone()
    }

    /// Runs `script` in the page (its `arguments` are `args`) and returns its value.
    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Calls one of the app's commands from the page, as the UI does, and
    /// returns its answer (or `{"failed": error}`).
    pub async fn invoke(&self, command: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({
                "script": "const done = arguments[arguments.length - 1]; \
                           window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]) \
                             .then(done, (error) => done({ failed: error }));",
                "args": [command, args],
            })),
        )
        .await
    }

    /// Waits until `script` returns something truthy, and returns it.
    pub async fn until(&self, what: &str, script: &str, args: Value) -> Value {
        let deadline = Instant::now() + STEP;
        loop {
            let value = self.script(script, args.clone()).await;
            if !(value.is_null() || value == json!(false) || value == json!(0) || value == json!("")) {
                return value;
            }
            if Instant::now() > deadline {
                self.screenshot("failed").await;
                let text = self
                    .script("return document.body.innerText.slice(0, 3000)", json!([]))
                    .await;
                panic!("gave up waiting for {what} after {STEP:?}; the screen is in failed.png and says:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn find(&self, css: &str) -> String {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    pub async fn clear(&self, css: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/clear"),
            Some(json!({})),
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn appears(&self, what: &str, css: &str) {
        self.until(what, "return document.querySelector(arguments[0])", json!([css]))
            .await;
    }

    /// Checks that the zh-TW labels at `labels` draw with a CJK font, not as
    /// missing-glyph boxes (see [`Session::missing_glyphs`]).
    pub async fn draws_chinese(&self, labels: &[&str]) {
        for label in labels {
            let (text, missing) = self.missing_glyphs(label).await;
            assert!(
                missing.is_empty(),
                "{text:?} draws {missing:?} as missing-glyph boxes: no CJK font (Debian: fonts-noto-cjk)"
            );
        }
    }

    /// Checks that the CJK characters of the element at `css` (a zh-TW
    /// label) render with a font that has them: each is drawn on a canvas in
    /// the label's computed font and compared with the drawing of U+10FFFD, a
    /// private-use code point no font has, which comes out as the fallback
    /// font's missing-glyph box (.notdef). Without a CJK font every Chinese
    /// character draws as that same box. Gives the label's text and the
    /// characters drawn as the box.
    pub async fn missing_glyphs(&self, css: &str) -> (String, Vec<String>) {
        let found = self
            .script(
                "const e = document.querySelector(arguments[0]); \
                 const text = e.textContent.trim(); \
                 const canvas = document.createElement('canvas'); canvas.width = 96; canvas.height = 96; \
                 const g = canvas.getContext('2d'); \
                 const s = getComputedStyle(e); \
                 g.font = `${s.fontStyle} ${s.fontWeight} 64px ${s.fontFamily}`; \
                 const pixels = () => Array.from(g.getImageData(0, 0, 96, 96).data).join(); \
                 const draw = (c) => { g.clearRect(0, 0, 96, 96); g.fillText(c, 8, 72); return pixels(); }; \
                 const notdef = draw(String.fromCodePoint(0x10FFFD)); \
                 g.clearRect(0, 0, 96, 96); const blank = pixels(); \
                 const cjk = [...text].filter((c) => /[\\u3400-\\u9fff]/.test(c)); \
                 const missing = cjk.filter((c) => { const d = draw(c); return d === notdef || d === blank; }); \
                 return { text, font: g.font, cjk: cjk.length, missing, notdefBlank: notdef === blank };",
                json!([css]),
            )
            .await;
        assert!(
            found["cjk"].as_u64().unwrap_or(0) > 0,
            "the label at {css} has Chinese characters to check: {found}"
        );
        let missing = found["missing"]
            .as_array()
            .map(|chars| chars.iter().filter_map(|c| c.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        (found["text"].as_str().unwrap_or_default().to_owned(), missing)
    }

    /// Sets a `<select>` to `value` as a person picking it does.
    pub async fn select(&self, css: &str, value: &str) {
        self.script(
            "const s = document.querySelector(arguments[0]); s.value = arguments[1]; \
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            json!([css, value]),
        )
        .await;
    }

    /// Waits until the last change is drawn: WebKitWebDriver's screenshot
    /// of a screen just changed can show the frame before.
    pub async fn drawn(&self) {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({
                "script": "const done = arguments[arguments.length - 1]; \
                           requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 300)));",
                "args": [],
            })),
        )
        .await;
    }

    /// WebKit takes an automation screenshot at the page's next presentation
    /// update. The app draws in software, where a page that does not change
    /// has none, so the screenshot would wait for the next change on screen
    /// (a minute, when the clock turns). A paint is asked for first: an
    /// invisible outline, set just after the screenshot is asked for and
    /// taken away once drawn.
    pub async fn screenshot(&self, name: &str) {
        self.script(
            "setTimeout(() => { \
                 const style = document.documentElement.style; \
                 style.outline = '1px solid transparent'; \
                 requestAnimationFrame(() => requestAnimationFrame(() => { style.outline = ''; })); \
             }, 50);",
            json!([]),
        )
        .await;
        let shot = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot.as_str().unwrap_or_default())
            .expect("the screenshot is base64");
        let path = self.screens.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
}
