//! Repository invariants, checked by `cargo test` rather than by memory.
//!
//! - The crate layering of `ARCHITECTURE.md`: no forbidden dependency edge, direct or transitive.
//! - Every Rust file opens with a `//!` header saying what it is for.
//! - No test is switched off and no stub is landed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// (crate, crates it must not reach through normal dependencies, why).
const FORBIDDEN: &[(&str, &[&str], &str)] = &[
    (
        "brickform-api-types",
        &["tokio", "reqwest", "axum"],
        "wire types have no IO and nothing async",
    ),
    (
        "brickform-emulator",
        &[
            "brickform-client",
            "brickform-spec",
            "brickform-plan",
            "brickform-apply",
        ],
        "the emulator and the client must agree on the wire only through api-types",
    ),
    (
        "brickform-client",
        &[
            "brickform-spec",
            "brickform-plan",
            "brickform-apply",
            "brickform-emulator",
        ],
        "the client knows the API, not the spec or the plan",
    ),
    (
        "brickform-spec",
        &["tokio", "reqwest", "axum", "brickform-client"],
        "the spec takes text and does no IO of its own",
    ),
    (
        "brickform-plan",
        &["tokio", "reqwest", "axum", "brickform-client"],
        "the planner is pure: it takes a snapshot as data",
    ),
    (
        "brickform-apply",
        &["clap", "brickform-emulator"],
        "the applier runs plans; it neither parses arguments nor embeds a server",
    ),
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Package name -> names of its normal (non-dev, non-build) dependencies, for every package.
fn normal_dependency_graph() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(workspace_root())
        .output()
        .expect("running `cargo metadata`");
    assert!(
        output.status.success(),
        "`cargo metadata` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let name_of: BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            (
                package["id"].as_str().unwrap(),
                package["name"].as_str().unwrap(),
            )
        })
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for node in metadata["resolve"]["nodes"].as_array().unwrap() {
        let from = name_of[node["id"].as_str().unwrap()].to_owned();
        let entry = graph.entry(from).or_default();
        for dependency in node["deps"].as_array().unwrap() {
            let is_normal = dependency["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|kind| kind["kind"].is_null());
            if is_normal {
                entry.insert(name_of[dependency["pkg"].as_str().unwrap()].to_owned());
            }
        }
    }
    graph
}

/// The path from `from` to `to` through normal dependencies, if there is one.
fn dependency_path(
    graph: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    to: &str,
) -> Option<Vec<String>> {
    let mut parents: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([from]);
    let mut seen = BTreeSet::from([from]);
    while let Some(current) = queue.pop_front() {
        if current == to {
            let mut path = vec![to.to_owned()];
            let mut cursor = to;
            while let Some(parent) = parents.get(cursor) {
                path.push((*parent).to_owned());
                cursor = parent;
            }
            path.reverse();
            return Some(path);
        }
        for next in graph.get(current).into_iter().flatten() {
            if seen.insert(next.as_str()) {
                parents.insert(next.as_str(), current);
                queue.push_back(next.as_str());
            }
        }
    }
    None
}

#[test]
fn crate_layering_has_no_forbidden_edge() {
    let graph = normal_dependency_graph();
    let mut violations = Vec::new();
    for (krate, forbidden, why) in FORBIDDEN {
        assert!(
            graph.contains_key(*krate),
            "`{krate}` is not in the workspace"
        );
        for target in *forbidden {
            if let Some(path) = dependency_path(&graph, krate, target) {
                violations.push(format!("{} ({why})", path.join(" -> ")));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "forbidden dependency edges:\n  {}",
        violations.join("\n  ")
    );
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, files);
            }
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
}

fn workspace_rust_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "tests", "benches"] {
        if root.join(dir).is_dir() {
            rust_files(&root.join(dir), &mut files);
        }
    }
    files.sort();
    files
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let files = workspace_rust_files();
    assert!(files.len() > 10, "found only {} Rust files", files.len());
    let missing: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            let first = text.lines().find(|line| !line.trim().is_empty());
            !first.is_some_and(|line| line.starts_with("//!"))
        })
        .map(|path| {
            path.strip_prefix(workspace_root())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` header: {missing:?}"
    );
}

#[test]
fn no_test_is_switched_off_and_no_stub_is_landed() {
    // Spelled in pieces so that this file does not match itself.
    let banned = [
        concat!("#[", "ignore"),
        concat!("#[", "should_panic"),
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
    ];
    let mut hits = Vec::new();
    for path in workspace_rust_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        for (index, line) in text.lines().enumerate() {
            for pattern in banned {
                if line.contains(pattern) {
                    let relative = path.strip_prefix(workspace_root()).unwrap();
                    hits.push(format!("{}:{}: {pattern}", relative.display(), index + 1));
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "banned constructs:\n  {}",
        hits.join("\n  ")
    );
}
