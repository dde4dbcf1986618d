//! Diagnostics: plain data describing one problem in a spec, with a stable code.
//!
//! Validation collects every diagnostic it finds instead of stopping at the first one. Codes are
//! a contract with users and CI scripts (`specs/README.md` documents each with an example), so a
//! code is never reused for a different problem. Rendering lives in [`crate::render`].

use std::fmt;

use crate::source::{Loc, Sources, Span};

/// How bad a diagnostic is: errors make a spec invalid, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($( $(#[$meta:meta])* $variant:ident = $code:literal, )+) => {
        /// A diagnostic's stable code: `E....` for errors, `W....` for warnings.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[$meta])* $variant, )+
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The code as printed, e.g. `E0201`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Code::$variant => $code, )+
                }
            }
        }
    };
}

codes! {
    /// The text is not valid YAML.
    YamlSyntax = "E0001",
    /// A mapping names the same key twice.
    DuplicateKey = "E0002",
    /// Valid YAML that a spec cannot use: a non-string key, a custom tag, a recursive alias.
    UnsupportedYaml = "E0003",
    /// A file, or a `---` document in it, holds nothing.
    EmptyDocument = "W0001",
    /// A field that does not exist where it is written.
    UnknownField = "E0101",
    /// A value of the wrong type, e.g. a list where a string belongs.
    WrongType = "E0102",
    /// A required field is missing.
    MissingField = "E0103",
    /// A value outside the allowed set, e.g. `pricing_tier: GOLD` or `version: 2`.
    InvalidValue = "E0104",
    /// A resource key with characters other than letters, digits, `_` and `-`.
    InvalidKey = "E0105",
    /// The same resource address, variable or account setting is defined twice.
    DuplicateDefinition = "E0106",
    /// A reference to a key that no resource of that kind has.
    UnknownReference = "E0201",
    /// A reference to a resource of another kind than the field needs.
    WrongKindReference = "E0202",
    /// References that form a cycle.
    DependencyCycle = "E0203",
    /// `ensure: absent` on a resource that a present resource references.
    AbsentButReferenced = "E0204",
    /// Two resources of one kind share a name, so neither could be matched to a live object.
    DuplicateName = "E0205",
    /// One network used by two workspaces.
    SharedNetwork = "E0206",
    /// `${var.NAME}` with no value for `NAME`.
    UndefinedVariable = "E0301",
    /// `${env.NAME}` with `NAME` not set in the environment.
    UndefinedEnvironmentVariable = "E0302",
    /// `${...}` that is neither `${var.NAME}` nor `${env.NAME}`.
    MalformedInterpolation = "E0303",
    /// A variable given with `--var` or `--var-file` that the spec neither declares nor uses.
    UnusedVariable = "W0301",
    /// Not an IAM role ARN.
    InvalidRoleArn = "E0401",
    /// Not a KMS key ARN.
    InvalidKeyArn = "E0402",
    /// A region Databricks does not support.
    UnsupportedRegion = "E0403",
    /// A customer-managed key on a workspace in `us-west-1`.
    KeyInUsWest1 = "E0404",
    /// A key whose `use_cases` do not include the slot it fills.
    KeyUseCaseMismatch = "E0405",
    /// A `deployment_name` with characters other than `a-z`, `0-9` and inner hyphens, or too long.
    InvalidDeploymentName = "E0406",
    /// Upper case in a `deployment_name`: the API lower-cases it.
    UppercaseDeploymentName = "W0406",
    /// Resources that must share a region do not.
    RegionMismatch = "E0407",
    /// A network with fewer than two subnets.
    TooFewSubnets = "E0408",
    /// A network with no security group or more than five.
    SecurityGroupCount = "E0409",
    /// `ignore_changes` names a field the resource does not have.
    UnknownIgnoredField = "E0410",
    /// A name, tag or value outside its allowed length.
    InvalidLength = "E0411",
    /// `existing: true` together with `ensure: absent`.
    ExistingAndAbsent = "E0412",
    /// `public_access_enabled: false` with no VPC endpoint through which users could connect.
    NoPrivateEndpoint = "W0401",
    /// An AWS id that does not look like one (`subnet-…`, `sg-…`, `vpc-…`, `vpce-…`).
    SuspiciousAwsId = "W0402",
    /// `allowed_vpc_endpoints` without `private_access_level: ENDPOINT`, where it has no effect.
    IneffectiveEndpointList = "W0403",
}

impl Code {
    /// Warnings are the `W` codes; everything else is an error.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A span with a short message, shown under the source line it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    /// A lowercase phrase, e.g. "unknown credentials `mian`".
    pub message: String,
    /// Where the problem is; its message may be empty.
    pub primary: Label,
    /// Other places that explain it, e.g. the first definition of a duplicate.
    pub secondary: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A diagnostic while it is being collected: positions are still compact [`Loc`]s.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    code: Code,
    message: String,
    primary: (Loc, String),
    secondary: Vec<(Loc, String)>,
    help: Option<String>,
}

impl Pending {
    pub(crate) fn new(code: Code, loc: Loc, message: impl Into<String>) -> Pending {
        Pending {
            code,
            message: message.into(),
            primary: (loc, String::new()),
            secondary: Vec::new(),
            help: None,
        }
    }

    /// The text shown under the carets of the primary span.
    pub(crate) fn label(mut self, text: impl Into<String>) -> Pending {
        self.primary.1 = text.into();
        self
    }

    pub(crate) fn secondary(mut self, loc: Loc, text: impl Into<String>) -> Pending {
        self.secondary.push((loc, text.into()));
        self
    }

    pub(crate) fn help(mut self, text: impl Into<String>) -> Pending {
        self.help = Some(text.into());
        self
    }

    pub(crate) fn is_error(&self) -> bool {
        self.code.severity() == Severity::Error
    }

    pub(crate) fn loc(&self) -> Loc {
        self.primary.0
    }

    pub(crate) fn finish(self, sources: &Sources) -> Diagnostic {
        Diagnostic {
            severity: self.code.severity(),
            code: self.code,
            message: self.message,
            primary: Label {
                span: sources.span(self.primary.0),
                message: self.primary.1,
            },
            secondary: self
                .secondary
                .into_iter()
                .map(|(loc, message)| Label {
                    span: sources.span(loc),
                    message,
                })
                .collect(),
            help: self.help,
        }
    }
}

/// The diagnostics found so far.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    pending: Vec<Pending>,
}

impl Diagnostics {
    pub(crate) fn push(&mut self, diagnostic: Pending) {
        self.pending.push(diagnostic);
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.pending.iter().any(Pending::is_error)
    }

    /// Every diagnostic in source order (file, then position), errors before warnings at the
    /// same place.
    pub(crate) fn finish(mut self, sources: &Sources) -> Vec<Diagnostic> {
        self.pending.sort_by_key(|pending| {
            let loc = pending.loc();
            (loc.source, loc.start, pending.code.severity(), pending.code)
        });
        self.pending
            .into_iter()
            .map(|pending| pending.finish(sources))
            .collect()
    }
}

/// Words close to `word` among `candidates`, best first, for "did you mean" hints.
pub(crate) fn similar<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().map(|(_, candidate)| candidate).collect()
}

/// "did you mean `x`?" when a candidate is close, for help lines.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    similar(word, candidates)
        .first()
        .map(|best| format!("did you mean `{best}`?"))
}

/// `a, b, c` for help lines listing what exists.
pub(crate) fn list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<String> = items
        .into_iter()
        .map(|item| item.as_ref().to_owned())
        .collect();
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} used twice");
            assert_eq!(text.len(), 5, "{text}");
            assert!(text.starts_with('E') || text.starts_with('W'), "{text}");
        }
        assert_eq!(Code::EmptyDocument.severity(), Severity::Warning);
        assert_eq!(Code::UnknownField.severity(), Severity::Error);
    }

    #[test]
    fn did_you_mean_picks_the_closest_candidate() {
        assert_eq!(
            did_you_mean("regoin", ["region", "name", "reason"]).as_deref(),
            Some("did you mean `region`?")
        );
        assert_eq!(did_you_mean("zzz", ["region"]), None);
    }
}
