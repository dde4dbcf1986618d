//! The planner: a validated spec and a live snapshot to a [`Plan`], in five passes.
//!
//! 1. Scope: `--target` addresses and what they depend on (or, for destroy, what depends on
//!    them).
//! 2. Match: every spec resource to at most one live object by its natural key.
//! 3. Decide ([`decide`]), in dependency order: each resource's fate (no-op, create, update,
//!    replace, delete, wait, redeploy, recreate) from the field differences and the rule table.
//!    References resolve to the id the referenced resource ends up with, so a replacement
//!    cascades to whatever references it.
//! 4. Deletions ([`deletions`]), in reverse dependency order: what goes away (absent
//!    resources, replaced objects, previous objects a spec resource no longer names) and
//!    whether everything that uses it lets it go.
//! 5. Steps ([`steps`]): the DAG of API calls, topologically ordered; a cycle means an object
//!    in use would have to exist twice under one identity, which is reported as such.
//!
//! Every problem is collected; the plan fails with all of them at once.

mod decide;
mod deletions;
mod desired;
mod steps;

use std::collections::{BTreeSet, HashMap};

use api_types::Snapshot;
use serde_json::Value;
use spec::{Address, Ensure, Kind, Resource, ResourceConfig, Spec};

use crate::failure::{PlanFailure, PlanProblem, ProblemCode};
use crate::fields::{FieldSpec, Normalized};
use crate::fingerprint::fingerprint;
use crate::live::{LiveId, LiveIndex, key_identity};
use crate::model::{
    Action, Change, CreateRequest, FORMAT_VERSION, FieldChange, LiveObject, Plan, PlanMode,
    PlanOptions, PlanTarget, ResourceChange, Risk, Step, Summary, known_after_apply,
};

pub(crate) use desired::stored_deployment_name;

/// Plans the changes that make the account match the spec (or, in
/// [`PlanMode::Destroy`], that remove the spec's resources).
///
/// Pure: the live account comes in as `snapshot`. Fails with every problem found when any
/// change the spec asks for is ambiguous, impossible, unsafe or blocked.
pub fn plan(
    spec: &Spec,
    snapshot: &Snapshot,
    target: PlanTarget,
    options: PlanOptions,
) -> Result<Plan, PlanFailure> {
    let mut planner = Planner::new(spec, snapshot, &options);
    planner.scope();
    planner.match_all();
    if !planner.problems.is_empty() {
        return Err(planner.failure());
    }
    planner.prepare_recreated_networks();
    for index in 0..planner.states.len() {
        planner.decide(index);
    }
    planner.find_deletions();
    planner.check_deletions();
    let steps = planner.build_steps();
    if !planner.problems.is_empty() {
        return Err(planner.failure());
    }
    Ok(planner.finish(target, options.clone(), steps))
}

/// What happens to one spec resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Not planned: outside `--target`.
    OutOfScope,
    /// A problem was reported; the resource keeps its live state for the rest of the analysis.
    Failed,
    NoOp,
    /// `existing: true`.
    Read,
    Create,
    /// Updated in place: a workspace PATCH or a private access settings PUT.
    Update,
    /// Deleted, then created again under the same identity.
    Replace,
    /// `ensure: absent`, or destroy mode.
    Delete,
    /// PROVISIONING and nothing else to do: wait for RUNNING.
    Wait,
    /// A FAILED workspace PATCHed with the desired configuration.
    Redeploy,
    /// A FAILED workspace deleted and created again (`--recreate-failed`).
    Recreate,
}

/// An in-place change of a live object.
#[derive(Debug, Clone)]
pub(crate) enum Update {
    Patch(api_types::UpdateWorkspaceRequest),
    Put(api_types::PrivateAccessSettingsRequest),
}

/// The planner's view of one spec resource.
pub(crate) struct State<'a> {
    pub(crate) resource: &'a Resource,
    pub(crate) in_scope: bool,
    pub(crate) matched: Option<LiveId>,
    pub(crate) fate: Fate,
    pub(crate) request: Option<CreateRequest>,
    /// The desired object (request body, deployment name as stored).
    pub(crate) desired_object: Option<Value>,
    pub(crate) desired: Normalized,
    pub(crate) fields: Vec<FieldChange>,
    pub(crate) reasons: Vec<String>,
    pub(crate) risk: Risk,
    pub(crate) action_reason: Option<&'static str>,
    pub(crate) update: Option<Update>,
    /// PROVISIONING: the update waits for RUNNING first.
    pub(crate) wait_first: bool,
}

/// Why a live object is deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cause {
    /// `ensure: absent`.
    Absent,
    /// Destroy mode.
    Destroy,
    /// Replaced under the same identity: deleted before the new one is created.
    Replaced,
    /// A FAILED workspace recreated.
    Recreated,
    /// The object a spec resource used to name on `holders`, deleted after they moved on.
    Previous { holders: Vec<Address> },
}

/// A live object the plan deletes.
pub(crate) struct Deletion {
    pub(crate) live: LiveId,
    /// The spec resource it belongs (or belonged) to.
    pub(crate) address: Address,
    pub(crate) cause: Cause,
    /// What must happen before the delete: other deletions and in-place updates.
    pub(crate) after: Vec<Prerequisite>,
}

/// Something a delete waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Prerequisite {
    /// Another deletion (an index into `Planner::deletions`).
    Deletion(usize),
    /// The in-place update of a spec resource (an index into `Planner::states`).
    Update(usize),
}

/// The id a reference to a spec resource resolves to once the plan has run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FinalId {
    Live(LiveId),
    New,
    Gone,
}

pub(crate) struct Planner<'a> {
    pub(crate) spec: &'a Spec,
    pub(crate) live: LiveIndex<'a>,
    pub(crate) options: &'a PlanOptions,
    pub(crate) prefix: Option<&'a str>,
    pub(crate) states: Vec<State<'a>>,
    pub(crate) index: HashMap<Address, usize>,
    /// Live objects matched by some spec resource (in scope or not).
    pub(crate) matched_by: HashMap<LiveId, usize>,
    pub(crate) deletions: Vec<Deletion>,
    pub(crate) deleted: HashMap<LiveId, usize>,
    /// Live networks deleted and created again with their recreated FAILED workspace.
    pub(crate) recreated_networks: HashMap<LiveId, Address>,
    pub(crate) problems: Vec<PlanProblem>,
    pub(crate) notes: Vec<String>,
    pub(crate) reads: BTreeSet<LiveId>,
}

impl<'a> Planner<'a> {
    fn new(spec: &'a Spec, snapshot: &'a Snapshot, options: &'a PlanOptions) -> Planner<'a> {
        let states: Vec<State<'a>> = spec
            .resources()
            .iter()
            .map(|resource| State {
                resource,
                in_scope: true,
                matched: None,
                fate: Fate::OutOfScope,
                request: None,
                desired_object: None,
                desired: Normalized::new(),
                fields: Vec::new(),
                reasons: Vec::new(),
                risk: Risk::None,
                action_reason: None,
                update: None,
                wait_first: false,
            })
            .collect();
        let index = states
            .iter()
            .enumerate()
            .map(|(position, state)| (state.resource.address.clone(), position))
            .collect();
        Planner {
            spec,
            live: LiveIndex::new(snapshot),
            options,
            prefix: spec.account().deployment_name_prefix.as_deref(),
            states,
            index,
            matched_by: HashMap::new(),
            deletions: Vec::new(),
            deleted: HashMap::new(),
            recreated_networks: HashMap::new(),
            problems: Vec::new(),
            notes: Vec::new(),
            reads: BTreeSet::new(),
        }
    }

    fn failure(&mut self) -> PlanFailure {
        // Problems come out in spec order, then in the order they were found.
        let order = |problem: &PlanProblem| {
            problem
                .address
                .as_ref()
                .and_then(|address| self.index.get(address).copied())
                .unwrap_or(usize::MAX)
        };
        let mut problems = std::mem::take(&mut self.problems);
        problems.sort_by_key(|problem| order(problem));
        problems.dedup();
        PlanFailure {
            problems,
            notes: std::mem::take(&mut self.notes),
        }
    }

    pub(crate) fn problem(
        &mut self,
        code: ProblemCode,
        address: Option<&Address>,
        message: String,
        hint: Option<String>,
    ) {
        let origin = address
            .and_then(|address| self.index.get(address))
            .map(|&index| self.states[index].resource.origin.clone());
        self.problems.push(PlanProblem {
            code,
            address: address.cloned(),
            message,
            hint,
            origin,
        });
    }

    /// Marks the spec resources `--target` selects; notes what they pulled in.
    fn scope(&mut self) {
        let mut unknown = Vec::new();
        for address in self
            .options
            .targets
            .iter()
            .chain(&self.options.allow_destroy)
        {
            if !self.index.contains_key(address) && !unknown.contains(address) {
                unknown.push(address.clone());
            }
        }
        for address in unknown {
            let known: Vec<String> = self
                .states
                .iter()
                .filter(|state| state.resource.address.kind == address.kind)
                .map(|state| format!("`{}`", state.resource.address))
                .collect();
            let hint = if known.is_empty() {
                format!("the spec declares no `{}`", address.kind)
            } else {
                format!("the spec declares {}", known.join(", "))
            };
            self.problem(
                ProblemCode::UnknownAddress,
                None,
                format!("`{address}` is not a resource of the spec"),
                Some(hint),
            );
        }
        if self.options.targets.is_empty() {
            return;
        }
        let destroy = self.options.mode == PlanMode::Destroy;
        let mut selected = vec![false; self.states.len()];
        let mut stack: Vec<usize> = self
            .options
            .targets
            .iter()
            .filter_map(|address| self.index.get(address).copied())
            .collect();
        while let Some(position) = stack.pop() {
            if std::mem::replace(&mut selected[position], true) {
                continue;
            }
            let address = &self.states[position].resource.address;
            let next = if destroy {
                self.spec.dependents(address)
            } else {
                self.spec.dependencies(address)
            };
            stack.extend(
                next.iter()
                    .filter_map(|resource| self.index.get(&resource.address).copied()),
            );
        }
        let pulled_in: Vec<String> = self
            .states
            .iter()
            .zip(&selected)
            .filter(|(state, selected)| {
                **selected && !self.options.targets.contains(&state.resource.address)
            })
            .map(|(state, _)| state.resource.address.to_string())
            .collect();
        if !pulled_in.is_empty() {
            let why = if destroy {
                "they depend on the targets and go first"
            } else {
                "the targets reference them"
            };
            self.notes.push(format!(
                "--target also plans {} ({why})",
                pulled_in.join(", ")
            ));
        }
        for (state, selected) in self.states.iter_mut().zip(selected) {
            state.in_scope = selected;
        }
    }

    /// Matches every spec resource to its live object; reports ambiguity and missing
    /// `existing: true` objects.
    fn match_all(&mut self) {
        for position in 0..self.states.len() {
            let resource = self.states[position].resource;
            let (candidates, looked_for) = self.candidates(resource);
            match candidates.as_slice() {
                [] => {
                    if resource.existing && self.states[position].in_scope {
                        self.problem(
                            ProblemCode::ExistingNotFound,
                            Some(&resource.address),
                            format!(
                                "`{}` is `existing: true`, but the account has no {} {looked_for}",
                                resource.address,
                                resource.address.kind.collection().noun()
                            ),
                            Some(
                                "an existing object is looked up, never created: create it \
                                 where it is owned, or correct the name in the spec"
                                    .to_owned(),
                            ),
                        );
                    }
                    if self.options.mode == PlanMode::Apply
                        && resource.ensure == Ensure::Present
                        && !resource.existing
                        && self.states[position].in_scope
                    {
                        self.note_prefix_mismatch(resource);
                    }
                }
                [single] => {
                    self.states[position].matched = Some(*single);
                    self.matched_by.insert(*single, position);
                }
                several => {
                    let ids: Vec<String> = several
                        .iter()
                        .map(|&live_id| format!("`{}`", self.live.get(live_id).id()))
                        .collect();
                    if self.states[position].in_scope {
                        self.problem(
                            ProblemCode::AmbiguousMatch,
                            Some(&resource.address),
                            format!(
                                "`{}` matches {} {} {looked_for}: {}",
                                resource.address,
                                several.len(),
                                resource.address.kind.collection().plural_noun(),
                                ids.join(", ")
                            ),
                            Some(match resource.address.kind {
                                Kind::CustomerManagedKey => "brickform finds keys by ARN and use \
                                     cases and never guesses: delete the duplicate registrations \
                                     in the account"
                                    .to_owned(),
                                Kind::Workspace => "brickform never guesses: give the workspace \
                                     a `deployment_name`, which the account keeps unique"
                                    .to_owned(),
                                _ => "brickform finds objects by name and never guesses: delete \
                                     the duplicates in the account, or give the resource a name \
                                     no other object has"
                                    .to_owned(),
                            }),
                        );
                    }
                }
            }
        }
    }

    /// The live objects carrying a resource's natural key, and how the key reads in messages.
    fn candidates(&self, resource: &Resource) -> (Vec<LiveId>, String) {
        let kind = resource.address.kind;
        let by_name = |name: &str| {
            (
                self.live.by_name(kind, name).to_vec(),
                format!("named `{name}`"),
            )
        };
        match &resource.config {
            ResourceConfig::Credentials(config) => by_name(&config.name),
            ResourceConfig::StorageConfiguration(config) => by_name(&config.name),
            ResourceConfig::VpcEndpoint(config) => by_name(&config.name),
            ResourceConfig::Network(config) => by_name(&config.name),
            ResourceConfig::PrivateAccessSettings(config) => by_name(&config.name),
            ResourceConfig::CustomerManagedKey(config) => {
                let identity = key_identity(&config.key_arn, &config.use_cases);
                let use_cases: Vec<&str> = config
                    .use_cases
                    .iter()
                    .map(|use_case| use_case.as_str())
                    .collect();
                (
                    self.live.by_key(&identity).to_vec(),
                    format!(
                        "for key `{}` with use cases {}",
                        config.key_arn,
                        use_cases.join(" and ")
                    ),
                )
            }
            ResourceConfig::Workspace(config) => {
                let (mut found, looked_for) = match &config.deployment_name {
                    Some(requested) => {
                        let stored = stored_deployment_name(requested, self.prefix);
                        (
                            self.live.by_deployment(&stored).to_vec(),
                            format!("with deployment name `{stored}`"),
                        )
                    }
                    None => by_name(&config.workspace_name),
                };
                // A workspace being deleted is no candidate when another one carries the key:
                // right after a recreate the old one lingers as CANCELLING for a while.
                if found.len() > 1 {
                    found.retain(|&live_id| {
                        self.live.get(live_id).workspace().is_some_and(|workspace| {
                            workspace.workspace_status
                                != Some(api_types::WorkspaceStatus::Cancelling)
                        })
                    });
                }
                (found, looked_for)
            }
        }
    }

    /// A workspace with a deployment name and no match, where a live workspace carries that
    /// name behind some prefix: the spec probably lacks `account.deployment_name_prefix`.
    fn note_prefix_mismatch(&mut self, resource: &Resource) {
        let ResourceConfig::Workspace(config) = &resource.config else {
            return;
        };
        let Some(requested) = &config.deployment_name else {
            return;
        };
        if self.prefix.is_some() {
            return;
        }
        let suffix = format!("-{}", requested.to_ascii_lowercase());
        let similar: Vec<String> = self
            .live
            .by_name(Kind::Workspace, &config.workspace_name)
            .iter()
            .filter_map(|&live_id| self.live.get(live_id).workspace())
            .filter(|workspace| workspace.deployment_name.ends_with(&suffix))
            .map(|workspace| workspace.deployment_name.clone())
            .collect();
        if let Some(existing) = similar.first() {
            let prefix = &existing[..existing.len() - suffix.len()];
            self.notes.push(format!(
                "`{}` is planned as a new workspace, but workspace `{existing}` has the same \
                 name: if the account's deployment name prefix is `{prefix}`, set \
                 `account.deployment_name_prefix: {prefix}` in the spec",
                resource.address
            ));
        }
    }

    /// For every FAILED workspace recreated with `--recreate-failed` whose network is
    /// BROKEN, the network is deleted and created again too, as the Databricks recovery
    /// procedure says.
    fn prepare_recreated_networks(&mut self) {
        if !self.options.recreate_failed || self.options.mode == PlanMode::Destroy {
            return;
        }
        for state in &self.states {
            let (Some(live_id), true) = (state.matched, state.in_scope) else {
                continue;
            };
            if state.resource.ensure == Ensure::Absent || state.resource.existing {
                continue;
            }
            let Some(workspace) = self.live.get(live_id).workspace() else {
                continue;
            };
            if workspace.workspace_status != Some(api_types::WorkspaceStatus::Failed) {
                continue;
            }
            for network_id in self.live.referenced(live_id, "network") {
                let broken = self
                    .live
                    .get(network_id)
                    .network()
                    .is_some_and(crate::live::is_broken);
                if broken {
                    self.recreated_networks
                        .insert(network_id, state.resource.address.clone());
                }
            }
        }
    }

    /// The id a reference to `address` resolves to after the plan.
    pub(crate) fn final_id(&self, address: &Address) -> FinalId {
        let Some(&position) = self.index.get(address) else {
            return FinalId::Gone;
        };
        let state = &self.states[position];
        match state.fate {
            Fate::Create | Fate::Replace | Fate::Recreate => FinalId::New,
            Fate::Delete => FinalId::Gone,
            Fate::Read
            | Fate::NoOp
            | Fate::Update
            | Fate::Wait
            | Fate::Redeploy
            | Fate::Failed
            | Fate::OutOfScope => match state.matched {
                Some(live_id) => FinalId::Live(live_id),
                None if state.fate == Fate::Failed => FinalId::New,
                None => FinalId::Gone,
            },
        }
    }

    /// The wire id of `address` after the plan: a live id or a placeholder.
    pub(crate) fn final_wire_id(&self, address: &Address) -> String {
        match self.final_id(address) {
            FinalId::Live(live_id) => self.live.get(live_id).id(),
            FinalId::New | FinalId::Gone => known_after_apply(address),
        }
    }

    /// The live ids a holder references through `field` once the plan has run.
    pub(crate) fn final_references(&self, holder: LiveId, field: &str) -> Vec<LiveId> {
        if self.deleted.contains_key(&holder) {
            return Vec::new();
        }
        let Some(&position) = self.matched_by.get(&holder) else {
            return self.live.referenced(holder, field);
        };
        let state = &self.states[position];
        let changes_references = matches!(state.fate, Fate::Update | Fate::Redeploy);
        if !changes_references {
            return self.live.referenced(holder, field);
        }
        // Updated: the holder references what the spec says, unless the field is ignored (an
        // ignored field keeps its live value).
        let ignored = crate::fields::is_ignored(field, &state.resource.lifecycle.ignore_changes);
        if ignored {
            return self.live.referenced(holder, field);
        }
        state
            .resource
            .references()
            .into_iter()
            .filter(|(reference_field, _)| *reference_field == field)
            .filter_map(|(_, address)| match self.final_id(address) {
                FinalId::Live(live_id) => Some(live_id),
                FinalId::New | FinalId::Gone => None,
            })
            .collect()
    }

    pub(crate) fn read(&mut self, live_id: LiveId) {
        self.reads.insert(live_id);
    }

    /// `name` (id) of a live object, for messages.
    pub(crate) fn describe(&self, live_id: LiveId) -> String {
        let object = self.live.get(live_id);
        format!(
            "{} `{}` ({})",
            object.kind().collection().noun(),
            object.label(),
            object.id()
        )
    }

    /// The address and description of a live object for messages: `workspaces.sales` when a
    /// spec resource manages it, else its description.
    pub(crate) fn who(&self, live_id: LiveId) -> String {
        match self.matched_by.get(&live_id) {
            Some(&position) => format!(
                "`{}` ({})",
                self.states[position].resource.address,
                self.live.get(live_id).id()
            ),
            None => self.describe(live_id),
        }
    }

    /// Assembles the plan.
    fn finish(self, target: PlanTarget, options: PlanOptions, steps: Vec<Step>) -> Plan {
        let mut resource_changes = Vec::new();
        let mut deletes = Vec::new();
        for state in &self.states {
            if state.fate == Fate::OutOfScope {
                continue;
            }
            let change = self.resource_change(state);
            if change.action == Action::Delete {
                deletes.push(change);
            } else {
                resource_changes.push(change);
            }
        }
        for deletion in &self.deletions {
            if let Cause::Previous { holders } = &deletion.cause {
                deletes.push(self.previous_change(deletion, holders));
            }
        }
        // Deletions read in the order they run: users before what they use.
        deletes.sort_by(|left, right| {
            (
                std::cmp::Reverse(left.address.kind),
                &left.address,
                left.previous_object,
            )
                .cmp(&(
                    std::cmp::Reverse(right.address.kind),
                    &right.address,
                    right.previous_object,
                ))
        });
        resource_changes.extend(deletes);
        let summary = summarise(&resource_changes);
        let reads = self
            .reads
            .iter()
            .map(|&live_id| {
                let object = self.live.get(live_id);
                let wire = object.wire();
                LiveObject {
                    kind: object.kind(),
                    id: object.id(),
                    address: self
                        .matched_by
                        .get(&live_id)
                        .map(|&position| self.states[position].resource.address.clone()),
                    fingerprint: fingerprint(&wire),
                    object: wire,
                }
            })
            .collect();
        Plan {
            format_version: FORMAT_VERSION,
            brickform_version: env!("CARGO_PKG_VERSION").to_owned(),
            target,
            spec_digest: self.spec.digest().to_owned(),
            deployment_name_prefix: self.prefix.map(str::to_owned),
            options,
            summary,
            resource_changes,
            steps,
            reads,
            notes: self.notes,
        }
    }

    fn resource_change(&self, state: &State<'_>) -> ResourceChange {
        let live = state.matched.map(|live_id| self.live.get(live_id));
        let before = match state.fate {
            Fate::Create => None,
            _ => live.map(|object| object.wire()),
        };
        let action = match state.fate {
            Fate::OutOfScope | Fate::Failed | Fate::NoOp => Action::NoOp,
            Fate::Read => Action::Read,
            Fate::Create => Action::Create,
            Fate::Update => Action::Update,
            Fate::Replace => Action::ReplaceDeleteFirst,
            Fate::Delete if state.matched.is_some() => Action::Delete,
            Fate::Delete => Action::NoOp,
            Fate::Wait => Action::Wait,
            Fate::Redeploy => Action::Redeploy,
            Fate::Recreate => Action::Recreate,
        };
        let after = match state.fate {
            Fate::Delete => None,
            Fate::Create | Fate::Replace | Fate::Recreate => state.desired_object.clone(),
            Fate::Update | Fate::Redeploy | Fate::Wait => before.clone().map(|mut object| {
                for field in &state.fields {
                    if field.effect == crate::model::FieldEffect::Ignored {
                        continue;
                    }
                    if let Some(spec) =
                        crate::fields::field_spec(state.resource.address.kind, &field.field)
                    {
                        crate::fields::set_path(&mut object, spec.path, field.after.clone());
                    }
                }
                object
            }),
            Fate::OutOfScope | Fate::Failed | Fate::NoOp | Fate::Read => before.clone(),
        };
        ResourceChange {
            address: state.resource.address.clone(),
            previous_object: false,
            live_id: live.map(|object| object.id()),
            action,
            change: Change {
                actions: terraform_actions(action, state.update.is_some()),
                before,
                after,
            },
            action_reason: state.action_reason.map(str::to_owned),
            reasons: state.reasons.clone(),
            risk: state.risk,
            fields: state.fields.clone(),
        }
    }

    fn previous_change(&self, deletion: &Deletion, holders: &[Address]) -> ResourceChange {
        let object = self.live.get(deletion.live);
        let on: Vec<String> = holders.iter().map(ToString::to_string).collect();
        let risk = match deletion.address.kind {
            // A workspace moved to another storage configuration loses what was in the bucket.
            Kind::StorageConfiguration => Risk::DataLoss,
            _ => Risk::None,
        };
        ResourceChange {
            address: deletion.address.clone(),
            previous_object: true,
            live_id: Some(object.id()),
            action: Action::Delete,
            change: Change {
                actions: vec!["delete".to_owned()],
                before: Some(object.wire()),
                after: None,
            },
            action_reason: Some("delete_previous_object".to_owned()),
            reasons: vec![format!(
                "previous object of {} on {}",
                deletion.address,
                on.join(", ")
            )],
            risk,
            fields: Vec::new(),
        }
    }

    /// The field spec table entry of `field` of a state's kind.
    pub(crate) fn spec_of(&self, position: usize, field: &str) -> Option<&'static FieldSpec> {
        crate::fields::field_spec(self.states[position].resource.address.kind, field)
    }
}

/// Terraform's `actions` for an action.
fn terraform_actions(action: Action, updates_after_wait: bool) -> Vec<String> {
    let actions: &[&str] = match action {
        Action::NoOp => &["no-op"],
        Action::Read => &["read"],
        Action::Create => &["create"],
        Action::Update | Action::Redeploy => &["update"],
        Action::ReplaceDeleteFirst | Action::Recreate => &["delete", "create"],
        Action::ReplaceCreateFirst => &["create", "delete"],
        Action::Delete => &["delete"],
        Action::Wait if updates_after_wait => &["update"],
        Action::Wait => &["no-op"],
    };
    actions.iter().map(|action| (*action).to_owned()).collect()
}

/// The counts of `Plan: N to add, M to change, K to destroy.`
pub(crate) fn summarise(changes: &[ResourceChange]) -> Summary {
    let mut summary = Summary::default();
    for change in changes {
        match change.action {
            Action::Create => summary.add += 1,
            Action::Update | Action::Redeploy => summary.change += 1,
            Action::ReplaceDeleteFirst | Action::ReplaceCreateFirst | Action::Recreate => {
                summary.add += 1;
                summary.destroy += 1;
            }
            Action::Delete => summary.destroy += 1,
            Action::NoOp | Action::Read | Action::Wait => {}
        }
    }
    summary
}
