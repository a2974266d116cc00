//! Why a policy document was refused.
//!
//! Each message is the one a user of AWS would recognise: where IAM or KMS has a well-known
//! wording ("Policy contains a statement with one or more invalid principals.", "Missing
//! required field Effect.", "Policy document should not specify a principal.") it is used
//! verbatim, so that searching for the message finds AWS's explanation; elsewhere the message
//! names the element and the offending value. `trent-core` returns the message as the
//! `message` of `MalformedPolicyDocumentException`.

use crate::MAX_POLICY_BYTES;

/// A policy document that is not a valid policy of the kind asked for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Larger than [`MAX_POLICY_BYTES`].
    #[error("Policy document is {len} bytes, which exceeds the limit of {MAX_POLICY_BYTES} bytes.")]
    TooLarge { len: usize },

    /// Not JSON at all.
    #[error("Policy contains invalid JSON: {0}")]
    InvalidJson(String),

    /// JSON, but an element has the wrong shape (a number where a string belongs, ...).
    #[error("Syntax errors in policy: {0}")]
    Syntax(String),

    /// An element the policy grammar does not have, at the top level or in a statement.
    #[error("Policy contains an unsupported element: {0}")]
    UnsupportedElement(String),

    /// A `Version` other than `2012-10-17` or `2008-10-17`.
    #[error("The policy Version {0} is not supported; use \"2012-10-17\".")]
    InvalidVersion(String),

    #[error("Missing required field Statement.")]
    MissingStatement,

    #[error("Missing required field Effect.")]
    MissingEffect,

    /// An `Effect` other than `Allow` or `Deny` (the comparison is case-sensitive).
    #[error("Invalid effect: {0}")]
    InvalidEffect(String),

    /// No `Action` or `NotAction` (or an empty list) in an identity policy statement.
    #[error("Policy statement must contain actions.")]
    MissingAction,

    /// No `Resource` or `NotResource` (or an empty list) in an identity policy statement.
    #[error("Policy statement must contain resources.")]
    MissingResource,

    /// Both `X` and `NotX` in one statement; carries `X`.
    #[error("A policy statement cannot contain both {0} and Not{0}.")]
    Conflicting(&'static str),

    /// A key policy statement with neither `Principal` nor `NotPrincipal`.
    #[error("Missing required field Principal.")]
    MissingPrincipal,

    /// `Principal` or `NotPrincipal` in an identity policy.
    #[error("Policy document should not specify a principal.")]
    PrincipalNotAllowed,

    /// A principal that is not `"*"`, an account id, or an IAM/STS principal ARN without
    /// wildcards; an unknown principal type; an empty principal list.
    #[error("Policy contains a statement with one or more invalid principals.")]
    InvalidPrincipal,

    /// An action or condition key without a service prefix (`Encrypt` for `kms:Encrypt`).
    #[error("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")]
    MissingVendor,

    /// A resource that is neither `"*"` nor an ARN.
    #[error("Resource {0} must be in ARN format or \"*\".")]
    InvalidResource(String),

    /// A condition operator IAM does not have (including `NullIfExists`).
    #[error("Invalid Condition type : {0}.")]
    UnsupportedOperator(String),

    /// A condition value the operator cannot compare with: a number for `NumericEquals` that is
    /// not a number, a date that is neither ISO 8601 nor epoch seconds, bad base64, a bad CIDR.
    #[error("Invalid value {value} for condition operator {operator}.")]
    InvalidConditionValue { operator: String, value: String },

    /// Two statements of an identity policy with the same `Sid`.
    #[error("Statement IDs (SID) in a single policy must be unique.")]
    DuplicateSid,

    /// A `Sid` of an identity policy with characters other than letters and digits (key
    /// policies allow any `Sid`, spaces included).
    #[error(
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
    )]
    InvalidSid,
}
