//! TF-0031 `state-bucket-unprotected`: what it does, why and how to fix it are in
//! `rules/terraform/TF-0031-state-bucket-unprotected/metadata.yaml` (`stridegate explain TF-0031`).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{bucket_target, root_unit, split_module_prefix};
use crate::checks::{NativeCheck, Observation, ScanCheck, ScanHit};
use crate::model::{AttributePath, Resource, is_unknown};

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(StateBucketUnprotected))
}

/// TF-0031: the S3 bucket that holds Terraform state (named by a `backend "s3"` block in the
/// scan) without versioning or without a complete public access block.
struct StateBucketUnprotected;

impl ScanCheck for StateBucketUnprotected {
    fn observe(&self, r: &Resource) -> Option<Observation> {
        let (prefix, base) = split_module_prefix(&r.address);
        let prefix = format!("{}|{prefix}", root_unit(r));
        let facts = match r.kind.as_str() {
            "backend.s3" => json!({"role": "backend", "bucket": r.value.get("bucket").and_then(Value::as_str)}),
            "aws_s3_bucket" => {
                let inline_versioning = r.value.get("versioning").and_then(Value::as_array).is_some_and(|v| {
                    v.iter().any(|b| b.get("enabled") == Some(&Value::Bool(true)) || b.get("enabled").is_some_and(is_unknown))
                });
                json!({"role": "bucket", "prefix": prefix, "base": base, "name": r.value.get("bucket").and_then(Value::as_str), "versioned": inline_versioning})
            }
            "aws_s3_bucket_versioning" => {
                let status =
                    r.value.get("versioning_configuration").and_then(Value::as_array).and_then(|v| v.first()).and_then(|c| c.get("status"));
                let enabled = match status {
                    Some(Value::String(s)) => s == "Enabled",
                    Some(v) if is_unknown(v) => true,
                    _ => false,
                };
                json!({"role": "versioning", "prefix": prefix, "target": bucket_target(r.value.get("bucket").unwrap_or(&Value::Null)), "ok": enabled})
            }
            "aws_s3_bucket_public_access_block" => {
                let all = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]
                    .iter()
                    .all(|k| matches!(r.value.get(*k), Some(Value::Bool(true))) || r.value.get(*k).is_some_and(is_unknown));
                json!({"role": "pab", "prefix": prefix, "target": bucket_target(r.value.get("bucket").unwrap_or(&Value::Null)), "ok": all})
            }
            _ => return None,
        };
        Some(Observation::new(r, facts, &[]))
    }

    fn finish(&self, obs: &[Observation], hits: &mut Vec<ScanHit>) {
        let role = |o: &Observation| o.facts["role"].as_str().unwrap_or_default().to_string();
        let state_names: BTreeSet<String> =
            obs.iter().filter(|o| role(o) == "backend").filter_map(|o| o.facts["bucket"].as_str().map(str::to_string)).collect();
        for (i, b) in obs.iter().enumerate().filter(|(_, o)| role(o) == "bucket") {
            let Some(name) = b.facts["name"].as_str() else { continue };
            if !state_names.contains(name) {
                continue;
            }
            let targets = |o: &Observation| match &o.facts["target"] {
                Value::Object(t) => {
                    t.get("name").and_then(Value::as_str) == Some(name)
                        || (o.facts["prefix"] == b.facts["prefix"] && t.get("resource") == Some(&b.facts["base"]))
                }
                _ => false,
            };
            for (kind, message) in [
                ("versioning", "has no versioning: an overwritten or deleted state file cannot be recovered"),
                ("pab", "has no complete public access block (all four settings true)"),
            ] {
                let companions: Vec<&Observation> = obs.iter().filter(|o| role(o) == kind).collect();
                // A companion whose bucket cannot be known may be this bucket's: stay silent.
                if companions.iter().any(|o| o.facts["target"].is_null()) {
                    continue;
                }
                let ok = companions.iter().any(|o| targets(o) && o.facts["ok"] == Value::Bool(true))
                    || (kind == "versioning" && b.facts["versioned"] == Value::Bool(true));
                if !ok {
                    hits.push(ScanHit {
                        observation: i,
                        path: AttributePath::root(),
                        message: format!("Terraform state bucket \"{name}\" {message}"),
                        severity: None,
                        related: Vec::new(),
                    });
                }
            }
        }
    }
}
