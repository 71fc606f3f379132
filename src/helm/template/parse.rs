//! Lexer and parser for Go `text/template`, as Helm uses it.
//!
//! The lexer works on the whole text: literal text, then the tokens of each `{{ }}` action,
//! with the trim markers `{{- ` and ` -}}` applied to the neighbouring text and comments
//! dropped. The parser builds the tree Go builds (text, actions, if/range/with with their else
//! branches, template calls, break/continue; `define` and `block` bodies go to the named
//! templates), checks variables and function names as Go does at parse time, and bounds
//! nesting depth.

use std::sync::Arc;

use crate::source::LineIndex;

/// Deepest nesting of control structures and parentheses the parser accepts.
pub(crate) const MAX_PARSE_NESTING: usize = 100;

/// Most tokens one file may lex into (a 1 MB chart template has well under 100 000); bounds
/// the memory a hostile file of tiny actions can take.
pub(crate) const MAX_TOKENS: usize = 1_000_000;

/// A position in a template file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    /// Byte offset in the file.
    pub off: u32,
    pub line: u32,
    pub col: u32,
}

#[derive(Debug)]
pub(crate) enum Node {
    /// Literal text; `lines` are the positions of the start of each of its lines.
    Text {
        text: Arc<str>,
        lines: Vec<(u32, Pos)>,
    },
    Action {
        pos: Pos,
        pipe: Pipe,
    },
    If {
        pos: Pos,
        pipe: Pipe,
        list: Vec<Node>,
        else_list: Vec<Node>,
    },
    Range {
        pos: Pos,
        pipe: Pipe,
        list: Vec<Node>,
        else_list: Vec<Node>,
    },
    With {
        pos: Pos,
        pipe: Pipe,
        list: Vec<Node>,
        else_list: Vec<Node>,
    },
    Template {
        pos: Pos,
        name: Arc<str>,
        pipe: Option<Pipe>,
    },
    Break,
    Continue,
}

#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: Pos,
    /// Variables declared (`:=`) or assigned (`=`).
    pub decl: Vec<Arc<str>>,
    pub assign: bool,
    pub cmds: Vec<Cmd>,
}

#[derive(Debug)]
pub(crate) struct Cmd {
    pub pos: Pos,
    /// Byte offset one past the command's text (for error context).
    pub end: u32,
    pub args: Vec<Arg>,
}

#[derive(Debug)]
pub(crate) enum Arg {
    Dot,
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    /// `.A.B`
    Field(Vec<Arc<str>>),
    /// `$x.A.B` (`$` is the name "$").
    Var(Arc<str>, Vec<Arc<str>>),
    /// A function name.
    Func(Arc<str>),
    /// `(pipeline).A.B`
    Chain(Box<Arg>, Vec<Arc<str>>),
    Pipe(Box<Pipe>),
}

/// A parsed file: its top-level nodes and its `define`d templates.
pub(crate) struct ParsedFile {
    pub root: Vec<Node>,
    pub defines: Vec<(Arc<str>, Vec<Node>)>,
}

/// A parse error at a position.
#[derive(Debug)]
pub(crate) struct ParseErr {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Text(Arc<str>),
    Open,
    Close,
    Space,
    Ident(Arc<str>),
    Field(Arc<str>),
    Var(Arc<str>),
    Str(Arc<str>),
    Char(i64),
    Number(Arc<str>),
    Dot,
    LParen,
    RParen,
    Bar,
    Declare,
    Assign,
    Comma,
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    off: usize,
    end: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    toks: Vec<Token>,
}

type LexResult<T> = Result<T, (usize, String)>;

fn lex(text: &str) -> LexResult<Vec<Token>> {
    let mut lx = Lexer { text, bytes: text.as_bytes(), pos: 0, toks: Vec::new() };
    lx.run()?;
    Ok(lx.toks)
}

impl Lexer<'_> {
    fn push(&mut self, tok: Tok, off: usize, end: usize) {
        self.toks.push(Token { tok, off, end });
    }

    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn run(&mut self) -> LexResult<()> {
        let mut trim_next = false;
        loop {
            let start = self.pos;
            let open = self.rest().find("{{").map(|i| start + i);
            let text_end = open.unwrap_or(self.text.len());
            let mut text_start = start;
            if trim_next {
                while text_start < text_end && is_space(self.bytes[text_start]) {
                    text_start += 1;
                }
            }
            let Some(open) = open else {
                self.push_text(text_start, text_end);
                self.push(Tok::Eof, self.text.len(), self.text.len());
                return Ok(());
            };
            // Left trim marker: "{{- " (the dash followed by white space).
            let after = open + 2;
            let left_trim = self.bytes.get(after) == Some(&b'-') && self.bytes.get(after + 1).is_some_and(|b| is_space(*b));
            let mut t_end = text_end;
            if left_trim {
                while t_end > text_start && is_space(self.bytes[t_end - 1]) {
                    t_end -= 1;
                }
            }
            self.push_text(text_start, t_end);
            self.pos = if left_trim { after + 2 } else { after };
            // Comments.
            let mut p = self.pos;
            if left_trim {
                // "{{- /*": skip the white space after the dash.
                while p < self.bytes.len() && is_space(self.bytes[p]) {
                    p += 1;
                }
            }
            if self.text.get(p..).is_some_and(|r| r.starts_with("/*")) {
                let Some(end) = self.text.get(p + 2..).and_then(|r| r.find("*/")) else {
                    return Err((open, "unclosed comment".into()));
                };
                let mut q = p + 2 + end + 2;
                let mut right_trim = false;
                let ws_start = q;
                while q < self.bytes.len() && is_space(self.bytes[q]) {
                    q += 1;
                }
                if q > ws_start && self.text.get(q..).is_some_and(|r| r.starts_with("-}}")) {
                    right_trim = true;
                    q += 3;
                } else if q == ws_start && self.text.get(q..).is_some_and(|r| r.starts_with("}}")) {
                    q += 2;
                } else {
                    return Err((open, "comment ends before closing delimiter".into()));
                }
                self.pos = q;
                trim_next = right_trim;
                continue;
            }
            self.push(Tok::Open, open, self.pos);
            trim_next = self.lex_action(open)?;
        }
    }

    fn push_text(&mut self, start: usize, end: usize) {
        if end > start
            && let Some(t) = self.text.get(start..end)
        {
            self.push(Tok::Text(t.into()), start, end);
        }
    }

    /// Lexes the inside of an action; returns whether it ended with a right trim marker.
    fn lex_action(&mut self, open: usize) -> LexResult<bool> {
        let mut parens = 0usize;
        loop {
            if self.toks.len() > MAX_TOKENS {
                return Err((open, format!("template too large: more than {MAX_TOKENS} tokens")));
            }
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err((open, "unclosed action".into()));
            };
            let start = self.pos;
            if is_space(b) {
                let mut p = self.pos;
                while p < self.bytes.len() && is_space(self.bytes[p]) {
                    p += 1;
                }
                if self.text.get(p..).is_some_and(|r| r.starts_with("-}}")) {
                    if parens > 0 {
                        return Err((start, "unclosed left paren".into()));
                    }
                    self.push(Tok::Close, start, p + 3);
                    self.pos = p + 3;
                    return Ok(true);
                }
                self.push(Tok::Space, start, p);
                self.pos = p;
                continue;
            }
            if self.rest().starts_with("}}") {
                if parens > 0 {
                    return Err((start, "unclosed left paren".into()));
                }
                self.push(Tok::Close, start, start + 2);
                self.pos += 2;
                return Ok(false);
            }
            let c = self.rest().chars().next().unwrap_or('\0');
            match c {
                '"' => {
                    let s = self.lex_quote(start)?;
                    self.push(Tok::Str(s.into()), start, self.pos);
                }
                '`' => {
                    let Some(end) = self.text.get(start + 1..).and_then(|r| r.find('`')) else {
                        return Err((start, "unterminated raw quoted string".into()));
                    };
                    let s = self.text.get(start + 1..start + 1 + end).unwrap_or("");
                    self.pos = start + end + 2;
                    self.push(Tok::Str(s.into()), start, self.pos);
                }
                '\'' => {
                    let v = self.lex_char(start)?;
                    self.push(Tok::Char(v), start, self.pos);
                }
                '$' => {
                    let name_len: usize =
                        self.text.get(start + 1..).unwrap_or("").chars().take_while(|c| is_alnum(*c)).map(char::len_utf8).sum();
                    let name = self.text.get(start..start + 1 + name_len).unwrap_or("$");
                    self.pos = start + 1 + name_len;
                    self.push(Tok::Var(name.into()), start, self.pos);
                }
                '.' => {
                    let next = self.text.get(start + 1..).and_then(|r| r.chars().next());
                    match next {
                        Some(d) if d.is_ascii_digit() => self.lex_number(start)?,
                        Some(n) if is_alnum(n) => {
                            let len: usize =
                                self.text.get(start + 1..).unwrap_or("").chars().take_while(|c| is_alnum(*c)).map(char::len_utf8).sum();
                            let name = self.text.get(start + 1..start + 1 + len).unwrap_or("");
                            self.pos = start + 1 + len;
                            self.push(Tok::Field(name.into()), start, self.pos);
                        }
                        _ => {
                            self.pos += 1;
                            self.push(Tok::Dot, start, self.pos);
                        }
                    }
                }
                '0'..='9' => self.lex_number(start)?,
                '+' | '-' if self.text.get(start + 1..).and_then(|r| r.chars().next()).is_some_and(|d| d.is_ascii_digit() || d == '.') => {
                    self.lex_number(start)?
                }
                '(' => {
                    parens += 1;
                    if parens > MAX_PARSE_NESTING {
                        return Err((start, "too many nested parentheses".into()));
                    }
                    self.pos += 1;
                    self.push(Tok::LParen, start, self.pos);
                }
                ')' => {
                    if parens == 0 {
                        return Err((start, "unexpected right paren".into()));
                    }
                    parens -= 1;
                    self.pos += 1;
                    self.push(Tok::RParen, start, self.pos);
                }
                '|' => {
                    self.pos += 1;
                    self.push(Tok::Bar, start, self.pos);
                }
                ',' => {
                    self.pos += 1;
                    self.push(Tok::Comma, start, self.pos);
                }
                ':' => {
                    if self.rest().starts_with(":=") {
                        self.pos += 2;
                        self.push(Tok::Declare, start, self.pos);
                    } else {
                        return Err((start, "expected :=".into()));
                    }
                }
                '=' => {
                    self.pos += 1;
                    self.push(Tok::Assign, start, self.pos);
                }
                c if is_alnum(c) => {
                    let len: usize = self.rest().chars().take_while(|c| is_alnum(*c)).map(char::len_utf8).sum();
                    let name = self.text.get(start..start + len).unwrap_or("");
                    self.pos = start + len;
                    self.push(Tok::Ident(name.into()), start, self.pos);
                }
                c => return Err((start, format!("unrecognized character in action: {c:?}"))),
            }
        }
    }

    fn lex_quote(&mut self, start: usize) -> LexResult<String> {
        let mut out = String::new();
        let mut chars = self.text.get(start + 1..).unwrap_or("").char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos = start + 1 + i + 1;
                    return Ok(out);
                }
                '\n' => break,
                '\\' => {
                    let Some((_, e)) = chars.next() else { break };
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'a' => out.push('\x07'),
                        'b' => out.push('\x08'),
                        'f' => out.push('\x0c'),
                        'v' => out.push('\x0b'),
                        '\\' => out.push('\\'),
                        '"' => out.push('"'),
                        '\'' => out.push('\''),
                        'x' | 'u' | 'U' => {
                            let n = match e {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let mut v = 0u32;
                            for _ in 0..n {
                                let d = chars
                                    .next()
                                    .and_then(|(_, h)| h.to_digit(16))
                                    .ok_or((start, "invalid escape in string".to_string()))?;
                                v = v * 16 + d;
                            }
                            out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                        }
                        '0'..='7' => {
                            let mut v = e.to_digit(8).unwrap_or(0);
                            for _ in 0..2 {
                                let d =
                                    chars.next().and_then(|(_, h)| h.to_digit(8)).ok_or((start, "invalid escape in string".to_string()))?;
                                v = v * 8 + d;
                            }
                            out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                        }
                        _ => return Err((start, "invalid syntax".into())),
                    }
                }
                c => out.push(c),
            }
        }
        Err((start, "unterminated quoted string".into()))
    }

    fn lex_char(&mut self, start: usize) -> LexResult<i64> {
        let body = self.text.get(start + 1..).unwrap_or("");
        let mut chars = body.char_indices();
        let v = match chars.next() {
            Some((_, '\\')) => match chars.next() {
                Some((_, 'n')) => '\n' as i64,
                Some((_, 't')) => '\t' as i64,
                Some((_, 'r')) => '\r' as i64,
                Some((_, '\\')) => '\\' as i64,
                Some((_, '\'')) => '\'' as i64,
                Some((_, '0')) => 0,
                _ => return Err((start, "invalid syntax in character constant".into())),
            },
            Some((_, '\'')) | None => return Err((start, "empty character constant".into())),
            Some((_, c)) => c as i64,
        };
        match chars.next() {
            Some((i, '\'')) => {
                self.pos = start + 1 + i + 1;
                Ok(v)
            }
            _ => Err((start, "unterminated character constant".into())),
        }
    }

    fn lex_number(&mut self, start: usize) -> LexResult<()> {
        let mut p = start;
        let b = self.bytes;
        if matches!(b.get(p), Some(b'+' | b'-')) {
            p += 1;
        }
        let mut prev = 0u8;
        while let Some(&c) = b.get(p) {
            let ok = c.is_ascii_alphanumeric()
                || c == b'_'
                || c == b'.'
                || (matches!(c, b'+' | b'-') && matches!(prev, b'e' | b'E' | b'p' | b'P'));
            if !ok {
                break;
            }
            prev = c;
            p += 1;
        }
        let text = self.text.get(start..p).unwrap_or("");
        self.pos = p;
        self.push(Tok::Number(text.into()), start, p);
        Ok(())
    }
}

/// A number literal as Go's parser reads it.
fn parse_number(text: &str) -> Option<Arg> {
    let (neg, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let clean: String = body.chars().filter(|c| *c != '_').collect();
    if body.starts_with('_') || body.ends_with('_') {
        return None;
    }
    let lower = clean.to_ascii_lowercase();
    let int = if let Some(h) = lower.strip_prefix("0x") {
        if h.contains('p') || h.contains('.') { None } else { Some(i64::from_str_radix(h, 16).ok()?) }
    } else if let Some(o) = lower.strip_prefix("0o") {
        Some(i64::from_str_radix(o, 8).ok()?)
    } else if let Some(bin) = lower.strip_prefix("0b") {
        Some(i64::from_str_radix(bin, 2).ok()?)
    } else if lower.len() > 1 && lower.starts_with('0') && lower.bytes().all(|c| c.is_ascii_digit()) {
        Some(i64::from_str_radix(&lower[1..], 8).ok()?)
    } else if lower.bytes().all(|c| c.is_ascii_digit()) && !lower.is_empty() {
        Some(lower.parse::<i64>().ok()?)
    } else {
        None
    };
    if let Some(i) = int {
        return Some(Arg::Int(if neg { -i } else { i }));
    }
    if lower.starts_with("0x") || lower.ends_with('i') {
        return None;
    }
    let f: f64 = lower.parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    Some(Arg::Float(if neg { -f } else { f }))
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser<'a> {
    toks: Vec<Token>,
    i: usize,
    lines: LineIndex,
    text: &'a str,
    vars: Vec<Arc<str>>,
    depth: usize,
    range_depth: usize,
    defines: Vec<(Arc<str>, Vec<Node>)>,
    is_known_func: &'a dyn Fn(&str) -> bool,
}

type PResult<T> = Result<T, ParseErr>;

enum Stop {
    Eof,
    End,
    Else(usize),
}

/// Parses one template file.
pub(crate) fn parse(text: &str, is_known_func: &dyn Fn(&str) -> bool) -> PResult<ParsedFile> {
    let lines = LineIndex::new(text);
    let toks = match lex(text) {
        Ok(t) => t,
        Err((off, message)) => {
            let p = lines.position(text, off);
            return Err(ParseErr { line: p.line as u32, col: p.column as u32, message });
        }
    };
    let mut p = Parser { toks, i: 0, lines, text, vars: vec!["$".into()], depth: 0, range_depth: 0, defines: Vec::new(), is_known_func };
    let (root, end) = p.list(true)?;
    match end {
        Stop::Eof => {}
        Stop::End => return Err(p.err_at(p.prev_off(), "unexpected {{end}}")),
        Stop::Else(off) => return Err(p.err_at(off, "unexpected {{else}}")),
    }
    Ok(ParsedFile { root, defines: p.defines })
}

impl Parser<'_> {
    fn pos(&self, off: usize) -> Pos {
        let p = self.lines.position(self.text, off);
        Pos { off: off as u32, line: p.line as u32, col: p.column as u32 }
    }

    fn err_at(&self, off: usize, msg: impl Into<String>) -> ParseErr {
        let p = self.pos(off);
        ParseErr { line: p.line, col: p.col, message: msg.into() }
    }

    fn prev_off(&self) -> usize {
        self.toks.get(self.i.saturating_sub(1)).map_or(0, |t| t.off)
    }

    fn peek(&self) -> &Tok {
        self.toks.get(self.i).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn off(&self) -> usize {
        self.toks.get(self.i).map_or(self.text.len(), |t| t.off)
    }

    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn skip_space(&mut self) {
        while *self.peek() == Tok::Space {
            self.i += 1;
        }
    }

    fn expect_close(&mut self, what: &str) -> PResult<()> {
        self.skip_space();
        let off = self.off();
        match self.next() {
            Tok::Close => Ok(()),
            t => Err(self.err_at(off, format!("unexpected {} in {what}", describe(&t)))),
        }
    }

    fn text_node(&self, text: Arc<str>, off: usize) -> Node {
        let mut lines = vec![(0u32, self.pos(off))];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' && i + 1 < text.len() {
                lines.push(((i + 1) as u32, self.pos(off + i + 1)));
            }
        }
        Node::Text { text, lines }
    }

    /// Parses nodes until `{{end}}`, `{{else}}` or the end of the text.
    fn list(&mut self, top: bool) -> PResult<(Vec<Node>, Stop)> {
        let mut out = Vec::new();
        loop {
            let off = self.off();
            match self.next() {
                Tok::Eof => return Ok((out, Stop::Eof)),
                Tok::Text(t) => out.push(self.text_node(t, off)),
                Tok::Open => {
                    self.skip_space();
                    let kw_off = self.off();
                    let kw = match self.peek() {
                        Tok::Ident(k) => k.clone(),
                        _ => "".into(),
                    };
                    match &*kw {
                        "end" => {
                            self.i += 1;
                            self.expect_close("end")?;
                            return Ok((out, Stop::End));
                        }
                        "else" => {
                            self.i += 1;
                            return Ok((out, Stop::Else(kw_off)));
                        }
                        "if" | "range" | "with" => {
                            self.i += 1;
                            out.push(self.control(&kw, kw_off)?);
                        }
                        "define" | "block" => {
                            if !top && &*kw == "define" {
                                return Err(self.err_at(kw_off, "unexpected \"define\" in nested context"));
                            }
                            self.i += 1;
                            let node = self.define(&kw, kw_off)?;
                            if let Some(n) = node {
                                out.push(n);
                            }
                        }
                        "template" => {
                            self.i += 1;
                            out.push(self.template(kw_off)?);
                        }
                        "break" | "continue" => {
                            self.i += 1;
                            if self.range_depth == 0 {
                                return Err(self.err_at(kw_off, format!("{{{{{kw}}}}} outside {{{{range}}}}")));
                            }
                            self.expect_close(&kw)?;
                            out.push(if &*kw == "break" { Node::Break } else { Node::Continue });
                        }
                        _ => {
                            let pipe = self.pipeline("command", false)?;
                            self.expect_close("command")?;
                            // An action's output is attributed to its opening `{{`.
                            out.push(Node::Action { pos: self.pos(off), pipe });
                        }
                    }
                }
                t => return Err(self.err_at(off, format!("unexpected {}", describe(&t)))),
            }
        }
    }

    fn enter(&mut self, off: usize) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_PARSE_NESTING {
            return Err(self.err_at(off, format!("nesting deeper than {MAX_PARSE_NESTING} levels")));
        }
        Ok(())
    }

    /// `if`, `range`, `with` after the keyword.
    fn control(&mut self, kw: &str, kw_off: usize) -> PResult<Node> {
        self.enter(kw_off)?;
        let saved_vars = self.vars.len();
        let pipe = self.pipeline(kw, kw == "range")?;
        self.expect_close(kw)?;
        if kw == "range" {
            self.range_depth += 1;
        }
        let (list, end) = self.list(false)?;
        if kw == "range" {
            self.range_depth -= 1;
        }
        let else_list = match end {
            Stop::Eof => return Err(self.err_at(kw_off, format!("unexpected EOF: {{{{{kw}}}}} has no {{{{end}}}}"))),
            Stop::End => Vec::new(),
            Stop::Else(else_off) => {
                self.skip_space();
                let chained = match self.peek() {
                    Tok::Ident(k) if (&**k == "if" || &**k == "with") && kw != "range" => Some(k.clone()),
                    _ => None,
                };
                if let Some(k) = chained {
                    if &*k != kw {
                        return Err(self.err_at(else_off, format!("unexpected {{{{else {k}}}}} in {{{{{kw}}}}}")));
                    }
                    // `{{else if x}}` is `{{else}}{{if x}}...{{end}}{{end}}` sharing one end.
                    let off = self.off();
                    self.i += 1;
                    vec![self.control(&k, off)?]
                } else {
                    self.expect_close("else")?;
                    let (else_list, end) = self.list(false)?;
                    match end {
                        Stop::End => else_list,
                        Stop::Else(off) => return Err(self.err_at(off, "expected end; found {{else}}")),
                        Stop::Eof => return Err(self.err_at(kw_off, format!("unexpected EOF: {{{{{kw}}}}} has no {{{{end}}}}"))),
                    }
                }
            }
        };
        self.vars.truncate(saved_vars);
        self.depth -= 1;
        let pos = self.pos(kw_off);
        Ok(match kw {
            "if" => Node::If { pos, pipe, list, else_list },
            "range" => Node::Range { pos, pipe, list, else_list },
            _ => Node::With { pos, pipe, list, else_list },
        })
    }

    fn template_name(&mut self, ctx: &str) -> PResult<Arc<str>> {
        self.skip_space();
        let off = self.off();
        match self.next() {
            Tok::Str(s) => Ok(s),
            t => Err(self.err_at(off, format!("unexpected {} in {ctx} clause", describe(&t)))),
        }
    }

    fn template(&mut self, kw_off: usize) -> PResult<Node> {
        let name = self.template_name("template")?;
        self.skip_space();
        let pipe = if *self.peek() == Tok::Close { None } else { Some(self.pipeline("template", false)?) };
        self.expect_close("template")?;
        Ok(Node::Template { pos: self.pos(kw_off), name, pipe })
    }

    fn define(&mut self, kw: &str, kw_off: usize) -> PResult<Option<Node>> {
        self.enter(kw_off)?;
        let name = self.template_name(kw)?;
        self.skip_space();
        let pipe = if kw == "block" { Some(self.pipeline("block", false)?) } else { None };
        self.expect_close(kw)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_range = std::mem::replace(&mut self.range_depth, 0);
        let (body, end) = self.list(false)?;
        self.vars = saved_vars;
        self.range_depth = saved_range;
        match end {
            Stop::End => {}
            Stop::Else(off) => return Err(self.err_at(off, format!("unexpected {{{{else}}}} in {kw}"))),
            Stop::Eof => return Err(self.err_at(kw_off, format!("unexpected EOF: {{{{{kw}}}}} has no {{{{end}}}}"))),
        }
        self.depth -= 1;
        self.defines.push((name.clone(), body));
        Ok(pipe.map(|pipe| Node::Template { pos: self.pos(kw_off), name, pipe: Some(pipe) }))
    }

    /// A pipeline, up to (not including) the closing `}}` or `)`.
    fn pipeline(&mut self, ctx: &str, range: bool) -> PResult<Pipe> {
        self.skip_space();
        let pos = self.pos(self.off());
        let mut decl = Vec::new();
        let mut assign = false;
        // Declarations: `$x :=`, `$x =`, and in range `$i, $v :=`.
        let save = self.i;
        if let Tok::Var(v) = self.peek().clone() {
            self.i += 1;
            self.skip_space();
            match self.peek() {
                Tok::Declare | Tok::Assign => {
                    assign = *self.peek() == Tok::Assign;
                    self.i += 1;
                    decl.push(v);
                }
                Tok::Comma if range => {
                    self.i += 1;
                    self.skip_space();
                    let off = self.off();
                    match self.next() {
                        Tok::Var(v2) => {
                            self.skip_space();
                            let off2 = self.off();
                            match self.next() {
                                Tok::Declare => {}
                                Tok::Assign => assign = true,
                                t => return Err(self.err_at(off2, format!("unexpected {} in range declaration", describe(&t)))),
                            }
                            decl.push(v);
                            decl.push(v2);
                        }
                        t => return Err(self.err_at(off, format!("unexpected {} in range declaration", describe(&t)))),
                    }
                }
                _ => self.i = save,
            }
        }
        if assign {
            for v in &decl {
                if !self.vars.contains(v) {
                    return Err(self.err_at(save_off(&self.toks, save), format!("undefined variable \"{v}\"")));
                }
            }
        }
        let mut cmds = Vec::new();
        loop {
            self.skip_space();
            let cmd = self.command()?;
            if cmd.args.is_empty() {
                return Err(self.err_at(self.off(), format!("missing value for {ctx}")));
            }
            cmds.push(cmd);
            self.skip_space();
            match self.peek() {
                Tok::Bar => {
                    self.i += 1;
                }
                _ => break,
            }
        }
        if !assign {
            for v in &decl {
                self.vars.push(v.clone());
            }
        }
        // Go: non-executable operands (literals) may only start a pipeline.
        for c in cmds.iter().skip(1) {
            if let Some(a) = c.args.first()
                && matches!(a, Arg::Bool(_) | Arg::Int(_) | Arg::Float(_) | Arg::Str(_) | Arg::Nil | Arg::Dot)
            {
                return Err(
                    self.err_at(c.pos.off as usize, format!("non executable command in pipeline stage {}", cmds_index(&cmds, c) + 1))
                );
            }
        }
        Ok(Pipe { pos, decl, assign, cmds })
    }

    fn command(&mut self) -> PResult<Cmd> {
        let start = self.off();
        let mut args = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                Tok::Close | Tok::RParen | Tok::Bar | Tok::Eof => break,
                _ => {}
            }
            let a = self.operand()?;
            args.push(a);
            match self.peek() {
                Tok::Space | Tok::Close | Tok::RParen | Tok::Bar | Tok::Eof => {}
                t => {
                    let t = t.clone();
                    return Err(self.err_at(self.off(), format!("unexpected {} in operand", describe(&t))));
                }
            }
        }
        let end = self.toks.get(self.i.saturating_sub(1)).map_or(start, |t| t.end).max(start);
        Ok(Cmd { pos: self.pos(start), end: end as u32, args })
    }

    fn fields(&mut self) -> Vec<Arc<str>> {
        let mut out = Vec::new();
        while let Tok::Field(f) = self.peek() {
            out.push(f.clone());
            self.i += 1;
        }
        out
    }

    fn operand(&mut self) -> PResult<Arg> {
        let off = self.off();
        let t = self.next();
        let base = match t {
            Tok::Field(f) => {
                let mut chain = vec![f];
                chain.extend(self.fields());
                return Ok(Arg::Field(chain));
            }
            Tok::Var(v) => {
                if !self.vars.contains(&v) {
                    return Err(self.err_at(off, format!("undefined variable \"{v}\"")));
                }
                let fields = self.fields();
                return Ok(Arg::Var(v, fields));
            }
            Tok::Dot => Arg::Dot,
            Tok::Str(s) => Arg::Str(s),
            Tok::Char(c) => Arg::Int(c),
            Tok::Number(n) => parse_number(&n).ok_or_else(|| self.err_at(off, format!("bad number syntax: {n:?}")))?,
            Tok::Ident(id) => match &*id {
                "true" => Arg::Bool(true),
                "false" => Arg::Bool(false),
                "nil" => Arg::Nil,
                "if" | "range" | "with" | "end" | "else" | "define" | "template" | "block" | "break" | "continue" => {
                    return Err(self.err_at(off, format!("unexpected <{id}> in operand")));
                }
                _ => {
                    if !(self.is_known_func)(&id) {
                        return Err(self.err_at(off, format!("function \"{id}\" not defined")));
                    }
                    Arg::Func(id)
                }
            },
            Tok::LParen => {
                self.enter(off)?;
                let pipe = self.pipeline("parenthesized pipeline", false)?;
                self.skip_space();
                let roff = self.off();
                match self.next() {
                    Tok::RParen => {}
                    t => return Err(self.err_at(roff, format!("unexpected {} in parenthesized pipeline", describe(&t)))),
                }
                self.depth -= 1;
                Arg::Pipe(Box::new(pipe))
            }
            t => return Err(self.err_at(off, format!("unexpected {} in operand", describe(&t)))),
        };
        if let Tok::Field(_) = self.peek() {
            let fields = self.fields();
            return match base {
                Arg::Pipe(_) | Arg::Dot => Ok(Arg::Chain(Box::new(base), fields)),
                _ => Err(self.err_at(off, "unexpected . after term")),
            };
        }
        Ok(base)
    }
}

fn save_off(toks: &[Token], i: usize) -> usize {
    toks.get(i).map_or(0, |t| t.off)
}

fn cmds_index(cmds: &[Cmd], c: &Cmd) -> usize {
    cmds.iter().position(|x| std::ptr::eq(x, c)).unwrap_or(0)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Text(_) => "text".into(),
        Tok::Open => "\"{{\"".into(),
        Tok::Close => "\"}}\"".into(),
        Tok::Space => "space".into(),
        Tok::Ident(s) => format!("<{s}>"),
        Tok::Field(s) => format!("<.{s}>"),
        Tok::Var(s) => format!("<{s}>"),
        Tok::Str(s) => format!("{s:?}"),
        Tok::Char(_) => "character constant".into(),
        Tok::Number(n) => format!("<{n}>"),
        Tok::Dot => "<.>".into(),
        Tok::LParen => "\"(\"".into(),
        Tok::RParen => "\")\"".into(),
        Tok::Bar => "\"|\"".into(),
        Tok::Declare => "\":=\"".into(),
        Tok::Assign => "\"=\"".into(),
        Tok::Comma => "\",\"".into(),
        Tok::Eof => "EOF".into(),
    }
}
