//! Create, list, get and delete of every collection: the wire shapes the reference gives.

use serde_json::{Value, json};

use crate::support::{InProcess, START_MS, credentials_body};

fn is_uuid(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|text| uuid::Uuid::parse_str(text).is_ok())
}

#[tokio::test]
async fn credentials_echo_the_role_and_the_account_as_external_id() {
    let emulator = InProcess::new();
    let mut body = credentials_body("acme-credentials");
    body["unknown_field"] = json!("ignored");
    let created = emulator.api("POST", "/credentials", Some(body)).await.ok();
    assert!(is_uuid(&created["credentials_id"]));
    let id = created["credentials_id"].as_str().unwrap();
    assert_eq!(
        created,
        json!({
            "credentials_id": id,
            "credentials_name": "acme-credentials",
            "aws_credentials": {"sts_role": {
                "role_arn": "arn:aws:iam::123456789012:role/acme-databricks",
                "external_id": "00000000-0000-0000-0000-000000000001",
            }},
            "account_id": "00000000-0000-0000-0000-000000000001",
            "creation_time": START_MS,
        })
    );
    let fetched = emulator
        .api("GET", &format!("/credentials/{id}"), None)
        .await
        .ok();
    assert_eq!(fetched, created);
    assert_eq!(
        emulator.api("GET", "/credentials", None).await.ok(),
        json!([created.clone()])
    );
    let deleted = emulator
        .api("DELETE", &format!("/credentials/{id}"), None)
        .await
        .ok();
    assert_eq!(deleted, created, "DELETE answers the deleted object");
    emulator
        .api("GET", &format!("/credentials/{id}"), None)
        .await
        .error(404, "RESOURCE_DOES_NOT_EXIST", id);
    emulator
        .api("DELETE", &format!("/credentials/{id}"), None)
        .await
        .error(404, "RESOURCE_DOES_NOT_EXIST", id);
    assert_eq!(
        emulator.api("GET", "/credentials", None).await.ok(),
        json!([])
    );
}

#[tokio::test]
async fn storage_configurations_omit_what_was_not_sent() {
    let emulator = InProcess::new();
    let created = emulator
        .api(
            "POST",
            "/storage-configurations",
            Some(json!({"storage_configuration_name": "acme-root", "root_bucket_info": {"bucket_name": "acme-dbfs-root"}})),
        )
        .await
        .ok();
    assert!(is_uuid(&created["storage_configuration_id"]));
    assert_eq!(created["root_bucket_info"]["bucket_name"], "acme-dbfs-root");
    assert!(created.get("role_arn").is_none(), "{created}");
    assert_eq!(created["creation_time"], START_MS);
    let with_role = emulator
        .api(
            "POST",
            "/storage-configurations",
            Some(json!({
                "storage_configuration_name": "acme-root-uc",
                "root_bucket_info": {"bucket_name": "acme-dbfs-root"},
                "role_arn": "arn:aws:iam::123456789012:role/uc",
            })),
        )
        .await
        .ok();
    assert_eq!(with_role["role_arn"], "arn:aws:iam::123456789012:role/uc");
    let listed = emulator
        .api("GET", "/storage-configurations", None)
        .await
        .ok();
    assert_eq!(
        listed,
        json!([created, with_role]),
        "lists are bare arrays, oldest first"
    );
}

#[tokio::test]
async fn keys_get_their_region_from_the_arn() {
    let emulator = InProcess::new();
    let created = emulator
        .api(
            "POST",
            "/customer-managed-keys",
            Some(json!({
                "use_cases": ["MANAGED_SERVICES", "STORAGE"],
                "aws_key_info": {
                    "key_arn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                    "key_alias": "alias/databricks",
                    "reuse_key_for_cluster_volumes": true,
                },
            })),
        )
        .await
        .ok();
    assert!(is_uuid(&created["customer_managed_key_id"]));
    assert_eq!(created["aws_key_info"]["key_region"], "eu-west-1");
    assert_eq!(created["aws_key_info"]["key_alias"], "alias/databricks");
    assert_eq!(
        created["aws_key_info"]["reuse_key_for_cluster_volumes"],
        true
    );
    assert_eq!(created["use_cases"], json!(["MANAGED_SERVICES", "STORAGE"]));
}

#[tokio::test]
async fn vpc_endpoints_are_available_at_once_and_have_no_creation_time() {
    let emulator = InProcess::new();
    let created = emulator
        .api(
            "POST",
            "/vpc-endpoints",
            Some(json!({"vpc_endpoint_name": "acme-rest", "aws_vpc_endpoint_id": "vpce-0aaa", "region": "us-west-2"})),
        )
        .await
        .ok();
    assert!(is_uuid(&created["vpc_endpoint_id"]));
    assert_eq!(created["state"], "available");
    assert_eq!(created["aws_vpc_endpoint_id"], "vpce-0aaa");
    assert!(created.get("creation_time").is_none());
    assert!(created.get("use_case").is_none(), "decided by first use");
}

#[tokio::test]
async fn networks_start_unattached() {
    let emulator = InProcess::new();
    let id = emulator.network("a").await;
    let network = emulator
        .api("GET", &format!("/networks/{id}"), None)
        .await
        .ok();
    assert_eq!(network["vpc_status"], "UNATTACHED");
    assert_eq!(network["subnet_ids"], json!(["subnet-aa", "subnet-ab"]));
    assert!(network.get("workspace_id").is_none());
    assert!(network.get("error_messages").is_none());
    let deleted = emulator
        .api("DELETE", &format!("/networks/{id}"), None)
        .await
        .ok();
    assert_eq!(deleted["network_id"], id.as_str());
    // Its subnets and security group are free again.
    emulator.network("a").await;
}

#[tokio::test]
async fn private_access_settings_are_replaced_whole_by_put() {
    let emulator = InProcess::new();
    let endpoint = emulator.vpc_endpoint("acme-front", "us-west-2").await;
    let created = emulator
        .api(
            "POST",
            "/private-access-settings",
            Some(json!({
                "private_access_settings_name": "acme-pas",
                "region": "us-west-2",
                "public_access_enabled": false,
                "private_access_level": "ENDPOINT",
                "allowed_vpc_endpoint_ids": [endpoint],
            })),
        )
        .await
        .ok();
    let id = created["private_access_settings_id"].as_str().unwrap();
    assert_eq!(
        created["public_access_enabled"], false,
        "false is kept, not omitted"
    );
    assert!(created.get("creation_time").is_none());
    let replaced = emulator
        .api(
            "PUT",
            &format!("/private-access-settings/{id}"),
            Some(json!({
                "private_access_settings_id": id,
                "private_access_settings_name": "acme-pas-2",
                "region": "us-west-2",
            })),
        )
        .await
        .ok();
    assert_eq!(replaced["private_access_settings_name"], "acme-pas-2");
    assert!(
        replaced.get("allowed_vpc_endpoint_ids").is_none(),
        "a full overwrite"
    );
    assert!(replaced.get("private_access_level").is_none());
    let fetched = emulator
        .api("GET", &format!("/private-access-settings/{id}"), None)
        .await
        .ok();
    assert_eq!(fetched, replaced);
    // The endpoint is no longer used by the settings, so it can go.
    emulator
        .api("DELETE", &format!("/vpc-endpoints/{endpoint}"), None)
        .await
        .ok();
    emulator
        .api(
            "PUT",
            "/private-access-settings/missing-id",
            Some(json!({"private_access_settings_name": "acme-pas", "region": "us-west-2"})),
        )
        .await
        .error(404, "RESOURCE_DOES_NOT_EXIST", "missing-id");
}

#[tokio::test]
async fn workspaces_have_int64_ids_and_a_generated_deployment_name() {
    let emulator = InProcess::new();
    let mut body = emulator.workspace_body("acme").await;
    body["is_no_public_ip_enabled"] = json!(true);
    body["effective_compute_mode"] = json!("");
    body["account_id"] = json!("ignored-in-the-body");
    let created = emulator.create_workspace(body).await;
    let workspace_id = created["workspace_id"].as_i64().unwrap();
    assert!(workspace_id >= 1_000_000_000_000_000, "{workspace_id}");
    let deployment_name = created["deployment_name"].as_str().unwrap();
    let parts: Vec<&str> = deployment_name.split('-').collect();
    assert_eq!(parts[0], "dbc", "{deployment_name}");
    assert_eq!(
        (parts[1].len(), parts[2].len()),
        (8, 4),
        "{deployment_name}"
    );
    assert_eq!(created["workspace_status"], "PROVISIONING");
    assert_eq!(
        created["account_id"],
        "00000000-0000-0000-0000-000000000001"
    );
    assert_eq!(created["pricing_tier"], "ENTERPRISE");
    assert_eq!(created["creation_time"], START_MS);
    assert!(created.get("network_id").is_none());
    assert!(created.get("custom_tags").is_none());
    assert!(created.get("is_no_public_ip_enabled").is_none());
    let listed = emulator.api("GET", "/workspaces", None).await.ok();
    assert_eq!(listed, json!([created]));
    emulator
        .api("GET", "/workspaces/12", None)
        .await
        .error(404, "RESOURCE_DOES_NOT_EXIST", "12");
    emulator.api("GET", "/workspaces/abc", None).await.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "`abc`",
    );
}

#[tokio::test]
async fn deleting_an_object_in_use_is_refused_with_invalid_state() {
    let emulator = InProcess::new();
    let key = emulator.key(&["MANAGED_SERVICES", "STORAGE"]).await;
    let network = emulator.network("a").await;
    let settings = emulator
        .private_access_settings("acme-pas", "us-west-2")
        .await;
    let mut body = emulator.workspace_body("acme").await;
    body["network_id"] = json!(network);
    body["managed_services_customer_managed_key_id"] = json!(key);
    body["private_access_settings_id"] = json!(settings);
    let workspace = emulator.create_workspace(body.clone()).await;
    let workspace_id = workspace["workspace_id"].as_i64().unwrap();
    let in_use = [
        ("credentials", body["credentials_id"].as_str().unwrap()),
        (
            "storage-configurations",
            body["storage_configuration_id"].as_str().unwrap(),
        ),
        ("customer-managed-keys", key.as_str()),
        ("networks", network.as_str()),
        ("private-access-settings", settings.as_str()),
    ];
    for (collection, id) in in_use {
        emulator
            .api("DELETE", &format!("/{collection}/{id}"), None)
            .await
            .error(
                409,
                "INVALID_STATE",
                &format!("is being used by an active workspace {workspace_id}"),
            );
        emulator
            .api("GET", &format!("/{collection}/{id}"), None)
            .await
            .ok();
    }
}

#[tokio::test]
async fn vpc_endpoints_used_by_a_network_or_settings_cannot_be_deleted() {
    let emulator = InProcess::new();
    let rest = emulator.vpc_endpoint("acme-rest", "us-west-2").await;
    let relay = emulator.vpc_endpoint("acme-relay", "us-west-2").await;
    let front = emulator.vpc_endpoint("acme-front", "us-west-2").await;
    let mut body = crate::support::network_body("a");
    body["vpc_endpoints"] = json!({"rest_api": [rest], "dataplane_relay": [relay]});
    let network = emulator.api("POST", "/networks", Some(body)).await.ok();
    let network_id = network["network_id"].as_str().unwrap();
    emulator
        .api("DELETE", &format!("/vpc-endpoints/{relay}"), None)
        .await
        .error(
            409,
            "INVALID_STATE",
            &format!("network configuration {network_id}"),
        );
    let settings = emulator
        .api(
            "POST",
            "/private-access-settings",
            Some(json!({"private_access_settings_name": "acme-pas", "region": "us-west-2", "private_access_level": "ENDPOINT", "allowed_vpc_endpoint_ids": [front]})),
        )
        .await
        .ok();
    let settings_id = settings["private_access_settings_id"].as_str().unwrap();
    emulator
        .api("DELETE", &format!("/vpc-endpoints/{front}"), None)
        .await
        .error(
            409,
            "INVALID_STATE",
            &format!("private access settings {settings_id}"),
        );
    // Once the users are gone, so may the endpoints be.
    emulator
        .api("DELETE", &format!("/networks/{network_id}"), None)
        .await
        .ok();
    emulator
        .api(
            "DELETE",
            &format!("/private-access-settings/{settings_id}"),
            None,
        )
        .await
        .ok();
    for endpoint in [rest, relay, front] {
        emulator
            .api("DELETE", &format!("/vpc-endpoints/{endpoint}"), None)
            .await
            .ok();
    }
}

#[tokio::test]
async fn endpoint_use_cases_are_fixed_by_their_first_list() {
    let emulator = InProcess::new();
    let rest = emulator.vpc_endpoint("acme-rest", "us-west-2").await;
    let relay = emulator.vpc_endpoint("acme-relay", "us-west-2").await;
    let mut body = crate::support::network_body("a");
    body["vpc_endpoints"] = json!({"rest_api": [rest], "dataplane_relay": [relay]});
    emulator.api("POST", "/networks", Some(body)).await.ok();
    let rest_endpoint = emulator
        .api("GET", &format!("/vpc-endpoints/{rest}"), None)
        .await
        .ok();
    assert_eq!(rest_endpoint["use_case"], "WORKSPACE_ACCESS");
    let relay_endpoint = emulator
        .api("GET", &format!("/vpc-endpoints/{relay}"), None)
        .await
        .ok();
    assert_eq!(relay_endpoint["use_case"], "DATAPLANE_RELAY_ACCESS");
}
