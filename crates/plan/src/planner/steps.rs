//! Pass 5: the executable steps, as a DAG in a valid order.
//!
//! Edges say why a step waits: it needs an object another step creates; it deletes an object
//! that other steps must first stop using; it re-creates an identity a delete must free first
//! (delete-first replacement); its network needs subnets or an attachment a delete frees. The
//! order is Kahn's, with ties broken by a fixed rank (creates and updates in dependency order,
//! deletes in reverse), so a plan reads the same every time.
//!
//! A cycle is not a crash: it means an object in use must be replaced while its users move
//! over to the replacement, so the old and the new one would have to exist at once under one
//! identity. It is reported as a plan problem naming the chain and what to change.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use spec::{Address, Kind};

use super::{Cause, Fate, FinalId, Planner, Prerequisite, Update};
use crate::failure::ProblemCode;
use crate::live::LiveId;
use crate::model::{Operation, Step};
use crate::rules::object_rule;

/// Why a step waits for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// It needs the id of an object the other step creates.
    References,
    /// It deletes an object the other step stops using.
    StopsUsing,
    /// It creates an object under the identity the other step's delete frees.
    SameIdentity,
    /// Its network claims subnets or security groups the other step's delete frees.
    SharedNetworkResources,
    /// Its workspace takes a network the other step detaches.
    NetworkAttachment,
    /// The workspace must be RUNNING first.
    Waits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum NodeKey {
    Create(usize),
    Patch(usize),
    Put(usize),
    Wait(usize),
    Delete(usize),
}

struct Node {
    key: NodeKey,
    address: Address,
    description: String,
    operation: Operation,
    produces: Option<Address>,
    depends_on: Vec<(usize, Why)>,
}

impl Planner<'_> {
    pub(crate) fn build_steps(&mut self) -> Vec<Step> {
        let mut nodes: Vec<Node> = Vec::new();
        let mut by_key: HashMap<NodeKey, usize> = HashMap::new();
        let mut add = |nodes: &mut Vec<Node>, node: Node| {
            by_key.insert(node.key, nodes.len());
            nodes.push(node);
        };
        for position in 0..self.states.len() {
            for node in self.nodes_of(position) {
                add(&mut nodes, node);
            }
        }
        for deletion in 0..self.deletions.len() {
            let node = self.delete_node(deletion);
            add(&mut nodes, node);
        }
        for node in &mut nodes {
            node.depends_on = self.dependencies(node.key, &by_key);
        }
        match order(&nodes) {
            Ok(order) => {
                let mut step_of = vec![0usize; nodes.len()];
                for (step, &node) in order.iter().enumerate() {
                    step_of[node] = step;
                }
                order
                    .iter()
                    .enumerate()
                    .map(|(step, &index)| {
                        let node = &nodes[index];
                        let mut depends_on: Vec<usize> = node
                            .depends_on
                            .iter()
                            .map(|&(dependency, _)| step_of[dependency])
                            .collect();
                        depends_on.sort_unstable();
                        depends_on.dedup();
                        Step {
                            id: step,
                            address: node.address.clone(),
                            description: node.description.clone(),
                            operation: node.operation.clone(),
                            depends_on,
                            produces: node.produces.clone(),
                        }
                    })
                    .collect()
            }
            Err(stuck) => {
                self.explain_cycles(&nodes, &stuck);
                Vec::new()
            }
        }
    }

    /// The steps a spec resource contributes.
    fn nodes_of(&self, position: usize) -> Vec<Node> {
        let state = &self.states[position];
        let address = state.resource.address.clone();
        let mut nodes = Vec::new();
        let workspace_id = || {
            state
                .matched
                .and_then(|live_id| self.live.get(live_id).workspace())
                .map(|workspace| workspace.workspace_id)
                .unwrap_or_default()
        };
        if state.fate == Fate::Wait || (state.fate == Fate::Update && state.wait_first) {
            nodes.push(Node {
                key: NodeKey::Wait(position),
                description: format!("wait for {address} to be RUNNING"),
                operation: Operation::WaitForWorkspace {
                    workspace_id: workspace_id(),
                },
                address: address.clone(),
                produces: None,
                depends_on: Vec::new(),
            });
        }
        if matches!(state.fate, Fate::Create | Fate::Replace | Fate::Recreate)
            && let Some(request) = &state.request
        {
            let label = state
                .desired_object
                .as_ref()
                .map(|object| crate::fresh::label_of_wire(address.kind, object))
                .unwrap_or_default();
            nodes.push(Node {
                key: NodeKey::Create(position),
                description: format!("create {address} `{label}`"),
                operation: Operation::Create {
                    request: request.clone(),
                },
                address: address.clone(),
                produces: Some(address.clone()),
                depends_on: Vec::new(),
            });
        }
        match &state.update {
            Some(Update::Patch(request)) if matches!(state.fate, Fate::Update | Fate::Redeploy) => {
                let verb = if state.fate == Fate::Redeploy {
                    "redeploy"
                } else {
                    "update"
                };
                nodes.push(Node {
                    key: NodeKey::Patch(position),
                    description: format!(
                        "{verb} {address} (PATCH {})",
                        request.mask_fields().join(", ")
                    ),
                    operation: Operation::UpdateWorkspace {
                        workspace_id: workspace_id(),
                        request: request.clone(),
                    },
                    address: address.clone(),
                    produces: None,
                    depends_on: Vec::new(),
                });
            }
            Some(Update::Put(request)) if state.fate == Fate::Update => {
                let id = state
                    .matched
                    .map(|live_id| self.live.get(live_id).id())
                    .unwrap_or_default();
                nodes.push(Node {
                    key: NodeKey::Put(position),
                    description: format!("update {address} (PUT)"),
                    operation: Operation::ReplacePrivateAccessSettings {
                        private_access_settings_id: id,
                        request: request.clone(),
                    },
                    address,
                    produces: None,
                    depends_on: Vec::new(),
                });
            }
            _ => {}
        }
        nodes
    }

    fn delete_node(&self, deletion: usize) -> Node {
        let deletion_state = &self.deletions[deletion];
        let object = self.live.get(deletion_state.live);
        let address = deletion_state.address.clone();
        let label = object.label();
        let description = match &deletion_state.cause {
            Cause::Previous { .. } => {
                format!("delete `{label}`, the previous object of {address}")
            }
            Cause::Replaced | Cause::Recreated => format!("delete the old {address} `{label}`"),
            Cause::Absent | Cause::Destroy => format!("delete {address} `{label}`"),
        };
        Node {
            key: NodeKey::Delete(deletion),
            description,
            operation: Operation::Delete {
                kind: address.kind,
                id: object.id(),
                name: label,
            },
            address,
            produces: None,
            depends_on: Vec::new(),
        }
    }

    /// What a step waits for.
    fn dependencies(
        &mut self,
        key: NodeKey,
        by_key: &HashMap<NodeKey, usize>,
    ) -> Vec<(usize, Why)> {
        let mut depends_on = Vec::new();
        let creates_of =
            |planner: &Planner<'_>, position: usize, depends_on: &mut Vec<(usize, Why)>| {
                for (_, address) in planner.states[position].resource.references() {
                    if planner.final_id(address) == FinalId::New
                        && let Some(&created) = planner
                            .index
                            .get(address)
                            .and_then(|&referenced| by_key.get(&NodeKey::Create(referenced)))
                    {
                        depends_on.push((created, Why::References));
                    }
                }
            };
        match key {
            NodeKey::Create(position) => {
                creates_of(self, position, &mut depends_on);
                if matches!(self.states[position].fate, Fate::Replace | Fate::Recreate)
                    && let Some(live_id) = self.states[position].matched
                    && let Some(&deletion) = self.deleted.get(&live_id)
                    && let Some(&node) = by_key.get(&NodeKey::Delete(deletion))
                {
                    depends_on.push((node, Why::SameIdentity));
                }
                self.network_resources(position, by_key, &mut depends_on);
                self.network_attachment(position, by_key, &mut depends_on);
            }
            NodeKey::Patch(position) => {
                creates_of(self, position, &mut depends_on);
                if let Some(&wait) = by_key.get(&NodeKey::Wait(position)) {
                    depends_on.push((wait, Why::Waits));
                }
                self.network_attachment(position, by_key, &mut depends_on);
            }
            NodeKey::Put(position) => creates_of(self, position, &mut depends_on),
            NodeKey::Wait(_) => {}
            NodeKey::Delete(deletion) => {
                for prerequisite in self.deletions[deletion].after.clone() {
                    let node = match prerequisite {
                        Prerequisite::Deletion(other) => by_key.get(&NodeKey::Delete(other)),
                        Prerequisite::Update(position) => by_key
                            .get(&NodeKey::Patch(position))
                            .or_else(|| by_key.get(&NodeKey::Put(position))),
                    };
                    if let Some(&node) = node {
                        depends_on.push((node, Why::StopsUsing));
                    }
                }
            }
        }
        depends_on
    }

    /// A new network's subnets and security groups must not belong to another network when
    /// it is created: wait for the delete of the network that holds them, or report it.
    fn network_resources(
        &mut self,
        position: usize,
        by_key: &HashMap<NodeKey, usize>,
        depends_on: &mut Vec<(usize, Why)>,
    ) {
        let state = &self.states[position];
        let Some(crate::model::CreateRequest::Network(request)) = &state.request else {
            return;
        };
        let address = state.resource.address.clone();
        let claimed: Vec<&str> = request
            .subnet_ids
            .iter()
            .chain(&request.security_group_ids)
            .map(String::as_str)
            .collect();
        for (holder, shared) in self.live.networks_sharing(&claimed) {
            self.read(holder);
            if let Some(&node) = self
                .deleted
                .get(&holder)
                .and_then(|&deletion| by_key.get(&NodeKey::Delete(deletion)))
            {
                if Some(holder) != self.states[position].matched {
                    depends_on.push((node, Why::SharedNetworkResources));
                }
                continue;
            }
            let described = self.describe(holder);
            self.problem(
                ProblemCode::NetworkConflict,
                Some(&address),
                format!(
                    "`{address}` needs {}, which {described} already claims",
                    shared.join(", ")
                ),
                Some(format!(
                    "use other subnets and security groups for {address}; {}",
                    object_rule("subnets-belong-to-one-network").rule
                )),
            );
        }
    }

    /// A workspace that takes a live network: the network must not stay attached to another
    /// workspace.
    fn network_attachment(
        &mut self,
        position: usize,
        by_key: &HashMap<NodeKey, usize>,
        depends_on: &mut Vec<(usize, Why)>,
    ) {
        let state = &self.states[position];
        let spec::ResourceConfig::Workspace(config) = &state.resource.config else {
            return;
        };
        let Some(network_address) = &config.network else {
            return;
        };
        let FinalId::Live(network) = self.final_id(network_address) else {
            return;
        };
        let address = state.resource.address.clone();
        let this = state.matched;
        let attached: Vec<LiveId> = self
            .live
            .referrers(network)
            .iter()
            .filter(|referrer| referrer.field == "network" && Some(referrer.holder) != this)
            .map(|referrer| referrer.holder)
            .collect();
        for other in attached {
            self.read(other);
            if let Some(&deletion) = self.deleted.get(&other) {
                if let Some(&node) = by_key.get(&NodeKey::Delete(deletion)) {
                    depends_on.push((node, Why::NetworkAttachment));
                }
                continue;
            }
            if !self.final_references(other, "network").contains(&network) {
                if let Some(&node) = self
                    .matched_by
                    .get(&other)
                    .and_then(|&updater| by_key.get(&NodeKey::Patch(updater)))
                {
                    depends_on.push((node, Why::NetworkAttachment));
                }
                continue;
            }
            let network_described = self.describe(network);
            let other_described = self.who(other);
            self.problem(
                ProblemCode::NetworkConflict,
                Some(&address),
                format!(
                    "`{address}` uses {network_described}, which stays attached to workspace {other_described}"
                ),
                Some(format!(
                    "give {address} its own network; {}",
                    object_rule("one-network-per-workspace").rule
                )),
            );
        }
    }

    /// Reports each cycle among the steps that could not be ordered.
    fn explain_cycles(&mut self, nodes: &[Node], stuck: &[usize]) {
        let mut reported = false;
        for component in strongly_connected(nodes, stuck) {
            if component.len() < 2 {
                continue;
            }
            for &index in &component {
                for &(dependency, why) in &nodes[index].depends_on {
                    if !component.contains(&dependency) {
                        continue;
                    }
                    match (why, nodes[index].key, nodes[dependency].key) {
                        (Why::SameIdentity, NodeKey::Create(position), NodeKey::Delete(_)) => {
                            let chain = path(nodes, &component, dependency, index);
                            self.report_same_identity(position, nodes, &chain);
                            reported = true;
                        }
                        (
                            Why::SharedNetworkResources,
                            NodeKey::Create(position),
                            NodeKey::Delete(deletion),
                        ) => {
                            let chain = path(nodes, &component, dependency, index);
                            self.report_shared_network(position, deletion, nodes, &chain);
                            reported = true;
                        }
                        _ => {}
                    }
                }
            }
            if !reported {
                let steps: Vec<String> = component
                    .iter()
                    .map(|&index| nodes[index].description.clone())
                    .collect();
                self.problem(
                    ProblemCode::StepCycle,
                    None,
                    format!("these steps would wait on each other: {}", steps.join("; ")),
                    Some("this is a brickform defect; please report it with the spec and `--format json` output of a smaller plan".to_owned()),
                );
            }
        }
    }

    fn report_same_identity(&mut self, position: usize, nodes: &[Node], chain: &[usize]) {
        let state = &self.states[position];
        let address = state.resource.address.clone();
        let (old, old_label) = state
            .matched
            .map(|live_id| (self.describe(live_id), self.live.get(live_id).label()))
            .unwrap_or_default();
        let waits: Vec<String> = chain
            .iter()
            .map(|&index| nodes[index].description.clone())
            .collect();
        let users: Vec<String> = chain
            .iter()
            .map(|&index| nodes[index].address.to_string())
            .filter(|user| *user != address.to_string())
            .collect();
        let why = state.reasons.first().cloned().unwrap_or_default();
        let identity = match address.kind {
            Kind::CustomerManagedKey => "key ARN and use cases",
            Kind::Workspace => "deployment name",
            _ => "name",
        };
        let hint = match address.kind {
            Kind::CustomerManagedKey => format!(
                "a key is identified by its ARN and use cases: register another key ARN for {address}, or add the changed fields to its `lifecycle.ignore_changes`"
            ),
            _ => format!(
                "give {address} a new `{}`: brickform then creates it, repoints {} and deletes `{old_label}` afterwards",
                if address.kind == Kind::Workspace {
                    "deployment_name"
                } else {
                    "name"
                },
                if users.is_empty() {
                    "its users".to_owned()
                } else {
                    users.join(", ")
                }
            ),
        };
        self.problem(
            ProblemCode::NeedsNewIdentity,
            Some(&address),
            format!(
                "`{address}` must be replaced ({why}), but {old} is in use: it can only be deleted after {}, so the old and the new object would exist at once with the same {identity}",
                waits.join(", then ")
            ),
            Some(format!("{hint} (rule `create-before-delete`)")),
        );
    }

    fn report_shared_network(
        &mut self,
        position: usize,
        deletion: usize,
        nodes: &[Node],
        chain: &[usize],
    ) {
        let address = self.states[position].resource.address.clone();
        let old = self.describe(self.deletions[deletion].live);
        let waits: Vec<String> = chain
            .iter()
            .map(|&index| nodes[index].description.clone())
            .collect();
        self.problem(
            ProblemCode::NetworkConflict,
            Some(&address),
            format!(
                "`{address}` reuses subnets or security groups of {old}, which can only be deleted after {}",
                waits.join(", then ")
            ),
            Some(format!(
                "give {address} other subnets and security groups: {}",
                object_rule("subnets-belong-to-one-network").rule
            )),
        );
    }
}

/// Kahn's algorithm with a fixed tie-break; on a cycle, the nodes that could not be ordered.
fn order(nodes: &[Node]) -> Result<Vec<usize>, Vec<usize>> {
    let mut waiting = vec![0usize; nodes.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (index, node) in nodes.iter().enumerate() {
        let mut seen: Vec<usize> = node
            .depends_on
            .iter()
            .map(|&(dependency, _)| dependency)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        waiting[index] = seen.len();
        for dependency in seen {
            dependents[dependency].push(index);
        }
    }
    let rank = |index: usize| {
        let node = &nodes[index];
        let kind_rank = Kind::ALL
            .iter()
            .position(|kind| *kind == node.address.kind)
            .unwrap_or(0);
        let (class, kind_rank) = match node.key {
            NodeKey::Wait(_) => (0, kind_rank),
            NodeKey::Create(_) | NodeKey::Put(_) | NodeKey::Patch(_) => (1, kind_rank),
            NodeKey::Delete(_) => (2, Kind::ALL.len() - kind_rank),
        };
        Reverse((class, kind_rank, node.address.to_string(), index))
    };
    let mut ready: BinaryHeap<_> = (0..nodes.len())
        .filter(|&index| waiting[index] == 0)
        .map(rank)
        .collect();
    let mut ordered = Vec::with_capacity(nodes.len());
    while let Some(Reverse((_, _, _, index))) = ready.pop() {
        ordered.push(index);
        for &dependent in &dependents[index] {
            waiting[dependent] -= 1;
            if waiting[dependent] == 0 {
                ready.push(rank(dependent));
            }
        }
    }
    if ordered.len() == nodes.len() {
        Ok(ordered)
    } else {
        Err((0..nodes.len())
            .filter(|&index| waiting[index] > 0)
            .collect())
    }
}

/// Tarjan's strongly connected components of the subgraph of `within`.
fn strongly_connected(nodes: &[Node], within: &[usize]) -> Vec<Vec<usize>> {
    struct Tarjan<'n> {
        nodes: &'n [Node],
        within: &'n [usize],
        counter: usize,
        index: HashMap<usize, usize>,
        low: HashMap<usize, usize>,
        stack: Vec<usize>,
        on_stack: Vec<bool>,
        components: Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, node: usize) {
            self.index.insert(node, self.counter);
            self.low.insert(node, self.counter);
            self.counter += 1;
            self.stack.push(node);
            self.on_stack[node] = true;
            for &(next, _) in &self.nodes[node].depends_on {
                if !self.within.contains(&next) {
                    continue;
                }
                if !self.index.contains_key(&next) {
                    self.visit(next);
                    let low = self.low[&node].min(self.low[&next]);
                    self.low.insert(node, low);
                } else if self.on_stack[next] {
                    let low = self.low[&node].min(self.index[&next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[&node] == self.index[&node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                component.sort_unstable();
                self.components.push(component);
            }
        }
    }
    let mut tarjan = Tarjan {
        nodes,
        within,
        counter: 0,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        on_stack: vec![false; nodes.len()],
        components: Vec::new(),
    };
    for &node in within {
        if !tarjan.index.contains_key(&node) {
            tarjan.visit(node);
        }
    }
    tarjan.components
}

/// The steps from `from` to `to` following dependencies inside `component`, excluding both
/// ends: what `from` waits for, in order, before it reaches `to`.
fn path(nodes: &[Node], component: &[usize], from: usize, to: usize) -> Vec<usize> {
    let mut previous: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(node) = queue.pop_front() {
        if node == to {
            break;
        }
        for &(next, _) in &nodes[node].depends_on {
            if component.contains(&next) && next != from && !previous.contains_key(&next) {
                previous.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    let mut chain = Vec::new();
    let mut current = to;
    while let Some(&before) = previous.get(&current) {
        if before == from {
            break;
        }
        chain.push(before);
        current = before;
    }
    chain.reverse();
    chain
}
