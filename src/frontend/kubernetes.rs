//! Kubernetes manifests: which JSON files hold objects, and objects from parsed documents (the
//! object model itself lives in [`crate::kubernetes`]).

use std::sync::Arc;

use crate::model::{Resource, SourceFile};
use crate::parse::Document;

/// Whether a JSON file's text may hold Kubernetes objects (cheap test before parsing).
pub fn claims_json(text: &str) -> bool {
    text.contains("\"apiVersion\"") && text.contains("\"kind\"")
}

/// Whether a parsed document is a Kubernetes object (or a `List` of them).
pub fn claims(doc: &Document) -> bool {
    crate::kubernetes::is_object(&doc.value)
}

/// The objects of a document [`claims`] accepted.
pub fn resources(doc: Document, file: &Arc<SourceFile>) -> Vec<Resource> {
    crate::kubernetes::resources_from_document(doc, file)
}
