//! `homeward config check FILE` on good and broken configurations: every problem at once,
//! each with the file, the line of the offending key and a fix; exit 1 on error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn homeward() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_homeward"));
    c.env_remove("HOMEWARD_CONFIG")
        .env_remove("HOMEWARD_DATA_DIR");
    c
}

fn check(path: &Path, extra: &[&str]) -> (i32, String) {
    let out = homeward()
        .args(["config", "check"])
        .args(extra)
        .arg(path)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

/// Keys for a partner, as `homeward keys generate` writes them; returns its partner entry.
fn partner_entry(dir: &Path, id: &str) -> String {
    let keys = dir.join(format!("keys-{id}"));
    let out = homeward()
        .args(["keys", "generate", "--id", id, "--endpoint"])
        .arg(format!("https://{id}:8443"))
        .arg("--out")
        .arg(&keys)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(keys.join("partner.toml")).unwrap()
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("admin-tokens");
    std::fs::write(&tokens, "ops 0123456789abcdefghijklmnopqrstuvwxyzABCD\n").unwrap();
    std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o600)).unwrap();
    let layouts = dir.path().join("layouts");
    std::fs::create_dir_all(&layouts).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::copy(
        repo.join("config/layouts/state-flatfile.toml"),
        layouts.join("state-flatfile.toml"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("spool")).unwrap();
    let p = dir.path().join("homeward.toml");
    (dir, p)
}

fn good(dir: &Path) -> String {
    format!(
        r#"layout_files = ["layouts/state-flatfile.toml"]

[store]
engine = "redb"
path = "{data}"

[admin]
listen = "127.0.0.1:9480"
token_file = "admin-tokens"

[[jobs]]
id = "tx-inbox"
transport = "file_drop"
dir = "spool/tx"
format = "ncic"
schedule = "0 */5 * * * *"
time_zone = "America/Chicago"

[[jobs]]
id = "ok-flatfile"
transport = "file_drop"
dir = "spool/ok"
format = "state-flatfile"
schedule = "0 30 2 * * *"

[[jobs]]
id = "hub-pull"
transport = "https_pull"
partner = "hub.example.org"
feed = "changes"
schedule = "*/30 * * * * *"
[jobs.retry]
max_attempts = 4

[[jobs]]
id = "hub-push"
transport = "https_push"
partner = "hub.example.org"
schedule = "on change"

{partner}
"#,
        data = dir.join("data").display(),
        partner = partner_entry(dir, "hub.example.org"),
    )
}

#[test]
fn a_good_configuration_passes() {
    let (dir, path) = setup();
    std::fs::write(&path, good(dir.path())).unwrap();
    let (code, out) = check(&path, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ok (4 job(s), 1 partner(s), 1 layout(s), 2 warning(s))"),
        "{out}"
    );
    assert!(out.contains("spool/tx does not exist yet"), "{out}");
    // The same file loads for the other commands, with its layouts as formats.
    let flat = dir.path().join("flat.txt");
    std::fs::write(&flat, "").unwrap();
    let out = homeward()
        .arg("--config")
        .arg(&path)
        .args(["import", "--format", "state-flatfile"])
        .arg(&flat)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_problem_is_reported_with_its_line_and_fix() {
    let (dir, path) = setup();
    let tokens = dir.path().join("admin-tokens");
    std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o644)).unwrap();
    let entry = partner_entry(dir.path(), "intl.example.org");
    // Break the partner's key and fingerprint.
    let entry = entry
        .lines()
        .map(|l| {
            if l.starts_with("public_key") {
                "public_key = \"AAAA\"".to_string()
            } else if l.starts_with("fingerprints") {
                "fingerprints = [\"abcd\"]".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!(
        r#"layout_files = ["layouts/missing.toml"]

[store]
engine = "sled"
batch_sise = 10

[admin]
listen = "0.0.0.0:9480"
token_file = "admin-tokens"

[[layouts]]
name = "county"
kind = "missing"
[[layouts.columns]]
name = "ID"
start = 1
length = 10
field = "native_id"
[[layouts.columns]]
name = "NAME"
start = 5
length = 20
field = "family_name"

[[jobs]]
id = "tx-inbox"
transport = "file_drop"
dir = "/nonexistent-root-dir/spool"
format = "ncci"
schedule = "*/5 * * * *"

[[jobs]]
id = "tx-inbox"
transport = "https_pull"
partner = "hub.example.org"
schedule = "0 0 * * * *"
time_zone = "Mars/Olympus"

[[jobs]]
id = "county"
transport = "file_drop"
dir = "spool/county"
format = "county"
shedule = "0 0 * * * *"

[[jobs]]
id = "push"
transport = "https_push"
partner = "intl.example.org"
schedule = "0 61 * * * *"
[jobs.retry]
jitter = 2.0

{entry}
"#
    );
    std::fs::write(&path, &text).unwrap();
    let (code, out) = check(&path, &[]);
    assert_eq!(code, 1, "{out}");
    let file = path.display().to_string();
    let line_of = |needle: &str, nth: usize| -> usize {
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.contains(needle))
            .nth(nth)
            .map(|(i, _)| i + 1)
            .unwrap_or_else(|| panic!("{needle} not in the file"))
    };
    let expect = |line: usize, what: &str, fix: &str| {
        let head = format!("{file}:{line}:");
        let found = out.split(&head).skip(1).any(|chunk| {
            let problem = chunk.split(&format!("\n{file}:")).next().unwrap_or("");
            problem.contains(what) && problem.contains(fix)
        });
        assert!(found, "expected at line {line}: {what} / {fix}\n{out}");
    };
    expect(
        line_of("batch_sise", 0),
        "unknown field `batch_sise`",
        "did you mean `batch_size`?",
    );
    expect(
        line_of("listen = \"0.0.0.0", 0),
        "not a loopback address",
        "listen on 127.0.0.1",
    );
    expect(
        line_of("token_file", 0),
        "can be read by group or others",
        "chmod 600",
    );
    expect(line_of("layout_files", 0), "missing.toml", "check the path");
    expect(
        line_of("[[layouts.columns]]", 1),
        "overlaps column `ID`",
        "do not share characters",
    );
    expect(
        line_of("dir = \"/nonexistent", 0),
        "does not exist, nor does its parent",
        "mkdir -p",
    );
    expect(
        line_of("format = \"ncci\"", 0),
        "format `ncci`",
        "did you mean `ncic`?",
    );
    expect(line_of("*/5 * * * *", 0), "5 fields", "\"0 */5 * * * *\"");
    expect(line_of("id = \"tx-inbox\"", 1), "used twice", "its own id");
    expect(
        line_of("partner = \"hub.example.org\"", 0),
        "not in [[partners]]",
        "add a [[partners]] entry",
    );
    expect(
        line_of("Mars/Olympus", 0),
        "not an IANA time zone",
        "America/Chicago",
    );
    expect(
        line_of("shedule", 0),
        "unknown field `shedule`",
        "did you mean `schedule`?",
    );
    expect(
        line_of("0 61 * * * *", 0),
        "Minutes must be at most 59",
        "sec min hour",
    );
    expect(
        line_of("jitter = 2.0", 0),
        "jitter must be between 0 and 1",
        "fraction",
    );
    expect(
        line_of("public_key = \"AAAA\"", 0),
        "public key",
        "homeward keys show",
    );
    expect(line_of("fingerprints", 0), "fingerprint", "64 hex digits");
    let errors = out.lines().filter(|l| l.contains(": error: ")).count();
    assert!(errors >= 16, "{errors} errors\n{out}");
    assert!(out.contains(" error(s), "), "{out}");

    // --json: the same problems, machine-readable.
    let out = homeward()
        .args(["config", "check", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = v.as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["path"] == "jobs[3].retry.jitter" && p["severity"] == "error")
    );
    // The other commands refuse the file with the same problems.
    let out = homeward()
        .arg("--config")
        .arg(&path)
        .arg("stats")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("jitter must be between 0 and 1"));
}

#[test]
fn syntax_errors_name_their_line() {
    let (_dir, path) = setup();
    std::fs::write(
        &path,
        "[store]\nengine = \"sled\"\n\n[[jobs]]\nid = tx-inbox\nschedule = \"0 * * * * *\n",
    )
    .unwrap();
    let (code, out) = check(&path, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("{}:5:", path.display())), "{out}");
    assert!(out.contains("TOML syntax"), "{out}");
    assert!(
        out.contains("fix: put text values in double quotes"),
        "{out}"
    );
    let (code, out) = check(Path::new("/nonexistent/homeward.toml"), &[]);
    assert_eq!(code, 1);
    assert!(out.contains("cannot be read"), "{out}");
}

#[test]
fn the_example_production_configuration_is_valid() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (code, out) = check(&repo.join("deploy/homeward.toml"), &["--no-files"]);
    assert_eq!(code, 0, "{out}");
}
