//! Scenarios: the outcomes a test injects, from a YAML file at start or JSON at runtime.
//!
//! A scenario marks AWS resources as broken (a workspace whose network uses one of them ends
//! `FAILED`), adds latency to every API request, rate-limits them, and lists faults: answers
//! a route gives instead of (or after) doing its work.

use serde::{Deserialize, Serialize};

use crate::api::API_ROUTES;

/// Everything a test can inject. Every field is optional; the empty scenario injects nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// AWS resources that fail network validation when a workspace is provisioned.
    pub broken: BrokenResources,
    /// Added to every Account API request before it is handled.
    pub latency_ms: u64,
    /// Injected answers, checked in order.
    pub faults: Vec<Fault>,
    /// Account API requests per second; beyond it the answer is 429 `REQUEST_LIMIT_EXCEEDED`
    /// with `Retry-After`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
}

/// AWS resource ids the emulator treats as misconfigured.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrokenResources {
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub vpcs: Vec<String>,
}

impl BrokenResources {
    pub(crate) fn is_empty(&self) -> bool {
        self.subnets.is_empty() && self.security_groups.is_empty() && self.vpcs.is_empty()
    }
}

/// One injected answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// `METHOD /template`, the template relative to `/api/2.0/accounts/{account_id}`, e.g.
    /// `POST /workspaces` or `GET /workspaces/{workspace_id}`.
    pub route: String,
    /// The HTTP status to answer; 0 closes the connection without an answer.
    pub status: u16,
    /// How many requests the fault answers before it is spent.
    #[serde(default = "one")]
    pub times: u32,
    /// Seconds to put in a `Retry-After` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Do the request's work first, then answer the fault: a lost response.
    #[serde(default)]
    pub after_commit: bool,
    /// How many matching requests pass untouched before the fault starts firing.
    #[serde(default)]
    pub skip: u32,
    /// The body to answer instead of the JSON error document: truncated JSON, a login page,
    /// a wrong shape. With a 2xx `status` this is a malformed success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The `Content-Type` of `body`; `application/json` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// How many times `body` is sent back to back: a huge answer from a short scenario.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub body_repeat: u32,
}

/// The largest answer a fault may send, `body` times `body_repeat`.
pub(crate) const MAX_FAULT_BODY_BYTES: u64 = 1 << 30;

fn one() -> u32 {
    1
}

fn is_one(value: &u32) -> bool {
    *value == 1
}

/// Why a scenario was refused.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot parse the scenario YAML")]
    Yaml(#[source] serde_saphyr::Error),
    #[error("fault route `{route}` is not an Account API route; known routes: {known}")]
    UnknownRoute { route: String, known: String },
    #[error(
        "fault status {status} for `{route}` is neither 0 (drop the connection) nor an HTTP status (100-599)"
    )]
    InvalidStatus { route: String, status: u16 },
    #[error("rate_limit {rate_limit} is not a positive number of requests per second")]
    InvalidRateLimit { rate_limit: f64 },
    #[error(
        "fault for `{route}` sets `content_type` or `body_repeat` without a `body`, or a `body` with status 0 (a dropped connection has no body)"
    )]
    BodyWithoutAnswer { route: String },
    #[error(
        "fault for `{route}` would answer {bytes} bytes; `body` times `body_repeat` must be between 1 byte and {MAX_FAULT_BODY_BYTES} bytes"
    )]
    InvalidBodySize { route: String, bytes: u64 },
}

impl Fault {
    fn validate_body(&self) -> Result<(), ScenarioError> {
        let Some(body) = &self.body else {
            if self.content_type.is_some() || self.body_repeat != 1 {
                return Err(ScenarioError::BodyWithoutAnswer {
                    route: self.route.clone(),
                });
            }
            return Ok(());
        };
        if self.status == 0 {
            return Err(ScenarioError::BodyWithoutAnswer {
                route: self.route.clone(),
            });
        }
        let bytes = (body.len() as u64).saturating_mul(u64::from(self.body_repeat));
        if bytes == 0 || bytes > MAX_FAULT_BODY_BYTES {
            return Err(ScenarioError::InvalidBodySize {
                route: self.route.clone(),
                bytes,
            });
        }
        Ok(())
    }
}

impl Scenario {
    /// Parses and checks a scenario written in YAML (the `--scenario FILE` format).
    pub fn from_yaml(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = serde_saphyr::from_str(text).map_err(ScenarioError::Yaml)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Checks what serde cannot: routes exist, statuses are statuses, rates are positive.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        for fault in &self.faults {
            if !API_ROUTES.contains(&fault.route.as_str()) {
                return Err(ScenarioError::UnknownRoute {
                    route: fault.route.clone(),
                    known: API_ROUTES.join(", "),
                });
            }
            if fault.status != 0 && !(100..=599).contains(&fault.status) {
                return Err(ScenarioError::InvalidStatus {
                    route: fault.route.clone(),
                    status: fault.status,
                });
            }
            fault.validate_body()?;
        }
        if let Some(rate_limit) = self.rate_limit
            && !(rate_limit.is_finite() && rate_limit > 0.0)
        {
            return Err(ScenarioError::InvalidRateLimit { rate_limit });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yaml_scenario_parses_with_defaults_for_what_it_omits() {
        let scenario = Scenario::from_yaml(
            "broken:\n  subnets: [subnet-bad]\nlatency_ms: 20\nfaults:\n  - route: POST /workspaces\n    status: 503\n",
        )
        .unwrap();
        assert_eq!(scenario.broken.subnets, ["subnet-bad"]);
        assert_eq!(scenario.latency_ms, 20);
        assert_eq!(
            scenario.faults,
            [Fault {
                route: "POST /workspaces".to_owned(),
                status: 503,
                times: 1,
                retry_after: None,
                after_commit: false,
                skip: 0,
                body: None,
                content_type: None,
                body_repeat: 1,
            }]
        );
        assert_eq!(scenario.rate_limit, None);
    }

    #[test]
    fn unknown_fields_and_routes_and_statuses_are_refused() {
        assert!(matches!(
            Scenario::from_yaml("latncy_ms: 5\n"),
            Err(ScenarioError::Yaml(_))
        ));
        let unknown_route =
            Scenario::from_yaml("faults: [{route: POST /workspace, status: 503}]\n");
        assert!(
            matches!(unknown_route, Err(ScenarioError::UnknownRoute { ref route, .. }) if route == "POST /workspace")
        );
        let bad_status = Scenario::from_yaml("faults: [{route: GET /workspaces, status: 42}]\n");
        assert!(matches!(
            bad_status,
            Err(ScenarioError::InvalidStatus { status: 42, .. })
        ));
        let dropped = Scenario::from_yaml("faults: [{route: GET /workspaces, status: 0}]\n");
        assert!(dropped.is_ok());
        assert!(matches!(
            Scenario::from_yaml("rate_limit: 0\n"),
            Err(ScenarioError::InvalidRateLimit { .. })
        ));
    }

    #[test]
    fn a_fault_body_needs_an_answer_and_a_sane_size() {
        let html = Scenario::from_yaml(
            "faults: [{route: GET /workspaces, status: 200, body: '<html>', content_type: text/html}]\n",
        )
        .unwrap();
        assert_eq!(html.faults[0].body.as_deref(), Some("<html>"));
        assert_eq!(html.faults[0].body_repeat, 1);
        let huge = Scenario::from_yaml(
            "faults: [{route: GET /workspaces, status: 200, body: '[', body_repeat: 1000000}]\n",
        )
        .unwrap();
        assert_eq!(huge.faults[0].body_repeat, 1_000_000);
        for refused in [
            "faults: [{route: GET /workspaces, status: 200, content_type: text/html}]\n",
            "faults: [{route: GET /workspaces, status: 200, body_repeat: 2}]\n",
            "faults: [{route: GET /workspaces, status: 0, body: x}]\n",
        ] {
            assert!(
                matches!(
                    Scenario::from_yaml(refused),
                    Err(ScenarioError::BodyWithoutAnswer { .. })
                ),
                "{refused}"
            );
        }
        for refused in [
            "faults: [{route: GET /workspaces, status: 200, body: ''}]\n",
            "faults: [{route: GET /workspaces, status: 200, body: xx, body_repeat: 4000000000}]\n",
        ] {
            assert!(
                matches!(
                    Scenario::from_yaml(refused),
                    Err(ScenarioError::InvalidBodySize { .. })
                ),
                "{refused}"
            );
        }
    }

    #[test]
    fn the_json_shape_is_the_admin_endpoints_shape() {
        let scenario: Scenario = serde_json::from_str(
            r#"{"broken": {"vpcs": ["vpc-1"]}, "faults": [{"route": "GET /workspaces/{workspace_id}", "status": 0, "times": 2, "after_commit": true, "skip": 3, "retry_after": 1}], "rate_limit": 2.5}"#,
        )
        .unwrap();
        scenario.validate().unwrap();
        assert_eq!(scenario.broken.vpcs, ["vpc-1"]);
        assert_eq!(scenario.faults[0].times, 2);
        assert_eq!(scenario.faults[0].skip, 3);
        assert!(scenario.faults[0].after_commit);
        assert_eq!(scenario.rate_limit, Some(2.5));
    }
}
