//! `brickform apply` and `brickform destroy` end to end: the binary against the emulator,
//! with the emulator's request log as the witness of what was called, in which order, and
//! what overlapped.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use brickform_tests::{Run, TestContext};
use serde_json::{Value, json};

/// Every resource kind of the seed: credentials, storage, keys, VPC endpoints, network,
/// private access settings, workspace.
const SEED: &str = r#"
version: 1
credentials:
  main:
    name: seed-credentials
    role_arn: arn:aws:iam::123456789012:role/seed-databricks
storage_configurations:
  root:
    name: seed-root-storage
    bucket_name: seed-dbfs-root
customer_managed_keys:
  kms:
    key_arn: arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    key_alias: alias/seed
    use_cases: [MANAGED_SERVICES, STORAGE]
vpc_endpoints:
  rest:
    name: seed-rest-api
    aws_vpc_endpoint_id: vpce-0aaa1111bbbb2222c
    region: us-west-2
  relay:
    name: seed-relay
    aws_vpc_endpoint_id: vpce-0bbb3333cccc4444d
    region: us-west-2
networks:
  main:
    name: seed-network
    vpc_id: vpc-0a1b2c3d4e5f60002
    subnet_ids: [subnet-0a1b2c3d4e5f60031, subnet-0a1b2c3d4e5f60032]
    security_group_ids: [sg-0a1b2c3d4e5f60041]
    vpc_endpoints:
      rest_api: [rest]
      dataplane_relay: [relay]
private_access_settings:
  pl:
    name: seed-access
    region: us-west-2
    public_access_enabled: false
    private_access_level: ENDPOINT
    allowed_vpc_endpoints: [rest]
workspaces:
  sales:
    workspace_name: seed-sales
    deployment_name: seed-sales
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

/// The seed's minimum: credentials, storage and a workspace in a Databricks-managed VPC.
fn quickstart(credentials_name: &str, tags: &str) -> String {
    format!(
        r#"
version: 1
credentials:
  main:
    name: {credentials_name}
    role_arn: arn:aws:iam::123456789012:role/quickstart
storage_configurations:
  root:
    name: quickstart-root
    bucket_name: quickstart-dbfs-root
workspaces:
  analytics:
    workspace_name: quickstart-analytics
    deployment_name: quickstart-analytics
    aws_region: us-west-2
    credentials: main
    storage_configuration: root
    custom_tags: {tags}
"#
    )
}

/// A workspace in a customer-managed VPC whose network is named `network_name` and uses
/// `subnets`.
fn in_vpc(network_name: &str, subnets: [&str; 2], security_group: &str) -> String {
    format!(
        r#"
version: 1
credentials:
  main:
    name: vpc-credentials
    role_arn: arn:aws:iam::123456789012:role/vpc
storage_configurations:
  root:
    name: vpc-root
    bucket_name: vpc-dbfs-root
networks:
  main:
    name: {network_name}
    vpc_id: vpc-0a1b2c3d4e5f60001
    subnet_ids: [{}, {}]
    security_group_ids: [{security_group}]
workspaces:
  engineering:
    workspace_name: vpc-engineering
    deployment_name: vpc-engineering
    aws_region: us-west-2
    credentials: main
    storage_configuration: root
    network: main
"#,
        subnets[0], subnets[1]
    )
}

/// One Account API request as the emulator logged it.
#[derive(Debug, Clone)]
struct Request {
    route: String,
    status: u64,
    start: f64,
    end: f64,
}

fn requests(context: &TestContext) -> Vec<Request> {
    let (status, body) = context.request("GET", "/__emulator/requests", None);
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|record| Request {
            route: record["route"].as_str().unwrap().to_owned(),
            status: record["status"].as_u64().unwrap(),
            start: record["start_ms"].as_f64().unwrap(),
            end: record["end_ms"].as_f64().unwrap(),
        })
        .collect()
}

/// The requests that change something, in arrival order, as `METHOD /collection`.
fn mutations(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .filter(|request| !request.route.starts_with("GET "))
        .map(|request| {
            let mut parts = request.route.splitn(3, '/');
            let method = parts.next().unwrap_or_default().trim();
            let collection = parts.next().unwrap_or_default();
            format!("{method} /{collection}")
        })
        .collect()
}

fn of<'a>(requests: &'a [Request], route_prefix: &str) -> Vec<&'a Request> {
    requests
        .iter()
        .filter(|request| request.route.starts_with(route_prefix))
        .collect()
}

fn apply(context: &TestContext, spec: &std::path::Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "apply".to_owned(),
        spec.display().to_string(),
        "--auto-approve".to_owned(),
    ];
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    context.run(args)
}

fn workspace(context: &TestContext) -> Value {
    let workspaces = context.list("workspaces");
    assert_eq!(workspaces.len(), 1, "{workspaces:?}");
    workspaces[0].clone()
}

#[test]
fn the_seed_flow_creates_everything_in_dependency_order_and_then_has_nothing_to_do() {
    let context = TestContext::new();
    let spec = context.write("seed.yaml", SEED);
    let run = apply(&context, &spec, &[]);
    run.success();
    assert!(
        run.stdout.contains("applied; the account matches the spec"),
        "{}",
        run.stdout
    );
    let live = workspace(&context);
    assert_eq!(live["workspace_status"], "RUNNING");
    let row = format!(
        "workspaces.sales  {}  RUNNING       https://seed-sales.cloud.databricks.com",
        live["workspace_id"]
    );
    assert!(run.stdout.contains(&row), "{}", run.stdout);

    let log = requests(&context);
    let ended = |prefix: &str| of(&log, prefix).iter().map(|r| r.end).fold(0.0, f64::max);
    let started = |prefix: &str| of(&log, prefix)[0].start;
    // Endpoints before the network and the access settings that list them; everything
    // before the workspace.
    assert!(started("POST /networks") >= ended("POST /vpc-endpoints"));
    assert!(started("POST /private-access-settings") >= ended("POST /vpc-endpoints"));
    for prefix in [
        "POST /credentials",
        "POST /storage-configurations",
        "POST /customer-managed-keys",
        "POST /networks",
        "POST /private-access-settings",
    ] {
        assert_eq!(of(&log, prefix).len(), 1, "{prefix}");
        assert!(started("POST /workspaces") >= ended(prefix), "{prefix}");
    }
    assert_eq!(of(&log, "POST /vpc-endpoints").len(), 2);
    // The wait is one shared list, never a GET per workspace.
    assert!(of(&log, "GET /workspaces/").is_empty());

    let plan = context.run(["plan", &spec.display().to_string(), "--detailed-exitcode"]);
    plan.success();
    let again = apply(&context, &spec, &[]);
    again.success();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
    assert_eq!(mutations(&requests(&context)).len(), mutations(&log).len());
}

#[test]
fn independent_creates_overlap_in_the_request_log() {
    let context = TestContext::new();
    context.set_scenario(json!({"latency_ms": 100}));
    let spec = context.write("seed.yaml", SEED);
    apply(&context, &spec, &[]).success();
    let log = requests(&context);
    // Credentials, storage, key and both endpoints depend on nothing: they were in flight
    // together.
    let independent: Vec<&Request> = log
        .iter()
        .filter(|request| {
            [
                "POST /credentials",
                "POST /storage-configurations",
                "POST /customer-managed-keys",
                "POST /vpc-endpoints",
            ]
            .contains(&request.route.as_str())
        })
        .collect();
    assert_eq!(independent.len(), 5);
    let latest_start = independent.iter().map(|r| r.start).fold(0.0, f64::max);
    let earliest_end = independent
        .iter()
        .map(|r| r.end)
        .fold(f64::INFINITY, f64::min);
    assert!(
        latest_start < earliest_end,
        "the five independent creates did not overlap: {independent:?}"
    );
}

#[test]
fn changed_tags_are_updated_in_place() {
    let context = TestContext::new();
    let spec = context.write("spec.yaml", &quickstart("quickstart-creds", "{ Env: Dev }"));
    apply(&context, &spec, &[]).success();
    let before = workspace(&context);
    let created = mutations(&requests(&context)).len();

    context.write(
        "spec.yaml",
        &quickstart("quickstart-creds", "{ Env: Prod, Team: Data }"),
    );
    let run = apply(&context, &spec, &[]);
    run.success();
    let after = workspace(&context);
    assert_eq!(after["workspace_id"], before["workspace_id"]);
    assert_eq!(after["custom_tags"], json!({"Env": "Prod", "Team": "Data"}));
    assert_eq!(
        mutations(&requests(&context))[created..],
        ["PATCH /workspaces"]
    );
}

#[test]
fn renamed_credentials_are_swapped_as_create_then_patch_then_delete() {
    let context = TestContext::new();
    let spec = context.write("spec.yaml", &quickstart("creds-v1", "{ Env: Dev }"));
    apply(&context, &spec, &[]).success();
    let old = context.list("credentials")[0]["credentials_id"].clone();
    let created = mutations(&requests(&context)).len();

    context.write("spec.yaml", &quickstart("creds-v2", "{ Env: Dev }"));
    apply(&context, &spec, &[]).success();
    assert_eq!(
        mutations(&requests(&context))[created..],
        [
            "POST /credentials",
            "PATCH /workspaces",
            "DELETE /credentials"
        ]
    );
    let credentials = context.list("credentials");
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0]["credentials_name"], "creds-v2");
    assert_ne!(credentials[0]["credentials_id"], old);
    assert_eq!(
        workspace(&context)["credentials_id"],
        credentials[0]["credentials_id"]
    );
}

#[test]
fn a_failed_workspace_is_diagnosed_kept_and_then_redeployed_onto_a_fixed_network() {
    let context = TestContext::new();
    context.set_scenario(json!({"broken": {"subnets": ["subnet-0bad0000000000001"]}}));
    let spec = context.write(
        "spec.yaml",
        &in_vpc(
            "vpc-network",
            ["subnet-0aaa0000000000001", "subnet-0bad0000000000001"],
            "sg-0aaa0000000000001",
        ),
    );
    let failed = apply(&context, &spec, &[]);
    failed.expect_code(1);
    // The status message and every network error, as the seed's troubleshooting asks.
    assert!(
        failed
            .stderr
            .contains("is FAILED: Workspace failed to provision"),
        "{}",
        failed.stderr
    );
    assert!(
        failed
            .stderr
            .contains("error (subnet): subnet subnet-0bad0000000000001 failed network validation"),
        "{}",
        failed.stderr
    );
    assert!(failed.stdout.contains("Apply failed"), "{}", failed.stdout);
    let broken = workspace(&context);
    assert_eq!(broken["workspace_status"], "FAILED");
    assert!(
        mutations(&requests(&context))
            .iter()
            .all(|m| !m.starts_with("DELETE"))
    );

    // A new network on good subnets: the failed workspace is PATCHed onto it, not recreated.
    context.write(
        "spec.yaml",
        &in_vpc(
            "vpc-network-fixed",
            ["subnet-0ccc0000000000001", "subnet-0ccc0000000000002"],
            "sg-0ccc0000000000001",
        ),
    );
    let redeployed = apply(&context, &spec, &[]);
    redeployed.success();
    let fixed = workspace(&context);
    assert_eq!(fixed["workspace_id"], broken["workspace_id"]);
    assert_eq!(fixed["workspace_status"], "RUNNING");
    let networks = context.list("networks");
    let network = networks
        .iter()
        .find(|network| network["network_id"] == fixed["network_id"])
        .unwrap();
    assert_eq!(network["network_name"], "vpc-network-fixed");
    assert!(of(&requests(&context), "POST /workspaces").len() == 1);
}

#[test]
fn recreate_failed_deletes_and_recreates_the_workspace_and_its_broken_network() {
    let context = TestContext::new();
    context.set_scenario(json!({"broken": {"security_groups": ["sg-0bad0000000000001"]}}));
    let spec = context.write(
        "spec.yaml",
        &in_vpc(
            "vpc-network",
            ["subnet-0aaa0000000000001", "subnet-0aaa0000000000002"],
            "sg-0bad0000000000001",
        ),
    );
    apply(&context, &spec, &[]).expect_code(1);
    let failed = workspace(&context);
    let before = mutations(&requests(&context)).len();

    // The security group was fixed on the AWS side; the configuration stays the same.
    context.set_scenario(json!({}));
    let run = apply(&context, &spec, &["--recreate-failed"]);
    run.success();
    let recreated = workspace(&context);
    assert_ne!(recreated["workspace_id"], failed["workspace_id"]);
    assert_eq!(recreated["workspace_status"], "RUNNING");
    assert_eq!(
        mutations(&requests(&context))[before..],
        [
            "DELETE /workspaces",
            "DELETE /networks",
            "POST /networks",
            "POST /workspaces"
        ]
    );
    assert_eq!(context.list("networks").len(), 1);
}

#[test]
fn a_lost_create_answer_is_adopted_without_a_duplicate() {
    let context = TestContext::new();
    context.set_scenario(json!({"faults": [
        {"route": "POST /workspaces", "status": 0, "after_commit": true},
        {"route": "POST /credentials", "status": 503, "after_commit": true}
    ]}));
    let spec = context.write("spec.yaml", &quickstart("lost-creds", "{ Env: Dev }"));
    let run = apply(&context, &spec, &["--format", "json"]);
    run.success();
    assert_eq!(context.list("workspaces").len(), 1);
    assert_eq!(context.list("credentials").len(), 1);
    let adopted: Vec<String> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|event| event["completed"] == "adopted_after_lost_answer")
        .map(|event| event["address"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(adopted, ["credentials.main", "workspaces.analytics"]);
    assert_eq!(of(&requests(&context), "POST /workspaces").len(), 1);
}

#[test]
fn destroy_deletes_in_reverse_dependency_order_retrying_an_object_in_use() {
    let context = TestContext::new();
    let spec = context.write("seed.yaml", SEED);
    apply(&context, &spec, &[]).success();
    let before = requests(&context).len();
    // The credentials are reported in use twice more, as while a workspace tears down.
    context.set_scenario(json!({"faults": [
        {"route": "DELETE /credentials/{credentials_id}", "status": 409, "times": 2}
    ]}));
    let run = context.run([
        "destroy",
        &spec.display().to_string(),
        "--allow-destroy",
        "workspaces.sales",
        "--auto-approve",
    ]);
    run.success();
    assert!(
        run.stdout
            .contains("destroyed; none of the spec's resources remain"),
        "{}",
        run.stdout
    );
    for collection in [
        "workspaces",
        "private-access-settings",
        "networks",
        "vpc-endpoints",
        "customer-managed-keys",
        "storage-configurations",
        "credentials",
    ] {
        assert!(context.list(collection).is_empty(), "{collection} remain");
    }
    let log: Vec<Request> = requests(&context).split_off(before);
    let deleted = |prefix: &str| {
        let requests = of(&log, prefix);
        assert!(!requests.is_empty(), "no {prefix}");
        (
            requests[0].start,
            requests.iter().map(|r| r.end).fold(0.0, f64::max),
        )
    };
    let (_, workspace_deleted) = deleted("DELETE /workspaces");
    // The workspace went first and was gone (the watcher saw it leave) before anything it
    // used was deleted; endpoints went after the network and the access settings.
    for prefix in [
        "DELETE /private-access-settings",
        "DELETE /networks",
        "DELETE /customer-managed-keys",
        "DELETE /storage-configurations",
        "DELETE /credentials",
    ] {
        assert!(deleted(prefix).0 > workspace_deleted, "{prefix}");
    }
    // Both endpoints serve the network; the REST one also the access settings.
    let endpoint_starts: Vec<f64> = of(&log, "DELETE /vpc-endpoints")
        .iter()
        .map(|r| r.start)
        .collect();
    assert_eq!(endpoint_starts.len(), 2);
    assert!(
        endpoint_starts
            .iter()
            .all(|start| *start >= deleted("DELETE /networks").1)
    );
    assert!(
        endpoint_starts
            .iter()
            .any(|start| *start >= deleted("DELETE /private-access-settings").1)
    );
    // Nothing was refused as in use except the two injected answers, which were retried:
    // the order alone kept every object free when its turn came.
    let refused: Vec<&str> = log
        .iter()
        .filter(|request| request.route.starts_with("DELETE") && request.status != 200)
        .map(|request| request.route.as_str())
        .collect();
    assert_eq!(refused, ["DELETE /credentials/{credentials_id}"; 2]);
    assert_eq!(of(&log, "DELETE /credentials").len(), 3);
}

#[test]
fn without_a_terminal_apply_asks_for_auto_approve_and_changes_nothing() {
    let context = TestContext::new();
    let spec = context.write("spec.yaml", &quickstart("creds", "{ Env: Dev }"));
    let run = context.run(["apply", &spec.display().to_string()]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("refusing to apply without confirmation: stdin is not a terminal"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--auto-approve"), "{}", run.stderr);
    assert!(mutations(&requests(&context)).is_empty());
}

#[test]
fn json_progress_is_one_event_per_line_ending_with_the_result() {
    let context = TestContext::new();
    let spec = context.write("spec.yaml", &quickstart("creds", "{ Env: Dev }"));
    let run = apply(&context, &spec, &["--format", "json"]);
    run.success();
    let events: Vec<Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let types: Vec<&str> = events
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect();
    for wanted in [
        "step_started",
        "step_progress",
        "step_finished",
        "summary",
        "result",
    ] {
        assert!(types.contains(&wanted), "{types:?}");
    }
    assert_eq!(types.last(), Some(&"result"));
    let result = events.last().unwrap();
    assert_eq!(result["converged"], true);
    assert_eq!(result["workspaces"][0]["status"], "RUNNING");
    assert!(events.iter().all(|event| event["timestamp"].is_string()));
    let summary = events
        .iter()
        .find(|event| event["type"] == "summary")
        .unwrap();
    assert_eq!(summary["done"], 3);
}

/// Starts `brickform apply` in the background.
fn spawn_apply(context: &TestContext, spec: &std::path::Path) -> Child {
    context
        .command()
        .args(["apply", &spec.display().to_string(), "--auto-approve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting brickform")
}

/// Waits until the emulator has answered `count` requests of `route`.
fn wait_for_requests(context: &TestContext, route: &str, count: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while context.stats()["requests"][route].as_u64().unwrap_or(0) < count {
        assert!(Instant::now() < deadline, "{route} never reached {count}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_run_killed_mid_apply_is_finished_by_the_next_one_without_duplicates() {
    let context = TestContext::with_config(|config| {
        config.provisioning_delay = Duration::from_secs(3);
    });
    let spec = context.write("spec.yaml", &quickstart("killed-creds", "{ Env: Dev }"));
    let mut child = spawn_apply(&context, &spec);
    wait_for_requests(&context, "POST /workspaces", 1);
    // SIGKILL: no chance to clean up, exactly like a crashed CI runner.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(workspace(&context)["workspace_status"], "PROVISIONING");

    let run = apply(&context, &spec, &[]);
    run.success();
    assert!(
        run.stdout.contains("applied; the account matches the spec"),
        "{}",
        run.stdout
    );
    assert_eq!(context.list("credentials").len(), 1);
    assert_eq!(context.list("storage-configurations").len(), 1);
    assert_eq!(workspace(&context)["workspace_status"], "RUNNING");
    assert_eq!(of(&requests(&context), "POST /workspaces").len(), 1);
}

#[test]
fn ctrl_c_stops_scheduling_reports_what_was_not_done_and_the_next_run_converges() {
    let context = TestContext::with_config(|config| {
        config.provisioning_delay = Duration::from_secs(5);
    });
    let spec = context.write(
        "spec.yaml",
        &quickstart("interrupted-creds", "{ Env: Dev }"),
    );
    let child = spawn_apply(&context, &spec);
    wait_for_requests(&context, "POST /workspaces", 1);
    let interrupt = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupt.success());
    let output = child.wait_with_output().unwrap();
    let run = Run::from(output);
    run.expect_code(1);
    assert!(
        run.stderr.contains("interrupted: no new step will start"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("Apply interrupted: 2 done, 1 interrupted"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("interrupted after its request (id "),
        "{}",
        run.stdout
    );

    let again = apply(&context, &spec, &[]);
    again.success();
    assert_eq!(workspace(&context)["workspace_status"], "RUNNING");
    assert_eq!(of(&requests(&context), "POST /workspaces").len(), 1);
}

#[test]
fn a_saved_plan_is_applied_exactly_and_without_a_prompt() {
    let context = TestContext::new();
    let spec = context.write("spec.yaml", &quickstart("saved-creds", "{ Env: Dev }"));
    let plan_file = context.dir().join("plan.json");
    context
        .run([
            "plan",
            &spec.display().to_string(),
            "--out",
            &plan_file.display().to_string(),
        ])
        .success();
    // The spec changes after the review: the saved plan is still what gets applied.
    context.write("spec.yaml", &quickstart("saved-creds", "{ Env: Prod }"));
    let run = context.run(["apply", &plan_file.display().to_string()]);
    run.success();
    assert!(
        run.stdout.contains("applied; the account matches the spec"),
        "{}",
        run.stdout
    );
    assert_eq!(workspace(&context)["custom_tags"], json!({"Env": "Dev"}));
    assert_eq!(workspace(&context)["workspace_status"], "RUNNING");
    // Applying it again is refused: what it would create exists now.
    let again = context.run(["apply", &plan_file.display().to_string()]);
    again.expect_code(1);
    assert!(again.stderr.contains("is stale"), "{}", again.stderr);
    assert_eq!(context.list("workspaces").len(), 1);
}

#[test]
fn a_stale_saved_plan_is_refused_naming_what_changed_and_nothing_is_changed() {
    let context = TestContext::new();
    let spec = context.write("spec.yaml", &quickstart("stale-creds", "{ Env: Dev }"));
    apply(&context, &spec, &[]).success();
    context.write("spec.yaml", &quickstart("stale-creds", "{ Env: Prod }"));
    let plan_file = context.dir().join("plan.json");
    context
        .run([
            "plan",
            &spec.display().to_string(),
            "--out",
            &plan_file.display().to_string(),
        ])
        .success();
    // Someone changes the workspace in the console between review and apply.
    let id = workspace(&context)["workspace_id"].clone();
    let (status, body) = context.request(
        "PATCH",
        &format!("/api/2.0/accounts/{{account}}/workspaces/{id}?update_mask=custom_tags"),
        Some(json!({"custom_tags": {"Env": "Staging"}})),
    );
    assert_eq!(status, 200, "{body}");
    let before = mutations(&requests(&context)).len();

    let run = context.run(["apply", &plan_file.display().to_string()]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("is stale: the account changed since the plan was made; nothing was changed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("workspaces.analytics"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("custom_tags"), "{}", run.stderr);
    assert_eq!(mutations(&requests(&context)).len(), before);
    assert_eq!(
        workspace(&context)["custom_tags"],
        json!({"Env": "Staging"})
    );
}

#[test]
fn a_saved_plan_for_another_account_is_refused_before_any_call() {
    let context = TestContext::new();
    let spec = context.write("spec.yaml", &quickstart("creds", "{ Env: Dev }"));
    let plan_file = context.dir().join("plan.json");
    context
        .run([
            "plan",
            &spec.display().to_string(),
            "--out",
            &plan_file.display().to_string(),
        ])
        .success();
    let before = context.stats()["total"].as_u64().unwrap();
    let run = context.run([
        "apply",
        &plan_file.display().to_string(),
        "--account-id",
        "11111111-2222-3333-4444-555555555555",
    ]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains(&format!("was made for account {}", context.account_id())),
        "{}",
        run.stderr
    );
    assert_eq!(context.stats()["total"].as_u64().unwrap(), before);
}

#[test]
fn a_second_ctrl_c_stops_at_once_with_status_130_and_the_next_run_converges() {
    let context = TestContext::new();
    // Every request takes a second: the workspace create is still in flight when the
    // interrupts come.
    context.set_scenario(json!({"latency_ms": 1000}));
    let spec = context.write("spec.yaml", &quickstart("aborted-creds", "{ Env: Dev }"));
    let child = spawn_apply(&context, &spec);
    wait_for_requests(&context, "POST /workspaces", 1);
    for _ in 0..2 {
        let interrupt = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(interrupt.success());
        std::thread::sleep(Duration::from_millis(150));
    }
    let run = Run::from(child.wait_with_output().unwrap());
    run.expect_code(130);
    assert!(
        run.stderr.contains("interrupted again: stopping now"),
        "{}",
        run.stderr
    );

    context.set_scenario(json!({}));
    apply(&context, &spec, &[]).success();
    assert_eq!(workspace(&context)["workspace_status"], "RUNNING");
    assert_eq!(context.list("credentials").len(), 1);
}
