//! Test support: an in-process emulator on a manual clock, an HTTP one on `127.0.0.1:0`, and
//! fixtures that create the objects a workspace needs.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use brickform_emulator::{Config, Emulator, ManualClock, RunningEmulator, app};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The static bearer token every test emulator accepts.
pub(crate) const TOKEN: &str = "test-token";

/// 2026-01-01T00:00:00Z: where manual clocks start.
pub(crate) const START_MS: i64 = 1_767_225_600_000;

/// A test configuration: the static token, a 10 s provisioning and 3 s teardown delay.
pub(crate) fn config() -> Config {
    Config {
        tokens: vec![TOKEN.to_owned()],
        provisioning_delay: Duration::from_secs(10),
        teardown_delay: Duration::from_secs(3),
        ..Config::default()
    }
}

/// An answer: status, headers and the body as text and, when it is JSON, as a value.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) text: String,
    pub(crate) json: Value,
}

impl Reply {
    #[track_caller]
    pub(crate) fn ok(self) -> Value {
        assert_eq!(self.status, 200, "{}", self.text);
        self.json
    }

    /// Asserts status and `error_code`, and that the message contains `needle`.
    #[track_caller]
    pub(crate) fn error(&self, status: u16, error_code: &str, needle: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.json["error_code"], error_code, "{}", self.text);
        let message = self.json["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "`{needle}` not in `{message}`");
    }

    /// Asserts the plain-text `ERROR_CODE: message` form.
    #[track_caller]
    pub(crate) fn plain_error(&self, error_code: &str, needle: &str) {
        assert_eq!(self.status, 400, "{}", self.text);
        assert!(
            self.text.starts_with(&format!("{error_code}: ")),
            "{}",
            self.text
        );
        assert!(
            self.text.contains(needle),
            "`{needle}` not in `{}`",
            self.text
        );
        let content_type = self.headers[header::CONTENT_TYPE].to_str().unwrap();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
    }
}

/// An emulator called in process through its router, on a manual clock.
pub(crate) struct InProcess {
    pub(crate) emulator: Emulator,
    pub(crate) clock: ManualClock,
    router: Router,
}

impl InProcess {
    pub(crate) fn new() -> InProcess {
        InProcess::with_config(config())
    }

    pub(crate) fn with_config(config: Config) -> InProcess {
        let clock = ManualClock::starting_at(START_MS);
        let emulator = Emulator::with_clock(config, clock.clock()).unwrap();
        InProcess {
            router: app(emulator.clone()),
            emulator,
            clock,
        }
    }

    pub(crate) fn advance(&self, seconds: u64) {
        self.clock.advance(Duration::from_secs(seconds));
    }

    /// A request with the test token.
    pub(crate) async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.send(method, path, body.map(|body| body.to_string()), Some(TOKEN))
            .await
    }

    /// A request to `/api/2.0/accounts/{account_id}{relative}` with the test token.
    pub(crate) async fn api(&self, method: &str, relative: &str, body: Option<Value>) -> Reply {
        let path = format!("/api/2.0/accounts/{}{relative}", self.emulator.account_id());
        self.call(method, &path, body).await
    }

    /// A raw request: any body text, any token (or none).
    pub(crate) async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        token: Option<&str>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "emulator.test:8480");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(body.map_or_else(Body::empty, Body::from))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    // Fixtures: each creates one valid object and answers its id.

    pub(crate) async fn credentials(&self, name: &str) -> String {
        let reply = self
            .api("POST", "/credentials", Some(credentials_body(name)))
            .await;
        reply.ok()["credentials_id"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn storage(&self, name: &str) -> String {
        let body = json!({"storage_configuration_name": name, "root_bucket_info": {"bucket_name": "acme-root"}});
        let reply = self
            .api("POST", "/storage-configurations", Some(body))
            .await;
        reply.ok()["storage_configuration_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub(crate) async fn key(&self, use_cases: &[&str]) -> String {
        let body = json!({
            "use_cases": use_cases,
            "aws_key_info": {"key_arn": "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
        });
        let reply = self.api("POST", "/customer-managed-keys", Some(body)).await;
        reply.ok()["customer_managed_key_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub(crate) async fn vpc_endpoint(&self, name: &str, region: &str) -> String {
        let body = json!({"vpc_endpoint_name": name, "aws_vpc_endpoint_id": "vpce-0aaa1111", "region": region});
        let reply = self.api("POST", "/vpc-endpoints", Some(body)).await;
        reply.ok()["vpc_endpoint_id"].as_str().unwrap().to_owned()
    }

    /// A network with subnets `subnet-{tag}a`, `subnet-{tag}b` and security group `sg-{tag}`.
    pub(crate) async fn network(&self, tag: &str) -> String {
        let reply = self.api("POST", "/networks", Some(network_body(tag))).await;
        reply.ok()["network_id"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn private_access_settings(&self, name: &str, region: &str) -> String {
        let body = json!({"private_access_settings_name": name, "region": region});
        let reply = self
            .api("POST", "/private-access-settings", Some(body))
            .await;
        reply.ok()["private_access_settings_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A minimal workspace body with fresh credentials and storage.
    pub(crate) async fn workspace_body(&self, name: &str) -> Value {
        json!({
            "workspace_name": name,
            "aws_region": "us-west-2",
            "credentials_id": self.credentials(&format!("{name}-credentials")).await,
            "storage_configuration_id": self.storage(&format!("{name}-storage")).await,
        })
    }

    /// Creates a workspace from a body and answers the created workspace.
    pub(crate) async fn create_workspace(&self, body: Value) -> Value {
        self.api("POST", "/workspaces", Some(body)).await.ok()
    }

    pub(crate) async fn workspace_status(&self, workspace_id: i64) -> String {
        let reply = self
            .api("GET", &format!("/workspaces/{workspace_id}"), None)
            .await;
        reply.ok()["workspace_status"].as_str().unwrap().to_owned()
    }
}

pub(crate) fn credentials_body(name: &str) -> Value {
    json!({
        "credentials_name": name,
        "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/acme-databricks"}}
    })
}

pub(crate) fn network_body(tag: &str) -> Value {
    json!({
        "network_name": format!("network-{tag}"),
        "vpc_id": format!("vpc-{tag}"),
        "subnet_ids": [format!("subnet-{tag}a"), format!("subnet-{tag}b")],
        "security_group_ids": [format!("sg-{tag}")],
    })
}

/// An emulator served on `127.0.0.1:0` and a client for it.
pub(crate) struct Served {
    pub(crate) running: RunningEmulator,
    pub(crate) client: reqwest::Client,
}

impl Served {
    pub(crate) async fn start(config: Config) -> Served {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let running = brickform_emulator::spawn(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        Served {
            running,
            client: reqwest::Client::new(),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.base_url())
    }

    pub(crate) fn api_url(&self, relative: &str) -> String {
        self.url(&format!(
            "/api/2.0/accounts/{}{relative}",
            self.running.account_id()
        ))
    }

    /// A request builder for the Account API with the test token.
    pub(crate) fn api(&self, method: reqwest::Method, relative: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.api_url(relative))
            .bearer_auth(TOKEN)
    }

    pub(crate) async fn post(&self, relative: &str, body: Value) -> (u16, Value) {
        let response = self
            .api(reqwest::Method::POST, relative)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn get(&self, relative: &str) -> (u16, Value) {
        let response = self
            .api(reqwest::Method::GET, relative)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}
