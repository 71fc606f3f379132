//! Policy documents embedded in Terraform resources.
//!
//! A policy attribute (`aws_iam_role.assume_role_policy`, `aws_s3_bucket_policy.policy`...) holds
//! a JSON string after evaluation, however it was written: a heredoc, `jsonencode({...})`,
//! `templatefile(...)`. Its spans come from where the JSON is written:
//! - `jsonencode({...})`: the HCL object literal (keys and elements have spans);
//! - a heredoc or quoted string whose text appears verbatim in the file: the JSON itself;
//! - anything else (`templatefile`, an indented heredoc): the attribute, for every part.
//!
//! `file("x.json")` is skipped here: the JSON file is inside the scan and is analyzed on its
//! own. A `data "aws_iam_policy_document"` is converted to AWS's JSON shape with spans on its
//! blocks, and attributes that reference its `.json` are not analyzed twice.

use serde_json::{Map, Value};

use super::policy::{DocumentSource, PolicyType, document_resource};
use crate::model::{PathSegment, Resource, SpanChildren, SpanNode, is_unknown};
use crate::source::ByteSpan;

/// Policy attributes of Terraform resource types, and the policy type they hold (`None`:
/// decided by content).
const POLICY_ATTRIBUTES: &[(&str, &str, Option<PolicyType>)] = &[
    ("aws_iam_policy", "policy", Some(PolicyType::Identity)),
    ("aws_iam_role_policy", "policy", Some(PolicyType::Identity)),
    ("aws_iam_user_policy", "policy", Some(PolicyType::Identity)),
    ("aws_iam_group_policy", "policy", Some(PolicyType::Identity)),
    ("aws_ssoadmin_permission_set_inline_policy", "inline_policy", Some(PolicyType::Identity)),
    ("aws_iam_role", "assume_role_policy", Some(PolicyType::Trust)),
    ("aws_s3_bucket_policy", "policy", Some(PolicyType::Resource)),
    ("aws_s3_bucket", "policy", Some(PolicyType::Resource)),
    ("aws_kms_key", "policy", Some(PolicyType::Resource)),
    ("aws_kms_key_policy", "policy", Some(PolicyType::Resource)),
    ("aws_sqs_queue_policy", "policy", Some(PolicyType::Resource)),
    ("aws_sqs_queue", "policy", Some(PolicyType::Resource)),
    ("aws_sns_topic_policy", "policy", Some(PolicyType::Resource)),
    ("aws_sns_topic", "policy", Some(PolicyType::Resource)),
    ("aws_ecr_repository_policy", "policy", Some(PolicyType::Resource)),
    ("aws_secretsmanager_secret_policy", "policy", Some(PolicyType::Resource)),
    ("aws_secretsmanager_secret", "policy", Some(PolicyType::Resource)),
    ("aws_efs_file_system_policy", "policy", Some(PolicyType::Resource)),
    ("aws_glacier_vault", "access_policy", Some(PolicyType::Resource)),
    ("aws_opensearch_domain", "access_policies", Some(PolicyType::Resource)),
    ("aws_opensearch_domain_policy", "access_policies", Some(PolicyType::Resource)),
    ("aws_elasticsearch_domain", "access_policies", Some(PolicyType::Resource)),
    ("aws_elasticsearch_domain_policy", "access_policies", Some(PolicyType::Resource)),
    ("aws_cloudwatch_log_resource_policy", "policy_document", Some(PolicyType::Resource)),
    ("aws_lambda_layer_version_permission", "policy", Some(PolicyType::Resource)),
];

/// The policy documents a Terraform resource holds.
pub fn from_terraform(r: &Resource) -> Vec<Resource> {
    let mut out = Vec::new();
    if r.kind == "data.aws_iam_policy_document" {
        out.push(from_policy_document_data(r));
        return out;
    }
    for (kind, attribute, policy_type) in POLICY_ATTRIBUTES {
        if r.kind == *kind {
            let path = vec![PathSegment::Key((*attribute).to_string())];
            out.extend(from_attribute(r, &path, *policy_type));
        }
    }
    // Inline policies of a role.
    if r.kind == "aws_iam_role"
        && let Some(Value::Array(items)) = r.value.get("inline_policy")
    {
        for i in 0..items.len() {
            let path = vec![PathSegment::Key("inline_policy".into()), PathSegment::Index(i), PathSegment::Key("policy".into())];
            out.extend(from_attribute(r, &path, Some(PolicyType::Identity)));
        }
    }
    out
}

fn span_node_at<'a>(root: &'a SpanNode, path: &[PathSegment]) -> Option<&'a SpanNode> {
    let mut cur = root;
    for seg in path {
        cur = cur.child(seg)?;
    }
    Some(cur)
}

fn value_at<'a>(root: &'a Value, path: &[PathSegment]) -> Option<&'a Value> {
    let mut cur = root;
    for seg in path {
        cur = match seg {
            PathSegment::Key(k) => cur.get(k)?,
            PathSegment::Index(i) => cur.get(*i)?,
        };
    }
    Some(cur)
}

fn path_text(path: &[PathSegment]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            PathSegment::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            PathSegment::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// The document in a JSON-string attribute.
fn from_attribute(r: &Resource, path: &[PathSegment], policy_type: Option<PolicyType>) -> Option<Resource> {
    let text = match value_at(&r.value, path)? {
        Value::String(s) => s,
        _ => return None, // unknown (a reference to a policy document's `.json`, say) or absent
    };
    let node = span_node_at(&r.spans, path)?;
    let written = r.file.text.get(node.span.start..node.span.end).unwrap_or_default().trim_start();
    // `file("x.json")` is analyzed as the JSON file itself, and a policy document's `.json` at
    // the `data "aws_iam_policy_document"` block, with its own spans.
    if written.starts_with("file(") || written.starts_with("data.aws_iam_policy_document.") {
        return None;
    }
    let source = DocumentSource {
        file: &r.file,
        address: format!("{}.{}", r.address, path_text(path)),
        name: r.name.clone(),
        policy_type,
        call_chain: r.call_chain.clone(),
    };
    let parsed = crate::parse::json::parse(text, &crate::parse::Limits::default());
    let (doc, json_spans) = match (parsed.error, parsed.documents.into_iter().next()) {
        (None, Some(d)) => (d.value, d.spans),
        (error, _) => {
            let message = error.map_or_else(|| "empty policy".to_string(), |e| format!("policy is not valid JSON: {}", e.message));
            return Some(document_resource(source, Value::Object(Map::new()), leaf(node), Some(message)));
        }
    };
    if is_unknown(&doc) {
        return None;
    }
    let spans = match &node.children {
        // jsonencode({...}): the object literal has the document's shape.
        SpanChildren::Map(_) => SpanNode { origin: None, span: node.span, key: None, children: node.children.clone() },
        _ => match written_offset(&r.file.text, node.span, text) {
            Some(offset) => shifted(&json_spans, offset),
            None => leaf(node),
        },
    };
    Some(document_resource(source, doc, spans, None))
}

/// A span tree whose every part is the attribute itself.
fn leaf(node: &SpanNode) -> SpanNode {
    SpanNode { origin: None, span: node.span, key: None, children: SpanChildren::Leaf }
}

/// Where `text` is written verbatim inside `span` of the file.
fn written_offset(file_text: &str, span: ByteSpan, text: &str) -> Option<usize> {
    let region = file_text.get(span.start..span.end)?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let at = region.find(trimmed)?;
    // Offsets are relative to `text`; align so the trimmed start lands at `at`.
    let lead = text.len() - text.trim_start().len();
    (span.start + at).checked_sub(lead)
}

fn shifted(node: &SpanNode, offset: usize) -> SpanNode {
    let shift = |s: ByteSpan| ByteSpan::new(s.start + offset, s.end + offset);
    SpanNode {
        origin: None,
        span: shift(node.span),
        key: node.key.map(shift),
        children: match &node.children {
            SpanChildren::Leaf => SpanChildren::Leaf,
            SpanChildren::Seq(items) => SpanChildren::Seq(items.iter().map(|n| shifted(n, offset)).collect()),
            SpanChildren::Map(entries) => SpanChildren::Map(entries.iter().map(|(k, n)| (k.clone(), shifted(n, offset))).collect()),
        },
    }
}

/// Converts `data "aws_iam_policy_document"` into AWS's JSON shape, with spans on its blocks
/// and attributes.
fn from_policy_document_data(r: &Resource) -> Resource {
    let (doc, spans) = convert_policy_document(&r.value, &r.spans);
    let source = DocumentSource {
        file: &r.file,
        address: r.address.clone(),
        name: r.name.clone(),
        policy_type: None,
        call_chain: r.call_chain.clone(),
    };
    document_resource(source, Value::Object(doc), spans, None)
}

/// The `json` attribute of a `data "aws_iam_policy_document"` with configuration `value`: the
/// document as Terraform renders it, or unknown when any part of it cannot be known.
pub fn policy_document_json(value: &Value) -> Value {
    let (doc, _) = convert_policy_document(value, &SpanNode::default());
    let doc = Value::Object(doc);
    if crate::model::contains_unknown(&doc) {
        return crate::model::unknown("data.aws_iam_policy_document.json (a part cannot be known)");
    }
    serde_json::to_string(&doc).map_or_else(|e| crate::model::unknown(format!("policy document: {e}")), Value::String)
}

/// The statements of the JSON documents in `source_policy_documents`/`override_policy_documents`
/// with the span of the element naming each document; an unknown element gives one unknown
/// statement.
fn listed_documents(value: &Value, spans: &SpanNode, attribute: &str) -> Vec<(Value, SpanNode)> {
    let Some(Value::Array(items)) = value.get(attribute) else { return Vec::new() };
    let node = spans.child(&PathSegment::Key(attribute.into())).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for (j, item) in items.iter().enumerate() {
        let at = leaf(&node.child(&PathSegment::Index(j)).cloned().unwrap_or_else(|| node.clone()));
        let parsed = item.as_str().map(|text| crate::parse::json::parse(text, &crate::parse::Limits::default()));
        match parsed.and_then(|p| p.documents.into_iter().next()) {
            Some(d) => out.extend(super::policy::statements(&d.value).into_iter().map(|s| (Value::Object(s.clone()), at.clone()))),
            None => out.push((crate::model::unknown(format!("{attribute}[{j}]")), at)),
        }
    }
    out
}

/// Merges statements the way the provider does: a statement whose `Sid` an earlier layer
/// already has replaces it in place, others are appended (duplicates within one layer stay, for
/// the grammar rule to report).
fn merge_statements(into: &mut Vec<(Value, SpanNode)>, more: Vec<(Value, SpanNode)>) {
    let earlier = into.len();
    for (st, span) in more {
        let sid = st.get("Sid").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
        let position =
            sid.and_then(|sid| into.iter().take(earlier).position(|(s, _)| s.get("Sid").and_then(Value::as_str) == Some(sid.as_str())));
        match position {
            Some(i) => {
                if let Some(slot) = into.get_mut(i) {
                    *slot = (st, span);
                }
            }
            None => into.push((st, span)),
        }
    }
}

/// The AWS-shaped document of a policy-document configuration and its span tree: statements
/// of `source_policy_documents`, then the `statement` blocks, then
/// `override_policy_documents`, merged by `Sid`.
fn convert_policy_document(value: &Value, spans: &SpanNode) -> (Map<String, Value>, SpanNode) {
    let mut doc = Map::new();
    let mut doc_spans: Vec<(String, SpanNode)> = Vec::new();
    let attr_node = |path: &[PathSegment]| span_node_at(spans, path).cloned();
    let version = value.get("version").cloned().unwrap_or_else(|| Value::String("2012-10-17".into()));
    doc.insert("Version".into(), version);
    if let Some(n) = attr_node(&[PathSegment::Key("version".into())]) {
        doc_spans.push(("Version".into(), n));
    }
    if let Some(id) = value.get("policy_id") {
        doc.insert("Id".into(), id.clone());
    }
    let mut statements = listed_documents(value, spans, "source_policy_documents");
    let mut own = Vec::new();
    if let Some(Value::Array(items)) = value.get("statement") {
        for (i, st) in items.iter().enumerate() {
            let base = [PathSegment::Key("statement".into()), PathSegment::Index(i)];
            let st_node = attr_node(&base).unwrap_or_else(|| leaf(spans));
            own.push(convert_statement(st, &st_node));
        }
    }
    merge_statements(&mut statements, own);
    merge_statements(&mut statements, listed_documents(value, spans, "override_policy_documents"));
    let (values, statement_spans): (Vec<Value>, Vec<SpanNode>) = statements.into_iter().unzip();
    doc.insert("Statement".into(), Value::Array(values));
    let statement_node = attr_node(&[PathSegment::Key("statement".into())]).unwrap_or_else(|| leaf(spans));
    doc_spans.push((
        "Statement".into(),
        SpanNode { origin: None, span: statement_node.span, key: statement_node.key, children: SpanChildren::Seq(statement_spans) },
    ));
    (doc, SpanNode { origin: None, span: spans.span, key: None, children: SpanChildren::Map(doc_spans) })
}

/// One `statement` block → one AWS statement.
fn convert_statement(st: &Value, node: &SpanNode) -> (Value, SpanNode) {
    let mut out = Map::new();
    let mut spans: Vec<(String, SpanNode)> = Vec::new();
    let child = |key: &str| node.child(&PathSegment::Key(key.into())).cloned();
    for (from, to) in [
        ("sid", "Sid"),
        ("effect", "Effect"),
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(v) = st.get(from).filter(|v| !v.is_null()) {
            out.insert(to.into(), v.clone());
            if let Some(n) = child(from) {
                spans.push((to.into(), n));
            }
        }
    }
    if !out.contains_key("Effect") {
        out.insert("Effect".into(), Value::String("Allow".into()));
    }
    for (from, to) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
        let Some(Value::Array(blocks)) = st.get(from) else { continue };
        let Some(blocks_node) = child(from) else { continue };
        let mut principal = Map::new();
        let mut principal_spans: Vec<(String, SpanNode)> = Vec::new();
        let mut star = None;
        for (j, b) in blocks.iter().enumerate() {
            let b_node = blocks_node.child(&PathSegment::Index(j)).cloned().unwrap_or_else(|| leaf(&blocks_node));
            let Some(ptype) = b.get("type").and_then(Value::as_str) else { continue };
            let identifiers = b.get("identifiers").cloned().unwrap_or(Value::Null);
            let ids_node = b_node.child(&PathSegment::Key("identifiers".into())).cloned().unwrap_or_else(|| leaf(&b_node));
            if ptype == "*" {
                star = Some(b_node.clone());
                continue;
            }
            match principal.get_mut(ptype) {
                Some(Value::Array(existing)) => {
                    if let Value::Array(more) = identifiers {
                        existing.extend(more);
                    }
                }
                _ => {
                    principal.insert(ptype.to_string(), identifiers);
                    principal_spans.push((ptype.to_string(), ids_node));
                }
            }
        }
        if let Some(star_node) = star {
            out.insert(to.into(), Value::String("*".into()));
            spans.push((to.into(), star_node));
        } else {
            out.insert(to.into(), Value::Object(principal));
            let first = blocks_node.child(&PathSegment::Index(0)).map_or(blocks_node.span, |n| n.span);
            spans.push((to.into(), SpanNode { origin: None, span: first, key: None, children: SpanChildren::Map(principal_spans) }));
        }
    }
    if let (Some(Value::Array(conditions)), Some(cond_node)) = (st.get("condition"), child("condition")) {
        let mut by_test: Map<String, Value> = Map::new();
        let mut test_spans: Vec<(String, SpanNode)> = Vec::new();
        let mut unknown_condition = false;
        for (k, c) in conditions.iter().enumerate() {
            let c_node = cond_node.child(&PathSegment::Index(k)).cloned().unwrap_or_else(|| leaf(&cond_node));
            let (Some(test), Some(variable)) = (c.get("test").and_then(Value::as_str), c.get("variable").and_then(Value::as_str)) else {
                // A condition whose operator or key cannot be known may be the one a rule looks
                // for: the statement's whole Condition becomes unknown.
                unknown_condition = true;
                continue;
            };
            let values = c.get("values").cloned().unwrap_or(Value::Null);
            let values_node = c_node.child(&PathSegment::Key("values".into())).cloned().unwrap_or_else(|| leaf(&c_node));
            let entry = by_test.entry(test.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(vars) = entry {
                vars.insert(variable.to_string(), values);
            }
            match test_spans.iter_mut().find(|(t, _)| t == test) {
                Some((_, n)) => {
                    if let SpanChildren::Map(entries) = &mut n.children {
                        entries.push((variable.to_string(), values_node));
                    }
                }
                None => test_spans.push((
                    test.to_string(),
                    SpanNode {
                        origin: None,
                        span: c_node.span,
                        key: None,
                        children: SpanChildren::Map(vec![(variable.to_string(), values_node)]),
                    },
                )),
            }
        }
        let value = if unknown_condition {
            crate::model::unknown("condition block whose test or variable cannot be known")
        } else {
            Value::Object(by_test)
        };
        out.insert("Condition".into(), value);
        let first = cond_node.child(&PathSegment::Index(0)).map_or(cond_node.span, |n| n.span);
        spans.push(("Condition".into(), SpanNode { origin: None, span: first, key: None, children: SpanChildren::Map(test_spans) }));
    }
    (Value::Object(out), SpanNode { origin: None, span: node.span, key: None, children: SpanChildren::Map(spans) })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::model::{AttributePath, SourceFile};
    use crate::terraform::{ModuleInput, evaluate_module, parse_file};
    use serde_json::json;
    use std::sync::Arc;

    fn documents(text: &str) -> Vec<Resource> {
        let file = Arc::new(SourceFile::new("main.tf", text.to_string()));
        let input = ModuleInput { files: vec![parse_file(&file).unwrap()], ..ModuleInput::default() };
        evaluate_module(&input).resources.iter().flat_map(from_terraform).collect()
    }

    fn line_of(doc: &Resource, path: Value) -> usize {
        doc.locate(&AttributePath::from_json(&path).unwrap()).0.start.line
    }

    const SAME_POLICY_THREE_WAYS: &str = r#"
resource "aws_iam_policy" "heredoc" {
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": ["s3:GetObject", "s3:PutObject"],
    "Resource": ["*"]
  }]
}
EOF
}

resource "aws_iam_policy" "encoded" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject"]
      Resource = ["*"]
    }]
  })
}

data "aws_iam_policy_document" "doc" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "from_doc" {
  policy = data.aws_iam_policy_document.doc.json
}
"#;

    #[test]
    fn the_same_policy_in_three_syntaxes_gives_the_same_document_at_its_own_lines() {
        let docs = documents(SAME_POLICY_THREE_WAYS);
        let addresses: Vec<_> = docs.iter().map(|d| d.address.as_str()).collect();
        assert_eq!(addresses, ["aws_iam_policy.heredoc.policy", "aws_iam_policy.encoded.policy", "data.aws_iam_policy_document.doc"]);
        for d in &docs {
            let mut v = d.value.clone();
            v.as_object_mut().unwrap().remove(super::super::policy::CONTEXT_KEY);
            assert_eq!(
                v,
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["*"]}]}),
                "{}",
                d.address
            );
            assert_eq!(d.value["$context"]["type"], json!("identity"));
        }
        assert_eq!(line_of(&docs[0], json!(["Statement", 0, "Action", 1])), 8);
        assert_eq!(line_of(&docs[1], json!(["Statement", 0, "Action", 1])), 20);
        assert_eq!(line_of(&docs[1], json!(["Statement", 0, "Resource", 0])), 21);
        assert_eq!(line_of(&docs[2], json!(["Statement", 0, "Action", 1])), 28);
        assert_eq!(line_of(&docs[2], json!(["Statement", 0, "Resource"])), 29);
        // Effect defaults to Allow in a policy document: the statement block is the place.
        assert_eq!(line_of(&docs[2], json!(["Statement", 0, "Effect"])), 27);
    }

    #[test]
    fn trust_policies_principals_and_conditions_map_to_blocks() {
        let docs = documents(
            r#"
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/*"]
    }
  }
}
resource "aws_iam_role" "ci" {
  assume_role_policy = "not json"
}
"#,
        );
        assert_eq!(docs.len(), 2);
        let trust = &docs[0];
        assert_eq!(trust.value["$context"]["type"], json!("trust"));
        assert_eq!(
            trust.value["Statement"][0]["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"],
            json!(["repo:acme/*"])
        );
        assert_eq!(line_of(trust, json!(["Statement", 0, "Principal", "Federated"])), 7);
        assert_eq!(line_of(trust, json!(["Statement", 0, "Condition", "StringLike", "token.actions.githubusercontent.com:sub"])), 12);
        let broken = &docs[1];
        assert!(broken.value["$context"]["error"].as_str().unwrap().contains("not valid JSON"));
        assert_eq!(broken.value["$context"]["type"], json!("trust"));
    }

    #[test]
    fn policy_documents_compose_through_source_and_override_documents() {
        let docs = documents(
            r#"
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::reports/*"]
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:PutLogEvents"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "combined" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
  override_policy_documents = [jsonencode({
    Statement = [{ Sid = "Logs", Effect = "Deny", Action = "logs:*", Resource = "*" }]
  })]
}

resource "aws_iam_policy" "combined" {
  policy = data.aws_iam_policy_document.combined.json
}

locals {
  decoded = jsondecode(data.aws_iam_policy_document.base.json)
}

resource "aws_iam_policy" "rebuilt" {
  policy = jsonencode(local.decoded)
}
"#,
        );
        let addresses: Vec<_> = docs.iter().map(|d| d.address.as_str()).collect();
        // The policy that only references a document's `.json` is not analyzed twice.
        assert_eq!(
            addresses,
            ["data.aws_iam_policy_document.base", "data.aws_iam_policy_document.combined", "aws_iam_policy.rebuilt.policy"]
        );
        let combined = &docs[1];
        let statements = combined.value["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2, "{statements:#?}");
        // Own "Read" replaces the source's; the override replaces "Logs".
        assert_eq!(statements[0]["Resource"], json!(["*"]));
        assert_eq!(statements[1]["Effect"], json!("Deny"));
        assert_eq!(line_of(combined, json!(["Statement", 0, "Resource"])), 20);
        // The override statement points at the override_policy_documents element.
        assert_eq!(line_of(combined, json!(["Statement", 1, "Action"])), 22);
        assert_eq!(docs[2].value["Statement"][1]["Action"], json!(["logs:PutLogEvents"]));
    }
}
