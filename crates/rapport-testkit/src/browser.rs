//! A headless Chromium per test, driven through WebDriver, for end-to-end tests of web pages.
//!
//! [`Browser::start`] launches Debian's `chromedriver` (package `chromium-driver`) on a free
//! loopback port with its own Chromium profile in a temporary directory, so tests in one binary
//! can each have a browser side by side. When `chromedriver` or `chromium` is missing (or does not
//! start) the browser is reported as skipped (`None`), unless `RAPPORT_REQUIRE_BROWSER=1`, in
//! which case the test fails (CI sets it, so browser coverage cannot silently disappear). `RAPPORT_CHROMEDRIVER` and
//! `RAPPORT_CHROME` name other binaries (a path, or a name looked up on `PATH`).
//!
//! The helpers wait for their element (up to [`WAIT`]) and their errors name the selector and the
//! page they were on. Dropping a [`Browser`] ends the session and kills `chromedriver`; screenshots
//! land in [`screenshot_dir`].

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::error::CmdError;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub use fantoccini::elements::Element;
pub use fantoccini::{Client, Locator};

/// How long the helpers wait for an element to appear.
pub const WAIT: Duration = Duration::from_secs(10);

/// How long `chromedriver` may take to answer after it is started.
const DRIVER_START: Duration = Duration::from_secs(15);

/// What Chromium is started with: headless, no sandbox (tests run as root in CI), nothing that
/// phones home, a desktop-sized window.
const CHROME_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

/// Why a browser step failed; the message names the selector and the page.
#[derive(thiserror::Error)]
pub enum BrowserError {
    #[error("no element matches `{selector}` on {url} after {waited:?}")]
    NotFound {
        selector: String,
        url: String,
        waited: Duration,
    },
    #[error("{action} failed on {url}: {source}")]
    Command {
        action: String,
        url: String,
        #[source]
        source: CmdError,
    },
    #[error("closing the browser session failed: {0}")]
    Close(#[source] CmdError),
    #[error("cannot write screenshot {}: {source}", path.display())]
    Screenshot {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

// `unwrap()` and a test's `Result` print `Debug`: make that the readable message.
impl std::fmt::Debug for BrowserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// A headless Chromium session with its own `chromedriver` and profile, ended on drop.
pub struct Browser {
    client: Client,
    session_id: Option<String>,
    closed: bool,
    // Field order matters: the driver is killed before the profile directory is removed.
    driver: Driver,
    _dir: tempfile::TempDir,
}

impl Browser {
    /// A fresh browser, or `None` (with a note on stderr) when Chromium or `chromedriver` is
    /// missing or does not start. Panics instead when `RAPPORT_REQUIRE_BROWSER=1`.
    pub async fn start() -> Option<Browser> {
        let required = std::env::var("RAPPORT_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        match Browser::launch().await {
            Ok(browser) => Some(browser),
            Err(why) if required => panic!("RAPPORT_REQUIRE_BROWSER=1 but {why}"),
            Err(why) => {
                eprintln!("browser: skipped ({why})");
                None
            }
        }
    }

    async fn launch() -> Result<Browser, String> {
        let chromedriver = find_binary(
            "RAPPORT_CHROMEDRIVER",
            &["chromedriver"],
            "install Debian's chromium-driver",
        )?;
        let chrome = find_binary(
            "RAPPORT_CHROME",
            &["chromium", "chromium-browser"],
            "install Debian's chromium",
        )?;
        let dir = tempfile::Builder::new()
            .prefix("rapport-browser-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let profile = dir.path().join("profile");
        let driver = Driver::start(&chromedriver, dir.path()).await?;

        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chrome,
                "args": CHROME_ARGS
                    .iter()
                    .map(|a| a.to_string())
                    .chain([format!("--user-data-dir={}", profile.display())])
                    .collect::<Vec<_>>(),
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("capabilities are a JSON object");
        };
        let client = fantoccini::ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .map_err(|e| {
                format!(
                    "chromedriver could not start {}: {e}{}",
                    chrome.display(),
                    driver.log_tail()
                )
            })?;
        let session_id = client.session_id().await.ok().flatten();
        Ok(Browser {
            client,
            session_id,
            closed: false,
            driver,
            _dir: dir,
        })
    }

    /// The WebDriver client, for anything the helpers below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url` and waits until it has loaded.
    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        let result = self.client.goto(url).await;
        self.check(result, || format!("opening {url}")).await
    }

    /// The URL of the page the browser is on (empty if even that cannot be read).
    pub async fn current_url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// Resizes the window, e.g. to 390×844 to see a page as a phone would.
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<(), BrowserError> {
        let result = self.client.set_window_size(width, height).await;
        self.check(result, || {
            format!("resizing the window to {width}x{height}")
        })
        .await
    }

    /// Saves a PNG of the viewport as `<screenshot_dir>/<name>.png` and returns its path.
    /// Characters other than letters, digits, `-`, `_` and `.` in `name` become `-`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, BrowserError> {
        let result = self.client.screenshot().await;
        let png = self
            .check(result, || format!("taking screenshot {name:?}"))
            .await?;
        let dir = screenshot_dir();
        let path = dir.join(format!("{}.png", file_name(name)));
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, png))
            .map_err(|source| BrowserError::Screenshot {
                path: path.clone(),
                source,
            })?;
        Ok(path)
    }

    /// The first element matching the CSS `selector`, waiting up to [`WAIT`] for it to appear.
    pub async fn wait_for(&self, selector: &str) -> Result<Element, BrowserError> {
        self.wait_for_within(selector, WAIT).await
    }

    /// Like [`Browser::wait_for`] with another time limit.
    pub async fn wait_for_within(
        &self,
        selector: &str,
        timeout: Duration,
    ) -> Result<Element, BrowserError> {
        let result = self
            .client
            .wait()
            .at_most(timeout)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(selector))
            .await;
        match result {
            Err(CmdError::WaitTimeout) => Err(BrowserError::NotFound {
                selector: selector.to_string(),
                url: self.current_url().await,
                waited: timeout,
            }),
            other => {
                self.check(other, || format!("looking for `{selector}`"))
                    .await
            }
        }
    }

    /// The rendered text of the element matching `selector` (once it appears).
    pub async fn text_of(&self, selector: &str) -> Result<String, BrowserError> {
        let element = self.wait_for(selector).await?;
        let result = element.text().await;
        self.check(result, || format!("reading the text of `{selector}`"))
            .await
    }

    /// Replaces the value of the field matching `selector` by typing `text` into it.
    pub async fn fill(&self, selector: &str, text: &str) -> Result<(), BrowserError> {
        let element = self.wait_for(selector).await?;
        let result = match element.clear().await {
            Ok(()) => element.send_keys(text).await,
            Err(e) => Err(e),
        };
        self.check(result, || format!("typing into `{selector}`"))
            .await
    }

    /// Clicks the element matching `selector` (once it appears).
    pub async fn click(&self, selector: &str) -> Result<(), BrowserError> {
        let element = self.wait_for(selector).await?;
        let result = element.click().await;
        self.check(result, || format!("clicking `{selector}`"))
            .await
    }

    /// Ends the session (Chromium exits) and stops `chromedriver`.
    pub async fn close(mut self) -> Result<(), BrowserError> {
        self.closed = true;
        let result = self.client.clone().close().await;
        drop(self);
        result.map_err(BrowserError::Close)
    }

    /// Turns a WebDriver error into one that says what was being done and on which page.
    async fn check<T>(
        &self,
        result: Result<T, CmdError>,
        action: impl FnOnce() -> String,
    ) -> Result<T, BrowserError> {
        match result {
            Ok(value) => Ok(value),
            Err(source) => Err(BrowserError::Command {
                action: action(),
                url: self.current_url().await,
                source,
            }),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Drop cannot await, and the runtime may be shutting down: end the session with a plain
        // blocking request so chromedriver quits Chromium and reaps it before being killed.
        if !self.closed
            && let Some(id) = &self.session_id
        {
            let _ = self.driver.request("DELETE", &format!("/session/{id}"));
        }
    }
}

/// Where screenshots go: `screenshots/` in the cargo target directory (`$CARGO_TARGET_DIR`, or
/// `target/` at the workspace root), which CI can keep as an artifact.
pub fn screenshot_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().and_then(Path::parent).unwrap_or(manifest);
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    target.join("screenshots")
}

/// A screenshot name made safe to use as a file name.
fn file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    match safe.trim_matches('.') {
        "" => "screenshot".to_string(),
        trimmed => trimmed.to_string(),
    }
}

/// The binary named by `$env_var` (a path, or a name on `PATH`), else the first of `names` found
/// on `PATH`.
fn find_binary(env_var: &str, names: &[&str], hint: &str) -> Result<PathBuf, String> {
    if let Some(value) = std::env::var_os(env_var) {
        let value = PathBuf::from(value);
        let found = if value.components().count() > 1 {
            Some(value.clone()).filter(|p| is_executable(p))
        } else {
            on_path(&value)
        };
        return found
            .ok_or_else(|| format!("{env_var}={} is not an executable file", value.display()));
    }
    names
        .iter()
        .find_map(|name| on_path(Path::new(name)))
        .ok_or_else(|| {
            format!(
                "{} not found on PATH ({hint}, or set {env_var})",
                names.join(" or ")
            )
        })
}

fn on_path(name: &Path) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A running `chromedriver`, in a process group of its own so that whatever it started can be
/// killed with it.
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Driver {
    /// Starts `binary` with its log and Chromium's out-of-profile files (the crash-report
    /// database goes to `$XDG_CONFIG_HOME/chromium`, whatever `--user-data-dir` says) in `dir`.
    fn spawn(binary: &Path, dir: &Path) -> Result<Driver, String> {
        let port = free_port()?;
        let log = dir.join("chromedriver.log");
        let out =
            File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", log.display()))?;
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        Ok(Driver { child, port, log })
    }

    /// Spawns chromedriver and waits until it answers, trying another port if the one picked
    /// was taken in between.
    async fn start(binary: &Path, dir: &Path) -> Result<Driver, String> {
        let mut attempts = 3;
        loop {
            let mut driver = Driver::spawn(binary, dir)?;
            attempts -= 1;
            match driver.wait_until_ready().await {
                Ok(()) => return Ok(driver),
                Err(why) if attempts == 0 || !why.contains("already in use") => return Err(why),
                Err(_) => continue,
            }
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Polls until chromedriver answers `GET /status`, exits, or takes too long. Its log must
    /// say it started too: else the answer could come from another process that took the port.
    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if self.log().contains("started successfully")
                && self
                    .request("GET", "/status")
                    .is_ok_and(|r| r.starts_with("HTTP/1.1 200"))
            {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "chromedriver exited ({status}) before answering{}",
                    self.log_tail()
                ));
            }
            if started.elapsed() > DRIVER_START {
                return Err(format!(
                    "chromedriver did not answer on port {} within {DRIVER_START:?}{}",
                    self.port,
                    self.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// A small blocking HTTP/1.1 request to chromedriver; returns the status line and headers.
    /// (chromedriver keeps connections open whatever the request says, so this reads up to the
    /// end of the headers and then of the `Content-Length` body, not to end of stream.)
    fn request(&self, method: &str, path: &str) -> std::io::Result<String> {
        let address = (Ipv4Addr::LOCALHOST, self.port).into();
        let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\r\n",
            self.port
        )?;
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        let mut body_length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                body_length = value.trim().parse().unwrap_or(0);
            }
            head.push_str(&line);
        }
        // Wait for the body too: a DELETE has finished its work only once it answers in full.
        std::io::copy(&mut reader.take(body_length), &mut std::io::sink())?;
        Ok(head)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last lines chromedriver printed, to append to an error message.
    fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n  ");
        if tail.is_empty() {
            String::new()
        } else {
            format!("\nchromedriver said:\n  {tail}")
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and any Chromium it left running (none after a clean
        // session end). Not once chromedriver is reaped: its id may then belong to another.
        if let Ok(None) = self.child.try_wait() {
            let group = self.child.id() as libc::pid_t;
            // SAFETY: kill(2) with a negative pid signals the process group that `spawn` made
            // (chromedriver is its leader and still unreaped); it takes no pointers.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now (another process could take it before chromedriver does;
/// unlikely on the loopback of a test machine).
fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn screenshot_names_become_safe_file_names() {
        assert_eq!(file_name("login"), "login");
        assert_eq!(file_name("party list/phone"), "party-list-phone");
        assert_eq!(file_name("../etc"), "-etc");
        assert_eq!(file_name(""), "screenshot");
        assert_eq!(file_name("v1.2_ok"), "v1.2_ok");
    }
}
