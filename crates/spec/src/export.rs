//! Export: a live account snapshot written as a spec, so that teams with console-made
//! workspaces can start from what they have.
//!
//! Every object becomes a resource whose key is derived from its name, and ids become
//! references by key. Planning the exported spec against the same account right away must show
//! no changes, so the export writes exactly the fields the planner compares and nothing the
//! server fills in by itself (`key_region`, `vpc_status`, `creation_time`, ...).
//!
//! What a spec cannot say is left out with a warning, never guessed: a second object with the
//! same natural key (the planner would find two matches), a workspace being deleted, a
//! reference to an object the account no longer lists.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use api_types::{Snapshot, WorkspaceStatus};

/// What [`export`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// The spec, as YAML text.
    pub text: String,
    /// What was left out, and why; also written at the top of `text` as comments.
    pub warnings: Vec<String>,
    /// How many resources the spec declares.
    pub resources: usize,
}

/// Options of an export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Written as `account.id`, so the spec can only be applied to the account it came from.
    pub account_id: Option<String>,
    /// A comment line saying where the export came from (host, time).
    pub origin: Option<String>,
}

/// Writes `snapshot` as a spec.
pub fn export(snapshot: &Snapshot, options: &ExportOptions) -> Exported {
    let mut exporter = Exporter::default();
    exporter.credentials(snapshot);
    exporter.storage_configurations(snapshot);
    exporter.customer_managed_keys(snapshot);
    exporter.vpc_endpoints(snapshot);
    exporter.networks(snapshot);
    exporter.private_access_settings(snapshot);
    exporter.workspaces(snapshot);
    exporter.finish(options)
}

/// One section being written: its resources in output order.
#[derive(Default)]
struct Section {
    entries: Vec<(String, Vec<Field>)>,
}

/// A field of a resource and its YAML rendering.
enum Field {
    Scalar(&'static str, String),
    Bool(&'static str, bool),
    List(&'static str, Vec<String>),
    Map(&'static str, BTreeMap<String, String>),
    /// A nested mapping of lists, e.g. a network's `vpc_endpoints`.
    Lists(&'static str, Vec<(&'static str, Vec<String>)>),
}

#[derive(Default)]
struct Exporter {
    sections: Vec<(&'static str, Section)>,
    warnings: Vec<String>,
    /// Live id to spec key, per section, for turning ids into references.
    keys_by_id: HashMap<(&'static str, String), String>,
    /// Keys already used, per section.
    used_keys: HashMap<&'static str, HashSet<String>>,
}

impl Exporter {
    fn credentials(&mut self, snapshot: &Snapshot) {
        let mut section = Section::default();
        let mut seen = NaturalKeys::default();
        for credential in &snapshot.credentials {
            let name = &credential.credentials_name;
            if !seen.first(
                "credential configuration",
                name,
                &credential.credentials_id,
                &mut self.warnings,
            ) {
                continue;
            }
            let mut fields = vec![Field::Scalar("name", name.clone())];
            if let Some(role_arn) = credential.role_arn() {
                fields.push(Field::Scalar("role_arn", role_arn.to_owned()));
            }
            let key = self.key("credentials", name, &credential.credentials_id);
            section.entries.push((key, fields));
        }
        self.sections.push(("credentials", section));
    }

    fn storage_configurations(&mut self, snapshot: &Snapshot) {
        let mut section = Section::default();
        let mut seen = NaturalKeys::default();
        for storage in &snapshot.storage_configurations {
            let name = &storage.storage_configuration_name;
            let id = &storage.storage_configuration_id;
            if !seen.first("storage configuration", name, id, &mut self.warnings) {
                continue;
            }
            let mut fields = vec![Field::Scalar("name", name.clone())];
            if let Some(bucket_name) = storage.bucket_name() {
                fields.push(Field::Scalar("bucket_name", bucket_name.to_owned()));
            }
            if let Some(role_arn) = &storage.role_arn {
                fields.push(Field::Scalar("role_arn", role_arn.clone()));
            }
            let key = self.key("storage_configurations", name, id);
            section.entries.push((key, fields));
        }
        self.sections.push(("storage_configurations", section));
    }

    fn customer_managed_keys(&mut self, snapshot: &Snapshot) {
        let mut section = Section::default();
        let mut seen = NaturalKeys::default();
        for key_object in &snapshot.customer_managed_keys {
            let Some(info) = &key_object.aws_key_info else {
                self.warnings.push(format!(
                    "customer-managed key {} has no AWS key info (a GCP or Azure key?); left out",
                    key_object.customer_managed_key_id
                ));
                continue;
            };
            let mut use_cases: Vec<&str> = key_object
                .use_cases
                .iter()
                .map(|use_case| use_case.as_str())
                .collect();
            use_cases.sort_unstable();
            use_cases.dedup();
            let natural_key = format!("{} for {}", info.key_arn, use_cases.join(", "));
            let id = &key_object.customer_managed_key_id;
            if !seen.first("customer-managed key", &natural_key, id, &mut self.warnings) {
                continue;
            }
            let mut fields = vec![Field::Scalar("key_arn", info.key_arn.clone())];
            if let Some(alias) = &info.key_alias {
                fields.push(Field::Scalar("key_alias", alias.clone()));
            }
            fields.push(Field::List(
                "use_cases",
                use_cases
                    .iter()
                    .map(|use_case| (*use_case).to_owned())
                    .collect(),
            ));
            if let Some(reuse) = info.reuse_key_for_cluster_volumes {
                fields.push(Field::Bool("reuse_key_for_cluster_volumes", reuse));
            }
            // A key has no name: its alias (without `alias/`) or the key id reads best.
            let base = match &info.key_alias {
                Some(alias) => alias.trim_start_matches("alias/").to_owned(),
                None => info
                    .key_arn
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            };
            let key = self.key("customer_managed_keys", &base, id);
            section.entries.push((key, fields));
        }
        self.sections.push(("customer_managed_keys", section));
    }

    fn vpc_endpoints(&mut self, snapshot: &Snapshot) {
        let mut section = Section::default();
        let mut seen = NaturalKeys::default();
        for endpoint in &snapshot.vpc_endpoints {
            let name = &endpoint.vpc_endpoint_name;
            let id = &endpoint.vpc_endpoint_id;
            if !seen.first("VPC endpoint", name, id, &mut self.warnings) {
                continue;
            }
            let fields = vec![
                Field::Scalar("name", name.clone()),
                Field::Scalar("aws_vpc_endpoint_id", endpoint.aws_vpc_endpoint_id.clone()),
                Field::Scalar("region", endpoint.region.clone()),
            ];
            let key = self.key("vpc_endpoints", name, id);
            section.entries.push((key, fields));
        }
        self.sections.push(("vpc_endpoints", section));
    }

    fn networks(&mut self, snapshot: &Snapshot) {
        let mut section = Section::default();
        let mut seen = NaturalKeys::default();
        for network in &snapshot.networks {
            let name = &network.network_name;
            let id = &network.network_id;
            if !seen.first("network", name, id, &mut self.warnings) {
                continue;
            }
            let mut fields = vec![Field::Scalar("name", name.clone())];
            if !network.vpc_id.is_empty() {
                fields.push(Field::Scalar("vpc_id", network.vpc_id.clone()));
            }
            fields.push(Field::List("subnet_ids", network.subnet_ids.clone()));
            fields.push(Field::List(
                "security_group_ids",
                network.security_group_ids.clone(),
            ));
            if let Some(endpoints) = &network.vpc_endpoints {
                let context = format!("network `{name}`");
                let rest_api = self.references("vpc_endpoints", &endpoints.rest_api, &context);
                let relay = self.references("vpc_endpoints", &endpoints.dataplane_relay, &context);
                if !rest_api.is_empty() || !relay.is_empty() {
                    fields.push(Field::Lists(
                        "vpc_endpoints",
                        vec![("rest_api", rest_api), ("dataplane_relay", relay)],
                    ));
                }
            }
            let key = self.key("networks", name, id);
            section.entries.push((key, fields));
        }
        self.sections.push(("networks", section));
    }

    fn private_access_settings(&mut self, snapshot: &Snapshot) {
        let mut section = Section::default();
        let mut seen = NaturalKeys::default();
        for settings in &snapshot.private_access_settings {
            let name = &settings.private_access_settings_name;
            let id = &settings.private_access_settings_id;
            if !seen.first("private access settings", name, id, &mut self.warnings) {
                continue;
            }
            let mut fields = vec![
                Field::Scalar("name", name.clone()),
                Field::Scalar("region", settings.region.clone()),
            ];
            if let Some(public_access_enabled) = settings.public_access_enabled {
                fields.push(Field::Bool("public_access_enabled", public_access_enabled));
            }
            if let Some(level) = &settings.private_access_level {
                fields.push(Field::Scalar(
                    "private_access_level",
                    level.as_str().to_owned(),
                ));
            }
            let context = format!("private access settings `{name}`");
            let allowed = self.references(
                "vpc_endpoints",
                &settings.allowed_vpc_endpoint_ids,
                &context,
            );
            if !allowed.is_empty() {
                fields.push(Field::List("allowed_vpc_endpoints", allowed));
            }
            let key = self.key("private_access_settings", name, id);
            section.entries.push((key, fields));
        }
        self.sections.push(("private_access_settings", section));
    }

    fn workspaces(&mut self, snapshot: &Snapshot) {
        let mut section = Section::default();
        let mut seen = NaturalKeys::default();
        for workspace in &snapshot.workspaces {
            let id = workspace.workspace_id.to_string();
            if workspace.workspace_status == Some(WorkspaceStatus::Cancelling) {
                self.warnings.push(format!(
                    "workspace `{}` ({id}) is being deleted; left out",
                    workspace.workspace_name
                ));
                continue;
            }
            let natural_key = if workspace.deployment_name.is_empty() {
                &workspace.workspace_name
            } else {
                &workspace.deployment_name
            };
            if !seen.first("workspace", natural_key, &id, &mut self.warnings) {
                continue;
            }
            let context = format!("workspace `{}`", workspace.workspace_name);
            let mut fields = vec![Field::Scalar(
                "workspace_name",
                workspace.workspace_name.clone(),
            )];
            if !workspace.deployment_name.is_empty() {
                fields.push(Field::Scalar(
                    "deployment_name",
                    workspace.deployment_name.clone(),
                ));
            }
            fields.push(Field::Scalar("aws_region", workspace.aws_region.clone()));
            let slots = [
                ("credentials", "credentials", &workspace.credentials_id),
                (
                    "storage_configuration",
                    "storage_configurations",
                    &workspace.storage_configuration_id,
                ),
                ("network", "networks", &workspace.network_id),
                (
                    "managed_services_key",
                    "customer_managed_keys",
                    &workspace.managed_services_customer_managed_key_id,
                ),
                (
                    "storage_key",
                    "customer_managed_keys",
                    &workspace.storage_customer_managed_key_id,
                ),
                (
                    "private_access_settings",
                    "private_access_settings",
                    &workspace.private_access_settings_id,
                ),
            ];
            for (field, section_name, live_id) in slots {
                let Some(live_id) = live_id else { continue };
                if let Some(key) = self.reference(section_name, live_id, &context) {
                    fields.push(Field::Scalar(field, key));
                }
            }
            if let Some(pricing_tier) = &workspace.pricing_tier {
                fields.push(Field::Scalar(
                    "pricing_tier",
                    pricing_tier.as_str().to_owned(),
                ));
            }
            if !workspace.custom_tags.is_empty() {
                fields.push(Field::Map("custom_tags", workspace.custom_tags.clone()));
            }
            let base = if workspace.workspace_name.is_empty() {
                &workspace.deployment_name
            } else {
                &workspace.workspace_name
            };
            let key = self.key("workspaces", base, &id);
            section.entries.push((key, fields));
        }
        self.sections.push(("workspaces", section));
    }

    /// A fresh key for an object of `section`, derived from `base`, remembered for `id`.
    fn key(&mut self, section: &'static str, base: &str, id: &str) -> String {
        let stem = key_stem(base, section);
        let used = self.used_keys.entry(section).or_default();
        let mut key = stem.clone();
        let mut suffix = 2;
        while !used.insert(key.clone()) {
            key = format!("{stem}-{suffix}");
            suffix += 1;
        }
        self.keys_by_id
            .insert((section, id.to_owned()), key.clone());
        key
    }

    fn reference(&mut self, section: &'static str, id: &str, context: &str) -> Option<String> {
        let key = self.keys_by_id.get(&(section, id.to_owned())).cloned();
        if key.is_none() {
            self.warnings.push(format!(
                "{context} refers to {id} in `{section}`, which the export does not contain; \
                 the reference is left out"
            ));
        }
        key
    }

    fn references(&mut self, section: &'static str, ids: &[String], context: &str) -> Vec<String> {
        ids.iter()
            .filter_map(|id| self.reference(section, id, context))
            .collect()
    }

    fn finish(self, options: &ExportOptions) -> Exported {
        let mut text = String::new();
        text.push_str("# A brickform spec exported from a live account.\n");
        if let Some(origin) = &options.origin {
            let _ = writeln!(text, "# {origin}");
        }
        text.push_str(
            "# Keys are derived from names; rename them freely (they are local to the spec).\n",
        );
        for warning in &self.warnings {
            let _ = writeln!(text, "# warning: {warning}");
        }
        text.push_str("version: 1\n");
        if let Some(account_id) = &options.account_id {
            let _ = writeln!(text, "account:\n  id: {}", scalar(account_id));
        }
        let mut resources = 0;
        for (name, section) in &self.sections {
            if section.entries.is_empty() {
                continue;
            }
            let _ = writeln!(text, "\n{name}:");
            for (key, fields) in &section.entries {
                resources += 1;
                let _ = writeln!(text, "  {}:", scalar(key));
                for field in fields {
                    write_field(&mut text, field);
                }
            }
        }
        Exported {
            text,
            warnings: self.warnings,
            resources,
        }
    }
}

/// Natural keys already exported in one section: a second object with the same key cannot be
/// expressed (planning would find two matches), so it is left out with a warning.
#[derive(Default)]
struct NaturalKeys {
    first_ids: HashMap<String, String>,
}

impl NaturalKeys {
    fn first(
        &mut self,
        noun: &str,
        natural_key: &str,
        id: &str,
        warnings: &mut Vec<String>,
    ) -> bool {
        match self.first_ids.get(natural_key) {
            None => {
                self.first_ids.insert(natural_key.to_owned(), id.to_owned());
                true
            }
            Some(first_id) => {
                warnings.push(format!(
                    "{noun} {id} has the same name as {first_id} (`{natural_key}`); a spec \
                     cannot tell them apart, so it is left out: rename one of them in the account"
                ));
                false
            }
        }
    }
}

fn write_field(text: &mut String, field: &Field) {
    match field {
        Field::Scalar(name, value) => {
            let _ = writeln!(text, "    {name}: {}", scalar(value));
        }
        Field::Bool(name, value) => {
            let _ = writeln!(text, "    {name}: {value}");
        }
        Field::List(name, values) => {
            let _ = writeln!(text, "    {name}: {}", flow_list(values));
        }
        Field::Map(name, entries) => {
            let _ = writeln!(text, "    {name}:");
            for (key, value) in entries {
                let _ = writeln!(text, "      {}: {}", scalar(key), scalar(value));
            }
        }
        Field::Lists(name, lists) => {
            let _ = writeln!(text, "    {name}:");
            for (key, values) in lists {
                let _ = writeln!(text, "      {key}: {}", flow_list(values));
            }
        }
    }
}

fn flow_list(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|value| scalar(value)).collect();
    format!("[{}]", items.join(", "))
}

/// A key made of what the spec allows in keys (letters, digits, `_`, `-`), lower-cased.
fn key_stem(base: &str, section: &str) -> String {
    let mut stem = String::with_capacity(base.len());
    for character in base.chars() {
        let character = character.to_ascii_lowercase();
        if character.is_ascii_alphanumeric() || character == '_' || character == '-' {
            stem.push(character);
        } else if !stem.ends_with('-') {
            stem.push('-');
        }
    }
    let stem = stem.trim_matches('-').to_owned();
    if stem.is_empty() {
        section.trim_end_matches('s').to_owned()
    } else {
        stem
    }
}

/// A YAML scalar for `value`: plain when that reads back as the same string in any YAML
/// parser, otherwise double-quoted (JSON string syntax is valid YAML). A literal `${` is
/// escaped as `$${` so that interpolation leaves it alone.
fn scalar(value: &str) -> String {
    let value = value.replace("${", "$${");
    let starts_plain = value
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '/' || first == '_');
    let rest_plain = value
        .chars()
        .all(|character| character.is_ascii_alphanumeric() || "_-./:@+=".contains(character));
    let reserved = matches!(
        value.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
    );
    if starts_plain && rest_plain && !reserved && !value.ends_with(':') {
        value
    } else {
        serde_json::to_string(&value).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_only_when_a_yaml_reader_could_misread_them() {
        assert_eq!(scalar("acme-root"), "acme-root");
        assert_eq!(
            scalar("arn:aws:iam::123456789012:role/x"),
            "arn:aws:iam::123456789012:role/x"
        );
        assert_eq!(scalar("123456789012"), "\"123456789012\"");
        assert_eq!(scalar("no"), "\"no\"");
        assert_eq!(scalar("Cost Center"), "\"Cost Center\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("#hash"), "\"#hash\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(scalar("${var.x}"), "\"$${var.x}\"");
    }

    #[test]
    fn keys_keep_only_what_the_spec_allows() {
        assert_eq!(
            key_stem("Acme Cross/Account", "credentials"),
            "acme-cross-account"
        );
        assert_eq!(key_stem("prod_creds", "credentials"), "prod_creds");
        assert_eq!(key_stem("???", "networks"), "network");
    }
}
