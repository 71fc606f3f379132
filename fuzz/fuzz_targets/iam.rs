//! IAM policy documents from JSON: the strict JSON parser, classification, the `$context`
//! normalisation (action patterns against the catalogue) and every IAM rule.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use stridegate::iam::policy::{self, DocumentSource};
use stridegate::model::SourceFile;
use stridegate::parse::{Limits, json};
use stridegate_fuzz::{check_span, check_span_tree, evaluate, text};

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    let file = Arc::new(SourceFile::new("policy.json", text.to_string()));
    let parsed = json::parse(&file.text, &Limits::default());
    if let Some(span) = parsed.error.as_ref().and_then(|e| e.span) {
        check_span(span, &file.text, "parse error");
    }
    let mut resources = Vec::new();
    for doc in parsed.documents {
        check_span_tree(&doc.spans, &file.text, "document");
        // Whatever the scanner's content sniffing says, normalise every object: the context
        // must cope with any shape (statements that are not objects, actions that are not
        // strings, patterns that are not valid globs).
        let source = DocumentSource {
            file: &file,
            address: "PolicyDocument/policy.json".to_string(),
            name: None,
            policy_type: None,
            call_chain: Vec::new(),
        };
        let _ = policy::is_policy_document(&doc.value);
        resources.push(policy::document_resource(source, doc.value, doc.spans, None));
    }
    evaluate(&resources, &file);
});
