//! The plan as data: what a reviewer approves and exactly what `apply` executes.
//!
//! A `Plan` is also the saved-plan file format (`plan --out FILE`, `apply FILE`) and the body of
//! `plan --format json`; it is versioned by [`FORMAT_VERSION`] and documented in
//! `specs/plan-format.md`. It never contains secrets: it holds ids, names, ARNs and the wire
//! objects read from the account, none of which are credentials.
//!
//! Two views of the same decisions:
//!
//! - `resource_changes`: one entry per spec resource (and per "previous object" a replacement
//!   deletes), Terraform-compatible, for humans and policy tools.
//! - `steps`: the executable DAG. Each step is one API operation (plus, for workspaces, the wait
//!   that follows it) and names the steps it depends on. Ids of objects that do not exist yet
//!   appear in requests as [`known_after_apply`] placeholders and are filled in by the applier
//!   from the step that creates them.

use serde::{Deserialize, Serialize};

use api_types::{
    CreateCredentialRequest, CreateCustomerManagedKeyRequest, CreateNetworkRequest,
    CreateStorageConfigurationRequest, CreateVpcEndpointRequest, CreateWorkspaceRequest,
    PrivateAccessSettingsRequest, UpdateWorkspaceRequest,
};
use spec::{Address, Kind};

/// The version of the plan format. Readers refuse a plan with another version.
pub const FORMAT_VERSION: u32 = 1;

/// A complete plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    /// The brickform version that made the plan.
    pub brickform_version: String,
    /// The account the plan was made against; `apply` refuses a plan for another one.
    pub target: PlanTarget,
    /// `Spec::digest()` of the spec the plan was made from.
    pub spec_digest: String,
    /// The account's deployment name prefix the spec declares (`account.deployment_name_prefix`):
    /// a workspace created with `deployment_name: sales` is found again as `PREFIX-sales`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_name_prefix: Option<String>,
    pub options: PlanOptions,
    pub summary: Summary,
    pub resource_changes: Vec<ResourceChange>,
    /// In a valid execution order (every step after the steps it depends on).
    pub steps: Vec<Step>,
    /// Every live object whose state the plan's decisions rest on, with its fingerprint.
    /// `apply PLANFILE` re-reads the account and refuses if any of these changed.
    pub reads: Vec<LiveObject>,
    /// Things a reviewer should know that are not changes, e.g. why a previous object is kept.
    pub notes: Vec<String>,
}

/// Where a plan applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanTarget {
    pub host: String,
    pub account_id: String,
}

/// The options a plan was made with; they are part of what was reviewed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOptions {
    pub mode: PlanMode,
    /// `--recreate-failed`: a FAILED workspace is deleted and created again instead of redeployed.
    pub recreate_failed: bool,
    /// `--allow-destroy ADDR`: workspaces the operator allows to be destroyed or replaced.
    pub allow_destroy: Vec<Address>,
    /// `--target ADDR`: when not empty, only these resources and what they depend on.
    pub targets: Vec<Address>,
}

/// Whether the plan converges the account to the spec or removes the spec's resources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanMode {
    #[default]
    Apply,
    Destroy,
}

/// Counts for the summary line `Plan: N to add, M to change, K to destroy.`
/// A replacement counts once in `add` and once in `destroy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

/// What happens to one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// `SECTION.KEY`, e.g. `workspaces.sales`; for a previous object a replacement deletes,
    /// the address of the resource it was replaced for.
    pub address: Address,
    /// Set when this entry is the previous object of `address` (a rename or new key ARN),
    /// deleted after every workspace was repointed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub previous_object: bool,
    /// The id of the matched live object, if any.
    pub live_id: Option<String>,
    pub action: Action,
    /// Terraform-compatible view: `actions` like `["create"]` or `["delete","create"]`, and the
    /// wire objects before (live) and after (desired, with placeholders).
    pub change: Change,
    /// A Terraform-style machine reason, e.g. `replace_because_cannot_update`.
    pub action_reason: Option<String>,
    /// Human reasons, one sentence each, e.g. why a replacement is needed and which API rule
    /// forces it.
    pub reasons: Vec<String>,
    pub risk: Risk,
    /// Per-field differences (spec field names), including ignored ones.
    pub fields: Vec<FieldChange>,
}

/// brickform's action vocabulary (design.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    /// An `existing: true` resource: looked up, never changed.
    Read,
    Create,
    Update,
    /// Delete first, then create (`-/+`).
    ReplaceDeleteFirst,
    /// Create the new object, repoint, then delete the old one (`+/-`).
    ReplaceCreateFirst,
    Delete,
    /// PATCH a FAILED workspace with the desired configuration.
    Redeploy,
    /// Delete and create a FAILED workspace (and its network when that is what failed).
    Recreate,
    /// The workspace is still PROVISIONING; apply waits for RUNNING.
    Wait,
}

/// The Terraform-compatible part of a resource change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `no-op`, `read`, `create`, `update`, `delete`, in Terraform's combinations.
    pub actions: Vec<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// How risky an action is for the data in the account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    #[default]
    None,
    /// Interrupts users or traffic (a workspace PATCH, a network swap) but loses no data.
    Disruptive,
    /// Destroys a workspace or what its data depends on.
    DataLoss,
}

/// One field's difference between the live object and the spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The spec field name, e.g. `custom_tags`, `credentials`, `subnet_ids`.
    pub field: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub effect: FieldEffect,
    /// Why this field has this effect (the API rule), when it is not obvious.
    pub reason: Option<String>,
}

/// What a field difference does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldEffect {
    /// Changed in place (workspace PATCH, PAS PUT).
    InPlace,
    /// Forces a replacement of the object.
    ForcesReplacement,
    /// Listed in `lifecycle.ignore_changes`; not changed.
    Ignored,
}

/// One executable step of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The step's index in `Plan::steps`.
    pub id: usize,
    /// The resource the step acts for.
    pub address: Address,
    /// A short human label, e.g. `create credentials.main` or
    /// `repoint workspaces.sales to credentials.main`.
    pub description: String,
    pub operation: Operation,
    /// Steps that must finish successfully before this one starts.
    pub depends_on: Vec<usize>,
    /// The address whose live id this step's result defines (creates only); placeholders
    /// `known_after_apply(address)` in later steps are resolved from it.
    pub produces: Option<Address>,
}

/// One API operation (and, for workspaces, the wait that follows it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    /// POST through the client's create-or-adopt path; a workspace create then waits for RUNNING.
    Create { request: CreateRequest },
    /// PUT of private access settings (a full replace).
    ReplacePrivateAccessSettings {
        private_access_settings_id: String,
        request: PrivateAccessSettingsRequest,
    },
    /// PATCH of a workspace with exactly the changed fields, then wait for RUNNING. Used for
    /// in-place updates, repoints and redeploys of FAILED workspaces.
    UpdateWorkspace {
        workspace_id: i64,
        request: UpdateWorkspaceRequest,
    },
    /// DELETE; a workspace delete then waits until the workspace is gone. Retries 409
    /// `INVALID_STATE` ("in use") while a workspace that used the object is tearing down.
    Delete {
        kind: Kind,
        id: String,
        name: String,
    },
    /// Poll a PROVISIONING workspace until RUNNING.
    WaitForWorkspace { workspace_id: i64 },
}

/// A create request of any kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum CreateRequest {
    Credentials(CreateCredentialRequest),
    StorageConfiguration(CreateStorageConfigurationRequest),
    CustomerManagedKey(CreateCustomerManagedKeyRequest),
    VpcEndpoint(CreateVpcEndpointRequest),
    Network(CreateNetworkRequest),
    PrivateAccessSettings(PrivateAccessSettingsRequest),
    Workspace(CreateWorkspaceRequest),
}

/// A live object the plan read, identified by kind and id, with a fingerprint
/// (sha256 of its canonical JSON) and the object itself so that a refusal can name the fields
/// that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveObject {
    pub kind: Kind,
    pub id: String,
    /// The spec address matched to it, if any.
    pub address: Option<Address>,
    pub fingerprint: String,
    pub object: serde_json::Value,
}

const PLACEHOLDER_PREFIX: &str = "(known after apply: ";

/// The placeholder that stands for the id of `address` until the step creating it has run.
/// It reads as-is in plan files and text output: `(known after apply: credentials.main)`.
pub fn known_after_apply(address: &Address) -> String {
    format!("{PLACEHOLDER_PREFIX}{address})")
}

/// The address a placeholder stands for, if `text` is one.
pub fn parse_known_after_apply(text: &str) -> Option<Address> {
    text.strip_prefix(PLACEHOLDER_PREFIX)?
        .strip_suffix(')')?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_round_trip_and_reject_ordinary_ids() {
        let address = Address::new(Kind::Credentials, "main");
        let placeholder = known_after_apply(&address);
        assert_eq!(placeholder, "(known after apply: credentials.main)");
        assert_eq!(parse_known_after_apply(&placeholder), Some(address));
        assert_eq!(
            parse_known_after_apply("c7814269-df58-4ca3-85e9-f6672ef43d77"),
            None
        );
        assert_eq!(
            parse_known_after_apply("(known after apply: nosuch.x)"),
            None
        );
    }

    #[test]
    fn steps_serialise_with_spec_spelling_of_kinds_and_addresses() {
        let step = Step {
            id: 3,
            address: Address::new(Kind::Network, "main"),
            description: "delete networks.main".to_owned(),
            operation: Operation::Delete {
                kind: Kind::Network,
                id: "339f16b9".to_owned(),
                name: "acme-vpc".to_owned(),
            },
            depends_on: vec![1, 2],
            produces: None,
        };
        let json = serde_json::to_value(&step).unwrap();
        assert_eq!(json["address"], "networks.main");
        assert_eq!(json["operation"]["op"], "delete");
        assert_eq!(json["operation"]["kind"], "networks");
        let back: Step = serde_json::from_value(json).unwrap();
        assert_eq!(back, step);
    }
}
