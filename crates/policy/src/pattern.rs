//! Compiled wildcard patterns with policy variables: what `Action`, `Resource` and the string
//! and ARN condition values become once parsed.
//!
//! A pattern is compiled once, when the policy is parsed, into pieces — literal text,
//! variables, `?`, `*` — and a shape that lets the common cases (`"*"`, an exact string, a
//! prefix followed by `*`) match with one comparison. Matching never allocates unless a
//! `Resource` pattern holds a `*` in the middle of an ARN segment (see [`Piece::StarInSegment`]).
//!
//! Policy variables (IAM "Policy elements: Variables and tags"):
//! - `${key}` is replaced by the single value of condition key `key` (case-insensitive) in the
//!   request context; `${key, 'default'}` falls back to `default` (a `''` inside the quotes is
//!   one `'`) when the key is absent. A key that is absent without a default, or that holds
//!   several values ("you can't use a multivalued context key as a policy variable"), makes
//!   the variable unresolvable: every comparison against the pattern is [`Tri::Unknown`],
//!   which never makes a statement apply (see `condition.rs` for how that plays with negated
//!   operators).
//! - `${*}`, `${?}` and `${$}` are the literal characters `*`, `?` and `$`.
//! - Variables exist only in policies whose `Version` is `2012-10-17`; elsewhere `${...}` is
//!   literal text, as IAM documents. The value substituted is literal too: a `*` in a user
//!   name is not a wildcard.

use crate::context::RequestContext;

/// The outcome of comparing a request value with a policy value when a policy variable may be
/// unresolvable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tri {
    Match,
    NoMatch,
    /// A policy variable in the pattern could not be resolved.
    Unknown,
}

impl Tri {
    /// Combines the outcomes of several policy values, OR'ed: one match is a match; otherwise
    /// an unresolvable value leaves the answer unknown.
    pub(crate) fn any(items: impl IntoIterator<Item = Tri>) -> Tri {
        let mut out = Tri::NoMatch;
        for t in items {
            match t {
                Tri::Match => return Tri::Match,
                Tri::Unknown => out = Tri::Unknown,
                Tri::NoMatch => {}
            }
        }
        out
    }
}

impl From<bool> for Tri {
    fn from(b: bool) -> Self {
        if b { Tri::Match } else { Tri::NoMatch }
    }
}

/// A policy variable: the (lowercased) condition key it names and its default, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Variable {
    /// Empty for a malformed `${...}`, which never resolves.
    key: Box<str>,
    default: Option<Box<str>>,
}

impl Variable {
    pub(crate) fn resolve<'a>(&'a self, ctx: &'a RequestContext) -> Option<&'a str> {
        if self.key.is_empty() {
            return None;
        }
        match ctx.lookup(&self.key) {
            Some([single]) => Some(single.as_str()),
            // A multivalued key is never substituted.
            Some(_) => None,
            None => self.default.as_deref(),
        }
    }

    /// Parses the text between `${` and `}`.
    fn parse(content: &str) -> Self {
        let invalid = Variable {
            key: "".into(),
            default: None,
        };
        let (key, default) = match content.split_once(',') {
            None => (content.trim(), None),
            Some((key, rest)) => {
                let rest = rest.trim();
                let Some(inner) = rest
                    .strip_prefix('\'')
                    .and_then(|r| r.strip_suffix('\''))
                    .filter(|_| rest.len() >= 2)
                else {
                    return invalid;
                };
                // Inside the quotes a quote is written twice.
                let mut value = String::with_capacity(inner.len());
                let mut chars = inner.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            return invalid;
                        }
                    }
                    value.push(c);
                }
                (key.trim(), Some(value.into_boxed_str()))
            }
        };
        if key.is_empty() || key.chars().any(char::is_whitespace) {
            return invalid;
        }
        Variable {
            key: key.to_lowercase().into_boxed_str(),
            default,
        }
    }
}

/// One piece of a compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    Lit(Box<str>),
    Var(Variable),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters, colons included.
    Star,
    /// A `*` in a `Resource` that is not the last character of its colon-separated ARN
    /// segment. IAM ("Policy elements: Resource"): "If the * wildcard is the last character of
    /// a resource ARN segment, it can expand to match beyond the colon boundaries" — so one
    /// that is not the last character stops at a colon.
    StarInSegment,
}

/// How a pattern is compiled.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards (`StringLike`, `ArnLike`, actions, resources) rather than
    /// literal characters (`StringEquals`).
    pub wildcards: bool,
    /// `${...}` is a policy variable (policy `Version` 2012-10-17, and only in resources and
    /// string, ARN and boolean condition values).
    pub variables: bool,
    /// A `*` stops at `:` unless it ends an ARN segment (the `Resource` element).
    pub arn_segments: bool,
    /// Lowercase the literal text (actions, which IAM matches case-insensitively).
    pub lowercase: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Shape {
    /// `*`.
    Any,
    /// No wildcards and no variables.
    Exact(Box<str>),
    /// Literal text and a final `*`.
    Prefix(Box<str>),
    General {
        variables: bool,
        in_segment_stars: bool,
    },
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern {
    pieces: Box<[Piece]>,
    shape: Shape,
}

impl Pattern {
    /// The condition keys (lowercased) of the policy variables in the pattern.
    pub(crate) fn variable_keys(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(v) if !v.key.is_empty() => Some(&*v.key),
            _ => None,
        })
    }

    pub(crate) fn compile(text: &str, syntax: Syntax) -> Self {
        Self::from_pieces(pieces(text, syntax))
    }

    fn from_pieces(pieces: Vec<Piece>) -> Self {
        let shape = match pieces.as_slice() {
            [Piece::Star] => Shape::Any,
            [] => Shape::Exact("".into()),
            [Piece::Lit(l)] => Shape::Exact(l.clone()),
            [Piece::Lit(l), Piece::Star] => Shape::Prefix(l.clone()),
            _ => Shape::General {
                variables: pieces.iter().any(|p| matches!(p, Piece::Var(_))),
                in_segment_stars: pieces.iter().any(|p| matches!(p, Piece::StarInSegment)),
            },
        };
        Pattern {
            pieces: pieces.into_boxed_slice(),
            shape,
        }
    }

    /// Splits the pattern at every `:` of its literal text into at most `max` components, the
    /// last taking the rest (for `ArnLike`, which compares the six components of an ARN one by
    /// one). Colons inside a variable's name or value do not split.
    pub(crate) fn split_colons(self, max: usize) -> Vec<Pattern> {
        let mut out: Vec<Vec<Piece>> = vec![Vec::new()];
        for piece in self.pieces.into_vec() {
            match piece {
                Piece::Lit(text) => {
                    let mut rest: &str = &text;
                    while out.len() < max {
                        let Some((head, tail)) = rest.split_once(':') else {
                            break;
                        };
                        push_lit(out.last_mut(), head);
                        out.push(Vec::new());
                        rest = tail;
                    }
                    push_lit(out.last_mut(), rest);
                }
                other => {
                    if let Some(last) = out.last_mut() {
                        last.push(other);
                    }
                }
            }
        }
        out.into_iter().map(Pattern::from_pieces).collect()
    }

    /// Whether `text` matches the pattern (wildcards honoured if it was compiled with them).
    pub(crate) fn matches(&self, text: &str, ctx: &RequestContext) -> Tri {
        match &self.shape {
            Shape::Any => Tri::Match,
            Shape::Exact(lit) => (**lit == *text).into(),
            Shape::Prefix(lit) => text.starts_with(&**lit).into(),
            Shape::General {
                variables,
                in_segment_stars,
            } => {
                if *variables && !self.resolvable(ctx) {
                    return Tri::Unknown;
                }
                if *in_segment_stars {
                    glob_with_segments(&self.pieces, text, ctx).into()
                } else {
                    glob(&self.pieces, text, ctx).into()
                }
            }
        }
    }

    /// Whether `text` equals the pattern's text, its variables substituted, comparing case-
    /// insensitively when `ignore_case` (for patterns compiled without wildcards).
    pub(crate) fn equals(&self, text: &str, ignore_case: bool, ctx: &RequestContext) -> Tri {
        if let Shape::Exact(lit) = &self.shape {
            return if ignore_case {
                eq_ignore_case(lit.chars(), text).into()
            } else {
                (**lit == *text).into()
            };
        }
        if !self.resolvable(ctx) {
            return Tri::Unknown;
        }
        if ignore_case {
            let chars = self
                .pieces
                .iter()
                .flat_map(|p| piece_text(p, ctx).unwrap_or("").chars());
            return eq_ignore_case(chars, text).into();
        }
        let mut rest = text;
        for piece in self.pieces.iter() {
            match rest.strip_prefix(piece_text(piece, ctx).unwrap_or("")) {
                Some(r) => rest = r,
                None => return Tri::NoMatch,
            }
        }
        rest.is_empty().into()
    }

    fn resolvable(&self, ctx: &RequestContext) -> bool {
        self.pieces.iter().all(|p| match p {
            Piece::Var(v) => v.resolve(ctx).is_some(),
            _ => true,
        })
    }
}

fn push_lit(pieces: Option<&mut Vec<Piece>>, text: &str) {
    if let Some(pieces) = pieces
        && !text.is_empty()
    {
        match pieces.last_mut() {
            Some(Piece::Lit(prev)) => *prev = format!("{prev}{text}").into_boxed_str(),
            _ => pieces.push(Piece::Lit(text.into())),
        }
    }
}

fn eq_ignore_case(a: impl Iterator<Item = char>, b: &str) -> bool {
    a.flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// The literal text of a `Lit` or resolved `Var` piece; `None` for wildcards and unresolvable
/// variables.
fn piece_text<'a>(piece: &'a Piece, ctx: &'a RequestContext) -> Option<&'a str> {
    match piece {
        Piece::Lit(l) => Some(l),
        Piece::Var(v) => v.resolve(ctx),
        Piece::One | Piece::Star | Piece::StarInSegment => None,
    }
}

/// Compiles `text` into pieces.
fn pieces(text: &str, syntax: Syntax) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let flush = |lit: &mut String, out: &mut Vec<Piece>| {
        if !lit.is_empty() {
            out.push(Piece::Lit(std::mem::take(lit).into_boxed_str()));
        }
    };
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if syntax.variables
            && let Some(after) = rest.strip_prefix("${")
            && let Some(end) = after.find('}')
        {
            let content = &after[..end];
            rest = &after[end + 1..];
            match content {
                "*" | "?" | "$" => lit.push_str(content),
                _ => {
                    flush(&mut lit, &mut out);
                    out.push(Piece::Var(Variable::parse(content)));
                }
            }
            continue;
        }
        rest = &rest[c.len_utf8()..];
        match c {
            '*' if syntax.wildcards => {
                flush(&mut lit, &mut out);
                let ends_segment = rest.is_empty() || rest.starts_with(':');
                out.push(if syntax.arn_segments && !ends_segment {
                    Piece::StarInSegment
                } else {
                    Piece::Star
                });
            }
            '?' if syntax.wildcards => {
                flush(&mut lit, &mut out);
                out.push(Piece::One);
            }
            c if syntax.lowercase => lit.extend(c.to_lowercase()),
            c => lit.push(c),
        }
    }
    flush(&mut lit, &mut out);
    out
}

/// Glob matching of `text` against pieces holding `*` (never [`Piece::StarInSegment`]), `?`
/// and literal text: the linear greedy algorithm that backtracks only to the last `*`.
/// Variables must be resolvable (checked by the caller).
fn glob(pieces: &[Piece], text: &str, ctx: &RequestContext) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    // (piece after the last `*`, text position that `*` has consumed up to)
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        if let Some(piece) = pieces.get(pi) {
            let advanced = match piece {
                Piece::Star | Piece::StarInSegment => {
                    if pi + 1 == pieces.len() {
                        return true;
                    }
                    backtrack = Some((pi + 1, ti));
                    pi += 1;
                    continue;
                }
                Piece::One => text
                    .get(ti..)
                    .and_then(|r| r.chars().next())
                    .map(char::len_utf8),
                Piece::Lit(_) | Piece::Var(_) => {
                    let lit = piece_text(piece, ctx).unwrap_or("");
                    text.get(ti..)
                        .filter(|r| r.starts_with(lit))
                        .map(|_| lit.len())
                }
            };
            if let Some(n) = advanced {
                pi += 1;
                ti += n;
                continue;
            }
        } else if ti == text.len() {
            return true;
        }
        let Some((bpi, bti)) = backtrack else {
            return false;
        };
        let Some(c) = text.get(bti..).and_then(|r| r.chars().next()) else {
            return false;
        };
        let next = bti + c.len_utf8();
        backtrack = Some((bpi, next));
        pi = bpi;
        ti = next;
    }
}

/// Glob matching for `Resource` patterns that hold a `*` which must stop at `:`. The greedy
/// algorithm is not sound with two kinds of `*`, so this is the dynamic program over
/// (pattern position, text position); it allocates, and only such rare patterns use it.
fn glob_with_segments(pieces: &[Piece], text: &str, ctx: &RequestContext) -> bool {
    #[derive(Clone, Copy)]
    enum Tok {
        Char(char),
        One,
        Star,
        StarInSegment,
    }
    let mut toks = Vec::new();
    for piece in pieces {
        match piece {
            Piece::One => toks.push(Tok::One),
            Piece::Star => toks.push(Tok::Star),
            Piece::StarInSegment => toks.push(Tok::StarInSegment),
            Piece::Lit(_) | Piece::Var(_) => {
                toks.extend(piece_text(piece, ctx).unwrap_or("").chars().map(Tok::Char));
            }
        }
    }
    let chars: Vec<char> = text.chars().collect();
    // prev[j]: the pattern so far matches the first j characters.
    let mut prev = vec![false; chars.len() + 1];
    let mut cur = vec![false; chars.len() + 1];
    prev[0] = true;
    for tok in toks {
        cur[0] = matches!(tok, Tok::Star | Tok::StarInSegment) && prev[0];
        for j in 1..=chars.len() {
            let c = chars[j - 1];
            cur[j] = match tok {
                Tok::Char(p) => prev[j - 1] && p == c,
                Tok::One => prev[j - 1],
                Tok::Star => prev[j] || cur[j - 1],
                Tok::StarInSegment => prev[j] || (cur[j - 1] && c != ':'),
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[chars.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use trent_types::PrincipalArn;

    fn ctx() -> RequestContext {
        let p = PrincipalArn::parse("arn:aws:iam::111122223333:user/alice").unwrap();
        RequestContext::builder("kms:Encrypt", "*", &p)
            .value("aws:PrincipalTag/team", "blue")
            .values("kms:EncryptionContextKeys", ["a", "b"])
            .build()
    }

    const LIKE: Syntax = Syntax {
        wildcards: true,
        variables: true,
        arn_segments: false,
        lowercase: false,
    };
    const RESOURCE: Syntax = Syntax {
        wildcards: true,
        variables: true,
        arn_segments: true,
        lowercase: false,
    };

    fn like(p: &str, t: &str) -> Tri {
        Pattern::compile(p, LIKE).matches(t, &ctx())
    }

    #[test]
    fn glob_basics() {
        assert_eq!(like("*", ""), Tri::Match);
        assert_eq!(like("", ""), Tri::Match);
        assert_eq!(like("", "a"), Tri::NoMatch);
        assert_eq!(like("a*c", "abbbc"), Tri::Match);
        assert_eq!(like("a*c", "abbbd"), Tri::NoMatch);
        assert_eq!(like("a?c", "abc"), Tri::Match);
        assert_eq!(like("a?c", "ac"), Tri::NoMatch);
        assert_eq!(like("*a*a*a", "aaaa"), Tri::Match);
        assert_eq!(like("*ab*ab", "xabyab"), Tri::Match);
        assert_eq!(like("?", "é"), Tri::Match);
        assert_eq!(like("**", "x"), Tri::Match);
        assert_eq!(like("a*", "b"), Tri::NoMatch);
    }

    #[test]
    fn variables() {
        assert_eq!(like("${aws:username}", "alice"), Tri::Match);
        assert_eq!(like("${AWS:UserName}-*", "alice-1"), Tri::Match);
        assert_eq!(like("${aws:PrincipalTag/team}", "blue"), Tri::Match);
        assert_eq!(like("${aws:PrincipalTag/missing}", "blue"), Tri::Unknown);
        assert_eq!(
            like("${aws:PrincipalTag/missing, 'blue'}", "blue"),
            Tri::Match
        );
        assert_eq!(
            like("${aws:PrincipalTag/missing, 'it''s'}", "it's"),
            Tri::Match
        );
        assert_eq!(like("${kms:EncryptionContextKeys}", "a"), Tri::Unknown);
        assert_eq!(like("${*}", "*"), Tri::Match);
        assert_eq!(like("${*}", "x"), Tri::NoMatch);
        assert_eq!(like("${?}${$}", "?$"), Tri::Match);
        assert_eq!(like("${}", ""), Tri::Unknown);
        assert_eq!(like("${unterminated", "${unterminated"), Tri::Match);
    }

    #[test]
    fn resource_segments() {
        let m = |p: &str, t: &str| Pattern::compile(p, RESOURCE).matches(t, &ctx());
        let arn = "arn:aws:kms:us-east-1:111122223333:key/abc";
        assert_eq!(m("arn:aws:kms:*:111122223333:key/*", arn), Tri::Match);
        // A segment-final `*` crosses colons.
        assert_eq!(m("arn:aws:kms:*:key/abc", arn), Tri::Match);
        // One in the middle of a segment does not.
        assert_eq!(m("arn:aws:kms:u*1:key/abc", arn), Tri::NoMatch);
        assert_eq!(
            m("arn:aws:kms:us-*-1:111122223333:key/abc", arn),
            Tri::Match
        );
        assert_eq!(m("arn:aws:kms:*", arn), Tri::Match);
    }

    #[test]
    fn split_components() {
        let parts = Pattern::compile("arn:aws:iam::${aws:username}:a:b", LIKE).split_colons(6);
        assert_eq!(parts.len(), 6);
        assert_eq!(parts[5].matches("a:b", &ctx()), Tri::Match);
        assert_eq!(parts[4].matches("alice", &ctx()), Tri::Match);
    }
}
