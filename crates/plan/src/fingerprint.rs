//! Fingerprints of live objects: SHA-256 of their canonical JSON.
//!
//! Canonical means object keys sorted by their UTF-8 bytes at every level and no whitespace,
//! written here by hand rather than trusting `serde_json`'s map order, which a feature enabled
//! anywhere in the build (`preserve_order`) would silently change.

use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// The canonical JSON text of `value`.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|left, right| left.0.as_bytes().cmp(right.0.as_bytes()));
            out.push('{');
            for (position, (key, item)) in entries.into_iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// `sha256:` followed by the hex SHA-256 of the canonical JSON of `value`.
pub fn fingerprint(value: &Value) -> String {
    let digest = Sha256::digest(canonical_json(value).as_bytes());
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256:");
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn key_order_does_not_change_the_fingerprint_and_values_do() {
        let left: Value =
            serde_json::from_str(r#"{"b": 1, "a": {"d": [1, 2], "c": "x"}}"#).unwrap();
        let right: Value =
            serde_json::from_str(r#"{"a": {"c": "x", "d": [1, 2]}, "b": 1}"#).unwrap();
        assert_eq!(canonical_json(&left), r#"{"a":{"c":"x","d":[1,2]},"b":1}"#);
        assert_eq!(fingerprint(&left), fingerprint(&right));
        assert_ne!(
            fingerprint(&left),
            fingerprint(&json!({"a": {"c": "x", "d": [2, 1]}, "b": 1}))
        );
        assert!(fingerprint(&left).starts_with("sha256:"));
        assert_eq!(fingerprint(&left).len(), 7 + 64);
    }
}
