//! Console sessions: kept in memory only (a restart signs everyone out), each with its own
//! CSRF token, an idle timeout and a maximum age; and the throttle on failed sign-ins.
//!
//! The browser holds a random 256-bit session token in a cookie (`HttpOnly`, `Secure`,
//! `SameSite=Strict`); the gateway keeps only its SHA-256 digest, so a memory dump does not
//! hand out live sessions.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use sha2::{Digest, Sha256};

use super::accounts::{Account, Accounts};
use crate::admin::roles::Role;

/// A message shown once on the next page (after a redirect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub ok: bool,
    pub text: String,
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    pub role: Role,
    pub agency: Option<String>,
    /// The token every form of this session carries (`_csrf`).
    pub csrf: String,
    created: Instant,
    last: Instant,
    flash: Option<Flash>,
}

/// Failed sign-ins of one name or address.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Failed sign-ins allowed before the throttle starts.
pub const FREE_FAILURES: u32 = 5;
/// How long failures are remembered.
const FAILURE_MEMORY: Duration = Duration::from_secs(15 * 60);
/// The longest wait the throttle imposes.
const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// Every session of the console.
#[derive(Debug)]
pub struct Sessions {
    live: Mutex<HashMap<[u8; 32], Session>>,
    failures: Mutex<HashMap<String, Failures>>,
    idle: Duration,
    max_age: Duration,
}

/// A random token: 32 bytes, base64url without padding.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    let _ = getrandom::fill(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Constant-time comparison of two strings (CSRF tokens).
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

impl Sessions {
    pub fn new(idle: Duration, max_age: Duration) -> Self {
        Self {
            live: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            idle,
            max_age,
        }
    }

    /// Opens a session for `account`; returns the token for the cookie.
    pub fn open(&self, account: &Account) -> String {
        let token = random_token();
        let now = Instant::now();
        let s = Session {
            user: account.name.clone(),
            role: account.role,
            agency: account.agency.clone(),
            csrf: random_token(),
            created: now,
            last: now,
            flash: None,
        };
        if let Ok(mut live) = self.live.lock() {
            live.retain(|_, s| !self.expired(s, now));
            live.insert(key(&token), s);
        }
        token
    }

    fn expired(&self, s: &Session, now: Instant) -> bool {
        now.duration_since(s.last) > self.idle || now.duration_since(s.created) > self.max_age
    }

    /// The live session of `token` (its idle clock restarted), if any.
    pub fn get(&self, token: &str) -> Option<Session> {
        let now = Instant::now();
        let mut live = self.live.lock().ok()?;
        let k = key(token);
        let s = live.get_mut(&k)?;
        if self.expired(s, now) {
            live.remove(&k);
            return None;
        }
        s.last = now;
        Some(s.clone())
    }

    /// Signs out.
    pub fn close(&self, token: &str) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(&key(token));
        }
    }

    /// Sets the message the next page shows.
    pub fn flash(&self, token: &str, ok: bool, text: impl Into<String>) {
        if let Ok(mut live) = self.live.lock()
            && let Some(s) = live.get_mut(&key(token))
        {
            s.flash = Some(Flash {
                ok,
                text: text.into(),
            });
        }
    }

    /// Takes the message set for this page, if any.
    pub fn take_flash(&self, token: &str) -> Option<Flash> {
        let mut live = self.live.lock().ok()?;
        live.get_mut(&key(token))?.flash.take()
    }

    /// After the accounts are reloaded: sessions of removed or disabled users end, the others
    /// take their user's role and agency now.
    pub fn refresh(&self, accounts: &Accounts) {
        if let Ok(mut live) = self.live.lock() {
            live.retain(|_, s| match accounts.get(&s.user) {
                Some(a) if !a.disabled => {
                    s.role = a.role;
                    s.agency = a.agency.clone();
                    true
                }
                _ => false,
            });
        }
    }

    /// How many sessions are live.
    pub fn count(&self) -> usize {
        let now = Instant::now();
        self.live
            .lock()
            .map(|l| l.values().filter(|s| !self.expired(s, now)).count())
            .unwrap_or(0)
    }

    /// `Err(wait)` while sign-ins for `who` (a user name, or an address) are throttled: after
    /// [`FREE_FAILURES`] failures, each further attempt waits twice as long as the last, up
    /// to 15 minutes; failures are forgotten after 15 quiet minutes or a success.
    pub fn throttled(&self, who: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let Ok(mut f) = self.failures.lock() else {
            return Ok(());
        };
        f.retain(|_, v| now.duration_since(v.last) < FAILURE_MEMORY);
        let Some(v) = f.get(who) else { return Ok(()) };
        if v.count < FREE_FAILURES {
            return Ok(());
        }
        let steps = (v.count - FREE_FAILURES).min(16);
        let wait = Duration::from_secs(1u64 << steps).min(MAX_LOCKOUT);
        let since = now.duration_since(v.last);
        if since < wait {
            Err(wait - since)
        } else {
            Ok(())
        }
    }

    pub fn failed(&self, who: &str) {
        if let Ok(mut f) = self.failures.lock() {
            let e = f.entry(who.to_string()).or_insert(Failures {
                count: 0,
                last: Instant::now(),
            });
            e.count += 1;
            e.last = Instant::now();
        }
    }

    pub fn succeeded(&self, who: &str) {
        if let Ok(mut f) = self.failures.lock() {
            f.remove(who);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str, role: Role) -> Account {
        Account {
            name: name.into(),
            role,
            agency: None,
            password: String::new(),
            disabled: false,
        }
    }

    #[test]
    fn a_session_lives_until_closed_or_idle() {
        let s = Sessions::new(Duration::from_millis(200), Duration::from_secs(60));
        let t = s.open(&account("ana", Role::Viewer));
        let got = s.get(&t).unwrap();
        assert_eq!((got.user.as_str(), got.role), ("ana", Role::Viewer));
        assert_eq!(got.csrf.len(), 43);
        assert!(s.get("not a token").is_none());
        s.flash(&t, true, "saved");
        assert_eq!(s.take_flash(&t).map(|f| f.text), Some("saved".into()));
        assert_eq!(s.take_flash(&t), None);
        std::thread::sleep(Duration::from_millis(250));
        assert!(s.get(&t).is_none(), "idle too long");
        let t = s.open(&account("ana", Role::Viewer));
        s.close(&t);
        assert!(s.get(&t).is_none());
    }

    #[test]
    fn refresh_follows_the_accounts_file() {
        let s = Sessions::new(Duration::from_secs(60), Duration::from_secs(60));
        let ana = s.open(&account("ana", Role::Viewer));
        let bob = s.open(&account("bob", Role::Viewer));
        let mut accounts = Accounts::parse("", std::path::Path::new("x")).unwrap();
        accounts
            .add("ana", Role::Investigator, None, "a long password here")
            .unwrap();
        s.refresh(&accounts);
        assert_eq!(s.get(&ana).map(|x| x.role), Some(Role::Investigator));
        assert!(s.get(&bob).is_none(), "bob was removed");
    }

    #[test]
    fn failures_throttle_then_are_forgotten_on_success() {
        let s = Sessions::new(Duration::from_secs(60), Duration::from_secs(60));
        for _ in 0..FREE_FAILURES {
            assert!(s.throttled("ana").is_ok());
            s.failed("ana");
        }
        let wait = s.throttled("ana").unwrap_err();
        assert!(wait <= Duration::from_secs(1));
        assert!(s.throttled("bob").is_ok());
        s.succeeded("ana");
        assert!(s.throttled("ana").is_ok());
    }

    #[test]
    fn csrf_comparison() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }
}
