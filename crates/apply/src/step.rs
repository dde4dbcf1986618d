//! Running one step: its API operation and, for workspaces, the wait that follows.
//!
//! - A create goes through `create_or_adopt`; an adopted object must match the request
//!   ([`crate::compare`]). A workspace create then waits for `RUNNING`.
//! - A workspace PATCH waits for `RUNNING` unless its answer already says so. One whose outcome
//!   is unknown (a server error, a lost answer) is read back, and sent again if it did not
//!   take effect, a few times; a DELETE that fails on the server's side is retried likewise.
//!   Giving up at once would strand the object a repoint replaced: no later plan can tell it
//!   was ours.
//! - A wait outlives a few failed lists in a row: one failed list says nothing about the
//!   workspace.
//! - A delete retries `409 INVALID_STATE` ("in use") with a growing delay until the timeout: a
//!   workspace that used the object keeps it busy while it tears down. A workspace delete then
//!   waits until the workspace is gone from the list.
//! - A `FAILED` (or banned, or cancelled) workspace is diagnosed: its network is read, and its
//!   status message and network health become the step's error. Nothing is deleted.
//!
//! Cancellation is checked between requests and during every wait, never inside a request:
//! a request that was sent is allowed to finish, so its outcome is known.

use std::sync::Arc;
use std::time::Duration;

use api_types::{
    Collection, Credential, CustomerManagedKey, Network, PrivateAccessSettings,
    StorageConfiguration, UpdateWorkspaceRequest, VpcEndpoint, Workspace, WorkspaceStatus,
};
use client::{AccountApi, Adoption, NaturalKey};
use plan::{CreateRequest, Operation};
use spec::{Address, Kind};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::compare;
use crate::duplicates::{self, Settle};
use crate::error::{NetworkDiagnosis, StepError, error_chain};
use crate::event::{Event, EventSink, Progress, StepAction};
use crate::limited::Limited;
use crate::outcome::{Completed, Completion};
use crate::watcher::{Watcher, jittered, poll_interval};

/// How often a wait that sees no change still reports progress, so that a CI log shows the
/// run is alive.
const HEARTBEAT: Duration = Duration::from_secs(30);

/// How many times a PATCH or DELETE whose outcome is unknown (a server error, a broken
/// connection) is tried, beyond the client's own retries, before the step fails.
const UNKNOWN_OUTCOME_ATTEMPTS: u32 = 5;

/// How many lists in a row may fail while a step waits on a workspace before the wait fails:
/// a wait that gives up skips its dependents (the delete of a replaced object among them),
/// and one failed list says nothing about the workspace.
const WATCH_FAILURES_TOLERATED: u32 = 5;

/// What every step of one execution shares.
pub(crate) struct Shared<A> {
    pub(crate) api: Arc<Limited<A>>,
    pub(crate) watcher: Watcher,
    pub(crate) sink: Arc<dyn EventSink>,
    pub(crate) cancel: CancellationToken,
    pub(crate) timeout: Duration,
    pub(crate) deployment_name_prefix: Option<String>,
}

/// How a step ended, before the executor turns it into a [`crate::StepStatus`].
pub(crate) enum StepEnd {
    Done(Completion),
    Failed(StepError),
    Interrupted { id: Option<String> },
}

/// The result of a part of a step that may be cut short by cancellation.
enum Flow<T> {
    Continue(T),
    Interrupted,
}

/// One step in progress.
pub(crate) struct StepRun<A> {
    pub(crate) shared: Arc<Shared<A>>,
    pub(crate) step: usize,
    pub(crate) address: Address,
    pub(crate) action: StepAction,
    pub(crate) started: Instant,
}

impl<A: AccountApi + 'static> StepRun<A> {
    /// Runs `operation`, whose placeholders are already resolved.
    pub(crate) async fn run(self, operation: Operation) -> StepEnd {
        match operation {
            Operation::Create { request } => self.create(request).await,
            Operation::ReplacePrivateAccessSettings {
                private_access_settings_id,
                request,
            } => {
                let result = self
                    .shared
                    .api
                    .replace_private_access_settings(&private_access_settings_id, &request)
                    .await;
                match result {
                    Ok(settings) => StepEnd::Done(Completion {
                        completed: Completed::Replaced,
                        id: Some(settings.private_access_settings_id),
                        workspace_status: None,
                    }),
                    Err(error) => StepEnd::Failed(error.into()),
                }
            }
            Operation::UpdateWorkspace {
                workspace_id,
                request,
            } => self.update_workspace(workspace_id, &request).await,
            Operation::Delete { kind, id, name } => self.delete(kind, id, name).await,
            Operation::WaitForWorkspace { workspace_id } => {
                match self.wait_for_running(workspace_id, None).await {
                    Ok(Flow::Continue(workspace)) => {
                        StepEnd::Done(workspace_completion(Completed::Running, &workspace))
                    }
                    Ok(Flow::Interrupted) => StepEnd::Interrupted {
                        id: Some(workspace_id.to_string()),
                    },
                    Err(error) => StepEnd::Failed(error),
                }
            }
        }
    }

    /// PATCHes a workspace, then waits for it to run.
    ///
    /// A PATCH whose outcome is unknown (a server error, a broken connection, an unreadable
    /// answer) may well have taken effect, and the step after a repoint deletes the object the
    /// workspace used before: giving up here would leave that object behind for good, since
    /// no later plan can tell it was ours. So the workspace is read back; if the change is in
    /// effect the step goes on, else the PATCH (idempotent: the same fields again) is sent
    /// again, a few times, within the timeout.
    async fn update_workspace(
        &self,
        workspace_id: i64,
        request: &UpdateWorkspaceRequest,
    ) -> StepEnd {
        let started = Instant::now();
        let deadline = started + self.shared.timeout;
        let mut uncertain = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self
                .shared
                .api
                .update_workspace(workspace_id, request)
                .await
            {
                // A workspace that is still marked FAILED in the PATCH's own answer has not
                // started to re-provision yet; the watcher decides.
                Ok(workspace) => return self.settle(workspace, Completed::Updated, false).await,
                Err(error) => error,
            };
            // After an uncertain attempt, a refusal may be our own earlier PATCH at work (a
            // re-provisioning workspace refuses another PATCH).
            if !(outcome_unknown(&error)
                || uncertain && error.status() == Some(client::StatusCode::CONFLICT))
            {
                return StepEnd::Failed(error.into());
            }
            uncertain = true;
            if let Ok(workspace) = self.shared.api.get_workspace(workspace_id).await
                && compare::update_in_effect(request, &workspace)
            {
                tracing::info!(address = %self.address, workspace_id, error = %error_chain(&error), "the PATCH's answer was lost, and the change is in effect");
                return self.settle(workspace, Completed::Updated, false).await;
            }
            let delay = jittered(poll_interval(started.elapsed()));
            if attempt >= UNKNOWN_OUTCOME_ATTEMPTS || Instant::now() + delay > deadline {
                return StepEnd::Failed(error.into());
            }
            tracing::info!(address = %self.address, workspace_id, attempt, error = %error_chain(&error), "the PATCH did not take effect; sending it again");
            self.progress(Progress::Retrying {
                attempt,
                message: error_chain(&error),
            });
            tokio::select! {
                biased;
                () = self.shared.cancel.cancelled() => {
                    return StepEnd::Interrupted { id: Some(workspace_id.to_string()) };
                }
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    async fn create(&self, request: CreateRequest) -> StepEnd {
        let created = match request {
            CreateRequest::Credentials(request) => self.create_id::<Credential>(&request).await,
            CreateRequest::StorageConfiguration(request) => {
                self.create_id::<StorageConfiguration>(&request).await
            }
            CreateRequest::CustomerManagedKey(request) => {
                self.create_id::<CustomerManagedKey>(&request).await
            }
            CreateRequest::VpcEndpoint(request) => self.create_id::<VpcEndpoint>(&request).await,
            CreateRequest::Network(request) => self.create_id::<Network>(&request).await,
            CreateRequest::PrivateAccessSettings(request) => {
                self.create_id::<PrivateAccessSettings>(&request).await
            }
            CreateRequest::Workspace(request) => {
                let key =
                    NaturalKey::workspace(&request, self.shared.deployment_name_prefix.as_deref());
                return match self.create_object::<Workspace>(&request, key).await {
                    Ok((workspace, completed)) => self.settle(workspace, completed, true).await,
                    Err(error) => StepEnd::Failed(error),
                };
            }
        };
        match created {
            Ok((id, completed)) => StepEnd::Done(Completion {
                completed,
                id: Some(id),
                workspace_status: None,
            }),
            Err(error) => StepEnd::Failed(error),
        }
    }

    /// Creates (or adopts) an object that needs no wait, keyed by its requested name.
    async fn create_id<R: Settle>(
        &self,
        request: &R::Request,
    ) -> Result<(String, Completed), StepError> {
        let (object, completed) = self
            .create_object::<R>(request, R::requested_key(request))
            .await?;
        Ok((object.id(), completed))
    }

    /// Creates (or adopts) one object; returns it with how it came to be.
    async fn create_object<R: Settle>(
        &self,
        request: &R::Request,
        key: NaturalKey,
    ) -> Result<(R, Completed), StepError> {
        let created = match self.shared.api.create_or_adopt::<R>(request, &key).await {
            Ok(created) => created,
            Err(error) => return self.adopt_after_refusal(request, &key, error).await,
        };
        let Some(adoption) = created.adoption else {
            return self.settle_duplicates(request, &key, created.object).await;
        };
        // Whether the object is ours (a lost answer) or someone else's (a name conflict), it
        // is only adopted if it is what the spec describes.
        let differences = R::differences(request, &created.object);
        if !differences.is_empty() {
            return Err(StepError::NameConflict {
                collection: R::COLLECTION,
                key: key.to_string(),
                id: created.object.id(),
                differences,
            });
        }
        let completed = match adoption {
            Adoption::AfterUncertainCreate => Completed::AdoptedAfterLostAnswer,
            Adoption::AfterNameConflict => Completed::AdoptedExisting,
        };
        tracing::info!(address = %self.address, id = %created.object.id(), ?completed, "adopted an existing object");
        Ok((created.object, completed))
    }

    /// After this step's `POST` created `ours`: if a concurrent run created the same object,
    /// keeps the survivor every run agrees on ([`crate::duplicates`]), deleting `ours` when it
    /// is not the one.
    async fn settle_duplicates<R: Settle>(
        &self,
        request: &R::Request,
        key: &NaturalKey,
        ours: R,
    ) -> Result<(R, Completed), StepError> {
        if R::unique_on_server(key) {
            return Ok((ours, Completed::Created));
        }
        let listed = match R::list(&*self.shared.api).await {
            Ok(listed) => listed,
            Err(error) => {
                // The object exists and is ours; whether a twin exists is unknown, and the
                // check after the apply would report one.
                tracing::warn!(address = %self.address, id = %ours.id(), error = %error_chain(&error), "cannot list to look for a concurrent duplicate");
                return Ok((ours, Completed::Created));
            }
        };
        let mut candidates = duplicates::candidates(listed, request, key);
        if !candidates.iter().any(|object| object.id() == ours.id()) {
            // A list that lags behind the create it follows: ours is the youngest.
            candidates.push(ours.clone());
        }
        let survivor = duplicates::survivor(&candidates)
            .cloned()
            .unwrap_or_else(|| ours.clone());
        if survivor.id() == ours.id() {
            return Ok((ours, Completed::Created));
        }
        match self
            .delete_once(delete_target::<R>(&ours), &ours.id())
            .await
        {
            Ok(()) => {}
            Err(error) if error.is_not_found() => {}
            Err(source) => {
                return Err(StepError::DuplicateNotRemoved {
                    collection: R::COLLECTION,
                    key: key.to_string(),
                    id: ours.id(),
                    survivor: survivor.id(),
                    source,
                });
            }
        }
        tracing::info!(address = %self.address, deleted = %ours.id(), adopted = %survivor.id(), "a concurrent run created the same object first; deleted ours and adopted theirs");
        Ok((survivor, Completed::AdoptedFromConcurrentRun))
    }

    /// After the server refused this step's create: if by now an object with the key and
    /// exactly the requested fields exists (a concurrent run created it, and it holds what
    /// the request needed), adopts the survivor; else the refusal stands.
    async fn adopt_after_refusal<R: Settle>(
        &self,
        request: &R::Request,
        key: &NaturalKey,
        error: client::Error,
    ) -> Result<(R, Completed), StepError> {
        if !duplicates::refusal_may_be_concurrent(&error) {
            return Err(error.into());
        }
        let Ok(listed) = R::list(&*self.shared.api).await else {
            return Err(error.into());
        };
        let candidates = duplicates::candidates(listed, request, key);
        let Some(survivor) = duplicates::survivor(&candidates) else {
            return Err(error.into());
        };
        tracing::info!(address = %self.address, adopted = %survivor.id(), refusal = %error_chain(&error), "the create was refused, and a concurrent run has created the same object; adopted it");
        Ok((survivor.clone(), Completed::AdoptedFromConcurrentRun))
    }

    /// Finishes a workspace create or PATCH: done if `RUNNING`, diagnosed if it failed (when
    /// `trust_failure`), else waited for.
    async fn settle(
        &self,
        workspace: Workspace,
        completed: Completed,
        trust_failure: bool,
    ) -> StepEnd {
        let workspace_id = workspace.workspace_id;
        match workspace.workspace_status.as_ref() {
            Some(WorkspaceStatus::Running) => {
                return StepEnd::Done(workspace_completion(completed, &workspace));
            }
            Some(status) if trust_failure && is_terminal(status) => {
                return StepEnd::Failed(self.diagnose(workspace).await);
            }
            _ => {}
        }
        match self.wait_for_running(workspace_id, Some(&workspace)).await {
            Ok(Flow::Continue(workspace)) => {
                StepEnd::Done(workspace_completion(completed, &workspace))
            }
            Ok(Flow::Interrupted) => StepEnd::Interrupted {
                id: Some(workspace_id.to_string()),
            },
            Err(error) => StepEnd::Failed(error),
        }
    }

    /// Waits for `RUNNING` through the shared watcher; `known` is the workspace as the
    /// request that started the wait returned it, reported as the first progress.
    async fn wait_for_running(
        &self,
        workspace_id: i64,
        known: Option<&Workspace>,
    ) -> Result<Flow<Workspace>, StepError> {
        let mut subscription = self.shared.watcher.subscribe(workspace_id);
        let started = Instant::now();
        let deadline = started + self.shared.timeout;
        let mut reporter = Reporter::default();
        let mut last_status = None;
        let mut failed_lists = 0;
        if let Some(workspace) = known {
            last_status.clone_from(&workspace.workspace_status);
            if reporter.should_report(&workspace_progress(workspace)) {
                self.report_workspace(workspace);
            }
        }
        loop {
            let observation = tokio::select! {
                biased;
                () = self.shared.cancel.cancelled() => return Ok(Flow::Interrupted),
                () = tokio::time::sleep_until(deadline) => {
                    return Err(StepError::WaitTimeout {
                        workspace_id,
                        last_status,
                        waited: started.elapsed(),
                    });
                }
                observation = subscription.next() => observation,
            };
            let workspace = match observation.sighting {
                Err(source) => {
                    failed_lists += 1;
                    if failed_lists >= WATCH_FAILURES_TOLERATED {
                        return Err(StepError::Watch {
                            workspace_id,
                            source,
                        });
                    }
                    continue;
                }
                Ok(None) => return Err(StepError::Vanished { workspace_id }),
                Ok(Some(workspace)) => workspace,
            };
            failed_lists = 0;
            last_status.clone_from(&workspace.workspace_status);
            match workspace.workspace_status.as_ref() {
                Some(WorkspaceStatus::Running) => return Ok(Flow::Continue(workspace)),
                Some(status) if is_terminal(status) => return Err(self.diagnose(workspace).await),
                _ => {
                    if reporter.should_report(&workspace_progress(&workspace)) {
                        self.report_workspace(&workspace);
                    }
                }
            }
        }
    }

    /// Waits until the workspace is gone from the list.
    async fn wait_until_gone(&self, workspace_id: i64) -> Result<Flow<()>, StepError> {
        let mut subscription = self.shared.watcher.subscribe(workspace_id);
        let started = Instant::now();
        let deadline = started + self.shared.timeout;
        let mut reporter = Reporter::default();
        let mut last_status = None;
        let mut failed_lists = 0;
        loop {
            let observation = tokio::select! {
                biased;
                () = self.shared.cancel.cancelled() => return Ok(Flow::Interrupted),
                () = tokio::time::sleep_until(deadline) => {
                    return Err(StepError::WaitTimeout {
                        workspace_id,
                        last_status,
                        waited: started.elapsed(),
                    });
                }
                observation = subscription.next() => observation,
            };
            match observation.sighting {
                Err(source) => {
                    failed_lists += 1;
                    if failed_lists >= WATCH_FAILURES_TOLERATED {
                        return Err(StepError::Watch {
                            workspace_id,
                            source,
                        });
                    }
                }
                Ok(None) => return Ok(Flow::Continue(())),
                Ok(Some(workspace)) => {
                    failed_lists = 0;
                    last_status.clone_from(&workspace.workspace_status);
                    if reporter.should_report(&workspace_progress(&workspace)) {
                        self.report_workspace(&workspace);
                    }
                }
            }
        }
    }

    /// Reads the failed workspace's network and builds the error the seed's troubleshooting
    /// section asks for: the status message plus every network error and warning.
    async fn diagnose(&self, workspace: Workspace) -> StepError {
        let network = match workspace.network_id.as_deref() {
            None => NetworkDiagnosis::NotCustomerManaged,
            Some(network_id) => match self.shared.api.get_network(network_id).await {
                Ok(network) => NetworkDiagnosis::Read(Box::new(network)),
                Err(error) => NetworkDiagnosis::Unreadable {
                    network_id: network_id.to_owned(),
                    error: Arc::new(error),
                },
            },
        };
        let name = if workspace.deployment_name.is_empty() {
            workspace.workspace_name
        } else {
            workspace.deployment_name
        };
        StepError::WorkspaceFailed {
            workspace_id: workspace.workspace_id,
            name,
            status: workspace
                .workspace_status
                .unwrap_or(WorkspaceStatus::Failed),
            status_message: workspace.workspace_status_message,
            network,
        }
    }

    async fn delete(&self, kind: Kind, id: String, name: String) -> StepEnd {
        let target = if kind == Kind::Workspace {
            match id.parse::<i64>() {
                Ok(workspace_id) => DeleteTarget::Workspace(workspace_id),
                Err(_) => return StepEnd::Failed(StepError::InvalidWorkspaceId { id }),
            }
        } else {
            DeleteTarget::Object(kind.collection())
        };
        let started = Instant::now();
        let deadline = started + self.shared.timeout;
        let mut reporter = Reporter::default();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.delete_once(target, &id).await {
                Ok(()) => break,
                Err(error) => error,
            };
            if error.is_not_found() {
                return StepEnd::Done(Completion {
                    completed: Completed::AlreadyGone,
                    id: Some(id),
                    workspace_status: None,
                });
            }
            // A server error or a broken connection is retried a few times: a DELETE is
            // idempotent, and an object the plan replaced is left behind for good if its
            // delete gives up (no later plan can tell it was ours).
            let retry_unknown = outcome_unknown(&error) && attempt < UNKNOWN_OUTCOME_ATTEMPTS;
            if !is_in_use(&error) && !retry_unknown {
                return StepEnd::Failed(error.into());
            }
            let in_use = is_in_use(&error);
            let waited = started.elapsed();
            let delay = jittered(poll_interval(waited));
            if Instant::now() + delay > deadline {
                if !in_use {
                    return StepEnd::Failed(error.into());
                }
                return StepEnd::Failed(StepError::StillInUse {
                    collection: kind.collection(),
                    id,
                    name,
                    waited,
                    source: error,
                });
            }
            let message = error_chain(&error);
            let progress = if in_use {
                Progress::StillInUse { attempt, message }
            } else {
                Progress::Retrying { attempt, message }
            };
            if reporter.should_report(&progress) {
                self.progress(progress);
            }
            tokio::select! {
                biased;
                () = self.shared.cancel.cancelled() => return StepEnd::Interrupted { id: Some(id) },
                () = tokio::time::sleep(delay) => {}
            }
        }
        if let DeleteTarget::Workspace(workspace_id) = target {
            match self.wait_until_gone(workspace_id).await {
                Ok(Flow::Continue(())) => {}
                Ok(Flow::Interrupted) => return StepEnd::Interrupted { id: Some(id) },
                Err(error) => return StepEnd::Failed(error),
            }
        }
        StepEnd::Done(Completion {
            completed: Completed::Deleted,
            id: Some(id),
            workspace_status: None,
        })
    }

    async fn delete_once(&self, target: DeleteTarget, id: &str) -> Result<(), client::Error> {
        let api = &self.shared.api;
        match target {
            DeleteTarget::Workspace(workspace_id) => api.delete_workspace(workspace_id).await,
            DeleteTarget::Object(Collection::Credentials) => api.delete_credential(id).await,
            DeleteTarget::Object(Collection::StorageConfigurations) => {
                api.delete_storage_configuration(id).await
            }
            DeleteTarget::Object(Collection::CustomerManagedKeys) => {
                api.delete_customer_managed_key(id).await
            }
            DeleteTarget::Object(Collection::VpcEndpoints) => api.delete_vpc_endpoint(id).await,
            DeleteTarget::Object(Collection::Networks) => api.delete_network(id).await,
            DeleteTarget::Object(Collection::PrivateAccessSettings) => {
                api.delete_private_access_settings(id).await
            }
            DeleteTarget::Object(Collection::Workspaces) => {
                // Workspaces are always `DeleteTarget::Workspace`, with a parsed id.
                api.delete_workspace(id.parse().unwrap_or_default()).await
            }
        }
    }

    fn report_workspace(&self, workspace: &Workspace) {
        self.progress(workspace_progress(workspace));
    }

    fn progress(&self, progress: Progress) {
        self.shared.sink.emit(Event::StepProgress {
            step: self.step,
            address: self.address.clone(),
            action: self.action,
            elapsed: self.started.elapsed(),
            progress,
        });
    }
}

/// What a delete addresses: workspaces by their integer id, everything else by its string id.
#[derive(Clone, Copy)]
enum DeleteTarget {
    Workspace(i64),
    Object(Collection),
}

/// How to delete an object of kind `R`.
fn delete_target<R: client::Resource>(object: &R) -> DeleteTarget {
    if R::COLLECTION == Collection::Workspaces {
        DeleteTarget::Workspace(object.id().parse().unwrap_or_default())
    } else {
        DeleteTarget::Object(R::COLLECTION)
    }
}

/// A status that a workspace does not leave by itself while we wait for `RUNNING`.
fn is_terminal(status: &WorkspaceStatus) -> bool {
    match status {
        WorkspaceStatus::Failed | WorkspaceStatus::Banned | WorkspaceStatus::Cancelling => true,
        WorkspaceStatus::Unknown(value) => value.eq_ignore_ascii_case("CANCELLED"),
        WorkspaceStatus::NotProvisioned
        | WorkspaceStatus::Provisioning
        | WorkspaceStatus::Running => false,
    }
}

/// A request whose outcome is unknown or that failed on the server's side: a 5xx (after
/// the client's own retries), a broken connection or timeout, or an answer that could not be
/// read. Sending it again is safe for the idempotent PATCH and DELETE.
fn outcome_unknown(error: &client::Error) -> bool {
    match error.kind() {
        client::ErrorKind::Timeout { .. }
        | client::ErrorKind::Transport { .. }
        | client::ErrorKind::Connect { .. } => true,
        client::ErrorKind::Decode { status, .. } => status.is_success(),
        _ => error
            .status()
            .is_some_and(|status| status.is_server_error()),
    }
}

/// A delete refused because the object is in use: `409 INVALID_STATE`, or a bare 409 (the
/// real service sometimes sends one with an empty body).
fn is_in_use(error: &client::Error) -> bool {
    let invalid_state = error
        .error_code()
        .is_some_and(|code| code.is("INVALID_STATE"));
    invalid_state
        || (error.status() == Some(client::StatusCode::CONFLICT) && !error.is_already_exists())
}

fn workspace_progress(workspace: &Workspace) -> Progress {
    Progress::WorkspaceStatus {
        workspace_id: workspace.workspace_id,
        status: workspace
            .workspace_status
            .clone()
            .unwrap_or(WorkspaceStatus::NotProvisioned),
        status_message: workspace.workspace_status_message.clone(),
    }
}

fn workspace_completion(completed: Completed, workspace: &Workspace) -> Completion {
    Completion {
        completed,
        id: Some(workspace.workspace_id.to_string()),
        workspace_status: workspace.workspace_status.clone(),
    }
}

/// Decides when a wait reports progress: on every change, and as a heartbeat otherwise.
#[derive(Default)]
struct Reporter {
    last: Option<(Progress, Instant)>,
}

impl Reporter {
    fn should_report(&mut self, progress: &Progress) -> bool {
        let now = Instant::now();
        let report = match &self.last {
            None => true,
            Some((last, at)) => !same_news(last, progress) || now - *at >= HEARTBEAT,
        };
        if report {
            self.last = Some((progress.clone(), now));
        }
        report
    }
}

/// Whether two progress reports say the same thing (a retry count alone is no news).
fn same_news(left: &Progress, right: &Progress) -> bool {
    match (left, right) {
        (
            Progress::StillInUse { message: left, .. },
            Progress::StillInUse { message: right, .. },
        ) => left == right,
        _ => left == right,
    }
}
