//! The emulator under load: 32 concurrent clients run a mixed create / list / get / patch /
//! delete workload against one emulator with SQLite state, for a bounded time.
//!
//! Invariants: no answer is a 5xx (nor any other failure the workload does not ask for); every
//! object a client was told it created, and did not delete, is listed at the end, and nothing
//! else is; after a restart on the same state file the account is the same. The throughput and
//! latency figures are printed (run with `--nocapture`), never asserted: speed is measured,
//! not tested.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

use brickform_tests::TEST_TOKEN;

const CLIENTS: usize = 32;
const WORKLOAD_TIME: Duration = Duration::from_secs(3);

/// What one client did and what it believes exists.
#[derive(Default)]
struct ClientReport {
    latencies: Vec<Duration>,
    failures: Vec<String>,
    credentials: BTreeSet<String>,
    workspaces: BTreeSet<i64>,
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(
        &self,
        report: &mut ClientReport,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Option<Value> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(TEST_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let started = Instant::now();
        let result = request.send().await;
        let outcome = match result {
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                if status.is_success() {
                    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
                } else {
                    Err(format!("{method} {path}: {status} {text}"))
                }
            }
            Err(error) => Err(format!("{method} {path}: {error}")),
        };
        report.latencies.push(started.elapsed());
        match outcome {
            Ok(value) => Some(value),
            Err(failure) => {
                report.failures.push(failure);
                None
            }
        }
    }
}

async fn run_client(
    base: String,
    account: String,
    index: usize,
    deadline: Instant,
) -> ClientReport {
    let api = Api {
        http: reqwest::Client::new(),
        base: format!("{base}/api/2.0/accounts/{account}"),
    };
    let mut report = ClientReport::default();
    let mut random = StdRng::seed_from_u64(index as u64);
    // Every client owns one storage configuration that its workspaces share.
    let storage = api
        .call(
            &mut report,
            reqwest::Method::POST,
            "/storage-configurations",
            Some(
                json!({"storage_configuration_name": format!("load-storage-{index}"),
                        "root_bucket_info": {"bucket_name": format!("load-bucket-{index}")}}),
            ),
        )
        .await
        .expect("creating the client's storage configuration");
    let storage_id = storage["storage_configuration_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut counter = 0_u64;
    while Instant::now() < deadline {
        counter += 1;
        let roll = random.random_range(0..100);
        let own_credential = report.credentials.iter().next().cloned();
        let own_workspace = report.workspaces.iter().next().copied();
        match (roll, own_credential, own_workspace) {
            (0..20, _, _) => {
                let body = json!({"credentials_name": format!("load-{index}-{counter}"),
                    "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/load"}}});
                if let Some(created) = api
                    .call(
                        &mut report,
                        reqwest::Method::POST,
                        "/credentials",
                        Some(body),
                    )
                    .await
                {
                    let id = created["credentials_id"].as_str().unwrap().to_owned();
                    report.credentials.insert(id);
                }
            }
            (20..30, Some(credential), _) => {
                let body = json!({"workspace_name": format!("load-{index}-{counter}"),
                    "deployment_name": format!("load-{index}-{counter}"),
                    "aws_region": "us-east-1", "credentials_id": credential,
                    "storage_configuration_id": storage_id});
                if let Some(created) = api
                    .call(
                        &mut report,
                        reqwest::Method::POST,
                        "/workspaces",
                        Some(body),
                    )
                    .await
                {
                    report
                        .workspaces
                        .insert(created["workspace_id"].as_i64().unwrap());
                }
            }
            (30..55, _, _) => {
                let path = if roll % 2 == 0 {
                    "/credentials"
                } else {
                    "/workspaces"
                };
                api.call(&mut report, reqwest::Method::GET, path, None)
                    .await;
            }
            (55..75, Some(credential), _) => {
                let path = format!("/credentials/{credential}");
                api.call(&mut report, reqwest::Method::GET, &path, None)
                    .await;
            }
            (75..85, _, Some(workspace)) => {
                let path = format!("/workspaces/{workspace}?update_mask=custom_tags");
                let body = json!({"custom_tags": {"Load": counter.to_string()}});
                api.call(&mut report, reqwest::Method::PATCH, &path, Some(body))
                    .await;
            }
            (85..92, _, Some(workspace)) => {
                let path = format!("/workspaces/{workspace}");
                if api
                    .call(&mut report, reqwest::Method::DELETE, &path, None)
                    .await
                    .is_some()
                {
                    report.workspaces.remove(&workspace);
                }
            }
            (92..100, Some(_), _) => {
                // Only credentials no workspace of this client uses (or used: teardown is
                // immediate in this test) may be deleted.
                let unused = report.credentials.iter().nth(1).cloned();
                if report.workspaces.is_empty()
                    && let Some(credential) = unused
                {
                    let path = format!("/credentials/{credential}");
                    if api
                        .call(&mut report, reqwest::Method::DELETE, &path, None)
                        .await
                        .is_some()
                    {
                        report.credentials.remove(&credential);
                    }
                }
            }
            _ => {
                api.call(&mut report, reqwest::Method::GET, "/networks", None)
                    .await;
            }
        }
    }
    report
}

fn ids(list: &Value, field: &str) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|object| object[field].to_string().trim_matches('"').to_owned())
        .collect()
}

async fn list(base: &str, account: &str, collection: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}/api/2.0/accounts/{account}/{collection}"))
        .bearer_auth(TEST_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stderr)] // The figures are the point of running this with --nocapture.
async fn thirty_two_clients_lose_no_write_and_get_no_server_error() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let directory = tempfile::tempdir().unwrap();
    let config = emulator::Config {
        tokens: vec![TEST_TOKEN.to_owned()],
        provisioning_delay: Duration::ZERO,
        teardown_delay: Duration::ZERO,
        state: emulator::StateLocation::File(directory.path().join("load.db")),
        ..emulator::Config::default()
    };
    let running = emulator::spawn(config.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = running.base_url();
    let account = running.account_id().to_owned();

    let started = Instant::now();
    let deadline = started + WORKLOAD_TIME;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|index| tokio::spawn(run_client(base.clone(), account.clone(), index, deadline)))
        .collect();
    let mut reports = Vec::new();
    for client in clients {
        reports.push(client.await.unwrap());
    }
    let elapsed = started.elapsed();

    let failures: Vec<&String> = reports.iter().flat_map(|report| &report.failures).collect();
    assert!(
        failures.is_empty(),
        "{} failed requests: {failures:#?}",
        failures.len()
    );

    let expected_credentials: BTreeSet<String> = reports
        .iter()
        .flat_map(|report| report.credentials.iter().cloned())
        .collect();
    let expected_workspaces: BTreeSet<String> = reports
        .iter()
        .flat_map(|report| report.workspaces.iter().map(i64::to_string))
        .collect();
    let listed_credentials = ids(
        &list(&base, &account, "credentials").await,
        "credentials_id",
    );
    let listed_workspaces = ids(&list(&base, &account, "workspaces").await, "workspace_id");
    assert_eq!(
        listed_credentials, expected_credentials,
        "credentials lost or duplicated"
    );
    assert_eq!(
        listed_workspaces, expected_workspaces,
        "workspaces lost or duplicated"
    );
    assert!(!expected_credentials.is_empty() && !expected_workspaces.is_empty());

    running.shutdown().await;
    let restarted = emulator::spawn(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = restarted.base_url();
    assert_eq!(
        ids(
            &list(&base, &account, "credentials").await,
            "credentials_id"
        ),
        expected_credentials,
        "credentials after a restart"
    );
    assert_eq!(
        ids(&list(&base, &account, "workspaces").await, "workspace_id"),
        expected_workspaces,
        "workspaces after a restart"
    );
    restarted.shutdown().await;

    let mut latencies: Vec<Duration> = reports
        .iter()
        .flat_map(|report| report.latencies.iter().copied())
        .collect();
    latencies.sort_unstable();
    let percentile = |fraction: f64| latencies[((latencies.len() - 1) as f64 * fraction) as usize];
    eprintln!(
        "emulator load: {CLIENTS} clients, {} requests in {:.2} s = {:.0} requests/s; \
         latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} credentials and {} workspaces live",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(0.50).as_secs_f64() * 1000.0,
        percentile(0.99).as_secs_f64() * 1000.0,
        latencies.last().unwrap().as_secs_f64() * 1000.0,
        expected_credentials.len(),
        expected_workspaces.len(),
    );
}
