//! Duplicates made by concurrent runs, and the one object every run settles on.
//!
//! The service keeps only credentials names and deployment names unique
//! (`shared/reference/account-api.md` §5.2). Two applies of one spec started together each plan
//! a create for, say, a network or a VPC endpoint registration, and both `POST`s succeed: the
//! account then holds two objects with one name, and every later plan refuses to guess
//! between them. So after creating an object whose natural key the server does not guard, the
//! applier lists the collection. Among the objects that carry the key and exactly the fields
//! the spec asks for, every run keeps the same one, the *survivor*; a run whose own object is
//! not the survivor deletes it and adopts the survivor. A run never deletes an object it did
//! not create.
//!
//! The survivor is the oldest by `creation_time`, ties broken by position in the list. Order
//! matters more than it seems: a run that lists before the other run's `POST` has committed
//! sees only its own object and keeps it, so the run that lists later, which sees both, must
//! keep that same, older object. Creation time says which is older; for the kinds that have
//! none (VPC endpoints, private access settings), and for two creates in one millisecond, the
//! list's order does, which is creation order in the emulator and the same for every reader.
//! The lowest id, by contrast, would be a coin toss: ids are random UUIDs.
//!
//! The same reasoning covers a create the server refuses because a concurrent run's object
//! already holds what the request needs (its subnets, its network): when an object with the
//! key and exactly the requested fields exists by then, it is adopted instead of failing.

use api_types::{
    Credential, CustomerManagedKey, Network, PrivateAccessSettings, StorageConfiguration,
    VpcEndpoint, Workspace, WorkspaceStatus,
};
use client::{ErrorKind, NaturalKey, StatusCode};

use crate::compare::Compare;

/// What the applier needs to know about a kind to settle duplicates of it.
pub(crate) trait Settle: Compare {
    /// When the server created the object, in epoch milliseconds, if it says.
    fn creation_time(&self) -> Option<i64>;

    /// Whether the object is on its way out (a workspace being deleted): no survivor.
    fn is_departing(&self) -> bool {
        false
    }

    /// Whether the server refuses a second object with `key`, so that none can appear.
    fn unique_on_server(_key: &NaturalKey) -> bool {
        false
    }
}

/// Zero means "not reported": the wire types default a missing `creation_time` to 0.
fn reported(creation_time: i64) -> Option<i64> {
    (creation_time != 0).then_some(creation_time)
}

impl Settle for Credential {
    fn creation_time(&self) -> Option<i64> {
        reported(self.creation_time)
    }

    fn unique_on_server(_key: &NaturalKey) -> bool {
        true
    }
}

impl Settle for StorageConfiguration {
    fn creation_time(&self) -> Option<i64> {
        reported(self.creation_time)
    }
}

impl Settle for CustomerManagedKey {
    fn creation_time(&self) -> Option<i64> {
        reported(self.creation_time)
    }
}

impl Settle for VpcEndpoint {
    fn creation_time(&self) -> Option<i64> {
        None
    }
}

impl Settle for Network {
    fn creation_time(&self) -> Option<i64> {
        reported(self.creation_time)
    }
}

impl Settle for PrivateAccessSettings {
    fn creation_time(&self) -> Option<i64> {
        None
    }
}

impl Settle for Workspace {
    fn creation_time(&self) -> Option<i64> {
        reported(self.creation_time)
    }

    fn is_departing(&self) -> bool {
        self.workspace_status == Some(WorkspaceStatus::Cancelling)
    }

    /// Deployment names are unique among workspaces not yet gone; workspace names are not.
    fn unique_on_server(key: &NaturalKey) -> bool {
        matches!(
            key,
            NaturalKey::Workspace {
                deployment_name: Some(_),
                ..
            }
        )
    }
}

/// The objects of `listed` (in list order) that could stand for the object `request`
/// creates: they carry `key`, have exactly the requested fields and are not departing.
pub(crate) fn candidates<R: Settle>(
    listed: Vec<R>,
    request: &R::Request,
    key: &NaturalKey,
) -> Vec<R> {
    listed
        .into_iter()
        .filter(|object| {
            key.matches(object)
                && !object.is_departing()
                && R::differences(request, object).is_empty()
        })
        .collect()
}

/// The object every run keeps among `candidates`, given in list order: the oldest by
/// `creation_time`, then the first listed. Objects without a creation time sort after those
/// with one, which never mixes in practice: a kind either reports it or does not.
pub(crate) fn survivor<R: Settle>(candidates: &[R]) -> Option<&R> {
    candidates
        .iter()
        .enumerate()
        .min_by_key(|(position, object)| {
            (
                object.creation_time().is_none(),
                object.creation_time().unwrap_or_default(),
                *position,
            )
        })
        .map(|(_, object)| object)
}

/// Whether a refused create may have been refused because of what a concurrent run created:
/// a bad request or a conflict (a subnet or network already in use, a name taken), or a
/// lost answer after which two objects carried the key. Authentication, permission,
/// throttling and server errors say nothing about the account's content.
pub(crate) fn refusal_may_be_concurrent(error: &client::Error) -> bool {
    matches!(error.kind(), ErrorKind::DuplicateNaturalKey { .. })
        || matches!(
            error.status(),
            Some(StatusCode::BAD_REQUEST | StatusCode::CONFLICT)
        )
}

#[cfg(test)]
mod tests {
    use api_types::{CreateNetworkRequest, CreateVpcEndpointRequest};

    use super::*;

    fn network(id: &str, creation_time: i64, subnets: [&str; 2]) -> Network {
        Network {
            network_id: id.to_owned(),
            network_name: "acme-vpc".to_owned(),
            vpc_id: "vpc-1".to_owned(),
            subnet_ids: subnets.iter().map(|subnet| (*subnet).to_owned()).collect(),
            security_group_ids: vec!["sg-1".to_owned()],
            creation_time,
            ..Network::default()
        }
    }

    fn network_request() -> CreateNetworkRequest {
        CreateNetworkRequest {
            network_name: "acme-vpc".to_owned(),
            vpc_id: "vpc-1".to_owned(),
            subnet_ids: vec!["subnet-a".to_owned(), "subnet-b".to_owned()],
            security_group_ids: vec!["sg-1".to_owned()],
            vpc_endpoints: None,
        }
    }

    fn ids<R: client::Resource>(objects: &[R]) -> Vec<String> {
        objects.iter().map(client::Resource::id).collect()
    }

    #[test]
    fn the_oldest_survives_whatever_the_ids_and_the_list_order() {
        let listed = [
            network("ffff", 2_000, ["subnet-a", "subnet-b"]),
            network("0000", 3_000, ["subnet-a", "subnet-b"]),
            network("8888", 1_000, ["subnet-a", "subnet-b"]),
        ];
        assert_eq!(survivor(&listed).unwrap().network_id, "8888");
        // Every reader decides alike, in whatever order it was given the objects.
        let mut reversed = listed.clone();
        reversed.reverse();
        assert_eq!(survivor(&reversed).unwrap().network_id, "8888");
    }

    #[test]
    fn a_tie_in_creation_time_goes_to_the_first_listed_not_the_lowest_id() {
        let listed = [
            network("ffff", 1_000, ["subnet-a", "subnet-b"]),
            network("0000", 1_000, ["subnet-a", "subnet-b"]),
        ];
        assert_eq!(survivor(&listed).unwrap().network_id, "ffff");
    }

    #[test]
    fn kinds_without_a_creation_time_keep_the_first_listed() {
        let endpoint = |id: &str| VpcEndpoint {
            vpc_endpoint_id: id.to_owned(),
            vpc_endpoint_name: "acme-rest".to_owned(),
            aws_vpc_endpoint_id: "vpce-1".to_owned(),
            region: "us-west-2".to_owned(),
            ..VpcEndpoint::default()
        };
        let listed = [endpoint("zzzz"), endpoint("aaaa")];
        assert_eq!(survivor(&listed).unwrap().vpc_endpoint_id, "zzzz");
        assert!(survivor::<VpcEndpoint>(&[]).is_none());

        let request = CreateVpcEndpointRequest {
            vpc_endpoint_name: "acme-rest".to_owned(),
            aws_vpc_endpoint_id: "vpce-1".to_owned(),
            region: "us-west-2".to_owned(),
        };
        let key = <VpcEndpoint as client::Resource>::requested_key(&request);
        assert_eq!(
            ids(&candidates(listed.to_vec(), &request, &key)),
            ["zzzz", "aaaa"]
        );
    }

    #[test]
    fn only_objects_with_the_key_and_the_requested_fields_are_candidates() {
        let request = network_request();
        let key = <Network as client::Resource>::requested_key(&request);
        let other_name = Network {
            network_name: "other".to_owned(),
            ..network("1", 1, ["subnet-a", "subnet-b"])
        };
        let listed = vec![
            other_name,
            network("2", 2, ["subnet-a", "subnet-c"]),
            network("3", 3, ["subnet-b", "subnet-a"]),
        ];
        assert_eq!(ids(&candidates(listed, &request, &key)), ["3"]);
    }

    #[test]
    fn a_workspace_being_deleted_never_survives_and_deployment_names_are_guarded() {
        let workspace = |id: i64, status: WorkspaceStatus| Workspace {
            workspace_id: id,
            workspace_name: "sales".to_owned(),
            aws_region: "us-west-2".to_owned(),
            workspace_status: Some(status),
            creation_time: id,
            ..Workspace::default()
        };
        let request = api_types::CreateWorkspaceRequest {
            workspace_name: "sales".to_owned(),
            aws_region: "us-west-2".to_owned(),
            ..api_types::CreateWorkspaceRequest::default()
        };
        let key = <Workspace as client::Resource>::requested_key(&request);
        assert!(!Workspace::unique_on_server(&key));
        let listed = vec![
            workspace(1, WorkspaceStatus::Cancelling),
            workspace(2, WorkspaceStatus::Provisioning),
        ];
        let left = candidates(listed, &request, &key);
        assert_eq!(survivor(&left).unwrap().workspace_id, 2);

        let named = api_types::CreateWorkspaceRequest {
            deployment_name: Some("sales".to_owned()),
            ..request
        };
        assert!(Workspace::unique_on_server(
            &<Workspace as client::Resource>::requested_key(&named)
        ));
        assert!(Credential::unique_on_server(&NaturalKey::Name(
            "x".to_owned()
        )));
        assert!(!Network::unique_on_server(&NaturalKey::Name(
            "x".to_owned()
        )));
    }
}
