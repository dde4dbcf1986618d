//! The emulator's notion of "now", in epoch milliseconds.
//!
//! Workspace lifecycles are computed from stored timestamps (`ready_at`, `gone_at`) whenever an
//! object is read, so no background task runs per workspace and a restart keeps every status.
//! Tests that want to reason about time exactly use a [`ManualClock`] and move it by hand.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<ManualClock>,
}

impl Clock {
    /// The wall clock: what a running emulator uses.
    pub fn system() -> Clock {
        Clock { manual: None }
    }

    /// Now, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match &self.manual {
            Some(manual) => manual.now_ms(),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since_epoch| {
                    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
                }),
        }
    }
}

/// A clock that only moves when told to; cloning it shares the same time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now_ms: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock standing at `start_ms` milliseconds since the Unix epoch.
    pub fn starting_at(start_ms: i64) -> ManualClock {
        ManualClock {
            now_ms: Arc::new(AtomicI64::new(start_ms)),
        }
    }

    /// The [`Clock`] to hand to [`crate::Emulator::with_clock`].
    pub fn clock(&self) -> Clock {
        Clock {
            manual: Some(self.clone()),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let by_ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.now_ms.fetch_add(by_ms, Ordering::SeqCst);
    }

    /// The time the clock stands at, in epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst)
    }
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced_and_is_shared_by_its_clones() {
        let manual = ManualClock::starting_at(1_000);
        let clock = manual.clock();
        assert_eq!(clock.now_ms(), 1_000);
        manual.advance(Duration::from_millis(250));
        assert_eq!(clock.now_ms(), 1_250);
        assert_eq!(clock.clone().now_ms(), 1_250);
    }

    #[test]
    fn the_system_clock_is_in_epoch_milliseconds() {
        // 2020-01-01 in epoch milliseconds; any real clock is later than that.
        assert!(Clock::system().now_ms() > 1_577_836_800_000);
    }
}
