//! When and how long to wait before trying a request again.
//!
//! One policy for every call: honour `Retry-After` (integer seconds) on throttling, else a
//! capped exponential backoff with jitter, all within a total budget per call. The budget is
//! counted in *nominal* time (real elapsed time plus every delay the policy asked for), so that
//! the test-only "no delay" mode gives up after exactly as many attempts as a real run would.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How a client waits between attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// The total time one call may spend, retries included.
    pub budget: Duration,
    /// The first backoff delay; each later one doubles, up to `max_delay`.
    pub initial_delay: Duration,
    pub max_delay: Duration,
    /// Test-only: sleep for zero instead of the computed delay (`Retry-After` included).
    pub no_delay: bool,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            budget: crate::config::DEFAULT_RETRY_TIMEOUT,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            no_delay: false,
        }
    }
}

impl RetryPolicy {
    /// The backoff before retry number `retry` (1-based): doubling from `initial_delay`, capped
    /// at `max_delay`, plus up to 50% random jitter so that concurrent callers spread out.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(16);
        let base = self
            .initial_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let jitter_millis = rand::random_range(0..=base.as_millis() as u64 / 2);
        base + Duration::from_millis(jitter_millis)
    }

    /// Starts the clock of one call.
    pub(crate) fn start(&self) -> RetryState<'_> {
        RetryState {
            policy: self,
            started: Instant::now(),
            slept_nominally: Duration::ZERO,
            slept_really: Duration::ZERO,
            retries: 0,
        }
    }
}

/// The retry bookkeeping of one call.
#[derive(Debug)]
pub(crate) struct RetryState<'a> {
    policy: &'a RetryPolicy,
    started: Instant,
    slept_nominally: Duration,
    slept_really: Duration,
    retries: u32,
}

impl RetryState<'_> {
    /// How many retries this call has made so far.
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// The time this call has used, counting skipped delays as if they had been slept.
    pub(crate) fn nominal_elapsed(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.slept_really) + self.slept_nominally
    }

    /// The delay before the next retry, or `None` when the budget does not allow one.
    /// `retry_after` is what the server asked for; without it, the backoff applies.
    pub(crate) fn next_delay(&self, retry_after: Option<Duration>) -> Option<Duration> {
        let delay = retry_after.unwrap_or_else(|| self.policy.backoff(self.retries + 1));
        let would_end = self.nominal_elapsed() + delay;
        (would_end <= self.policy.budget).then_some(delay)
    }

    /// Waits `delay` (or not at all in test mode) and counts the retry.
    pub(crate) async fn wait(&mut self, delay: Duration) {
        self.retries += 1;
        self.slept_nominally += delay;
        if !self.policy.no_delay && !delay.is_zero() {
            let before = Instant::now();
            tokio::time::sleep(delay).await;
            self.slept_really += before.elapsed();
        }
    }
}

/// `Retry-After` as integer seconds, as the Python SDK reads it. An HTTP date, a fraction or
/// anything else unparsable yields `None`, and the caller falls back to backoff.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, value.parse().unwrap());
        headers
    }

    #[test]
    fn retry_after_accepts_integer_seconds_only() {
        assert_eq!(retry_after(&headers("3")), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&headers(" 0 ")), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("1.58")), None);
        assert_eq!(retry_after(&headers("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let policy = RetryPolicy::default();
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(500) && first <= Duration::from_millis(750));
            let third = policy.backoff(3);
            assert!(third >= Duration::from_secs(2) && third <= Duration::from_secs(3));
            let late = policy.backoff(30);
            assert!(late >= Duration::from_secs(10) && late <= Duration::from_secs(15));
        }
    }

    #[tokio::test]
    async fn the_budget_counts_skipped_delays_in_no_delay_mode() {
        let policy = RetryPolicy {
            budget: Duration::from_secs(10),
            no_delay: true,
            ..RetryPolicy::default()
        };
        let mut state = policy.start();
        let mut retries = 0;
        while let Some(delay) = state.next_delay(Some(Duration::from_secs(3))) {
            state.wait(delay).await;
            retries += 1;
        }
        // 3 s + 3 s + 3 s fit in 10 s; a fourth would end at 12 s.
        assert_eq!(retries, 3);
        assert_eq!(state.retries(), 3);
        assert!(state.nominal_elapsed() >= Duration::from_secs(9));
    }
}
