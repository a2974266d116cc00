//! From JSON text to a checked [`Policy`].
//!
//! The grammar is IAM's ("IAM JSON policy element reference", "Grammar of the IAM JSON policy
//! language"): a top-level object with `Version`, `Id` and `Statement`; a statement is an
//! object with `Sid`, `Effect`, one of `Principal`/`NotPrincipal`, one of `Action`/`NotAction`,
//! one of `Resource`/`NotResource`, and `Condition`. Element names and `Effect` values are
//! case-sensitive; anything unknown is an error. Two kinds add their rules:
//!
//! - A key policy ([`Policy::parse_key_policy`]) needs `Principal` or `NotPrincipal` in every
//!   statement ("Each statement in the key policy must contain one or more principals") and
//!   allows any `Sid`, spaces included. A statement without `Action` or `Resource` is
//!   accepted and has no effect — KMS documents exactly that: "If either of the required
//!   Resource or Action elements are missing from a key policy statement, the policy statement
//!   has no effect ... the PutKeyPolicy API request succeeds, even though the policy statement
//!   is ineffective."
//! - An identity policy ([`Policy::parse_identity_policy`]) must not name principals, needs
//!   actions and resources, and its `Sid`s are unique and alphanumeric.

use std::collections::HashSet;

use serde_json::{Map, Value};
use trent_types::AccountId;

use crate::condition::Condition;
use crate::pattern::{Pattern, Syntax};
use crate::principal::Principals;
use crate::{MAX_POLICY_BYTES, PolicyError};

/// Which kind of policy a document is, and so which rules it was checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// A key policy: a resource-based policy whose statements name principals.
    Key,
    /// An IAM identity policy, attached to a user or role; its statements name no principal.
    Identity,
}

/// The policy language version a document declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    /// `2012-10-17`, the current language, with policy variables.
    V2012,
    /// `2008-10-17`: `${...}` is literal text.
    V2008,
    /// No `Version` element: as `2008-10-17`.
    Unspecified,
}

/// A parsed, checked policy document, ready to evaluate any number of requests.
#[derive(Clone, Debug)]
pub struct Policy {
    version: PolicyVersion,
    id: Option<Box<str>>,
    kind: Option<PolicyKind>,
    pub(crate) statements: Box<[Statement]>,
    /// See [`Policy::context_keys`].
    context_keys: Box<[Box<str>]>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// `Principal`, `NotPrincipal`, or neither (identity policies).
#[derive(Clone, Debug)]
pub(crate) enum PrincipalSpec {
    Caller,
    Is(Principals),
    Not(Principals),
}

/// `X` or `NotX` for actions and resources; `Missing` only in an ineffective key policy
/// statement.
#[derive(Clone, Debug)]
pub(crate) enum PatternSpec {
    Is(Box<[Pattern]>),
    Not(Box<[Pattern]>),
    Missing,
}

#[derive(Clone, Debug)]
pub(crate) struct Statement {
    pub(crate) effect: Effect,
    pub(crate) principal: PrincipalSpec,
    pub(crate) action: PatternSpec,
    pub(crate) resource: PatternSpec,
    pub(crate) conditions: Box<[Condition]>,
}

impl Policy {
    /// The user, role and session ARNs the policy's `Principal` and `NotPrincipal` elements
    /// name, as written (not `*` nor account ids), for a caller that checks they exist.
    pub fn principal_arns(&self) -> impl Iterator<Item = &str> {
        self.statements
            .iter()
            .flat_map(|s| match &s.principal {
                PrincipalSpec::Is(p) | PrincipalSpec::Not(p) => p.arns(),
                PrincipalSpec::Caller => &[],
            })
            .map(|a| &**a)
    }

    /// Parses a key policy: every statement names its principals.
    pub fn parse_key_policy(json: &str) -> Result<Self, PolicyError> {
        parse(json, Some(PolicyKind::Key))
    }

    /// Parses an IAM identity policy: no statement names a principal.
    pub fn parse_identity_policy(json: &str) -> Result<Self, PolicyError> {
        parse(json, Some(PolicyKind::Identity))
    }

    /// Parses any policy document against the grammar alone: a statement may name principals
    /// or not, and must have actions and resources. Use [`Policy::parse_key_policy`] or
    /// [`Policy::parse_identity_policy`] where the kind is known. Never panics, on any input.
    pub fn parse(json: &str) -> Result<Self, PolicyError> {
        parse(json, None)
    }

    /// AWS KMS's default key policy for a key of `account`: the account root may do
    /// everything (`kms:*`), which delegates access to the account's IAM policies ("Default
    /// key policy": "Allows access to the AWS account and enables IAM policies").
    pub fn default_key_policy(account: &AccountId) -> String {
        format!(
            concat!(
                r#"{{"Version":"2012-10-17","Id":"key-default-1","Statement":[{{"#,
                r#""Sid":"Enable IAM User Permissions","Effect":"Allow","#,
                r#""Principal":{{"AWS":"arn:aws:iam::{}:root"}},"#,
                r#""Action":"kms:*","Resource":"*"}}]}}"#
            ),
            account.as_str()
        )
    }

    /// The kind the document was checked as; `None` after [`Policy::parse`].
    pub fn kind(&self) -> Option<PolicyKind> {
        self.kind
    }

    pub fn version(&self) -> PolicyVersion {
        self.version
    }

    /// The `Id` element.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// Every condition key (lowercased, sorted, once each) that evaluating this policy can
    /// read: the keys its conditions test and those its policy variables name, in resources,
    /// actions and condition values. No other key of a request context can change what the
    /// policy decides, so a caller may build a context with only the keys its policies read
    /// (the keys [`crate::RequestContext::builder`] sets from the principal aside) and get the
    /// same decisions.
    pub fn context_keys(&self) -> &[Box<str>] {
        &self.context_keys
    }
}

/// The keys a policy's statements read, for [`Policy::context_keys`].
fn context_keys(statements: &[Statement]) -> Box<[Box<str>]> {
    let mut keys: Vec<&str> = Vec::new();
    for s in statements {
        for spec in [&s.action, &s.resource] {
            if let PatternSpec::Is(patterns) | PatternSpec::Not(patterns) = spec {
                keys.extend(patterns.iter().flat_map(Pattern::variable_keys));
            }
        }
        for c in s.conditions.iter() {
            c.context_keys(&mut keys);
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter().map(Box::from).collect()
}

fn parse(json: &str, kind: Option<PolicyKind>) -> Result<Policy, PolicyError> {
    if json.len() > MAX_POLICY_BYTES {
        return Err(PolicyError::TooLarge { len: json.len() });
    }
    let doc: Value =
        serde_json::from_str(json).map_err(|e| PolicyError::InvalidJson(e.to_string()))?;
    let Value::Object(doc) = doc else {
        return Err(PolicyError::Syntax(
            "the policy document must be a JSON object.".into(),
        ));
    };
    if let Some(unknown) = doc
        .keys()
        .find(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement"))
    {
        return Err(PolicyError::UnsupportedElement(unknown.clone()));
    }
    let version = match doc.get("Version") {
        None => PolicyVersion::Unspecified,
        Some(Value::String(v)) if v == "2012-10-17" => PolicyVersion::V2012,
        Some(Value::String(v)) if v == "2008-10-17" => PolicyVersion::V2008,
        Some(Value::String(v)) => return Err(PolicyError::InvalidVersion(v.clone())),
        Some(other) => return Err(PolicyError::InvalidVersion(other.to_string())),
    };
    let id = match doc.get("Id") {
        None => None,
        Some(Value::String(id)) => Some(id.clone().into_boxed_str()),
        Some(_) => return Err(PolicyError::Syntax("Id must be a string.".into())),
    };
    let statements = match doc.get("Statement") {
        None => return Err(PolicyError::MissingStatement),
        Some(Value::Object(s)) => vec![s],
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::Object(s) => Ok(s),
                _ => Err(PolicyError::Syntax(
                    "each statement must be a JSON object.".into(),
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(PolicyError::Syntax(
                "Statement must be an object or an array of objects.".into(),
            ));
        }
    };
    let variables = version == PolicyVersion::V2012;
    let mut sids = HashSet::new();
    let statements = statements
        .into_iter()
        .map(|s| statement(s, kind, variables, &mut sids))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy {
        version,
        id,
        kind,
        context_keys: context_keys(&statements),
        statements: statements.into_boxed_slice(),
    })
}

fn statement<'a>(
    s: &'a Map<String, Value>,
    kind: Option<PolicyKind>,
    variables: bool,
    sids: &mut HashSet<&'a str>,
) -> Result<Statement, PolicyError> {
    const ELEMENTS: [&str; 9] = [
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    ];
    if let Some(unknown) = s.keys().find(|k| !ELEMENTS.contains(&k.as_str())) {
        return Err(PolicyError::UnsupportedElement(unknown.clone()));
    }

    match s.get("Sid") {
        // Key policies allow any Sid, duplicates included.
        None | Some(Value::String(_)) if kind != Some(PolicyKind::Identity) => {}
        None => {}
        Some(Value::String(sid)) => {
            if !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(PolicyError::InvalidSid);
            }
            if !sid.is_empty() && !sids.insert(sid) {
                return Err(PolicyError::DuplicateSid);
            }
        }
        Some(_) => return Err(PolicyError::Syntax("Sid must be a string.".into())),
    }

    let effect = match s.get("Effect") {
        None => return Err(PolicyError::MissingEffect),
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(Value::String(e)) => return Err(PolicyError::InvalidEffect(e.clone())),
        Some(other) => return Err(PolicyError::InvalidEffect(other.to_string())),
    };

    let principal = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(_), Some(_)) => return Err(PolicyError::Conflicting("Principal")),
        (Some(_), None) | (None, Some(_)) if kind == Some(PolicyKind::Identity) => {
            return Err(PolicyError::PrincipalNotAllowed);
        }
        (Some(p), None) => PrincipalSpec::Is(Principals::parse(p)?),
        (None, Some(p)) => PrincipalSpec::Not(Principals::parse(p)?),
        (None, None) if kind == Some(PolicyKind::Key) => {
            return Err(PolicyError::MissingPrincipal);
        }
        (None, None) => PrincipalSpec::Caller,
    };

    let lenient = kind == Some(PolicyKind::Key);
    let action = patterns(s, "Action", lenient, |text| {
        if text != "*"
            && text
                .split_once(':')
                .is_none_or(|(vendor, _)| vendor.is_empty())
        {
            return Err(PolicyError::MissingVendor);
        }
        Ok(Pattern::compile(
            text,
            Syntax {
                wildcards: true,
                variables: false,
                arn_segments: false,
                lowercase: true,
            },
        ))
    })?;
    let resource = patterns(s, "Resource", lenient, |text| {
        if text != "*" && !text.starts_with("arn:") {
            return Err(PolicyError::InvalidResource(text.to_owned()));
        }
        Ok(Pattern::compile(
            text,
            Syntax {
                wildcards: true,
                variables,
                arn_segments: true,
                lowercase: false,
            },
        ))
    })?;

    let mut conditions = Vec::new();
    match s.get("Condition") {
        None => {}
        Some(Value::Object(block)) => {
            for (operator, keys) in block {
                Condition::parse_block(operator, keys, variables, &mut conditions)?;
            }
        }
        Some(_) => {
            return Err(PolicyError::Syntax(
                "Condition must map condition operators to condition keys.".into(),
            ));
        }
    }

    Ok(Statement {
        effect,
        principal,
        action,
        resource,
        conditions: conditions.into_boxed_slice(),
    })
}

/// Reads `name` or `Not{name}`: a string or a list of strings, each compiled by `compile`.
/// Absent (or an empty list) is an error, unless `lenient`, when it is `Missing`.
fn patterns(
    s: &Map<String, Value>,
    name: &'static str,
    lenient: bool,
    compile: impl Fn(&str) -> Result<Pattern, PolicyError>,
) -> Result<PatternSpec, PolicyError> {
    let not_name = if name == "Action" {
        "NotAction"
    } else {
        "NotResource"
    };
    let (value, negated, used) = match (s.get(name), s.get(not_name)) {
        (Some(_), Some(_)) => return Err(PolicyError::Conflicting(name)),
        (Some(v), None) => (v, false, name),
        (None, Some(v)) => (v, true, not_name),
        (None, None) => (&Value::Null, false, name),
    };
    let texts: Vec<&str> = match value {
        Value::Null => Vec::new(),
        Value::String(t) => vec![t.as_str()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str())
            .collect::<Option<_>>()
            .ok_or_else(|| wrong_type(used))?,
        _ => return Err(wrong_type(used)),
    };
    if texts.is_empty() {
        return if lenient {
            Ok(PatternSpec::Missing)
        } else if name == "Action" {
            Err(PolicyError::MissingAction)
        } else {
            Err(PolicyError::MissingResource)
        };
    }
    let compiled = texts
        .into_iter()
        .map(compile)
        .collect::<Result<Vec<_>, _>>()?
        .into_boxed_slice();
    Ok(if negated {
        PatternSpec::Not(compiled)
    } else {
        PatternSpec::Is(compiled)
    })
}

fn wrong_type(name: &str) -> PolicyError {
    PolicyError::Syntax(format!("{name} must be a string or an array of strings."))
}
