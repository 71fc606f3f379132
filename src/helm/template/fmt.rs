//! Go's `fmt` as templates see it: `%v` printing of values, `print`, `println`, `printf`.

use std::fmt::Write as _;

use super::value::{Kind, MAX_VALUE_DEPTH, Value};

/// Go's `%v` of a value.
pub(crate) fn go_string(v: &Value) -> String {
    let mut out = String::new();
    write_v(&mut out, v, 0);
    out
}

/// How an action prints its value: like `%v`, except that nil prints nothing (Go prints
/// `<no value>`, which Helm then removes).
pub(crate) fn action_string(v: &Value) -> String {
    match &v.kind {
        Kind::Nil => String::new(),
        Kind::Str(s, _) => s.to_string(),
        _ => go_string(v),
    }
}

fn write_v(out: &mut String, v: &Value, depth: usize) {
    match &v.kind {
        Kind::Nil => out.push_str("<nil>"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Kind::Float(f) => out.push_str(&format_float_g(*f, None, false)),
        Kind::Str(s, _) => out.push_str(s),
        _ if depth >= MAX_VALUE_DEPTH => out.push_str("..."),
        Kind::List(l) => {
            out.push('[');
            for (i, x) in l.0.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, x, depth + 1);
            }
            out.push(']');
        }
        Kind::ApiVersions(l) => {
            out.push('[');
            out.push_str(&l.join(" "));
            out.push(']');
        }
        Kind::Map(m) => {
            let entries = m.lock().clone();
            out.push_str("map[");
            for (i, (k, x)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(out, x, depth + 1);
            }
            out.push(']');
        }
        Kind::Files(f) => {
            out.push_str("map[");
            let names: Vec<String> = f.iter().map(|(k, v)| format!("{k}:{:?}", &v[..v.len().min(16)])).collect();
            out.push_str(&names.join(" "));
            out.push(']');
        }
    }
}

/// `strconv.FormatFloat(f, 'g', prec, 64)`; `prec` None is the shortest representation.
/// With `upper`, the exponent letter is `E`.
pub(crate) fn format_float_g(f: f64, prec: Option<usize>, upper: bool) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    // Digits and decimal exponent from Rust's (shortest or fixed-precision) scientific form.
    let sci = match prec {
        None => format!("{f:e}"),
        Some(p) => format!("{:.*e}", p.max(1) - 1, f),
    };
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let mut digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    if prec.is_some() {
        while digits.len() > 1 && digits.ends_with('0') {
            digits.pop();
        }
    }
    let nd = digits.len() as i32;
    let eprec = match prec {
        // Go: "if precision was the shortest possible, use precision 6 for this decision".
        None => 6,
        Some(p) => {
            let p = p.max(1) as i32;
            if p > nd && nd > exp { nd } else { p }
        }
    };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= eprec {
        push_exp_form(&mut out, &digits, exp, upper);
    } else {
        push_fixed_form(&mut out, &digits, exp);
    }
    out
}

fn push_exp_form(out: &mut String, digits: &str, exp: i32, upper: bool) {
    let (first, rest) = digits.split_at(1.min(digits.len()));
    out.push_str(first);
    if !rest.is_empty() {
        out.push('.');
        out.push_str(rest);
    }
    out.push(if upper { 'E' } else { 'e' });
    out.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(out, "{:02}", exp.abs());
}

fn push_fixed_form(out: &mut String, digits: &str, exp: i32) {
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let int_len = (exp + 1) as usize;
        if digits.len() <= int_len {
            out.push_str(digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
}

/// `fmt.Sprint`: spaces between operands when neither is a string.
pub(crate) fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = true;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a.kind, Kind::Str(..));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        write_v(&mut out, a, 0);
        prev_string = is_string;
    }
    out
}

/// `fmt.Sprintln`: spaces between all operands, and a newline.
pub(crate) fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_v(&mut out, a, 0);
    }
    out.push('\n');
    out
}

/// `strconv.Quote`.
pub(crate) fn quote(s: &str) -> String {
    crate::encode::go_quote(s)
}

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Largest width or precision accepted (bigger ones are treated as a bad format).
const MAX_WIDTH: usize = 1 << 20;

/// `fmt.Sprintf`.
pub(crate) fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut argi = 0usize;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                _ => break,
            }
            chars.next();
        }
        spec.width = read_num(&mut chars, args, &mut argi);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.prec = Some(read_num(&mut chars, args, &mut argi).unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(argi) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        argi += 1;
        let body = format_one(verb, arg, &spec);
        pad(&mut out, &body, &spec, matches!(verb, 'd' | 'f' | 'e' | 'E' | 'g' | 'G' | 'x' | 'X' | 'o' | 'b' | 'v') && is_number(arg));
    }
    if argi < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[argi..].iter().map(|a| format!("{}={}", a.type_name(), go_string(a))).collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

fn is_number(v: &Value) -> bool {
    matches!(v.kind, Kind::Int(_) | Kind::Float(_))
}

fn read_num(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, args: &[Value], argi: &mut usize) -> Option<usize> {
    if chars.peek() == Some(&'*') {
        chars.next();
        let n = match args.get(*argi).map(|a| &a.kind) {
            Some(Kind::Int(i)) => (*i).clamp(0, MAX_WIDTH as i64) as usize,
            _ => 0,
        };
        *argi += 1;
        return Some(n);
    }
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        n = Some((n.unwrap_or(0) * 10 + d as usize).min(MAX_WIDTH));
        chars.next();
    }
    n
}

fn pad(out: &mut String, body: &str, spec: &Spec, numeric: bool) {
    let len = body.chars().count();
    let width = spec.width.unwrap_or(0);
    if len >= width {
        out.push_str(body);
        return;
    }
    let fill = width - len;
    if spec.minus {
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if spec.zero && numeric {
        let (sign, digits) = match body.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (Some(c), &body[1..]),
            _ => (None, body),
        };
        if let Some(s) = sign {
            out.push(s);
        }
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(digits);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(body);
    }
}

fn bad(verb: char, arg: &Value) -> String {
    match arg.kind {
        Kind::Nil => format!("%!{verb}(<nil>)"),
        _ => format!("%!{verb}({}={})", arg.type_name(), go_string(arg)),
    }
}

fn sign(neg: bool, spec: &Spec) -> &'static str {
    if neg {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

fn format_one(verb: char, arg: &Value, spec: &Spec) -> String {
    match &arg.kind {
        Kind::Int(i) => format_int(verb, *i, spec).unwrap_or_else(|| bad(verb, arg)),
        Kind::Float(f) => format_float(verb, *f, spec).unwrap_or_else(|| bad(verb, arg)),
        Kind::Bool(b) => match verb {
            't' | 'v' => b.to_string(),
            _ => bad(verb, arg),
        },
        Kind::Str(s, _) => format_str(verb, s, spec).unwrap_or_else(|| bad(verb, arg)),
        Kind::Nil => match verb {
            'v' => "<nil>".into(),
            _ => bad(verb, arg),
        },
        Kind::List(l) => {
            let items: Vec<String> = l.0.iter().map(|x| format_one(verb, x, &Spec { width: None, ..*spec })).collect();
            format!("[{}]", items.join(" "))
        }
        Kind::Map(m) => {
            let entries = m.lock().clone();
            let items: Vec<String> = entries
                .iter()
                .map(|(k, x)| {
                    format!(
                        "{}:{}",
                        format_str(verb, k, spec).unwrap_or_else(|| k.clone()),
                        format_one(verb, x, &Spec { width: None, ..*spec })
                    )
                })
                .collect();
            format!("map[{}]", items.join(" "))
        }
        _ => match verb {
            'v' | 's' => go_string(arg),
            _ => bad(verb, arg),
        },
    }
}

fn format_int(verb: char, i: i64, spec: &Spec) -> Option<String> {
    let neg = i < 0;
    let u = i.unsigned_abs();
    let digits = match verb {
        'd' | 'v' => u.to_string(),
        'x' => format!("{}{u:x}", if spec.sharp { "0x" } else { "" }),
        'X' => format!("{}{u:X}", if spec.sharp { "0X" } else { "" }),
        'o' => format!("{}{u:o}", if spec.sharp { "0" } else { "" }),
        'O' => format!("0o{u:o}"),
        'b' => format!("{u:b}"),
        'c' => return Some(char::from_u32(i as u32).unwrap_or('\u{fffd}').to_string()),
        'q' => return Some(format!("'{}'", char::from_u32(i as u32).unwrap_or('\u{fffd}'))),
        'U' => return Some(format!("U+{:04X}", i)),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 's' | 't' => return None,
        _ => return None,
    };
    let digits = match spec.prec {
        Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
        _ => digits,
    };
    Some(format!("{}{digits}", sign(neg, spec)))
}

fn format_float(verb: char, f: f64, spec: &Spec) -> Option<String> {
    let neg = f.is_sign_negative() && f != 0.0;
    let a = f.abs();
    let body = match verb {
        'v' | 'g' => format_float_g(a, spec.prec, false),
        'G' => format_float_g(a, spec.prec, true),
        'f' | 'F' => format!("{:.*}", spec.prec.unwrap_or(6), a),
        'e' | 'E' => {
            let s = format!("{:.*e}", spec.prec.unwrap_or(6), a);
            let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
            let e: i32 = e.parse().unwrap_or(0);
            format!("{m}{}{}{:02}", if verb == 'E' { 'E' } else { 'e' }, if e < 0 { '-' } else { '+' }, e.abs())
        }
        _ => return None,
    };
    Some(format!("{}{body}", sign(neg, spec)))
}

fn format_str(verb: char, s: &str, spec: &Spec) -> Option<String> {
    let s = match spec.prec {
        Some(p) if matches!(verb, 's' | 'v' | 'q') => s.chars().take(p).collect::<String>(),
        _ => s.to_string(),
    };
    Some(match verb {
        's' | 'v' => s,
        'q' => {
            if spec.sharp && !s.contains('`') && !s.chars().any(|c| c.is_control() && c != '\t') {
                format!("`{s}`")
            } else {
                quote(&s)
            }
        }
        'x' => s.bytes().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(if spec.space { " " } else { "" }),
        'X' => s.bytes().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(if spec.space { " " } else { "" }),
        _ => return None,
    })
}
