//! [`Client`]: the HTTP implementation of [`AccountApi`].
//!
//! Every call goes through one loop ([`Client::send`]): wait for the rate limiter, obtain the
//! `Authorization` header, send with a per-request timeout, classify the answer, and retry
//! what is safe to retry (see [`Error::may_resend`]) within the retry budget. Each attempt is
//! logged at `debug` with its method, URL, status, timing and attempt number; headers and
//! bodies never are.

use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use api_types::{
    Collection, CreateCredentialRequest, CreateCustomerManagedKeyRequest, CreateNetworkRequest,
    CreateStorageConfigurationRequest, CreateVpcEndpointRequest, CreateWorkspaceRequest,
    Credential, CustomerManagedKey, ErrorBody, Network, PrivateAccessSettings,
    PrivateAccessSettingsRequest, StorageConfiguration, UpdateWorkspaceRequest, VpcEndpoint,
    Workspace,
};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::auth::Authenticator;
use crate::config::{self, AuthConfig, AuthType, Config};
use crate::error::{Action, Error, ErrorKind, RequestContext};
use crate::retry::{self, RetryPolicy};
use crate::{AccountApi, auth::AuthError};

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("brickform/", env!("CARGO_PKG_VERSION"));

/// Installs rustls' `ring` crypto provider, once per process.
///
/// reqwest is built with `rustls-no-provider` (no C toolchain needed for aws-lc), and then
/// panics when a client is built before a provider is installed, even for plain-HTTP use.
/// Every reqwest client of the workspace must be built after this call.
pub fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // An `Err` means another provider is already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error("host `{host}` uses http://; only https:// is allowed, except for a loopback address")]
    InsecureHost { host: Url },
    #[error("cannot build the HTTP client")]
    Http {
        #[source]
        source: reqwest::Error,
    },
}

/// A typed, retrying, rate-limited client for one account. Cheap to clone: clones share the
/// connection pool, the token cache and the rate limiter.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    host: Url,
    account_id: String,
    auth: Authenticator,
    retry: RetryPolicy,
    limiter: crate::rate_limit::RateLimiter,
    timeout: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.inner.host.as_str())
            .field("account_id", &self.inner.account_id)
            .field("auth_type", &self.inner.auth.auth_type())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`] from parts rather than from a resolved [`Config`]; this is how the CLI
/// points a client at the embedded emulator.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    host: Url,
    account_id: String,
    auth: AuthConfig,
    http_timeout: Duration,
    rate_limit: f64,
    retry: RetryPolicy,
}

impl ClientBuilder {
    /// A builder with the SDKs' defaults: 60 s per request, 15 requests per second, a retry
    /// budget of 5 minutes.
    pub fn new(host: Url, account_id: impl Into<String>, auth: AuthConfig) -> ClientBuilder {
        ClientBuilder {
            host,
            account_id: account_id.into(),
            auth,
            http_timeout: config::DEFAULT_HTTP_TIMEOUT,
            rate_limit: config::DEFAULT_RATE_LIMIT,
            retry: RetryPolicy::default(),
        }
    }

    pub fn http_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.http_timeout = timeout;
        self
    }

    /// Requests per second; must be positive.
    pub fn rate_limit(mut self, requests_per_second: f64) -> ClientBuilder {
        self.rate_limit = requests_per_second;
        self
    }

    pub fn retry_policy(mut self, retry: RetryPolicy) -> ClientBuilder {
        self.retry = retry;
        self
    }

    /// **Test-only**: every retry delay, `Retry-After` included, becomes zero.
    pub fn no_retry_delay(mut self, no_delay: bool) -> ClientBuilder {
        self.retry.no_delay = no_delay;
        self
    }

    pub fn build(self) -> Result<Client, BuildError> {
        if self.host.scheme() != "https" && !config::is_loopback(&self.host) {
            return Err(BuildError::InsecureHost { host: self.host });
        }
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(self.http_timeout.min(Duration::from_secs(30)))
            .build()
            .map_err(|source| BuildError::Http { source })?;
        let rate_limit = if self.rate_limit.is_finite() && self.rate_limit > 0.0 {
            self.rate_limit
        } else {
            config::DEFAULT_RATE_LIMIT
        };
        Ok(Client {
            inner: Arc::new(Inner {
                auth: Authenticator::new(&self.auth, &self.host, &self.account_id),
                http,
                host: self.host,
                account_id: self.account_id,
                retry: self.retry,
                limiter: crate::rate_limit::RateLimiter::new(rate_limit),
                timeout: self.http_timeout,
            }),
        })
    }
}

/// One API call, before it is sent.
struct Call {
    action: Action,
    collection: Collection,
    /// The id in the path, if any.
    id: Option<String>,
    /// How the object is named in messages: its id, or for a create its intended name.
    label: Option<String>,
    method: Method,
    query: Option<(&'static str, String)>,
    body: Option<Vec<u8>>,
}

impl Call {
    fn new(action: Action, collection: Collection, method: Method) -> Call {
        Call {
            action,
            collection,
            id: None,
            label: None,
            method,
            query: None,
            body: None,
        }
    }

    fn id(mut self, id: impl ToString) -> Call {
        let id = id.to_string();
        self.label = Some(id.clone());
        self.id = Some(id);
        self
    }

    fn label(mut self, label: &str) -> Call {
        self.label = Some(format!("`{label}`"));
        self
    }
}

/// A successful answer.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl Answer {
    /// Whether the body carries no object (the classic API generation answers `PUT`,
    /// `PATCH` and `DELETE` with nothing, or with `{}`).
    fn is_empty(&self) -> bool {
        let text = String::from_utf8_lossy(&self.body);
        let trimmed = text.trim();
        trimmed.is_empty()
            || trimmed
                .chars()
                .filter(|c| !c.is_whitespace())
                .eq("{}".chars())
    }
}

impl Client {
    /// A client for a resolved configuration.
    pub fn from_config(config: &Config) -> Result<Client, BuildError> {
        let retry = RetryPolicy {
            budget: config.retry_timeout,
            no_delay: config.no_retry_delay,
            ..RetryPolicy::default()
        };
        ClientBuilder::new(
            config.host.value.clone(),
            config.account_id.value.clone(),
            config.auth.value.clone(),
        )
        .http_timeout(config.http_timeout)
        .rate_limit(config.rate_limit)
        .retry_policy(retry)
        .build()
    }

    /// The account host.
    pub fn host(&self) -> &Url {
        &self.inner.host
    }

    pub fn auth_type(&self) -> AuthType {
        self.inner.auth.auth_type()
    }

    fn url(&self, call: &Call) -> Url {
        let mut url = self.inner.host.clone();
        url.set_query(None);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend([
                "api",
                "2.0",
                "accounts",
                &self.inner.account_id,
                call.collection.path_segment(),
            ]);
            if let Some(id) = &call.id {
                segments.push(id);
            }
        }
        if let Some((name, value)) = &call.query {
            url.query_pairs_mut().append_pair(name, value);
        }
        url
    }

    fn context(&self, call: &Call, url: &Url) -> RequestContext {
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        RequestContext {
            action: call.action,
            collection: call.collection,
            object: call.label.clone(),
            method: call.method.clone(),
            path,
        }
    }

    /// Sends `call`, retrying what is safe to retry, and returns the successful answer.
    async fn send(&self, call: &Call) -> Result<Answer, Error> {
        let inner = &*self.inner;
        let url = self.url(call);
        let context = || self.context(call, &url);
        let mut retry_state = inner.retry.start();
        let mut refreshed_token = false;
        loop {
            let attempt = retry_state.retries() + 1;
            inner.limiter.acquire().await;
            let authorization = inner
                .auth
                .authorization(&inner.http, &inner.retry, inner.timeout)
                .await
                .map_err(|source| {
                    Error::new(context(), ErrorKind::Auth { source })
                        .with_retries(retry_state.retries())
                })?;
            let Ok(mut header) = HeaderValue::from_str(authorization.expose()) else {
                let source = AuthError::MalformedToken;
                return Err(Error::new(context(), ErrorKind::Auth { source }));
            };
            header.set_sensitive(true);
            let mut request = inner
                .http
                .request(call.method.clone(), url.clone())
                .header(AUTHORIZATION, header)
                .header(ACCEPT, "application/json")
                .timeout(inner.timeout);
            if let Some(body) = &call.body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let started = Instant::now();
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = retry::retry_after(response.headers());
                    let is_html = response
                        .headers()
                        .get(CONTENT_TYPE)
                        .and_then(|value| value.to_str().ok())
                        .is_some_and(|value| value.starts_with("text/html"));
                    match response.bytes().await {
                        Ok(body) => Ok((status, retry_after, is_html, body.to_vec())),
                        Err(source) => Err(self.transport_error(context(), source)),
                    }
                }
                Err(source) => Err(self.transport_error(context(), source)),
            };
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let error = match outcome {
                Ok((status, retry_after, is_html, body)) => {
                    tracing::debug!(
                        method = %call.method,
                        url = %url,
                        status = status.as_u16(),
                        elapsed_ms,
                        attempt,
                        "account API request"
                    );
                    let is_html = is_html || looks_like_html(&body);
                    if status.is_success() && is_html {
                        return Err(Error::new(context(), ErrorKind::HtmlPage { status })
                            .with_retries(retry_state.retries()));
                    }
                    if status.is_success() {
                        return Ok(Answer { status, body });
                    }
                    let text = String::from_utf8_lossy(&body);
                    let error = Error::new(
                        context(),
                        ErrorKind::Api {
                            status,
                            body: ErrorBody::parse(&text),
                            retry_after,
                        },
                    );
                    // A cached token may have been revoked or expired early: get a new one,
                    // once. The server refused the request, so even a `POST` is safe to resend.
                    if status == StatusCode::UNAUTHORIZED
                        && inner.auth.can_refresh()
                        && !refreshed_token
                    {
                        refreshed_token = true;
                        tracing::debug!("the server refused the token; obtaining a new one");
                        inner.auth.invalidate(&authorization).await;
                        continue;
                    }
                    error
                }
                Err(error) => {
                    tracing::debug!(
                        method = %call.method,
                        url = %url,
                        elapsed_ms,
                        attempt,
                        failure = %error.kind(),
                        "account API request failed to complete"
                    );
                    error
                }
            };
            if !error.may_resend() {
                return Err(error.with_retries(retry_state.retries()));
            }
            let Some(delay) = retry_state.next_delay(error.retry_after()) else {
                return Err(error.with_retries(retry_state.retries()));
            };
            tracing::info!(
                method = %call.method,
                url = %url,
                attempt,
                delay_ms = delay.as_millis() as u64,
                reason = %error.kind(),
                "retrying"
            );
            retry_state.wait(delay).await;
        }
    }

    fn transport_error(&self, context: RequestContext, source: reqwest::Error) -> Error {
        let kind = if source.is_connect() {
            ErrorKind::Connect {
                host: self.inner.host.host_str().unwrap_or_default().to_owned(),
                source: Box::new(source),
            }
        } else if source.is_timeout() {
            ErrorKind::Timeout {
                timeout: self.inner.timeout,
                source: Box::new(source),
            }
        } else {
            ErrorKind::Transport {
                source: Box::new(source),
            }
        };
        Error::new(context, kind)
    }

    fn decode<T: DeserializeOwned>(&self, call: &Call, answer: &Answer) -> Result<T, Error> {
        serde_json::from_slice(&answer.body)
            .map_err(|source| self.decode_error(call, answer, source))
    }

    fn decode_error(&self, call: &Call, answer: &Answer, source: serde_json::Error) -> Error {
        let context = self.context(call, &self.url(call));
        Error::new(
            context,
            ErrorKind::Decode {
                status: answer.status,
                source,
            },
        )
    }

    fn encode(&self, call: Call, body: &impl Serialize) -> Result<Call, Error> {
        match serde_json::to_vec(body) {
            Ok(bytes) => Ok(Call {
                body: Some(bytes),
                ..call
            }),
            Err(source) => {
                let context = self.context(&call, &self.url(&call));
                Err(Error::new(context, ErrorKind::Encode { source }))
            }
        }
    }

    async fn list<T: DeserializeOwned>(&self, collection: Collection) -> Result<Vec<T>, Error> {
        let call = Call::new(Action::List, collection, Method::GET);
        let answer = self.send(&call).await?;
        // The SDKs only know the bare array; the newer documentation shows
        // `{"<collection>": [...]}`, and an empty collection may come back as `{}`.
        let value: serde_json::Value = self.decode(&call, &answer)?;
        let items = match value {
            serde_json::Value::Array(items) => items,
            serde_json::Value::Object(mut object) => {
                // The reference knows no paginated provisioning list; if a server ever sends
                // one page, reading it as the whole account would plan duplicates of every
                // object on the pages not read, so a partial list is refused.
                if object
                    .get("next_page_token")
                    .is_some_and(|token| !token.is_null() && token != "")
                {
                    let source = <serde_json::Error as serde::de::Error>::custom(
                        "the list is paginated (`next_page_token` is set) and only whole lists are read",
                    );
                    return Err(self.decode_error(&call, &answer, source));
                }
                let key = collection.path_segment().replace('-', "_");
                match object.remove(&key) {
                    Some(serde_json::Value::Array(items)) => items,
                    // Only `{}` (or a bare paging token) reads as empty: any other document,
                    // say a maintenance notice sent with 200, must not read as "the account
                    // holds nothing", or a plan would create everything again.
                    None if object
                        .keys()
                        .all(|name| PAGING_FIELDS.contains(&name.as_str())) =>
                    {
                        Vec::new()
                    }
                    _ => {
                        let message = format!("expected a JSON array or an object with `{key}`");
                        let source = <serde_json::Error as serde::de::Error>::custom(message);
                        return Err(self.decode_error(&call, &answer, source));
                    }
                }
            }
            _ => {
                let source = <serde_json::Error as serde::de::Error>::custom(
                    "expected a JSON array of objects",
                );
                return Err(self.decode_error(&call, &answer, source));
            }
        };
        items
            .into_iter()
            .map(|item| {
                serde_json::from_value(item)
                    .map_err(|source| self.decode_error(&call, &answer, source))
            })
            .collect()
    }

    async fn get<T: DeserializeOwned>(
        &self,
        collection: Collection,
        id: impl ToString,
    ) -> Result<T, Error> {
        let call = Call::new(Action::Get, collection, Method::GET).id(id);
        let answer = self.send(&call).await?;
        self.decode(&call, &answer)
    }

    async fn create<T: DeserializeOwned>(
        &self,
        collection: Collection,
        label: &str,
        request: &impl Serialize,
    ) -> Result<T, Error> {
        let call = Call::new(Action::Create, collection, Method::POST).label(label);
        let call = self.encode(call, request)?;
        let answer = self.send(&call).await?;
        self.decode(&call, &answer)
    }

    async fn delete(&self, collection: Collection, id: impl ToString) -> Result<(), Error> {
        // The current API generation answers with the deleted object, the classic one with
        // nothing; neither is needed.
        let call = Call::new(Action::Delete, collection, Method::DELETE).id(id);
        self.send(&call).await.map(drop)
    }

    /// `PUT` or `PATCH`; when the server answers without the object (classic generation),
    /// it is read back.
    async fn modify<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let answer = self.send(&call).await?;
        if answer.is_empty() {
            let id = call.id.clone().unwrap_or_default();
            return self.get(call.collection, id).await;
        }
        self.decode(&call, &answer)
    }
}

/// Fields a wrapped list answer may carry besides its array.
const PAGING_FIELDS: [&str; 2] = ["next_page_token", "prev_page_token"];

fn looks_like_html(body: &[u8]) -> bool {
    let start: Vec<u8> = body
        .iter()
        .skip_while(|byte| byte.is_ascii_whitespace())
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

impl AccountApi for Client {
    fn account_id(&self) -> &str {
        &self.inner.account_id
    }

    fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry.clone()
    }

    async fn list_credentials(&self) -> Result<Vec<Credential>, Error> {
        self.list(Collection::Credentials).await
    }

    async fn get_credential(&self, id: &str) -> Result<Credential, Error> {
        self.get(Collection::Credentials, id).await
    }

    async fn create_credential(
        &self,
        request: &CreateCredentialRequest,
    ) -> Result<Credential, Error> {
        let name = &request.credentials_name;
        self.create(Collection::Credentials, name, request).await
    }

    async fn delete_credential(&self, id: &str) -> Result<(), Error> {
        self.delete(Collection::Credentials, id).await
    }

    async fn list_storage_configurations(&self) -> Result<Vec<StorageConfiguration>, Error> {
        self.list(Collection::StorageConfigurations).await
    }

    async fn get_storage_configuration(&self, id: &str) -> Result<StorageConfiguration, Error> {
        self.get(Collection::StorageConfigurations, id).await
    }

    async fn create_storage_configuration(
        &self,
        request: &CreateStorageConfigurationRequest,
    ) -> Result<StorageConfiguration, Error> {
        let name = &request.storage_configuration_name;
        self.create(Collection::StorageConfigurations, name, request)
            .await
    }

    async fn delete_storage_configuration(&self, id: &str) -> Result<(), Error> {
        self.delete(Collection::StorageConfigurations, id).await
    }

    async fn list_customer_managed_keys(&self) -> Result<Vec<CustomerManagedKey>, Error> {
        self.list(Collection::CustomerManagedKeys).await
    }

    async fn get_customer_managed_key(&self, id: &str) -> Result<CustomerManagedKey, Error> {
        self.get(Collection::CustomerManagedKeys, id).await
    }

    async fn create_customer_managed_key(
        &self,
        request: &CreateCustomerManagedKeyRequest,
    ) -> Result<CustomerManagedKey, Error> {
        let arn = &request.aws_key_info.key_arn;
        self.create(Collection::CustomerManagedKeys, arn, request)
            .await
    }

    async fn delete_customer_managed_key(&self, id: &str) -> Result<(), Error> {
        self.delete(Collection::CustomerManagedKeys, id).await
    }

    async fn list_vpc_endpoints(&self) -> Result<Vec<VpcEndpoint>, Error> {
        self.list(Collection::VpcEndpoints).await
    }

    async fn get_vpc_endpoint(&self, id: &str) -> Result<VpcEndpoint, Error> {
        self.get(Collection::VpcEndpoints, id).await
    }

    async fn create_vpc_endpoint(
        &self,
        request: &CreateVpcEndpointRequest,
    ) -> Result<VpcEndpoint, Error> {
        let name = &request.vpc_endpoint_name;
        self.create(Collection::VpcEndpoints, name, request).await
    }

    async fn delete_vpc_endpoint(&self, id: &str) -> Result<(), Error> {
        self.delete(Collection::VpcEndpoints, id).await
    }

    async fn list_networks(&self) -> Result<Vec<Network>, Error> {
        self.list(Collection::Networks).await
    }

    async fn get_network(&self, id: &str) -> Result<Network, Error> {
        self.get(Collection::Networks, id).await
    }

    async fn create_network(&self, request: &CreateNetworkRequest) -> Result<Network, Error> {
        let name = &request.network_name;
        self.create(Collection::Networks, name, request).await
    }

    async fn delete_network(&self, id: &str) -> Result<(), Error> {
        self.delete(Collection::Networks, id).await
    }

    async fn list_private_access_settings(&self) -> Result<Vec<PrivateAccessSettings>, Error> {
        self.list(Collection::PrivateAccessSettings).await
    }

    async fn get_private_access_settings(&self, id: &str) -> Result<PrivateAccessSettings, Error> {
        self.get(Collection::PrivateAccessSettings, id).await
    }

    async fn create_private_access_settings(
        &self,
        request: &PrivateAccessSettingsRequest,
    ) -> Result<PrivateAccessSettings, Error> {
        let name = &request.private_access_settings_name;
        self.create(Collection::PrivateAccessSettings, name, request)
            .await
    }

    async fn replace_private_access_settings(
        &self,
        id: &str,
        request: &PrivateAccessSettingsRequest,
    ) -> Result<PrivateAccessSettings, Error> {
        let call = Call::new(
            Action::Replace,
            Collection::PrivateAccessSettings,
            Method::PUT,
        )
        .id(id);
        let call = self.encode(call, request)?;
        self.modify(call).await
    }

    async fn delete_private_access_settings(&self, id: &str) -> Result<(), Error> {
        self.delete(Collection::PrivateAccessSettings, id).await
    }

    async fn list_workspaces(&self) -> Result<Vec<Workspace>, Error> {
        self.list(Collection::Workspaces).await
    }

    async fn get_workspace(&self, id: i64) -> Result<Workspace, Error> {
        self.get(Collection::Workspaces, id).await
    }

    async fn create_workspace(&self, request: &CreateWorkspaceRequest) -> Result<Workspace, Error> {
        let name = request
            .deployment_name
            .as_deref()
            .unwrap_or(&request.workspace_name);
        self.create(Collection::Workspaces, name, request).await
    }

    async fn update_workspace(
        &self,
        id: i64,
        request: &UpdateWorkspaceRequest,
    ) -> Result<Workspace, Error> {
        let mut call = Call::new(Action::Update, Collection::Workspaces, Method::PATCH).id(id);
        call.query = Some(("update_mask", request.mask_fields().join(",")));
        let call = self.encode(call, request)?;
        self.modify(call).await
    }

    async fn delete_workspace(&self, id: i64) -> Result<(), Error> {
        self.delete(Collection::Workspaces, id).await
    }
}
