//! YAML and JSON files, one unit each: every document goes to the input that claims it
//! (a Terraform plan, Kubernetes objects, an IAM policy document).

use crate::discover::{Candidate, FileClass};
use crate::model::Resource;
use crate::parse::{Parsed, json, yaml};
use crate::scan::report::{FileRecord, Outcome, SkipReason};

use super::read::{failed, read_source, skipped};
use super::{Built, Context};

/// Reads and parses one file and builds its resources.
pub fn build(candidate: &Candidate, ctx: &Context<'_>) -> Built {
    let options = ctx.options;
    match &candidate.class {
        FileClass::HelmChart { chart } => {
            return Built { records: vec![skipped(candidate, SkipReason::HelmChart { chart: chart.clone() })], ..Built::default() };
        }
        // Terraform files are claimed by the Terraform frontend, per module directory.
        FileClass::Terraform => {
            return Built {
                records: vec![failed(candidate, "Terraform file outside a module (internal error)", None)],
                ..Built::default()
            };
        }
        FileClass::Yaml | FileClass::Json => {}
    }
    let (file, size) = match read_source(candidate, options) {
        Ok(x) => x,
        Err(e) => {
            let (record, bytes) = *e;
            return Built { records: vec![record], bytes, ..Built::default() };
        }
    };
    let is_json = candidate.class == FileClass::Json;
    if is_json
        && !super::kubernetes::claims_json(&file.text)
        && !super::iam::claims_json(&file.text)
        && !super::terraform::claims_plan_json(&file.text)
    {
        return Built { records: vec![skipped(candidate, SkipReason::NotInfrastructure)], bytes: size, ..Built::default() };
    }
    let parsed: Parsed =
        if is_json { json::parse(&file.text, &options.limits) } else { yaml::parse(&file.text, &file.lines, &options.limits) };
    let mut resources: Vec<Resource> = Vec::new();
    for doc in parsed.documents {
        if is_json && let Some(planned) = super::terraform::plan_resources(&doc, &file) {
            resources.extend(planned);
            continue;
        }
        if super::kubernetes::claims(&doc) {
            resources.extend(super::kubernetes::resources(doc, &file));
        } else if is_json && super::iam::claims(&doc) {
            resources.push(super::iam::resource(doc, &file));
        }
    }
    let record = match parsed.error {
        Some(err) => {
            let location = err.span.map(|s| file.location(s));
            FileRecord {
                path: candidate.display.clone(),
                outcome: Outcome::Failed { message: err.message, location, resources: resources.len() },
            }
        }
        None if resources.is_empty() => skipped(candidate, SkipReason::NotInfrastructure),
        None => FileRecord { path: candidate.display.clone(), outcome: Outcome::Analyzed { resources: resources.len() } },
    };
    Built { records: vec![record], resources, bytes: size, not_analyzed: Vec::new() }
}
