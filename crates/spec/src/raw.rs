//! The raw shapes of a spec: what a YAML document says, before validation.
//!
//! A [`Document`] mirrors one YAML document closely: every field is a [`Slot`] (absent, null,
//! invalid or present with its location), strings are still uninterpolated, references are
//! still keys. It is decoded from the [`crate::yaml`] tree by walking it, so that one decode
//! reports every unknown field and type error at once; [`crate::validate`] then turns the raw
//! shapes into the model. The same structs derive `JsonSchema`, so `brickform schema` and the
//! decoder cannot disagree about which fields exist.
//!
//! Nothing here leaves the crate: consumers only ever see a validated `Spec`.

use std::borrow::Cow;
use std::marker::PhantomData;

use api_types::{KeyUseCase, PricingTier, PrivateAccessLevel};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::diagnostic::{Code, Diagnostics, Pending, list, similar};
use crate::model::Ensure;
use crate::source::Loc;
use crate::yaml::{Entry, Node, ScalarKind, Value};

/// A value and the location of the node it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) loc: Loc,
}

/// One field of a raw struct.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Slot<T> {
    /// Not written.
    #[default]
    Absent,
    /// Written with no value (`field:` or `field: null`): treated as absent, but diagnostics
    /// about a missing value can point at it.
    Null(Loc),
    /// Written with a value of the wrong shape, already reported; checks that need the value
    /// skip it, so one mistake yields one diagnostic.
    Invalid,
    Present(Spanned<T>),
}

impl<T> Slot<T> {
    pub(crate) fn is_absent(&self) -> bool {
        matches!(self, Slot::Absent)
    }

    pub(crate) fn get(&self) -> Option<&Spanned<T>> {
        match self {
            Slot::Present(spanned) => Some(spanned),
            Slot::Absent | Slot::Null(_) | Slot::Invalid => None,
        }
    }

    /// Whether a "missing field" diagnostic is due: absent or null, but not invalid.
    pub(crate) fn is_missing(&self) -> bool {
        matches!(self, Slot::Absent | Slot::Null(_))
    }

    pub(crate) fn null_loc(&self) -> Option<Loc> {
        match self {
            Slot::Null(loc) => Some(*loc),
            _ => None,
        }
    }
}

/// A YAML mapping from keys to values, in source order, with the keys' locations.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Map<T> {
    pub(crate) entries: Vec<(Spanned<String>, Spanned<T>)>,
}

impl<T> Default for Map<T> {
    fn default() -> Self {
        Map {
            entries: Vec::new(),
        }
    }
}

/// A string naming one of the values of `E`; checked after interpolation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Choice<E> {
    pub(crate) text: String,
    marker: PhantomData<E>,
}

/// A variable's value: any scalar, taken literally; null declares a variable without a default.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Literal(pub(crate) Option<String>);

/// An enum whose values a spec names by their wire spelling.
pub(crate) trait Enumerated: Sized {
    /// The allowed spellings.
    fn known() -> Vec<&'static str>;
    fn parse(text: &str) -> Option<Self>;
}

macro_rules! wire_enumerated {
    ($($name:ty),*) => {$(
        impl Enumerated for $name {
            fn known() -> Vec<&'static str> {
                <$name>::KNOWN.iter().map(|value| value.as_str()).collect()
            }
            fn parse(text: &str) -> Option<Self> {
                Some(<$name>::from(text)).filter(|value| value.is_known())
            }
        }
    )*};
}

wire_enumerated!(KeyUseCase, PricingTier, PrivateAccessLevel);

impl Enumerated for Ensure {
    fn known() -> Vec<&'static str> {
        vec!["present", "absent"]
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "present" => Some(Ensure::Present),
            "absent" => Some(Ensure::Absent),
            _ => None,
        }
    }
}

/// Decoding from the YAML tree; diagnostics go to the decoder, `None` means "invalid, reported".
pub(crate) trait Decode: Sized {
    fn decode(node: &Node, decoder: &mut Decoder<'_>) -> Option<Self>;
}

/// Walks YAML nodes into raw shapes, collecting diagnostics.
pub(crate) struct Decoder<'a> {
    pub(crate) diagnostics: &'a mut Diagnostics,
}

impl Decoder<'_> {
    pub(crate) fn slot<T: Decode>(&mut self, node: &Node) -> Slot<T> {
        if node.is_null() {
            return Slot::Null(node.loc);
        }
        match T::decode(node, self) {
            Some(value) => Slot::Present(Spanned {
                value,
                loc: node.loc,
            }),
            None => Slot::Invalid,
        }
    }

    pub(crate) fn wrong_type(&mut self, node: &Node, expected: &str, help: Option<String>) {
        let found = node.describe();
        let mut diagnostic = Pending::new(
            Code::WrongType,
            node.loc,
            format!("expected {expected}, found {found}"),
        )
        .label(format!("this is {found}"));
        if let Some(help) = help {
            diagnostic = diagnostic.help(help);
        }
        self.diagnostics.push(diagnostic);
    }

    fn mapping<'n>(&mut self, node: &'n Node) -> Option<&'n [Entry]> {
        match &node.value {
            Value::Mapping(entries) => Some(entries),
            _ => {
                let help = matches!(node.value, Value::Sequence(_))
                    .then(|| "write `field: value` lines, not a `- item` list".to_owned());
                self.wrong_type(node, "a mapping", help);
                None
            }
        }
    }

    /// Reports an unknown field; returns the field it is probably a typo of.
    fn unknown_field(
        &mut self,
        entry: &Entry,
        owner: &str,
        fields: &[&'static str],
    ) -> Option<&'static str> {
        let closest = similar(&entry.key, fields.iter().copied()).first().copied();
        let help = match closest {
            Some(field) => format!("did you mean `{field}`?"),
            None => format!("the fields of {owner} are: {}", list(fields)),
        };
        self.diagnostics.push(
            Pending::new(
                Code::UnknownField,
                entry.key_loc,
                format!("unknown field `{}`", entry.key),
            )
            .label(format!("not a field of {owner}"))
            .help(help),
        );
        closest
    }
}

impl Decode for String {
    fn decode(node: &Node, decoder: &mut Decoder<'_>) -> Option<Self> {
        match &node.value {
            Value::Scalar(scalar) => match scalar.kind {
                // A plain number is text too: `bucket_name: 2024` means the name "2024".
                ScalarKind::Plain
                | ScalarKind::Quoted
                | ScalarKind::Integer
                | ScalarKind::Float => Some(scalar.text.clone()),
                ScalarKind::Bool(_) => {
                    let help = format!("quote it if you mean the text: \"{}\"", scalar.text);
                    decoder.wrong_type(node, "a string", Some(help));
                    None
                }
                ScalarKind::Null => {
                    decoder.wrong_type(node, "a string", Some("give it a value".to_owned()));
                    None
                }
            },
            Value::Sequence(_) | Value::Mapping(_) => {
                decoder.wrong_type(node, "a string", None);
                None
            }
        }
    }
}

impl Decode for bool {
    fn decode(node: &Node, decoder: &mut Decoder<'_>) -> Option<Self> {
        if let Value::Scalar(scalar) = &node.value {
            if let ScalarKind::Bool(value) = scalar.kind {
                return Some(value);
            }
            if scalar.kind == ScalarKind::Quoted && matches!(scalar.text.as_str(), "true" | "false")
            {
                let help = format!("remove the quotes: {}", scalar.text);
                decoder.wrong_type(node, "a boolean", Some(help));
                return None;
            }
        }
        decoder.wrong_type(
            node,
            "a boolean",
            Some("write `true` or `false`".to_owned()),
        );
        None
    }
}

impl Decode for u64 {
    fn decode(node: &Node, decoder: &mut Decoder<'_>) -> Option<Self> {
        if let Value::Scalar(scalar) = &node.value
            && scalar.kind == ScalarKind::Integer
            && let Ok(value) = scalar.text.parse()
        {
            return Some(value);
        }
        decoder.wrong_type(node, "a whole number", None);
        None
    }
}

impl<T: Decode> Decode for Vec<Spanned<T>> {
    fn decode(node: &Node, decoder: &mut Decoder<'_>) -> Option<Self> {
        let Value::Sequence(items) = &node.value else {
            let help = matches!(node.value, Value::Scalar(_))
                .then(|| "write a list, e.g. `[value]`".to_owned());
            decoder.wrong_type(node, "a list", help);
            return None;
        };
        let mut values = Vec::with_capacity(items.len());
        let mut all_valid = true;
        for item in items {
            match T::decode(item, decoder) {
                Some(value) => values.push(Spanned {
                    value,
                    loc: item.loc,
                }),
                None => all_valid = false,
            }
        }
        all_valid.then_some(values)
    }
}

impl<T: Decode> Decode for Map<T> {
    fn decode(node: &Node, decoder: &mut Decoder<'_>) -> Option<Self> {
        let entries = decoder.mapping(node)?;
        let mut map = Map {
            entries: Vec::with_capacity(entries.len()),
        };
        for entry in entries {
            if let Some(value) = T::decode(&entry.value, decoder) {
                let key = Spanned {
                    value: entry.key.clone(),
                    loc: entry.key_loc,
                };
                let value = Spanned {
                    value,
                    loc: entry.value.loc,
                };
                map.entries.push((key, value));
            }
        }
        Some(map)
    }
}

impl<E> Decode for Choice<E> {
    fn decode(node: &Node, decoder: &mut Decoder<'_>) -> Option<Self> {
        String::decode(node, decoder).map(|text| Choice {
            text,
            marker: PhantomData,
        })
    }
}

impl Decode for Literal {
    fn decode(node: &Node, decoder: &mut Decoder<'_>) -> Option<Self> {
        match &node.value {
            Value::Scalar(scalar) if scalar.kind == ScalarKind::Null => Some(Literal(None)),
            Value::Scalar(scalar) => Some(Literal(Some(scalar.text.clone()))),
            Value::Sequence(_) | Value::Mapping(_) => {
                decoder.wrong_type(node, "a single value", None);
                None
            }
        }
    }
}

/// Declares a raw struct: the struct (with its JSON Schema), its field list and its decoder.
/// The `resource` form adds the fields every resource has.
macro_rules! raw_struct {
    (
        resource $(#[$meta:meta])* $name:ident ($owner:literal) {
            $( $(#[$field_meta:meta])* $field:ident : $ty:ty, )*
        }
    ) => {
        raw_struct! {
            $(#[$meta])* $name ($owner) {
                $( $(#[$field_meta])* $field : $ty, )*
                /// `present` (the default) or `absent`: delete the matching live object if it
                /// exists. A resource others reference cannot be absent.
                ensure: Choice<Ensure>,
                /// `true`: the object is owned elsewhere. brickform looks it up by name (or key
                /// ARN and use cases, or deployment name), lets other resources reference it, and
                /// never changes or deletes it. Only the fields that identify it are required.
                existing: bool,
                /// How brickform may change the resource.
                lifecycle: Lifecycle,
            }
        }
    };
    (
        $(#[$meta:meta])* $name:ident ($owner:literal) {
            $( $(#[$field_meta:meta])* $field:ident : $ty:ty, )*
        }
    ) => {
        #[derive(Debug, Default, JsonSchema)]
        #[schemars(deny_unknown_fields)]
        $(#[$meta])*
        pub(crate) struct $name {
            $(
                $(#[$field_meta])*
                #[serde(default, skip_serializing_if = "Slot::is_absent")]
                pub(crate) $field: Slot<$ty>,
            )*
        }

        impl $name {
            /// The field names, as written in a spec.
            pub(crate) const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
        }

        impl Decode for $name {
            fn decode(node: &Node, decoder: &mut Decoder<'_>) -> Option<Self> {
                let entries = decoder.mapping(node)?;
                let mut value = $name::default();
                let mut typos = Vec::new();
                for entry in entries {
                    match entry.key.as_str() {
                        $( stringify!($field) => value.$field = decoder.slot(&entry.value), )*
                        // `x-...` keys at the top level hold YAML anchors for reuse.
                        key if $owner == "a spec" && key.starts_with("x-") => {}
                        _ => typos.extend(decoder.unknown_field(entry, $owner, Self::FIELDS)),
                    }
                }
                // A misspelt field was written, just not recognised: it is not also missing.
                for typo in typos {
                    match typo {
                        $( stringify!($field) if value.$field.is_missing() => value.$field = Slot::Invalid, )*
                        _ => {}
                    }
                }
                Some(value)
            }
        }
    };
}

raw_struct! {
    /// A brickform spec: the Databricks account-level objects a team wants, by section.
    ///
    /// A spec may be split over several files (a directory); sections merge, and an address
    /// (`SECTION.KEY`) may be defined only once.
    #[schemars(title = "brickform spec")]
    Document ("a spec") {
        /// The spec language version: always `1`.
        version: u64,
        /// Account-wide settings.
        account: Account,
        /// Values for `${var.NAME}` in string fields. `--var NAME=VALUE` and `--var-file FILE`
        /// override them; a variable written with no value must be given on the command line.
        variables: Map<Literal>,
        /// Cross-account IAM roles Databricks assumes (`credentials_name` on the wire).
        credentials: Map<Credentials>,
        /// Root S3 buckets of workspaces.
        storage_configurations: Map<StorageConfiguration>,
        /// KMS keys for managed services and workspace storage.
        customer_managed_keys: Map<CustomerManagedKey>,
        /// Registrations of AWS VPC endpoints (PrivateLink).
        vpc_endpoints: Map<VpcEndpoint>,
        /// Customer-managed VPCs.
        networks: Map<Network>,
        /// PrivateLink access settings.
        private_access_settings: Map<PrivateAccessSettings>,
        /// Workspaces.
        workspaces: Map<Workspace>,
    }
}

raw_struct! {
    /// Account-wide settings.
    Account ("`account`") {
        /// The Databricks account id. Optional: by default it comes from the authentication
        /// configuration (`DATABRICKS_ACCOUNT_ID`, a profile).
        id: String,
        /// The account's deployment name prefix, if Databricks set one up: workspaces'
        /// `deployment_name`s are compared with it prepended.
        deployment_name_prefix: String,
    }
}

raw_struct! {
    /// A resource's lifecycle settings.
    Lifecycle ("`lifecycle`") {
        /// Refuse to delete or replace the live object. Workspaces default to `true`.
        prevent_destroy: bool,
        /// Fields whose live value is never compared, e.g. `[custom_tags]`.
        ignore_changes: Vec<Spanned<String>>,
    }
}

raw_struct! {
    resource
    /// A credentials configuration: a cross-account IAM role.
    Credentials ("credentials") {
        /// `credentials_name`; identifies the live object. 4 to 256 characters.
        name: String,
        /// The role's ARN: `arn:aws:iam::<account>:role/<name>`.
        role_arn: String,
    }
}

raw_struct! {
    resource
    /// A storage configuration: the workspace's root S3 bucket.
    StorageConfiguration ("a storage configuration") {
        /// `storage_configuration_name`; identifies the live object. 4 to 256 characters.
        name: String,
        /// The root bucket's name.
        bucket_name: String,
        /// Optional IAM role for the workspace catalog in the same bucket.
        role_arn: String,
    }
}

raw_struct! {
    resource
    /// A customer-managed key: a KMS key registered with Databricks. Identified by `key_arn`
    /// and `use_cases` together.
    CustomerManagedKey ("a customer-managed key") {
        /// `arn:aws:kms:<region>:<account>:key/<id>`; the key must be in the workspace's region.
        key_arn: String,
        /// e.g. `alias/databricks`.
        key_alias: String,
        /// `MANAGED_SERVICES` (notebooks, secrets, queries) and/or `STORAGE` (root bucket, EBS).
        use_cases: Vec<Spanned<Choice<KeyUseCase>>>,
        /// With `STORAGE`: also encrypt cluster EBS volumes (the API's default is `true`).
        reuse_key_for_cluster_volumes: bool,
    }
}

raw_struct! {
    resource
    /// A VPC endpoint registration (PrivateLink).
    VpcEndpoint ("a VPC endpoint") {
        /// `vpc_endpoint_name`; identifies the live object. 4 to 256 characters.
        name: String,
        /// The AWS endpoint id, `vpce-...`.
        aws_vpc_endpoint_id: String,
        /// The endpoint's AWS region.
        region: String,
    }
}

raw_struct! {
    resource
    /// A network configuration: a customer-managed VPC. One network serves one workspace.
    Network ("a network") {
        /// `network_name`; identifies the live object. 4 to 256 characters.
        name: String,
        /// The VPC id, `vpc-...`.
        vpc_id: String,
        /// At least two subnets, in different availability zones.
        subnet_ids: Vec<Spanned<String>>,
        /// One to five security groups.
        security_group_ids: Vec<Spanned<String>>,
        /// Back-end PrivateLink endpoints, by key under `vpc_endpoints:`.
        vpc_endpoints: NetworkEndpoints,
    }
}

raw_struct! {
    /// A network's back-end PrivateLink endpoints.
    NetworkEndpoints ("`vpc_endpoints`") {
        /// Endpoints for the workspace's REST API, by key under `vpc_endpoints:`.
        rest_api: Vec<Spanned<String>>,
        /// Endpoints for the secure cluster connectivity relay, by key under `vpc_endpoints:`.
        dataplane_relay: Vec<Spanned<String>>,
    }
}

raw_struct! {
    resource
    /// Private access settings (PrivateLink).
    PrivateAccessSettings ("private access settings") {
        /// `private_access_settings_name`; identifies the live object. 4 to 256 characters.
        name: String,
        /// The AWS region; only workspaces in this region may use the settings.
        region: String,
        /// Whether the workspace stays reachable from the public internet.
        public_access_enabled: bool,
        /// `ACCOUNT` (any of the account's endpoints, the default) or `ENDPOINT` (only
        /// `allowed_vpc_endpoints`).
        private_access_level: Choice<PrivateAccessLevel>,
        /// With `private_access_level: ENDPOINT`: the endpoints allowed, by key under
        /// `vpc_endpoints:`.
        allowed_vpc_endpoints: Vec<Spanned<String>>,
    }
}

raw_struct! {
    resource
    /// A workspace. Identified by `deployment_name` when set, else by `workspace_name`.
    Workspace ("a workspace") {
        /// 1 to 100 characters.
        workspace_name: String,
        /// The workspace URL's first label: `a-z`, `0-9` and inner hyphens, at most 64
        /// characters, without the account prefix. `EMPTY` means the prefix alone.
        deployment_name: String,
        /// The AWS region.
        aws_region: String,
        /// Key under `credentials:`.
        credentials: String,
        /// Key under `storage_configurations:`.
        storage_configuration: String,
        /// Key under `networks:`; omit for a Databricks-managed VPC.
        network: String,
        /// Key under `customer_managed_keys:`; the key needs the `MANAGED_SERVICES` use case.
        managed_services_key: String,
        /// Key under `customer_managed_keys:`; the key needs the `STORAGE` use case.
        storage_key: String,
        /// Key under `private_access_settings:`.
        private_access_settings: String,
        /// `ENTERPRISE`, `PREMIUM`, ...; by default the account decides.
        pricing_tier: Choice<PricingTier>,
        /// AWS tags on the workspace's resources.
        custom_tags: Map<String>,
    }
}

/// The pattern of resource keys (the `KEY` of an address `SECTION.KEY`).
pub(crate) const KEY_PATTERN: &str = "^[A-Za-z0-9_-]+$";

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

impl<T: JsonSchema> JsonSchema for Slot<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

impl<T: JsonSchema> JsonSchema for Map<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("Map_of_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let values = generator.subschema_for::<T>();
        json_schema!({
            "type": ["object", "null"],
            "propertyNames": { "pattern": KEY_PATTERN },
            "additionalProperties": values,
        })
    }
}

impl<E: Enumerated> JsonSchema for Choice<E> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Choice".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        // An interpolation (`${var.tier}`) is allowed where a fixed value is.
        json_schema!({
            "anyOf": [
                { "enum": E::known() },
                { "type": "string", "pattern": "\\$\\{" },
            ]
        })
    }
}

impl JsonSchema for Literal {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Literal".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "boolean", "null"] })
    }
}

/// Decodes one YAML document.
pub(crate) fn decode_document(node: &Node, diagnostics: &mut Diagnostics) -> Option<Document> {
    let mut decoder = Decoder { diagnostics };
    Document::decode(node, &mut decoder)
}

/// Decodes a variable file: a mapping from names to values.
pub(crate) fn decode_variables(node: &Node, diagnostics: &mut Diagnostics) -> Option<Map<Literal>> {
    let mut decoder = Decoder { diagnostics };
    Map::<Literal>::decode(node, &mut decoder)
}
