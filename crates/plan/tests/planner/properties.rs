//! Properties of every plan, over random specs and accounts.
//!
//! A random "before" spec is applied to an empty account by planning it and running the plan
//! through [`Model`], a small in-memory Account API that enforces the rules the real one does
//! (names unique where they are, objects in use cannot be deleted, PATCH rules by status, one
//! network per workspace, subnets claimed once). Workspaces then get a random status. A random
//! "after" spec (renames, field changes, repoints, dropped and added resources) is planned
//! against that account, and every plan that is made must:
//!
//! 1. list its steps in a valid order (each after the steps it depends on);
//! 2. use only placeholders that a step it (transitively) depends on produces;
//! 3. run through the model without any API rule being broken;
//! 4. leave an account whose re-plan is empty.
//!
//! A plan may also be refused with problems; a refusal that says the steps form a cycle is a
//! planner defect and fails the property.

use std::collections::{BTreeMap, HashMap, HashSet};

use api_types::{
    AwsCredentials, AwsKeyInfo, Credential, CustomerManagedKey, Network, NetworkVpcEndpoints,
    PrivateAccessSettings, RootBucketInfo, Snapshot, StorageConfiguration, StsRole, VpcEndpoint,
    VpcStatus, Workspace, WorkspaceStatus,
};
use brickform_plan::{
    CreateRequest, Operation, Plan, PlanOptions, ProblemCode, Step, parse_known_after_apply,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use spec::Address;

use crate::fixtures::{load, target};

const PREFIX: &str = "acme";

/// Decodes a spec from a list of choices; shrinking the choices toward zero makes the spec
/// smaller and plainer.
struct Choices<'c> {
    choices: &'c [u8],
    next: usize,
}

impl Choices<'_> {
    fn pick(&mut self, options: usize) -> usize {
        let value = self.choices.get(self.next).copied().unwrap_or(0) as usize;
        self.next += 1;
        value % options.max(1)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.pick(100) < percent
    }
}

#[derive(Clone, Debug)]
struct World {
    credentials: Vec<(String, String, String)>,
    storage: Vec<(String, String, String)>,
    keys: Vec<KeySpec>,
    endpoints: Vec<(String, String, String, bool)>,
    networks: Vec<NetworkSpec>,
    access: Vec<(String, String, Vec<String>, bool)>,
    workspaces: Vec<WorkspaceSpec>,
}

#[derive(Clone, Debug)]
struct KeySpec {
    key: String,
    arn: String,
    use_cases: &'static str,
    alias: Option<String>,
}

#[derive(Clone, Debug)]
struct NetworkSpec {
    key: String,
    name: String,
    vpc: String,
    rest: Vec<String>,
    relay: Vec<String>,
}

#[derive(Clone, Debug)]
struct WorkspaceSpec {
    key: String,
    deployment: String,
    credentials: String,
    storage: String,
    network: Option<String>,
    managed_services_key: Option<String>,
    storage_key: Option<String>,
    access: Option<String>,
    tags: Vec<(String, String)>,
    unprotected: bool,
}

const USE_CASES: [&str; 3] = [
    "[MANAGED_SERVICES]",
    "[STORAGE]",
    "[MANAGED_SERVICES, STORAGE]",
];

fn key_arn(index: usize) -> String {
    format!("arn:aws:kms:us-west-2:123456789012:key/0000000{index}-12ab-34cd-56ef-1234567890ab")
}

impl World {
    fn generate(choices: &mut Choices<'_>) -> World {
        let mut world = World {
            credentials: Vec::new(),
            storage: Vec::new(),
            keys: Vec::new(),
            endpoints: Vec::new(),
            networks: Vec::new(),
            access: Vec::new(),
            workspaces: Vec::new(),
        };
        for index in 0..1 + choices.pick(2) {
            world.credentials.push((
                format!("c{index}"),
                format!("cred-{index}"),
                format!("role-{}", choices.pick(2)),
            ));
        }
        for index in 0..1 + choices.pick(2) {
            world.storage.push((
                format!("s{index}"),
                format!("stor-{index}"),
                format!("bucket-{}", choices.pick(2)),
            ));
        }
        for index in 0..choices.pick(3) {
            world.keys.push(KeySpec {
                key: format!("k{index}"),
                arn: key_arn(index),
                use_cases: USE_CASES[choices.pick(3)],
                alias: choices
                    .chance(50)
                    .then(|| format!("alias/k{}", choices.pick(2))),
            });
        }
        for index in 0..choices.pick(4) {
            world.endpoints.push((
                format!("v{index}"),
                format!("vpce-{index}"),
                format!("vpce-0{}", hex(&format!("aws-{}", choices.pick(3)))),
                index % 2 == 0,
            ));
        }
        let rest: Vec<String> = world
            .endpoints
            .iter()
            .filter(|e| e.3)
            .map(|e| e.0.clone())
            .collect();
        let relay: Vec<String> = world
            .endpoints
            .iter()
            .filter(|e| !e.3)
            .map(|e| e.0.clone())
            .collect();
        for index in 0..choices.pick(3) {
            world.networks.push(NetworkSpec {
                key: format!("n{index}"),
                name: format!("net-{index}"),
                vpc: format!("vpc-{}", choices.pick(2)),
                rest: subset(&rest, choices),
                relay: subset(&relay, choices),
            });
        }
        for index in 0..choices.pick(2) {
            world.access.push((
                format!("p{index}"),
                format!("pas-{index}"),
                subset(&rest, choices),
                choices.chance(50),
            ));
        }
        let mut free_networks: Vec<String> = world.networks.iter().map(|n| n.key.clone()).collect();
        for index in 0..1 + choices.pick(3) {
            let workspace = WorkspaceSpec {
                key: format!("w{index}"),
                deployment: format!("dep-{index}"),
                credentials: world.credentials[choices.pick(world.credentials.len())]
                    .0
                    .clone(),
                storage: world.storage[choices.pick(world.storage.len())].0.clone(),
                network: if !free_networks.is_empty() && choices.chance(60) {
                    Some(free_networks.remove(choices.pick(free_networks.len())))
                } else {
                    None
                },
                managed_services_key: pick_key(&world.keys, "MANAGED_SERVICES", choices),
                storage_key: pick_key(&world.keys, "STORAGE", choices),
                access: if !world.access.is_empty() && choices.chance(50) {
                    Some(world.access[choices.pick(world.access.len())].0.clone())
                } else {
                    None
                },
                tags: (0..1 + choices.pick(2))
                    .map(|tag| (format!("T{tag}"), format!("v{}", choices.pick(2))))
                    .collect(),
                unprotected: false,
            };
            world.workspaces.push(workspace);
        }
        world
    }

    /// A variation: renames, changed fields, repointed slots, dropped and added resources.
    fn mutate(&self, choices: &mut Choices<'_>) -> World {
        let mut world = self.clone();
        for credentials in &mut world.credentials {
            match choices.pick(6) {
                0 => credentials.1 = format!("{}-v2", credentials.1),
                1 => credentials.2 = format!("role-{}", choices.pick(3)),
                _ => {}
            }
        }
        for storage in &mut world.storage {
            match choices.pick(8) {
                0 => storage.1 = format!("{}-v2", storage.1),
                1 => storage.2 = format!("bucket-{}", choices.pick(3)),
                _ => {}
            }
        }
        for (index, key) in world.keys.iter_mut().enumerate() {
            match choices.pick(8) {
                0 => key.arn = key_arn(5 + index),
                1 => key.alias = Some(format!("alias/changed-{}", choices.pick(2))),
                _ => {}
            }
        }
        for endpoint in &mut world.endpoints {
            match choices.pick(8) {
                0 => endpoint.1 = format!("{}-v2", endpoint.1),
                1 => endpoint.2 = format!("vpce-0{}", hex(&format!("aws-{}", 5 + choices.pick(2)))),
                _ => {}
            }
        }
        for network in &mut world.networks {
            match choices.pick(8) {
                0 => network.name = format!("{}-v2", network.name),
                1 => network.vpc = format!("vpc-{}", 5 + choices.pick(2)),
                _ => {}
            }
        }
        for access in &mut world.access {
            if choices.pick(5) == 0 {
                access.3 = !access.3;
            }
        }
        if choices.chance(20) && world.credentials.len() < 4 {
            let index = world.credentials.len() + 10;
            world.credentials.push((
                format!("c{index}"),
                format!("cred-{index}"),
                "role-0".to_owned(),
            ));
        }
        let credentials: Vec<String> = world.credentials.iter().map(|c| c.0.clone()).collect();
        let storage: Vec<String> = world.storage.iter().map(|s| s.0.clone()).collect();
        let keys = world.keys.clone();
        for workspace in &mut world.workspaces {
            match choices.pick(8) {
                0 => workspace.credentials = credentials[choices.pick(credentials.len())].clone(),
                1 => workspace.storage = storage[choices.pick(storage.len())].clone(),
                2 => workspace.tags.push(("Extra".to_owned(), "x".to_owned())),
                3 if workspace.managed_services_key.is_none() => {
                    workspace.managed_services_key = pick_key(&keys, "MANAGED_SERVICES", choices);
                }
                _ => {}
            }
            workspace.unprotected = choices.chance(50);
        }
        // Dropping a workspace from the spec leaves it unmanaged: it is never deleted, and what it
        // uses stays in use.
        if world.workspaces.len() > 1 && choices.chance(15) {
            world.workspaces.pop();
        }
        world
    }

    fn yaml(&self) -> String {
        let mut out = format!("version: 1\naccount:\n  deployment_name_prefix: {PREFIX}\n");
        out.push_str("credentials:\n");
        for (key, name, role) in &self.credentials {
            out.push_str(&format!(
                "  {key}:\n    name: {name}\n    role_arn: arn:aws:iam::123456789012:role/{role}\n"
            ));
        }
        out.push_str("storage_configurations:\n");
        for (key, name, bucket) in &self.storage {
            out.push_str(&format!(
                "  {key}:\n    name: {name}\n    bucket_name: {bucket}\n"
            ));
        }
        if !self.keys.is_empty() {
            out.push_str("customer_managed_keys:\n");
            for key in &self.keys {
                out.push_str(&format!(
                    "  {}:\n    key_arn: {}\n    use_cases: {}\n",
                    key.key, key.arn, key.use_cases
                ));
                if let Some(alias) = &key.alias {
                    out.push_str(&format!("    key_alias: {alias}\n"));
                }
            }
        }
        if !self.endpoints.is_empty() {
            out.push_str("vpc_endpoints:\n");
            for (key, name, aws, _) in &self.endpoints {
                out.push_str(&format!(
                    "  {key}: {{ name: {name}, aws_vpc_endpoint_id: {aws}, region: us-west-2 }}\n"
                ));
            }
        }
        if !self.networks.is_empty() {
            out.push_str("networks:\n");
            for network in &self.networks {
                // Subnets and security groups follow the name: a renamed network gets its own.
                let claimed = hex(&network.name);
                out.push_str(&format!(
                    "  {}:\n    name: {}\n    vpc_id: vpc-0{}\n    subnet_ids: [subnet-0{claimed}a, subnet-0{claimed}b]\n    security_group_ids: [sg-0{claimed}]\n",
                    network.key, network.name, hex(&network.vpc)
                ));
                if !network.rest.is_empty() || !network.relay.is_empty() {
                    out.push_str(&format!(
                        "    vpc_endpoints: {{ rest_api: [{}], dataplane_relay: [{}] }}\n",
                        network.rest.join(", "),
                        network.relay.join(", ")
                    ));
                }
            }
        }
        if !self.access.is_empty() {
            out.push_str("private_access_settings:\n");
            for (key, name, allowed, public) in &self.access {
                out.push_str(&format!(
                    "  {key}:\n    name: {name}\n    region: us-west-2\n    public_access_enabled: {public}\n    private_access_level: ENDPOINT\n    allowed_vpc_endpoints: [{}]\n",
                    allowed.join(", ")
                ));
            }
        }
        out.push_str("workspaces:\n");
        for workspace in &self.workspaces {
            out.push_str(&format!(
                "  {}:\n    workspace_name: {}\n    deployment_name: {}\n    aws_region: us-west-2\n    credentials: {}\n    storage_configuration: {}\n",
                workspace.key, workspace.deployment, workspace.deployment, workspace.credentials, workspace.storage
            ));
            for (field, value) in [
                ("network", &workspace.network),
                ("managed_services_key", &workspace.managed_services_key),
                ("storage_key", &workspace.storage_key),
                ("private_access_settings", &workspace.access),
            ] {
                if let Some(value) = value {
                    out.push_str(&format!("    {field}: {value}\n"));
                }
            }
            let tags: Vec<String> = workspace
                .tags
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            out.push_str(&format!("    custom_tags: {{ {} }}\n", tags.join(", ")));
            if workspace.unprotected {
                out.push_str("    lifecycle: { prevent_destroy: false }\n");
            }
        }
        out
    }
}

/// Eight hexadecimal digits derived from `text` (FNV-1a), for AWS-looking ids.
fn hex(text: &str) -> String {
    let hash = text.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    format!("{hash:08x}")
}

fn subset(items: &[String], choices: &mut Choices<'_>) -> Vec<String> {
    items
        .iter()
        .filter(|_| choices.chance(50))
        .cloned()
        .collect()
}

fn pick_key(keys: &[KeySpec], use_case: &str, choices: &mut Choices<'_>) -> Option<String> {
    let fitting: Vec<&KeySpec> = keys
        .iter()
        .filter(|key| key.use_cases.contains(use_case))
        .collect();
    if fitting.is_empty() || !choices.chance(50) {
        return None;
    }
    Some(fitting[choices.pick(fitting.len())].key.clone())
}

/// An in-memory Account API that refuses what the real one refuses.
struct Model {
    snapshot: Snapshot,
    next_id: u64,
    /// Workspaces that have been RUNNING (their storage key can never be replaced).
    ran: HashSet<i64>,
}

impl Model {
    fn new(snapshot: Snapshot) -> Model {
        let ran = snapshot
            .workspaces
            .iter()
            .filter(|workspace| workspace.workspace_status != Some(WorkspaceStatus::Provisioning))
            .map(|workspace| workspace.workspace_id)
            .collect();
        Model {
            snapshot,
            next_id: 1,
            ran,
        }
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("gen-{}", self.next_id)
    }

    /// Runs the plan's steps in order; an API rule broken is an `Err` naming it.
    fn apply(&mut self, plan: &Plan) -> Result<(), String> {
        let mut produced: HashMap<Address, String> = HashMap::new();
        for step in &plan.steps {
            let operation = resolve(&step.operation, &produced)?;
            if let Some(id) = self
                .run(&operation)
                .map_err(|error| format!("step {} ({}): {error}", step.id, step.description))?
            {
                produced.insert(step.produces.clone().expect("creates produce"), id);
            }
        }
        Ok(())
    }

    fn run(&mut self, operation: &Operation) -> Result<Option<String>, String> {
        match operation {
            Operation::Create { request } => self.create(request).map(Some),
            Operation::ReplacePrivateAccessSettings {
                private_access_settings_id,
                request,
            } => {
                self.endpoints_exist(&request.allowed_vpc_endpoint_ids)?;
                let settings = self
                    .snapshot
                    .private_access_settings
                    .iter_mut()
                    .find(|settings| {
                        settings.private_access_settings_id == *private_access_settings_id
                    })
                    .ok_or("PUT of unknown private access settings")?;
                settings.private_access_settings_name =
                    request.private_access_settings_name.clone();
                settings.region = request.region.clone();
                settings.public_access_enabled = request.public_access_enabled;
                settings.private_access_level = request.private_access_level.clone();
                settings.allowed_vpc_endpoint_ids = request.allowed_vpc_endpoint_ids.clone();
                Ok(None)
            }
            Operation::UpdateWorkspace {
                workspace_id,
                request,
            } => {
                self.patch(*workspace_id, request)?;
                Ok(None)
            }
            Operation::Delete { kind, id, .. } => {
                self.delete(*kind, id)?;
                Ok(None)
            }
            Operation::WaitForWorkspace { workspace_id } => {
                let workspace = self.workspace(*workspace_id)?;
                workspace.workspace_status = Some(WorkspaceStatus::Running);
                self.ran.insert(*workspace_id);
                Ok(None)
            }
        }
    }

    fn workspace(&mut self, workspace_id: i64) -> Result<&mut Workspace, String> {
        self.snapshot
            .workspaces
            .iter_mut()
            .find(|workspace| workspace.workspace_id == workspace_id)
            .ok_or_else(|| format!("no workspace {workspace_id}"))
    }

    fn endpoints_exist(&self, ids: &[String]) -> Result<(), String> {
        for id in ids {
            if !self
                .snapshot
                .vpc_endpoints
                .iter()
                .any(|endpoint| endpoint.vpc_endpoint_id == *id)
            {
                return Err(format!("unknown VPC endpoint {id}"));
            }
        }
        Ok(())
    }

    fn check_workspace_references(&self, workspace: &Workspace) -> Result<(), String> {
        let exists = |found: bool, what: &str, id: &Option<String>| match (id, found) {
            (Some(id), false) => Err(format!("unknown {what} {id}")),
            _ => Ok(()),
        };
        let id = |value: &Option<String>| value.clone().unwrap_or_default();
        exists(
            self.snapshot
                .credentials
                .iter()
                .any(|c| c.credentials_id == id(&workspace.credentials_id)),
            "credentials",
            &workspace.credentials_id,
        )?;
        exists(
            self.snapshot
                .storage_configurations
                .iter()
                .any(|s| s.storage_configuration_id == id(&workspace.storage_configuration_id)),
            "storage",
            &workspace.storage_configuration_id,
        )?;
        exists(
            self.snapshot
                .networks
                .iter()
                .any(|n| n.network_id == id(&workspace.network_id)),
            "network",
            &workspace.network_id,
        )?;
        exists(
            self.snapshot
                .private_access_settings
                .iter()
                .any(|p| p.private_access_settings_id == id(&workspace.private_access_settings_id)),
            "private access settings",
            &workspace.private_access_settings_id,
        )?;
        for key in [
            &workspace.managed_services_customer_managed_key_id,
            &workspace.storage_customer_managed_key_id,
        ] {
            exists(
                self.snapshot
                    .customer_managed_keys
                    .iter()
                    .any(|k| k.customer_managed_key_id == id(key)),
                "key",
                key,
            )?;
        }
        if let Some(network) = &workspace.network_id {
            let others = self
                .snapshot
                .workspaces
                .iter()
                .filter(|other| {
                    other.workspace_id != workspace.workspace_id
                        && other.network_id.as_ref() == Some(network)
                })
                .count();
            if others > 0 {
                return Err(format!("network {network} is used by another workspace"));
            }
        }
        Ok(())
    }

    fn create(&mut self, request: &CreateRequest) -> Result<String, String> {
        let id = self.id();
        match request {
            CreateRequest::Credentials(body) => {
                if self
                    .snapshot
                    .credentials
                    .iter()
                    .any(|c| c.credentials_name == body.credentials_name)
                {
                    return Err(format!(
                        "credentials name {} already exists",
                        body.credentials_name
                    ));
                }
                self.snapshot.credentials.push(Credential {
                    credentials_id: id.clone(),
                    credentials_name: body.credentials_name.clone(),
                    aws_credentials: Some(AwsCredentials {
                        sts_role: Some(StsRole {
                            role_arn: body.role_arn().unwrap_or_default().to_owned(),
                            external_id: Some("account".to_owned()),
                        }),
                    }),
                    ..Credential::default()
                });
            }
            CreateRequest::StorageConfiguration(body) => {
                self.snapshot
                    .storage_configurations
                    .push(StorageConfiguration {
                        storage_configuration_id: id.clone(),
                        storage_configuration_name: body.storage_configuration_name.clone(),
                        root_bucket_info: Some(RootBucketInfo {
                            bucket_name: body.root_bucket_info.bucket_name.clone(),
                        }),
                        role_arn: body.role_arn.clone(),
                        ..StorageConfiguration::default()
                    })
            }
            CreateRequest::CustomerManagedKey(body) => {
                self.snapshot
                    .customer_managed_keys
                    .push(CustomerManagedKey {
                        customer_managed_key_id: id.clone(),
                        use_cases: body.use_cases.clone(),
                        aws_key_info: Some(AwsKeyInfo {
                            key_region: Some("us-west-2".to_owned()),
                            ..body.aws_key_info.clone()
                        }),
                        ..CustomerManagedKey::default()
                    })
            }
            CreateRequest::VpcEndpoint(body) => self.snapshot.vpc_endpoints.push(VpcEndpoint {
                vpc_endpoint_id: id.clone(),
                vpc_endpoint_name: body.vpc_endpoint_name.clone(),
                aws_vpc_endpoint_id: body.aws_vpc_endpoint_id.clone(),
                region: body.region.clone(),
                state: "available".to_owned(),
                ..VpcEndpoint::default()
            }),
            CreateRequest::Network(body) => {
                for claimed in body.subnet_ids.iter().chain(&body.security_group_ids) {
                    let taken = self.snapshot.networks.iter().any(|network| {
                        network.subnet_ids.contains(claimed)
                            || network.security_group_ids.contains(claimed)
                    });
                    if taken {
                        return Err(format!("{claimed} already belongs to a network"));
                    }
                }
                if let Some(endpoints) = &body.vpc_endpoints {
                    self.endpoints_exist(&endpoints.rest_api)?;
                    self.endpoints_exist(&endpoints.dataplane_relay)?;
                }
                self.snapshot.networks.push(Network {
                    network_id: id.clone(),
                    network_name: body.network_name.clone(),
                    vpc_id: body.vpc_id.clone(),
                    subnet_ids: body.subnet_ids.clone(),
                    security_group_ids: body.security_group_ids.clone(),
                    vpc_endpoints: body
                        .vpc_endpoints
                        .clone()
                        .or(Some(NetworkVpcEndpoints::default())),
                    vpc_status: Some(VpcStatus::Unattached),
                    ..Network::default()
                });
            }
            CreateRequest::PrivateAccessSettings(body) => {
                self.endpoints_exist(&body.allowed_vpc_endpoint_ids)?;
                self.snapshot
                    .private_access_settings
                    .push(PrivateAccessSettings {
                        private_access_settings_id: id.clone(),
                        private_access_settings_name: body.private_access_settings_name.clone(),
                        region: body.region.clone(),
                        public_access_enabled: body.public_access_enabled,
                        private_access_level: body.private_access_level.clone(),
                        allowed_vpc_endpoint_ids: body.allowed_vpc_endpoint_ids.clone(),
                        ..PrivateAccessSettings::default()
                    });
            }
            CreateRequest::Workspace(body) => {
                let deployment = body
                    .deployment_name
                    .as_ref()
                    .map(|name| format!("{PREFIX}-{name}").to_ascii_lowercase())
                    .unwrap_or_default();
                if self
                    .snapshot
                    .workspaces
                    .iter()
                    .any(|w| !deployment.is_empty() && w.deployment_name == deployment)
                {
                    return Err(format!("deployment name {deployment} is taken"));
                }
                let workspace_id = 1_000 + self.next_id as i64;
                let workspace = Workspace {
                    workspace_id,
                    workspace_name: body.workspace_name.clone(),
                    deployment_name: deployment,
                    aws_region: body.aws_region.clone(),
                    credentials_id: body.credentials_id.clone(),
                    storage_configuration_id: body.storage_configuration_id.clone(),
                    network_id: body.network_id.clone(),
                    private_access_settings_id: body.private_access_settings_id.clone(),
                    managed_services_customer_managed_key_id: body
                        .managed_services_customer_managed_key_id
                        .clone(),
                    storage_customer_managed_key_id: body.storage_customer_managed_key_id.clone(),
                    pricing_tier: body
                        .pricing_tier
                        .clone()
                        .or(Some(api_types::PricingTier::Enterprise)),
                    custom_tags: body.custom_tags.clone(),
                    workspace_status: Some(WorkspaceStatus::Running),
                    ..Workspace::default()
                };
                self.check_workspace_references(&workspace)?;
                self.attach(&workspace);
                self.ran.insert(workspace_id);
                self.snapshot.workspaces.push(workspace);
                return Ok(workspace_id.to_string());
            }
        }
        Ok(id)
    }

    fn attach(&mut self, workspace: &Workspace) {
        for network in &mut self.snapshot.networks {
            if Some(&network.network_id) == workspace.network_id.as_ref() {
                network.workspace_id = Some(workspace.workspace_id);
                network.vpc_status = Some(VpcStatus::Valid);
                network.error_messages.clear();
            } else if network.workspace_id == Some(workspace.workspace_id) {
                network.workspace_id = None;
                network.vpc_status = Some(VpcStatus::Unattached);
            }
        }
    }

    fn patch(
        &mut self,
        workspace_id: i64,
        request: &api_types::UpdateWorkspaceRequest,
    ) -> Result<(), String> {
        let ran = self.ran.contains(&workspace_id);
        let current = self.workspace(workspace_id)?.clone();
        let status = current.workspace_status.clone();
        let running = match status {
            Some(WorkspaceStatus::Running) => true,
            Some(WorkspaceStatus::Failed) => false,
            other => return Err(format!("PATCH of a workspace that is {other:?}")),
        };
        let mut next = current.clone();
        let slots: [(&str, &Option<String>, &mut Option<String>); 6] = [
            (
                "credentials_id",
                &request.credentials_id,
                &mut next.credentials_id,
            ),
            (
                "storage_configuration_id",
                &request.storage_configuration_id,
                &mut next.storage_configuration_id,
            ),
            ("network_id", &request.network_id, &mut next.network_id),
            (
                "private_access_settings_id",
                &request.private_access_settings_id,
                &mut next.private_access_settings_id,
            ),
            (
                "managed_services_customer_managed_key_id",
                &request.managed_services_customer_managed_key_id,
                &mut next.managed_services_customer_managed_key_id,
            ),
            (
                "storage_customer_managed_key_id",
                &request.storage_customer_managed_key_id,
                &mut next.storage_customer_managed_key_id,
            ),
        ];
        for (field, value, slot) in slots {
            let Some(value) = value else {
                continue;
            };
            if slot.as_ref() == Some(value) {
                continue;
            }
            match field {
                "storage_configuration_id" if running => {
                    return Err("storage configuration change on a RUNNING workspace".to_owned());
                }
                "network_id" if running && slot.is_none() => {
                    return Err(
                        "network added to a RUNNING workspace in a Databricks-managed VPC"
                            .to_owned(),
                    );
                }
                "storage_customer_managed_key_id" if slot.is_some() && ran => {
                    return Err("storage key replaced".to_owned());
                }
                _ => {}
            }
            *slot = Some(value.clone());
        }
        if let Some(tags) = &request.custom_tags {
            if tags.is_empty() {
                return Err("empty custom tags".to_owned());
            }
            next.custom_tags = tags.clone();
        }
        next.workspace_status = Some(WorkspaceStatus::Running);
        self.check_workspace_references(&next)?;
        self.attach(&next);
        self.ran.insert(workspace_id);
        *self.workspace(workspace_id)? = next;
        Ok(())
    }

    fn delete(&mut self, kind: spec::Kind, id: &str) -> Result<(), String> {
        let snapshot = &self.snapshot;
        let uses = |workspace: &Workspace| {
            [
                &workspace.credentials_id,
                &workspace.storage_configuration_id,
                &workspace.network_id,
                &workspace.private_access_settings_id,
                &workspace.managed_services_customer_managed_key_id,
                &workspace.storage_customer_managed_key_id,
            ]
            .into_iter()
            .any(|slot| slot.as_deref() == Some(id))
        };
        let in_use = snapshot.workspaces.iter().any(uses)
            || snapshot.networks.iter().any(|network| {
                network.vpc_endpoints.as_ref().is_some_and(|endpoints| {
                    endpoints
                        .rest_api
                        .iter()
                        .chain(&endpoints.dataplane_relay)
                        .any(|endpoint| endpoint == id)
                })
            })
            || snapshot.private_access_settings.iter().any(|settings| {
                settings
                    .allowed_vpc_endpoint_ids
                    .iter()
                    .any(|endpoint| endpoint == id)
            });
        if in_use {
            return Err(format!("INVALID_STATE: {kind} {id} is in use"));
        }
        let before = self.snapshot.len();
        let snapshot = &mut self.snapshot;
        match kind {
            spec::Kind::Credentials => snapshot.credentials.retain(|o| o.credentials_id != id),
            spec::Kind::StorageConfiguration => snapshot
                .storage_configurations
                .retain(|o| o.storage_configuration_id != id),
            spec::Kind::CustomerManagedKey => snapshot
                .customer_managed_keys
                .retain(|o| o.customer_managed_key_id != id),
            spec::Kind::VpcEndpoint => snapshot.vpc_endpoints.retain(|o| o.vpc_endpoint_id != id),
            spec::Kind::Network => snapshot.networks.retain(|o| o.network_id != id),
            spec::Kind::PrivateAccessSettings => snapshot
                .private_access_settings
                .retain(|o| o.private_access_settings_id != id),
            spec::Kind::Workspace => {
                snapshot
                    .workspaces
                    .retain(|o| o.workspace_id.to_string() != id);
                for network in &mut snapshot.networks {
                    if network.workspace_id.map(|w| w.to_string()).as_deref() == Some(id) {
                        network.workspace_id = None;
                        network.vpc_status = Some(VpcStatus::Unattached);
                    }
                }
            }
        }
        if self.snapshot.len() == before {
            return Err(format!("DELETE of unknown {kind} {id}"));
        }
        Ok(())
    }
}

/// The operation with every placeholder replaced by the id its step produced.
fn resolve(
    operation: &Operation,
    produced: &HashMap<Address, String>,
) -> Result<Operation, String> {
    let mut json = serde_json::to_value(operation).unwrap();
    let mut missing = None;
    replace_strings(&mut json, &mut |text| {
        if let Some(address) = parse_known_after_apply(text) {
            match produced.get(&address) {
                Some(id) => return Some(id.clone()),
                None => missing = Some(address),
            }
        }
        None
    });
    if let Some(address) = missing {
        return Err(format!("placeholder for {address} before its create"));
    }
    Ok(serde_json::from_value(json).unwrap())
}

fn replace_strings(value: &mut Value, replace: &mut dyn FnMut(&str) -> Option<String>) {
    match value {
        Value::String(text) => {
            if let Some(new) = replace(text) {
                *text = new;
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| replace_strings(item, replace)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|item| replace_strings(item, replace)),
        _ => {}
    }
}

fn placeholders(step: &Step) -> Vec<Address> {
    let mut found = Vec::new();
    let mut json = serde_json::to_value(&step.operation).unwrap();
    replace_strings(&mut json, &mut |text| {
        if let Some(address) = parse_known_after_apply(text) {
            found.push(address);
        }
        None
    });
    found
}

/// Properties 1 and 2: order and placeholders.
fn check_steps(plan: &Plan) -> Result<(), String> {
    for (position, step) in plan.steps.iter().enumerate() {
        if step.id != position {
            return Err(format!("step {position} has id {}", step.id));
        }
        if let Some(dependency) = step
            .depends_on
            .iter()
            .find(|dependency| **dependency >= position)
        {
            return Err(format!(
                "step {position} depends on later step {dependency}"
            ));
        }
        let mut ancestors = HashSet::new();
        let mut stack = step.depends_on.clone();
        while let Some(dependency) = stack.pop() {
            if ancestors.insert(dependency) {
                stack.extend(plan.steps[dependency].depends_on.iter().copied());
            }
        }
        for address in placeholders(step) {
            let produced = ancestors
                .iter()
                .any(|&ancestor| plan.steps[ancestor].produces.as_ref() == Some(&address));
            if !produced {
                return Err(format!(
                    "step {position} ({}) uses {address} which no dependency produces",
                    step.description
                ));
            }
        }
    }
    Ok(())
}

/// Outcome of one case, for the count of plans actually exercised.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Applied,
    Refused,
}

fn run_case(
    before_choices: &[u8],
    after_choices: &[u8],
    status_choices: &[u8],
) -> Result<Outcome, String> {
    let before = World::generate(&mut Choices {
        choices: before_choices,
        next: 0,
    });
    let mut mutation = Choices {
        choices: after_choices,
        next: 0,
    };
    let after = before.mutate(&mut mutation);
    let recreate_failed = mutation.chance(50);
    let before_spec = load(&before.yaml());
    let initial = brickform_plan::plan(
        &before_spec,
        &Snapshot::default(),
        target(),
        PlanOptions::default(),
    )
    .map_err(|failure| format!("the initial plan failed:\n{}", failure.render(false)))?;
    let mut model = Model::new(Snapshot::default());
    model
        .apply(&initial)
        .map_err(|error| format!("initial apply: {error}"))?;

    // Random statuses: mostly RUNNING, some FAILED (with a broken network), some PROVISIONING.
    let mut statuses = Choices {
        choices: status_choices,
        next: 0,
    };
    let workspace_count = model.snapshot.workspaces.len();
    for index in 0..workspace_count {
        let status = match statuses.pick(6) {
            0 => WorkspaceStatus::Failed,
            1 => WorkspaceStatus::Provisioning,
            _ => WorkspaceStatus::Running,
        };
        let workspace = &mut model.snapshot.workspaces[index];
        workspace.workspace_status = Some(status.clone());
        if status == WorkspaceStatus::Provisioning {
            model.ran.remove(&workspace.workspace_id);
        }
        let network_id = workspace.network_id.clone();
        if status == WorkspaceStatus::Failed && statuses.chance(50) {
            for network in &mut model.snapshot.networks {
                if Some(&network.network_id) == network_id.as_ref() {
                    network.vpc_status = Some(VpcStatus::Broken);
                }
            }
        }
    }

    let after_yaml = after.yaml();
    let after_spec = load(&after_yaml);
    let allow_destroy = after
        .workspaces
        .iter()
        .filter(|workspace| workspace.unprotected)
        .map(|workspace| format!("workspaces.{}", workspace.key).parse().unwrap())
        .collect();
    let options = PlanOptions {
        recreate_failed,
        allow_destroy,
        ..PlanOptions::default()
    };
    let live = model.snapshot.clone();
    let plan = match brickform_plan::plan(&after_spec, &live, target(), options) {
        Ok(plan) => plan,
        Err(failure) => {
            if failure
                .problems
                .iter()
                .any(|problem| problem.code == ProblemCode::StepCycle)
            {
                return Err(format!(
                    "a step cycle:\n{}\n{after_yaml}",
                    failure.render(false)
                ));
            }
            return Ok(Outcome::Refused);
        }
    };
    let context = || {
        format!(
            "\n--- spec\n{after_yaml}--- live\n{}\n--- plan\n{}",
            serde_json::to_string(&live).unwrap(),
            brickform_plan::render_text(&plan, false)
        )
    };
    check_steps(&plan).map_err(|error| format!("{error}{}", context()))?;
    model
        .apply(&plan)
        .map_err(|error| format!("apply broke an API rule: {error}{}", context()))?;
    let replan = brickform_plan::plan(
        &after_spec,
        &model.snapshot,
        target(),
        PlanOptions::default(),
    )
    .map_err(|failure| {
        format!(
            "the re-plan failed:\n{}{}",
            failure.render(false),
            context()
        )
    })?;
    if !replan.steps.is_empty() {
        return Err(format!(
            "the re-plan is not empty:\n{}{}",
            brickform_plan::render_text(&replan, false),
            context()
        ));
    }
    if !brickform_plan::residual(&plan, &model.snapshot).is_empty() {
        let residuals: Vec<String> = brickform_plan::residual(&plan, &model.snapshot)
            .iter()
            .map(ToString::to_string)
            .collect();
        return Err(format!(
            "residual differences: {}{}",
            residuals.join("; "),
            context()
        ));
    }
    Ok(Outcome::Applied)
}

fn choices() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 96)
}

proptest! {
    #![proptest_config(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn every_plan_is_ordered_runs_within_the_api_rules_and_converges(
        before in choices(),
        after in choices(),
        statuses in choices(),
    ) {
        if let Err(error) = run_case(&before, &after, &statuses) {
            prop_assert!(false, "{}", error);
        }
    }
}

/// The property above holds vacuously if most plans are refused; this counts, over a fixed
/// sequence of cases, how many plans are actually applied and re-planned.
#[test]
fn most_random_plans_are_made_and_applied() {
    let mut runner = TestRunner::deterministic();
    let strategy = (choices(), choices(), choices());
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for _ in 0..200 {
        let (before, after, statuses) = strategy.new_tree(&mut runner).unwrap().current();
        let outcome = run_case(&before, &after, &statuses).unwrap();
        *outcomes
            .entry(if outcome == Outcome::Applied {
                "applied"
            } else {
                "refused"
            })
            .or_default() += 1;
    }
    let applied = outcomes.get("applied").copied().unwrap_or(0);
    assert!(
        applied >= 100,
        "only {applied} of 200 random plans were applied: {outcomes:?}"
    );
}
