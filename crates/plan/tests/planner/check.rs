//! One case per row of the rule table, and per planner behaviour: each plans a variation of
//! the fixture spec against a variation of the fixture account and snapshots the text
//! rendering (or the rendered problems), exactly as `brickform plan` prints them.
//!
//! Each case also asserts the decision it is about, so that removing the rule fails the test
//! with a message that names it, not only with a snapshot difference.

use crate::fixtures::{SPEC, live, make_plan};
use brickform_plan::{
    Action, FieldEffect, Plan, PlanFailure, PlanMode, PlanOptions, ProblemCode, render_text,
};
use serde_json::{Value, json};
use spec::Address;

/// Plans `yaml` against `live` and renders the plan (or every problem).
fn render(result: &Result<Plan, PlanFailure>) -> String {
    match result {
        Ok(plan) => render_text(plan, false),
        Err(failure) => failure.render(false),
    }
}

#[track_caller]
fn check_plan(
    name: &str,
    yaml: &str,
    live: &Value,
    options: PlanOptions,
) -> Result<Plan, PlanFailure> {
    let result = make_plan(yaml, live, options);
    snapshot(name, &render(&result));
    result
}

#[track_caller]
fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        omit_expression => true,
        prepend_module_to_snapshot => false,
        snapshot_path => "snapshots/check",
    }, {
        insta::assert_snapshot!(name, text);
    });
}

fn plan_ok(result: Result<Plan, PlanFailure>) -> Plan {
    match result {
        Ok(plan) => plan,
        Err(failure) => panic!("expected a plan, got:\n{}", failure.render(false)),
    }
}

fn problem_codes(result: Result<Plan, PlanFailure>) -> Vec<ProblemCode> {
    match result {
        Ok(plan) => panic!(
            "expected problems, got a plan:\n{}",
            render_text(&plan, false)
        ),
        Err(failure) => failure
            .problems
            .iter()
            .map(|problem| problem.code)
            .collect(),
    }
}

fn action_of(plan: &Plan, address: &str) -> Action {
    let address: Address = address.parse().unwrap();
    plan.resource_changes
        .iter()
        .find(|change| change.address == address && !change.previous_object)
        .unwrap_or_else(|| panic!("no change for {address}"))
        .action
}

fn previous_of(plan: &Plan, address: &str) -> Option<String> {
    let address: Address = address.parse().unwrap();
    plan.resource_changes
        .iter()
        .find(|change| change.address == address && change.previous_object)
        .and_then(|change| change.live_id.clone())
}

fn workspace(live: &mut Value) -> &mut Value {
    &mut live["workspaces"][0]
}

fn allow(addresses: &[&str]) -> PlanOptions {
    PlanOptions {
        allow_destroy: addresses
            .iter()
            .map(|address| address.parse().unwrap())
            .collect(),
        ..PlanOptions::default()
    }
}

/// `prevent_destroy: false` on the workspace.
fn unprotected(yaml: &str) -> String {
    yaml.replace(
        "    custom_tags: { Env: Prod }\n",
        "    custom_tags: { Env: Prod }\n    lifecycle: { prevent_destroy: false }\n",
    )
}

#[test]
fn an_empty_account_gets_everything_created_in_dependency_order() {
    let plan = plan_ok(check_plan(
        "create",
        SPEC,
        &json!({}),
        PlanOptions::default(),
    ));
    assert!(
        plan.resource_changes
            .iter()
            .all(|change| change.action == Action::Create)
    );
    assert_eq!(plan.summary.add, 8);
    let position = |address: &str| {
        plan.steps
            .iter()
            .position(|step| step.address.to_string() == address)
            .unwrap()
    };
    assert!(position("vpc_endpoints.rest") < position("networks.main"));
    assert!(position("networks.main") < position("workspaces.sales"));
}

#[test]
fn an_account_matching_the_spec_needs_nothing() {
    let plan = plan_ok(check_plan("no_op", SPEC, &live(), PlanOptions::default()));
    assert!(plan.steps.is_empty());
    assert!(
        plan.resource_changes
            .iter()
            .all(|change| change.action == Action::NoOp)
    );
    // Sets in another order, server-filled `key_region`, `external_id`, `vpc_status` and the
    // omitted `reuse_key_for_cluster_volumes` are no drift.
}

#[test]
fn drift_made_in_the_console_is_put_back() {
    let mut account = live();
    account["private_access_settings"][0]["public_access_enabled"] = json!(true);
    let plan = plan_ok(check_plan("drift", SPEC, &account, PlanOptions::default()));
    assert_eq!(
        action_of(&plan, "private_access_settings.pl"),
        Action::Update
    );
    assert_eq!(plan.steps.len(), 1);
}

#[test]
fn custom_tags_are_updated_in_place_with_a_patch_of_only_them() {
    let yaml = SPEC.replace("{ Env: Prod }", "{ Env: Prod, Team: data }");
    let plan = plan_ok(check_plan(
        "tags_update",
        &yaml,
        &live(),
        PlanOptions::default(),
    ));
    assert_eq!(action_of(&plan, "workspaces.sales"), Action::Update);
    let brickform_plan::Operation::UpdateWorkspace { request, .. } = &plan.steps[0].operation
    else {
        panic!("expected a PATCH");
    };
    assert_eq!(request.mask_fields(), vec!["custom_tags"]);
}

#[test]
fn renamed_credentials_are_created_then_swapped_in_then_the_previous_deleted() {
    let yaml = SPEC.replace("name: acme-cross-account", "name: acme-cross-account-v2");
    let plan = plan_ok(check_plan(
        "credentials_swap",
        &yaml,
        &live(),
        PlanOptions::default(),
    ));
    assert_eq!(action_of(&plan, "credentials.main"), Action::Create);
    assert_eq!(
        previous_of(&plan, "credentials.main").as_deref(),
        Some("cred-0001")
    );
    let descriptions: Vec<&str> = plan
        .steps
        .iter()
        .map(|step| step.description.as_str())
        .collect();
    assert_eq!(
        descriptions,
        [
            "create credentials.main `acme-cross-account-v2`",
            "update workspaces.sales (PATCH credentials_id)",
            "delete `acme-cross-account`, the previous object of credentials.main",
        ]
    );
    assert_eq!(plan.steps[1].depends_on, [0]);
    assert_eq!(plan.steps[2].depends_on, [1]);
}

#[test]
fn a_previous_object_another_workspace_uses_is_kept_with_a_note() {
    let yaml = SPEC.replace("name: acme-cross-account", "name: acme-cross-account-v2");
    let mut account = live();
    account["workspaces"].as_array_mut().unwrap().push(json!({
        "workspace_id": 2002, "workspace_name": "Other", "deployment_name": "acme-other",
        "aws_region": "us-west-2", "credentials_id": "cred-0001", "storage_configuration_id": "stor-0001",
        "workspace_status": "RUNNING"
    }));
    let plan = plan_ok(check_plan(
        "previous_object_kept",
        &yaml,
        &account,
        PlanOptions::default(),
    ));
    assert_eq!(previous_of(&plan, "credentials.main"), None);
    assert!(
        plan.notes.iter().any(|note| note.contains("is kept")),
        "{:?}",
        plan.notes
    );
}

#[test]
fn replacing_an_object_in_use_under_the_same_name_is_refused() {
    let yaml = SPEC.replace("role/acme-databricks\n", "role/acme-databricks-v2\n");
    let codes = problem_codes(check_plan(
        "same_name_in_use",
        &yaml,
        &live(),
        PlanOptions::default(),
    ));
    assert_eq!(codes, [ProblemCode::NeedsNewIdentity]);
}

#[test]
fn an_unused_object_is_replaced_delete_first_under_the_same_name() {
    let yaml = SPEC.replace("role/acme-databricks\n", "role/acme-databricks-v2\n");
    let mut account = live();
    workspace(&mut account)["credentials_id"] = json!("cred-0002");
    account["credentials"].as_array_mut().unwrap().push(json!({
        "credentials_id": "cred-0002", "credentials_name": "someone-else",
        "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/other"}}
    }));
    let plan = plan_ok(check_plan(
        "replace_unused",
        &yaml,
        &account,
        PlanOptions::default(),
    ));
    assert_eq!(
        action_of(&plan, "credentials.main"),
        Action::ReplaceDeleteFirst
    );
    // The workspace moves from the credentials in its slot to the replacement, which is
    // created after the old `credentials.main` is deleted; what the slot held is the previous
    // object of `credentials.main` on the workspace, deleted after the repoint.
    assert_eq!(
        previous_of(&plan, "credentials.main").as_deref(),
        Some("cred-0002")
    );
}

#[test]
fn a_new_vpc_endpoint_cascades_to_a_new_network_and_both_repoints() {
    let yaml = SPEC
        .replace(
            "rest: { name: acme-rest, aws_vpc_endpoint_id: vpce-0aaa",
            "rest: { name: acme-rest-v2, aws_vpc_endpoint_id: vpce-0ccc",
        )
        .replace("name: acme-vpc", "name: acme-vpc-v2")
        .replace("[subnet-0a, subnet-0b]", "[subnet-0c, subnet-0d]")
        .replace("[sg-01]", "[sg-02]");
    let plan = plan_ok(check_plan(
        "network_cascade",
        &yaml,
        &live(),
        PlanOptions::default(),
    ));
    assert_eq!(action_of(&plan, "vpc_endpoints.rest"), Action::Create);
    assert_eq!(action_of(&plan, "networks.main"), Action::Create);
    assert_eq!(
        action_of(&plan, "private_access_settings.pl"),
        Action::Update
    );
    assert_eq!(action_of(&plan, "workspaces.sales"), Action::Update);
    assert_eq!(
        previous_of(&plan, "networks.main").as_deref(),
        Some("net-0001")
    );
    assert_eq!(
        previous_of(&plan, "vpc_endpoints.rest").as_deref(),
        Some("vpce-reg-rest")
    );
    let steps: Vec<String> = plan
        .steps
        .iter()
        .map(|step| format!("{} <- {:?}", step.description, step.depends_on))
        .collect();
    snapshot("network_cascade_steps", &steps.join("\n"));
}

#[test]
fn a_cascade_that_keeps_the_network_name_is_refused() {
    let yaml = SPEC.replace(
        "rest: { name: acme-rest, aws_vpc_endpoint_id: vpce-0aaa",
        "rest: { name: acme-rest-v2, aws_vpc_endpoint_id: vpce-0ccc",
    );
    let codes = problem_codes(check_plan(
        "network_cascade_same_name",
        &yaml,
        &live(),
        PlanOptions::default(),
    ));
    assert_eq!(codes, [ProblemCode::NeedsNewIdentity]);
}

#[test]
fn a_new_network_cannot_reuse_the_subnets_of_the_one_it_replaces() {
    let yaml = SPEC
        .replace("name: acme-vpc", "name: acme-vpc-v2")
        .replace("[sg-01]", "[sg-01, sg-02]");
    let codes = problem_codes(check_plan(
        "network_subnets_reused",
        &yaml,
        &live(),
        PlanOptions::default(),
    ));
    assert_eq!(codes, [ProblemCode::NetworkConflict]);
}

#[test]
fn a_new_storage_configuration_under_a_running_workspace_is_blocked() {
    let yaml = SPEC.replace("name: acme-root", "name: acme-root-v2");
    let codes = problem_codes(check_plan(
        "storage_running_blocked",
        &yaml,
        &live(),
        PlanOptions::default(),
    ));
    assert_eq!(codes, [ProblemCode::DestroyBlocked]);
}

#[test]
fn a_new_storage_configuration_replaces_a_running_workspace_only_when_both_allow_it() {
    let yaml = unprotected(&SPEC.replace("name: acme-root", "name: acme-root-v2"));
    let codes = problem_codes(make_plan(&yaml, &live(), PlanOptions::default()));
    assert_eq!(
        codes,
        [ProblemCode::DestroyBlocked],
        "the spec alone is not enough"
    );
    let codes = problem_codes(make_plan(
        &SPEC.replace("name: acme-root", "name: acme-root-v2"),
        &live(),
        allow(&["workspaces.sales"]),
    ));
    assert_eq!(
        codes,
        [ProblemCode::DestroyBlocked],
        "the flag alone is not enough"
    );
    let plan = plan_ok(check_plan(
        "storage_running_allowed",
        &yaml,
        &live(),
        allow(&["workspaces.sales"]),
    ));
    assert_eq!(
        action_of(&plan, "workspaces.sales"),
        Action::ReplaceDeleteFirst
    );
    assert_eq!(
        previous_of(&plan, "storage_configurations.root").as_deref(),
        Some("stor-0001")
    );
}

#[test]
fn a_new_storage_configuration_for_a_failed_workspace_is_a_redeploy() {
    let yaml = SPEC.replace("name: acme-root", "name: acme-root-v2");
    let mut account = live();
    workspace(&mut account)["workspace_status"] = json!("FAILED");
    workspace(&mut account)["workspace_status_message"] = json!("Workspace failed to deploy.");
    let plan = plan_ok(check_plan(
        "storage_failed_allowed",
        &yaml,
        &account,
        PlanOptions::default(),
    ));
    assert_eq!(action_of(&plan, "workspaces.sales"), Action::Redeploy);
    assert_eq!(
        previous_of(&plan, "storage_configurations.root").as_deref(),
        Some("stor-0001")
    );
}

#[test]
fn replacing_a_storage_key_is_impossible() {
    let yaml = SPEC
        .replace(
            "customer_managed_keys:\n",
            "customer_managed_keys:\n  kms2:\n    key_arn: arn:aws:kms:us-west-2:123456789012:key/9999abcd-12ab-34cd-56ef-1234567890ab\n    use_cases: [STORAGE]\n",
        )
        .replace("storage_key: kms", "storage_key: kms2");
    let codes = problem_codes(check_plan(
        "storage_key_replace_impossible",
        &yaml,
        &live(),
        PlanOptions::default(),
    ));
    assert_eq!(codes, [ProblemCode::ImpossibleChange]);
}

#[test]
fn removing_private_access_settings_is_impossible() {
    let yaml = SPEC.replace(
        "    private_access_settings: pl\n    pricing",
        "    pricing",
    );
    let codes = problem_codes(check_plan(
        "pas_removal_impossible",
        &yaml,
        &live(),
        PlanOptions::default(),
    ));
    assert_eq!(codes, [ProblemCode::ImpossibleChange]);
}

#[test]
fn clearing_every_custom_tag_is_impossible() {
    let yaml = SPEC.replace("    custom_tags: { Env: Prod }\n", "");
    let codes = problem_codes(check_plan(
        "tags_cleared_impossible",
        &yaml,
        &live(),
        PlanOptions::default(),
    ));
    assert_eq!(codes, [ProblemCode::ImpossibleChange]);
}

fn failed_with_broken_network() -> Value {
    let mut account = live();
    workspace(&mut account)["workspace_status"] = json!("FAILED");
    workspace(&mut account)["workspace_status_message"] = json!("Network validation failed.");
    account["networks"][0]["vpc_status"] = json!("BROKEN");
    account["networks"][0]["error_messages"] = json!([
        {"error_type": "securityGroup", "error_message": "sg-01 does not allow outbound traffic on 443"}
    ]);
    account
}

#[test]
fn a_failed_workspace_is_redeployed_with_its_whole_configuration() {
    let plan = plan_ok(check_plan(
        "failed_redeploy",
        SPEC,
        &failed_with_broken_network(),
        PlanOptions::default(),
    ));
    assert_eq!(action_of(&plan, "workspaces.sales"), Action::Redeploy);
    let brickform_plan::Operation::UpdateWorkspace { request, .. } = &plan.steps[0].operation
    else {
        panic!("expected a PATCH");
    };
    assert_eq!(
        request.mask_fields(),
        [
            "credentials_id",
            "custom_tags",
            "managed_services_customer_managed_key_id",
            "network_id",
            "private_access_settings_id",
            "storage_configuration_id",
            "storage_customer_managed_key_id"
        ]
    );
}

#[test]
fn recreate_failed_deletes_and_creates_the_workspace_and_its_broken_network() {
    let options = PlanOptions {
        recreate_failed: true,
        ..PlanOptions::default()
    };
    let plan = plan_ok(check_plan(
        "failed_recreate",
        SPEC,
        &failed_with_broken_network(),
        options,
    ));
    assert_eq!(action_of(&plan, "workspaces.sales"), Action::Recreate);
    assert_eq!(
        action_of(&plan, "networks.main"),
        Action::ReplaceDeleteFirst
    );
    let descriptions: Vec<&str> = plan
        .steps
        .iter()
        .map(|step| step.description.as_str())
        .collect();
    assert_eq!(
        descriptions,
        [
            "delete the old workspaces.sales `acme-sales`",
            "delete the old networks.main `acme-vpc`",
            "create networks.main `acme-vpc`",
            "create workspaces.sales `acme-sales`",
        ]
    );
}

#[test]
fn a_failed_workspace_whose_change_needs_a_new_workspace_asks_for_recreate_failed() {
    let yaml = SPEC.replace("pricing_tier: ENTERPRISE", "pricing_tier: PREMIUM");
    let codes = problem_codes(check_plan(
        "failed_needs_recreate",
        &yaml,
        &failed_with_broken_network(),
        PlanOptions::default(),
    ));
    assert_eq!(codes, [ProblemCode::NeedsRecreate]);
}

#[test]
fn a_provisioning_workspace_is_waited_for() {
    let mut account = live();
    workspace(&mut account)["workspace_status"] = json!("PROVISIONING");
    let plan = plan_ok(check_plan(
        "provisioning_wait",
        SPEC,
        &account,
        PlanOptions::default(),
    ));
    assert_eq!(action_of(&plan, "workspaces.sales"), Action::Wait);
    assert!(matches!(
        plan.steps[0].operation,
        brickform_plan::Operation::WaitForWorkspace { workspace_id: 1001 }
    ));
}

#[test]
fn a_provisioning_workspace_is_updated_once_it_is_running() {
    let mut account = live();
    workspace(&mut account)["workspace_status"] = json!("PROVISIONING");
    let yaml = SPEC.replace("{ Env: Prod }", "{ Env: Prod, Team: data }");
    let plan = plan_ok(check_plan(
        "provisioning_then_update",
        &yaml,
        &account,
        PlanOptions::default(),
    ));
    assert_eq!(action_of(&plan, "workspaces.sales"), Action::Update);
    assert_eq!(plan.steps[1].depends_on, [0]);
}

#[test]
fn absent_resources_are_deleted_in_reverse_dependency_order() {
    // A workspace and the credentials only it uses, both marked absent.
    let yaml = format!(
        "{SPEC}  old:\n    workspace_name: Old\n    deployment_name: old\n    ensure: absent\n    lifecycle: {{ prevent_destroy: false }}\n"
    )
    .replace(
        "credentials:\n  main:\n",
        "credentials:\n  retired:\n    name: acme-retired\n    ensure: absent\n  main:\n",
    );
    let mut account = live();
    account["credentials"].as_array_mut().unwrap().push(json!({
        "credentials_id": "cred-0009", "credentials_name": "acme-retired",
        "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/retired"}}
    }));
    account["workspaces"].as_array_mut().unwrap().push(json!({
        "workspace_id": 3003, "workspace_name": "Old", "deployment_name": "acme-old",
        "aws_region": "us-west-2", "credentials_id": "cred-0009", "storage_configuration_id": "stor-0001",
        "workspace_status": "RUNNING"
    }));
    let plan = plan_ok(check_plan(
        "ensure_absent",
        &yaml,
        &account,
        allow(&["workspaces.old"]),
    ));
    assert_eq!(action_of(&plan, "workspaces.old"), Action::Delete);
    assert_eq!(action_of(&plan, "credentials.retired"), Action::Delete);
    let descriptions: Vec<&str> = plan
        .steps
        .iter()
        .map(|step| step.description.as_str())
        .collect();
    assert_eq!(
        descriptions,
        [
            "delete workspaces.old `acme-old`",
            "delete credentials.retired `acme-retired`"
        ]
    );
    assert_eq!(plan.steps[1].depends_on, [0]);
}

#[test]
fn an_absent_object_an_unmanaged_workspace_uses_cannot_be_deleted() {
    let yaml = SPEC.replace(
        "credentials:\n  main:\n",
        "credentials:\n  retired:\n    name: acme-retired\n    ensure: absent\n  main:\n",
    );
    let mut account = live();
    account["credentials"].as_array_mut().unwrap().push(json!({
        "credentials_id": "cred-0009", "credentials_name": "acme-retired"
    }));
    account["workspaces"].as_array_mut().unwrap().push(json!({
        "workspace_id": 3003, "workspace_name": "Theirs", "deployment_name": "acme-theirs",
        "credentials_id": "cred-0009", "workspace_status": "RUNNING"
    }));
    let codes = problem_codes(check_plan(
        "absent_in_use",
        &yaml,
        &account,
        PlanOptions::default(),
    ));
    assert_eq!(codes, [ProblemCode::InUse]);
}

#[test]
fn existing_resources_are_read_and_never_changed() {
    let yaml = SPEC.replace(
        "  main:\n    name: acme-cross-account\n    role_arn: arn:aws:iam::123456789012:role/acme-databricks\n",
        "  main:\n    name: acme-cross-account\n    existing: true\n",
    );
    let mut account = live();
    account["credentials"][0]["aws_credentials"]["sts_role"]["role_arn"] =
        json!("arn:aws:iam::123456789012:role/owned-elsewhere");
    let plan = plan_ok(check_plan(
        "existing",
        &yaml,
        &account,
        PlanOptions::default(),
    ));
    assert_eq!(action_of(&plan, "credentials.main"), Action::Read);
    assert!(plan.steps.is_empty());
}

#[test]
fn a_missing_existing_resource_says_what_was_looked_for() {
    let yaml = SPEC.replace(
        "  main:\n    name: acme-cross-account\n    role_arn: arn:aws:iam::123456789012:role/acme-databricks\n",
        "  main:\n    name: shared-cross-account\n    existing: true\n",
    );
    let codes = problem_codes(check_plan(
        "existing_missing",
        &yaml,
        &live(),
        PlanOptions::default(),
    ));
    assert_eq!(codes, [ProblemCode::ExistingNotFound]);
}

#[test]
fn two_live_objects_with_one_identity_are_an_error_listing_both() {
    let mut account = live();
    let mut twin = account["credentials"][0].clone();
    twin["credentials_id"] = json!("cred-0002");
    account["credentials"].as_array_mut().unwrap().push(twin);
    let mut key_twin = account["customer_managed_keys"][0].clone();
    key_twin["customer_managed_key_id"] = json!("key-0002");
    key_twin["use_cases"] = json!(["MANAGED_SERVICES", "STORAGE"]);
    account["customer_managed_keys"]
        .as_array_mut()
        .unwrap()
        .push(key_twin);
    let codes = problem_codes(check_plan(
        "ambiguity",
        SPEC,
        &account,
        PlanOptions::default(),
    ));
    assert_eq!(
        codes,
        [ProblemCode::AmbiguousMatch, ProblemCode::AmbiguousMatch]
    );
}

#[test]
fn ignored_fields_are_shown_and_not_changed() {
    let yaml = SPEC
        .replace("{ Env: Prod }", "{ Env: Prod, Team: data }")
        .replace(
            "    custom_tags: { Env: Prod, Team: data }\n",
            "    custom_tags: { Env: Prod, Team: data }\n    lifecycle: { ignore_changes: [custom_tags] }\n",
        );
    let plan = plan_ok(check_plan(
        "ignore_changes",
        &yaml,
        &live(),
        PlanOptions::default(),
    ));
    assert!(plan.steps.is_empty());
    let change = plan
        .resource_changes
        .iter()
        .find(|change| change.address.to_string() == "workspaces.sales")
        .unwrap();
    assert_eq!(change.fields[0].effect, FieldEffect::Ignored);
}

#[test]
fn destroy_deletes_every_spec_resource_workspaces_first() {
    let plan = plan_ok(check_plan(
        "destroy",
        &unprotected(SPEC),
        &live(),
        PlanOptions {
            mode: PlanMode::Destroy,
            ..allow(&["workspaces.sales"])
        },
    ));
    assert_eq!(plan.summary.destroy, 8);
    assert_eq!(
        plan.steps[0].description,
        "delete workspaces.sales `acme-sales`"
    );
    for step in &plan.steps {
        for dependency in &step.depends_on {
            assert!(dependency < &step.id);
        }
    }
}

#[test]
fn destroy_of_a_running_workspace_is_blocked_by_default() {
    let options = PlanOptions {
        mode: PlanMode::Destroy,
        ..PlanOptions::default()
    };
    let codes = problem_codes(check_plan("destroy_blocked", SPEC, &live(), options));
    assert_eq!(codes, [ProblemCode::DestroyBlocked]);
}

#[test]
fn deployment_names_are_matched_with_the_account_prefix() {
    // `EMPTY` names the workspace whose deployment name is the prefix alone.
    let yaml = SPEC.replace("deployment_name: sales", "deployment_name: EMPTY");
    let mut account = live();
    workspace(&mut account)["deployment_name"] = json!("acme");
    let plan = plan_ok(make_plan(&yaml, &account, PlanOptions::default()));
    assert!(plan.steps.is_empty(), "{}", render_text(&plan, false));
    // Without the prefix in the spec, `sales` would be a new workspace taking the network of
    // the live one; the failure says which prefix the spec probably lacks.
    let yaml = SPEC.replace("account:\n  deployment_name_prefix: acme\n", "");
    let result = check_plan("prefix_missing", &yaml, &live(), PlanOptions::default());
    let failure = result.unwrap_err();
    assert!(
        failure.notes[0].contains("deployment_name_prefix: acme"),
        "{:?}",
        failure.notes
    );
}

#[test]
fn targets_plan_only_what_they_name_and_what_that_references() {
    let yaml = SPEC
        .replace("name: acme-cross-account", "name: acme-cross-account-v2")
        .replace(
            "bucket_name: acme-dbfs-root",
            "bucket_name: acme-dbfs-root\n    role_arn: arn:aws:iam::123456789012:role/uc",
        );
    let options = PlanOptions {
        targets: vec!["credentials.main".parse().unwrap()],
        ..PlanOptions::default()
    };
    let plan = plan_ok(check_plan("target", &yaml, &live(), options));
    assert_eq!(plan.resource_changes.len(), 1);
    assert_eq!(action_of(&plan, "credentials.main"), Action::Create);
    let options = PlanOptions {
        targets: vec!["workspaces.sales".parse().unwrap()],
        ..PlanOptions::default()
    };
    let codes = problem_codes(make_plan(&yaml, &live(), options));
    // The storage configuration is pulled in; replacing it replaces the RUNNING workspace.
    assert_eq!(codes, [ProblemCode::DestroyBlocked]);
    let options = PlanOptions {
        targets: vec!["workspaces.nope".parse().unwrap()],
        ..PlanOptions::default()
    };
    let codes = problem_codes(make_plan(&yaml, &live(), options));
    assert_eq!(codes, [ProblemCode::UnknownAddress]);
}

#[test]
fn a_workspace_cannot_take_a_network_another_workspace_keeps() {
    let mut account = live();
    account["workspaces"] = json!([]);
    account["workspaces"].as_array_mut().unwrap().push(json!({
        "workspace_id": 4004, "workspace_name": "Theirs", "deployment_name": "acme-theirs",
        "network_id": "net-0001", "workspace_status": "RUNNING"
    }));
    let codes = problem_codes(check_plan(
        "network_attached_elsewhere",
        SPEC,
        &account,
        PlanOptions::default(),
    ));
    assert_eq!(codes, [ProblemCode::NetworkConflict]);
}
