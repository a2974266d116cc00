//! The canonical request of Signature Version 4 for every service but S3: method, normalized
//! and re-encoded path, sorted query, canonical headers, signed headers, payload hash.

use std::borrow::Cow;

use aws_lc_rs::digest;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use super::RequestParts;

/// RFC 3986 unreserved characters stay; everything else is percent-encoded.
const QUERY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// The same for a path, whose `/` separators stay.
const PATH_ENCODE: &AsciiSet = &QUERY_ENCODE.remove(b'/');

/// Where a canonical request goes: straight into SHA-256 on the hot path, a buffer in tests.
pub(super) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for digest::Context {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Writes the canonical request; `None` when a signed header is absent from the request.
pub(super) fn write_canonical_request(
    out: &mut impl Sink,
    req: &RequestParts<'_>,
    signed_headers: &str,
    payload_hash: &[u8],
) -> Option<()> {
    out.put(req.method.as_bytes());
    out.put(b"\n");
    write_canonical_uri(out, req.path);
    out.put(b"\n");
    write_canonical_query(out, req.query);
    out.put(b"\n");
    for name in signed_headers.split(';') {
        out.put(name.as_bytes());
        out.put(b":");
        let mut values = req.headers.get_all(name).iter();
        write_trimmed(out, values.next()?.as_bytes());
        for value in values {
            out.put(b",");
            write_trimmed(out, value.as_bytes());
        }
        out.put(b"\n");
    }
    out.put(b"\n");
    out.put(signed_headers.as_bytes());
    out.put(b"\n");
    out.put(payload_hash);
    Some(())
}

/// The path with dot segments and empty segments removed (as the AWS SDKs do for every
/// service but S3), then each segment percent-encoded again, so `%3A` becomes `%253A`.
fn write_canonical_uri(out: &mut impl Sink, path: &str) {
    let path = normalize_path(path);
    for chunk in percent_encoding::percent_encode(path.as_bytes(), PATH_ENCODE) {
        out.put(chunk.as_bytes());
    }
}

fn normalize_path(path: &str) -> Cow<'_, str> {
    if path.is_empty() {
        return Cow::Borrowed("/");
    }
    if path.starts_with('/') && !path.contains('.') && !path.contains("//") {
        return Cow::Borrowed(path);
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            segment => segments.push(segment),
        }
    }
    let mut normalized = String::with_capacity(path.len() + 1);
    for segment in &segments {
        normalized.push('/');
        normalized.push_str(segment);
    }
    // RFC 3986 §5.2.4: a path ending in `/`, `/.` or `/..` keeps its final slash.
    let trailing = ["/", "/.", "/.."].iter().any(|end| path.ends_with(end));
    if normalized.is_empty() || trailing {
        normalized.push('/');
    }
    Cow::Owned(normalized)
}

/// Parameters decoded as a form (`+` is a space), re-encoded per RFC 3986, sorted by name then
/// value, joined with `&`.
fn write_canonical_query(out: &mut impl Sink, query: &str) {
    if query.is_empty() {
        return;
    }
    let mut params: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                reencode_query_component(name),
                reencode_query_component(value),
            )
        })
        .collect();
    params.sort_unstable();
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.put(b"&");
        }
        out.put(name.as_bytes());
        out.put(b"=");
        out.put(value.as_bytes());
    }
}

fn reencode_query_component(raw: &str) -> String {
    let spaced: Cow<'_, [u8]> = if raw.contains('+') {
        Cow::Owned(
            raw.bytes()
                .map(|b| if b == b'+' { b' ' } else { b })
                .collect(),
        )
    } else {
        Cow::Borrowed(raw.as_bytes())
    };
    let decoded = percent_encoding::percent_decode(&spaced).decode_utf8_lossy();
    percent_encoding::utf8_percent_encode(&decoded, QUERY_ENCODE).to_string()
}

/// A header value with leading and trailing spaces removed and inner runs of spaces collapsed.
fn write_trimmed(out: &mut impl Sink, value: &[u8]) {
    let start = value.iter().position(|&b| b != b' ').unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(start, |i| i + 1);
    let mut rest = &value[start..end];
    while let Some(i) = rest.windows(2).position(|w| w == b"  ") {
        out.put(&rest[..=i]);
        let skip = rest[i..]
            .iter()
            .position(|&b| b != b' ')
            .unwrap_or(rest.len() - i);
        rest = &rest[i + skip..];
    }
    out.put(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigv4::sha256_hex;
    use http::{HeaderMap, HeaderName, HeaderValue};

    fn header_map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn canonical(req: &RequestParts<'_>, signed_headers: &str) -> String {
        let mut out = Vec::new();
        write_canonical_request(&mut out, req, signed_headers, &sha256_hex(req.body)).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn canonical_query(query: &str) -> String {
        let mut out = Vec::new();
        write_canonical_query(&mut out, query);
        String::from_utf8(out).unwrap()
    }

    fn trimmed(value: &str) -> String {
        let mut out = Vec::new();
        write_trimmed(&mut out, value.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn paths_normalize_as_the_sdks_do() {
        for (raw, expected) in [
            ("", "/"),
            ("/", "/"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("/./", "/"),
            ("/.", "/"),
            ("./foo", "/foo"),
            ("foo", "/foo"),
            ("/../foo", "/foo"),
            ("//", "/"),
            ("//example//", "/example/"),
            ("/foo/bar/.", "/foo/bar/"),
            ("/foo/./bar", "/foo/bar"),
            ("/a.b/c..d", "/a.b/c..d"),
        ] {
            assert_eq!(normalize_path(raw), expected, "{raw}");
        }
        let mut out = Vec::new();
        write_canonical_uri(
            &mut out,
            "/2015-03-31/functions/arn%3Aaws%3Alambda/ሴ/a b/-._~",
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "/2015-03-31/functions/arn%253Aaws%253Alambda/%E1%88%B4/a%20b/-._~"
        );
    }

    #[test]
    fn queries_are_decoded_reencoded_and_sorted() {
        for (raw, expected) in [
            ("", ""),
            ("Param2=value2&Param1=value1", "Param1=value1&Param2=value2"),
            (
                "Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
                "%E1%88%B4=Value1&Param=Value2&Param-3=Value3",
            ),
            ("ሴ=bar", "%E1%88%B4=bar"),
            ("Param1", "Param1="),
            ("b=2&a=2&a=1&&", "a=1&a=2&b=2"),
            ("a=x+y%20z&c=%2f%2F/", "a=x%20y%20z&c=%2F%2F%2F"),
            ("k=a=b", "k=a%3Db"),
            ("k=100%", "k=100%25"),
            ("-._~=-._~", "-._~=-._~"),
        ] {
            assert_eq!(canonical_query(raw), expected, "{raw}");
        }
    }

    #[test]
    fn header_values_are_trimmed_and_runs_of_spaces_collapsed() {
        for (raw, expected) in [
            ("value1", "value1"),
            ("  value1  ", "value1"),
            ("\"a   b   c\"", "\"a b c\""),
            ("a  b c   d", "a b c d"),
            ("a\t\tb", "a\t\tb"),
            ("", ""),
            ("   ", ""),
        ] {
            assert_eq!(trimmed(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn canonical_headers_join_repeated_values_in_order() {
        let headers = header_map(&[
            ("host", "example.amazonaws.com"),
            ("my-header1", "value4"),
            ("my-header1", " value1 "),
            ("my-header1", "value3"),
            ("x-amz-date", "20150830T123600Z"),
        ]);
        let req = RequestParts {
            method: "GET",
            path: "/",
            query: "",
            headers: &headers,
            body: b"",
        };
        let text = canonical(&req, "host;my-header1;x-amz-date");
        assert!(
            text.contains("\nmy-header1:value4,value1,value3\n"),
            "{text}"
        );
        let mut out = Vec::new();
        assert!(
            write_canonical_request(&mut out, &req, "host;x-absent", &sha256_hex(b"")).is_none()
        );
    }
}
