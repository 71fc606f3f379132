//! Semantic versions and Helm's version constraints (`~1.2`, `^2`, `>=1.0 <2`, `1.4.*`,
//! `1.2 - 1.5`, `a || b`), for choosing among the charts available offline.

use std::cmp::Ordering;

/// A semantic version; build metadata is ignored, a pre-release sorts before its release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Major, minor, patch.
    pub parts: [u64; 3],
    /// Pre-release identifiers (`rc.1` → `["rc", "1"]`).
    pub pre: Vec<String>,
}

impl Version {
    /// Parses `v1.2.3-rc.1+build`; missing minor/patch are 0 (`1.2` is `1.2.0`).
    pub fn parse(text: &str) -> Option<Version> {
        let t = text.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let t = t.split('+').next().unwrap_or(t);
        let (core, pre) = match t.split_once('-') {
            Some((c, p)) => (c, p.split('.').map(str::to_string).collect()),
            None => (t, Vec::new()),
        };
        let mut parts = [0u64; 3];
        let mut n = 0;
        for piece in core.split('.') {
            let slot = parts.get_mut(n)?;
            *slot = piece.parse().ok()?;
            n += 1;
        }
        (n > 0).then_some(Version { parts, pre })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts).then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (a, b) in self.pre.iter().zip(&other.pre) {
                    let o = match (a.parse::<u64>(), b.parse::<u64>()) {
                        (Ok(x), Ok(y)) => x.cmp(&y),
                        (Ok(_), Err(_)) => Ordering::Less,
                        (Err(_), Ok(_)) => Ordering::Greater,
                        (Err(_), Err(_)) => a.cmp(b),
                    };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                self.pre.len().cmp(&other.pre.len())
            }
        })
    }
}

/// A version with wildcard or missing parts (`1.2.*`, `1`, `*`).
#[derive(Debug, Clone, Copy)]
struct Partial {
    parts: [Option<u64>; 3],
}

impl Partial {
    fn parse(text: &str) -> Option<(Partial, bool)> {
        let t = text.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let t = t.split('+').next().unwrap_or(t);
        let (core, has_pre) = match t.split_once('-') {
            Some((c, _)) => (c, true),
            None => (t, false),
        };
        let mut parts = [None; 3];
        for (i, piece) in core.split('.').enumerate() {
            let slot = parts.get_mut(i)?;
            *slot = match piece {
                "*" | "x" | "X" => None,
                p => Some(p.parse().ok()?),
            };
            if slot.is_none() {
                break;
            }
        }
        Some((Partial { parts }, has_pre))
    }

    fn floor(&self) -> [u64; 3] {
        [self.parts[0].unwrap_or(0), self.parts[1].unwrap_or(0), self.parts[2].unwrap_or(0)]
    }

    /// Number of leading parts given.
    fn given(&self) -> usize {
        self.parts.iter().take_while(|p| p.is_some()).count()
    }

    /// The smallest version above every version this partial stands for.
    fn ceiling(&self) -> Option<[u64; 3]> {
        let [a, b, c] = self.floor();
        match self.given() {
            0 => None,
            1 => Some([a.saturating_add(1), 0, 0]),
            2 => Some([a, b.saturating_add(1), 0]),
            _ => Some([a, b, c.saturating_add(1)]),
        }
    }
}

/// One bound: version op.
#[derive(Debug, Clone)]
enum Bound {
    Ge([u64; 3]),
    Gt([u64; 3]),
    Lt([u64; 3]),
    Le([u64; 3]),
    Ne([u64; 3]),
}

/// A parsed constraint: alternatives (`||`) of conjunctions.
#[derive(Debug, Clone)]
pub struct Constraint {
    any_of: Vec<Vec<Bound>>,
    allows_pre: bool,
}

impl Constraint {
    /// Parses Helm's (Masterminds semver) constraint syntax. `None` for syntax it cannot read.
    pub fn parse(text: &str) -> Option<Constraint> {
        let mut any_of = Vec::new();
        let mut allows_pre = false;
        for alt in text.split("||") {
            let mut bounds = Vec::new();
            // Normalize "op version" with spaces into single tokens and hyphen ranges.
            let tokens: Vec<&str> = alt.split([',', ' ']).filter(|t| !t.is_empty()).collect();
            let mut i = 0;
            while i < tokens.len() {
                let mut tok = tokens[i].to_string();
                if tok.chars().all(|c| "<>=!~^".contains(c)) {
                    i += 1;
                    tok.push_str(tokens.get(i)?);
                }
                if tokens.get(i + 1) == Some(&"-") {
                    let (lo, p1) = Partial::parse(&tok)?;
                    let (hi, p2) = Partial::parse(tokens.get(i + 2)?)?;
                    allows_pre |= p1 || p2;
                    bounds.push(Bound::Ge(lo.floor()));
                    match hi.given() {
                        3 => bounds.push(Bound::Le(hi.floor())),
                        _ => bounds.push(Bound::Lt(hi.ceiling().unwrap_or([u64::MAX; 3]))),
                    }
                    i += 3;
                    continue;
                }
                let op_len = tok.chars().take_while(|c| "<>=!~^".contains(*c)).count();
                let (op, ver) = tok.split_at(op_len);
                let (p, pre) = Partial::parse(ver)?;
                allows_pre |= pre;
                let floor = p.floor();
                let given = p.given();
                match op {
                    "" | "=" => {
                        if given > 0 {
                            bounds.push(Bound::Ge(floor));
                            if given == 3 {
                                bounds.push(Bound::Le(floor));
                            } else if let Some(c) = p.ceiling() {
                                bounds.push(Bound::Lt(c));
                            }
                        }
                    }
                    "!=" => bounds.push(Bound::Ne(floor)),
                    ">" => match given {
                        3 => bounds.push(Bound::Gt(floor)),
                        _ => bounds.push(Bound::Ge(p.ceiling().unwrap_or([u64::MAX; 3]))),
                    },
                    ">=" | "=>" => bounds.push(Bound::Ge(floor)),
                    "<" => bounds.push(Bound::Lt(floor)),
                    "<=" | "=<" => match given {
                        3 => bounds.push(Bound::Le(floor)),
                        _ => bounds.push(Bound::Lt(p.ceiling().unwrap_or([u64::MAX; 3]))),
                    },
                    "~" | "~>" => {
                        bounds.push(Bound::Ge(floor));
                        let [a, b, _] = floor;
                        bounds.push(Bound::Lt(if given <= 1 { [a.saturating_add(1), 0, 0] } else { [a, b.saturating_add(1), 0] }));
                    }
                    "^" => {
                        bounds.push(Bound::Ge(floor));
                        let [a, b, c] = floor;
                        let upper = if a > 0 || given <= 1 {
                            [a.saturating_add(1), 0, 0]
                        } else if b > 0 || given == 2 {
                            [0, b.saturating_add(1), 0]
                        } else {
                            [0, 0, c.saturating_add(1)]
                        };
                        bounds.push(Bound::Lt(upper));
                    }
                    _ => return None,
                }
                i += 1;
            }
            any_of.push(bounds);
        }
        Some(Constraint { any_of, allows_pre })
    }

    /// True when `v` satisfies the constraint. Pre-releases match only constraints that
    /// mention one.
    pub fn matches(&self, v: &Version) -> bool {
        if !v.pre.is_empty() && !self.allows_pre {
            return false;
        }
        let p = v.parts;
        self.any_of.iter().any(|all| {
            all.iter().all(|b| match b {
                Bound::Ge(x) => p >= *x,
                Bound::Gt(x) => p > *x,
                Bound::Lt(x) => p < *x,
                Bound::Le(x) => p <= *x,
                Bound::Ne(x) => p != *x,
            })
        })
    }
}

/// True when `version` satisfies `constraint`; an empty constraint accepts anything; an
/// unreadable constraint or version only matches the identical string.
pub fn satisfies(constraint: &str, version: &str) -> bool {
    let c = constraint.trim();
    if c.is_empty() || c == "*" {
        return true;
    }
    match (Constraint::parse(c), Version::parse(version)) {
        (Some(c), Some(v)) => c.matches(&v),
        _ => constraint.trim() == version.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints() {
        let cases = [
            ("1.42.*", "1.42.7", true),
            ("1.42.*", "1.43.0", false),
            ("8.4.0", "8.4.0", true),
            ("8.4.0", "8.5.0", false),
            ("~1.2.3", "1.2.9", true),
            ("~1.2.3", "1.3.0", false),
            ("~1", "1.9.0", true),
            ("^1.2", "1.9.9", true),
            ("^1.2", "2.0.0", false),
            ("^0.2.3", "0.2.9", true),
            ("^0.2.3", "0.3.0", false),
            ("^0.0.3", "0.0.4", false),
            (">=1.0.0 <2.0.0", "1.5.0", true),
            (">=1.0.0, <2.0.0", "2.0.0", false),
            (">= 1.0", "1.0.0", true),
            ("1.2 - 1.4", "1.4.9", true),
            ("1.2 - 1.4.0", "1.4.1", false),
            ("<1.0 || >=3", "3.1.0", true),
            ("<1.0 || >=3", "2.0.0", false),
            ("!=1.0.0", "1.0.0", false),
            ("*", "0.0.1", true),
            ("", "7.0.0", true),
            ("x", "1.0.0", true),
            ("1.0.0", "1.0.0-rc.1", false),
            (">=1.0.0-0", "1.0.0-rc.1", true),
            ("v2", "2.3.4", true),
            ("@latest", "@latest", true),
            ("@latest", "1.0.0", false),
            ("~18446744073709551615", "1.0.0", false),
            ("^0.0.18446744073709551615", "0.0.18446744073709551615", false),
        ];
        for (c, v, want) in cases {
            assert_eq!(satisfies(c, v), want, "{c} vs {v}");
        }
    }

    #[test]
    fn ordering() {
        let mut vs: Vec<Version> =
            ["1.10.0", "1.2.0", "1.2.0-rc.2", "1.2.0-rc.10", "v0.9"].iter().filter_map(|s| Version::parse(s)).collect();
        vs.sort();
        let shown: Vec<String> = vs.iter().map(|v| format!("{:?}{:?}", v.parts, v.pre)).collect();
        assert_eq!(shown, ["[0, 9, 0][]", "[1, 2, 0][\"rc\", \"2\"]", "[1, 2, 0][\"rc\", \"10\"]", "[1, 2, 0][]", "[1, 10, 0][]"]);
    }
}
