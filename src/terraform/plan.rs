//! Terraform plan JSON (`terraform show -json plan.out`) mapped into the resource model: each
//! resource of `planned_values` (root and child modules) becomes a [`Resource`] whose spans are
//! the plan file's own, and attributes that `resource_changes[].change.after_unknown` marks as
//! known only after apply become unknown values.

use std::sync::Arc;

use serde_json::Value;

use crate::model::{PathSegment, Platform, Resource, SourceFile, SpanNode};
use crate::parse::Document;

/// True when the JSON document is a Terraform plan.
pub fn is_plan(v: &Value) -> bool {
    v.get("format_version").is_some() && (v.get("planned_values").is_some() || v.get("resource_changes").is_some())
}

/// The resources of a plan document.
pub fn resources_from_plan(doc: &Document, file: &Arc<SourceFile>) -> Vec<Resource> {
    let mut out = Vec::new();
    let unknowns: std::collections::HashMap<String, Value> = doc
        .value
        .get("resource_changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|rc| Some((rc.get("address")?.as_str()?.to_string(), rc.get("change")?.get("after_unknown")?.clone())))
        .collect();
    let key = |k: &str| PathSegment::Key(k.to_string());
    let (Some(root), Some(root_spans)) = (
        doc.value.get("planned_values").and_then(|p| p.get("root_module")),
        doc.spans.child(&key("planned_values")).and_then(|p| p.child(&key("root_module"))),
    ) else {
        return out;
    };
    collect_module(root, root_spans, &unknowns, file, &mut out, 0);
    out
}

fn collect_module(
    module: &Value,
    spans: &SpanNode,
    unknowns: &std::collections::HashMap<String, Value>,
    file: &Arc<SourceFile>,
    out: &mut Vec<Resource>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    let key = |k: &str| PathSegment::Key(k.to_string());
    if let (Some(resources), Some(res_spans)) = (module.get("resources").and_then(Value::as_array), spans.child(&key("resources"))) {
        for (i, r) in resources.iter().enumerate() {
            let (Some(address), Some(rtype)) = (r.get("address").and_then(Value::as_str), r.get("type").and_then(Value::as_str)) else {
                continue;
            };
            let kind = if r.get("mode").and_then(Value::as_str) == Some("data") { format!("data.{rtype}") } else { rtype.to_string() };
            let item_spans = res_spans.child(&PathSegment::Index(i));
            let value_spans = item_spans.and_then(|s| s.child(&key("values"))).cloned().unwrap_or_default();
            let mut values = r.get("values").cloned().unwrap_or(Value::Object(serde_json::Map::new()));
            if let Some(after_unknown) = unknowns.get(address) {
                mark_unknown(&mut values, after_unknown, address, 0);
            }
            let mut resource = Resource {
                platform: Platform::Terraform,
                kind,
                namespace: None,
                name: r.get("name").and_then(Value::as_str).map(str::to_string),
                address: address.to_string(),
                value: values,
                spans: value_spans,
                file: file.clone(),
                call_chain: Vec::new(),
            };
            if let Some(mapped) = super::kubernetes::map_resource(&resource) {
                resource = mapped;
            }
            out.push(resource);
        }
    }
    if let (Some(children), Some(child_spans)) = (module.get("child_modules").and_then(Value::as_array), spans.child(&key("child_modules")))
    {
        for (i, child) in children.iter().enumerate() {
            if let Some(cs) = child_spans.child(&PathSegment::Index(i)) {
                collect_module(child, cs, unknowns, file, out, depth + 1);
            }
        }
    }
}

/// Replaces the parts of `values` that `after_unknown` flags `true` with unknown markers.
fn mark_unknown(values: &mut Value, after_unknown: &Value, address: &str, depth: usize) {
    if depth > 64 {
        return;
    }
    match (values, after_unknown) {
        (Value::Object(map), Value::Object(flags)) => {
            for (k, flag) in flags {
                match flag {
                    Value::Bool(true) => {
                        map.insert(k.clone(), super::functions::unknown(format!("{address}.{k} (known after apply)")));
                    }
                    Value::Object(_) | Value::Array(_) => {
                        if let Some(v) = map.get_mut(k) {
                            mark_unknown(v, flag, address, depth + 1);
                        }
                    }
                    _ => {}
                }
            }
        }
        (Value::Array(items), Value::Array(flags)) => {
            for (item, flag) in items.iter_mut().zip(flags) {
                if *flag == Value::Bool(true) {
                    *item = super::functions::unknown(format!("{address} (known after apply)"));
                } else {
                    mark_unknown(item, flag, address, depth + 1);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AttributePath, is_unknown};
    use crate::parse::{Limits, json};
    use serde_json::json;

    #[test]
    fn plan_resources_with_unknowns_and_spans() {
        let text = r#"{
  "format_version": "1.2",
  "planned_values": {
    "root_module": {
      "resources": [
        {
          "address": "aws_security_group.web",
          "mode": "managed",
          "type": "aws_security_group",
          "name": "web",
          "values": {
            "id": null,
            "ingress": [{"cidr_blocks": ["0.0.0.0/0"], "from_port": 22, "to_port": 22}]
          }
        }
      ],
      "child_modules": [
        {"resources": [{"address": "module.db.aws_db_instance.this", "mode": "managed", "type": "aws_db_instance", "name": "this", "values": {"storage_encrypted": false}}]}
      ]
    }
  },
  "resource_changes": [
    {"address": "aws_security_group.web", "change": {"after_unknown": {"id": true, "ingress": [{}]}}}
  ]
}"#;
        let file = Arc::new(SourceFile::new("plan.json", text.to_string()));
        let parsed = json::parse(text, &Limits::default());
        let doc = &parsed.documents[0];
        assert!(is_plan(&doc.value));
        let rs = resources_from_plan(doc, &file);
        assert_eq!(rs.len(), 2);
        assert!(is_unknown(&rs[0].value["id"]));
        assert_eq!(rs[0].value["ingress"][0]["from_port"], json!(22));
        let (loc, found) = rs[0].locate(&AttributePath::from_json(&json!(["ingress", 0, "cidr_blocks", 0])).unwrap());
        assert!(found);
        assert_eq!(loc.start.line, 13);
        assert_eq!(rs[1].address, "module.db.aws_db_instance.this");
    }
}
