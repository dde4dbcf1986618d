//! Pass 3: each spec resource's fate, in dependency order.
//!
//! A resource's desired object is built with its references resolved to what the referenced
//! resources end up with; comparing it with the live object gives the field differences, and
//! the rule table turns each difference into "in place", "forces replacement" or "impossible".
//! Because references resolve to placeholders for replaced objects, a replacement cascades: a
//! VPC endpoint registered anew changes its network's `vpc_endpoints`, which replaces the
//! network, which repoints the workspace.

use api_types::{PrivateAccessSettingsRequest, UpdateWorkspaceRequest};
use serde_json::Value;
use spec::{Ensure, Kind};

use super::desired::{create_request, desired_object};
use super::{Cause, Fate, Planner, Update};
use crate::failure::ProblemCode;
use crate::fields::{self, FieldDiff, is_ignored, normalize};
use crate::live::{LiveId, StatusClass, is_broken, network_errors};
use crate::model::{FieldChange, FieldEffect, PlanMode, Risk};
use crate::rules::{RuleStatus, Transition, Verdict, field_rule, object_rule};

/// A field difference with the rule that decides it.
struct Decided {
    diff: FieldDiff,
    verdict: Verdict,
    rule: &'static str,
    source: &'static str,
}

impl<'a> Planner<'a> {
    pub(crate) fn decide(&mut self, position: usize) {
        let state = &self.states[position];
        if !state.in_scope {
            return;
        }
        let resource = state.resource;
        let matched = state.matched;
        if let Some(live_id) = matched {
            self.read(live_id);
        }
        if self.options.mode == PlanMode::Destroy {
            if resource.existing {
                self.states[position].fate = Fate::Read;
            } else if let Some(live_id) = matched {
                self.delete(position, live_id, Cause::Destroy);
            } else {
                self.states[position].fate = Fate::NoOp;
            }
            return;
        }
        if resource.existing {
            self.states[position].fate = Fate::Read;
            return;
        }
        if resource.ensure == Ensure::Absent {
            match matched {
                Some(live_id) => self.delete(position, live_id, Cause::Absent),
                None => self.states[position].fate = Fate::NoOp,
            }
            return;
        }
        self.build_desired(position);
        let Some(live_id) = matched else {
            self.states[position].fate = Fate::Create;
            self.states[position].action_reason = None;
            return;
        };
        let decided = self.decided_fields(position, live_id);
        match resource.address.kind {
            Kind::Workspace => self.decide_workspace(position, live_id, decided),
            Kind::PrivateAccessSettings => self.decide_private_access(position, live_id, decided),
            _ => self.decide_immutable(position, live_id, decided),
        }
    }

    /// The desired create request and object, with references resolved.
    fn build_desired(&mut self, position: usize) {
        let resource = self.states[position].resource;
        let request = create_request(&resource.config, &|address| self.final_wire_id(address));
        let object = desired_object(&request, self.prefix);
        let state = &mut self.states[position];
        state.desired = normalize(resource.address.kind, &object);
        state.desired_object = Some(object);
        state.request = Some(request);
    }

    /// The differences with the live object, each decided by the rule table; ignored ones are
    /// recorded on the state and left out of the result.
    fn decided_fields(&mut self, position: usize, live_id: LiveId) -> Vec<Decided> {
        let resource = self.states[position].resource;
        let kind = resource.address.kind;
        let live = normalize(kind, &self.live.get(live_id).wire());
        let status = match self.live.get(live_id).workspace().map(StatusClass::of) {
            Some(StatusClass::Failed) => RuleStatus::Failed,
            _ => RuleStatus::Running,
        };
        let diffs = fields::diff(kind, &self.states[position].desired, &live);
        let mut decided = Vec::new();
        for diff in diffs {
            if is_ignored(diff.spec.field, &resource.lifecycle.ignore_changes) {
                self.states[position].fields.push(FieldChange {
                    field: diff.spec.field.to_owned(),
                    before: diff.before,
                    after: diff.after,
                    effect: FieldEffect::Ignored,
                    reason: Some("listed in `lifecycle.ignore_changes`".to_owned()),
                });
                continue;
            }
            let transition = Transition::between(diff.before.as_ref(), diff.after.as_ref())
                .unwrap_or(Transition::Change);
            let rule = field_rule(kind, diff.spec.field, status, transition);
            decided.push(Decided {
                diff,
                verdict: rule.verdict,
                rule: rule.rule,
                source: rule.source,
            });
        }
        decided
    }

    fn record(
        &mut self,
        position: usize,
        decided: &[Decided],
        effect_of: impl Fn(&Decided) -> FieldEffect,
    ) {
        let mut changes: Vec<FieldChange> = decided
            .iter()
            .map(|item| FieldChange {
                field: item.diff.spec.field.to_owned(),
                before: item.diff.before.clone(),
                after: item.diff.after.clone(),
                effect: effect_of(item),
                reason: Some(item.rule.to_owned()),
            })
            .collect();
        // Keep the table's field order, with ignored fields where they belong.
        let state = &mut self.states[position];
        changes.append(&mut state.fields);
        let kind = state.resource.address.kind;
        let order = |field: &str| {
            fields::field_specs(kind)
                .iter()
                .position(|spec| spec.field == field)
                .unwrap_or(usize::MAX)
        };
        changes.sort_by_key(|change| order(&change.field));
        state.fields = changes;
    }

    /// Credentials, storage configurations, keys, VPC endpoints and networks: any difference
    /// replaces the object.
    fn decide_immutable(&mut self, position: usize, live_id: LiveId, decided: Vec<Decided>) {
        self.record(position, &decided, |_| FieldEffect::ForcesReplacement);
        let address = self.states[position].resource.address.clone();
        let mut reasons = Vec::new();
        if !decided.is_empty() {
            let changed: Vec<&str> = decided.iter().map(|item| item.diff.spec.field).collect();
            reasons.push(format!(
                "{} change{}; {}",
                changed.join(", "),
                if changed.len() == 1 { "s" } else { "" },
                decided[0].rule
            ));
        }
        if let Some(workspace) = self.recreated_networks.get(&live_id).cloned() {
            let network = self.live.get(live_id).network().expect("a network");
            let errors = network_errors(network);
            let errors = if errors.is_empty() {
                String::new()
            } else {
                format!(" ({})", errors.join("; "))
            };
            reasons.push(format!(
                "the network is BROKEN{errors} and {workspace} is recreated (--recreate-failed): the network is deleted and created again with it"
            ));
        }
        if reasons.is_empty() {
            self.states[position].fate = Fate::NoOp;
            return;
        }
        if !self.allows_destroy(position, live_id, "replacing") {
            self.states[position].fate = Fate::Failed;
            return;
        }
        let used_by_workspace = self
            .live
            .referrers(live_id)
            .iter()
            .any(|referrer| self.live.get(referrer.holder).workspace().is_some());
        let state = &mut self.states[position];
        state.fate = Fate::Replace;
        state.reasons = reasons;
        state.action_reason = Some(if decided.is_empty() {
            "replace_by_request"
        } else {
            "replace_because_cannot_update"
        });
        state.risk = match address.kind {
            Kind::StorageConfiguration if used_by_workspace => Risk::DataLoss,
            Kind::Network if used_by_workspace => Risk::Disruptive,
            _ => Risk::None,
        };
        self.deletion(live_id, address, Cause::Replaced);
    }

    /// Private access settings: any difference is a PUT of the whole object.
    fn decide_private_access(&mut self, position: usize, live_id: LiveId, decided: Vec<Decided>) {
        self.record(position, &decided, |_| FieldEffect::InPlace);
        if decided.is_empty() {
            self.states[position].fate = Fate::NoOp;
            return;
        }
        // The PUT replaces the whole object, so ignored fields must carry their live value.
        let live = self.live.get(live_id).wire();
        let mut body = self.states[position]
            .desired_object
            .clone()
            .expect("built before deciding");
        for field in &self.states[position].fields {
            if field.effect == FieldEffect::Ignored
                && let Some(spec) = self.spec_of(position, &field.field)
            {
                fields::set_path(
                    &mut body,
                    spec.path,
                    fields::get_path(&live, spec.path).cloned(),
                );
            }
        }
        let request: PrivateAccessSettingsRequest =
            serde_json::from_value(body).expect("a private access settings object");
        let used_by_workspace = self
            .live
            .referrers(live_id)
            .iter()
            .any(|referrer| self.live.get(referrer.holder).workspace().is_some());
        let state = &mut self.states[position];
        state.fate = Fate::Update;
        state.update = Some(Update::Put(request));
        state
            .reasons
            .push("updated in place by a PUT, which replaces the whole object; every workspace using it sees the change".to_owned());
        state.risk = if used_by_workspace {
            Risk::Disruptive
        } else {
            Risk::None
        };
    }

    fn decide_workspace(&mut self, position: usize, live_id: LiveId, decided: Vec<Decided>) {
        let workspace = self.live.get(live_id).workspace().expect("a workspace");
        let address = self.states[position].resource.address.clone();
        let status = StatusClass::of(workspace);
        match status {
            StatusClass::Cancelling => {
                self.problem(
                    ProblemCode::WorkspaceStatus,
                    Some(&address),
                    format!(
                        "`{address}` matches workspace {} ({}), which is being deleted (CANCELLING)",
                        workspace.deployment_name, workspace.workspace_id
                    ),
                    Some("wait until the deletion has finished, then plan again: the workspace will be created anew".to_owned()),
                );
                self.states[position].fate = Fate::Failed;
            }
            StatusClass::Other(status) => {
                if decided.is_empty() {
                    self.states[position].fate = Fate::NoOp;
                } else {
                    let fields: Vec<&str> =
                        decided.iter().map(|item| item.diff.spec.field).collect();
                    self.problem(
                        ProblemCode::WorkspaceStatus,
                        Some(&address),
                        format!(
                            "`{address}` ({}) is {status}; brickform cannot change {} of a workspace in that status",
                            workspace.workspace_id,
                            fields.join(", ")
                        ),
                        Some("only RUNNING, FAILED and PROVISIONING workspaces can be planned; ask Databricks support about this one".to_owned()),
                    );
                    self.states[position].fate = Fate::Failed;
                }
            }
            StatusClass::Failed if self.options.recreate_failed => {
                self.record(position, &decided, |_| FieldEffect::ForcesReplacement);
                if !self.allows_destroy(position, live_id, "recreating") {
                    self.states[position].fate = Fate::Failed;
                    return;
                }
                let mut reasons = vec![format!(
                    "the workspace is FAILED{}; --recreate-failed deletes it and creates it again",
                    status_message(workspace)
                )];
                reasons.extend(self.broken_network_reasons(live_id));
                let state = &mut self.states[position];
                state.fate = Fate::Recreate;
                state.reasons = reasons;
                state.action_reason = Some("recreate_failed_workspace");
                state.risk = Risk::Disruptive;
                self.deletion(live_id, address, Cause::Recreated);
            }
            StatusClass::Failed => self.decide_failed(position, live_id, decided),
            StatusClass::Running | StatusClass::Provisioning => self.decide_running(
                position,
                live_id,
                decided,
                status == StatusClass::Provisioning,
            ),
        }
    }

    fn decide_failed(&mut self, position: usize, live_id: LiveId, decided: Vec<Decided>) {
        let workspace = self.live.get(live_id).workspace().expect("a workspace");
        let address = self.states[position].resource.address.clone();
        self.record(position, &decided, |item| match item.verdict {
            Verdict::InPlace => FieldEffect::InPlace,
            Verdict::ForcesReplacement | Verdict::Impossible => FieldEffect::ForcesReplacement,
        });
        let mut blocked = false;
        for item in &decided {
            match item.verdict {
                Verdict::InPlace => {}
                Verdict::ForcesReplacement | Verdict::Impossible => {
                    blocked = true;
                    self.problem(
                        ProblemCode::NeedsRecreate,
                        Some(&address),
                        format!(
                            "`{address}` is FAILED and a PATCH cannot change `{}` ({} → {}): {}",
                            item.diff.spec.field,
                            show(item.diff.before.as_ref()),
                            show(item.diff.after.as_ref()),
                            item.rule
                        ),
                        Some(format!(
                            "pass --recreate-failed to delete the FAILED workspace and create it \
                             with the desired configuration (it holds no data); source: {}",
                            item.source
                        )),
                    );
                }
            }
        }
        if blocked {
            self.states[position].fate = Fate::Failed;
            return;
        }
        // A redeploy PATCHes the whole desired configuration the API accepts on a FAILED
        // workspace, as the Databricks recovery procedure does, not only what differs.
        let ignore = &self.states[position].resource.lifecycle.ignore_changes;
        let mut request = UpdateWorkspaceRequest::default();
        for (field, value) in &self.states[position].desired {
            if is_ignored(field, ignore) {
                continue;
            }
            set_update_field(&mut request, field, Some(value));
        }
        let mut reasons = vec![format!(
            "the workspace is FAILED{}; it is redeployed with a PATCH of its configuration",
            status_message(workspace)
        )];
        reasons.extend(self.broken_network_reasons(live_id));
        let state = &mut self.states[position];
        state.fate = Fate::Redeploy;
        state.update = Some(Update::Patch(request));
        state.reasons = reasons;
        state.action_reason = Some("redeploy_failed_workspace");
        state.risk = Risk::Disruptive;
    }

    fn decide_running(
        &mut self,
        position: usize,
        live_id: LiveId,
        decided: Vec<Decided>,
        provisioning: bool,
    ) {
        let workspace = self.live.get(live_id).workspace().expect("a workspace");
        let address = self.states[position].resource.address.clone();
        self.record(position, &decided, |item| match item.verdict {
            Verdict::InPlace => FieldEffect::InPlace,
            Verdict::ForcesReplacement | Verdict::Impossible => FieldEffect::ForcesReplacement,
        });
        let mut impossible = false;
        for item in decided
            .iter()
            .filter(|item| item.verdict == Verdict::Impossible)
        {
            impossible = true;
            self.problem(
                ProblemCode::ImpossibleChange,
                Some(&address),
                format!(
                    "`{address}` cannot change `{}` from {} to {}: {}",
                    item.diff.spec.field,
                    show(item.diff.before.as_ref()),
                    show(item.diff.after.as_ref()),
                    item.rule
                ),
                Some(impossible_hint(item.diff.spec.field, item.source)),
            );
        }
        if impossible {
            self.states[position].fate = Fate::Failed;
            return;
        }
        let replacing: Vec<&Decided> = decided
            .iter()
            .filter(|item| item.verdict == Verdict::ForcesReplacement)
            .collect();
        if !replacing.is_empty() {
            let reasons: Vec<String> = replacing
                .iter()
                .map(|item| format!("`{}` changes: {}", item.diff.spec.field, item.rule))
                .collect();
            if !self.allows_destroy_because(position, live_id, "replacing", &reasons.join("; ")) {
                self.states[position].fate = Fate::Failed;
                return;
            }
            let state = &mut self.states[position];
            state.fate = Fate::Replace;
            state.reasons = reasons;
            state.action_reason = Some("replace_because_cannot_update");
            state.risk = Risk::DataLoss;
            self.deletion(live_id, address, Cause::Replaced);
            return;
        }
        let mut reasons = Vec::new();
        if provisioning {
            let then = if decided.is_empty() {
                ""
            } else {
                ", then updates it"
            };
            reasons.push(format!(
                "the workspace is {}: apply waits until it is RUNNING{then} (rule `{}`)",
                workspace
                    .workspace_status
                    .as_ref()
                    .map_or("PROVISIONING", |status| status.as_str()),
                object_rule("provisioning-workspace").id
            ));
        }
        if decided.is_empty() {
            let state = &mut self.states[position];
            state.reasons = reasons;
            if provisioning {
                state.fate = Fate::Wait;
                state.action_reason = Some("wait_for_provisioning");
            } else {
                state.fate = Fate::NoOp;
            }
            return;
        }
        let mut request = UpdateWorkspaceRequest::default();
        for item in &decided {
            set_update_field(&mut request, item.diff.spec.field, item.diff.after.as_ref());
        }
        reasons.push(format!(
            "updated in place by a PATCH of {}",
            request.mask_fields().join(", ")
        ));
        let state = &mut self.states[position];
        state.fate = Fate::Update;
        state.update = Some(Update::Patch(request));
        state.wait_first = provisioning;
        state.reasons = reasons;
        state.risk = Risk::Disruptive;
    }

    /// `ensure: absent` or destroy mode: the live object goes, if that is allowed.
    fn delete(&mut self, position: usize, live_id: LiveId, cause: Cause) {
        let address = self.states[position].resource.address.clone();
        if !self.allows_destroy(position, live_id, "deleting") {
            self.states[position].fate = Fate::Failed;
            return;
        }
        let risk = match self.live.get(live_id).workspace().map(StatusClass::of) {
            Some(StatusClass::Failed) => Risk::Disruptive,
            Some(_) => Risk::DataLoss,
            None => Risk::None,
        };
        let reason = match cause {
            Cause::Destroy => "destroy: every resource of the spec is deleted",
            _ => "`ensure: absent`",
        };
        let state = &mut self.states[position];
        state.fate = Fate::Delete;
        state.risk = risk;
        state.reasons.push(reason.to_owned());
        state.action_reason = Some(match cause {
            Cause::Destroy => "delete_because_destroy",
            _ => "delete_because_absent",
        });
        self.deletion(live_id, address, cause);
    }

    pub(crate) fn deletion(&mut self, live_id: LiveId, address: spec::Address, cause: Cause) {
        if self.deleted.contains_key(&live_id) {
            return;
        }
        self.deleted.insert(live_id, self.deletions.len());
        self.deletions.push(super::Deletion {
            live: live_id,
            address,
            cause,
            after: Vec::new(),
        });
    }

    fn allows_destroy(&mut self, position: usize, live_id: LiveId, doing: &str) -> bool {
        self.allows_destroy_because(position, live_id, doing, "")
    }

    /// Whether the spec and the command allow destroying the resource's live object; reports
    /// the block otherwise. Workspaces that are not FAILED need both `prevent_destroy: false`
    /// and `--allow-destroy`; other kinds only refuse when `prevent_destroy` is set.
    fn allows_destroy_because(
        &mut self,
        position: usize,
        live_id: LiveId,
        doing: &str,
        because: &str,
    ) -> bool {
        let resource = self.states[position].resource;
        let address = resource.address.clone();
        let prevent = resource.lifecycle.prevent_destroy;
        let because = if because.is_empty() {
            String::new()
        } else {
            format!(": {because}")
        };
        let described = self.describe(live_id);
        match self.live.get(live_id).workspace() {
            Some(workspace) => {
                let status = StatusClass::of(workspace);
                if status == StatusClass::Failed {
                    return true;
                }
                let flagged = self.options.allow_destroy.contains(&address);
                if !prevent && flagged {
                    return true;
                }
                let status_text = workspace
                    .workspace_status
                    .as_ref()
                    .map_or("(no status)", |status| status.as_str());
                let missing = match (prevent, flagged) {
                    (true, false) => format!(
                        "if that is intended, set `lifecycle: {{prevent_destroy: false}}` on {address} in the spec and pass `--allow-destroy {address}`"
                    ),
                    (true, true) => format!(
                        "--allow-destroy {address} is given, but the spec still protects it: set `lifecycle: {{prevent_destroy: false}}` on {address} too"
                    ),
                    (false, _) => format!(
                        "the spec allows it (`prevent_destroy: false`); pass `--allow-destroy {address}` to confirm"
                    ),
                };
                self.problem(
                    ProblemCode::DestroyBlocked,
                    Some(&address),
                    format!(
                        "{doing} `{address}` (`{}`, {}, {status_text}) would destroy the workspace and its data{because}",
                        self.live.get(live_id).label(),
                        workspace.workspace_id
                    ),
                    Some(missing),
                );
                false
            }
            None => {
                if !prevent {
                    return true;
                }
                self.problem(
                    ProblemCode::DestroyBlocked,
                    Some(&address),
                    format!("{doing} `{address}` ({described}) is blocked by `lifecycle.prevent_destroy`{because}"),
                    Some(format!(
                        "set `prevent_destroy: false` on {address} if that is intended"
                    )),
                );
                false
            }
        }
    }

    /// Reasons naming a BROKEN network's errors, for a FAILED workspace.
    fn broken_network_reasons(&self, workspace: LiveId) -> Vec<String> {
        let mut reasons = Vec::new();
        for network_id in self.live.referenced(workspace, "network") {
            let Some(network) = self.live.get(network_id).network() else {
                continue;
            };
            if !is_broken(network) {
                continue;
            }
            let errors = network_errors(network);
            let mut reason = format!("its network `{}` is BROKEN", network.network_name);
            if !errors.is_empty() {
                reason.push_str(&format!(": {}", errors.join("; ")));
            }
            if !self.options.recreate_failed {
                reason.push_str(
                    "; fix the AWS resources before applying, or pass --recreate-failed to \
                     recreate the network and the workspace",
                );
            }
            reasons.push(reason);
        }
        reasons
    }
}

/// Sets the PATCH field for a spec field of a workspace.
fn set_update_field(request: &mut UpdateWorkspaceRequest, field: &str, value: Option<&Value>) {
    let text = || value.and_then(Value::as_str).map(str::to_owned);
    match field {
        "credentials" => request.credentials_id = text(),
        "storage_configuration" => request.storage_configuration_id = text(),
        "network" => request.network_id = text(),
        "managed_services_key" => request.managed_services_customer_managed_key_id = text(),
        "storage_key" => request.storage_customer_managed_key_id = text(),
        "private_access_settings" => request.private_access_settings_id = text(),
        "custom_tags" => {
            request.custom_tags = value
                .and_then(|value| serde_json::from_value(value.clone()).ok())
                .filter(|tags: &std::collections::BTreeMap<String, String>| !tags.is_empty());
        }
        // Identity and create-only fields are never PATCHed.
        _ => {}
    }
}

fn status_message(workspace: &api_types::Workspace) -> String {
    match workspace.workspace_status_message.as_deref() {
        Some(message) if !message.is_empty() => format!(" (\"{message}\")"),
        _ => String::new(),
    }
}

/// A value for messages: JSON, `(none)`, or "the new ADDRESS" for a placeholder.
pub(crate) fn show(value: Option<&Value>) -> String {
    match value {
        None => "(none)".to_owned(),
        Some(Value::String(text)) => match crate::model::parse_known_after_apply(text) {
            Some(address) => format!("the new {address}"),
            None => format!("`{text}`"),
        },
        Some(other) => format!("`{other}`"),
    }
}

fn impossible_hint(field: &str, source: &str) -> String {
    let what = match field {
        "custom_tags" => {
            "keep at least one tag, or add `custom_tags` to `lifecycle.ignore_changes`".to_owned()
        }
        "storage_key" => "keep the current storage key; a workspace with another storage key must be created anew (with a new deployment name, or after deleting this one)".to_owned(),
        "private_access_settings" | "network" | "managed_services_key" => format!(
            "keep `{field}` set; going back needs a new workspace (with a new deployment name, or after deleting this one)"
        ),
        _ => "keep the current value".to_owned(),
    };
    format!("{what}; source: {source}")
}
