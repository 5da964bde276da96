//! Hand-written JSON for the records every search answer carries, byte for byte what
//! `serde_json` writes for the same value (tested against it over every demo site and edge
//! cases in `view`'s tests).
//!
//! Why not serde: a nearest answer is five full site records (about 7 KB, some 250 fields), and
//! through serde's flattened map each field went through the generic map machinery with its key
//! escaped byte by byte at every request. That was a third of the server's CPU per request. Here
//! keys are constants and a string with nothing to escape — almost all of them — is checked in
//! one pass the compiler vectorises and then copied whole.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// Whether JSON requires `b` to be escaped inside a string.
#[inline]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// A JSON string, escaped as serde_json escapes it (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`,
/// else `\u00xx` in lower-case hex; nothing else, not even U+2028).
pub fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // No early exit: a whole-slice OR is branch-free and vectorised.
    let dirty = bytes.iter().fold(false, |acc, &b| acc | needs_escape(b));
    if !dirty {
        out.extend_from_slice(bytes);
    } else {
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if !needs_escape(b) {
                continue;
            }
            out.extend_from_slice(&bytes[start..i]);
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xf)]);
                }
            }
            start = i + 1;
        }
        out.extend_from_slice(&bytes[start..]);
    }
    out.push(b'"');
}

/// `"name":`, after a comma unless `first`. Keys are the program's own constants: plain ASCII
/// with nothing to escape.
#[inline]
pub fn key(out: &mut Vec<u8>, name: &str, first: bool) {
    debug_assert!(!name.bytes().any(needs_escape));
    if !first {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

/// A string or `null`.
pub fn opt_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// `true` or `false`.
pub fn boolean(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// A boolean or `null`.
pub fn opt_boolean(out: &mut Vec<u8>, b: Option<bool>) {
    match b {
        Some(b) => boolean(out, b),
        None => out.extend_from_slice(b"null"),
    }
}

/// An integer.
pub fn integer(out: &mut Vec<u8>, n: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// A number as serde_json writes it (shortest round-trip form; `null` if not finite).
pub fn number(out: &mut Vec<u8>, x: f64) {
    serde(out, &x);
}

/// A number or `null`.
pub fn opt_number(out: &mut Vec<u8>, x: Option<f64>) {
    match x {
        Some(x) => number(out, x),
        None => out.extend_from_slice(b"null"),
    }
}

/// A UUID, hyphenated, lower case.
pub fn uuid(out: &mut Vec<u8>, id: &Uuid) {
    let mut buf = [0u8; 38];
    buf[0] = b'"';
    id.as_hyphenated().encode_lower(&mut buf[1..37]);
    buf[37] = b'"';
    out.extend_from_slice(&buf);
}

/// A timestamp as chrono writes it (RFC 3339 with `Z`).
pub fn timestamp(out: &mut Vec<u8>, t: &DateTime<Utc>) {
    match crate::domain::timestamp::format(t) {
        Some((b, len)) => {
            out.push(b'"');
            out.extend_from_slice(&b[..len]);
            out.push(b'"');
        }
        None => serde(out, t),
    }
}

/// A timestamp or `null`.
pub fn opt_timestamp(out: &mut Vec<u8>, t: Option<&DateTime<Utc>>) {
    match t {
        Some(t) => timestamp(out, t),
        None => out.extend_from_slice(b"null"),
    }
}

/// An array of short texts (language codes, category slugs, documents).
pub fn strings<'a>(out: &mut Vec<u8>, items: impl IntoIterator<Item = &'a str>) {
    out.push(b'[');
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

/// Anything else, through serde_json: rare or small parts (translations, odd timestamps).
pub fn serde<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Writing to a Vec fails only if `value`'s own Serialize does, which ours never do; if one
    // ever did, what it wrote so far is taken back so the answer stays valid JSON.
    let start = out.len();
    if serde_json::to_writer(&mut *out, value).is_err() {
        out.truncate(start);
        out.extend_from_slice(b"null");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_escapes_them() {
        let mut every_byte: String = (0u8..0x80).map(char::from).collect();
        every_byte.push_str("é ñ 中文 العربية \u{2028} \u{7f} 😀");
        for s in [
            "",
            "plain",
            "a \"quoted\" word",
            "back\\slash",
            "tab\tnew\nline\rcr",
            "\u{8}\u{c}\u{1}\u{1f}",
            "Kreyòl ayisyen",
            &every_byte,
            &"x".repeat(1000),
            &format!("{}\"", "y".repeat(37)),
        ] {
            let mut ours = Vec::new();
            string(&mut ours, s);
            assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn numbers_uuids_and_timestamps_match_serde_json() {
        for x in [0.0, -0.0, 1.5, -80.191_788, 25.761_681, 1e-7, 1e21, 123_456.7, f64::NAN, f64::INFINITY] {
            let mut ours = Vec::new();
            number(&mut ours, x);
            assert_eq!(ours, serde_json::to_vec(&x).unwrap(), "{x}");
        }
        for n in [0, -1, i64::MAX, i64::MIN] {
            let mut ours = Vec::new();
            integer(&mut ours, n);
            assert_eq!(ours, serde_json::to_vec(&n).unwrap());
        }
        let id = Uuid::new_v4();
        let mut ours = Vec::new();
        uuid(&mut ours, &id);
        assert_eq!(ours, serde_json::to_vec(&id).unwrap());
        for raw in ["2026-11-29T21:02:48Z", "2026-11-29T21:02:48.123Z", "2026-11-29T21:02:48.123456789Z"] {
            let t: DateTime<Utc> = raw.parse().unwrap();
            let mut ours = Vec::new();
            timestamp(&mut ours, &t);
            assert_eq!(ours, serde_json::to_vec(&t).unwrap());
        }
    }

    #[test]
    fn a_value_that_fails_half_way_leaves_valid_json() {
        // serde_json writes `{` and then refuses a key that is not a string.
        let bad: std::collections::BTreeMap<(i32, i32), i32> = [((1, 2), 3)].into();
        let mut out = b"[".to_vec();
        serde(&mut out, &bad);
        out.push(b']');
        assert_eq!(out, b"[null]");
    }
}
