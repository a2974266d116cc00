//! The typed values condition operators compare: numbers, dates, booleans, IP ranges and
//! binary data, parsed from policy text and from request values.
//!
//! Each parser returns `None` for text it does not accept and never panics (they run on
//! untrusted policy documents and request values alike).

use std::net::IpAddr;

use base64::Engine as _;

/// A decimal number as IAM's numeric operators take it ("an integer or decimal value"):
/// anything Rust reads as a finite `f64` (`10`, `-2.5`, `1e3`).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    // Rust also reads "inf", "NaN" and "infinity"; IAM's numbers are finite.
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// `true` or `false`, in any case.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Standard base64, with or without padding.
pub(crate) fn parse_base64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    STANDARD
        .decode(s)
        .or_else(|_| STANDARD_NO_PAD.decode(s))
        .ok()
}

/// Whole seconds since the epoch, as `aws:EpochTime` is written.
pub(crate) fn format_epoch_seconds(millis: i64) -> String {
    millis.div_euclid(1000).to_string()
}

/// A date as IAM's date operators take it, in milliseconds since the Unix epoch: "one of the
/// W3C implementations of the ISO 8601 date formats or in epoch (UNIX) time".
///
/// - Epoch time: digits with an optional sign and fraction (`1700000000`, `1700000000.25`).
///   A bare four-digit number is therefore epoch seconds, not a year.
/// - W3C ISO 8601: `YYYY-MM`, `YYYY-MM-DD`, and `YYYY-MM-DDThh:mm[:ss[.s+]]` followed by `Z`,
///   `+hh:mm`, `-hh:mm`, `+hhmm`, `-hhmm` or nothing (UTC).
pub(crate) fn parse_date_millis(s: &str) -> Option<i64> {
    let is_epoch = !s.is_empty()
        && s.strip_prefix('-')
            .unwrap_or(s)
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.');
    if is_epoch {
        return parse_epoch(s);
    }
    parse_iso8601(s)
}

fn parse_epoch(s: &str) -> Option<i64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || frac.contains('.') || whole.len() > 15 {
        return None;
    }
    let secs: i64 = whole.parse().ok()?;
    let millis = fraction_millis(frac)?;
    let total = secs.checked_mul(1000)?.checked_add(millis)?;
    Some(if negative { -total } else { total })
}

/// Milliseconds from the digits after a decimal point (extra digits are truncated).
fn fraction_millis(frac: &str) -> Option<i64> {
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut ms = 0i64;
    for i in 0..3 {
        ms = ms * 10 + frac.as_bytes().get(i).map_or(0, |b| i64::from(b - b'0'));
    }
    Some(ms)
}

fn parse_iso8601(s: &str) -> Option<i64> {
    let mut p = Cursor(s.as_bytes());
    let year = p.digits(4)?;
    let (mut month, mut day) = (1, 1);
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
    let mut offset_minutes = 0i64;
    if p.eat(b'-') {
        month = p.digits(2)?;
        if p.eat(b'-') {
            day = p.digits(2)?;
            if p.eat(b'T') || p.eat(b't') {
                hour = p.digits(2)?;
                p.expect(b':')?;
                minute = p.digits(2)?;
                if p.eat(b':') {
                    second = p.digits(2)?;
                    if p.eat(b'.') {
                        let frac = p.take_while(|b| b.is_ascii_digit());
                        if frac.is_empty() {
                            return None;
                        }
                        millis = fraction_millis(std::str::from_utf8(frac).ok()?)?;
                    }
                }
                if p.eat(b'Z') || p.eat(b'z') {
                } else if let Some(sign) = p.sign() {
                    let h = p.digits(2)?;
                    p.eat(b':');
                    let m = p.digits(2)?;
                    if h > 23 || m > 59 {
                        return None;
                    }
                    offset_minutes = sign * (h * 60 + m);
                }
            }
        }
    }
    if !p.0.is_empty()
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(secs * 1000 + millis)
}

struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn eat(&mut self, b: u8) -> bool {
        match self.0.split_first() {
            Some((&first, rest)) if first == b => {
                self.0 = rest;
                true
            }
            _ => false,
        }
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        self.eat(b).then_some(())
    }

    fn sign(&mut self) -> Option<i64> {
        if self.eat(b'+') {
            Some(1)
        } else if self.eat(b'-') {
            Some(-1)
        } else {
            None
        }
    }

    fn digits(&mut self, n: usize) -> Option<i64> {
        let (head, rest) = self.0.split_at_checked(n)?;
        if !head.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.0 = rest;
        Some(head.iter().fold(0, |acc, b| acc * 10 + i64::from(b - b'0')))
    }

    fn take_while(&mut self, f: impl Fn(&u8) -> bool) -> &[u8] {
        let n = self.0.iter().take_while(|b| f(b)).count();
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An IPv4 or IPv6 range in CIDR notation; a bare address is a `/32` or `/128`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|&n| n <= max)?
            }
            Some(_) => return None,
        };
        Some(Cidr { net, prefix })
    }

    /// Whether `ip` is in the range. An IPv4 address written as IPv4-mapped IPv6 counts as
    /// the IPv4 address; IPv4 and IPv6 ranges otherwise never match each other's addresses.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date_millis("1970-01-02"), Some(86_400_000));
        assert_eq!(
            parse_date_millis("2020-01-01T00:00:01Z"),
            Some(1_577_836_801_000)
        );
        assert_eq!(parse_date_millis("1577836801"), Some(1_577_836_801_000));
        assert_eq!(parse_date_millis("1577836801.5"), Some(1_577_836_801_500));
        assert_eq!(
            parse_date_millis("2020-01-01T02:00:01+02:00"),
            Some(1_577_836_801_000)
        );
        assert_eq!(
            parse_date_millis("2020-01-01T00:00:01.250Z"),
            Some(1_577_836_801_250)
        );
        assert_eq!(parse_date_millis("2020-02-30"), None);
        assert_eq!(parse_date_millis("2020-13-01"), None);
        assert_eq!(parse_date_millis("yesterday"), None);
        assert_eq!(parse_date_millis(""), None);
        assert_eq!(
            parse_date_millis("2024-02-29T23:59:59Z"),
            Some(1_709_251_199_000)
        );
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(c.contains("203.0.113.7".parse().unwrap()));
        assert!(!c.contains("203.0.114.7".parse().unwrap()));
        assert!(c.contains("::ffff:203.0.113.7".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        let v6 = Cidr::parse("2001:DB8:1234:5678::/64").unwrap();
        assert!(v6.contains("2001:db8:1234:5678::1".parse().unwrap()));
        assert!(!v6.contains("203.0.113.7".parse().unwrap()));
        assert!(Cidr::parse("1.2.3.4/33").is_none());
        assert!(Cidr::parse("1.2.3.4/").is_none());
        assert!(Cidr::parse("nope").is_none());
        assert!(
            Cidr::parse("1.2.3.4")
                .unwrap()
                .contains("1.2.3.4".parse().unwrap())
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-2.5"), Some(-2.5));
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number(""), None);
    }
}
