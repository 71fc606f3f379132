//! The YAML loader (spans, aliases, merge keys, depth limits), Kubernetes objects built from
//! its documents, and every rule on them.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use stridegate::kubernetes;
use stridegate::model::SourceFile;
use stridegate::parse::{Limits, yaml};
use stridegate_fuzz::{check_span, check_span_tree, evaluate, text};

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    let file = Arc::new(SourceFile::new("fuzz.yaml", text.to_string()));
    let parsed = yaml::parse(&file.text, &file.lines, &Limits::default());
    if let Some(span) = parsed.error.as_ref().and_then(|e| e.span) {
        check_span(span, &file.text, "parse error");
    }
    let mut resources = Vec::new();
    for doc in parsed.documents {
        check_span_tree(&doc.spans, &file.text, "document");
        if kubernetes::is_object(&doc.value) {
            resources.extend(kubernetes::resources_from_document(doc, &file));
        }
    }
    evaluate(&resources, &file);
});
