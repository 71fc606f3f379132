//! YAML with spans on every key and value.
//!
//! We drive saphyr's event parser ourselves instead of using a ready-made tree because a linter
//! needs three things no tree loader gives together: byte spans for keys *and* values, bounded
//! alias expansion (a "billion laughs" file must be an error, not an out-of-memory kill), and a
//! bounded nesting depth (so that building, converting and dropping trees never overflows the
//! stack). Merge keys (`<<: *base`) are applied as YAML 1.1 specifies, since Kubernetes users
//! rely on them.
//!
//! Scalars resolve like Kubernetes' own YAML reader (go-yaml v2 via sigs.k8s.io/yaml): the YAML
//! 1.2 core schema plus the 1.1 booleans `yes`/`no`/`on`/`off`, so that `privileged: yes` is
//! seen as the `true` the cluster will apply.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, Tag};
use serde_json::{Map, Number, Value};

use super::{Document, Limits, ParseError, Parsed};
use crate::model::{SpanChildren, SpanNode};
use crate::source::{ByteSpan, LineIndex};

/// Parses every document of a YAML stream. Documents that parsed before an error are kept.
pub fn parse(text: &str, lines: &LineIndex, limits: &Limits) -> Parsed {
    let mut builder = Builder {
        text,
        lines,
        ascii: text.is_ascii(),
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        documents: Vec::new(),
        doc_index: 0,
        written_nodes: 0,
        alias_nodes: 0,
        doc_written_nodes: 0,
        doc_alias_nodes: 0,
        current_root: None,
    };
    let mut parser = Parser::new_from_str(text);
    let error = loop {
        match parser.next_event() {
            None => break None,
            Some(Err(e)) => break Some(builder.scan_error(&e)),
            Some(Ok((event, span))) => match builder.event(event, span) {
                Ok(true) => {}
                Ok(false) => break None,
                Err(e) => break Some(e),
            },
        }
    };
    Parsed { documents: builder.documents, error }
}

struct Node {
    value: Value,
    spans: SpanNode,
}

enum Frame {
    Seq { anchor: usize, start: usize, items: Vec<Value>, spans: Vec<SpanNode> },
    Map { anchor: usize, start: usize, entries: Vec<(String, ByteSpan, Node)>, pending_key: Option<(String, ByteSpan)> },
}

struct Builder<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    ascii: bool,
    limits: &'a Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, SpanNode, usize)>,
    documents: Vec<Document>,
    doc_index: usize,
    /// Nodes written and added by aliases in the whole file...
    written_nodes: usize,
    alias_nodes: usize,
    /// ...and in the current document (alias budgets are per document: anchors are too).
    doc_written_nodes: usize,
    doc_alias_nodes: usize,
    current_root: Option<Node>,
}

impl Builder<'_> {
    fn byte(&self, m: &Marker) -> usize {
        if self.ascii { m.index().min(self.text.len()) } else { self.lines.offset_of(self.text, m.line(), m.col()) }
    }

    fn span(&self, s: &Span) -> ByteSpan {
        ByteSpan::new(self.byte(&s.start), self.byte(&s.end))
    }

    fn scan_error(&self, e: &ScanError) -> ParseError {
        let at = self.byte(e.marker());
        ParseError::at(format!("invalid YAML: {}", e.info()), ByteSpan::new(at, at))
    }

    /// Handles one event. `Ok(false)` ends the stream.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<bool, ParseError> {
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => return Ok(false),
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.current_root = None;
                self.doc_written_nodes = 0;
                self.doc_alias_nodes = 0;
            }
            Event::DocumentEnd => {
                if let Some(root) = self.current_root.take()
                    && !root.value.is_null()
                {
                    self.documents.push(Document { index: self.doc_index, value: root.value, spans: root.spans });
                }
                self.doc_index += 1;
            }
            Event::Alias(id) => {
                let at = self.span(&span);
                let Some((value, spans, count)) = self.anchors.get(&id) else {
                    return Err(ParseError::at("invalid YAML: alias refers to an unknown anchor", at));
                };
                let count = *count;
                self.alias_nodes = self.alias_nodes.saturating_add(count);
                self.doc_alias_nodes = self.doc_alias_nodes.saturating_add(count);
                let factor = self.limits.max_alias_nodes_factor;
                let budget = self.limits.max_alias_nodes_floor.max(self.doc_written_nodes.saturating_mul(factor));
                if self.doc_alias_nodes > budget {
                    return Err(ParseError::at(
                        format!("alias expansion exceeds the limit of {budget} nodes in one document (a \"billion laughs\" document?)"),
                        at,
                    ));
                }
                let file_budget = self.limits.max_alias_nodes_file_floor.max(self.written_nodes.saturating_mul(factor));
                if self.alias_nodes > file_budget {
                    return Err(ParseError::at(
                        format!("alias expansion exceeds the limit of {file_budget} nodes in one file (many documents expanding aliases)"),
                        at,
                    ));
                }
                let node = Node { value: value.clone(), spans: spans.clone() };
                self.attach(node, 0, count, at)?;
            }
            Event::Scalar(raw, style, anchor, tag) => {
                let at = self.span(&span);
                let value = resolve_scalar(&raw, style, tag.as_deref());
                self.count_written();
                let node = Node { value, spans: SpanNode { origin: None, span: at, key: None, children: SpanChildren::Leaf } };
                self.attach(node, anchor, 1, at)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(&span)?;
                let start = self.byte(&span.start);
                self.stack.push(Frame::Seq { anchor, start, items: Vec::new(), spans: Vec::new() });
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(&span)?;
                let start = self.byte(&span.start);
                self.stack.push(Frame::Map { anchor, start, entries: Vec::new(), pending_key: None });
            }
            Event::SequenceEnd => {
                let end = self.byte(&span.end);
                if let Some(Frame::Seq { anchor, start, items, spans }) = self.stack.pop() {
                    self.count_written();
                    let count = 1 + spans.iter().map(count_nodes).sum::<usize>();
                    let at = ByteSpan::new(start, end.max(start));
                    let node = Node {
                        value: Value::Array(items),
                        spans: SpanNode { origin: None, span: at, key: None, children: SpanChildren::Seq(spans) },
                    };
                    self.attach(node, anchor, count, at)?;
                }
            }
            Event::MappingEnd => {
                let end = self.byte(&span.end);
                if let Some(Frame::Map { anchor, start, entries, .. }) = self.stack.pop() {
                    self.count_written();
                    let at = ByteSpan::new(start, end.max(start));
                    let node = build_mapping(entries, at);
                    let count = count_nodes(&node.spans);
                    self.attach(node, anchor, count, at)?;
                }
            }
        }
        Ok(true)
    }

    fn count_written(&mut self) {
        self.written_nodes += 1;
        self.doc_written_nodes += 1;
    }

    fn check_depth(&self, span: &Span) -> Result<(), ParseError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(ParseError::at(format!("nesting deeper than {} levels", self.limits.max_depth), self.span(span)));
        }
        Ok(())
    }

    /// Attaches a finished node to its parent (or makes it the document root).
    fn attach(&mut self, node: Node, anchor: usize, count: usize, at: ByteSpan) -> Result<(), ParseError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.value.clone(), node.spans.clone(), count));
        }
        match self.stack.last_mut() {
            None => self.current_root = Some(node),
            Some(Frame::Seq { items, spans, .. }) => {
                items.push(node.value);
                spans.push(node.spans);
            }
            Some(Frame::Map { entries, pending_key, .. }) => match pending_key.take() {
                None => *pending_key = Some((key_string(&node.value), at)),
                Some((key, key_span)) => entries.push((key, key_span, node)),
            },
        }
        Ok(())
    }
}

/// Builds a mapping, applying merge keys: explicit keys win over merged ones, and earlier
/// merge sources win over later ones.
fn build_mapping(entries: Vec<(String, ByteSpan, Node)>, at: ByteSpan) -> Node {
    let mut map = Map::new();
    let mut spans: Vec<(String, SpanNode)> = Vec::with_capacity(entries.len());
    let mut merges: Vec<Node> = Vec::new();
    for (key, key_span, node) in entries {
        if key == "<<" && matches!(node.value, Value::Object(_) | Value::Array(_)) {
            merges.push(node);
            continue;
        }
        let mut child = node.spans;
        child.key = Some(key_span);
        if map.insert(key.clone(), node.value).is_some() {
            spans.retain(|(k, _)| *k != key);
        }
        spans.push((key, child));
    }
    for merge in merges {
        let sources: Vec<(Value, SpanNode)> = match (merge.value, merge.spans.children) {
            (Value::Object(m), children) => {
                vec![(Value::Object(m), SpanNode { origin: None, span: merge.spans.span, key: None, children })]
            }
            (Value::Array(items), SpanChildren::Seq(item_spans)) => items.into_iter().zip(item_spans).collect(),
            _ => Vec::new(),
        };
        for (value, source_spans) in sources {
            let (Value::Object(src), SpanChildren::Map(src_spans)) = (value, source_spans.children) else { continue };
            for (k, v) in src {
                if map.contains_key(&k) {
                    continue;
                }
                if let Some((_, s)) = src_spans.iter().rev().find(|(name, _)| *name == k) {
                    spans.push((k.clone(), s.clone()));
                }
                map.insert(k, v);
            }
        }
    }
    Node { value: Value::Object(map), spans: SpanNode { origin: None, span: at, key: None, children: SpanChildren::Map(spans) } }
}

fn count_nodes(n: &SpanNode) -> usize {
    // Depth is bounded by `Limits::max_depth`, so recursion is safe here.
    1 + match &n.children {
        SpanChildren::Leaf => 0,
        SpanChildren::Seq(items) => items.iter().map(count_nodes).sum(),
        SpanChildren::Map(entries) => entries.iter().map(|(_, c)| count_nodes(c)).sum(),
    }
}

fn key_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

fn resolve_scalar(raw: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag
        && (tag.is_yaml_core_schema() || tag.handle == "!!")
    {
        match tag.suffix.as_str() {
            "str" | "binary" | "timestamp" => return Value::String(raw.to_string()),
            "bool" | "int" | "float" | "null" => return resolve_plain(raw),
            _ => {}
        }
    }
    match style {
        ScalarStyle::Plain => resolve_plain(raw),
        _ => Value::String(raw.to_string()),
    }
}

fn resolve_plain(raw: &str) -> Value {
    match raw {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Value::Bool(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Value::Bool(false),
        _ => {}
    }
    let first = raw.as_bytes().first().copied().unwrap_or(b'x');
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Value::String(raw.to_string());
    }
    if let Some(hex) = raw.strip_prefix("0x")
        && let Ok(n) = i64::from_str_radix(hex, 16)
    {
        return Value::Number(n.into());
    }
    if let Some(oct) = raw.strip_prefix("0o")
        && let Ok(n) = i64::from_str_radix(oct, 8)
    {
        return Value::Number(n.into());
    }
    let digits = raw.strip_prefix(['-', '+']).unwrap_or(raw);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = raw.trim_start_matches('+').parse::<i64>() {
            return Value::Number(n.into());
        }
        if let Ok(n) = raw.trim_start_matches('+').parse::<u64>() {
            return Value::Number(n.into());
        }
    }
    if is_float(raw)
        && let Some(n) = raw.parse::<f64>().ok().and_then(Number::from_f64)
    {
        return Value::Number(n);
    }
    Value::String(raw.to_string())
}

/// YAML 1.2 core schema float (finite forms only; `.inf`/`.nan` stay strings since JSON
/// cannot hold them).
fn is_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int) && frac.is_none_or(digits) && !(int.is_empty() && frac.is_none_or(str::is_empty));
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exp_ok && (frac.is_some() || exp.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AttributePath, PathSegment};
    use serde_json::json;

    fn parse_str(text: &str) -> Parsed {
        parse(text, &LineIndex::new(text), &Limits::default())
    }

    #[test]
    fn multi_document_with_spans() {
        let text = "a: 1\n---\nkind: Pod\nspec:\n  containers:\n  - name: x\n    image: y\n";
        let parsed = parse_str(text);
        assert!(parsed.error.is_none());
        assert_eq!(parsed.documents.len(), 2);
        let doc = &parsed.documents[1];
        assert_eq!(doc.index, 1);
        assert_eq!(doc.value, json!({"kind": "Pod", "spec": {"containers": [{"name": "x", "image": "y"}]}}));
        let path = AttributePath(vec![
            PathSegment::Key("spec".into()),
            PathSegment::Key("containers".into()),
            PathSegment::Index(0),
            PathSegment::Key("image".into()),
        ]);
        let (node, matched) = doc.spans.resolve(&path);
        assert_eq!(matched, 4);
        let lines = LineIndex::new(text);
        assert_eq!(lines.position(text, node.key.unwrap().start).line, 7);
        assert_eq!(&text[node.highlight().start..node.highlight().end], "image: y");
    }

    #[test]
    fn scalars_resolve_like_kubernetes() {
        let parsed = parse_str("a: yes\nb: 'yes'\nc: 010\nd: 1.5\ne: ~\nf: 0x1F\ng: 1e3\nh: .inf\ni: \"1\"\nj: !!str 5\n");
        assert_eq!(
            parsed.documents[0].value,
            json!({"a": true, "b": "yes", "c": 10, "d": 1.5, "e": null, "f": 31, "g": 1000.0, "h": ".inf", "i": "1", "j": "5"})
        );
    }

    #[test]
    fn merge_keys_and_aliases() {
        let parsed = parse_str("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n");
        assert_eq!(parsed.documents[0].value["derived"], json!({"x": 1, "y": 3}));
    }

    #[test]
    fn billion_laughs_is_an_error() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let parsed = parse_str(&text);
        let err = parsed.error.expect("must fail");
        assert!(err.message.contains("alias expansion"), "{}", err.message);
    }

    #[test]
    fn alias_budget_is_per_document() {
        // Each document expands ~16 aliased nodes per node it writes (more than the factor of
        // 10) but stays far below the per-document floor: 3,000 of them are legitimate, although
        // together they expand past what a file-wide floor of 100,000 nodes would allow.
        let doc = "kind: ConfigMap\ndata:\n  base: &b [a, b, c, d, e, f, g, h, i, j]\n  list: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
        let text = vec![doc; 3000].join("---\n");
        let parsed = parse_str(&text);
        assert!(parsed.error.is_none(), "{:?}", parsed.error);
        assert_eq!(parsed.documents.len(), 3000);
        assert_eq!(parsed.documents[2999].value["data"]["list"].as_array().map(Vec::len), Some(25));
    }

    #[test]
    fn a_bomb_after_many_documents_fails_at_its_alias() {
        let mut text = "a: 1\n---\n".repeat(500);
        let before = text.len();
        text.push_str("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let parsed = parse_str(&text);
        let err = parsed.error.expect("must fail");
        assert!(err.message.contains("in one document"), "{}", err.message);
        let at = err.span.expect("position").start;
        assert!(at > before && text[at..].starts_with('*'), "error at {at}: {:?}", &text[at..(at + 10).min(text.len())]);
        assert_eq!(parsed.documents.len(), 500);
    }

    #[test]
    fn many_small_bombs_hit_the_file_budget() {
        let limits = Limits { max_alias_nodes_floor: 1_000, max_alias_nodes_file_floor: 20_000, ..Limits::default() };
        let doc =
            "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]\n";
        let text = vec![doc; 100].join("---\n");
        let parsed = parse(&text, &LineIndex::new(&text), &limits);
        let err = parsed.error.expect("must fail");
        assert!(err.message.contains("in one file"), "{}", err.message);
        assert!(parsed.documents.len() < 100 && !parsed.documents.is_empty());
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let text = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        let parsed = parse_str(&text);
        let msg = parsed.error.expect("must fail").message;
        assert!(msg.contains("nesting deeper") || msg.contains("recursion"), "{msg}");
    }

    #[test]
    fn syntax_error_keeps_earlier_documents() {
        let parsed = parse_str("a: 1\n---\nb: [1, 2\n");
        assert_eq!(parsed.documents.len(), 1);
        let err = parsed.error.unwrap();
        assert!(err.message.starts_with("invalid YAML"), "{}", err.message);
        assert!(err.span.is_some());
    }
}
