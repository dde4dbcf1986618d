//! The API's enums, each with an `Unknown(String)` fallback.
//!
//! A server may add a value at any time (the October 2025 regeneration added
//! `GENERAL_ACCESS`); parsing must keep working and keep the value verbatim so that it can be
//! shown to the user and sent back unchanged.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$variant_meta:meta])* $variant:ident => $wire:literal, )+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A value this version of brickform does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every value this version knows, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value exactly as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(value) => value,
                }
            }

            /// Whether this is one of the values this version knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok($name::from(value.as_str()))
            }
        }
    };
}

wire_enum! {
    /// `workspace_status`.
    WorkspaceStatus {
        NotProvisioned => "NOT_PROVISIONED",
        Provisioning => "PROVISIONING",
        Running => "RUNNING",
        Failed => "FAILED",
        Banned => "BANNED",
        Cancelling => "CANCELLING",
    }
}

wire_enum! {
    /// A customer-managed key's `use_cases` entry.
    KeyUseCase {
        /// Control-plane data: notebooks, secrets, SQL queries and history.
        ManagedServices => "MANAGED_SERVICES",
        /// The workspace's root S3 bucket and, optionally, cluster EBS volumes.
        Storage => "STORAGE",
    }
}

wire_enum! {
    /// A network's `vpc_status`: its health in terms of its use by a workspace.
    VpcStatus {
        Unattached => "UNATTACHED",
        Valid => "VALID",
        Broken => "BROKEN",
        Warned => "WARNED",
    }
}

wire_enum! {
    /// The AWS resource a network `error_messages` entry is about (camelCase on the wire).
    ErrorType {
        Credentials => "credentials",
        Vpc => "vpc",
        Subnet => "subnet",
        SecurityGroup => "securityGroup",
        NetworkAcl => "networkAcl",
    }
}

wire_enum! {
    /// The AWS resource a network `warning_messages` entry is about.
    WarningType {
        Subnet => "subnet",
        SecurityGroup => "securityGroup",
    }
}

wire_enum! {
    /// Private access settings' `private_access_level`.
    PrivateAccessLevel {
        Account => "ACCOUNT",
        Endpoint => "ENDPOINT",
    }
}

wire_enum! {
    /// A workspace's `pricing_tier`. The server's literal `UNKNOWN` parses as `Unknown("UNKNOWN")`.
    PricingTier {
        CommunityEdition => "COMMUNITY_EDITION",
        Dedicated => "DEDICATED",
        Enterprise => "ENTERPRISE",
        Premium => "PREMIUM",
        Standard => "STANDARD",
    }
}

wire_enum! {
    /// A VPC endpoint's `use_case`, set by the server.
    EndpointUseCase {
        DataplaneRelayAccess => "DATAPLANE_RELAY_ACCESS",
        WorkspaceAccess => "WORKSPACE_ACCESS",
        GeneralAccess => "GENERAL_ACCESS",
    }
}

wire_enum! {
    /// A workspace's `compute_mode` (current API generation).
    ComputeMode {
        Hybrid => "HYBRID",
        Serverless => "SERVERLESS",
    }
}

wire_enum! {
    /// A workspace's `storage_mode`, set by the server.
    StorageMode {
        CustomerHosted => "CUSTOMER_HOSTED",
        DefaultStorage => "DEFAULT_STORAGE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_survive_a_round_trip() {
        let status: WorkspaceStatus = serde_json::from_str("\"CANCELLED\"").unwrap();
        assert_eq!(status, WorkspaceStatus::Unknown("CANCELLED".to_owned()));
        assert!(!status.is_known());
        assert_eq!(serde_json::to_string(&status).unwrap(), "\"CANCELLED\"");
    }

    #[test]
    fn known_values_use_their_wire_spelling() {
        assert_eq!(ErrorType::from("securityGroup"), ErrorType::SecurityGroup);
        assert_eq!(ErrorType::SecurityGroup.to_string(), "securityGroup");
        assert_eq!(PricingTier::from("UNKNOWN").as_str(), "UNKNOWN");
        assert_eq!(KeyUseCase::KNOWN.len(), 2);
    }
}
