//! `create_or_adopt`: a `POST` whose outcome is unknown is followed by a listing, and an
//! object the lost request created is adopted rather than created twice.

use std::time::Duration;

use api_types::Network;
use brickform_client::{AccountApi, Adoption, ErrorKind, Resource};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, builder, count, network_json, network_request, pat, pat_client};

async fn list_answers(server: &MockServer, networks: serde_json::Value, times: u64) {
    Mock::given(method("GET"))
        .and(path(support::path("networks")))
        .respond_with(ResponseTemplate::new(200).set_body_json(networks))
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn an_object_created_by_a_lost_post_is_adopted_not_duplicated() {
    let server = MockServer::start().await;
    // The server committed the create, then the answer was lost as a 502.
    Mock::given(method("POST"))
        .and(path(support::path("networks")))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    list_answers(&server, json!([network_json("n-1", "acme-vpc")]), 1).await;
    let request = network_request("acme-vpc");
    let created = pat_client(&server)
        .create_or_adopt::<Network>(&request, &Network::requested_key(&request))
        .await
        .unwrap();
    assert_eq!(created.object.network_id, "n-1");
    assert_eq!(created.adoption, Some(Adoption::AfterUncertainCreate));
    assert_eq!(count(&server, "GET", &support::path("networks")).await, 1);
}

#[tokio::test]
async fn a_post_that_timed_out_without_effect_is_sent_again_after_listing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(support::path("networks")))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(support::path("networks")))
        .respond_with(ResponseTemplate::new(200).set_body_json(network_json("n-2", "acme-vpc")))
        .with_priority(2)
        .mount(&server)
        .await;
    list_answers(&server, json!([network_json("n-0", "someone-else")]), 1).await;
    let client = builder(&server, pat())
        .http_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let request = network_request("acme-vpc");
    let created = client
        .create_or_adopt::<Network>(&request, &Network::requested_key(&request))
        .await
        .unwrap();
    assert_eq!(created.object.network_id, "n-2");
    assert_eq!(created.adoption, None);
    assert_eq!(count(&server, "POST", &support::path("networks")).await, 2);
    assert_eq!(count(&server, "GET", &support::path("networks")).await, 1);
}

#[tokio::test]
async fn a_name_conflict_hands_back_the_existing_object() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(support::path("networks")))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "error_code": "RESOURCE_ALREADY_EXISTS",
            "message": "Network configuration name acme-vpc already exists in this account."
        })))
        .expect(1)
        .mount(&server)
        .await;
    list_answers(&server, json!([network_json("n-7", "acme-vpc")]), 1).await;
    let request = network_request("acme-vpc");
    let created = pat_client(&server)
        .create_or_adopt::<Network>(&request, &Network::requested_key(&request))
        .await
        .unwrap();
    assert_eq!(created.object.network_id, "n-7");
    assert_eq!(created.adoption, Some(Adoption::AfterNameConflict));
}

#[tokio::test]
async fn a_conflict_with_nothing_to_adopt_is_reported_as_is() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(support::path("networks")))
        .respond_with(ResponseTemplate::new(400).set_body_string(
            "INVALID_PARAMETER_VALUE: Network configuration name acme-vpc already exists",
        ))
        .expect(1)
        .mount(&server)
        .await;
    list_answers(&server, json!([]), 1).await;
    let request = network_request("acme-vpc");
    let error = pat_client(&server)
        .create_or_adopt::<Network>(&request, &Network::requested_key(&request))
        .await
        .unwrap_err();
    assert!(error.is_already_exists(), "{error:?}");
}

#[tokio::test]
async fn two_objects_with_the_key_are_an_error_never_a_guess() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(support::path("networks")))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    let twins = json!([
        network_json("n-1", "acme-vpc"),
        network_json("n-2", "acme-vpc")
    ]);
    list_answers(&server, twins, 1).await;
    let request = network_request("acme-vpc");
    let error = pat_client(&server)
        .create_or_adopt::<Network>(&request, &Network::requested_key(&request))
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::DuplicateNaturalKey { ids, .. } if ids == &["n-1", "n-2"]),
        "{error:?}"
    );
    assert_eq!(
        std::error::Error::source(&error).unwrap().to_string(),
        "2 objects match name `acme-vpc`: n-1, n-2"
    );
}

#[tokio::test]
async fn a_definite_failure_is_not_followed_by_a_listing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(support::path("networks")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error_code": "INVALID_PARAMETER_VALUE", "message": "subnet_ids needs two subnets"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let request = network_request("acme-vpc");
    let error = pat_client(&server)
        .create_or_adopt::<Network>(&request, &Network::requested_key(&request))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|status| status.as_u16()), Some(400));
    assert_eq!(count(&server, "GET", &support::path("networks")).await, 0);
}
