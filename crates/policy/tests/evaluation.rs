//! The evaluation table: policy, request context, and the decision AWS documents.
//!
//! Sources, cited beside the cases they decide:
//! - [ops] IAM "IAM JSON policy elements: Condition operators"
//! - [multi] IAM "Creating a condition with multiple keys or values" (set operators)
//! - [vars] IAM "IAM policy elements: Variables and tags"
//! - [eval] IAM "Policy evaluation logic" and "Cross-account policy evaluation logic"
//! - [principal] IAM "AWS JSON policy elements: Principal" and "... NotPrincipal"
//! - [resource] IAM "IAM JSON policy elements: Resource"
//! - [kp] KMS "Key policies in AWS KMS"; [default] KMS "Default key policy"
//! - [kms-cond] KMS "AWS KMS condition keys"
//!
//! Every case is one line of the table; a failure names the line it was declared on.

// Test code: a failed unwrap is a failed test with its location. (clippy.toml already allows
// this inside `#[test]` functions; this extends it to the file's helpers.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::IpAddr;

use trent_policy::{
    ContextValue, Decision, Policy, RequestContext, RequestContextBuilder, authorize,
};
use trent_types::{PrincipalArn, Timestamp};

const A: Decision = Decision::Allow;
const D: Decision = Decision::ExplicitDeny;
const I: Decision = Decision::ImplicitDeny;

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const BOB: &str = "arn:aws:iam::111122223333:user/bob";
const ROOT: &str = "arn:aws:iam::111122223333:root";
const ADMIN: &str = "arn:aws:iam::111122223333:role/KeyAdmin";
const USER_ROLE: &str = "arn:aws:iam::111122223333:role/KeyUser";
const CAROL: &str = "arn:aws:iam::444455556666:user/carol";
const OTHER_ROOT: &str = "arn:aws:iam::444455556666:root";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const OTHER_KEY: &str =
    "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321";
const ALIAS: &str = "arn:aws:kms:us-east-1:111122223333:alias/finance-key";

enum Check {
    Identity(String, RequestContext),
    Key(String, RequestContext),
    Authorize {
        key: String,
        identity: Vec<String>,
        grants: bool,
        ctx: RequestContext,
    },
}

struct Case {
    line: u32,
    check: Check,
    expect: Decision,
}

impl Case {
    fn run(&self) -> Result<Decision, String> {
        let parse_id = |j: &str| Policy::parse_identity_policy(j).map_err(|e| format!("{e}: {j}"));
        let parse_key = |j: &str| Policy::parse_key_policy(j).map_err(|e| format!("{e}: {j}"));
        Ok(match &self.check {
            Check::Identity(json, ctx) => parse_id(json)?.evaluate(ctx),
            Check::Key(json, ctx) => parse_key(json)?.evaluate(ctx),
            Check::Authorize {
                key,
                identity,
                grants,
                ctx,
            } => {
                let key = parse_key(key)?;
                let ids = identity
                    .iter()
                    .map(|j| parse_id(j))
                    .collect::<Result<Vec<_>, _>>()?;
                let refs: Vec<&Policy> = ids.iter().collect();
                authorize(&key, &refs, *grants, ctx)
            }
        })
    }
}

macro_rules! case {
    ($cases:ident, $check:expr, $expect:expr) => {
        $cases.push(Case {
            line: line!(),
            check: $check,
            expect: $expect,
        })
    };
}

/// A condition case: an identity policy allowing `kms:*` on `*` under `cond`; the expected
/// value is whether the condition holds.
macro_rules! cond {
    ($cases:ident, $cond:expr, $ctx:expr, $holds:expr) => {
        case!(
            $cases,
            Check::Identity(allow_if($cond), $ctx),
            if $holds { A } else { I }
        )
    };
}

fn p(arn: &str) -> PrincipalArn {
    PrincipalArn::parse(arn).unwrap()
}

/// A request by `who` for `action` on the key.
fn req(action: &str, who: &str) -> RequestContextBuilder {
    RequestContext::builder(action, KEY, &p(who))
}

/// `kms:Encrypt` by alice on the key, with string-valued keys.
fn ctx(pairs: &[(&str, &str)]) -> RequestContext {
    pairs
        .iter()
        .fold(req("kms:Encrypt", ALICE), |b, (k, v)| b.value(k, *v))
        .build()
}

/// `kms:Encrypt` by alice with one multivalued key.
fn multi(key: &str, values: &[&str]) -> RequestContext {
    req("kms:Encrypt", ALICE)
        .values(key, values.iter().copied())
        .build()
}

/// `kms:Encrypt` by alice with one typed value.
fn typed(key: &str, value: ContextValue) -> RequestContext {
    req("kms:Encrypt", ALICE).value(key, value).build()
}

fn none() -> RequestContext {
    ctx(&[])
}

fn ip(s: &str) -> ContextValue {
    ContextValue::ip(s.parse::<IpAddr>().unwrap())
}

fn at(iso_seconds: i64) -> ContextValue {
    ContextValue::date(Timestamp::from_millis(iso_seconds * 1000))
}

const Y2020: i64 = 1_577_836_800; // 2020-01-01T00:00:00Z
const Y2024: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z

fn allow_if(cond: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{cond}}}]}}"#
    )
}

/// An identity policy of one statement (the JSON of the statement's body).
fn id_policy(statements: &[&str]) -> String {
    let body: Vec<String> = statements.iter().map(|s| format!("{{{s}}}")).collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        body.join(",")
    )
}

/// A key policy of the given statements (bodies).
fn key_policy(statements: &[&str]) -> String {
    id_policy(statements)
}

const ALLOW_ALL: &str = r#""Effect":"Allow","Action":"*","Resource":"*""#;

fn default_policy() -> String {
    Policy::default_key_policy(&trent_types::AccountId::parse("111122223333").unwrap())
}

#[rustfmt::skip]
fn string_operators(c: &mut Vec<Case>) {
    let team = |v: &str| ctx(&[("aws:PrincipalTag/team", v)]);
    // [ops] StringEquals: exact, case-sensitive; absent key: false.
    let eq = r#"{"StringEquals":{"aws:PrincipalTag/team":"blue"}}"#;
    cond!(c, eq, team("blue"), true);
    cond!(c, eq, team("Blue"), false);
    cond!(c, eq, team("blue "), false);
    cond!(c, eq, none(), false);
    cond!(c, r#"{"StringEquals":{"aws:PrincipalTag/team":["red","blue"]}}"#, team("blue"), true);
    cond!(c, r#"{"StringEquals":{"aws:PrincipalTag/team":["red","green"]}}"#, team("blue"), false);
    // Condition key names are case-insensitive [vars: "Key names are case-insensitive"].
    cond!(c, r#"{"StringEquals":{"AWS:principaltag/TEAM":"blue"}}"#, team("blue"), true);
    // `*` is literal for StringEquals.
    cond!(c, r#"{"StringEquals":{"aws:PrincipalTag/team":"b*"}}"#, team("blue"), false);
    cond!(c, r#"{"StringEquals":{"aws:PrincipalTag/team":"b*"}}"#, team("b*"), true);
    cond!(c, r#"{"StringEquals":{"aws:PrincipalTag/team":""}}"#, team(""), true);
    // A number in the policy compares as its text.
    cond!(c, r#"{"StringEquals":{"kms:CallerAccount":111122223333}}"#, ctx(&[("kms:CallerAccount", "111122223333")]), true);
    cond!(c, r#"{"StringEqualsIfExists":{"aws:PrincipalTag/team":"blue"}}"#, none(), true);
    cond!(c, r#"{"StringEqualsIfExists":{"aws:PrincipalTag/team":"blue"}}"#, team("red"), false);
    cond!(c, r#"{"StringEqualsIfExists":{"aws:PrincipalTag/team":"blue"}}"#, team("blue"), true);

    // [ops] StringNotEquals; [multi] several values of a negated operator are NOR.
    let ne = r#"{"StringNotEquals":{"aws:PrincipalTag/team":["red","green"]}}"#;
    cond!(c, ne, team("blue"), true);
    cond!(c, ne, team("red"), false);
    cond!(c, ne, team("green"), false);
    cond!(c, ne, team("RED"), true);
    // [ops] "If the policy condition requires that the key is not matched ... and the right
    // key is not present, the condition is true."
    cond!(c, ne, none(), true);
    cond!(c, r#"{"StringNotEqualsIfExists":{"aws:PrincipalTag/team":"red"}}"#, none(), true);
    cond!(c, r#"{"StringNotEqualsIfExists":{"aws:PrincipalTag/team":"red"}}"#, team("red"), false);
    cond!(c, r#"{"StringNotEqualsIfExists":{"aws:PrincipalTag/team":"red"}}"#, team("blue"), true);

    let ieq = r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"BLUE"}}"#;
    cond!(c, ieq, team("blue"), true);
    cond!(c, ieq, team("Blue"), true);
    cond!(c, ieq, team("red"), false);
    cond!(c, ieq, none(), false);
    cond!(c, r#"{"StringEqualsIgnoreCaseIfExists":{"aws:PrincipalTag/team":"BLUE"}}"#, none(), true);
    cond!(c, r#"{"StringEqualsIgnoreCaseIfExists":{"aws:PrincipalTag/team":"BLUE"}}"#, team("bLuE"), true);
    let ine = r#"{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":["BLUE","Red"]}}"#;
    cond!(c, ine, team("blue"), false);
    cond!(c, ine, team("RED"), false);
    cond!(c, ine, team("green"), true);
    cond!(c, ine, none(), true);
    cond!(c, r#"{"StringNotEqualsIgnoreCaseIfExists":{"aws:PrincipalTag/team":"BLUE"}}"#, team("blue"), false);

    // [ops] StringLike: `*` and `?` anywhere, case-sensitive.
    let like = r#"{"StringLike":{"aws:PrincipalTag/team":"blue-*"}}"#;
    cond!(c, like, team("blue-1"), true);
    cond!(c, like, team("blue-"), true);
    cond!(c, like, team("blue"), false);
    cond!(c, like, team("Blue-1"), false);
    cond!(c, like, none(), false);
    cond!(c, r#"{"StringLike":{"aws:PrincipalTag/team":"team?"}}"#, team("teamA"), true);
    cond!(c, r#"{"StringLike":{"aws:PrincipalTag/team":"team?"}}"#, team("teamAB"), false);
    cond!(c, r#"{"StringLike":{"aws:PrincipalTag/team":"*"}}"#, team(""), true);
    cond!(c, r#"{"StringLike":{"aws:PrincipalTag/team":["red*","*lue"]}}"#, team("blue"), true);
    cond!(c, r#"{"StringLike":{"aws:PrincipalTag/team":"*a*b*"}}"#, team("xaxbx"), true);
    cond!(c, r#"{"StringLikeIfExists":{"aws:PrincipalTag/team":"blue-*"}}"#, none(), true);
    cond!(c, r#"{"StringLikeIfExists":{"aws:PrincipalTag/team":"blue-*"}}"#, team("red"), false);
    let nlike = r#"{"StringNotLike":{"aws:PrincipalTag/team":["blue-*","red-*"]}}"#;
    cond!(c, nlike, team("blue-1"), false);
    cond!(c, nlike, team("red-2"), false);
    cond!(c, nlike, team("green-1"), true);
    cond!(c, nlike, none(), true);
    cond!(c, r#"{"StringNotLikeIfExists":{"aws:PrincipalTag/team":"blue-*"}}"#, team("blue-9"), false);
}

#[rustfmt::skip]
fn numeric_operators(c: &mut Vec<Case>) {
    let k = "kms:ScheduleKeyDeletionPendingWindowInDays";
    let n = |v: &str| ctx(&[(k, v)]);
    let cond = |op: &str, v: &str| format!(r#"{{"{op}":{{"{k}":{v}}}}}"#);
    cond!(c, &cond("NumericEquals", "30"), n("30"), true);
    cond!(c, &cond("NumericEquals", "30"), n("30.0"), true);
    cond!(c, &cond("NumericEquals", "\"30\""), n("30"), true);
    cond!(c, &cond("NumericEquals", "30"), n("7"), false);
    cond!(c, &cond("NumericEquals", "30"), none(), false);
    // A request value that is not a number matches nothing (condition.rs rule 7).
    cond!(c, &cond("NumericEquals", "30"), n("thirty"), false);
    cond!(c, &cond("NumericEquals", "[7, 30]"), n("30"), true);
    cond!(c, &cond("NumericEquals", "7"), typed(k, ContextValue::from(7_i64)), true);
    cond!(c, &cond("NumericNotEquals", "30"), n("7"), true);
    cond!(c, &cond("NumericNotEquals", "30"), n("30"), false);
    cond!(c, &cond("NumericNotEquals", "[7, 30]"), n("7"), false);
    cond!(c, &cond("NumericNotEquals", "30"), none(), true);
    cond!(c, &cond("NumericLessThan", "10"), n("7"), true);
    cond!(c, &cond("NumericLessThan", "10"), n("10"), false);
    cond!(c, &cond("NumericLessThan", "10"), n("12"), false);
    cond!(c, &cond("NumericLessThan", "10"), n("-3.5"), true);
    cond!(c, &cond("NumericLessThan", "10"), none(), false);
    cond!(c, &cond("NumericLessThanEquals", "10"), n("10"), true);
    cond!(c, &cond("NumericLessThanEquals", "10"), n("10.5"), false);
    cond!(c, &cond("NumericGreaterThan", "10"), n("11"), true);
    cond!(c, &cond("NumericGreaterThan", "10"), n("10"), false);
    cond!(c, &cond("NumericGreaterThan", "10.5"), n("10.75"), true);
    cond!(c, &cond("NumericGreaterThanEquals", "10"), n("10"), true);
    cond!(c, &cond("NumericGreaterThanEquals", "10"), n("9.5"), false);
    cond!(c, &cond("NumericGreaterThanEquals", "10"), none(), false);
    cond!(c, &cond("NumericLessThanIfExists", "10"), none(), true);
    cond!(c, &cond("NumericLessThanIfExists", "10"), n("20"), false);
    cond!(c, &cond("NumericGreaterThanEqualsIfExists", "7"), n("7"), true);
    cond!(c, &cond("NumericNotEqualsIfExists", "7"), n("7"), false);
    cond!(c, &cond("NumericEqualsIfExists", "7"), n("8"), false);
}

#[rustfmt::skip]
fn date_operators(c: &mut Vec<Case>) {
    let now = |secs| typed("aws:CurrentTime", at(secs));
    let cond = |op: &str, v: &str| format!(r#"{{"{op}":{{"aws:CurrentTime":"{v}"}}}}"#);
    let y2020 = "2020-01-01T00:00:00Z";
    cond!(c, &cond("DateGreaterThan", y2020), now(Y2024), true);
    cond!(c, &cond("DateGreaterThan", y2020), now(Y2020), false);
    cond!(c, &cond("DateGreaterThan", y2020), now(Y2020 - 1), false);
    cond!(c, &cond("DateGreaterThanEquals", y2020), now(Y2020), true);
    cond!(c, &cond("DateGreaterThanEquals", y2020), now(Y2020 - 1), false);
    cond!(c, &cond("DateLessThan", y2020), now(Y2020 - 1), true);
    cond!(c, &cond("DateLessThan", y2020), now(Y2020), false);
    cond!(c, &cond("DateLessThanEquals", y2020), now(Y2020), true);
    cond!(c, &cond("DateLessThanEquals", y2020), now(Y2024), false);
    cond!(c, &cond("DateEquals", y2020), now(Y2020), true);
    cond!(c, &cond("DateEquals", y2020), now(Y2020 + 1), false);
    cond!(c, &cond("DateNotEquals", y2020), now(Y2020 + 1), true);
    cond!(c, &cond("DateNotEquals", y2020), now(Y2020), false);
    cond!(c, &cond("DateNotEquals", y2020), none(), true);
    cond!(c, &cond("DateGreaterThan", y2020), none(), false);
    cond!(c, &cond("DateGreaterThanIfExists", y2020), none(), true);
    cond!(c, &cond("DateLessThanIfExists", y2020), now(Y2024), false);
    // [ops] "W3C implementations of the ISO 8601 date formats or in epoch (UNIX) time".
    cond!(c, &cond("DateEquals", "1577836800"), now(Y2020), true);
    cond!(c, &cond("DateEquals", "2020-01-01"), now(Y2020), true);
    cond!(c, &cond("DateEquals", "2020-01-01T01:00:00+01:00"), now(Y2020), true);
    cond!(c, &cond("DateLessThan", "2020-01-01T00:00:00.500Z"), now(Y2020), true);
    // Request values as text, ISO 8601 or epoch seconds (aws:EpochTime).
    cond!(c, &cond("DateGreaterThan", y2020), ctx(&[("aws:CurrentTime", "2024-06-01T12:00:00Z")]), true);
    cond!(c, &cond("DateGreaterThan", y2020), ctx(&[("aws:CurrentTime", "2019-12-31")]), false);
    cond!(c, &cond("DateGreaterThan", y2020), ctx(&[("aws:CurrentTime", "not a date")]), false);
    cond!(c, r#"{"DateGreaterThan":{"aws:EpochTime":"2020-01-01T00:00:00Z"}}"#, ctx(&[("aws:EpochTime", "1704067200")]), true);
    cond!(c, r#"{"DateLessThan":{"aws:EpochTime":1577836800}}"#, ctx(&[("aws:EpochTime", "1704067200")]), false);
    let both = req("kms:Encrypt", ALICE)
        .current_time(Timestamp::from_millis(Y2024 * 1000))
        .build();
    cond!(c, &cond("DateGreaterThan", y2020), both, true);
    let both = req("kms:Encrypt", ALICE)
        .current_time(Timestamp::from_millis(Y2024 * 1000))
        .build();
    cond!(c, r#"{"DateGreaterThan":{"aws:EpochTime":"1577836800"}}"#, both, true);
}

#[rustfmt::skip]
fn bool_binary_ip(c: &mut Vec<Case>) {
    let tls = |b: bool| typed("aws:SecureTransport", ContextValue::boolean(b));
    cond!(c, r#"{"Bool":{"aws:SecureTransport":"true"}}"#, tls(true), true);
    cond!(c, r#"{"Bool":{"aws:SecureTransport":"true"}}"#, tls(false), false);
    cond!(c, r#"{"Bool":{"aws:SecureTransport":true}}"#, tls(true), true);
    cond!(c, r#"{"Bool":{"aws:SecureTransport":"false"}}"#, tls(false), true);
    cond!(c, r#"{"Bool":{"aws:SecureTransport":"true"}}"#, ctx(&[("aws:SecureTransport", "TRUE")]), true);
    cond!(c, r#"{"Bool":{"aws:SecureTransport":"true"}}"#, ctx(&[("aws:SecureTransport", "yes")]), false);
    // [ops] absent key: "the values do not match" — also for "false".
    cond!(c, r#"{"Bool":{"aws:MultiFactorAuthPresent":"false"}}"#, none(), false);
    cond!(c, r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#, none(), false);
    cond!(c, r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#, none(), true);
    cond!(c, r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#, typed("aws:MultiFactorAuthPresent", ContextValue::boolean(true)), false);
    // [ops, older revision] "You can use a policy variable with the Boolean condition operator."
    let tagged = req("kms:Encrypt", ALICE)
        .value("aws:SecureTransport", true)
        .value("aws:PrincipalTag/tls", "true")
        .build();
    cond!(c, r#"{"Bool":{"aws:SecureTransport":"${aws:PrincipalTag/tls}"}}"#, tagged, true);

    // [ops] BinaryEquals: byte-for-byte against the base64 in the policy.
    let bin = r#"{"BinaryEquals":{"aws:Key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#;
    cond!(c, bin, typed("aws:Key", ContextValue::binary(b"BinaryValueInBase64")), true);
    cond!(c, bin, typed("aws:Key", ContextValue::binary(b"BinaryValueInBase65")), false);
    cond!(c, bin, ctx(&[("aws:Key", "QmluYXJ5VmFsdWVJbkJhc2U2NA==")]), true);
    cond!(c, bin, none(), false);
    cond!(c, r#"{"BinaryEqualsIfExists":{"aws:Key":"AAEC"}}"#, none(), true);
    cond!(c, r#"{"BinaryEqualsIfExists":{"aws:Key":"AAEC"}}"#, typed("aws:Key", ContextValue::binary(&[0, 1, 2])), true);

    // [ops] IpAddress / NotIpAddress with CIDR; a bare address is /32.
    let inside = r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#;
    let src = |s: &str| typed("aws:SourceIp", ip(s));
    cond!(c, inside, src("203.0.113.5"), true);
    cond!(c, inside, src("203.0.114.5"), false);
    cond!(c, inside, ctx(&[("aws:SourceIp", "203.0.113.77")]), true);
    cond!(c, inside, none(), false);
    cond!(c, r#"{"IpAddress":{"aws:SourceIp":"203.0.113.5"}}"#, src("203.0.113.5"), true);
    cond!(c, r#"{"IpAddress":{"aws:SourceIp":"203.0.113.5"}}"#, src("203.0.113.6"), false);
    let mixed = r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}"#;
    cond!(c, mixed, src("2001:db8:1234:5678::abcd"), true);
    cond!(c, mixed, src("2001:db8:1234:5679::1"), false);
    cond!(c, mixed, src("203.0.113.1"), true);
    let outside = r#"{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","198.51.100.0/24"]}}"#;
    cond!(c, outside, src("192.0.2.1"), true);
    cond!(c, outside, src("198.51.100.9"), false);
    cond!(c, outside, none(), true);
    cond!(c, r#"{"IpAddressIfExists":{"aws:SourceIp":"203.0.113.0/24"}}"#, none(), true);
    cond!(c, r#"{"NotIpAddressIfExists":{"aws:SourceIp":"203.0.113.0/24"}}"#, src("203.0.113.2"), false);
    cond!(c, r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#, src("8.8.8.8"), true);
    cond!(c, r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#, src("::1"), false);
}

#[rustfmt::skip]
fn arn_and_null(c: &mut Vec<Case>) {
    let k = "aws:PrincipalArn";
    let cond = |op: &str, v: &str| format!(r#"{{"{op}":{{"{k}":"{v}"}}}}"#);
    let users = "arn:aws:iam::111122223333:user/*";
    cond!(c, &cond("ArnLike", users), none(), true); // aws:PrincipalArn is alice's
    cond!(c, &cond("ArnEquals", users), none(), true); // [ops] ArnEquals behaves as ArnLike
    cond!(c, &cond("ArnLike", users), req("kms:Encrypt", ADMIN).build(), false);
    cond!(c, &cond("ArnNotLike", users), none(), false);
    cond!(c, &cond("ArnNotEquals", users), req("kms:Encrypt", ADMIN).build(), true);
    cond!(c, &cond("ArnEquals", ALICE), none(), true);
    cond!(c, &cond("ArnEquals", BOB), none(), false);
    cond!(c, &cond("ArnLike", "arn:aws:iam::*:user/alice"), none(), true);
    cond!(c, &cond("ArnLike", "arn:aws:iam::111122223333:user/al?ce"), none(), true);
    // Fewer than six components: the last takes the rest (Trent's reading; IAM is silent).
    cond!(c, &cond("ArnLike", "*"), none(), true);
    cond!(c, &cond("ArnLike", "arn:aws:iam::*"), none(), true);
    let grantee = |v: &str| ctx(&[("kms:GranteePrincipal", v)]);
    let g = |op: &str, v: &str| format!(r#"{{"{op}":{{"kms:GranteePrincipal":"{v}"}}}}"#);
    cond!(c, &g("ArnLike", users), grantee(BOB), true);
    cond!(c, &g("ArnLike", users), grantee("not-an-arn"), false);
    cond!(c, &g("ArnLike", users), none(), false);
    cond!(c, &g("ArnNotLike", users), none(), true);
    cond!(c, &g("ArnLikeIfExists", users), none(), true);
    cond!(c, &g("ArnNotEqualsIfExists", users), grantee(BOB), false);
    // [ops] StringLike matches where ArnLike does not: "With an ArnLike condition, which
    // matches elements between colons, the match fails."
    let doc =
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
    let pattern = "arn:aws:someservice:*:111122223333:finance/*";
    cond!(c, &format!(r#"{{"StringLike":{{"aws:SourceArn":"{pattern}"}}}}"#), ctx(&[("aws:SourceArn", doc)]), true);
    cond!(c, &format!(r#"{{"ArnLike":{{"aws:SourceArn":"{pattern}"}}}}"#), ctx(&[("aws:SourceArn", doc)]), false);
    // The resource component may itself contain colons.
    cond!(c, r#"{"ArnLike":{"aws:SourceArn":"arn:aws:logs:*:111122223333:log-group:*"}}"#, ctx(&[("aws:SourceArn", "arn:aws:logs:us-east-1:111122223333:log-group:app:*")]), true);

    // [ops] Null: true when the key is absent, false when it is present.
    let keys = |v: &[&str]| multi("kms:EncryptionContextKeys", v);
    cond!(c, r#"{"Null":{"kms:EncryptionContextKeys":"true"}}"#, none(), true);
    cond!(c, r#"{"Null":{"kms:EncryptionContextKeys":"true"}}"#, keys(&["Dept"]), false);
    cond!(c, r#"{"Null":{"kms:EncryptionContextKeys":"false"}}"#, none(), false);
    cond!(c, r#"{"Null":{"kms:EncryptionContextKeys":false}}"#, keys(&["Dept"]), true);
    cond!(c, r#"{"Null":{"kms:EncryptionContextKeys":"true"}}"#, keys(&[]), true);
    cond!(c, r#"{"Null":{"aws:PrincipalTag/team":"false"}}"#, ctx(&[("aws:PrincipalTag/team", "")]), true);
    // [kms-cond] kms:BypassPolicyLockoutSafetyCheck with Null: allowed only without the flag.
    cond!(c, r#"{"Null":{"kms:BypassPolicyLockoutSafetyCheck":true}}"#, none(), true);
    cond!(c, r#"{"Null":{"kms:BypassPolicyLockoutSafetyCheck":true}}"#, typed("kms:BypassPolicyLockoutSafetyCheck", ContextValue::boolean(false)), false);
}

#[rustfmt::skip]
fn set_operators(c: &mut Vec<Case>) {
    let k = "kms:EncryptionContextKeys";
    let keys = |v: &[&str]| multi(k, v);
    let cond = |op: &str, v: &str| format!(r#"{{"{op}":{{"{k}":{v}}}}}"#);
    let allowed = r#"["Dept","Project"]"#;
    // [multi] ForAllValues: every request value matches one policy value; true when the key
    // is absent or empty.
    cond!(c, &cond("ForAllValues:StringEquals", allowed), keys(&["Dept"]), true);
    cond!(c, &cond("ForAllValues:StringEquals", allowed), keys(&["Dept", "Project"]), true);
    cond!(c, &cond("ForAllValues:StringEquals", allowed), keys(&["Dept", "Other"]), false);
    cond!(c, &cond("ForAllValues:StringEquals", allowed), keys(&["Other"]), false);
    cond!(c, &cond("ForAllValues:StringEquals", allowed), none(), true);
    cond!(c, &cond("ForAllValues:StringEquals", allowed), keys(&[]), true);
    // [multi] ForAnyValue: at least one request value matches; false when absent or empty.
    cond!(c, &cond("ForAnyValue:StringEquals", allowed), keys(&["Dept", "Other"]), true);
    cond!(c, &cond("ForAnyValue:StringEquals", allowed), keys(&["Project"]), true);
    cond!(c, &cond("ForAnyValue:StringEquals", allowed), keys(&["Other"]), false);
    cond!(c, &cond("ForAnyValue:StringEquals", allowed), none(), false);
    cond!(c, &cond("ForAnyValue:StringEquals", allowed), keys(&[]), false);
    // Negated operators under set operators: the negated test per request value.
    let secret = r#"["Secret"]"#;
    cond!(c, &cond("ForAllValues:StringNotEquals", secret), keys(&["Dept"]), true);
    cond!(c, &cond("ForAllValues:StringNotEquals", secret), keys(&["Dept", "Secret"]), false);
    cond!(c, &cond("ForAllValues:StringNotEquals", secret), none(), true);
    cond!(c, &cond("ForAnyValue:StringNotEquals", secret), keys(&["Secret", "Dept"]), true);
    cond!(c, &cond("ForAnyValue:StringNotEquals", secret), keys(&["Secret"]), false);
    cond!(c, &cond("ForAnyValue:StringNotEquals", secret), none(), false);
    cond!(c, &cond("ForAllValues:StringLike", r#"["Dept*"]"#), keys(&["DeptA", "DeptB"]), true);
    cond!(c, &cond("ForAllValues:StringLike", r#"["Dept*"]"#), keys(&["DeptA", "X"]), false);
    cond!(c, &cond("ForAnyValue:StringLike", r#"["Dept*"]"#), keys(&["X", "DeptA"]), true);
    cond!(c, &cond("ForAnyValue:StringNotLike", r#"["Dept*"]"#), keys(&["DeptA"]), false);
    cond!(c, &cond("ForAllValues:StringNotLike", r#"["Dept*"]"#), keys(&["X", "Y"]), true);
    cond!(c, &cond("ForAllValues:StringEqualsIgnoreCase", allowed), keys(&["dept", "PROJECT"]), true);
    cond!(c, &cond("ForAnyValue:StringEqualsIfExists", allowed), none(), true);
    cond!(c, &cond("ForAllValues:StringEqualsIfExists", allowed), keys(&["Other"]), false);
    // Unqualified operators on a multivalued key ([kms-cond] "StringEquals ...
    // kms:EncryptionContextKeys: AppName" requires the AppName key; condition.rs rule 6).
    cond!(c, &cond("StringEquals", r#""AppName""#), keys(&["AppName", "Other"]), true);
    cond!(c, &cond("StringEquals", r#""AppName""#), keys(&["Other"]), false);
    cond!(c, &cond("StringNotEquals", secret), keys(&["Dept", "Secret"]), false);
    cond!(c, &cond("StringNotEquals", secret), keys(&["Dept"]), true);
    // aws:TagKeys, the multivalued key of TagResource.
    let tk = |v: &[&str]| multi("aws:TagKeys", v);
    let tags = r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["Owner","Env"]}}"#;
    cond!(c, tags, tk(&["Owner"]), true);
    cond!(c, tags, tk(&["Owner", "Cost"]), false);
    cond!(c, r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"Owner"}}"#, tk(&["Cost", "Owner"]), true);
    // Set operators over numbers, dates and IPs.
    let nums = |v: &[&str]| multi("aws:Sizes", v);
    cond!(c, r#"{"ForAllValues:NumericLessThan":{"aws:Sizes":100}}"#, nums(&["1", "99"]), true);
    cond!(c, r#"{"ForAllValues:NumericLessThan":{"aws:Sizes":100}}"#, nums(&["1", "100"]), false);
    cond!(c, r#"{"ForAnyValue:NumericGreaterThan":{"aws:Sizes":100}}"#, nums(&["1", "101"]), true);
    cond!(c, r#"{"ForAnyValue:IpAddress":{"aws:Ips":"10.0.0.0/8"}}"#, multi("aws:Ips", &["192.0.2.1", "10.1.2.3"]), true);
    cond!(c, r#"{"ForAllValues:IpAddress":{"aws:Ips":"10.0.0.0/8"}}"#, multi("aws:Ips", &["192.0.2.1", "10.1.2.3"]), false);
    // ForAllValues on a single-valued key present.
    cond!(c, r#"{"ForAllValues:StringEquals":{"aws:username":"alice"}}"#, none(), true);
    cond!(c, r#"{"ForAllValues:StringEquals":{"aws:username":"bob"}}"#, none(), false);
}

#[rustfmt::skip]
fn multiple_keys_and_operators(c: &mut Vec<Case>) {
    // [multi] operators AND'ed, keys AND'ed, values OR'ed.
    let two_keys = r#"{"StringEquals":{"kms:EncryptionContext:Dept":"IT","kms:EncryptionContext:App":["a","b"]}}"#;
    cond!(c, two_keys, ctx(&[("kms:EncryptionContext:Dept", "IT"), ("kms:EncryptionContext:App", "b")]), true);
    cond!(c, two_keys, ctx(&[("kms:EncryptionContext:Dept", "IT"), ("kms:EncryptionContext:App", "c")]), false);
    cond!(c, two_keys, ctx(&[("kms:EncryptionContext:Dept", "IT")]), false);
    let two_ops = r#"{"StringEquals":{"kms:EncryptionContext:Dept":"IT"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#;
    let both = req("kms:Encrypt", ALICE)
        .value("kms:EncryptionContext:Dept", "IT")
        .value("aws:SourceIp", ip("10.0.0.1"))
        .build();
    cond!(c, two_ops, both, true);
    let wrong_ip = req("kms:Encrypt", ALICE)
        .value("kms:EncryptionContext:Dept", "IT")
        .value("aws:SourceIp", ip("11.0.0.1"))
        .build();
    cond!(c, two_ops, wrong_ip, false);
    let same_key = r#"{"StringLike":{"aws:PrincipalTag/team":"b*"},"StringNotEquals":{"aws:PrincipalTag/team":"bad"}}"#;
    cond!(c, same_key, ctx(&[("aws:PrincipalTag/team", "blue")]), true);
    cond!(c, same_key, ctx(&[("aws:PrincipalTag/team", "bad")]), false);
    cond!(c, same_key, ctx(&[("aws:PrincipalTag/team", "red")]), false);
    // An empty Condition block holds.
    cond!(c, "{}", none(), true);
}

#[rustfmt::skip]
fn variables(c: &mut Vec<Case>) {
    // [vars] ${aws:username} and tags as policy variables, in condition values.
    let owner = |v: &str| ctx(&[("aws:PrincipalTag/owner", v)]);
    let own = r#"{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}"#;
    cond!(c, own, owner("alice"), true);
    cond!(c, own, owner("bob"), false);
    cond!(c, r#"{"StringEquals":{"aws:PrincipalTag/owner":"${AWS:USERNAME}"}}"#, owner("alice"), true);
    // A role has no aws:username: the variable is unresolvable and matches nothing [vars:
    // "not present ... any attempt to match it fails"].
    let role = req("kms:Encrypt", ADMIN)
        .value("aws:PrincipalTag/owner", "alice")
        .build();
    cond!(c, own, role, false);
    // ... and never makes a negated operator true (condition.rs rule 8).
    let role = req("kms:Encrypt", ADMIN)
        .value("aws:PrincipalTag/owner", "alice")
        .build();
    cond!(c, r#"{"StringNotEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}"#, role, false);
    cond!(c, r#"{"StringNotEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}"#, owner("bob"), true);
    let path = r#"{"StringLike":{"kms:EncryptionContext:Path":"/home/${aws:username}/*"}}"#;
    cond!(c, path, ctx(&[("kms:EncryptionContext:Path", "/home/alice/notes")]), true);
    cond!(c, path, ctx(&[("kms:EncryptionContext:Path", "/home/bob/notes")]), false);
    // [vars] "Specifying default values".
    let dflt = r#"{"StringEquals":{"kms:EncryptionContext:team":"${aws:PrincipalTag/team, 'company-wide'}"}}"#;
    cond!(c, dflt, ctx(&[("kms:EncryptionContext:team", "company-wide")]), true);
    cond!(c, dflt, ctx(&[("kms:EncryptionContext:team", "blue"), ("aws:PrincipalTag/team", "blue")]), true);
    cond!(c, dflt, ctx(&[("kms:EncryptionContext:team", "company-wide"), ("aws:PrincipalTag/team", "blue")]), false);
    // [vars] ${*}, ${?} and ${$} are literal characters.
    cond!(c, r#"{"StringLike":{"aws:PrincipalTag/f":"file${*}"}}"#, ctx(&[("aws:PrincipalTag/f", "file*")]), true);
    cond!(c, r#"{"StringLike":{"aws:PrincipalTag/f":"file${*}"}}"#, ctx(&[("aws:PrincipalTag/f", "fileX")]), false);
    cond!(c, r#"{"StringLike":{"aws:PrincipalTag/f":"a${?}"}}"#, ctx(&[("aws:PrincipalTag/f", "a?")]), true);
    cond!(c, r#"{"StringLike":{"aws:PrincipalTag/f":"a${?}"}}"#, ctx(&[("aws:PrincipalTag/f", "ab")]), false);
    cond!(c, r#"{"StringEquals":{"aws:PrincipalTag/f":"${$}100"}}"#, ctx(&[("aws:PrincipalTag/f", "$100")]), true);
    // A substituted value is literal: a `*` in it is no wildcard.
    let literal = req("kms:Encrypt", ALICE)
        .value("aws:PrincipalTag/p", "x*")
        .value("aws:PrincipalTag/q", "xyz")
        .build();
    cond!(c, r#"{"StringLike":{"aws:PrincipalTag/q":"${aws:PrincipalTag/p}"}}"#, literal, false);
    // [multi-valued keys] can't be policy variables.
    cond!(c, r#"{"StringEquals":{"aws:PrincipalTag/owner":"${kms:EncryptionContextKeys}"}}"#, req("kms:Encrypt", ALICE).value("aws:PrincipalTag/owner", "a").values("kms:EncryptionContextKeys", ["a", "b"]).build(), false);
    cond!(c, r#"{"StringEquals":{"kms:EncryptionContext:owner":"${aws:userid}"}}"#, ctx(&[("aws:userid", "AIDAEXAMPLE"), ("kms:EncryptionContext:owner", "AIDAEXAMPLE")]), true);
    let ip_ctx = req("kms:Encrypt", ALICE)
        .value("aws:SourceIp", ip("203.0.113.5"))
        .value("kms:EncryptionContext:ip", "203.0.113.5")
        .build();
    cond!(c, r#"{"StringEquals":{"kms:EncryptionContext:ip":"${aws:SourceIp}"}}"#, ip_ctx, true);
    cond!(c, r#"{"ArnEquals":{"kms:GranteePrincipal":"${aws:PrincipalArn}"}}"#, ctx(&[("kms:GranteePrincipal", ALICE)]), true);
    cond!(c, r#"{"ArnEquals":{"kms:GranteePrincipal":"${aws:PrincipalArn}"}}"#, ctx(&[("kms:GranteePrincipal", BOB)]), false);
    cond!(c, r#"{"StringEquals":{"aws:ResourceTag/Project":"${aws:PrincipalTag/Project}"}}"#, ctx(&[("aws:ResourceTag/Project", "atlas"), ("aws:PrincipalTag/Project", "atlas")]), true);
    cond!(c, r#"{"StringEquals":{"aws:ResourceTag/Project":"${aws:PrincipalTag/Project}"}}"#, ctx(&[("aws:ResourceTag/Project", "atlas"), ("aws:PrincipalTag/Project", "zeus")]), false);
    // [vars] "If you don't include the Version element ... variables like ${aws:username}
    // are treated as literal strings."
    let v2008 = |v: &str| {
        format!(
            r#"{{"Version":"2008-10-17","Statement":{{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{{"StringEquals":{{"aws:PrincipalTag/owner":"{v}"}}}}}}}}"#
        )
    };
    case!(c, Check::Identity(v2008("${aws:username}"), owner("alice")), I);
    case!(c, Check::Identity(v2008("${aws:username}"), owner("${aws:username}")), A);
    let unversioned = r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}}}"#;
    case!(c, Check::Identity(unversioned.into(), owner("alice")), I);

    // [vars] in Resource: "only in the resource portion of the ARN".
    let own_alias = id_policy(&[
        r#""Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:alias/${aws:username}-*""#,
    ]);
    let on = |who: &str, alias: &str| {
        RequestContext::builder(
            "kms:UpdateAlias",
            &format!("arn:aws:kms:us-east-1:111122223333:alias/{alias}"),
            &p(who),
        )
        .build()
    };
    case!(c, Check::Identity(own_alias.clone(), on(ALICE, "alice-key")), A);
    case!(c, Check::Identity(own_alias.clone(), on(ALICE, "bob-key")), I);
    case!(c, Check::Identity(own_alias.clone(), on(ADMIN, "alice-key")), I);
    // An unresolvable variable in NotResource never makes the statement apply.
    let not_res = id_policy(&[
        ALLOW_ALL,
        r#""Effect":"Deny","Action":"kms:*","NotResource":"arn:aws:kms:us-east-1:111122223333:alias/${aws:username}""#,
    ]);
    case!(c, Check::Identity(not_res.clone(), on(ALICE, "bob")), D);
    case!(c, Check::Identity(not_res.clone(), on(ALICE, "alice")), A);
    case!(c, Check::Identity(not_res, on(ADMIN, "bob")), A);
}

#[rustfmt::skip]
fn actions(c: &mut Vec<Case>) {
    let allow = |action: &str| {
        id_policy(&[&format!(
            r#""Effect":"Allow","Action":{action},"Resource":"*""#
        )])
    };
    let ask = |action: &str| req(action, ALICE).build();
    let mut t = |policy: &str, action: &str, expect| {
        case!(c, Check::Identity(allow(policy), ask(action)), expect)
    };
    t(r#""kms:Encrypt""#, "kms:Encrypt", A);
    t(r#""kms:Encrypt""#, "kms:Decrypt", I);
    // IAM matches actions case-insensitively.
    t(r#""KMS:ENCRYPT""#, "kms:Encrypt", A);
    t(r#""kms:encrypt""#, "KMS:Encrypt", A);
    t(r#""kms:*""#, "kms:ScheduleKeyDeletion", A);
    t(r#""*""#, "kms:Encrypt", A);
    t(r#""kms:Generate*""#, "kms:GenerateDataKey", A);
    t(r#""kms:Generate*""#, "kms:GenerateDataKeyPairWithoutPlaintext", A);
    t(r#""kms:Generate*""#, "kms:Encrypt", I);
    t(r#""kms:ReEncrypt*""#, "kms:ReEncryptFrom", A);
    t(r#""kms:ReEncrypt*""#, "kms:ReEncryptTo", A);
    t(r#""kms:?ncrypt""#, "kms:Encrypt", A);
    t(r#""kms:?ncrypt""#, "kms:Decrypt", I);
    t(r#""kms:*Key""#, "kms:DescribeKey", A);
    t(r#""kms:*Key""#, "kms:Encrypt", I);
    t(r#"["kms:Encrypt","kms:Decrypt"]"#, "kms:Decrypt", A);
    t(r#"["kms:Encrypt","kms:Decrypt"]"#, "kms:Sign", I);
    t(r#""s3:*""#, "kms:Encrypt", I);
    t(r#""kms:Describe*""#, "kms:DescribeCustomKeyStores", A);
    let not_action = |na: &str| {
        id_policy(&[&format!(
            r#""Effect":"Allow","NotAction":{na},"Resource":"*""#
        )])
    };
    case!(c, Check::Identity(not_action(r#""kms:ScheduleKeyDeletion""#), ask("kms:Encrypt")), A);
    case!(c, Check::Identity(not_action(r#""kms:ScheduleKeyDeletion""#), ask("kms:ScheduleKeyDeletion")), I);
    case!(c, Check::Identity(not_action(r#""kms:*""#), ask("kms:Encrypt")), I);
    case!(c, Check::Identity(not_action(r#""KMS:schedule*""#), ask("kms:ScheduleKeyDeletion")), I);
    case!(c, Check::Identity(not_action(r#""s3:*""#), ask("kms:Encrypt")), A);
    // Deny everything but Encrypt and Decrypt; allow all.
    let guard = id_policy(&[
        ALLOW_ALL,
        r#""Effect":"Deny","NotAction":["kms:Encrypt","kms:Decrypt"],"Resource":"*""#,
    ]);
    case!(c, Check::Identity(guard.clone(), ask("kms:Encrypt")), A);
    case!(c, Check::Identity(guard.clone(), ask("kms:Decrypt")), A);
    case!(c, Check::Identity(guard, ask("kms:CreateGrant")), D);
}

#[rustfmt::skip]
fn resources(c: &mut Vec<Case>) {
    let allow = |res: &str| {
        id_policy(&[&format!(
            r#""Effect":"Allow","Action":"kms:*","Resource":{res}"#
        )])
    };
    let on = |resource: &str| RequestContext::builder("kms:Encrypt", resource, &p(ALICE)).build();
    let mut t = |res: &str, resource: &str, expect| {
        case!(c, Check::Identity(allow(res), on(resource)), expect)
    };
    t(r#""*""#, KEY, A);
    t(&format!(r#""{KEY}""#), KEY, A);
    t(&format!(r#""{KEY}""#), OTHER_KEY, I);
    t(r#""arn:aws:kms:*:111122223333:key/*""#, KEY, A);
    t(r#""arn:aws:kms:*:111122223333:key/*""#, "arn:aws:kms:eu-west-1:444455556666:key/x", I);
    t(r#""arn:aws:kms:us-west-2:111122223333:key/*""#, KEY, I);
    t(r#""arn:aws:kms:us-east-1:111122223333:alias/*""#, ALIAS, A);
    t(r#""arn:aws:kms:us-east-1:111122223333:alias/*""#, KEY, I);
    t(r#""arn:aws:kms:us-east-1:111122223333:alias/finance-*""#, ALIAS, A);
    // Resource matching is case-sensitive.
    t(r#""arn:aws:kms:US-EAST-1:111122223333:key/*""#, KEY, I);
    t(&format!(r#"["{OTHER_KEY}","{KEY}"]"#), KEY, A);
    t(r#""arn:aws:kms:us-east-1:111122223333:key/1234abcd-????-*""#, KEY, A);
    // [resource] "If the * wildcard is the last character of a resource ARN segment, it can
    // expand to match beyond the colon boundaries"; elsewhere it stops at a colon.
    t(r#""arn:aws:kms:*:key/*""#, KEY, A);
    t(r#""arn:aws:kms:us-*-1:111122223333:key/*""#, KEY, A);
    t(r#""arn:aws:kms:u*1:key/*""#, KEY, I);
    t(r#""arn:aws:kms:*""#, KEY, A);
    t(r#""arn:aws:s3:::*""#, KEY, I);
    let not_res = |res: &str| {
        id_policy(&[&format!(
            r#""Effect":"Allow","Action":"kms:*","NotResource":{res}"#
        )])
    };
    case!(c, Check::Identity(not_res(r#""arn:aws:kms:*:111122223333:key/*""#), on(KEY)), I);
    case!(c, Check::Identity(not_res(r#""arn:aws:kms:*:111122223333:key/*""#), on(ALIAS)), A);
    case!(c, Check::Identity(not_res(&format!(r#"["{OTHER_KEY}"]"#)), on(KEY)), A);
    let protect = id_policy(&[
        ALLOW_ALL,
        &format!(r#""Effect":"Deny","Action":"kms:*","Resource":"{KEY}""#),
    ]);
    case!(c, Check::Identity(protect.clone(), on(KEY)), D);
    case!(c, Check::Identity(protect, on(OTHER_KEY)), A);
}

#[rustfmt::skip]
fn principals(c: &mut Vec<Case>) {
    let allow_to = |principal: &str| {
        key_policy(&[&format!(
            r#""Effect":"Allow","Principal":{principal},"Action":"kms:Encrypt","Resource":"*""#
        )])
    };
    let by = |who: &str| req("kms:Encrypt", who).build();
    let mut t = |principal: &str, who: &str, expect| {
        case!(c, Check::Key(allow_to(principal), by(who)), expect)
    };
    // [principal] "*" is everyone.
    t(r#""*""#, ALICE, A);
    t(r#""*""#, CAROL, A);
    t(r#"{"AWS":"*"}"#, ALICE, A);
    t(&format!(r#"{{"AWS":"{ALICE}"}}"#), ALICE, A);
    t(&format!(r#"{{"AWS":"{ALICE}"}}"#), BOB, I);
    t(&format!(r#"{{"AWS":["{BOB}","{ALICE}"]}}"#), ALICE, A);
    t(&format!(r#"{{"AWS":"{ADMIN}"}}"#), ADMIN, A);
    t(&format!(r#"{{"AWS":"{ADMIN}"}}"#), ALICE, I);
    // [kp] naming the account allows the account, not its users: alone, the key policy does
    // not allow alice (Policy::evaluate), only the root.
    t(r#"{"AWS":"111122223333"}"#, ALICE, I);
    t(r#"{"AWS":"111122223333"}"#, ROOT, A);
    t(&format!(r#"{{"AWS":"{ROOT}"}}"#), ALICE, I);
    t(&format!(r#"{{"AWS":"{ROOT}"}}"#), ROOT, A);
    t(&format!(r#"{{"AWS":"{ROOT}"}}"#), CAROL, I);
    t(&format!(r#"{{"AWS":"{OTHER_ROOT}"}}"#), OTHER_ROOT, A);
    t(r#"{"Service":"ec2.amazonaws.com"}"#, ALICE, I);
    t(&format!(r#"{{"Service":"ec2.amazonaws.com","AWS":"{ALICE}"}}"#), ALICE, A);

    let deny_to = |principal: &str| {
        key_policy(&[
            r#""Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*""#,
            &format!(
                r#""Effect":"Deny","Principal":{principal},"Action":"kms:Encrypt","Resource":"*""#
            ),
        ])
    };
    let mut d = |principal: &str, who: &str, expect| {
        case!(c, Check::Key(deny_to(principal), by(who)), expect)
    };
    d(&format!(r#"{{"AWS":"{ALICE}"}}"#), ALICE, D);
    d(&format!(r#"{{"AWS":"{ALICE}"}}"#), BOB, A);
    // A Deny naming the account applies to every principal of the account.
    d(&format!(r#"{{"AWS":"{ROOT}"}}"#), ALICE, D);
    d(r#"{"AWS":"111122223333"}"#, ADMIN, D);
    d(r#"{"AWS":"111122223333"}"#, CAROL, A);
    d(r#""*""#, CAROL, D);

    // [principal] NotPrincipal with Deny: "you must also specify the account ARN of the
    // not-denied principal. Otherwise, the policy might deny access to the entire account
    // containing the principal."
    let deny_except = |principals: &str| {
        key_policy(&[
            r#""Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*""#,
            &format!(
                r#""Effect":"Deny","NotPrincipal":{{"AWS":{principals}}},"Action":"kms:*","Resource":"*""#
            ),
        ])
    };
    let mut n = |principals: &str, who: &str, expect| {
        case!(c, Check::Key(deny_except(principals), by(who)), expect)
    };
    n(&format!(r#"["{ALICE}","{ROOT}"]"#), ALICE, A);
    n(&format!(r#"["{ALICE}","{ROOT}"]"#), BOB, D);
    n(&format!(r#"["{ALICE}","{ROOT}"]"#), ROOT, A);
    n(&format!(r#"["{ALICE}","{ROOT}"]"#), CAROL, D);
    n(&format!(r#""{ALICE}""#), ALICE, D);
    n(&format!(r#"["{ALICE}","111122223333"]"#), ALICE, A);
    n(&format!(r#""{ROOT}""#), ALICE, D);
    n(&format!(r#""{ROOT}""#), ROOT, A);
    n(r#""*""#, CAROL, A);
}

#[rustfmt::skip]
fn kms_authorization(c: &mut Vec<Case>) {
    let az = |key: String, ids: &[&str], grants: bool, ctx: RequestContext| Check::Authorize {
        key,
        identity: ids.iter().map(|s| s.to_string()).collect(),
        grants,
        ctx,
    };
    let enc = |who: &str| req("kms:Encrypt", who).build();
    let allow_enc = id_policy(&[r#""Effect":"Allow","Action":"kms:Encrypt","Resource":"*""#]);
    let allow_dec = id_policy(&[r#""Effect":"Allow","Action":"kms:Decrypt","Resource":"*""#]);
    let allow_all = id_policy(&[ALLOW_ALL]);
    let deny_enc = id_policy(&[r#""Effect":"Deny","Action":"kms:Encrypt","Resource":"*""#]);

    // [default] "Allows access to the AWS account and enables IAM policies": the root
    // statement delegates to identity policies.
    case!(c, az(default_policy(), &[&allow_enc], false, enc(ALICE)), A);
    case!(c, az(default_policy(), &[&allow_all], false, enc(ALICE)), A);
    case!(c, az(default_policy(), &[], false, enc(ALICE)), I);
    case!(c, az(default_policy(), &[&allow_dec], false, enc(ALICE)), I);
    case!(c, az(default_policy(), &[&allow_dec, &allow_enc], false, enc(ALICE)), A);
    // The root user is the account: no identity policy needed.
    case!(c, az(default_policy(), &[], false, enc(ROOT)), A);
    // [eval] an explicit deny in any policy overrides every allow.
    case!(c, az(default_policy(), &[&allow_all, &deny_enc], false, enc(ALICE)), D);
    case!(c, az(default_policy(), &[&deny_enc], true, enc(ALICE)), D);
    // An identity policy scoped to another key does not reach this one.
    let other_key = id_policy(&[&format!(
        r#""Effect":"Allow","Action":"kms:*","Resource":"{OTHER_KEY}""#
    )]);
    case!(c, az(default_policy(), &[&other_key], false, enc(ALICE)), I);
    let this_key = id_policy(&[&format!(
        r#""Effect":"Allow","Action":"kms:*","Resource":"{KEY}""#
    )]);
    case!(c, az(default_policy(), &[&this_key], false, enc(ALICE)), A);

    // [kp] "the key policy alone can allow": naming the user needs no identity policy.
    let alice_only = key_policy(&[&format!(
        r#""Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"kms:Encrypt","Resource":"*""#
    )]);
    case!(c, az(alice_only.clone(), &[], false, enc(ALICE)), A);
    // Without a statement naming the account, IAM policies grant nothing on the key.
    case!(c, az(alice_only.clone(), &[&allow_all], false, enc(BOB)), I);
    case!(c, az(alice_only.clone(), &[], false, enc(ROOT)), I);
    case!(c, az(alice_only.clone(), &[&deny_enc], false, enc(ALICE)), D);
    // The bare account id is the same principal as the root ARN.
    let by_id = key_policy(&[
        r#""Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*""#,
    ]);
    case!(c, az(by_id.clone(), &[&allow_enc], false, enc(ALICE)), A);
    case!(c, az(by_id.clone(), &[], false, enc(ALICE)), I);
    // Same account, "*" principal: the key policy alone allows.
    let everyone =
        key_policy(&[r#""Effect":"Allow","Principal":"*","Action":"kms:Encrypt","Resource":"*""#]);
    case!(c, az(everyone.clone(), &[], false, enc(ALICE)), A);
    // An explicit deny in the key policy wins over identity policies and grants.
    let deny_alice = key_policy(&[
        &format!(
            r#""Effect":"Allow","Principal":{{"AWS":"{ROOT}"}},"Action":"kms:*","Resource":"*""#
        ),
        &format!(
            r#""Effect":"Deny","Principal":{{"AWS":"{ALICE}"}},"Action":"kms:Encrypt","Resource":"*""#
        ),
    ]);
    case!(c, az(deny_alice.clone(), &[&allow_all], false, enc(ALICE)), D);
    case!(c, az(deny_alice.clone(), &[], true, enc(ALICE)), D);
    case!(c, az(deny_alice.clone(), &[&allow_all], false, enc(BOB)), A);
    // Grants allow their operations by themselves.
    let nothing = key_policy(&[&format!(
        r#""Effect":"Allow","Principal":{{"AWS":"{BOB}"}},"Action":"kms:Decrypt","Resource":"*""#
    )]);
    case!(c, az(nothing.clone(), &[], true, enc(ALICE)), A);
    case!(c, az(nothing.clone(), &[], false, enc(ALICE)), I);
    case!(c, az(nothing.clone(), &[&allow_all], true, enc(ALICE)), A);

    // Cross account ([eval] "Cross-account policy evaluation logic"; [kp] "Allowing users in
    // other accounts to use a KMS key"): both the key policy and the caller's identity policy.
    let other_account = key_policy(&[
        r#""Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*""#,
        r#""Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*""#,
    ]);
    case!(c, az(other_account.clone(), &[&allow_enc], false, enc(CAROL)), A);
    case!(c, az(other_account.clone(), &[], false, enc(CAROL)), I);
    case!(c, az(other_account.clone(), &[&allow_dec], false, enc(CAROL)), I);
    case!(c, az(other_account.clone(), &[&deny_enc, &allow_all], false, enc(CAROL)), D);
    case!(c, az(other_account.clone(), &[&allow_all], false, req("kms:ScheduleKeyDeletion", CAROL).build()), I);
    // The other account's root needs no identity policy.
    case!(c, az(other_account.clone(), &[], false, enc(OTHER_ROOT)), A);
    case!(c, az(default_policy(), &[&allow_all], false, enc(CAROL)), I);
    // Naming carol exactly still needs her account's identity policy.
    let carol_named = key_policy(&[&format!(
        r#""Effect":"Allow","Principal":{{"AWS":"{CAROL}"}},"Action":"kms:Encrypt","Resource":"*""#
    )]);
    case!(c, az(carol_named.clone(), &[], false, enc(CAROL)), I);
    case!(c, az(carol_named.clone(), &[&allow_enc], false, enc(CAROL)), A);
    case!(c, az(everyone.clone(), &[], false, enc(CAROL)), I);
    case!(c, az(everyone.clone(), &[&allow_enc], false, enc(CAROL)), A);
    // Grants work across accounts.
    case!(c, az(default_policy(), &[], true, enc(CAROL)), A);
    case!(c, az(deny_alice.clone(), &[], true, enc(CAROL)), A);
}

#[rustfmt::skip]
fn kms_examples(c: &mut Vec<Case>) {
    // [default] + key administrators + key users with an encryption-context condition.
    let policy = key_policy(&[
        r#""Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*""#,
        r#""Sid":"Allow access for Key Administrators","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/KeyAdmin"},"Action":["kms:Create*","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*","kms:Disable*","kms:Get*","kms:Delete*","kms:TagResource","kms:UntagResource","kms:ScheduleKeyDeletion","kms:CancelKeyDeletion"],"Resource":"*""#,
        r#""Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/KeyUser"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:Department":"IT"}}"#,
        r#""Sid":"Deny deletion except by administrators","Effect":"Deny","Principal":"*","Action":"kms:ScheduleKeyDeletion","Resource":"*","Condition":{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/KeyAdmin"}}"#,
    ]);
    let az = |ids: &[&str], ctx: RequestContext| Check::Authorize {
        key: policy.clone(),
        identity: ids.iter().map(|s| s.to_string()).collect(),
        grants: false,
        ctx,
    };
    let allow_all = id_policy(&[ALLOW_ALL]);
    let dept = |who: &str, d: &str| {
        req("kms:Encrypt", who)
            .value("kms:EncryptionContext:Department", d)
            .build()
    };
    case!(c, az(&[], req("kms:ScheduleKeyDeletion", ADMIN).build()), A);
    case!(c, az(&[], req("kms:PutKeyPolicy", ADMIN).build()), A);
    case!(c, az(&[], req("kms:Encrypt", ADMIN).build()), I);
    case!(c, az(&[], dept(USER_ROLE, "IT")), A);
    case!(c, az(&[], dept(USER_ROLE, "HR")), I);
    case!(c, az(&[], req("kms:Encrypt", USER_ROLE).build()), I);
    // Encryption-context keys are case-insensitive in the condition key [kms-cond].
    let lower = req("kms:Encrypt", USER_ROLE)
        .value("kms:encryptioncontext:department", "IT")
        .build();
    case!(c, az(&[], lower), A);
    // The deny statement reaches every principal but KeyAdmin.
    case!(c, az(&[], req("kms:ScheduleKeyDeletion", USER_ROLE).build()), D);
    // The root statement delegates to IAM: a user with an allow-all identity policy may use
    // the key — but the explicit deny keeps everyone but KeyAdmin from deleting it.
    case!(c, az(&[&allow_all], req("kms:Encrypt", ALICE).build()), A);
    case!(c, az(&[&allow_all], req("kms:ScheduleKeyDeletion", ALICE).build()), D);
    case!(c, az(&[], req("kms:ScheduleKeyDeletion", ROOT).build()), D);
    case!(c, az(&[&allow_all], req("kms:ScheduleKeyDeletion", ADMIN).build()), A);

    // [kms-cond] kms:CallerAccount with Principal "*" (the AWS managed key policy pattern).
    let managed = key_policy(&[
        r#""Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant","kms:DescribeKey"],"Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","kms:ViaService":"ec2.us-west-2.amazonaws.com"}}"#,
    ]);
    let via = |who: &str, acct: &str, svc: &str| {
        req("kms:Decrypt", who)
            .value("kms:CallerAccount", acct)
            .value("kms:ViaService", svc)
            .build()
    };
    let k = |ctx| Check::Key(managed.clone(), ctx);
    case!(c, k(via(ALICE, "111122223333", "ec2.us-west-2.amazonaws.com")), A);
    case!(c, k(via(ALICE, "111122223333", "s3.us-west-2.amazonaws.com")), I);
    case!(c, k(via(CAROL, "444455556666", "ec2.us-west-2.amazonaws.com")), I);
    case!(c, k(req("kms:Decrypt", ALICE).value("kms:CallerAccount", "111122223333").build()), I);

    // Condition keys of KMS requests, each in an identity policy.
    let t = |cond_json: &str, ctx: RequestContext| Check::Identity(allow_if(cond_json), ctx);
    let alias = |a: &str| ctx(&[("kms:RequestAlias", a)]);
    case!(c, t(r#"{"StringLike":{"kms:RequestAlias":"alias/finance-*"}}"#, alias("alias/finance-key")), A);
    case!(c, t(r#"{"StringLike":{"kms:RequestAlias":"alias/finance-*"}}"#, alias("alias/hr-key")), I);
    case!(c, t(r#"{"StringLike":{"kms:RequestAlias":"alias/finance-*"}}"#, none()), I);
    let aliases = |v: &[&str]| multi("kms:ResourceAliases", v);
    case!(c, t(r#"{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/finance"}}"#, aliases(&["alias/x", "alias/finance"])), A);
    case!(c, t(r#"{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/finance"}}"#, aliases(&["alias/x"])), I);
    case!(c, t(r#"{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/finance"}}"#, none()), I);
    let ops = |v: &[&str]| multi("kms:GrantOperations", v);
    let grant_ops =
        r#"{"ForAllValues:StringEquals":{"kms:GrantOperations":["Encrypt","ReEncryptTo"]}}"#;
    case!(c, t(grant_ops, ops(&["Encrypt"])), A);
    case!(c, t(grant_ops, ops(&["Encrypt", "ReEncryptTo"])), A);
    case!(c, t(grant_ops, ops(&["Encrypt", "Decrypt"])), I);
    let aws_resource = |b: bool| typed("kms:GrantIsForAWSResource", ContextValue::boolean(b));
    case!(c, t(r#"{"Bool":{"kms:GrantIsForAWSResource":true}}"#, aws_resource(true)), A);
    case!(c, t(r#"{"Bool":{"kms:GrantIsForAWSResource":true}}"#, aws_resource(false)), I);
    case!(c, t(r#"{"Bool":{"kms:GrantIsForAWSResource":true}}"#, none()), I);
    case!(c, t(r#"{"StringEquals":{"kms:KeySpec":"SYMMETRIC_DEFAULT"}}"#, ctx(&[("kms:KeySpec", "SYMMETRIC_DEFAULT")])), A);
    case!(c, t(r#"{"StringEquals":{"kms:KeySpec":"SYMMETRIC_DEFAULT"}}"#, ctx(&[("kms:KeySpec", "RSA_2048")])), I);
    case!(c, t(r#"{"StringEquals":{"kms:KeyUsage":"SIGN_VERIFY"}}"#, ctx(&[("kms:KeyUsage", "SIGN_VERIFY")])), A);
    case!(c, t(r#"{"StringEquals":{"kms:EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}}"#, ctx(&[("kms:EncryptionAlgorithm", "RSAES_OAEP_SHA_256")])), I);
    case!(c, t(r#"{"StringEquals":{"kms:SigningAlgorithm":["ECDSA_SHA_256","ECDSA_SHA_384"]}}"#, ctx(&[("kms:SigningAlgorithm", "ECDSA_SHA_384")])), A);
    case!(c, t(r#"{"StringEquals":{"kms:MessageType":"DIGEST"}}"#, ctx(&[("kms:MessageType", "RAW")])), I);
    case!(c, t(r#"{"StringEquals":{"kms:GrantConstraintType":"EncryptionContextEquals"}}"#, ctx(&[("kms:GrantConstraintType", "EncryptionContextEquals")])), A);
    case!(c, t(r#"{"StringEquals":{"kms:GranteePrincipal":"arn:aws:iam::111122223333:role/LimitedAdminRole"}}"#, ctx(&[("kms:GranteePrincipal", "arn:aws:iam::111122223333:role/LimitedAdminRole")])), A);
    case!(c, t(r#"{"Bool":{"kms:ReEncryptOnSameKey":"false"}}"#, typed("kms:ReEncryptOnSameKey", ContextValue::boolean(true))), I);
    case!(c, t(r#"{"Bool":{"kms:MultiRegion":"true"}}"#, typed("kms:MultiRegion", ContextValue::boolean(true))), A);
    case!(c, t(r#"{"NumericLessThanEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":"10"}}"#, typed("kms:ScheduleKeyDeletionPendingWindowInDays", ContextValue::number(7.0))), A);
    // The keys of the later operations, as AWS's condition-key reference shows them.
    case!(c, t(r#"{"StringEquals":{"kms:KeyOrigin":"EXTERNAL"}}"#, ctx(&[("kms:KeyOrigin", "EXTERNAL")])), A);
    case!(c, t(r#"{"StringEquals":{"kms:KeyOrigin":"EXTERNAL"}}"#, ctx(&[("kms:KeyOrigin", "AWS_KMS")])), I);
    case!(c, t(r#"{"StringEquals":{"kms:MacAlgorithm":"HMAC_SHA_384"}}"#, ctx(&[("kms:MacAlgorithm", "HMAC_SHA_256")])), I);
    case!(c, t(r#"{"StringEquals":{"kms:DataKeyPairSpec":["RSA_2048","ECC_NIST_P256"]}}"#, ctx(&[("kms:DataKeyPairSpec", "ECC_NIST_P256")])), A);
    case!(c, t(r#"{"StringEquals":{"kms:KeyAgreementAlgorithm":"ECDH"}}"#, ctx(&[("kms:KeyAgreementAlgorithm", "ECDH")])), A);
    case!(c, t(r#"{"StringLike":{"kms:RetiringPrincipal":"arn:aws:iam::111122223333:role/*"}}"#, ctx(&[("kms:RetiringPrincipal", "arn:aws:iam::111122223333:user/alice")])), I);
    case!(c, t(r#"{"StringEquals":{"kms:WrappingAlgorithm":"RSA_AES_KEY_WRAP_SHA_256"}}"#, ctx(&[("kms:WrappingAlgorithm", "RSAES_OAEP_SHA_1")])), I);
    case!(c, t(r#"{"StringEquals":{"kms:WrappingKeySpec":["RSA_3072","RSA_4096"]}}"#, ctx(&[("kms:WrappingKeySpec", "RSA_4096")])), A);
    case!(c, t(r#"{"StringEquals":{"kms:ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}}"#, ctx(&[("kms:ExpirationModel", "KEY_MATERIAL_EXPIRES")])), I);
    case!(c, t(r#"{"NumericLessThanEquals":{"kms:ValidTo":"1735689600"}}"#, typed("kms:ValidTo", ContextValue::number(1_718_000_000.0))), A);
    case!(c, t(r#"{"NumericLessThanEquals":{"kms:ValidTo":"1735689600"}}"#, typed("kms:ValidTo", ContextValue::number(1_767_225_600.0))), I);
    case!(c, t(r#"{"StringEquals":{"kms:ReplicaRegion":["us-west-2","eu-west-1"]}}"#, ctx(&[("kms:ReplicaRegion", "ap-south-1")])), I);
    case!(c, t(r#"{"StringEquals":{"kms:PrimaryRegion":"us-east-1"}}"#, ctx(&[("kms:PrimaryRegion", "us-east-1")])), A);
    case!(c, t(r#"{"StringEquals":{"kms:MultiRegionKeyType":"PRIMARY"}}"#, ctx(&[("kms:MultiRegionKeyType", "REPLICA")])), I);
    case!(c, t(r#"{"NumericGreaterThanEquals":{"kms:RotationPeriodInDays":"180"}}"#, typed("kms:RotationPeriodInDays", ContextValue::number(90.0))), I);
    case!(c, t(r#"{"NumericGreaterThan":{"kms:TrailingDaysWithoutKeyUsage":"30"}}"#, typed("kms:TrailingDaysWithoutKeyUsage", ContextValue::number(45.0))), A);
    case!(c, t(r#"{"NumericGreaterThan":{"kms:TrailingDaysWithoutKeyUsage":"30"}}"#, none()), I);
    case!(c, t(r#"{"StringEquals":{"kms:CustomerMasterKeySpec":"SYMMETRIC_DEFAULT"}}"#, ctx(&[("kms:CustomerMasterKeySpec", "SYMMETRIC_DEFAULT")])), A);
    case!(c, t(r#"{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}"#, ctx(&[("aws:RequestedRegion", "eu-west-1")])), A);
    case!(c, t(r#"{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}"#, ctx(&[("aws:RequestedRegion", "ap-south-1")])), I);
    case!(c, t(r#"{"StringLike":{"aws:UserAgent":"*aws-cli*"}}"#, ctx(&[("aws:UserAgent", "aws-cli/2.15 Python/3.11")])), A);
    case!(c, t(r#"{"StringEquals":{"aws:PrincipalType":"User"}}"#, none()), A);
    case!(c, t(r#"{"StringEquals":{"aws:PrincipalType":"User"}}"#, req("kms:Encrypt", ADMIN).build()), I);
    case!(c, t(r#"{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#, none()), A);
    case!(c, t(r#"{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#, req("kms:Encrypt", CAROL).build()), I);
    case!(c, t(r#"{"StringEquals":{"aws:username":"alice"}}"#, none()), A);
    case!(c, t(r#"{"StringEquals":{"aws:ResourceTag/Env":"prod"}}"#, ctx(&[("aws:ResourceTag/Env", "prod")])), A);
    case!(c, t(r#"{"StringEquals":{"aws:ResourceTag/Env":"prod"}}"#, ctx(&[("aws:ResourceTag/env", "dev")])), I);
    case!(c, t(r#"{"StringEquals":{"aws:RequestTag/Env":"prod"}}"#, ctx(&[("aws:RequestTag/Env", "prod")])), A);
    case!(c, t(r#"{"StringEquals":{"kms:EncryptionContext:AppName":"ExampleApp"}}"#, ctx(&[("kms:EncryptionContext:Appname", "ExampleApp")])), A);
    case!(c, t(r#"{"StringEquals":{"kms:EncryptionContext:AppName":"ExampleApp"}}"#, ctx(&[("kms:EncryptionContext:AppName", "exampleapp")])), I);
    // [kms-cond] deny when the request bypasses the lockout safety check.
    let no_bypass = id_policy(&[
        ALLOW_ALL,
        r#""Effect":"Deny","Action":"kms:PutKeyPolicy","Resource":"*","Condition":{"Bool":{"kms:BypassPolicyLockoutSafetyCheck":true}}"#,
    ]);
    let put = |b: bool| {
        req("kms:PutKeyPolicy", ALICE)
            .value("kms:BypassPolicyLockoutSafetyCheck", b)
            .build()
    };
    case!(c, Check::Identity(no_bypass.clone(), put(true)), D);
    case!(c, Check::Identity(no_bypass.clone(), put(false)), A);
    // [ops] deny without MFA, the BoolIfExists idiom.
    let mfa = id_policy(&[
        ALLOW_ALL,
        r#""Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#,
    ]);
    case!(c, Check::Identity(mfa.clone(), none()), D);
    case!(c, Check::Identity(mfa.clone(), typed("aws:MultiFactorAuthPresent", ContextValue::boolean(true))), A);
    case!(c, Check::Identity(mfa, typed("aws:MultiFactorAuthPresent", ContextValue::boolean(false))), D);
    // [ops] deny outside an IP range: NotIpAddress on an absent key is true, so it denies.
    let ip_guard = id_policy(&[
        ALLOW_ALL,
        r#""Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}"#,
    ]);
    case!(c, Check::Identity(ip_guard.clone(), typed("aws:SourceIp", ip("192.0.2.10"))), A);
    case!(c, Check::Identity(ip_guard.clone(), typed("aws:SourceIp", ip("203.0.113.1"))), D);
    case!(c, Check::Identity(ip_guard, none()), D);
    // Deny when not over TLS.
    let tls = id_policy(&[
        ALLOW_ALL,
        r#""Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}"#,
    ]);
    case!(c, Check::Identity(tls.clone(), typed("aws:SecureTransport", ContextValue::boolean(false))), D);
    case!(c, Check::Identity(tls.clone(), typed("aws:SecureTransport", ContextValue::boolean(true))), A);
    case!(c, Check::Identity(tls, none()), A);
    // Statements of the same policy: deny beats allow, whatever the order.
    let order = id_policy(&[
        r#""Effect":"Deny","Action":"kms:Encrypt","Resource":"*""#,
        ALLOW_ALL,
    ]);
    case!(c, Check::Identity(order, none()), D);
    let empty = r#"{"Version":"2012-10-17","Statement":[]}"#;
    case!(c, Check::Identity(empty.into(), none()), I);
    // A key policy statement without Action or Resource is accepted and has no effect [kp].
    let inert = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Resource":"*"},{"Effect":"Allow","Principal":"*","Action":"kms:*"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","Resource":"*"}]}"#;
    case!(c, Check::Key(inert.into(), none()), A);
    case!(c, Check::Key(inert.into(), req("kms:Encrypt", BOB).build()), I);
}

fn all_cases() -> Vec<Case> {
    let mut c = Vec::new();
    string_operators(&mut c);
    numeric_operators(&mut c);
    date_operators(&mut c);
    bool_binary_ip(&mut c);
    arn_and_null(&mut c);
    set_operators(&mut c);
    multiple_keys_and_operators(&mut c);
    variables(&mut c);
    actions(&mut c);
    resources(&mut c);
    principals(&mut c);
    kms_authorization(&mut c);
    kms_examples(&mut c);
    c
}

#[test]
fn evaluation_table() {
    let cases = all_cases();
    let mut failures = Vec::new();
    for case in &cases {
        match case.run() {
            Ok(got) if got == case.expect => {}
            Ok(got) => failures.push(format!(
                "line {}: expected {:?}, got {got:?}",
                case.line, case.expect
            )),
            Err(e) => failures.push(format!("line {}: {e}", case.line)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 300, "only {} cases", cases.len());
    println!("{} evaluation cases passed", cases.len());
}

#[test]
fn reasons_and_denial_messages() {
    use trent_policy::{Reason, authorize_explained};
    let key = |json: &str| Policy::parse_key_policy(json).unwrap();
    let id = |json: &str| Policy::parse_identity_policy(json).unwrap();
    let default = key(&default_policy());
    let allow_enc = id(&id_policy(&[
        r#""Effect":"Allow","Action":"kms:Encrypt","Resource":"*""#,
    ]));
    let deny_enc = id(&id_policy(&[
        r#""Effect":"Deny","Action":"kms:Encrypt","Resource":"*""#,
    ]));
    let enc = |who: &str| req("kms:Encrypt", who).build();
    let reason = |k: &Policy, ids: &[&Policy], grants: bool, who: &str| {
        authorize_explained(k, ids, grants, &enc(who)).reason
    };
    assert_eq!(
        reason(&default, &[&allow_enc], false, ALICE),
        Reason::KeyPolicyAndIdentityPolicy
    );
    assert_eq!(reason(&default, &[], false, ROOT), Reason::KeyPolicy);
    assert_eq!(reason(&default, &[], true, ALICE), Reason::Grant);
    assert_eq!(
        reason(&default, &[], false, ALICE),
        Reason::NoIdentityPolicyAllows
    );
    assert_eq!(
        reason(&default, &[&allow_enc], false, CAROL),
        Reason::NoKeyPolicyAllows
    );
    assert_eq!(
        reason(&default, &[&allow_enc, &deny_enc], true, ALICE),
        Reason::ExplicitDenyInIdentityPolicy
    );
    let deny_all = key(&key_policy(&[
        r#""Effect":"Deny","Principal":"*","Action":"*","Resource":"*""#,
    ]));
    assert_eq!(
        reason(&deny_all, &[&allow_enc, &deny_enc], true, ALICE),
        Reason::ExplicitDenyInKeyPolicy
    );
    assert_eq!(
        Reason::NoKeyPolicyAllows
            .denial_clause("kms:Encrypt")
            .unwrap(),
        "because no resource-based policy allows the kms:Encrypt action"
    );
    assert_eq!(
        Reason::NoIdentityPolicyAllows
            .denial_clause("kms:Encrypt")
            .unwrap(),
        "because no identity-based policy allows the kms:Encrypt action"
    );
    assert_eq!(
        Reason::ExplicitDenyInKeyPolicy
            .denial_clause("kms:Encrypt")
            .unwrap(),
        "with an explicit deny in a resource-based policy"
    );
    assert_eq!(
        Reason::ExplicitDenyInIdentityPolicy
            .denial_clause("kms:Encrypt")
            .unwrap(),
        "with an explicit deny in an identity-based policy"
    );
    assert_eq!(Reason::Grant.denial_clause("kms:Encrypt"), None);
}

#[test]
fn evaluate_detailed_separates_principal_and_account() {
    let policy = Policy::parse_key_policy(&default_policy()).unwrap();
    let alice = policy.evaluate_detailed(&none());
    assert!(alice.allows_account && !alice.allows_principal && !alice.explicit_deny);
    assert_eq!(alice.decision(), I);
    let root = policy.evaluate_detailed(&req("kms:Encrypt", ROOT).build());
    assert!(root.allows_principal);
    assert_eq!(root.decision(), A);
}

#[test]
fn policies_and_contexts_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Policy>();
    shareable::<RequestContext>();
}
