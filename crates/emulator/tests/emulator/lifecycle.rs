//! Workspace lifecycle on a manual clock: provisioning, failure on broken resources, network
//! health, deletion and teardown.

use brickform_emulator::{BrokenResources, Scenario};
use serde_json::json;

use crate::support::InProcess;

#[tokio::test]
async fn a_workspace_is_provisioning_until_the_delay_has_passed() {
    let emulator = InProcess::new();
    let created = emulator
        .create_workspace(emulator.workspace_body("acme").await)
        .await;
    assert_eq!(created["workspace_status"], "PROVISIONING");
    assert_eq!(
        created["workspace_status_message"],
        "Workspace resources are being set up."
    );
    let workspace_id = created["workspace_id"].as_i64().unwrap();
    emulator.advance(9);
    assert_eq!(
        emulator.workspace_status(workspace_id).await,
        "PROVISIONING"
    );
    emulator.advance(1);
    assert_eq!(emulator.workspace_status(workspace_id).await, "RUNNING");
}

#[tokio::test]
async fn an_attached_network_becomes_valid_and_names_its_workspace() {
    let emulator = InProcess::new();
    let network = emulator.network("a").await;
    let mut body = emulator.workspace_body("acme").await;
    body["network_id"] = json!(network);
    let workspace_id = emulator.create_workspace(body).await["workspace_id"]
        .as_i64()
        .unwrap();
    let provisioning = emulator
        .api("GET", &format!("/networks/{network}"), None)
        .await
        .ok();
    assert_eq!(provisioning["workspace_id"], workspace_id);
    assert_eq!(provisioning["vpc_status"], "UNATTACHED");
    emulator.advance(10);
    let running = emulator
        .api("GET", &format!("/networks/{network}"), None)
        .await
        .ok();
    assert_eq!(running["vpc_status"], "VALID");
    assert_eq!(running["workspace_id"], workspace_id);
    let listed = emulator.api("GET", "/networks", None).await.ok();
    assert_eq!(listed, json!([running]));
}

async fn failed_workspace(broken: BrokenResources, error_type: &str, needle: &str) {
    let emulator = InProcess::new();
    emulator
        .emulator
        .set_scenario(Scenario {
            broken,
            ..Scenario::default()
        })
        .unwrap();
    let network = emulator.network("a").await;
    let mut body = emulator.workspace_body("acme").await;
    body["network_id"] = json!(network);
    let workspace_id = emulator.create_workspace(body).await["workspace_id"]
        .as_i64()
        .unwrap();
    emulator.advance(10);
    let workspace = emulator
        .api("GET", &format!("/workspaces/{workspace_id}"), None)
        .await
        .ok();
    assert_eq!(workspace["workspace_status"], "FAILED");
    let message = workspace["workspace_status_message"].as_str().unwrap();
    assert!(message.contains(needle), "{message}");
    let network = emulator
        .api("GET", &format!("/networks/{network}"), None)
        .await
        .ok();
    assert_eq!(network["vpc_status"], "BROKEN");
    assert_eq!(network["workspace_id"], workspace_id);
    assert_eq!(network["error_messages"][0]["error_type"], error_type);
    let error_message = network["error_messages"][0]["error_message"]
        .as_str()
        .unwrap();
    assert!(error_message.contains(needle), "{error_message}");
}

#[tokio::test]
async fn a_broken_subnet_fails_the_workspace_and_breaks_the_network() {
    let broken = BrokenResources {
        subnets: vec!["subnet-ab".to_owned()],
        ..BrokenResources::default()
    };
    failed_workspace(broken, "subnet", "subnet subnet-ab").await;
}

#[tokio::test]
async fn a_broken_security_group_fails_the_workspace() {
    let broken = BrokenResources {
        security_groups: vec!["sg-a".to_owned()],
        ..BrokenResources::default()
    };
    failed_workspace(broken, "securityGroup", "security group sg-a").await;
}

#[tokio::test]
async fn a_broken_vpc_fails_the_workspace() {
    let broken = BrokenResources {
        vpcs: vec!["vpc-a".to_owned()],
        ..BrokenResources::default()
    };
    failed_workspace(broken, "vpc", "VPC vpc-a").await;
}

#[tokio::test]
async fn a_workspace_without_a_network_ignores_broken_resources() {
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
    let workspace_id = emulator
        .create_workspace(emulator.workspace_body("acme").await)
        .await["workspace_id"]
        .as_i64()
        .unwrap();
    emulator.advance(10);
    assert_eq!(emulator.workspace_status(workspace_id).await, "RUNNING");
}

#[tokio::test]
async fn a_deleted_workspace_keeps_its_objects_in_use_until_torn_down() {
    let emulator = InProcess::new();
    let network = emulator.network("a").await;
    let mut body = emulator.workspace_body("acme").await;
    body["network_id"] = json!(network);
    let credentials = body["credentials_id"].as_str().unwrap().to_owned();
    let workspace_id = emulator.create_workspace(body).await["workspace_id"]
        .as_i64()
        .unwrap();
    emulator.advance(10);
    let deleted = emulator
        .api("DELETE", &format!("/workspaces/{workspace_id}"), None)
        .await
        .ok();
    assert_eq!(deleted["workspace_status"], "CANCELLING");
    emulator.advance(2);
    assert_eq!(emulator.workspace_status(workspace_id).await, "CANCELLING");
    emulator
        .api("DELETE", &format!("/credentials/{credentials}"), None)
        .await
        .error(409, "INVALID_STATE", "is being used by an active workspace");
    emulator
        .api("DELETE", &format!("/networks/{network}"), None)
        .await
        .error(409, "INVALID_STATE", "is being used by an active workspace");
    // A second DELETE during teardown changes nothing.
    emulator
        .api("DELETE", &format!("/workspaces/{workspace_id}"), None)
        .await
        .ok();
    emulator.advance(1);
    emulator
        .api("GET", &format!("/workspaces/{workspace_id}"), None)
        .await
        .error(404, "RESOURCE_DOES_NOT_EXIST", &workspace_id.to_string());
    assert_eq!(
        emulator.api("GET", "/workspaces", None).await.ok(),
        json!([])
    );
    let freed = emulator
        .api("GET", &format!("/networks/{network}"), None)
        .await
        .ok();
    assert_eq!(freed["vpc_status"], "UNATTACHED");
    assert!(freed.get("workspace_id").is_none());
    emulator
        .api("DELETE", &format!("/credentials/{credentials}"), None)
        .await
        .ok();
    emulator
        .api("DELETE", &format!("/networks/{network}"), None)
        .await
        .ok();
}

#[tokio::test]
async fn a_zero_provisioning_delay_answers_running_at_once() {
    let emulator = InProcess::with_config(brickform_emulator::Config {
        provisioning_delay: std::time::Duration::ZERO,
        ..crate::support::config()
    });
    let created = emulator
        .create_workspace(emulator.workspace_body("acme").await)
        .await;
    assert_eq!(created["workspace_status"], "RUNNING");
}
