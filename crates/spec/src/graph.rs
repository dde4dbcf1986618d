//! The validated [`Spec`]: resources in dependency order, the resource graph, the digest, and
//! the graph's renderings for pull requests (Mermaid, Graphviz).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use sha2::{Digest as _, Sha256};

use crate::diagnostic::{Code, Diagnostics, Pending};
use crate::model::{AccountSettings, Address, Ensure, Resource, ResourceConfig};
use crate::validate::{Reference, Validated};

/// The desired resource graph. Node `i` is `spec.resources()[i]`; an edge `a -> b` labelled
/// with a spec field (`network`, `vpc_endpoints.rest_api`, ...) means `a` references `b`
/// through that field, so `b` must exist first.
pub type ResourceGraph = DiGraph<Address, &'static str>;

/// A spec that passed validation: every reference resolves to a resource of the right kind,
/// there is no cycle, variables are resolved. Only [`crate::load_sources`] and
/// [`crate::load_paths`] build one.
#[derive(Debug, Clone)]
pub struct Spec {
    account: AccountSettings,
    resources: Vec<Resource>,
    index: HashMap<Address, usize>,
    graph: ResourceGraph,
    digest: String,
}

impl Spec {
    /// Account-wide settings.
    pub fn account(&self) -> &AccountSettings {
        &self.account
    }

    /// Every resource, dependencies first; resources that do not depend on each other are
    /// ordered by kind (in [`crate::Kind::ALL`] order), then key.
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    pub fn resource(&self, address: &Address) -> Option<&Resource> {
        self.index.get(address).map(|&index| &self.resources[index])
    }

    /// The dependency graph; see [`ResourceGraph`].
    pub fn graph(&self) -> &ResourceGraph {
        &self.graph
    }

    /// The resources that reference `address` directly, in dependency order.
    pub fn dependents(&self, address: &Address) -> Vec<&Resource> {
        self.neighbours(address, Direction::Incoming)
    }

    /// The resources `address` references directly, in dependency order.
    pub fn dependencies(&self, address: &Address) -> Vec<&Resource> {
        self.neighbours(address, Direction::Outgoing)
    }

    fn neighbours(&self, address: &Address, direction: Direction) -> Vec<&Resource> {
        let Some(&index) = self.index.get(address) else {
            return Vec::new();
        };
        let mut indices: Vec<usize> = self
            .graph
            .neighbors_directed(NodeIndex::new(index), direction)
            .map(NodeIndex::index)
            .collect();
        indices.sort_unstable();
        indices.dedup();
        indices
            .into_iter()
            .map(|index| &self.resources[index])
            .collect()
    }

    /// SHA-256 (hex) of a canonical rendering of the account settings and resolved resources.
    /// Formatting, comments, key order and file layout do not change it; any value does.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The graph as a Mermaid flowchart, which GitHub renders in Markdown.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for (index, resource) in self.resources.iter().enumerate() {
            let _ = writeln!(out, "  n{index}[\"{}\"]", resource.address);
        }
        for edge in self.graph.raw_edges() {
            let _ = writeln!(
                out,
                "  n{} -->|{}| n{}",
                edge.source().index(),
                edge.weight,
                edge.target().index()
            );
        }
        let absent = self.marked(|resource| resource.ensure == Ensure::Absent);
        let existing = self.marked(|resource| resource.existing);
        if !absent.is_empty() {
            out.push_str("  classDef absent stroke-dasharray: 5 5,color:#a00\n");
            let _ = writeln!(out, "  class {} absent", absent.join(","));
        }
        if !existing.is_empty() {
            out.push_str("  classDef existing fill:#eee,color:#555\n");
            let _ = writeln!(out, "  class {} existing", existing.join(","));
        }
        out
    }

    /// The graph in Graphviz `dot` syntax.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph brickform {\n  rankdir=LR;\n  node [shape=box];\n");
        for resource in &self.resources {
            let style = if resource.ensure == Ensure::Absent {
                " [style=dashed]"
            } else if resource.existing {
                " [style=filled, fillcolor=\"#eeeeee\"]"
            } else {
                ""
            };
            let _ = writeln!(out, "  \"{}\"{style};", resource.address);
        }
        for edge in self.graph.raw_edges() {
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"{}\"];",
                self.graph[edge.source()],
                self.graph[edge.target()],
                edge.weight
            );
        }
        out.push_str("}\n");
        out
    }

    fn marked(&self, predicate: impl Fn(&Resource) -> bool) -> Vec<String> {
        self.resources
            .iter()
            .enumerate()
            .filter(|(_, resource)| predicate(resource))
            .map(|(index, _)| format!("n{index}"))
            .collect()
    }
}

/// Orders the validated resources and builds the graph; a cycle is reported and yields `None`.
pub(crate) fn build(validated: Validated, diagnostics: &mut Diagnostics) -> Option<Spec> {
    let Validated {
        account,
        resources,
        references,
    } = validated;
    let position: HashMap<&Address, usize> = resources
        .iter()
        .enumerate()
        .map(|(index, resource)| (&resource.address, index))
        .collect();
    let edges: Vec<(usize, usize, &Reference)> = references
        .iter()
        .filter_map(|reference| {
            Some((
                *position.get(&reference.from)?,
                *position.get(&reference.to)?,
                reference,
            ))
        })
        .collect();

    // Kahn's algorithm with a min-heap on (kind, key): deterministic, and independent of file
    // and declaration order.
    let mut waiting_on = vec![0usize; resources.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); resources.len()];
    for &(from, to, _) in &edges {
        waiting_on[from] += 1;
        dependents[to].push(from);
    }
    let sort_key = |index: usize| {
        let address = &resources[index].address;
        Reverse((address.kind, address.key.clone(), index))
    };
    let mut ready: BinaryHeap<_> = (0..resources.len())
        .filter(|&index| waiting_on[index] == 0)
        .map(sort_key)
        .collect();
    let mut order = Vec::with_capacity(resources.len());
    while let Some(Reverse((_, _, index))) = ready.pop() {
        order.push(index);
        for &dependent in &dependents[index] {
            waiting_on[dependent] -= 1;
            if waiting_on[dependent] == 0 {
                ready.push(sort_key(dependent));
            }
        }
    }
    if order.len() < resources.len() {
        report_cycle(&resources, &edges, &waiting_on, diagnostics);
        return None;
    }

    let mut new_position = vec![0usize; resources.len()];
    for (new_index, &old_index) in order.iter().enumerate() {
        new_position[old_index] = new_index;
    }
    let mut slots: Vec<Option<Resource>> = resources.into_iter().map(Some).collect();
    let resources: Vec<Resource> = order
        .iter()
        .map(|&old_index| slots[old_index].take().expect("each index is ordered once"))
        .collect();
    let mut graph = ResourceGraph::with_capacity(resources.len(), edges.len());
    for resource in &resources {
        graph.add_node(resource.address.clone());
    }
    let mut sorted_edges: Vec<(usize, usize, &'static str)> = edges
        .iter()
        .map(|&(from, to, reference)| (new_position[from], new_position[to], reference.field))
        .collect();
    sorted_edges.sort_unstable();
    sorted_edges.dedup();
    for (from, to, field) in sorted_edges {
        graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), field);
    }
    let index = resources
        .iter()
        .enumerate()
        .map(|(index, resource)| (resource.address.clone(), index))
        .collect();
    let digest = digest(&account, &resources);
    Some(Spec {
        account,
        resources,
        index,
        graph,
        digest,
    })
}

/// Reports one cycle among the resources Kahn's algorithm could not order.
fn report_cycle(
    resources: &[Resource],
    edges: &[(usize, usize, &Reference)],
    waiting_on: &[usize],
    diagnostics: &mut Diagnostics,
) {
    // Every resource left waits on another one left, so following such edges from the
    // smallest one must come back to a resource already visited.
    let stuck = |index: usize| waiting_on[index] > 0;
    let Some(start) = (0..resources.len())
        .filter(|&index| stuck(index))
        .min_by_key(|&index| &resources[index].address)
    else {
        return;
    };
    let mut path: Vec<usize> = vec![start];
    let mut via: Vec<&Reference> = Vec::new();
    loop {
        let current = *path.last().expect("the path starts non-empty");
        let Some(&(_, next, reference)) = edges
            .iter()
            .filter(|(from, to, _)| *from == current && stuck(*to))
            .min_by_key(|(_, to, _)| &resources[*to].address)
        else {
            return;
        };
        via.push(reference);
        if let Some(cycle_start) = path.iter().position(|&index| index == next) {
            let cycle: Vec<&Reference> = via[cycle_start..].to_vec();
            let names: Vec<String> = path[cycle_start..]
                .iter()
                .chain(std::iter::once(&next))
                .map(|&index| format!("`{}`", resources[index].address))
                .collect();
            let first = cycle[0];
            let mut diagnostic = Pending::new(
                Code::DependencyCycle,
                first.loc,
                format!("dependency cycle: {}", names.join(" -> ")),
            )
            .label(format!("`{}` references `{}` here", first.from, first.to))
            .help("break the cycle: a resource cannot depend on itself, directly or indirectly");
            for reference in &cycle[1..] {
                diagnostic = diagnostic.secondary(
                    reference.loc,
                    format!("`{}` references `{}` here", reference.from, reference.to),
                );
            }
            diagnostics.push(diagnostic);
            return;
        }
        path.push(next);
    }
}

/// The canonical rendering behind [`Spec::digest`]: one JSON value per resource, in dependency
/// order, with fixed field order. Origins (file and line) are left out on purpose.
fn digest(account: &AccountSettings, resources: &[Resource]) -> String {
    let mut hasher = Sha256::new();
    let account = serde_json::json!(["account", account.id, account.deployment_name_prefix]);
    hasher.update(account.to_string().as_bytes());
    hasher.update(b"\n");
    for resource in resources {
        hasher.update(canonical(resource).to_string().as_bytes());
        hasher.update(b"\n");
    }
    hasher
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

fn canonical(resource: &Resource) -> serde_json::Value {
    use serde_json::json;
    let addresses = |list: &[Address]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
    let optional = |address: &Option<Address>| address.as_ref().map(ToString::to_string);
    let config = match &resource.config {
        ResourceConfig::Credentials(config) => json!([config.name, config.role_arn]),
        ResourceConfig::StorageConfiguration(config) => {
            json!([config.name, config.bucket_name, config.role_arn])
        }
        ResourceConfig::CustomerManagedKey(config) => json!([
            config.key_arn,
            config.key_alias,
            config
                .use_cases
                .iter()
                .map(|use_case| use_case.as_str())
                .collect::<Vec<_>>(),
            config.reuse_key_for_cluster_volumes,
        ]),
        ResourceConfig::VpcEndpoint(config) => {
            json!([config.name, config.aws_vpc_endpoint_id, config.region])
        }
        ResourceConfig::Network(config) => json!([
            config.name,
            config.vpc_id,
            config.subnet_ids,
            config.security_group_ids,
            addresses(&config.rest_api_endpoints),
            addresses(&config.dataplane_relay_endpoints),
        ]),
        ResourceConfig::PrivateAccessSettings(config) => json!([
            config.name,
            config.region,
            config.public_access_enabled,
            config
                .private_access_level
                .as_ref()
                .map(|level| level.as_str()),
            addresses(&config.allowed_vpc_endpoints),
        ]),
        ResourceConfig::Workspace(config) => json!([
            config.workspace_name,
            config.deployment_name,
            config.aws_region,
            optional(&config.credentials),
            optional(&config.storage_configuration),
            optional(&config.network),
            optional(&config.managed_services_key),
            optional(&config.storage_key),
            optional(&config.private_access_settings),
            config.pricing_tier.as_ref().map(|tier| tier.as_str()),
            config.custom_tags.iter().collect::<Vec<_>>(),
        ]),
    };
    json!([
        resource.address.to_string(),
        resource.ensure == Ensure::Absent,
        resource.existing,
        resource.lifecycle.prevent_destroy,
        resource.lifecycle.ignore_changes,
        config,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Lifecycle, NetworkConfig, Origin, VpcEndpointConfig};
    use crate::source::{Loc, Sources};

    fn resource(kind: Kind, key: &str, config: ResourceConfig) -> Resource {
        Resource {
            address: Address::new(kind, key),
            ensure: Ensure::Present,
            existing: false,
            lifecycle: Lifecycle {
                prevent_destroy: false,
                ignore_changes: Vec::new(),
            },
            config,
            origin: Origin {
                file: "t.yaml".to_owned(),
                line: 1,
                column: 1,
            },
        }
    }

    fn endpoint(key: &str) -> Resource {
        resource(
            Kind::VpcEndpoint,
            key,
            ResourceConfig::VpcEndpoint(VpcEndpointConfig {
                name: key.to_owned(),
                aws_vpc_endpoint_id: "vpce-0".to_owned(),
                region: "us-west-2".to_owned(),
            }),
        )
    }

    /// References only ever point at earlier kinds, so a spec cannot spell a cycle today; the
    /// check guards the invariant the planner relies on, and is tested on the graph directly.
    #[test]
    fn a_cycle_is_reported_with_every_step() {
        let mut sources = Sources::default();
        let id = sources.add("t.yaml", "0123456789");
        let network = resource(
            Kind::Network,
            "main",
            ResourceConfig::Network(NetworkConfig {
                name: "main".to_owned(),
                vpc_id: "vpc-0".to_owned(),
                subnet_ids: Vec::new(),
                security_group_ids: Vec::new(),
                rest_api_endpoints: Vec::new(),
                dataplane_relay_endpoints: Vec::new(),
            }),
        );
        let reference = |from: &Resource, to: &Resource, at: usize| Reference {
            from: from.address.clone(),
            field: "test",
            to: to.address.clone(),
            loc: Loc::new(id, at, at + 1),
        };
        let (rest, relay) = (endpoint("rest"), endpoint("relay"));
        let references = vec![
            reference(&network, &rest, 1),
            reference(&rest, &relay, 2),
            reference(&relay, &network, 3),
        ];
        let validated = Validated {
            account: AccountSettings::default(),
            resources: vec![network, rest, relay],
            references,
        };
        let mut diagnostics = Diagnostics::default();
        assert!(build(validated, &mut diagnostics).is_none());
        let reported = diagnostics.finish(&sources);
        assert_eq!(reported.len(), 1);
        assert_eq!(reported[0].code, Code::DependencyCycle);
        assert_eq!(
            reported[0].message,
            "dependency cycle: `vpc_endpoints.relay` -> `networks.main` -> `vpc_endpoints.rest` -> `vpc_endpoints.relay`"
        );
        assert_eq!(reported[0].secondary.len(), 2);
    }
}
