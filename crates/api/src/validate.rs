//! Checking a request against the constraints of the model, with AWS's messages.
//!
//! The generated `validate` of each operation's `Request` walks its members in model order
//! and reports every violated constraint to a [`Violations`] collector; the collector renders
//! each one exactly as AWS KMS does:
//!
//! ```text
//! 1 validation error detected: Value 'abc' at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048
//! ```
//!
//! Within one member the checks run in a fixed order: not null, minimum then maximum length
//! (or item count, or value), enum membership, pattern; then the members of nested structures
//! and the items of lists. Sensitive strings, blobs, lists and maps never print their value
//! (`Value at 'plaintext' failed to satisfy constraint: ...`).

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// Implemented by every operation's `Request`: checks each constraint of the model.
pub trait Validate {
    /// `Ok` when every constraint holds, else every violation, in member order.
    fn validate(&self) -> Result<(), ValidationError>;

    /// Moves the request's `GrantTokens` out (none for an operation without the member), so
    /// the tokens are handed on, not copied.
    fn take_grant_tokens(&mut self) -> Vec<crate::SecretString> {
        Vec::new()
    }
}

/// The constraints of the model that a request violates; never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    violations: Vec<String>,
}

impl ValidationError {
    /// Each violation as AWS words it, in the order they were found.
    pub fn violations(&self) -> &[String] {
        &self.violations
    }

    /// The `ValidationException` message: `N validation error(s) detected: ...; ...`.
    pub fn message(&self) -> String {
        let n = self.violations.len();
        let plural = if n == 1 { "" } else { "s" };
        format!(
            "{n} validation error{plural} detected: {}",
            self.violations.join("; ")
        )
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ValidationError {}

/// Where a value sits in the request, as AWS names it: the member name with its first letter
/// lowercased, `.`-joined into nested structures, `.N.member` (1-based) into lists.
/// Rendered only when a violation is reported.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Path<'a> {
    /// A member of the request itself, e.g. `keyId`.
    Member(&'static str),
    /// A member of a nested structure (or `key` / `value` of a map entry).
    Field(&'a Path<'a>, &'static str),
    /// The item of a list at a 0-based index.
    Item(&'a Path<'a>, usize),
}

impl Path<'_> {
    pub(crate) fn field(&self, name: &'static str) -> Path<'_> {
        Path::Field(self, name)
    }

    pub(crate) fn item(&self, index: usize) -> Path<'_> {
        Path::Item(self, index)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Member(name) => f.write_str(name),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Item(parent, index) => write!(f, "{parent}.{}.member", index + 1),
        }
    }
}

/// The constraints on a string shape.
#[derive(Debug)]
pub(crate) struct StringRule {
    /// Lengths count characters.
    pub(crate) min_len: Option<usize>,
    pub(crate) max_len: Option<usize>,
    pub(crate) values: Option<EnumValues>,
    pub(crate) pattern: Option<&'static Pattern>,
}

/// The bounds on the length of a blob (bytes) or the number of items of a list or map.
#[derive(Debug)]
pub(crate) struct LengthRule {
    pub(crate) min: Option<usize>,
    pub(crate) max: Option<usize>,
}

/// The bounds on a number.
#[derive(Debug)]
pub(crate) struct RangeRule {
    pub(crate) min: Option<i64>,
    pub(crate) max: Option<i64>,
}

/// The values of an enum shape: membership is decided by the `trent-types` enum's `parse`.
#[derive(Debug)]
pub(crate) struct EnumValues {
    /// The values in the model's order as AWS prints them: `[A, B, C]`.
    pub(crate) listing: &'static str,
    pub(crate) contains: fn(&str) -> bool,
}

/// A pattern of the model: the text AWS prints, and the compiled form (which differs only
/// where the regex crate's syntax or semantics differ from Java's; see `tools/gen-api.py`).
#[derive(Debug)]
pub(crate) struct Pattern {
    pub(crate) model: &'static str,
    pub(crate) compiled: LazyLock<Result<Regex, regex::Error>>,
}

impl Pattern {
    /// Whether the pattern matches anywhere in `value` (AWS applies patterns as written:
    /// unanchored unless the model anchors them).
    ///
    /// A pattern that failed to compile matches nothing, so a broken pattern rejects input
    /// rather than letting it through; `constraints::tests` proves every pattern compiles.
    fn is_match(&self, value: &str) -> bool {
        match &*self.compiled {
            Ok(re) => re.is_match(value),
            Err(_) => false,
        }
    }
}

/// How a violation shows the offending value.
#[derive(Clone, Copy)]
enum Shown<'a> {
    /// `Value null at ...`: a required member is missing.
    Null,
    /// `Value 'abc' at ...`.
    Value(&'a str),
    /// `Value at ...`: sensitive members, blobs, lists and maps.
    Hidden,
}

/// Collects violations while the generated code walks a request.
#[derive(Debug, Default)]
pub(crate) struct Violations(Vec<String>);

impl Violations {
    pub(crate) fn finish(self) -> Result<(), ValidationError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { violations: self.0 })
        }
    }

    fn push(&mut self, shown: Shown<'_>, path: Path<'_>, constraint: fmt::Arguments<'_>) {
        let text = match shown {
            Shown::Null => {
                format!("Value null at '{path}' failed to satisfy constraint: {constraint}")
            }
            Shown::Value(value) => {
                format!("Value '{value}' at '{path}' failed to satisfy constraint: {constraint}")
            }
            Shown::Hidden => {
                format!("Value at '{path}' failed to satisfy constraint: {constraint}")
            }
        };
        self.0.push(text);
    }

    /// A required member must be present (JSON `null` counts as absent).
    pub(crate) fn required(&mut self, path: Path<'_>, present: bool) {
        if !present {
            self.push(Shown::Null, path, format_args!("Member must not be null"));
        }
    }

    pub(crate) fn string(&mut self, path: Path<'_>, value: &str, rule: &StringRule) {
        self.check_string(path, value, Shown::Value(value), rule);
    }

    /// A sensitive string: checked like any other, reported without its value.
    pub(crate) fn secret_string(&mut self, path: Path<'_>, value: &str, rule: &StringRule) {
        self.check_string(path, value, Shown::Hidden, rule);
    }

    fn check_string(&mut self, path: Path<'_>, value: &str, shown: Shown<'_>, rule: &StringRule) {
        if rule.min_len.is_some() || rule.max_len.is_some() {
            self.length(
                path,
                shown,
                value.chars().count(),
                rule.min_len,
                rule.max_len,
            );
        }
        if let Some(values) = &rule.values
            && !(values.contains)(value)
        {
            self.push(
                shown,
                path,
                format_args!("Member must satisfy enum value set: {}", values.listing),
            );
        }
        if let Some(pattern) = rule.pattern
            && !pattern.is_match(value)
        {
            self.push(
                shown,
                path,
                format_args!(
                    "Member must satisfy regular expression pattern: {}",
                    pattern.model
                ),
            );
        }
    }

    /// The length of a blob in bytes; the value itself is never shown.
    pub(crate) fn blob(&mut self, path: Path<'_>, len: usize, rule: &LengthRule) {
        self.length(path, Shown::Hidden, len, rule.min, rule.max);
    }

    /// The number of items of a list or entries of a map.
    pub(crate) fn items(&mut self, path: Path<'_>, len: usize, rule: &LengthRule) {
        self.length(path, Shown::Hidden, len, rule.min, rule.max);
    }

    pub(crate) fn number(&mut self, path: Path<'_>, value: i64, rule: &RangeRule) {
        let text = value.to_string();
        if let Some(min) = rule.min
            && value < min
        {
            self.push(
                Shown::Value(&text),
                path,
                format_args!("Member must have value greater than or equal to {min}"),
            );
        }
        if let Some(max) = rule.max
            && value > max
        {
            self.push(
                Shown::Value(&text),
                path,
                format_args!("Member must have value less than or equal to {max}"),
            );
        }
    }

    fn length(
        &mut self,
        path: Path<'_>,
        shown: Shown<'_>,
        len: usize,
        min: Option<usize>,
        max: Option<usize>,
    ) {
        if let Some(min) = min
            && len < min
        {
            self.push(
                shown,
                path,
                format_args!("Member must have length greater than or equal to {min}"),
            );
        }
        if let Some(max) = max
            && len > max
        {
            self.push(
                shown,
                path,
                format_args!("Member must have length less than or equal to {max}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static ANCHORED: Pattern = Pattern {
        model: "^[a-z]+$",
        compiled: LazyLock::new(|| Regex::new("^[a-z]+$")),
    };

    static BROKEN: Pattern = Pattern {
        model: "(",
        // Hidden from clippy's `invalid_regex`, which (usefully) rejects invalid literals.
        compiled: LazyLock::new(|| Regex::new(std::hint::black_box("("))),
    };

    static RULE: StringRule = StringRule {
        min_len: Some(2),
        max_len: Some(3),
        values: None,
        pattern: Some(&ANCHORED),
    };

    #[test]
    fn paths_render_as_aws_names_them() {
        let tags = Path::Member("tags");
        let item = tags.item(0);
        assert_eq!(item.field("tagKey").to_string(), "tags.1.member.tagKey");
        assert_eq!(tags.item(9).to_string(), "tags.10.member");
        let creds = Path::Member("xksProxyAuthenticationCredential");
        assert_eq!(
            creds.field("accessKeyId").to_string(),
            "xksProxyAuthenticationCredential.accessKeyId"
        );
    }

    #[test]
    fn several_violations_of_one_member_are_all_reported() {
        let mut v = Violations::default();
        v.string(Path::Member("name"), "ABCD", &RULE);
        let err = v.finish().unwrap_err();
        assert_eq!(
            err.message(),
            "2 validation errors detected: \
             Value 'ABCD' at 'name' failed to satisfy constraint: Member must have length less than or equal to 3; \
             Value 'ABCD' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z]+$"
        );
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let rule = StringRule {
            min_len: Some(2),
            max_len: Some(2),
            values: None,
            pattern: None,
        };
        let mut v = Violations::default();
        v.string(Path::Member("name"), "éé", &rule);
        assert!(v.finish().is_ok());
    }

    #[test]
    fn a_pattern_that_does_not_compile_rejects() {
        assert!(BROKEN.compiled.is_err());
        assert!(!BROKEN.is_match("anything"));
        assert!(ANCHORED.is_match("abc"));
    }

    #[test]
    fn nothing_violated_is_ok() {
        let mut v = Violations::default();
        v.required(Path::Member("keyId"), true);
        v.number(
            Path::Member("limit"),
            5,
            &RangeRule {
                min: Some(1),
                max: Some(5),
            },
        );
        v.items(
            Path::Member("tags"),
            0,
            &LengthRule {
                min: Some(0),
                max: None,
            },
        );
        assert!(v.finish().is_ok());
    }
}
