//! Every validation rule of the issue: each test fails if its rule is removed.

use std::time::Duration;

use serde_json::json;

use crate::support::{InProcess, config, credentials_body, network_body};

#[tokio::test]
async fn configuration_names_must_be_4_to_256_characters() {
    let emulator = InProcess::new();
    emulator
        .api("POST", "/credentials", Some(credentials_body("abc")))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "credentials_name `abc`");
    let long = "n".repeat(257);
    emulator
        .api(
            "POST",
            "/storage-configurations",
            Some(json!({"storage_configuration_name": long, "root_bucket_info": {"bucket_name": "acme-root"}})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "storage_configuration_name");
    let mut network = network_body("a");
    network["network_name"] = json!("net");
    emulator
        .api("POST", "/networks", Some(network))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "network_name `net`");
    emulator
        .api(
            "POST",
            "/vpc-endpoints",
            Some(json!({"vpc_endpoint_name": "ep", "aws_vpc_endpoint_id": "vpce-1", "region": "us-west-2"})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "vpc_endpoint_name `ep`");
    emulator
        .api(
            "POST",
            "/private-access-settings",
            Some(json!({"private_access_settings_name": "pas", "region": "us-west-2"})),
        )
        .await
        .error(
            400,
            "INVALID_PARAMETER_VALUE",
            "private_access_settings_name `pas`",
        );
    let mut workspace = emulator.workspace_body("acme").await;
    workspace["workspace_name"] = json!("w".repeat(101));
    emulator
        .api("POST", "/workspaces", Some(workspace))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "workspace_name");
}

#[tokio::test]
async fn a_credentials_name_is_unique_in_the_account() {
    let emulator = InProcess::new();
    emulator.credentials("acme-credentials").await;
    emulator
        .api(
            "POST",
            "/credentials",
            Some(credentials_body("acme-credentials")),
        )
        .await
        .error(
            409,
            "RESOURCE_ALREADY_EXISTS",
            "acme-credentials already exists",
        );
    // Other collections allow duplicate names.
    emulator.storage("acme-root").await;
    emulator.storage("acme-root").await;
}

#[tokio::test]
async fn role_and_key_arns_must_have_their_shape() {
    let emulator = InProcess::new();
    let mut body = credentials_body("acme-credentials");
    body["aws_credentials"]["sts_role"]["role_arn"] = json!("arn:aws:iam::123:role/x");
    emulator
        .api("POST", "/credentials", Some(body))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "`arn:aws:iam::123:role/x`");
    emulator
        .api(
            "POST",
            "/credentials",
            Some(json!({"credentials_name": "acme-credentials"})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "role_arn");
    emulator
        .api(
            "POST",
            "/customer-managed-keys",
            Some(json!({"use_cases": ["STORAGE"], "aws_key_info": {"key_arn": "arn:aws:kms:us-west-2:123456789012:alias/x"}})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "`arn:aws:kms:us-west-2:123456789012:alias/x`");
    emulator
        .api(
            "POST",
            "/customer-managed-keys",
            Some(json!({"use_cases": ["STORAGE"], "aws_key_info": {
                "key_arn": "arn:aws:kms:us-west-2:123456789012:key/abc",
                "key_region": "eu-west-1",
            }})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "`eu-west-1`");
}

#[tokio::test]
async fn key_use_cases_come_from_the_enum() {
    let emulator = InProcess::new();
    let arn = "arn:aws:kms:us-west-2:123456789012:key/abc";
    emulator
        .api(
            "POST",
            "/customer-managed-keys",
            Some(json!({"use_cases": ["STORAGE", "EVERYTHING"], "aws_key_info": {"key_arn": arn}})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "`EVERYTHING`");
    emulator
        .api(
            "POST",
            "/customer-managed-keys",
            Some(json!({"use_cases": [], "aws_key_info": {"key_arn": arn}})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "use_cases is required");
}

#[tokio::test]
async fn a_workspace_key_slot_needs_the_matching_use_case() {
    let emulator = InProcess::new();
    let storage_only = emulator.key(&["STORAGE"]).await;
    let managed_only = emulator.key(&["MANAGED_SERVICES"]).await;
    let mut body = emulator.workspace_body("acme").await;
    body["managed_services_customer_managed_key_id"] = json!(storage_only);
    emulator
        .api("POST", "/workspaces", Some(body.clone()))
        .await
        .error(
            400,
            "INVALID_PARAMETER_VALUE",
            &format!("managed_services_customer_managed_key_id `{storage_only}` names a key whose use_cases [STORAGE] do not include MANAGED_SERVICES"),
        );
    body["managed_services_customer_managed_key_id"] = json!(managed_only);
    body["storage_customer_managed_key_id"] = json!(managed_only);
    emulator
        .api("POST", "/workspaces", Some(body.clone()))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "do not include STORAGE");
    body["storage_customer_managed_key_id"] = json!(storage_only);
    emulator.create_workspace(body).await;
}

#[tokio::test]
async fn networks_need_two_subnets_and_one_to_five_security_groups() {
    let emulator = InProcess::new();
    let mut one_subnet = network_body("a");
    one_subnet["subnet_ids"] = json!(["subnet-1"]);
    emulator
        .api("POST", "/networks", Some(one_subnet))
        .await
        .error(
            400,
            "INVALID_PARAMETER_VALUE",
            "at least 2 subnets, not 1 (subnet-1)",
        );
    let mut no_groups = network_body("a");
    no_groups["security_group_ids"] = json!([]);
    emulator
        .api("POST", "/networks", Some(no_groups))
        .await
        .error(
            400,
            "INVALID_PARAMETER_VALUE",
            "1 to 5 security groups, not 0",
        );
    let mut six_groups = network_body("a");
    six_groups["security_group_ids"] = json!(["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"]);
    emulator
        .api("POST", "/networks", Some(six_groups))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "not 6");
    let mut twice = network_body("a");
    twice["subnet_ids"] = json!(["subnet-1", "subnet-1"]);
    emulator.api("POST", "/networks", Some(twice)).await.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "`subnet-1` twice",
    );
    let mut five_groups = network_body("a");
    five_groups["security_group_ids"] = json!(["sg-1", "sg-2", "sg-3", "sg-4", "sg-5"]);
    emulator
        .api("POST", "/networks", Some(five_groups))
        .await
        .ok();
}

#[tokio::test]
async fn a_subnet_or_security_group_may_not_serve_two_networks() {
    let emulator = InProcess::new();
    let first = emulator.network("a").await;
    let mut shared_subnet = network_body("b");
    shared_subnet["subnet_ids"] = json!(["subnet-ba", "subnet-ab"]);
    emulator
        .api("POST", "/networks", Some(shared_subnet))
        .await
        .error(
            400,
            "INVALID_PARAMETER_VALUE",
            &format!("subnet `subnet-ab` is already used by network configuration {first}"),
        );
    let mut shared_group = network_body("b");
    shared_group["security_group_ids"] = json!(["sg-a"]);
    emulator
        .api("POST", "/networks", Some(shared_group))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "security group `sg-a`");
    // A refused network claims nothing: its own subnets are still free.
    emulator.network("b").await;
}

#[tokio::test]
async fn network_vpc_endpoints_must_exist_and_fit_their_list() {
    let emulator = InProcess::new();
    let mut missing = network_body("a");
    missing["vpc_endpoints"] = json!({"rest_api": ["no-such-endpoint"], "dataplane_relay": []});
    emulator
        .api("POST", "/networks", Some(missing))
        .await
        .plain_error(
            "MALFORMED_REQUEST",
            "vpc_endpoints malformed parameters: VPC Endpoint no-such-endpoint does not exist",
        );
    let relay = emulator.vpc_endpoint("acme-relay", "us-west-2").await;
    let mut first = network_body("b");
    first["vpc_endpoints"] = json!({"rest_api": [], "dataplane_relay": [relay]});
    emulator.api("POST", "/networks", Some(first)).await.ok();
    let mut wrong_list = network_body("c");
    wrong_list["vpc_endpoints"] = json!({"rest_api": [relay], "dataplane_relay": []});
    emulator
        .api("POST", "/networks", Some(wrong_list))
        .await
        .plain_error(
            "MALFORMED_REQUEST",
            &format!("VPC Endpoint {relay} with use_case DATAPLANE_RELAY_ACCESS cannot be attached in rest_api list"),
        );
}

#[tokio::test]
async fn private_access_settings_check_level_region_and_endpoints() {
    let emulator = InProcess::new();
    emulator
        .api(
            "POST",
            "/private-access-settings",
            Some(json!({"private_access_settings_name": "acme-pas", "region": "us-west-2", "private_access_level": "EVERYONE"})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "private_access_level `EVERYONE`");
    emulator
        .api(
            "POST",
            "/private-access-settings",
            Some(json!({"private_access_settings_name": "acme-pas", "region": "moon-1"})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "region `moon-1`");
    emulator
        .api(
            "POST",
            "/private-access-settings",
            Some(json!({"private_access_settings_name": "acme-pas", "region": "us-west-2", "allowed_vpc_endpoint_ids": ["nope"]})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "allowed_vpc_endpoint_ids `nope`");
    let european = emulator.vpc_endpoint("acme-eu", "eu-west-1").await;
    emulator
        .api(
            "POST",
            "/private-access-settings",
            Some(json!({"private_access_settings_name": "acme-pas", "region": "us-west-2", "allowed_vpc_endpoint_ids": [european]})),
        )
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "is in region eu-west-1");
}

#[tokio::test]
async fn a_workspace_region_must_be_supported() {
    let emulator = InProcess::new();
    let mut body = emulator.workspace_body("acme").await;
    body["aws_region"] = json!("mars-north-1");
    emulator
        .api("POST", "/workspaces", Some(body.clone()))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "aws_region `mars-north-1`");
    body["aws_region"] = json!("sa-east-1");
    emulator.create_workspace(body).await;
}

#[tokio::test]
async fn customer_managed_keys_are_refused_in_us_west_1() {
    let emulator = InProcess::new();
    let key = emulator.key(&["MANAGED_SERVICES", "STORAGE"]).await;
    let mut body = emulator.workspace_body("acme").await;
    body["aws_region"] = json!("us-west-1");
    body["storage_customer_managed_key_id"] = json!(key);
    emulator
        .api("POST", "/workspaces", Some(body.clone()))
        .await
        .error(
            400,
            "INVALID_PARAMETER_VALUE",
            "cannot be used in us-west-1",
        );
    body.as_object_mut()
        .unwrap()
        .remove("storage_customer_managed_key_id");
    emulator.create_workspace(body).await;
}

#[tokio::test]
async fn referenced_ids_must_exist() {
    let emulator = InProcess::new();
    let body = emulator.workspace_body("acme").await;
    for field in [
        "credentials_id",
        "storage_configuration_id",
        "network_id",
        "private_access_settings_id",
        "managed_services_customer_managed_key_id",
        "storage_customer_managed_key_id",
    ] {
        let mut broken = body.clone();
        broken[field] = json!("00000000-dead-beef-0000-000000000000");
        emulator
            .api("POST", "/workspaces", Some(broken))
            .await
            .error(
                400,
                "INVALID_PARAMETER_VALUE",
                &format!(
                    "{field} `00000000-dead-beef-0000-000000000000` does not name an existing"
                ),
            );
    }
    let mut without_credentials = body.clone();
    without_credentials
        .as_object_mut()
        .unwrap()
        .remove("credentials_id");
    emulator
        .api("POST", "/workspaces", Some(without_credentials))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "credentials_id is required");
}

#[tokio::test]
async fn a_network_serves_at_most_one_workspace() {
    let emulator = InProcess::new();
    let network = emulator.network("a").await;
    let mut first = emulator.workspace_body("first").await;
    first["network_id"] = json!(network);
    let first = emulator.create_workspace(first).await;
    let mut second = emulator.workspace_body("second").await;
    second["network_id"] = json!(network);
    emulator
        .api("POST", "/workspaces", Some(second))
        .await
        .error(
            400,
            "INVALID_PARAMETER_VALUE",
            &format!("is already used by workspace {}", first["workspace_id"]),
        );
}

#[tokio::test]
async fn private_access_settings_only_serve_their_region() {
    let emulator = InProcess::new();
    let settings = emulator
        .private_access_settings("acme-pas", "eu-west-1")
        .await;
    let mut body = emulator.workspace_body("acme").await;
    body["private_access_settings_id"] = json!(settings);
    emulator
        .api("POST", "/workspaces", Some(body.clone()))
        .await
        .error(
            400,
            "INVALID_PARAMETER_VALUE",
            "for region eu-west-1, which cannot serve a workspace in us-west-2",
        );
    body["aws_region"] = json!("eu-west-1");
    let workspace = emulator.create_workspace(body).await;
    // Moving the settings to another region would strand the workspace.
    emulator
        .api(
            "PUT",
            &format!("/private-access-settings/{settings}"),
            Some(json!({"private_access_settings_name": "acme-pas", "region": "us-west-2"})),
        )
        .await
        .error(
            400,
            "INVALID_PARAMETER_VALUE",
            &format!("would not serve workspace {}", workspace["workspace_id"]),
        );
}

#[tokio::test]
async fn deployment_names_are_lowered_checked_and_unique() {
    let emulator = InProcess::new();
    let mut body = emulator.workspace_body("sales").await;
    body["deployment_name"] = json!("ABCSales");
    let created = emulator.create_workspace(body.clone()).await;
    assert_eq!(created["deployment_name"], "abcsales");
    emulator
        .api("POST", "/workspaces", Some(body.clone()))
        .await
        .error(
            409,
            "RESOURCE_ALREADY_EXISTS",
            "deployment_name `abcsales` is already used",
        );
    for bad in ["-sales", "sales-", "sales_eu", "sales.eu"] {
        body["deployment_name"] = json!(bad);
        emulator
            .api("POST", "/workspaces", Some(body.clone()))
            .await
            .error(400, "INVALID_PARAMETER_VALUE", &format!("`{bad}`"));
    }
    body["deployment_name"] = json!("a".repeat(65));
    emulator
        .api("POST", "/workspaces", Some(body.clone()))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "at most 64");
    body["deployment_name"] = json!("EMPTY");
    emulator
        .api("POST", "/workspaces", Some(body))
        .await
        .plain_error("MALFORMED_REQUEST", "deployment name prefix is defined");
}

#[tokio::test]
async fn the_account_prefix_is_prepended_and_empty_means_just_the_prefix() {
    let emulator = InProcess::with_config(brickform_emulator::Config {
        deployment_name_prefix: Some("acme".to_owned()),
        ..config()
    });
    let mut body = emulator.workspace_body("sales").await;
    body["deployment_name"] = json!("Workspace-1");
    assert_eq!(
        emulator.create_workspace(body.clone()).await["deployment_name"],
        "acme-workspace-1"
    );
    let mut bare = emulator.workspace_body("bare").await;
    bare["deployment_name"] = json!("EMPTY");
    assert_eq!(
        emulator.create_workspace(bare).await["deployment_name"],
        "acme"
    );
}

#[tokio::test]
async fn a_deleted_workspace_holds_its_deployment_name_until_torn_down() {
    let emulator = InProcess::new();
    let mut body = emulator.workspace_body("sales").await;
    body["deployment_name"] = json!("sales");
    let created = emulator.create_workspace(body.clone()).await;
    let workspace_id = created["workspace_id"].as_i64().unwrap();
    emulator
        .api("DELETE", &format!("/workspaces/{workspace_id}"), None)
        .await
        .ok();
    emulator
        .api("POST", "/workspaces", Some(body.clone()))
        .await
        .error(409, "RESOURCE_ALREADY_EXISTS", "sales");
    emulator.clock.advance(Duration::from_secs(3));
    emulator.create_workspace(body).await;
}

#[tokio::test]
async fn custom_tags_keys_and_values_are_bounded() {
    let emulator = InProcess::new();
    let mut body = emulator.workspace_body("acme").await;
    body["custom_tags"] = json!({"": "x"});
    emulator
        .api("POST", "/workspaces", Some(body.clone()))
        .await
        .error(400, "INVALID_PARAMETER_VALUE", "custom_tags key");
    body["custom_tags"] = json!({"Env": "v".repeat(256)});
    emulator.api("POST", "/workspaces", Some(body)).await.error(
        400,
        "INVALID_PARAMETER_VALUE",
        "custom_tags value of `Env`",
    );
}

#[tokio::test]
async fn malformed_json_gets_plain_text_malformed_request() {
    let emulator = InProcess::new();
    let path = "/api/2.0/accounts/00000000-0000-0000-0000-000000000001/credentials";
    let reply = emulator
        .send(
            "POST",
            path,
            Some("{not json".to_owned()),
            Some(crate::support::TOKEN),
        )
        .await;
    reply.plain_error("MALFORMED_REQUEST", "Cannot parse request body");
    let wrong_type = emulator
        .send(
            "POST",
            path,
            Some(r#"{"credentials_name": 5}"#.to_owned()),
            Some(crate::support::TOKEN),
        )
        .await;
    wrong_type.plain_error("MALFORMED_REQUEST", "Cannot parse request body");
}

#[tokio::test]
async fn bodies_over_one_mebibyte_get_413() {
    let emulator = InProcess::new();
    let path = "/api/2.0/accounts/00000000-0000-0000-0000-000000000001/credentials";
    let huge = format!(
        r#"{{"credentials_name": "{}"}}"#,
        "x".repeat(1024 * 1024 + 1)
    );
    let reply = emulator
        .send("POST", path, Some(huge), Some(crate::support::TOKEN))
        .await;
    assert_eq!(
        reply.status,
        413,
        "{}",
        &reply.text[..reply.text.len().min(200)]
    );
    assert_eq!(reply.json["error_code"], "MALFORMED_REQUEST");
}
