//! Terraform's built-in functions, over the resource model's JSON values.
//!
//! Values are `serde_json::Value`s; a value stridegate cannot know is the in-band marker
//! `{"$unknown": "<why>"}` (see [`crate::model::UNKNOWN_KEY`]). Lists, tuples and sets are JSON
//! arrays (a set made by `toset` is sorted and deduplicated); maps and objects are JSON objects,
//! and functions that build them sort their keys the way Terraform iterates them.
//!
//! Three outcomes, kept apart on purpose:
//!
//! - a value, computed the way Terraform computes it;
//! - an *unknown* value, when an argument that matters is unknown, when the result depends on
//!   the machine or the moment (`timestamp`, `uuid`, `bcrypt`), or when we are not sure we would
//!   compute exactly what Terraform computes (an unusual Unicode string, a regular expression
//!   our engine reads differently, a function we do not implement);
//! - an *error* (`Err` from [`call`]), only where Terraform itself fails: `tonumber("x")`,
//!   `regex` without a match, `lookup` of a missing key without a default. The evaluator turns
//!   an error into an unknown whose reason starts with [`ERROR_PREFIX`], so that `try()` can
//!   skip it and `can()` can say false.
//!
//! Nothing here panics or allocates without bound: collections are capped at 10,000 items and
//! strings at 1 MB (beyond that the result is unknown), and files are read only inside the scan
//! root and up to 1 MB.

use std::cmp::Ordering;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Number, Value};

use crate::model::{UNKNOWN_KEY, is_unknown};

/// What a function may need besides its arguments.
#[derive(Debug, Clone, Default)]
pub struct FuncContext {
    /// The module directory on disk (`path.module`); `file()`/`templatefile()` may only read
    /// inside `root`.
    pub module_dir: Option<std::path::PathBuf>,
    /// The scan root: files outside it are never read.
    pub root: Option<std::path::PathBuf>,
    /// The evaluation budget of the module being evaluated, so that `templatefile()` renders
    /// within the same limits.
    pub budget: Option<std::sync::Arc<super::eval::EvalBudget>>,
}

/// Reasons of unknown values that stand for an evaluation *error* (Terraform would fail the
/// expression) start with this; other unknown values are values Terraform knows only later.
pub const ERROR_PREFIX: &str = "error: ";

/// Most items a function result may hold.
const MAX_ITEMS: usize = 10_000;
/// Longest string a function may produce.
const MAX_BYTES: usize = 1 << 20;
/// Largest file `file()` and friends read.
const MAX_FILE: u64 = 1 << 20;

/// The unknown marker with a reason.
pub fn unknown(reason: impl Into<String>) -> Value {
    crate::model::unknown(reason)
}

/// The unknown marker for an evaluation error (its reason starts with [`ERROR_PREFIX`]).
pub fn error(reason: impl Into<String>) -> Value {
    unknown(format!("{ERROR_PREFIX}{}", reason.into()))
}

/// True when `v` is the unknown marker of an evaluation error.
pub fn is_error(v: &Value) -> bool {
    is_unknown(v) && v.get(UNKNOWN_KEY).and_then(Value::as_str).is_some_and(|r| r.starts_with(ERROR_PREFIX))
}

/// The first evaluation error anywhere inside `v`.
pub fn find_error(v: &Value) -> Option<&Value> {
    let mut stack = vec![v];
    while let Some(x) = stack.pop() {
        if is_unknown(x) {
            if is_error(x) {
                return Some(x);
            }
            continue;
        }
        match x {
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    None
}

/// True when `v` is unknown or holds an unknown value anywhere inside (Terraform's "not wholly
/// known").
pub fn has_unknown(v: &Value) -> bool {
    let mut stack = vec![v];
    while let Some(x) = stack.pop() {
        if is_unknown(x) {
            return true;
        }
        match x {
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    false
}

/// Why a function did not produce a value.
enum Fail {
    /// Terraform fails here too.
    Error(String),
    /// The result cannot be known (or we are not sure we would compute Terraform's result).
    Unknown(String),
}

type R = Result<Value, Fail>;

fn bad(msg: impl Into<String>) -> Fail {
    Fail::Error(msg.into())
}

fn unsure(msg: impl Into<String>) -> Fail {
    Fail::Unknown(msg.into())
}

/// Calls Terraform function `name`. Errors are real evaluation errors (wrong argument types or
/// values for a known function, as Terraform reports them); unknown functions and arguments
/// that cannot be known give an unknown value.
pub fn call(name: &str, args: &[Value], ctx: &FuncContext) -> Result<Value, String> {
    match dispatch(name, args, ctx) {
        Ok(Value::String(s)) if s.len() > MAX_BYTES => Ok(unknown(format!("{name}(...): result too large"))),
        Ok(Value::Array(a)) if a.len() > MAX_ITEMS => Ok(unknown(format!("{name}(...): result too large"))),
        Ok(v) => Ok(v),
        Err(Fail::Error(e)) => Err(e),
        Err(Fail::Unknown(why)) => Ok(unknown(format!("{name}(...): {why}"))),
    }
}

fn dispatch(name: &str, args: &[Value], ctx: &FuncContext) -> R {
    // Functions that decide themselves which unknown parts of their arguments matter.
    match name {
        "length" => return length(args),
        "concat" => return concat(args),
        "merge" => return merge(args),
        "coalesce" => return coalesce(args),
        "coalescelist" => return coalescelist(args),
        "contains" => return contains(args),
        "element" => return element(args),
        "index" => return index_of(args),
        "keys" => return keys(args),
        "values" => return values(args),
        "one" => return one(args),
        "slice" => return slice(args),
        "reverse" => return reverse(args),
        "alltrue" => return alltrue(args),
        "anytrue" => return anytrue(args),
        "zipmap" => return zipmap(args),
        "templatefile" => return templatefile(args, ctx),
        "sensitive" | "nonsensitive" => {
            arity(args, 1, 1)?;
            return arg(args, 0).cloned();
        }
        _ => {}
    }
    if args.iter().any(has_unknown) {
        return Err(unsure("an argument cannot be known"));
    }
    match name {
        // Encoding.
        "jsonencode" => {
            arity(args, 1, 1)?;
            let mut out = String::new();
            json_encode(arg(args, 0)?, &mut out, 0)?;
            Ok(Value::String(out))
        }
        "jsondecode" => jsondecode(args),
        "yamlencode" => yamlencode(args),
        "yamldecode" => yamldecode(args),
        "base64encode" => {
            arity(args, 1, 1)?;
            Ok(Value::String(base64_encode(string(arg(args, 0)?)?.as_bytes())))
        }
        "base64decode" => base64decode(args),
        "urlencode" => {
            arity(args, 1, 1)?;
            Ok(Value::String(urlencode(&string(arg(args, 0)?)?)))
        }
        // Strings.
        "format" => {
            let spec = string(arg(args, 0)?)?;
            Ok(Value::String(format_spec(&spec, args.get(1..).unwrap_or(&[]))?))
        }
        "formatlist" => formatlist(args),
        "join" => join(args),
        "split" => split(args),
        "lower" | "upper" => change_case(args, name == "upper"),
        "title" => {
            arity(args, 1, 1)?;
            Ok(Value::String(title(&string(arg(args, 0)?)?)))
        }
        "trimspace" => {
            arity(args, 1, 1)?;
            Ok(Value::String(string(arg(args, 0)?)?.trim().to_string()))
        }
        "trim" => {
            arity(args, 2, 2)?;
            let (s, cut) = (string(arg(args, 0)?)?, string(arg(args, 1)?)?);
            Ok(Value::String(s.trim_matches(|c| cut.contains(c)).to_string()))
        }
        "trimprefix" | "trimsuffix" => {
            arity(args, 2, 2)?;
            let (s, affix) = (string(arg(args, 0)?)?, string(arg(args, 1)?)?);
            let out = if name == "trimprefix" { s.strip_prefix(affix.as_str()) } else { s.strip_suffix(affix.as_str()) };
            Ok(Value::String(out.unwrap_or(&s).to_string()))
        }
        "chomp" => {
            arity(args, 1, 1)?;
            Ok(Value::String(string(arg(args, 0)?)?.trim_end_matches(['\r', '\n']).to_string()))
        }
        "indent" => indent(args),
        "replace" => replace(args),
        "regex" | "regexall" => regex_fn(args, name == "regexall"),
        "substr" => substr(args),
        "strrev" => {
            arity(args, 1, 1)?;
            let s = string(arg(args, 0)?)?;
            let parts = clusters(&s).ok_or_else(|| unsure("string with combining characters"))?;
            Ok(Value::String(parts.into_iter().rev().collect()))
        }
        "startswith" | "endswith" | "strcontains" => {
            arity(args, 2, 2)?;
            let (s, part) = (string(arg(args, 0)?)?, string(arg(args, 1)?)?);
            Ok(Value::Bool(match name {
                "startswith" => s.starts_with(part.as_str()),
                "endswith" => s.ends_with(part.as_str()),
                _ => s.contains(part.as_str()),
            }))
        }
        // Type conversion.
        "tostring" => tostring(args),
        "tonumber" => tonumber(args),
        "tobool" => tobool(args),
        "tolist" | "toset" | "tomap" => to_collection(args, name),
        // Collections.
        "lookup" => lookup(args),
        "compact" => compact(args),
        "distinct" => {
            arity(args, 1, 1)?;
            Ok(Value::Array(dedupe(list(arg(args, 0)?)?.clone())))
        }
        "flatten" => flatten(args),
        "chunklist" => chunklist(args),
        "setunion" | "setintersection" | "setsubtract" => set_op(args, name),
        "setproduct" => setproduct(args),
        "sort" => sort(args),
        "sum" => sum(args),
        "range" => range(args),
        "transpose" => transpose(args),
        "matchkeys" => matchkeys(args),
        // Numbers.
        "min" | "max" => min_max(args, name == "max"),
        "abs" | "ceil" | "floor" | "signum" => {
            arity(args, 1, 1)?;
            let v = arg(args, 0)?;
            if let (Some(i), "abs" | "ceil" | "floor") = (v.as_i64(), name) {
                return Ok(Value::from(if name == "abs" { i.checked_abs().ok_or_else(|| unsure("overflow"))? } else { i }));
            }
            let x = number(v)?;
            num_value(match name {
                "abs" => x.abs(),
                "ceil" => x.ceil(),
                "floor" => x.floor(),
                _ => {
                    if x > 0.0 {
                        1.0
                    } else if x < 0.0 {
                        -1.0
                    } else {
                        0.0
                    }
                }
            })
        }
        "pow" => {
            arity(args, 2, 2)?;
            num_value(number(arg(args, 0)?)?.powf(number(arg(args, 1)?)?))
        }
        "log" => {
            arity(args, 2, 2)?;
            let (x, base) = (number(arg(args, 0)?)?, number(arg(args, 1)?)?);
            num_value(x.ln() / base.ln())
        }
        "parseint" => parseint(args),
        // Network.
        "cidrhost" => cidrhost(args),
        "cidrnetmask" => cidrnetmask(args),
        "cidrsubnet" => cidrsubnet(args),
        "cidrsubnets" => cidrsubnets(args),
        // Filesystem.
        "file" => {
            arity(args, 1, 1)?;
            let bytes = read_file(ctx, &string(arg(args, 0)?)?)?;
            String::from_utf8(bytes).map(Value::String).map_err(|_| unsure("file is not UTF-8 text"))
        }
        "filebase64" => {
            arity(args, 1, 1)?;
            Ok(Value::String(base64_encode(&read_file(ctx, &string(arg(args, 0)?)?)?)))
        }
        "fileexists" => fileexists(args, ctx),
        "abspath" => {
            arity(args, 1, 1)?;
            let p = string(arg(args, 0)?)?;
            if p.starts_with('/') { Ok(Value::String(clean_path(&p))) } else { Err(unsure("depends on the working directory")) }
        }
        "dirname" => {
            arity(args, 1, 1)?;
            Ok(Value::String(dirname(&string(arg(args, 0)?)?)))
        }
        "basename" => {
            arity(args, 1, 1)?;
            Ok(Value::String(basename(&string(arg(args, 0)?)?)))
        }
        "pathexpand" => Err(unsure("depends on the home directory")),
        "timestamp" | "plantimestamp" | "uuid" | "bcrypt" => Err(unsure("not known before apply")),
        "md5" | "sha1" | "sha256" | "sha512" | "filemd5" | "filesha1" | "filesha256" | "filesha512" | "base64sha256" | "base64sha512"
        | "filebase64sha256" | "filebase64sha512" | "uuidv5" => Err(unsure("hashes are not computed")),
        _ => Err(unsure("function not evaluated")),
    }
}

// ---------------------------------------------------------------------------------------------
// Arguments and conversions.

fn arity(args: &[Value], min: usize, max: usize) -> Result<(), Fail> {
    if args.len() < min || args.len() > max {
        let want = if min == max { min.to_string() } else { format!("{min} to {max}") };
        return Err(bad(format!("expected {want} arguments, got {}", args.len())));
    }
    Ok(())
}

fn arg(args: &[Value], i: usize) -> Result<&Value, Fail> {
    args.get(i).ok_or_else(|| bad(format!("missing argument {}", i + 1)))
}

/// Terraform's conversion to string: numbers and booleans convert, collections do not.
fn string(v: &Value) -> Result<String, Fail> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(number_text(n)),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err(bad("argument must not be null")),
        v if is_unknown(v) => Err(unsure("an argument cannot be known")),
        _ => Err(bad("a string is required")),
    }
}

/// A number as Terraform writes it in strings (`1`, `1.5`, never `1.0` or an exponent).
pub fn number_text(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        let f = n.as_f64().unwrap_or(0.0);
        if f == 0.0 { "0".to_string() } else { format!("{f}") }
    }
}

fn num_value(f: f64) -> R {
    if !f.is_finite() {
        return Err(unsure("number out of range"));
    }
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        return Ok(Value::from(f as i64));
    }
    Number::from_f64(f).map(Value::Number).ok_or_else(|| unsure("number out of range"))
}

/// Parses a number the way Terraform converts a string (`"1.5"`, `"-2"`, `"1e3"`).
fn parse_number(s: &str) -> Option<Value> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return None;
    }
    if let Ok(i) = s.parse::<i64>() {
        return Some(Value::from(i));
    }
    let f: f64 = s.parse().ok()?;
    num_value(f).ok()
}

fn number(v: &Value) -> Result<f64, Fail> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| unsure("number out of range")),
        Value::String(s) => parse_number(s).and_then(|v| v.as_f64()).ok_or_else(|| bad(format!("cannot convert {s:?} to a number"))),
        Value::Null => Err(bad("argument must not be null")),
        v if is_unknown(v) => Err(unsure("an argument cannot be known")),
        _ => Err(bad("a number is required")),
    }
}

fn integer(v: &Value) -> Result<i64, Fail> {
    if let Some(i) = v.as_i64() {
        return Ok(i);
    }
    if let Value::String(s) = v {
        let n = parse_number(s).ok_or_else(|| bad(format!("cannot convert {s:?} to a number")))?;
        return integer(&n);
    }
    let f = number(v)?;
    if f.fract() != 0.0 {
        return Err(bad("an integer is required"));
    }
    if f.abs() >= 9.0e15 {
        return Err(unsure("integer out of range"));
    }
    #[allow(clippy::cast_possible_truncation)]
    Ok(f as i64)
}

fn boolean(v: &Value) -> Result<bool, Fail> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        Value::Null => Err(bad("argument must not be null")),
        v if is_unknown(v) => Err(unsure("an argument cannot be known")),
        _ => Err(bad("a bool is required")),
    }
}

fn list(v: &Value) -> Result<&Vec<Value>, Fail> {
    match v {
        Value::Array(a) => Ok(a),
        Value::Null => Err(bad("argument must not be null")),
        v if is_unknown(v) => Err(unsure("an argument cannot be known")),
        _ => Err(bad("a list is required")),
    }
}

fn object(v: &Value) -> Result<&Map<String, Value>, Fail> {
    match v {
        v if is_unknown(v) => Err(unsure("an argument cannot be known")),
        Value::Object(m) => Ok(m),
        Value::Null => Err(bad("argument must not be null")),
        _ => Err(bad("a map or object is required")),
    }
}

fn sort_keys(m: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = m.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

/// Equality as Terraform decides it, or `None` when it cannot be decided (an unknown part, or a
/// number compared with a numeric string, which Terraform may have converted to one type).
fn equals(a: &Value, b: &Value) -> Option<bool> {
    if is_unknown(a) || is_unknown(b) {
        return None;
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => Some(i == j),
            _ => Some(x.as_f64() == y.as_f64()),
        },
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            if parse_number(s).and_then(|v| v.as_f64()) == n.as_f64() { None } else { Some(false) }
        }
        (Value::String(s), Value::Bool(x)) | (Value::Bool(x), Value::String(s)) => {
            if s == if *x { "true" } else { "false" } {
                None
            } else {
                Some(false)
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            all_equal(x.iter().zip(y))
        }
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() || x.keys().any(|k| !y.contains_key(k)) {
                return Some(false);
            }
            all_equal(x.iter().filter_map(|(k, v)| Some((v, y.get(k)?))))
        }
        _ => Some(a == b),
    }
}

fn all_equal<'a>(pairs: impl Iterator<Item = (&'a Value, &'a Value)>) -> Option<bool> {
    let mut undecided = false;
    for (x, y) in pairs {
        match equals(x, y) {
            Some(false) => return Some(false),
            None => undecided = true,
            Some(true) => {}
        }
    }
    if undecided { None } else { Some(true) }
}

/// Terraform's element type unification for a list/set/map of primitives: a mix of strings,
/// numbers and booleans becomes strings. Mixes we do not model are unknown.
fn unify(items: Vec<Value>) -> Result<Vec<Value>, Fail> {
    let mut kinds = 0u8;
    for v in &items {
        kinds |= match v {
            Value::Null => 0,
            Value::String(_) => 1,
            Value::Number(_) => 2,
            Value::Bool(_) => 4,
            Value::Array(_) => 8,
            Value::Object(_) => 16,
        };
    }
    if kinds.count_ones() <= 1 {
        return Ok(items);
    }
    if kinds & !7 != 0 {
        return Err(unsure("elements of mixed types"));
    }
    items.into_iter().map(|v| if v.is_null() { Ok(v) } else { string(&v).map(Value::String) }).collect()
}

/// Terraform's set order: numbers by value, strings lexically, anything else by its JSON text.
fn set_order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i.cmp(&j),
            _ => x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal),
        },
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => serde_json::to_string(a).unwrap_or_default().cmp(&serde_json::to_string(b).unwrap_or_default()),
    }
}

fn dedupe(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in items {
        if !out.iter().any(|o| equals(o, &v) == Some(true)) {
            out.push(v);
        }
    }
    out
}

fn to_set(items: Vec<Value>) -> Result<Vec<Value>, Fail> {
    let mut items = dedupe(unify(items)?);
    items.sort_by(set_order);
    Ok(items)
}

/// Splits `s` into grapheme clusters, or `None` when it holds characters that may combine with
/// their neighbours (where a character count would differ from Terraform's cluster count).
fn clusters(s: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let u = c as u32;
        let simple = c.is_ascii()
            || matches!(u, 0xA0..=0x2FF | 0x370..=0x482 | 0x48A..=0x58F | 0x2010..=0x205F | 0x20A0..=0x20C0 | 0x2100..=0x23FF
                | 0x2460..=0x24FF | 0x2500..=0x25FF | 0x3000..=0x3098 | 0x309B..=0x30FF | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3
                | 0xFF01..=0xFF9D);
        if !simple {
            return None;
        }
        let mut end = i + c.len_utf8();
        if c == '\r' && matches!(it.peek(), Some((_, '\n'))) {
            it.next();
            end += 1;
        }
        out.push(s.get(i..end)?);
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Functions that look at unknown parts themselves.

fn length(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    match arg(args, 0)? {
        v if is_unknown(v) => Err(unsure("an argument cannot be known")),
        Value::String(s) => clusters(s).map(|c| Value::from(c.len())).ok_or_else(|| unsure("string with combining characters")),
        // A `dynamic` block over an unknown collection stands for an unknown number of blocks.
        Value::Array(a) if a.iter().any(is_dynamic_placeholder) => Err(unsure("a number of dynamic blocks that cannot be known")),
        Value::Array(a) => Ok(Value::from(a.len())),
        Value::Object(m) => Ok(Value::from(m.len())),
        Value::Null => Err(bad("argument must not be null")),
        _ => Err(bad("argument must be a string, a collection or a structural type")),
    }
}

fn is_dynamic_placeholder(v: &Value) -> bool {
    is_unknown(v) && v.get(UNKNOWN_KEY).and_then(Value::as_str).is_some_and(|r| r.starts_with("dynamic \""))
}

fn concat(args: &[Value]) -> R {
    if args.is_empty() {
        return Err(bad("at least one argument is required"));
    }
    let mut out = Vec::new();
    for a in args {
        out.extend(list(a)?.iter().cloned());
        if out.len() > MAX_ITEMS {
            return Err(unsure("result too large"));
        }
    }
    Ok(Value::Array(out))
}

fn merge(args: &[Value]) -> R {
    let mut out = Map::new();
    for a in args {
        match a {
            Value::Null => {}
            v => {
                for (k, v) in object(v)? {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Ok(Value::Object(sort_keys(out)))
}

fn coalesce(args: &[Value]) -> R {
    if args.is_empty() {
        return Err(bad("at least one argument is required"));
    }
    let primitive = args.iter().all(|a| matches!(a, Value::Null | Value::String(_) | Value::Number(_) | Value::Bool(_)) || is_unknown(a));
    let any_string = args.iter().any(Value::is_string);
    let any_unknown = args.iter().any(is_unknown);
    for a in args {
        match a {
            v if is_unknown(v) => return Err(unsure("an argument cannot be known")),
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            Value::Number(_) | Value::Bool(_) if primitive && any_string => return string(a).map(Value::String),
            // An unknown argument may be a string, which would make the result a string.
            Value::Number(_) | Value::Bool(_) if any_unknown => return Err(unsure("result type cannot be known")),
            v => return Ok(v.clone()),
        }
    }
    Err(bad("no non-null, non-empty-string arguments"))
}

fn coalescelist(args: &[Value]) -> R {
    if args.is_empty() {
        return Err(bad("at least one argument is required"));
    }
    for a in args {
        if !list(a)?.is_empty() {
            return Ok(a.clone());
        }
    }
    Err(bad("no non-empty list or tuple arguments"))
}

fn contains(args: &[Value]) -> R {
    arity(args, 2, 2)?;
    let items = list(arg(args, 0)?)?;
    let value = arg(args, 1)?;
    if has_unknown(value) {
        return Err(unsure("an argument cannot be known"));
    }
    let mut undecided = false;
    for item in items {
        match equals(item, value) {
            Some(true) => return Ok(Value::Bool(true)),
            None => undecided = true,
            Some(false) => {}
        }
    }
    if undecided { Err(unsure("an element cannot be known")) } else { Ok(Value::Bool(false)) }
}

fn element(args: &[Value]) -> R {
    arity(args, 2, 2)?;
    let items = list(arg(args, 0)?)?;
    let i = integer(arg(args, 1)?)?;
    if i < 0 {
        return Err(bad("cannot use element function with a negative index"));
    }
    if items.is_empty() {
        return Err(bad("cannot use element function with an empty list"));
    }
    let i = usize::try_from(i).map_err(|_| unsure("index out of range"))? % items.len();
    items.get(i).cloned().ok_or_else(|| unsure("index out of range"))
}

fn index_of(args: &[Value]) -> R {
    arity(args, 2, 2)?;
    let items = list(arg(args, 0)?)?;
    let value = arg(args, 1)?;
    if has_unknown(value) {
        return Err(unsure("an argument cannot be known"));
    }
    for (i, item) in items.iter().enumerate() {
        match equals(item, value) {
            Some(true) => return Ok(Value::from(i)),
            None => return Err(unsure("an element cannot be known")),
            Some(false) => {}
        }
    }
    Err(bad("item not found"))
}

fn keys(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let mut k: Vec<&String> = object(arg(args, 0)?)?.keys().collect();
    k.sort();
    Ok(Value::Array(k.into_iter().map(|s| Value::String(s.clone())).collect()))
}

fn values(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let mut entries: Vec<(&String, &Value)> = object(arg(args, 0)?)?.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    Ok(Value::Array(entries.into_iter().map(|(_, v)| v.clone()).collect()))
}

fn one(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let items = list(arg(args, 0)?)?;
    match items.as_slice() {
        [] => Ok(Value::Null),
        [x] => Ok(x.clone()),
        _ => Err(bad("must be a list, set, or tuple value with either zero or one elements")),
    }
}

fn slice(args: &[Value]) -> R {
    arity(args, 3, 3)?;
    let items = list(arg(args, 0)?)?;
    let (start, end) = (integer(arg(args, 1)?)?, integer(arg(args, 2)?)?);
    let (Ok(s), Ok(e)) = (usize::try_from(start), usize::try_from(end)) else {
        return Err(bad("slice indices must not be negative"));
    };
    if s > e || e > items.len() {
        return Err(bad("slice indices out of range"));
    }
    items.get(s..e).map(|x| Value::Array(x.to_vec())).ok_or_else(|| bad("slice indices out of range"))
}

fn reverse(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    Ok(Value::Array(list(arg(args, 0)?)?.iter().rev().cloned().collect()))
}

fn alltrue(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let mut undecided = false;
    for v in list(arg(args, 0)?)? {
        match v {
            v if is_unknown(v) => undecided = true,
            Value::Null => return Ok(Value::Bool(false)),
            v => {
                if !boolean(v)? {
                    return Ok(Value::Bool(false));
                }
            }
        }
    }
    if undecided { Err(unsure("an element cannot be known")) } else { Ok(Value::Bool(true)) }
}

fn anytrue(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let mut undecided = false;
    for v in list(arg(args, 0)?)? {
        match v {
            v if is_unknown(v) => undecided = true,
            Value::Null => {}
            v => {
                if boolean(v)? {
                    return Ok(Value::Bool(true));
                }
            }
        }
    }
    if undecided { Err(unsure("an element cannot be known")) } else { Ok(Value::Bool(false)) }
}

fn zipmap(args: &[Value]) -> R {
    arity(args, 2, 2)?;
    let names = list(arg(args, 0)?)?;
    let vals = list(arg(args, 1)?)?;
    if names.iter().any(has_unknown) {
        return Err(unsure("a key cannot be known"));
    }
    if names.len() != vals.len() {
        return Err(bad(format!("number of keys ({}) does not match number of values ({})", names.len(), vals.len())));
    }
    let mut out = Map::new();
    for (k, v) in names.iter().zip(vals) {
        out.insert(string(k)?, v.clone());
    }
    Ok(Value::Object(sort_keys(out)))
}

fn templatefile(args: &[Value], ctx: &FuncContext) -> R {
    arity(args, 2, 2)?;
    let path = arg(args, 0)?;
    if has_unknown(path) {
        return Err(unsure("an argument cannot be known"));
    }
    let vars = object(arg(args, 1)?)?;
    let bytes = read_file(ctx, &string(path)?)?;
    let text = String::from_utf8(bytes).map_err(|_| unsure("template is not UTF-8 text"))?;
    super::eval::render_template(&text, vars, ctx).map_err(bad)
}

// ---------------------------------------------------------------------------------------------
// Encoding.

fn json_encode(v: &Value, out: &mut String, depth: usize) -> Result<(), Fail> {
    if out.len() > MAX_BYTES || depth > 256 {
        return Err(unsure("result too large"));
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => crate::encode::go_json_string(out, s, true),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_encode(x, out, depth + 1)?;
            }
            out.push(']');
        }
        Value::Object(m) => {
            if is_unknown(v) {
                return Err(unsure("an argument cannot be known"));
            }
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                crate::encode::go_json_string(out, k, true);
                out.push(':');
                json_encode(x, out, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Sorts object keys and writes integral numbers as integers, recursively (decoded documents).
fn normalize(v: Value, depth: usize) -> Result<Value, Fail> {
    if depth > 256 {
        return Err(unsure("document nested too deeply"));
    }
    Ok(match v {
        Value::Number(n) if n.as_i64().is_none() && n.as_u64().is_none() => num_value(n.as_f64().unwrap_or(f64::NAN))?,
        Value::Array(a) => Value::Array(a.into_iter().map(|x| normalize(x, depth + 1)).collect::<Result<_, _>>()?),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(k, normalize(x, depth + 1)?);
            }
            Value::Object(sort_keys(out))
        }
        other => other,
    })
}

fn jsondecode(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let text = string(arg(args, 0)?)?;
    let v: Value = serde_json::from_str(&text).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    normalize(v, 0)
}

fn yamldecode(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let text = string(arg(args, 0)?)?;
    let lines = crate::source::LineIndex::new(&text);
    let parsed = crate::parse::yaml::parse(&text, &lines, &crate::parse::Limits::default());
    if let Some(e) = parsed.error {
        return Err(bad(format!("invalid YAML: {}", e.message)));
    }
    let mut docs = parsed.documents.into_iter();
    match (docs.next(), docs.next()) {
        (None, _) => Ok(Value::Null),
        (Some(d), None) => normalize(d.value, 0),
        (Some(_), Some(_)) => Err(bad("unexpected extra content after value (more than one YAML document)")),
    }
}

fn yamlencode(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let v = arg(args, 0)?;
    let mut out = String::new();
    if is_block(v) {
        yaml_block(v, 0, &mut out, 0)?;
    } else {
        yaml_scalar(v, &mut out);
    }
    out.push('\n');
    Ok(Value::String(out))
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
        _ => false,
    }
}

/// A scalar or empty collection in flow style; strings are always double-quoted (as
/// Terraform's encoder does) with JSON-compatible escapes.
fn yaml_scalar(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 || c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c) => {
                        out.push_str(&format!("\\x{:02x}", c as u32));
                    }
                    '\u{feff}' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// A non-empty collection in block style, starting at the current column `indent`.
fn yaml_block(v: &Value, indent: usize, out: &mut String, depth: usize) -> Result<(), Fail> {
    if out.len() > MAX_BYTES || depth > 256 {
        return Err(unsure("result too large"));
    }
    let pad = " ".repeat(indent);
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                    out.push_str(&pad);
                }
                out.push_str("- ");
                if is_block(item) {
                    yaml_block(item, indent + 2, out, depth + 1)?;
                } else {
                    yaml_scalar(item, out);
                }
            }
        }
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                    out.push_str(&pad);
                }
                yaml_scalar(&Value::String(k.clone()), out);
                out.push(':');
                match item {
                    Value::Object(_) if is_block(item) => {
                        out.push('\n');
                        out.push_str(&pad);
                        out.push_str("  ");
                        yaml_block(item, indent + 2, out, depth + 1)?;
                    }
                    Value::Array(_) if is_block(item) => {
                        out.push('\n');
                        out.push_str(&pad);
                        yaml_block(item, indent, out, depth + 1)?;
                    }
                    _ => {
                        out.push(' ');
                        yaml_scalar(item, out);
                    }
                }
            }
        }
        other => yaml_scalar(other, out),
    }
    Ok(())
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    let sym = |n: u32| BASE64.get((n & 63) as usize).map_or('=', |b| *b as char);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sym(n >> 18));
        out.push(sym(n >> 12));
        out.push(if chunk.len() > 1 { sym(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(n) } else { '=' });
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = s.bytes().filter(|b| *b != b'\r' && *b != b'\n').collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let groups = clean.len() / 4;
    let mut out = Vec::with_capacity(groups * 3);
    for (g, chunk) in clean.chunks(4).enumerate() {
        let mut n = 0u32;
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if g + 1 == groups && i >= 2 => {
                    pad += 1;
                    0
                }
                _ => return None,
            };
            if pad > 0 && c != b'=' {
                return None;
            }
            n = (n << 6) | u32::from(v);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(bytes.get(..3 - pad)?);
    }
    Some(out)
}

fn base64decode(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let s = string(arg(args, 0)?)?;
    let bytes = base64_decode(&s).ok_or_else(|| bad("failed to decode base64 data"))?;
    String::from_utf8(bytes).map(Value::String).map_err(|_| bad("the result of decoding the provided string is not valid UTF-8"))
}

/// Go's `url.QueryEscape`.
fn urlencode(s: &str) -> String {
    crate::encode::go_query_escape(s)
}

// ---------------------------------------------------------------------------------------------
// Strings.

#[derive(Default)]
struct Verb {
    minus: bool,
    plus: bool,
    space: bool,
    zero: bool,
    sharp: bool,
    width: Option<usize>,
    prec: Option<usize>,
    mode: char,
}

/// Largest width or precision honoured in a format verb.
const MAX_WIDTH: usize = 100_000;

fn format_spec(spec: &str, args: &[Value]) -> Result<String, Fail> {
    let mut out = String::new();
    let mut chars = spec.chars().peekable();
    let mut next_arg = 0usize;
    let mut highest = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut verb = Verb::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => verb.minus = true,
                '+' => verb.plus = true,
                ' ' => verb.space = true,
                '0' => verb.zero = true,
                '#' => verb.sharp = true,
                _ => break,
            }
            chars.next();
        }
        let mut explicit = arg_index(&mut chars)?;
        verb.width = digits(&mut chars)?;
        if chars.peek() == Some(&'.') {
            chars.next();
            verb.prec = Some(digits(&mut chars)?.ok_or_else(|| bad("a period in a format verb must be followed by a precision"))?);
        }
        if let Some(i) = arg_index(&mut chars)? {
            explicit = Some(i);
        }
        verb.mode = chars.next().ok_or_else(|| bad("format string ends inside a verb"))?;
        let idx = match explicit {
            Some(0) => return Err(bad("argument index must be at least 1")),
            Some(n) => n - 1,
            None => next_arg,
        };
        next_arg = idx + 1;
        highest = highest.max(idx + 1);
        let value = args.get(idx).ok_or_else(|| bad(format!("not enough arguments for format verb %{}", verb.mode)))?;
        format_one(&verb, value, &mut out)?;
        if out.len() > MAX_BYTES {
            return Err(unsure("result too large"));
        }
    }
    if highest < args.len() {
        return Err(bad(format!("too many arguments; only {highest} used by format string")));
    }
    Ok(out)
}

fn digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Option<usize>, Fail> {
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        chars.next();
        let v = n.unwrap_or(0).checked_mul(10).and_then(|x| x.checked_add(d as usize)).ok_or_else(|| unsure("width too large"))?;
        if v > MAX_WIDTH {
            return Err(unsure("width too large"));
        }
        n = Some(v);
    }
    Ok(n)
}

fn arg_index(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Option<usize>, Fail> {
    if chars.peek() != Some(&'[') {
        return Ok(None);
    }
    chars.next();
    let n = digits(chars)?.ok_or_else(|| bad("invalid argument index in format verb"))?;
    if chars.next() != Some(']') {
        return Err(bad("invalid argument index in format verb"));
    }
    Ok(Some(n))
}

fn format_one(verb: &Verb, value: &Value, out: &mut String) -> Result<(), Fail> {
    if value.is_null() && verb.mode != 'v' {
        return Err(bad(format!("null value cannot be formatted with %{}", verb.mode)));
    }
    match verb.mode {
        'v' => {
            let text = match value {
                Value::String(s) if !verb.sharp => s.clone(),
                Value::Number(n) if !verb.sharp => {
                    let x = n.as_f64().ok_or_else(|| unsure("number out of range"))?;
                    let body = g_format(x.abs(), None, false);
                    if x < 0.0 { format!("-{body}") } else { body }
                }
                other => {
                    let mut s = String::new();
                    json_encode(other, &mut s, 0)?;
                    s
                }
            };
            out.push_str(&pad_text(verb, text)?);
        }
        't' => out.push_str(if boolean(value)? { "true" } else { "false" }),
        'b' | 'd' | 'o' | 'x' | 'X' => out.push_str(&format_integer(verb, value)?),
        'e' | 'E' | 'f' | 'g' | 'G' => out.push_str(&format_float(verb, value)?),
        's' | 'q' => {
            let mut s = string(value)?;
            if let Some(p) = verb.prec.filter(|p| *p > 0) {
                let parts = clusters(&s).ok_or_else(|| unsure("string with combining characters"))?;
                s = parts.into_iter().take(p).collect();
            }
            if verb.mode == 'q' {
                let mut q = String::new();
                crate::encode::go_json_string(&mut q, &s, true);
                s = q;
            }
            out.push_str(&pad_text(verb, s)?);
        }
        other => return Err(bad(format!("unsupported format verb %{other}"))),
    }
    Ok(())
}

/// Pads to the verb's width in characters (`0` pads with zeros, `-` on the right).
fn pad_text(verb: &Verb, s: String) -> Result<String, Fail> {
    let Some(width) = verb.width else { return Ok(s) };
    let len = clusters(&s).ok_or_else(|| unsure("string with combining characters"))?.len();
    if len >= width {
        return Ok(s);
    }
    let pad = (if verb.zero { "0" } else { " " }).repeat(width - len);
    Ok(if verb.minus { s + &pad } else { pad + &s })
}

/// Go's number padding: `[spaces][sign][zeros][digits][spaces]`. For integers `-` wins over
/// `0` and a precision disables zero padding; for floats `0` wins over `-`.
fn pad_number(verb: &Verb, sign: &str, body: &str, float: bool) -> String {
    let pad = verb.width.map_or(0, |w| w.saturating_sub(sign.len() + body.len()));
    let zeros = verb.zero && (float || verb.prec.is_none());
    let (left, right) = (" ".repeat(pad), " ".repeat(pad));
    match (float, zeros, verb.minus) {
        (true, true, _) | (false, true, false) => format!("{sign}{}{body}", "0".repeat(pad)),
        (_, _, true) => format!("{sign}{body}{right}"),
        _ => format!("{left}{sign}{body}"),
    }
}

fn sign_of(verb: &Verb, negative: bool) -> &'static str {
    if negative {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    }
}

fn format_integer(verb: &Verb, value: &Value) -> Result<String, Fail> {
    let n: i128 = match value {
        Value::Number(n) if n.as_i64().is_some() || n.as_u64().is_some() => {
            n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)).unwrap_or(0)
        }
        other => {
            let f = number(other)?;
            if f.fract() != 0.0 {
                return Err(bad(format!("an integer is required for %{}", verb.mode)));
            }
            if f.abs() > 1.0e37 {
                return Err(unsure("integer out of range"));
            }
            #[allow(clippy::cast_possible_truncation)]
            let i = f as i128;
            i
        }
    };
    let mag = n.unsigned_abs();
    let mut digits = match verb.mode {
        'b' => format!("{mag:b}"),
        'o' => format!("{mag:o}"),
        'x' => format!("{mag:x}"),
        'X' => format!("{mag:X}"),
        _ => mag.to_string(),
    };
    if let Some(p) = verb.prec {
        if p == 0 && mag == 0 {
            return Ok(String::new());
        }
        if digits.len() < p {
            digits = "0".repeat(p - digits.len()) + &digits;
        }
    }
    let prefix = if verb.sharp {
        match verb.mode {
            'b' => "0b",
            'o' => "0",
            'x' => "0x",
            'X' => "0X",
            _ => "",
        }
    } else {
        ""
    };
    let sign = format!("{}{prefix}", sign_of(verb, n < 0));
    Ok(pad_number(verb, &sign, &digits, false))
}

fn format_float(verb: &Verb, value: &Value) -> Result<String, Fail> {
    let x = number(value)?;
    let body = match verb.mode {
        'f' => format!("{:.*}", verb.prec.unwrap_or(6), x.abs()),
        'e' | 'E' => exp_text(x.abs(), verb.prec.unwrap_or(6), verb.mode == 'E'),
        _ => g_format(x.abs(), verb.prec, verb.mode == 'G'),
    };
    Ok(pad_number(verb, sign_of(verb, x.is_sign_negative() && x != 0.0), &body, true))
}

fn exp_text(x: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, x);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i64 = e.parse().unwrap_or(0);
    format!("{m}{}{}{:02}", if upper { 'E' } else { 'e' }, if e < 0 { '-' } else { '+' }, e.unsigned_abs())
}

/// Significant decimal digits of `x > 0` (no trailing zeros) and the decimal exponent such that
/// `x = 0.DIGITS × 10^exp`, rounded to `sig` digits (shortest round-trip when `None`).
fn decimal(x: f64, sig: Option<usize>) -> (Vec<u8>, i64) {
    let s = match sig {
        None => format!("{x:e}"),
        Some(p) => format!("{:.*e}", p.saturating_sub(1), x),
    };
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let mut digits: Vec<u8> = m.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, e.parse::<i64>().unwrap_or(0) + 1)
}

/// Go's `big.Float` `%g` formatting of `x >= 0` (`Text('g', prec)`; shortest when `None`).
fn g_format(x: f64, prec: Option<usize>, upper: bool) -> String {
    let (mant, exp) = if x == 0.0 { (Vec::new(), 0) } else { decimal(x, prec.map(|p| p.max(1))) };
    let len = i64::try_from(mant.len()).unwrap_or(i64::MAX);
    let mut p = prec.map_or(len, |p| i64::try_from(p.max(1)).unwrap_or(i64::MAX));
    let mut eprec = p;
    if eprec > len && len >= exp {
        eprec = len;
    }
    if prec.is_none() {
        eprec = 6;
    }
    let e = exp - 1;
    let at = |i: i64| usize::try_from(i).ok().and_then(|i| mant.get(i)).map_or('0', |d| *d as char);
    let mut out = String::new();
    if e < -4 || e >= eprec {
        p = p.min(len);
        out.push(at(0));
        if p > 1 {
            out.push('.');
            for i in 1..p {
                out.push(at(i));
            }
        }
        let shown = if mant.is_empty() { 0 } else { e };
        out.push(if upper { 'E' } else { 'e' });
        out.push(if shown < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", shown.unsigned_abs()));
    } else {
        if p > exp {
            p = len;
        }
        let decimals = (p - exp).max(0);
        if exp > 0 {
            for i in 0..exp {
                out.push(at(i));
            }
        } else {
            out.push('0');
        }
        if decimals > 0 {
            out.push('.');
            for i in 0..decimals {
                out.push(at(exp + i));
            }
        }
    }
    out
}

fn formatlist(args: &[Value]) -> R {
    let spec = string(arg(args, 0)?)?;
    let rest = args.get(1..).unwrap_or(&[]);
    let mut len: Option<usize> = None;
    for a in rest {
        if let Value::Array(items) = a {
            match len {
                None => len = Some(items.len()),
                Some(l) if l != items.len() => return Err(bad("all list arguments must have the same length")),
                Some(_) => {}
            }
        }
    }
    let n = len.unwrap_or(1);
    if n > MAX_ITEMS {
        return Err(unsure("result too large"));
    }
    let mut out = Vec::with_capacity(n);
    let mut total = 0usize;
    for i in 0..n {
        let row: Vec<Value> = rest
            .iter()
            .map(|a| match a {
                Value::Array(items) => items.get(i).cloned().unwrap_or(Value::Null),
                other => other.clone(),
            })
            .collect();
        let s = format_spec(&spec, &row)?;
        total = total.saturating_add(s.len());
        if total > MAX_BYTES {
            return Err(unsure("result too large"));
        }
        out.push(Value::String(s));
    }
    Ok(Value::Array(out))
}

fn join(args: &[Value]) -> R {
    if args.len() < 2 {
        return Err(bad("at least one list is required"));
    }
    let sep = string(arg(args, 0)?)?;
    let mut parts = Vec::new();
    let mut total = 0usize;
    for a in args.get(1..).unwrap_or(&[]) {
        for v in list(a)? {
            if v.is_null() {
                return Err(bad("a list element is null"));
            }
            let s = string(v)?;
            total = total.saturating_add(s.len()).saturating_add(sep.len());
            if total > MAX_BYTES.saturating_add(sep.len()) {
                return Err(unsure("result too large"));
            }
            parts.push(s);
        }
    }
    Ok(Value::String(parts.join(&sep)))
}

fn split(args: &[Value]) -> R {
    arity(args, 2, 2)?;
    let (sep, s) = (string(arg(args, 0)?)?, string(arg(args, 1)?)?);
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep.as_str()).map(|p| Value::String(p.to_string())).collect()
    };
    Ok(Value::Array(parts))
}

/// Go's `strings.ToLower`/`ToUpper`: one character maps to one character.
fn change_case(args: &[Value], upper: bool) -> R {
    arity(args, 1, 1)?;
    let s = string(arg(args, 0)?)?;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(if upper { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() });
            continue;
        }
        let mut mapped: Vec<char> = if upper { c.to_uppercase().collect() } else { c.to_lowercase().collect() };
        match (mapped.pop(), mapped.is_empty()) {
            (Some(m), true) => out.push(m),
            _ => return Err(unsure("a character without a one-to-one case mapping")),
        }
    }
    Ok(Value::String(out))
}

/// Go's `strings.Title`: upper-cases the first letter of each word.
fn title(s: &str) -> String {
    let separator = |c: char| {
        if c.is_ascii() { !(c.is_ascii_alphanumeric() || c == '_') } else { !c.is_alphanumeric() && c.is_whitespace() }
    };
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    for c in s.chars() {
        if separator(prev) {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => out.push(u),
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

fn indent(args: &[Value]) -> R {
    arity(args, 2, 2)?;
    let n = integer(arg(args, 0)?)?;
    let s = string(arg(args, 1)?)?;
    let n = usize::try_from(n).map_err(|_| bad("indentation must not be negative"))?;
    if n > MAX_BYTES {
        return Err(unsure("result too large"));
    }
    let lines = s.matches('\n').count();
    if lines.saturating_mul(n).saturating_add(s.len()) > MAX_BYTES {
        return Err(unsure("result too large"));
    }
    Ok(Value::String(s.replace('\n', &format!("\n{}", " ".repeat(n)))))
}

/// Compiles a Go (RE2) pattern. Go's `\d`, `\w`, `\s` and `\b` are ASCII-only while Rust's are
/// Unicode-aware, so those escapes are rewritten; a pattern our engine does not accept is
/// unknown rather than an error (it may be valid RE2).
fn compile(pattern: &str) -> Result<regex::Regex, Fail> {
    let mut p = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    p.push(c);
                    break;
                };
                match n {
                    'd' => p.push_str("[0-9]"),
                    'D' => p.push_str("[^0-9]"),
                    'w' => p.push_str("[0-9A-Za-z_]"),
                    'W' => p.push_str("[^0-9A-Za-z_]"),
                    's' => p.push_str("[\\t\\n\\f\\r ]"),
                    'S' => p.push_str("[^\\t\\n\\f\\r ]"),
                    'b' if class_depth == 0 => p.push_str("(?-u:\\b)"),
                    'B' if class_depth == 0 => p.push_str("(?-u:\\B)"),
                    other => {
                        p.push('\\');
                        p.push(other);
                    }
                }
            }
            '[' => {
                class_depth += 1;
                p.push(c);
                // A `]` right after `[` or `[^` is a literal.
                let rest = chars.as_str();
                let lead = if rest.starts_with('^') { 1 } else { 0 };
                if rest.get(lead..).is_some_and(|r| r.starts_with(']')) {
                    for _ in 0..=lead {
                        if let Some(x) = chars.next() {
                            p.push(x);
                        }
                    }
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                p.push(c);
            }
            _ => p.push(c),
        }
    }
    regex::RegexBuilder::new(&p).size_limit(1 << 22).build().map_err(|_| unsure("regular expression not supported"))
}

fn replace(args: &[Value]) -> R {
    arity(args, 3, 3)?;
    let (s, find, with) = (string(arg(args, 0)?)?, string(arg(args, 1)?)?, string(arg(args, 2)?)?);
    let mut out = String::new();
    if find.len() > 1 && find.starts_with('/') && find.ends_with('/') {
        let re = compile(find.get(1..find.len() - 1).unwrap_or(""))?;
        let mut last = 0;
        for caps in re.captures_iter(&s) {
            let Some(m) = caps.get(0) else { continue };
            out.push_str(s.get(last..m.start()).unwrap_or(""));
            caps.expand(&with, &mut out);
            last = m.end();
            if out.len() > MAX_BYTES {
                return Err(unsure("result too large"));
            }
        }
        out.push_str(s.get(last..).unwrap_or(""));
        return Ok(Value::String(out));
    }
    let count = if find.is_empty() { s.chars().count() + 1 } else { s.matches(find.as_str()).count() };
    if count.saturating_mul(with.len()).saturating_add(s.len()) > MAX_BYTES {
        return Err(unsure("result too large"));
    }
    Ok(Value::String(s.replace(find.as_str(), &with)))
}

fn regex_fn(args: &[Value], all: bool) -> R {
    arity(args, 2, 2)?;
    let (pattern, s) = (string(arg(args, 0)?)?, string(arg(args, 1)?)?);
    let re = compile(&pattern)?;
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named = names.iter().any(Option::is_some);
    if named && names.iter().any(Option::is_none) {
        return Err(bad("invalid regular expression pattern: can't mix both named and unnamed capture groups"));
    }
    let result = |caps: &regex::Captures<'_>| -> Value {
        let text = |i: usize| caps.get(i).map_or(Value::Null, |m| Value::String(m.as_str().to_string()));
        if names.is_empty() {
            text(0)
        } else if named {
            let mut m = Map::new();
            for (i, name) in names.iter().enumerate() {
                if let Some(name) = name {
                    m.insert((*name).to_string(), text(i + 1));
                }
            }
            Value::Object(sort_keys(m))
        } else {
            Value::Array((1..=names.len()).map(text).collect())
        }
    };
    if all {
        let mut out = Vec::new();
        for caps in re.captures_iter(&s) {
            out.push(result(&caps));
            if out.len() > MAX_ITEMS {
                return Err(unsure("result too large"));
            }
        }
        return Ok(Value::Array(out));
    }
    re.captures(&s).map(|c| result(&c)).ok_or_else(|| bad("pattern did not match any part of the given string"))
}

fn substr(args: &[Value]) -> R {
    arity(args, 3, 3)?;
    let s = string(arg(args, 0)?)?;
    let (offset, length) = (integer(arg(args, 1)?)?, integer(arg(args, 2)?)?);
    let parts = clusters(&s).ok_or_else(|| unsure("string with combining characters"))?;
    let total = i64::try_from(parts.len()).unwrap_or(i64::MAX);
    let start = if offset < 0 { offset + total } else { offset };
    if start < 0 || length < -1 {
        return Err(unsure("offset or length out of range"));
    }
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    let rest = parts.get(start..).unwrap_or(&[]);
    let take = if length < 0 { rest.len() } else { usize::try_from(length).unwrap_or(usize::MAX) };
    Ok(Value::String(rest.iter().take(take).copied().collect()))
}

// ---------------------------------------------------------------------------------------------
// Type conversion.

fn tostring(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    match arg(args, 0)? {
        Value::Null => Ok(Value::Null),
        v @ (Value::String(_) | Value::Number(_) | Value::Bool(_)) => string(v).map(Value::String),
        _ => Err(bad("cannot convert a collection to string")),
    }
}

fn tonumber(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    match arg(args, 0)? {
        Value::Null => Ok(Value::Null),
        v @ Value::Number(_) => Ok(v.clone()),
        Value::String(s) => parse_number(s).ok_or_else(|| bad(format!("cannot convert {s:?} to a number"))),
        _ => Err(bad("cannot convert to number")),
    }
}

fn tobool(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    match arg(args, 0)? {
        Value::Null => Ok(Value::Null),
        v => boolean(v).map(Value::Bool),
    }
}

fn to_collection(args: &[Value], name: &str) -> R {
    arity(args, 1, 1)?;
    match (arg(args, 0)?, name) {
        (Value::Null, _) => Ok(Value::Null),
        (Value::Array(items), "tolist") => Ok(Value::Array(unify(items.clone())?)),
        (Value::Array(items), "toset") => Ok(Value::Array(to_set(items.clone())?)),
        (Value::Object(m), "tomap") => {
            let (k, v): (Vec<String>, Vec<Value>) = m.clone().into_iter().unzip();
            Ok(Value::Object(sort_keys(k.into_iter().zip(unify(v)?).collect())))
        }
        _ => Err(bad(format!("cannot convert argument for {name}"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Collections.

fn lookup(args: &[Value]) -> R {
    arity(args, 2, 3)?;
    let m = object(arg(args, 0)?)?;
    let key = string(arg(args, 1)?)?;
    match (m.get(&key), args.get(2)) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(bad(format!("lookup failed to find key {key:?}"))),
    }
}

fn compact(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let mut out = Vec::new();
    for v in list(arg(args, 0)?)? {
        match v {
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            v => out.push(Value::String(string(v)?)),
        }
    }
    Ok(Value::Array(out))
}

fn flatten(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let mut out = Vec::new();
    let mut stack: Vec<std::slice::Iter<'_, Value>> = vec![list(arg(args, 0)?)?.iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            None => {
                stack.pop();
            }
            Some(Value::Array(inner)) => stack.push(inner.iter()),
            Some(v) => {
                out.push(v.clone());
                if out.len() > MAX_ITEMS {
                    return Err(unsure("result too large"));
                }
            }
        }
    }
    Ok(Value::Array(out))
}

fn chunklist(args: &[Value]) -> R {
    arity(args, 2, 2)?;
    let items = list(arg(args, 0)?)?;
    let size = usize::try_from(integer(arg(args, 1)?)?).map_err(|_| bad("the size argument must be positive"))?;
    if items.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    if size == 0 {
        return Ok(Value::Array(vec![Value::Array(items.clone())]));
    }
    Ok(Value::Array(items.chunks(size).map(|c| Value::Array(c.to_vec())).collect()))
}

fn set_op(args: &[Value], name: &str) -> R {
    match name {
        "setsubtract" => arity(args, 2, 2)?,
        _ => arity(args, 1, usize::MAX)?,
    }
    let sets: Vec<Vec<Value>> = args.iter().map(|a| list(a).and_then(|l| to_set(l.clone()))).collect::<Result<_, _>>()?;
    let mut sets = sets.into_iter();
    let first = sets.next().unwrap_or_default();
    let rest: Vec<Vec<Value>> = sets.collect();
    let member = |set: &Vec<Value>, v: &Value| set.iter().any(|x| equals(x, v) == Some(true));
    let result: Vec<Value> = match name {
        "setunion" => first.into_iter().chain(rest.into_iter().flatten()).collect(),
        "setintersection" => first.into_iter().filter(|v| rest.iter().all(|s| member(s, v))).collect(),
        _ => first.into_iter().filter(|v| !rest.iter().any(|s| member(s, v))).collect(),
    };
    if result.len() > MAX_ITEMS {
        return Err(unsure("result too large"));
    }
    Ok(Value::Array(to_set(result)?))
}

fn setproduct(args: &[Value]) -> R {
    if args.len() < 2 {
        return Err(bad("at least two arguments are required"));
    }
    let lists: Vec<&Vec<Value>> = args.iter().map(list).collect::<Result<_, _>>()?;
    let total = lists.iter().try_fold(1usize, |acc, l| acc.checked_mul(l.len())).ok_or_else(|| unsure("result too large"))?;
    if total > MAX_ITEMS {
        return Err(unsure("result too large"));
    }
    let mut out: Vec<Vec<Value>> = vec![Vec::new()];
    for l in lists {
        out = out.into_iter().flat_map(|prefix| l.iter().map(move |v| [prefix.clone(), vec![v.clone()]].concat())).collect();
    }
    Ok(Value::Array(out.into_iter().map(Value::Array).collect()))
}

fn sort(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let mut items: Vec<String> = Vec::new();
    for v in list(arg(args, 0)?)? {
        if v.is_null() {
            return Err(bad("a null string cannot be sorted"));
        }
        items.push(string(v)?);
    }
    items.sort();
    Ok(Value::Array(items.into_iter().map(Value::String).collect()))
}

fn sum(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let items = list(arg(args, 0)?)?;
    if items.is_empty() {
        return Err(bad("cannot sum an empty list"));
    }
    if items.iter().all(|v| v.as_i64().is_some()) {
        let total = items.iter().filter_map(Value::as_i64).try_fold(0i64, i64::checked_add).ok_or_else(|| unsure("overflow"))?;
        return Ok(Value::from(total));
    }
    let mut total = 0.0;
    for v in items {
        total += number(v)?;
    }
    num_value(total)
}

fn range(args: &[Value]) -> R {
    arity(args, 1, 3)?;
    let nums: Vec<f64> = args.iter().map(number).collect::<Result<_, _>>()?;
    let (start, limit, step) = match nums.as_slice() {
        [l] => (0.0, *l, if *l < 0.0 { -1.0 } else { 1.0 }),
        [s, l] => (*s, *l, if l < s { -1.0 } else { 1.0 }),
        [s, l, st] => (*s, *l, *st),
        _ => return Err(bad("range requires one to three arguments")),
    };
    if step == 0.0 {
        return Err(bad("step must not be zero"));
    }
    if (step > 0.0 && start > limit) || (step < 0.0 && start < limit) {
        return Err(bad("step must move from start toward limit"));
    }
    let mut out = Vec::new();
    let mut i = 0u32;
    loop {
        let v = start + step * f64::from(i);
        if (step > 0.0 && v >= limit) || (step < 0.0 && v <= limit) {
            break;
        }
        if out.len() >= MAX_ITEMS {
            return Err(unsure("result too large"));
        }
        out.push(num_value(v)?);
        i += 1;
    }
    Ok(Value::Array(out))
}

fn transpose(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let mut entries: Vec<(&String, &Value)> = object(arg(args, 0)?)?.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut out: Map<String, Value> = Map::new();
    let mut count = 0usize;
    for (k, v) in entries {
        for item in list(v)? {
            if let Value::Array(a) = out.entry(string(item)?).or_insert_with(|| Value::Array(Vec::new())) {
                a.push(Value::String(k.clone()));
            }
            count += 1;
            if count > MAX_ITEMS {
                return Err(unsure("result too large"));
            }
        }
    }
    Ok(Value::Object(sort_keys(out)))
}

fn matchkeys(args: &[Value]) -> R {
    arity(args, 3, 3)?;
    let (vals, ks, search) = (list(arg(args, 0)?)?, list(arg(args, 1)?)?, list(arg(args, 2)?)?);
    if vals.len() != ks.len() {
        return Err(bad("length of keys and values should be equal"));
    }
    let out = vals.iter().zip(ks).filter(|(_, k)| search.iter().any(|s| equals(s, k) == Some(true))).map(|(v, _)| v.clone());
    Ok(Value::Array(out.collect()))
}

// ---------------------------------------------------------------------------------------------
// Numbers.

fn min_max(args: &[Value], max: bool) -> R {
    if args.is_empty() {
        return Err(bad("must pass at least one number"));
    }
    let mut best: Option<(f64, &Value)> = None;
    for a in args {
        let x = number(a)?;
        if best.is_none_or(|(b, _)| if max { x > b } else { x < b }) {
            best = Some((x, a));
        }
    }
    match best {
        Some((_, Value::Number(n))) => Ok(Value::Number(n.clone())),
        Some((x, _)) => num_value(x),
        None => Err(bad("must pass at least one number")),
    }
}

fn parseint(args: &[Value]) -> R {
    arity(args, 2, 2)?;
    let Value::String(s) = arg(args, 0)? else {
        return Err(bad("first argument must be a string"));
    };
    let base = integer(arg(args, 1)?)?;
    if !(2..=62).contains(&base) {
        return Err(bad("base must be a whole number between 2 and 62 inclusive"));
    }
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..).unwrap_or("")),
        Some(b'+') => (false, s.get(1..).unwrap_or("")),
        _ => (false, s.as_str()),
    };
    if digits.is_empty() {
        return Err(bad(format!("cannot parse {s:?} as a base {base} integer")));
    }
    let mut n: i128 = 0;
    for c in digits.bytes() {
        let d = match c {
            b'0'..=b'9' => i64::from(c - b'0'),
            b'a'..=b'z' => i64::from(c - b'a') + 10,
            b'A'..=b'Z' if base <= 36 => i64::from(c - b'A') + 10,
            b'A'..=b'Z' => i64::from(c - b'A') + 36,
            _ => -1,
        };
        if d < 0 || d >= base {
            return Err(bad(format!("cannot parse {s:?} as a base {base} integer")));
        }
        n = n.checked_mul(i128::from(base)).and_then(|x| x.checked_add(i128::from(d))).ok_or_else(|| unsure("integer out of range"))?;
    }
    let n = if neg { -n } else { n };
    i64::try_from(n).map(Value::from).map_err(|_| unsure("integer out of range"))
}

// ---------------------------------------------------------------------------------------------
// Network addresses.

#[derive(Clone, Copy)]
struct Net {
    addr: u128,
    bits: u32,
    prefix: u32,
}

fn full_mask(bits: u32) -> u128 {
    if bits >= 128 { u128::MAX } else { (1u128 << bits) - 1 }
}

fn prefix_mask(bits: u32, len: u32) -> u128 {
    if len == 0 { 0 } else { (u128::MAX << (128 - len.min(128))) >> (128 - bits.min(128)) }
}

fn parse_ip(s: &str) -> Option<(u128, u32)> {
    if s.contains(':') {
        let a: std::net::Ipv6Addr = s.parse().ok()?;
        return Some((u128::from(a), 128));
    }
    let mut n: u128 = 0;
    let mut parts = 0;
    for p in s.split('.') {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u128 = p.parse().ok()?;
        if v > 255 {
            return None;
        }
        n = (n << 8) | v;
        parts += 1;
    }
    (parts == 4).then_some((n, 32))
}

fn parse_cidr(v: &Value) -> Result<Net, Fail> {
    let s = string(v)?;
    let (ip, len) = s.split_once('/').ok_or_else(|| bad(format!("invalid CIDR address {s:?}")))?;
    let (addr, bits) = parse_ip(ip).ok_or_else(|| bad(format!("invalid CIDR address {s:?}")))?;
    if bits == 128 && (addr >> 32) == 0xffff {
        return Err(unsure("IPv4-mapped IPv6 prefixes are not modelled"));
    }
    let prefix: u32 = if !len.is_empty() && len.len() <= 3 && len.bytes().all(|b| b.is_ascii_digit()) {
        len.parse().map_err(|_| bad(format!("invalid CIDR address {s:?}")))?
    } else {
        return Err(bad(format!("invalid CIDR address {s:?}")));
    };
    if prefix > bits {
        return Err(bad(format!("invalid CIDR address {s:?}")));
    }
    Ok(Net { addr: addr & prefix_mask(bits, prefix), bits, prefix })
}

/// An address as Go prints it (IPv6 per RFC 5952; IPv4-mapped IPv6 as dotted IPv4).
fn ip_text(addr: u128, bits: u32) -> String {
    let v4 = |a: u128| format!("{}.{}.{}.{}", (a >> 24) & 255, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    if bits == 32 {
        return v4(addr);
    }
    if addr >> 32 == 0xffff {
        return v4(addr & 0xffff_ffff);
    }
    let groups: Vec<u16> = (0..8).map(|i| ((addr >> (112 - 16 * i)) & 0xffff) as u16).collect();
    let (mut best, mut best_len, mut i) = (usize::MAX, 0, 0);
    while i < 8 {
        if groups.get(i) == Some(&0) {
            let start = i;
            while groups.get(i) == Some(&0) {
                i += 1;
            }
            if i - start > best_len {
                best = start;
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best = usize::MAX;
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if i == best {
            out.push_str("::");
            i += best_len;
            continue;
        }
        if !out.is_empty() && !out.ends_with(':') {
            out.push(':');
        }
        out.push_str(&format!("{:x}", groups.get(i).copied().unwrap_or(0)));
        i += 1;
    }
    out
}

fn cidrhost(args: &[Value]) -> R {
    arity(args, 2, 2)?;
    let net = parse_cidr(arg(args, 0)?)?;
    let host = integer(arg(args, 1)?)?;
    let host_bits = net.bits - net.prefix;
    let size: Option<u128> = if host_bits >= 127 { None } else { Some(1u128 << host_bits) };
    let offset: u128 = if host >= 0 {
        let h = u128::try_from(host).unwrap_or(0);
        if size.is_some_and(|s| h >= s) {
            return Err(bad(format!("prefix of {} does not accommodate a host numbered {host}", net.prefix)));
        }
        h
    } else {
        let back = u128::from(host.unsigned_abs());
        match size {
            Some(s) if back > s => return Err(unsure("host number out of range")),
            Some(s) => s - back,
            None => return Err(unsure("host number out of range")),
        }
    };
    Ok(Value::String(ip_text(net.addr.wrapping_add(offset) & full_mask(net.bits), net.bits)))
}

fn cidrnetmask(args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let net = parse_cidr(arg(args, 0)?)?;
    if net.bits != 32 {
        return Err(bad("only IPv4 networks have a netmask"));
    }
    Ok(Value::String(ip_text(prefix_mask(32, net.prefix), 32)))
}

fn cidrsubnet(args: &[Value]) -> R {
    arity(args, 3, 3)?;
    let net = parse_cidr(arg(args, 0)?)?;
    let newbits = integer(arg(args, 1)?)?;
    let netnum = integer(arg(args, 2)?)?;
    let newbits = u32::try_from(newbits).map_err(|_| bad("newbits must not be negative"))?;
    let len = net
        .prefix
        .checked_add(newbits)
        .filter(|l| *l <= net.bits)
        .ok_or_else(|| bad(format!("insufficient address space to extend prefix of {} by {newbits}", net.prefix)))?;
    let netnum = u128::try_from(netnum).map_err(|_| bad("netnum must not be negative"))?;
    if newbits < 127 && netnum >= (1u128 << newbits) {
        return Err(bad(format!("prefix extension of {newbits} does not accommodate a subnet numbered {netnum}")));
    }
    let shift = net.bits - len;
    let addr = if shift >= 128 { net.addr } else { net.addr | (netnum << shift) };
    Ok(Value::String(format!("{}/{len}", ip_text(addr & full_mask(net.bits), net.bits))))
}

fn cidrsubnets(args: &[Value]) -> R {
    let net = parse_cidr(arg(args, 0)?)?;
    let newbits: Vec<i64> = args.get(1..).unwrap_or(&[]).iter().map(integer).collect::<Result<_, _>>()?;
    if newbits.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    let full = full_mask(net.bits);
    let last_of = |addr: u128, len: u32| (addr & prefix_mask(net.bits, len)) | (!prefix_mask(net.bits, len) & full);
    let lengths: Vec<u32> = newbits
        .iter()
        .map(|b| {
            let b = u32::try_from(*b).ok().filter(|b| *b >= 1).ok_or_else(|| bad("must extend prefix by at least one bit"))?;
            net.prefix.checked_add(b).filter(|l| *l <= net.bits).ok_or_else(|| bad("would extend prefix beyond the address length"))
        })
        .collect::<Result<_, _>>()?;
    if net.addr == 0 {
        return Err(unsure("subnets of the all-zero network are not modelled"));
    }
    let first_len = lengths.first().copied().unwrap_or(net.prefix);
    let mut current = ((net.addr - 1) & prefix_mask(net.bits, first_len), first_len);
    let mut out = Vec::new();
    for len in lengths {
        let sub = last_of(current.0, current.1) & prefix_mask(net.bits, len);
        let next = last_of(sub, len).checked_add(1).map(|n| n & full).filter(|n| *n != 0);
        let Some(next) = next else {
            return Err(bad(format!("not enough remaining address space for a subnet with a prefix of {len} bits")));
        };
        let next = next & prefix_mask(net.bits, len);
        if next & prefix_mask(net.bits, net.prefix) != net.addr {
            return Err(bad(format!("not enough remaining address space for a subnet with a prefix of {len} bits")));
        }
        current = (next, len);
        out.push(Value::String(format!("{}/{len}", ip_text(next, net.bits))));
    }
    Ok(Value::Array(out))
}

// ---------------------------------------------------------------------------------------------
// Filesystem.

/// Lexically resolves `.` and `..` (without touching the filesystem).
pub fn lexical_path(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Where Terraform would look for `p`, if that is inside the scan root: paths built from
/// `path.module` (relative to the scan root here) resolve against the scan root, other
/// relative paths against the module directory (Terraform's working directory for a root
/// module). Returns the path and the canonical scan root.
fn resolve(ctx: &FuncContext, p: &str) -> Result<(PathBuf, PathBuf), Fail> {
    let root = ctx.root.as_ref().ok_or_else(|| unsure("no scan root to read files from"))?;
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
    let module_dir = ctx.module_dir.as_ref().map_or_else(|| root.clone(), |d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone()));
    let path = Path::new(p);
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        match module_dir.strip_prefix(&root) {
            Ok(rel) if rel.as_os_str().is_empty() || path.starts_with(rel) => root.join(path),
            _ => module_dir.join(path),
        }
    };
    let joined = lexical_path(&joined);
    if !joined.starts_with(&root) {
        return Err(unsure("path is outside the scanned directory"));
    }
    Ok((joined, root))
}

fn read_file(ctx: &FuncContext, p: &str) -> Result<Vec<u8>, Fail> {
    let (path, root) = resolve(ctx, p)?;
    // One answer for a path that leaves the root through a symlink and for one that does not
    // exist: what lies outside the scanned directory is never revealed.
    let real = std::fs::canonicalize(&path).map_err(|_| unsure("file cannot be read"))?;
    if !real.starts_with(&root) {
        return Err(unsure("file cannot be read"));
    }
    // Check the type before opening: opening a FIFO blocks until a writer appears.
    let meta = std::fs::metadata(&real).map_err(|_| unsure("file cannot be read"))?;
    if !meta.is_file() || meta.len() > MAX_FILE {
        return Err(unsure("not a regular file of at most 1 MB"));
    }
    let file = std::fs::File::open(&real).map_err(|_| unsure("file cannot be read"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1).read_to_end(&mut bytes).map_err(|_| unsure("file cannot be read"))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(unsure("file larger than 1 MB"));
    }
    Ok(bytes)
}

fn fileexists(args: &[Value], ctx: &FuncContext) -> R {
    arity(args, 1, 1)?;
    let (path, root) = resolve(ctx, &string(arg(args, 0)?)?)?;
    // A path through a symlink gets one answer whether or not its target exists, so that
    // nothing outside the scanned directory is revealed.
    if crate::discover::through_symlink(&path, &root) {
        return match std::fs::canonicalize(&path) {
            Ok(real) if real.starts_with(&root) && std::fs::metadata(&real).is_ok_and(|m| m.is_file()) => Ok(Value::Bool(true)),
            _ => Err(unsure("path goes through a symbolic link")),
        };
    }
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => Ok(Value::Bool(true)),
        Ok(_) => Err(bad("path is not a regular file")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
        Err(_) => Err(unsure("file cannot be read")),
    }
}

/// Go's `filepath.Clean` (Unix).
fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Dir` (Unix).
fn dirname(p: &str) -> String {
    let cut = p.rfind('/').map_or(0, |i| i + 1);
    clean_path(p.get(..cut).unwrap_or(""))
}

/// Go's `filepath.Base` (Unix).
fn basename(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::json;

    use super::*;
    use crate::terraform::eval::Scope;

    /// Calls `name`; an error becomes the error marker.
    fn f(name: &str, args: Value) -> Value {
        let Value::Array(args) = args else { panic!("args must be an array") };
        call(name, &args, &FuncContext::default()).unwrap_or_else(error)
    }

    fn u() -> Value {
        unknown("aws_vpc.main.id")
    }

    fn is_plain_unknown(v: &Value) -> bool {
        is_unknown(v) && !is_error(v)
    }

    /// Evaluates an HCL expression.
    fn e(src: &str, scope: &Scope) -> Value {
        let expr: hcl::Expression = hcl::edit::parser::parse_expr(src).unwrap().into();
        scope.eval(&expr)
    }

    fn scope() -> Scope {
        let mut s = Scope::default();
        s.bind("var", json!({"env": "prod", "unset": unknown("var.unset"), "ports": [80, 443]}));
        s.bind("local", json!({"name": "app", "cfg": {"a": 1}, "list": [1, 2]}));
        s.bind("aws_s3_bucket", json!({"b": {"bucket": "logs"}}));
        s
    }

    #[test]
    fn encoding() {
        assert_eq!(
            f("jsonencode", json!([{"b": 1, "a": "<x>&", "c": [true, null, 1.5, "\n"]}])),
            json!(r#"{"a":"\u003cx\u003e\u0026","b":1,"c":[true,null,1.5,"\n"]}"#)
        );
        let decoded = f("jsondecode", json!([r#"{"b": 1.0, "a": [2, "x"]}"#]));
        assert_eq!(serde_json::to_string(&decoded).unwrap(), r#"{"a":[2,"x"],"b":1}"#);
        assert!(is_error(&f("jsondecode", json!(["{nope"]))));
        assert!(is_plain_unknown(&f("jsonencode", json!([{"a": u()}]))));

        let v = json!({"foo": [1, {"a": "b", "c": "d"}, 3], "bar": "baz", "e": {}, "n": {"x": [true, null]}});
        let yaml = f("yamlencode", json!([v]));
        assert_eq!(
            yaml,
            json!(
                "\"bar\": \"baz\"\n\"e\": {}\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n\"n\":\n  \"x\":\n  - true\n  - null\n"
            )
        );
        assert_eq!(f("yamldecode", json!([yaml])), v);
        assert_eq!(f("yamlencode", json!(["a\"b\n"])), json!("\"a\\\"b\\n\"\n"));
        assert_eq!(f("yamldecode", json!(["a: 1\nb: [x, 'y']\n"])), json!({"a": 1, "b": ["x", "y"]}));
        assert_eq!(f("yamldecode", json!([""])), Value::Null);
        assert!(is_error(&f("yamldecode", json!(["a: 1\n---\nb: 2\n"]))));
        assert!(is_error(&f("yamldecode", json!(["a: [1"]))));

        assert_eq!(f("base64encode", json!(["Hello World"])), json!("SGVsbG8gV29ybGQ="));
        assert_eq!(f("base64encode", json!(["a"])), json!("YQ=="));
        assert_eq!(f("base64encode", json!(["ab"])), json!("YWI="));
        assert_eq!(f("base64decode", json!(["SGVsbG8gV29ybGQ="])), json!("Hello World"));
        assert_eq!(f("base64decode", json!(["YWI="])), json!("ab"));
        assert!(is_error(&f("base64decode", json!(["YW=I"]))));
        assert!(is_error(&f("base64decode", json!(["/w=="]))), "not UTF-8");
        assert_eq!(f("urlencode", json!(["Hello World!"])), json!("Hello+World%21"));
        assert_eq!(f("urlencode", json!(["a:b@c?d=e&f=g~"])), json!("a%3Ab%40c%3Fd%3De%26f%3Dg~"));
        assert_eq!(f("urlencode", json!(["☃"])), json!("%E2%98%83"));
    }

    #[test]
    fn format_verbs() {
        let fmt = |args: Value| f("format", args);
        assert_eq!(fmt(json!(["Hello, %s!", "Ander"])), json!("Hello, Ander!"));
        assert_eq!(fmt(json!(["There are %d lights", 4])), json!("There are 4 lights"));
        assert_eq!(fmt(json!(["%#v|%#v|%#v", {"a": 1}, "hello", null])), json!(r#"{"a":1}|"hello"|null"#));
        assert_eq!(fmt(json!(["%v %v %v %v %v", 1.5, 1_000_000, 100_000, true, [1]])), json!("1.5 1e+06 100000 true [1]"));
        assert_eq!(fmt(json!(["%5.2f|%-4d|%04d|%x|%+d|% d", 1.23456, 7, 42, 255, 5, 5])), json!(" 1.23|7   |0042|ff|+5| 5"));
        assert_eq!(fmt(json!(["%b %o %X %#x %#o", 5, 8, 255, 255, 8])), json!("101 10 FF 0xff 010"));
        assert_eq!(
            fmt(json!(["%08.3f|%e|%E|%.2e", -1.23456, 1234.5678, 0.000123, 5])),
            json!("-001.235|1.234568e+03|1.230000E-04|5.00e+00")
        );
        assert_eq!(fmt(json!(["%g|%g|%.3g|%g|%G", 0.0001, 0.00001, 1234.5678, 100, 1e21])), json!("0.0001|1e-05|1.23e+03|100|1E+21"));
        assert_eq!(fmt(json!(["%5s|%-5s|%.2s|%q|%t", "ab", "cd", "xyz", "a\"b", "true"])), json!(r#"   ab|cd   |xy|"a\"b"|true"#));
        assert_eq!(fmt(json!(["%[2]s %[1]s %s", "a", "b"])), json!("b a b"));
        assert_eq!(fmt(json!(["100%% %s", "sure"])), json!("100% sure"));
        assert_eq!(fmt(json!(["%s", 1.5])), json!("1.5"));
        for bad in [json!(["%d", 1.5]), json!(["%s"]), json!(["%s", "a", "b"]), json!(["%s", null]), json!(["%z", 1]), json!(["%"])] {
            assert!(is_error(&fmt(bad.clone())), "{bad}");
        }
        assert!(is_error(&fmt(json!(["%.f", 1]))));
        assert!(is_error(&fmt(json!(["%[0]d", 1]))));
        assert!(is_error(&fmt(json!(["%t", 1]))));
        assert!(is_plain_unknown(&fmt(json!(["%999999999d", 1]))));
        assert!(is_plain_unknown(&fmt(json!(["%s", u()]))));
        assert_eq!(f("formatlist", json!(["Hello, %s!", ["Valentina", "Ander"]])), json!(["Hello, Valentina!", "Hello, Ander!"]));
        assert_eq!(f("formatlist", json!(["%s=%s", ["a", "b"], "x"])), json!(["a=x", "b=x"]));
        assert!(is_error(&f("formatlist", json!(["%s%s", ["a"], ["b", "c"]]))));
    }

    #[test]
    fn strings() {
        assert_eq!(f("join", json!([", ", ["a", "b"], ["c"]])), json!("a, b, c"));
        assert_eq!(f("join", json!([",", []])), json!(""));
        assert!(is_error(&f("join", json!([",", ["a", null]]))));
        assert_eq!(f("split", json!([",", "a,b,,c"])), json!(["a", "b", "", "c"]));
        assert_eq!(f("split", json!([",", ""])), json!([""]));
        assert_eq!(f("upper", json!(["héllo"])), json!("HÉLLO"));
        assert_eq!(f("lower", json!(["ÀB"])), json!("àb"));
        assert!(is_plain_unknown(&f("upper", json!(["straße"]))));
        assert_eq!(f("title", json!(["hello world-foo_bar"])), json!("Hello World-Foo_bar"));
        assert_eq!(f("trimspace", json!(["  \n x y \t"])), json!("x y"));
        assert_eq!(f("trim", json!(["?!hello?!", "!?"])), json!("hello"));
        assert_eq!(f("trimprefix", json!(["helloworld", "hello"])), json!("world"));
        assert_eq!(f("trimsuffix", json!(["helloworld", "world"])), json!("hello"));
        assert_eq!(f("chomp", json!(["hello\n\r\n"])), json!("hello"));
        assert_eq!(f("indent", json!([2, "a\nb\n"])), json!("a\n  b\n  "));
        assert_eq!(f("replace", json!(["1 + 2 + 3", "+", "-"])), json!("1 - 2 - 3"));
        assert_eq!(f("replace", json!(["hello world", "/w.*d/", "everybody"])), json!("hello everybody"));
        assert_eq!(f("replace", json!(["a1b22", "/(\\d+)/", "<$1>"])), json!("a<1>b<22>"));
        assert_eq!(f("regex", json!(["[a-z]+", "53453453.345345aaabbbccc23454"])), json!("aaabbbccc"));
        assert_eq!(f("regex", json!(["(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01"])), json!(["2019", "02", "01"]));
        assert_eq!(
            f("regex", json!(["^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/"])),
            json!({"authority": "terraform.io", "scheme": "https"})
        );
        assert_eq!(f("regex", json!(["a(x)?", "a"])), json!([null]));
        assert_eq!(f("regexall", json!(["[a-z]+", "1234abcd5678efgh9"])), json!(["abcd", "efgh"]));
        assert_eq!(f("regexall", json!(["x", "abc"])), json!([]));
        assert!(is_error(&f("regex", json!(["x", "abc"]))));
        assert!(is_error(&f("regex", json!(["\\d", "٣"]))), "Go's \\d is ASCII-only");
        assert!(is_error(&f("regex", json!(["(?P<a>x)(y)", "xy"]))));
        assert!(is_plain_unknown(&f("regex", json!(["\\Qa.b\\E", "a.b"]))), "RE2-only syntax is not guessed");
        assert_eq!(f("substr", json!(["hello world", 1, 4])), json!("ello"));
        assert_eq!(f("substr", json!(["hello", -3, -1])), json!("llo"));
        assert_eq!(f("substr", json!(["hello", 10, 2])), json!(""));
        assert_eq!(f("strrev", json!(["héllo"])), json!("olléh"));
        assert_eq!(f("length", json!(["héllo\r\n"])), json!(6));
        assert!(is_plain_unknown(&f("length", json!(["e\u{301}"]))));
        assert_eq!(f("startswith", json!(["hello", "he"])), json!(true));
        assert_eq!(f("endswith", json!(["hello", "he"])), json!(false));
        assert_eq!(f("strcontains", json!(["hello", "ll"])), json!(true));
        assert!(is_plain_unknown(&f("upper", json!([u()]))));
        assert!(is_error(&f("upper", json!([["a"]]))));
    }

    #[test]
    fn conversions() {
        assert_eq!(f("tostring", json!([1.5])), json!("1.5"));
        assert_eq!(f("tostring", json!([5])), json!("5"));
        assert_eq!(f("tostring", json!([null])), Value::Null);
        assert!(is_error(&f("tostring", json!([[1]]))));
        assert_eq!(f("tonumber", json!(["1.5e1"])), json!(15));
        assert_eq!(f("tonumber", json!(["-2.5"])), json!(-2.5));
        assert!(is_error(&f("tonumber", json!(["abc"]))));
        assert!(is_error(&f("tonumber", json!(["inf"]))));
        assert_eq!(f("tobool", json!(["true"])), json!(true));
        assert!(is_error(&f("tobool", json!([1]))));
        assert_eq!(f("tolist", json!([["a", 1, true]])), json!(["a", "1", "true"]));
        assert_eq!(f("toset", json!([["b", "a", "b"]])), json!(["a", "b"]));
        assert_eq!(f("toset", json!([[3, 1, 2, 1]])), json!([1, 2, 3]));
        let m = f("tomap", json!([{"b": "x", "a": 1}]));
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"a":"1","b":"x"}"#);
        assert!(is_plain_unknown(&f("tolist", json!([["a", [1]]]))));
    }

    #[test]
    fn collections_and_unknowns() {
        assert_eq!(f("length", json!([[u(), 1]])), json!(2));
        assert!(is_plain_unknown(&f("length", json!([u()]))));
        assert!(is_plain_unknown(&f("length", json!([[unknown("dynamic \"rule\" blocks")]]))));
        assert!(is_error(&f("length", json!([null]))));
        assert_eq!(f("concat", json!([[1], [u()]])), json!([1, u()]));
        assert!(is_plain_unknown(&f("concat", json!([u(), [1]]))));
        let merged = f("merge", json!([{"b": 1}, null, {"a": 2, "b": 3}]));
        assert_eq!(serde_json::to_string(&merged).unwrap(), r#"{"a":2,"b":3}"#);
        assert!(is_plain_unknown(&f("merge", json!([{"a": 1}, u()]))));
        assert_eq!(f("merge", json!([{"a": u()}])), json!({"a": u()}));
        assert_eq!(f("lookup", json!([{"a": 1}, "a"])), json!(1));
        assert_eq!(f("lookup", json!([{"a": 1}, "b", 0])), json!(0));
        assert!(is_error(&f("lookup", json!([{"a": 1}, "b"]))));
        assert_eq!(f("element", json!([["a", "b", "c"], 4])), json!("b"));
        assert_eq!(f("element", json!([["a", u()], 0])), json!("a"));
        assert!(is_error(&f("element", json!([[], 0]))));
        assert_eq!(f("index", json!([["a", "b"], "b"])), json!(1));
        assert!(is_error(&f("index", json!([["a"], "z"]))));
        assert_eq!(f("contains", json!([["a", u()], "a"])), json!(true));
        assert!(is_plain_unknown(&f("contains", json!([["b", u()], "a"]))));
        assert_eq!(f("contains", json!([["b"], "a"])), json!(false));
        assert!(is_plain_unknown(&f("contains", json!([[80, 443], "80"]))), "number vs numeric string is undecided");
        assert!(is_plain_unknown(&f("coalesce", json!([u(), "x"]))));
        assert_eq!(f("coalesce", json!([null, "", "b"])), json!("b"));
        assert_eq!(f("coalesce", json!([1, "a"])), json!("1"));
        assert_eq!(f("coalesce", json!([null, 2])), json!(2));
        assert!(is_error(&f("coalesce", json!([null, ""]))));
        assert_eq!(f("coalescelist", json!([[], ["a"]])), json!(["a"]));
        assert_eq!(f("compact", json!([["a", "", null, "b"]])), json!(["a", "b"]));
        assert_eq!(f("distinct", json!([["a", "b", "a", 1, 1.0]])), json!(["a", "b", 1]));
        assert_eq!(f("flatten", json!([[["a", ["b"]], [], ["c"], "d"]])), json!(["a", "b", "c", "d"]));
        assert_eq!(f("keys", json!([{"b": 1, "a": 2}])), json!(["a", "b"]));
        assert_eq!(f("values", json!([{"b": 1, "a": u()}])), json!([u(), 1]));
        let z = f("zipmap", json!([["b", "a"], [1, u()]]));
        assert_eq!(serde_json::to_string(&z).unwrap(), r#"{"a":{"$unknown":"aws_vpc.main.id"},"b":1}"#);
        assert!(is_error(&f("zipmap", json!([["a"], [1, 2]]))));
        assert_eq!(f("slice", json!([["a", "b", "c", "d"], 1, 3])), json!(["b", "c"]));
        assert!(is_error(&f("slice", json!([["a"], 1, 3]))));
        assert_eq!(f("reverse", json!([[1, 2, 3]])), json!([3, 2, 1]));
        assert_eq!(f("chunklist", json!([["a", "b", "c"], 2])), json!([["a", "b"], ["c"]]));
        assert_eq!(f("setunion", json!([["b", "a"], ["c", "b"]])), json!(["a", "b", "c"]));
        assert_eq!(f("setintersection", json!([["a", "b"], ["b", "c"]])), json!(["b"]));
        assert_eq!(f("setsubtract", json!([["a", "b", "c"], ["a", "c"]])), json!(["b"]));
        assert_eq!(f("setproduct", json!([["a", "b"], [1, 2]])), json!([["a", 1], ["a", 2], ["b", 1], ["b", 2]]));
        let big: Vec<usize> = (0..200).collect();
        assert!(is_plain_unknown(&f("setproduct", json!([big, big]))));
        assert_eq!(f("one", json!([[]])), Value::Null);
        assert_eq!(f("one", json!([["a"]])), json!("a"));
        assert!(is_error(&f("one", json!([[1, 2]]))));
        assert_eq!(f("sort", json!([["b", "a", "c"]])), json!(["a", "b", "c"]));
        assert_eq!(f("sort", json!([[10, 9]])), json!(["10", "9"]));
        assert_eq!(f("sum", json!([[1, 2, 3]])), json!(6));
        assert_eq!(f("sum", json!([[1.5, 2]])), json!(3.5));
        assert!(is_error(&f("sum", json!([[]]))));
        assert_eq!(f("alltrue", json!([[true, "true"]])), json!(true));
        assert_eq!(f("alltrue", json!([[]])), json!(true));
        assert!(is_plain_unknown(&f("alltrue", json!([[true, u()]]))));
        assert_eq!(f("alltrue", json!([[u(), false]])), json!(false));
        assert!(is_plain_unknown(&f("anytrue", json!([[false, u()]]))));
        assert_eq!(f("anytrue", json!([[u(), true]])), json!(true));
        assert_eq!(f("range", json!([3])), json!([0, 1, 2]));
        assert_eq!(f("range", json!([1, 4])), json!([1, 2, 3]));
        assert_eq!(f("range", json!([1, 8, 2])), json!([1, 3, 5, 7]));
        assert_eq!(f("range", json!([4, 1])), json!([4, 3, 2]));
        assert_eq!(f("range", json!([0, 1, 0.25])), json!([0, 0.25, 0.5, 0.75]));
        assert!(is_plain_unknown(&f("range", json!([1_000_000]))));
        assert!(is_error(&f("range", json!([1, 2, 0]))));
        assert_eq!(f("transpose", json!([{"a": ["1", "2"], "b": ["2", "3"]}])), json!({"1": ["a"], "2": ["a", "b"], "3": ["b"]}));
        assert_eq!(f("matchkeys", json!([["i-1", "i-2", "i-3"], ["us-west", "us-east", "us-east"], ["us-east"]])), json!(["i-2", "i-3"]));
        assert_eq!(f("sensitive", json!([u()])), u());
    }

    #[test]
    fn numbers() {
        assert_eq!(f("min", json!([12, 54, 3])), json!(3));
        assert_eq!(f("max", json!([12, "54", 3])), json!(54));
        assert!(is_error(&f("max", json!([]))));
        assert_eq!(f("abs", json!([-12.4])), json!(12.4));
        assert_eq!(f("abs", json!([-3])), json!(3));
        assert_eq!(f("ceil", json!([5.1])), json!(6));
        assert_eq!(f("floor", json!([-4.1])), json!(-5));
        assert_eq!(f("pow", json!([3, 2])), json!(9));
        assert_eq!(f("log", json!([16, 2])), json!(4));
        assert_eq!(f("signum", json!([-13])), json!(-1));
        assert_eq!(f("signum", json!([0])), json!(0));
        assert_eq!(f("parseint", json!(["100", 10])), json!(100));
        assert_eq!(f("parseint", json!(["FF", 16])), json!(255));
        assert_eq!(f("parseint", json!(["-10", 2])), json!(-2));
        assert_eq!(f("parseint", json!(["zz", 36])), json!(1295));
        assert!(is_error(&f("parseint", json!(["12", 2]))));
        assert!(is_error(&f("parseint", json!(["1", 63]))));
        assert!(is_plain_unknown(&f("parseint", json!(["ffffffffffffffffffff", 16]))));
    }

    #[test]
    fn network() {
        assert_eq!(f("cidrsubnet", json!(["172.16.0.0/12", 4, 2])), json!("172.18.0.0/16"));
        assert_eq!(f("cidrsubnet", json!(["10.1.2.0/24", 4, 15])), json!("10.1.2.240/28"));
        assert_eq!(f("cidrsubnet", json!(["10.1.2.3/24", 0, 0])), json!("10.1.2.0/24"));
        assert_eq!(f("cidrsubnet", json!(["fd00:fd12:3456:7890::/56", 16, 162])), json!("fd00:fd12:3456:7800:a200::/72"));
        assert!(is_error(&f("cidrsubnet", json!(["10.0.0.0/24", 4, 16]))));
        assert!(is_error(&f("cidrsubnet", json!(["10.0.0.0/24", 9, 0]))));
        assert!(is_error(&f("cidrsubnet", json!(["10.0.0.0", 4, 0]))));
        assert_eq!(f("cidrhost", json!(["10.12.112.0/20", 16])), json!("10.12.112.16"));
        assert_eq!(f("cidrhost", json!(["10.12.112.0/20", 268])), json!("10.12.113.12"));
        assert_eq!(f("cidrhost", json!(["10.0.0.0/24", -1])), json!("10.0.0.255"));
        assert_eq!(f("cidrhost", json!(["fd00:fd12:3456:7890:00a2::/72", 34])), json!("fd00:fd12:3456:7890::22"));
        assert!(is_error(&f("cidrhost", json!(["10.0.0.0/24", 256]))));
        assert_eq!(f("cidrnetmask", json!(["172.16.0.0/12"])), json!("255.240.0.0"));
        assert_eq!(f("cidrnetmask", json!(["10.0.0.0/32"])), json!("255.255.255.255"));
        assert!(is_error(&f("cidrnetmask", json!(["fd00::/8"]))));
        assert_eq!(
            f("cidrsubnets", json!(["10.1.0.0/16", 4, 4, 8, 4])),
            json!(["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"])
        );
        assert_eq!(
            f("cidrsubnets", json!(["fd00:fd12:3456:7890::/56", 16, 16, 16, 32])),
            json!([
                "fd00:fd12:3456:7800::/72",
                "fd00:fd12:3456:7800:100::/72",
                "fd00:fd12:3456:7800:200::/72",
                "fd00:fd12:3456:7800:300::/88"
            ])
        );
        assert!(is_error(&f("cidrsubnets", json!(["10.0.0.0/24", 1, 1, 1]))));
        assert_eq!(ip_text(0, 128), "::");
        assert_eq!(ip_text(1, 128), "::1");
        assert_eq!(ip_text(0x2001_0db8_0000_0001_0000_0000_0000_0001, 128), "2001:db8:0:1::1");
    }

    #[test]
    fn nondeterministic_and_paths() {
        for name in ["timestamp", "uuid", "bcrypt", "sha256", "md5", "pathexpand", "no_such_function"] {
            assert!(is_plain_unknown(&f(name, json!(["x"]))), "{name}");
        }
        assert_eq!(f("dirname", json!(["foo/bar/baz.txt"])), json!("foo/bar"));
        assert_eq!(f("dirname", json!(["baz.txt"])), json!("."));
        assert_eq!(f("dirname", json!(["/a"])), json!("/"));
        assert_eq!(f("basename", json!(["foo/bar/baz.txt"])), json!("baz.txt"));
        assert_eq!(f("basename", json!(["foo/bar/"])), json!("bar"));
        assert_eq!(f("abspath", json!(["/a/./b/../c"])), json!("/a/c"));
        assert!(is_plain_unknown(&f("abspath", json!(["rel"]))));
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn files_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        write(&root, "policy.json", r#"{"Statement": [{"Effect": "Allow"}]}"#);
        write(&root, "mod/t.tftpl", "name=${name}\n%{ for i in items ~}\n- ${upper(i)}\n%{ endfor ~}\n");
        write(&root, "mod/bad.tftpl", "${nope}");
        write(&root, "mod/rec.tftpl", "${templatefile(\"rec.tftpl\", {})}");
        write(dir.path(), "secret.txt", "secret");
        std::fs::write(root.join("bin.dat"), [0xff, 0xfe]).unwrap();
        let ctx = FuncContext { module_dir: Some(root.join("mod")), root: Some(root.clone()), budget: None };
        let call_ctx = |name: &str, args: Value| {
            let Value::Array(args) = args else { panic!() };
            call(name, &args, &ctx).unwrap_or_else(error)
        };
        // `path.module` paths resolve against the root, bare ones against the module directory.
        assert_eq!(call_ctx("file", json!(["../policy.json"])), json!(r#"{"Statement": [{"Effect": "Allow"}]}"#));
        assert!(is_plain_unknown(&call_ctx("file", json!(["policy.json"]))), "mod/policy.json does not exist");
        assert_eq!(call_ctx("file", json!(["mod/bad.tftpl"])), json!("${nope}"));
        assert_eq!(call_ctx("file", json!(["bad.tftpl"])), json!("${nope}"));
        assert!(is_plain_unknown(&call_ctx("file", json!(["../../secret.txt"]))));
        assert!(is_plain_unknown(&call_ctx("file", json!([dir.path().join("secret.txt").to_string_lossy()]))));
        assert!(is_plain_unknown(&call_ctx("file", json!(["missing.txt"]))));
        assert!(is_plain_unknown(&call_ctx("file", json!(["../bin.dat"]))));
        assert_eq!(call_ctx("filebase64", json!(["../bin.dat"])), json!("//4="));
        assert_eq!(call_ctx("fileexists", json!(["t.tftpl"])), json!(true));
        assert_eq!(call_ctx("fileexists", json!(["nope.txt"])), json!(false));
        assert!(is_plain_unknown(&call_ctx("fileexists", json!(["../../secret.txt"]))));
        assert!(is_error(&call_ctx("fileexists", json!(["../mod"]))));

        assert_eq!(call_ctx("templatefile", json!(["t.tftpl", {"name": "x", "items": ["a", "b"]}])), json!("name=x\n- A\n- B\n"));
        let partial = call_ctx("templatefile", json!(["t.tftpl", {"name": u(), "items": []}]));
        assert!(is_plain_unknown(&partial));
        assert!(is_error(&call_ctx("templatefile", json!(["bad.tftpl", {}]))));
        assert!(is_error(&call_ctx("templatefile", json!(["rec.tftpl", {}]))));
        assert!(is_error(&call_ctx("templatefile", json!(["t.tftpl", {"bad name": 1}]))));

        // End to end: `path.module` relative to the scan root, as the module loader binds it.
        let mut s = Scope::new(ctx.clone());
        s.bind("path", json!({"module": "mod"}));
        s.bind("local", json!({"items": ["q"]}));
        assert_eq!(e(r#"templatefile("${path.module}/t.tftpl", { name = "n", items = local.items })"#, &s), json!("name=n\n- Q\n"));
        assert_eq!(e(r#"jsondecode(file("${path.module}/../policy.json")).Statement[0].Effect"#, &s), json!("Allow"));
        assert_eq!(e(r#"try(jsondecode(file("${path.module}/../policy.json")).Statement[3].Effect, "none")"#, &s), json!("none"));
    }

    #[test]
    fn try_and_can() {
        let s = scope();
        assert_eq!(e(r#"try(local.cfg.missing, "d")"#, &s), json!("d"));
        assert_eq!(e(r#"try(local.cfg.a, "d")"#, &s), json!(1));
        assert_eq!(e(r#"try(local.list[5], "d")"#, &s), json!("d"));
        assert_eq!(e(r#"try(tonumber("x"), 5)"#, &s), json!(5));
        assert_eq!(e(r#"try(regex("^v(\\d+)", "x")[0], "none")"#, &s), json!("none"));
        assert_eq!(e(r#"try("${local.cfg.missing}-x", "d")"#, &s), json!("d"));
        assert_eq!(e(r#"try([for x in local.list : x.missing], [])"#, &s), json!([]));
        assert_eq!(e(r#"try(local.cfg.missing, local.nope, "last")"#, &s), json!("last"));
        assert!(is_plain_unknown(&e(r#"try(var.unset.x, "d")"#, &s)));
        assert!(is_plain_unknown(&e(r#"try(aws_vpc.main.id, "d")"#, &s)));
        // A resource's unconfigured attribute is computed, not missing.
        assert!(is_plain_unknown(&e(r#"try(aws_s3_bucket.b.arn, "d")"#, &s)));
        assert_eq!(e(r#"try(aws_s3_bucket.b.bucket, "d")"#, &s), json!("logs"));
        // Terraform decides "unknown" before evaluating: a failing part does not hide it.
        assert!(is_plain_unknown(&e(r#"try(local.cfg.missing + aws_vpc.main.cidr, "d")"#, &s)));
        assert!(is_error(&e(r#"try(local.cfg.missing)"#, &s)));
        assert_eq!(e("can(local.cfg.missing)", &s), json!(false));
        assert_eq!(e("can(local.cfg.a)", &s), json!(true));
        assert_eq!(e(r#"can(regex("^[a-z]+$", local.name))"#, &s), json!(true));
        assert_eq!(e(r#"can(regex("^[0-9]+$", local.name))"#, &s), json!(false));
        assert!(is_plain_unknown(&e("can(var.unset.x)", &s)));
        assert!(is_plain_unknown(&e("can(aws_vpc.main.id)", &s)));
        // Outside try, a failure is an unknown value marked as an error.
        let v = e("upper(local.cfg.missing)", &s);
        assert!(is_error(&v), "{v}");
        assert!(is_error(&e("local.cfg.a + \"x\"", &s)));
        assert!(is_plain_unknown(&e("aws_s3_bucket.b.arn", &s)));
    }

    #[test]
    fn template_strip_markers() {
        let s = scope();
        assert_eq!(e("<<-EOT\n    a\n      b\n    EOT", &s), json!("a\n  b\n"));
        let src = "<<EOT\n%{ for p in var.ports ~}\n  port ${p}\n%{ endfor ~}\n  %{~ if var.env == \"prod\" ~}\n  prod\n  %{~ endif }\nEOT";
        assert_eq!(e(src, &s), json!("port 80\nport 443\nprod\n"));
        assert_eq!(e(r#""a ${~ "b" ~} c""#, &s), json!("abc"));
    }

    #[test]
    fn hostile_arguments_never_panic() {
        let weird = [
            json!(null),
            json!(-1),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(1e300),
            json!(-0.5),
            json!(""),
            json!("%"),
            json!("%[99999999999999999999]d"),
            json!("/(/"),
            json!("::/0"),
            json!("0.0.0.0/0"),
            json!("255.255.255.255/32"),
            json!([[[]]]),
            json!({"$unknown": 1, "b": 2}),
            u(),
            error("boom"),
        ];
        let names = [
            "jsonencode",
            "jsondecode",
            "yamlencode",
            "yamldecode",
            "format",
            "formatlist",
            "join",
            "split",
            "concat",
            "merge",
            "lookup",
            "element",
            "index",
            "length",
            "lower",
            "upper",
            "title",
            "trimspace",
            "trim",
            "trimprefix",
            "trimsuffix",
            "replace",
            "regex",
            "regexall",
            "substr",
            "strrev",
            "chomp",
            "indent",
            "coalesce",
            "coalescelist",
            "compact",
            "distinct",
            "flatten",
            "keys",
            "values",
            "zipmap",
            "slice",
            "reverse",
            "chunklist",
            "setunion",
            "setintersection",
            "setsubtract",
            "setproduct",
            "tostring",
            "tonumber",
            "tobool",
            "tolist",
            "toset",
            "tomap",
            "contains",
            "startswith",
            "endswith",
            "strcontains",
            "cidrsubnet",
            "cidrhost",
            "cidrnetmask",
            "cidrsubnets",
            "min",
            "max",
            "ceil",
            "floor",
            "abs",
            "pow",
            "signum",
            "parseint",
            "range",
            "one",
            "sort",
            "sum",
            "alltrue",
            "anytrue",
            "base64encode",
            "base64decode",
            "urlencode",
            "abspath",
            "dirname",
            "basename",
            "file",
            "fileexists",
            "templatefile",
            "filebase64",
            "transpose",
            "matchkeys",
            "log",
        ];
        for name in names {
            for a in &weird {
                for b in &weird {
                    for args in [vec![], vec![a.clone()], vec![a.clone(), b.clone()], vec![a.clone(), b.clone(), a.clone()]] {
                        let _ = call(name, &args, &FuncContext::default());
                    }
                }
            }
        }
        assert!(is_plain_unknown(&f("indent", json!([1_000_000_000_000i64, "x"]))));
        assert!(is_plain_unknown(&f("cidrsubnets", json!(["0.0.0.0/0", 1]))));
        assert_eq!(f("cidrhost", json!(["::/0", 5])), json!("::5"));
        assert_eq!(f("cidrsubnet", json!(["::/0", 128, 1])), json!("::1/128"));
    }

    #[test]
    fn format_and_friends_through_eval() {
        let s = scope();
        assert_eq!(e(r#"format("%s-%03d", local.name, 7)"#, &s), json!("app-007"));
        assert_eq!(e(r#"format("%s/%s", var.env, upper(local.name))"#, &s), json!("prod/APP"));
        assert!(is_plain_unknown(&e(r#"format("%s", aws_vpc.main.id)"#, &s)));
        assert_eq!(e(r#"join(",", formatlist("%d", var.ports))"#, &s), json!("80,443"));
        assert_eq!(e("[for k, v in { b = 1, a = 2 } : k]", &s), json!(["a", "b"]));
        assert_eq!(e(r#"merge({ b = 1 }, { a = 2 })"#, &s), json!({"a": 2, "b": 1}));
        assert_eq!(e(r#"length(concat(var.ports, [aws_vpc.main.id]))"#, &s), json!(3));
        assert_eq!(e(r#"cidrsubnet("10.0.0.0/16", 8, 2)"#, &s), json!("10.0.2.0/24"));
        assert_eq!(e("max(var.ports...)", &s), json!(443));
        assert_eq!(
            e(r#"jsonencode({ Version = "2012-10-17", Action = ["s3:*"] })"#, &s),
            json!(r#"{"Action":["s3:*"],"Version":"2012-10-17"}"#)
        );
    }
}
