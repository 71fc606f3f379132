//! AWS IAM policy documents given as JSON files (policies inside Terraform are extracted by
//! the Terraform frontend).

use std::sync::Arc;

use crate::iam::policy::{DocumentSource, document_resource, is_policy_document};
use crate::model::{Resource, SourceFile};
use crate::parse::Document;

/// Whether a JSON file's text may hold a policy document (cheap test before parsing).
pub fn claims_json(text: &str) -> bool {
    text.contains("\"Statement\"")
}

/// Whether a parsed document is a policy document.
pub fn claims(doc: &Document) -> bool {
    is_policy_document(&doc.value)
}

/// The policy resource of a document [`claims`] accepted.
pub fn resource(doc: Document, file: &Arc<SourceFile>) -> Resource {
    let source =
        DocumentSource { file, address: format!("PolicyDocument/{}", file.path), name: None, policy_type: None, call_chain: Vec::new() };
    document_resource(source, doc.value, doc.spans, None)
}
