//! List latency at the planner benchmark's scale: 5,000 workspaces, each with its own
//! credentials, storage configuration and network, served in process.
//!
//! Run with `cargo bench -p brickform-emulator --bench list`.

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use brickform_emulator::{Config, Emulator, app};
use serde_json::{Value, json};
use tower::ServiceExt;

const N_WORKSPACES: usize = 5_000;
const TOKEN: &str = "bench-token";
const API: &str = "/api/2.0/accounts/00000000-0000-0000-0000-000000000001";

fn main() {
    divan::main();
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

async fn call(router: &Router, method: &str, path: &str, body: Option<Value>) -> Vec<u8> {
    let request = Request::builder()
        .method(method)
        .uri(format!("{API}{path}"))
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.map_or_else(Body::empty, |body| Body::from(body.to_string())))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert!(
        response.status().is_success(),
        "{method} {path}: {}",
        response.status()
    );
    axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec()
}

/// An account with 5,000 workspaces and their objects, built once.
fn account() -> &'static Router {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let emulator = Emulator::new(Config {
            tokens: vec![TOKEN.to_owned()],
            ..Config::default()
        })
        .unwrap();
        let router = app(emulator);
        runtime().block_on(async {
            for index in 0..N_WORKSPACES {
                let id = |bytes: Vec<u8>, field: &str| -> String {
                    let value: Value = serde_json::from_slice(&bytes).unwrap();
                    value[field].as_str().unwrap().to_owned()
                };
                let credentials = call(&router, "POST", "/credentials", Some(json!({
                    "credentials_name": format!("credentials-{index}"),
                    "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/bench"}},
                })))
                .await;
                let storage = call(&router, "POST", "/storage-configurations", Some(json!({
                    "storage_configuration_name": format!("storage-{index}"),
                    "root_bucket_info": {"bucket_name": "bench-root"},
                })))
                .await;
                let network = call(&router, "POST", "/networks", Some(json!({
                    "network_name": format!("network-{index}"),
                    "vpc_id": "vpc-bench",
                    "subnet_ids": [format!("subnet-{index}a"), format!("subnet-{index}b")],
                    "security_group_ids": [format!("sg-{index}")],
                })))
                .await;
                call(&router, "POST", "/workspaces", Some(json!({
                    "workspace_name": format!("workspace-{index}"),
                    "deployment_name": format!("bench-{index}"),
                    "aws_region": "us-west-2",
                    "credentials_id": id(credentials, "credentials_id"),
                    "storage_configuration_id": id(storage, "storage_configuration_id"),
                    "network_id": id(network, "network_id"),
                    "custom_tags": {"Env": "Bench", "Index": index.to_string()},
                })))
                .await;
            }
        });
        router
    })
}

fn list(bencher: divan::Bencher<'_, '_>, collection: &str) {
    let router = account();
    let path = format!("/{collection}");
    bencher.bench(|| {
        let body = runtime().block_on(call(router, "GET", &path, None));
        assert!(body.len() > N_WORKSPACES, "a list of {N_WORKSPACES}");
        body
    });
}

#[divan::bench(sample_count = 20)]
fn list_5000_workspaces(bencher: divan::Bencher<'_, '_>) {
    list(bencher, "workspaces");
}

#[divan::bench(sample_count = 20)]
fn list_5000_networks(bencher: divan::Bencher<'_, '_>) {
    list(bencher, "networks");
}

#[divan::bench(sample_count = 20)]
fn list_5000_credentials(bencher: divan::Bencher<'_, '_>) {
    list(bencher, "credentials");
}

#[divan::bench(sample_count = 20)]
fn get_one_workspace_among_5000(bencher: divan::Bencher<'_, '_>) {
    let router = account();
    let listed: Vec<Value> =
        serde_json::from_slice(&runtime().block_on(call(router, "GET", "/workspaces", None)))
            .unwrap();
    let path = format!("/workspaces/{}", listed[N_WORKSPACES / 2]["workspace_id"]);
    bencher.bench(|| runtime().block_on(call(router, "GET", &path, None)));
}
