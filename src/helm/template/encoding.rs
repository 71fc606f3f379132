//! Small encoders and digests for Sprig's functions: base64, base32, hex, SHA-1, SHA-256,
//! Adler-32, URL query escaping and URL parsing.

use std::collections::BTreeMap;

use super::value::{Map, Value};

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub(crate) fn b64_encode(data: &[u8]) -> String {
    data_encoding::BASE64.encode(data)
}

/// Decodes standard base64 (padding required, as Go's `StdEncoding`); the error text is what
/// Sprig returns in place of the result.
pub(crate) fn b64_decode(s: &str) -> Result<Vec<u8>, String> {
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'\n' && *b != b'\r').collect();
    if !bytes.len().is_multiple_of(4) {
        return Err(format!("illegal base64 data at input byte {}", bytes.len() / 4 * 4));
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (ci, chunk) in bytes.chunks(4).enumerate() {
        let mut n = 0u32;
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'=' if i >= 2 => {
                    pad += 1;
                    0
                }
                _ if pad > 0 => return Err(format!("illegal base64 data at input byte {}", ci * 4 + i)),
                _ => match b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".iter().position(|x| *x == c) {
                    Some(p) => p as u32,
                    None => return Err(format!("illegal base64 data at input byte {}", ci * 4 + i)),
                },
            };
            n = (n << 6) | v;
        }
        let got = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&got[..3 - pad]);
    }
    Ok(out)
}

pub(crate) fn b32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = buf.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(B32[((n >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) fn b32_decode(s: &str) -> Result<Vec<u8>, String> {
    let t = s.trim_end_matches('=');
    let mut out = Vec::new();
    let mut acc = 0u64;
    let mut bits = 0;
    for (i, c) in t.bytes().enumerate() {
        let Some(v) = B32.iter().position(|x| *x == c) else {
            return Err(format!("illegal base32 data at input byte {i}"));
        };
        acc = (acc << 5) | v as u64;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

pub(crate) fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

pub(crate) fn sha1(data: &[u8]) -> [u8; 20] {
    use sha1::Digest;
    sha1::Sha1::digest(data).into()
}

pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

pub(crate) fn query_escape(s: &str) -> String {
    crate::encode::go_query_escape(s)
}

/// Sprig's `urlParse`: a dict of scheme, host, hostname, path, query, opaque, fragment,
/// userinfo.
pub(crate) fn url_parse(s: &str) -> Value {
    let mut m = Map::new();
    let (rest, fragment) = s.split_once('#').unwrap_or((s, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (scheme, rest) = match rest.split_once("://") {
        Some((sc, r)) if !sc.is_empty() && sc.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) => (sc, r),
        _ => ("", rest),
    };
    let (authority, path) = if scheme.is_empty() {
        ("", rest)
    } else {
        match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        }
    };
    let (userinfo, host) = authority.rsplit_once('@').unwrap_or(("", authority));
    let hostname = if host.starts_with('[') {
        host.split(']').next().unwrap_or("").trim_start_matches('[')
    } else {
        host.split(':').next().unwrap_or("")
    };
    for (k, v) in [
        ("scheme", scheme),
        ("host", host),
        ("hostname", hostname),
        ("path", path),
        ("query", query),
        ("opaque", ""),
        ("fragment", fragment),
        ("userinfo", userinfo),
    ] {
        m.insert(k.to_string(), Value::string(v));
    }
    Value::map(m)
}

/// Sprig's `urlJoin`: the inverse of `urlParse`.
pub(crate) fn url_join(m: &BTreeMap<String, Value>) -> String {
    let get = |k: &str| m.get(k).and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let mut out = String::new();
    let scheme = get("scheme");
    if !scheme.is_empty() {
        out.push_str(&scheme);
        out.push_str("://");
    }
    let user = get("userinfo");
    if !user.is_empty() {
        out.push_str(&user);
        out.push('@');
    }
    out.push_str(&get("host"));
    out.push_str(&get("path"));
    let q = get("query");
    if !q.is_empty() {
        out.push('?');
        out.push_str(&q);
    }
    let f = get("fragment");
    if !f.is_empty() {
        out.push('#');
        out.push_str(&f);
    }
    out
}
