//! The Account API's validation rules that need no stored state: name lengths, ARN shapes,
//! regions, deployment names and custom tags. Each returns an [`ApiError`] whose message names
//! the offending value.

use std::collections::BTreeMap;

use crate::error::ApiError;

const AWS_PARTITIONS: &[&str] = &["aws", "aws-us-gov", "aws-cn"];

/// Configuration names (credentials, storage, networks, VPC endpoints, private access
/// settings) are 4 to 256 characters long.
pub(crate) fn configuration_name(field: &str, value: &str) -> Result<(), ApiError> {
    length(field, value, 4, 256)
}

/// `workspace_name` is 1 to 100 characters long.
pub(crate) fn workspace_name(value: &str) -> Result<(), ApiError> {
    length("workspace_name", value, 1, 100)
}

fn length(field: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let n_chars = value.chars().count();
    if n_chars == 0 {
        return Err(ApiError::invalid(format!("{field} is required")));
    }
    if n_chars < min || n_chars > max {
        return Err(ApiError::invalid(format!(
            "{field} `{value}` must be {min} to {max} characters long, not {n_chars}"
        )));
    }
    Ok(())
}

/// A region the workspace compute plane may use.
pub(crate) fn region(field: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() {
        return Err(ApiError::invalid(format!("{field} is required")));
    }
    if !api_types::SUPPORTED_AWS_REGIONS.contains(&value) {
        return Err(ApiError::invalid(format!(
            "{field} `{value}` is not a supported AWS region; supported: {}",
            api_types::SUPPORTED_AWS_REGIONS.join(", ")
        )));
    }
    Ok(())
}

/// `arn:aws:iam::123456789012:role/name` (also in the GovCloud and China partitions).
pub(crate) fn iam_role_arn(field: &str, value: &str) -> Result<(), ApiError> {
    let refuse = || {
        ApiError::invalid(format!(
            "{field} `{value}` is not an IAM role ARN of the form arn:aws:iam::<12-digit account>:role/<name>"
        ))
    };
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts[..] else {
        return Err(refuse());
    };
    let role_name = resource.strip_prefix("role/").ok_or_else(refuse)?;
    let role_name_is_valid = !role_name.is_empty()
        && role_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c));
    if arn != "arn"
        || !AWS_PARTITIONS.contains(&partition)
        || service != "iam"
        || !region.is_empty()
        || !is_aws_account_id(account)
        || !role_name_is_valid
    {
        return Err(refuse());
    }
    Ok(())
}

/// `arn:aws:kms:us-west-2:123456789012:key/<key id>`; answers the region, which the service
/// infers from the ARN.
pub(crate) fn kms_key_arn(value: &str) -> Result<String, ApiError> {
    let refuse = || {
        ApiError::invalid(format!(
            "aws_key_info.key_arn `{value}` is not a KMS key ARN of the form arn:aws:kms:<region>:<12-digit account>:key/<key id>"
        ))
    };
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts[..] else {
        return Err(refuse());
    };
    let key_id = resource.strip_prefix("key/").ok_or_else(refuse)?;
    let key_id_is_valid = !key_id.is_empty()
        && key_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if arn != "arn"
        || !AWS_PARTITIONS.contains(&partition)
        || service != "kms"
        || !looks_like_region(region)
        || !is_aws_account_id(account)
        || !key_id_is_valid
    {
        return Err(refuse());
    }
    Ok(region.to_owned())
}

fn is_aws_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

/// `us-west-2`, `us-gov-west-1`, `ap-southeast-3`: letters and hyphens, then a number.
fn looks_like_region(value: &str) -> bool {
    let Some((name, number)) = value.rsplit_once('-') else {
        return false;
    };
    !name.is_empty()
        && name
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase()))
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// An S3 bucket name: 3 to 63 characters of lower-case letters, digits, dots and hyphens,
/// starting and ending with a letter or digit.
pub(crate) fn bucket_name(value: &str) -> Result<(), ApiError> {
    if value.is_empty() {
        return Err(ApiError::invalid(
            "root_bucket_info.bucket_name is required",
        ));
    }
    let edges_are_alphanumeric = value
        .bytes()
        .next()
        .zip(value.bytes().last())
        .is_some_and(|(first, last)| first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric());
    let is_valid = (3..=63).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && edges_are_alphanumeric;
    if !is_valid {
        return Err(ApiError::invalid(format!(
            "root_bucket_info.bucket_name `{value}` is not a valid S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)"
        )));
    }
    Ok(())
}

/// The deployment name a create request asks for, as stored: lower-cased, with the account's
/// prefix; `None` when the server must generate one.
///
/// Without a prefix the name is used as given (the real service refuses any deployment name
/// then; the emulator only refuses `EMPTY`, which means "just the prefix").
pub(crate) fn deployment_name(
    requested: Option<&str>,
    prefix: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let Some(requested) = requested.filter(|name| !name.is_empty()) else {
        return Ok(None);
    };
    if requested == "EMPTY" {
        return match prefix {
            Some(prefix) => Ok(Some(prefix.to_owned())),
            None => Err(ApiError::malformed(
                "Failed parameter validation checks: Deployment name cannot be used until a deployment name prefix is defined. Please contact your Databricks representative",
            )),
        };
    }
    let lowered = requested.to_ascii_lowercase();
    let charset_is_valid = lowered
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !charset_is_valid || lowered.starts_with('-') || lowered.ends_with('-') {
        return Err(ApiError::invalid(format!(
            "deployment_name `{requested}` may only contain letters a-z, digits and inner hyphens"
        )));
    }
    let full = match prefix {
        Some(prefix) => format!("{prefix}-{lowered}"),
        None => lowered,
    };
    if full.len() > 64 {
        return Err(ApiError::invalid(format!(
            "deployment_name `{full}` is {} characters long; at most 64 are allowed",
            full.len()
        )));
    }
    Ok(Some(full))
}

/// Custom tags: keys of 1 to 127 characters, values of at most 255.
pub(crate) fn custom_tags(tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    for (key, value) in tags {
        let n_key_chars = key.chars().count();
        if n_key_chars == 0 || n_key_chars > 127 {
            return Err(ApiError::invalid(format!(
                "custom_tags key `{key}` must be 1 to 127 characters long, not {n_key_chars}"
            )));
        }
        let n_value_chars = value.chars().count();
        if n_value_chars > 255 {
            return Err(ApiError::invalid(format!(
                "custom_tags value of `{key}` must be at most 255 characters long, not {n_value_chars}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_their_length_are_refused_with_the_value() {
        assert!(configuration_name("credentials_name", "abcd").is_ok());
        let short = configuration_name("credentials_name", "abc").unwrap_err();
        assert_eq!(short.error_code, "INVALID_PARAMETER_VALUE");
        assert!(short.message.contains("`abc`"), "{}", short.message);
        assert!(configuration_name("network_name", &"x".repeat(257)).is_err());
        assert!(configuration_name("network_name", &"x".repeat(256)).is_ok());
        assert!(workspace_name("a").is_ok());
        assert!(workspace_name(&"w".repeat(101)).is_err());
        assert!(workspace_name("").unwrap_err().message.contains("required"));
    }

    #[test]
    fn regions_come_from_the_supported_list() {
        assert!(region("aws_region", "us-west-2").is_ok());
        assert!(region("aws_region", "us-gov-west-1").is_ok());
        let error = region("aws_region", "mars-north-1").unwrap_err();
        assert!(
            error.message.contains("`mars-north-1`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn iam_role_arns_must_have_their_shape() {
        assert!(iam_role_arn("role_arn", "arn:aws:iam::123456789012:role/acme-databricks").is_ok());
        assert!(iam_role_arn("role_arn", "arn:aws:iam::123456789012:role/path/to/role").is_ok());
        assert!(iam_role_arn("role_arn", "arn:aws-us-gov:iam::123456789012:role/x").is_ok());
        for bad in [
            "",
            "acme-databricks",
            "arn:aws:iam::12345:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:s3::123456789012:role/x",
            "arn:aws:iam:us-west-2:123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
        ] {
            let error = iam_role_arn("role_arn", bad).unwrap_err();
            assert!(
                error.message.contains(&format!("`{bad}`")),
                "{}",
                error.message
            );
        }
    }

    #[test]
    fn kms_key_arns_yield_their_region() {
        assert_eq!(
            kms_key_arn(
                "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            )
            .unwrap(),
            "us-west-2"
        );
        assert_eq!(
            kms_key_arn("arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1").unwrap(),
            "us-gov-west-1"
        );
        for bad in [
            "arn:aws:kms:us-west-2:123456789012:alias/x",
            "arn:aws:kms::123456789012:key/x",
            "arn:aws:kms:west:123456789012:key/x",
            "arn:aws:iam:us-west-2:123456789012:key/x",
            "key/1234",
        ] {
            assert!(kms_key_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        assert!(bucket_name("acme-dbfs-root").is_ok());
        assert!(bucket_name("a.b-c").is_ok());
        for bad in [
            "",
            "ab",
            "Acme",
            "acme_root",
            "-acme",
            "acme-",
            &"a".repeat(64),
        ] {
            assert!(bucket_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deployment_names_are_lowered_prefixed_and_checked() {
        assert_eq!(deployment_name(None, Some("acme")).unwrap(), None);
        assert_eq!(deployment_name(Some(""), None).unwrap(), None);
        assert_eq!(
            deployment_name(Some("ABCSales"), None).unwrap().as_deref(),
            Some("abcsales")
        );
        assert_eq!(
            deployment_name(Some("workspace-1"), Some("acme"))
                .unwrap()
                .as_deref(),
            Some("acme-workspace-1")
        );
        assert_eq!(
            deployment_name(Some("EMPTY"), Some("acme"))
                .unwrap()
                .as_deref(),
            Some("acme")
        );
        let no_prefix = deployment_name(Some("EMPTY"), None).unwrap_err();
        assert_eq!(no_prefix.error_code, "MALFORMED_REQUEST");
        assert!(no_prefix.plain_text);
        for bad in ["-sales", "sales-", "sales_1", "sales.eu", "säles"] {
            let error = deployment_name(Some(bad), None).unwrap_err();
            assert!(
                error.message.contains(&format!("`{bad}`")),
                "{}",
                error.message
            );
        }
        assert!(deployment_name(Some(&"a".repeat(64)), None).is_ok());
        assert!(deployment_name(Some(&"a".repeat(65)), None).is_err());
        // The limit applies to the stored name, prefix included.
        assert!(deployment_name(Some(&"a".repeat(60)), Some("acme")).is_err());
    }

    #[test]
    fn custom_tags_have_bounded_keys_and_values() {
        let tags = |key: &str, value: &str| BTreeMap::from([(key.to_owned(), value.to_owned())]);
        assert!(custom_tags(&tags("Env", "")).is_ok());
        assert!(custom_tags(&tags("", "x")).is_err());
        assert!(custom_tags(&tags(&"k".repeat(128), "x")).is_err());
        assert!(custom_tags(&tags("Env", &"v".repeat(256))).is_err());
    }
}
