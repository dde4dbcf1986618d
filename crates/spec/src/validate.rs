//! Raw documents to validated resources: every rule of the spec language, all diagnostics at
//! once.
//!
//! Validation runs in passes over the merged documents: versions and account settings, then
//! the address index (every key of every section, so references can be resolved regardless of
//! file order), then each resource on its own (required fields, interpolation, shapes, ranges,
//! references), then the rules that span resources (key use cases, regions, shared networks,
//! duplicate names, absent-but-referenced). A field that failed an earlier check is left out of
//! later ones, so one mistake produces one diagnostic.

use std::collections::{BTreeMap, HashMap};

use api_types::{KeyUseCase, PrivateAccessLevel};

use crate::aws;
use crate::diagnostic::{Code, Diagnostics, Pending, did_you_mean, list, similar};
use crate::interpolate::{Environment, Interpolator, Variables};
use crate::model::{
    AccountSettings, Address, CredentialsConfig, CustomerManagedKeyConfig, Ensure, Kind, Lifecycle,
    NetworkConfig, Origin, PrivateAccessSettingsConfig, Resource, ResourceConfig,
    StorageConfigurationConfig, VpcEndpointConfig, WorkspaceConfig,
};
use crate::raw::{self, Choice, Enumerated, KEY_PATTERN, Map, Slot, Spanned};
use crate::source::{Loc, SourceId, Sources};

/// One decoded YAML document.
pub(crate) struct ParsedDocument {
    /// The document's first key, where "missing `version`" points.
    pub(crate) first_key: Loc,
    pub(crate) raw: raw::Document,
}

/// A reference from one resource to another, through a field.
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    pub(crate) from: Address,
    pub(crate) field: &'static str,
    pub(crate) to: Address,
    pub(crate) loc: Loc,
}

/// What validation produces when every check passed (the caller checks the diagnostics).
pub(crate) struct Validated {
    pub(crate) account: AccountSettings,
    /// In declaration order; the graph orders them.
    pub(crate) resources: Vec<Resource>,
    pub(crate) references: Vec<Reference>,
}

pub(crate) fn validate(
    documents: &[ParsedDocument],
    variables: Variables,
    environment: &Environment,
    sources: &Sources,
    diagnostics: &mut Diagnostics,
) -> Validated {
    let mut validator = Validator {
        sources,
        environment,
        variables,
        diagnostics,
        keys: HashMap::new(),
        field_locs: HashMap::new(),
        references: Vec::new(),
    };
    let account = validator.account(documents);
    let declared = validator.index(documents);
    let mut resources = Vec::with_capacity(declared.len());
    let mut ensure_locs = HashMap::new();
    for resource in &declared {
        let (resource, ensure_loc) = validator.resource(resource, &account);
        if let Some(loc) = ensure_loc {
            ensure_locs.insert(resource.address.clone(), loc);
        }
        resources.push(resource);
    }
    let by_address: HashMap<&Address, &Resource> = resources
        .iter()
        .map(|resource| (&resource.address, resource))
        .collect();
    validator.cross_checks(&resources, &by_address, &ensure_locs);
    validator.variables.report_unused(validator.diagnostics);
    Validated {
        account,
        references: validator.references,
        resources,
    }
}

/// A raw resource of any kind.
#[derive(Clone, Copy)]
enum RawResource<'r> {
    Credentials(&'r raw::Credentials),
    StorageConfiguration(&'r raw::StorageConfiguration),
    CustomerManagedKey(&'r raw::CustomerManagedKey),
    VpcEndpoint(&'r raw::VpcEndpoint),
    Network(&'r raw::Network),
    PrivateAccessSettings(&'r raw::PrivateAccessSettings),
    Workspace(&'r raw::Workspace),
}

type Common<'r> = (
    &'r Slot<Choice<Ensure>>,
    &'r Slot<bool>,
    &'r Slot<raw::Lifecycle>,
);

impl<'r> RawResource<'r> {
    fn common(self) -> Common<'r> {
        macro_rules! common {
            ($raw:expr) => {
                (&$raw.ensure, &$raw.existing, &$raw.lifecycle)
            };
        }
        match self {
            RawResource::Credentials(raw) => common!(raw),
            RawResource::StorageConfiguration(raw) => common!(raw),
            RawResource::CustomerManagedKey(raw) => common!(raw),
            RawResource::VpcEndpoint(raw) => common!(raw),
            RawResource::Network(raw) => common!(raw),
            RawResource::PrivateAccessSettings(raw) => common!(raw),
            RawResource::Workspace(raw) => common!(raw),
        }
    }
}

/// The spec fields of a kind, without the ones every resource has: what `ignore_changes` may
/// name.
pub(crate) fn config_fields(kind: Kind) -> Vec<&'static str> {
    let fields = match kind {
        Kind::Credentials => raw::Credentials::FIELDS,
        Kind::StorageConfiguration => raw::StorageConfiguration::FIELDS,
        Kind::CustomerManagedKey => raw::CustomerManagedKey::FIELDS,
        Kind::VpcEndpoint => raw::VpcEndpoint::FIELDS,
        Kind::Network => raw::Network::FIELDS,
        Kind::PrivateAccessSettings => raw::PrivateAccessSettings::FIELDS,
        Kind::Workspace => raw::Workspace::FIELDS,
    };
    fields
        .iter()
        .copied()
        .filter(|field| !matches!(*field, "ensure" | "existing" | "lifecycle"))
        .collect()
}

/// The fields a resource of a kind must have: `(always, unless existing or absent)`. The first
/// list identifies the live object.
pub(crate) fn required_fields(kind: Kind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        Kind::Credentials => (&["name"], &["role_arn"]),
        Kind::StorageConfiguration => (&["name"], &["bucket_name"]),
        Kind::CustomerManagedKey => (&["key_arn", "use_cases"], &[]),
        Kind::VpcEndpoint => (&["name"], &["aws_vpc_endpoint_id", "region"]),
        Kind::Network => (&["name"], &["vpc_id", "subnet_ids", "security_group_ids"]),
        Kind::PrivateAccessSettings => (&["name"], &["region"]),
        Kind::Workspace => (
            &[],
            &[
                "workspace_name",
                "aws_region",
                "credentials",
                "storage_configuration",
            ],
        ),
    }
}

/// An example line for a missing field, shown in the help.
fn field_example(kind: Kind, field: &str) -> Option<&'static str> {
    Some(match (kind, field) {
        (_, "role_arn") => "role_arn: arn:aws:iam::123456789012:role/databricks-cross-account",
        (_, "bucket_name") => "bucket_name: acme-dbfs-root",
        (_, "key_arn") => "key_arn: arn:aws:kms:us-west-2:123456789012:key/1234abcd-...",
        (_, "use_cases") => "use_cases: [MANAGED_SERVICES, STORAGE]",
        (_, "aws_vpc_endpoint_id") => "aws_vpc_endpoint_id: vpce-0123456789abcdef0",
        (_, "region" | "aws_region") => "aws_region: us-west-2",
        (_, "vpc_id") => "vpc_id: vpc-0123456789abcdef0",
        (_, "subnet_ids") => "subnet_ids: [subnet-0a1b2c3d, subnet-4e5f6a7b]",
        (_, "security_group_ids") => "security_group_ids: [sg-0123456789abcdef0]",
        (Kind::Workspace, "credentials") => "credentials: main",
        (Kind::Workspace, "storage_configuration") => "storage_configuration: root",
        _ => return None,
    })
}

struct Declared<'r> {
    address: Address,
    key_loc: Loc,
    raw: RawResource<'r>,
}

struct Validator<'a> {
    sources: &'a Sources,
    environment: &'a Environment,
    variables: Variables,
    diagnostics: &'a mut Diagnostics,
    /// Every declared key, by kind, with the location of its first definition.
    keys: HashMap<Kind, BTreeMap<String, Loc>>,
    /// The locations of fields that passed their checks, by resource and field name.
    field_locs: HashMap<(Address, &'static str), Loc>,
    references: Vec<Reference>,
}

impl<'a> Validator<'a> {
    fn push(&mut self, diagnostic: Pending) {
        self.diagnostics.push(diagnostic);
    }

    fn resolve(&mut self, text: &Spanned<String>) -> Option<String> {
        let mut interpolator = Interpolator {
            variables: &mut self.variables,
            environment: self.environment,
            sources: self.sources,
        };
        interpolator.resolve(text, self.diagnostics)
    }

    fn choice<E: Enumerated>(&mut self, field: &str, choice: &Spanned<Choice<E>>) -> Option<E> {
        let text = Spanned {
            value: choice.value.text.clone(),
            loc: choice.loc,
        };
        let value = self.resolve(&text)?;
        if let Some(parsed) = E::parse(&value) {
            return Some(parsed);
        }
        let known = E::known();
        let help = match similar(&value, known.iter().copied()).first().or_else(|| {
            known
                .iter()
                .find(|candidate| candidate.eq_ignore_ascii_case(&value))
        }) {
            Some(best) => format!("did you mean `{best}`? allowed: {}", list(&known)),
            None => format!("allowed: {}", list(&known)),
        };
        self.push(
            Pending::new(
                Code::InvalidValue,
                choice.loc,
                format!("`{value}` is not a valid `{field}`"),
            )
            .label("not an allowed value")
            .help(help),
        );
        None
    }

    /// Resolves a text field and remembers where it is.
    fn text(
        &mut self,
        address: &Address,
        field: &'static str,
        slot: &Slot<String>,
    ) -> Option<String> {
        let spanned = slot.get()?;
        let value = self.resolve(spanned)?;
        self.field_locs
            .insert((address.clone(), field), spanned.loc);
        Some(value)
    }

    fn loc_of(&self, address: &Address, field: &'static str) -> Option<Loc> {
        self.field_locs.get(&(address.clone(), field)).copied()
    }

    /// Reports a required field that is missing.
    fn require<T>(&mut self, declared: &Declared<'_>, field: &str, slot: &Slot<T>, relaxed: bool) {
        let (always, unless_relaxed) = required_fields(declared.address.kind);
        let required = always.contains(&field) || (!relaxed && unless_relaxed.contains(&field));
        if !required || !slot.is_missing() {
            return;
        }
        let mut diagnostic = match slot.null_loc() {
            Some(loc) => Pending::new(
                Code::MissingField,
                loc,
                format!("`{field}` of `{}` has no value", declared.address),
            )
            .label("a value is required here"),
            None => Pending::new(
                Code::MissingField,
                declared.key_loc,
                format!("missing field `{field}`"),
            )
            .label(format!("`{}` needs `{field}`", declared.address)),
        };
        if let Some(example) = field_example(declared.address.kind, field) {
            diagnostic = diagnostic.help(format!("add it, e.g. `{example}`"));
        }
        self.push(diagnostic);
    }

    fn account(&mut self, documents: &[ParsedDocument]) -> AccountSettings {
        let mut account = AccountSettings::default();
        let mut id_loc: Option<Loc> = None;
        let mut prefix_loc: Option<Loc> = None;
        for document in documents {
            match document.raw.version.get() {
                Some(version) if version.value == 1 => {}
                Some(version) => self.push(
                    Pending::new(
                        Code::InvalidValue,
                        version.loc,
                        format!("unsupported spec version `{}`", version.value),
                    )
                    .label("this brickform reads version 1")
                    .help("write `version: 1`"),
                ),
                None if document.raw.version.is_missing() => {
                    let loc = document
                        .raw
                        .version
                        .null_loc()
                        .unwrap_or(document.first_key);
                    self.push(
                        Pending::new(Code::MissingField, loc, "missing field `version`")
                            .label("every spec document starts with `version: 1`")
                            .help("add `version: 1` at the top of the file"),
                    );
                }
                None => {}
            }
            // Variables are collected by the loader before validation starts.
            let Some(raw_account) = document.raw.account.get() else {
                continue;
            };
            for (field, slot, target, first) in [
                ("id", &raw_account.value.id, &mut account.id, &mut id_loc),
                (
                    "deployment_name_prefix",
                    &raw_account.value.deployment_name_prefix,
                    &mut account.deployment_name_prefix,
                    &mut prefix_loc,
                ),
            ] {
                let Some(spanned) = slot.get() else { continue };
                if let Some(first_loc) = *first {
                    self.diagnostics.push(
                        Pending::new(
                            Code::DuplicateDefinition,
                            spanned.loc,
                            format!("`account.{field}` is defined twice"),
                        )
                        .label("defined again here")
                        .secondary(first_loc, "first defined here")
                        .help("keep one of them"),
                    );
                    continue;
                }
                *first = Some(spanned.loc);
                let mut interpolator = Interpolator {
                    variables: &mut self.variables,
                    environment: self.environment,
                    sources: self.sources,
                };
                *target = interpolator.resolve(spanned, self.diagnostics);
            }
        }
        if let (Some(prefix), Some(loc)) = (&account.deployment_name_prefix, prefix_loc)
            && let Some(problem) = aws::deployment_name_problem(prefix)
        {
            self.push(
                Pending::new(
                    Code::InvalidDeploymentName,
                    loc,
                    format!("deployment name prefix `{prefix}` {problem}"),
                )
                .label("not a valid DNS label")
                .help("use `a-z`, `0-9` and inner hyphens"),
            );
        }
        account
    }

    /// Indexes every resource key, reporting bad keys and addresses defined twice.
    fn index<'d>(&mut self, documents: &'d [ParsedDocument]) -> Vec<Declared<'d>> {
        let mut declared = Vec::new();
        for kind in Kind::ALL {
            for document in documents {
                let raw = &document.raw;
                macro_rules! section {
                    ($field:ident, $variant:ident) => {
                        raw.$field
                            .get()
                            .map(|map| {
                                map.value
                                    .entries
                                    .iter()
                                    .map(|(key, value)| (key, RawResource::$variant(&value.value)))
                                    .collect::<Vec<_>>()
                            })
                            .unwrap_or_default()
                    };
                }
                let entries = match kind {
                    Kind::Credentials => section!(credentials, Credentials),
                    Kind::StorageConfiguration => {
                        section!(storage_configurations, StorageConfiguration)
                    }
                    Kind::CustomerManagedKey => section!(customer_managed_keys, CustomerManagedKey),
                    Kind::VpcEndpoint => section!(vpc_endpoints, VpcEndpoint),
                    Kind::Network => section!(networks, Network),
                    Kind::PrivateAccessSettings => {
                        section!(private_access_settings, PrivateAccessSettings)
                    }
                    Kind::Workspace => section!(workspaces, Workspace),
                };
                for (key, resource) in entries {
                    if !is_valid_key(&key.value) {
                        self.push(
                            Pending::new(
                                Code::InvalidKey,
                                key.loc,
                                format!("invalid key `{}`", key.value),
                            )
                            .label("keys are letters, digits, `_` and `-`")
                            .help(format!(
                                "rename it to match {KEY_PATTERN}; the key is the resource's \
                                 address, `{}.KEY`",
                                kind.section()
                            )),
                        );
                        continue;
                    }
                    let keys = self.keys.entry(kind).or_default();
                    if let Some(first) = keys.get(&key.value) {
                        let first = *first;
                        self.push(
                            Pending::new(
                                Code::DuplicateDefinition,
                                key.loc,
                                format!("`{}.{}` is defined twice", kind.section(), key.value),
                            )
                            .label("defined again here")
                            .secondary(first, "first defined here")
                            .help("rename or remove one of them; an address names one resource"),
                        );
                        continue;
                    }
                    keys.insert(key.value.clone(), key.loc);
                    declared.push(Declared {
                        address: Address::new(kind, key.value.clone()),
                        key_loc: key.loc,
                        raw: resource,
                    });
                }
            }
        }
        declared
    }

    /// Validates one resource; returns it with the location of its `ensure: absent`, if any.
    fn resource(
        &mut self,
        declared: &Declared<'_>,
        account: &AccountSettings,
    ) -> (Resource, Option<Loc>) {
        let address = &declared.address;
        let (ensure_slot, existing_slot, lifecycle_slot) = declared.raw.common();
        let ensure = match ensure_slot.get() {
            Some(choice) => self.choice("ensure", choice).unwrap_or_default(),
            None => Ensure::Present,
        };
        let existing = existing_slot.get().is_some_and(|existing| existing.value);
        let ensure_loc = (ensure == Ensure::Absent)
            .then(|| ensure_slot.get().map(|slot| slot.loc))
            .flatten();
        if existing && ensure == Ensure::Absent {
            let existing_loc = existing_slot.get().map(|slot| slot.loc);
            let mut diagnostic = Pending::new(
                Code::ExistingAndAbsent,
                ensure_loc.unwrap_or(declared.key_loc),
                format!("`{address}` is both `existing: true` and `ensure: absent`"),
            )
            .label("brickform would delete it")
            .help("an existing object is owned elsewhere and never deleted; drop one of the two");
            if let Some(loc) = existing_loc {
                diagnostic = diagnostic.secondary(loc, "but it is owned elsewhere");
            }
            self.push(diagnostic);
        }
        let lifecycle = self.lifecycle(address, lifecycle_slot);
        let relaxed = existing || ensure == Ensure::Absent;
        let config = match declared.raw {
            RawResource::Credentials(raw) => self.credentials(declared, raw, relaxed),
            RawResource::StorageConfiguration(raw) => self.storage(declared, raw, relaxed),
            RawResource::CustomerManagedKey(raw) => self.key(declared, raw, relaxed),
            RawResource::VpcEndpoint(raw) => self.vpc_endpoint(declared, raw, relaxed),
            RawResource::Network(raw) => self.network(declared, raw, relaxed),
            RawResource::PrivateAccessSettings(raw) => self.private_access(declared, raw, relaxed),
            RawResource::Workspace(raw) => self.workspace(declared, raw, relaxed, account),
        };
        let span = self.sources.span(declared.key_loc);
        let resource = Resource {
            address: address.clone(),
            ensure,
            existing,
            lifecycle,
            config,
            origin: Origin {
                file: span.file.to_string(),
                line: span.line,
                column: span.column,
            },
        };
        (resource, ensure_loc)
    }

    fn lifecycle(&mut self, address: &Address, slot: &Slot<raw::Lifecycle>) -> Lifecycle {
        let mut lifecycle = Lifecycle {
            prevent_destroy: address.kind == Kind::Workspace,
            ignore_changes: Vec::new(),
        };
        let Some(raw) = slot.get() else {
            return lifecycle;
        };
        if let Some(prevent_destroy) = raw.value.prevent_destroy.get() {
            lifecycle.prevent_destroy = prevent_destroy.value;
        }
        let fields = config_fields(address.kind);
        for item in raw
            .value
            .ignore_changes
            .get()
            .map(|list| list.value.as_slice())
            .unwrap_or_default()
        {
            let Some(field) = self.resolve(item) else {
                continue;
            };
            if fields.contains(&field.as_str()) {
                if !lifecycle.ignore_changes.contains(&field) {
                    lifecycle.ignore_changes.push(field);
                }
                continue;
            }
            let help = did_you_mean(&field, fields.iter().copied()).unwrap_or_else(|| {
                format!(
                    "the fields of {} are: {}",
                    a_noun(address.kind),
                    list(&fields)
                )
            });
            self.push(
                Pending::new(
                    Code::UnknownIgnoredField,
                    item.loc,
                    format!("`ignore_changes` names `{field}`, which `{address}` does not have"),
                )
                .label("no such field")
                .help(help),
            );
        }
        lifecycle
    }

    fn name(
        &mut self,
        declared: &Declared<'_>,
        field: &'static str,
        slot: &Slot<String>,
        relaxed: bool,
        limits: (usize, usize),
    ) -> Option<String> {
        self.require(declared, field, slot, relaxed);
        let value = self.text(&declared.address, field, slot)?;
        let length = value.chars().count();
        if length < limits.0 || length > limits.1 {
            let loc = self
                .loc_of(&declared.address, field)
                .unwrap_or(declared.key_loc);
            self.field_locs.remove(&(declared.address.clone(), field));
            self.push(
                Pending::new(
                    Code::InvalidLength,
                    loc,
                    format!("`{field}` is {length} characters long"),
                )
                .label(format!("must be {} to {} characters", limits.0, limits.1))
                .help("the Account API rejects it otherwise"),
            );
            return None;
        }
        Some(value)
    }

    fn role_arn(
        &mut self,
        address: &Address,
        field: &'static str,
        slot: &Slot<String>,
    ) -> Option<String> {
        let value = self.text(address, field, slot)?;
        if aws::is_role_arn(&value) {
            return Some(value);
        }
        let loc = self.loc_of(address, field)?;
        self.push(
            Pending::new(
                Code::InvalidRoleArn,
                loc,
                format!("`{value}` is not an IAM role ARN"),
            )
            .label("expected arn:aws:iam::<12-digit account>:role/<name>")
            .help("e.g. `arn:aws:iam::123456789012:role/databricks-cross-account`"),
        );
        None
    }

    fn region(
        &mut self,
        address: &Address,
        field: &'static str,
        slot: &Slot<String>,
    ) -> Option<String> {
        let value = self.text(address, field, slot)?;
        if aws::is_supported_region(&value) {
            return Some(value);
        }
        let loc = self.loc_of(address, field)?;
        self.field_locs.remove(&(address.clone(), field));
        let help = match did_you_mean(&value, api_types::SUPPORTED_AWS_REGIONS.iter().copied()) {
            Some(suggestion) => format!(
                "{suggestion} supported regions: {}",
                list(api_types::SUPPORTED_AWS_REGIONS)
            ),
            None => format!(
                "supported regions: {}",
                list(api_types::SUPPORTED_AWS_REGIONS)
            ),
        };
        self.push(
            Pending::new(
                Code::UnsupportedRegion,
                loc,
                format!("unsupported region `{value}`"),
            )
            .label("Databricks does not run workspaces here")
            .help(help),
        );
        None
    }

    fn aws_ids(&mut self, items: &[Spanned<String>], prefix: &str, noun: &str) -> Vec<String> {
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            let Some(value) = self.resolve(item) else {
                continue;
            };
            if !aws::looks_like_aws_id(&value, prefix) {
                self.push(
                    Pending::new(
                        Code::SuspiciousAwsId,
                        item.loc,
                        format!("`{value}` does not look like an AWS {noun} id"),
                    )
                    .label(format!("expected `{prefix}-` and hexadecimal digits"))
                    .help(format!("{noun} ids look like `{prefix}-0123456789abcdef0`")),
                );
            }
            values.push(value);
        }
        values
    }

    fn aws_id(
        &mut self,
        address: &Address,
        field: &'static str,
        slot: &Slot<String>,
        prefix: &str,
        noun: &str,
    ) -> Option<String> {
        let spanned = slot.get()?;
        let values = self.aws_ids(std::slice::from_ref(spanned), prefix, noun);
        let value = values.into_iter().next()?;
        self.field_locs
            .insert((address.clone(), field), spanned.loc);
        Some(value)
    }

    fn credentials(
        &mut self,
        declared: &Declared<'_>,
        raw: &raw::Credentials,
        relaxed: bool,
    ) -> ResourceConfig {
        let address = &declared.address;
        let name = self.name(declared, "name", &raw.name, relaxed, (4, 256));
        self.require(declared, "role_arn", &raw.role_arn, relaxed);
        let role_arn = self.role_arn(address, "role_arn", &raw.role_arn);
        ResourceConfig::Credentials(CredentialsConfig {
            name: name.unwrap_or_default(),
            role_arn: role_arn.unwrap_or_default(),
        })
    }

    fn storage(
        &mut self,
        declared: &Declared<'_>,
        raw: &raw::StorageConfiguration,
        relaxed: bool,
    ) -> ResourceConfig {
        let address = &declared.address;
        let name = self.name(declared, "name", &raw.name, relaxed, (4, 256));
        self.require(declared, "bucket_name", &raw.bucket_name, relaxed);
        let bucket_name = self.text(address, "bucket_name", &raw.bucket_name);
        let role_arn = self.role_arn(address, "role_arn", &raw.role_arn);
        ResourceConfig::StorageConfiguration(StorageConfigurationConfig {
            name: name.unwrap_or_default(),
            bucket_name: bucket_name.unwrap_or_default(),
            role_arn,
        })
    }

    fn key(
        &mut self,
        declared: &Declared<'_>,
        raw: &raw::CustomerManagedKey,
        relaxed: bool,
    ) -> ResourceConfig {
        let address = &declared.address;
        self.require(declared, "key_arn", &raw.key_arn, relaxed);
        let key_arn = self.text(address, "key_arn", &raw.key_arn);
        if let Some(arn) = &key_arn
            && aws::key_arn_region(arn).is_none()
        {
            let loc = self.loc_of(address, "key_arn").unwrap_or(declared.key_loc);
            self.field_locs.remove(&(address.clone(), "key_arn"));
            self.push(
                    Pending::new(Code::InvalidKeyArn, loc, format!("`{arn}` is not a KMS key ARN"))
                        .label("expected arn:aws:kms:<region>:<12-digit account>:key/<key id>")
                        .help("use the key's ARN, not an alias ARN, e.g. `arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`"),
                );
        }
        self.require(declared, "use_cases", &raw.use_cases, relaxed);
        let mut use_cases = Vec::new();
        if let Some(list) = raw.use_cases.get() {
            let mut all_valid = true;
            for item in &list.value {
                match self.choice::<KeyUseCase>("use_cases", item) {
                    Some(use_case) => use_cases.push(use_case),
                    None => all_valid = false,
                }
            }
            use_cases.sort();
            use_cases.dedup();
            if list.value.is_empty() {
                self.push(
                    Pending::new(Code::InvalidValue, list.loc, "`use_cases` is empty")
                        .label("a key needs at least one use case")
                        .help("e.g. `use_cases: [MANAGED_SERVICES, STORAGE]`"),
                );
            } else if all_valid {
                self.field_locs
                    .insert((address.clone(), "use_cases"), list.loc);
            }
        }
        let key_alias = self.text(address, "key_alias", &raw.key_alias);
        ResourceConfig::CustomerManagedKey(CustomerManagedKeyConfig {
            key_arn: key_arn.unwrap_or_default(),
            key_alias,
            use_cases,
            reuse_key_for_cluster_volumes: raw
                .reuse_key_for_cluster_volumes
                .get()
                .map(|value| value.value),
        })
    }

    fn vpc_endpoint(
        &mut self,
        declared: &Declared<'_>,
        raw: &raw::VpcEndpoint,
        relaxed: bool,
    ) -> ResourceConfig {
        let address = &declared.address;
        let name = self.name(declared, "name", &raw.name, relaxed, (4, 256));
        self.require(
            declared,
            "aws_vpc_endpoint_id",
            &raw.aws_vpc_endpoint_id,
            relaxed,
        );
        let endpoint_id = self.aws_id(
            address,
            "aws_vpc_endpoint_id",
            &raw.aws_vpc_endpoint_id,
            "vpce",
            "VPC endpoint",
        );
        self.require(declared, "region", &raw.region, relaxed);
        let region = self.region(address, "region", &raw.region);
        ResourceConfig::VpcEndpoint(VpcEndpointConfig {
            name: name.unwrap_or_default(),
            aws_vpc_endpoint_id: endpoint_id.unwrap_or_default(),
            region: region.unwrap_or_default(),
        })
    }

    fn network(
        &mut self,
        declared: &Declared<'_>,
        raw: &raw::Network,
        relaxed: bool,
    ) -> ResourceConfig {
        let address = &declared.address;
        let name = self.name(declared, "name", &raw.name, relaxed, (4, 256));
        self.require(declared, "vpc_id", &raw.vpc_id, relaxed);
        let vpc_id = self.aws_id(address, "vpc_id", &raw.vpc_id, "vpc", "VPC");
        self.require(declared, "subnet_ids", &raw.subnet_ids, relaxed);
        let mut subnet_ids = Vec::new();
        if let Some(list) = raw.subnet_ids.get() {
            subnet_ids = self.aws_ids(&list.value, "subnet", "subnet");
            if list.value.len() < 2 {
                self.push(
                    Pending::new(
                        Code::TooFewSubnets,
                        list.loc,
                        format!(
                            "`{address}` has {} subnet{}",
                            list.value.len(),
                            if list.value.len() == 1 { "" } else { "s" }
                        ),
                    )
                    .label("at least 2 subnets are required")
                    .help("list two or more subnets, each in a different availability zone"),
                );
            }
        }
        self.require(
            declared,
            "security_group_ids",
            &raw.security_group_ids,
            relaxed,
        );
        let mut security_group_ids = Vec::new();
        if let Some(list) = raw.security_group_ids.get() {
            security_group_ids = self.aws_ids(&list.value, "sg", "security group");
            let count = list.value.len();
            if !(1..=5).contains(&count) {
                self.push(
                    Pending::new(
                        Code::SecurityGroupCount,
                        list.loc,
                        format!("`{address}` has {count} security groups"),
                    )
                    .label("between 1 and 5 security groups are required")
                    .help("list one to five security groups"),
                );
            }
        }
        let mut rest_api_endpoints = Vec::new();
        let mut dataplane_relay_endpoints = Vec::new();
        if let Some(endpoints) = raw.vpc_endpoints.get() {
            for (field, slot, target) in [
                (
                    "vpc_endpoints.rest_api",
                    &endpoints.value.rest_api,
                    &mut rest_api_endpoints,
                ),
                (
                    "vpc_endpoints.dataplane_relay",
                    &endpoints.value.dataplane_relay,
                    &mut dataplane_relay_endpoints,
                ),
            ] {
                for item in slot
                    .get()
                    .map(|list| list.value.as_slice())
                    .unwrap_or_default()
                {
                    if let Some(to) = self.reference(address, field, Kind::VpcEndpoint, item) {
                        target.push(to);
                    }
                }
            }
        }
        ResourceConfig::Network(NetworkConfig {
            name: name.unwrap_or_default(),
            vpc_id: vpc_id.unwrap_or_default(),
            subnet_ids,
            security_group_ids,
            rest_api_endpoints,
            dataplane_relay_endpoints,
        })
    }

    fn private_access(
        &mut self,
        declared: &Declared<'_>,
        raw: &raw::PrivateAccessSettings,
        relaxed: bool,
    ) -> ResourceConfig {
        let address = &declared.address;
        let name = self.name(declared, "name", &raw.name, relaxed, (4, 256));
        self.require(declared, "region", &raw.region, relaxed);
        let region = self.region(address, "region", &raw.region);
        let public_access_enabled = raw.public_access_enabled.get().map(|value| {
            self.field_locs
                .insert((address.clone(), "public_access_enabled"), value.loc);
            value.value
        });
        let private_access_level = raw
            .private_access_level
            .get()
            .and_then(|choice| self.choice::<PrivateAccessLevel>("private_access_level", choice));
        let mut allowed_vpc_endpoints = Vec::new();
        if let Some(list) = raw.allowed_vpc_endpoints.get() {
            for item in &list.value {
                if let Some(to) =
                    self.reference(address, "allowed_vpc_endpoints", Kind::VpcEndpoint, item)
                {
                    allowed_vpc_endpoints.push(to);
                }
            }
            if !list.value.is_empty() && private_access_level != Some(PrivateAccessLevel::Endpoint)
            {
                self.push(
                    Pending::new(
                        Code::IneffectiveEndpointList,
                        list.loc,
                        "`allowed_vpc_endpoints` has no effect without `private_access_level: ENDPOINT`",
                    )
                    .label("ignored at the ACCOUNT level")
                    .help("set `private_access_level: ENDPOINT` to restrict access to these endpoints"),
                );
            }
        }
        ResourceConfig::PrivateAccessSettings(PrivateAccessSettingsConfig {
            name: name.unwrap_or_default(),
            region: region.unwrap_or_default(),
            public_access_enabled,
            private_access_level,
            allowed_vpc_endpoints,
        })
    }

    fn workspace(
        &mut self,
        declared: &Declared<'_>,
        raw: &raw::Workspace,
        relaxed: bool,
        account: &AccountSettings,
    ) -> ResourceConfig {
        let address = &declared.address;
        let workspace_name = self.name(
            declared,
            "workspace_name",
            &raw.workspace_name,
            relaxed,
            (1, 100),
        );
        if relaxed && raw.workspace_name.is_missing() && raw.deployment_name.is_missing() {
            self.push(
                Pending::new(
                    Code::MissingField,
                    declared.key_loc,
                    "missing field `workspace_name` or `deployment_name`",
                )
                .label(format!("`{address}` cannot be looked up without one"))
                .help("a workspace is matched by `deployment_name`, else by `workspace_name`"),
            );
        }
        let deployment_name = self.deployment_name(address, &raw.deployment_name, account);
        self.require(declared, "aws_region", &raw.aws_region, relaxed);
        let aws_region = self.region(address, "aws_region", &raw.aws_region);
        let mut slots = [
            ("credentials", Kind::Credentials, &raw.credentials, None),
            (
                "storage_configuration",
                Kind::StorageConfiguration,
                &raw.storage_configuration,
                None,
            ),
            ("network", Kind::Network, &raw.network, None),
            (
                "managed_services_key",
                Kind::CustomerManagedKey,
                &raw.managed_services_key,
                None,
            ),
            (
                "storage_key",
                Kind::CustomerManagedKey,
                &raw.storage_key,
                None,
            ),
            (
                "private_access_settings",
                Kind::PrivateAccessSettings,
                &raw.private_access_settings,
                None,
            ),
        ];
        for (field, kind, slot, target) in &mut slots {
            self.require(declared, field, slot, relaxed);
            if let Some(text) = slot.get() {
                *target = self.reference(address, field, *kind, text);
            }
        }
        let [
            credentials,
            storage_configuration,
            network,
            managed_services_key,
            storage_key,
            private_access_settings,
        ] = slots.map(|(_, _, _, target)| target);
        let pricing_tier = raw
            .pricing_tier
            .get()
            .and_then(|choice| self.choice("pricing_tier", choice));
        let mut custom_tags = BTreeMap::new();
        if let Some(tags) = raw.custom_tags.get() {
            for (key, value) in &tags.value.entries {
                let key_length = key.value.chars().count();
                if !(1..=127).contains(&key_length) {
                    self.push(
                        Pending::new(
                            Code::InvalidLength,
                            key.loc,
                            format!("tag key is {key_length} characters long"),
                        )
                        .label("must be 1 to 127 characters")
                        .help("AWS tag keys are 1 to 127 characters"),
                    );
                }
                let Some(resolved) = self.resolve(value) else {
                    continue;
                };
                if resolved.chars().count() > 255 {
                    self.push(
                        Pending::new(
                            Code::InvalidLength,
                            value.loc,
                            format!("the value of tag `{}` is too long", key.value),
                        )
                        .label("tag values are at most 255 characters")
                        .help("shorten the value"),
                    );
                }
                custom_tags.insert(key.value.clone(), resolved);
            }
        }
        ResourceConfig::Workspace(WorkspaceConfig {
            workspace_name: workspace_name.unwrap_or_default(),
            deployment_name,
            aws_region: aws_region.unwrap_or_default(),
            credentials,
            storage_configuration,
            network,
            managed_services_key,
            storage_key,
            private_access_settings,
            pricing_tier,
            custom_tags,
        })
    }

    fn deployment_name(
        &mut self,
        address: &Address,
        slot: &Slot<String>,
        account: &AccountSettings,
    ) -> Option<String> {
        let value = self.text(address, "deployment_name", slot)?;
        let loc = self.loc_of(address, "deployment_name")?;
        if value == aws::EMPTY_DEPLOYMENT_NAME {
            return Some(value);
        }
        let lower = value.to_ascii_lowercase();
        if let Some(problem) = aws::deployment_name_problem(&lower) {
            self.push(
                Pending::new(Code::InvalidDeploymentName, loc, format!("`deployment_name` `{value}` {problem}"))
                    .label("not a valid DNS label")
                    .help("use `a-z`, `0-9` and inner hyphens; it becomes the workspace URL `<deployment_name>.cloud.databricks.com`"),
            );
            return Some(value);
        }
        let prefix_length = account
            .deployment_name_prefix
            .as_ref()
            .map_or(0, |prefix| prefix.len() + 1);
        if lower.len() + prefix_length > aws::DEPLOYMENT_NAME_MAX {
            let with_prefix = if prefix_length > 0 {
                " with the account prefix"
            } else {
                ""
            };
            self.push(
                Pending::new(
                    Code::InvalidDeploymentName,
                    loc,
                    format!(
                        "`deployment_name` is {} characters long{with_prefix}",
                        lower.len() + prefix_length
                    ),
                )
                .label(format!("at most {} characters", aws::DEPLOYMENT_NAME_MAX))
                .help("shorten it"),
            );
        } else if lower != value {
            self.push(
                Pending::new(
                    Code::UppercaseDeploymentName,
                    loc,
                    format!("`deployment_name` `{value}` has upper case"),
                )
                .label("the API lower-cases it")
                .help(format!(
                    "write `{lower}`, which is what the workspace will be called"
                )),
            );
        }
        Some(value)
    }

    /// Resolves a reference by key (or `SECTION.KEY`) to a resource of `kind`.
    fn reference(
        &mut self,
        from: &Address,
        field: &'static str,
        kind: Kind,
        text: &Spanned<String>,
    ) -> Option<Address> {
        let value = self.resolve(text)?;
        let kind_noun = noun(kind);
        let (named_kind, key) = match value.split_once('.') {
            Some((section, key)) => match Kind::from_section(section) {
                Some(named) => (Some(named), key.to_owned()),
                None => (None, value.clone()),
            },
            None => (None, value.clone()),
        };
        if let Some(named) = named_kind.filter(|named| *named != kind) {
            self.push(
                Pending::new(
                    Code::WrongKindReference,
                    text.loc,
                    format!("`{field}` must name {}, not {}", a_noun(kind), noun(named)),
                )
                .label(format!("`{value}` is not under `{}:`", kind.section()))
                .help(self.defined_help(kind, &key)),
            );
            return None;
        }
        if self
            .keys
            .get(&kind)
            .is_some_and(|keys| keys.contains_key(&key))
        {
            let to = Address::new(kind, key);
            self.field_locs.insert((from.clone(), field), text.loc);
            self.references.push(Reference {
                from: from.clone(),
                field,
                to: to.clone(),
                loc: text.loc,
            });
            return Some(to);
        }
        let other_kind = Kind::ALL.into_iter().find(|other| {
            *other != kind
                && self
                    .keys
                    .get(other)
                    .is_some_and(|keys| keys.contains_key(&key))
        });
        if let Some(other) = other_kind {
            self.push(
                Pending::new(
                    Code::WrongKindReference,
                    text.loc,
                    format!(
                        "`{key}` is {} (`{}`), not {}",
                        a_noun(other),
                        Address::new(other, key.clone()),
                        a_noun(kind)
                    ),
                )
                .label(format!("`{field}` needs a key under `{}:`", kind.section()))
                .help(self.defined_help(kind, &key)),
            );
            return None;
        }
        self.push(
            Pending::new(
                Code::UnknownReference,
                text.loc,
                format!("unknown {kind_noun} `{key}`"),
            )
            .label(format!("not defined under `{}:`", kind.section()))
            .help(self.defined_help(kind, &key)),
        );
        None
    }

    /// "defined networks: a, b" (with a suggestion first when there are many).
    fn defined_help(&self, kind: Kind, key: &str) -> String {
        let keys: Vec<&str> = self
            .keys
            .get(&kind)
            .map(|keys| keys.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let section = kind.section();
        if keys.is_empty() {
            return format!("nothing is defined under `{section}:`");
        }
        if keys.len() <= 10 {
            return format!("defined {section}: {}", keys.join(", "));
        }
        match did_you_mean(key, keys.iter().copied()) {
            Some(suggestion) => format!(
                "{suggestion} ({} keys are defined under `{section}:`)",
                keys.len()
            ),
            None => format!(
                "{} keys are defined under `{section}:`; none is close",
                keys.len()
            ),
        }
    }

    /// The rules that involve more than one resource.
    fn cross_checks(
        &mut self,
        resources: &[Resource],
        by_address: &HashMap<&Address, &Resource>,
        ensure_locs: &HashMap<Address, Loc>,
    ) {
        self.absent_but_referenced(by_address, ensure_locs);
        self.duplicate_names(resources);
        let mut network_users: HashMap<&Address, (&Address, Loc)> = HashMap::new();
        for resource in resources {
            match &resource.config {
                ResourceConfig::Workspace(workspace) => {
                    if resource.ensure == Ensure::Present
                        && let Some(network) = &workspace.network
                        && let Some(loc) = self.loc_of(&resource.address, "network")
                    {
                        match network_users.get(network) {
                            Some((first, first_loc)) => {
                                let diagnostic = Pending::new(
                                            Code::SharedNetwork,
                                            loc,
                                            format!("`{network}` is already the network of `{first}`"),
                                        )
                                        .label("second workspace on this network")
                                        .secondary(*first_loc, "first used here")
                                        .help("a network configuration serves one workspace (its subnets and security groups cannot be shared); define another network");
                                self.push(diagnostic);
                            }
                            None => {
                                network_users.insert(network, (&resource.address, loc));
                            }
                        }
                    }
                    self.workspace_rules(resource, workspace, by_address);
                }
                ResourceConfig::PrivateAccessSettings(settings) => {
                    self.private_access_rules(resource, settings, resources, by_address);
                }
                _ => {}
            }
        }
    }

    fn absent_but_referenced(
        &mut self,
        by_address: &HashMap<&Address, &Resource>,
        ensure_locs: &HashMap<Address, Loc>,
    ) {
        let references = self.references.clone();
        for reference in references {
            let (Some(from), Some(to)) = (
                by_address.get(&reference.from),
                by_address.get(&reference.to),
            ) else {
                continue;
            };
            if from.ensure == Ensure::Present && to.ensure == Ensure::Absent {
                let mut diagnostic = Pending::new(
                    Code::AbsentButReferenced,
                    reference.loc,
                    format!(
                        "`{}` references `{}`, which is `ensure: absent`",
                        reference.from, reference.to
                    ),
                )
                .label("still referenced here")
                .help(format!(
                    "remove this reference, or mark `{}` absent too",
                    reference.from
                ));
                if let Some(loc) = ensure_locs.get(&reference.to) {
                    diagnostic = diagnostic.secondary(*loc, "marked absent here");
                }
                self.push(diagnostic);
            }
        }
    }

    fn duplicate_names(&mut self, resources: &[Resource]) {
        let mut seen: HashMap<(Kind, String), Loc> = HashMap::new();
        for resource in resources {
            let address = &resource.address;
            let (field, identity) = match &resource.config {
                ResourceConfig::Credentials(config) => ("name", config.name.clone()),
                ResourceConfig::StorageConfiguration(config) => ("name", config.name.clone()),
                ResourceConfig::VpcEndpoint(config) => ("name", config.name.clone()),
                ResourceConfig::Network(config) => ("name", config.name.clone()),
                ResourceConfig::PrivateAccessSettings(config) => ("name", config.name.clone()),
                ResourceConfig::CustomerManagedKey(config) => {
                    let use_cases: Vec<&str> =
                        config.use_cases.iter().map(KeyUseCase::as_str).collect();
                    (
                        "key_arn",
                        format!("{} {}", config.key_arn, use_cases.join(",")),
                    )
                }
                ResourceConfig::Workspace(config) => match &config.deployment_name {
                    Some(name) => (
                        "deployment_name",
                        format!("deployment {}", name.to_ascii_lowercase()),
                    ),
                    None => ("workspace_name", format!("name {}", config.workspace_name)),
                },
            };
            let Some(loc) = self.loc_of(address, field) else {
                continue;
            };
            if identity.trim().is_empty()
                || (field == "key_arn" && self.loc_of(address, "use_cases").is_none())
            {
                continue;
            }
            match seen.get(&(address.kind, identity.clone())) {
                Some(first) => {
                    let what = match field {
                        "key_arn" => "key ARN and use cases".to_owned(),
                        _ => format!("`{field}`"),
                    };
                    let diagnostic = Pending::new(
                        Code::DuplicateName,
                        loc,
                        format!("two {} have the same {what}", address.kind.section()),
                    )
                    .label(format!("`{address}` uses it again"))
                    .secondary(*first, "first used here")
                    .help("brickform finds live objects by this value, so each resource needs its own");
                    self.push(diagnostic);
                }
                None => {
                    seen.insert((address.kind, identity), loc);
                }
            }
        }
    }

    fn workspace_rules(
        &mut self,
        resource: &Resource,
        workspace: &WorkspaceConfig,
        by_address: &HashMap<&Address, &Resource>,
    ) {
        let address = &resource.address;
        // Checks that compare regions need a valid workspace region; the others do not.
        let region_loc = self.loc_of(address, "aws_region");
        let region = region_loc.map(|_| workspace.aws_region.as_str());
        for (field, target, use_case) in [
            (
                "managed_services_key",
                &workspace.managed_services_key,
                KeyUseCase::ManagedServices,
            ),
            ("storage_key", &workspace.storage_key, KeyUseCase::Storage),
        ] {
            let (Some(target), Some(loc)) = (target, self.loc_of(address, field)) else {
                continue;
            };
            if let (Some(region), Some(region_loc)) = (region, region_loc)
                && region == api_types::REGION_WITHOUT_CUSTOMER_MANAGED_KEYS
            {
                self.push(
                    Pending::new(
                        Code::KeyInUsWest1,
                        loc,
                        format!("customer-managed keys cannot be used in `{region}`"),
                    )
                    .label("a key on a workspace in us-west-1")
                    .secondary(region_loc, "the workspace is in us-west-1")
                    .help("move the workspace to another region, or remove the key"),
                );
                continue;
            }
            let Some(ResourceConfig::CustomerManagedKey(key)) =
                by_address.get(target).map(|key| &key.config)
            else {
                continue;
            };
            if let Some(use_cases_loc) = self.loc_of(target, "use_cases")
                && !key.use_cases.contains(&use_case)
            {
                self.push(
                    Pending::new(
                        Code::KeyUseCaseMismatch,
                        loc,
                        format!("`{target}` cannot be a `{field}`: its use cases lack {use_case}"),
                    )
                    .label(format!("needs a key with {use_case}"))
                    .secondary(use_cases_loc, "the key's use cases")
                    .help(format!(
                        "add {use_case} to the key's `use_cases`, or use another key"
                    )),
                );
            }
            if let (Some(region), Some(key_region), Some(arn_loc)) = (
                region,
                aws::key_arn_region(&key.key_arn),
                self.loc_of(target, "key_arn"),
            ) && key_region != region
            {
                self.push(
                    Pending::new(
                        Code::RegionMismatch,
                        loc,
                        format!("`{target}` is in `{key_region}` but `{address}` is in `{region}`"),
                    )
                    .label("key from another region")
                    .secondary(arn_loc, format!("the key's ARN names {key_region}"))
                    .help("use a KMS key in the workspace's region"),
                );
            }
        }
        if let (Some(target), Some(loc)) = (
            &workspace.private_access_settings,
            self.loc_of(address, "private_access_settings"),
        ) && let Some(region) = region
            && let Some(ResourceConfig::PrivateAccessSettings(settings)) =
                by_address.get(target).map(|pas| &pas.config)
            && let Some(pas_region_loc) = self.loc_of(target, "region")
            && settings.region != region
        {
            self.push(
                            Pending::new(
                                Code::RegionMismatch,
                                loc,
                                format!("`{target}` is for `{}` but `{address}` is in `{region}`", settings.region),
                            )
                            .label("private access settings from another region")
                            .secondary(pas_region_loc, "the settings' region")
                            .help("only workspaces in the settings' region may use them; use settings for this region"),
                        );
        }
        if let Some(network) = &workspace.network
            && let (Some(region), Some(region_loc)) = (region, region_loc)
            && let Some(ResourceConfig::Network(network_config)) =
                by_address.get(network).map(|resource| &resource.config)
        {
            let endpoints = network_config
                .rest_api_endpoints
                .iter()
                .chain(&network_config.dataplane_relay_endpoints);
            for endpoint in endpoints {
                self.endpoint_region(endpoint, region, region_loc, address, by_address);
            }
        }
    }

    fn endpoint_region(
        &mut self,
        endpoint: &Address,
        region: &str,
        region_loc: Loc,
        user: &Address,
        by_address: &HashMap<&Address, &Resource>,
    ) {
        let Some(ResourceConfig::VpcEndpoint(config)) =
            by_address.get(endpoint).map(|resource| &resource.config)
        else {
            return;
        };
        let Some(loc) = self.loc_of(endpoint, "region") else {
            return;
        };
        if config.region != region {
            self.push(
                Pending::new(
                    Code::RegionMismatch,
                    loc,
                    format!("`{endpoint}` is in `{}` but `{user}` is in `{region}`", config.region),
                )
                .label("endpoint in another region")
                .secondary(region_loc, "the region it must match")
                .help("VPC endpoints must be in the region of the workspace or settings that use them"),
            );
        }
    }

    fn private_access_rules(
        &mut self,
        resource: &Resource,
        settings: &PrivateAccessSettingsConfig,
        resources: &[Resource],
        by_address: &HashMap<&Address, &Resource>,
    ) {
        let address = &resource.address;
        if let Some(region_loc) = self.loc_of(address, "region") {
            for endpoint in &settings.allowed_vpc_endpoints {
                self.endpoint_region(endpoint, &settings.region, region_loc, address, by_address);
            }
        }
        let Some(public_loc) = self.loc_of(address, "public_access_enabled") else {
            return;
        };
        if settings.public_access_enabled != Some(false)
            || !settings.allowed_vpc_endpoints.is_empty()
        {
            return;
        }
        let reachable = resources.iter().any(|workspace| {
            let ResourceConfig::Workspace(config) = &workspace.config else { return false };
            config.private_access_settings.as_ref() == Some(address)
                && config.network.as_ref().and_then(|network| by_address.get(network)).is_some_and(|network| {
                    matches!(&network.config, ResourceConfig::Network(network) if !network.rest_api_endpoints.is_empty())
                })
        });
        if !reachable {
            self.push(
                Pending::new(
                    Code::NoPrivateEndpoint,
                    public_loc,
                    format!("`{address}` turns off public access, but no VPC endpoint leads to its workspaces"),
                )
                .label("users could not reach the workspace")
                .help("add a front-end endpoint to `allowed_vpc_endpoints` (with `private_access_level: ENDPOINT`), or keep `public_access_enabled: true`"),
            );
        }
    }
}

fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().all(|character| {
            character.is_ascii_alphanumeric() || character == '_' || character == '-'
        })
}

/// What a resource of a kind is called in messages, without an article.
pub(crate) fn noun(kind: Kind) -> &'static str {
    match kind {
        Kind::Credentials => "credentials",
        Kind::StorageConfiguration => "storage configuration",
        Kind::CustomerManagedKey => "customer-managed key",
        Kind::VpcEndpoint => "VPC endpoint",
        Kind::Network => "network",
        Kind::PrivateAccessSettings => "private access settings",
        Kind::Workspace => "workspace",
    }
}

/// [`noun`] with an article where English wants one: "a network", but "credentials".
pub(crate) fn a_noun(kind: Kind) -> String {
    match kind {
        Kind::Credentials | Kind::PrivateAccessSettings => noun(kind).to_owned(),
        _ => format!("a {}", noun(kind)),
    }
}

/// Declares the spec's variables and applies variable files and `--var` pairs.
pub(crate) fn collect_variables(
    documents: &[ParsedDocument],
    files: &[(SourceId, Map<raw::Literal>)],
    overrides: &[(String, String, Loc)],
    diagnostics: &mut Diagnostics,
) -> Variables {
    let mut variables = Variables::default();
    for document in documents {
        let Some(map) = document.raw.variables.get() else {
            continue;
        };
        for (name, value) in &map.value.entries {
            variables.declare(name, value.value.0.clone(), diagnostics);
        }
    }
    for (_, map) in files {
        for (name, value) in &map.entries {
            variables.set(
                &name.value,
                value.value.0.clone().unwrap_or_default(),
                name.loc,
            );
        }
    }
    for (name, value, loc) in overrides {
        variables.set(name, value.clone(), *loc);
    }
    variables
}
