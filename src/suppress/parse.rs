//! Parsing suppression directives: `stridegate:ignore RULES reason="..." until=YYYY-MM-DD` in
//! comments (HCL `#`, `//`, one-line `/* */`; YAML `#`; Helm `{{/* */}}`), and the entries of
//! the `stridegate.dev/ignore` annotation.
//!
//! Peer tools' comments ([`peer_comments`]: Checkov's `checkov:skip=ID:reason`, Trivy's and
//! tfsec's `trivy:ignore:ID[:exp:YYYY-MM-DD]`) parse into the same directives, their rule being
//! the peer id with its tool (`checkov:CKV_AWS_19`), which no stridegate directive can be (a
//! rule word has no `:`); `suppress::apply` maps them onto the rules that mirror them.
//!
//! Parsing never fails as a whole: a malformed directive is returned as an error string so it
//! can be reported with its position, and nothing here can panic or loop on any input.

/// The marker that starts an inline directive.
pub const MARKER: &str = "stridegate:ignore";

/// A directive's parts, as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Parsed {
    /// Rule ids or names, in order.
    pub rules: Vec<String>,
    /// The justification (`reason=`), trimmed; `None` when absent or blank.
    pub reason: Option<String>,
    /// The expiry as written (`until=`) and in days since 1970-01-01.
    pub until: Option<(String, i64)>,
}

/// A directive found in a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentDirective {
    /// 1-based line of the comment.
    pub line: usize,
    /// 1-based column (in characters) of the marker.
    pub column: usize,
    /// The line the directive applies to: its own line for a trailing comment, else the next
    /// line that is not a comment or a YAML document marker (`None` when there is none).
    pub target: Option<usize>,
    /// The directive, or why it is malformed.
    pub parsed: Result<Parsed, String>,
}

/// How a comment opener ends the directive.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    /// At the end of the line (`#`, `//`).
    Line,
    /// At `*/` (`/* */`, Helm `{{/* */}}`), or the end of the line.
    Block,
}

/// For each line index, the 1-based number of the first line at or after it that is not
/// skippable (one backward pass, so a file of a million comment lines costs a million steps,
/// not a trillion).
fn next_code_lines(lines: &[&str]) -> Vec<Option<usize>> {
    let mut next_code: Vec<Option<usize>> = vec![None; lines.len() + 1];
    let mut next = None;
    for (i, line) in lines.iter().enumerate().rev() {
        if !is_skippable(line) {
            next = Some(i + 1);
        }
        if let Some(slot) = next_code.get_mut(i) {
            *slot = next;
        }
    }
    next_code
}

/// Every directive in `text`. Cheap on files without the marker (one substring search).
pub fn comments(text: &str) -> Vec<CommentDirective> {
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let lines: Vec<&str> = text.lines().collect();
    let next_code = next_code_lines(&lines);
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(pos) = directive_start(line) else { continue };
        let Some((end, standalone)) = opener(&line[..pos]) else { continue };
        let body = &line[pos + MARKER.len()..];
        let parsed = parse_entry(body, end == End::Block).map(|(p, _)| p);
        let target = if standalone { next_code.get(i + 1).copied().flatten() } else { Some(i + 1) };
        out.push(CommentDirective { line: i + 1, column: line[..pos].chars().count() + 1, target, parsed });
    }
    out
}

/// The markers of the peer tools' suppression comments, with the tool named in `mirrors`.
pub const PEER_MARKERS: &[(&str, &str)] =
    &[("checkov:skip=", "checkov"), ("bridgecrew:skip=", "checkov"), ("trivy:ignore:", "trivy"), ("tfsec:ignore:", "tfsec")];

/// The peer tool of a rule as written in a directive (`checkov` for `checkov:CKV_AWS_19`), or
/// `None` for a stridegate rule id or name.
pub fn peer_tool(rule: &str) -> Option<&str> {
    rule.split_once(':').map(|(tool, _)| tool)
}

/// True when `parsed` came from a peer comment ([`peer_comments`]): its rules carry their tool,
/// and its errors start with the quoted marker.
pub fn is_peer(parsed: &Result<Parsed, String>) -> bool {
    match parsed {
        Ok(p) => p.rules.iter().any(|r| peer_tool(r).is_some()),
        Err(e) => PEER_MARKERS.iter().any(|(m, _)| e.strip_prefix('`').is_some_and(|e| e.starts_with(m))),
    }
}

/// Every peer suppression comment in `text`: `# checkov:skip=CKV_AWS_19:reason` (one check, the
/// reason after the `:`), `#trivy:ignore:AVD-AWS-0088` and `#tfsec:ignore:ID` (no reason; an
/// optional `:exp:YYYY-MM-DD` becomes the expiry; several may share a comment). Targets are
/// computed as for [`comments`]. Cheap on files without a marker (two substring searches).
pub fn peer_comments(text: &str) -> Vec<CommentDirective> {
    // Two searches cover the four markers.
    if !(text.contains(":skip=") || text.contains(":ignore:")) {
        return Vec::new();
    }
    let lines: Vec<&str> = text.lines().collect();
    let next_code = next_code_lines(&lines);
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        // The first marker that starts a comment; later ones on the line belong to it.
        let mut first: Option<(usize, &str, &str)> = None;
        for (marker, tool) in PEER_MARKERS {
            let mut from = 0;
            while let Some(found) = line.get(from..).and_then(|rest| rest.find(marker)) {
                let at = from + found;
                if opener(&line[..at]).is_some() {
                    if first.is_none_or(|(f, _, _)| at < f) {
                        first = Some((at, marker, tool));
                    }
                    break;
                }
                from = at + marker.len();
            }
        }
        let Some((pos, marker, tool)) = first else { continue };
        let Some((end, standalone)) = opener(&line[..pos]) else { continue };
        let mut body = &line[pos..];
        if end == End::Block
            && let Some(close) = body.find("*/")
        {
            body = &body[..close];
        }
        let target = if standalone { next_code.get(i + 1).copied().flatten() } else { Some(i + 1) };
        let column = line[..pos].chars().count() + 1;
        let parsed: Vec<Result<Parsed, String>> = if tool == "checkov" {
            vec![checkov(&body[marker.len()..])]
        } else {
            // Several `trivy:ignore:` rules may share a comment, separated by spaces (and `#`).
            body.split(|c: char| c.is_whitespace() || c == '#')
                .filter_map(|word| word.strip_prefix(marker))
                .map(|rest| trivy(tool, rest))
                .collect()
        };
        for parsed in parsed {
            out.push(CommentDirective { line: i + 1, column, target, parsed });
        }
    }
    out
}

/// `CKV_AWS_19: reason` (after `checkov:skip=`): Checkov reads one check id of letters, digits
/// and `_`, then an optional `:` and the reason to the end of the comment.
fn checkov(rest: &str) -> Result<Parsed, String> {
    let rest = rest.trim_start_matches([' ', '\t']);
    let n = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    let id = &rest[..n];
    if id.is_empty() {
        return Err("`checkov:skip=` needs the check id it skips (`checkov:skip=CKV_AWS_19: reason`)".to_string());
    }
    let reason = rest[n..].trim_start().strip_prefix(':').map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
    Ok(Parsed { rules: vec![format!("checkov:{id}")], reason, until: None })
}

/// `AVD-AWS-0088[:exp:2025-01-31]` (after `trivy:ignore:` or `tfsec:ignore:`). Trivy's
/// wildcard (`*`), rule parameters (`[bucket=x]`) and workspaces (`:ws:`) are refused: a
/// stridegate suppression names its rules and applies everywhere they fire.
fn trivy(tool: &str, rest: &str) -> Result<Parsed, String> {
    let mut sections = rest.split(':');
    let id = sections.next().unwrap_or_default();
    if id.is_empty() {
        return Err(format!("`{tool}:ignore:` needs the check id it ignores (`{tool}:ignore:AVD-AWS-0088`)"));
    }
    if id == "*" {
        return Err(format!("`{tool}:ignore:*` ignores every check; stridegate suppressions name their rules"));
    }
    if id.contains('[') {
        return Err(format!("`{tool}:ignore:{id}`: rule parameters (`[...]`) are not supported"));
    }
    if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
        return Err(format!("`{tool}:ignore:{id}` is not a check id"));
    }
    let mut until = None;
    while let Some(key) = sections.next() {
        let value = sections.next().unwrap_or_default();
        match key {
            "exp" if until.is_none() => {
                let days = crate::threat::model::parse_date(value)
                    .filter(|_| is_iso_date(value))
                    .ok_or_else(|| format!("`{tool}:ignore:{id}:exp:{value}`: not a date (YYYY-MM-DD)"))?;
                until = Some((value.to_string(), days));
            }
            "ws" => return Err(format!("`{tool}:ignore:{id}:ws:{value}`: workspace-scoped ignores are not supported")),
            other => return Err(format!("`{tool}:ignore:{id}`: unknown section `{other}` (exp)")),
        }
    }
    Ok(Parsed { rules: vec![format!("{tool}:{id}")], reason: None, until })
}

/// The byte offset of the marker on `line` when it is followed by whitespace or the end.
fn directive_start(line: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = line.get(from..).and_then(|rest| rest.find(MARKER)) {
        let at = from + found;
        let after = &line[at + MARKER.len()..];
        if after.is_empty() || after.starts_with(char::is_whitespace) {
            return Some(at);
        }
        from = at + MARKER.len();
    }
    None
}

/// Whether `prefix` (the text before the marker) ends with a comment opener, possibly followed
/// by spaces: how the directive ends, and whether the comment stands alone on its line.
fn opener(prefix: &str) -> Option<(End, bool)> {
    let t = prefix.trim_end();
    let (end, code) = if let Some(before) = t.strip_suffix("/*") {
        let before = before.trim_end();
        // Helm: `{{/*`, `{{- /*`.
        let before = before.strip_suffix("{{-").or_else(|| before.strip_suffix("{{")).unwrap_or(before);
        (End::Block, before)
    } else if let Some(before) = t.strip_suffix("//") {
        // `http://`: a URL, not a comment.
        if before.ends_with(':') {
            return None;
        }
        (End::Line, before)
    } else if t.ends_with('#') {
        let before = t.trim_end_matches('#');
        // YAML: a comment starts at a `#` preceded by whitespace (or at the line start).
        if !(before.is_empty() || before.ends_with(char::is_whitespace)) {
            return None;
        }
        (End::Line, before)
    } else {
        return None;
    };
    Some((end, code.trim().is_empty()))
}

/// Lines a standalone directive looks past to find its target: other comments and YAML
/// document markers. Blank lines are not skipped: a directive must touch what it suppresses.
fn is_skippable(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() {
        return false;
    }
    let block_comment = t.starts_with("/*") && t.ends_with("*/");
    let helm_comment = (t.starts_with("{{/*") || t.starts_with("{{- /*")) && t.ends_with("}}");
    t.starts_with('#') || t.starts_with("//") || t == "---" || t.starts_with("--- #") || block_comment || helm_comment
}

/// Parses one directive body: rules, then `key=value` pairs, until the end of `s`, a `*/` (when
/// `block`), or a `;` or newline outside quotes (annotation entries). Returns the directive and
/// the number of bytes consumed (up to and including the separator).
pub fn parse_entry(s: &str, block: bool) -> Result<(Parsed, usize), String> {
    let mut cur = Cursor { s, pos: 0 };
    let mut rules = Vec::new();
    let mut reason: Option<String> = None;
    let mut until: Option<(String, i64)> = None;
    // Rules: `A`, `A,B`, `A, B`.
    loop {
        cur.skip_spaces();
        let word = cur.take_while(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if word.is_empty() || cur.peek() == Some('=') {
            // A key (`reason=`) where a rule was expected: rewind.
            cur.pos -= word.len();
            break;
        }
        rules.push(word.to_string());
        let save = cur.pos;
        cur.skip_spaces();
        if cur.peek() == Some(',') {
            cur.pos += 1;
            continue;
        }
        cur.pos = save;
        break;
    }
    if rules.is_empty() {
        return Err(format!("`{MARKER}` needs the rule ids or names it suppresses (`{MARKER} K8S-0001 reason=\"...\"`)"));
    }
    // Options.
    loop {
        cur.skip_spaces();
        match cur.peek() {
            None => break,
            Some(';' | '\n') => {
                cur.pos += 1;
                break;
            }
            Some('*') if block && cur.rest().starts_with("*/") => {
                cur.pos = s.len();
                break;
            }
            _ => {}
        }
        let key = cur.take_while(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if key.is_empty() || cur.peek() != Some('=') {
            let shown: String = cur.rest().chars().take(30).collect();
            return Err(format!("expected `reason=\"...\"` or `until=YYYY-MM-DD`, found `{}`", shown.trim_end()));
        }
        cur.pos += 1;
        let value = cur.value(block)?;
        match key {
            "reason" if reason.is_none() => {
                let v = value.trim();
                reason = (!v.is_empty()).then(|| v.to_string());
            }
            "until" if until.is_none() => {
                let days = crate::threat::model::parse_date(&value)
                    .filter(|_| is_iso_date(&value))
                    .ok_or_else(|| format!("`until={value}` is not a date (YYYY-MM-DD)"))?;
                until = Some((value, days));
            }
            "reason" | "until" => return Err(format!("`{key}` is given twice")),
            other => return Err(format!("unknown option `{other}` (reason, until)")),
        }
    }
    Ok((Parsed { rules, reason, until }, cur.pos))
}

/// Every entry of an annotation value: entries separated by `;` or newlines, each optionally
/// starting with the marker. Empty entries are ignored.
pub fn annotation_entries(value: &str) -> Vec<Result<Parsed, String>> {
    let mut out = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        if trimmed.is_empty() {
            break;
        }
        let trimmed = trimmed.strip_prefix(MARKER).unwrap_or(trimmed);
        match parse_entry(trimmed, false) {
            Ok((parsed, used)) if used > 0 => {
                out.push(Ok(parsed));
                rest = &trimmed[used..];
            }
            Ok((parsed, _)) => {
                out.push(Ok(parsed));
                break;
            }
            Err(e) => {
                // Skip to the next entry separator.
                out.push(Err(e));
                match trimmed.find([';', '\n']) {
                    Some(at) => rest = &trimmed[at + 1..],
                    None => break,
                }
            }
        }
    }
    out
}

/// `YYYY-MM-DD` exactly (4, 2 and 2 digits).
fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_spaces(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t', '\r']).len();
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let n = rest.find(|c: char| !f(c)).unwrap_or(rest.len());
        self.pos += n;
        &rest[..n]
    }

    /// A value: `"..."` or `'...'` (with `\"`, `\'` and `\\` escapes), or a bare word that ends
    /// at whitespace, `;`, or `*/` in a block comment.
    fn value(&mut self, block: bool) -> Result<String, String> {
        match self.peek() {
            Some(q @ ('"' | '\'')) => {
                self.pos += 1;
                let mut out = String::new();
                let mut chars = self.rest().char_indices();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => match chars.next() {
                            Some((_, e)) => out.push(e),
                            None => break,
                        },
                        '\n' => break,
                        c if c == q => {
                            self.pos += i + 1;
                            return Ok(out);
                        }
                        c => out.push(c),
                    }
                }
                Err("unterminated quoted value".to_string())
            }
            _ => {
                let rest = self.rest();
                let mut n = rest.find(|c: char| c.is_whitespace() || c == ';').unwrap_or(rest.len());
                if block && let Some(at) = rest[..n].find("*/") {
                    n = at;
                }
                self.pos += n;
                Ok(rest[..n].to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn one(text: &str) -> CommentDirective {
        let mut all = comments(text);
        assert_eq!(all.len(), 1, "{text:?} -> {all:?}");
        all.remove(0)
    }

    fn ok(d: &CommentDirective) -> &Parsed {
        d.parsed.as_ref().unwrap_or_else(|e| panic!("expected a directive, got error {e}"))
    }

    #[test]
    fn yaml_hash_standalone_targets_next_code_line() {
        let d = one("a: 1\n# stridegate:ignore K8S-0001 reason=\"needs host network\" until=2027-03-01\nb: 2\n");
        assert_eq!((d.line, d.column, d.target), (2, 3, Some(3)));
        let p = ok(&d);
        assert_eq!(p.rules, ["K8S-0001"]);
        assert_eq!(p.reason.as_deref(), Some("needs host network"));
        assert_eq!(p.until.as_ref().map(|u| u.0.as_str()), Some("2027-03-01"));
        assert_eq!(p.until.as_ref().map(|u| u.1), crate::threat::model::parse_date("2027-03-01"));
    }

    #[test]
    fn trailing_comment_targets_its_own_line() {
        let d = one("  privileged: true # stridegate:ignore K8S-0002,K8S-0003 reason=ok\n");
        assert_eq!(d.target, Some(1));
        assert_eq!(ok(&d).rules, ["K8S-0002", "K8S-0003"]);
        assert_eq!(ok(&d).reason.as_deref(), Some("ok"));
    }

    #[test]
    fn hcl_line_and_block_comments() {
        let d = one("// stridegate:ignore TF-0001 reason=\"x\"\nresource \"a\" \"b\" {}\n");
        assert_eq!(d.target, Some(2));
        let d = one("resource \"a\" \"b\" { /* stridegate:ignore TF-0001, public-bucket reason='legacy, tracked' */ }\n");
        assert_eq!(d.target, Some(1));
        assert_eq!(ok(&d).rules, ["TF-0001", "public-bucket"]);
        assert_eq!(ok(&d).reason.as_deref(), Some("legacy, tracked"));
        let d = one("/* stridegate:ignore TF-0001 reason=bare*/\nx = 1\n");
        assert_eq!(ok(&d).reason.as_deref(), Some("bare"));
        assert_eq!(d.target, Some(2));
    }

    #[test]
    fn helm_template_comments() {
        let d = one("{{/* stridegate:ignore K8S-0001 reason=\"chart default\" */}}\napiVersion: v1\n");
        assert_eq!((d.target, ok(&d).reason.as_deref()), (Some(2), Some("chart default")));
        let d = one("  {{- /* stridegate:ignore K8S-0001 reason=\"x\" */ -}}\n  hostNetwork: true\n");
        assert_eq!(d.target, Some(2));
    }

    #[test]
    fn standalone_skips_comments_and_document_markers_but_not_blank_lines() {
        let d = one("# stridegate:ignore A reason=x\n# another comment\n---\nkind: Pod\n");
        assert_eq!(d.target, Some(4));
        let d = one("# stridegate:ignore A reason=x\n\nkind: Pod\n");
        assert_eq!(d.target, Some(2));
        let d = one("x: 1\n# stridegate:ignore A reason=x\n");
        assert_eq!(d.target, None);
    }

    #[test]
    fn escapes_and_crlf() {
        let d = one("# stridegate:ignore A reason=\"say \\\"hi\\\" \\\\ ok\"\r\nb: 1\r\n");
        assert_eq!(ok(&d).reason.as_deref(), Some("say \"hi\" \\ ok"));
        assert_eq!(d.target, Some(2));
    }

    #[test]
    fn missing_reason_is_not_an_error_but_absent() {
        assert_eq!(ok(&one("# stridegate:ignore A\n")).reason, None);
        assert_eq!(ok(&one("# stridegate:ignore A reason=\"  \"\n")).reason, None);
    }

    #[test]
    fn malformed_directives_are_errors() {
        for (text, want) in [
            ("# stridegate:ignore\n", "needs the rule"),
            ("# stridegate:ignore reason=x\n", "needs the rule"),
            ("# stridegate:ignore A reason=\"open\n", "unterminated"),
            ("# stridegate:ignore A until=2027-13-01 reason=x\n", "not a date"),
            ("# stridegate:ignore A until=27-1-1 reason=x\n", "not a date"),
            ("# stridegate:ignore A because=x\n", "unknown option `because`"),
            ("# stridegate:ignore A reason=x reason=y\n", "given twice"),
            ("# stridegate:ignore A B reason=x\n", "expected"),
        ] {
            let d = one(text);
            let e = d.parsed.expect_err(text);
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn not_a_comment_or_not_the_marker() {
        assert!(comments("name: \"a#stridegate:ignore A reason=x\"\n").is_empty());
        assert!(comments("# stridegate:ignored A reason=x\n").is_empty());
        assert!(comments("# todo stridegate:ignore A reason=x\n").is_empty());
        assert!(comments("url: http://x\n").is_empty());
        assert!(comments("url: http://stridegate:ignore A reason=x\n").is_empty());
        // Peer syntaxes are separate (`peer_comments`).
        assert!(comments("# checkov:skip=CKV_K8S_1:reason\n# trivy:ignore:AVD-KSV-0001\n").is_empty());
    }

    fn peer(text: &str) -> Vec<CommentDirective> {
        peer_comments(text)
    }

    #[test]
    fn checkov_comments_name_one_check_and_take_the_reason_after_the_colon() {
        for (text, rule, reason, target) in [
            ("# checkov:skip=CKV_AWS_19: encrypted by the provider\nx = 1\n", "checkov:CKV_AWS_19", Some("encrypted by the provider"), 2),
            ("#checkov:skip=CKV_AWS_19:r\n", "checkov:CKV_AWS_19", Some("r"), 0),
            ("  bucket = \"b\" # checkov:skip=CKV2_AWS_6\n", "checkov:CKV2_AWS_6", None, 1),
            ("// bridgecrew:skip=CKV_AWS_19 :  spaced  \nx\n", "checkov:CKV_AWS_19", Some("spaced"), 2),
            ("x /* checkov:skip=CKV_AWS_19: in a block */\n", "checkov:CKV_AWS_19", Some("in a block"), 1),
            ("# checkov:skip=CKV_AWS_19:\nx\n", "checkov:CKV_AWS_19", None, 2),
        ] {
            let all = peer(text);
            assert_eq!(all.len(), 1, "{text:?} -> {all:?}");
            let p = ok(&all[0]);
            assert_eq!((p.rules.as_slice(), p.reason.as_deref(), p.until.as_ref()), (&[rule.to_string()][..], reason, None), "{text:?}");
            assert_eq!(all[0].target.unwrap_or(0), target, "{text:?}");
            assert!(is_peer(&all[0].parsed), "{text:?}");
        }
        let e = peer("# checkov:skip=\n").remove(0).parsed.unwrap_err();
        assert!(e.starts_with("`checkov:skip=`") && is_peer(&Err(e.clone())), "{e}");
    }

    #[test]
    fn trivy_comments_have_no_reason_take_an_expiry_and_may_share_a_comment() {
        let all = peer("#trivy:ignore:AVD-AWS-0088 trivy:ignore:aws-s3-enable-logging:exp:2027-01-31\nresource \"a\" \"b\" {}\n");
        assert_eq!(all.len(), 2, "{all:?}");
        assert_eq!(ok(&all[0]).rules, ["trivy:AVD-AWS-0088"]);
        assert_eq!((ok(&all[0]).reason.as_ref(), ok(&all[0]).until.as_ref()), (None, None));
        assert_eq!(ok(&all[1]).rules, ["trivy:aws-s3-enable-logging"]);
        assert_eq!(ok(&all[1]).until.as_ref().map(|u| u.0.as_str()), Some("2027-01-31"));
        assert!(all.iter().all(|d| d.target == Some(2) && d.line == 1 && d.column == 2), "{all:?}");
        let all = peer("x = 1 #tfsec:ignore:aws-s3-enable-bucket-encryption\n");
        assert_eq!((ok(&all[0]).rules.as_slice(), all[0].target), (&["tfsec:aws-s3-enable-bucket-encryption".to_string()][..], Some(1)));
        for (text, want) in [
            ("#trivy:ignore:*\n", "ignores every check"),
            ("#trivy:ignore:\n", "needs the check id"),
            ("#trivy:ignore:AVD-AWS-0088[bucket=x]\n", "parameters"),
            ("#trivy:ignore:AVD-AWS-0088:ws:dev\n", "workspace"),
            ("#trivy:ignore:AVD-AWS-0088:exp:2027-13-01\n", "not a date"),
            ("#trivy:ignore:AVD-AWS-0088:foo:bar\n", "unknown section"),
            ("#trivy:ignore:a/b\n", "not a check id"),
        ] {
            let d = peer(text).remove(0);
            let e = d.parsed.clone().expect_err(text);
            assert!(e.contains(want), "{text:?}: {e}");
            assert!(is_peer(&d.parsed), "{text:?}: {e}");
        }
    }

    #[test]
    fn peer_markers_outside_comments_or_in_stridegate_directives_are_not_peer_comments() {
        assert!(peer("name: \"x#checkov:skip=CKV_AWS_1:r\"\n").is_empty());
        assert!(peer("# see trivy:ignore:AVD-AWS-0088 docs\n").is_empty());
        assert!(peer("url: http://checkov:skip=x\n").is_empty());
        assert!(peer("plain text\n").is_empty());
        assert!(!is_peer(&Ok(Parsed { rules: vec!["K8S-0001".into()], reason: None, until: None })));
        assert!(!is_peer(&Err("`stridegate:ignore` needs the rule ids".into())));
        // A stridegate directive never yields a rule with a tool.
        let d = one("# stridegate:ignore checkov:CKV_AWS_1 reason=x\n");
        assert!(!is_peer(&d.parsed), "{d:?}");
    }

    #[test]
    fn arbitrary_peer_input_never_panics() {
        let alphabet: Vec<char> =
            "checkov:skip=trivy:ignore:tfsec CKV_AWS_1-0,*[]=\"'\\;\n*/{}#- :exp:ws:2027-01-01 é\u{202e}\r".chars().collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3000 {
            let mut s = String::from(if state.is_multiple_of(2) { "# checkov:skip=" } else { "#trivy:ignore:" });
            for _ in 0..(state % 40) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                s.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            let _ = peer_comments(&s);
        }
    }

    #[test]
    fn annotation_entries_split_on_semicolons_and_newlines_outside_quotes() {
        let e = annotation_entries("K8S-0001 reason=\"a; b\" until=2027-01-01; stridegate:ignore K8S-0002 reason=c\nK8S-0003\n");
        assert_eq!(e.len(), 3, "{e:?}");
        let p0 = e[0].as_ref().unwrap();
        assert_eq!((p0.rules.as_slice(), p0.reason.as_deref()), (&["K8S-0001".to_string()][..], Some("a; b")));
        assert_eq!(e[1].as_ref().unwrap().rules, ["K8S-0002"]);
        assert_eq!(e[2].as_ref().unwrap().reason, None);
        let e = annotation_entries("K8S-0001 bogus; K8S-0002 reason=x");
        assert!(e[0].is_err());
        assert_eq!(e[1].as_ref().unwrap().rules, ["K8S-0002"]);
        assert!(annotation_entries(" ;; \n").is_empty());
    }

    #[test]
    fn many_comment_lines_are_linear() {
        let text = "# stridegate:ignore A reason=x\n".repeat(200_000) + "kind: Pod\n";
        let started = std::time::Instant::now();
        let all = comments(&text);
        assert_eq!(all.len(), 200_000);
        assert!(all.iter().all(|d| d.target == Some(200_001)));
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    }

    #[test]
    fn arbitrary_input_never_panics() {
        // A small deterministic generator over the characters that matter to the parser.
        let alphabet: Vec<char> = "stridegate:ignore K-0,=\"'\\;\n*/{}#-reason until 2027-01-01 é\u{202e}\r".chars().collect();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let mut s = String::from("# stridegate:ignore ");
            for _ in 0..(state % 40) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                s.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            let _ = comments(&s);
            let _ = annotation_entries(&s);
            let _ = parse_entry(&s, true);
        }
    }
}

#[cfg(test)]
mod doc_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    /// Every example line of docs/suppressions.md's code blocks parses as documented.
    #[test]
    fn documented_examples_parse() {
        let doc = include_str!("../../docs/suppressions.md");
        let mut in_code = false;
        let mut checked = 0;
        for line in doc.lines() {
            if line.starts_with("```") {
                in_code = !in_code;
                continue;
            }
            let annotation = line.contains("stridegate.dev/ignore");
            if !in_code || !(line.contains(super::MARKER) || annotation) || line.contains("RULES") {
                continue;
            }
            let found: Vec<_> = if annotation {
                let value = line.split_once(": '").map(|(_, v)| v.trim_end_matches('\'')).unwrap();
                super::annotation_entries(value)
            } else {
                let all = super::comments(line);
                assert_eq!(all.len(), 1, "{line}");
                all.into_iter().map(|d| d.parsed).collect()
            };
            assert!(!found.is_empty(), "{line}");
            for parsed in found {
                let p = parsed.unwrap_or_else(|e| panic!("{line}: {e}"));
                assert!(p.reason.is_some() && !p.rules.is_empty(), "{line}");
            }
            checked += 1;
        }
        assert!(checked >= 5, "examples checked: {checked}");
    }
}

#[cfg(test)]
mod peer_doc_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    /// Every peer comment in docs/suppressions.md's code blocks parses as a peer directive.
    #[test]
    fn documented_peer_examples_parse() {
        let doc = include_str!("../../docs/suppressions.md");
        let mut in_code = false;
        let mut checked = 0;
        for line in doc.lines() {
            if line.starts_with("```") {
                in_code = !in_code;
                continue;
            }
            if !in_code || !super::PEER_MARKERS.iter().any(|(m, _)| line.contains(m)) {
                continue;
            }
            let all = super::peer_comments(line);
            assert_eq!(all.len(), 1, "{line}");
            let p = all[0].parsed.as_ref().unwrap_or_else(|e| panic!("{line}: {e}"));
            assert!(super::is_peer(&all[0].parsed), "{line}");
            assert!(p.reason.is_some() || p.until.is_some(), "{line}");
            checked += 1;
        }
        assert!(checked >= 2, "examples checked: {checked}");
    }
}
