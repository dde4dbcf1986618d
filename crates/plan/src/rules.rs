//! The one rule table: what the Account API lets change, per kind, field, workspace status and
//! kind of change; and the rules between objects (in use, one network per workspace, ...).
//!
//! The planner decides every field difference through [`field_rule`], and the applier may
//! consult the same table. The table is data: each row names the API rule in words and where
//! it is documented, and `specs/plan-format.md` embeds [`rules_markdown`] (a test keeps the two
//! equal), so the docs cannot drift from the code.
//!
//! Rows are matched top to bottom; the first row whose kind, field, status and transition fit
//! decides. A `*` field matches any field of the kind.

use std::fmt::Write as _;

use serde::Serialize;
use spec::Kind;

/// What a field difference needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Changed on the live object: a workspace PATCH, a private access settings PUT.
    InPlace,
    /// The object must be replaced by a new one.
    ForcesReplacement,
    /// The API refuses it in every form; the plan fails and says why.
    Impossible,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::InPlace => "in place",
            Verdict::ForcesReplacement => "forces replacement",
            Verdict::Impossible => "impossible",
        }
    }
}

/// The status of the workspace a field belongs to, as the rules distinguish it. A
/// `PROVISIONING` workspace is planned with the `RUNNING` rules: apply waits for it first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RuleStatus {
    Running,
    Failed,
}

/// How an optional field changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// Unset before, set now.
    Add,
    /// Set before and now, to different values.
    Change,
    /// Set before, unset now.
    Remove,
}

impl Transition {
    /// The transition from `before` to `after`; `None` when neither is set.
    pub fn between<T>(before: Option<&T>, after: Option<&T>) -> Option<Transition> {
        match (before, after) {
            (None, None) => None,
            (None, Some(_)) => Some(Transition::Add),
            (Some(_), Some(_)) => Some(Transition::Change),
            (Some(_), None) => Some(Transition::Remove),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Transition::Add => "add",
            Transition::Change => "change",
            Transition::Remove => "remove",
        }
    }
}

/// One row of the field rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldRule {
    pub kind: Kind,
    /// The spec field name, or `*` for any field.
    pub field: &'static str,
    /// The workspace statuses the row applies to; empty means any (and every non-workspace kind).
    pub statuses: &'static [RuleStatus],
    /// The transitions the row applies to; empty means any.
    pub transitions: &'static [Transition],
    pub verdict: Verdict,
    /// The API rule, in words.
    pub rule: &'static str,
    /// Where the rule is documented.
    pub source: &'static str,
}

/// A rule between objects, which no single field decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ObjectRule {
    /// A stable name, cited by plan errors and notes.
    pub id: &'static str,
    pub rule: &'static str,
    pub source: &'static str,
}

const NO_UPDATE: &str = "Account API: these collections have create, get, list and delete only (databricks-sdk-go `service/provisioning`)";
const PAS_PUT: &str = "Account API: `PUT /private-access-settings/{id}` replaces the whole object";
const PATCH_DOCS: &str = "Account API: update a workspace, `PATCH /workspaces/{id}` (docs.databricks.com, \"Update a running or failed workspace\")";
const PATCH_CLASSIC: &str = "databricks-sdk-go `service/provisioning` (classic generation): fields a RUNNING or FAILED workspace accepts";
const TAGS_DOCS: &str =
    "Terraform provider docs (`mws_workspaces`): custom tags can be changed but never all removed";

const ANY: &[RuleStatus] = &[];
const RUNNING: &[RuleStatus] = &[RuleStatus::Running];
const FAILED: &[RuleStatus] = &[RuleStatus::Failed];
const EVERY: &[Transition] = &[];
const ADD: &[Transition] = &[Transition::Add];
const CHANGE: &[Transition] = &[Transition::Change];
const ADD_OR_CHANGE: &[Transition] = &[Transition::Add, Transition::Change];
const REMOVE: &[Transition] = &[Transition::Remove];

const fn row(
    kind: Kind,
    field: &'static str,
    statuses: &'static [RuleStatus],
    transitions: &'static [Transition],
    verdict: Verdict,
    rule: &'static str,
    source: &'static str,
) -> FieldRule {
    FieldRule {
        kind,
        field,
        statuses,
        transitions,
        verdict,
        rule,
        source,
    }
}

use Verdict::{ForcesReplacement, Impossible, InPlace};

/// The field rule table, matched top to bottom.
#[rustfmt::skip]
pub const FIELD_RULES: &[FieldRule] = &[
    row(Kind::Credentials, "*", ANY, EVERY, ForcesReplacement,
        "credential configurations cannot be updated; a new one is created", NO_UPDATE),
    row(Kind::StorageConfiguration, "*", ANY, EVERY, ForcesReplacement,
        "storage configurations cannot be updated; a new one is created", NO_UPDATE),
    row(Kind::CustomerManagedKey, "*", ANY, EVERY, ForcesReplacement,
        "key configurations cannot be updated; the key is registered again", NO_UPDATE),
    row(Kind::VpcEndpoint, "*", ANY, EVERY, ForcesReplacement,
        "VPC endpoint registrations cannot be updated; the endpoint is registered again", NO_UPDATE),
    row(Kind::Network, "*", ANY, EVERY, ForcesReplacement,
        "network configurations cannot be updated; a new one is created", NO_UPDATE),
    row(Kind::PrivateAccessSettings, "*", ANY, EVERY, InPlace,
        "private access settings are replaced whole by a PUT; every workspace using them sees the change", PAS_PUT),
    row(Kind::Workspace, "credentials", ANY, CHANGE, InPlace,
        "the credential configuration can be switched on a RUNNING or FAILED workspace", PATCH_DOCS),
    row(Kind::Workspace, "credentials", ANY, REMOVE, Impossible,
        "every workspace needs a credential configuration", PATCH_DOCS),
    row(Kind::Workspace, "storage_configuration", RUNNING, CHANGE, ForcesReplacement,
        "the storage configuration can only be changed while the workspace is FAILED", PATCH_CLASSIC),
    row(Kind::Workspace, "storage_configuration", FAILED, CHANGE, InPlace,
        "a FAILED workspace accepts a new storage configuration", PATCH_CLASSIC),
    row(Kind::Workspace, "storage_configuration", ANY, REMOVE, Impossible,
        "every workspace needs a storage configuration", PATCH_DOCS),
    row(Kind::Workspace, "network", RUNNING, ADD, ForcesReplacement,
        "a RUNNING workspace can switch networks only if it already uses a customer-managed VPC", PATCH_DOCS),
    row(Kind::Workspace, "network", FAILED, ADD, InPlace,
        "a FAILED workspace may move from a Databricks-managed VPC to a customer-managed VPC", PATCH_CLASSIC),
    row(Kind::Workspace, "network", ANY, CHANGE, InPlace,
        "a workspace in a customer-managed VPC can be repointed to another network configuration", PATCH_DOCS),
    row(Kind::Workspace, "network", ANY, REMOVE, Impossible,
        "a workspace cannot go back to a Databricks-managed VPC", PATCH_CLASSIC),
    row(Kind::Workspace, "managed_services_key", ANY, ADD_OR_CHANGE, InPlace,
        "a managed-services key can be added or rotated", PATCH_DOCS),
    row(Kind::Workspace, "managed_services_key", ANY, REMOVE, Impossible,
        "a managed-services key can be added or rotated, never removed", PATCH_DOCS),
    row(Kind::Workspace, "storage_key", ANY, ADD, InPlace,
        "a storage key can be added when none is set", PATCH_DOCS),
    row(Kind::Workspace, "storage_key", ANY, CHANGE, Impossible,
        "a storage key cannot be replaced once set (on a FAILED workspace only if it never ran, which brickform cannot know)", PATCH_CLASSIC),
    row(Kind::Workspace, "storage_key", ANY, REMOVE, Impossible,
        "a storage key cannot be removed", PATCH_DOCS),
    row(Kind::Workspace, "private_access_settings", ANY, ADD_OR_CHANGE, InPlace,
        "PrivateLink can be added to a workspace or upgraded", PATCH_DOCS),
    row(Kind::Workspace, "private_access_settings", ANY, REMOVE, Impossible,
        "private access settings can never be removed from a workspace (no PrivateLink downgrade)", PATCH_DOCS),
    row(Kind::Workspace, "custom_tags", ANY, ADD_OR_CHANGE, InPlace,
        "custom tags can be changed in place (it may take up to an hour to reach AWS)", PATCH_DOCS),
    row(Kind::Workspace, "custom_tags", ANY, REMOVE, Impossible,
        "custom tags can never all be removed: the API ignores an empty map", TAGS_DOCS),
    row(Kind::Workspace, "aws_region", ANY, EVERY, ForcesReplacement,
        "the region of a workspace cannot be updated", PATCH_DOCS),
    row(Kind::Workspace, "workspace_name", ANY, EVERY, ForcesReplacement,
        "the update API has no `workspace_name`: a workspace cannot be renamed through it", PATCH_DOCS),
    row(Kind::Workspace, "deployment_name", ANY, EVERY, ForcesReplacement,
        "the deployment name is the workspace URL and cannot change", PATCH_DOCS),
    row(Kind::Workspace, "pricing_tier", ANY, EVERY, ForcesReplacement,
        "the pricing tier cannot be updated through the Account API", PATCH_DOCS),
    row(Kind::Workspace, "*", ANY, EVERY, ForcesReplacement,
        "only the fields listed above can be updated", PATCH_DOCS),
];

/// The rules between objects.
pub const OBJECT_RULES: &[ObjectRule] = &[
    ObjectRule {
        id: "in-use",
        rule: "an object cannot be deleted while a workspace uses it (a VPC endpoint: while a network or private access settings list it); it is deleted only after every user was repointed or deleted",
        source: "Account API: delete answers 409 `INVALID_STATE` \"is being used by an active workspace\"",
    },
    ObjectRule {
        id: "create-before-delete",
        rule: "an object in use is replaced by creating the new one, repointing its users, then deleting the old one; both exist at once, and objects are identified by name (keys by ARN and use cases), so the new one needs a new name",
        source: "Terraform provider docs (`mws_networks`): create new network, repoint the workspace, delete the old one",
    },
    ObjectRule {
        id: "previous-object",
        rule: "when a spec resource names a different object than the one a workspace (or network, or private access settings) uses in that slot, the previous object is deleted after the repoint, unless another live object still uses it",
        source: "brickform design: no state file, the account is the state",
    },
    ObjectRule {
        id: "one-network-per-workspace",
        rule: "a network configuration serves at most one workspace",
        source: "Account API: create a network (subnets and security groups cannot be shared)",
    },
    ObjectRule {
        id: "subnets-belong-to-one-network",
        rule: "a subnet or security group can belong to one network configuration only",
        source: "Account API: create a network",
    },
    ObjectRule {
        id: "running-workspace-data",
        rule: "destroying or replacing a workspace that is not FAILED loses its data: it needs `lifecycle: {prevent_destroy: false}` in the spec and `--allow-destroy workspaces.KEY` on the command line",
        source: "brickform design §4",
    },
    ObjectRule {
        id: "failed-workspace",
        rule: "a FAILED workspace is redeployed by a PATCH with the desired configuration; `--recreate-failed` deletes and creates it again instead, with its network when the network is BROKEN",
        source: "Databricks docs, \"Create a workspace using the Account API\": update the failed workspace, else recreate the network and workspace",
    },
    ObjectRule {
        id: "provisioning-workspace",
        rule: "a PROVISIONING workspace cannot be updated: apply waits until it is RUNNING, then applies the RUNNING rules",
        source: "Account API: PATCH of a workspace that is not RUNNING or FAILED answers `INVALID_STATE`",
    },
];

/// The first row of [`FIELD_RULES`] for this change. Non-workspace kinds ignore `status`.
pub fn field_rule(
    kind: Kind,
    field: &str,
    status: RuleStatus,
    transition: Transition,
) -> &'static FieldRule {
    FIELD_RULES
        .iter()
        .find(|row| {
            row.kind == kind
                && (row.field == "*" || row.field == field)
                && (row.statuses.is_empty() || row.statuses.contains(&status))
                && (row.transitions.is_empty() || row.transitions.contains(&transition))
        })
        .expect("every kind ends with a `*` row")
}

/// The object rule named `id`.
pub fn object_rule(id: &str) -> &'static ObjectRule {
    OBJECT_RULES
        .iter()
        .find(|rule| rule.id == id)
        .expect("object rules are named by the planner's constants")
}

/// Both tables as Markdown, as embedded in `specs/plan-format.md`.
pub fn rules_markdown() -> String {
    let mut out = String::new();
    out.push_str("| kind | field | status | change | verdict | rule | source |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for (position, row) in FIELD_RULES.iter().enumerate() {
        let statuses = if row.statuses.is_empty() {
            "any".to_owned()
        } else {
            row.statuses
                .iter()
                .map(|status| match status {
                    RuleStatus::Running => "RUNNING",
                    RuleStatus::Failed => "FAILED",
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let transitions = if row.transitions.is_empty() {
            "any".to_owned()
        } else {
            row.transitions
                .iter()
                .map(|transition| transition.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let field = if row.field == "*" {
            let after_others = FIELD_RULES[..position]
                .iter()
                .any(|earlier| earlier.kind == row.kind);
            if after_others { "any other" } else { "any" }.to_owned()
        } else {
            format!("`{}`", row.field)
        };
        let _ = writeln!(
            out,
            "| `{}` | {field} | {statuses} | {transitions} | {} | {} | {} |",
            row.kind,
            row.verdict.as_str(),
            row.rule,
            row.source
        );
    }
    out.push_str("\n| rule | what it says | source |\n| --- | --- | --- |\n");
    for rule in OBJECT_RULES {
        let _ = writeln!(out, "| `{}` | {} | {} |", rule.id, rule.rule, rule.source);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immutable_kinds_replace_and_private_access_settings_update() {
        for kind in [
            Kind::Credentials,
            Kind::StorageConfiguration,
            Kind::CustomerManagedKey,
            Kind::VpcEndpoint,
            Kind::Network,
        ] {
            let rule = field_rule(kind, "name", RuleStatus::Running, Transition::Change);
            assert_eq!(rule.verdict, Verdict::ForcesReplacement, "{kind}");
        }
        let rule = field_rule(
            Kind::PrivateAccessSettings,
            "allowed_vpc_endpoints",
            RuleStatus::Running,
            Transition::Change,
        );
        assert_eq!(rule.verdict, Verdict::InPlace);
    }

    #[test]
    fn workspace_rules_depend_on_status_and_transition() {
        let verdict = |field, status, transition| {
            field_rule(Kind::Workspace, field, status, transition).verdict
        };
        use RuleStatus::{Failed, Running};
        use Transition::{Add, Change, Remove};
        assert_eq!(
            verdict("storage_configuration", Running, Change),
            ForcesReplacement
        );
        assert_eq!(verdict("storage_configuration", Failed, Change), InPlace);
        assert_eq!(verdict("network", Running, Add), ForcesReplacement);
        assert_eq!(verdict("network", Failed, Add), InPlace);
        assert_eq!(verdict("network", Running, Change), InPlace);
        assert_eq!(verdict("network", Failed, Remove), Impossible);
        assert_eq!(verdict("storage_key", Running, Add), InPlace);
        assert_eq!(verdict("storage_key", Failed, Change), Impossible);
        assert_eq!(
            verdict("private_access_settings", Running, Remove),
            Impossible
        );
        assert_eq!(verdict("custom_tags", Running, Remove), Impossible);
        assert_eq!(verdict("custom_tags", Running, Change), InPlace);
        assert_eq!(verdict("aws_region", Failed, Change), ForcesReplacement);
        assert_eq!(verdict("something_new", Running, Change), ForcesReplacement);
    }

    #[test]
    fn every_object_rule_the_planner_cites_exists() {
        for id in [
            "in-use",
            "create-before-delete",
            "previous-object",
            "one-network-per-workspace",
            "subnets-belong-to-one-network",
            "running-workspace-data",
            "failed-workspace",
            "provisioning-workspace",
        ] {
            assert_eq!(object_rule(id).id, id);
        }
    }
}
