//! What every request can reach: the store and org, the settings, and the process-wide parts
//! (metrics, login throttling, the API-token cache).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rapport_domain::{OrgId, User};
use rapport_store::Store;
use uuid::Uuid;

use crate::metrics::Metrics;
use crate::throttle::Throttle;

/// Server settings (the binary reads them from flags, environment and a TOML file).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address people open (printed at start; `https://…` makes cookies `Secure`).
    pub public_url: Option<String>,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Failed sign-ins per account, and per client address, within `login_window_secs`
    /// before further attempts are refused for the rest of the window.
    pub login_attempts_per_account: u32,
    pub login_attempts_per_address: u32,
    pub login_window_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: None,
            body_limit: 4 * 1024 * 1024,
            login_attempts_per_account: 5,
            login_attempts_per_address: 20,
            login_window_secs: 15 * 60,
        }
    }
}

impl Settings {
    /// Whether cookies carry `Secure` regardless of the request (the public URL is https).
    pub fn always_secure(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// A token recently seen: its user, when it was checked, when its use was last written down.
#[derive(Debug, Clone)]
pub struct CachedToken {
    pub user: User,
    pub token: Uuid,
    pub checked: Instant,
    pub touched: Instant,
}

pub struct Inner {
    pub store: Store,
    pub org: OrgId,
    pub settings: Settings,
    pub metrics: Metrics,
    pub throttle: Throttle,
    /// API tokens by the hash of their secret, so a busy integration costs no lookup per
    /// request; entries are re-checked after `TOKEN_CACHE_SECS`.
    pub tokens: Mutex<HashMap<String, CachedToken>>,
}

/// How long a checked token is trusted before it is looked up again (a revocation through
/// this server takes effect at once; through another process, within this time).
pub const TOKEN_CACHE_SECS: u64 = 30;

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, org: OrgId, settings: Settings) -> AppState {
        let throttle = Throttle::new(
            settings.login_attempts_per_account,
            settings.login_attempts_per_address,
            std::time::Duration::from_secs(settings.login_window_secs),
        );
        AppState(Arc::new(Inner {
            store,
            org,
            settings,
            metrics: Metrics::default(),
            throttle,
            tokens: Mutex::new(HashMap::new()),
        }))
    }

    /// Forgets cached tokens (after a revocation or a change of user).
    pub fn forget_tokens(&self) {
        if let Ok(mut t) = self.tokens.lock() {
            t.clear();
        }
    }
}
