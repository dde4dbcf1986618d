//! The compared fields of each kind: their spec name, where they live in the wire object, and
//! how their values are normalised before comparing.
//!
//! Desired state is built as a create request and live state is read as a wire object; both
//! have the same JSON paths, so one [`normalize`] function turns either into a flat map from
//! spec field names to canonical values. Diffing, residual checks after apply and the display
//! of new objects all go through this table, so they cannot disagree about what "the same"
//! means: sets compare as sets, server-filled defaults (`reuse_key_for_cluster_volumes`
//! omitted means `true`, `public_access_enabled` omitted means `false`, `private_access_level`
//! omitted means `ACCOUNT`) compare equal to their explicit spelling, and fields the server
//! fills on its own (`key_region`, `vpc_status`, `creation_time`, ids) are not compared at all.

use std::collections::BTreeMap;

use serde_json::Value;
use spec::Kind;

/// How a field's value is normalised and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A string; the empty string means unset.
    Text,
    /// A string the API treats case-insensitively (enums); compared upper-cased.
    Upper,
    /// A string the API lower-cases (deployment names).
    Lower,
    /// A boolean whose omission means `default`.
    Bool { default: bool },
    /// An enum whose omission means `default`.
    UpperWithDefault { default: &'static str },
    /// A list of strings compared as a set; empty means unset.
    Set,
    /// A string-to-string map; empty means unset.
    Map,
    /// The id of an object of `Kind`.
    Reference(Kind),
    /// A set of ids of objects of `Kind`.
    ReferenceSet(Kind),
}

/// One compared field of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldSpec {
    /// The spec's name for the field, as `ignore_changes` and the plan name it.
    pub(crate) field: &'static str,
    /// The path of the field in the wire object (and in the create request).
    pub(crate) path: &'static [&'static str],
    pub(crate) shape: Shape,
    /// Compared only when the spec sets it: when it is left out, the server decides and any
    /// live value is accepted (`pricing_tier`, `deployment_name`).
    pub(crate) only_when_desired: bool,
}

const fn field(field: &'static str, path: &'static [&'static str], shape: Shape) -> FieldSpec {
    FieldSpec {
        field,
        path,
        shape,
        only_when_desired: false,
    }
}

const fn optional(field: &'static str, path: &'static [&'static str], shape: Shape) -> FieldSpec {
    FieldSpec {
        field,
        path,
        shape,
        only_when_desired: true,
    }
}

const CREDENTIALS: &[FieldSpec] = &[
    field("name", &["credentials_name"], Shape::Text),
    field(
        "role_arn",
        &["aws_credentials", "sts_role", "role_arn"],
        Shape::Text,
    ),
];

const STORAGE_CONFIGURATION: &[FieldSpec] = &[
    field("name", &["storage_configuration_name"], Shape::Text),
    field(
        "bucket_name",
        &["root_bucket_info", "bucket_name"],
        Shape::Text,
    ),
    field("role_arn", &["role_arn"], Shape::Text),
];

const CUSTOMER_MANAGED_KEY: &[FieldSpec] = &[
    field("key_arn", &["aws_key_info", "key_arn"], Shape::Text),
    field("use_cases", &["use_cases"], Shape::Set),
    field("key_alias", &["aws_key_info", "key_alias"], Shape::Text),
    // Normalised specially: only meaningful with the STORAGE use case, where omitted is `true`.
    field(
        "reuse_key_for_cluster_volumes",
        &["aws_key_info", "reuse_key_for_cluster_volumes"],
        Shape::Bool { default: true },
    ),
];

const VPC_ENDPOINT: &[FieldSpec] = &[
    field("name", &["vpc_endpoint_name"], Shape::Text),
    field("aws_vpc_endpoint_id", &["aws_vpc_endpoint_id"], Shape::Text),
    field("region", &["region"], Shape::Text),
];

const NETWORK: &[FieldSpec] = &[
    field("name", &["network_name"], Shape::Text),
    field("vpc_id", &["vpc_id"], Shape::Text),
    field("subnet_ids", &["subnet_ids"], Shape::Set),
    field("security_group_ids", &["security_group_ids"], Shape::Set),
    field(
        "vpc_endpoints.rest_api",
        &["vpc_endpoints", "rest_api"],
        Shape::ReferenceSet(Kind::VpcEndpoint),
    ),
    field(
        "vpc_endpoints.dataplane_relay",
        &["vpc_endpoints", "dataplane_relay"],
        Shape::ReferenceSet(Kind::VpcEndpoint),
    ),
];

const PRIVATE_ACCESS_SETTINGS: &[FieldSpec] = &[
    field("name", &["private_access_settings_name"], Shape::Text),
    field("region", &["region"], Shape::Text),
    field(
        "public_access_enabled",
        &["public_access_enabled"],
        Shape::Bool { default: false },
    ),
    field(
        "private_access_level",
        &["private_access_level"],
        Shape::UpperWithDefault { default: "ACCOUNT" },
    ),
    field(
        "allowed_vpc_endpoints",
        &["allowed_vpc_endpoint_ids"],
        Shape::ReferenceSet(Kind::VpcEndpoint),
    ),
];

const WORKSPACE: &[FieldSpec] = &[
    field("workspace_name", &["workspace_name"], Shape::Text),
    optional("deployment_name", &["deployment_name"], Shape::Lower),
    field("aws_region", &["aws_region"], Shape::Text),
    field(
        "credentials",
        &["credentials_id"],
        Shape::Reference(Kind::Credentials),
    ),
    field(
        "storage_configuration",
        &["storage_configuration_id"],
        Shape::Reference(Kind::StorageConfiguration),
    ),
    field("network", &["network_id"], Shape::Reference(Kind::Network)),
    field(
        "managed_services_key",
        &["managed_services_customer_managed_key_id"],
        Shape::Reference(Kind::CustomerManagedKey),
    ),
    field(
        "storage_key",
        &["storage_customer_managed_key_id"],
        Shape::Reference(Kind::CustomerManagedKey),
    ),
    field(
        "private_access_settings",
        &["private_access_settings_id"],
        Shape::Reference(Kind::PrivateAccessSettings),
    ),
    optional("pricing_tier", &["pricing_tier"], Shape::Upper),
    field("custom_tags", &["custom_tags"], Shape::Map),
];

/// The compared fields of `kind`, in display order.
pub(crate) fn field_specs(kind: Kind) -> &'static [FieldSpec] {
    match kind {
        Kind::Credentials => CREDENTIALS,
        Kind::StorageConfiguration => STORAGE_CONFIGURATION,
        Kind::CustomerManagedKey => CUSTOMER_MANAGED_KEY,
        Kind::VpcEndpoint => VPC_ENDPOINT,
        Kind::Network => NETWORK,
        Kind::PrivateAccessSettings => PRIVATE_ACCESS_SETTINGS,
        Kind::Workspace => WORKSPACE,
    }
}

/// The field spec of `kind` named `field`.
pub(crate) fn field_spec(kind: Kind, field: &str) -> Option<&'static FieldSpec> {
    field_specs(kind).iter().find(|spec| spec.field == field)
}

/// A normalised object: spec field name to canonical value; unset fields are absent.
pub(crate) type Normalized = BTreeMap<&'static str, Value>;

/// The value at `path` in `object`, if any.
pub(crate) fn get_path<'v>(object: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter()
        .try_fold(object, |value, segment| value.get(segment))
}

/// Sets `path` in `object` to `value` (creating objects on the way), or removes it for `None`.
pub(crate) fn set_path(object: &mut Value, path: &[&str], value: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = object;
    for segment in parents {
        if !current.is_object() {
            *current = Value::Object(serde_json::Map::new());
        }
        current = current
            .as_object_mut()
            .expect("made an object above")
            .entry(segment.to_string())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
    if !current.is_object() {
        *current = Value::Object(serde_json::Map::new());
    }
    let map = current.as_object_mut().expect("made an object above");
    match value {
        Some(value) => {
            map.insert((*last).to_owned(), value);
        }
        None => {
            map.remove(*last);
        }
    }
}

/// Normalises a wire object (or a create request) of `kind`.
pub(crate) fn normalize(kind: Kind, wire: &Value) -> Normalized {
    let mut normalized = Normalized::new();
    for spec in field_specs(kind) {
        if let Some(value) = normalize_value(spec.shape, get_path(wire, spec.path)) {
            normalized.insert(spec.field, value);
        }
    }
    if kind == Kind::CustomerManagedKey {
        // The flag only means something for keys that encrypt storage; the server treats
        // "omitted" as `true` there.
        let encrypts_storage = normalized
            .get("use_cases")
            .and_then(Value::as_array)
            .is_some_and(|use_cases| use_cases.iter().any(|use_case| use_case == "STORAGE"));
        if !encrypts_storage {
            normalized.remove("reuse_key_for_cluster_volumes");
        }
    }
    normalized
}

fn normalize_value(shape: Shape, value: Option<&Value>) -> Option<Value> {
    let value = value.filter(|value| !value.is_null());
    match shape {
        Shape::Text | Shape::Reference(_) => {
            let text = value?.as_str()?;
            (!text.is_empty()).then(|| Value::String(text.to_owned()))
        }
        Shape::Upper => {
            let text = value?.as_str()?;
            (!text.is_empty()).then(|| Value::String(text.to_ascii_uppercase()))
        }
        Shape::Lower => {
            let text = value?.as_str()?;
            (!text.is_empty()).then(|| Value::String(text.to_ascii_lowercase()))
        }
        Shape::Bool { default } => Some(Value::Bool(
            value.and_then(Value::as_bool).unwrap_or(default),
        )),
        Shape::UpperWithDefault { default } => {
            let text = value
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
                .unwrap_or(default);
            Some(Value::String(text.to_ascii_uppercase()))
        }
        Shape::Set | Shape::ReferenceSet(_) => {
            let mut items: Vec<String> = value?
                .as_array()?
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .filter(|item| !item.is_empty())
                .collect();
            items.sort();
            items.dedup();
            (!items.is_empty()).then(|| Value::from(items))
        }
        Shape::Map => {
            let map = value?.as_object()?;
            (!map.is_empty()).then(|| Value::Object(map.clone()))
        }
    }
}

/// One field whose desired and live values differ.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldDiff {
    pub(crate) spec: &'static FieldSpec,
    pub(crate) before: Option<Value>,
    pub(crate) after: Option<Value>,
}

/// The fields of `kind` that differ between `desired` and `live`, in table order.
pub(crate) fn diff(kind: Kind, desired: &Normalized, live: &Normalized) -> Vec<FieldDiff> {
    field_specs(kind)
        .iter()
        .filter_map(|spec| {
            let after = desired.get(spec.field);
            if spec.only_when_desired && after.is_none() {
                return None;
            }
            let before = live.get(spec.field);
            (before != after).then(|| FieldDiff {
                spec,
                before: before.cloned(),
                after: after.cloned(),
            })
        })
        .collect()
}

/// Whether `field` is covered by an `ignore_changes` entry (`vpc_endpoints` covers
/// `vpc_endpoints.rest_api`).
pub(crate) fn is_ignored(field: &str, ignore_changes: &[String]) -> bool {
    ignore_changes.iter().any(|ignored| {
        field == ignored
            || field
                .strip_prefix(ignored.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn sets_compare_as_sets_and_defaults_as_their_values() {
        let live = normalize(
            Kind::Network,
            &json!({"network_name": "n", "subnet_ids": ["b", "a"], "vpc_endpoints": {"rest_api": [], "dataplane_relay": []}, "vpc_status": "VALID"}),
        );
        let desired = normalize(
            Kind::Network,
            &json!({"network_name": "n", "subnet_ids": ["a", "b", "a"]}),
        );
        assert!(diff(Kind::Network, &desired, &live).is_empty());

        let live = normalize(
            Kind::PrivateAccessSettings,
            &json!({"private_access_settings_name": "p"}),
        );
        let desired = normalize(
            Kind::PrivateAccessSettings,
            &json!({"private_access_settings_name": "p", "public_access_enabled": false, "private_access_level": "ACCOUNT"}),
        );
        assert!(diff(Kind::PrivateAccessSettings, &desired, &live).is_empty());
    }

    #[test]
    fn the_volume_flag_counts_only_for_storage_keys_and_defaults_to_true() {
        let live = normalize(
            Kind::CustomerManagedKey,
            &json!({"use_cases": ["STORAGE"], "aws_key_info": {"key_arn": "k", "key_region": "us-west-2"}}),
        );
        let desired = normalize(
            Kind::CustomerManagedKey,
            &json!({"use_cases": ["STORAGE"], "aws_key_info": {"key_arn": "k", "reuse_key_for_cluster_volumes": true}}),
        );
        assert!(diff(Kind::CustomerManagedKey, &desired, &live).is_empty());
        let desired = normalize(
            Kind::CustomerManagedKey,
            &json!({"use_cases": ["STORAGE"], "aws_key_info": {"key_arn": "k", "reuse_key_for_cluster_volumes": false}}),
        );
        let diffs = diff(Kind::CustomerManagedKey, &desired, &live);
        assert_eq!(diffs.len(), 1);
        assert_eq!(diffs[0].spec.field, "reuse_key_for_cluster_volumes");
        let managed_services = normalize(
            Kind::CustomerManagedKey,
            &json!({"use_cases": ["MANAGED_SERVICES"], "aws_key_info": {"key_arn": "k", "reuse_key_for_cluster_volumes": false}}),
        );
        assert!(!managed_services.contains_key("reuse_key_for_cluster_volumes"));
    }

    #[test]
    fn server_chosen_fields_are_compared_only_when_the_spec_sets_them() {
        let live = normalize(
            Kind::Workspace,
            &json!({"workspace_name": "w", "pricing_tier": "ENTERPRISE", "deployment_name": "acme-w"}),
        );
        let desired = normalize(Kind::Workspace, &json!({"workspace_name": "w"}));
        assert!(diff(Kind::Workspace, &desired, &live).is_empty());
        let desired = normalize(
            Kind::Workspace,
            &json!({"workspace_name": "w", "pricing_tier": "premium"}),
        );
        let diffs = diff(Kind::Workspace, &desired, &live);
        assert_eq!(diffs[0].spec.field, "pricing_tier");
        assert_eq!(diffs[0].after, Some(json!("PREMIUM")));
    }

    #[test]
    fn ignore_changes_covers_sub_fields() {
        let ignored = vec!["vpc_endpoints".to_owned()];
        assert!(is_ignored("vpc_endpoints.rest_api", &ignored));
        assert!(!is_ignored("vpc_endpoints_other", &ignored));
        assert!(is_ignored("custom_tags", &["custom_tags".to_owned()]));
    }

    #[test]
    fn paths_are_set_and_removed() {
        let mut object = json!({"a": 1});
        set_path(&mut object, &["b", "c"], Some(json!("x")));
        assert_eq!(object, json!({"a": 1, "b": {"c": "x"}}));
        set_path(&mut object, &["a"], None);
        assert_eq!(object, json!({"b": {"c": "x"}}));
    }
}
