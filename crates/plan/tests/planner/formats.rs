//! The JSON and Markdown renderings, the Markdown size cap, and colour.

use brickform_plan::{
    FORMAT_VERSION, MARKDOWN_LIMIT, Plan, PlanOptions, render_json, render_markdown, render_text,
};
use serde_json::json;

use crate::fixtures::{SPEC, live, make_plan};

fn credentials_swap() -> Plan {
    let yaml = SPEC.replace("name: acme-cross-account", "name: acme-cross-account-v2");
    make_plan(&yaml, &live(), PlanOptions::default()).unwrap()
}

#[test]
fn the_json_plan_is_versioned_terraform_shaped_and_round_trips() {
    let plan = credentials_swap();
    let json = render_json(&plan);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["format_version"], FORMAT_VERSION);
    let changes = value["resource_changes"].as_array().unwrap();
    let actions: Vec<(&str, &serde_json::Value)> = changes
        .iter()
        .map(|change| {
            (
                change["address"].as_str().unwrap(),
                &change["change"]["actions"],
            )
        })
        .collect();
    assert!(actions.contains(&("credentials.main", &json!(["create"]))));
    assert!(actions.contains(&("workspaces.sales", &json!(["update"]))));
    assert!(actions.contains(&("networks.main", &json!(["no-op"]))));
    let back: Plan = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plan);
    insta::assert_snapshot!("credentials_swap.json", json);
}

#[test]
fn every_read_object_carries_the_fingerprint_of_its_canonical_json() {
    let plan = credentials_swap();
    assert!(!plan.reads.is_empty());
    for read in &plan.reads {
        assert_eq!(
            read.fingerprint,
            brickform_plan::fingerprint(&read.object),
            "{}",
            read.id
        );
    }
}

#[test]
fn the_markdown_comment_leads_with_the_summary_and_warns_of_destruction() {
    let markdown = render_markdown(&credentials_swap());
    assert!(
        markdown.starts_with("**brickform plan: 1 to add, 1 to change, 1 to destroy.**"),
        "{markdown}"
    );
    assert!(markdown.contains("> [!CAUTION]"));
    insta::assert_snapshot!("credentials_swap.md", markdown);
}

#[test]
fn a_plan_without_changes_is_one_line_in_markdown() {
    let plan = make_plan(SPEC, &live(), PlanOptions::default()).unwrap();
    let markdown = render_markdown(&plan);
    assert!(!markdown.contains("CAUTION") && !markdown.contains("<details>"));
    insta::assert_snapshot!("no_changes.md", markdown);
}

/// A spec of `count` workspaces, each with its own credentials and storage.
fn many_workspaces(count: usize) -> String {
    let mut yaml = String::from("version: 1\ncredentials:\n");
    for index in 0..count {
        yaml.push_str(&format!(
            "  c{index}:\n    name: cred-{index:04}\n    role_arn: arn:aws:iam::123456789012:role/r{index}\n"
        ));
    }
    yaml.push_str("storage_configurations:\n");
    for index in 0..count {
        yaml.push_str(&format!(
            "  s{index}:\n    name: stor-{index:04}\n    bucket_name: bucket-{index:04}\n"
        ));
    }
    yaml.push_str("workspaces:\n");
    for index in 0..count {
        yaml.push_str(&format!(
            "  w{index}:\n    workspace_name: Workspace {index}\n    aws_region: us-west-2\n    credentials: c{index}\n    storage_configuration: s{index}\n    custom_tags: {{ Team: t{index} }}\n"
        ));
    }
    yaml
}

#[test]
fn a_huge_plan_is_cut_below_the_comment_limit_keeping_the_summary() {
    let plan = make_plan(&many_workspaces(400), &json!({}), PlanOptions::default()).unwrap();
    let markdown = render_markdown(&plan);
    assert!(
        markdown.len() < MARKDOWN_LIMIT,
        "{} characters",
        markdown.len()
    );
    assert!(markdown.starts_with("**brickform plan: 1200 to add, 0 to change, 0 to destroy.**"));
    assert!(
        markdown.contains("The plan was cut to fit a comment:"),
        "nothing says what was cut"
    );
    assert_eq!(
        markdown.matches("```").count(),
        2,
        "the code fence is closed"
    );
    assert!(markdown.contains("</details>"));
    // A plan that fits is not cut.
    let small = render_markdown(
        &make_plan(&many_workspaces(10), &json!({}), PlanOptions::default()).unwrap(),
    );
    assert!(!small.contains("was cut"));
}

#[test]
fn colour_is_added_only_when_asked_for() {
    let plan = credentials_swap();
    assert!(render_text(&plan, true).contains("\u{1b}["));
    assert!(!render_text(&plan, false).contains('\u{1b}'));
    assert!(!render_markdown(&plan).contains('\u{1b}'));
}
