//! Is a saved plan still true, and did an applied plan leave anything different?
//!
//! [`verify_fresh`] compares a plan with a fresh snapshot before `apply PLANFILE` runs it:
//! every object the plan read must be unchanged (its fingerprint, or at least every field a
//! decision rests on) and nothing the plan would create may exist already. [`residual`]
//! compares the plan's intended end state with a snapshot taken after apply.
//!
//! Some fields move on their own while an operation the plan expects is under way; they do not
//! make a plan stale: a workspace's status message, a PROVISIONING workspace becoming RUNNING
//! (the plan waits for exactly that), a network becoming attached as its workspace provisions,
//! network warnings, and a VPC endpoint's AWS state.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde_json::Value;
use spec::{Address, Kind};

use crate::fields::{Shape, field_specs, normalize};
use crate::fingerprint::fingerprint;
use crate::live::{LiveId, LiveIndex, LiveRef, key_identity};
use crate::model::{Action, CreateRequest, FieldEffect, Operation, Plan, parse_known_after_apply};
use crate::planner::stored_deployment_name;

/// Why a saved plan no longer describes the account.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct StalePlan {
    /// Objects the plan read whose decisive fields changed since.
    pub changed: Vec<StaleObject>,
    /// Objects the plan read that no longer exist.
    pub vanished: Vec<StaleObject>,
    /// Objects the plan would create that exist now.
    pub appeared: Vec<StaleObject>,
}

/// One object of a [`StalePlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleObject {
    pub kind: Kind,
    pub id: String,
    /// The spec address the plan matched it to, or would have created it for.
    pub address: Option<Address>,
    /// The object's name (or key ARN, or deployment name).
    pub name: String,
    /// For a changed object, the wire fields that changed.
    pub fields: Vec<String>,
}

impl StalePlan {
    /// One line per object, for error output.
    pub fn lines(&self) -> Vec<String> {
        let describe = |object: &StaleObject| {
            let address = object
                .address
                .as_ref()
                .map(|address| format!("{address}: "))
                .unwrap_or_default();
            format!(
                "{address}{} `{}` ({})",
                object.kind.collection().noun(),
                object.name,
                object.id
            )
        };
        let mut lines = Vec::new();
        for object in &self.changed {
            lines.push(format!(
                "{} changed: {}",
                describe(object),
                object.fields.join(", ")
            ));
        }
        for object in &self.vanished {
            lines.push(format!("{} no longer exists", describe(object)));
        }
        for object in &self.appeared {
            lines.push(format!(
                "{} exists now; the plan would create it",
                describe(object)
            ));
        }
        lines
    }
}

impl fmt::Display for StalePlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the account changed since the plan was made: {}",
            self.lines().join("; ")
        )
    }
}

/// Checks that `plan` still describes the account in `snapshot`.
pub fn verify_fresh(plan: &Plan, snapshot: &api_types::Snapshot) -> Result<(), StalePlan> {
    let live = LiveIndex::new(snapshot);
    let mut stale = StalePlan {
        changed: Vec::new(),
        vanished: Vec::new(),
        appeared: Vec::new(),
    };
    let mut read_ids: HashSet<(Kind, &str)> = HashSet::new();
    for read in &plan.reads {
        read_ids.insert((read.kind, read.id.as_str()));
        let name = label_of_wire(read.kind, &read.object);
        let Some(live_id) = live.find(read.kind, &read.id) else {
            stale.vanished.push(StaleObject {
                kind: read.kind,
                id: read.id.clone(),
                address: read.address.clone(),
                name,
                fields: Vec::new(),
            });
            continue;
        };
        let now = live.get(live_id).wire();
        if fingerprint(&now) == read.fingerprint {
            continue;
        }
        let fields = decisive_changes(read.kind, &read.object, &now);
        if !fields.is_empty() {
            stale.changed.push(StaleObject {
                kind: read.kind,
                id: read.id.clone(),
                address: read.address.clone(),
                name,
                fields,
            });
        }
    }
    for step in &plan.steps {
        let Operation::Create { request } = &step.operation else {
            continue;
        };
        let kind = step.address.kind;
        for live_id in created_matches(&live, request, plan.deployment_name_prefix.as_deref()) {
            let object = live.get(live_id);
            if read_ids.contains(&(kind, object.id().as_str())) {
                // The object a delete-first replacement removes before creating its successor.
                continue;
            }
            stale.appeared.push(StaleObject {
                kind,
                id: object.id(),
                address: Some(step.address.clone()),
                name: object.label(),
                fields: Vec::new(),
            });
        }
    }
    if stale.changed.is_empty() && stale.vanished.is_empty() && stale.appeared.is_empty() {
        Ok(())
    } else {
        Err(stale)
    }
}

/// The top-level wire fields that differ between `before` and `now`, without the ones that
/// move on their own (see the module documentation).
fn decisive_changes(kind: Kind, before: &Value, now: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let before_fields = before.as_object().unwrap_or(&empty);
    let now_fields = now.as_object().unwrap_or(&empty);
    let mut names: Vec<&String> = before_fields.keys().chain(now_fields.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|name| before_fields.get(*name) != now_fields.get(*name))
        .filter(|name| {
            !moves_on_its_own(kind, name, before_fields.get(*name), now_fields.get(*name))
        })
        .map(|name| name.to_owned())
        .collect()
}

fn moves_on_its_own(kind: Kind, field: &str, before: Option<&Value>, now: Option<&Value>) -> bool {
    let text = |value: Option<&Value>| value.and_then(Value::as_str).unwrap_or_default().to_owned();
    match (kind, field) {
        (Kind::Workspace, "workspace_status_message") => true,
        (Kind::Workspace, "workspace_status") => {
            matches!(text(before).as_str(), "PROVISIONING" | "NOT_PROVISIONED")
                && text(now) == "RUNNING"
        }
        (Kind::Network, "warning_messages") => true,
        (Kind::Network, "vpc_status") => {
            text(before) == "UNATTACHED" && matches!(text(now).as_str(), "VALID" | "WARNED")
        }
        (Kind::VpcEndpoint, "state") => true,
        _ => false,
    }
}

/// Live objects that carry the natural key of what `request` creates.
fn created_matches(
    live: &LiveIndex<'_>,
    request: &CreateRequest,
    prefix: Option<&str>,
) -> Vec<LiveId> {
    match request {
        CreateRequest::Credentials(body) => live
            .by_name(Kind::Credentials, &body.credentials_name)
            .to_vec(),
        CreateRequest::StorageConfiguration(body) => live
            .by_name(Kind::StorageConfiguration, &body.storage_configuration_name)
            .to_vec(),
        CreateRequest::CustomerManagedKey(body) => live
            .by_key(&key_identity(&body.aws_key_info.key_arn, &body.use_cases))
            .to_vec(),
        CreateRequest::VpcEndpoint(body) => live
            .by_name(Kind::VpcEndpoint, &body.vpc_endpoint_name)
            .to_vec(),
        CreateRequest::Network(body) => live.by_name(Kind::Network, &body.network_name).to_vec(),
        CreateRequest::PrivateAccessSettings(body) => live
            .by_name(
                Kind::PrivateAccessSettings,
                &body.private_access_settings_name,
            )
            .to_vec(),
        CreateRequest::Workspace(body) => match &body.deployment_name {
            Some(requested) => live
                .by_deployment(&stored_deployment_name(requested, prefix))
                .to_vec(),
            None => live.by_name(Kind::Workspace, &body.workspace_name).to_vec(),
        },
    }
}

/// A difference between an applied plan's intended end state and the account.
#[derive(Debug, Clone, PartialEq)]
pub struct Residual {
    pub address: Address,
    /// Set when the difference concerns a previous object the plan deleted.
    pub previous_object: bool,
    /// The live object concerned, when there is one.
    pub id: Option<String>,
    pub kind: ResidualKind,
}

/// What is different.
#[derive(Debug, Clone, PartialEq)]
pub enum ResidualKind {
    /// The object the plan keeps or creates is not in the account.
    Missing,
    /// The object the plan deletes is still there.
    NotDeleted,
    /// A field has another value than the plan intended.
    Field {
        field: String,
        expected: Option<Value>,
        actual: Option<Value>,
    },
    /// A workspace the plan changed is not RUNNING.
    Status { actual: String },
}

impl fmt::Display for Residual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let previous = if self.previous_object {
            " (previous object)"
        } else {
            ""
        };
        let id = self
            .id
            .as_ref()
            .map(|id| format!(" ({id})"))
            .unwrap_or_default();
        write!(f, "{}{previous}{id}: ", self.address)?;
        let show = |value: &Option<Value>| match value {
            Some(value) => value.to_string(),
            None => "(none)".to_owned(),
        };
        match &self.kind {
            ResidualKind::Missing => f.write_str("not found in the account"),
            ResidualKind::NotDeleted => f.write_str("still exists"),
            ResidualKind::Field {
                field,
                expected,
                actual,
            } => write!(
                f,
                "`{field}` is {} instead of {}",
                show(actual),
                show(expected)
            ),
            ResidualKind::Status { actual } => write!(f, "is {actual}, not RUNNING"),
        }
    }
}

/// What differs between the end state `plan` intended and `snapshot`, taken after apply.
/// Placeholders match the id of whatever object now carries the natural key of their address.
pub fn residual(plan: &Plan, snapshot: &api_types::Snapshot) -> Vec<Residual> {
    let live = LiveIndex::new(snapshot);
    let prefix = plan.deployment_name_prefix.as_deref();
    let mut located: HashMap<&Address, LiveId> = HashMap::new();
    for change in &plan.resource_changes {
        if change.previous_object || matches!(change.action, Action::Delete) {
            continue;
        }
        let Some(after) = &change.change.after else {
            continue;
        };
        let kind = change.address.kind;
        let found = if creates(change.action) {
            by_natural_key(&live, kind, after, prefix)
        } else {
            change.live_id.as_deref().and_then(|id| live.find(kind, id))
        };
        if let Some(live_id) = found {
            located.insert(&change.address, live_id);
        }
    }
    let mut residuals = Vec::new();
    for change in &plan.resource_changes {
        let kind = change.address.kind;
        let gone = |id: &str| {
            live.find(kind, id)
                .is_none_or(|live_id| is_going(live.get(live_id)))
        };
        let deletes_old = matches!(
            change.action,
            Action::Delete
                | Action::ReplaceDeleteFirst
                | Action::ReplaceCreateFirst
                | Action::Recreate
        );
        if deletes_old
            && let Some(id) = &change.live_id
            && !gone(id)
            && located
                .get(&change.address)
                .is_none_or(|&now| live.get(now).id() != *id)
        {
            residuals.push(Residual {
                address: change.address.clone(),
                previous_object: change.previous_object,
                id: Some(id.clone()),
                kind: ResidualKind::NotDeleted,
            });
        }
        if change.previous_object || change.action == Action::Delete {
            continue;
        }
        let Some(after) = &change.change.after else {
            continue;
        };
        let Some(&live_id) = located.get(&change.address) else {
            residuals.push(Residual {
                address: change.address.clone(),
                previous_object: false,
                id: change.live_id.clone(),
                kind: ResidualKind::Missing,
            });
            continue;
        };
        let object = live.get(live_id);
        let id = Some(object.id());
        let resolved = resolve_placeholders(kind, after, &located, &live);
        let intended = normalize(kind, &resolved);
        let actual = normalize(kind, &object.wire());
        let ignored: Vec<&str> = change
            .fields
            .iter()
            .filter(|field| field.effect == FieldEffect::Ignored)
            .map(|field| field.field.as_str())
            .collect();
        for spec in field_specs(kind) {
            let expected = intended.get(spec.field);
            if (spec.only_when_desired && expected.is_none()) || ignored.contains(&spec.field) {
                continue;
            }
            let found = actual.get(spec.field);
            if expected != found {
                residuals.push(Residual {
                    address: change.address.clone(),
                    previous_object: false,
                    id: id.clone(),
                    kind: ResidualKind::Field {
                        field: spec.field.to_owned(),
                        expected: expected.cloned(),
                        actual: found.cloned(),
                    },
                });
            }
        }
        let touched = !matches!(change.action, Action::NoOp | Action::Read);
        if touched
            && let Some(workspace) = object.workspace()
            && workspace.workspace_status != Some(api_types::WorkspaceStatus::Running)
        {
            residuals.push(Residual {
                address: change.address.clone(),
                previous_object: false,
                id,
                kind: ResidualKind::Status {
                    actual: workspace
                        .workspace_status
                        .as_ref()
                        .map_or("(none)".to_owned(), ToString::to_string),
                },
            });
        }
    }
    residuals
}

fn creates(action: Action) -> bool {
    matches!(
        action,
        Action::Create | Action::ReplaceDeleteFirst | Action::ReplaceCreateFirst | Action::Recreate
    )
}

/// A workspace being torn down counts as deleted.
fn is_going(object: LiveRef<'_>) -> bool {
    object.workspace().is_some_and(|workspace| {
        workspace.workspace_status == Some(api_types::WorkspaceStatus::Cancelling)
    })
}

/// The live object carrying the natural key of an intended object.
fn by_natural_key(
    live: &LiveIndex<'_>,
    kind: Kind,
    after: &Value,
    prefix: Option<&str>,
) -> Option<LiveId> {
    let normalized = normalize(kind, after);
    let text = |field: &str| {
        normalized
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let candidates: Vec<LiveId> = match kind {
        Kind::CustomerManagedKey => {
            let use_cases: Vec<api_types::KeyUseCase> = normalized
                .get("use_cases")
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(api_types::KeyUseCase::from)
                        .collect()
                })
                .unwrap_or_default();
            live.by_key(&key_identity(&text("key_arn")?, &use_cases))
                .to_vec()
        }
        Kind::Workspace => match text("deployment_name") {
            // `after` holds the stored name already; only a name without the prefix needs it.
            Some(stored) => {
                let found = live.by_deployment(&stored).to_vec();
                if found.is_empty() {
                    live.by_deployment(&stored_deployment_name(&stored, prefix))
                        .to_vec()
                } else {
                    found
                }
            }
            None => live
                .by_name(Kind::Workspace, &text("workspace_name")?)
                .to_vec(),
        },
        _ => live.by_name(kind, &text("name")?).to_vec(),
    };
    candidates
        .iter()
        .copied()
        .find(|&live_id| !is_going(live.get(live_id)))
        .or_else(|| candidates.first().copied())
}

/// `after` with every placeholder replaced by the id of the object now located for its address.
fn resolve_placeholders(
    kind: Kind,
    after: &Value,
    located: &HashMap<&Address, LiveId>,
    live: &LiveIndex<'_>,
) -> Value {
    let mut resolved = after.clone();
    let resolve = |text: &str| -> Value {
        match parse_known_after_apply(text).and_then(|address| located.get(&address).copied()) {
            Some(live_id) => Value::String(live.get(live_id).id()),
            None => Value::String(text.to_owned()),
        }
    };
    for spec in field_specs(kind) {
        if !matches!(spec.shape, Shape::Reference(_) | Shape::ReferenceSet(_)) {
            continue;
        }
        let Some(value) = crate::fields::get_path(after, spec.path) else {
            continue;
        };
        let replaced = match value {
            Value::String(text) => resolve(text),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| item.as_str().map_or_else(|| item.clone(), resolve))
                    .collect(),
            ),
            other => other.clone(),
        };
        crate::fields::set_path(&mut resolved, spec.path, Some(replaced));
    }
    resolved
}

/// The display name of a wire object (name, key alias or ARN, deployment name).
pub(crate) fn label_of_wire(kind: Kind, object: &Value) -> String {
    let text = |path: &[&str]| {
        crate::fields::get_path(object, path)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let first = |paths: &[&[&str]]| {
        paths
            .iter()
            .map(|path| text(path))
            .find(|value| !value.is_empty())
            .unwrap_or_default()
    };
    match kind {
        Kind::Credentials => text(&["credentials_name"]),
        Kind::StorageConfiguration => text(&["storage_configuration_name"]),
        Kind::CustomerManagedKey => {
            first(&[&["aws_key_info", "key_alias"], &["aws_key_info", "key_arn"]])
        }
        Kind::VpcEndpoint => text(&["vpc_endpoint_name"]),
        Kind::Network => text(&["network_name"]),
        Kind::PrivateAccessSettings => text(&["private_access_settings_name"]),
        Kind::Workspace => first(&[&["deployment_name"], &["workspace_name"]]),
    }
}
