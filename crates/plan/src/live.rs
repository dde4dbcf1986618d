//! The live account as the planner sees it: every object of the snapshot with its id, natural
//! key and outgoing references, and the reverse index "who references this object".
//!
//! Objects stay borrowed from the snapshot; their wire JSON is only built for the few the plan
//! actually reads, which keeps planning over a large account cheap.

use std::collections::HashMap;

use api_types::{
    Credential, CustomerManagedKey, KeyUseCase, Network, PrivateAccessSettings, Snapshot,
    StorageConfiguration, VpcEndpoint, VpcStatus, Workspace, WorkspaceStatus,
};
use serde_json::Value;
use spec::Kind;

/// The index of a live object in [`LiveIndex::objects`].
pub(crate) type LiveId = usize;

/// One live object, borrowed from the snapshot.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LiveRef<'s> {
    Credentials(&'s Credential),
    StorageConfiguration(&'s StorageConfiguration),
    CustomerManagedKey(&'s CustomerManagedKey),
    VpcEndpoint(&'s VpcEndpoint),
    Network(&'s Network),
    PrivateAccessSettings(&'s PrivateAccessSettings),
    Workspace(&'s Workspace),
}

impl<'s> LiveRef<'s> {
    pub(crate) fn kind(self) -> Kind {
        match self {
            LiveRef::Credentials(_) => Kind::Credentials,
            LiveRef::StorageConfiguration(_) => Kind::StorageConfiguration,
            LiveRef::CustomerManagedKey(_) => Kind::CustomerManagedKey,
            LiveRef::VpcEndpoint(_) => Kind::VpcEndpoint,
            LiveRef::Network(_) => Kind::Network,
            LiveRef::PrivateAccessSettings(_) => Kind::PrivateAccessSettings,
            LiveRef::Workspace(_) => Kind::Workspace,
        }
    }

    /// The server-generated id, as it appears in paths (a workspace id in decimal).
    pub(crate) fn id(self) -> String {
        match self {
            LiveRef::Credentials(object) => object.credentials_id.clone(),
            LiveRef::StorageConfiguration(object) => object.storage_configuration_id.clone(),
            LiveRef::CustomerManagedKey(object) => object.customer_managed_key_id.clone(),
            LiveRef::VpcEndpoint(object) => object.vpc_endpoint_id.clone(),
            LiveRef::Network(object) => object.network_id.clone(),
            LiveRef::PrivateAccessSettings(object) => object.private_access_settings_id.clone(),
            LiveRef::Workspace(object) => object.workspace_id.to_string(),
        }
    }

    /// A short human name: the configuration name, the key's alias or ARN, the workspace's
    /// deployment name (else its name).
    pub(crate) fn label(self) -> String {
        match self {
            LiveRef::Credentials(object) => object.credentials_name.clone(),
            LiveRef::StorageConfiguration(object) => object.storage_configuration_name.clone(),
            LiveRef::CustomerManagedKey(object) => object
                .aws_key_info
                .as_ref()
                .map(|info| {
                    info.key_alias
                        .clone()
                        .filter(|alias| !alias.is_empty())
                        .unwrap_or_else(|| info.key_arn.clone())
                })
                .unwrap_or_default(),
            LiveRef::VpcEndpoint(object) => object.vpc_endpoint_name.clone(),
            LiveRef::Network(object) => object.network_name.clone(),
            LiveRef::PrivateAccessSettings(object) => object.private_access_settings_name.clone(),
            LiveRef::Workspace(object) => {
                if object.deployment_name.is_empty() {
                    object.workspace_name.clone()
                } else {
                    object.deployment_name.clone()
                }
            }
        }
    }

    /// The object exactly as the server sent it (unset fields omitted).
    pub(crate) fn wire(self) -> Value {
        let result = match self {
            LiveRef::Credentials(object) => serde_json::to_value(object),
            LiveRef::StorageConfiguration(object) => serde_json::to_value(object),
            LiveRef::CustomerManagedKey(object) => serde_json::to_value(object),
            LiveRef::VpcEndpoint(object) => serde_json::to_value(object),
            LiveRef::Network(object) => serde_json::to_value(object),
            LiveRef::PrivateAccessSettings(object) => serde_json::to_value(object),
            LiveRef::Workspace(object) => serde_json::to_value(object),
        };
        result.expect("wire types serialise to JSON")
    }

    /// The objects this one references: `(spec field, kind, id)`.
    pub(crate) fn references(self) -> Vec<(&'static str, Kind, &'s str)> {
        let mut references = Vec::new();
        match self {
            LiveRef::Workspace(workspace) => {
                let slots = [
                    ("credentials", Kind::Credentials, &workspace.credentials_id),
                    (
                        "storage_configuration",
                        Kind::StorageConfiguration,
                        &workspace.storage_configuration_id,
                    ),
                    ("network", Kind::Network, &workspace.network_id),
                    (
                        "managed_services_key",
                        Kind::CustomerManagedKey,
                        &workspace.managed_services_customer_managed_key_id,
                    ),
                    (
                        "storage_key",
                        Kind::CustomerManagedKey,
                        &workspace.storage_customer_managed_key_id,
                    ),
                    (
                        "private_access_settings",
                        Kind::PrivateAccessSettings,
                        &workspace.private_access_settings_id,
                    ),
                ];
                for (field, kind, id) in slots {
                    if let Some(id) = id.as_deref().filter(|id| !id.is_empty()) {
                        references.push((field, kind, id));
                    }
                }
            }
            LiveRef::Network(network) => {
                if let Some(endpoints) = &network.vpc_endpoints {
                    for id in &endpoints.rest_api {
                        references.push(("vpc_endpoints.rest_api", Kind::VpcEndpoint, id.as_str()));
                    }
                    for id in &endpoints.dataplane_relay {
                        references.push((
                            "vpc_endpoints.dataplane_relay",
                            Kind::VpcEndpoint,
                            id.as_str(),
                        ));
                    }
                }
            }
            LiveRef::PrivateAccessSettings(settings) => {
                for id in &settings.allowed_vpc_endpoint_ids {
                    references.push(("allowed_vpc_endpoints", Kind::VpcEndpoint, id.as_str()));
                }
            }
            LiveRef::Credentials(_)
            | LiveRef::StorageConfiguration(_)
            | LiveRef::CustomerManagedKey(_)
            | LiveRef::VpcEndpoint(_) => {}
        }
        references
    }

    pub(crate) fn workspace(self) -> Option<&'s Workspace> {
        match self {
            LiveRef::Workspace(workspace) => Some(workspace),
            _ => None,
        }
    }

    pub(crate) fn network(self) -> Option<&'s Network> {
        match self {
            LiveRef::Network(network) => Some(network),
            _ => None,
        }
    }
}

/// The natural key of a key configuration: its ARN and its sorted use cases.
pub(crate) fn key_identity(key_arn: &str, use_cases: &[KeyUseCase]) -> String {
    let mut use_cases: Vec<&str> = use_cases.iter().map(KeyUseCase::as_str).collect();
    use_cases.sort_unstable();
    use_cases.dedup();
    format!("{key_arn} {}", use_cases.join("+"))
}

/// A live object referenced by another one through a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Referrer {
    pub(crate) holder: LiveId,
    pub(crate) field: &'static str,
}

/// The snapshot, indexed.
pub(crate) struct LiveIndex<'s> {
    objects: Vec<LiveRef<'s>>,
    by_id: HashMap<(Kind, &'s str), LiveId>,
    /// Names for name-keyed kinds, `key_identity` for keys, `workspace_name` for workspaces.
    by_name: HashMap<Kind, HashMap<&'s str, Vec<LiveId>>>,
    by_key: HashMap<String, Vec<LiveId>>,
    /// Lower-cased deployment names.
    by_deployment: HashMap<String, Vec<LiveId>>,
    referrers: Vec<Vec<Referrer>>,
    /// Networks by the subnets and security groups they claim.
    by_network_resource: HashMap<&'s str, Vec<LiveId>>,
    /// Workspaces by their numeric id.
    workspace_ids: HashMap<i64, LiveId>,
}

impl<'s> LiveIndex<'s> {
    pub(crate) fn new(snapshot: &'s Snapshot) -> LiveIndex<'s> {
        let mut objects: Vec<LiveRef<'s>> = Vec::with_capacity(snapshot.len());
        objects.extend(snapshot.credentials.iter().map(LiveRef::Credentials));
        objects.extend(
            snapshot
                .storage_configurations
                .iter()
                .map(LiveRef::StorageConfiguration),
        );
        objects.extend(
            snapshot
                .customer_managed_keys
                .iter()
                .map(LiveRef::CustomerManagedKey),
        );
        objects.extend(snapshot.vpc_endpoints.iter().map(LiveRef::VpcEndpoint));
        objects.extend(snapshot.networks.iter().map(LiveRef::Network));
        objects.extend(
            snapshot
                .private_access_settings
                .iter()
                .map(LiveRef::PrivateAccessSettings),
        );
        objects.extend(snapshot.workspaces.iter().map(LiveRef::Workspace));

        let mut index = LiveIndex {
            by_id: HashMap::with_capacity(objects.len()),
            by_name: HashMap::new(),
            by_key: HashMap::new(),
            by_deployment: HashMap::new(),
            referrers: vec![Vec::new(); objects.len()],
            by_network_resource: HashMap::new(),
            workspace_ids: HashMap::new(),
            objects,
        };
        for live_id in 0..index.objects.len() {
            let object = index.objects[live_id];
            let kind = object.kind();
            match object {
                LiveRef::Credentials(credential) => {
                    index
                        .by_id
                        .insert((kind, &credential.credentials_id), live_id);
                    index.named(kind, &credential.credentials_name, live_id);
                }
                LiveRef::StorageConfiguration(storage) => {
                    index
                        .by_id
                        .insert((kind, &storage.storage_configuration_id), live_id);
                    index.named(kind, &storage.storage_configuration_name, live_id);
                }
                LiveRef::CustomerManagedKey(key) => {
                    index
                        .by_id
                        .insert((kind, &key.customer_managed_key_id), live_id);
                    let identity = key_identity(key.key_arn().unwrap_or_default(), &key.use_cases);
                    index.by_key.entry(identity).or_default().push(live_id);
                }
                LiveRef::VpcEndpoint(endpoint) => {
                    index
                        .by_id
                        .insert((kind, &endpoint.vpc_endpoint_id), live_id);
                    index.named(kind, &endpoint.vpc_endpoint_name, live_id);
                }
                LiveRef::Network(network) => {
                    index.by_id.insert((kind, &network.network_id), live_id);
                    index.named(kind, &network.network_name, live_id);
                    for claimed in network.subnet_ids.iter().chain(&network.security_group_ids) {
                        index
                            .by_network_resource
                            .entry(claimed.as_str())
                            .or_default()
                            .push(live_id);
                    }
                }
                LiveRef::PrivateAccessSettings(settings) => {
                    index
                        .by_id
                        .insert((kind, &settings.private_access_settings_id), live_id);
                    index.named(kind, &settings.private_access_settings_name, live_id);
                }
                LiveRef::Workspace(workspace) => {
                    index.named(kind, &workspace.workspace_name, live_id);
                    if !workspace.deployment_name.is_empty() {
                        index
                            .by_deployment
                            .entry(workspace.deployment_name.to_ascii_lowercase())
                            .or_default()
                            .push(live_id);
                    }
                    index.workspace_ids.insert(workspace.workspace_id, live_id);
                }
            }
        }
        for live_id in 0..index.objects.len() {
            for (field, kind, id) in index.objects[live_id].references() {
                if let Some(&target) = index.by_id.get(&(kind, id)) {
                    index.referrers[target].push(Referrer {
                        holder: live_id,
                        field,
                    });
                }
            }
        }
        index
    }

    fn named(&mut self, kind: Kind, name: &'s str, live_id: LiveId) {
        if !name.is_empty() {
            self.by_name
                .entry(kind)
                .or_default()
                .entry(name)
                .or_default()
                .push(live_id);
        }
    }

    pub(crate) fn get(&self, live_id: LiveId) -> LiveRef<'s> {
        self.objects[live_id]
    }

    /// The object of `kind` with `id`.
    pub(crate) fn find(&self, kind: Kind, id: &str) -> Option<LiveId> {
        if kind == Kind::Workspace {
            let workspace_id: i64 = id.parse().ok()?;
            return self.workspace_ids.get(&workspace_id).copied();
        }
        self.by_id.get(&(kind, id)).copied()
    }

    /// Objects of a name-keyed kind (or workspaces by `workspace_name`) named `name`.
    pub(crate) fn by_name(&self, kind: Kind, name: &str) -> &[LiveId] {
        self.by_name
            .get(&kind)
            .and_then(|names| names.get(name))
            .map_or(&[], Vec::as_slice)
    }

    /// Key configurations with this [`key_identity`].
    pub(crate) fn by_key(&self, identity: &str) -> &[LiveId] {
        self.by_key.get(identity).map_or(&[], Vec::as_slice)
    }

    /// Workspaces whose stored deployment name is `lower_name` (lower-case).
    pub(crate) fn by_deployment(&self, lower_name: &str) -> &[LiveId] {
        self.by_deployment
            .get(lower_name)
            .map_or(&[], Vec::as_slice)
    }

    /// Live objects that reference `live_id`.
    pub(crate) fn referrers(&self, live_id: LiveId) -> &[Referrer] {
        &self.referrers[live_id]
    }

    /// The ids `live_id` references through `field`, resolved to live objects.
    pub(crate) fn referenced(&self, live_id: LiveId, field: &str) -> Vec<LiveId> {
        self.objects[live_id]
            .references()
            .into_iter()
            .filter(|(reference_field, _, _)| *reference_field == field)
            .filter_map(|(_, kind, id)| self.find(kind, id))
            .collect()
    }

    /// Every live network that claims any of `claimed` (subnet or security group ids), with
    /// the ids it shares.
    pub(crate) fn networks_sharing(&self, claimed: &[&str]) -> Vec<(LiveId, Vec<String>)> {
        let mut found: Vec<(LiveId, Vec<String>)> = Vec::new();
        for resource in claimed {
            for &live_id in self
                .by_network_resource
                .get(resource)
                .map_or(&[][..], Vec::as_slice)
            {
                match found.iter_mut().find(|(known, _)| *known == live_id) {
                    Some((_, shared)) => shared.push((*resource).to_owned()),
                    None => found.push((live_id, vec![(*resource).to_owned()])),
                }
            }
        }
        found.sort();
        found
    }
}

/// A workspace status as the planner's rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StatusClass {
    Running,
    Failed,
    /// `PROVISIONING` or `NOT_PROVISIONED`: apply waits for `RUNNING`.
    Provisioning,
    /// Being deleted.
    Cancelling,
    /// `BANNED`, a status this version does not know, or none at all.
    Other(String),
}

impl StatusClass {
    pub(crate) fn of(workspace: &Workspace) -> StatusClass {
        match &workspace.workspace_status {
            Some(WorkspaceStatus::Running) => StatusClass::Running,
            Some(WorkspaceStatus::Failed) => StatusClass::Failed,
            Some(WorkspaceStatus::Provisioning | WorkspaceStatus::NotProvisioned) => {
                StatusClass::Provisioning
            }
            Some(WorkspaceStatus::Cancelling) => StatusClass::Cancelling,
            Some(other) => StatusClass::Other(other.to_string()),
            None => StatusClass::Other("(none)".to_owned()),
        }
    }
}

/// Whether a network's health says it is what failed.
pub(crate) fn is_broken(network: &Network) -> bool {
    network.vpc_status == Some(VpcStatus::Broken)
}

/// The network's error messages, one phrase each, for reasons.
pub(crate) fn network_errors(network: &Network) -> Vec<String> {
    network
        .error_messages
        .iter()
        .map(|health| match &health.error_type {
            Some(error_type) => format!("{error_type}: {}", health.error_message),
            None => health.error_message.clone(),
        })
        .collect()
}
