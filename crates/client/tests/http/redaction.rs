//! No secret reaches a log line or an error message: the tracing output of a whole OAuth
//! flow (success, retry, refusal) is captured at TRACE level and searched for the secret,
//! the tokens and the Basic credentials.

use std::io::Write;
use std::sync::{Arc, Mutex};

use brickform_client::AccountApi;
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::auth::{CLIENT_ID, CLIENT_SECRET, m2m, token_endpoint, token_path};
use crate::support::{self, builder};

/// A `MakeWriter` that appends every log line to a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn basic_credentials() -> String {
    // What a Basic `Authorization` header would carry, spelled without a base64 dependency:
    // the secret is the part that must never appear, encoded or not.
    format!("{CLIENT_ID}:{CLIENT_SECRET}")
}

#[tokio::test]
async fn secrets_never_reach_logs_or_errors() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    // Current-thread runtime: every event of this test is emitted on this thread.
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    token_endpoint(&server, &["access-token-one", "access-token-two"], 3600).await;
    Mock::given(method("GET"))
        .and(path(support::path("networks")))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(support::path("networks")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(support::path("workspaces")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error_code": "UNAUTHENTICATED", "message": "invalid token"
        })))
        .mount(&server)
        .await;

    let client = builder(&server, m2m()).build().unwrap();
    client.list_networks().await.unwrap();
    let refused = client.list_workspaces().await.unwrap_err();

    // A second client whose token request is refused.
    let rejecting = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(token_path()))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_client", "error_description": "bad secret"
        })))
        .mount(&rejecting)
        .await;
    let rejected = builder(&rejecting, m2m())
        .build()
        .unwrap()
        .list_networks()
        .await
        .unwrap_err();

    let logs = capture.text();
    // The capture works: the requests themselves are logged, with status and attempt.
    assert!(logs.contains("account API request"), "{logs}");
    assert!(logs.contains("status=503"), "{logs}");
    assert!(logs.contains("attempt=2"), "{logs}");
    assert!(logs.contains("token request"), "{logs}");

    let mut texts = vec![logs, format!("{client:?}")];
    for error in [&refused, &rejected] {
        texts.push(format!("{error:?}"));
        let mut chain = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            chain.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        texts.push(chain);
    }
    for secret in [
        CLIENT_SECRET,
        "access-token-one",
        "access-token-two",
        &basic_credentials(),
    ] {
        for text in &texts {
            assert!(!text.contains(secret), "`{secret}` leaked into: {text}");
        }
    }
    // The base64 form of the Basic credentials, computed by hand for this fixed pair.
    let encoded = encode_base64(basic_credentials().as_bytes());
    assert!(texts.iter().all(|text| !text.contains(&encoded)));
}

/// Standard base64, enough to search for an encoded Basic header in the logs.
fn encode_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut encoded = String::new();
    for chunk in bytes.chunks(3) {
        let triple = chunk.iter().enumerate().fold(0u32, |acc, (index, byte)| {
            acc | (u32::from(*byte) << (16 - 8 * index))
        });
        for index in 0..4 {
            if index <= chunk.len() {
                encoded.push(ALPHABET[((triple >> (18 - 6 * index)) & 63) as usize] as char);
            } else {
                encoded.push('=');
            }
        }
    }
    encoded
}

#[test]
fn the_hand_written_base64_is_right() {
    assert_eq!(encode_base64(b"Man"), "TWFu");
    assert_eq!(encode_base64(b"Ma"), "TWE=");
    assert_eq!(encode_base64(b"M"), "TQ==");
}
