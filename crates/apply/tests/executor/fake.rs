//! A scripted in-memory [`AccountApi`] for executor tests, on tokio's clock.
//!
//! It keeps the seven collections, gives every request a fixed latency, provisions a workspace
//! for a fixed delay (then `RUNNING`, or `FAILED` when its network uses a broken subnet), keeps
//! a deleted workspace `CANCELLING` and its objects in use for a teardown delay, refuses
//! deletes of objects in use with `409 INVALID_STATE`, and answers scripted faults. It logs
//! every call with its start and end time and tracks the requests in flight. Tests run it on a
//! paused clock, so a seven-minute provisioning takes no real time and timings are exact.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use api_types::{
    Collection, CreateCredentialRequest, CreateCustomerManagedKeyRequest, CreateNetworkRequest,
    CreateStorageConfigurationRequest, CreateVpcEndpointRequest, CreateWorkspaceRequest,
    Credential, CustomerManagedKey, ErrorBody, ErrorType, Network, NetworkHealth,
    PrivateAccessSettings, PrivateAccessSettingsRequest, RootBucketInfo, StorageConfiguration,
    UpdateWorkspaceRequest, VpcEndpoint, VpcStatus, Workspace, WorkspaceStatus,
};
use client::{
    AccountApi, Action, Error, ErrorKind, Method, RequestContext, RetryPolicy, StatusCode,
};
use tokio::time::Instant;

/// One request the fake answered.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// `METHOD /collection[/{id}]`, e.g. `POST /workspaces` or `DELETE /credentials/{id}`.
    pub(crate) route: String,
    /// The object the call was about: a name for creates, an id otherwise.
    pub(crate) object: String,
    pub(crate) started: Instant,
    pub(crate) ended: Instant,
}

/// A scripted answer for the next requests of a route.
#[derive(Debug, Clone)]
pub(crate) enum Fault {
    /// Answer with this status and error code, doing nothing.
    Status { status: u16, code: &'static str },
    /// Do the work, then lose the answer (a connection reset).
    CommitThenDrop,
    /// A concurrent run's identical request commits just before this one, which then runs
    /// as usual.
    TwinBefore,
    /// A concurrent run's identical request commits just after this one.
    TwinAfter,
    /// A concurrent run's identical request commits just before this one, which is then
    /// refused with this status and error code (its subnets are taken, say).
    TwinThenRefuse { status: u16, code: &'static str },
}

struct StoredWorkspace {
    workspace: Workspace,
    /// When provisioning ends.
    ready_at: Instant,
    /// Whether provisioning ends `FAILED`.
    fails: bool,
    deleted_at: Option<Instant>,
}

#[derive(Default)]
struct State {
    credentials: Vec<Credential>,
    storage_configurations: Vec<StorageConfiguration>,
    keys: Vec<CustomerManagedKey>,
    vpc_endpoints: Vec<VpcEndpoint>,
    networks: Vec<Network>,
    private_access_settings: Vec<PrivateAccessSettings>,
    workspaces: Vec<StoredWorkspace>,
    next_id: u64,
    faults: BTreeMap<String, VecDeque<Fault>>,
}

/// The fake account.
pub(crate) struct Fake {
    state: Mutex<State>,
    latency: Duration,
    provisioning: Duration,
    teardown: Duration,
    broken_subnets: Vec<String>,
    deployment_name_prefix: Option<String>,
    log: Mutex<Vec<Call>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Fake {
    pub(crate) fn new() -> Fake {
        Fake {
            state: Mutex::new(State::default()),
            latency: Duration::from_millis(10),
            provisioning: Duration::from_secs(2),
            teardown: Duration::from_secs(1),
            broken_subnets: Vec::new(),
            deployment_name_prefix: None,
            log: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        }
    }

    pub(crate) fn latency(mut self, latency: Duration) -> Fake {
        self.latency = latency;
        self
    }

    pub(crate) fn provisioning(mut self, provisioning: Duration) -> Fake {
        self.provisioning = provisioning;
        self
    }

    pub(crate) fn teardown(mut self, teardown: Duration) -> Fake {
        self.teardown = teardown;
        self
    }

    pub(crate) fn broken_subnet(mut self, subnet: &str) -> Fake {
        self.broken_subnets.push(subnet.to_owned());
        self
    }

    /// The account's deployment name prefix: `sales` is stored as `PREFIX-sales`.
    pub(crate) fn deployment_name_prefix(mut self, prefix: &str) -> Fake {
        self.deployment_name_prefix = Some(prefix.to_owned());
        self
    }

    /// The next `times` requests of `route` answer `fault`.
    pub(crate) fn fault(&self, route: &str, fault: Fault, times: usize) {
        let mut state = self.state.lock().unwrap();
        let queue = state.faults.entry(route.to_owned()).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    pub(crate) fn calls(&self) -> Vec<Call> {
        self.log.lock().unwrap().clone()
    }

    /// The calls of one route, in the order they ended.
    pub(crate) fn calls_to(&self, route: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|call| call.route == route)
            .collect()
    }

    pub(crate) fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    pub(crate) fn credentials(&self) -> Vec<Credential> {
        self.state.lock().unwrap().credentials.clone()
    }

    pub(crate) fn networks(&self) -> Vec<Network> {
        self.state.lock().unwrap().networks.clone()
    }

    pub(crate) fn private_access_settings(&self) -> Vec<PrivateAccessSettings> {
        self.state.lock().unwrap().private_access_settings.clone()
    }

    /// Puts a credential configuration in the account directly; returns its id.
    pub(crate) fn seed_credential(&self, name: &str, role_arn: &str) -> String {
        let mut state = self.state.lock().unwrap();
        let id = state.id("c");
        let request = CreateCredentialRequest::new(name, role_arn);
        state.credentials.push(Credential {
            credentials_id: id.clone(),
            credentials_name: name.to_owned(),
            aws_credentials: Some(request.aws_credentials),
            ..Credential::default()
        });
        id
    }

    /// Puts a workspace in the account directly, already through provisioning.
    pub(crate) fn seed_workspace(&self, workspace: Workspace, fails: bool) -> i64 {
        let mut state = self.state.lock().unwrap();
        let id = state.workspace_id();
        state.workspaces.push(StoredWorkspace {
            workspace: Workspace {
                workspace_id: id,
                ..workspace
            },
            ready_at: Instant::now(),
            fails,
            deleted_at: None,
        });
        id
    }

    /// The workspaces as a list call would show them now.
    pub(crate) fn workspaces(&self) -> Vec<Workspace> {
        let state = self.state.lock().unwrap();
        state.visible_workspaces(Instant::now(), self.teardown)
    }

    /// Runs one request: latency, then a scripted fault or the work, logged.
    async fn call<T>(
        &self,
        route: &str,
        object: &str,
        work: impl Fn(&mut State, Instant) -> Result<T, (u16, &'static str, String)>,
    ) -> Result<T, Error> {
        let started = Instant::now();
        let now_in_flight = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight
            .fetch_max(now_in_flight, Ordering::SeqCst);
        tokio::time::sleep(self.latency).await;
        let result = {
            let mut state = self.state.lock().unwrap();
            let fault = state.faults.get_mut(route).and_then(VecDeque::pop_front);
            let now = Instant::now();
            match fault {
                Some(Fault::Status { status, code }) => {
                    Err(api_error(route, status, code, "injected"))
                }
                Some(Fault::TwinBefore) => {
                    let _ = work(&mut state, now);
                    work(&mut state, now)
                        .map_err(|(status, code, message)| api_error(route, status, code, &message))
                }
                Some(Fault::TwinAfter) => {
                    let ours = work(&mut state, now);
                    let _ = work(&mut state, now);
                    ours.map_err(|(status, code, message)| api_error(route, status, code, &message))
                }
                Some(Fault::TwinThenRefuse { status, code }) => {
                    let _ = work(&mut state, now);
                    Err(api_error(
                        route,
                        status,
                        code,
                        "refused after a concurrent create",
                    ))
                }
                Some(Fault::CommitThenDrop) => {
                    let _ = work(&mut state, now);
                    Err(Error::new(
                        context(route),
                        ErrorKind::Transport {
                            source: "connection reset by peer".into(),
                        },
                    ))
                }
                None => work(&mut state, now)
                    .map_err(|(status, code, message)| api_error(route, status, code, &message)),
            }
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.log.lock().unwrap().push(Call {
            route: route.to_owned(),
            object: object.to_owned(),
            started,
            ended: Instant::now(),
        });
        result
    }
}

impl State {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}-{}", self.next_id)
    }

    /// The creation time of the object whose id was made last: ids are made in order, so
    /// this orders objects by creation.
    fn creation_time(&self) -> i64 {
        i64::try_from(self.next_id).unwrap()
    }

    fn workspace_id(&mut self) -> i64 {
        self.next_id += 1;
        1_000 + i64::try_from(self.next_id).unwrap()
    }

    fn visible_workspaces(&self, now: Instant, teardown: Duration) -> Vec<Workspace> {
        self.workspaces
            .iter()
            .filter_map(|stored| materialise(stored, now, teardown))
            .collect()
    }

    /// Whether a workspace that is not gone references `id`.
    fn in_use(&self, id: &str, now: Instant, teardown: Duration) -> bool {
        self.visible_workspaces(now, teardown)
            .iter()
            .any(|workspace| {
                [
                    &workspace.credentials_id,
                    &workspace.storage_configuration_id,
                    &workspace.network_id,
                    &workspace.private_access_settings_id,
                    &workspace.managed_services_customer_managed_key_id,
                    &workspace.storage_customer_managed_key_id,
                ]
                .into_iter()
                .any(|reference| reference.as_deref() == Some(id))
            })
    }
}

/// The workspace as it is at `now`, or `None` once its teardown is over.
fn materialise(stored: &StoredWorkspace, now: Instant, teardown: Duration) -> Option<Workspace> {
    let mut workspace = stored.workspace.clone();
    let (status, message) = match stored.deleted_at {
        Some(deleted_at) if now >= deleted_at + teardown => return None,
        Some(_) => (WorkspaceStatus::Cancelling, "Workspace is being deleted."),
        None if now < stored.ready_at => (
            WorkspaceStatus::Provisioning,
            "Workspace resources are being set up.",
        ),
        None if stored.fails => (
            WorkspaceStatus::Failed,
            "Network validation failed for the workspace's network.",
        ),
        None => (WorkspaceStatus::Running, "Workspace is running."),
    };
    workspace.workspace_status = Some(status);
    workspace.workspace_status_message = Some(message.to_owned());
    Some(workspace)
}

fn context(route: &str) -> RequestContext {
    let (method, path) = route.split_once(' ').unwrap_or(("GET", route));
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let action = match method.as_str() {
        "POST" => Action::Create,
        "DELETE" => Action::Delete,
        "PATCH" => Action::Update,
        "PUT" => Action::Replace,
        _ if path.contains('{') => Action::Get,
        _ => Action::List,
    };
    let segment = path.trim_start_matches('/').split('/').next().unwrap_or("");
    RequestContext {
        action,
        collection: Collection::from_path_segment(segment).unwrap_or(Collection::Workspaces),
        object: None,
        method,
        path: format!("/api/2.0/accounts/fake{path}"),
    }
}

fn api_error(route: &str, status: u16, code: &str, message: &str) -> Error {
    Error::new(
        context(route),
        ErrorKind::Api {
            status: StatusCode::from_u16(status).unwrap(),
            body: Some(ErrorBody::new(code, message)),
            retry_after: None,
        },
    )
}

type Refusal = (u16, &'static str, String);

fn not_found(what: &str, id: &str) -> Refusal {
    (
        404,
        "RESOURCE_DOES_NOT_EXIST",
        format!("{what} {id} does not exist"),
    )
}

fn in_use(what: &str) -> Refusal {
    (
        409,
        "INVALID_STATE",
        format!("Unable to delete, {what} is being used by an active workspace"),
    )
}

/// Removes the object with `id` unless a workspace uses it.
fn remove<T>(
    items: &mut Vec<T>,
    id: &str,
    id_of: impl Fn(&T) -> &str,
    what: &str,
    used: bool,
) -> Result<(), Refusal> {
    let position = items
        .iter()
        .position(|item| id_of(item) == id)
        .ok_or_else(|| not_found(what, id))?;
    if used {
        return Err(in_use(what));
    }
    items.remove(position);
    Ok(())
}

fn find<T: Clone>(
    items: &[T],
    id: &str,
    id_of: impl Fn(&T) -> &str,
    what: &str,
) -> Result<T, Refusal> {
    items
        .iter()
        .find(|item| id_of(item) == id)
        .cloned()
        .ok_or_else(|| not_found(what, id))
}

impl AccountApi for Fake {
    fn account_id(&self) -> &str {
        "fake"
    }

    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            no_delay: true,
            ..RetryPolicy::default()
        }
    }

    async fn list_credentials(&self) -> Result<Vec<Credential>, Error> {
        self.call("GET /credentials", "", |state, _| {
            Ok(state.credentials.clone())
        })
        .await
    }

    async fn get_credential(&self, id: &str) -> Result<Credential, Error> {
        self.call("GET /credentials/{id}", id, |state, _| {
            find(&state.credentials, id, |c| &c.credentials_id, "credential")
        })
        .await
    }

    async fn create_credential(
        &self,
        request: &CreateCredentialRequest,
    ) -> Result<Credential, Error> {
        self.call(
            "POST /credentials",
            &request.credentials_name,
            |state, _| {
                if state
                    .credentials
                    .iter()
                    .any(|existing| existing.credentials_name == request.credentials_name)
                {
                    return Err((
                        409,
                        "RESOURCE_ALREADY_EXISTS",
                        format!(
                            "Credential configuration name {} already exists in this account.",
                            request.credentials_name
                        ),
                    ));
                }
                let credential = Credential {
                    credentials_id: state.id("c"),
                    credentials_name: request.credentials_name.clone(),
                    aws_credentials: Some(request.aws_credentials.clone()),
                    creation_time: state.creation_time(),
                    ..Credential::default()
                };
                state.credentials.push(credential.clone());
                Ok(credential)
            },
        )
        .await
    }

    async fn delete_credential(&self, id: &str) -> Result<(), Error> {
        let teardown = self.teardown;
        self.call("DELETE /credentials/{id}", id, |state, now| {
            let used = state.in_use(id, now, teardown);
            remove(
                &mut state.credentials,
                id,
                |c| &c.credentials_id,
                "credential",
                used,
            )
        })
        .await
    }

    async fn list_storage_configurations(&self) -> Result<Vec<StorageConfiguration>, Error> {
        self.call("GET /storage-configurations", "", |state, _| {
            Ok(state.storage_configurations.clone())
        })
        .await
    }

    async fn get_storage_configuration(&self, id: &str) -> Result<StorageConfiguration, Error> {
        self.call("GET /storage-configurations/{id}", id, |state, _| {
            find(
                &state.storage_configurations,
                id,
                |s| &s.storage_configuration_id,
                "storage configuration",
            )
        })
        .await
    }

    async fn create_storage_configuration(
        &self,
        request: &CreateStorageConfigurationRequest,
    ) -> Result<StorageConfiguration, Error> {
        self.call(
            "POST /storage-configurations",
            &request.storage_configuration_name,
            |state, _| {
                let storage = StorageConfiguration {
                    storage_configuration_id: state.id("s"),
                    storage_configuration_name: request.storage_configuration_name.clone(),
                    root_bucket_info: Some(RootBucketInfo {
                        bucket_name: request.root_bucket_info.bucket_name.clone(),
                    }),
                    role_arn: request.role_arn.clone(),
                    creation_time: state.creation_time(),
                    ..StorageConfiguration::default()
                };
                state.storage_configurations.push(storage.clone());
                Ok(storage)
            },
        )
        .await
    }

    async fn delete_storage_configuration(&self, id: &str) -> Result<(), Error> {
        let teardown = self.teardown;
        self.call("DELETE /storage-configurations/{id}", id, |state, now| {
            let used = state.in_use(id, now, teardown);
            remove(
                &mut state.storage_configurations,
                id,
                |s| &s.storage_configuration_id,
                "storage configuration",
                used,
            )
        })
        .await
    }

    async fn list_customer_managed_keys(&self) -> Result<Vec<CustomerManagedKey>, Error> {
        self.call("GET /customer-managed-keys", "", |state, _| {
            Ok(state.keys.clone())
        })
        .await
    }

    async fn get_customer_managed_key(&self, id: &str) -> Result<CustomerManagedKey, Error> {
        self.call("GET /customer-managed-keys/{id}", id, |state, _| {
            find(&state.keys, id, |k| &k.customer_managed_key_id, "key")
        })
        .await
    }

    async fn create_customer_managed_key(
        &self,
        request: &CreateCustomerManagedKeyRequest,
    ) -> Result<CustomerManagedKey, Error> {
        self.call(
            "POST /customer-managed-keys",
            &request.aws_key_info.key_arn,
            |state, _| {
                let key = CustomerManagedKey {
                    customer_managed_key_id: state.id("k"),
                    use_cases: request.use_cases.clone(),
                    aws_key_info: Some(request.aws_key_info.clone()),
                    creation_time: state.creation_time(),
                    ..CustomerManagedKey::default()
                };
                state.keys.push(key.clone());
                Ok(key)
            },
        )
        .await
    }

    async fn delete_customer_managed_key(&self, id: &str) -> Result<(), Error> {
        let teardown = self.teardown;
        self.call("DELETE /customer-managed-keys/{id}", id, |state, now| {
            let used = state.in_use(id, now, teardown);
            remove(
                &mut state.keys,
                id,
                |k| &k.customer_managed_key_id,
                "key",
                used,
            )
        })
        .await
    }

    async fn list_vpc_endpoints(&self) -> Result<Vec<VpcEndpoint>, Error> {
        self.call("GET /vpc-endpoints", "", |state, _| {
            Ok(state.vpc_endpoints.clone())
        })
        .await
    }

    async fn get_vpc_endpoint(&self, id: &str) -> Result<VpcEndpoint, Error> {
        self.call("GET /vpc-endpoints/{id}", id, |state, _| {
            find(
                &state.vpc_endpoints,
                id,
                |v| &v.vpc_endpoint_id,
                "VPC endpoint",
            )
        })
        .await
    }

    async fn create_vpc_endpoint(
        &self,
        request: &CreateVpcEndpointRequest,
    ) -> Result<VpcEndpoint, Error> {
        self.call(
            "POST /vpc-endpoints",
            &request.vpc_endpoint_name,
            |state, _| {
                let endpoint = VpcEndpoint {
                    vpc_endpoint_id: state.id("ve"),
                    vpc_endpoint_name: request.vpc_endpoint_name.clone(),
                    aws_vpc_endpoint_id: request.aws_vpc_endpoint_id.clone(),
                    region: request.region.clone(),
                    state: "available".to_owned(),
                    ..VpcEndpoint::default()
                };
                state.vpc_endpoints.push(endpoint.clone());
                Ok(endpoint)
            },
        )
        .await
    }

    async fn delete_vpc_endpoint(&self, id: &str) -> Result<(), Error> {
        self.call("DELETE /vpc-endpoints/{id}", id, |state, _| {
            remove(
                &mut state.vpc_endpoints,
                id,
                |v| &v.vpc_endpoint_id,
                "VPC endpoint",
                false,
            )
        })
        .await
    }

    async fn list_networks(&self) -> Result<Vec<Network>, Error> {
        self.call("GET /networks", "", |state, _| Ok(state.networks.clone()))
            .await
    }

    async fn get_network(&self, id: &str) -> Result<Network, Error> {
        self.call("GET /networks/{id}", id, |state, _| {
            find(&state.networks, id, |n| &n.network_id, "network")
        })
        .await
    }

    async fn create_network(&self, request: &CreateNetworkRequest) -> Result<Network, Error> {
        self.call("POST /networks", &request.network_name, |state, _| {
            let network = Network {
                network_id: state.id("n"),
                network_name: request.network_name.clone(),
                vpc_id: request.vpc_id.clone(),
                subnet_ids: request.subnet_ids.clone(),
                security_group_ids: request.security_group_ids.clone(),
                vpc_endpoints: request.vpc_endpoints.clone(),
                vpc_status: Some(VpcStatus::Unattached),
                creation_time: state.creation_time(),
                ..Network::default()
            };
            state.networks.push(network.clone());
            Ok(network)
        })
        .await
    }

    async fn delete_network(&self, id: &str) -> Result<(), Error> {
        let teardown = self.teardown;
        self.call("DELETE /networks/{id}", id, |state, now| {
            let used = state.in_use(id, now, teardown);
            remove(&mut state.networks, id, |n| &n.network_id, "network", used)
        })
        .await
    }

    async fn list_private_access_settings(&self) -> Result<Vec<PrivateAccessSettings>, Error> {
        self.call("GET /private-access-settings", "", |state, _| {
            Ok(state.private_access_settings.clone())
        })
        .await
    }

    async fn get_private_access_settings(&self, id: &str) -> Result<PrivateAccessSettings, Error> {
        self.call("GET /private-access-settings/{id}", id, |state, _| {
            find(
                &state.private_access_settings,
                id,
                |p| &p.private_access_settings_id,
                "private access settings",
            )
        })
        .await
    }

    async fn create_private_access_settings(
        &self,
        request: &PrivateAccessSettingsRequest,
    ) -> Result<PrivateAccessSettings, Error> {
        self.call(
            "POST /private-access-settings",
            &request.private_access_settings_name,
            |state, _| {
                let settings = settings_from(state.id("p"), request);
                state.private_access_settings.push(settings.clone());
                Ok(settings)
            },
        )
        .await
    }

    async fn replace_private_access_settings(
        &self,
        id: &str,
        request: &PrivateAccessSettingsRequest,
    ) -> Result<PrivateAccessSettings, Error> {
        self.call("PUT /private-access-settings/{id}", id, |state, _| {
            let existing = state
                .private_access_settings
                .iter_mut()
                .find(|settings| settings.private_access_settings_id == id)
                .ok_or_else(|| not_found("private access settings", id))?;
            *existing = settings_from(id.to_owned(), request);
            Ok(existing.clone())
        })
        .await
    }

    async fn delete_private_access_settings(&self, id: &str) -> Result<(), Error> {
        let teardown = self.teardown;
        self.call("DELETE /private-access-settings/{id}", id, |state, now| {
            let used = state.in_use(id, now, teardown);
            remove(
                &mut state.private_access_settings,
                id,
                |p| &p.private_access_settings_id,
                "private access settings",
                used,
            )
        })
        .await
    }

    async fn list_workspaces(&self) -> Result<Vec<Workspace>, Error> {
        let teardown = self.teardown;
        self.call("GET /workspaces", "", |state, now| {
            Ok(state.visible_workspaces(now, teardown))
        })
        .await
    }

    async fn get_workspace(&self, id: i64) -> Result<Workspace, Error> {
        let teardown = self.teardown;
        self.call("GET /workspaces/{id}", &id.to_string(), |state, now| {
            state
                .visible_workspaces(now, teardown)
                .into_iter()
                .find(|workspace| workspace.workspace_id == id)
                .ok_or_else(|| not_found("workspace", &id.to_string()))
        })
        .await
    }

    async fn create_workspace(&self, request: &CreateWorkspaceRequest) -> Result<Workspace, Error> {
        let (provisioning, teardown) = (self.provisioning, self.teardown);
        let name = request
            .deployment_name
            .clone()
            .unwrap_or_else(|| request.workspace_name.clone());
        let name = match &self.deployment_name_prefix {
            Some(prefix) => format!("{prefix}-{name}"),
            None => name,
        };
        self.call("POST /workspaces", &name, |state, now| {
            // Like the service, deployment names are unique and a workspace without one gets
            // a generated one; workspace names are not unique.
            let requested = request.deployment_name.is_some();
            if requested
                && state
                    .visible_workspaces(now, teardown)
                    .iter()
                    .any(|workspace| workspace.deployment_name == name)
            {
                return Err((
                    409,
                    "RESOURCE_ALREADY_EXISTS",
                    format!("deployment name {name} is taken"),
                ));
            }
            let fails = mark_network(state, request.network_id.as_deref(), &self.broken_subnets);
            let workspace_id = state.workspace_id();
            let deployment_name = if requested {
                name.clone()
            } else {
                format!("dbc-{workspace_id}")
            };
            let stored = StoredWorkspace {
                workspace: Workspace {
                    workspace_id,
                    workspace_name: request.workspace_name.clone(),
                    deployment_name,
                    creation_time: state.creation_time(),
                    aws_region: request.aws_region.clone(),
                    credentials_id: request.credentials_id.clone(),
                    storage_configuration_id: request.storage_configuration_id.clone(),
                    network_id: request.network_id.clone(),
                    private_access_settings_id: request.private_access_settings_id.clone(),
                    managed_services_customer_managed_key_id: request
                        .managed_services_customer_managed_key_id
                        .clone(),
                    storage_customer_managed_key_id: request
                        .storage_customer_managed_key_id
                        .clone(),
                    custom_tags: request.custom_tags.clone(),
                    ..Workspace::default()
                },
                ready_at: now + provisioning,
                fails,
                deleted_at: None,
            };
            let shown = materialise(&stored, now, teardown).unwrap();
            state.workspaces.push(stored);
            Ok(shown)
        })
        .await
    }

    async fn update_workspace(
        &self,
        id: i64,
        request: &UpdateWorkspaceRequest,
    ) -> Result<Workspace, Error> {
        let (provisioning, teardown) = (self.provisioning, self.teardown);
        self.call("PATCH /workspaces/{id}", &id.to_string(), |state, now| {
            let position = state
                .workspaces
                .iter()
                .position(|stored| {
                    stored.workspace.workspace_id == id
                        && materialise(stored, now, teardown).is_some()
                })
                .ok_or_else(|| not_found("workspace", &id.to_string()))?;
            let status = materialise(&state.workspaces[position], now, teardown)
                .and_then(|workspace| workspace.workspace_status);
            if status != Some(WorkspaceStatus::Running) && status != Some(WorkspaceStatus::Failed) {
                return Err((409, "INVALID_STATE", format!("workspace {id} is busy")));
            }
            let network_id = request
                .network_id
                .clone()
                .or_else(|| state.workspaces[position].workspace.network_id.clone());
            let fails = if status == Some(WorkspaceStatus::Failed) {
                mark_network(state, network_id.as_deref(), &self.broken_subnets)
            } else {
                false
            };
            let stored = &mut state.workspaces[position];
            let workspace = &mut stored.workspace;
            if let Some(value) = &request.credentials_id {
                workspace.credentials_id = Some(value.clone());
            }
            if let Some(value) = &request.network_id {
                workspace.network_id = Some(value.clone());
            }
            if let Some(value) = &request.storage_configuration_id {
                workspace.storage_configuration_id = Some(value.clone());
            }
            if let Some(value) = &request.private_access_settings_id {
                workspace.private_access_settings_id = Some(value.clone());
            }
            if let Some(value) = &request.custom_tags {
                workspace.custom_tags = value.clone();
            }
            if status == Some(WorkspaceStatus::Failed) {
                stored.ready_at = now + provisioning;
                stored.fails = fails;
            }
            Ok(materialise(stored, now, teardown).unwrap())
        })
        .await
    }

    async fn delete_workspace(&self, id: i64) -> Result<(), Error> {
        let teardown = self.teardown;
        self.call("DELETE /workspaces/{id}", &id.to_string(), |state, now| {
            let stored = state
                .workspaces
                .iter_mut()
                .find(|stored| {
                    stored.workspace.workspace_id == id
                        && materialise(stored, now, teardown).is_some()
                })
                .ok_or_else(|| not_found("workspace", &id.to_string()))?;
            stored.deleted_at.get_or_insert(now);
            Ok(())
        })
        .await
    }
}

fn settings_from(id: String, request: &PrivateAccessSettingsRequest) -> PrivateAccessSettings {
    PrivateAccessSettings {
        private_access_settings_id: id,
        private_access_settings_name: request.private_access_settings_name.clone(),
        region: request.region.clone(),
        public_access_enabled: request.public_access_enabled,
        private_access_level: request.private_access_level.clone(),
        allowed_vpc_endpoint_ids: request.allowed_vpc_endpoint_ids.clone(),
        ..PrivateAccessSettings::default()
    }
}

/// Records a network's health as a workspace provisioning onto it finds it; returns whether
/// the provisioning fails.
fn mark_network(state: &mut State, network_id: Option<&str>, broken_subnets: &[String]) -> bool {
    let Some(network) = state
        .networks
        .iter_mut()
        .find(|network| Some(network.network_id.as_str()) == network_id)
    else {
        return false;
    };
    network.error_messages = network
        .subnet_ids
        .iter()
        .filter(|subnet| broken_subnets.contains(subnet))
        .map(|subnet| NetworkHealth {
            error_type: Some(ErrorType::Subnet),
            error_message: format!("subnet {subnet} has no route to a NAT gateway"),
        })
        .collect();
    let broken = !network.error_messages.is_empty();
    network.vpc_status = Some(if broken {
        VpcStatus::Broken
    } else {
        VpcStatus::Valid
    });
    broken
}
