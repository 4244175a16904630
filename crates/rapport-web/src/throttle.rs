//! Login throttling: failed sign-ins are counted per account and per client address within a
//! window; past the limit further attempts are refused until the window has passed, without
//! checking the password (so guessing costs the attacker time, not us CPU).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    per_account: u32,
    per_address: u32,
    window: Duration,
    failures: Mutex<HashMap<Key, Vec<Instant>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

impl Throttle {
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> Throttle {
        Throttle {
            per_account,
            per_address,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(wait)` when sign-ins for this account or from this address are refused for now.
    pub fn blocked(&self, account: &str, address: IpAddr, now: Instant) -> Option<Duration> {
        let mut map = self.failures.lock().ok()?;
        let keys = [
            (
                Key::Account(account.trim().to_lowercase()),
                self.per_account,
            ),
            (Key::Address(address), self.per_address),
        ];
        let mut wait = None;
        for (key, limit) in keys {
            if let Some(times) = map.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < self.window);
                if times.len() as u32 >= limit
                    && let Some(first) = times.first()
                {
                    let left = self.window.saturating_sub(now.duration_since(*first));
                    wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
                }
            }
        }
        wait
    }

    /// Counts a failed sign-in.
    pub fn failed(&self, account: &str, address: IpAddr, now: Instant) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        // Keep the map small: forget old entries now and then.
        if map.len() > 100_000 {
            map.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < self.window));
        }
        for key in [
            Key::Account(account.trim().to_lowercase()),
            Key::Address(address),
        ] {
            map.entry(key).or_default().push(now);
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn succeeded(&self, account: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&Key::Account(account.trim().to_lowercase()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn an_account_locks_after_its_limit_and_opens_after_the_window() {
        let t = Throttle::new(3, 100, Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(t.blocked("a@x.test", HOME, start), None);
            t.failed("a@x.test", HOME, start);
        }
        assert!(
            t.blocked("A@x.test ", OTHER, start).is_some(),
            "case and address do not matter"
        );
        assert_eq!(
            t.blocked("b@x.test", HOME, start),
            None,
            "other accounts are not locked"
        );
        assert_eq!(
            t.blocked("a@x.test", HOME, start + Duration::from_secs(61)),
            None
        );
    }

    #[test]
    fn an_address_locks_across_accounts() {
        let t = Throttle::new(100, 2, Duration::from_secs(60));
        let now = Instant::now();
        t.failed("a@x.test", HOME, now);
        t.failed("b@x.test", HOME, now);
        assert!(t.blocked("c@x.test", HOME, now).is_some());
        assert_eq!(t.blocked("c@x.test", OTHER, now), None);
    }

    #[test]
    fn success_clears_the_account() {
        let t = Throttle::new(2, 100, Duration::from_secs(60));
        let now = Instant::now();
        t.failed("a@x.test", HOME, now);
        t.succeeded("a@x.test");
        t.failed("a@x.test", HOME, now);
        assert_eq!(t.blocked("a@x.test", HOME, now), None);
    }
}
