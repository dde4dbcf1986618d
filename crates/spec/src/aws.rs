//! Facts about AWS and Databricks that a spec is checked against before any API call:
//! supported regions, ARN shapes, id shapes, name limits (`shared/reference/account-api.md`).

pub(crate) fn is_supported_region(region: &str) -> bool {
    api_types::SUPPORTED_AWS_REGIONS.contains(&region)
}

const PARTITIONS: &[&str] = &["aws", "aws-us-gov"];

fn is_account_number(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// `arn:aws:iam::123456789012:role/path/name`.
pub(crate) fn is_role_arn(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let Some(role) = resource.strip_prefix("role/") else {
        return false;
    };
    *arn == "arn"
        && PARTITIONS.contains(partition)
        && *service == "iam"
        && region.is_empty()
        && is_account_number(account)
        && !role.is_empty()
        && !role.ends_with('/')
        && role.split('/').all(|part| {
            !part.is_empty()
                && part.chars().all(|character| {
                    character.is_ascii_alphanumeric() || "+=,.@_-".contains(character)
                })
        })
}

/// `arn:aws:kms:us-west-2:123456789012:key/<id>`; returns the key's region.
pub(crate) fn key_arn_region(text: &str) -> Option<&str> {
    let parts: Vec<&str> = text.split(':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    let id = resource.strip_prefix("key/")?;
    let region_ok = !region.is_empty()
        && region.chars().all(|character| {
            character.is_ascii_lowercase() || character.is_ascii_digit() || character == '-'
        });
    let id_ok = !id.is_empty()
        && id
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '-');
    (*arn == "arn"
        && PARTITIONS.contains(partition)
        && *service == "kms"
        && region_ok
        && is_account_number(account)
        && id_ok)
        .then_some(*region)
}

/// Whether `id` looks like an AWS resource id with `prefix`, e.g. `subnet-0a1b2c`.
pub(crate) fn looks_like_aws_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| {
            !hex.is_empty()
                && hex
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
        })
}

/// The deployment name limit, prefix included (reference §3.3).
pub(crate) const DEPLOYMENT_NAME_MAX: usize = 64;

/// The reserved deployment name meaning "the account prefix alone".
pub(crate) const EMPTY_DEPLOYMENT_NAME: &str = "EMPTY";

/// Why a (lower-cased) deployment name is not a valid DNS label, if it is not.
pub(crate) fn deployment_name_problem(name: &str) -> Option<String> {
    if let Some(bad) = name.chars().find(|character| {
        !(character.is_ascii_lowercase() || character.is_ascii_digit() || *character == '-')
    }) {
        return Some(format!("contains `{bad}`"));
    }
    if name.is_empty() {
        return Some("is empty".to_owned());
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Some("starts or ends with a hyphen".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert!(is_role_arn(
            "arn:aws:iam::123456789012:role/acme-databricks"
        ));
        assert!(is_role_arn(
            "arn:aws-us-gov:iam::123456789012:role/path/to/role+x"
        ));
        assert!(!is_role_arn("arn:aws:iam::12345678901:role/short-account"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/someone"));
        assert!(!is_role_arn("arn:aws:iam:us-east-1:123456789012:role/x"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:role/"));
    }

    #[test]
    fn key_arns_yield_their_region() {
        assert_eq!(
            key_arn_region(
                "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            ),
            Some("us-west-2")
        );
        assert_eq!(
            key_arn_region("arn:aws:kms:us-west-2:123456789012:alias/x"),
            None
        );
        assert_eq!(key_arn_region("arn:aws:kms::123456789012:key/x"), None);
    }

    #[test]
    fn aws_ids_and_deployment_names() {
        assert!(looks_like_aws_id("subnet-0a1b", "subnet"));
        assert!(!looks_like_aws_id("subnet-private", "subnet"));
        assert!(!looks_like_aws_id("sg-01", "subnet"));
        assert_eq!(deployment_name_problem("abc-sales"), None);
        assert_eq!(
            deployment_name_problem("abc_sales").as_deref(),
            Some("contains `_`")
        );
        assert!(deployment_name_problem("-abc").is_some());
    }
}
