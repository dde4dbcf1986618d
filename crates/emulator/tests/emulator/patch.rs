//! `PATCH /workspaces/{id}`: what a RUNNING and a FAILED workspace let change.

use brickform_emulator::{BrokenResources, Scenario};
use serde_json::{Value, json};

use crate::support::InProcess;

/// A running workspace in a customer-managed VPC, with its id and body.
async fn running(emulator: &InProcess, network_tag: Option<&str>) -> (i64, Value) {
    let mut body = emulator.workspace_body("acme").await;
    if let Some(tag) = network_tag {
        body["network_id"] = json!(emulator.network(tag).await);
    }
    let workspace_id = emulator.create_workspace(body.clone()).await["workspace_id"]
        .as_i64()
        .unwrap();
    emulator.advance(10);
    assert_eq!(emulator.workspace_status(workspace_id).await, "RUNNING");
    (workspace_id, body)
}

async fn patch(
    emulator: &InProcess,
    workspace_id: i64,
    mask: Option<&str>,
    body: Value,
) -> crate::support::Reply {
    let query = mask.map_or_else(String::new, |mask| format!("?update_mask={mask}"));
    emulator
        .api(
            "PATCH",
            &format!("/workspaces/{workspace_id}{query}"),
            Some(body),
        )
        .await
}

#[tokio::test]
async fn a_running_workspace_takes_new_credentials_and_tags_in_place() {
    let emulator = InProcess::new();
    let (workspace_id, _) = running(&emulator, Some("a")).await;
    let credentials = emulator.credentials("acme-credentials-2").await;
    let updated = patch(
        &emulator,
        workspace_id,
        Some("credentials_id,custom_tags"),
        json!({"credentials_id": credentials, "custom_tags": {"Env": "Prod"}}),
    )
    .await
    .ok();
    assert_eq!(updated["credentials_id"], credentials.as_str());
    assert_eq!(updated["custom_tags"], json!({"Env": "Prod"}));
    assert_eq!(
        updated["workspace_status"], "RUNNING",
        "customer-managed VPC: in place"
    );
    // An empty map changes nothing.
    let unchanged = patch(
        &emulator,
        workspace_id,
        Some("custom_tags"),
        json!({"custom_tags": {}}),
    )
    .await
    .ok();
    assert_eq!(unchanged["custom_tags"], json!({"Env": "Prod"}));
}

#[tokio::test]
async fn a_patch_without_a_mask_applies_the_fields_it_carries() {
    let emulator = InProcess::new();
    let (workspace_id, _) = running(&emulator, Some("a")).await;
    let current = emulator
        .api("GET", &format!("/workspaces/{workspace_id}"), None)
        .await
        .ok();
    // Sending back what was read (status and all) changes nothing.
    assert_eq!(
        patch(&emulator, workspace_id, None, current.clone())
            .await
            .ok(),
        current
    );
    let key = emulator.key(&["MANAGED_SERVICES"]).await;
    let updated = patch(
        &emulator,
        workspace_id,
        None,
        json!({"managed_services_customer_managed_key_id": key}),
    )
    .await
    .ok();
    assert_eq!(
        updated["managed_services_customer_managed_key_id"],
        key.as_str()
    );
    assert_eq!(updated["credentials_id"], current["credentials_id"]);
}

#[tokio::test]
async fn the_old_object_is_free_once_the_workspace_is_repointed() {
    let emulator = InProcess::new();
    let (workspace_id, body) = running(&emulator, Some("a")).await;
    let old_network = body["network_id"].as_str().unwrap().to_owned();
    let new_network = emulator.network("b").await;
    let updated = patch(
        &emulator,
        workspace_id,
        Some("network_id"),
        json!({"network_id": new_network}),
    )
    .await
    .ok();
    assert_eq!(updated["network_id"], new_network.as_str());
    emulator
        .api("DELETE", &format!("/networks/{old_network}"), None)
        .await
        .ok();
    let old_credentials = body["credentials_id"].as_str().unwrap().to_owned();
    let new_credentials = emulator.credentials("acme-credentials-2").await;
    patch(
        &emulator,
        workspace_id,
        None,
        json!({"credentials_id": new_credentials}),
    )
    .await
    .ok();
    emulator
        .api("DELETE", &format!("/credentials/{old_credentials}"), None)
        .await
        .ok();
}

#[tokio::test]
async fn a_running_workspace_refuses_what_only_a_failed_one_allows() {
    let emulator = InProcess::new();
    let (workspace_id, _) = running(&emulator, None).await;
    let storage = emulator.storage("acme-storage-2").await;
    patch(
        &emulator,
        workspace_id,
        Some("storage_configuration_id"),
        json!({"storage_configuration_id": storage}),
    )
    .await
    .error(
        400,
        "INVALID_PARAMETER_VALUE",
        "storage_configuration_id can only be changed while the workspace is FAILED",
    );
    let network = emulator.network("b").await;
    patch(
        &emulator,
        workspace_id,
        Some("network_id"),
        json!({"network_id": network}),
    )
    .await
    .error(
        400,
        "INVALID_PARAMETER_VALUE",
        "only if it already uses a customer-managed VPC",
    );
}

#[tokio::test]
async fn a_storage_key_can_be_added_but_never_replaced_once_running() {
    let emulator = InProcess::new();
    let (workspace_id, _) = running(&emulator, Some("a")).await;
    let first = emulator.key(&["STORAGE"]).await;
    let second = emulator.key(&["STORAGE"]).await;
    patch(
        &emulator,
        workspace_id,
        Some("storage_customer_managed_key_id"),
        json!({"storage_customer_managed_key_id": first}),
    )
    .await
    .ok();
    patch(
        &emulator,
        workspace_id,
        Some("storage_customer_managed_key_id"),
        json!({"storage_customer_managed_key_id": second}),
    )
    .await
    .error(
        400,
        "INVALID_PARAMETER_VALUE",
        "storage_customer_managed_key_id cannot be replaced",
    );
}

#[tokio::test]
async fn removals_and_identity_changes_are_refused_naming_the_field() {
    let emulator = InProcess::new();
    let settings = emulator
        .private_access_settings("acme-pas", "us-west-2")
        .await;
    let mut body = emulator.workspace_body("acme").await;
    body["network_id"] = json!(emulator.network("a").await);
    body["private_access_settings_id"] = json!(settings);
    let workspace_id = emulator.create_workspace(body).await["workspace_id"]
        .as_i64()
        .unwrap();
    emulator.advance(10);
    patch(
        &emulator,
        workspace_id,
        Some("private_access_settings_id"),
        json!({}),
    )
    .await
    .error(
        400,
        "INVALID_PARAMETER_VALUE",
        "private_access_settings_id cannot be removed",
    );
    patch(&emulator, workspace_id, Some("network_id"), json!({}))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "Databricks-managed VPC");
    patch(
        &emulator,
        workspace_id,
        Some("workspace_name"),
        json!({"workspace_name": "renamed"}),
    )
    .await
    .error(
        400,
        "INVALID_PARAMETER_VALUE",
        "workspace_name cannot be changed",
    );
    patch(
        &emulator,
        workspace_id,
        None,
        json!({"pricing_tier": "PREMIUM"}),
    )
    .await
    .error(
        400,
        "INVALID_PARAMETER_VALUE",
        "pricing_tier cannot be changed",
    );
    patch(
        &emulator,
        workspace_id,
        Some("aws_region"),
        json!({"aws_region": "eu-west-1"}),
    )
    .await
    .error(
        400,
        "INVALID_PARAMETER_VALUE",
        "aws_region cannot be changed by an update (from `us-west-2` to `eu-west-1`)",
    );
    patch(&emulator, workspace_id, Some("workspace_status"), json!({}))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "`workspace_status`");
    // A new private access settings object is a change, not a removal.
    let other = emulator
        .private_access_settings("acme-pas-2", "us-west-2")
        .await;
    patch(
        &emulator,
        workspace_id,
        Some("private_access_settings_id"),
        json!({"private_access_settings_id": other}),
    )
    .await
    .ok();
}

#[tokio::test]
async fn a_provisioning_workspace_cannot_be_patched() {
    let emulator = InProcess::new();
    let workspace_id = emulator
        .create_workspace(emulator.workspace_body("acme").await)
        .await["workspace_id"]
        .as_i64()
        .unwrap();
    patch(
        &emulator,
        workspace_id,
        None,
        json!({"custom_tags": {"Env": "Prod"}}),
    )
    .await
    .error(409, "INVALID_STATE", "PROVISIONING");
}

#[tokio::test]
async fn a_failed_workspace_takes_a_new_network_and_storage_and_provisions_again() {
    let emulator = InProcess::new();
    emulator
        .emulator
        .set_scenario(Scenario {
            broken: BrokenResources {
                subnets: vec!["subnet-aa".to_owned()],
                ..BrokenResources::default()
            },
            ..Scenario::default()
        })
        .unwrap();
    let (workspace_id, body) = {
        let mut body = emulator.workspace_body("acme").await;
        body["network_id"] = json!(emulator.network("a").await);
        let id = emulator.create_workspace(body.clone()).await["workspace_id"]
            .as_i64()
            .unwrap();
        (id, body)
    };
    emulator.advance(10);
    assert_eq!(emulator.workspace_status(workspace_id).await, "FAILED");
    let network = emulator.network("b").await;
    let storage = emulator.storage("acme-storage-2").await;
    let storage_key = emulator.key(&["STORAGE"]).await;
    let updated = patch(
        &emulator,
        workspace_id,
        Some("network_id,storage_configuration_id,storage_customer_managed_key_id"),
        json!({"network_id": network, "storage_configuration_id": storage, "storage_customer_managed_key_id": storage_key}),
    )
    .await
    .ok();
    assert_eq!(updated["workspace_status"], "PROVISIONING");
    // A failed workspace that never ran may even replace its storage key.
    let other_key = emulator.key(&["STORAGE"]).await;
    let old_network = body["network_id"].as_str().unwrap();
    let old = emulator
        .api("GET", &format!("/networks/{old_network}"), None)
        .await
        .ok();
    assert_eq!(old["vpc_status"], "UNATTACHED", "released by the PATCH");
    emulator.advance(10);
    assert_eq!(emulator.workspace_status(workspace_id).await, "RUNNING");
    let valid = emulator
        .api("GET", &format!("/networks/{network}"), None)
        .await
        .ok();
    assert_eq!(valid["vpc_status"], "VALID");
    patch(
        &emulator,
        workspace_id,
        None,
        json!({"storage_customer_managed_key_id": other_key}),
    )
    .await
    .error(400, "INVALID_PARAMETER_VALUE", "cannot be replaced");
}

#[tokio::test]
async fn a_failed_workspace_recovers_on_a_new_network_once_the_cause_is_fixed() {
    let emulator = InProcess::new();
    emulator
        .emulator
        .set_scenario(Scenario {
            broken: BrokenResources {
                vpcs: vec!["vpc-a".to_owned()],
                ..BrokenResources::default()
            },
            ..Scenario::default()
        })
        .unwrap();
    let mut body = emulator.workspace_body("acme").await;
    body["network_id"] = json!(emulator.network("a").await);
    let workspace_id = emulator.create_workspace(body).await["workspace_id"]
        .as_i64()
        .unwrap();
    emulator.advance(10);
    assert_eq!(emulator.workspace_status(workspace_id).await, "FAILED");
    emulator.emulator.set_scenario(Scenario::default()).unwrap();
    let replacement = emulator.network("b").await;
    let updated = patch(
        &emulator,
        workspace_id,
        None,
        json!({"network_id": replacement}),
    )
    .await
    .ok();
    assert_eq!(updated["workspace_status"], "PROVISIONING");
    emulator.advance(10);
    assert_eq!(emulator.workspace_status(workspace_id).await, "RUNNING");
}

#[tokio::test]
async fn a_running_workspace_in_a_databricks_managed_vpc_provisions_again() {
    let emulator = InProcess::new();
    let (workspace_id, _) = running(&emulator, None).await;
    let updated = patch(
        &emulator,
        workspace_id,
        Some("custom_tags"),
        json!({"custom_tags": {"Env": "Prod"}}),
    )
    .await
    .ok();
    assert_eq!(updated["workspace_status"], "PROVISIONING");
    emulator.advance(10);
    assert_eq!(emulator.workspace_status(workspace_id).await, "RUNNING");
}

#[tokio::test]
async fn new_references_in_a_patch_are_checked() {
    let emulator = InProcess::new();
    let (workspace_id, _) = running(&emulator, Some("a")).await;
    patch(
        &emulator,
        workspace_id,
        Some("credentials_id"),
        json!({"credentials_id": "no-such-credentials"}),
    )
    .await
    .error(
        400,
        "INVALID_PARAMETER_VALUE",
        "credentials_id `no-such-credentials`",
    );
    let storage_key = emulator.key(&["STORAGE"]).await;
    patch(
        &emulator,
        workspace_id,
        None,
        json!({"managed_services_customer_managed_key_id": storage_key}),
    )
    .await
    .error(
        400,
        "INVALID_PARAMETER_VALUE",
        "do not include MANAGED_SERVICES",
    );
}
