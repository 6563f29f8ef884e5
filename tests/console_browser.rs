//! The web console in a real browser (issue 9): `tests/browser/console.mjs` drives Debian's
//! Chromium through playwright-core against
//! - `homeward demo --serve`: the hub's console, every check (sign-in, dashboard, keyboard,
//!   axe-core accessibility and contrast, a cron schedule refused then saved, the quarantined
//!   early update reprocessed, a candidate confirmed, a poster and its PDF, a viewer refused);
//! - `homeward serve` on embedded defaults in a fresh directory: the administrator of
//!   `homeward-data/console-admin-password` signs in and sees the dashboard.
//!
//! Full-page screenshots (and the PDFs) go to `target/console-screenshots/{demo,serve}/`.
//! Needs node, `tests/browser/node_modules` (`npm ci --prefix tests/browser`), Chromium at
//! `/usr/bin/chromium` and pdftotext: `.ci/run` installs them; without them the tests fail
//! saying so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One browser test at a time: each starts gateways and a browser.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn browser_dir() -> PathBuf {
    repo().join("tests/browser")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Where this test's screenshots go (emptied first): `target/console-screenshots/NAME`.
fn screenshots(name: &str) -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let dir = target.join("console-screenshots").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn runs(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Fails, saying what to install, unless node, the Node packages, Chromium and pdftotext are
/// there.
fn prerequisites() {
    let mut missing = Vec::new();
    if !runs("node", "--version") {
        missing.push("node v20 or later on PATH".to_string());
    }
    for package in ["playwright-core", "axe-core"] {
        let p = browser_dir().join("node_modules").join(package);
        if !p.join("package.json").exists() {
            missing.push(format!("{} (npm ci --prefix tests/browser)", p.display()));
        }
    }
    let chromium = chromium();
    if !chromium.exists() {
        missing.push(format!("{} (apt-get install chromium)", chromium.display()));
    }
    if !runs("pdftotext", "-v") {
        missing.push("pdftotext (apt-get install poppler-utils)".to_string());
    }
    assert!(
        missing.is_empty(),
        "the web console's browser tests need {}.\nInstall them as .ci/run does:\n  \
         apt-get install -y chromium poppler-utils fonts-noto-core\n  \
         npm ci --prefix tests/browser",
        missing.join(", ")
    );
}

/// A `homeward` child process whose output lines are read as they come; killed if dropped
/// still running (a failed assertion leaves no gateway behind).
struct Gateway {
    child: Child,
    lines: Receiver<String>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Gateway {
    fn start(cmd: &mut Command) -> Self {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = channel();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let out: Box<dyn Read + Send> = Box::new(child.stdout.take().unwrap());
        let err: Box<dyn Read + Send> = Box::new(child.stderr.take().unwrap());
        for stream in [out, err] {
            let (tx, seen) = (tx.clone(), seen.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    seen.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        Self { child, lines, seen }
    }

    fn output(&self) -> String {
        self.seen.lock().unwrap().join("\n")
    }

    /// The first line (stdout or stderr) that `pick` takes, within `within`.
    fn wait_for<T>(&mut self, what: &str, within: Duration, pick: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(t) = pick(&line) {
                        return t;
                    }
                }
                Err(_) => {
                    let status = self.child.try_wait().ok().flatten();
                    panic!(
                        "no {what} within {within:?} (exit status: {status:?}); the output:\n{}",
                        self.output()
                    );
                }
            }
        }
    }

    /// SIGTERM, then the exit status (within a minute) and all the output.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let kill = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // let the readers take the last lines
                std::thread::sleep(Duration::from_millis(200));
                return (status, self.output());
            }
            assert!(
                Instant::now() < deadline,
                "still running a minute after SIGTERM:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `tests/browser/console.mjs` with `env`; its output is the test's (shown on failure or
/// with `--nocapture`).
fn browser_checks(env: &[(&str, &Path)], scenario: &str) {
    let t = Instant::now();
    let mut cmd = Command::new("node");
    cmd.arg(browser_dir().join("console.mjs"))
        .current_dir(browser_dir())
        .env("CONSOLE_SCENARIO", scenario)
        .env("CHROMIUM", chromium())
        .env_remove("CONSOLE_KEEP_GOING")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("node runs");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    // the browser checks take a minute or two; ten is a hang
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let (stdout, stderr) = (reader.join().unwrap(), err_reader.join().unwrap());
    println!("{stdout}{stderr}");
    println!(
        "browser checks ({scenario}) took {:.1} s",
        t.elapsed().as_secs_f64()
    );
    match status {
        Some(s) => assert!(
            s.success(),
            "the browser checks of the console failed ({s}):\n{stderr}\n--- their log:\n{stdout}"
        ),
        None => panic!("the browser checks did not finish in 10 minutes:\n{stdout}{stderr}"),
    }
}

#[test]
fn the_demo_hubs_console_works_in_a_real_browser() {
    prerequisites();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let shots = screenshots("demo");
    let mut demo = Gateway::start(
        Command::new(env!("CARGO_BIN_EXE_homeward"))
            .arg("demo")
            .arg("--dir")
            .arg(dir.path())
            .args(["--serve", "--seconds", "30"])
            .env_remove("HOMEWARD_CONFIG")
            .env_remove("HOMEWARD_DATA_DIR")
            .env_remove("RUST_LOG")
            .current_dir(dir.path()),
    );
    // `hub.demo    http://127.0.0.1:PORT/console/  users admin, ... (passwords in FILE)`
    let (url, passwords) = demo.wait_for(
        "hub console line under WEB CONSOLES",
        Duration::from_secs(180),
        |line| {
            let rest = line.strip_prefix("hub.demo")?;
            let url = rest
                .split_whitespace()
                .find(|w| w.starts_with("http://") && w.ends_with("/console/"))?;
            let file = rest.split("(passwords in ").nth(1)?.strip_suffix(')')?;
            Some((url.to_string(), PathBuf::from(file)))
        },
    );
    demo.wait_for(
        "word that the gateways keep running",
        Duration::from_secs(30),
        |l| l.contains("keep running").then_some(()),
    );
    let config = dir.path().join("hub.demo/homeward.toml");
    browser_checks(
        &[
            ("CONSOLE_URL", Path::new(&url)),
            ("CONSOLE_PASSWORDS", &passwords),
            ("CONSOLE_OUT", &shots),
            ("CONSOLE_CONFIG", &config),
        ],
        "demo",
    );
    let (status, output) = demo.stop();
    assert!(
        status.success(),
        "the demo exited {status} after SIGTERM:\n{output}"
    );
    assert!(output.contains("Done in"), "{output}");
    // the schedule the browser saved is in the hub's file, which still passes the check
    let c = Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(["config", "check"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stdout));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("\"*/5 * * * * *\""), "{text}");
}

#[test]
fn serve_on_embedded_defaults_has_a_console_the_administrator_signs_in_to() {
    prerequisites();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let shots = screenshots("serve");
    // a fresh machine: no configuration, a new working directory (embedded defaults, data in
    // ./homeward-data, the console on 127.0.0.1:9480)
    let mut serve = Gateway::start(
        Command::new(env!("CARGO_BIN_EXE_homeward"))
            .arg("serve")
            .env_remove("HOMEWARD_CONFIG")
            .env_remove("HOMEWARD_DATA_DIR")
            .env_remove("RUST_LOG")
            .current_dir(dir.path()),
    );
    let url = serve.wait_for(
        "`web console at` line (is 127.0.0.1:9480 or 9443 taken by another gateway?)",
        Duration::from_secs(60),
        |line| {
            let i = line.find("web console at ")?;
            Some(line[i + "web console at ".len()..].trim().to_string())
        },
    );
    let password_file = dir.path().join("homeward-data/console-admin-password");
    let password = std::fs::read_to_string(&password_file)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", password_file.display(), serve.output()));
    let passwords = dir.path().join("console-passwords");
    std::fs::write(&passwords, format!("admin {}\n", password.trim())).unwrap();
    browser_checks(
        &[
            ("CONSOLE_URL", Path::new(&url)),
            ("CONSOLE_PASSWORDS", &passwords),
            ("CONSOLE_OUT", &shots),
        ],
        "signin",
    );
    let (status, output) = serve.stop();
    assert!(
        status.success(),
        "serve exited {status} after SIGTERM:\n{output}"
    );
    assert!(output.contains("homeward: stopped"), "{output}");
}
