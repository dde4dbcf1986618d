//! One shared workspace watcher per execution: a single `GET /workspaces` serves every step
//! that waits on a workspace.
//!
//! Polling one `GET` per waiting workspace would cost fifty requests per round for fifty
//! workspaces and compete with the creates for the request slots. Instead, waiters
//! [`Watcher::subscribe`] to a workspace id and a background task lists all workspaces while
//! anyone is subscribed, publishing each workspace's state (or its absence) to its
//! subscribers.
//!
//! The interval grows with the time already waited: about an eighth of the youngest
//! subscription's age, at least [`MIN_INTERVAL`] and at most [`MAX_INTERVAL`], plus up to 10%
//! jitter. A workspace that provisions in 2 s is seen within about 0.3 s of becoming `RUNNING`;
//! one that takes seven minutes costs a request about every 10 s. The youngest subscription
//! sets the pace because it is the one most likely to change soon and the most recently
//! started wait; older waiters are served by the same lists.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use api_types::Workspace;
use client::AccountApi;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::limited::Limited;

/// The shortest interval between two lists.
pub(crate) const MIN_INTERVAL: Duration = Duration::from_millis(250);
/// The longest interval between two lists.
pub(crate) const MAX_INTERVAL: Duration = Duration::from_secs(10);

/// What one list call said about one workspace.
#[derive(Debug, Clone)]
pub(crate) struct Observation {
    /// When the list call was sent. A subscriber only trusts lists sent after it subscribed:
    /// an older list may predate the create or the PATCH it waits on.
    pub(crate) listed_at: Instant,
    /// The workspace, `None` when the list did not contain it, or the list's failure.
    pub(crate) sighting: Result<Option<Workspace>, Arc<client::Error>>,
}

/// A handle to the shared watcher; the background task stops when the handle is dropped.
pub(crate) struct Watcher {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct Shared {
    entries: Mutex<HashMap<i64, Entry>>,
    /// Wakes the task when a subscription arrives, so that it recomputes its deadline.
    wake: Notify,
}

struct Entry {
    sender: watch::Sender<Option<Observation>>,
    /// When the latest subscriber to this workspace subscribed.
    since: Instant,
}

/// One waiter's view of one workspace. Dropping it unsubscribes.
pub(crate) struct Subscription {
    receiver: watch::Receiver<Option<Observation>>,
    since: Instant,
}

impl Watcher {
    /// Starts the watcher's task; it lists nothing until someone subscribes.
    pub(crate) fn start<A: AccountApi + 'static>(api: Arc<Limited<A>>) -> Watcher {
        let shared = Arc::new(Shared::default());
        let task = tokio::spawn(watch_workspaces(api, Arc::clone(&shared)));
        Watcher { shared, task }
    }

    /// Subscribes to `workspace_id`. The first observation arrives with the next list call,
    /// which is sent at least [`MIN_INTERVAL`] after the oldest pending subscription.
    pub(crate) fn subscribe(&self, workspace_id: i64) -> Subscription {
        let since = Instant::now();
        let receiver = {
            let mut entries = self.shared.lock();
            let entry = entries.entry(workspace_id).or_insert_with(|| Entry {
                sender: watch::Sender::new(None),
                since,
            });
            entry.since = since;
            entry.sender.subscribe()
        };
        self.shared.wake.notify_one();
        Subscription { receiver, since }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, HashMap<i64, Entry>> {
        // A panic while holding this lock cannot leave the map inconsistent (every update is a
        // single insert, assignment or retain), so a poisoned lock is still usable.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Forgets workspaces nobody waits on any more; returns the oldest and the youngest
    /// subscription times, or `None` when nobody waits.
    fn subscriptions(&self) -> Option<(Instant, Instant)> {
        let mut entries = self.lock();
        entries.retain(|_, entry| entry.sender.receiver_count() > 0);
        let oldest = entries.values().map(|entry| entry.since).min()?;
        let youngest = entries.values().map(|entry| entry.since).max()?;
        Some((oldest, youngest))
    }

    fn publish(&self, listed_at: Instant, result: Result<Vec<Workspace>, client::Error>) {
        let entries = self.lock();
        match result {
            Ok(workspaces) => {
                let mut by_id: HashMap<i64, Workspace> = workspaces
                    .into_iter()
                    .map(|workspace| (workspace.workspace_id, workspace))
                    .collect();
                for (id, entry) in entries.iter() {
                    entry.sender.send_replace(Some(Observation {
                        listed_at,
                        sighting: Ok(by_id.remove(id)),
                    }));
                }
            }
            Err(error) => {
                tracing::warn!(error = %crate::error::error_chain(&error), "cannot list workspaces to watch them");
                let error = Arc::new(error);
                for entry in entries.values() {
                    entry.sender.send_replace(Some(Observation {
                        listed_at,
                        sighting: Err(Arc::clone(&error)),
                    }));
                }
            }
        }
    }
}

impl Subscription {
    /// The next observation from a list call sent after this subscription was made.
    pub(crate) async fn next(&mut self) -> Observation {
        loop {
            if self.receiver.changed().await.is_err() {
                // The watcher is gone, which only happens once the execution is over; nothing
                // will be observed any more.
                std::future::pending::<()>().await;
            }
            let observation = self.receiver.borrow_and_update().clone();
            if let Some(observation) = observation
                && observation.listed_at >= self.since
            {
                return observation;
            }
        }
    }
}

/// The interval between two lists after `waited`: an eighth of it, within the bounds.
pub(crate) fn poll_interval(waited: Duration) -> Duration {
    (waited / 8).clamp(MIN_INTERVAL, MAX_INTERVAL)
}

/// `interval` plus up to 10% random jitter, so that many brickform runs against one account
/// do not poll in lockstep.
pub(crate) fn jittered(interval: Duration) -> Duration {
    let spread = u64::try_from(interval.as_millis() / 10).unwrap_or(0);
    interval + Duration::from_millis(rand::random_range(0..=spread))
}

async fn watch_workspaces<A: AccountApi>(api: Arc<Limited<A>>, shared: Arc<Shared>) {
    let mut last_list: Option<Instant> = None;
    loop {
        // Created before looking at the subscriptions, so that a subscription made in between
        // still wakes us.
        let notified = shared.wake.notified();
        let Some((oldest, youngest)) = shared.subscriptions() else {
            last_list = None;
            notified.await;
            continue;
        };
        let now = Instant::now();
        let interval = jittered(poll_interval(now.saturating_duration_since(youngest)));
        let deadline = last_list.unwrap_or(oldest) + interval;
        if deadline > now {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {}
                // A new subscription may shorten the interval: recompute.
                () = notified => continue,
            }
        }
        let listed_at = Instant::now();
        let result = api.list_workspaces().await;
        last_list = Some(listed_at);
        shared.publish(listed_at, result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_an_eighth_of_the_wait_within_bounds() {
        assert_eq!(poll_interval(Duration::ZERO), MIN_INTERVAL);
        assert_eq!(poll_interval(Duration::from_secs(2)), MIN_INTERVAL);
        assert_eq!(
            poll_interval(Duration::from_secs(8)),
            Duration::from_secs(1)
        );
        assert_eq!(poll_interval(Duration::from_secs(7 * 60)), MAX_INTERVAL);
        for _ in 0..100 {
            let interval = jittered(Duration::from_secs(1));
            assert!(interval >= Duration::from_secs(1));
            assert!(interval <= Duration::from_millis(1_100));
        }
    }
}
