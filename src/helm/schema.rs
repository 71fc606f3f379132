//! `values.schema.json` validation: the JSON Schema keywords charts use (draft 4 to 2019-09),
//! implemented here so no heavy validator is linked into the scanner.
//!
//! Supported: `type`, `enum`, `const`, `properties`, `patternProperties`, `additionalProperties`,
//! `required`, `minProperties`/`maxProperties`, `items` (one schema or a tuple),
//! `additionalItems`, `contains`, `minItems`/`maxItems`, `uniqueItems`, `propertyNames`,
//! `dependentRequired`/`dependencies`, `minLength`/`maxLength`, `pattern`,
//! `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum` (numeric and draft-4 boolean
//! forms), `multipleOf`, `allOf`/`anyOf`/`oneOf`/`not`, `if`/`then`/`else`, and `$ref` to
//! `#`, `#/definitions/…` and `#/$defs/…` (JSON pointers within the schema). `format` and
//! remote `$ref`s are ignored. Depth, `$ref` chains and total work are bounded.

use std::collections::HashMap;

use serde_json::Value;

/// Deepest schema/value nesting followed (a `$ref` cycle ends here too).
const MAX_DEPTH: usize = 128;
/// Most violations reported per validation.
const MAX_ERRORS: usize = 100;
/// Most (schema, value) checks per validation: combinators over `$ref` cycles could otherwise
/// take exponential time.
const MAX_STEPS: usize = 250_000;

/// One violation: the values path (segments) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Path from the values root.
    pub path: Vec<String>,
    /// What is wrong, e.g. `is a string, not an integer`.
    pub message: String,
}

/// Validates `value` against `schema`; returns the violations (empty when valid).
pub fn validate(schema: &Value, value: &Value) -> Vec<Violation> {
    let mut v = Validator { root: schema, errors: Vec::new(), regex_failures: Vec::new(), regexes: HashMap::new(), steps: 0 };
    let mut path = Vec::new();
    v.check(schema, value, &mut path, 0);
    if v.steps > MAX_STEPS {
        v.errors.truncate(MAX_ERRORS - 1);
        v.errors
            .push(Violation { path: Vec::new(), message: format!("schema validation stopped after {MAX_STEPS} steps; not fully checked") });
    }
    for p in v.regex_failures {
        if v.errors.len() < MAX_ERRORS {
            v.errors.push(Violation { path: Vec::new(), message: format!("schema pattern `{p}` is not supported; not checked") });
        }
    }
    v.errors
}

struct Validator<'s> {
    root: &'s Value,
    errors: Vec<Violation>,
    regex_failures: Vec<String>,
    regexes: HashMap<String, Option<regex::Regex>>,
    steps: usize,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => match v {
            Value::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
            _ => false,
        },
        _ => true, // unknown type names do not fail values
    }
}

fn article(t: &str) -> String {
    match t {
        "null" => "null".into(),
        "integer" | "object" | "array" => format!("an {t}"),
        _ => format!("a {t}"),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 { format!("{}…", s.chars().take(60).collect::<String>()) } else { s }
}

/// Resolves a local `$ref` (`#`, `#/definitions/x`, `#/$defs/x`, any JSON pointer).
fn resolve_ref<'s>(root: &'s Value, reference: &str) -> Option<&'s Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(root);
    }
    let decoded: String = pointer.replace("%25", "%").replace("%24", "$");
    root.pointer(&decoded)
}

impl<'s> Validator<'s> {
    fn fail(&mut self, path: &[String], message: String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(Violation { path: path.to_vec(), message });
        }
    }

    /// True when `value` is valid against `schema`, without recording anything.
    fn probe(&mut self, schema: &'s Value, value: &Value, path: &mut Vec<String>, depth: usize) -> bool {
        let saved = std::mem::take(&mut self.errors);
        self.check(schema, value, path, depth);
        let ok = self.errors.is_empty();
        self.errors = saved;
        ok
    }

    fn check(&mut self, schema: &'s Value, value: &Value, path: &mut Vec<String>, depth: usize) {
        self.steps += 1;
        if depth > MAX_DEPTH || self.errors.len() >= MAX_ERRORS || self.steps > MAX_STEPS {
            return;
        }
        let s = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => return self.fail(path, "is not allowed here".into()),
            Value::Object(s) => s,
            _ => return,
        };
        if let Some(Value::String(r)) = s.get("$ref") {
            match resolve_ref(self.root, r) {
                Some(target) => self.check(target, value, path, depth + 1),
                None if r.starts_with('#') => self.fail(path, format!("schema reference `{r}` does not resolve")),
                None => {} // remote references are not followed
            }
        }
        if let Some(t) = s.get("type") {
            let ok = match t {
                Value::String(t) => has_type(value, t),
                Value::Array(ts) => ts.iter().any(|t| t.as_str().is_none_or(|t| has_type(value, t))),
                _ => true,
            };
            if !ok {
                let want: Vec<String> = match t {
                    Value::String(t) => vec![article(t)],
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).map(article).collect(),
                    _ => Vec::new(),
                };
                self.fail(path, format!("is {}, not {}", type_name(value), want.join(" or ")));
            }
        }
        if let Some(Value::Array(options)) = s.get("enum")
            && !options.iter().any(|o| json_eq(o, value))
        {
            let list: Vec<String> = options.iter().map(short).collect();
            self.fail(path, format!("{} is not one of {}", short(value), list.join(", ")));
        }
        if let Some(c) = s.get("const")
            && !json_eq(c, value)
        {
            self.fail(path, format!("{} is not {}", short(value), short(c)));
        }
        match value {
            Value::Object(m) => self.check_object(s, m, path, depth),
            Value::Array(items) => self.check_array(s, items, path, depth),
            Value::String(text) => self.check_string(s, text, path),
            Value::Number(n) => self.check_number(s, n.as_f64().unwrap_or(0.0), path),
            _ => {}
        }
        if let Some(Value::Array(all)) = s.get("allOf") {
            for sub in all {
                self.check(sub, value, path, depth + 1);
            }
        }
        if let Some(Value::Array(any)) = s.get("anyOf")
            && !any.iter().any(|sub| self.probe(sub, value, path, depth + 1))
        {
            self.fail(path, "matches none of the `anyOf` schemas".into());
        }
        if let Some(Value::Array(one)) = s.get("oneOf") {
            let n = one.iter().filter(|sub| self.probe(sub, value, path, depth + 1)).count();
            if n != 1 {
                self.fail(path, format!("matches {n} of the `oneOf` schemas, not exactly one"));
            }
        }
        if let Some(not) = s.get("not")
            && self.probe(not, value, path, depth + 1)
        {
            self.fail(path, "matches the `not` schema".into());
        }
        if let Some(cond) = s.get("if") {
            let branch = if self.probe(cond, value, path, depth + 1) { s.get("then") } else { s.get("else") };
            if let Some(b) = branch {
                self.check(b, value, path, depth + 1);
            }
        }
    }

    fn check_object(
        &mut self,
        s: &'s serde_json::Map<String, Value>,
        m: &serde_json::Map<String, Value>,
        path: &mut Vec<String>,
        depth: usize,
    ) {
        if let Some(Value::Array(req)) = s.get("required") {
            for r in req.iter().filter_map(Value::as_str) {
                if !m.contains_key(r) {
                    self.fail(path, format!("is missing the required property `{r}`"));
                }
            }
        }
        let count = |k: &str| s.get(k).and_then(Value::as_u64);
        if let Some(min) = count("minProperties").filter(|&n| (m.len() as u64) < n) {
            self.fail(path, format!("has {} properties, fewer than {min}", m.len()));
        }
        if let Some(max) = count("maxProperties").filter(|&n| (m.len() as u64) > n) {
            self.fail(path, format!("has {} properties, more than {max}", m.len()));
        }
        if let Some(Value::Object(deps)) = s.get("dependentRequired").or_else(|| s.get("dependencies")) {
            for (k, needs) in deps {
                if !m.contains_key(k) {
                    continue;
                }
                match needs {
                    Value::Array(names) => {
                        for n in names.iter().filter_map(Value::as_str) {
                            if !m.contains_key(n) {
                                self.fail(path, format!("has `{k}` but not `{n}`, which it requires"));
                            }
                        }
                    }
                    sub @ (Value::Object(_) | Value::Bool(_)) => self.check(sub, &Value::Object(m.clone()), path, depth + 1),
                    _ => {}
                }
            }
        }
        if let Some(names) = s.get("propertyNames") {
            for k in m.keys() {
                if !self.probe(names, &Value::String(k.clone()), path, depth + 1) {
                    self.fail(path, format!("has the property name `{k}`, which the schema does not allow"));
                }
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        let patterns: Vec<(regex::Regex, &'s Value)> = s
            .get("patternProperties")
            .and_then(Value::as_object)
            .map(|pp| pp.iter().filter_map(|(p, sub)| self.regex(p).map(|r| (r, sub))).collect())
            .unwrap_or_default();
        let additional = s.get("additionalProperties");
        for (k, v) in m {
            path.push(k.clone());
            let mut matched = false;
            if let Some(sub) = props.and_then(|p| p.get(k)) {
                matched = true;
                self.check(sub, v, path, depth + 1);
            }
            for (re, sub) in &patterns {
                if re.is_match(k) {
                    matched = true;
                    self.check(sub, v, path, depth + 1);
                }
            }
            if !matched {
                match additional {
                    Some(Value::Bool(false)) => {
                        path.pop();
                        self.fail(path, format!("has the property `{k}`, which the schema does not allow"));
                        path.push(k.clone());
                    }
                    Some(sub @ Value::Object(_)) => self.check(sub, v, path, depth + 1),
                    _ => {}
                }
            }
            path.pop();
        }
    }

    fn check_array(&mut self, s: &'s serde_json::Map<String, Value>, items: &[Value], path: &mut Vec<String>, depth: usize) {
        let count = |k: &str| s.get(k).and_then(Value::as_u64);
        if let Some(min) = count("minItems").filter(|&n| (items.len() as u64) < n) {
            self.fail(path, format!("has {} items, fewer than {min}", items.len()));
        }
        if let Some(max) = count("maxItems").filter(|&n| (items.len() as u64) > n) {
            self.fail(path, format!("has {} items, more than {max}", items.len()));
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            'outer: for (i, a) in items.iter().enumerate() {
                for b in items.iter().skip(i + 1) {
                    if json_eq(a, b) {
                        self.fail(path, format!("has duplicate items ({})", short(a)));
                        break 'outer;
                    }
                }
            }
        }
        if let Some(contains) = s.get("contains")
            && !items.iter().any(|item| self.probe(contains, item, path, depth + 1))
        {
            self.fail(path, "has no item matching the `contains` schema".into());
        }
        match s.get("items") {
            Some(Value::Array(tuple)) => {
                for (i, item) in items.iter().enumerate() {
                    let sub = match tuple.get(i) {
                        Some(sub) => sub,
                        None => match s.get("additionalItems") {
                            Some(sub) => sub,
                            None => break,
                        },
                    };
                    path.push(i.to_string());
                    self.check(sub, item, path, depth + 1);
                    path.pop();
                }
            }
            Some(sub) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    self.check(sub, item, path, depth + 1);
                    path.pop();
                }
            }
            None => {}
        }
    }

    fn check_string(&mut self, s: &serde_json::Map<String, Value>, text: &str, path: &[String]) {
        let len = text.chars().count() as u64;
        if let Some(min) = s.get("minLength").and_then(Value::as_u64).filter(|&n| len < n) {
            self.fail(path, format!("is {len} characters long, shorter than {min}"));
        }
        if let Some(max) = s.get("maxLength").and_then(Value::as_u64).filter(|&n| len > n) {
            self.fail(path, format!("is {len} characters long, longer than {max}"));
        }
        if let Some(Value::String(p)) = s.get("pattern")
            && let Some(re) = self.regex(p)
            && !re.is_match(text)
        {
            self.fail(path, format!("{} does not match the pattern `{p}`", short(&Value::String(text.to_string()))));
        }
    }

    fn check_number(&mut self, s: &serde_json::Map<String, Value>, n: f64, path: &[String]) {
        let get = |k: &str| s.get(k).and_then(Value::as_f64);
        let excl_bool = |k: &str| s.get(k) == Some(&Value::Bool(true));
        if let Some(min) = get("minimum")
            && (n < min || (excl_bool("exclusiveMinimum") && n <= min))
        {
            self.fail(path, format!("{n} is less than the minimum {min}"));
        }
        if let Some(max) = get("maximum")
            && (n > max || (excl_bool("exclusiveMaximum") && n >= max))
        {
            self.fail(path, format!("{n} is more than the maximum {max}"));
        }
        if let Some(min) = get("exclusiveMinimum").filter(|&m| n <= m) {
            self.fail(path, format!("{n} is not more than the exclusive minimum {min}"));
        }
        if let Some(max) = get("exclusiveMaximum").filter(|&m| n >= m) {
            self.fail(path, format!("{n} is not less than the exclusive maximum {max}"));
        }
        if let Some(m) = get("multipleOf").filter(|&m| m > 0.0) {
            let q = n / m;
            if (q - q.round()).abs() > 1e-9 {
                self.fail(path, format!("{n} is not a multiple of {m}"));
            }
        }
    }

    fn regex(&mut self, pattern: &str) -> Option<regex::Regex> {
        if let Some(cached) = self.regexes.get(pattern) {
            return cached.clone();
        }
        let compiled = regex::RegexBuilder::new(pattern).size_limit(1 << 20).build().ok();
        if compiled.is_none() {
            self.regex_failures.push(pattern.to_string());
        }
        if self.regexes.len() < 10_000 {
            self.regexes.insert(pattern.to_string(), compiled.clone());
        }
        compiled
    }
}

/// JSON equality where `1` and `1.0` are equal (as JSON Schema requires).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w))),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msgs(schema: Value, value: Value) -> Vec<String> {
        validate(&schema, &value).into_iter().map(|v| format!("{}: {}", v.path.join("."), v.message)).collect()
    }

    #[test]
    fn types_required_additional() {
        let schema = json!({
            "type": "object", "required": ["image"], "additionalProperties": false,
            "properties": {"replicas": {"type": "integer", "minimum": 1}, "name": {"type": ["string", "null"], "maxLength": 3},
                           "port": {"type": "integer", "maximum": 65535}}
        });
        assert_eq!(
            msgs(schema, json!({"replicas": "3", "name": "long", "port": 70000, "extra": 1})),
            [
                ": is missing the required property `image`",
                "replicas: is a string, not an integer",
                "name: is 4 characters long, longer than 3",
                "port: 70000 is more than the maximum 65535",
                ": has the property `extra`, which the schema does not allow",
            ]
        );
    }

    #[test]
    fn refs_enums_patterns_combinators() {
        let schema = json!({
            "definitions": {"pull": {"enum": ["Always", "IfNotPresent", "Never"]}},
            "properties": {
                "policy": {"$ref": "#/definitions/pull"},
                "tag": {"type": "string", "pattern": "^v[0-9]+$"},
                "size": {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^[0-9]+Gi$"}]},
                "mode": {"oneOf": [{"type": "string"}, {"enum": ["a"]}]},
                "list": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
                "neg": {"not": {"type": "boolean"}}
            }
        });
        assert_eq!(
            msgs(schema.clone(), json!({"policy": "Sometimes", "tag": "1.0", "size": "10Mi", "mode": "a", "list": [1, "x"], "neg": true})),
            [
                "policy: \"Sometimes\" is not one of \"Always\", \"IfNotPresent\", \"Never\"",
                "tag: \"1.0\" does not match the pattern `^v[0-9]+$`",
                "size: matches none of the `anyOf` schemas",
                "mode: matches 2 of the `oneOf` schemas, not exactly one",
                "list.1: is a string, not an integer",
                "neg: matches the `not` schema",
            ]
        );
        assert!(msgs(schema, json!({"policy": "Never", "tag": "v1", "size": 10, "mode": "b", "list": [1], "neg": 0})).is_empty());
    }

    #[test]
    fn exponential_combinators_are_bounded() {
        let schema = json!({"anyOf": [{"$ref": "#"}, {"$ref": "#"}], "type": "string"});
        let got = msgs(schema, json!(1));
        assert_eq!(got.last().map(String::as_str), Some(": schema validation stopped after 250000 steps; not fully checked"));
        assert_eq!(msgs(json!({"pattern": "(?<=a)b"}), json!("b")), [": schema pattern `(?<=a)b` is not supported; not checked"]);
    }

    #[test]
    fn contains_property_names_dependencies() {
        let schema = json!({
            "properties": {"list": {"contains": {"const": 1}}, "m": {"propertyNames": {"pattern": "^[a-z]+$"}}},
            "dependentRequired": {"tls": ["cert"]}
        });
        assert_eq!(
            msgs(schema, json!({"list": [2, 3], "m": {"ok": 1, "Bad": 2}, "tls": true})),
            [
                ": has `tls` but not `cert`, which it requires",
                "list: has no item matching the `contains` schema",
                "m: has the property name `Bad`, which the schema does not allow",
            ]
        );
    }

    #[test]
    fn ref_cycle_is_bounded() {
        let schema = json!({"$ref": "#"});
        assert!(msgs(schema, json!({"a": 1})).is_empty());
        assert_eq!(msgs(json!({"$ref": "#/definitions/nope"}), json!(1)), [": schema reference `#/definitions/nope` does not resolve"]);
    }
}
