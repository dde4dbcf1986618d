//! Why a plan could not run ([`ExecuteError`]) and why one step failed ([`StepError`]).
//!
//! A step error says what went wrong in one lowercase phrase; what the operator needs to act
//! on (the differing fields of a name conflict, a failed workspace's network health) is in
//! [`StepError::details`], one line per finding, so that a renderer can list them under the
//! message and a JSON consumer gets them as an array.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use api_types::{Collection, Network, WorkspaceStatus};
use spec::Address;

use crate::compare::FieldDifference;

/// The plan cannot be executed as given; nothing was sent to the account.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    #[error("the plan's step at position {position} carries id {id}; the plan file is malformed")]
    StepOutOfPlace { position: usize, id: usize },
    #[error(
        "step {step} depends on step {dependency}, which does not come before it; the plan file is malformed"
    )]
    DependencyOutOfOrder { step: usize, dependency: usize },
}

/// Why one step failed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// An Account API call failed; the client's error names the call and carries the answer.
    #[error(transparent)]
    Api(#[from] client::Error),
    /// An object with the natural key we meant to create exists and is not what the plan
    /// wants: adopting it would silently change what the spec means.
    #[error(
        "a {} with {key} already exists ({id}) and differs from the spec in {}",
        collection.noun(),
        list_fields(differences)
    )]
    NameConflict {
        collection: Collection,
        /// The natural key, rendered (`name \`acme-vpc\``).
        key: String,
        id: String,
        differences: Vec<FieldDifference>,
    },
    /// The workspace ended in a state it does not leave by itself (`FAILED`, `BANNED`, being
    /// deleted) while brickform waited for `RUNNING`.
    #[error("workspace `{name}` ({workspace_id}) is {status}{}", status_message.as_deref().map(|message| format!(": {message}")).unwrap_or_default())]
    WorkspaceFailed {
        workspace_id: i64,
        /// The deployment name, else the workspace name.
        name: String,
        status: WorkspaceStatus,
        status_message: Option<String>,
        network: NetworkDiagnosis,
    },
    /// The workspace did not reach the goal within the timeout. Nothing is undone: the next
    /// apply waits again.
    #[error(
        "workspace {workspace_id} was still {} after {}; run apply again to keep waiting, or raise --timeout",
        last_status.as_ref().map_or("not reported", WorkspaceStatus::as_str),
        format_duration(*waited)
    )]
    WaitTimeout {
        workspace_id: i64,
        last_status: Option<WorkspaceStatus>,
        waited: Duration,
    },
    /// A workspace brickform was waiting to run is gone from the account.
    #[error("workspace {workspace_id} disappeared while brickform waited for it to run")]
    Vanished { workspace_id: i64 },
    /// A delete kept being refused because the object is in use, past the timeout.
    #[error(
        "{} `{name}` ({id}) was still in use after {}",
        collection.noun(),
        format_duration(*waited)
    )]
    StillInUse {
        collection: Collection,
        id: String,
        name: String,
        waited: Duration,
        #[source]
        source: client::Error,
    },
    /// A concurrent run created the same object first, and the duplicate this step created
    /// could not be deleted: the account now holds both.
    #[error(
        "a concurrent run created the same {} with {key} ({survivor}); the duplicate this run created ({id}) could not be deleted",
        collection.noun()
    )]
    DuplicateNotRemoved {
        collection: Collection,
        /// The natural key, rendered (`name \`acme-vpc\``).
        key: String,
        /// The duplicate this step created.
        id: String,
        /// The object every run keeps.
        survivor: String,
        #[source]
        source: client::Error,
    },
    /// Listing workspaces for the shared watcher failed.
    #[error("cannot watch workspace {workspace_id}")]
    Watch {
        workspace_id: i64,
        #[source]
        source: Arc<client::Error>,
    },
    /// A `(known after apply: ADDRESS)` placeholder names an address no earlier step produced:
    /// the plan's `depends_on` is incomplete.
    #[error("the request references {address}, whose id no earlier step produced")]
    Unresolved { address: Address },
    /// The plan names a workspace by an id that is not an integer.
    #[error("`{id}` is not a workspace id")]
    InvalidWorkspaceId { id: String },
    /// Substituting produced ids into the request failed.
    #[error("cannot substitute the ids of earlier steps into the request")]
    Substitute {
        #[source]
        source: serde_json::Error,
    },
    /// The step's task panicked; this is a bug in brickform.
    #[error("the step crashed: {message}")]
    Panicked { message: String },
}

/// What brickform learnt about a failed workspace's network.
#[derive(Debug, Clone)]
pub enum NetworkDiagnosis {
    /// The workspace has no customer-managed network.
    NotCustomerManaged,
    /// The network as read right after the failure.
    Read(Box<Network>),
    /// The network could not be read.
    Unreadable {
        network_id: String,
        error: Arc<client::Error>,
    },
}

impl StepError {
    /// The findings behind the message, one line each: the differing fields of a name
    /// conflict; the network health of a failed workspace (every `error_messages` and
    /// `warning_messages` entry, as the seed's troubleshooting section asks to read them).
    pub fn details(&self) -> Vec<String> {
        match self {
            StepError::NameConflict { differences, .. } => {
                differences.iter().map(FieldDifference::to_string).collect()
            }
            StepError::WorkspaceFailed { network, .. } => network_details(network),
            _ => Vec::new(),
        }
    }

    /// The message and its causes, joined with `: `, for places that need one line (a JSON
    /// event). Renderers that can show a chain should walk [`std::error::Error::source`].
    pub fn chain(&self) -> String {
        error_chain(self)
    }
}

fn network_details(network: &NetworkDiagnosis) -> Vec<String> {
    match network {
        NetworkDiagnosis::NotCustomerManaged => Vec::new(),
        NetworkDiagnosis::Unreadable { network_id, error } => {
            vec![format!(
                "network {network_id} could not be read for diagnosis: {}",
                error_chain(error.as_ref())
            )]
        }
        NetworkDiagnosis::Read(network) => {
            let mut lines = Vec::new();
            let status = network
                .vpc_status
                .as_ref()
                .map_or("of unknown status", |status| status.as_str());
            if network.error_messages.is_empty() && network.warning_messages.is_empty() {
                lines.push(format!(
                    "network `{}` ({}) is {status} and reports no errors or warnings",
                    network.network_name, network.network_id
                ));
                return lines;
            }
            lines.push(format!(
                "network `{}` ({}) is {status}:",
                network.network_name, network.network_id
            ));
            for error in &network.error_messages {
                let kind = error
                    .error_type
                    .as_ref()
                    .map_or("unknown", |kind| kind.as_str());
                lines.push(format!("  error ({kind}): {}", error.error_message));
            }
            for warning in &network.warning_messages {
                let kind = warning
                    .warning_type
                    .as_ref()
                    .map_or("unknown", |kind| kind.as_str());
                lines.push(format!("  warning ({kind}): {}", warning.warning_message));
            }
            lines
        }
    }
}

fn list_fields(differences: &[FieldDifference]) -> String {
    let fields: Vec<String> = differences
        .iter()
        .map(|difference| format!("`{}`", difference.field))
        .collect();
    fields.join(", ")
}

/// An error and its causes on one line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

/// A duration as people write it: `20m`, `1m30s`, `2.5s`, `250ms`.
pub(crate) fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1_000 {
        return format!("{millis}ms");
    }
    if millis < 60_000 {
        let tenths = millis / 100;
        return if tenths.is_multiple_of(10) {
            format!("{}s", tenths / 10)
        } else {
            format!("{}.{}s", tenths / 10, tenths % 10)
        };
    }
    let seconds = duration.as_secs();
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut text = String::new();
    if hours > 0 {
        let _ = write!(text, "{hours}h");
    }
    if minutes > 0 {
        let _ = write!(text, "{minutes}m");
    }
    if seconds > 0 {
        let _ = write!(text, "{seconds}s");
    }
    text
}

#[cfg(test)]
mod tests {
    use api_types::{ErrorType, NetworkHealth, NetworkWarning, VpcStatus, WarningType};

    use super::*;

    #[test]
    fn durations_read_like_flags() {
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_millis(2_500)), "2.5s");
        assert_eq!(format_duration(Duration::from_secs(3)), "3s");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_secs(20 * 60)), "20m");
        assert_eq!(format_duration(Duration::from_secs(3_600 + 5)), "1h5s");
    }

    #[test]
    fn a_failed_workspace_lists_every_network_finding() {
        let error = StepError::WorkspaceFailed {
            workspace_id: 42,
            name: "abcsales".to_owned(),
            status: WorkspaceStatus::Failed,
            status_message: Some("Network validation failed.".to_owned()),
            network: NetworkDiagnosis::Read(Box::new(Network {
                network_id: "n-1".to_owned(),
                network_name: "acme-vpc".to_owned(),
                vpc_status: Some(VpcStatus::Broken),
                error_messages: vec![NetworkHealth {
                    error_type: Some(ErrorType::Subnet),
                    error_message: "subnet-bad has no route to a NAT gateway".to_owned(),
                }],
                warning_messages: vec![NetworkWarning {
                    warning_type: Some(WarningType::SecurityGroup),
                    warning_message: "sg-1 allows all egress".to_owned(),
                }],
                ..Network::default()
            })),
        };
        assert_eq!(
            error.to_string(),
            "workspace `abcsales` (42) is FAILED: Network validation failed."
        );
        assert_eq!(
            error.details(),
            [
                "network `acme-vpc` (n-1) is BROKEN:",
                "  error (subnet): subnet-bad has no route to a NAT gateway",
                "  warning (securityGroup): sg-1 allows all egress",
            ]
        );
    }

    #[test]
    fn a_healthy_network_says_so_and_a_managed_vpc_adds_nothing() {
        let healthy = NetworkDiagnosis::Read(Box::new(Network {
            network_id: "n-1".to_owned(),
            network_name: "acme-vpc".to_owned(),
            vpc_status: Some(VpcStatus::Valid),
            ..Network::default()
        }));
        assert_eq!(
            network_details(&healthy),
            ["network `acme-vpc` (n-1) is VALID and reports no errors or warnings"]
        );
        assert!(network_details(&NetworkDiagnosis::NotCustomerManaged).is_empty());
    }

    #[test]
    fn a_name_conflict_names_the_object_and_every_differing_field() {
        let error = StepError::NameConflict {
            collection: Collection::Credentials,
            key: "name `acme-creds`".to_owned(),
            id: "c-1".to_owned(),
            differences: vec![FieldDifference {
                field: "role_arn",
                live: "arn:aws:iam::1:role/other".to_owned(),
                wanted: "arn:aws:iam::1:role/acme".to_owned(),
            }],
        };
        assert_eq!(
            error.to_string(),
            "a credential configuration with name `acme-creds` already exists (c-1) and differs from the spec in `role_arn`"
        );
        assert_eq!(
            error.details(),
            [
                "`role_arn` is `arn:aws:iam::1:role/other` in the account, `arn:aws:iam::1:role/acme` in the spec"
            ]
        );
    }
}
