#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;

use super::*;

fn dot_with(values: serde_json::Value) -> Value {
    let mut m = BTreeMap::new();
    m.insert("Values".to_string(), Value::from_json_with_origin(&values, &[]));
    m.insert("Release".to_string(), Value::from_json(&json!({"Name": "rel", "Namespace": "ns"})));
    m.insert("Chart".to_string(), Value::from_json(&json!({"Name": "mychart", "Version": "1.2.3"})));
    Value::map(m)
}

fn set_of(files: &[(&str, &str)]) -> TemplateSet {
    let mut set = TemplateSet::new();
    for (name, text) in files {
        set.add(name, text).unwrap_or_else(|e| panic!("parse {name}: {e}"));
    }
    set
}

fn run(src: &str, values: serde_json::Value) -> String {
    let set = set_of(&[("t", src)]);
    match set.execute("t", &dot_with(values), &RenderLimits::default()) {
        Ok(r) => r.text,
        Err(e) => panic!("render failed: {e}"),
    }
}

fn r(src: &str) -> String {
    run(src, json!({}))
}

fn exec_err(src: &str, values: serde_json::Value) -> TemplateError {
    let set = set_of(&[("t", src)]);
    set.execute("t", &dot_with(values), &RenderLimits::default()).expect_err("expected an error")
}

fn parse_err(src: &str) -> TemplateError {
    let mut set = TemplateSet::new();
    set.add("t", src).expect_err("expected a parse error")
}

// ---------------------------------------------------------------------------------------------
// Lexer and parser

#[test]
fn text_and_trim_markers_match_go() {
    assert_eq!(r("{{23 -}} < {{- 45}}"), "23<45");
    assert_eq!(r("a \n {{- \"x\" }} \n b"), "ax \n b");
    assert_eq!(r("a {{ \"x\" -}} \n\t b"), "a xb");
    // A dash without following space is a negative number, not a trim marker.
    assert_eq!(r("a {{-3}} b"), "a -3 b");
    assert_eq!(r("x{{/* a comment */}}y"), "xy");
    assert_eq!(r("x  {{- /* trimmed comment */ -}}  y"), "xy");
    assert_eq!(r("no actions at all\n"), "no actions at all\n");
}

#[test]
fn literals() {
    assert_eq!(r(r#"{{ "a\tb\u00e9\x41" }}"#), "a\tbéA");
    assert_eq!(r("{{ `raw\\n\nline` }}"), "raw\\n\nline");
    assert_eq!(r("{{ 'a' }} {{ '\\n' }}"), "97 10");
    assert_eq!(r("{{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }} {{ -7 }}"), "31 15 15 5 1000 -7");
    assert_eq!(r("{{ 1.5 }} {{ 1e3 }} {{ 1e6 }} {{ .5 }}"), "1.5 1000 1e+06 0.5");
    assert_eq!(r("{{ true }} {{ false }}"), "true false");
}

#[test]
fn pipelines_and_parentheses() {
    assert_eq!(r(r#"{{ "abc" | upper | printf "%s!" }}"#), "ABC!");
    assert_eq!(r(r#"{{ printf "%s-%s" (upper "a") ("b" | upper) }}"#), "A-B");
    assert_eq!(run("{{ (index .Values \"a\").b }}", json!({"a": {"b": "deep"}})), "deep");
    assert_eq!(run("{{ $x := .Values.a }}{{ $x.b }}", json!({"a": {"b": 2}})), "2");
    assert_eq!(run("{{ .Values.a.b }}", json!({"a": {"b": "x"}})), "x");
    assert_eq!(run("{{ with .Values.a }}{{ .b }}{{ end }}", json!({"a": {"b": "w"}})), "w");
}

#[test]
fn parse_errors_carry_line_and_column() {
    let e = parse_err("line1\n  {{ nosuchfunc 1 }}");
    assert_eq!((e.line, e.column, e.kind), (2, 6, ErrorKind::Parse));
    assert_eq!(e.message, "function \"nosuchfunc\" not defined");
    assert_eq!(e.to_string(), "template: t:2:6: function \"nosuchfunc\" not defined");

    let e = parse_err("{{ $y }}");
    assert_eq!(e.message, "undefined variable \"$y\"");
    assert_eq!((e.line, e.column), (1, 4));

    let e = parse_err("a\n{{ if true }}x");
    assert_eq!(e.message, "unexpected EOF: {{if}} has no {{end}}");
    assert_eq!(e.line, 2);

    assert_eq!(parse_err("{{ end }}").message, "unexpected {{end}}");
    assert_eq!(parse_err("{{ else }}").message, "unexpected {{else}}");
    assert_eq!(parse_err("{{ \"unterminated }}").message, "unterminated quoted string");
    assert_eq!(parse_err("{{ 1 ").message, "unclosed action");
    assert_eq!(parse_err("{{ (1 }}").message, "unclosed left paren");
    assert_eq!(parse_err("{{ break }}").message, "{{break}} outside {{range}}");
    assert_eq!(parse_err("{{/* open").message, "unclosed comment");
    // A variable declared in a block is gone after its end.
    assert_eq!(parse_err("{{ if true }}{{ $v := 1 }}{{ end }}{{ $v }}").message, "undefined variable \"$v\"");
}

#[test]
fn parser_bounds_token_count() {
    let huge = "{{.}}".repeat(400_000);
    let e = parse_err(&huge);
    assert_eq!(e.message, "template too large: more than 1000000 tokens");
    assert_eq!(e.line, 1);
}

#[test]
fn parser_bounds_nesting() {
    let deep = format!("{}x{}", "{{ if true }}".repeat(150), "{{ end }}".repeat(150));
    let e = parse_err(&deep);
    assert!(e.message.contains("nesting deeper than 100"), "{}", e.message);
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(500), ")".repeat(500));
    assert!(parse_err(&parens).message.contains("nested"));
}

// ---------------------------------------------------------------------------------------------
// Control structures

#[test]
fn if_else_chains() {
    let t = "{{ if eq .Values.n 1.0 }}one{{ else if eq .Values.n 2.0 }}two{{ else }}many{{ end }}";
    assert_eq!(run(t, json!({"n": 1})), "one");
    assert_eq!(run(t, json!({"n": 2})), "two");
    assert_eq!(run(t, json!({"n": 3})), "many");
    // Go truthiness.
    for (v, want) in [
        (json!(0), "F"),
        (json!(""), "F"),
        (json!([]), "F"),
        (json!({}), "F"),
        (json!(null), "F"),
        (json!("0"), "T"),
        (json!([0]), "T"),
        (json!(0.1), "T"),
    ] {
        assert_eq!(run("{{ if .Values.v }}T{{ else }}F{{ end }}", json!({ "v": v })), want);
    }
    assert_eq!(r("{{ if .Missing }}T{{ else }}F{{ end }}"), "F");
}

#[test]
fn with_and_else_with() {
    let t = "{{ with .Values.a }}a={{ . }}{{ else with .Values.b }}b={{ . }}{{ else }}none{{ end }}";
    assert_eq!(run(t, json!({"a": "x"})), "a=x");
    assert_eq!(run(t, json!({"b": "y"})), "b=y");
    assert_eq!(run(t, json!({})), "none");
    // `$` stays the root inside with.
    assert_eq!(run("{{ with .Values.a }}{{ $.Release.Name }}{{ end }}", json!({"a": 1})), "rel");
}

#[test]
fn range_forms() {
    assert_eq!(run("{{ range .Values.l }}[{{ . }}]{{ end }}", json!({"l": ["a", "b"]})), "[a][b]");
    assert_eq!(run("{{ range $i, $v := .Values.l }}{{ $i }}={{ $v }};{{ end }}", json!({"l": ["a", "b"]})), "0=a;1=b;");
    // Maps iterate in sorted key order.
    assert_eq!(run("{{ range $k, $v := .Values.m }}{{ $k }}:{{ $v }} {{ end }}", json!({"m": {"z": 1, "a": 2, "m": 3}})), "a:2 m:3 z:1 ");
    // One variable gets the element, not the index.
    assert_eq!(run("{{ range $v := .Values.l }}{{ $v }}{{ end }}", json!({"l": ["p", "q"]})), "pq");
    assert_eq!(r("{{ range 3 }}{{ . }}{{ end }}"), "012");
    assert_eq!(run("{{ range .Values.l }}x{{ else }}empty{{ end }}", json!({"l": []})), "empty");
    assert_eq!(r("{{ range .Nothing }}x{{ else }}nil{{ end }}"), "nil");
    assert_eq!(
        r(
            "{{ range $i, $v := list 1 2 3 4 5 }}{{ if eq $v 2 }}{{ continue }}{{ end }}{{ if eq $v 4 }}{{ break }}{{ end }}{{ $v }}{{ end }}"
        ),
        "13"
    );
    // Assignment changes the outer variable; declaration inside the loop does not leak.
    assert_eq!(r("{{ $n := 0 }}{{ range list 1 2 3 }}{{ $n = add $n . }}{{ end }}{{ $n }}"), "6");
    assert_eq!(exec_err("{{ range 1.5 }}{{ end }}", json!({})).message, "executing \"t\": range can't iterate over 1.5");
}

#[test]
fn define_template_block_include() {
    let set = set_of(&[
        (
            "_helpers.tpl",
            "{{- define \"name\" -}}{{ .Chart.Name }}-{{ .Release.Name }}{{- end -}}\n{{ define \"labels\" }}app: {{ include \"name\" . }}\ntier: web{{ end }}",
        ),
        (
            "t.yaml",
            "name: {{ template \"name\" . }}\nlabels:{{ include \"labels\" . | nindent 2 }}\n{{ block \"extra\" . }}default-block{{ end }}",
        ),
    ]);
    let out = set.execute("t.yaml", &dot_with(json!({})), &RenderLimits::default()).unwrap();
    assert_eq!(out.text, "name: mychart-rel\nlabels:\n  app: mychart-rel\n  tier: web\ndefault-block");
    // A later define replaces an earlier one, and `template` without a pipeline passes nil.
    let set = set_of(&[
        ("a", "{{ define \"x\" }}old{{ end }}"),
        ("b", "{{ define \"x\" }}new {{ .Foo }}{{ end }}"),
        ("t", "{{ template \"x\" }}"),
    ]);
    assert_eq!(set.execute("t", &Value::nil(), &RenderLimits::default()).unwrap().text, "new ");
    let e = set_of(&[("t", "{{ include \"missing\" . }}")]).execute("t", &Value::nil(), &RenderLimits::default()).unwrap_err();
    assert!(e.message.contains("no template \"missing\""), "{}", e.message);
}

#[test]
fn tpl_sees_named_templates_and_values() {
    let set = set_of(&[
        ("_h.tpl", "{{ define \"greet\" }}hi {{ . }}{{ end }}"),
        ("t", "{{ tpl .Values.s . }}|{{ tpl \"{{ include \\\"greet\\\" .Release.Name }}\" . }}"),
    ]);
    let out = set.execute("t", &dot_with(json!({"s": "{{ .Release.Namespace }}-x"})), &RenderLimits::default()).unwrap();
    assert_eq!(out.text, "ns-x|hi rel");
}

// ---------------------------------------------------------------------------------------------
// Missing values and nil, as Helm renders them

#[test]
fn missing_values_render_empty_and_nil_fields_follow_go() {
    assert_eq!(run("[{{ .Values.nope }}]", json!({})), "[]");
    assert_eq!(run("[{{ (.Values.a).b }}]", json!({})), "[]");
    assert_eq!(run("{{ $x := .Values.a }}[{{ $x.b.c }}]", json!({})), "[]");
    let e = exec_err("x\n  {{ .Values.a.b }}", json!({}));
    assert_eq!((e.line, e.column), (2, 6));
    assert_eq!(e.message, "executing \"t\" at <.Values.a.b>: nil pointer evaluating interface {}.b");
    assert_eq!(
        exec_err("{{ .Values.s.x }}", json!({"s": "str"})).message,
        "executing \"t\" at <.Values.s.x>: can't evaluate field x in type string"
    );
}

#[test]
fn exec_errors_name_the_function() {
    let e = exec_err("a\nb {{ required \"need x\" .Values.x }}", json!({}));
    assert_eq!(e.to_string(), "template: t:2:6: executing \"t\" at <required \"need x\" .Values.x>: error calling required: need x");
    let e = exec_err("{{ fail \"boom\" }}", json!({}));
    assert_eq!(e.message, "executing \"t\" at <fail \"boom\">: error calling fail: boom");
    assert_eq!(e.kind, ErrorKind::Exec);
    let e = exec_err("{{ upper 3 }}", json!({}));
    assert!(e.message.ends_with("error calling upper: wrong type for value; expected string; got int"), "{}", e.message);
    let e = exec_err("{{ lt 1 1.5 }}", json!({}));
    assert!(e.message.ends_with("incompatible types for comparison"), "{}", e.message);
}

// ---------------------------------------------------------------------------------------------
// Go builtins

#[test]
fn comparisons_and_logic() {
    assert_eq!(
        r("{{ eq 1 2 3 1 }} {{ eq \"a\" \"b\" }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt \"b\" \"a\" }} {{ ge 1.5 2.5 }}"),
        "true false true true true true false"
    );
    assert_eq!(r("{{ eq .Missing nil }} {{ eq .Missing \"x\" }}"), "true false");
    // and/or return an operand and short-circuit (the `fail` is never called).
    assert_eq!(r("{{ and 1 \"x\" 0 (fail \"no\") }}|{{ or 0 \"\" \"y\" (fail \"no\") }}|{{ and 1 2 }}|{{ or 0 \"\" }}|"), "0|y|2||");
    assert_eq!(r("{{ not 0 }} {{ not \"a\" }}"), "true false");
}

#[test]
fn len_index_slice() {
    assert_eq!(run("{{ len .Values.l }} {{ len \"héllo\" }} {{ len .Values.m }}", json!({"l": [1, 2, 3], "m": {"a": 1}})), "3 6 1");
    assert_eq!(run("{{ index .Values.m \"a\" \"b\" 1 }}", json!({"m": {"a": {"b": ["x", "y"]}}})), "y");
    assert_eq!(run("[{{ index .Values.m \"zz\" }}]", json!({"m": {}})), "[]");
    assert!(exec_err("{{ index .Values.l 5 }}", json!({"l": [1]})).message.ends_with("error calling index: index out of range: 5"));
    assert_eq!(r("{{ slice (list 1 2 3 4) 1 3 }} {{ slice \"abcdef\" 2 }}"), "[2 3] cdef");
}

#[test]
fn print_family() {
    assert_eq!(r("{{ print \"a\" \"b\" 1 2 \"c\" }}"), "ab1 2c");
    assert_eq!(r("{{ println \"a\" 1 }}"), "a 1\n");
    assert_eq!(r("{{ print (list 1 \"a\") (dict \"k\" 1 \"j\" (list)) nil }}"), "[1 a] map[j:[] k:1] <nil>");
}

#[test]
fn printf_verbs() {
    let cases = [
        (r#"{{ printf "%s|%d|%v|%q" "s" 42 true "q\"" }}"#, "s|42|true|\"q\\\"\""),
        (r#"{{ printf "%5d|%-5d|%05d|%+d|%x|%X|%o|%b|%c" 42 42 42 42 255 255 8 5 65 }}"#, "   42|42   |00042|+42|ff|FF|10|101|A"),
        (
            r#"{{ printf "%f|%.2f|%8.3f|%e|%g|%g|%G" 3.14159 3.14159 3.14159 1234.5678 0.00001 100000.0 1e21 }}"#,
            "3.141590|3.14|   3.142|1.234568e+03|1e-05|100000|1E+21",
        ),
        (r#"{{ printf "%t|%%|%6s|%-6s|%.2s" false "ab" "ab" "abcdef" }}"#, "false|%|    ab|ab    |ab"),
        (r#"{{ printf "%x|%X|% x" "hi" "hi" "hi" }}"#, "6869|6869|68 69"),
        (r#"{{ printf "%v|%s" (list 1 2) (dict "a" "b") }}"#, "[1 2]|map[a:b]"),
        (
            r#"{{ printf "%d" 1.5 }}|{{ printf "%s" 3 }}|{{ printf "%d" }}|{{ printf "x" 1 }}"#,
            "%!d(float64=1.5)|%!s(int=3)|%!d(MISSING)|x%!(EXTRA int=1)",
        ),
        (r#"{{ printf "%v" nil }}|{{ printf "%s" nil }}|{{ printf "%*d" 4 7 }}"#, "<nil>|%!s(<nil>)|   7"),
    ];
    for (t, want) in cases {
        assert_eq!(r(t), want, "{t}");
    }
    // Values from values.yaml are float64, as in Helm.
    assert_eq!(
        run(
            "{{ .Values.port }} {{ .Values.big }} {{ printf \"%d\" .Values.port }} {{ .Values.port | int }}",
            json!({"port": 8080, "big": 1000000})
        ),
        "8080 1e+06 %!d(float64=8080) 8080"
    );
}

#[test]
fn html_js_urlquery() {
    assert_eq!(r(r#"{{ html "<a href='x'>&</a>" }}"#), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
    assert_eq!(r(r#"{{ js "it's <b>" }}"#), "it\\'s \\u003Cb\\u003E");
    assert_eq!(r(r#"{{ urlquery "a b&c=d/é" }}"#), "a+b%26c%3Dd%2F%C3%A9");
}

// ---------------------------------------------------------------------------------------------
// Sprig and Helm functions

#[test]
fn default_empty_coalesce_ternary() {
    assert_eq!(
        run("{{ .Values.a | default \"d\" }} {{ .Values.b | default \"d\" }} {{ default 5 0 }}", json!({"a": "set", "b": ""})),
        "set d 5"
    );
    assert_eq!(r("{{ empty \"\" }} {{ empty (list) }} {{ empty 0 }} {{ empty \"x\" }} {{ empty .Nope }}"), "true true true false true");
    assert_eq!(r("{{ coalesce .Nope \"\" 0 \"first\" \"second\" }}"), "first");
    assert_eq!(r("{{ ternary \"y\" \"n\" true }} {{ true | ternary \"y\" \"n\" }} {{ ternary 1 2 false }}"), "y y 2");
    assert_eq!(r("{{ all 1 \"a\" true }} {{ all 1 0 }} {{ any 0 \"\" 1 }} {{ any 0 }}"), "true false true false");
}

#[test]
fn string_functions() {
    let cases = [
        (r#"{{ trim "  a b  " }}|{{ trimAll "$" "$$5.00$" }}|{{ trimPrefix "v" "v1.2" }}|{{ trimSuffix "-" "a-b-" }}"#, "a b|5.00|1.2|a-b"),
        (
            r#"{{ upper "abc" }}|{{ lower "ABC" }}|{{ title "hello wide world" }}|{{ untitle "Hello World" }}"#,
            "ABC|abc|Hello Wide World|hello world",
        ),
        (r#"{{ title "it's x_y-z" }}"#, "It'S X_y-Z"),
        (r#"{{ repeat 3 "ab" }}|{{ substr 1 3 "abcdef" }}|{{ nospace "a b\tc" }}"#, "ababab|bc|abc"),
        (r#"{{ trunc 3 "abcdef" }}|{{ trunc -2 "abcdef" }}|{{ trunc 10 "abc" }}|{{ abbrev 5 "hello world" }}"#, "abc|ef|abc|he..."),
        (r#"{{ contains "b" "abc" }}|{{ hasPrefix "ab" "abc" }}|{{ hasSuffix "bc" "abc" }}"#, "true|true|true"),
        (
            r#"{{ quote "a\"b" }}|{{ squote "x" }}|{{ quote 1 2 }}|[{{ quote .Nope }}]|{{ cat "a" 1 nil "b" }}"#,
            "\"a\\\"b\"|'x'|\"1\" \"2\"|[]|a 1 b",
        ),
        (r#"{{ indent 2 "a\nb" }}|{{ nindent 2 "a" }}"#, "  a\n  b|\n  a"),
        (r#"{{ replace "a" "x" "banana" }}|{{ plural "one" "many" 1 }}|{{ plural "one" "many" 2 }}"#, "bxnxnx|one|many"),
        (
            r#"{{ snakecase "FirstName" }}|{{ kebabcase "HTTPServerName" }}|{{ camelcase "http_server" }}"#,
            "first_name|http-server-name|HttpServer",
        ),
        (r#"{{ wrap 5 "aaa bbb ccc" }}|{{ toString 12 }}|{{ join "," (list "a" 1 "b") }}"#, "aaa\nbbb\nccc|12|a,1,b"),
        (
            r#"{{ splitList "," "a,b,c" }}|{{ (split "," "a,b")._1 }}|{{ (splitn "," 2 "a,b,c")._1 }}|{{ sortAlpha (list "b" "c" "a") }}"#,
            "[a b c]|b|b,c|[a b c]",
        ),
    ];
    for (t, want) in cases {
        assert_eq!(r(t), want, "{t}");
    }
}

#[test]
fn regex_functions() {
    let cases = [
        (r#"{{ regexMatch "^[a-z]+$" "abc" }}|{{ regexFind "[0-9]+" "ab12cd34" }}|{{ regexFindAll "[0-9]" "a1b2c3" 2 }}"#, "true|12|[1 2]"),
        (
            r#"{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}|{{ regexReplaceAllLiteral "a(x*)b" "-ab-" "${1}" }}|{{ regexSplit "[,;]" "a,b;c" -1 }}"#,
            "-W-xxW-|-${1}-|[a b c]",
        ),
    ];
    for (t, want) in cases {
        assert_eq!(r(t), want, "{t}");
    }
    assert!(exec_err(r#"{{ regexMatch "(" "x" }}"#, json!({})).message.contains("error parsing regexp"));
    let huge = format!("{{{{ regexMatch \"{}\" \"x\" }}}}", "a{1000}".repeat(50));
    assert!(exec_err(&huge, json!({})).message.contains("error parsing regexp"));
}

#[test]
fn number_functions() {
    let cases = [
        ("{{ add 1 2 3 }}|{{ add1 5 }}|{{ sub 5 7 }}|{{ mul 2 3 4 }}|{{ div 7 2 }}|{{ mod 7 3 }}", "6|6|-2|24|3|1"),
        ("{{ max 1 9 3 }}|{{ min 4 2 8 }}|{{ floor 1.7 }}|{{ ceil 1.2 }}|{{ round 3.14159 2 }}", "9|2|1|2|3.14"),
        ("{{ addf 1.5 2 }}|{{ subf 5 1.5 }}|{{ mulf 1.5 2 }}|{{ divf 1 4 }}", "3.5|3.5|3|0.25"),
        (
            "{{ int \"42\" }}|{{ int 3.9 }}|{{ int64 \"x\" }}|{{ float64 \"1.5\" }}|{{ atoi \"12\" }}|{{ toDecimal \"0777\" }}",
            "42|3|0|1.5|12|511",
        ),
        // cast.ToInt64: base prefixes, "12.00" is 12, "1.5" is 0.
        ("{{ int \"0x1F\" }}|{{ int \"010\" }}|{{ int \"12.00\" }}|{{ int \"1.5\" }}|{{ int \"-7\" }}|{{ int true }}", "31|8|12|0|-7|1"),
        ("{{ until 3 }}|{{ untilStep 0 10 4 }}|{{ seq 3 }}|{{ seq 5 3 }}|{{ seq 0 2 6 }}", "[0 1 2]|[0 4 8]|1 2 3|5 4 3|0 2 4 6"),
    ];
    for (t, want) in cases {
        assert_eq!(r(t), want, "{t}");
    }
    assert!(exec_err("{{ div 1 0 }}", json!({})).message.ends_with("integer divide by zero"));
}

#[test]
fn list_functions() {
    let cases = [
        (
            "{{ list 1 \"a\" }}|{{ append (list 1) 2 }}|{{ prepend (list 1) 0 }}|{{ first (list 1 2) }}|{{ last (list 1 2) }}",
            "[1 a]|[1 2]|[0 1]|1|2",
        ),
        (
            "{{ rest (list 1 2 3) }}|{{ initial (list 1 2 3) }}|{{ uniq (list 1 1 2 1) }}|{{ without (list 1 2 3 2) 2 }}",
            "[2 3]|[1 2]|[1 2]|[1 3]",
        ),
        (
            "{{ has 2 (list 1 2) }}|{{ has 5 (list 1) }}|{{ compact (list 0 1 \"\" \"a\") }}|{{ concat (list 1) (list 2 3) }}|{{ reverse (list 1 2 3) }}",
            "true|false|[1 a]|[1 2 3]|[3 2 1]",
        ),
        ("{{ chunk 2 (list 1 2 3 4 5) }}|{{ first (list) }}|{{ toStrings (list 1 true) }}", "[[1 2] [3 4] [5]]||[1 true]"),
    ];
    for (t, want) in cases {
        assert_eq!(r(t), want, "{t}");
    }
}

#[test]
fn dict_functions_share_and_mutate_like_go_maps() {
    let cases = [
        (
            "{{ $d := dict \"a\" 1 \"b\" 2 }}{{ get $d \"a\" }}|{{ hasKey $d \"b\" }}|{{ keys $d | sortAlpha }}|{{ values $d }}",
            "1|true|[a b]|[1 2]",
        ),
        ("{{ $d := dict }}{{ $_ := set $d \"k\" \"v\" }}{{ $d.k }}|{{ $_ := unset $d \"k\" }}{{ hasKey $d \"k\" }}", "v|false"),
        (
            "{{ pluck \"a\" (dict \"a\" 1) (dict \"b\" 2) (dict \"a\" 3) }}|{{ omit (dict \"a\" 1 \"b\" 2) \"a\" }}|{{ pick (dict \"a\" 1 \"b\" 2) \"a\" }}",
            "[1 3]|map[b:2]|map[a:1]",
        ),
        (
            "{{ dig \"a\" \"b\" \"def\" (dict \"a\" (dict \"b\" \"found\")) }}|{{ dig \"a\" \"x\" \"def\" (dict \"a\" (dict)) }}",
            "found|def",
        ),
        (
            "{{ $dst := dict \"a\" 1 \"n\" (dict \"x\" 1) }}{{ $_ := merge $dst (dict \"a\" 2 \"b\" 3 \"n\" (dict \"x\" 2 \"y\" 2)) }}{{ $dst }}",
            "map[a:1 b:3 n:map[x:1 y:2]]",
        ),
        ("{{ $dst := dict \"a\" 1 \"c\" 5 }}{{ $_ := mergeOverwrite $dst (dict \"a\" 2 \"b\" 3 \"c\" 0) }}{{ $dst }}", "map[a:2 b:3 c:0]"),
        ("{{ hasKey .Nope \"a\" }}|{{ keys .Nope }}|{{ get .Nope \"a\" }}|{{ dict \"odd\" }}", "false|[]||map[odd:]"),
        (
            "{{ $a := dict \"k\" (list 1) }}{{ $b := deepCopy $a }}{{ $_ := set $b \"k\" 2 }}{{ $a.k }} {{ $b.k }} {{ deepEqual $a (dict \"k\" (list 1)) }}",
            "[1] 2 true",
        ),
    ];
    for (t, want) in cases {
        assert_eq!(r(t), want, "{t}");
    }
    // `set` on .Values is visible through every reference, as in Helm.
    assert_eq!(run("{{ $_ := set .Values \"x\" \"added\" }}{{ .Values.x }}", json!({})), "added");
    // A map that contains itself does not hang or overflow when printed or serialised.
    let e = exec_err("{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ toYaml $d }}", json!({}));
    assert!(e.message.contains("nested too deeply"), "{}", e.message);
}

#[test]
fn type_functions() {
    assert_eq!(
        r("{{ typeOf 1 }}|{{ typeOf 1.5 }}|{{ typeOf \"s\" }}|{{ typeOf (list) }}|{{ typeOf (dict) }}|{{ typeOf nil }}"),
        "int|float64|string|[]interface {}|map[string]interface {}|<nil>"
    );
    assert_eq!(r("{{ kindOf (list) }}|{{ kindIs \"map\" (dict) }}|{{ typeIs \"string\" \"x\" }}|{{ kindOf 2 }}"), "slice|true|true|int");
}

#[test]
fn yaml_and_json_functions() {
    let v = json!({"b": {"list": [1, "two", {"k": "v"}], "empty": {}, "none": []}, "a": "yes", "s": "plain", "n": 8080, "f": 1.5, "multi": "l1\nl2\n", "q": "a: b", "t": true, "nul": null, "e": ""});
    let out = run("{{ toYaml .Values }}", v.clone());
    let want = "a: \"yes\"\nb:\n  empty: {}\n  list:\n  - 1\n  - two\n  - k: v\n  none: []\ne: \"\"\nf: 1.5\nmulti: |\n  l1\n  l2\n\"n\": 8080\nnul: null\nq: 'a: b'\ns: plain\nt: true";
    assert_eq!(out, want);
    assert_eq!(run("{{ toJson .Values.b }}", v.clone()), r#"{"empty":{},"list":[1,"two",{"k":"v"}],"none":[]}"#);
    assert_eq!(r("{{ toJson (dict \"h\" \"<&>\") }}|{{ toRawJson (dict \"h\" \"<&>\") }}"), r#"{"h":"\u003c\u0026\u003e"}|{"h":"<&>"}"#);
    assert_eq!(r("{{ toPrettyJson (dict \"a\" (list 1)) }}"), "{\n  \"a\": [\n    1\n  ]\n}");
    assert_eq!(
        r("{{ (fromYaml \"a: 1\\nb: [x]\").b }}|{{ (fromYaml \"- 1\").Error }}|{{ fromYamlArray \"- a\\n- b\" }}"),
        "[x]|error unmarshaling JSON: json: cannot unmarshal array into Go value of type map[string]interface {}|[a b]"
    );
    assert_eq!(r("{{ (fromJson \"{\\\"a\\\": [1, 2]}\").a }}|{{ fromJsonArray \"[1]\" }}"), "[1 2]|[1]");
    assert_eq!(r("{{ toYaml (list (list 1 2) \"x\") }}"), "- - 1\n  - 2\n- x");
    assert_eq!(
        r("{{ toYaml \"012\" }}|{{ toYaml \"1:20\" }}|{{ toYaml \"- a\" }}|{{ toYaml \"on\" }}|{{ toYaml \"it's #x\" }}"),
        "\"012\"|\"1:20\"|'- a'|\"on\"|'it''s #x'"
    );
    // go-yaml folds long plain and single-quoted strings at a space past column 80.
    let long = "word ".repeat(20).trim_end().to_string();
    let folded = run("{{ toYaml .Values }}", json!({"k": {"d": long.clone(), "q": format!("{{{{ {long} }}}}")}}));
    assert_eq!(
        folded,
        format!(
            "k:\n  d: {}\n    {}\n  q: '{{{{ {}\n    {} }}}}'",
            "word ".repeat(16).trim_end(),
            "word ".repeat(4).trim_end(),
            "word ".repeat(15).trim_end(),
            "word ".repeat(5).trim_end()
        )
    );
    assert_eq!(yaml::from_yaml(&folded, false).get("k").and_then(|k| k.get("d")).and_then(|d| d.as_str().map(str::to_string)), Some(long));
    assert_eq!(r("{{ toToml (dict \"a\" 1 \"t\" (dict \"k\" \"v\")) }}"), "a = 1\n\n[t]\nk = \"v\"\n");
}

#[test]
fn encoding_functions() {
    let cases = [
        (r#"{{ b64enc "hello" }}|{{ b64dec "aGVsbG8=" }}|{{ b32enc "hi" }}|{{ b32dec "NBUQ====" }}"#, "aGVsbG8=|hello|NBUQ====|hi"),
        (r#"{{ sha256sum "abc" }}"#, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (r#"{{ sha1sum "abc" }}|{{ adler32sum "Wikipedia" }}"#, "a9993e364706816aba3e25717850c26c9cd0d89d|300286872"),
    ];
    for (t, want) in cases {
        assert_eq!(r(t), want, "{t}");
    }
}

#[test]
fn semver_functions() {
    let cases = [
        (">=1.21-0", "v1.30.0", true),
        (">=1.21-0", "1.30.0-gke.1", true),
        (">=1.21.0", "1.30.0-gke.1", false),
        ("<1.19", "1.18.5", true),
        ("^1.2", "1.9.0", true),
        ("^1.2", "2.0.0", false),
        ("^0.2.3", "0.2.9", true),
        ("^0.2.3", "0.3.0", false),
        ("~1.2", "1.2.9", true),
        ("~1.2", "1.3.0", false),
        ("1.x", "1.99.0", true),
        ("1.x", "2.0.0", false),
        (">=1.0, <2.0", "1.5.0", true),
        ("<1.0 || >=3", "3.1.0", true),
        ("<1.0 || >=3", "2.0.0", false),
        ("1.2 - 1.4.5", "1.4.5", true),
        ("1.2 - 1.4.5", "1.4.6", false),
        ("!=1.2.3", "1.2.3", false),
    ];
    for (c, v, want) in cases {
        assert_eq!(r(&format!("{{{{ semverCompare {c:?} {v:?} }}}}")), want.to_string(), "{c} {v}");
    }
    assert_eq!(
        r("{{ (semver \"v1.22.3-beta.1\").Minor }} {{ (semver \"1.2\").Patch }} {{ (semver \"1.2.3-rc1\").Prerelease }}"),
        "22 0 rc1"
    );
    assert!(exec_err("{{ semverCompare \">=1\" \"notaversion\" }}", json!({})).message.ends_with("Invalid Semantic Version"));
}

#[test]
fn placeholders_are_stable() {
    let t = "{{ randAlphaNum 8 }}|{{ uuidv4 }}|{{ env \"HOME\" }}|{{ expandenv \"$HOME\" }}|{{ now | date \"2006-01-02\" }}|{{ lookup \"v1\" \"Secret\" \"ns\" \"n\" | len }}";
    assert_eq!(r(t), "xxxxxxxx|00000000-0000-4000-8000-000000000000||$HOME|2024-01-01|0");
    let ca = r("{{ $ca := genCA \"my-ca\" 365 }}{{ $ca.Cert }}");
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----\n") && ca.ends_with("-----END CERTIFICATE-----\n"), "{ca}");
    assert_eq!(ca, r("{{ (genCA \"my-ca\" 365).Cert }}"));
    let signed = r("{{ $ca := genCA \"ca\" 1 }}{{ $c := genSignedCert \"svc\" nil (list \"a\") 365 $ca }}{{ $c.Key | b64enc | len }}");
    assert!(signed.parse::<usize>().unwrap() > 40);
}

#[test]
fn path_and_url_functions() {
    assert_eq!(
        r("{{ base \"/a/b.txt\" }}|{{ dir \"/a/b.txt\" }}|{{ ext \"x.tar.gz\" }}|{{ clean \"a/../b/./c\" }}|{{ isAbs \"/x\" }}"),
        "b.txt|/a|.gz|b/c|true"
    );
    assert_eq!(
        r(
            "{{ $u := urlParse \"https://user@host:8080/p?q=1#f\" }}{{ $u.scheme }} {{ $u.host }} {{ $u.hostname }} {{ $u.path }} {{ $u.query }} {{ $u.fragment }} {{ urlJoin $u }}"
        ),
        "https host:8080 host /p q=1 f https://user@host:8080/p?q=1#f"
    );
}

#[test]
fn files_and_capabilities_methods() {
    let mut files = BTreeMap::new();
    files.insert("config/a.conf".to_string(), b"x=1\ny=2\n".to_vec());
    files.insert("config/b.conf".to_string(), b"z".to_vec());
    files.insert("other.txt".to_string(), b"o".to_vec());
    let mut m = BTreeMap::new();
    m.insert("Files".to_string(), Value::files(files));
    let caps = Value::map([("APIVersions".to_string(), Value::api_versions(vec!["apps/v1".into(), "v1".into()]))].into_iter().collect());
    m.insert("Capabilities".to_string(), caps);
    let dot = Value::map(m);
    let set = set_of(&[(
        "t",
        "{{ .Files.Get \"other.txt\" }}|{{ .Files.Get \"nope\" }}|{{ len (.Files.Lines \"config/a.conf\") }}|{{ range .Files.Lines \"config/a.conf\" }}[{{ . }}]{{ end }}|{{ (.Files.Glob \"config/*.conf\").AsConfig }}|{{ (.Files.Glob \"other.txt\").AsSecrets }}|{{ .Capabilities.APIVersions.Has \"apps/v1\" }}|{{ if .Capabilities.APIVersions.Has \"batch/v9\" }}y{{ else }}n{{ end }}|{{ .Files.Get \"other.txt\" | upper }}",
    )]);
    let out = set.execute("t", &dot, &RenderLimits::default()).unwrap();
    assert_eq!(out.text, "o||2|[x=1][y=2]|a.conf: |\n  x=1\n  y=2\nb.conf: z|other.txt: bw==|true|n|O");
}

// ---------------------------------------------------------------------------------------------
// Limits

fn limits() -> RenderLimits {
    RenderLimits::default()
}

#[test]
fn recursive_include_hits_the_depth_limit() {
    let set = set_of(&[("t", "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}{{ include \"loop\" . }}")]);
    let e = set.execute("t", &Value::nil(), &limits()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Limit("max_include_depth"));
    assert!(e.message.contains("max_include_depth"), "{}", e.message);
    // Also through `template` and `tpl`.
    let set = set_of(&[("t", "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}")]);
    assert_eq!(set.execute("t", &Value::nil(), &limits()).unwrap_err().kind, ErrorKind::Limit("max_include_depth"));
    let set = set_of(&[("t", "{{ define \"r\" }}{{ tpl \"{{ include \\\"r\\\" . }}\" . }}{{ end }}{{ include \"r\" . }}")]);
    assert_eq!(set.execute("t", &Value::nil(), &limits()).unwrap_err().kind, ErrorKind::Limit("max_include_depth"));
    // Helm's own depth (1000) works too: the renderer's stack is large enough.
    let deep = RenderLimits { max_include_depth: 1000, ..limits() };
    let set =
        set_of(&[("t", "{{ define \"loop\" }}{{ if . }}{{ include \"loop\" (sub . 1) }}{{ end }}{{ end }}{{ include \"loop\" 999 }}done")]);
    assert_eq!(set.execute("t", &Value::nil(), &deep).unwrap().text, "done");
}

#[test]
fn huge_loops_hit_the_step_limit_quickly() {
    let started = Instant::now();
    for t in [
        "{{ range 1000000000 }}{{ end }}",
        "{{ range until 1000000000 }}{{ end }}",
        "{{ until 100000000 | len }}",
        "{{ range $i := untilStep 0 2000000000 1 }}x{{ end }}",
    ] {
        let e = set_of(&[("t", t)]).execute("t", &Value::nil(), &limits()).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Limit(_)), "{t}: {e}");
    }
    let small = RenderLimits { max_steps: 1000, ..limits() };
    let e = set_of(&[("t", "{{ range 5000 }}x{{ end }}")]).execute("t", &Value::nil(), &small).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Limit("max_steps"));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn discarded_heavy_results_still_cost_steps() {
    let big: serde_json::Map<String, serde_json::Value> = (0..1000).map(|i| (format!("key{i}"), json!("some value text"))).collect();
    let t = "{{ range 100000 }}{{ $_ := toYaml $.Values }}{{ end }}";
    let started = Instant::now();
    let lim = RenderLimits { max_steps: 200_000, ..limits() };
    let e = set_of(&[("t", t)]).execute("t", &dot_with(serde_json::Value::Object(big)), &lim).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Limit("max_steps"));
    // About 80 iterations, not 100000.
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
}

#[test]
fn output_cap_and_string_growth() {
    let small = RenderLimits { max_output_bytes: 1000, ..limits() };
    let e = set_of(&[("t", "{{ range 2000 }}x{{ end }}")]).execute("t", &Value::nil(), &small).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Limit("max_output_bytes"));
    for t in [
        "{{ repeat 100000000000 \"ab\" }}",
        "{{ $s := \"xxxxxxxxxx\" }}{{ range 40 }}{{ $s = printf \"%s%s\" $s $s }}{{ end }}",
        "{{ indent 100000000000 \"a\" }}",
        "{{ randAlphaNum 100000000000 }}",
        "{{ printf \"%999999999999d\" 1 }}",
    ] {
        let e = set_of(&[("t", t)]).execute("t", &Value::nil(), &limits());
        match e {
            Err(e) => assert_eq!(e.kind, ErrorKind::Limit("max_output_bytes"), "{t}: {e}"),
            Ok(out) => assert!(out.text.len() <= 16 << 20, "{t}"),
        }
    }
}

#[test]
fn deadline_stops_rendering() {
    let past = RenderLimits { deadline: Some(Instant::now()), ..limits() };
    let e = set_of(&[("t", "{{ range 5000000 }}{{ end }}")])
        .execute("t", &Value::nil(), &RenderLimits { max_steps: u64::MAX, ..past })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Limit("deadline"));
}

#[test]
fn deeply_nested_values_do_not_overflow() {
    // 100k nested dicts built in a loop: printing and dropping are bounded/iterative.
    let t = "{{ $d := dict }}{{ range 100000 }}{{ $d = dict \"a\" $d }}{{ end }}{{ len $d }}";
    assert_eq!(set_of(&[("t", t)]).execute("t", &Value::nil(), &limits()).unwrap().text, "1");
    let t = "{{ $d := dict }}{{ range 100000 }}{{ $d = dict \"a\" $d }}{{ end }}{{ toJson $d }}";
    assert!(set_of(&[("t", t)]).execute("t", &Value::nil(), &limits()).unwrap_err().message.contains("nested too deeply"));
}

// ---------------------------------------------------------------------------------------------
// Provenance

fn seg_of(out: &Rendered, needle: &str) -> (String, u32, u32, Option<Vec<String>>) {
    let at = out.text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in {:?}", out.text));
    let s = out.origin_at(at).unwrap();
    (s.template.to_string(), s.line, s.column, s.values_path.as_deref().map(<[String]>::to_vec))
}

fn path(p: &[&str]) -> Option<Vec<String>> {
    Some(p.iter().map(|s| s.to_string()).collect())
}

#[test]
fn provenance_of_text_and_actions() {
    let set = set_of(&[("t.yaml", "kind: Pod\nspec:\n  image: {{ .Values.image.tag }}\n  name: x\n")]);
    let out = set.execute("t.yaml", &dot_with(json!({"image": {"tag": "v1"}})), &limits()).unwrap();
    assert_eq!(out.text, "kind: Pod\nspec:\n  image: v1\n  name: x\n");
    assert_eq!(seg_of(&out, "kind"), ("t.yaml".into(), 1, 1, None));
    assert_eq!(seg_of(&out, "  image"), ("t.yaml".into(), 3, 1, None));
    assert_eq!(seg_of(&out, "v1"), ("t.yaml".into(), 3, 10, path(&["image", "tag"])));
    assert_eq!(seg_of(&out, "  name"), ("t.yaml".into(), 4, 1, None));
    // Segments are sorted and start inside the text.
    assert!(out.segments.windows(2).all(|w| w[0].start < w[1].start));
    assert!(out.origin_at(out.text.len()).is_none());
}

#[test]
fn provenance_through_include_and_nindent() {
    let set = set_of(&[
        ("_helpers.tpl", "{{- define \"labels\" -}}\napp: {{ .Values.name }}\nteam: core\n{{- end }}"),
        ("deploy.yaml", "metadata:\n  labels:\n    {{- include \"labels\" . | nindent 4 }}\nspec: {}\n"),
    ]);
    let out = set.execute("deploy.yaml", &dot_with(json!({"name": "web"})), &limits()).unwrap();
    assert_eq!(out.text, "metadata:\n  labels:\n    app: web\n    team: core\nspec: {}\n");
    // "app: " comes from line 2 of the helper, "web" from its action at column 6 and from the
    // `name` key of values.yaml; "team" from line 3 of the helper.
    assert_eq!(seg_of(&out, "app:"), ("_helpers.tpl".into(), 2, 1, None));
    assert_eq!(seg_of(&out, "web"), ("_helpers.tpl".into(), 2, 6, path(&["name"])));
    assert_eq!(seg_of(&out, "team"), ("_helpers.tpl".into(), 3, 1, None));
    assert_eq!(seg_of(&out, "spec"), ("deploy.yaml".into(), 4, 1, None));
    // The indentation and the newline nindent adds belong to the action in deploy.yaml.
    let nl = out.text.find("\n    app").unwrap();
    let s = out.origin_at(nl).unwrap();
    assert_eq!((&*s.template, s.line, s.column), ("deploy.yaml", 3, 5));
}

#[test]
fn provenance_of_to_yaml_of_values() {
    let set = set_of(&[(
        "pod.yaml",
        "spec:\n  securityContext: {{- toYaml .Values.sc | nindent 4 }}\n  ports:\n  {{- toYaml .Values.ports | nindent 2 }}\n",
    )]);
    let values = json!({"sc": {"privileged": true, "capabilities": {"add": ["NET_ADMIN"]}}, "ports": [{"name": "http", "port": 80}]});
    let out = set.execute("pod.yaml", &dot_with(values), &limits()).unwrap();
    // toYaml lines are attributed to the toYaml call (column 24: after "{{- ").
    assert_eq!(
        out.text,
        "spec:\n  securityContext:\n    capabilities:\n      add:\n      - NET_ADMIN\n    privileged: true\n  ports:\n  - name: http\n    port: 80\n"
    );
    assert_eq!(seg_of(&out, "privileged"), ("pod.yaml".into(), 2, 24, path(&["sc", "privileged"])));
    assert_eq!(seg_of(&out, "capabilities"), ("pod.yaml".into(), 2, 24, path(&["sc", "capabilities"])));
    assert_eq!(seg_of(&out, "- NET_ADMIN"), ("pod.yaml".into(), 2, 24, path(&["sc", "capabilities", "add", "0"])));
    assert_eq!(seg_of(&out, "- name"), ("pod.yaml".into(), 4, 7, path(&["ports", "0", "name"])));
    assert_eq!(seg_of(&out, "port: 80"), ("pod.yaml".into(), 4, 7, path(&["ports", "0", "port"])));
    // Every line's first byte (its indentation) has the origin of that line.
    let line_origins: Vec<Option<String>> = {
        let mut at = 0;
        let mut v = Vec::new();
        for line in out.text.split('\n').filter(|l| !l.is_empty()) {
            v.push(out.origin_at(at).and_then(|s| s.values_path.as_deref().map(|p| p.join("."))));
            at += line.len() + 1;
        }
        v
    };
    let want = [
        None,
        None,
        Some("sc.capabilities"),
        Some("sc.capabilities.add"),
        Some("sc.capabilities.add.0"),
        Some("sc.privileged"),
        None,
        Some("ports.0.name"),
        Some("ports.0.port"),
    ];
    assert_eq!(line_origins, want.iter().map(|w| w.map(str::to_string)).collect::<Vec<_>>());
}

#[test]
fn provenance_survives_variables_with_range_and_picks() {
    let t = "{{ $img := .Values.image }}{{ with $img }}a={{ .repo }}{{ end }}\n{{ range .Values.list }}b={{ . }}{{ end }}\nc={{ default \"x\" .Values.d | quote }}\nd={{ index .Values.m \"k\" | upper }}\ne={{ get .Values.m \"k\" }}\nf={{ dig \"m\" \"k\" \"\" .Values }}\n";
    let set = set_of(&[("t", t)]);
    let out =
        set.execute("t", &dot_with(json!({"image": {"repo": "nginx"}, "list": ["one"], "d": "dv", "m": {"k": "kv"}})), &limits()).unwrap();
    assert_eq!(out.text, "a=nginx\nb=one\nc=\"dv\"\nd=KV\ne=kv\nf=kv\n");
    assert_eq!(seg_of(&out, "nginx").3, path(&["image", "repo"]));
    assert_eq!(seg_of(&out, "one").3, path(&["list", "0"]));
    assert_eq!(seg_of(&out, "\"dv\"").3, path(&["d"]));
    // upper is not provenance-keeping: the text is the action's, without a values path.
    assert_eq!(seg_of(&out, "KV"), ("t".into(), 4, 3, None));
    assert_eq!(seg_of(&out, "kv\nf=").3, path(&["m", "k"]));
    let f = out.text.find("f=kv").unwrap() + 2;
    assert_eq!(out.origin_at(f).unwrap().values_path.as_deref().map(<[String]>::to_vec), path(&["m", "k"]));
}

#[test]
fn provenance_through_tpl_points_at_the_call() {
    let set = set_of(&[("t", "x: {{ tpl .Values.s . }}\n")]);
    let out = set.execute("t", &dot_with(json!({"s": "{{ .Release.Name }}-suffix"})), &limits()).unwrap();
    assert_eq!(out.text, "x: rel-suffix\n");
    assert_eq!(seg_of(&out, "rel"), ("t".into(), 1, 7, path(&["s"])));
    assert_eq!(seg_of(&out, "-suffix"), ("t".into(), 1, 7, path(&["s"])));
}

#[test]
fn provenance_through_printf_trim_replace() {
    let set = set_of(&[
        ("_h", "{{ define \"n\" }}  name-x  {{ end }}"),
        ("t", "a: {{ printf \"%s-%s\" (include \"n\" . | trim) \"z\" | replace \"x\" \"y\" }}"),
    ]);
    let out = set.execute("t", &Value::nil(), &limits()).unwrap();
    assert_eq!(out.text, "a: name-y-z");
    assert_eq!(seg_of(&out, "name"), ("_h".into(), 1, 17, None));
}

// ---------------------------------------------------------------------------------------------
// Robustness: random templates never panic, hang or overflow

#[test]
fn random_templates_never_panic() {
    const PARTS: &[&str] = &[
        "{{", "}}", "{{-", " -}}", "{{/*", "*/}}", " ", "\n", "x", ".", ".Values", ".a", "$", "$x", ":=", "=", "|", "(", ")", "\"s\"",
        "`r`", "'c'", "1", "-1", "0x", "1e", "if", "else", "end", "range", "with", "define", "template", "block", "break", "continue",
        "include", "tpl", "toYaml", "printf", "\"%d%s\"", "index", "dict", "list", "nil", "true", ",", "until", "repeat", "indent", "set",
        "$", "and", "or", "eq", "default", "\"{{\"", "\"t\"",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let lim = RenderLimits { max_steps: 20_000, max_output_bytes: 1 << 16, ..RenderLimits::default() };
    let dot = dot_with(json!({"a": {"b": [1, "x"]}}));
    let mut parsed = 0;
    for _ in 0..3000 {
        let len = 1 + next() % 24;
        let mut src = String::new();
        for _ in 0..len {
            src.push_str(PARTS[(next() % PARTS.len() as u64) as usize]);
        }
        let mut set = TemplateSet::new();
        if set.add("f", &src).is_ok() {
            parsed += 1;
            if let Err(e) = set.execute("f", &dot, &lim) {
                assert!(!e.message.contains("panicked"), "{src:?}: {e}");
            }
        }
    }
    assert!(parsed > 100, "only {parsed} random templates parsed");
}

// ---------------------------------------------------------------------------------------------
// The real charts (skipped when the corpus is absent)

const CORPUS: &str = "/work/shared/corpora/prometheus-helm-charts/charts";

fn chart_dot(chart_dir: &std::path::Path, template: &str) -> Value {
    let text = std::fs::read_to_string(chart_dir.join("values.yaml")).unwrap();
    let lines = crate::source::LineIndex::new(&text);
    let parsed = crate::parse::yaml::parse(&text, &lines, &crate::parse::Limits::default());
    let values = parsed.documents.into_iter().next().map(|d| d.value).unwrap();
    let meta_text = std::fs::read_to_string(chart_dir.join("Chart.yaml")).unwrap();
    let meta = crate::parse::yaml::parse(&meta_text, &crate::source::LineIndex::new(&meta_text), &crate::parse::Limits::default())
        .documents
        .into_iter()
        .next()
        .map(|d| d.value)
        .unwrap();
    let chart = json!({"Name": meta["name"], "Version": meta["version"], "AppVersion": meta["appVersion"]});
    let caps = Value::map(
        [
            (
                "APIVersions".to_string(),
                Value::api_versions(vec!["v1".into(), "apps/v1".into(), "policy/v1".into(), "networking.k8s.io/v1".into()]),
            ),
            (
                "KubeVersion".to_string(),
                Value::from_json(&json!({"Version": "v1.30.0", "Major": "1", "Minor": "30", "GitVersion": "v1.30.0"})),
            ),
        ]
        .into_iter()
        .collect(),
    );
    Value::map(
        [
            ("Values".to_string(), Value::from_json_with_origin(&values, &[])),
            ("Chart".to_string(), Value::from_json(&chart)),
            (
                "Release".to_string(),
                Value::from_json(&json!({"Name": "release-name", "Namespace": "default", "Service": "Helm", "IsInstall": true})),
            ),
            ("Capabilities".to_string(), caps),
            ("Files".to_string(), Value::files(BTreeMap::new())),
            ("Template".to_string(), Value::from_json(&json!({"Name": template, "BasePath": "kube-state-metrics/templates"}))),
        ]
        .into_iter()
        .collect(),
    )
}

#[test]
fn corpus_kube_state_metrics_renders_with_provenance() {
    let dir = std::path::Path::new(CORPUS).join("kube-state-metrics");
    if !dir.join("Chart.yaml").exists() {
        eprintln!("skipped: corpus not present at {CORPUS}");
        return;
    }
    let mut set = TemplateSet::new();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir.join("templates")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let name = format!("kube-state-metrics/templates/{file}");
            set.add(&name, &std::fs::read_to_string(&path).unwrap()).unwrap();
            if !file.starts_with('_') {
                names.push(name);
            }
        }
    }
    assert!(names.len() > 10);
    for name in &names {
        set.execute(name, &chart_dot(&dir, name), &RenderLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    }
    let name = "kube-state-metrics/templates/deployment.yaml";
    let out = set.execute(name, &chart_dot(&dir, name), &RenderLimits::default()).unwrap();
    // `securityContext: {{- omit .Values.securityContext "enabled" | toYaml | nindent 8 }}`
    let at = out.text.find("runAsUser: 65534").unwrap();
    let seg = out.origin_at(at).unwrap();
    assert_eq!((&*seg.template, seg.line), (name, 52));
    assert_eq!(seg.values_path.as_deref().map(<[String]>::to_vec), path(&["securityContext", "runAsUser"]));
    // `{{ toYaml .Values.containerSecurityContext | indent 10 }}` on line 254.
    let at = out.text.find("readOnlyRootFilesystem: true").unwrap();
    let seg = out.origin_at(at).unwrap();
    assert_eq!((&*seg.template, seg.line, seg.column), (name, 254, 4));
    assert_eq!(seg.values_path.as_deref().map(<[String]>::to_vec), path(&["containerSecurityContext", "readOnlyRootFilesystem"]));
    // `image: {{ include "kube-state-metrics.image" . }}`: the helper's printf on line 153
    // attributes the registry and the repository to their values keys.
    let at = out.text.find("registry.k8s.io/kube-state-metrics").unwrap();
    let seg = out.origin_at(at).unwrap();
    assert_eq!((&*seg.template, seg.line), ("kube-state-metrics/templates/_helpers.tpl", 153));
    assert_eq!(seg.values_path.as_deref().map(<[String]>::to_vec), path(&["image", "registry"]));
    let seg = out.origin_at(at + "registry.k8s.io/".len()).unwrap();
    assert_eq!(seg.values_path.as_deref().map(<[String]>::to_vec), path(&["image", "repository"]));
    // Labels come from the helper file through include.
    let at = out.text.find("app.kubernetes.io/managed-by").unwrap();
    assert_eq!(&*out.origin_at(at).unwrap().template, "kube-state-metrics/templates/_helpers.tpl");
}

#[test]
fn provenance_of_printf_and_print_pieces() {
    let t = "image: {{ printf \"%s:%s\" .Values.image.repository .Values.image.tag }}\nport: {{ printf \"%s:%v\" \"host\" .Values.port }}\nname: {{ print .Values.a \"-\" .Values.b }}\n";
    let set = set_of(&[("t", t)]);
    let out = set
        .execute("t", &dot_with(json!({"image": {"repository": "nginx", "tag": "1.25"}, "port": 8080, "a": "x", "b": "y"})), &limits())
        .unwrap();
    assert_eq!(out.text, "image: nginx:1.25\nport: host:8080\nname: x-y\n");
    assert_eq!(seg_of(&out, "nginx"), ("t".into(), 1, 11, path(&["image", "repository"])));
    assert_eq!(seg_of(&out, ":1.25"), ("t".into(), 1, 11, None));
    assert_eq!(seg_of(&out, "1.25"), ("t".into(), 1, 11, path(&["image", "tag"])));
    assert_eq!(seg_of(&out, "host"), ("t".into(), 2, 7, None));
    assert_eq!(seg_of(&out, "8080"), ("t".into(), 2, 10, path(&["port"])));
    assert_eq!(seg_of(&out, "x-y"), ("t".into(), 3, 10, path(&["a"])));
    assert_eq!(seg_of(&out, "-y"), ("t".into(), 3, 10, None));
    assert_eq!(seg_of(&out, "y\n"), ("t".into(), 3, 10, path(&["b"])));
    assert!(out.segments.windows(2).all(|w| w[0].start < w[1].start));
}

#[test]
fn public_types_are_thread_safe_and_defines_execute_directly() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<TemplateSet>();
    assert_send_sync::<Value>();
    assert_send_sync::<Rendered>();
    assert_send_sync::<TemplateError>();
    let set = set_of(&[("_h.tpl", "{{ define \"greeting\" }}hello {{ .Release.Name }}{{ end }}")]);
    assert!(set.has_define("greeting"));
    let out = set.execute("greeting", &dot_with(json!({})), &limits()).unwrap();
    assert_eq!(out.text, "hello rel");
    assert_eq!(out.origin_at(0).map(|s| (&*s.template, s.line, s.column)), Some(("_h.tpl", 1, 24)));
    let e = set.execute("nope", &Value::nil(), &limits()).unwrap_err();
    assert_eq!(e.message, "no template \"nope\" in the set");
    // Rendering the same set from several threads at once.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| assert_eq!(set.execute("greeting", &dot_with(json!({})), &limits()).unwrap().text, "hello rel"));
        }
    });
}
