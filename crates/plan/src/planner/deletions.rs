//! Pass 4: what goes away, and what it waits for.
//!
//! Deletions come from fates (absent and destroyed resources, replaced and recreated objects)
//! and from previous objects: when a spec resource now names a different object than the one
//! a managed holder (a workspace, or a network or private access settings listing VPC
//! endpoints) uses in that slot, the object in the slot is the resource's previous object. It
//! is deleted once every live object that uses it has moved on or is gone; if something else
//! keeps using it, it stays and the plan says why. Holders are processed before what they
//! hold (workspaces, then networks and private access settings), so a previous network's VPC
//! endpoints are found too.
//!
//! Then every deletion is checked against every live object that references the deleted one:
//! each must be deleted first or updated away first (a prerequisite of the delete step), or the
//! delete would fail with `INVALID_STATE`, which is reported as a plan problem instead.

use std::collections::BTreeMap;

use spec::{Address, Kind};

use super::{Cause, Fate, FinalId, Planner, Prerequisite};
use crate::failure::ProblemCode;
use crate::live::LiveId;
use crate::model::PlanMode;
use crate::rules::object_rule;

/// Slots through which holders reference objects of other kinds: `(holder kind, field, held
/// kind, list)`.
const SLOTS: &[(Kind, &str, Kind, bool)] = &[
    (Kind::Workspace, "credentials", Kind::Credentials, false),
    (
        Kind::Workspace,
        "storage_configuration",
        Kind::StorageConfiguration,
        false,
    ),
    (Kind::Workspace, "network", Kind::Network, false),
    (
        Kind::Workspace,
        "managed_services_key",
        Kind::CustomerManagedKey,
        false,
    ),
    (
        Kind::Workspace,
        "storage_key",
        Kind::CustomerManagedKey,
        false,
    ),
    (
        Kind::Workspace,
        "private_access_settings",
        Kind::PrivateAccessSettings,
        false,
    ),
    (
        Kind::Network,
        "vpc_endpoints.rest_api",
        Kind::VpcEndpoint,
        true,
    ),
    (
        Kind::Network,
        "vpc_endpoints.dataplane_relay",
        Kind::VpcEndpoint,
        true,
    ),
    (
        Kind::PrivateAccessSettings,
        "allowed_vpc_endpoints",
        Kind::VpcEndpoint,
        true,
    ),
];

/// A previous-object candidate: the live object, and for each attribution the spec resource
/// it was replaced for and the holder it was found on.
type Candidates = BTreeMap<LiveId, Vec<(Address, Address)>>;

impl Planner<'_> {
    /// Finds previous objects: first those held by workspaces, then the VPC endpoints held by
    /// networks and private access settings (including previous ones).
    pub(crate) fn find_deletions(&mut self) {
        if self.options.mode == PlanMode::Destroy {
            return;
        }
        let mut holders = self.managed_holders();
        for held_kinds in [
            &[
                Kind::PrivateAccessSettings,
                Kind::Network,
                Kind::CustomerManagedKey,
                Kind::StorageConfiguration,
                Kind::Credentials,
            ][..],
            &[Kind::VpcEndpoint][..],
        ] {
            let candidates = self.previous_candidates(&holders, held_kinds);
            for (live_id, attributions) in candidates {
                // A deleted previous network or private access settings is itself a holder:
                // its VPC endpoints may be previous objects too.
                if let Some(address) = self.previous_object(live_id, attributions)
                    && let Some(&position) = self.index.get(&address)
                {
                    holders.push((position, live_id));
                }
            }
        }
    }

    /// Pairs of (spec resource, live object) whose slots are compared with the spec: matched
    /// resources that the plan keeps, changes or replaces.
    fn managed_holders(&self) -> Vec<(usize, LiveId)> {
        self.states
            .iter()
            .enumerate()
            .filter_map(|(position, state)| {
                let holds = matches!(
                    state.fate,
                    Fate::NoOp
                        | Fate::Update
                        | Fate::Wait
                        | Fate::Redeploy
                        | Fate::Replace
                        | Fate::Recreate
                );
                let live_id = state.matched?;
                (holds && state.in_scope).then_some((position, live_id))
            })
            .collect()
    }

    fn previous_candidates(
        &mut self,
        holders: &[(usize, LiveId)],
        held_kinds: &[Kind],
    ) -> Candidates {
        let mut candidates = Candidates::new();
        for &(position, holder) in holders {
            let resource = self.states[position].resource;
            let holder_address = &resource.address;
            for &(holder_kind, field, held_kind, list) in SLOTS {
                if holder_kind != resource.address.kind || !held_kinds.contains(&held_kind) {
                    continue;
                }
                let live_ids = self.live.referenced(holder, field);
                if live_ids.is_empty() {
                    continue;
                }
                let desired: Vec<&Address> = resource
                    .references()
                    .into_iter()
                    .filter(|(reference_field, _)| *reference_field == field)
                    .map(|(_, address)| address)
                    .collect();
                let desired_live: Vec<LiveId> = desired
                    .iter()
                    .filter_map(|address| match self.final_id(address) {
                        FinalId::Live(live_id) => Some(live_id),
                        FinalId::New | FinalId::Gone => None,
                    })
                    .collect();
                // In a list, only a dropped object that one new entry took the place of can be
                // attributed; anything else is left alone.
                let replacing: Vec<&Address> = if list {
                    desired
                        .iter()
                        .copied()
                        .filter(|address| match self.final_id(address) {
                            FinalId::Live(live_id) => !live_ids.contains(&live_id),
                            FinalId::New => true,
                            FinalId::Gone => false,
                        })
                        .collect()
                } else {
                    desired.clone()
                };
                for live_id in live_ids {
                    if desired_live.contains(&live_id) || self.matched_by.contains_key(&live_id) {
                        continue;
                    }
                    self.read(live_id);
                    match replacing.as_slice() {
                        [replaced_for] => candidates
                            .entry(live_id)
                            .or_default()
                            .push(((*replaced_for).clone(), holder_address.clone())),
                        _ => {
                            let note = format!(
                                "{} is no longer used by {holder_address} ({field}), but no single spec resource took its place there, so it is left alone",
                                self.describe(live_id)
                            );
                            if !self.notes.contains(&note) {
                                self.notes.push(note);
                            }
                        }
                    }
                }
            }
        }
        candidates
    }

    /// Deletes a previous object if nothing keeps using it, else notes why it stays. Returns
    /// the address it belonged to when it is deleted.
    fn previous_object(
        &mut self,
        live_id: LiveId,
        attributions: Vec<(Address, Address)>,
    ) -> Option<Address> {
        if self.deleted.contains_key(&live_id) {
            return None;
        }
        let (address, first_holder) = attributions[0].clone();
        let mut holders: Vec<Address> = attributions
            .iter()
            .map(|(_, holder)| holder.clone())
            .collect();
        holders.sort();
        holders.dedup();
        let keepers: Vec<LiveId> = self
            .live
            .referrers(live_id)
            .iter()
            .filter(|referrer| {
                self.final_references(referrer.holder, referrer.field)
                    .contains(&live_id)
            })
            .map(|referrer| referrer.holder)
            .collect();
        for &keeper in &keepers {
            self.read(keeper);
        }
        if !keepers.is_empty() {
            let users: Vec<String> = keepers.iter().map(|&keeper| self.who(keeper)).collect();
            self.notes.push(format!(
                "{}, the previous object of {address} on {}, is kept: {} still use{} it",
                self.describe(live_id),
                holders
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                users.join(", "),
                if users.len() == 1 { "s" } else { "" }
            ));
            return None;
        }
        if let Some(&position) = self.index.get(&address)
            && self.states[position].resource.lifecycle.prevent_destroy
        {
            let described = self.describe(live_id);
            self.problem(
                ProblemCode::DestroyBlocked,
                Some(&address),
                format!(
                    "deleting {described}, the previous object of `{address}` on {first_holder}, is blocked by `lifecycle.prevent_destroy`"
                ),
                Some(format!(
                    "set `prevent_destroy: false` on {address} if deleting it is intended"
                )),
            );
            return None;
        }
        self.deletion(live_id, address.clone(), Cause::Previous { holders });
        Some(address)
    }

    /// Checks every deletion against the live objects that reference the deleted object, and
    /// records what each delete must wait for.
    pub(crate) fn check_deletions(&mut self) {
        for position in 0..self.deletions.len() {
            let live_id = self.deletions[position].live;
            let address = self.deletions[position].address.clone();
            let mut after = Vec::new();
            let referrers = self.live.referrers(live_id).to_vec();
            for referrer in referrers {
                self.read(referrer.holder);
                if let Some(&deletion) = self.deleted.get(&referrer.holder) {
                    after.push(Prerequisite::Deletion(deletion));
                    continue;
                }
                let keeps = self
                    .final_references(referrer.holder, referrer.field)
                    .contains(&live_id);
                if !keeps && let Some(&updater) = self.matched_by.get(&referrer.holder) {
                    after.push(Prerequisite::Update(updater));
                    continue;
                }
                self.report_in_use(&address, live_id, referrer.holder, referrer.field);
            }
            after.sort();
            after.dedup();
            self.deletions[position].after = after;
        }
    }

    fn report_in_use(&mut self, address: &Address, live_id: LiveId, holder: LiveId, field: &str) {
        let described = self.describe(live_id);
        let (why, hint) = match self.matched_by.get(&holder).copied() {
            Some(position) => {
                let state = &self.states[position];
                let holder_address = state.resource.address.clone();
                if state.fate == Fate::Failed {
                    // The holder's own problem is the one to fix; this one would only repeat it.
                    return;
                }
                if !state.in_scope {
                    (
                        format!("{holder_address} uses it ({field}) and is not targeted"),
                        format!("add `--target {holder_address}` so that it is repointed too"),
                    )
                } else if state.resource.existing {
                    (
                        format!("{holder_address} uses it ({field}) and is `existing: true`, which brickform never changes"),
                        "keep the object, or change the existing resource where it is owned".to_owned(),
                    )
                } else if crate::fields::is_ignored(field, &state.resource.lifecycle.ignore_changes) {
                    (
                        format!("{holder_address} uses it ({field}), which is listed in its `lifecycle.ignore_changes`"),
                        format!("remove `{field}` from the `ignore_changes` of {holder_address}"),
                    )
                } else {
                    (
                        format!("{holder_address} keeps using it ({field})"),
                        format!("point {holder_address} at another object first"),
                    )
                }
            }
            None => (
                format!(
                    "{} uses it ({field}) and the spec does not manage it",
                    self.describe(holder)
                ),
                "repoint or delete that object first; brickform never changes objects the spec does not name".to_owned(),
            ),
        };
        self.problem(
            ProblemCode::InUse,
            Some(address),
            format!("cannot delete {described} for `{address}`: {why}"),
            Some(format!("{hint} (rule `{}`)", object_rule("in-use").id)),
        );
    }
}
