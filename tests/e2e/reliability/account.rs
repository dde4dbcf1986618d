//! The account every reliability case starts from, and the invariants every case ends with.
//!
//! - The specs: the seed flow (credentials, storage, one key for both use cases, VPC
//!   endpoints, a network using them, private access settings, a workspace), a day-two change
//!   of it (renamed credentials, new tags, changed access settings, an endpoint removed) and
//!   a replacement (the workspace's pricing tier, which the API cannot change in place).
//! - Pre-seeded objects that no spec names: one of every kind, a `RUNNING` workspace among
//!   them. A reliability bug that touches what it should not shows up on them.
//! - [`Template`]: an emulator state (a SQLite file) prepared once and copied for every case,
//!   so that hundreds of cases do not each pay for seeding and a first apply.
//! - [`Expect::check`]: the invariants, asserted after every case by this one function.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use brickform_tests::{Run, TestContext};
use serde_json::{Value, json};

/// The seven collections, by their path segment.
pub(super) const COLLECTIONS: [&str; 7] = [
    "credentials",
    "storage-configurations",
    "customer-managed-keys",
    "vpc-endpoints",
    "networks",
    "private-access-settings",
    "workspaces",
];

/// The seed flow, plus a spare VPC endpoint that the change removes.
pub(super) const SEED: &str = r#"
version: 1
credentials:
  main:
    name: rel-credentials
    role_arn: arn:aws:iam::123456789012:role/rel-databricks
storage_configurations:
  root:
    name: rel-root-storage
    bucket_name: rel-dbfs-root
customer_managed_keys:
  kms:
    key_arn: arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-123456789012
    key_alias: alias/rel
    use_cases: [MANAGED_SERVICES, STORAGE]
vpc_endpoints:
  rest:
    name: rel-rest-api
    aws_vpc_endpoint_id: vpce-0aaa1111bbbb2222c
    region: us-west-2
  relay:
    name: rel-relay
    aws_vpc_endpoint_id: vpce-0bbb3333cccc4444d
    region: us-west-2
  spare:
    name: rel-spare
    aws_vpc_endpoint_id: vpce-0ccc5555dddd6666e
    region: us-west-2
networks:
  main:
    name: rel-network
    vpc_id: vpc-0a1b2c3d4e5f60002
    subnet_ids: [subnet-0a1b2c3d4e5f60031, subnet-0a1b2c3d4e5f60032]
    security_group_ids: [sg-0a1b2c3d4e5f60041]
    vpc_endpoints:
      rest_api: [rest]
      dataplane_relay: [relay]
private_access_settings:
  pl:
    name: rel-access
    region: us-west-2
    public_access_enabled: false
    private_access_level: ENDPOINT
    allowed_vpc_endpoints: [rest]
workspaces:
  sales:
    workspace_name: rel-sales
    deployment_name: rel-sales
    aws_region: us-west-2
    credentials: main
    storage_configuration: root
    network: main
    managed_services_key: kms
    storage_key: kms
    private_access_settings: pl
    pricing_tier: ENTERPRISE
    custom_tags: { Env: Prod }
    lifecycle: { prevent_destroy: false }
"#;

/// What every spec here names, per collection, when applied.
pub(super) const SEED_NAMES: [(&str, usize); 7] = [
    ("credentials", 1),
    ("storage-configurations", 1),
    ("customer-managed-keys", 1),
    ("vpc-endpoints", 3),
    ("networks", 1),
    ("private-access-settings", 1),
    ("workspaces", 1),
];

/// After the change, the spare endpoint is gone.
pub(super) const CHANGED_NAMES: [(&str, usize); 7] = [
    ("credentials", 1),
    ("storage-configurations", 1),
    ("customer-managed-keys", 1),
    ("vpc-endpoints", 2),
    ("networks", 1),
    ("private-access-settings", 1),
    ("workspaces", 1),
];

/// The seed flow on day two: credentials renamed (create, repoint, delete the old ones), a
/// tag added (the same PATCH), public access opened (a PUT) and the spare endpoint removed.
pub(super) fn changed() -> String {
    SEED.replace("name: rel-credentials", "name: rel-credentials-v2")
        .replace("{ Env: Prod }", "{ Env: Prod, Team: Data }")
        .replace(
            "public_access_enabled: false",
            "public_access_enabled: true",
        )
        .replace(
            "    name: rel-spare\n",
            "    name: rel-spare\n    ensure: absent\n",
        )
}

/// The seed flow with the workspace replaced (a new pricing tier) and its credentials
/// renamed: deletes and creates of a workspace, with the network passed from old to new.
pub(super) fn replaced() -> String {
    SEED.replace("pricing_tier: ENTERPRISE", "pricing_tier: PREMIUM")
        .replace("name: rel-credentials", "name: rel-credentials-v2")
}

/// Arguments that let a replacement of the seed's workspace through.
pub(super) const ALLOW_REPLACING: [&str; 2] = ["--allow-destroy", "workspaces.sales"];

/// Emulator delays for the cases: short, so that hundreds of applies fit in the budget, yet
/// long enough that a wait is a real wait (the applier polls every 250 ms at first).
pub(super) fn quick(config: &mut emulator::Config) {
    config.provisioning_delay = Duration::from_millis(100);
    config.teardown_delay = Duration::from_millis(100);
}

/// The objects that no spec names, as they were when the template was made: id to JSON, per
/// collection.
#[derive(Debug, Clone, Default)]
pub(super) struct Preseeded(BTreeMap<&'static str, BTreeMap<String, Value>>);

impl Preseeded {
    fn count(&self, collection: &str) -> usize {
        self.0.get(collection).map_or(0, BTreeMap::len)
    }
}

/// Creates one unrelated object of every kind, the workspace `RUNNING`, and fingerprints
/// them.
fn preseed(context: &TestContext) -> Preseeded {
    let create = |collection: &str, body: Value| -> Value {
        let path = format!("/api/2.0/accounts/{{account}}/{collection}");
        let (status, created) = context.request("POST", &path, Some(body));
        assert_eq!(status, 200, "pre-seeding {collection}: {created}");
        created
    };
    let credentials = create(
        "credentials",
        json!({"credentials_name": "other-team-credentials",
               "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/other-team"}}}),
    );
    let storage = create(
        "storage-configurations",
        json!({"storage_configuration_name": "other-team-root",
               "root_bucket_info": {"bucket_name": "other-team-bucket"}}),
    );
    create(
        "customer-managed-keys",
        json!({"use_cases": ["STORAGE"],
               "aws_key_info": {"key_arn": "arn:aws:kms:us-west-2:123456789012:key/99999999-aaaa-bbbb-cccc-dddddddddddd"}}),
    );
    create(
        "vpc-endpoints",
        json!({"vpc_endpoint_name": "other-team-endpoint",
               "aws_vpc_endpoint_id": "vpce-0fff0000eeee1111a", "region": "us-west-2"}),
    );
    let network = create(
        "networks",
        json!({"network_name": "other-team-network", "vpc_id": "vpc-0fff00000000000a1",
               "subnet_ids": ["subnet-0fff000000000001", "subnet-0fff000000000002"],
               "security_group_ids": ["sg-0fff000000000001"]}),
    );
    create(
        "private-access-settings",
        json!({"private_access_settings_name": "other-team-access", "region": "us-west-2"}),
    );
    create(
        "workspaces",
        json!({"workspace_name": "other-team", "deployment_name": "other-team",
               "aws_region": "us-west-2",
               "credentials_id": credentials["credentials_id"],
               "storage_configuration_id": storage["storage_configuration_id"],
               "network_id": network["network_id"]}),
    );
    wait_until(context, "the pre-seeded workspace to run", |context| {
        context
            .list("workspaces")
            .iter()
            .all(|workspace| workspace["workspace_status"] == "RUNNING")
    });
    let mut preseeded = Preseeded::default();
    for collection in COLLECTIONS {
        let objects = context
            .list(collection)
            .into_iter()
            .map(|object| (object_id(collection, &object), object))
            .collect();
        preseeded.0.insert(collection, objects);
    }
    preseeded
}

/// Polls until `done` holds, for at most 30 s.
pub(super) fn wait_until(
    context: &TestContext,
    what: &str,
    mut done: impl FnMut(&TestContext) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(context) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The id field of a collection's objects, also the name of the id in its route templates.
fn id_field(collection: &str) -> &'static str {
    match collection {
        "credentials" => "credentials_id",
        "storage-configurations" => "storage_configuration_id",
        "customer-managed-keys" => "customer_managed_key_id",
        "vpc-endpoints" => "vpc_endpoint_id",
        "networks" => "network_id",
        "private-access-settings" => "private_access_settings_id",
        _ => "workspace_id",
    }
}

/// The id of a listed object, as it appears in paths.
pub(super) fn object_id(collection: &str, object: &Value) -> String {
    match &object[id_field(collection)] {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    }
}

/// An emulator state prepared once (pre-seeded, and maybe a spec applied), copied for every
/// case.
pub(super) struct Template {
    directory: tempfile::TempDir,
    pub(super) preseeded: Preseeded,
}

/// The SQLite file and, in WAL mode, its companions.
const STATE_FILES: [&str; 3] = ["account.db", "account.db-wal", "account.db-shm"];

impl Template {
    /// Pre-seeds an account and, if given, applies `spec` to it.
    pub(super) fn new(applied: Option<&str>) -> Template {
        let directory = tempfile::tempdir().expect("creating the template directory");
        let path = directory.path().join(STATE_FILES[0]);
        let context = TestContext::with_config(|config| {
            quick(config);
            config.state = emulator::StateLocation::File(path);
        });
        let preseeded = preseed(&context);
        if let Some(spec) = applied {
            let spec = context.write("spec.yaml", spec);
            context
                .run(["apply", &spec.display().to_string(), "--auto-approve"])
                .success();
        }
        // Dropping the context stops the emulator and closes the database.
        drop(context);
        Template {
            directory,
            preseeded,
        }
    }

    /// A fresh emulator on a copy of the template's state.
    pub(super) fn start(&self, configure: impl FnOnce(&mut emulator::Config)) -> Account {
        let state = tempfile::tempdir().expect("creating a state directory");
        for name in STATE_FILES {
            let from = self.directory.path().join(name);
            if from.exists() {
                std::fs::copy(&from, state.path().join(name)).expect("copying the template");
            }
        }
        let path = state.path().join(STATE_FILES[0]);
        let context = TestContext::with_config(|config| {
            quick(config);
            configure(config);
            config.state = emulator::StateLocation::File(path);
        });
        Account {
            context,
            _state: state,
        }
    }
}

/// A case's emulator and the directory of its state file (removed after the emulator stops:
/// fields drop in order).
pub(super) struct Account {
    pub(super) context: TestContext,
    _state: tempfile::TempDir,
}

impl std::ops::Deref for Account {
    type Target = TestContext;

    fn deref(&self) -> &TestContext {
        &self.context
    }
}

impl Account {
    /// `brickform apply SPEC --auto-approve EXTRA...`.
    pub(super) fn apply(&self, spec: &Path, extra: &[&str]) -> Run {
        let mut args = vec![
            "apply".to_owned(),
            spec.display().to_string(),
            "--auto-approve".to_owned(),
        ];
        args.extend(extra.iter().map(|arg| (*arg).to_owned()));
        self.run(args)
    }

    /// The workspaces that are not being deleted, by id, with their status.
    pub(super) fn workspaces(&self) -> BTreeMap<i64, String> {
        self.list("workspaces")
            .iter()
            .map(|workspace| {
                (
                    workspace["workspace_id"].as_i64().unwrap_or_default(),
                    workspace["workspace_status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect()
    }

    /// The emulator's request log as (route, status).
    pub(super) fn request_log(&self) -> Vec<(String, u64)> {
        let (status, body) = self.request("GET", "/__emulator/requests", None);
        assert_eq!(status, 200, "{body}");
        body.as_array()
            .map(|records| {
                records
                    .iter()
                    .map(|record| {
                        (
                            record["route"].as_str().unwrap_or_default().to_owned(),
                            record["status"].as_u64().unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Answers that were failures the emulator was told to give: injected statuses, the
    /// rate limit's 429s and dropped connections.
    pub(super) fn injected_answers(&self) -> usize {
        self.request_log()
            .iter()
            .filter(|(_, status)| matches!(status, 0 | 429 | 500 | 502 | 503 | 504))
            .count()
    }
}

/// A run of the binary that may fail but must not crash: exit 0 or 1, no panic.
pub(super) fn no_crash(what: &str, run: &Run) -> Result<(), String> {
    if matches!(run.code, Some(0 | 1)) && !run.stderr.contains("panicked") {
        return Ok(());
    }
    Err(format!(
        "{what} crashed (exit {:?})\n--- stdout\n{}\n--- stderr\n{}",
        run.code, run.stdout, run.stderr
    ))
}

/// A run of the binary that must succeed.
pub(super) fn succeeded(what: &str, run: &Run) -> Result<(), String> {
    if run.code == Some(0) {
        return Ok(());
    }
    Err(format!(
        "{what} exited {:?}\n--- stdout\n{}\n--- stderr\n{}",
        run.code, run.stdout, run.stderr
    ))
}

/// Which workspace deletes a case allows.
pub(super) enum WorkspaceDeletes<'a> {
    /// The plan deletes no workspace: not one `DELETE /workspaces/...` may be sent.
    None,
    /// The plan deletes these (a replacement).
    Planned(&'a BTreeSet<i64>),
    /// Concurrent runs delete the twin workspaces they created themselves: only workspaces
    /// that existed before must all be kept.
    OwnTwins,
}

/// What a case must leave behind.
pub(super) struct Expect<'a> {
    /// The spec that was applied last.
    pub(super) spec: &'a Path,
    /// How many objects the spec names, per collection.
    pub(super) named: &'a [(&'static str, usize)],
    pub(super) preseeded: &'a Preseeded,
    /// Which workspaces may be deleted.
    pub(super) workspace_deletes: WorkspaceDeletes<'a>,
    /// Every workspace id seen at any point of the case.
    pub(super) seen_workspaces: &'a BTreeSet<i64>,
    /// Objects the plan deletes that may be left behind by a run killed before it deleted
    /// them: after a repoint or a replacement nothing in the account says they were the
    /// spec's, so no later plan can find them (the price of having no state file). They must
    /// then be used by no workspace; the check counts them.
    pub(super) previous_objects: &'a BTreeSet<(String, String)>,
}

impl Expect<'_> {
    /// The invariants: the account matches the spec (a fresh `plan --detailed-exitcode`
    /// exits 0); no collection holds more objects than the spec names plus the pre-seeded
    /// ones; the pre-seeded objects are exactly as they were; no workspace is gone that the
    /// plan did not say to delete. Every violation is reported, not just the first.
    ///
    /// Returns how many of the plan's previous objects were left behind.
    pub(super) fn check(&self, account: &Account) -> Result<usize, String> {
        let mut violations = Vec::new();
        let mut left_behind = 0;
        let live_workspaces = account.list("workspaces");
        let plan = account.run([
            "plan",
            &self.spec.display().to_string(),
            "--detailed-exitcode",
        ]);
        if plan.code != Some(0) {
            violations.push(format!(
                "a fresh plan is not empty (exit {:?})\n--- stdout\n{}\n--- stderr\n{}",
                plan.code, plan.stdout, plan.stderr
            ));
        }
        for (collection, named) in self.named {
            let mut listed: Vec<Value> = account
                .list(collection)
                .into_iter()
                .filter(|object| object["workspace_status"] != "CANCELLING")
                .collect();
            listed.retain(|object| {
                let id = object_id(collection, object);
                if !self
                    .previous_objects
                    .contains(&((*collection).to_owned(), id.clone()))
                {
                    return true;
                }
                left_behind += 1;
                let users: Vec<i64> = live_workspaces
                    .iter()
                    .filter(|workspace| workspace.to_string().contains(&format!("\"{id}\"")))
                    .filter_map(|workspace| workspace["workspace_id"].as_i64())
                    .collect();
                if !users.is_empty() {
                    violations.push(format!(
                        "{collection} {id}, which the plan deleted, is still used by workspaces {users:?}"
                    ));
                }
                false
            });
            let allowed = named + self.preseeded.count(collection);
            if listed.len() != allowed {
                violations.push(format!(
                    "{collection}: {} objects, expected {named} named by the spec and {} pre-seeded: {}",
                    listed.len(),
                    self.preseeded.count(collection),
                    Value::Array(listed)
                ));
            }
            let live: BTreeMap<String, Value> = account
                .list(collection)
                .into_iter()
                .map(|object| (object_id(collection, &object), object))
                .collect();
            for (id, before) in self.preseeded.0.get(collection).into_iter().flatten() {
                match live.get(id) {
                    None => violations.push(format!("pre-seeded {collection} {id} was deleted")),
                    Some(now) if now != before => violations.push(format!(
                        "pre-seeded {collection} {id} was changed: {before} became {now}"
                    )),
                    Some(_) => {}
                }
            }
        }
        let workspaces = account.workspaces();
        for id in self.seen_workspaces {
            if let WorkspaceDeletes::Planned(planned) = self.workspace_deletes
                && planned.contains(id)
            {
                continue;
            }
            match workspaces.get(id).map(String::as_str) {
                None => violations.push(format!(
                    "workspace {id} was deleted, and the plan did not say to"
                )),
                Some("CANCELLING") => violations.push(format!(
                    "workspace {id} is being deleted, and the plan did not say to"
                )),
                Some(_) => {}
            }
        }
        if matches!(self.workspace_deletes, WorkspaceDeletes::None) {
            let deletes = account
                .request_log()
                .iter()
                .filter(|(route, _)| route == "DELETE /workspaces/{workspace_id}")
                .count();
            if deletes > 0 {
                violations.push(format!(
                    "{deletes} workspace deletes were sent, and the plan deletes no workspace"
                ));
            }
        }
        if violations.is_empty() {
            Ok(left_behind)
        } else {
            Err(violations.join("\n"))
        }
    }
}

/// The Account API route a plan step sends first, as the emulator's faults name it, for
/// every step of `plan` (its JSON form), in order.
pub(super) fn step_routes(plan: &Value) -> Vec<String> {
    plan["steps"]
        .as_array()
        .expect("a plan has steps")
        .iter()
        .map(|step| {
            let operation = &step["operation"];
            match operation["op"].as_str().unwrap_or_default() {
                "create" => format!(
                    "POST /{}",
                    collection_of(operation["request"]["kind"].as_str().unwrap_or_default())
                ),
                "delete" => {
                    let collection = collection_of(operation["kind"].as_str().unwrap_or_default());
                    format!("DELETE /{collection}/{{{}}}", id_field(collection))
                }
                "update_workspace" => "PATCH /workspaces/{workspace_id}".to_owned(),
                "replace_private_access_settings" => {
                    "PUT /private-access-settings/{private_access_settings_id}".to_owned()
                }
                other => panic!("no route for a step of kind `{other}`: {step}"),
            }
        })
        .collect()
}

/// A plan's kind name (`credentials`, `storage_configuration`, `workspaces`...) as a
/// collection path segment.
fn collection_of(kind: &str) -> &'static str {
    let singular = kind.trim_end_matches('s');
    COLLECTIONS
        .into_iter()
        .find(|collection| collection.trim_end_matches('s').replace('-', "_") == singular)
        .unwrap_or_else(|| panic!("unknown kind `{kind}`"))
}

/// The saved plan of `spec` against `account`, as JSON.
pub(super) fn plan_json(account: &Account, spec: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "plan".to_owned(),
        spec.display().to_string(),
        "--format".to_owned(),
        "json".to_owned(),
    ];
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    let run = account.run(args);
    run.success();
    serde_json::from_str(&run.stdout).expect("the JSON plan parses")
}

/// The objects `plan` deletes, as (collection, id).
pub(super) fn planned_deletes(plan: &Value) -> BTreeSet<(String, String)> {
    plan["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|step| step["operation"]["op"] == "delete")
        .map(|step| {
            let operation = &step["operation"];
            let collection = collection_of(operation["kind"].as_str().unwrap_or_default());
            let id = match &operation["id"] {
                Value::String(id) => id.clone(),
                other => other.to_string(),
            };
            (collection.to_owned(), id)
        })
        .collect()
}

/// The ids of the workspaces `plan` deletes (replacements and recreations included).
pub(super) fn planned_workspace_deletes(plan: &Value) -> BTreeSet<i64> {
    planned_deletes(plan)
        .into_iter()
        .filter(|(collection, _)| collection == "workspaces")
        .filter_map(|(_, id)| id.parse().ok())
        .collect()
}

/// Runs `cases` on `workers` threads, each case on its own emulator, and returns the
/// failures with the case that failed.
pub(super) fn run_parallel<C: Sync, T: Send>(
    cases: &[C],
    workers: usize,
    run_case: impl Fn(&C) -> T + Sync,
) -> Vec<T> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::with_capacity(cases.len()));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(case) = cases.get(index) else {
                        return;
                    };
                    let result = run_case(case);
                    results.lock().unwrap().push((index, result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// How many cases run side by side: waits dominate a case, so more than the two cores.
pub(super) const WORKERS: usize = 3;
