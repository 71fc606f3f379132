//! The vendored regorus (vendor/regorus, see its STRIDEGATE.md) caches per call site what a
//! function call resolves to, per module its path, and per thread the compiled patterns of
//! `regex.match`. These tests pin the behaviours those caches could break: the same call site
//! evaluated with and without a `with` modifier, calls through import aliases into modules that
//! define functions of the same name, default functions, builtins shadowed by user functions,
//! extensions, policies added after an evaluation, many regex patterns and invalid ones,
//! engines cloned into other threads, and the values of rules and functions kept for the rest of
//! an evaluation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use regorus::{Engine, Value};

fn engine(modules: &[(&str, &str)]) -> Engine {
    let mut e = Engine::new();
    for (name, text) in modules {
        if let Err(err) = e.add_policy(name.to_string(), text.to_string()) {
            panic!("{name}: {err}");
        }
    }
    e
}

fn eval(e: &mut Engine, rule: &str) -> Value {
    match e.eval_rule(rule.to_string()) {
        Ok(v) => v,
        Err(err) => panic!("{rule}: {err}"),
    }
}

fn json(v: &Value) -> serde_json::Value {
    match serde_json::to_value(v) {
        Ok(j) => j,
        Err(err) => panic!("{err}"),
    }
}

const LIB_A: &str = r#"
package lib.a
import rego.v1
f(x) := x + 1
twice(x) := f(f(x))
"#;

const LIB_B: &str = r#"
package lib.b
import rego.v1
f(x) := x * 10
twice(x) := f(f(x))
"#;

const MAIN: &str = r#"
package main
import rego.v1
import data.lib.a
import data.lib.b as bee

g(x) := x - 100

# The same call sites (inside a.twice and bee.twice) reached again and again.
plain := [a.twice(1), bee.twice(1), a.twice(2), bee.twice(2)]

# `with` replacing the function a call site (inside h) resolves to through an import alias.
# (regorus applies `with data.lib.a.f` to calls written `a.f`, not to the calls `f` inside
# package lib.a; the patch keeps that behaviour.)
h(x) := a.f(x)

replaced := y if {
	y := [h(1), a.twice(1)] with data.lib.a.f as g
}

after := [h(1), a.twice(1)]

# A builtin shadowed by a user function in this package only.
upper(x) := concat("", ["<", x, ">"])
shadowed := [upper("x"), lower("X")]

default d(_) := "default"
d(x) := "big" if x > 5
defaults := [d(1), d(10), d(2)]
"#;

#[test]
fn calls_resolve_per_module_and_with_still_replaces_them() {
    let mut e = engine(&[("a.rego", LIB_A), ("b.rego", LIB_B), ("main.rego", MAIN)]);
    for _ in 0..3 {
        assert_eq!(json(&eval(&mut e, "data.main.plain")), serde_json::json!([3, 100, 4, 200]));
        assert_eq!(json(&eval(&mut e, "data.main.after")), serde_json::json!([2, 3]));
        assert_eq!(json(&eval(&mut e, "data.main.replaced")), serde_json::json!([-99, 3]));
        assert_eq!(json(&eval(&mut e, "data.main.after")), serde_json::json!([2, 3]));
        assert_eq!(json(&eval(&mut e, "data.main.shadowed")), serde_json::json!(["<x>", "x"]));
        assert_eq!(json(&eval(&mut e, "data.main.defaults")), serde_json::json!(["default", "big", "default"]));
    }
}

const LIB_C: &str = r#"
package lib.c
import rego.v1
obj := {"k": {"deep": 1}}
s contains x if some x in [1, 2, 3]
default flag := false
flag if input.on
both := [obj.k.deep, count(s)]
"#;

const USES_C: &str = r#"
package uses
import rego.v1
import data.lib.c as cc
import data.lib.c
deep := cc.obj.k.deep
members := [x | some x in cc.s]
has_two := cc.s[2]
flag := cc.flag
both := c.both
whole := cc
"#;

/// `alias.x` through an import is looked up as `data.lib.c.x` (the patch) rather than by
/// evaluating the whole package: every form of reference must give what it gave before.
#[test]
fn references_through_import_aliases() {
    let mut e = engine(&[("c.rego", LIB_C), ("uses.rego", USES_C)]);
    for on in [false, true] {
        e.set_input(Value::from_json_str(&format!("{{\"on\": {on}}}")).unwrap());
        assert_eq!(json(&eval(&mut e, "data.uses.deep")), serde_json::json!(1));
        assert_eq!(json(&eval(&mut e, "data.uses.members")), serde_json::json!([1, 2, 3]));
        assert_eq!(json(&eval(&mut e, "data.uses.has_two")), serde_json::json!(2));
        assert_eq!(json(&eval(&mut e, "data.uses.flag")), serde_json::json!(on));
        assert_eq!(json(&eval(&mut e, "data.uses.both")), serde_json::json!([1, 3]));
        assert_eq!(
            json(&eval(&mut e, "data.uses.whole")),
            serde_json::json!({"obj": {"k": {"deep": 1}}, "s": [1, 2, 3], "flag": on, "both": [1, 3]})
        );
    }
}

#[test]
fn a_policy_added_after_an_evaluation_is_seen() {
    let mut e = engine(&[("a.rego", LIB_A), ("main.rego", "package main\nimport rego.v1\nimport data.lib.a\nv := a.f(1)\n")]);
    assert_eq!(json(&eval(&mut e, "data.main.v")), serde_json::json!(2));
    // Replacing the modules (same package, other function body) must not reuse what the
    // previous compiled policy resolved.
    let mut e2 = engine(&[("a.rego", LIB_B), ("main.rego", "package main\nimport rego.v1\nimport data.lib.b as a\nv := a.f(1)\n")]);
    assert_eq!(json(&eval(&mut e2, "data.main.v")), serde_json::json!(10));
    // And adding a policy to an engine that has already evaluated.
    if let Err(err) = e.add_policy("c.rego".into(), "package main\nimport rego.v1\nw := a.f(5)\n".into()) {
        panic!("{err}");
    }
    assert_eq!(json(&eval(&mut e, "data.main.w")), serde_json::json!(6));
    assert_eq!(json(&eval(&mut e, "data.main.v")), serde_json::json!(2));
}

#[test]
fn extensions_and_queries_still_resolve() {
    let mut e =
        engine(&[("main.rego", "package main\nimport rego.v1\nv := stridegate.aws_wildcard_match(\"s3:Get*\", \"s3:GetObject\", true)\n")]);
    if let Err(err) = stridegate::engine::add_extensions(&mut e) {
        panic!("{err}");
    }
    for _ in 0..2 {
        assert_eq!(json(&eval(&mut e, "data.main.v")), serde_json::json!(true));
        // A query (its module is dropped afterwards) calling the same function.
        let r = match e.eval_query("x := stridegate.aws_wildcard_match(\"iam:*\", \"s3:GetObject\", true)".into(), false) {
            Ok(r) => r,
            Err(err) => panic!("{err}"),
        };
        assert_eq!(r.result.len(), 1);
        assert_eq!(json(&r.result[0].bindings), serde_json::json!({"x": false}));
    }
}

#[test]
fn regex_match_with_many_patterns_and_invalid_ones() {
    // More distinct patterns than the per-thread cache holds, each matched twice.
    let mut rules = String::from("package main\nimport rego.v1\n");
    rules.push_str("hits := [i | some i in numbers.range(0, 4999); regex.match(sprintf(\"^p%d$\", [i]), sprintf(\"p%d\", [i]))]\n");
    rules.push_str("misses := [i | some i in numbers.range(0, 4999); regex.match(sprintf(\"^p%d$\", [i]), sprintf(\"q%d\", [i]))]\n");
    rules.push_str("again := [i | some i in numbers.range(0, 4999); regex.match(sprintf(\"^p%d$\", [i]), sprintf(\"p%d\", [i]))]\n");
    rules.push_str("bad := regex.match(\"(unclosed\", \"x\")\n");
    let mut e = engine(&[("main.rego", &rules)]);
    let hits = json(&eval(&mut e, "data.main.hits"));
    assert_eq!(hits.as_array().map(Vec::len), Some(5000));
    assert_eq!(json(&eval(&mut e, "data.main.misses")), serde_json::json!([]));
    assert_eq!(json(&eval(&mut e, "data.main.again")), hits);
    // An invalid pattern is an error (or undefined), never true.
    for _ in 0..2 {
        match e.eval_rule("data.main.bad".into()) {
            Ok(v) => assert_eq!(v, Value::Undefined),
            Err(err) => assert!(err.to_string().contains("regex"), "{err}"),
        }
    }
}

#[test]
fn cloned_engines_evaluate_alike_in_other_threads() {
    let mut e = engine(&[("a.rego", LIB_A), ("b.rego", LIB_B), ("main.rego", MAIN)]);
    let expected = json(&eval(&mut e, "data.main.plain"));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let mut c = e.clone();
            let expected = expected.clone();
            std::thread::spawn(move || {
                for _ in 0..3 {
                    assert_eq!(json(&eval(&mut c, "data.main.plain")), expected);
                    assert_eq!(json(&eval(&mut c, "data.main.replaced")), serde_json::json!([-99, 3]));
                }
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().is_ok());
    }
}

/// Fields and set members are looked up by their text without building a string value: keys of
/// every type must still order and match exactly as before, in objects built by rules (a
/// B-tree) and in the input (a sorted slice), and in sets.
#[test]
fn string_keys_among_keys_of_every_type() {
    let policy = r#"
package keys
import rego.v1

obj := {"b": 1, "a": 2, "10": "ten", "": "empty", "é": "accent", "A": "upper"}
mixed := {1: "one", "1": "string one", null: "null", false: "false", "z": "zed"}
s := {"x", 1, "y", ["x"], {"k": "x"}, null}
field_hits := [obj.a, obj.b, obj["10"], obj[""], obj["é"], obj.A]
misses := [v | some k in ["c", "aa", "B", "1", " "]; v := obj[k]]
mixed_hits := [mixed[1], mixed["1"], mixed[null], mixed[false], mixed.z]
member := [s["x"], s["y"]]
not_member := [v | some k in ["z", "X"]; v := s[k]]
nested := {"a": {"b": {"c": {"d": 4}}}}
deep := nested.a.b.c.d
deep_missing := [v | v := nested.a.x.c]
from_input := [input.spec.template.spec.name, input.spec["with space"], input["10"]]
input_missing := [v | v := input.spec.nope]
"#;
    let mut e = engine(&[("keys.rego", policy)]);
    e.set_input(Value::from_json_str(r#"{"10": 10, "spec": {"template": {"spec": {"name": "n"}}, "with space": true, "b": 1}}"#).unwrap());
    assert_eq!(json(&eval(&mut e, "data.keys.field_hits")), serde_json::json!([2, 1, "ten", "empty", "accent", "upper"]));
    assert_eq!(json(&eval(&mut e, "data.keys.misses")), serde_json::json!([]));
    assert_eq!(json(&eval(&mut e, "data.keys.mixed_hits")), serde_json::json!(["one", "string one", "null", "false", "zed"]));
    assert_eq!(json(&eval(&mut e, "data.keys.member")), serde_json::json!(["x", "y"]));
    assert_eq!(json(&eval(&mut e, "data.keys.not_member")), serde_json::json!([]));
    assert_eq!(json(&eval(&mut e, "data.keys.deep")), serde_json::json!(4));
    assert_eq!(json(&eval(&mut e, "data.keys.deep_missing")), serde_json::json!([]));
    assert_eq!(json(&eval(&mut e, "data.keys.from_input")), serde_json::json!(["n", true, 10]));
    assert_eq!(json(&eval(&mut e, "data.keys.input_missing")), serde_json::json!([]));
}

/// What a rule's variables refer to is derived once per module and name: rules named by a
/// dotted head (`a.b := 1`), names shared by several modules, rules under an imported name,
/// and unknown names (still an error) must resolve as before.
#[test]
fn variables_resolve_per_module_and_name() {
    let one = r#"
package p.one
import rego.v1
import data.lib.a as alias
x := 1
grp.sub := 2
grp.other := 3
uses := [x, grp.sub, grp.other, grp]
via_alias := alias.f(1)
"#;
    let two = r#"
package p.two
import rego.v1
x := 20
grp := {"sub": 30}
uses := [x, grp.sub, grp]
"#;
    let bad = "package p.bad\nimport rego.v1\nv := unknown_name\n";
    let mut e = engine(&[("a.rego", LIB_A), ("one.rego", one), ("two.rego", two)]);
    for _ in 0..2 {
        assert_eq!(json(&eval(&mut e, "data.p.one.uses")), serde_json::json!([1, 2, 3, {"sub": 2, "other": 3}]));
        assert_eq!(json(&eval(&mut e, "data.p.two.uses")), serde_json::json!([20, 30, {"sub": 30}]));
        assert_eq!(json(&eval(&mut e, "data.p.one.via_alias")), serde_json::json!(2));
        // A whole package through `data` (visits the modules under the path).
        assert_eq!(json(&eval(&mut e, "data.p.two.x")), serde_json::json!(20));
    }
    let r = e.eval_query("x := data.p".to_string(), false).unwrap();
    assert_eq!(json(&r.result[0].bindings)["x"]["two"]["x"], serde_json::json!(20));
    assert_eq!(json(&r.result[0].bindings)["x"]["one"]["grp"], serde_json::json!({"sub": 2, "other": 3}));
    let mut b = Engine::new();
    match b.add_policy("bad.rego".to_string(), bad.to_string()) {
        Err(err) => assert!(err.to_string().contains("unknown_name") || err.to_string().contains("unsafe"), "{err}"),
        Ok(_) => match b.eval_rule("data.p.bad.v".to_string()) {
            Err(err) => assert!(err.to_string().contains("unsafe") || err.to_string().contains("unknown_name"), "{err}"),
            Ok(v) => panic!("an unknown name must not evaluate: {v:?}"),
        },
    }
}

/// A module's processed rule values are kept for the rest of an evaluation, but never across
/// `with` modifiers (which replace the input or data underneath them), inputs or evaluations.
#[test]
fn rule_values_are_not_reused_across_with_inputs_or_evaluations() {
    let policy = r#"
package w
import rego.v1
base := input.x
doubled := base * 2
before := doubled
inside := v if {
	v := doubled with input.x as 10
}
inside_data := v if {
	v := doubled with data.w.base as 7
}
after := doubled
nested := [doubled, inside, doubled, inside_data, doubled]
combined := [a, b, c, d] if {
	a := doubled
	b := doubled with input.x as 10
	c := doubled
	d := doubled with data.w.base as 7
}
all := [before, inside, inside_data, after, nested, combined]
"#;
    let mut e = engine(&[("w.rego", policy)]);
    for x in [1, 3] {
        e.set_input(Value::from_json_str(&format!("{{\"x\": {x}}}")).unwrap());
        for _ in 0..2 {
            let d = 2 * x;
            assert_eq!(json(&eval(&mut e, "data.w.all")), serde_json::json!([d, 20, 14, d, [d, 20, d, 14, d], [d, 20, d, 14]]), "x={x}");
            assert_eq!(json(&eval(&mut e, "data.w.doubled")), serde_json::json!(d));
        }
        // Keeping state: the values computed for this input are reused, with the same results.
        let _ = eval(&mut e, "data.w.before");
        assert_eq!(json(&e.eval_rule_keep_state("data.w.inside".into()).unwrap()), serde_json::json!(20));
        assert_eq!(json(&e.eval_rule_keep_state("data.w.after".into()).unwrap()), serde_json::json!(2 * x));
    }
}

/// User functions are memoised per evaluation by their arguments (`call_values`): a value is
/// never reused under `with`, across inputs or across evaluations, and arguments equal in
/// content but built apart give the same value.
#[test]
fn function_values_are_not_reused_across_with_inputs_or_evaluations() {
    let policy = r#"
package m
import rego.v1
f(x) := x.v * input.k
g(_) := 100
h(x) := f(x) + 1
scaled(x) := x * data.m.factor
factor := input.k + 1
obj := {"v": 2}
first := f(obj)
mocked := y if {
	y := data.m.f(obj) with data.m.f as g
}
under_input := y if {
	y := [f(obj), h(obj), f(obj)] with input.k as 5
}
under_data := y if {
	y := [scaled(1), scaled(1)] with data.m.factor as 50
}
again := [f(obj), h(obj), scaled(1)]
other := f({"v": 3})
same_content := f({"v": 2})
partial contains v if {
	some x in [obj, {"v": 2}, obj]
	v := f(x)
}
all := [first, mocked, under_input, under_data, again, other, same_content, partial]

# More distinct calls than the memo keeps (MAX_CALL_VALUES), twice.
double(x) := x * 2
many := [sum([double(i) | some i in numbers.range(1, 20000)]), sum([double(i) | some i in numbers.range(1, 20000)])]
"#;
    let mut e = engine(&[("m.rego", policy)]);
    for k in [1, 3] {
        e.set_input(Value::from_json_str(&format!("{{\"k\": {k}}}")).unwrap());
        for _ in 0..2 {
            let expected = serde_json::json!([2 * k, 100, [10, 11, 10], [50, 50], [2 * k, 2 * k + 1, k + 1], 3 * k, 2 * k, [2 * k]]);
            assert_eq!(json(&eval(&mut e, "data.m.all")), expected, "k={k}");
            assert_eq!(json(&eval(&mut e, "data.m.first")), serde_json::json!(2 * k));
        }
        assert_eq!(json(&eval(&mut e, "data.m.many")), serde_json::json!([400_020_000, 400_020_000]));
    }
}

/// A constant rule (`name := <literal>`) keeps its value across evaluations (`const_values`),
/// never under `with`, and a rule that reads the input is never taken for one.
#[test]
fn constant_rules_are_kept_across_evaluations_but_not_under_with() {
    let policy = r#"
package k
import rego.v1
table := {"a": [1, 2], "b": {"c": true}}
names := {"x", "y"}
looks_constant := {"v": input.v}
twice := [table.a, table.a]
uses := [table.a, names, looks_constant.v, twice]
under_with := y if {
	y := [table.a, twice] with data.k.table as {"a": [9]}
}
after := table.b
all := [uses, under_with, after]
"#;
    let mut e = engine(&[("k.rego", policy)]);
    for v in [1, 2, 1] {
        e.set_input(Value::from_json_str(&format!("{{\"v\": {v}}}")).unwrap());
        // Under `with` first, in a fresh evaluation, then outside it.
        assert_eq!(json(&eval(&mut e, "data.k.under_with")), serde_json::json!([[9], [[9], [9]]]), "v={v}");
        for _ in 0..2 {
            let expected = serde_json::json!([[[1, 2], ["x", "y"], v, [[1, 2], [1, 2]]], [[9], [[9], [9]]], {"c": true}]);
            assert_eq!(json(&eval(&mut e, "data.k.all")), expected, "v={v}");
        }
    }
}

/// `eval_rule_keep_state` (used by `scan --timings`) evaluates a rule reusing the values of the
/// rules evaluated since the last `eval_rule`, with the same results as a fresh evaluation.
#[test]
fn keep_state_evaluation_gives_fresh_results() {
    let mut e = engine(&[("c.rego", LIB_C), ("uses.rego", USES_C)]);
    for on in [false, true] {
        e.set_input(Value::from_json_str(&format!("{{\"on\": {on}}}")).unwrap());
        let fresh: Vec<serde_json::Value> =
            ["data.uses.deep", "data.uses.members", "data.uses.flag", "data.uses.whole"].iter().map(|r| json(&eval(&mut e, r))).collect();
        let _ = eval(&mut e, "data.lib.c.s");
        let kept: Vec<serde_json::Value> = ["data.uses.deep", "data.uses.members", "data.uses.flag", "data.uses.whole"]
            .iter()
            .map(|r| json(&e.eval_rule_keep_state(r.to_string()).unwrap()))
            .collect();
        assert_eq!(kept, fresh, "input on={on}");
    }
}

/// Which paths under `data` are processed (their rules evaluated) and which are replaced by a
/// `with data...` modifier is kept in a tree of path components (`ProcessedPaths`): a package
/// read whole after one of its rules alone, a package and a rule replaced by `with` (the rules
/// depending on them see the replacement, the rules under them are not evaluated), and the
/// original values again after the modifiers, in evaluations of several orders.
#[test]
fn processed_and_overridden_data_paths() {
    let b = r#"
package a.b
import rego.v1
x := 1
y := x + 1
"#;
    let c = r#"
package a.c
import rego.v1
z := data.a.b.y * 10
w := z if { true }
"#;
    let q = r#"
package q
import rego.v1
r1 := data.a.b.x
r2 := data.a.b
r3 := v if {
	v := data.a.c.z with data.a.b as {"x": 5, "y": 7}
}
r4 := v if {
	v := data.a.b.y with data.a.b.x as 40
}
r5 := data.a
r6 := v if {
	v := [data.a.c.w, data.a.b.y] with data.a.c.z as 3
}
all := [r1, r2, r3, r4, r5, r6]
"#;
    let whole = serde_json::json!({"b": {"x": 1, "y": 2}, "c": {"w": 20, "z": 20}});
    let expected = serde_json::json!([1, {"x": 1, "y": 2}, 70, 41, whole, [3, 2]]);
    let mut e = engine(&[("b.rego", b), ("c.rego", c), ("q.rego", q)]);
    e.set_input(Value::from_json_str("{}").unwrap());
    for order in [["data.q.all", "data.q.r5"], ["data.q.r5", "data.q.all"], ["data.q.r6", "data.q.all"]] {
        for rule in order {
            let want = match rule {
                "data.q.all" => expected.clone(),
                "data.q.r5" => whole.clone(),
                _ => serde_json::json!([3, 2]),
            };
            assert_eq!(json(&eval(&mut e, rule)), want, "{rule} in {order:?}");
        }
        // One evaluation keeping its state: the paths processed under `with` are not kept.
        assert_eq!(json(&e.eval_rule_keep_state("data.q.r4".to_string()).unwrap()), serde_json::json!(41));
        assert_eq!(json(&e.eval_rule_keep_state("data.q.r2".to_string()).unwrap()), serde_json::json!({"x": 1, "y": 2}));
    }
}

/// The `[patch.crates-io]` entry only applies while Cargo.toml asks for the vendored version:
/// an upgrade must either re-apply the patches or drop the folder (vendor/regorus/STRIDEGATE.md).
#[test]
fn the_vendored_regorus_is_the_version_cargo_toml_asks_for() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| std::fs::read_to_string(format!("{root}/{p}")).unwrap_or_else(|e| panic!("{p}: {e}"));
    let ours = read("Cargo.toml");
    let vendored = read("vendor/regorus/Cargo.toml");
    let version = vendored
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no version in vendor/regorus/Cargo.toml"));
    assert!(ours.contains(&format!("regorus = {{ version = \"={version}\"")), "Cargo.toml must pin regorus ={version}");
    assert!(ours.contains("regorus = { path = \"vendor/regorus\" }"));
    let notes = read("vendor/regorus/STRIDEGATE.md");
    let marked = ["src/interpreter.rs", "src/builtins/regex.rs"]
        .iter()
        .map(|f| read(&format!("vendor/regorus/{f}")).matches("stridegate patch").count())
        .sum::<usize>();
    assert!(marked >= 4, "the patches are marked in the vendored sources");
    assert!(notes.contains("call_cache") && notes.contains("regex.match"));
}
