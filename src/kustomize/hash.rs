//! The content hash Kustomize appends to generated ConfigMap and Secret names, and the small
//! encoders it needs (SHA-256 per FIPS 180-4, standard base64), written here to keep the
//! dependency graph unchanged.
//!
//! The suffix is the first 10 hex digits of the SHA-256 of a JSON document holding the
//! object's kind, an empty name, its data (and `binaryData` for ConfigMaps, `type` for
//! Secrets), with keys sorted and Go's JSON string escaping (`<`, `>`, `&` as `\u003c`...); the
//! characters `0 1 3 a e` are then replaced by `g h k m t` so that the suffix never spells
//! words. Kustomize v5 hashes generated objects before they are named (so prefixes and the
//! name itself do not change the suffix) and leaves `immutable` out: both were established
//! against `kubectl kustomize` (Kustomize v5.5.0), whose outputs the tests pin.

use serde_json::Value;

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
    0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
    0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
    0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
    0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate().take(16) {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh.wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (slot, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *slot = slot.wrapping_add(v);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, v) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// Standard base64 with padding.
pub(crate) fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk.first().copied().unwrap_or(0), chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A JSON string with Go's `encoding/json` escaping (HTML characters and line separators too).
fn go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's JSON for a string map: keys sorted.
fn go_map(map: &serde_json::Map<String, Value>, out: &mut String) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    out.push('{');
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        go_string(k, out);
        out.push(':');
        match map.get(*k) {
            Some(Value::String(s)) => go_string(s, out),
            Some(other) => out.push_str(&other.to_string()),
            None => out.push_str("null"),
        }
    }
    out.push('}');
}

/// The name suffix (without the dash) for a generated ConfigMap or Secret `object`.
pub(crate) fn name_suffix(object: &Value) -> String {
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let empty = serde_json::Map::new();
    let data = object.get("data").and_then(Value::as_object).unwrap_or(&empty);
    // Keys in sorted order: binaryData, data, kind, name, type.
    let mut doc = String::from("{");
    if kind == "ConfigMap"
        && let Some(bin) = object.get("binaryData").and_then(Value::as_object)
        && !bin.is_empty()
    {
        doc.push_str("\"binaryData\":");
        go_map(bin, &mut doc);
        doc.push(',');
    }
    doc.push_str("\"data\":");
    go_map(data, &mut doc);
    doc.push_str(",\"kind\":");
    go_string(kind, &mut doc);
    doc.push_str(",\"name\":\"\"");
    if kind == "Secret" {
        doc.push_str(",\"type\":");
        go_string(object.get("type").and_then(Value::as_str).unwrap_or(""), &mut doc);
    }
    doc.push('}');
    let digest = sha256(doc.as_bytes());
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    hex.chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sha256_known_vectors() {
        let hex = |d: [u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(sha256(b"")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(hex(sha256(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(hex(sha256(long)), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    }

    #[test]
    fn base64_padding() {
        assert_eq!(base64(b"admin"), "YWRtaW4=");
        assert_eq!(base64(b"secret"), "c2VjcmV0");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    /// Expected suffixes from `kubectl kustomize` (Kustomize v5.5.0) on the same generators.
    #[test]
    fn suffix_matches_kustomize() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "p-cm"}, "data": {"FOO": "Bar"}});
        assert_eq!(name_suffix(&cm), "42cfbf598f");
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "p-sec"}, "type": "Opaque",
            "data": {"username": "YWRtaW4=", "password": "c2VjcmV0"}});
        assert_eq!(name_suffix(&secret), "8c5228dkb9");
        // HTML characters are escaped as Go does; `immutable` does not count.
        let file = json!({"kind": "ConfigMap", "metadata": {"name": "cm"}, "immutable": true, "data": {"a.txt": "hello <b>&\n"}});
        assert_eq!(name_suffix(&file), "9b9k4g4h4h");
    }
}
