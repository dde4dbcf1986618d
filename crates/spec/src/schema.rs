//! The JSON Schema of the spec language, for editors (`# yaml-language-server: $schema=...`).
//!
//! It is derived from the raw shapes the decoder uses, so the two cannot drift apart, and then
//! completed with what a derive cannot say: `version` is required and is `1`, and each resource
//! requires its identifying fields always and its other required fields unless it is
//! `existing: true` or `ensure: absent`. Draft 07, which every YAML language server supports.

use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use crate::model::Kind;
use crate::raw;
use crate::validate::required_fields;

/// The JSON Schema of one spec document.
pub fn json_schema() -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<raw::Document>();
    let mut schema = schema.to_value();
    schema["required"] = json!(["version"]);
    schema["patternProperties"] = json!({ "^x-": {} });
    let description = schema["properties"]["version"]["description"].clone();
    schema["properties"]["version"] = json!({ "const": 1, "description": description });
    for kind in Kind::ALL {
        let definition = match kind {
            Kind::Credentials => "Credentials",
            Kind::StorageConfiguration => "StorageConfiguration",
            Kind::CustomerManagedKey => "CustomerManagedKey",
            Kind::VpcEndpoint => "VpcEndpoint",
            Kind::Network => "Network",
            Kind::PrivateAccessSettings => "PrivateAccessSettings",
            Kind::Workspace => "Workspace",
        };
        let (always, unless_relaxed) = required_fields(kind);
        let all: Vec<&str> = always.iter().chain(unless_relaxed).copied().collect();
        let identify = if kind == Kind::Workspace {
            json!({ "anyOf": [{ "required": ["workspace_name"] }, { "required": ["deployment_name"] }] })
        } else {
            json!({ "required": always })
        };
        let target = &mut schema["definitions"][definition];
        target["if"] = json!({
            "anyOf": [
                { "properties": { "existing": { "const": true } }, "required": ["existing"] },
                { "properties": { "ensure": { "const": "absent" } }, "required": ["ensure"] },
            ]
        });
        target["then"] = identify;
        target["else"] = json!({ "required": all });
    }
    schema
}

/// [`json_schema`] as pretty-printed text with a final line break: `brickform schema`'s output
/// and the content of `specs/brickform.schema.json`.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).expect("a JSON value serialises");
    text.push('\n');
    text
}
