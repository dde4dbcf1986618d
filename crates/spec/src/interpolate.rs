//! `${var.NAME}` and `${env.NAME}` in string values.
//!
//! Variables come from the spec's `variables:` sections, then variable files, then `--var`
//! pairs, each overriding the one before. Values are taken literally: a value that itself
//! contains `${...}` is not expanded again, so there is no recursion to go wrong. `$${` writes a
//! literal `${`. The environment is injected ([`Environment`]): the library never reads the
//! process environment itself, so tests can run in parallel with their own.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostics, Pending, did_you_mean};
use crate::raw::Spanned;
use crate::source::{Loc, Sources};

/// A lookup from environment variable names to values.
type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Where `${env.NAME}` values come from.
#[derive(Clone)]
pub struct Environment(Arc<Lookup>);

impl Environment {
    /// No variable is set.
    pub fn empty() -> Environment {
        Environment(Arc::new(|_| None))
    }

    /// Looks names up with a function, e.g. `|name| std::env::var(name).ok()`.
    pub fn from_fn(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Environment {
        Environment(Arc::new(lookup))
    }

    /// A fixed set of variables, for tests.
    pub fn from_pairs<N: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Environment {
        let values: HashMap<String, String> = pairs
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()))
            .collect();
        Environment(Arc::new(move |name| values.get(name).cloned()))
    }

    pub(crate) fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }
}

impl Default for Environment {
    fn default() -> Self {
        Environment::empty()
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Environment values may be secrets: never print them.
        f.write_str("Environment(..)")
    }
}

/// Where a variable's value was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VariableOrigin {
    /// Declared under `variables:` in the spec.
    Spec,
    /// Set by a `--var-file` or a `--var`.
    CommandLine,
}

#[derive(Debug, Clone)]
pub(crate) struct Variable {
    /// `None`: declared without a value, so one must be given on the command line.
    pub(crate) value: Option<String>,
    pub(crate) loc: Loc,
    pub(crate) origin: VariableOrigin,
    /// Whether the spec declares it (a command-line value may override a declaration).
    pub(crate) declared: bool,
}

/// The resolved variables and what was used of them.
#[derive(Debug, Default)]
pub(crate) struct Variables {
    pub(crate) values: HashMap<String, Variable>,
    used: HashSet<String>,
}

impl Variables {
    /// Declares a variable from the spec; a second declaration is an error.
    pub(crate) fn declare(
        &mut self,
        name: &Spanned<String>,
        value: Option<String>,
        diagnostics: &mut Diagnostics,
    ) {
        if let Some(first) = self.values.get(&name.value) {
            diagnostics.push(
                Pending::new(
                    Code::DuplicateDefinition,
                    name.loc,
                    format!("variable `{}` is declared twice", name.value),
                )
                .label("declared again here")
                .secondary(first.loc, "first declared here")
                .help("keep one declaration"),
            );
            return;
        }
        self.values.insert(
            name.value.clone(),
            Variable {
                value,
                loc: name.loc,
                origin: VariableOrigin::Spec,
                declared: true,
            },
        );
    }

    /// Sets a variable from a variable file or `--var`; later settings win.
    pub(crate) fn set(&mut self, name: &str, value: String, loc: Loc) {
        let declared = self
            .values
            .get(name)
            .is_some_and(|variable| variable.declared);
        self.values.insert(
            name.to_owned(),
            Variable {
                value: Some(value),
                loc,
                origin: VariableOrigin::CommandLine,
                declared,
            },
        );
    }

    /// Command-line variables the spec neither declares nor uses, usually a typo.
    pub(crate) fn report_unused(&self, diagnostics: &mut Diagnostics) {
        let mut unused: Vec<(&String, &Variable)> = self
            .values
            .iter()
            .filter(|(name, variable)| {
                variable.origin == VariableOrigin::CommandLine
                    && !variable.declared
                    && !self.used.contains(*name)
            })
            .collect();
        unused.sort_by_key(|(_, variable)| variable.loc);
        for (name, variable) in unused {
            let candidates = self
                .values
                .iter()
                .filter(|(_, other)| other.declared)
                .map(|(other, _)| other.as_str());
            let help = did_you_mean(name, candidates)
                .unwrap_or_else(|| "declare it under `variables:` or remove it".to_owned());
            diagnostics.push(
                Pending::new(
                    Code::UnusedVariable,
                    variable.loc,
                    format!("variable `{name}` is set but never used"),
                )
                .label("set here")
                .help(help),
            );
        }
    }
}

/// Expands interpolations, reporting each failure at its own span.
pub(crate) struct Interpolator<'a> {
    pub(crate) variables: &'a mut Variables,
    pub(crate) environment: &'a Environment,
    pub(crate) sources: &'a Sources,
}

impl Interpolator<'_> {
    /// The text with every `${...}` replaced, or `None` when any of them failed (each failure
    /// is reported).
    pub(crate) fn resolve(
        &mut self,
        text: &Spanned<String>,
        diagnostics: &mut Diagnostics,
    ) -> Option<String> {
        let raw = text.value.as_str();
        if !raw.contains('$') {
            return Some(raw.to_owned());
        }
        let mut output = String::with_capacity(raw.len());
        let mut ok = true;
        let mut rest = raw;
        while let Some(index) = rest.find('$') {
            output.push_str(&rest[..index]);
            let tail = &rest[index..];
            if let Some(after) = tail.strip_prefix("$${") {
                output.push_str("${");
                rest = after;
                continue;
            }
            if !tail.starts_with("${") {
                output.push('$');
                rest = &tail[1..];
                continue;
            }
            let Some(close) = tail.find('}') else {
                self.malformed(text, tail, diagnostics);
                return None;
            };
            let token = &tail[..=close];
            match self.expand(text, token, diagnostics) {
                Some(value) => output.push_str(&value),
                None => ok = false,
            }
            rest = &tail[close + 1..];
        }
        output.push_str(rest);
        ok.then_some(output)
    }

    fn expand(
        &mut self,
        text: &Spanned<String>,
        token: &str,
        diagnostics: &mut Diagnostics,
    ) -> Option<String> {
        let inner = &token[2..token.len() - 1];
        let loc = token_loc(self.sources, text, token);
        if let Some(name) = inner
            .strip_prefix("var.")
            .filter(|name| is_name(name, true))
        {
            self.variables.used.insert(name.to_owned());
            match self.variables.values.get(name) {
                Some(Variable {
                    value: Some(value), ..
                }) => Some(value.clone()),
                Some(Variable {
                    value: None,
                    loc: declared,
                    ..
                }) => {
                    diagnostics.push(
                        Pending::new(
                            Code::UndefinedVariable,
                            loc,
                            format!("variable `{name}` has no value"),
                        )
                        .label("used here")
                        .secondary(*declared, "declared without a value")
                        .help(format!(
                            "pass `--var {name}=VALUE`, or set it in a `--var-file`"
                        )),
                    );
                    None
                }
                None => {
                    let candidates = self.variables.values.keys().map(String::as_str);
                    let help = did_you_mean(name, candidates).unwrap_or_else(|| {
                        format!("declare it under `variables:`, or pass `--var {name}=VALUE`")
                    });
                    diagnostics.push(
                        Pending::new(
                            Code::UndefinedVariable,
                            loc,
                            format!("undefined variable `{name}`"),
                        )
                        .label("no value for this variable")
                        .help(help),
                    );
                    None
                }
            }
        } else if let Some(name) = inner
            .strip_prefix("env.")
            .filter(|name| is_name(name, false))
        {
            let value = self.environment.get(name);
            if value.is_none() {
                diagnostics.push(
                    Pending::new(
                        Code::UndefinedEnvironmentVariable,
                        loc,
                        format!("environment variable `{name}` is not set"),
                    )
                    .label("not set")
                    .help(format!("set `{name}` in the environment brickform runs in")),
                );
            }
            value
        } else {
            self.malformed(text, token, diagnostics);
            None
        }
    }

    fn malformed(&self, text: &Spanned<String>, token: &str, diagnostics: &mut Diagnostics) {
        let loc = token_loc(self.sources, text, token);
        diagnostics.push(
            Pending::new(
                Code::MalformedInterpolation,
                loc,
                format!("cannot interpolate `{token}`"),
            )
            .label("not `${var.NAME}` or `${env.NAME}`")
            .help("write `${var.NAME}` or `${env.NAME}`; write `$${` for a literal `${`"),
        );
    }
}

fn is_name(name: &str, allow_hyphen: bool) -> bool {
    let mut characters = name.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && characters.all(|character| {
            character.is_ascii_alphanumeric()
                || character == '_'
                || (allow_hyphen && character == '-')
        })
}

/// The location of `token` in the source: inside the scalar when it is written there verbatim
/// (it always is, unless escapes in a double-quoted string moved it), else the whole scalar.
fn token_loc(sources: &Sources, text: &Spanned<String>, token: &str) -> Loc {
    let source_text = sources.slice(text.loc);
    match source_text.find(token) {
        Some(index) => text.loc.sub(index, index + token.len()),
        None => text.loc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;

    fn resolve(text: &str, environment: &Environment) -> (Option<String>, Vec<String>) {
        let mut sources = Sources::default();
        let id = sources.add("t.yaml", text);
        let mut variables = Variables::default();
        variables.set("region", "eu-west-1".to_owned(), Loc::new(id, 0, 0));
        let mut diagnostics = Diagnostics::default();
        let spanned = Spanned {
            value: text.to_owned(),
            loc: Loc::new(id, 0, text.len()),
        };
        let mut interpolator = Interpolator {
            variables: &mut variables,
            environment,
            sources: &sources,
        };
        let value = interpolator.resolve(&spanned, &mut diagnostics);
        let messages = diagnostics
            .finish(&sources)
            .into_iter()
            .map(|diagnostic| {
                format!(
                    "{} {}..{} {}",
                    diagnostic.code,
                    diagnostic.primary.span.start,
                    diagnostic.primary.span.end,
                    diagnostic.message
                )
            })
            .collect();
        (value, messages)
    }

    #[test]
    fn variables_environment_and_escapes_expand() {
        let environment = Environment::from_pairs([("ACCOUNT", "acc-1")]);
        let (value, messages) = resolve(
            "x-${var.region}-${env.ACCOUNT}-$${var.region}-$5",
            &environment,
        );
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(value.as_deref(), Some("x-eu-west-1-acc-1-${var.region}-$5"));
    }

    #[test]
    fn every_failure_is_reported_at_its_own_span() {
        let (value, messages) = resolve("${var.regoin}/${env.NOPE}/${foo}", &Environment::empty());
        assert_eq!(value, None);
        assert_eq!(
            messages,
            [
                "E0301 0..13 undefined variable `regoin`",
                "E0302 14..25 environment variable `NOPE` is not set",
                "E0303 26..32 cannot interpolate `${foo}`",
            ]
        );
    }

    #[test]
    fn an_unterminated_interpolation_is_malformed() {
        let (value, messages) = resolve("a-${var.region", &Environment::empty());
        assert_eq!(value, None);
        assert_eq!(messages, ["E0303 2..14 cannot interpolate `${var.region`"]);
    }
}
