//! Who a token belongs to, remembered for a moment, so that a client sending many requests
//! is not looked up in the database for each one.
//!
//! Authenticating was a trip of its own to the database (a hand-off to the blocking pool,
//! a pooled connection, a query) in front of every request's work; see docs/benchmarks.md.
//! Only tokens that opened the API are remembered, for [`AuthCache::TTL`]: a new token works
//! at once, and a token that stops opening the API (its user deactivated, no longer an
//! admin, given a new token) is refused at once when the change goes through this server,
//! which clears the cache, and within [`AuthCache::TTL`] when it goes through another
//! server or the command line. Tokens are kept by their SHA-256, never in clear.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use runsheet_core::api_key;
use runsheet_core::user::User;

#[derive(Default)]
pub struct AuthCache {
    users: Mutex<HashMap<String, (User, Instant)>>,
    /// Counts [`AuthCache::clear`]s, so that a lookup that began before a change to users
    /// is not remembered after it.
    generation: AtomicU64,
}

impl AuthCache {
    /// How long a lookup is trusted.
    pub const TTL: Duration = Duration::from_secs(1);
    /// Beyond this many tokens, the stale ones are dropped (and all of them if none is).
    const CAPACITY: usize = 1024;

    /// The user `token` opened the API for less than [`AuthCache::TTL`] ago.
    pub fn get(&self, token: &str) -> Option<User> {
        let key = api_key::hash(token);
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users
            .get(&key)
            .filter(|(_, at)| at.elapsed() < Self::TTL)
            .map(|(user, _)| user.clone())
    }

    /// Taken before looking a token up in the database, and given back to
    /// [`AuthCache::put`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Remembers that `token` opens the API for `user`, as looked up from `generation`;
    /// unless users have changed since.
    pub fn put(&self, token: &str, user: &User, generation: u64) {
        let key = api_key::hash(token);
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if self.generation() != generation {
            return;
        }
        if users.len() >= Self::CAPACITY {
            users.retain(|_, (_, at)| at.elapsed() < Self::TTL);
            if users.len() >= Self::CAPACITY {
                users.clear();
            }
        }
        users.insert(key, (user.clone(), Instant::now()));
    }

    /// Forgets every token: called after any change to users.
    pub fn clear(&self) {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        users.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn user(id: i64) -> User {
        User {
            id,
            login: format!("user{id}"),
            email: format!("user{id}@example.com"),
            first_name: None,
            last_name: None,
            admin: true,
            active: true,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
        }
    }

    #[test]
    fn remembers_a_token_until_cleared() {
        let cache = AuthCache::default();
        assert_eq!(cache.get("token-a"), None);
        cache.put("token-a", &user(1), cache.generation());
        assert_eq!(cache.get("token-a").map(|u| u.id), Some(1));
        assert_eq!(cache.get("token-b"), None);
        cache.clear();
        assert_eq!(cache.get("token-a"), None);
    }

    #[test]
    fn a_lookup_from_before_a_change_is_not_remembered() {
        let cache = AuthCache::default();
        let before = cache.generation();
        cache.clear();
        cache.put("token-a", &user(1), before);
        assert_eq!(cache.get("token-a"), None);
    }

    #[test]
    fn a_full_cache_makes_room() {
        let cache = AuthCache::default();
        for i in 0..AuthCache::CAPACITY + 10 {
            cache.put(&format!("token-{i}"), &user(i as i64), 0);
        }
        let kept = cache.users.lock().unwrap_or_else(|e| e.into_inner()).len();
        assert!(kept <= AuthCache::CAPACITY, "{kept} tokens kept");
        let last = AuthCache::CAPACITY + 9;
        assert_eq!(
            cache.get(&format!("token-{last}")).map(|u| u.id),
            Some(last as i64)
        );
    }

    #[test]
    fn lookups_expire() {
        let cache = AuthCache::default();
        cache.put("token-a", &user(1), 0);
        let key = api_key::hash("token-a");
        let stale = Instant::now()
            .checked_sub(AuthCache::TTL)
            .expect("the clock is past one TTL");
        cache
            .users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (user(1), stale));
        assert_eq!(cache.get("token-a"), None);
    }
}
