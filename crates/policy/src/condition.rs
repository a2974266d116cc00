//! The `Condition` element: operators, their values, and how they meet the request context.
//!
//! The rules, with where IAM documents them ("IAM JSON policy elements: Condition operators",
//! "Creating a condition with multiple keys or values", "Single-valued vs. multivalued context
//! keys"):
//!
//! 1. All operators of a `Condition` block, and all keys under one operator, must be true
//!    (AND). The values listed for one key are alternatives (OR); for a negated operator
//!    (`StringNotEquals`, `StringNotEqualsIgnoreCase`, `StringNotLike`, `NumericNotEquals`,
//!    `DateNotEquals`, `NotIpAddress`, `ArnNotEquals`, `ArnNotLike`) they are NOR:
//!    `StringNotEquals {k: [a, b]}` means "k is not a and k is not b".
//! 2. A key absent from the request: "the values do not match and the condition is false. If
//!    the policy condition requires that the key is not matched, such as StringNotLike or
//!    ArnNotLike, and the right key is not present, the condition is true." So a positive
//!    operator is false, a negated one true.
//! 3. `...IfExists` (any operator but `Null`): "If the key is not present, evaluate the
//!    condition element as true"; if it is present, the operator applies as usual.
//! 4. `Null`: `true` matches when the key is absent, `false` when it is present.
//! 5. Set operators compare each value of a multivalued key with the policy values:
//!    `ForAnyValue:` is true when at least one request value matches (false when the key is
//!    absent or empty); `ForAllValues:` is true when every request value matches (true when
//!    the key is absent or empty). With a negated operator, "matches" is the negated test per
//!    request value: `ForAllValues:StringNotEquals {k: [a, b]}` is true when no request value
//!    is a or b.
//! 6. A plain (unqualified) operator meeting a multivalued key treats the set as a whole: a
//!    positive operator is true when any request value matches any policy value, and a
//!    negated one is its complement (true when no request value matches any policy value).
//!    IAM asks for a set operator with multivalued keys and does not document this case; this
//!    is the reading under which `StringEquals {kms:EncryptionContextKeys: "AppName"}` means
//!    "the encryption context has the AppName key", as KMS's own examples use it.
//! 7. A request value that cannot be read as the operator's type (`"abc"` for
//!    `NumericEquals`, a malformed IP for `IpAddress`) matches no policy value.
//! 8. A policy value holding an unresolvable policy variable (see `pattern.rs`) matches
//!    nothing, and it makes a negated operator false rather than true: IAM says an
//!    unresolvable variable "might cause the entire statement to be invalid", and a statement
//!    must never apply because of a value that could not be known.
//!
//! Operator names are matched case-insensitively, as are condition key names. Policy values
//! are checked when the policy is parsed: a number that is not a number, a date that is not a
//! date, bad base64 or a bad CIDR is a [`PolicyError::InvalidConditionValue`].

use serde_json::Value;

use crate::PolicyError;
use crate::context::{ContextValue, RequestContext, Typed};
use crate::pattern::{Pattern, Syntax, Tri};
use crate::values::{Cidr, parse_base64, parse_bool, parse_date_millis, parse_number};

/// One operator applied to one key: `"StringEquals": {"aws:username": ["a", "b"]}` with two
/// keys is two `Condition`s.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Condition {
    /// Lowercased.
    key: Box<str>,
    test: Test,
    negated: bool,
    set: SetOp,
    if_exists: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SetOp {
    Single,
    ForAnyValue,
    ForAllValues,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Cmp::Eq => request == policy,
            Cmp::Lt => request < policy,
            Cmp::Le => request <= policy,
            Cmp::Gt => request > policy,
            Cmp::Ge => request >= policy,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StrKind {
    Equals,
    EqualsIgnoreCase,
    Like,
}

/// An operator family with its parsed policy values.
#[derive(Clone, Debug, PartialEq)]
enum Test {
    Str(StrKind, Box<[Pattern]>),
    Num(Cmp, Box<[f64]>),
    /// Milliseconds since the epoch.
    Date(Cmp, Box<[i64]>),
    Bool(Box<[BoolValue]>),
    Binary(Box<[Box<[u8]>]>),
    Ip(Box<[Cidr]>),
    /// The (up to six) colon-separated components of each ARN pattern.
    Arn(Box<[Box<[Pattern]>]>),
    /// `true`: the key must be absent; `false`: present.
    Null(Box<[bool]>),
}

#[derive(Clone, Debug, PartialEq)]
enum BoolValue {
    Lit(bool),
    /// A policy variable, resolved and read as a boolean when evaluated.
    Var(Pattern),
}

impl Condition {
    /// Parses one operator's block: `{"key": value-or-values, ...}`.
    pub(crate) fn parse_block(
        operator: &str,
        block: &Value,
        variables: bool,
        out: &mut Vec<Condition>,
    ) -> Result<(), PolicyError> {
        let (set, base, if_exists) = split_operator(operator)
            .ok_or_else(|| PolicyError::UnsupportedOperator(operator.to_owned()))?;
        let Value::Object(keys) = block else {
            return Err(PolicyError::Syntax(format!(
                "the {operator} condition must map condition keys to values."
            )));
        };
        for (key, values) in keys {
            if !key.contains(':') || key.starts_with(':') {
                return Err(PolicyError::MissingVendor);
            }
            let texts = condition_values(operator, values)?;
            let (test, negated) = parse_test(operator, base, &texts, variables)?;
            out.push(Condition {
                key: key.to_lowercase().into_boxed_str(),
                test,
                negated,
                set,
                if_exists,
            });
        }
        Ok(())
    }

    /// The condition keys (lowercased) evaluating the condition reads: its own, and those
    /// of the policy variables in its values.
    pub(crate) fn context_keys<'a>(&'a self, out: &mut Vec<&'a str>) {
        out.push(&self.key);
        match &self.test {
            Test::Str(_, patterns) => out.extend(patterns.iter().flat_map(Pattern::variable_keys)),
            Test::Arn(parts) => out.extend(
                parts
                    .iter()
                    .flat_map(|p| p.iter())
                    .flat_map(Pattern::variable_keys),
            ),
            Test::Bool(values) => {
                for v in values.iter() {
                    if let BoolValue::Var(p) = v {
                        out.extend(p.variable_keys());
                    }
                }
            }
            Test::Num(..) | Test::Date(..) | Test::Binary(_) | Test::Ip(_) | Test::Null(_) => {}
        }
    }

    /// Whether the condition holds for the request.
    pub(crate) fn holds(&self, ctx: &RequestContext) -> bool {
        let values = ctx.lookup(&self.key);
        if let Test::Null(wanted) = &self.test {
            let absent = values.is_none();
            return wanted.contains(&absent);
        }
        let Some(values) = values else {
            // Rules 2, 3 and 5 for an absent (or empty) key.
            return self.if_exists
                || match self.set {
                    SetOp::Single => self.negated,
                    SetOp::ForAnyValue => false,
                    SetOp::ForAllValues => true,
                };
        };
        // Per request value: the operator's verdict, negation included (rules 1 and 8).
        let verdict = |v: &ContextValue| {
            let t = self.test_value(v, ctx);
            if self.negated {
                t == Tri::NoMatch
            } else {
                t == Tri::Match
            }
        };
        match (self.set, self.negated) {
            (SetOp::ForAnyValue, _) | (SetOp::Single, false) => values.iter().any(verdict),
            (SetOp::ForAllValues, _) | (SetOp::Single, true) => values.iter().all(verdict),
        }
    }

    /// Whether one request value matches any of the policy values (before negation).
    fn test_value(&self, v: &ContextValue, ctx: &RequestContext) -> Tri {
        match &self.test {
            Test::Str(kind, patterns) => {
                let text = v.as_str();
                Tri::any(patterns.iter().map(|p| match kind {
                    StrKind::Equals => p.equals(text, false, ctx),
                    StrKind::EqualsIgnoreCase => p.equals(text, true, ctx),
                    StrKind::Like => p.matches(text, ctx),
                }))
            }
            Test::Num(cmp, policy) => match request_number(v) {
                Some(n) => policy.iter().any(|&p| cmp.holds(n, p)).into(),
                None => Tri::NoMatch,
            },
            Test::Date(cmp, policy) => match request_date(v) {
                Some(d) => policy.iter().any(|&p| cmp.holds(d, p)).into(),
                None => Tri::NoMatch,
            },
            Test::Bool(policy) => {
                let Some(b) = request_bool(v) else {
                    return Tri::NoMatch;
                };
                Tri::any(policy.iter().map(|p| match p {
                    BoolValue::Lit(want) => (*want == b).into(),
                    BoolValue::Var(pattern) => {
                        match pattern.equals("true", true, ctx) {
                            Tri::Match => b.into(),
                            Tri::Unknown => Tri::Unknown,
                            Tri::NoMatch => match pattern.equals("false", true, ctx) {
                                Tri::Match => (!b).into(),
                                // A variable that is not a boolean matches nothing.
                                _ => Tri::NoMatch,
                            },
                        }
                    }
                }))
            }
            Test::Binary(policy) => match request_binary(v) {
                Some(bytes) => policy.iter().any(|p| **p == *bytes).into(),
                None => Tri::NoMatch,
            },
            Test::Ip(ranges) => match request_ip(v) {
                Some(ip) => ranges.iter().any(|r| r.contains(ip)).into(),
                None => Tri::NoMatch,
            },
            Test::Arn(patterns) => Tri::any(patterns.iter().map(|p| arn_like(p, v.as_str(), ctx))),
            // Handled in `holds`.
            Test::Null(_) => Tri::NoMatch,
        }
    }
}

/// `ArnLike`: "Each of the six colon-delimited components of the ARN is checked separately
/// and each can include multi-character match wildcards (*) or single-character match
/// wildcards (?)". The request value is split into as many components as the pattern has
/// (at most six), its last component taking the rest; a pattern of fewer than six components
/// (`"*"`, `"arn:aws:iam::*"`) therefore lets its last component match the remainder.
fn arn_like(components: &[Pattern], value: &str, ctx: &RequestContext) -> Tri {
    let n = components.len();
    let mut parts = value.splitn(n, ':');
    let mut out = Tri::Match;
    for component in components {
        let Some(part) = parts.next() else {
            return Tri::NoMatch;
        };
        match component.matches(part, ctx) {
            Tri::NoMatch => return Tri::NoMatch,
            Tri::Unknown => out = Tri::Unknown,
            Tri::Match => {}
        }
    }
    out
}

fn request_number(v: &ContextValue) -> Option<f64> {
    match v.typed() {
        Typed::Number(n) => Some(*n),
        _ => parse_number(v.as_str()),
    }
}

fn request_date(v: &ContextValue) -> Option<i64> {
    match v.typed() {
        Typed::Date(ms) => Some(*ms),
        _ => parse_date_millis(v.as_str()),
    }
}

fn request_bool(v: &ContextValue) -> Option<bool> {
    match v.typed() {
        Typed::Bool(b) => Some(*b),
        _ => parse_bool(v.as_str()),
    }
}

fn request_binary(v: &ContextValue) -> Option<std::borrow::Cow<'_, [u8]>> {
    match v.typed() {
        Typed::Binary(b) => Some(std::borrow::Cow::Borrowed(b)),
        _ => parse_base64(v.as_str()).map(std::borrow::Cow::Owned),
    }
}

fn request_ip(v: &ContextValue) -> Option<std::net::IpAddr> {
    match v.typed() {
        Typed::Ip(ip) => Some(*ip),
        _ => v.as_str().parse().ok(),
    }
}

/// The base operators, lowercased, with their family and negation.
#[derive(Clone, Copy, Debug)]
enum Base {
    Str(StrKind, bool),
    Num(Cmp, bool),
    Date(Cmp, bool),
    Bool,
    Binary,
    Ip(bool),
    Arn(bool),
    Null,
}

fn base_operator(lower: &str) -> Option<Base> {
    use Cmp::*;
    Some(match lower {
        "stringequals" => Base::Str(StrKind::Equals, false),
        "stringnotequals" => Base::Str(StrKind::Equals, true),
        "stringequalsignorecase" => Base::Str(StrKind::EqualsIgnoreCase, false),
        "stringnotequalsignorecase" => Base::Str(StrKind::EqualsIgnoreCase, true),
        "stringlike" => Base::Str(StrKind::Like, false),
        "stringnotlike" => Base::Str(StrKind::Like, true),
        "numericequals" => Base::Num(Eq, false),
        "numericnotequals" => Base::Num(Eq, true),
        "numericlessthan" => Base::Num(Lt, false),
        "numericlessthanequals" => Base::Num(Le, false),
        "numericgreaterthan" => Base::Num(Gt, false),
        "numericgreaterthanequals" => Base::Num(Ge, false),
        "dateequals" => Base::Date(Eq, false),
        "datenotequals" => Base::Date(Eq, true),
        "datelessthan" => Base::Date(Lt, false),
        "datelessthanequals" => Base::Date(Le, false),
        "dategreaterthan" => Base::Date(Gt, false),
        "dategreaterthanequals" => Base::Date(Ge, false),
        "bool" => Base::Bool,
        "binaryequals" => Base::Binary,
        "ipaddress" => Base::Ip(false),
        "notipaddress" => Base::Ip(true),
        "arnequals" | "arnlike" => Base::Arn(false),
        "arnnotequals" | "arnnotlike" => Base::Arn(true),
        "null" => Base::Null,
        _ => return None,
    })
}

/// Splits `ForAnyValue:StringLikeIfExists` into its set operator, base operator and
/// `IfExists` flag.
fn split_operator(operator: &str) -> Option<(SetOp, Base, bool)> {
    let lower = operator.to_ascii_lowercase();
    let (set, rest) = if let Some(rest) = lower.strip_prefix("foranyvalue:") {
        (SetOp::ForAnyValue, rest)
    } else if let Some(rest) = lower.strip_prefix("forallvalues:") {
        (SetOp::ForAllValues, rest)
    } else {
        (SetOp::Single, lower.as_str())
    };
    if let Some(base) = base_operator(rest) {
        return Some((set, base, false));
    }
    let base = base_operator(rest.strip_suffix("ifexists")?)?;
    // "You can add IfExists to the end of any condition operator name except the Null
    // condition."
    (!matches!(base, Base::Null)).then_some((set, base, true))
}

/// The values under one key: a string, number or boolean, or a list of them.
fn condition_values(operator: &str, v: &Value) -> Result<Vec<String>, PolicyError> {
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(PolicyError::Syntax(format!(
            "the values of the {operator} condition must be strings, numbers or booleans."
        ))),
    };
    match v {
        Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

fn parse_test(
    operator: &str,
    base: Base,
    texts: &[String],
    variables: bool,
) -> Result<(Test, bool), PolicyError> {
    let syntax = |wildcards| Syntax {
        wildcards,
        variables,
        arn_segments: false,
        lowercase: false,
    };
    Ok(match base {
        Base::Str(kind, negated) => {
            let syntax = syntax(kind == StrKind::Like);
            let patterns = texts.iter().map(|t| Pattern::compile(t, syntax)).collect();
            (Test::Str(kind, patterns), negated)
        }
        Base::Num(cmp, negated) => {
            let values = parse_all(operator, texts, parse_number)?;
            (Test::Num(cmp, values), negated)
        }
        Base::Date(cmp, negated) => {
            let values = parse_all(operator, texts, parse_date_millis)?;
            (Test::Date(cmp, values), negated)
        }
        Base::Bool => {
            let values = parse_all(operator, texts, |t| match parse_bool(t) {
                Some(b) => Some(BoolValue::Lit(b)),
                None if variables && t.contains("${") => {
                    Some(BoolValue::Var(Pattern::compile(t, syntax(false))))
                }
                None => None,
            })?;
            (Test::Bool(values), false)
        }
        Base::Binary => {
            let values = parse_all(operator, texts, |t| parse_base64(t).map(Into::into))?;
            (Test::Binary(values), false)
        }
        Base::Ip(negated) => {
            let values = parse_all(operator, texts, Cidr::parse)?;
            (Test::Ip(values), negated)
        }
        Base::Arn(negated) => {
            let values = texts
                .iter()
                .map(|t| {
                    Pattern::compile(t, syntax(true))
                        .split_colons(6)
                        .into_boxed_slice()
                })
                .collect();
            (Test::Arn(values), negated)
        }
        Base::Null => {
            let values = parse_all(operator, texts, parse_bool)?;
            (Test::Null(values), false)
        }
    })
}

/// Parses every value with `f`, naming the first it refuses.
fn parse_all<T>(
    operator: &str,
    texts: &[String],
    f: impl Fn(&str) -> Option<T>,
) -> Result<Box<[T]>, PolicyError> {
    texts
        .iter()
        .map(|t| {
            f(t).ok_or_else(|| PolicyError::InvalidConditionValue {
                operator: operator.to_owned(),
                value: t.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names() {
        assert!(split_operator("StringEquals").is_some());
        assert!(split_operator("stringequals").is_some());
        assert!(split_operator("ForAnyValue:StringLikeIfExists").is_some());
        assert!(split_operator("ForAllValues:ArnNotLike").is_some());
        assert!(split_operator("NullIfExists").is_none());
        assert!(split_operator("StringEqualz").is_none());
        assert!(split_operator("ForSomeValues:StringEquals").is_none());
        assert!(split_operator("IfExists").is_none());
        assert!(split_operator("").is_none());
    }
}
