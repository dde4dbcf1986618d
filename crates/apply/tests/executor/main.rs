//! The executor against a scripted fake account on a paused tokio clock: ordering, skipping on
//! failure, the request bound, waits that hold no slot, the shared watcher's polling, adoption,
//! in-use deletes, failed workspaces and cancellation.
//!
//! Times asserted here are virtual (the clock only moves when every task sleeps), so they
//! state the schedule's logic exactly; they are not measurements of speed.

mod fake;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_types::{
    CreateCredentialRequest, CreateNetworkRequest, CreateStorageConfigurationRequest,
    CreateWorkspaceRequest, PrivateAccessSettingsRequest, RootBucketInfo, UpdateWorkspaceRequest,
    Workspace, WorkspaceStatus,
};
use brickform_apply::{
    Completed, Event, EventSink, ExecuteError, Options, Outcome, Progress, StepError, StepStatus,
    execute,
};
use fake::{Fake, Fault};
use plan::{
    CreateRequest, FORMAT_VERSION, Operation, Plan, PlanOptions, PlanTarget, Step, Summary,
    known_after_apply,
};
use spec::{Address, Kind};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Collects every event.
#[derive(Default)]
struct Recorder(Mutex<Vec<Event>>);

impl EventSink for Recorder {
    fn emit(&self, event: Event) {
        self.0.lock().unwrap().push(event);
    }
}

impl Recorder {
    fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }
}

fn address(kind: Kind, key: &str) -> Address {
    Address::new(kind, key)
}

fn plan(steps: Vec<Step>) -> Plan {
    Plan {
        format_version: FORMAT_VERSION,
        brickform_version: "test".to_owned(),
        target: PlanTarget {
            host: "http://127.0.0.1".to_owned(),
            account_id: "fake".to_owned(),
        },
        spec_digest: String::new(),
        deployment_name_prefix: None,
        options: PlanOptions::default(),
        summary: Summary::default(),
        resource_changes: Vec::new(),
        steps,
        reads: Vec::new(),
        notes: Vec::new(),
    }
}

/// A step list builder that numbers steps in order.
#[derive(Default)]
struct Steps(Vec<Step>);

impl Steps {
    fn add(&mut self, address: Address, operation: Operation, depends_on: &[usize]) -> usize {
        let id = self.0.len();
        let produces = matches!(operation, Operation::Create { .. }).then(|| address.clone());
        self.0.push(Step {
            id,
            description: format!("step {id} for {address}"),
            address,
            operation,
            depends_on: depends_on.to_vec(),
            produces,
        });
        id
    }

    fn credentials(&mut self, key: &str, depends_on: &[usize]) -> usize {
        let request = CreateCredentialRequest::new(
            format!("{key}-creds"),
            format!("arn:aws:iam::123456789012:role/{key}"),
        );
        self.add(
            address(Kind::Credentials, key),
            Operation::Create {
                request: CreateRequest::Credentials(request),
            },
            depends_on,
        )
    }

    fn storage(&mut self, key: &str, depends_on: &[usize]) -> usize {
        let request = CreateStorageConfigurationRequest {
            storage_configuration_name: format!("{key}-root"),
            root_bucket_info: RootBucketInfo {
                bucket_name: format!("{key}-bucket"),
            },
            role_arn: None,
        };
        self.add(
            address(Kind::StorageConfiguration, key),
            Operation::Create {
                request: CreateRequest::StorageConfiguration(request),
            },
            depends_on,
        )
    }

    fn network(&mut self, key: &str, subnets: [&str; 2], depends_on: &[usize]) -> usize {
        let request = CreateNetworkRequest {
            network_name: format!("{key}-vpc"),
            vpc_id: "vpc-1".to_owned(),
            subnet_ids: subnets.iter().map(|subnet| (*subnet).to_owned()).collect(),
            security_group_ids: vec![format!("sg-{key}")],
            vpc_endpoints: None,
        };
        self.add(
            address(Kind::Network, key),
            Operation::Create {
                request: CreateRequest::Network(request),
            },
            depends_on,
        )
    }

    /// A workspace referencing `credentials` and `storage` (and `network`) by placeholder.
    fn workspace(
        &mut self,
        key: &str,
        references: (&str, &str, Option<&str>),
        depends_on: &[usize],
    ) -> usize {
        let (credentials, storage, network) = references;
        let request = CreateWorkspaceRequest {
            workspace_name: key.to_owned(),
            deployment_name: Some(key.to_owned()),
            aws_region: "us-west-2".to_owned(),
            credentials_id: Some(known_after_apply(&address(Kind::Credentials, credentials))),
            storage_configuration_id: Some(known_after_apply(&address(
                Kind::StorageConfiguration,
                storage,
            ))),
            network_id: network.map(|network| known_after_apply(&address(Kind::Network, network))),
            ..CreateWorkspaceRequest::default()
        };
        self.add(
            address(Kind::Workspace, key),
            Operation::Create {
                request: CreateRequest::Workspace(request),
            },
            depends_on,
        )
    }

    fn plan(self) -> Plan {
        plan(self.0)
    }
}

/// `count` independent workspaces, each with its own credentials and storage already live.
fn independent_workspaces(fake: &Fake, count: usize) -> Plan {
    let mut steps = Steps::default();
    for index in 0..count {
        let credentials = fake.seed_credential(&format!("c{index}"), "arn:aws:iam::1:role/x");
        steps.add(
            address(Kind::Workspace, &format!("w{index}")),
            Operation::Create {
                request: CreateRequest::Workspace(CreateWorkspaceRequest {
                    workspace_name: format!("w{index}"),
                    deployment_name: Some(format!("w{index}")),
                    aws_region: "us-west-2".to_owned(),
                    credentials_id: Some(credentials),
                    ..CreateWorkspaceRequest::default()
                }),
            },
            &[],
        );
    }
    steps.plan()
}

async fn run(fake: &Arc<Fake>, plan: &Plan, options: Options) -> (Outcome, Vec<Event>) {
    let recorder = Arc::new(Recorder::default());
    let outcome = execute(Arc::clone(fake), plan, options, recorder.clone())
        .await
        .unwrap();
    (outcome, recorder.events())
}

fn done(outcome: &Outcome, step: usize) -> &brickform_apply::Completion {
    match &outcome.steps[step].status {
        StepStatus::Done(completion) => completion,
        other => panic!("step {step} is not done: {other:?}"),
    }
}

fn failure(outcome: &Outcome, step: usize) -> Arc<StepError> {
    match &outcome.steps[step].status {
        StepStatus::Failed(error) => Arc::clone(error),
        other => panic!("step {step} did not fail: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn steps_start_after_their_dependencies_and_independent_ones_overlap() {
    let fake = Arc::new(Fake::new().latency(Duration::from_millis(100)));
    let mut steps = Steps::default();
    let credentials = steps.credentials("main", &[]);
    let storage = steps.storage("root", &[]);
    let network = steps.network("main", ["subnet-a", "subnet-b"], &[]);
    let workspace = steps.workspace(
        "sales",
        ("main", "root", Some("main")),
        &[credentials, storage, network],
    );
    let (outcome, _) = run(&fake, &steps.plan(), Options::default()).await;

    assert!(outcome.succeeded(), "{:?}", outcome.summary);
    let creates: Vec<_> = [
        "POST /credentials",
        "POST /storage-configurations",
        "POST /networks",
    ]
    .into_iter()
    .map(|route| fake.calls_to(route).remove(0))
    .collect();
    let workspace_post = fake.calls_to("POST /workspaces").remove(0);
    for create in &creates {
        assert!(
            create.ended <= workspace_post.started,
            "{create:?} {workspace_post:?}"
        );
        // The three independent creates were all in flight at the same moment.
        assert!(creates.iter().all(|other| other.started < create.ended));
    }
    // The workspace was created with the ids the earlier steps produced.
    let live = fake.workspaces().remove(0);
    assert_eq!(
        live.credentials_id.as_deref(),
        done(&outcome, credentials).id.as_deref()
    );
    assert_eq!(
        live.network_id.as_deref(),
        done(&outcome, network).id.as_deref()
    );
    assert_eq!(
        outcome.produced[&address(Kind::StorageConfiguration, "root")],
        live.storage_configuration_id.clone().unwrap()
    );
    let completion = done(&outcome, workspace);
    assert_eq!(completion.completed, Completed::Created);
    assert_eq!(completion.workspace_status, Some(WorkspaceStatus::Running));
}

#[tokio::test(start_paused = true)]
async fn a_failure_skips_its_dependents_transitively_and_independent_branches_finish() {
    let fake = Arc::new(Fake::new());
    fake.fault(
        "POST /credentials",
        Fault::Status {
            status: 400,
            code: "MALFORMED_REQUEST",
        },
        1,
    );
    let mut steps = Steps::default();
    let credentials = steps.credentials("main", &[]);
    let storage = steps.storage("root", &[]);
    let workspace = steps.workspace("sales", ("main", "root", None), &[credentials, storage]);
    let settings = steps.add(
        address(Kind::PrivateAccessSettings, "pl"),
        Operation::Create {
            request: CreateRequest::PrivateAccessSettings(PrivateAccessSettingsRequest {
                private_access_settings_name: "pl".to_owned(),
                region: "us-west-2".to_owned(),
                ..PrivateAccessSettingsRequest::default()
            }),
        },
        &[workspace],
    );
    let independent = steps.storage("other", &[]);
    let (outcome, events) = run(&fake, &steps.plan(), Options::default()).await;

    assert!(matches!(*failure(&outcome, credentials), StepError::Api(_)));
    for skipped in [workspace, settings] {
        assert!(
            matches!(outcome.steps[skipped].status, StepStatus::Skipped { because } if because == credentials),
            "{:?}",
            outcome.steps[skipped].status
        );
    }
    done(&outcome, storage);
    done(&outcome, independent);
    assert_eq!(
        (
            outcome.summary.done,
            outcome.summary.failed,
            outcome.summary.skipped
        ),
        (2, 1, 2)
    );
    assert!(fake.calls_to("POST /workspaces").is_empty());
    let skipped_events: Vec<(usize, usize)> = events
        .iter()
        .filter_map(|event| match event {
            Event::StepSkipped {
                step, because_step, ..
            } => Some((*step, *because_step)),
            _ => None,
        })
        .collect();
    assert_eq!(
        skipped_events,
        [(workspace, credentials), (settings, credentials)]
    );
    assert!(matches!(events.last(), Some(Event::Summary(summary)) if summary.failed == 1));
}

#[tokio::test(start_paused = true)]
async fn parallelism_bounds_the_requests_in_flight() {
    for parallelism in [1, 4, 10] {
        let fake = Arc::new(Fake::new().latency(Duration::from_millis(50)));
        let mut steps = Steps::default();
        for index in 0..30 {
            steps.storage(&format!("s{index}"), &[]);
        }
        let options = Options {
            parallelism,
            ..Options::default()
        };
        let (outcome, _) = run(&fake, &steps.plan(), options).await;
        assert!(outcome.succeeded());
        assert_eq!(fake.max_in_flight(), parallelism);
    }
}

#[tokio::test(start_paused = true)]
async fn a_waiting_workspace_holds_no_request_slot() {
    let fake = Arc::new(
        Fake::new()
            .latency(Duration::from_millis(50))
            .provisioning(Duration::from_secs(10)),
    );
    let plan = independent_workspaces(&fake, 3);
    let options = Options {
        parallelism: 1,
        ..Options::default()
    };
    let start = Instant::now();
    let (outcome, _) = run(&fake, &plan, options).await;
    assert!(outcome.succeeded());
    // With one slot, all three workspaces were created before the first finished provisioning:
    // they provisioned side by side, not one after the other.
    let posts = fake.calls_to("POST /workspaces");
    assert_eq!(posts.len(), 3);
    assert!(posts[2].ended < posts[0].ended + Duration::from_secs(10));
    // One after the other would take over 30 s. Side by side it is the provisioning time plus
    // the watcher's detection delay: at 10 s waited it polls about every 10/8 s, plus up to
    // 10% jitter, so the last RUNNING is seen by 11.6 s at the latest.
    assert!(
        start.elapsed() < Duration::from_secs(12),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn one_list_call_serves_every_waiting_workspace() {
    let fake = Arc::new(Fake::new().latency(Duration::from_millis(10)));
    let plan = independent_workspaces(&fake, 50);
    let start = Instant::now();
    let (outcome, _) = run(&fake, &plan, Options::default()).await;
    assert!(outcome.succeeded());
    let elapsed = start.elapsed();
    let last_post = fake.calls_to("POST /workspaces").last().unwrap().ended;
    // Provisioning ends 2 s after the last create; the watcher sees it within one interval
    // (250 ms plus jitter) and one list call.
    assert!(
        elapsed <= (last_post - start) + Duration::from_millis(2_300),
        "{elapsed:?}"
    );
    let lists = fake.calls_to("GET /workspaces").len();
    assert!((8..=12).contains(&lists), "{lists} list calls");
    assert!(fake.calls_to("GET /workspaces/{id}").is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_poll_interval_grows_with_the_time_waited() {
    let fake = Arc::new(Fake::new().provisioning(Duration::from_secs(7 * 60)));
    let plan = independent_workspaces(&fake, 1);
    let (outcome, _) = run(&fake, &plan, Options::default()).await;
    assert!(outcome.succeeded());
    let lists = fake.calls_to("GET /workspaces");
    let gaps: Vec<Duration> = lists
        .windows(2)
        .map(|pair| pair[1].started - pair[0].started)
        .collect();
    // Fast at first (250 ms), then an eighth of the wait, then the 10 s cap (plus jitter).
    assert!(gaps[0] >= Duration::from_millis(250) && gaps[0] <= Duration::from_millis(300));
    let last = *gaps.last().unwrap();
    assert!(
        last >= Duration::from_secs(10) && last <= Duration::from_secs(11),
        "{last:?}"
    );
    assert!(
        gaps.windows(2)
            .all(|pair| pair[1] + Duration::from_millis(1_100) >= pair[0])
    );
    // About one request every 10 s for most of seven minutes, not one every second.
    assert!(
        (60..=90).contains(&lists.len()),
        "{} list calls",
        lists.len()
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_workspace_is_reported_with_its_network_health_and_kept() {
    let fake = Arc::new(Fake::new().broken_subnet("subnet-bad"));
    let mut steps = Steps::default();
    let credentials = steps.credentials("main", &[]);
    let storage = steps.storage("root", &[]);
    let network = steps.network("main", ["subnet-a", "subnet-bad"], &[]);
    let workspace = steps.workspace(
        "sales",
        ("main", "root", Some("main")),
        &[credentials, storage, network],
    );
    let (outcome, events) = run(&fake, &steps.plan(), Options::default()).await;

    let error = failure(&outcome, workspace);
    assert!(
        error.to_string().starts_with("workspace `sales` (")
            && error
                .to_string()
                .ends_with(") is FAILED: Network validation failed for the workspace's network."),
        "{error}"
    );
    let details = error.details();
    assert_eq!(
        details[1], "  error (subnet): subnet subnet-bad has no route to a NAT gateway",
        "{details:?}"
    );
    assert!(
        details[0].starts_with("network `main-vpc` ("),
        "{details:?}"
    );
    // The network was read once, and nothing was deleted.
    assert_eq!(fake.calls_to("GET /networks/{id}").len(), 1);
    assert!(
        fake.calls()
            .iter()
            .all(|call| !call.route.starts_with("DELETE"))
    );
    assert_eq!(fake.workspaces().len(), 1);
    let failed_event = events
        .iter()
        .find_map(|event| match event {
            Event::StepFailed { details, .. } => Some(details.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(failed_event, details);
}

#[tokio::test(start_paused = true)]
async fn a_redeploy_patches_the_failed_workspace_and_waits_for_running() {
    let fake = Arc::new(Fake::new());
    let workspace_id = fake.seed_workspace(
        Workspace {
            workspace_name: "sales".to_owned(),
            deployment_name: "sales".to_owned(),
            ..Workspace::default()
        },
        true,
    );
    let mut steps = Steps::default();
    let network = steps.network("fixed", ["subnet-c", "subnet-d"], &[]);
    let redeploy = steps.add(
        address(Kind::Workspace, "sales"),
        Operation::UpdateWorkspace {
            workspace_id,
            request: UpdateWorkspaceRequest {
                network_id: Some(known_after_apply(&address(Kind::Network, "fixed"))),
                ..UpdateWorkspaceRequest::default()
            },
        },
        &[network],
    );
    let (outcome, events) = run(&fake, &steps.plan(), Options::default()).await;
    let completion = done(&outcome, redeploy);
    assert_eq!(completion.completed, Completed::Updated);
    assert_eq!(completion.workspace_status, Some(WorkspaceStatus::Running));
    let live = fake.workspaces().remove(0);
    assert_eq!(
        live.network_id.as_deref(),
        done(&outcome, network).id.as_deref()
    );
    let statuses: Vec<WorkspaceStatus> = events
        .iter()
        .filter_map(|event| match event {
            Event::StepProgress {
                progress: Progress::WorkspaceStatus { status, .. },
                ..
            } => Some(status.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(statuses[0], WorkspaceStatus::Provisioning);
}

#[tokio::test(start_paused = true)]
async fn a_lost_create_answer_is_adopted_and_never_duplicated() {
    let fake = Arc::new(Fake::new());
    fake.fault("POST /credentials", Fault::CommitThenDrop, 1);
    let mut steps = Steps::default();
    let credentials = steps.credentials("main", &[]);
    let (outcome, _) = run(&fake, &steps.plan(), Options::default()).await;
    assert_eq!(
        done(&outcome, credentials).completed,
        Completed::AdoptedAfterLostAnswer
    );
    assert_eq!(fake.credentials().len(), 1);
    let posts = fake.calls_to("POST /credentials");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].object, "main-creds");
}

#[tokio::test(start_paused = true)]
async fn a_name_conflict_is_adopted_only_when_the_fields_match() {
    let fake = Arc::new(Fake::new());
    let same = fake.seed_credential("same-creds", "arn:aws:iam::123456789012:role/same");
    fake.seed_credential(
        "other-creds",
        "arn:aws:iam::123456789012:role/somebody-else",
    );
    let mut steps = Steps::default();
    let adopted = steps.credentials("same", &[]);
    let refused = steps.credentials("other", &[]);
    let (outcome, _) = run(&fake, &steps.plan(), Options::default()).await;

    let completion = done(&outcome, adopted);
    assert_eq!(completion.completed, Completed::AdoptedExisting);
    assert_eq!(completion.id.as_deref(), Some(same.as_str()));
    let error = failure(&outcome, refused);
    assert!(
        error
            .to_string()
            .starts_with("a credential configuration with name `other-creds` already exists (")
            && error
                .to_string()
                .ends_with(") and differs from the spec in `role_arn`"),
        "{error}"
    );
    assert_eq!(
        error.details(),
        [
            "`role_arn` is `arn:aws:iam::123456789012:role/somebody-else` in the account, `arn:aws:iam::123456789012:role/other` in the spec"
        ]
    );
    assert_eq!(fake.credentials().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_delete_retries_while_the_object_is_in_use_by_a_workspace_tearing_down() {
    let fake = Arc::new(Fake::new().teardown(Duration::from_secs(3)));
    let credentials = fake.seed_credential("main-creds", "arn:aws:iam::1:role/x");
    let workspace_id = fake.seed_workspace(
        Workspace {
            workspace_name: "sales".to_owned(),
            deployment_name: "sales".to_owned(),
            credentials_id: Some(credentials.clone()),
            ..Workspace::default()
        },
        false,
    );
    let mut steps = Steps::default();
    let delete_workspace = steps.add(
        address(Kind::Workspace, "sales"),
        Operation::Delete {
            kind: Kind::Workspace,
            id: workspace_id.to_string(),
            name: "sales".to_owned(),
        },
        &[],
    );
    let delete_credentials = steps.add(
        address(Kind::Credentials, "main"),
        Operation::Delete {
            kind: Kind::Credentials,
            id: credentials,
            name: "main-creds".to_owned(),
        },
        &[],
    );
    let (outcome, events) = run(&fake, &steps.plan(), Options::default()).await;

    assert_eq!(
        done(&outcome, delete_workspace).completed,
        Completed::Deleted
    );
    assert_eq!(
        done(&outcome, delete_credentials).completed,
        Completed::Deleted
    );
    assert!(fake.workspaces().is_empty() && fake.credentials().is_empty());
    // The credentials delete was refused while the workspace tore down, then went through.
    let attempts = fake.calls_to("DELETE /credentials/{id}");
    assert!(attempts.len() >= 3, "{} attempts", attempts.len());
    assert!(events.iter().any(|event| matches!(
        event,
        Event::StepProgress { step, progress: Progress::StillInUse { .. }, .. } if *step == delete_credentials
    )));
    // The workspace delete waited until the workspace was gone from the list.
    let finished = outcome.steps[delete_workspace].elapsed.unwrap();
    assert!(finished >= Duration::from_secs(3), "{finished:?}");
}

#[tokio::test(start_paused = true)]
async fn an_object_in_use_past_the_timeout_fails_with_the_servers_answer() {
    let fake = Arc::new(Fake::new());
    let credentials = fake.seed_credential("main-creds", "arn:aws:iam::1:role/x");
    fake.seed_workspace(
        Workspace {
            workspace_name: "sales".to_owned(),
            credentials_id: Some(credentials.clone()),
            ..Workspace::default()
        },
        false,
    );
    let mut steps = Steps::default();
    let delete = steps.add(
        address(Kind::Credentials, "main"),
        Operation::Delete {
            kind: Kind::Credentials,
            id: credentials,
            name: "main-creds".to_owned(),
        },
        &[],
    );
    let options = Options {
        timeout: Duration::from_secs(5),
        ..Options::default()
    };
    let (outcome, _) = run(&fake, &steps.plan(), options).await;
    let error = failure(&outcome, delete);
    assert!(
        error.chain().starts_with("credential configuration `main-creds` (")
            && error.chain().contains(") was still in use after ")
            && error.chain().ends_with(
                "409 Conflict: INVALID_STATE: Unable to delete, credential is being used by an active workspace"
            ),
        "{}",
        error.chain()
    );
}

#[tokio::test(start_paused = true)]
async fn a_workspace_that_does_not_provision_in_time_times_out_and_is_kept() {
    let fake = Arc::new(Fake::new().provisioning(Duration::from_secs(600)));
    let plan = independent_workspaces(&fake, 1);
    let options = Options {
        timeout: Duration::from_secs(60),
        ..Options::default()
    };
    let (outcome, _) = run(&fake, &plan, options).await;
    let error = failure(&outcome, 0);
    assert!(
        error.to_string().ends_with(
            "was still PROVISIONING after 1m; run apply again to keep waiting, or raise --timeout"
        ),
        "{error}"
    );
    assert_eq!(fake.workspaces().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn cancelling_stops_scheduling_abandons_waits_and_lets_requests_finish() {
    let fake = Arc::new(
        Fake::new()
            .latency(Duration::from_millis(500))
            .provisioning(Duration::from_secs(60)),
    );
    let mut steps = Steps::default();
    let credentials = steps.credentials("main", &[]);
    let storage = steps.storage("root", &[]);
    let workspace = steps.workspace("sales", ("main", "root", None), &[credentials, storage]);
    let after_workspace = steps.add(
        address(Kind::Workspace, "sales"),
        Operation::WaitForWorkspace { workspace_id: 1 },
        &[workspace],
    );
    let slow_create = steps.storage("late", &[]);
    let cancel = CancellationToken::new();
    let options = Options {
        cancel: cancel.clone(),
        ..Options::default()
    };
    // Cancel while the workspace provisions.
    tokio::spawn({
        let cancel = cancel.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(5_000)).await;
            cancel.cancel();
        }
    });
    let (outcome, events) = run(&fake, &steps.plan(), options).await;

    assert!(outcome.summary.cancelled);
    assert!(
        matches!(
            &outcome.steps[workspace].status,
            StepStatus::Interrupted { id: Some(_) }
        ),
        "{:?}",
        outcome.steps[workspace].status
    );
    assert!(matches!(
        outcome.steps[after_workspace].status,
        StepStatus::NotStarted
    ));
    done(&outcome, slow_create);
    // The workspace create itself went through: the next apply waits for it again.
    assert_eq!(fake.workspaces().len(), 1);
    assert_eq!(outcome.summary.interrupted, 1);
    assert_eq!(outcome.summary.not_started, 1);
    assert!(!outcome.succeeded());
    assert!(matches!(events.last(), Some(Event::Summary(summary)) if summary.cancelled));
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_execution_starts_nothing_new_but_finishes_requests_in_flight() {
    let fake = Arc::new(Fake::new().latency(Duration::from_secs(2)));
    let mut steps = Steps::default();
    let first = steps.storage("first", &[]);
    let second = steps.storage("second", &[first]);
    let cancel = CancellationToken::new();
    tokio::spawn({
        let cancel = cancel.clone();
        async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            cancel.cancel();
        }
    });
    let options = Options {
        cancel,
        ..Options::default()
    };
    let (outcome, _) = run(&fake, &steps.plan(), options).await;
    // The first create was in flight when the cancel came: it finished and counts as done.
    assert_eq!(done(&outcome, first).completed, Completed::Created);
    assert!(matches!(
        outcome.steps[second].status,
        StepStatus::NotStarted
    ));
    assert_eq!(fake.calls_to("POST /storage-configurations").len(), 1);
}

#[tokio::test]
async fn a_malformed_plan_is_refused_before_any_request() {
    let fake = Arc::new(Fake::new());
    let mut steps = Steps::default();
    steps.storage("a", &[1]);
    steps.storage("b", &[]);
    let recorder = Arc::new(Recorder::default());
    let error = execute(
        Arc::clone(&fake),
        &steps.plan(),
        Options::default(),
        recorder,
    )
    .await
    .unwrap_err();
    assert!(matches!(
        error,
        ExecuteError::DependencyOutOfOrder {
            step: 0,
            dependency: 1
        }
    ));
    assert!(fake.calls().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_lost_workspace_create_is_recognised_under_the_accounts_deployment_name_prefix() {
    for (prefix, adopted) in [(Some("acme"), true), (None, false)] {
        let fake = Arc::new(Fake::new().deployment_name_prefix("acme"));
        fake.fault("POST /workspaces", Fault::CommitThenDrop, 1);
        let mut plan = independent_workspaces(&fake, 1);
        plan.deployment_name_prefix = prefix.map(str::to_owned);
        let (outcome, _) = run(&fake, &plan, Options::default()).await;
        if adopted {
            assert_eq!(
                done(&outcome, 0).completed,
                Completed::AdoptedAfterLostAnswer
            );
        } else {
            // Without the prefix, `acme-w0` is not recognised as `w0`: the retried create is
            // refused as a duplicate name and the step fails, but no second workspace appears.
            failure(&outcome, 0);
        }
        let workspaces = fake.workspaces();
        assert_eq!(workspaces.len(), 1);
        assert_eq!(workspaces[0].deployment_name, "acme-w0");
    }
}

/// The ids of the objects a route's calls were about, in order.
fn objects_of(fake: &Fake, route: &str) -> Vec<String> {
    fake.calls_to(route)
        .into_iter()
        .map(|call| call.object)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_twin_a_concurrent_run_created_first_wins_and_ours_is_deleted() {
    let fake = Arc::new(Fake::new());
    fake.fault("POST /networks", Fault::TwinBefore, 1);
    let mut steps = Steps::default();
    let credentials = steps.credentials("main", &[]);
    let storage = steps.storage("root", &[]);
    let network = steps.network("main", ["subnet-a", "subnet-b"], &[]);
    let workspace = steps.workspace(
        "sales",
        ("main", "root", Some("main")),
        &[credentials, storage, network],
    );
    let (outcome, _) = run(&fake, &steps.plan(), Options::default()).await;

    let networks = fake.networks();
    assert_eq!(networks.len(), 1, "{networks:?}");
    let survivor = networks[0].network_id.clone();
    let completion = done(&outcome, network);
    assert_eq!(completion.completed, Completed::AdoptedFromConcurrentRun);
    assert_eq!(completion.id.as_deref(), Some(survivor.as_str()));
    // Our own network (made right after the twin) was the one deleted, and the workspace
    // was created on the survivor.
    let deleted = objects_of(&fake, "DELETE /networks/{id}");
    assert_eq!(deleted.len(), 1);
    assert_ne!(deleted[0], survivor);
    assert_eq!(done(&outcome, workspace).completed, Completed::Created);
    assert_eq!(
        fake.workspaces()[0].network_id.as_deref(),
        Some(survivor.as_str())
    );
}

#[tokio::test(start_paused = true)]
async fn a_twin_created_after_ours_is_left_to_the_run_that_made_it() {
    let fake = Arc::new(Fake::new());
    fake.fault("POST /networks", Fault::TwinAfter, 1);
    let mut steps = Steps::default();
    let network = steps.network("main", ["subnet-a", "subnet-b"], &[]);
    let (outcome, _) = run(&fake, &steps.plan(), Options::default()).await;

    let completion = done(&outcome, network);
    assert_eq!(completion.completed, Completed::Created);
    let networks = fake.networks();
    assert_eq!(networks.len(), 2);
    assert_eq!(
        completion.id.as_deref(),
        Some(networks[0].network_id.as_str())
    );
    // The younger twin is not ours to delete: its own run sees ours and deletes it.
    assert!(fake.calls_to("DELETE /networks/{id}").is_empty());
    assert_eq!(fake.calls_to("GET /networks").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn without_a_creation_time_the_first_listed_twin_wins() {
    let fake = Arc::new(Fake::new());
    fake.fault("POST /private-access-settings", Fault::TwinBefore, 1);
    let mut steps = Steps::default();
    let settings = steps.add(
        address(Kind::PrivateAccessSettings, "pl"),
        Operation::Create {
            request: CreateRequest::PrivateAccessSettings(PrivateAccessSettingsRequest {
                private_access_settings_name: "acme-pas".to_owned(),
                region: "us-west-2".to_owned(),
                public_access_enabled: Some(true),
                private_access_level: None,
                allowed_vpc_endpoint_ids: Vec::new(),
            }),
        },
        &[],
    );
    let (outcome, _) = run(&fake, &steps.plan(), Options::default()).await;

    let left = fake.private_access_settings();
    assert_eq!(left.len(), 1);
    let completion = done(&outcome, settings);
    assert_eq!(completion.completed, Completed::AdoptedFromConcurrentRun);
    assert_eq!(
        completion.id.as_deref(),
        Some(left[0].private_access_settings_id.as_str())
    );
}

#[tokio::test(start_paused = true)]
async fn an_unnamed_workspace_twin_is_deleted_and_the_survivor_waited_for() {
    let fake = Arc::new(Fake::new());
    fake.fault("POST /workspaces", Fault::TwinBefore, 1);
    let credentials = fake.seed_credential("main-creds", "arn:aws:iam::1:role/x");
    let mut steps = Steps::default();
    let workspace = steps.add(
        address(Kind::Workspace, "sales"),
        Operation::Create {
            request: CreateRequest::Workspace(CreateWorkspaceRequest {
                workspace_name: "sales".to_owned(),
                aws_region: "us-west-2".to_owned(),
                credentials_id: Some(credentials),
                ..CreateWorkspaceRequest::default()
            }),
        },
        &[],
    );
    let (outcome, _) = run(&fake, &steps.plan(), Options::default()).await;

    let completion = done(&outcome, workspace);
    assert_eq!(completion.completed, Completed::AdoptedFromConcurrentRun);
    assert_eq!(completion.workspace_status, Some(WorkspaceStatus::Running));
    let deleted = objects_of(&fake, "DELETE /workspaces/{id}");
    assert_eq!(deleted.len(), 1);
    assert_ne!(Some(deleted[0].as_str()), completion.id.as_deref());
    // Once our twin's teardown is over, one workspace is left: the survivor.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let left = fake.workspaces();
    assert_eq!(left.len(), 1);
    assert_eq!(
        Some(left[0].workspace_id.to_string()),
        completion.id.clone()
    );
}

#[tokio::test(start_paused = true)]
async fn a_create_refused_because_a_concurrent_run_holds_its_subnets_adopts_that_object() {
    let fake = Arc::new(Fake::new());
    fake.fault(
        "POST /networks",
        Fault::TwinThenRefuse {
            status: 400,
            code: "INVALID_PARAMETER_VALUE",
        },
        1,
    );
    let mut steps = Steps::default();
    let network = steps.network("main", ["subnet-a", "subnet-b"], &[]);
    let (outcome, _) = run(&fake, &steps.plan(), Options::default()).await;

    let completion = done(&outcome, network);
    assert_eq!(completion.completed, Completed::AdoptedFromConcurrentRun);
    let networks = fake.networks();
    assert_eq!(networks.len(), 1);
    assert_eq!(
        completion.id.as_deref(),
        Some(networks[0].network_id.as_str())
    );
    assert!(fake.calls_to("DELETE /networks/{id}").is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_refused_create_with_nothing_to_adopt_still_fails_with_the_servers_answer() {
    let fake = Arc::new(Fake::new());
    fake.fault(
        "POST /networks",
        Fault::Status {
            status: 400,
            code: "INVALID_PARAMETER_VALUE",
        },
        1,
    );
    let mut steps = Steps::default();
    let network = steps.network("main", ["subnet-a", "subnet-b"], &[]);
    let plan = steps.plan();
    let (outcome, _) = run(&fake, &plan, Options::default()).await;

    let error = failure(&outcome, network);
    assert!(
        error
            .chain()
            .contains("400 Bad Request: INVALID_PARAMETER_VALUE"),
        "{}",
        error.chain()
    );
    assert!(fake.networks().is_empty());
    // Throttling and authentication say nothing about the account: no list for those.
    let fake = Arc::new(Fake::new());
    fake.fault(
        "POST /networks",
        Fault::Status {
            status: 403,
            code: "PERMISSION_DENIED",
        },
        1,
    );
    let (outcome, _) = run(&fake, &plan, Options::default()).await;
    failure(&outcome, network);
    assert!(fake.calls_to("GET /networks").is_empty());
}

#[tokio::test(start_paused = true)]
async fn kinds_the_server_keeps_unique_are_not_listed_after_a_create() {
    let fake = Arc::new(Fake::new());
    let mut steps = Steps::default();
    let credentials = steps.credentials("main", &[]);
    let storage = steps.storage("root", &[]);
    steps.workspace("sales", ("main", "root", None), &[credentials, storage]);
    let (outcome, _) = run(&fake, &steps.plan(), Options::default()).await;
    assert!(outcome.succeeded());
    assert!(fake.calls_to("GET /credentials").is_empty());
    // Storage names are not unique on the server: one list to look for a twin.
    assert_eq!(fake.calls_to("GET /storage-configurations").len(), 1);
}

/// A credentials swap on a running workspace: create the new credentials, repoint the
/// workspace, delete the old ones. Returns the plan, the swap's PATCH step and the delete.
fn credentials_swap(fake: &Fake) -> (Plan, usize, usize) {
    let old = fake.seed_credential("old-creds", "arn:aws:iam::123456789012:role/old");
    let workspace_id = fake.seed_workspace(
        Workspace {
            workspace_name: "sales".to_owned(),
            deployment_name: "sales".to_owned(),
            credentials_id: Some(old.clone()),
            ..Workspace::default()
        },
        false,
    );
    let mut steps = Steps::default();
    let credentials = steps.credentials("new", &[]);
    let repoint = steps.add(
        address(Kind::Workspace, "sales"),
        Operation::UpdateWorkspace {
            workspace_id,
            request: UpdateWorkspaceRequest {
                credentials_id: Some(known_after_apply(&address(Kind::Credentials, "new"))),
                ..UpdateWorkspaceRequest::default()
            },
        },
        &[credentials],
    );
    let delete = steps.add(
        address(Kind::Credentials, "new"),
        Operation::Delete {
            kind: Kind::Credentials,
            id: old,
            name: "old-creds".to_owned(),
        },
        &[repoint],
    );
    (steps.plan(), repoint, delete)
}

#[tokio::test(start_paused = true)]
async fn a_repoint_whose_answer_is_lost_is_read_back_and_the_old_object_still_deleted() {
    let fake = Arc::new(Fake::new());
    let (plan, repoint, delete) = credentials_swap(&fake);
    fake.fault("PATCH /workspaces/{id}", Fault::CommitThenDrop, 1);
    let (outcome, _) = run(&fake, &plan, Options::default()).await;

    assert_eq!(done(&outcome, repoint).completed, Completed::Updated);
    assert_eq!(done(&outcome, delete).completed, Completed::Deleted);
    let credentials = fake.credentials();
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0].credentials_name, "new-creds");
    // One PATCH (the read-back showed it in effect), one read-back.
    assert_eq!(fake.calls_to("PATCH /workspaces/{id}").len(), 1);
    assert_eq!(fake.calls_to("GET /workspaces/{id}").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_repoint_refused_by_server_errors_is_sent_again_a_few_times() {
    let server_error = Fault::Status {
        status: 500,
        code: "INTERNAL_ERROR",
    };
    let fake = Arc::new(Fake::new());
    let (plan, repoint, delete) = credentials_swap(&fake);
    fake.fault("PATCH /workspaces/{id}", server_error.clone(), 2);
    let (outcome, events) = run(&fake, &plan, Options::default()).await;
    assert_eq!(done(&outcome, repoint).completed, Completed::Updated);
    assert_eq!(done(&outcome, delete).completed, Completed::Deleted);
    assert_eq!(fake.calls_to("PATCH /workspaces/{id}").len(), 3);
    let retries = events
        .iter()
        .filter(|event| {
            matches!(
                event,
                Event::StepProgress {
                    progress: Progress::Retrying { .. },
                    ..
                }
            )
        })
        .count();
    assert_eq!(retries, 2);

    // A server that keeps failing is given up on, and the old object is kept: it is in use.
    let fake = Arc::new(Fake::new());
    let (plan, repoint, _) = credentials_swap(&fake);
    fake.fault("PATCH /workspaces/{id}", server_error, 10);
    let (outcome, _) = run(&fake, &plan, Options::default()).await;
    assert!(
        failure(&outcome, repoint)
            .chain()
            .contains("500 Internal Server Error")
    );
    assert_eq!(fake.calls_to("PATCH /workspaces/{id}").len(), 5);
    assert_eq!(fake.credentials().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_delete_refused_by_server_errors_is_retried_a_few_times() {
    let server_error = Fault::Status {
        status: 500,
        code: "INTERNAL_ERROR",
    };
    let fake = Arc::new(Fake::new());
    let (plan, _, delete) = credentials_swap(&fake);
    fake.fault("DELETE /credentials/{id}", server_error.clone(), 3);
    let (outcome, _) = run(&fake, &plan, Options::default()).await;
    assert_eq!(done(&outcome, delete).completed, Completed::Deleted);
    assert_eq!(fake.credentials().len(), 1);

    let fake = Arc::new(Fake::new());
    let (plan, _, delete) = credentials_swap(&fake);
    fake.fault("DELETE /credentials/{id}", server_error, 10);
    let (outcome, _) = run(&fake, &plan, Options::default()).await;
    let error = failure(&outcome, delete);
    assert!(
        error
            .chain()
            .starts_with("cannot delete credential configuration"),
        "{}",
        error.chain()
    );
    assert_eq!(fake.calls_to("DELETE /credentials/{id}").len(), 5);
}

#[tokio::test(start_paused = true)]
async fn a_wait_outlives_a_few_failed_lists_but_not_many() {
    let server_error = Fault::Status {
        status: 500,
        code: "INTERNAL_ERROR",
    };
    let fake = Arc::new(Fake::new());
    let mut steps = Steps::default();
    let credentials = steps.credentials("main", &[]);
    let storage = steps.storage("root", &[]);
    let workspace = steps.workspace("sales", ("main", "root", None), &[credentials, storage]);
    let plan = steps.plan();
    // The storage step lists its collection once; the watcher's lists fail four times.
    fake.fault("GET /workspaces", server_error.clone(), 4);
    let (outcome, _) = run(&fake, &plan, Options::default()).await;
    assert_eq!(
        done(&outcome, workspace).workspace_status,
        Some(WorkspaceStatus::Running)
    );

    let fake = Arc::new(Fake::new());
    fake.fault("GET /workspaces", server_error, 50);
    let (outcome, _) = run(&fake, &plan, Options::default()).await;
    let error = failure(&outcome, workspace);
    assert!(
        error.to_string().starts_with("cannot watch workspace "),
        "{error}"
    );
    assert_eq!(fake.workspaces().len(), 1, "the workspace is kept");
}
