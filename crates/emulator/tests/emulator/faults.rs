//! Scenarios in process: admin endpoints, injected statuses, skips, lost responses, the rate
//! limit, counters, the request log and reset.

use serde_json::json;

use crate::support::{InProcess, credentials_body};

#[tokio::test]
async fn the_scenario_endpoint_replaces_and_reports_the_scenario() {
    let emulator = InProcess::new();
    let scenario = json!({
        "broken": {"subnets": ["subnet-x"], "security_groups": [], "vpcs": []},
        "latency_ms": 0,
        "faults": [{"route": "POST /workspaces", "status": 503, "times": 2, "retry_after": 1, "after_commit": false}],
    });
    let stored = emulator
        .call("POST", "/__emulator/scenario", Some(scenario))
        .await
        .ok();
    assert_eq!(stored["faults"][0]["times"], 2);
    assert_eq!(stored["faults"][0]["skip"], 0);
    let read = emulator
        .call("GET", "/__emulator/scenario", None)
        .await
        .ok();
    assert_eq!(read, stored);
    emulator
        .call(
            "POST",
            "/__emulator/scenario",
            Some(json!({"faults": [{"route": "POST /workspace", "status": 503}]})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "`POST /workspace`");
    emulator
        .call(
            "POST",
            "/__emulator/scenario",
            Some(json!({"latncy_ms": 5})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "latncy_ms");
}

#[tokio::test]
async fn a_fault_answers_its_route_the_given_number_of_times() {
    let emulator = InProcess::new();
    emulator
        .call(
            "POST",
            "/__emulator/scenario",
            Some(json!({"faults": [{"route": "POST /credentials", "status": 503, "times": 2, "retry_after": 7}]})),
        )
        .await
        .ok();
    for _ in 0..2 {
        let reply = emulator
            .api(
                "POST",
                "/credentials",
                Some(credentials_body("acme-credentials")),
            )
            .await;
        reply.error(503, "TEMPORARILY_UNAVAILABLE", "POST /credentials");
        assert_eq!(reply.headers["retry-after"], "7");
    }
    // Other routes were never affected; the third create goes through.
    emulator.api("GET", "/credentials", None).await.ok();
    emulator
        .api(
            "POST",
            "/credentials",
            Some(credentials_body("acme-credentials")),
        )
        .await
        .ok();
    let listed = emulator.api("GET", "/credentials", None).await.ok();
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "faulted requests did nothing"
    );
    let stats = emulator.emulator.stats();
    assert_eq!(stats.count("POST /credentials"), 3);
    assert_eq!(stats.count("GET /credentials"), 2);
    assert_eq!(stats.total, 5);
}

#[tokio::test]
async fn skip_lets_the_first_requests_through() {
    let emulator = InProcess::new();
    emulator
        .call(
            "POST",
            "/__emulator/scenario",
            Some(json!({"faults": [{"route": "GET /credentials/{credentials_id}", "status": 500, "skip": 2}]})),
        )
        .await
        .ok();
    let id = emulator.credentials("acme-credentials").await;
    let path = format!("/credentials/{id}");
    assert_eq!(emulator.api("GET", &path, None).await.status, 200);
    assert_eq!(emulator.api("GET", &path, None).await.status, 200);
    emulator
        .api("GET", &path, None)
        .await
        .error(500, "INTERNAL_ERROR", "injected fault");
    assert_eq!(emulator.api("GET", &path, None).await.status, 200);
}

#[tokio::test]
async fn an_after_commit_fault_does_the_work_and_loses_the_answer() {
    let emulator = InProcess::new();
    emulator
        .call(
            "POST",
            "/__emulator/scenario",
            Some(json!({"faults": [{"route": "POST /credentials", "status": 500, "after_commit": true}]})),
        )
        .await
        .ok();
    emulator
        .api(
            "POST",
            "/credentials",
            Some(credentials_body("acme-credentials")),
        )
        .await
        .error(500, "INTERNAL_ERROR", "injected fault");
    let listed = emulator.api("GET", "/credentials", None).await.ok();
    assert_eq!(
        listed[0]["credentials_name"], "acme-credentials",
        "committed"
    );
}

#[tokio::test]
async fn a_drop_fault_in_process_is_marked_as_a_gateway_error() {
    let emulator = InProcess::new();
    emulator
        .call(
            "POST",
            "/__emulator/scenario",
            Some(json!({"faults": [{"route": "GET /workspaces", "status": 0}]})),
        )
        .await
        .ok();
    let reply = emulator.api("GET", "/workspaces", None).await;
    assert_eq!(reply.status, 502);
    let records = emulator.emulator.requests();
    assert_eq!(records.last().unwrap().status, 0, "recorded as dropped");
}

#[tokio::test]
async fn beyond_the_rate_limit_the_answer_is_429_with_retry_after() {
    let emulator = InProcess::new();
    emulator
        .call(
            "POST",
            "/__emulator/scenario",
            Some(json!({"rate_limit": 2})),
        )
        .await
        .ok();
    assert_eq!(emulator.api("GET", "/workspaces", None).await.status, 200);
    assert_eq!(emulator.api("GET", "/workspaces", None).await.status, 200);
    let limited = emulator.api("GET", "/workspaces", None).await;
    limited.error(429, "REQUEST_LIMIT_EXCEEDED", "rate limit");
    assert_eq!(limited.headers["retry-after"], "1");
    assert_eq!(emulator.emulator.stats().count("GET /workspaces"), 3);
}

#[tokio::test]
async fn stats_count_api_requests_by_route_template_only() {
    let emulator = InProcess::new();
    let id = emulator.credentials("acme-credentials").await;
    emulator
        .api("GET", &format!("/credentials/{id}"), None)
        .await
        .ok();
    emulator.api("GET", "/credentials/unknown", None).await;
    emulator
        .call("GET", "/__emulator/requests", None)
        .await
        .ok();
    emulator
        .send(
            "GET",
            "/api/2.0/accounts/00000000-0000-0000-0000-000000000001/workspaces",
            None,
            None,
        )
        .await;
    let stats = emulator.call("GET", "/__emulator/stats", None).await.ok();
    assert_eq!(
        stats,
        json!({
            "total": 4,
            "requests": {
                "POST /credentials": 1,
                "GET /credentials/{credentials_id}": 2,
                "GET /workspaces": 1,
            },
            "token_requests": 0,
        })
    );
}

#[tokio::test]
async fn the_request_log_keeps_routes_statuses_and_times_in_order() {
    let emulator = InProcess::new();
    emulator.credentials("acme-credentials").await;
    emulator.api("GET", "/credentials/unknown", None).await;
    let records = emulator
        .call("GET", "/__emulator/requests", None)
        .await
        .ok();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["route"], "POST /credentials");
    assert_eq!(records[0]["status"], 200);
    assert_eq!(records[1]["route"], "GET /credentials/{credentials_id}");
    assert_eq!(records[1]["status"], 404);
    assert_eq!(records[1]["seq"], 2);
    let start = records[0]["start_ms"].as_f64().unwrap();
    let end = records[0]["end_ms"].as_f64().unwrap();
    assert!(start <= end && end <= records[1]["start_ms"].as_f64().unwrap());
}

#[tokio::test]
async fn reset_clears_objects_scenario_counters_and_log_but_not_tokens() {
    let emulator = InProcess::new();
    let network = emulator.network("a").await;
    let mut body = emulator.workspace_body("acme").await;
    body["network_id"] = json!(network);
    emulator.create_workspace(body).await;
    emulator
        .call(
            "POST",
            "/__emulator/scenario",
            Some(json!({"latency_ms": 1, "faults": [{"route": "GET /networks", "status": 503}]})),
        )
        .await
        .ok();
    emulator.call("POST", "/__emulator/reset", None).await.ok();
    for collection in [
        "credentials",
        "storage-configurations",
        "networks",
        "workspaces",
    ] {
        assert_eq!(
            emulator
                .api("GET", &format!("/{collection}"), None)
                .await
                .ok(),
            json!([]),
            "{collection}"
        );
    }
    assert_eq!(
        emulator.emulator.scenario(),
        brickform_emulator::Scenario::default()
    );
    assert_eq!(
        emulator.emulator.stats().total,
        4,
        "only the four lists since the reset"
    );
    assert_eq!(emulator.emulator.requests().len(), 4);
    // Subnets are free again.
    emulator.network("a").await;
}

#[tokio::test]
async fn a_fault_body_replaces_the_answer_with_its_content_type_and_size() {
    let emulator = InProcess::new();
    emulator
        .call(
            "POST",
            "/__emulator/scenario",
            Some(json!({"faults": [
                {"route": "GET /credentials", "status": 200, "body": "[{\"credentials_id\": \"c-1\","},
                {"route": "GET /networks", "status": 200, "content_type": "text/html; charset=utf-8",
                 "body": "<!DOCTYPE html><html><body>Sign in</body></html>"},
                {"route": "GET /workspaces", "status": 200, "body": "[1,", "body_repeat": 100000},
                {"route": "POST /credentials", "status": 200, "body": "{\"credentials_id\": 7}",
                 "after_commit": true, "retry_after": 3}
            ]})),
        )
        .await
        .ok();
    let truncated = emulator.api("GET", "/credentials", None).await;
    assert_eq!(truncated.status, 200);
    assert_eq!(truncated.text, "[{\"credentials_id\": \"c-1\",");
    assert_eq!(
        truncated.headers[axum::http::header::CONTENT_TYPE],
        "application/json"
    );
    let login = emulator.api("GET", "/networks", None).await;
    assert_eq!(login.status, 200);
    assert!(login.text.starts_with("<!DOCTYPE html>"), "{}", login.text);
    assert_eq!(
        login.headers[axum::http::header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    let huge = emulator.api("GET", "/workspaces", None).await;
    assert_eq!(huge.text.len(), 300_000);
    assert!(huge.text.starts_with("[1,[1,"));
    // After the commit, the wrong-typed answer replaces the real one: the object exists.
    let wrong = emulator
        .api(
            "POST",
            "/credentials",
            Some(credentials_body("acme-credentials")),
        )
        .await;
    assert_eq!(wrong.json, json!({"credentials_id": 7}));
    assert_eq!(wrong.headers["retry-after"], "3");
    let listed = emulator.api("GET", "/credentials", None).await.ok();
    assert_eq!(listed[0]["credentials_name"], "acme-credentials");
}
