//! Entry points: sources (or paths) and options in, a validated [`Spec`] or every diagnostic
//! out.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic, Diagnostics, Pending, Severity};
use crate::graph::{self, Spec};
use crate::interpolate::Environment;
use crate::raw;
use crate::render::render;
use crate::source::{Loc, Source, Sources};
use crate::validate::{self, ParsedDocument};
use crate::yaml::{self, Value};

/// What a load needs besides the spec text.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--var NAME=VALUE` pairs, in command-line order (later ones win).
    pub variables: Vec<(String, String)>,
    /// The contents of `--var-file` files, in command-line order: YAML mappings from variable
    /// names to values. `--var` pairs override them.
    pub variable_files: Vec<Source>,
    /// Where `${env.NAME}` values come from.
    pub environment: Environment,
}

/// A valid spec, with the warnings it raised and the texts they point into.
#[derive(Debug)]
pub struct Loaded {
    pub spec: Spec,
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
}

/// An invalid spec: every diagnostic (errors and warnings, in source order) and the texts they
/// point into.
pub struct Failed {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

impl Failed {
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }

    /// Every diagnostic rendered as plain text, separated by blank lines.
    pub fn render(&self) -> String {
        self.diagnostics
            .iter()
            .map(|diagnostic| render(diagnostic, &self.sources, false))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl fmt::Debug for Failed {
    /// The rendered diagnostics, so that `load_sources(..).unwrap()` in a test shows them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\n")?;
        f.write_str(&self.render())
    }
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.error_count();
        write!(
            f,
            "the spec has {errors} error{}",
            if errors == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Failed {}

/// Why [`load_paths`] produced no spec.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or directory could not be read; the error names the path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("`{}` holds no `*.yaml` or `*.yml` file", path.display())]
    NoSpecFiles { path: PathBuf },
    #[error("no spec path was given")]
    NoPaths,
    #[error(transparent)]
    Invalid(#[from] Failed),
}

/// Loads and validates a spec from in-memory sources, merged in the order given.
///
/// Pure: no file system, no process environment (see [`LoadOptions::environment`]).
pub fn load_sources(sources: &[Source], options: &LoadOptions) -> Result<Loaded, Failed> {
    let mut all_sources = Sources::default();
    let mut diagnostics = Diagnostics::default();

    let mut documents = Vec::new();
    for source in sources {
        let id = all_sources.add(&source.name, &source.text);
        let nodes = yaml::parse(id, &source.text, &mut diagnostics);
        if nodes.is_empty() && !source.text.trim().is_empty() && diagnostics.has_errors() {
            continue;
        }
        if nodes.is_empty() {
            diagnostics.push(
                Pending::new(
                    Code::EmptyDocument,
                    Loc::new(id, 0, 0),
                    format!("`{}` is empty", source.name),
                )
                .label("no spec document here")
                .help("start the file with `version: 1`, or remove it"),
            );
        }
        for node in nodes {
            let first_key = match &node.value {
                Value::Mapping(entries) if !entries.is_empty() => entries[0].key_loc,
                _ => node.loc,
            };
            if let Some(document) = raw::decode_document(&node, &mut diagnostics) {
                documents.push(ParsedDocument {
                    first_key,
                    raw: document,
                });
            }
        }
    }

    let mut variable_files = Vec::new();
    for file in &options.variable_files {
        let id = all_sources.add(&file.name, &file.text);
        for node in yaml::parse(id, &file.text, &mut diagnostics) {
            if let Some(map) = raw::decode_variables(&node, &mut diagnostics) {
                variable_files.push((id, map));
            }
        }
    }
    let overrides: Vec<(String, String, Loc)> = options
        .variables
        .iter()
        .map(|(name, value)| {
            let id = all_sources.add("--var", &format!("{name}={value}"));
            (name.clone(), value.clone(), Loc::new(id, 0, name.len()))
        })
        .collect();

    let variables =
        validate::collect_variables(&documents, &variable_files, &overrides, &mut diagnostics);
    let validated = validate::validate(
        &documents,
        variables,
        &options.environment,
        &all_sources,
        &mut diagnostics,
    );
    let spec = if diagnostics.has_errors() {
        None
    } else {
        graph::build(validated, &mut diagnostics)
    };
    let diagnostics = diagnostics.finish(&all_sources);
    match spec {
        Some(spec) if !diagnostics.iter().any(Diagnostic::is_error) => {
            tracing::debug!(
                resources = spec.resources().len(),
                warnings = diagnostics.len(),
                "spec loaded"
            );
            Ok(Loaded {
                spec,
                warnings: diagnostics,
                sources: all_sources,
            })
        }
        _ => Err(Failed {
            diagnostics,
            sources: all_sources,
        }),
    }
}

/// Loads and validates a spec from files and directories. A directory means its `*.yaml` and
/// `*.yml` files (not subdirectories), in name order; a file given twice is read once.
pub fn load_paths(paths: &[PathBuf], options: &LoadOptions) -> Result<Loaded, LoadError> {
    if paths.is_empty() {
        return Err(LoadError::NoPaths);
    }
    let mut files = Vec::new();
    for path in paths {
        if fs_err::metadata(path)?.is_dir() {
            let mut entries = Vec::new();
            for entry in fs_err::read_dir(path)? {
                let entry_path = entry?.path();
                if is_spec_file(&entry_path) && entry_path.is_file() {
                    entries.push(entry_path);
                }
            }
            if entries.is_empty() {
                return Err(LoadError::NoSpecFiles { path: path.clone() });
            }
            entries.sort();
            files.extend(entries);
        } else {
            files.push(path.clone());
        }
    }
    let mut seen = HashSet::new();
    let mut sources = Vec::with_capacity(files.len());
    for file in files {
        let identity = fs_err::canonicalize(&file)?;
        if !seen.insert(identity) {
            continue;
        }
        let text = fs_err::read_to_string(&file)?;
        sources.push(Source::new(file.display().to_string(), text));
    }
    Ok(load_sources(&sources, options)?)
}

fn is_spec_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == "yaml" || extension == "yml")
}

/// Counts of a diagnostic list, for summaries: `(errors, warnings)`.
pub fn counts(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .count();
    (errors, diagnostics.len() - errors)
}
