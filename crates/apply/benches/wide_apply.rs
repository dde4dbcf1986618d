//! Measures how close a wide apply comes to its critical path.
//!
//! The scenario of issue 6: independent workspaces against the emulator over real HTTP, with a
//! 2 s provisioning delay and 10 ms of injected latency per request. The critical path is one
//! create request plus the provisioning delay (2.01 s); the figure of merit is the wall time
//! of `execute` divided by it. Each configuration runs three times; the table shows the
//! median and the range.
//!
//! Run with `cargo bench -p brickform-apply --bench wide_apply`. `BRICKFORM_BENCH_WORKSPACES`
//! overrides the width (default 50).
#![allow(clippy::print_stdout)] // A measurement program: its output is the figures.

use std::sync::Arc;
use std::time::{Duration, Instant};

use api_types::{
    CreateCredentialRequest, CreateStorageConfigurationRequest, CreateWorkspaceRequest,
    RootBucketInfo,
};
use brickform_apply::{Event, EventSink, Options, execute};
use client::{AccountApi, AuthConfig, ClientBuilder, Secret};
use plan::{
    CreateRequest, FORMAT_VERSION, Operation, Plan, PlanOptions, PlanTarget, Step, Summary,
};
use spec::{Address, Kind};

const TOKEN: &str = "bench-token";
const PROVISIONING: Duration = Duration::from_secs(2);
const LATENCY: Duration = Duration::from_millis(10);
const RUNS: usize = 3;

/// Counts events and nothing else: rendering is not what is measured.
struct Quiet;

impl EventSink for Quiet {
    fn emit(&self, _event: Event) {}
}

fn main() {
    let workspaces: usize = std::env::var("BRICKFORM_BENCH_WORKSPACES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(50);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let critical_path = LATENCY + PROVISIONING;
    println!(
        "{workspaces} independent workspaces, provisioning {PROVISIONING:?}, latency {LATENCY:?} per request, critical path {critical_path:?}"
    );
    println!(
        "| workspaces | parallelism | client rate limit (req/s) | wall time (median, min..max) | ratio to critical path | list calls |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for (count, parallelism, rate_limit) in [
        (1, 10, 1_000.0),
        (workspaces, 10, 1_000.0),
        (workspaces, 10, 100.0),
        (workspaces, 10, 15.0),
    ] {
        let mut runs: Vec<(Duration, u64)> = (0..RUNS)
            .map(|_| runtime.block_on(measure(count, parallelism, rate_limit)))
            .collect();
        runs.sort();
        let (median, lists) = runs[RUNS / 2];
        println!(
            "| {count} | {parallelism} | {rate_limit} | {:.3} s ({:.3}..{:.3}) | {:.2} | {lists} |",
            median.as_secs_f64(),
            runs[0].0.as_secs_f64(),
            runs[RUNS - 1].0.as_secs_f64(),
            median.as_secs_f64() / critical_path.as_secs_f64(),
        );
    }
}

/// One apply of `count` workspaces; returns its wall time and the number of list calls.
async fn measure(count: usize, parallelism: usize, rate_limit: f64) -> (Duration, u64) {
    let mut config = emulator::Config {
        tokens: vec![TOKEN.to_owned()],
        provisioning_delay: PROVISIONING,
        ..emulator::Config::default()
    };
    config.scenario.latency_ms = u64::try_from(LATENCY.as_millis()).unwrap_or(0);
    let running = emulator::spawn(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("the emulator starts");
    let client = ClientBuilder::new(
        running.base_url().parse().expect("the emulator's URL"),
        running.account_id(),
        AuthConfig::Pat {
            token: Secret::new(TOKEN),
        },
    )
    .rate_limit(rate_limit)
    .build()
    .expect("a client");
    let credentials = client
        .create_credential(&CreateCredentialRequest::new(
            "bench-creds",
            "arn:aws:iam::123456789012:role/bench",
        ))
        .await
        .expect("credentials");
    let storage = client
        .create_storage_configuration(&CreateStorageConfigurationRequest {
            storage_configuration_name: "bench-root".to_owned(),
            root_bucket_info: RootBucketInfo {
                bucket_name: "bench-root".to_owned(),
            },
            role_arn: None,
        })
        .await
        .expect("storage");
    let steps = (0..count)
        .map(|index| {
            let address = Address::new(Kind::Workspace, format!("w{index}"));
            Step {
                id: index,
                description: format!("create {address}"),
                operation: Operation::Create {
                    request: CreateRequest::Workspace(CreateWorkspaceRequest {
                        workspace_name: format!("bench-{index}"),
                        deployment_name: Some(format!("bench-{index}")),
                        aws_region: "us-west-2".to_owned(),
                        credentials_id: Some(credentials.credentials_id.clone()),
                        storage_configuration_id: Some(storage.storage_configuration_id.clone()),
                        ..CreateWorkspaceRequest::default()
                    }),
                },
                depends_on: Vec::new(),
                produces: Some(address.clone()),
                address,
            }
        })
        .collect();
    let plan = Plan {
        format_version: FORMAT_VERSION,
        brickform_version: "bench".to_owned(),
        target: PlanTarget {
            host: running.base_url(),
            account_id: running.account_id().to_owned(),
        },
        spec_digest: String::new(),
        deployment_name_prefix: None,
        options: PlanOptions::default(),
        summary: Summary::default(),
        resource_changes: Vec::new(),
        steps,
        reads: Vec::new(),
        notes: Vec::new(),
    };
    let options = Options {
        parallelism,
        ..Options::default()
    };
    let lists_before = list_calls(&running.base_url()).await;
    let start = Instant::now();
    let outcome = execute(Arc::new(client), &plan, options, Arc::new(Quiet))
        .await
        .expect("a well-formed plan");
    let elapsed = start.elapsed();
    assert!(outcome.succeeded(), "{:?}", outcome.summary);
    let lists = list_calls(&running.base_url()).await - lists_before;
    running.shutdown().await;
    (elapsed, lists)
}

/// The emulator's count of `GET /workspaces` requests so far.
async fn list_calls(base_url: &str) -> u64 {
    let stats: serde_json::Value = reqwest::Client::new()
        .get(format!("{base_url}/__emulator/stats"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats JSON");
    stats["requests"]["GET /workspaces"].as_u64().unwrap_or(0)
}
