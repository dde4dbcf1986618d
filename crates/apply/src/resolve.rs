//! Filling in `(known after apply: ADDRESS)` placeholders with the ids earlier steps produced.
//!
//! The plan writes the id of an object that does not exist yet as a placeholder string,
//! wherever an id goes: a workspace's `credentials_id`, a network's `vpc_endpoints`, a delete's
//! target. Rather than knowing every such field, the operation is walked as JSON and every
//! string that is a placeholder is replaced; a new id field in the wire types needs no change
//! here.

use std::collections::BTreeMap;

use plan::{Operation, parse_known_after_apply};
use serde_json::Value;
use spec::Address;

use crate::error::StepError;

/// `operation` with every placeholder replaced by the id in `produced`.
pub(crate) fn resolve(
    operation: &Operation,
    produced: &BTreeMap<Address, String>,
) -> Result<Operation, StepError> {
    let mut value =
        serde_json::to_value(operation).map_err(|source| StepError::Substitute { source })?;
    let mut replaced = 0;
    substitute(&mut value, produced, &mut replaced)?;
    if replaced == 0 {
        return Ok(operation.clone());
    }
    serde_json::from_value(value).map_err(|source| StepError::Substitute { source })
}

fn substitute(
    value: &mut Value,
    produced: &BTreeMap<Address, String>,
    replaced: &mut usize,
) -> Result<(), StepError> {
    match value {
        Value::String(text) => {
            if let Some(address) = parse_known_after_apply(text) {
                let id = produced
                    .get(&address)
                    .ok_or_else(|| StepError::Unresolved {
                        address: address.clone(),
                    })?;
                *text = id.clone();
                *replaced += 1;
            }
        }
        Value::Array(items) => {
            for item in items {
                substitute(item, produced, replaced)?;
            }
        }
        Value::Object(fields) => {
            for field in fields.values_mut() {
                substitute(field, produced, replaced)?;
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use api_types::{CreateNetworkRequest, CreateWorkspaceRequest, NetworkVpcEndpoints};
    use plan::{CreateRequest, known_after_apply};
    use spec::Kind;

    use super::*;

    #[test]
    fn placeholders_anywhere_in_a_request_are_replaced() {
        let rest = Address::new(Kind::VpcEndpoint, "rest");
        let relay = Address::new(Kind::VpcEndpoint, "relay");
        let operation = Operation::Create {
            request: CreateRequest::Network(CreateNetworkRequest {
                network_name: "acme-vpc".to_owned(),
                vpc_endpoints: Some(NetworkVpcEndpoints {
                    rest_api: vec![known_after_apply(&rest)],
                    dataplane_relay: vec![known_after_apply(&relay), "ve-live".to_owned()],
                }),
                ..CreateNetworkRequest::default()
            }),
        };
        let produced =
            BTreeMap::from([(rest, "ve-rest".to_owned()), (relay, "ve-relay".to_owned())]);
        let Operation::Create {
            request: CreateRequest::Network(network),
        } = resolve(&operation, &produced).unwrap()
        else {
            panic!("the operation changed shape");
        };
        let endpoints = network.vpc_endpoints.unwrap();
        assert_eq!(endpoints.rest_api, ["ve-rest"]);
        assert_eq!(endpoints.dataplane_relay, ["ve-relay", "ve-live"]);
    }

    #[test]
    fn a_placeholder_nobody_produced_is_an_error_naming_it() {
        let credentials = Address::new(Kind::Credentials, "main");
        let operation = Operation::Create {
            request: CreateRequest::Workspace(CreateWorkspaceRequest {
                workspace_name: "sales".to_owned(),
                credentials_id: Some(known_after_apply(&credentials)),
                ..CreateWorkspaceRequest::default()
            }),
        };
        let error = resolve(&operation, &BTreeMap::new()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the request references credentials.main, whose id no earlier step produced"
        );
    }

    #[test]
    fn a_delete_target_can_be_a_placeholder_too() {
        let network = Address::new(Kind::Network, "old");
        let operation = Operation::Delete {
            kind: Kind::Network,
            id: known_after_apply(&network),
            name: "old-vpc".to_owned(),
        };
        let produced = BTreeMap::from([(network, "n-7".to_owned())]);
        assert_eq!(
            resolve(&operation, &produced).unwrap(),
            Operation::Delete {
                kind: Kind::Network,
                id: "n-7".to_owned(),
                name: "old-vpc".to_owned(),
            }
        );
    }
}
