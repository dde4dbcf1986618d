//! Workspace lifecycle, computed from stored timestamps whenever a workspace is read.
//!
//! A workspace row stores when its current provisioning ends (`ready_at`), how it ends (a
//! [`Failure`] decided when provisioning started, from the scenario's broken resources) and,
//! once deleted, when it disappears (`gone_at`). Status is then a pure function of those and
//! the clock: no background task, and a restart keeps every status.

use api_types::{ErrorType, Network, NetworkHealth, VpcStatus, WorkspaceStatus};
use serde::{Deserialize, Serialize};

use crate::scenario::BrokenResources;

/// The stored timestamps and outcome of one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lifecycle {
    pub(crate) ready_at: i64,
    pub(crate) failure: Option<Failure>,
    pub(crate) deleted_at: Option<i64>,
    pub(crate) gone_at: Option<i64>,
}

/// Why provisioning fails: the workspace's status message and the network's errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Failure {
    pub(crate) status_message: String,
    pub(crate) network_errors: Vec<NetworkHealth>,
}

/// Where a workspace is at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase<'a> {
    Provisioning,
    Running,
    Failed(&'a Failure),
    /// Deleted, not yet torn down: still visible, its objects still in use.
    Cancelling,
    /// Torn down: invisible.
    Gone,
}

impl Lifecycle {
    pub(crate) fn phase(&self, now_ms: i64) -> Phase<'_> {
        if self.gone_at.is_some_and(|gone_at| gone_at <= now_ms) {
            return Phase::Gone;
        }
        if self.deleted_at.is_some() {
            return Phase::Cancelling;
        }
        if now_ms < self.ready_at {
            return Phase::Provisioning;
        }
        match &self.failure {
            Some(failure) => Phase::Failed(failure),
            None => Phase::Running,
        }
    }
}

impl Phase<'_> {
    /// `workspace_status` and `workspace_status_message` for this phase.
    pub(crate) fn status(&self) -> (WorkspaceStatus, String) {
        match self {
            Phase::Provisioning => (
                WorkspaceStatus::Provisioning,
                "Workspace resources are being set up.".to_owned(),
            ),
            Phase::Running => (WorkspaceStatus::Running, "Workspace is running.".to_owned()),
            Phase::Failed(failure) => (WorkspaceStatus::Failed, failure.status_message.clone()),
            Phase::Cancelling | Phase::Gone => (
                WorkspaceStatus::Cancelling,
                "Workspace is being deleted.".to_owned(),
            ),
        }
    }

    /// The `vpc_status` and `error_messages` of the network this workspace uses.
    ///
    /// The network is validated when provisioning ends: until then it is `UNATTACHED` (while
    /// already carrying the `workspace_id`), then `VALID` or `BROKEN`.
    pub(crate) fn network_health(&self) -> (VpcStatus, Vec<NetworkHealth>) {
        match self {
            Phase::Provisioning => (VpcStatus::Unattached, Vec::new()),
            Phase::Failed(failure) => (VpcStatus::Broken, failure.network_errors.clone()),
            Phase::Running | Phase::Cancelling | Phase::Gone => (VpcStatus::Valid, Vec::new()),
        }
    }
}

/// Validates a network against the scenario's broken resources, as provisioning does.
pub(crate) fn validate_network(network: &Network, broken: &BrokenResources) -> Option<Failure> {
    let mut network_errors = Vec::new();
    if broken.vpcs.contains(&network.vpc_id) {
        network_errors.push(NetworkHealth {
            error_type: Some(ErrorType::Vpc),
            error_message: format!("VPC {} failed network validation", network.vpc_id),
        });
    }
    for subnet in &network.subnet_ids {
        if broken.subnets.contains(subnet) {
            network_errors.push(NetworkHealth {
                error_type: Some(ErrorType::Subnet),
                error_message: format!("subnet {subnet} failed network validation"),
            });
        }
    }
    for security_group in &network.security_group_ids {
        if broken.security_groups.contains(security_group) {
            network_errors.push(NetworkHealth {
                error_type: Some(ErrorType::SecurityGroup),
                error_message: format!("security group {security_group} failed network validation"),
            });
        }
    }
    if network_errors.is_empty() {
        return None;
    }
    let reasons: Vec<&str> = network_errors
        .iter()
        .map(|error| error.error_message.as_str())
        .collect();
    Some(Failure {
        status_message: format!(
            "Workspace failed to provision: network configuration {} ({}) is BROKEN: {}",
            network.network_name,
            network.network_id,
            reasons.join("; ")
        ),
        network_errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network() -> Network {
        Network {
            network_id: "n-1".to_owned(),
            network_name: "acme-vpc".to_owned(),
            vpc_id: "vpc-1".to_owned(),
            subnet_ids: vec!["subnet-a".to_owned(), "subnet-b".to_owned()],
            security_group_ids: vec!["sg-1".to_owned()],
            ..Network::default()
        }
    }

    #[test]
    fn status_follows_the_stored_timestamps() {
        let lifecycle = Lifecycle {
            ready_at: 1_000,
            failure: None,
            deleted_at: None,
            gone_at: None,
        };
        assert_eq!(lifecycle.phase(999), Phase::Provisioning);
        assert_eq!(lifecycle.phase(1_000), Phase::Running);
        let deleted = Lifecycle {
            deleted_at: Some(2_000),
            gone_at: Some(3_000),
            ..lifecycle
        };
        assert_eq!(deleted.phase(2_999), Phase::Cancelling);
        assert_eq!(deleted.phase(3_000), Phase::Gone);
    }

    #[test]
    fn a_broken_resource_fails_provisioning_and_breaks_the_network() {
        let broken = BrokenResources {
            subnets: vec!["subnet-b".to_owned()],
            security_groups: vec!["sg-1".to_owned()],
            vpcs: vec![],
        };
        let failure = validate_network(&network(), &broken).unwrap();
        let types: Vec<_> = failure
            .network_errors
            .iter()
            .map(|error| error.error_type.clone().unwrap())
            .collect();
        assert_eq!(types, [ErrorType::Subnet, ErrorType::SecurityGroup]);
        assert!(failure.status_message.contains("subnet subnet-b"));
        let lifecycle = Lifecycle {
            ready_at: 10,
            failure: Some(failure),
            deleted_at: None,
            gone_at: None,
        };
        let phase = lifecycle.phase(10);
        assert_eq!(phase.status().0, WorkspaceStatus::Failed);
        assert_eq!(phase.network_health().0, VpcStatus::Broken);
        assert_eq!(lifecycle.phase(9).network_health().0, VpcStatus::Unattached);
    }

    #[test]
    fn a_healthy_network_passes() {
        let broken = BrokenResources {
            vpcs: vec!["vpc-other".to_owned()],
            ..BrokenResources::default()
        };
        assert_eq!(validate_network(&network(), &broken), None);
        let vpc_broken = BrokenResources {
            vpcs: vec!["vpc-1".to_owned()],
            ..BrokenResources::default()
        };
        let failure = validate_network(&network(), &vpc_broken).unwrap();
        assert_eq!(failure.network_errors[0].error_type, Some(ErrorType::Vpc));
    }
}
