//! Rule K8S-0053: fields of security-relevant Kubernetes objects that the API does not know
//! (`runAsNonRooot: true`) or whose value has the wrong type (`privileged: "false"`). Either
//! way the control the author meant to set is not in effect, while a reader (and a linter
//! looking for the right key) sees it as merely unset.
//!
//! The field/type table is `data/k8s-security-schema.json`, generated from k8s-openapi by
//! `scripts/gen-k8s-schema.sh` (never edited by hand). Only manifests are checked: objects
//! mapped from Terraform's Kubernetes provider follow the provider's schema, not the API's.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::checks::{Hit, NativeCheck, ResourceCheck};
use crate::model::{AttributePath, PathSegment, Resource, is_unknown};
use crate::rules::meta::Severity;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Resource(Box::new(SchemaCheck))
}

/// The generated schema (see the module documentation).
const SCHEMA_JSON: &str = include_str!("../../../data/k8s-security-schema.json");

/// Findings per resource (a document of garbage must not produce thousands).
const MAX_HITS: usize = 100;
/// Items read per list, entries per map.
const MAX_ITEMS: usize = 10_000;
/// Nesting followed (the schema's own nesting is far shallower).
const MAX_DEPTH: usize = 32;
/// Largest edit distance at which a known field is suggested.
const MAX_SUGGESTION_DISTANCE: usize = 2;

/// Boolean fields that switch a security control: a wrong type there is a high finding.
const SECURITY_BOOLEANS: &[&str] = &[
    "privileged",
    "runAsNonRoot",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "automountServiceAccountToken",
];

/// A field's type in the generated schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// `true`/`false`.
    Bool,
    /// An integer.
    Int,
    /// Any number.
    Number,
    /// A string.
    String,
    /// A number or a string (IntOrString, Quantity).
    IntOrString,
    /// Not checked.
    Any,
    /// A mapping of the named type (checked field by field when the schema has it).
    Object(String),
    /// A list of the inner type.
    Array(Box<FieldType>),
    /// A mapping from strings to the inner type.
    Map(Box<FieldType>),
}

impl FieldType {
    /// Parses the schema's notation (`array:object:Container`); `None` when it is not one.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "bool" => Self::Bool,
            "int" => Self::Int,
            "number" => Self::Number,
            "string" => Self::String,
            "int-or-string" => Self::IntOrString,
            "any" => Self::Any,
            _ => match s.split_once(':')? {
                ("object", name) if !name.is_empty() => Self::Object(name.to_string()),
                ("array", inner) => Self::Array(Box::new(Self::parse(inner)?)),
                ("map", inner) => Self::Map(Box::new(Self::parse(inner)?)),
                _ => return None,
            },
        })
    }

    /// How a finding names a value of this type.
    fn describe(&self) -> String {
        match self {
            Self::Bool => "a boolean".to_string(),
            Self::Int => "an integer".to_string(),
            Self::Number => "a number".to_string(),
            Self::String => "a string".to_string(),
            Self::IntOrString => "a number or a string".to_string(),
            Self::Any => "any value".to_string(),
            Self::Object(name) => format!("a mapping ({name})"),
            Self::Array(_) => "a list".to_string(),
            Self::Map(_) => "a mapping".to_string(),
        }
    }
}

/// The security-relevant part of the Kubernetes API schema: type name → field → type.
#[derive(Debug)]
pub struct Schema {
    /// The Kubernetes version it was generated for (`1.37`).
    pub version: String,
    /// Fields of each type.
    pub types: BTreeMap<String, BTreeMap<String, FieldType>>,
}

impl Schema {
    /// Parses the generated JSON.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("k8s-security-schema.json: {e}"))?;
        let version = v.get("version").and_then(Value::as_str).unwrap_or_default().to_string();
        let Some(Value::Object(types)) = v.get("types") else {
            return Err("k8s-security-schema.json: no `types` mapping".to_string());
        };
        let mut out = BTreeMap::new();
        for (name, fields) in types {
            let Value::Object(fields) = fields else {
                return Err(format!("k8s-security-schema.json: {name} is not a mapping"));
            };
            let mut parsed = BTreeMap::new();
            for (field, ty) in fields {
                let ty = ty
                    .as_str()
                    .and_then(FieldType::parse)
                    .ok_or_else(|| format!("k8s-security-schema.json: bad type for {name}.{field}"))?;
                parsed.insert(field.clone(), ty);
            }
            out.insert(name.clone(), parsed);
        }
        Ok(Self { version, types: out })
    }
}

/// The embedded schema, parsed once (`None` only if the committed file is broken, which
/// the unit tests rule out).
pub fn schema() -> Option<&'static Schema> {
    static SCHEMA: OnceLock<Option<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::from_json(SCHEMA_JSON).ok()).as_ref()
}

/// Levenshtein distance on chars, ASCII case-insensitive, bounded by the lengths involved.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).take(256).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).take(256).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The known field closest to `unknown`, if close enough to be a likely misspelling.
pub fn suggestion<'a>(unknown: &str, fields: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    let limit = MAX_SUGGESTION_DISTANCE.min(unknown.chars().count() / 3);
    fields.map(|f| (edit_distance(unknown, f), f)).filter(|(d, _)| *d <= limit).min().map(|(_, f)| f.as_str())
}

/// What kind of value `v` is, for messages.
fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

struct SchemaCheck;

impl ResourceCheck for SchemaCheck {
    fn check(&self, resource: &Resource, hits: &mut Vec<Hit>) {
        let Some(schema) = schema() else { return };
        // Objects mapped from Terraform's provider have addresses of their own (and the
        // provider's schema, which differs from the API's); manifests are `Kind/...`.
        if !resource.address.starts_with(&format!("{}/", resource.kind)) {
            return;
        }
        let mut walker = Walker { schema, resource, hits, count: 0 };
        for (mut path, ty, strict) in roots(resource) {
            let Some(v) = resource.get(&path) else { continue };
            walker.value(&mut path, v, &ty, strict, 0);
        }
    }
}

/// The parts of `resource` the rule checks, with their type and whether unknown fields are
/// reported at the top level (not in the pod spec of a custom kind, which a CRD may extend:
/// Knative's `containerConcurrency`).
fn roots(resource: &Resource) -> Vec<(AttributePath, FieldType, bool)> {
    let v = &resource.value;
    let api = v.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    let object = |name: &str| FieldType::Object(name.to_string());
    let root = AttributePath::root();
    let mut out = Vec::new();
    match (resource.kind.as_str(), api) {
        ("Service", "v1") => out.push((root.key("spec"), object("ServiceSpec"), true)),
        ("NetworkPolicy", "networking.k8s.io/v1") => out.push((root.key("spec"), object("NetworkPolicySpec"), true)),
        ("Role" | "ClusterRole", a) if a.starts_with("rbac.authorization.k8s.io/") => {
            out.push((root.key("rules"), FieldType::Array(Box::new(object("PolicyRule"))), true));
        }
        ("RoleBinding" | "ClusterRoleBinding", a) if a.starts_with("rbac.authorization.k8s.io/") => {
            out.push((root.key("subjects"), FieldType::Array(Box::new(object("Subject"))), true));
            out.push((root.key("roleRef"), object("RoleRef"), true));
        }
        (kind, _) => {
            if let Some(path) = crate::kubernetes::pod_spec_path_of(kind, v) {
                let builtin = crate::kubernetes::pod_spec_path(kind).is_some();
                out.push((path, object("PodSpec"), builtin));
            }
        }
    }
    out
}

struct Walker<'a> {
    schema: &'a Schema,
    resource: &'a Resource,
    hits: &'a mut Vec<Hit>,
    count: usize,
}

impl Walker<'_> {
    fn push(&mut self, hit: Hit) {
        if self.count < MAX_HITS {
            self.hits.push(hit);
        }
        self.count += 1;
    }

    /// The source text of the scalar at `path` (to tell `true` from `yes`); a block scalar's
    /// span runs on to the end of its line, over any comment.
    fn raw_text(&self, path: &AttributePath) -> Option<&str> {
        let (node, matched, origin) = self.resource.spans.resolve_with_origin(path);
        if matched != path.len() {
            return None;
        }
        let file = origin.map_or(&self.resource.file, |o| &o.file);
        file.text.get(node.span.start..node.span.end)
    }

    /// Checks `v` at `path` against `ty`. `strict`: report unknown fields of this mapping.
    /// `path` is extended and restored on the way down (one path for the whole walk; it is
    /// cloned only into a finding).
    fn value(&mut self, path: &mut AttributePath, v: &Value, ty: &FieldType, strict: bool, depth: usize) {
        if v.is_null() || is_unknown(v) || depth > MAX_DEPTH || self.count >= MAX_HITS {
            return;
        }
        let fits = match (ty, v) {
            (FieldType::Any, _) => true,
            (FieldType::Bool, Value::Bool(_)) => true,
            (FieldType::Int, Value::Number(n)) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
            (FieldType::Number | FieldType::IntOrString, Value::Number(_)) => true,
            (FieldType::String | FieldType::IntOrString, Value::String(_)) => true,
            // The YAML reader reads `yes`, `no`, `on`, `off` as booleans, as Kubernetes' reader
            // does; only a literal `true`/`false` where a string belongs is reported.
            (FieldType::String | FieldType::IntOrString, Value::Bool(_)) => {
                !self.raw_text(path).is_some_and(|t| matches!(t.split('#').next().unwrap_or_default().trim(), "true" | "false"))
            }
            (FieldType::Object(name), Value::Object(map)) => {
                self.object(path, name, map, strict, depth);
                true
            }
            (FieldType::Array(inner), Value::Array(items)) => {
                for (i, item) in items.iter().take(MAX_ITEMS).enumerate() {
                    path.0.push(PathSegment::Index(i));
                    self.value(path, item, inner, true, depth + 1);
                    path.0.pop();
                }
                true
            }
            (FieldType::Map(inner), Value::Object(map)) => {
                for (k, item) in map.iter().take(MAX_ITEMS) {
                    path.0.push(PathSegment::Key(k.clone()));
                    self.value(path, item, inner, true, depth + 1);
                    path.0.pop();
                }
                true
            }
            _ => false,
        };
        if !fits {
            self.wrong_type(path, v, ty);
        }
    }

    fn wrong_type(&mut self, path: &AttributePath, v: &Value, ty: &FieldType) {
        // `{{cell}}` in a file of some template language other than Helm's reads as a
        // nested mapping: a placeholder, not a value. (Only mappings: the text of a value
        // rendered by Helm is the template's `{{ ... }}`, and those values are real.)
        if v.is_object() && self.raw_text(path).is_some_and(|t| t.trim_start().starts_with("{{")) {
            return;
        }
        let field = match path.0.last() {
            Some(crate::model::PathSegment::Key(k)) => k.clone(),
            _ => path.to_string(),
        };
        let security = *ty == FieldType::Bool && SECURITY_BOOLEANS.contains(&field.as_str());
        let shown = match v {
            Value::String(s) if s.chars().count() <= 40 => format!(" (\"{s}\")"),
            Value::Bool(b) => format!(" ({b})"),
            Value::Number(n) => format!(" ({n})"),
            _ => String::new(),
        };
        let effect = if security {
            "the API server rejects the object and the control is not in effect"
        } else {
            "the API server rejects the object and the setting is not in effect"
        };
        self.push(Hit {
            message: format!("`{field}` is {}{shown} where {} is expected: {effect}", value_kind(v), ty.describe()),
            path: path.clone(),
            severity: security.then_some(Severity::High),
        });
    }

    fn object(&mut self, path: &mut AttributePath, name: &str, map: &serde_json::Map<String, Value>, strict: bool, depth: usize) {
        let Some(fields) = self.schema.types.get(name) else { return };
        for (key, v) in map.iter().take(MAX_ITEMS) {
            match fields.get(key) {
                Some(ty) => {
                    path.0.push(PathSegment::Key(key.clone()));
                    self.value(path, v, ty, true, depth + 1);
                    path.0.pop();
                }
                None if strict => {
                    let hint = suggestion(key, fields.keys()).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
                    self.push(Hit {
                        message: format!(
                            "`{key}` is not a field of {name} in Kubernetes {}{hint}: the API server rejects or drops it, so it has no effect",
                            self.schema.version
                        ),
                        path: path.key(key.clone()),
                        severity: None,
                    });
                }
                None => {}
            }
            if self.count >= MAX_HITS {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schema_parses_with_the_security_types() {
        let s = schema().expect("embedded schema parses");
        assert_eq!(s.types.len(), 21);
        let sc = &s.types["SecurityContext"];
        assert_eq!(sc["privileged"], FieldType::Bool);
        assert_eq!(sc["runAsUser"], FieldType::Int);
        assert_eq!(sc["capabilities"], FieldType::Object("Capabilities".to_string()));
        assert_eq!(s.types["PodSpec"]["containers"], FieldType::Array(Box::new(FieldType::Object("Container".to_string()))));
        assert_eq!(s.types["ResourceRequirements"]["limits"], FieldType::Map(Box::new(FieldType::IntOrString)));
        assert_eq!(s.types["ServiceSpec"]["selector"], FieldType::Map(Box::new(FieldType::String)));
    }

    #[test]
    fn parse_rejects_bad_notation() {
        assert_eq!(FieldType::parse("array:map:int"), Some(FieldType::Array(Box::new(FieldType::Map(Box::new(FieldType::Int))))));
        assert_eq!(FieldType::parse("object:"), None);
        assert_eq!(FieldType::parse("array:"), None);
        assert_eq!(FieldType::parse("float"), None);
        assert!(Schema::from_json("{\"types\": {\"A\": {\"x\": \"nope\"}}}").is_err());
        assert!(Schema::from_json("[]").is_err());
    }

    fn resource(kind: &str, address: &str, value: Value) -> Resource {
        Resource {
            platform: crate::model::Platform::Kubernetes,
            kind: kind.to_string(),
            namespace: Some("default".to_string()),
            name: Some("web".to_string()),
            address: address.to_string(),
            value,
            spans: crate::model::SpanNode::default(),
            file: std::sync::Arc::new(crate::model::SourceFile::new("x.yaml", String::new())),
            call_chain: Vec::new(),
        }
    }

    fn deployment(pod_spec: Value) -> Value {
        serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": pod_spec}}})
    }

    fn hits(r: &Resource) -> Vec<(String, Option<Severity>)> {
        let mut out = Vec::new();
        SchemaCheck.check(r, &mut out);
        out.into_iter().map(|h| (h.path.to_string(), h.severity)).collect()
    }

    #[test]
    fn wrong_types_and_unknown_fields_at_their_paths() {
        let v = deployment(serde_json::json!({
            "hostPID": "true",
            "securityContext": {"runAsUser": "1000", "fsGroupp": 1},
            "containers": [{"name": "a", "resources": {"limits": {"cpu": 0.5, "memory": [1]}}}],
            // A boolean where a string belongs is judged by its source text (`yes` is fine);
            // without one it is not reported.
            "nodeName": true,
        }));
        let r = resource("Deployment", "Deployment/default/web", v);
        assert_eq!(
            hits(&r),
            vec![
                ("spec.template.spec.hostPID".to_string(), Some(Severity::High)),
                ("spec.template.spec.securityContext.runAsUser".to_string(), None),
                ("spec.template.spec.securityContext.fsGroupp".to_string(), None),
                ("spec.template.spec.containers[0].resources.limits.memory".to_string(), None),
            ]
        );
    }

    #[test]
    fn unknown_values_nulls_and_terraform_objects_are_not_judged() {
        let unknown = serde_json::json!({"$unknown": "var.x"});
        let v = deployment(serde_json::json!({
            "securityContext": unknown,
            "hostNetwork": unknown,
            "containers": [unknown, {"name": "a", "securityContext": {"privileged": unknown, "capabilities": null}}],
        }));
        assert!(hits(&resource("Deployment", "Deployment/default/web", v)).is_empty());
        let v = deployment(serde_json::json!({"securityContext": {"runAsUser": "1000"}}));
        assert!(hits(&resource("Deployment", "kubernetes_deployment.web", v.clone())).is_empty());
        assert_eq!(hits(&resource("Deployment", "Deployment/default/web", v)).len(), 1);
    }

    #[test]
    fn custom_kind_pod_spec_top_level_names_are_not_judged() {
        let v = serde_json::json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service", "spec": {"template": {"spec": {
            "containerConcurrency": 10,
            "containers": [{"image": "x", "securityContext": {"runAsNonRooot": true}}],
        }}}});
        let r = resource("Service", "Service/default/web", v);
        assert_eq!(hits(&r), vec![("spec.template.spec.containers[0].securityContext.runAsNonRooot".to_string(), None)]);
    }

    #[test]
    fn hits_per_resource_are_bounded() {
        let fields: serde_json::Map<String, Value> = (0..500).map(|i| (format!("bogus{i}"), Value::Bool(true))).collect();
        let v = deployment(serde_json::json!({"securityContext": fields}));
        assert_eq!(hits(&resource("Deployment", "Deployment/default/web", v)).len(), MAX_HITS);
    }

    #[test]
    fn suggestions_by_edit_distance() {
        let s = schema().expect("embedded schema parses");
        let sc = &s.types["SecurityContext"];
        assert_eq!(suggestion("runAsNonRooot", sc.keys()), Some("runAsNonRoot"));
        assert_eq!(suggestion("Privileged", sc.keys()), Some("privileged"));
        assert_eq!(suggestion("readOnlyFilesystem", sc.keys()), None);
        assert_eq!(suggestion("foo", sc.keys()), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
