//! Answers that are not what the API promises, through the binary: truncated JSON, a
//! `200 text/html` login page, the wrong types or shape, a huge body. Each ends in a clear
//! error that names the endpoint, never a panic; an unreadable answer to a create is treated
//! as a lost answer (the object is adopted, not created twice); when the account cannot be
//! read again after an apply, the apply's summary is still shown. And the emulator refuses
//! oversized request bodies with 413.

use std::collections::BTreeSet;

use brickform_tests::Run;
use serde_json::{Value, json};

use super::account::{
    Account, Expect, SEED, SEED_NAMES, Template, WorkspaceDeletes, no_crash, succeeded,
};

const LOGIN_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form action=\"/login\"></form></body></html>";

/// One malformed answer to a list the plan makes, and what the error must say.
struct Case {
    what: &'static str,
    fault: Value,
    /// The endpoint named, relative to the account's path.
    endpoint: &'static str,
    /// What the error says about the answer.
    says: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            what: "truncated JSON",
            fault: json!({"route": "GET /credentials", "status": 200,
                          "body": "[{\"credentials_id\": \"c-1\", \"credentials_na"}),
            endpoint: "GET /api/2.0/accounts/{account}/credentials",
            says: "cannot decode the server's 200 OK answer",
        },
        Case {
            what: "a login page",
            fault: json!({"route": "GET /networks", "status": 200, "body": LOGIN_PAGE,
                          "content_type": "text/html; charset=utf-8"}),
            endpoint: "GET /api/2.0/accounts/{account}/networks",
            says: "the server sent an HTML page (200 OK) where JSON was expected",
        },
        Case {
            what: "a login page labelled as JSON",
            fault: json!({"route": "GET /storage-configurations", "status": 200,
                          "body": LOGIN_PAGE}),
            endpoint: "GET /api/2.0/accounts/{account}/storage-configurations",
            says: "the server sent an HTML page (200 OK) where JSON was expected",
        },
        Case {
            what: "wrong types",
            fault: json!({"route": "GET /workspaces", "status": 200,
                          "body": "[{\"workspace_id\": \"not-a-number\", \"workspace_name\": 7}]"}),
            endpoint: "GET /api/2.0/accounts/{account}/workspaces",
            says: "cannot decode the server's 200 OK answer",
        },
        Case {
            what: "the wrong shape",
            fault: json!({"route": "GET /vpc-endpoints", "status": 200,
                          "body": "{\"message\": \"scheduled maintenance\", \"retry\": true}"}),
            endpoint: "GET /api/2.0/accounts/{account}/vpc-endpoints",
            says: "cannot decode the server's 200 OK answer",
        },
        Case {
            what: "a huge body (64 MiB)",
            fault: json!({"route": "GET /customer-managed-keys", "status": 200,
                          "body": "[{\"customer_managed_key_id\": \"k\", \"use_cases\": [\"STORAGE\"]},",
                          "body_repeat": (64 << 20) / 64}),
            endpoint: "GET /api/2.0/accounts/{account}/customer-managed-keys",
            says: "cannot decode the server's 200 OK answer",
        },
    ]
}

fn fails_naming(run: &Run, account: &Account, case: &Case) -> Result<(), String> {
    no_crash(case.what, run)?;
    let endpoint = case.endpoint.replace("{account}", account.account_id());
    // The renderer may wrap long lines: compare without line breaks and gutters.
    let stderr: String = run
        .stderr
        .lines()
        .map(|line| line.trim_start_matches([' ', '│', '╰', '─', '▶', '×']))
        .collect::<Vec<_>>()
        .join(" ");
    if run.code == Some(1) && stderr.contains(&endpoint) && stderr.contains(case.says) {
        return Ok(());
    }
    Err(format!(
        "{}: expected exit 1 with `{endpoint}` and `{}`\n--- stdout\n{}\n--- stderr\n{}",
        case.what, case.says, run.stdout, run.stderr
    ))
}

#[test]
fn a_malformed_answer_fails_the_plan_naming_the_endpoint() {
    let template = Template::new(None);
    let failures: Vec<String> = cases()
        .iter()
        .filter_map(|case| {
            let account = template.start(|_| {});
            let spec = account.write("spec.yaml", SEED);
            account.set_scenario(json!({"faults": [case.fault]}));
            let run = account.run(["plan", &spec.display().to_string()]);
            fails_naming(&run, &account, case).err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_malformed_answer_mid_apply_fails_that_step_and_the_next_apply_converges() {
    let template = Template::new(None);
    let account = template.start(|_| {});
    let spec = account.write("spec.yaml", SEED);
    let before: BTreeSet<i64> = account.workspaces().into_keys().collect();
    // The plan's own list passes; every list while waiting for the workspace is truncated.
    account.set_scenario(
        json!({"faults": [{"route": "GET /workspaces", "status": 200,
        "body": "[{\"workspace_id\": 1", "skip": 1, "times": 100}]}),
    );
    let run = account.apply(&spec, &[]);
    let case = Case {
        what: "truncated workspace lists while waiting",
        fault: Value::Null,
        endpoint: "GET /api/2.0/accounts/{account}/workspaces",
        says: "cannot watch workspace",
    };
    fails_naming(&run, &account, &case).unwrap();
    // The check after the apply cannot read the account either; the summary still shows.
    assert!(
        run.stdout.contains("Apply failed: 8 done, 1 failed")
            && run
                .stdout
                .contains("the account cannot be read again to check the result"),
        "{}",
        run.stdout
    );

    account.set_scenario(json!({}));
    succeeded(
        "the apply after the malformed answers",
        &account.apply(&spec, &[]),
    )
    .unwrap();
    Expect {
        spec: &spec,
        named: &SEED_NAMES,
        preseeded: &template.preseeded,
        workspace_deletes: WorkspaceDeletes::None,
        seen_workspaces: &before,
        previous_objects: &BTreeSet::new(),
    }
    .check(&account)
    .unwrap();
}

#[test]
fn an_unreadable_answer_to_a_create_is_a_lost_answer_and_the_object_is_adopted() {
    let template = Template::new(None);
    let account = template.start(|_| {});
    let spec = account.write("spec.yaml", SEED);
    let before: BTreeSet<i64> = account.workspaces().into_keys().collect();
    account.set_scenario(json!({"faults": [
        // Created, then answered with the wrong types.
        {"route": "POST /credentials", "status": 200, "after_commit": true,
         "body": "{\"credentials_id\": 7, \"credentials_name\": [\"x\"]}"},
        // Not created, answered with a truncated document: the create is sent again.
        {"route": "POST /private-access-settings", "status": 200,
         "body": "{\"private_access_settings_id\": \"p"},
        // A gateway's error page: retried.
        {"route": "POST /workspaces", "status": 502, "body": LOGIN_PAGE,
         "content_type": "text/html"}
    ]}));
    let run = account.apply(&spec, &["--format", "json"]);
    no_crash("the apply with malformed create answers", &run).unwrap();
    let completed: Vec<(String, String)> = run
        .stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|event| event["type"] == "step_finished")
        .map(|event| {
            (
                event["address"].as_str().unwrap_or_default().to_owned(),
                event["completed"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (address, how) in [
        ("credentials.main", "adopted_after_lost_answer"),
        ("private_access_settings.pl", "created"),
        ("workspaces.sales", "created"),
    ] {
        assert!(
            completed.contains(&(address.to_owned(), how.to_owned())),
            "{address} not {how}: {completed:?}\n{}",
            run.stderr
        );
    }
    succeeded("the apply with malformed create answers", &run).unwrap();
    Expect {
        spec: &spec,
        named: &SEED_NAMES,
        preseeded: &template.preseeded,
        workspace_deletes: WorkspaceDeletes::None,
        seen_workspaces: &before,
        previous_objects: &BTreeSet::new(),
    }
    .check(&account)
    .unwrap();
}

#[test]
fn the_emulator_refuses_an_oversized_request_body_with_413() {
    let template = Template::new(None);
    let account = template.start(|_| {});
    let path = "/api/2.0/accounts/{account}/credentials";
    let huge = json!({"credentials_name": "x".repeat(2 << 20),
                      "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/x"}}});
    let (status, body) = account.request("POST", path, Some(huge));
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error_code"], "MALFORMED_REQUEST", "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|message| message.contains("larger than 1048576 bytes")),
        "{body}"
    );
    // Just under the limit, the body is read and judged on its content instead.
    let large = json!({"credentials_name": "x".repeat(1000 << 10),
                       "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/x"}}});
    let (status, body) = account.request("POST", path, Some(large));
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        account.list("credentials").len(),
        1,
        "only the pre-seeded one"
    );
}

#[test]
fn a_login_page_in_answer_to_a_create_fails_that_step_naming_it_and_the_next_apply_converges() {
    let template = Template::new(None);
    let account = template.start(|_| {});
    let spec = account.write("spec.yaml", SEED);
    let before: BTreeSet<i64> = account.workspaces().into_keys().collect();
    // A login page means the request never reached the API (a redirect to sign in): the
    // step fails with the hint, its dependents are skipped, nothing is created twice.
    account.set_scenario(json!({"faults": [{"route": "POST /networks", "status": 200,
        "body": LOGIN_PAGE, "content_type": "text/html"}]}));
    let run = account.apply(&spec, &[]);
    let case = Case {
        what: "a login page in answer to a create",
        fault: Value::Null,
        endpoint: "POST /api/2.0/accounts/{account}/networks",
        says: "this is usually a login page",
    };
    fails_naming(&run, &account, &case).unwrap();
    assert!(
        run.stdout
            .contains("Apply failed: 7 done, 1 failed, 1 skipped"),
        "{}",
        run.stdout
    );

    account.set_scenario(json!({}));
    succeeded("the apply after the login page", &account.apply(&spec, &[])).unwrap();
    Expect {
        spec: &spec,
        named: &SEED_NAMES,
        preseeded: &template.preseeded,
        workspace_deletes: WorkspaceDeletes::None,
        seen_workspaces: &before,
        previous_objects: &BTreeSet::new(),
    }
    .check(&account)
    .unwrap();
}
