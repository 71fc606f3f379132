//! [`BucketSetting`]: an S3 bucket setting configured inline or by a companion resource
//! (`aws_s3_bucket_versioning`, `aws_s3_bucket_logging`); shared by TF-0046 and TF-0047.

use std::collections::BTreeSet;

use regex::Regex;
use serde_json::{Value, json};

use super::{bucket_target, root_unit, split_module_prefix};
use crate::checks::{Observation, ScanCheck, ScanHit};
use crate::model::{AttributePath, Resource, is_unknown};

/// Which bucket setting a [`BucketSetting`] rule requires.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Setting {
    /// Versioning enabled (`aws_s3_bucket_versioning` with status `Enabled`, or an inline
    /// `versioning { enabled = true }`).
    Versioning,
    /// Server access logging (`aws_s3_bucket_logging`, or an inline `logging` block).
    Logging,
}

/// An S3 bucket setting that may be configured inline or by a companion resource naming the
/// bucket. A companion whose bucket cannot be known may be any bucket's of its root module: the
/// buckets of that root module are then not reported.
pub(super) struct BucketSetting {
    setting: Setting,
    /// Log buckets (by name) are not required to log their own access.
    log_bucket_name: Option<Regex>,
}

impl BucketSetting {
    pub(super) fn versioning() -> Self {
        Self { setting: Setting::Versioning, log_bucket_name: None }
    }

    pub(super) fn logging() -> Self {
        Self { setting: Setting::Logging, log_bucket_name: Regex::new(r"(?i)(^|[-_.]|flow|access|trail|audit)logs?([-_.]|$)|logging").ok() }
    }

    /// The companion resource type.
    fn companion(&self) -> &'static str {
        match self.setting {
            Setting::Versioning => "aws_s3_bucket_versioning",
            Setting::Logging => "aws_s3_bucket_logging",
        }
    }
}

/// The first block `name` of `v`, if it is a non-empty list of objects (or an object).
fn first_block<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    match v.get(name)? {
        Value::Array(items) => items.first().filter(|b| b.is_object()),
        b @ Value::Object(_) if !is_unknown(b) => Some(b),
        _ => None,
    }
}

impl ScanCheck for BucketSetting {
    fn observe(&self, r: &Resource) -> Option<Observation> {
        let (prefix, base) = split_module_prefix(&r.address);
        let unit = root_unit(r);
        let prefix = format!("{unit}|{prefix}");
        let mut paths = Vec::new();
        let facts = match r.kind.as_str() {
            "aws_s3_bucket" => {
                let name = r.value.get("bucket").and_then(Value::as_str);
                // inline: "ok", "off" (written and disabled) or null (not written / unknown).
                let inline = match self.setting {
                    Setting::Versioning => first_block(&r.value, "versioning").map(|b| match b.get("enabled") {
                        Some(Value::Bool(true)) => "ok",
                        Some(v) if is_unknown(v) => "ok",
                        _ => "off",
                    }),
                    Setting::Logging => match r.value.get("logging") {
                        Some(v) if is_unknown(v) => Some("ok"),
                        _ => first_block(&r.value, "logging").map(|_| "ok"),
                    },
                };
                if inline == Some("off") {
                    paths.push(AttributePath::root().key("versioning").index(0).key("enabled"));
                }
                // The bucket's name (or, when it cannot be known, the expression that makes it:
                // `logs-${random_pet.this.id}`), the resource's name, or a module call's name.
                let name_text = match r.value.get("bucket") {
                    Some(Value::String(s)) => s.as_str(),
                    Some(v) => v.get(crate::model::UNKNOWN_KEY).and_then(Value::as_str).unwrap_or_default(),
                    None => "",
                };
                let (module_prefix, _) = split_module_prefix(&r.address);
                let log_named = self.log_bucket_name.as_ref().is_some_and(|re| {
                    [name_text, r.name.as_deref().unwrap_or_default(), module_prefix.as_str()].iter().any(|t| re.is_match(t))
                });
                let log_acl = r.value.get("acl").and_then(Value::as_str) == Some("log-delivery-write");
                // An inline logging block names the bucket that receives the logs.
                let inline_target = first_block(&r.value, "logging").and_then(|b| b.get("target_bucket")).and_then(bucket_target);
                json!({
                    "role": "bucket", "unit": unit, "prefix": prefix, "base": base, "name": name,
                    "inline": inline, "log_bucket": log_named || log_acl, "log_target": inline_target,
                })
            }
            k if k == self.companion() => {
                let ok = match self.setting {
                    Setting::Versioning => {
                        let status = first_block(&r.value, "versioning_configuration").and_then(|c| c.get("status"));
                        match status {
                            Some(Value::String(s)) => s == "Enabled",
                            Some(v) => is_unknown(v),
                            None => false,
                        }
                    }
                    Setting::Logging => true,
                };
                let target = r.value.get("bucket").and_then(bucket_target);
                let log_target = r.value.get("target_bucket").and_then(bucket_target);
                json!({"role": "companion", "unit": unit, "prefix": prefix, "target": target, "ok": ok, "log_target": log_target})
            }
            _ => return None,
        };
        Some(Observation::new(r, facts, &paths))
    }

    fn finish(&self, obs: &[Observation], hits: &mut Vec<ScanHit>) {
        let role = |o: &Observation| o.facts["role"].as_str().unwrap_or_default().to_string();
        // Root modules where some companion names a bucket that cannot be known.
        let blind_units: BTreeSet<&str> =
            obs.iter().filter(|o| role(o) == "companion" && o.facts["target"].is_null()).filter_map(|o| o.facts["unit"].as_str()).collect();
        // Does target (a bucket_target value) name bucket b?
        let names = |target: &Value, o: &Observation, b: &Observation| match target {
            Value::Object(t) => {
                (t.get("name").and_then(Value::as_str).is_some() && t.get("name") == Some(&b.facts["name"]))
                    || (o.facts["prefix"] == b.facts["prefix"] && t.get("resource") == Some(&b.facts["base"]))
            }
            _ => false,
        };
        let mut seen = BTreeSet::new();
        for (i, b) in obs.iter().enumerate().filter(|(_, o)| role(o) == "bucket") {
            if b.facts["unit"].as_str().is_some_and(|u| blind_units.contains(u)) || b.facts["inline"] == "ok" {
                continue;
            }
            if obs.iter().any(|o| role(o) == "companion" && o.facts["ok"] == Value::Bool(true) && names(&o.facts["target"], o, b)) {
                continue;
            }
            if self.setting == Setting::Logging
                && (b.facts["log_bucket"] == Value::Bool(true) || obs.iter().any(|o| names(&o.facts["log_target"], o, b)))
            {
                continue;
            }
            if !seen.insert(format!("{}{}", b.facts["prefix"].as_str().unwrap_or_default(), b.address)) {
                continue;
            }
            let (path, message) = match (self.setting, b.facts["inline"].as_str()) {
                (Setting::Versioning, Some("off")) => (
                    AttributePath::root().key("versioning").index(0).key("enabled"),
                    format!("bucket {} has versioning disabled: an overwritten or deleted object cannot be recovered", b.address),
                ),
                (Setting::Versioning, _) => (
                    AttributePath::root(),
                    format!(
                        "bucket {} has no versioning (no aws_s3_bucket_versioning with status Enabled): an overwritten or deleted object cannot be recovered",
                        b.address
                    ),
                ),
                (Setting::Logging, _) => (
                    AttributePath::root(),
                    format!("bucket {} has no server access logging (no aws_s3_bucket_logging or logging block)", b.address),
                ),
            };
            hits.push(ScanHit { observation: i, path, message, severity: None, related: Vec::new() });
        }
    }
}
