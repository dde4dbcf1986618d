//! Staleness of a saved plan (`verify_fresh`) and what an applied plan left different
//! (`residual`).

use api_types::Snapshot;
use brickform_plan::{Plan, PlanOptions, ResidualKind, residual, verify_fresh};
use serde_json::{Value, json};

use crate::fixtures::{SPEC, live, make_plan};

fn snapshot(value: &Value) -> Snapshot {
    serde_json::from_value(value.clone()).unwrap()
}

fn credentials_swap() -> Plan {
    let yaml = SPEC.replace("name: acme-cross-account", "name: acme-cross-account-v2");
    make_plan(&yaml, &live(), PlanOptions::default()).unwrap()
}

#[test]
fn an_unchanged_account_keeps_the_plan_fresh() {
    assert_eq!(
        verify_fresh(&credentials_swap(), &snapshot(&live())),
        Ok(())
    );
}

#[test]
fn progress_of_what_the_plan_waits_for_is_not_staleness() {
    let mut provisioning = live();
    provisioning["workspaces"][0]["workspace_status"] = json!("PROVISIONING");
    let plan = make_plan(SPEC, &provisioning, PlanOptions::default()).unwrap();
    let mut running = provisioning.clone();
    running["workspaces"][0]["workspace_status"] = json!("RUNNING");
    running["workspaces"][0]["workspace_status_message"] = json!("Workspace is running.");
    assert_eq!(verify_fresh(&plan, &snapshot(&running)), Ok(()));
    let mut failed = provisioning;
    failed["workspaces"][0]["workspace_status"] = json!("FAILED");
    let stale = verify_fresh(&plan, &snapshot(&failed)).unwrap_err();
    assert_eq!(stale.changed[0].fields, ["workspace_status"]);
}

#[test]
fn a_changed_read_object_is_named_with_its_fields() {
    let plan = credentials_swap();
    let mut account = live();
    account["workspaces"][0]["custom_tags"] = json!({"Env": "Dev"});
    account["workspaces"][0]["credentials_id"] = json!("cred-0001");
    account["credentials"][0]["aws_credentials"]["sts_role"]["role_arn"] =
        json!("arn:aws:iam::123456789012:role/edited");
    let stale = verify_fresh(&plan, &snapshot(&account)).unwrap_err();
    let changed: Vec<(String, Vec<String>)> = stale
        .changed
        .iter()
        .map(|object| (object.id.clone(), object.fields.clone()))
        .collect();
    assert_eq!(
        changed,
        [
            ("cred-0001".to_owned(), vec!["aws_credentials".to_owned()]),
            ("1001".to_owned(), vec!["custom_tags".to_owned()]),
        ]
    );
    insta::assert_snapshot!(stale.lines().join("\n"), @r"
    credential configuration `acme-cross-account` (cred-0001) changed: aws_credentials
    workspaces.sales: workspace `acme-sales` (1001) changed: custom_tags
    ");
}

#[test]
fn a_vanished_object_and_one_that_appeared_make_the_plan_stale() {
    let plan = credentials_swap();
    let mut account = live();
    account["private_access_settings"] = json!([]);
    account["credentials"].as_array_mut().unwrap().push(json!({
        "credentials_id": "cred-0777", "credentials_name": "acme-cross-account-v2"
    }));
    let stale = verify_fresh(&plan, &snapshot(&account)).unwrap_err();
    assert_eq!(stale.vanished.len(), 1);
    assert_eq!(stale.vanished[0].id, "pas-0001");
    assert_eq!(stale.appeared.len(), 1);
    assert_eq!(stale.appeared[0].id, "cred-0777");
    assert!(
        stale
            .to_string()
            .starts_with("the account changed since the plan was made: ")
    );
}

/// The account after the credentials swap was applied.
fn swapped() -> Value {
    let mut account = live();
    account["credentials"] = json!([{
        "credentials_id": "cred-0002",
        "credentials_name": "acme-cross-account-v2",
        "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/acme-databricks"}}
    }]);
    account["workspaces"][0]["credentials_id"] = json!("cred-0002");
    account
}

#[test]
fn an_applied_plan_leaves_no_residual() {
    let plan = credentials_swap();
    assert_eq!(residual(&plan, &snapshot(&swapped())), []);
}

#[test]
fn residuals_name_what_apply_left_different() {
    let plan = credentials_swap();
    let mut account = swapped();
    // The repoint did not stick, the previous object is still there, and the workspace failed.
    account["workspaces"][0]["credentials_id"] = json!("cred-0001");
    account["workspaces"][0]["workspace_status"] = json!("FAILED");
    account["credentials"]
        .as_array_mut()
        .unwrap()
        .push(live()["credentials"][0].clone());
    let residuals = residual(&plan, &snapshot(&account));
    let kinds: Vec<&ResidualKind> = residuals.iter().map(|residual| &residual.kind).collect();
    assert!(
        matches!(
            kinds[..],
            [
                ResidualKind::Field { .. },
                ResidualKind::Status { .. },
                ResidualKind::NotDeleted
            ]
        ),
        "{residuals:?}"
    );
    let lines: Vec<String> = residuals.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(lines.join("\n"), @r#"
    workspaces.sales (1001): `credentials` is "cred-0001" instead of "cred-0002"
    workspaces.sales (1001): is FAILED, not RUNNING
    credentials.main (previous object) (cred-0001): still exists
    "#);
    // A create that never happened.
    let mut account = live();
    account["workspaces"][0]["credentials_id"] = json!("cred-0001");
    let residuals = residual(&plan, &snapshot(&account));
    assert!(
        residuals
            .iter()
            .any(|residual| residual.kind == ResidualKind::Missing)
    );
}
