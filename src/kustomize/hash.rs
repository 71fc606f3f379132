//! The content hash Kustomize appends to generated ConfigMap and Secret names, and the small
//! encoders it needs (SHA-256, standard base64).
//!
//! The suffix is the first 10 hex digits of the SHA-256 of a JSON document holding the
//! object's kind, an empty name, its data (and `binaryData` for ConfigMaps, `type` for
//! Secrets), with keys sorted and Go's JSON string escaping (`<`, `>`, `&` as `\u003c`...); the
//! characters `0 1 3 a e` are then replaced by `g h k m t` so that the suffix never spells
//! words. Kustomize v5 hashes generated objects before they are named (so prefixes and the
//! name itself do not change the suffix) and leaves `immutable` out: both were established
//! against `kubectl kustomize` (Kustomize v5.5.0), whose outputs the tests pin.

use serde_json::Value;

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

/// Standard base64 with padding.
pub(crate) fn base64(data: &[u8]) -> String {
    data_encoding::BASE64.encode(data)
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
        crate::encode::go_json_string(out, k, true);
        out.push(':');
        match map.get(*k) {
            Some(Value::String(s)) => crate::encode::go_json_string(out, s, true),
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
    crate::encode::go_json_string(&mut doc, kind, true);
    doc.push_str(",\"name\":\"\"");
    if kind == "Secret" {
        doc.push_str(",\"type\":");
        crate::encode::go_json_string(&mut doc, object.get("type").and_then(Value::as_str).unwrap_or(""), true);
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
