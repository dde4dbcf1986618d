//! An in-process emulator for the harness, seeded over HTTP the way a real account fills up,
//! and the specs that describe what was seeded.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Semaphore;

use brickform_tests::TEST_TOKEN;

/// How many seeding requests are in flight at once.
const SEED_CONCURRENCY: usize = 32;

pub(crate) struct Emulator {
    running: emulator::RunningEmulator,
    http: reqwest::Client,
}

impl Emulator {
    pub(crate) async fn start(provisioning_delay: Duration) -> Result<Emulator, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = emulator::Config {
            tokens: vec![TEST_TOKEN.to_owned()],
            provisioning_delay,
            teardown_delay: Duration::ZERO,
            ..emulator::Config::default()
        };
        let running = emulator::spawn(config, "127.0.0.1:0".parse().unwrap())
            .await
            .map_err(|error| format!("starting the emulator: {error}"))?;
        Ok(Emulator {
            running,
            http: reqwest::Client::new(),
        })
    }

    pub(crate) fn base_url(&self) -> String {
        self.running.base_url()
    }

    pub(crate) fn account_id(&self) -> &str {
        self.running.account_id()
    }

    pub(crate) async fn shutdown(self) {
        self.running.shutdown().await;
    }

    fn client(&self) -> Seeder {
        Seeder {
            http: self.http.clone(),
            base_url: self.base_url(),
            account_id: self.account_id().to_owned(),
        }
    }

    /// Creates `count` workspaces, each with its own credentials, storage configuration and
    /// network (`4 × count` objects), matching [`spec_for_seeded`].
    pub(crate) async fn seed_workspaces(&self, count: usize) -> Result<(), String> {
        let gate = Arc::new(Semaphore::new(SEED_CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        for index in 0..count {
            let permit = Arc::clone(&gate).acquire_owned().await.unwrap();
            let seeder = self.client();
            tasks.spawn(async move {
                let result = seeder.seed_one(index).await;
                drop(permit);
                result
            });
        }
        while let Some(result) = tasks.join_next().await {
            result.map_err(|error| error.to_string())??;
        }
        Ok(())
    }

    pub(crate) async fn set_latency(&self, latency_ms: u64) -> Result<(), String> {
        self.client()
            .call(
                reqwest::Method::POST,
                "/__emulator/scenario",
                Some(json!({"latency_ms": latency_ms})),
            )
            .await
            .map(drop)
    }

    /// The number of Account API requests served so far.
    pub(crate) async fn total_requests(&self) -> Result<u64, String> {
        let stats = self
            .client()
            .call(reqwest::Method::GET, "/__emulator/stats", None)
            .await?;
        stats["total"]
            .as_u64()
            .ok_or_else(|| format!("no total in {stats}"))
    }

    /// The median time of one `GET` of a single object, without the injected latency, for
    /// the per-object refresh model.
    pub(crate) async fn median_get_time(&self) -> Result<Duration, String> {
        let client = self.client();
        let created = client
            .call(
                reqwest::Method::POST,
                &client.api("credentials"),
                Some(json!({"credentials_name": "bench-probe",
                    "aws_credentials": {"sts_role": {"role_arn": role_arn(999_999)}}})),
            )
            .await?;
        let path = format!(
            "{}/{}",
            client.api("credentials"),
            created["credentials_id"].as_str().unwrap_or_default()
        );
        let mut times = Vec::new();
        for _ in 0..50 {
            let started = Instant::now();
            client.call(reqwest::Method::GET, &path, None).await?;
            times.push(started.elapsed());
        }
        client.call(reqwest::Method::DELETE, &path, None).await?;
        times.sort_unstable();
        // The probe ran with whatever latency is set; take it back out.
        let scenario = client
            .call(reqwest::Method::GET, "/__emulator/scenario", None)
            .await?;
        let latency = Duration::from_millis(scenario["latency_ms"].as_u64().unwrap_or(0));
        Ok(times[times.len() / 2].saturating_sub(latency))
    }
}

/// A cheap, owned handle on the emulator's HTTP API, so that seeding tasks can be spawned.
struct Seeder {
    http: reqwest::Client,
    base_url: String,
    account_id: String,
}

impl Seeder {
    fn api(&self, collection: &str) -> String {
        format!("/api/2.0/accounts/{}/{collection}", self.account_id)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url))
            .bearer_auth(TEST_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|error| format!("{method} {path}: {error}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(format!("{method} {path}: {status} {text}"));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// One workspace with its own credentials, storage configuration and network.
    async fn seed_one(&self, index: usize) -> Result<(), String> {
        let post = reqwest::Method::POST;
        let credentials = self
            .call(
                post.clone(),
                &self.api("credentials"),
                Some(json!({"credentials_name": format!("bench-cred-{index}"),
                    "aws_credentials": {"sts_role": {"role_arn": role_arn(index)}}})),
            )
            .await?;
        let storage = self
            .call(
                post.clone(),
                &self.api("storage-configurations"),
                Some(
                    json!({"storage_configuration_name": format!("bench-storage-{index}"),
                    "root_bucket_info": {"bucket_name": format!("bench-bucket-{index}")}}),
                ),
            )
            .await?;
        let network = self
            .call(
                post.clone(),
                &self.api("networks"),
                Some(json!({"network_name": format!("bench-net-{index}"),
                    "vpc_id": "vpc-0b0b0b0b0b0b0b0b0",
                    "subnet_ids": subnets(index), "security_group_ids": [security_group(index)]})),
            )
            .await?;
        self.call(
            post,
            &self.api("workspaces"),
            Some(json!({"workspace_name": format!("bench-ws-{index}"),
                "deployment_name": format!("bench-ws-{index}"), "aws_region": "us-east-1",
                "credentials_id": credentials["credentials_id"],
                "storage_configuration_id": storage["storage_configuration_id"],
                "network_id": network["network_id"]})),
        )
        .await?;
        Ok(())
    }
}

fn role_arn(index: usize) -> String {
    format!("arn:aws:iam::123456789012:role/bench-{index}")
}

fn subnets(index: usize) -> [String; 2] {
    [
        format!("subnet-{index:012x}a0000"),
        format!("subnet-{index:012x}b0000"),
    ]
}

fn security_group(index: usize) -> String {
    format!("sg-{index:012x}c0000")
}

/// The spec that describes exactly what [`Emulator::seed_workspaces`] created: planning it
/// shows no changes.
pub(crate) fn spec_for_seeded(count: usize) -> String {
    let mut credentials = String::from("credentials:\n");
    let mut storage = String::from("storage_configurations:\n");
    let mut networks = String::from("networks:\n");
    let mut workspaces = String::from("workspaces:\n");
    for index in 0..count {
        let _ = write!(
            credentials,
            "  c{index}:\n    name: bench-cred-{index}\n    role_arn: {}\n",
            role_arn(index)
        );
        let _ = write!(
            storage,
            "  s{index}:\n    name: bench-storage-{index}\n    bucket_name: bench-bucket-{index}\n"
        );
        let [first, second] = subnets(index);
        let _ = write!(
            networks,
            "  n{index}:\n    name: bench-net-{index}\n    vpc_id: vpc-0b0b0b0b0b0b0b0b0\n    \
             subnet_ids: [{first}, {second}]\n    security_group_ids: [{}]\n",
            security_group(index)
        );
        let _ = write!(
            workspaces,
            "  w{index}:\n    workspace_name: bench-ws-{index}\n    deployment_name: bench-ws-{index}\n    \
             aws_region: us-east-1\n    credentials: c{index}\n    storage_configuration: s{index}\n    \
             network: n{index}\n"
        );
    }
    format!("version: 1\n{credentials}{storage}{networks}{workspaces}")
}

/// N workspaces that share one credentials and one storage configuration and depend on
/// nothing else: the widest apply a spec can ask for.
pub(crate) fn independent_workspaces(count: usize) -> String {
    let mut text = String::from(
        "version: 1\ncredentials:\n  shared:\n    name: bench-shared-credentials\n    \
         role_arn: arn:aws:iam::123456789012:role/bench-shared\n\
         storage_configurations:\n  shared:\n    name: bench-shared-storage\n    \
         bucket_name: bench-shared-bucket\nworkspaces:\n",
    );
    for index in 0..count {
        let _ = write!(
            text,
            "  w{index}:\n    workspace_name: bench-apply-{index}\n    aws_region: us-east-1\n    \
             credentials: shared\n    storage_configuration: shared\n"
        );
    }
    text
}
