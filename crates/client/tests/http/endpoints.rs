//! Every endpoint sends the right method, path, query and body, and decodes the answer.

use api_types::{
    CreateCredentialRequest, PrivateAccessLevel, PrivateAccessSettingsRequest,
    UpdateWorkspaceRequest,
};
use brickform_client::{AccountApi, ErrorKind, USER_AGENT};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, ACCOUNT, TOKEN, count, network_json, pat_client};

#[tokio::test]
async fn a_create_posts_the_request_with_the_standard_headers() {
    let server = MockServer::start().await;
    let request = CreateCredentialRequest::new("acme-creds", "arn:aws:iam::1:role/acme");
    Mock::given(method("POST"))
        .and(path(support::path("credentials")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("user-agent", USER_AGENT))
        .and(header("accept", "application/json"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "credentials_name": "acme-creds",
            "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::1:role/acme"}}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "credentials_id": "c-1",
            "credentials_name": "acme-creds",
            "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::1:role/acme",
                                             "external_id": ACCOUNT}},
            "account_id": ACCOUNT,
            "creation_time": 1
        })))
        .expect(1)
        .mount(&server)
        .await;
    let created = pat_client(&server)
        .create_credential(&request)
        .await
        .unwrap();
    assert_eq!(created.credentials_id, "c-1");
    assert_eq!(created.role_arn(), Some("arn:aws:iam::1:role/acme"));
    assert!(USER_AGENT.starts_with("brickform/"));
}

#[tokio::test]
async fn a_snapshot_is_exactly_seven_list_calls() {
    let server = MockServer::start().await;
    let collections = [
        "credentials",
        "storage-configurations",
        "customer-managed-keys",
        "vpc-endpoints",
        "networks",
        "private-access-settings",
        "workspaces",
    ];
    for collection in collections {
        let body = if collection == "networks" {
            json!([
                network_json("n-1", "acme-vpc"),
                network_json("n-2", "acme-vpc-2")
            ])
        } else {
            json!([])
        };
        Mock::given(method("GET"))
            .and(path(support::path(collection)))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let snapshot = pat_client(&server).snapshot().await.unwrap();
    assert_eq!(snapshot.networks.len(), 2);
    assert_eq!(snapshot.len(), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 7);
}

#[tokio::test]
async fn lists_accept_the_wrapped_form_and_an_empty_object() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(support::path("networks")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"networks": [network_json("n-1", "acme-vpc")]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(support::path("workspaces")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(support::path("credentials")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"other": [1]})))
        .mount(&server)
        .await;
    // A document that is no list at all is not an empty account.
    Mock::given(method("GET"))
        .and(path(support::path("vpc-endpoints")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"message": "scheduled maintenance"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(support::path("private-access-settings")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"next_page_token": ""})))
        .mount(&server)
        .await;
    // One page of a paginated list is not the account: the pages not read would be
    // planned as creates.
    Mock::given(method("GET"))
        .and(path(support::path("storage-configurations")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "storage_configurations": [],
            "next_page_token": "page-2",
        })))
        .mount(&server)
        .await;
    let client = pat_client(&server);
    let networks = client.list_networks().await.unwrap();
    assert_eq!(networks[0].network_name, "acme-vpc");
    let partial = client.list_storage_configurations().await.unwrap_err();
    assert!(
        matches!(partial.kind(), ErrorKind::Decode { .. }),
        "{partial:?}"
    );
    let mut chain = Vec::new();
    let mut cause: Option<&dyn std::error::Error> = Some(&partial);
    while let Some(error) = cause {
        chain.push(error.to_string());
        cause = error.source();
    }
    assert!(
        chain
            .iter()
            .any(|line| line.contains("`next_page_token` is set")),
        "{chain:?}"
    );
    assert!(client.list_workspaces().await.unwrap().is_empty());
    assert!(
        client
            .list_private_access_settings()
            .await
            .unwrap()
            .is_empty()
    );
    for error in [
        client.list_credentials().await.unwrap_err(),
        client.list_vpc_endpoints().await.unwrap_err(),
    ] {
        assert!(
            matches!(error.kind(), ErrorKind::Decode { .. }),
            "{error:?}"
        );
        assert_eq!(
            std::error::Error::source(&error).unwrap().to_string(),
            "cannot decode the server's 200 OK answer"
        );
    }
}

#[tokio::test]
async fn get_and_delete_address_the_object_by_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(support::path("workspaces/1614665312930232")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "workspace_id": 1_614_665_312_930_232_i64,
            "workspace_name": "sales",
            "workspace_status": "RUNNING"
        })))
        .expect(1)
        .mount(&server)
        .await;
    // The classic API generation answers a DELETE with an empty body.
    Mock::given(method("DELETE"))
        .and(path(support::path("networks/n-1")))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(support::path("credentials/c-1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"credentials_id": "c-1"})))
        .expect(1)
        .mount(&server)
        .await;
    let client = pat_client(&server);
    let workspace = client.get_workspace(1_614_665_312_930_232).await.unwrap();
    assert_eq!(workspace.workspace_name, "sales");
    client.delete_network("n-1").await.unwrap();
    client.delete_credential("c-1").await.unwrap();
}

#[tokio::test]
async fn a_workspace_patch_names_exactly_the_fields_it_sets() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(support::path("workspaces/42")))
        .and(query_param("update_mask", "credentials_id,custom_tags"))
        .and(body_json(
            json!({"credentials_id": "c-2", "custom_tags": {"Env": "Prod"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "workspace_id": 42, "credentials_id": "c-2", "workspace_status": "RUNNING"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let request = UpdateWorkspaceRequest {
        credentials_id: Some("c-2".to_owned()),
        custom_tags: Some([("Env".to_owned(), "Prod".to_owned())].into()),
        ..UpdateWorkspaceRequest::default()
    };
    let workspace = pat_client(&server)
        .update_workspace(42, &request)
        .await
        .unwrap();
    assert_eq!(workspace.credentials_id.as_deref(), Some("c-2"));
}

#[tokio::test]
async fn a_put_without_an_answer_body_reads_the_object_back() {
    let server = MockServer::start().await;
    let request = PrivateAccessSettingsRequest {
        private_access_settings_name: "acme-pas".to_owned(),
        region: "us-west-2".to_owned(),
        public_access_enabled: Some(false),
        private_access_level: Some(PrivateAccessLevel::Endpoint),
        allowed_vpc_endpoint_ids: vec!["v-1".to_owned()],
    };
    Mock::given(method("PUT"))
        .and(path(support::path("private-access-settings/p-1")))
        .and(body_json(json!({
            "private_access_settings_name": "acme-pas",
            "region": "us-west-2",
            "public_access_enabled": false,
            "private_access_level": "ENDPOINT",
            "allowed_vpc_endpoint_ids": ["v-1"]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(support::path("private-access-settings/p-1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "private_access_settings_id": "p-1",
            "private_access_settings_name": "acme-pas",
            "region": "us-west-2",
            "private_access_level": "ENDPOINT"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let settings = pat_client(&server)
        .replace_private_access_settings("p-1", &request)
        .await
        .unwrap();
    assert_eq!(settings.private_access_settings_id, "p-1");
}

#[tokio::test]
async fn every_error_body_shape_is_parsed_and_not_retried() {
    let server = MockServer::start().await;
    let cases = [
        (
            "networks/json",
            ResponseTemplate::new(404).set_body_json(json!({
                "error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Network json does not exist."
            })),
            "404 Not Found: RESOURCE_DOES_NOT_EXIST: Network json does not exist.",
        ),
        (
            "networks/numeric",
            ResponseTemplate::new(403)
                .set_body_json(json!({"error_code": 403, "message": "not an account admin"})),
            "403 Forbidden: 403: not an account admin",
        ),
        (
            "networks/plain",
            ResponseTemplate::new(400).set_body_string(
                "MALFORMED_REQUEST: vpc_endpoints malformed parameters: VPC Endpoint v-1",
            ),
            "400 Bad Request: MALFORMED_REQUEST: vpc_endpoints malformed parameters: VPC Endpoint v-1",
        ),
        ("networks/empty", ResponseTemplate::new(409), "409 Conflict"),
        (
            "networks/html",
            ResponseTemplate::new(500).set_body_raw("<html><body>oops</body></html>", "text/html"),
            "500 Internal Server Error",
        ),
    ];
    for (suffix, response, _) in &cases {
        Mock::given(method("GET"))
            .and(path(support::path(suffix)))
            .respond_with(response.clone())
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = pat_client(&server);
    for (suffix, _, expected) in cases {
        let id = suffix.trim_start_matches("networks/");
        let error = client.get_network(id).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("cannot read network {id} (GET /api/2.0/accounts/{ACCOUNT}/networks/{id})")
        );
        assert_eq!(
            std::error::Error::source(&error).unwrap().to_string(),
            expected
        );
        assert_eq!(error.retries(), 0);
        assert_eq!(error.is_not_found(), id == "json");
        assert_eq!(error.is_permission_denied(), id == "numeric");
        assert_eq!(error.is_conflict(), id == "empty");
        // One request each: none of these is worth a retry.
        assert_eq!(count(&server, "GET", &support::path(suffix)).await, 1);
    }
}

#[tokio::test]
async fn a_login_page_where_json_was_expected_is_an_error_that_says_so() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(support::path("workspaces")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<!DOCTYPE html><html><title>Log in</title></html>",
            "text/html",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let error = pat_client(&server).list_workspaces().await.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::HtmlPage { .. }));
    let cause = std::error::Error::source(&error).unwrap().to_string();
    assert!(cause.contains("HTML page"), "{cause}");
    assert!(cause.contains("login page"), "{cause}");
}
