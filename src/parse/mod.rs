//! Parsers that keep exact source spans.
//!
//! Each parser turns text into [`Document`]s: a [`serde_json::Value`] plus a [`SpanNode`] tree
//! with a byte span for every key and value. Parsers are defensive: they bound nesting depth
//! and alias expansion, and report problems as [`ParseError`] with a position instead of
//! panicking or allocating without limit.

pub mod json;
pub mod yaml;

use serde_json::Value;

use crate::model::SpanNode;
use crate::source::ByteSpan;

/// One document of a file (YAML files may hold many, separated by `---`).
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based index of the document in its file.
    pub index: usize,
    /// The value tree.
    pub value: Value,
    /// Where each part of the value was written.
    pub spans: SpanNode,
}

/// Resource limits applied while parsing untrusted input.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest allowed nesting of mappings/sequences.
    pub max_depth: usize,
    /// Most nodes that alias expansion may add to one document (YAML anchors are per document),
    /// beyond this floor...
    pub max_alias_nodes_floor: usize,
    /// ...or this multiple of the nodes written in the document, whichever is larger.
    pub max_alias_nodes_factor: usize,
    /// Most nodes alias expansion may add to a whole file, beyond the same multiple of the nodes
    /// written in the file: each document of a many-document file may use its own budget, but
    /// many small bombs together cannot exhaust memory.
    pub max_alias_nodes_file_floor: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_depth: 256, max_alias_nodes_floor: 100_000, max_alias_nodes_factor: 10, max_alias_nodes_file_floor: 5_000_000 }
    }
}

/// Why a file could not be parsed (completely).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
pub struct ParseError {
    /// What went wrong, in lowercase, without a final period.
    pub message: String,
    /// Where, when known.
    pub span: Option<ByteSpan>,
}

impl ParseError {
    /// An error at `span`.
    pub fn at(message: impl Into<String>, span: ByteSpan) -> Self {
        Self { message: message.into(), span: Some(span) }
    }
}

/// The outcome of parsing one file: the documents read before any error, and the error.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Documents parsed successfully (for YAML: those before the first error).
    pub documents: Vec<Document>,
    /// The first error, if any.
    pub error: Option<ParseError>,
}
