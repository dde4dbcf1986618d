//! The AWS regions the Account API accepts: facts of the API, shared by the spec validator
//! (which checks them before any call) and the emulator (which enforces them), so that the two
//! cannot disagree.

/// Regions a workspace may be created in: the union of the Account API guide's list and the
/// current "supported regions" page (`shared/reference/account-api.md` §3.5).
pub const SUPPORTED_AWS_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

/// The one region where a workspace cannot use customer-managed keys.
pub const REGION_WITHOUT_CUSTOMER_MANAGED_KEYS: &str = "us-west-1";
