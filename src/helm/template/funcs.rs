//! The function library: Go's template builtins, Helm's additions and Sprig.
//!
//! Argument handling follows Go's rules where charts notice them: a function with a `string`
//! parameter rejects nil and numbers ("wrong type for value"), `int` parameters accept
//! numbers, and Sprig's `interface{}` parameters convert loosely (`cast.ToInt64`-like).
//! Random, time and crypto functions return stable placeholders.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock};

use super::exec::{Exec, FnError, FnResult};
use super::value::{Kind, MAX_VALUE_DEPTH, Map, Value};
use super::{Segment, encoding, fmt, parse, semver, yaml};

pub(crate) type Func = fn(&mut Exec<'_>, &[Value]) -> FnResult;

/// Largest list a function may build.
const MAX_LIST: usize = 1_000_000;

static FUNCS: LazyLock<HashMap<&'static str, Func>> = LazyLock::new(table);

pub(crate) fn lookup(name: &str) -> Option<Func> {
    FUNCS.get(name).copied()
}

pub(crate) fn is_known(name: &str) -> bool {
    name == "and" || name == "or" || FUNCS.contains_key(name)
}

// ---------------------------------------------------------------------------------------------
// Argument helpers

fn want(args: &[Value], n: usize) -> Result<(), FnError> {
    if args.len() != n {
        return Err(format!("wrong number of args: want {n} got {}", args.len()).into());
    }
    Ok(())
}

fn at_least(args: &[Value], n: usize) -> Result<(), FnError> {
    if args.len() < n {
        return Err(format!("wrong number of args: want at least {n} got {}", args.len()).into());
    }
    Ok(())
}

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or_default()
}

/// A Go `string` parameter.
fn s(args: &[Value], i: usize) -> Result<Arc<str>, FnError> {
    match args.get(i).map(|v| &v.kind) {
        Some(Kind::Str(s, _)) => Ok(s.clone()),
        None | Some(Kind::Nil) => Err("invalid value; expected string".into()),
        Some(_) => Err(format!("wrong type for value; expected string; got {}", args.get(i).map_or("<nil>", Value::type_name)).into()),
    }
}

/// A Go `int` parameter (numbers accepted; fractions truncated).
fn n(args: &[Value], i: usize) -> Result<i64, FnError> {
    match args.get(i).map(|v| &v.kind) {
        Some(Kind::Int(i)) => Ok(*i),
        Some(Kind::Float(f)) => Ok(*f as i64),
        None | Some(Kind::Nil) => Err("invalid value; expected int".into()),
        Some(_) => Err(format!("wrong type for value; expected int; got {}", args.get(i).map_or("<nil>", Value::type_name)).into()),
    }
}

/// Sprig's `strval`: strings as they are, everything else as `%v`.
pub(crate) fn strval(v: &Value) -> String {
    match &v.kind {
        Kind::Str(s, _) => s.to_string(),
        _ => fmt::go_string(v),
    }
}

/// `cast.ToInt64`-like: numbers, numeric strings, bools; anything else is 0.
pub(crate) fn to_i64(v: &Value) -> i64 {
    match &v.kind {
        Kind::Int(i) => *i,
        Kind::Float(f) => *f as i64,
        Kind::Bool(b) => i64::from(*b),
        Kind::Str(s, _) => parse_go_int(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// cast's `trimZeroDecimal`: "12.00" → "12" (other fractions stay and fail to parse).
fn trim_zero_decimal(s: &str) -> &str {
    match s.split_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
        _ => s,
    }
}

/// `strconv.ParseInt(s, 0, 64)`: sign, `0x`/`0o`/`0b`/leading-`0` octal prefixes, and
/// underscores only after a prefix.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.replace('_', ""))
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.replace('_', ""))
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.replace('_', ""))
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].replace('_', ""))
    } else {
        if lower.contains('_') {
            return None;
        }
        (10, lower.clone())
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let v = i64::from_str_radix(&digits, radix).ok()?;
    Some(if neg { -v } else { v })
}

pub(crate) fn to_f64(v: &Value) -> f64 {
    match &v.kind {
        Kind::Int(i) => *i as f64,
        Kind::Float(f) => *f,
        Kind::Bool(b) => f64::from(u8::from(*b)),
        Kind::Str(s, _) => s.trim().parse::<f64>().unwrap_or(0.0),
        _ => 0.0,
    }
}

fn list_of(v: &Value, fname: &str) -> Result<Vec<Value>, FnError> {
    match &v.kind {
        Kind::Nil => Ok(Vec::new()),
        _ => v.list_items().ok_or_else(|| format!("Cannot find {fname} on type {}", v.type_name()).into()),
    }
}

/// A Go `map[string]interface{}` parameter: nil is an empty map, as Go passes it.
fn map_of(v: &Value) -> Result<Map, FnError> {
    if v.is_nil() {
        return Ok(Map::new());
    }
    v.map_entries().ok_or_else(|| format!("wrong type for value; expected map[string]interface {{}}; got {}", v.type_name()).into())
}

fn list_result(ex: &mut Exec<'_>, items: Vec<Value>) -> FnResult {
    if items.len() > MAX_LIST {
        return Err(FnError::Full(ex.limit_error("max_steps", format!("a list of {} items", items.len()))));
    }
    Ok(Value::list(items))
}

fn charge(ex: &mut Exec<'_>, n: u64) -> Result<(), FnError> {
    ex.charge(n).map_err(FnError::Full)
}

// ---------------------------------------------------------------------------------------------
// Strings that keep their provenance segments

/// Builds a string from pieces of other strings, carrying their segments along.
pub(crate) struct RichBuf {
    pub text: String,
    pub segs: Vec<Segment>,
    /// With a base (the calling function's position), a piece from `.Values` gets a segment
    /// of its own, and the plain text after it returns to the base.
    base: Option<Segment>,
    reset: bool,
}

impl RichBuf {
    pub(crate) fn new() -> Self {
        RichBuf { text: String::new(), segs: Vec::new(), base: None, reset: false }
    }

    pub(crate) fn with_base(base: Segment) -> Self {
        RichBuf { base: Some(base), ..Self::new() }
    }

    pub(crate) fn plain(&mut self, s: &str) {
        if self.reset && !s.is_empty() {
            if let Some(b) = &self.base {
                let seg = Segment { start: self.text.len(), ..b.clone() };
                self.push_seg(seg);
            }
            self.reset = false;
        }
        self.text.push_str(s);
    }

    /// Appends formatted text that came from `origin` (a values key), when there is a base.
    fn piece(&mut self, text: &str, origin: Option<&super::ValuesPath>) {
        match (origin, &self.base) {
            (Some(o), Some(b)) if !text.is_empty() => {
                let seg = Segment { start: self.text.len(), values_path: Some(o.clone()), ..b.clone() };
                self.push_seg(seg);
                self.text.push_str(text);
                self.reset = true;
            }
            _ => self.plain(text),
        }
    }

    /// Appends `text[range]` of a string value, with the segments that cover it.
    pub(crate) fn slice(&mut self, v: &Value, range: std::ops::Range<usize>) {
        let Kind::Str(text, segs) = &v.kind else {
            self.text.push_str(&strval(v));
            return;
        };
        let Some(piece) = text.get(range.clone()) else { return };
        if segs.is_none() {
            let origin = v.origin.clone();
            self.piece(piece, origin.as_ref());
            return;
        }
        if let Some(segs) = segs {
            let at = self.text.len();
            let active = segs.partition_point(|s| s.start <= range.start);
            if let Some(s) = active.checked_sub(1).and_then(|i| segs.get(i))
                && !piece.is_empty()
            {
                self.push_seg(Segment { start: at, ..s.clone() });
            }
            for s in segs.iter().skip(active) {
                if s.start >= range.end {
                    break;
                }
                self.push_seg(Segment { start: at + s.start - range.start, ..s.clone() });
            }
        }
        self.text.push_str(piece);
        self.reset = self.base.is_some();
    }

    fn push_seg(&mut self, seg: Segment) {
        if let Some(last) = self.segs.last_mut()
            && last.start == seg.start
        {
            *last = seg;
            return;
        }
        self.segs.push(seg);
    }

    pub(crate) fn finish(self, origin: Option<super::ValuesPath>) -> Value {
        Value::rich(self.text, self.segs).with_origin(origin)
    }
}

fn str_len(v: &Value) -> usize {
    v.as_str().map_or(0, str::len)
}

// ---------------------------------------------------------------------------------------------
// The table

fn table() -> HashMap<&'static str, Func> {
    let mut m: HashMap<&'static str, Func> = HashMap::new();
    let mut add = |names: &[&'static str], f: Func| {
        for n in names {
            m.insert(n, f);
        }
    };
    // Go builtins.
    add(&["not"], f_not);
    add(&["len"], f_len);
    add(&["index"], f_index);
    add(&["print"], |ex, a| Ok(concat_rich(ex, a, fmt::sprint(a))));
    add(&["println"], |_, a| Ok(Value::string(fmt::sprintln(a))));
    add(&["printf"], f_printf);
    add(&["html"], |_, a| Ok(Value::string(html_escape(&fmt::sprint(a)))));
    add(&["js"], |_, a| Ok(Value::string(js_escape(&fmt::sprint(a)))));
    add(&["urlquery"], |_, a| Ok(Value::string(encoding::query_escape(&fmt::sprint(a)))));
    add(&["eq"], f_eq);
    add(&["ne"], |ex, a| {
        want(a, 2)?;
        let v = f_eq(ex, a)?;
        Ok(Value::bool(!v.truthy()))
    });
    add(&["lt"], |_, a| cmp_fn(a, |o| o.is_lt()));
    add(&["le"], |_, a| cmp_fn(a, |o| o.is_le()));
    add(&["gt"], |_, a| cmp_fn(a, |o| o.is_gt()));
    add(&["ge"], |_, a| cmp_fn(a, |o| o.is_ge()));
    add(&["call"], |_, _| Err("call is not supported".into()));
    // Helm.
    add(&["include"], f_include);
    add(&["tpl"], f_tpl);
    add(&["required"], f_required);
    add(&["fail"], |_, a| Err(FnError::Msg(s(a, 0)?.to_string())));
    add(&["lookup"], |_, _| Ok(Value::map(Map::new())));
    add(&["toYaml", "toYamlPretty", "mustToYaml"], f_to_yaml);
    add(&["fromYaml"], |_, a| Ok(yaml::from_yaml(&s(a, 0)?, false)));
    add(&["fromYamlArray"], |_, a| Ok(yaml::from_yaml(&s(a, 0)?, true)));
    add(&["toJson", "mustToJson"], |ex, a| to_json(ex, a, false, true));
    add(&["toRawJson", "mustToRawJson"], |ex, a| to_json(ex, a, false, false));
    add(&["toPrettyJson", "mustToPrettyJson"], |ex, a| to_json(ex, a, true, true));
    add(&["fromJson", "mustFromJson"], |_, a| Ok(yaml::from_json(&s(a, 0)?, false)));
    add(&["fromJsonArray"], |_, a| Ok(yaml::from_json(&s(a, 0)?, true)));
    add(&["toToml"], |_, a| Ok(Value::string(yaml::to_toml(&arg(a, 0)))));
    // Defaults and logic.
    add(&["default"], f_default);
    add(&["empty"], |_, a| Ok(Value::bool(!arg(a, 0).truthy())));
    add(&["coalesce"], |_, a| Ok(a.iter().find(|v| v.truthy()).cloned().unwrap_or_default()));
    add(&["ternary"], |_, a| {
        want(a, 3)?;
        Ok(if arg(a, 2).truthy() { arg(a, 0) } else { arg(a, 1) })
    });
    add(&["all"], |_, a| Ok(Value::bool(a.iter().all(Value::truthy))));
    add(&["any"], |_, a| Ok(Value::bool(a.iter().any(Value::truthy))));
    add(&["typeOf"], |_, a| Ok(Value::string(arg(a, 0).type_name())));
    add(&["kindOf"], |_, a| Ok(Value::string(arg(a, 0).kind_name())));
    add(&["kindIs"], |_, a| Ok(Value::bool(&*s(a, 0)? == arg(a, 1).kind_name())));
    add(&["typeIs", "typeIsLike"], |_, a| Ok(Value::bool(&*s(a, 0)? == arg(a, 1).type_name())));
    add(&["deepEqual"], |_, a| Ok(Value::bool(deep_equal(&arg(a, 0), &arg(a, 1), 0))));
    add(&["deepCopy", "mustDeepCopy"], |_, a| Ok(deep_copy(&arg(a, 0), 0)));
    // Strings.
    add(&["trim"], |_, a| trim_fn(a, 0, |t| sub_range(t, t.trim())));
    add(&["trimAll", "trimall"], |_, a| {
        let cut: Vec<char> = s(a, 0)?.chars().collect();
        trim_fn(a, 1, move |t| sub_range(t, t.trim_matches(cut.as_slice())))
    });
    add(&["trimPrefix"], |_, a| {
        let p = s(a, 0)?;
        trim_fn(a, 1, move |t| sub_range(t, t.strip_prefix(&*p).unwrap_or(t)))
    });
    add(&["trimSuffix"], |_, a| {
        let p = s(a, 0)?;
        trim_fn(a, 1, move |t| sub_range(t, t.strip_suffix(&*p).unwrap_or(t)))
    });
    add(&["upper"], |_, a| Ok(Value::string(s(a, 0)?.to_uppercase())));
    add(&["lower"], |_, a| Ok(Value::string(s(a, 0)?.to_lowercase())));
    add(&["title"], |_, a| Ok(Value::string(title(&s(a, 0)?))));
    add(&["untitle"], |_, a| Ok(Value::string(untitle(&s(a, 0)?))));
    add(&["swapcase"], |_, a| {
        Ok(Value::string(
            s(a, 0)?
                .chars()
                .map(|c| if c.is_uppercase() { c.to_lowercase().next().unwrap_or(c) } else { c.to_uppercase().next().unwrap_or(c) })
                .collect::<String>(),
        ))
    });
    add(&["repeat"], |ex, a| {
        let c = n(a, 0)?.max(0) as usize;
        let t = s(a, 1)?;
        ex.check_len(c.saturating_mul(t.len()))?;
        Ok(Value::string(t.repeat(c)))
    });
    add(&["substr"], |_, a| {
        let (st, en, t) = (n(a, 0)?, n(a, 1)?, s(a, 2)?);
        let len = t.len() as i64;
        let st = if st < 0 { 0 } else { st };
        let en = if en < 0 || en > len { len } else { en };
        Ok(Value::string(if st > en {
            String::new()
        } else {
            String::from_utf8_lossy(&t.as_bytes()[st as usize..en as usize]).into_owned()
        }))
    });
    add(&["nospace"], |_, a| Ok(Value::string(s(a, 0)?.chars().filter(|c| !c.is_whitespace()).collect::<String>())));
    add(&["trunc"], f_trunc);
    add(&["abbrev"], |_, a| {
        let (w, t) = (n(a, 0)?, s(a, 1)?);
        let chars: Vec<char> = t.chars().collect();
        if w < 4 || chars.len() as i64 <= w {
            return Ok(Value::string(t));
        }
        Ok(Value::string(format!("{}...", chars[..(w as usize - 3)].iter().collect::<String>())))
    });
    add(&["abbrevboth"], |_, a| Ok(Value::string(s(a, 2)?)));
    add(&["initials"], |_, a| Ok(Value::string(s(a, 0)?.split_whitespace().filter_map(|w| w.chars().next()).collect::<String>())));
    add(&["contains"], |_, a| Ok(Value::bool(s(a, 1)?.contains(&*s(a, 0)?))));
    add(&["hasPrefix"], |_, a| Ok(Value::bool(s(a, 1)?.starts_with(&*s(a, 0)?))));
    add(&["hasSuffix"], |_, a| Ok(Value::bool(s(a, 1)?.ends_with(&*s(a, 0)?))));
    add(&["quote"], |_, a| Ok(quote_fn(a, true)));
    add(&["squote"], |_, a| Ok(quote_fn(a, false)));
    add(&["cat"], |ex, a| {
        let parts: Vec<Value> = a.iter().filter(|v| !v.is_nil()).cloned().collect();
        let text = parts.iter().map(strval).collect::<Vec<_>>().join(" ");
        Ok(concat_rich_sep(ex, &parts, text, " "))
    });
    add(&["indent"], |ex, a| indent_fn(ex, a, false));
    add(&["nindent"], |ex, a| indent_fn(ex, a, true));
    add(&["replace"], f_replace);
    add(&["plural"], |_, a| Ok(if n(a, 2)? == 1 { Value::string(s(a, 0)?) } else { Value::string(s(a, 1)?) }));
    add(&["snakecase"], |_, a| Ok(Value::string(snake(&s(a, 0)?, '_'))));
    add(&["kebabcase"], |_, a| Ok(Value::string(snake(&s(a, 0)?, '-'))));
    add(&["camelcase"], |_, a| Ok(Value::string(camel(&s(a, 0)?))));
    add(&["shuffle"], |_, a| Ok(Value::string(s(a, 0)?)));
    add(&["wrap"], |_, a| Ok(Value::string(wrap(&s(a, 1)?, n(a, 0)?.max(1) as usize, "\n"))));
    add(&["wrapWith"], |_, a| Ok(Value::string(wrap(&s(a, 2)?, n(a, 0)?.max(1) as usize, &s(a, 1)?))));
    add(&["toString"], |_, a| {
        let v = arg(a, 0);
        Ok(match &v.kind {
            Kind::Str(..) => v,
            _ => Value::string(strval(&v)).with_origin(v.origin.clone()),
        })
    });
    add(&["toStrings"], |ex, a| {
        let items = list_of(&arg(a, 0), "toStrings")?;
        list_result(ex, items.iter().map(|v| Value::string(strval(v))).collect())
    });
    add(&["join"], |_, a| {
        let sep = s(a, 0)?;
        let items = match &arg(a, 1).kind {
            Kind::Nil => Vec::new(),
            Kind::Str(..) => vec![arg(a, 1)],
            _ => list_of(&arg(a, 1), "join")?,
        };
        Ok(Value::string(items.iter().filter(|v| !v.is_nil()).map(strval).collect::<Vec<_>>().join(&sep)))
    });
    add(&["splitList"], |ex, a| {
        let (sep, t) = (s(a, 0)?, s(a, 1)?);
        let parts: Vec<Value> = if sep.is_empty() {
            t.chars().map(|c| Value::string(c.to_string())).collect()
        } else {
            t.split(&*sep).map(Value::from).collect()
        };
        list_result(ex, parts)
    });
    add(&["split"], |_, a| {
        let (sep, t) = (s(a, 0)?, s(a, 1)?);
        let mut m = Map::new();
        for (i, p) in t.split(&*sep).enumerate() {
            m.insert(format!("_{i}"), Value::from(p));
        }
        Ok(Value::map(m))
    });
    add(&["splitn"], |_, a| {
        let (sep, c, t) = (s(a, 0)?, n(a, 1)?, s(a, 2)?);
        let mut m = Map::new();
        if c > 0 {
            for (i, p) in t.splitn(c as usize, &*sep).enumerate() {
                m.insert(format!("_{i}"), Value::from(p));
            }
        }
        Ok(Value::map(m))
    });
    add(&["regexMatch", "mustRegexMatch"], |_, a| Ok(Value::bool(regex(&s(a, 0)?)?.is_match(&s(a, 1)?))));
    add(&["regexFind", "mustRegexFind"], |_, a| Ok(Value::string(regex(&s(a, 0)?)?.find(&s(a, 1)?).map_or("", |m| m.as_str()))));
    add(&["regexFindAll", "mustRegexFindAll"], |ex, a| {
        let (re, t, c) = (regex(&s(a, 0)?)?, s(a, 1)?, n(a, 2)?);
        let limit = if c < 0 { usize::MAX } else { c as usize };
        list_result(ex, re.find_iter(&t).take(limit).take(MAX_LIST + 1).map(|m| Value::from(m.as_str())).collect())
    });
    add(&["regexReplaceAll", "mustRegexReplaceAll"], |ex, a| {
        let (re, t, r) = (regex(&s(a, 0)?)?, s(a, 1)?, s(a, 2)?);
        // Go's `$1`/`${name}` expansion is the regex crate's: both read `$1a` as the group
        // named `1a`, and `$$` as a dollar.
        let out = re.replace_all(&t, &*r).into_owned();
        ex.check_len(out.len())?;
        Ok(Value::string(out))
    });
    add(&["regexReplaceAllLiteral", "mustRegexReplaceAllLiteral"], |ex, a| {
        let (re, t, r) = (regex(&s(a, 0)?)?, s(a, 1)?, s(a, 2)?);
        let out = re.replace_all(&t, regex::NoExpand(&r)).into_owned();
        ex.check_len(out.len())?;
        Ok(Value::string(out))
    });
    add(&["regexSplit", "mustRegexSplit"], |ex, a| {
        let (re, t, c) = (regex(&s(a, 0)?)?, s(a, 1)?, n(a, 2)?);
        let parts: Vec<Value> = if c < 0 {
            re.split(&t).take(MAX_LIST + 1).map(Value::from).collect()
        } else {
            re.splitn(&t, c as usize).map(Value::from).collect()
        };
        list_result(ex, parts)
    });
    add(&["regexQuoteMeta"], |_, a| Ok(Value::string(regex::escape(&s(a, 0)?))));
    // Encoding and hashing.
    add(&["b64enc"], |_, a| Ok(Value::string(encoding::b64_encode(s(a, 0)?.as_bytes()))));
    add(&["b64dec"], |_, a| {
        Ok(Value::string(encoding::b64_decode(&s(a, 0)?).map_or_else(|e| e, |b| String::from_utf8_lossy(&b).into_owned())))
    });
    add(&["b32enc"], |_, a| Ok(Value::string(encoding::b32_encode(s(a, 0)?.as_bytes()))));
    add(&["b32dec"], |_, a| {
        Ok(Value::string(encoding::b32_decode(&s(a, 0)?).map_or_else(|e| e, |b| String::from_utf8_lossy(&b).into_owned())))
    });
    add(&["sha1sum"], |_, a| Ok(Value::string(encoding::hex(&encoding::sha1(s(a, 0)?.as_bytes())))));
    add(&["sha256sum"], |_, a| Ok(Value::string(encoding::hex(&encoding::sha256(s(a, 0)?.as_bytes())))));
    // Placeholder of the right shape (128 hex digits), not SHA-512.
    add(&["sha512sum"], |_, a| {
        let first = encoding::sha256(s(a, 0)?.as_bytes());
        Ok(Value::string(format!("{}{}", encoding::hex(&first), encoding::hex(&encoding::sha256(&first)))))
    });
    add(&["hello"], |_, _| Ok(Value::string("Hello!")));
    add(&["adler32sum"], |_, a| Ok(Value::string(encoding::adler32(s(a, 0)?.as_bytes()).to_string())));
    // Numbers.
    add(&["int", "int64"], |_, a| Ok(Value::int(to_i64(&arg(a, 0)))));
    add(&["float64"], |_, a| Ok(Value::float(to_f64(&arg(a, 0)))));
    add(&["atoi"], |_, a| Ok(Value::int(s(a, 0)?.trim().parse::<i64>().unwrap_or(0))));
    add(&["toDecimal"], |_, a| Ok(Value::int(i64::from_str_radix(strval(&arg(a, 0)).trim(), 8).unwrap_or(0))));
    add(&["add"], |_, a| Ok(Value::int(a.iter().map(to_i64).fold(0i64, i64::wrapping_add))));
    add(&["add1"], |_, a| Ok(Value::int(to_i64(&arg(a, 0)).wrapping_add(1))));
    add(&["sub"], |_, a| Ok(Value::int(to_i64(&arg(a, 0)).wrapping_sub(to_i64(&arg(a, 1))))));
    add(&["mul"], |_, a| Ok(Value::int(a.iter().map(to_i64).fold(1i64, i64::wrapping_mul))));
    add(&["div"], |_, a| {
        let d = to_i64(&arg(a, 1));
        if d == 0 {
            return Err("runtime error: integer divide by zero".into());
        }
        Ok(Value::int(to_i64(&arg(a, 0)).wrapping_div(d)))
    });
    add(&["mod"], |_, a| {
        let d = to_i64(&arg(a, 1));
        if d == 0 {
            return Err("runtime error: integer divide by zero".into());
        }
        Ok(Value::int(to_i64(&arg(a, 0)).wrapping_rem(d)))
    });
    add(&["max", "biggest"], |_, a| Ok(Value::int(a.iter().map(to_i64).max().unwrap_or(0))));
    add(&["min"], |_, a| Ok(Value::int(a.iter().map(to_i64).min().unwrap_or(0))));
    add(&["addf"], |_, a| Ok(Value::float(a.iter().map(to_f64).sum())));
    add(&["add1f"], |_, a| Ok(Value::float(to_f64(&arg(a, 0)) + 1.0)));
    add(&["subf"], |_, a| Ok(Value::float(a.iter().skip(1).fold(to_f64(&arg(a, 0)), |x, y| x - to_f64(y)))));
    add(&["mulf"], |_, a| Ok(Value::float(a.iter().map(to_f64).product())));
    add(&["divf"], |_, a| Ok(Value::float(a.iter().skip(1).fold(to_f64(&arg(a, 0)), |x, y| x / to_f64(y)))));
    add(&["maxf"], |_, a| Ok(Value::float(a.iter().map(to_f64).fold(f64::NEG_INFINITY, f64::max))));
    add(&["minf"], |_, a| Ok(Value::float(a.iter().map(to_f64).fold(f64::INFINITY, f64::min))));
    add(&["floor"], |_, a| Ok(Value::float(to_f64(&arg(a, 0)).floor())));
    add(&["ceil"], |_, a| Ok(Value::float(to_f64(&arg(a, 0)).ceil())));
    add(&["round"], |_, a| {
        let p = 10f64.powi(to_i64(&arg(a, 1)).clamp(0, 300) as i32);
        Ok(Value::float((to_f64(&arg(a, 0)) * p).round() / p))
    });
    add(&["until"], |ex, a| {
        let c = n(a, 0)?;
        range_list(ex, 0, c, if c < 0 { -1 } else { 1 })
    });
    add(&["untilStep"], |ex, a| range_list(ex, n(a, 0)?, n(a, 1)?, n(a, 2)?));
    add(&["seq"], f_seq);
    // Lists.
    add(&["list", "tuple"], |ex, a| list_result(ex, a.to_vec()));
    add(&["append", "push", "mustAppend", "mustPush"], |ex, a| {
        want(a, 2)?;
        let mut items = list_of(&arg(a, 0), "append")?;
        items.push(arg(a, 1));
        list_result(ex, items)
    });
    add(&["prepend", "mustPrepend"], |ex, a| {
        want(a, 2)?;
        let mut items = list_of(&arg(a, 0), "prepend")?;
        items.insert(0, arg(a, 1));
        list_result(ex, items)
    });
    add(&["first", "mustFirst"], |_, a| Ok(list_of(&arg(a, 0), "first")?.first().cloned().unwrap_or_default()));
    add(&["last", "mustLast"], |_, a| Ok(list_of(&arg(a, 0), "last")?.last().cloned().unwrap_or_default()));
    add(&["rest", "mustRest"], |_, a| Ok(Value::list(list_of(&arg(a, 0), "rest")?.into_iter().skip(1).collect())));
    add(&["initial", "mustInitial"], |_, a| {
        let mut l = list_of(&arg(a, 0), "initial")?;
        l.pop();
        Ok(Value::list(l))
    });
    add(&["uniq", "mustUniq"], |ex, a| {
        let l = list_of(&arg(a, 0), "uniq")?;
        charge(ex, (l.len() as u64).saturating_mul(l.len() as u64) / 16)?;
        let mut out: Vec<Value> = Vec::new();
        for v in l {
            if !out.iter().any(|x| deep_equal(x, &v, 0)) {
                out.push(v);
            }
        }
        Ok(Value::list(out))
    });
    add(&["without", "mustWithout"], |_, a| {
        at_least(a, 1)?;
        let l = list_of(&arg(a, 0), "without")?;
        Ok(Value::list(l.into_iter().filter(|v| !a[1..].iter().any(|x| deep_equal(x, v, 0))).collect()))
    });
    add(&["has", "mustHas"], |_, a| {
        want(a, 2)?;
        let l = list_of(&arg(a, 1), "has")?;
        Ok(Value::bool(l.iter().any(|x| deep_equal(x, &a[0], 0))))
    });
    add(&["compact", "mustCompact"], |_, a| Ok(Value::list(list_of(&arg(a, 0), "compact")?.into_iter().filter(Value::truthy).collect())));
    add(&["concat"], |ex, a| {
        let mut out = Vec::new();
        for l in a {
            out.extend(list_of(l, "concat")?);
            if out.len() > MAX_LIST {
                break;
            }
        }
        list_result(ex, out)
    });
    add(&["reverse", "mustReverse"], |_, a| {
        let mut l = list_of(&arg(a, 0), "reverse")?;
        l.reverse();
        Ok(Value::list(l))
    });
    add(&["sortAlpha"], |_, a| {
        let mut l: Vec<String> = list_of(&arg(a, 0), "sortAlpha")?.iter().map(strval).collect();
        l.sort();
        Ok(Value::list(l.into_iter().map(Value::from).collect()))
    });
    add(&["slice", "mustSlice"], f_slice);
    add(&["chunk", "mustChunk"], |_, a| {
        let size = n(a, 0)?;
        if size <= 0 {
            return Err("chunk size must be positive".into());
        }
        let l = list_of(&arg(a, 1), "chunk")?;
        Ok(Value::list(l.chunks(size as usize).map(|c| Value::list(c.to_vec())).collect()))
    });
    // Dicts.
    add(&["dict"], |ex, a| {
        charge(ex, a.len() as u64)?;
        let mut m = Map::new();
        for pair in a.chunks(2) {
            let k = strval(&pair[0]);
            m.insert(k, pair.get(1).cloned().unwrap_or_else(|| Value::string("")));
        }
        Ok(Value::map(m))
    });
    add(&["get"], |_, a| {
        want(a, 2)?;
        let m = map_of(&arg(a, 0))?;
        Ok(m.get(&*s(a, 1)?).cloned().unwrap_or_else(|| Value::string("")))
    });
    add(&["set"], |_, a| {
        want(a, 3)?;
        let d = arg(a, 0);
        map_of(&d)?;
        d.insert(s(a, 1)?.to_string(), arg(a, 2));
        Ok(d)
    });
    add(&["unset"], |_, a| {
        want(a, 2)?;
        let d = arg(a, 0);
        if let Kind::Map(m) = &d.kind {
            m.lock().remove(&*s(a, 1)?);
        }
        Ok(d)
    });
    add(&["hasKey"], |_, a| {
        want(a, 2)?;
        Ok(Value::bool(map_of(&arg(a, 0))?.contains_key(&*s(a, 1)?)))
    });
    add(&["keys"], |_, a| {
        let mut out = Vec::new();
        for d in a {
            out.extend(map_of(d)?.into_keys().map(Value::from));
        }
        Ok(Value::list(out))
    });
    add(&["values"], |_, a| Ok(Value::list(map_of(&arg(a, 0))?.into_values().collect())));
    add(&["pluck"], |_, a| {
        let k = s(a, 0)?;
        let mut out = Vec::new();
        for d in a.iter().skip(1) {
            if let Some(v) = map_of(d)?.get(&*k) {
                out.push(v.clone());
            }
        }
        Ok(Value::list(out))
    });
    add(&["merge", "mustMerge"], |_, a| merge_fn(a, false));
    add(&["mergeOverwrite", "mustMergeOverwrite"], |_, a| merge_fn(a, true));
    add(&["omit"], |_, a| {
        let mut m = map_of(&arg(a, 0))?;
        for k in a.iter().skip(1) {
            m.remove(&strval(k));
        }
        Ok(Value::map(m))
    });
    add(&["pick"], |_, a| {
        let m = map_of(&arg(a, 0))?;
        let mut out = Map::new();
        for k in a.iter().skip(1) {
            let k = strval(k);
            if let Some(v) = m.get(&k) {
                out.insert(k, v.clone());
            }
        }
        Ok(Value::map(out))
    });
    add(&["dig"], |_, a| {
        at_least(a, 3)?;
        let dict = arg(a, a.len() - 1);
        let default = arg(a, a.len() - 2);
        let mut cur = dict;
        for k in &a[..a.len() - 2] {
            let k = s(std::slice::from_ref(k), 0)?;
            match cur.map_entries().and_then(|m| m.get(&*k).cloned()) {
                Some(v) => cur = v,
                None => return Ok(default),
            }
        }
        Ok(cur)
    });
    // Paths and URLs.
    add(&["base", "osBase"], |_, a| Ok(Value::string(path_base(&s(a, 0)?))));
    add(&["dir", "osDir"], |_, a| Ok(Value::string(path_dir(&s(a, 0)?))));
    add(&["ext", "osExt"], |_, a| {
        let b = path_base(&s(a, 0)?);
        Ok(Value::string(b.rfind('.').map_or(String::new(), |i| b[i..].to_string())))
    });
    add(&["clean", "osClean"], |_, a| Ok(Value::string(path_clean(&s(a, 0)?))));
    add(&["isAbs", "osIsAbs"], |_, a| Ok(Value::bool(s(a, 0)?.starts_with('/'))));
    add(&["urlParse"], |_, a| Ok(encoding::url_parse(&s(a, 0)?)));
    add(&["urlJoin"], |_, a| Ok(Value::string(encoding::url_join(&map_of(&arg(a, 0))?))));
    // Semantic versions.
    add(&["semver"], |_, a| semver::semver_fn(&s(a, 0)?).map_err(FnError::Msg));
    add(&["semverCompare"], |_, a| semver::compare_fn(&s(a, 0)?, &s(a, 1)?).map(Value::bool).map_err(FnError::Msg));
    // Environment, randomness, time, crypto: stable placeholders.
    add(&["env"], |_, _| Ok(Value::string("")));
    add(&["expandenv"], |_, a| Ok(Value::string(s(a, 0)?)));
    add(&["randAlphaNum", "randAlpha", "randNumeric", "randAscii"], |ex, a| {
        let c = n(a, 0)?.max(0) as usize;
        ex.check_len(c)?;
        Ok(Value::string("x".repeat(c)))
    });
    add(&["randBytes"], |ex, a| {
        let c = n(a, 0)?.max(0) as usize;
        ex.check_len(c.saturating_mul(2))?;
        Ok(Value::string(encoding::b64_encode(&vec![0u8; c])))
    });
    add(&["randInt"], |_, a| Ok(Value::int(to_i64(&arg(a, 0)))));
    add(&["uuidv4"], |_, _| Ok(Value::string("00000000-0000-4000-8000-000000000000")));
    add(&["now"], |_, _| Ok(Value::string(PLACEHOLDER_TIME)));
    add(&["date", "dateInZone", "date_in_zone", "htmlDate", "htmlDateInZone"], |_, a| Ok(Value::string(go_date(&strval(&arg(a, 0))))));
    add(&["toDate", "mustToDate", "dateModify", "mustDateModify"], |_, _| Ok(Value::string(PLACEHOLDER_TIME)));
    add(&["unixEpoch"], |_, _| Ok(Value::string("1704067200")));
    add(&["ago", "duration", "durationRound"], |_, _| Ok(Value::string("0s")));
    add(
        &[
            "genCA",
            "genCAWithKey",
            "genSelfSignedCert",
            "genSelfSignedCertWithKey",
            "genSignedCert",
            "genSignedCertWithKey",
            "buildCustomCert",
        ],
        |_, a| Ok(cert_placeholder(a)),
    );
    add(&["genPrivateKey"], |_, a| {
        let kind = match strval(&arg(a, 0)).as_str() {
            "ecdsa" => "EC PRIVATE KEY",
            "dsa" => "DSA PRIVATE KEY",
            "ed25519" => "PRIVATE KEY",
            _ => "RSA PRIVATE KEY",
        };
        Ok(Value::string(pem(kind, &strval(&arg(a, 0)))))
    });
    add(&["derivePassword"], |_, _| Ok(Value::string("placeholder-password")));
    add(&["encryptAES"], |_, a| Ok(Value::string(encoding::b64_encode(strval(&arg(a, 1)).as_bytes()))));
    add(&["decryptAES"], |_, a| {
        Ok(Value::string(
            encoding::b64_decode(&strval(&arg(a, 1))).map_or_else(|_| String::new(), |b| String::from_utf8_lossy(&b).into_owned()),
        ))
    });
    add(&["htpasswd"], |_, a| Ok(Value::string(format!("{}:$2a$10$placeholderplaceholderplaceholderplaceholde", strval(&arg(a, 0))))));
    add(&["bcrypt"], |_, _| Ok(Value::string("$2a$10$placeholderplaceholderplaceholderplaceholde")));
    add(&["getHostByName"], |_, _| Ok(Value::string("")));
    m
}

const PLACEHOLDER_TIME: &str = "2024-01-01 00:00:00 +0000 UTC";

// ---------------------------------------------------------------------------------------------
// Go builtins

fn f_not(_: &mut Exec<'_>, a: &[Value]) -> FnResult {
    want(a, 1)?;
    Ok(Value::bool(!a[0].truthy()))
}

fn f_len(_: &mut Exec<'_>, a: &[Value]) -> FnResult {
    want(a, 1)?;
    let v = &a[0];
    Ok(Value::int(match &v.kind {
        Kind::Str(s, _) => s.len() as i64,
        Kind::List(l) => l.0.len() as i64,
        Kind::Map(m) => m.lock().len() as i64,
        Kind::Files(f) => f.len() as i64,
        Kind::ApiVersions(l) => l.len() as i64,
        _ => return Err(format!("len of type {}", v.type_name()).into()),
    }))
}

fn f_index(_: &mut Exec<'_>, a: &[Value]) -> FnResult {
    at_least(a, 1)?;
    let mut cur = a[0].clone();
    for k in &a[1..] {
        cur = match &cur.kind {
            Kind::Map(m) => {
                let key = match &k.kind {
                    Kind::Str(s, _) => s.to_string(),
                    Kind::Nil => return Err("value is nil; should be of type string".into()),
                    _ => return Err(format!("value has type {}; should be string", k.type_name()).into()),
                };
                m.lock().get(&key).cloned().unwrap_or_default()
            }
            Kind::List(_) | Kind::ApiVersions(_) => {
                let items = cur.list_items().unwrap_or_default();
                let i = match &k.kind {
                    Kind::Int(i) => *i,
                    Kind::Float(f) if f.fract() == 0.0 => *f as i64,
                    _ => return Err(format!("cannot index slice/array with type {}", k.type_name()).into()),
                };
                match usize::try_from(i).ok().and_then(|i| items.get(i)) {
                    Some(v) => v.clone(),
                    None => return Err(format!("index out of range: {i}").into()),
                }
            }
            Kind::Str(s, _) => {
                let i = to_i64(k);
                match usize::try_from(i).ok().and_then(|i| s.as_bytes().get(i)) {
                    Some(b) => Value::int(i64::from(*b)),
                    None => return Err(format!("index out of range: {i}").into()),
                }
            }
            Kind::Nil => return Err("index of untyped nil".into()),
            _ => return Err(format!("can't index item of type {}", cur.type_name()).into()),
        };
    }
    Ok(cur)
}

fn f_slice(_: &mut Exec<'_>, a: &[Value]) -> FnResult {
    at_least(a, 1)?;
    let v = &a[0];
    let idx: Vec<i64> = a[1..].iter().map(to_i64).collect();
    match &v.kind {
        Kind::Str(s, _) => {
            let len = s.len() as i64;
            let st = idx.first().copied().unwrap_or(0);
            let en = idx.get(1).copied().unwrap_or(len);
            if st < 0 || en > len || st > en {
                return Err(format!("index out of range: {st}:{en}").into());
            }
            Ok(Value::string(String::from_utf8_lossy(&s.as_bytes()[st as usize..en as usize]).into_owned()))
        }
        _ => {
            let items = list_of(v, "slice")?;
            let len = items.len() as i64;
            let st = idx.first().copied().unwrap_or(0);
            let en = idx.get(1).copied().unwrap_or(len);
            if st < 0 || en > len || st > en {
                return Err(format!("index out of range: {st}:{en}").into());
            }
            Ok(Value::list(items[st as usize..en as usize].to_vec()))
        }
    }
}

fn f_printf(ex: &mut Exec<'_>, a: &[Value]) -> FnResult {
    let format = s(a, 0)?;
    let rest = &a[1..];
    let text = fmt::sprintf(&format, rest);
    if let Some(v) = printf_rich(ex, &format, rest, &text) {
        return Ok(v);
    }
    let origin = if rest.len() == 1 { rest[0].origin.clone() } else { None };
    Ok(Value::string(text).with_origin(origin))
}

/// `printf` keeping provenance: each argument's formatted text is attributed to its values
/// key (`printf "%s:%s" .Values.image.repository .Values.image.tag`), and strings with
/// segments (from `include`) keep them under plain `%s`/`%v`. None when no argument carries
/// provenance, or the format uses `*` widths.
fn printf_rich(ex: &Exec<'_>, format: &str, args: &[Value], whole: &str) -> Option<Value> {
    if !args.iter().any(|v| v.origin.is_some() || matches!(&v.kind, Kind::Str(_, Some(_)))) {
        return None;
    }
    let mut buf = RichBuf::with_base(ex.seg_at(ex.call_pos, None));
    let mut lit = String::new();
    let mut argi = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        let mut spec = String::from("%");
        while let Some(&d) = chars.peek() {
            if !"-+# 0123456789.".contains(d) {
                break;
            }
            spec.push(d);
            chars.next();
        }
        let verb = chars.next()?;
        if verb == '%' {
            lit.push('%');
            continue;
        }
        if verb == '*' {
            return None;
        }
        let arg = args.get(argi)?;
        argi += 1;
        buf.plain(&lit);
        lit.clear();
        if spec == "%" && matches!(verb, 's' | 'v') && matches!(arg.kind, Kind::Str(..)) {
            buf.slice(arg, 0..str_len(arg));
        } else {
            let piece = fmt::sprintf(&format!("{spec}{verb}"), std::slice::from_ref(arg));
            buf.piece(&piece, arg.origin.as_ref());
        }
    }
    buf.plain(&lit);
    (argi == args.len() && buf.text == whole).then(|| buf.finish(None))
}

fn basic_cmp(a: &Value, b: &Value) -> Result<Option<std::cmp::Ordering>, FnError> {
    Ok(match (&a.kind, &b.kind) {
        (Kind::Int(x), Kind::Int(y)) => Some(x.cmp(y)),
        (Kind::Float(x), Kind::Float(y)) => x.partial_cmp(y),
        (Kind::Str(x, _), Kind::Str(y, _)) => Some(x.cmp(y)),
        (Kind::Bool(x), Kind::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    })
}

fn f_eq(_: &mut Exec<'_>, a: &[Value]) -> FnResult {
    at_least(a, 2)?;
    let first = &a[0];
    for other in &a[1..] {
        let truth = match (&first.kind, &other.kind) {
            (Kind::Nil, _) | (_, Kind::Nil) => first.is_nil() && other.is_nil(),
            (Kind::Int(_), Kind::Int(_))
            | (Kind::Float(_), Kind::Float(_))
            | (Kind::Str(..), Kind::Str(..))
            | (Kind::Bool(_), Kind::Bool(_)) => basic_cmp(first, other)? == Some(std::cmp::Ordering::Equal),
            (Kind::List(_) | Kind::Map(_), _) | (_, Kind::List(_) | Kind::Map(_)) => {
                return Err(format!("non-comparable type {}: {}", fmt::go_string(other), other.type_name()).into());
            }
            _ => return Err("incompatible types for comparison".into()),
        };
        if truth {
            return Ok(Value::bool(true));
        }
    }
    Ok(Value::bool(false))
}

fn cmp_fn(a: &[Value], ok: fn(std::cmp::Ordering) -> bool) -> FnResult {
    want(a, 2)?;
    let (x, y) = (&a[0], &a[1]);
    let basic = |v: &Value| matches!(v.kind, Kind::Int(_) | Kind::Float(_) | Kind::Str(..));
    if !basic(x) || !basic(y) {
        return Err("invalid type for comparison".into());
    }
    match basic_cmp(x, y)? {
        Some(o) => Ok(Value::bool(ok(o))),
        None if std::mem::discriminant(&x.kind) == std::mem::discriminant(&y.kind) => Ok(Value::bool(false)),
        None => Err("incompatible types for comparison".into()),
    }
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '\0' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Helm

fn f_include(ex: &mut Exec<'_>, a: &[Value]) -> FnResult {
    want(a, 2)?;
    let name = s(a, 0)?;
    let Some(tpl) = ex.set.lookup(&name) else {
        return Err(format!("template: no template {name:?} associated with template \"gotpl\"").into());
    };
    let pos = ex.call_pos;
    ex.capture(tpl, &a[1], pos, None).map_err(FnError::Full)
}

fn f_tpl(ex: &mut Exec<'_>, a: &[Value]) -> FnResult {
    want(a, 2)?;
    let text = s(a, 0)?;
    let origin = a[0].origin.clone();
    let parsed = parse::parse(&text, &is_known).map_err(|e| {
        FnError::Full(Box::new(super::TemplateError {
            template: ex.frame.file.to_string(),
            line: e.line,
            column: e.col,
            message: format!("error calling tpl: cannot parse template {:?}: {}", text.chars().take(60).collect::<String>(), e.message),
            kind: super::ErrorKind::Exec,
        }))
    })?;
    let file = ex.frame.file.clone();
    let tpl = Arc::new(super::Tpl { name: file.clone(), file, src: text.clone(), body: parsed.root });
    let pos = ex.call_pos;
    ex.capture(tpl, &a[1], pos, Some((pos, origin))).map_err(FnError::Full)
}

fn f_required(_: &mut Exec<'_>, a: &[Value]) -> FnResult {
    want(a, 2)?;
    let msg = s(a, 0)?;
    let v = &a[1];
    match &v.kind {
        Kind::Nil => Err(FnError::Msg(msg.to_string())),
        Kind::Str(s, _) if s.is_empty() => Err(FnError::Msg(msg.to_string())),
        _ => Ok(v.clone()),
    }
}

fn f_to_yaml(ex: &mut Exec<'_>, a: &[Value]) -> FnResult {
    want(a, 1)?;
    let seg = ex.seg_at(ex.call_pos, None);
    let (text, segs) = yaml::to_yaml(&a[0], &seg).map_err(FnError::Msg)?;
    ex.check_len(text.len())?;
    Ok(Value::rich(text, segs))
}

fn to_json(ex: &mut Exec<'_>, a: &[Value], pretty: bool, escape_html: bool) -> FnResult {
    want(a, 1)?;
    let text = yaml::to_json(&a[0], pretty, escape_html).map_err(FnError::Msg)?;
    ex.check_len(text.len())?;
    let seg = ex.seg_at(ex.call_pos, a[0].origin.clone());
    Ok(Value::rich(text, vec![seg]))
}

// ---------------------------------------------------------------------------------------------
// Sprig

fn f_default(_: &mut Exec<'_>, a: &[Value]) -> FnResult {
    at_least(a, 1)?;
    match a.get(1) {
        Some(v) if v.truthy() => Ok(v.clone()),
        _ => Ok(a[0].clone()),
    }
}

fn trim_fn(a: &[Value], i: usize, f: impl Fn(&str) -> std::ops::Range<usize>) -> FnResult {
    want(a, i + 1)?;
    let v = &a[i];
    let text = s(a, i)?;
    let range = f(&text);
    let mut buf = RichBuf::new();
    buf.slice(v, range);
    Ok(buf.finish(v.origin.clone()))
}

/// Where `part` (a sub-slice of `whole`) lies in `whole`.
fn sub_range(whole: &str, part: &str) -> std::ops::Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize).min(whole.len());
    start..(start + part.len()).min(whole.len())
}

fn f_trunc(_: &mut Exec<'_>, a: &[Value]) -> FnResult {
    want(a, 2)?;
    let c = n(a, 0)?;
    let v = &a[1];
    let t = s(a, 1)?;
    let len = t.len() as i64;
    let range = if c < 0 && len + c > 0 {
        (len + c) as usize..t.len()
    } else if c >= 0 && len > c {
        0..c as usize
    } else {
        0..t.len()
    };
    if !t.is_char_boundary(range.start) || !t.is_char_boundary(range.end) {
        let bytes = &t.as_bytes()[range];
        return Ok(Value::string(String::from_utf8_lossy(bytes).into_owned()));
    }
    let mut buf = RichBuf::new();
    buf.slice(v, range);
    Ok(buf.finish(v.origin.clone()))
}

fn quote_fn(a: &[Value], double: bool) -> Value {
    let parts: Vec<&Value> = a.iter().filter(|v| !v.is_nil()).collect();
    if parts.len() == 1 {
        let v = parts[0];
        if let Kind::Str(t, _) = &v.kind {
            let mut buf = RichBuf::new();
            if double {
                // Keep segments only when quoting does not change the text inside.
                let q = fmt::quote(t);
                if q.len() == t.len() + 2 {
                    buf.plain("\"");
                    buf.slice(v, 0..t.len());
                    buf.plain("\"");
                    return buf.finish(v.origin.clone());
                }
                return Value::string(q).with_origin(v.origin.clone());
            }
            buf.plain("'");
            buf.slice(v, 0..t.len());
            buf.plain("'");
            return buf.finish(v.origin.clone());
        }
        let t = strval(v);
        let q = if double { fmt::quote(&t) } else { format!("'{t}'") };
        return Value::string(q).with_origin(v.origin.clone());
    }
    let q: Vec<String> = parts.iter().map(|v| if double { fmt::quote(&strval(v)) } else { format!("'{}'", strval(v)) }).collect();
    Value::string(q.join(" "))
}

fn concat_rich(ex: &Exec<'_>, parts: &[Value], text: String) -> Value {
    concat_rich_sep(ex, parts, text, "")
}

/// The concatenation of `parts`, `text` being the plain result. When all parts are strings
/// and some carry provenance (segments, or a values origin), the result keeps it piecewise.
fn concat_rich_sep(ex: &Exec<'_>, parts: &[Value], text: String, sep: &str) -> Value {
    let rich = parts.iter().any(|v| v.origin.is_some() || matches!(&v.kind, Kind::Str(_, Some(_))));
    if parts.len() > 1 && rich && parts.iter().all(|v| matches!(v.kind, Kind::Str(..))) {
        let mut buf = RichBuf::with_base(ex.seg_at(ex.call_pos, None));
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                buf.plain(sep);
            }
            buf.slice(p, 0..str_len(p));
        }
        if buf.text == text {
            return buf.finish(None);
        }
    }
    if parts.len() == 1 && matches!(&parts[0].kind, Kind::Str(..)) && parts[0].as_str() == Some(text.as_str()) {
        return parts[0].clone();
    }
    let origin = if parts.len() == 1 { parts[0].origin.clone() } else { None };
    Value::string(text).with_origin(origin)
}

fn indent_fn(ex: &mut Exec<'_>, a: &[Value], newline: bool) -> FnResult {
    want(a, 2)?;
    let c = n(a, 0)?.max(0) as usize;
    let v = &a[1];
    let t = s(a, 1)?;
    let lines = t.matches('\n').count() + 1;
    ex.check_len(t.len().saturating_add(c.saturating_mul(lines)))?;
    let pad = " ".repeat(c);
    let mut buf = RichBuf::new();
    if newline {
        buf.plain("\n");
    }
    let mut start = 0;
    for (i, line) in t.split('\n').enumerate() {
        if i > 0 {
            buf.plain("\n");
        }
        let line_start = buf.text.len();
        buf.plain(&pad);
        let first_new = buf.segs.len();
        buf.slice(v, start..start + line.len());
        // The padding belongs to the line it indents, not to the line before.
        if let Some(seg) = buf.segs.get_mut(first_new)
            && seg.start == line_start + pad.len()
        {
            seg.start = line_start;
        }
        start += line.len() + 1;
    }
    Ok(buf.finish(v.origin.clone()))
}

fn f_replace(ex: &mut Exec<'_>, a: &[Value]) -> FnResult {
    want(a, 3)?;
    let (old, new) = (s(a, 0)?, s(a, 1)?);
    let v = &a[2];
    let t = s(a, 2)?;
    let count = if old.is_empty() { t.chars().count() + 1 } else { t.matches(&*old).count() };
    ex.check_len(t.len().saturating_add(count.saturating_mul(new.len())))?;
    if old.is_empty() {
        return Ok(Value::string(t.replace("", &new)));
    }
    let mut buf = RichBuf::new();
    let mut last = 0;
    for (i, _) in t.match_indices(&*old) {
        buf.slice(v, last..i);
        buf.plain(&new);
        last = i + old.len();
    }
    buf.slice(v, last..t.len());
    Ok(buf.finish(v.origin.clone()))
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_letter = false;
    for c in s.chars() {
        if !prev_letter && c.is_alphanumeric() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        // strings.Title: letters, digits and '_' continue a word; anything else separates.
        prev_letter = c.is_alphanumeric() || c == '_';
    }
    out
}

fn untitle(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_start = true;
    for c in s.chars() {
        if at_start && c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        at_start = c.is_whitespace();
    }
    out
}

fn words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = c.is_uppercase()
            && (prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(char::is_uppercase) && next.is_some_and(char::is_lowercase)));
        if boundary && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

fn snake(s: &str, sep: char) -> String {
    words(s).iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join(&sep.to_string())
}

fn camel(s: &str) -> String {
    s.split(['_', '-', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

fn wrap(s: &str, width: usize, sep: &str) -> String {
    let mut out = String::new();
    for (li, line) in s.split('\n').enumerate() {
        if li > 0 {
            out.push('\n');
        }
        let mut col = 0;
        for (wi, w) in line.split(' ').enumerate() {
            if wi > 0 {
                if col + 1 + w.chars().count() > width && col > 0 {
                    out.push_str(sep);
                    col = 0;
                } else {
                    out.push(' ');
                    col += 1;
                }
            }
            out.push_str(w);
            col += w.chars().count();
        }
    }
    out
}

fn regex(pattern: &str) -> Result<regex::Regex, FnError> {
    if pattern.len() > 10_000 {
        return Err("regular expression longer than 10000 bytes".into());
    }
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .map_err(|e| FnError::Msg(format!("error parsing regexp: {e}")))
}

fn range_list(ex: &mut Exec<'_>, start: i64, stop: i64, step: i64) -> FnResult {
    if step == 0 {
        return Ok(Value::list(Vec::new()));
    }
    let count = if (step > 0 && stop > start) || (step < 0 && stop < start) {
        ((stop as i128 - start as i128).unsigned_abs().div_ceil(step.unsigned_abs() as u128)) as u64
    } else {
        0
    };
    if count as usize > MAX_LIST {
        return Err(FnError::Full(ex.limit_error("max_steps", format!("a list of {count} numbers"))));
    }
    charge(ex, count)?;
    let mut out = Vec::with_capacity(count as usize);
    let mut i = start;
    for _ in 0..count {
        out.push(Value::int(i));
        i = i.wrapping_add(step);
    }
    Ok(Value::list(out))
}

fn f_seq(ex: &mut Exec<'_>, a: &[Value]) -> FnResult {
    let nums: Vec<i64> = a.iter().map(to_i64).collect();
    let (start, step, end) = match nums.as_slice() {
        [e] => (1, 1, *e),
        [s, e] => (*s, if e >= s { 1 } else { -1 }, *e),
        [s, st, e] => (*s, *st, *e),
        _ => return Ok(Value::string("")),
    };
    let stop = if step > 0 { end.saturating_add(1) } else { end.saturating_sub(1) };
    let l = range_list(ex, start, stop, step)?;
    let items = l.list_items().unwrap_or_default();
    Ok(Value::string(items.iter().map(strval).collect::<Vec<_>>().join(" ")))
}

fn merge_fn(a: &[Value], overwrite: bool) -> FnResult {
    at_least(a, 1)?;
    let dst = a[0].clone();
    let Kind::Map(dm) = &dst.kind else {
        return Err(format!("wrong type for value; expected map[string]interface {{}}; got {}", dst.type_name()).into());
    };
    for src in &a[1..] {
        if let Kind::Map(sm) = &src.kind {
            if Arc::ptr_eq(dm, sm) {
                continue;
            }
            let src_entries = sm.lock().clone();
            let mut d = dm.lock().clone();
            merge_into(&mut d, &src_entries, overwrite, 0);
            *dm.lock() = d;
        }
    }
    Ok(dst)
}

/// mergo's `Merge` (fill missing keys, recursing into maps) or `WithOverride` (replace, except
/// that an empty source value does not replace).
fn merge_into(dst: &mut Map, src: &Map, overwrite: bool, depth: usize) {
    if depth > MAX_VALUE_DEPTH {
        return;
    }
    for (k, sv) in src {
        match dst.get(k) {
            None => {
                dst.insert(k.clone(), sv.clone());
            }
            Some(dv) => {
                if let (Kind::Map(dm), Kind::Map(sm)) = (&dv.kind, &sv.kind) {
                    if Arc::ptr_eq(dm, sm) {
                        continue;
                    }
                    let mut inner = dm.lock().clone();
                    let src_inner = sm.lock().clone();
                    merge_into(&mut inner, &src_inner, overwrite, depth + 1);
                    *dm.lock() = inner;
                } else if overwrite || !dv.truthy() {
                    // mergo: Merge fills empty destination values; MergeOverwrite replaces
                    // with the source value, even an empty one (`key: false` wins).
                    dst.insert(k.clone(), sv.clone());
                }
            }
        }
    }
}

pub(crate) fn deep_equal(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > MAX_VALUE_DEPTH {
        return false;
    }
    match (&a.kind, &b.kind) {
        (Kind::Nil, Kind::Nil) => true,
        (Kind::Bool(x), Kind::Bool(y)) => x == y,
        (Kind::Int(x), Kind::Int(y)) => x == y,
        (Kind::Float(x), Kind::Float(y)) => x == y,
        (Kind::Str(x, _), Kind::Str(y, _)) => x == y,
        (Kind::List(x), Kind::List(y)) => x.0.len() == y.0.len() && x.0.iter().zip(y.0.iter()).all(|(p, q)| deep_equal(p, q, depth + 1)),
        (Kind::Map(x), Kind::Map(y)) => {
            if Arc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.lock().clone(), y.lock().clone());
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w, depth + 1)))
        }
        _ => false,
    }
}

pub(crate) fn deep_copy(v: &Value, depth: usize) -> Value {
    if depth > MAX_VALUE_DEPTH {
        return Value::nil();
    }
    let kind = match &v.kind {
        Kind::List(l) => Kind::List(Arc::new(super::value::ListCell(l.0.iter().map(|x| deep_copy(x, depth + 1)).collect()))),
        Kind::Map(m) => {
            let entries = m.lock().clone();
            return Value::map(entries.iter().map(|(k, x)| (k.clone(), deep_copy(x, depth + 1))).collect()).with_origin(v.origin.clone());
        }
        k => k.clone(),
    };
    Value { kind, origin: v.origin.clone() }
}

fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn path_dir(p: &str) -> String {
    match p.rfind('/') {
        Some(i) => path_clean(&p[..=i]),
        None => ".".into(),
    }
}

fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let abs = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !abs {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (abs, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Formats the placeholder time (2024-01-01 00:00:00 UTC) with a Go layout.
fn go_date(layout: &str) -> String {
    const TOKENS: &[(&str, &str)] = &[
        ("2006", "2024"),
        ("January", "January"),
        ("Monday", "Monday"),
        ("Jan", "Jan"),
        ("Mon", "Mon"),
        ("MST", "UTC"),
        ("Z07:00", "Z"),
        ("-07:00", "+00:00"),
        ("-0700", "+0000"),
        (".000", ".000"),
        ("01", "01"),
        ("02", "01"),
        ("15", "00"),
        ("03", "12"),
        ("04", "00"),
        ("05", "00"),
        ("06", "24"),
        ("PM", "AM"),
        ("pm", "am"),
    ];
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        for (tok, val) in TOKENS {
            if let Some(r) = rest.strip_prefix(tok) {
                out.push_str(val);
                rest = r;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

fn pem(kind: &str, seed: &str) -> String {
    let digest = encoding::b64_encode(&encoding::sha256(format!("{kind}:{seed}").as_bytes()));
    format!("-----BEGIN {kind}-----\nUExBQ0VIT0xERVI{digest}\n-----END {kind}-----\n")
}

fn cert_placeholder(a: &[Value]) -> Value {
    let cn = a.first().map(strval).unwrap_or_default();
    let mut m = BTreeMap::new();
    m.insert("Cert".to_string(), Value::string(pem("CERTIFICATE", &cn)));
    m.insert("Key".to_string(), Value::string(pem("RSA PRIVATE KEY", &cn)));
    Value::map(m)
}

// ---------------------------------------------------------------------------------------------
// Methods of host objects

pub(crate) fn method(ex: &mut Exec<'_>, recv: &Value, name: &str, args: &[Value]) -> FnResult {
    match &recv.kind {
        Kind::ApiVersions(list) => match name {
            "Has" => {
                want(args, 1)?;
                let v = s(args, 0)?;
                Ok(Value::bool(list.iter().any(|x| **x == *v)))
            }
            _ => Err(format!("can't evaluate field {name} in type chartutil.VersionSet").into()),
        },
        Kind::Files(files) => {
            let file_str = |p: &str| files.get(p).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
            match name {
                "Get" | "GetBytes" => {
                    want(args, 1)?;
                    Ok(Value::string(file_str(&s(args, 0)?)))
                }
                "Lines" => {
                    want(args, 1)?;
                    let mut t = file_str(&s(args, 0)?);
                    if t.ends_with('\n') {
                        t.pop();
                    }
                    if t.is_empty() {
                        return Ok(Value::list(Vec::new()));
                    }
                    list_result(ex, t.split('\n').map(Value::from).collect())
                }
                "Glob" => {
                    want(args, 1)?;
                    let pat = s(args, 0)?;
                    let matcher = globset::GlobBuilder::new(&pat).literal_separator(true).build().map(|g| g.compile_matcher());
                    let sub: BTreeMap<String, Arc<[u8]>> = match matcher {
                        Ok(m) => files.iter().filter(|(k, _)| m.is_match(k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect(),
                        Err(_) => BTreeMap::new(),
                    };
                    Ok(Value::of(Kind::Files(Arc::new(sub))))
                }
                "AsConfig" | "AsSecrets" => {
                    let mut m = Map::new();
                    for (k, v) in files.iter() {
                        let content = if name == "AsSecrets" { encoding::b64_encode(v) } else { String::from_utf8_lossy(v).into_owned() };
                        m.insert(path_base(k), Value::string(content));
                    }
                    if m.is_empty() {
                        return Ok(Value::string(""));
                    }
                    let seg = ex.seg_at(ex.call_pos, None);
                    let (text, segs) = yaml::to_yaml(&Value::map(m), &seg).map_err(FnError::Msg)?;
                    Ok(Value::rich(text, segs))
                }
                _ => Err(format!("can't evaluate field {name} in type chart.Files").into()),
            }
        }
        _ => Err(format!("can't evaluate field {name} in type {}", recv.type_name()).into()),
    }
}
