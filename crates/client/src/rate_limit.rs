//! A client-side rate limit: a sustained N requests per second, with bursts of up to N.
//!
//! The Go SDK limits itself to 15 requests per second with a burst of one. brickform keeps the
//! sustained rate but allows a burst as large as one second's worth: a plan's seven concurrent
//! list calls then go out at once (a burst of one spaced them over 400 ms, most of a plan's
//! wall time), while a long, wide apply still settles at N requests per second and so never
//! trips the server's own throttling.
//!
//! This is the generic cell rate algorithm: one "theoretical arrival time" is all the state.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct RateLimiter {
    /// Time between two requests at the sustained rate.
    interval: Duration,
    /// How far ahead of the sustained schedule a burst may run: `(burst - 1) * interval`.
    burst_tolerance: Duration,
    /// When the next request would be due if every request so far had kept to the rate.
    theoretical_arrival: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter for `requests_per_second` (> 0), with a burst of as many requests.
    pub(crate) fn new(requests_per_second: f64) -> RateLimiter {
        let interval = Duration::from_secs_f64(1.0 / requests_per_second);
        let burst = requests_per_second.floor().max(1.0) as u32;
        RateLimiter {
            interval,
            burst_tolerance: interval * (burst - 1),
            theoretical_arrival: Mutex::new(None),
        }
    }

    /// Waits for this caller's turn. Turns are handed out in call order; the lock is only held
    /// to reserve a turn, never while sleeping.
    pub(crate) async fn acquire(&self) {
        let start = {
            let mut theoretical_arrival = self.theoretical_arrival.lock().await;
            let now = Instant::now();
            let due = theoretical_arrival.map_or(now, |arrival| arrival.max(now));
            *theoretical_arrival = Some(due + self.interval);
            due.checked_sub(self.burst_tolerance)
                .map_or(now, |earliest| earliest.max(now))
        };
        tokio::time::sleep_until(start).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_the_rate_goes_at_once_then_requests_are_spaced() {
        let limiter = RateLimiter::new(10.0);
        let start = Instant::now();
        for _ in 0..10 {
            limiter.acquire().await;
        }
        assert_eq!(
            start.elapsed(),
            Duration::ZERO,
            "the first ten form a burst"
        );
        for _ in 0..5 {
            limiter.acquire().await;
        }
        // After the burst, one request every 100 ms.
        assert_eq!(start.elapsed(), Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn the_sustained_rate_holds_over_a_long_run() {
        let limiter = RateLimiter::new(15.0);
        let start = Instant::now();
        for _ in 0..165 {
            limiter.acquire().await;
        }
        // 15 at once, then 150 more at 15 per second.
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_millis(9_990) && elapsed <= Duration::from_millis(10_010),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_limiter_banks_at_most_one_burst() {
        let limiter = RateLimiter::new(2.0);
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        let start = Instant::now();
        for _ in 0..3 {
            limiter.acquire().await;
        }
        // A burst of two, then the third waits one interval: a minute idle did not bank 120.
        assert_eq!(start.elapsed(), Duration::from_millis(500));
    }
}
