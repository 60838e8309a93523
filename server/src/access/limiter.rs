//! Failed key attempts are limited per client address, so keys cannot be guessed at speed:
//! after [`MAX_FAILURES`] invalid keys within [`WINDOW`], the address gets `429` until the
//! window has passed. Counted in memory per server; a guess is 256 bits against a window
//! of 20, so one more replica changes nothing that matters.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use moka::sync::Cache;

use super::AccessError;

/// Invalid keys an address may send within [`WINDOW`].
pub const MAX_FAILURES: u32 = 20;
/// The window failures are counted over.
pub const WINDOW: Duration = Duration::from_mins(1);

/// Counts each address's invalid keys over a window.
#[derive(Clone)]
pub struct FailureLimiter {
    /// Address → (failures, start of the window).
    seen: Cache<IpAddr, (u32, Instant)>,
}

impl Default for FailureLimiter {
    fn default() -> Self {
        Self {
            seen: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(WINDOW)
                .build(),
        }
    }
}

impl FailureLimiter {
    /// Refuses an address that has used up its window.
    ///
    /// # Errors
    /// [`AccessError::TooManyFailures`] with the seconds left.
    pub fn check(&self, addr: IpAddr) -> Result<(), AccessError> {
        match self.seen.get(&addr) {
            Some((n, since)) if n >= MAX_FAILURES => {
                let left = WINDOW.saturating_sub(since.elapsed());
                Err(AccessError::TooManyFailures {
                    retry_after_s: left.as_secs().max(1),
                })
            }
            _ => Ok(()),
        }
    }

    /// Counts one invalid key from `addr`.
    pub fn failed(&self, addr: IpAddr) {
        let now = Instant::now();
        let (n, since) = self
            .seen
            .get(&addr)
            .filter(|(_, since)| since.elapsed() < WINDOW)
            .unwrap_or((0, now));
        self.seen.insert(addr, (n + 1, since));
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::{AccessError, FailureLimiter, MAX_FAILURES};

    #[test]
    fn an_address_is_refused_after_its_failures_and_others_are_not() {
        let limiter = FailureLimiter::default();
        let guesser = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7));
        let other = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 8));
        for _ in 0..MAX_FAILURES {
            assert!(limiter.check(guesser).is_ok());
            limiter.failed(guesser);
        }
        assert!(matches!(
            limiter.check(guesser),
            Err(AccessError::TooManyFailures { retry_after_s }) if (1..=60).contains(&retry_after_s)
        ));
        assert!(limiter.check(other).is_ok());
    }
}
