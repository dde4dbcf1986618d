//! Retries: `Retry-After` is honoured, transient failures of idempotent calls are retried
//! within the budget, and a `POST` is only resent when the server certainly did nothing.

use std::time::{Duration, Instant};

use brickform_client::{AccountApi, ErrorKind, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    self, builder, count, network_json, network_request, pat, pat_client, small_budget,
};

/// Answers `failures` times with `failure`, then with `success`.
async fn flaky(
    server: &MockServer,
    http_method: &str,
    suffix: &str,
    failure: ResponseTemplate,
    failures: u64,
    success: ResponseTemplate,
) {
    Mock::given(method(http_method))
        .and(path(support::path(suffix)))
        .respond_with(failure)
        .up_to_n_times(failures)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method(http_method))
        .and(path(support::path(suffix)))
        .respond_with(success)
        .with_priority(2)
        .mount(server)
        .await;
}

fn throttled(retry_after: &str) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("retry-after", retry_after)
        .set_body_json(json!({"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "slow down"}))
}

#[tokio::test]
async fn retry_after_is_honoured_in_real_time() {
    let server = MockServer::start().await;
    let ok = ResponseTemplate::new(200).set_body_json(json!([]));
    flaky(&server, "GET", "networks", throttled("1"), 2, ok).await;
    // Real delays here: this is the one test that shows the client actually waits.
    let client = builder(&server, pat())
        .no_retry_delay(false)
        .build()
        .unwrap();
    let started = Instant::now();
    client.list_networks().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(count(&server, "GET", &support::path("networks")).await, 3);
    assert!(elapsed >= Duration::from_secs(2), "waited only {elapsed:?}");
}

#[tokio::test]
async fn the_test_knob_skips_even_retry_after() {
    let server = MockServer::start().await;
    let ok = ResponseTemplate::new(200).set_body_json(json!([]));
    flaky(&server, "GET", "networks", throttled("30"), 3, ok).await;
    let started = Instant::now();
    pat_client(&server).list_networks().await.unwrap();
    assert_eq!(count(&server, "GET", &support::path("networks")).await, 4);
    // Three 30-second waits were skipped; anything near that would mean they were not.
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_ends_the_call() {
    let server = MockServer::start().await;
    let ok = ResponseTemplate::new(200).set_body_json(json!([]));
    flaky(&server, "GET", "networks", throttled("3"), 5, ok).await;
    let client = builder(&server, pat())
        .retry_policy(small_budget())
        .build()
        .unwrap();
    let error = client.list_networks().await.unwrap_err();
    // 3 s fits in the 4 s budget once; a second wait would end at 6 s.
    assert_eq!(count(&server, "GET", &support::path("networks")).await, 2);
    assert_eq!(error.retries(), 1);
    assert!(error.is_throttled());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3)));
    assert!(error.to_string().ends_with(", after 1 retry"), "{error}");
}

#[tokio::test]
async fn an_unparsable_retry_after_falls_back_to_backoff() {
    let server = MockServer::start().await;
    let ok = ResponseTemplate::new(200).set_body_json(json!([]));
    let unavailable = ResponseTemplate::new(503)
        .insert_header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")
        .set_body_json(json!({"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"}));
    flaky(&server, "GET", "workspaces", unavailable, 2, ok).await;
    pat_client(&server).list_workspaces().await.unwrap();
    assert_eq!(count(&server, "GET", &support::path("workspaces")).await, 3);
}

#[tokio::test]
async fn persistent_failures_give_up_when_the_budget_is_spent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(support::path("credentials")))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = builder(&server, pat())
        .retry_policy(small_budget())
        .build()
        .unwrap();
    let error = client.list_credentials().await.unwrap_err();
    let requests = count(&server, "GET", &support::path("credentials")).await;
    // Backoff of 0.5-0.75 s, 1-1.5 s, 2-3 s ...: two or three retries fit in 4 s.
    assert!((3..=4).contains(&requests), "{requests} requests");
    assert_eq!(error.retries() as usize, requests - 1);
    assert!(error.is_retryable());
}

#[tokio::test]
async fn timeouts_of_idempotent_calls_are_retried() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200)
        .set_body_json(json!([]))
        .set_delay(Duration::from_secs(5));
    let ok = ResponseTemplate::new(200).set_body_json(json!([network_json("n-1", "a")]));
    flaky(&server, "GET", "networks", slow, 1, ok).await;
    let client = builder(&server, pat())
        .http_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let networks = client.list_networks().await.unwrap();
    assert_eq!(networks.len(), 1);
    assert_eq!(count(&server, "GET", &support::path("networks")).await, 2);
}

#[tokio::test]
async fn a_post_is_not_resent_after_a_timeout_or_a_5xx() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(support::path("networks")))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(support::path("workspaces")))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server, pat())
        .http_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = client
        .create_network(&network_request("acme-vpc"))
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Timeout { .. }),
        "{error:?}"
    );
    assert!(error.is_ambiguous() && error.is_retryable());
    assert_eq!(
        error.to_string(),
        format!(
            "cannot create network `acme-vpc` (POST {})",
            support::path("networks")
        )
    );
    let request = api_types::CreateWorkspaceRequest {
        workspace_name: "sales".to_owned(),
        ..Default::default()
    };
    let error = client.create_workspace(&request).await.unwrap_err();
    assert!(error.is_ambiguous());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
}

#[tokio::test]
async fn a_throttled_post_is_resent_because_nothing_happened() {
    let server = MockServer::start().await;
    let created = ResponseTemplate::new(200).set_body_json(network_json("n-1", "acme-vpc"));
    flaky(&server, "POST", "networks", throttled("1"), 1, created).await;
    let network = pat_client(&server)
        .create_network(&network_request("acme-vpc"))
        .await
        .unwrap();
    assert_eq!(network.network_id, "n-1");
    assert_eq!(count(&server, "POST", &support::path("networks")).await, 2);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported() {
    // Bind and drop a listener: nothing listens on that port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = brickform_client::ClientBuilder::new(
        url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
        support::ACCOUNT,
        pat(),
    )
    .retry_policy(RetryPolicy {
        budget: Duration::from_secs(2),
        no_delay: true,
        ..RetryPolicy::default()
    })
    .build()
    .unwrap();
    let error = client.list_networks().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Connect { .. }),
        "{error:?}"
    );
    assert!(error.retries() >= 1);
    assert_eq!(
        std::error::Error::source(&error).unwrap().to_string(),
        "cannot connect to 127.0.0.1"
    );
}
