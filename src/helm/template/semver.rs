//! Semantic versions and constraints as Sprig uses them (Masterminds/semver v3 semantics).
//!
//! Versions may be partial (`1.2`) and prefixed with `v`. Constraints: `=`, `!=`, `>`, `<`,
//! `>=`, `<=`, `~` (patch-level changes), `^` (no change of the leftmost non-zero part),
//! wildcards (`1.x`, `1.2.*`), hyphen ranges (`1.2 - 1.4.5`), `,` or space for *and*, `||` for
//! *or*. A version with a prerelease only satisfies a constraint whose version has one too
//! (why charts write `>=1.21-0`).

use std::cmp::Ordering;

use super::value::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    meta: String,
    original: String,
}

pub(crate) fn parse_version(s: &str) -> Option<Version> {
    let original = s.to_string();
    let t = s.trim();
    let t = t.strip_prefix('v').unwrap_or(t);
    let (t, meta) = t.split_once('+').unwrap_or((t, ""));
    let (t, pre) = t.split_once('-').unwrap_or((t, ""));
    let mut nums = t.split('.');
    let mut next = |required: bool| -> Option<u64> {
        match nums.next() {
            Some(p) if !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()) => p.parse().ok(),
            None if !required => Some(0),
            _ => None,
        }
    };
    let major = next(true)?;
    let minor = next(false)?;
    let patch = next(false)?;
    if nums.next().is_some() {
        return None;
    }
    if pre.split('.').any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')) && !pre.is_empty() {
        return None;
    }
    Some(Version { major, minor, patch, pre: pre.to_string(), meta: meta.to_string(), original })
}

fn cmp_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let mut ai = a.split('.');
    let mut bi = b.split('.');
    loop {
        match (ai.next(), bi.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(p), Ok(q)) => p.cmp(&q),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    _ => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

impl Version {
    fn cmp(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch).cmp(&(o.major, o.minor, o.patch)).then_with(|| cmp_pre(&self.pre, &o.pre))
    }
}

/// One constraint: an operator and a version whose parts may be wildcards.
#[derive(Debug, Clone)]
struct Constraint {
    op: String,
    v: Version,
    /// How many parts were given as numbers (the rest are wildcards or missing).
    given: usize,
}

fn parse_constraint(s: &str) -> Result<Constraint, String> {
    let s = s.trim();
    let op_len = s.chars().take_while(|c| matches!(c, '=' | '!' | '>' | '<' | '~' | '^')).count();
    let (op, rest) = s.split_at(op_len);
    let op = match op {
        "" | "=" | "==" => "=",
        "!=" => "!=",
        ">" => ">",
        "<" => "<",
        ">=" | "=>" => ">=",
        "<=" | "=<" => "<=",
        "~" | "~>" => "~",
        "^" => "^",
        _ => return Err(format!("improper constraint: {s}")),
    };
    let rest = rest.trim();
    let rest = rest.strip_prefix('v').unwrap_or(rest);
    let (core, tail) = match rest.find(['-', '+']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut given = 0;
    let mut nums = Vec::new();
    let mut wild = false;
    for p in core.split('.') {
        if matches!(p, "x" | "X" | "*") || wild {
            wild = true;
            nums.push("0".to_string());
        } else {
            given += 1;
            nums.push(p.to_string());
        }
    }
    if core.is_empty() || nums.len() > 3 {
        return Err(format!("improper constraint: {s}"));
    }
    let text = format!("{}{}", nums.join("."), tail);
    let v = parse_version(&text).ok_or_else(|| format!("improper constraint: {s}"))?;
    Ok(Constraint { op: op.to_string(), v, given })
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        if !v.pre.is_empty() && self.v.pre.is_empty() {
            return false;
        }
        let c = &self.v;
        let eq_wild = || match self.given {
            0 => true,
            1 => v.major == c.major,
            2 => v.major == c.major && v.minor == c.minor,
            _ => v.cmp(c) == Ordering::Equal,
        };
        match self.op.as_str() {
            "=" => eq_wild(),
            "!=" => !eq_wild(),
            ">" => match self.given {
                0 => false,
                1 => v.major > c.major,
                2 => v.major > c.major || (v.major == c.major && v.minor > c.minor),
                _ => v.cmp(c) == Ordering::Greater,
            },
            "<" => v.cmp(c) == Ordering::Less,
            ">=" => v.cmp(c) != Ordering::Less,
            "<=" => match self.given {
                0 => true,
                1 => v.major <= c.major,
                2 => v.major < c.major || (v.major == c.major && v.minor <= c.minor),
                _ => v.cmp(c) != Ordering::Greater,
            },
            "~" => {
                if v.cmp(c) == Ordering::Less {
                    return false;
                }
                if self.given <= 1 { v.major == c.major } else { v.major == c.major && v.minor == c.minor }
            }
            "^" => {
                if v.cmp(c) == Ordering::Less {
                    return false;
                }
                if c.major > 0 || self.given <= 1 {
                    v.major == c.major
                } else if c.minor > 0 || self.given == 2 {
                    v.major == 0 && v.minor == c.minor
                } else {
                    v.major == 0 && v.minor == 0 && v.patch == c.patch
                }
            }
            _ => false,
        }
    }
}

/// Parses a constraint string into or-groups of and-constraints.
fn parse_constraints(s: &str) -> Result<Vec<Vec<Constraint>>, String> {
    let mut groups = Vec::new();
    for group in s.split("||") {
        let mut out = Vec::new();
        // Hyphen ranges: "1.2 - 1.4.5".
        let normalized = group.replace(" - ", " HYPHEN ");
        let mut tokens: Vec<String> = Vec::new();
        for part in normalized.split(',') {
            let mut pending_op: Option<String> = None;
            for tok in part.split_whitespace() {
                if tok.chars().all(|c| matches!(c, '=' | '!' | '>' | '<' | '~' | '^')) {
                    pending_op = Some(tok.to_string());
                    continue;
                }
                match pending_op.take() {
                    Some(op) => tokens.push(format!("{op}{tok}")),
                    None => tokens.push(tok.to_string()),
                }
            }
        }
        let mut i = 0;
        while i < tokens.len() {
            if tokens.get(i + 1).is_some_and(|t| t == "HYPHEN") {
                let lo = tokens.get(i).cloned().unwrap_or_default();
                let hi = tokens.get(i + 2).cloned().ok_or_else(|| format!("improper constraint: {s}"))?;
                out.push(parse_constraint(&format!(">={lo}"))?);
                out.push(parse_constraint(&format!("<={hi}"))?);
                i += 3;
            } else {
                out.push(parse_constraint(&tokens[i])?);
                i += 1;
            }
        }
        if out.is_empty() {
            return Err(format!("improper constraint: {s}"));
        }
        groups.push(out);
    }
    Ok(groups)
}

/// `semverCompare constraint version`.
pub(crate) fn compare_fn(constraint: &str, version: &str) -> Result<bool, String> {
    let groups = parse_constraints(constraint)?;
    let v = parse_version(version).ok_or_else(|| "Invalid Semantic Version".to_string())?;
    Ok(groups.iter().any(|g| g.iter().all(|c| c.check(&v))))
}

/// `semver version`: a dict with Major, Minor, Patch, Prerelease, Metadata, Original.
pub(crate) fn semver_fn(version: &str) -> Result<Value, String> {
    let v = parse_version(version).ok_or_else(|| "Invalid Semantic Version".to_string())?;
    let mut m = Map::new();
    m.insert("Major".into(), Value::int(v.major as i64));
    m.insert("Minor".into(), Value::int(v.minor as i64));
    m.insert("Patch".into(), Value::int(v.patch as i64));
    m.insert("Prerelease".into(), Value::string(v.pre.as_str()));
    m.insert("Metadata".into(), Value::string(v.meta.as_str()));
    m.insert("Original".into(), Value::string(v.original.as_str()));
    Ok(Value::map(m))
}
