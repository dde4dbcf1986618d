//! `brickform export`: a seeded account comes back as a spec that `validate` accepts, with
//! references by key; objects a spec cannot express are reported on stderr.

use brickform_tests::TestContext;
use serde_json::json;

/// Creates credentials, storage, a network and a workspace through the API, as a console
/// user would, and returns the workspace id.
fn seed_console_made_workspace(context: &TestContext) -> i64 {
    let post = |collection: &str, body: serde_json::Value| {
        let path = format!("/api/2.0/accounts/{{account}}/{collection}");
        let (status, object) = context.request("POST", &path, Some(body));
        assert_eq!(status, 200, "creating {collection}: {object}");
        object
    };
    let credentials = post(
        "credentials",
        json!({"credentials_name": "console-credentials",
               "aws_credentials": {"sts_role": {"role_arn": "arn:aws:iam::123456789012:role/console"}}}),
    );
    let storage = post(
        "storage-configurations",
        json!({"storage_configuration_name": "console-root",
               "root_bucket_info": {"bucket_name": "console-dbfs-root"}}),
    );
    let network = post(
        "networks",
        json!({"network_name": "console-vpc", "vpc_id": "vpc-0c0c0c0c0c0c0c0c0",
               "subnet_ids": ["subnet-0c0c0c0c0c0c0c0c1", "subnet-0c0c0c0c0c0c0c0c2"],
               "security_group_ids": ["sg-0c0c0c0c0c0c0c0c3"]}),
    );
    let workspace = post(
        "workspaces",
        json!({"workspace_name": "Console Made", "aws_region": "us-east-1",
               "credentials_id": credentials["credentials_id"],
               "storage_configuration_id": storage["storage_configuration_id"],
               "network_id": network["network_id"],
               "custom_tags": {"Owner": "console user"}}),
    );
    workspace["workspace_id"].as_i64().unwrap()
}

#[test]
fn a_console_made_account_exports_as_a_valid_spec_with_references() {
    let context = TestContext::new();
    seed_console_made_workspace(&context);

    let exported = context.run(["export"]);
    exported.success();
    assert!(
        exported.stderr.contains("reading account"),
        "{}",
        exported.stderr
    );
    let text = &exported.stdout;
    assert!(text.contains("credentials: console-credentials"), "{text}");
    assert!(
        text.contains("storage_configuration: console-root"),
        "{text}"
    );
    assert!(text.contains("network: console-vpc"), "{text}");
    assert!(text.contains("Owner: \"console user\""), "{text}");
    assert!(
        !text.contains("creation_time") && !text.contains("vpc_status"),
        "{text}"
    );

    let path = context.write("exported.yaml", text);
    let validated = context.run(["validate".as_ref(), path.as_os_str()]);
    validated.success();
    assert!(
        validated.stderr.contains("4 resources"),
        "{}",
        validated.stderr
    );
}

#[test]
fn export_writes_a_file_and_warns_about_what_it_leaves_out() {
    // The deleted workspace must still be tearing down when export reads the account, however
    // slowly the binary starts on a busy machine.
    let context = TestContext::with_config(|config| {
        config.teardown_delay = std::time::Duration::from_secs(60);
    });
    let workspace_id = seed_console_made_workspace(&context);
    let (status, body) = context.request(
        "DELETE",
        &format!("/api/2.0/accounts/{{account}}/workspaces/{workspace_id}"),
        None,
    );
    assert_eq!(status, 200, "{body}");

    let run = context.run(["export", "--out", "account.yaml"]);
    run.success();
    assert_eq!(run.stdout, "", "the spec goes to the file, not stdout");
    assert!(
        run.stderr.contains("is being deleted; left out"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("wrote 3 resources to account.yaml"),
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(context.dir().join("account.yaml")).unwrap();
    assert!(
        text.contains("# warning: workspace `Console Made`"),
        "{text}"
    );
    assert!(!text.contains("workspaces:"), "{text}");
}
