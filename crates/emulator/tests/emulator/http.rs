//! Over real sockets on `127.0.0.1:0`: OAuth with a real client, lifecycle in real time,
//! persistence across restarts, races, dropped connections, latency and shutdown.

use std::time::{Duration, Instant};

use brickform_emulator::{Config, StateLocation};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Served, TOKEN, config, credentials_body};

fn fast(config: Config) -> Config {
    Config {
        provisioning_delay: Duration::from_millis(300),
        teardown_delay: Duration::from_millis(100),
        ..config
    }
}

/// Polls a workspace until it leaves `PROVISIONING` (bounded: the test fails rather than hang).
async fn settle(served: &Served, workspace_id: i64) -> Value {
    for _ in 0..200 {
        let (status, workspace) = served.get(&format!("/workspaces/{workspace_id}")).await;
        assert_eq!(status, 200, "{workspace}");
        if workspace["workspace_status"] != "PROVISIONING" {
            return workspace;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("workspace {workspace_id} never left PROVISIONING");
}

async fn workspace_fixture(served: &Served, name: &str) -> Value {
    let (_, credentials) = served
        .post(
            "/credentials",
            credentials_body(&format!("{name}-credentials")),
        )
        .await;
    let (_, storage) = served
        .post(
            "/storage-configurations",
            json!({"storage_configuration_name": format!("{name}-storage"), "root_bucket_info": {"bucket_name": "acme-root"}}),
        )
        .await;
    json!({
        "workspace_name": name,
        "aws_region": "us-west-2",
        "credentials_id": credentials["credentials_id"],
        "storage_configuration_id": storage["storage_configuration_id"],
    })
}

#[tokio::test]
async fn a_real_client_authenticates_with_client_credentials() {
    let served = Served::start(config()).await;
    let discovery: Value = served
        .client
        .get(served.url("/.well-known/databricks-config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let oidc_endpoint = discovery["oidc_endpoint"].as_str().unwrap();
    assert_eq!(
        oidc_endpoint,
        format!(
            "{}/oidc/accounts/{}",
            served.running.base_url(),
            served.running.account_id()
        )
    );
    let metadata: Value = served
        .client
        .get(format!(
            "{oidc_endpoint}/.well-known/oauth-authorization-server"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token: Value = served
        .client
        .post(metadata["token_endpoint"].as_str().unwrap())
        .basic_auth("brickform-local", Some("brickform-local-secret"))
        .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = served
        .client
        .get(served.api_url("/workspaces"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]));
    let unauthenticated = served
        .client
        .get(served.api_url("/workspaces"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    let body: Value = unauthenticated.json().await.unwrap();
    assert_eq!(body["error_code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_workspace_reaches_running_after_the_provisioning_delay() {
    let served = Served::start(fast(config())).await;
    let body = workspace_fixture(&served, "acme").await;
    let (status, created) = served.post("/workspaces", body).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["workspace_status"], "PROVISIONING");
    let workspace_id = created["workspace_id"].as_i64().unwrap();
    let settled = settle(&served, workspace_id).await;
    assert_eq!(settled["workspace_status"], "RUNNING");
    let response = served
        .api(Method::DELETE, &format!("/workspaces/{workspace_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    for _ in 0..200 {
        let (status, _) = served.get(&format!("/workspaces/{workspace_id}")).await;
        if status == 404 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the deleted workspace never disappeared");
}

#[tokio::test]
async fn state_survives_a_restart() {
    let directory = tempfile::tempdir().unwrap();
    let state = StateLocation::File(directory.path().join("emulator.db"));
    let state_config = || {
        fast(Config {
            state: state.clone(),
            ..config()
        })
    };
    let served = Served::start(state_config()).await;
    let body = workspace_fixture(&served, "acme").await;
    let (_, created) = served.post("/workspaces", body).await;
    let workspace_id = created["workspace_id"].as_i64().unwrap();
    let token: Value = served
        .client
        .post(served.url(&format!(
            "/oidc/accounts/{}/v1/token",
            served.running.account_id()
        )))
        .basic_auth("brickform-local", Some("brickform-local-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (_, credentials_before) = served.get("/credentials").await;
    served.running.shutdown().await;

    // Restarted while the workspace was still provisioning: its status is computed from stored
    // timestamps, so it still becomes RUNNING.
    let restarted = Served::start(state_config()).await;
    let (_, credentials_after) = restarted.get("/credentials").await;
    assert_eq!(credentials_after, credentials_before);
    assert_eq!(
        settle(&restarted, workspace_id).await["workspace_status"],
        "RUNNING"
    );
    let issued_before = restarted
        .client
        .get(restarted.api_url("/workspaces"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(issued_before.status(), 200, "tokens survive a restart too");
    let (status, duplicate) = restarted
        .post("/credentials", credentials_body("acme-credentials"))
        .await;
    assert_eq!(status, 409, "{duplicate}");
    restarted.running.shutdown().await;

    let foreign = brickform_emulator::Emulator::new(Config {
        account_id: "99999999-0000-0000-0000-000000000000".to_owned(),
        ..state_config()
    });
    assert!(matches!(
        foreign,
        Err(brickform_emulator::Error::ForeignState { .. })
    ));
}

#[tokio::test]
async fn parallel_creates_of_one_credentials_name_leave_exactly_one() {
    let served = Served::start(config()).await;
    let requests = (0..20).map(|_| {
        let request = served
            .api(Method::POST, "/credentials")
            .json(&credentials_body("raced-credentials"));
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let mut statuses = futures_join_all(requests).await;
    statuses.sort_unstable();
    assert_eq!(statuses[0], 200);
    assert_eq!(statuses[1..], [409; 19]);
    let (_, listed) = served.get("/credentials").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn parallel_workspace_creates_lose_no_write() {
    let served = Served::start(config()).await;
    let mut bodies = Vec::new();
    for index in 0..10 {
        bodies.push(workspace_fixture(&served, &format!("acme-{index}")).await);
    }
    let requests = bodies.into_iter().map(|body| {
        let request = served.api(Method::POST, "/workspaces").json(&body);
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_join_all(requests).await;
    assert_eq!(statuses, [200; 10]);
    let (_, listed) = served.get("/workspaces").await;
    assert_eq!(listed.as_array().unwrap().len(), 10);
}

/// Runs futures concurrently on the current runtime and collects their outputs in order.
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

async fn set_scenario(served: &Served, scenario: Value) {
    served
        .admin(Method::POST, "/__emulator/scenario", Some(scenario))
        .await;
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_without_an_answer() {
    let served = Served::start(config()).await;
    set_scenario(
        &served,
        json!({"faults": [{"route": "GET /credentials", "status": 0}]}),
    )
    .await;
    let error = served
        .api(Method::GET, "/credentials")
        .send()
        .await
        .expect_err("a dropped connection is a transport error");
    assert!(error.status().is_none(), "{error:?}");
    assert!(error.is_request() || error.is_connect(), "{error:?}");
    // The next request, on a fresh connection, is served.
    let (status, _) = served.get("/credentials").await;
    assert_eq!(status, 200);
    let stats = served.running.emulator().stats();
    assert_eq!(stats.count("GET /credentials"), 2);
    let records = served.running.emulator().requests();
    assert_eq!(records[0].status, 0);
}

#[tokio::test]
async fn an_after_commit_drop_is_a_lost_response() {
    let served = Served::start(config()).await;
    set_scenario(
        &served,
        json!({"faults": [{"route": "POST /credentials", "status": 0, "after_commit": true}]}),
    )
    .await;
    let error = served
        .api(Method::POST, "/credentials")
        .json(&credentials_body("acme-credentials"))
        .send()
        .await
        .expect_err("the answer is lost");
    assert!(error.status().is_none(), "{error:?}");
    let (_, listed) = served.get("/credentials").await;
    assert_eq!(
        listed[0]["credentials_name"], "acme-credentials",
        "but the write happened"
    );
    let (status, _) = served
        .post("/credentials", credentials_body("acme-credentials"))
        .await;
    assert_eq!(status, 409, "a naive retry conflicts");
}

#[tokio::test]
async fn statuses_and_retry_after_reach_a_real_client() {
    let served = Served::start(config()).await;
    set_scenario(
        &served,
        json!({"faults": [{"route": "POST /workspaces", "status": 429, "retry_after": 2}]}),
    )
    .await;
    let response = served
        .api(Method::POST, "/workspaces")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "2");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error_code"], "REQUEST_LIMIT_EXCEEDED");
}

#[tokio::test]
async fn latency_delays_requests_and_concurrent_requests_overlap_in_the_log() {
    let served = Served::start(config()).await;
    set_scenario(&served, json!({"latency_ms": 400})).await;
    let requests = (0..2).map(|_| {
        let request = served.api(Method::GET, "/workspaces");
        async move { request.send().await.unwrap().status().as_u16() }
    });
    assert_eq!(futures_join_all(requests).await, [200, 200]);
    let records: Vec<Value> = serde_json::from_value(
        served
            .admin(Method::GET, "/__emulator/requests", None)
            .await,
    )
    .unwrap();
    assert_eq!(records.len(), 2);
    let span = |record: &Value| {
        (
            record["start_ms"].as_f64().unwrap(),
            record["end_ms"].as_f64().unwrap(),
        )
    };
    let (first_start, first_end) = span(&records[0]);
    let (second_start, second_end) = span(&records[1]);
    assert!(first_end - first_start >= 400.0, "{records:?}");
    assert!(second_end - second_start >= 400.0, "{records:?}");
    assert!(
        first_start < second_end && second_start < first_end,
        "concurrent requests overlap: {records:?}"
    );
}

#[tokio::test]
async fn shutdown_stops_the_server_and_so_does_drop() {
    let served = Served::start(config()).await;
    let base_url = served.running.base_url();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    assert!(!base_url.ends_with('/'));
    served.running.shutdown().await;
    let refused = served
        .client
        .get(format!("{base_url}/.well-known/databricks-config"))
        .send()
        .await;
    assert!(refused.is_err(), "{refused:?}");

    let dropped = Served::start(config()).await;
    let address = dropped.running.local_addr();
    drop(dropped);
    let started = Instant::now();
    // The server task stops shortly after the drop; the port then refuses connections.
    loop {
        if tokio::net::TcpStream::connect(address).await.is_err() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still serving after drop"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn static_tokens_work_over_http() {
    let served = Served::start(config()).await;
    let response = served
        .client
        .get(served.api_url("/networks"))
        .header("Authorization", format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
