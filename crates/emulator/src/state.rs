//! [`Emulator`]: the state every handler shares: configuration, clock, database, scenario,
//! counters, request log and issued tokens.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::clock::{Clock, millis};
use crate::config::Config;
use crate::error::{ApiError, Error};
use crate::scenario::{Fault, Scenario};
use crate::store::{self, Store};

/// How many requests `GET /__emulator/requests` remembers.
const REQUEST_LOG_CAPACITY: usize = 10_000;

/// Counters of Account API requests, by route template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Account API requests, whatever their outcome (token and admin requests excluded).
    pub total: u64,
    /// Account API requests by `METHOD /template`, e.g. `GET /workspaces/{workspace_id}`.
    pub requests: BTreeMap<String, u64>,
    /// Requests to the OAuth token endpoint.
    #[serde(default)]
    pub token_requests: u64,
}

impl Stats {
    /// The count of one route, 0 if it was never called.
    pub fn count(&self, route: &str) -> u64 {
        self.requests.get(route).copied().unwrap_or(0)
    }
}

/// One Account API request in `GET /__emulator/requests`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// Position in arrival order, from 1.
    pub seq: u64,
    /// `METHOD /template`, as in [`Stats::requests`].
    pub route: String,
    /// The answered status; 0 when the connection was dropped.
    pub status: u16,
    /// Milliseconds since the emulator started, when the request arrived.
    pub start_ms: f64,
    /// Milliseconds since the emulator started, when the answer was ready.
    pub end_ms: f64,
}

/// What a bearer token is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    Valid,
    Expired,
    Unknown,
}

/// The state shared by every handler. Cloning is cheap and shares everything.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    clock: Clock,
    store: Store,
    started: Instant,
    faults: Mutex<FaultBook>,
    rate_limiter: Mutex<Option<RateLimiter>>,
    stats: Mutex<Stats>,
    request_log: Mutex<RequestLog>,
    /// Accepted bearer tokens and their expiry in epoch milliseconds.
    tokens: RwLock<HashMap<String, i64>>,
}

impl Emulator {
    /// An emulator on the wall clock.
    pub fn new(config: Config) -> Result<Emulator, Error> {
        Emulator::with_clock(config, Clock::system())
    }

    /// An emulator on a given clock, for tests that move time by hand.
    pub fn with_clock(config: Config, clock: Clock) -> Result<Emulator, Error> {
        config.scenario.validate().map_err(Error::Scenario)?;
        let store = Store::open(&config.state, &config.account_id)?;
        let mut tokens: HashMap<String, i64> = config
            .tokens
            .iter()
            .map(|token| (token.clone(), i64::MAX))
            .collect();
        let now_ms = clock.now_ms();
        let issued = store
            .write_now(|db| store::load_tokens(db, now_ms))
            .map_err(|source| Error::PrepareState {
                path: match &config.state {
                    crate::StateLocation::File(path) => path.clone(),
                    crate::StateLocation::Memory => ":memory:".into(),
                },
                source,
            })?;
        tokens.extend(issued);
        let faults = FaultBook::new(&config.scenario);
        let rate_limiter = config.scenario.rate_limit.map(RateLimiter::new);
        Ok(Emulator {
            inner: Arc::new(Inner {
                clock,
                store,
                started: Instant::now(),
                faults: Mutex::new(faults),
                rate_limiter: Mutex::new(rate_limiter),
                stats: Mutex::new(Stats::default()),
                request_log: Mutex::new(RequestLog::default()),
                tokens: RwLock::new(tokens),
                config,
            }),
        })
    }

    /// The account this emulator serves.
    pub fn account_id(&self) -> &str {
        &self.inner.config.account_id
    }

    /// The request counters so far.
    pub fn stats(&self) -> Stats {
        lock(&self.inner.stats).clone()
    }

    /// The recent Account API requests, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.inner.request_log)
            .records
            .iter()
            .cloned()
            .collect()
    }

    /// The scenario in force (its faults as configured, not as spent).
    pub fn scenario(&self) -> Scenario {
        lock(&self.inner.faults).scenario.clone()
    }

    /// Replaces the scenario: broken resources, latency, faults (with fresh counts) and rate
    /// limit.
    pub fn set_scenario(&self, scenario: Scenario) -> Result<(), crate::scenario::ScenarioError> {
        scenario.validate()?;
        *lock(&self.inner.rate_limiter) = scenario.rate_limit.map(RateLimiter::new);
        *lock(&self.inner.faults) = FaultBook::new(&scenario);
        Ok(())
    }

    /// Removes every object and workspace, the scenario, the counters and the request log.
    /// Issued tokens stay valid.
    pub async fn reset(&self) -> Result<(), Error> {
        self.reset_state().await.map_err(|_| Error::Reset)
    }

    pub(crate) async fn reset_state(&self) -> Result<(), ApiError> {
        let now_ms = self.now_ms();
        self.inner.store.write(now_ms, store::clear).await?;
        let _ = self.set_scenario(Scenario::default());
        *lock(&self.inner.stats) = Stats::default();
        *lock(&self.inner.request_log) = RequestLog::default();
        Ok(())
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    pub(crate) fn provisioning_delay_ms(&self) -> i64 {
        millis(self.inner.config.provisioning_delay)
    }

    pub(crate) fn teardown_delay_ms(&self) -> i64 {
        millis(self.inner.config.teardown_delay)
    }

    /// The broken resources and latency in force.
    pub(crate) fn scenario_snapshot(&self) -> Scenario {
        self.scenario()
    }

    /// Milliseconds since the emulator started, for the request log.
    pub(crate) fn elapsed_ms(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.inner.started)
            .as_secs_f64()
            * 1000.0
    }

    /// Whether a bearer token is known and unexpired.
    pub(crate) fn check_token(&self, token: &str) -> TokenCheck {
        let now_ms = self.now_ms();
        let tokens = self
            .inner
            .tokens
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match tokens.get(token) {
            Some(expires_at) if *expires_at > now_ms => TokenCheck::Valid,
            Some(_) => TokenCheck::Expired,
            None => TokenCheck::Unknown,
        }
    }

    /// Issues a new access token, valid for the configured lifetime.
    pub(crate) async fn issue_token(&self) -> Result<(String, Duration), ApiError> {
        let token = format!(
            "bfemu.{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let ttl = self.inner.config.token_ttl;
        let now_ms = self.now_ms();
        let expires_at = now_ms.saturating_add(millis(ttl));
        let stored = token.clone();
        self.inner
            .store
            .write(now_ms, move |db| {
                store::insert_token(db, &stored, expires_at)
            })
            .await?;
        let mut tokens = self
            .inner
            .tokens
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Expired tokens are kept a day to answer "expired" rather than "unknown".
        tokens.retain(|_, expiry| expiry.saturating_add(86_400_000) > now_ms);
        tokens.insert(token.clone(), expires_at);
        Ok((token, ttl))
    }

    /// The access tokens the token endpoint has issued (and remembers), without the static
    /// ones of the configuration: what a test greps a command's output for, to show that no
    /// token leaks.
    pub fn issued_tokens(&self) -> Vec<String> {
        let tokens = self
            .inner
            .tokens
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tokens
            .keys()
            .filter(|token| !self.inner.config.tokens.contains(token))
            .cloned()
            .collect()
    }

    pub(crate) fn count_token_request(&self) {
        lock(&self.inner.stats).token_requests += 1;
    }

    pub(crate) fn count_request(&self, route: &str) {
        let mut stats = lock(&self.inner.stats);
        stats.total += 1;
        *stats.requests.entry(route.to_owned()).or_default() += 1;
    }

    pub(crate) fn record_request(&self, route: &str, status: u16, start: Instant, end: Instant) {
        let record = RequestRecord {
            seq: 0,
            route: route.to_owned(),
            status,
            start_ms: self.elapsed_ms(start),
            end_ms: self.elapsed_ms(end),
        };
        lock(&self.inner.request_log).push(record);
    }

    /// The latency to add to every API request.
    pub(crate) fn latency(&self) -> Duration {
        Duration::from_millis(lock(&self.inner.faults).scenario.latency_ms)
    }

    /// `Err(retry_after_seconds)` when the request exceeds the rate limit.
    pub(crate) fn admit(&self) -> Result<(), u64> {
        match lock(&self.inner.rate_limiter).as_mut() {
            Some(limiter) => limiter.admit(Instant::now()),
            None => Ok(()),
        }
    }

    /// The fault that answers this request, if any; spends it.
    pub(crate) fn take_fault(&self, route: &str) -> Option<Fault> {
        lock(&self.inner.faults).take(route)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The scenario's faults with what is left of each.
struct FaultBook {
    scenario: Scenario,
    /// Per fault: (matching requests still to let through, answers still to give).
    remaining: Vec<(u32, u32)>,
}

impl FaultBook {
    fn new(scenario: &Scenario) -> FaultBook {
        FaultBook {
            remaining: scenario
                .faults
                .iter()
                .map(|fault| (fault.skip, fault.times))
                .collect(),
            scenario: scenario.clone(),
        }
    }

    fn take(&mut self, route: &str) -> Option<Fault> {
        for (fault, (skip_left, times_left)) in
            self.scenario.faults.iter().zip(self.remaining.iter_mut())
        {
            if fault.route != route || *times_left == 0 {
                continue;
            }
            if *skip_left > 0 {
                *skip_left -= 1;
                continue;
            }
            *times_left -= 1;
            return Some(fault.clone());
        }
        None
    }
}

/// A token bucket: `rate` requests per second, bursts up to one second's worth.
struct RateLimiter {
    rate: f64,
    capacity: f64,
    available: f64,
    refilled_at: Option<Instant>,
}

impl RateLimiter {
    fn new(rate: f64) -> RateLimiter {
        let capacity = rate.max(1.0);
        RateLimiter {
            rate,
            capacity,
            available: capacity,
            refilled_at: None,
        }
    }

    fn admit(&mut self, now: Instant) -> Result<(), u64> {
        if let Some(refilled_at) = self.refilled_at {
            let elapsed = now.saturating_duration_since(refilled_at).as_secs_f64();
            self.available = (self.available + elapsed * self.rate).min(self.capacity);
        }
        self.refilled_at = Some(now);
        if self.available >= 1.0 {
            self.available -= 1.0;
            return Ok(());
        }
        // `Retry-After` is whole seconds (the Python SDK parses an integer).
        let wait_seconds = (1.0 - self.available) / self.rate;
        Err(wait_seconds.ceil().max(1.0) as u64)
    }
}

#[derive(Default)]
struct RequestLog {
    records: VecDeque<RequestRecord>,
    next_seq: u64,
}

impl RequestLog {
    fn push(&mut self, mut record: RequestRecord) {
        self.next_seq += 1;
        record.seq = self.next_seq;
        if self.records.len() == REQUEST_LOG_CAPACITY {
            self.records.pop_front();
        }
        self.records.push_back(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(route: &str, times: u32, skip: u32) -> Fault {
        Fault {
            route: route.to_owned(),
            status: 503,
            times,
            retry_after: None,
            after_commit: false,
            skip,
            body: None,
            content_type: None,
            body_repeat: 1,
        }
    }

    #[test]
    fn faults_skip_then_fire_then_are_spent() {
        let scenario = Scenario {
            faults: vec![fault("POST /workspaces", 2, 1)],
            ..Scenario::default()
        };
        let mut book = FaultBook::new(&scenario);
        assert!(book.take("GET /workspaces").is_none());
        assert!(book.take("POST /workspaces").is_none(), "skipped");
        assert!(book.take("POST /workspaces").is_some());
        assert!(book.take("POST /workspaces").is_some());
        assert!(book.take("POST /workspaces").is_none(), "spent");
    }

    #[test]
    fn the_rate_limiter_refuses_beyond_its_rate_and_refills() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(2.0);
        assert!(limiter.admit(start).is_ok());
        assert!(limiter.admit(start).is_ok());
        assert_eq!(limiter.admit(start), Err(1));
        assert!(limiter.admit(start + Duration::from_millis(500)).is_ok());
        let mut slow = RateLimiter::new(0.25);
        assert!(slow.admit(start).is_ok());
        assert_eq!(slow.admit(start), Err(4));
    }

    #[test]
    fn the_request_log_is_a_bounded_ring_in_arrival_order() {
        let mut log = RequestLog::default();
        for index in 0..(REQUEST_LOG_CAPACITY + 5) {
            log.push(RequestRecord {
                seq: 0,
                route: format!("GET /r{index}"),
                status: 200,
                start_ms: 0.0,
                end_ms: 0.0,
            });
        }
        assert_eq!(log.records.len(), REQUEST_LOG_CAPACITY);
        assert_eq!(log.records.front().unwrap().seq, 6);
        assert_eq!(
            log.records.back().unwrap().seq,
            (REQUEST_LOG_CAPACITY + 5) as u64
        );
    }
}
