//! The committed reference material stays true: `specs/brickform.schema.json` is what
//! `brickform schema` prints, `specs/README.md` documents every diagnostic code, and every YAML
//! example in the README is a valid spec.

use std::path::PathBuf;

use brickform_spec::{
    Code, Environment, LoadOptions, Source, json_schema, json_schema_text, load_sources,
};

fn repository_file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

#[test]
fn the_committed_schema_is_fresh() {
    let path = repository_file("specs/brickform.schema.json");
    let expected = json_schema_text();
    if std::env::var_os("BRICKFORM_UPDATE_SCHEMA").is_some() {
        fs_err::write(&path, &expected).unwrap();
        return;
    }
    let committed = fs_err::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "specs/brickform.schema.json is stale; regenerate it with\n  \
         cargo run -q -p brickform-cli -- schema > specs/brickform.schema.json\n\
         or BRICKFORM_UPDATE_SCHEMA=1 cargo test -p brickform-spec --test schema"
    );
}

#[test]
fn the_schema_closes_every_object_and_requires_identities() {
    let schema = json_schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema["required"], serde_json::json!(["version"]));
    assert_eq!(schema["properties"]["version"]["const"], 1);
    let definitions = schema["definitions"].as_object().unwrap();
    for name in [
        "Credentials",
        "Workspace",
        "Network",
        "Lifecycle",
        "Account",
    ] {
        assert_eq!(definitions[name]["additionalProperties"], false, "{name}");
    }
    assert_eq!(
        definitions["Credentials"]["else"]["required"],
        serde_json::json!(["name", "role_arn"])
    );
    let workspace_fields: Vec<&String> = definitions["Workspace"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert!(
        workspace_fields
            .iter()
            .any(|field| *field == "managed_services_key")
    );
    assert!(workspace_fields.iter().any(|field| *field == "lifecycle"));
}

#[test]
fn every_diagnostic_code_is_documented() {
    let readme = fs_err::read_to_string(repository_file("specs/README.md")).unwrap();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|code| code.as_str())
        .filter(|code| !readme.contains(&format!("### {code}")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a `### CODE` section in specs/README.md: {missing:?}"
    );
}

/// Every ```yaml block of the README that starts with `version: 1` (after comments) is a
/// complete spec and must load; blocks marked `# invalid` must not.
#[test]
fn the_readme_examples_are_valid_specs() {
    let readme = fs_err::read_to_string(repository_file("specs/README.md")).unwrap();
    let mut checked = 0;
    for (index, block) in readme.split("```yaml\n").skip(1).enumerate() {
        let block = block.split("```").next().unwrap();
        let body: Vec<&str> = block
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .collect();
        if body.first() != Some(&"version: 1") {
            continue;
        }
        let options = LoadOptions {
            environment: Environment::from_pairs([("DATABRICKS_ACCOUNT_ID", "0000")]),
            ..LoadOptions::default()
        };
        let result = load_sources(
            &[Source::new(format!("README block {index}"), block)],
            &options,
        );
        if let Some(code) = block
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("# invalid: "))
            .and_then(|rest| rest.split_whitespace().next())
        {
            let failed = result
                .err()
                .unwrap_or_else(|| panic!("README block {index} should be invalid:\n{block}"));
            let codes: Vec<&str> = failed
                .diagnostics
                .iter()
                .map(|diagnostic| diagnostic.code.as_str())
                .collect();
            assert!(
                codes.contains(&code),
                "README block {index} should report {code}, not {codes:?}:\n{block}"
            );
        } else {
            result.unwrap_or_else(|failed| panic!("README block {index} is invalid:{failed:?}"));
        }
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} complete examples found");
}
