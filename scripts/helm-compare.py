#!/usr/bin/env python3
"""Compare stridegate's Helm rendering with the reference rendering of real Helm.

Usage:
    helm-compare.py REF_DIR OURS_DIR [--details N] [--json FILE] [--ours-cmd TEMPLATE]
    helm-compare.py --self-test

REF_DIR holds the files scripts/helm-reference.py writes (real Helm 4.2.3); OURS_DIR holds the
files `stridegate helm render --format json` writes for the same charts. Both use this shape, one
JSON file per chart (files whose name starts with `_` are ignored):

    {
      "chart": "charts/prometheus",            # the chart directory (as given or found)
      "ok": true,                              # false: the chart could not be rendered
      "error": null,                           # or a string saying why when ok is false
      "templates": {                           # empty when ok is false
        "prometheus/templates/service.yaml": [ # Helm's template name, as after `# Source:`;
          {"apiVersion": "v1", ...},           # subcharts: "parent/charts/sub/templates/x.yaml"
          ...                                  # the template's YAML documents as JSON, in order;
        ],                                     # null/empty documents dropped
        ...
      }
    }

A template with no documents may be listed with `[]` or left out: both mean the same. Files are
paired by file name (the reference names a file after the chart's path relative to the root it
was found under, '/' replaced by '__', plus `@<stem>` for a rendering with the chart's
ci/<stem>.yaml values), then by the resolved `chart` path.

--ours-cmd produces OURS_DIR first: for every rendering listed in REF_DIR/_run.json it runs the
command (no shell; split like a shell would) with these placeholders replaced, and stores its
standard output as OURS_DIR/<file>:
    {chart}          the chart directory the reference rendered
    {values}         `--values FILE` for each values file of that rendering (several arguments)
    {set}            `--set K=V` for each --set the reference was given (several arguments)
    {kube_version} {namespace} {release_name}
for example
    --ours-cmd 'target/debug/stridegate helm render --format json {chart} {values} {set}
                --kube-version {kube_version}'
A command that fails or prints no JSON is recorded as a failed rendering with its exit status
and the end of its standard error.

Per chart: identical, different, "ours failed" (Helm rendered it, we did not), "helm failed"
(Helm itself cannot render it: both failing counts as agreement; rendering it anyway is
reported). Per template: identical / different (with the first differing path) / missing (Helm
has it, we do not) / extra (we have it, Helm does not); templates the reference lists under an
optional `"nondeterministic": [names]` (their output changes between two Helm renderings) are
counted but not compared. Values compare strictly, types included:
1 and 1.0 and "1" and true all differ. The summary ends with the top causes, differences grouped
by kind and by path with list indices erased (`spec.containers[].image`).

Exit status: 0 when everything that Helm rendered is identical and every chart Helm rejects is
rejected too, 1 otherwise, 2 on usage errors or unreadable directories. Standard library only.
"""

import argparse
import collections
import json
import os
import sys
import tempfile

MAX_FILE_BYTES = 512 * 1024 * 1024


def load_dir(path):
    """{file name: (record or None, problem or None)} for every chart file in a directory."""
    if not os.path.isdir(path):
        raise SystemExit(f"helm-compare: {path} is not a directory")
    out = {}
    for name in sorted(os.listdir(path)):
        if not name.endswith(".json") or name.startswith("_"):
            continue
        full = os.path.join(path, name)
        try:
            if os.path.getsize(full) > MAX_FILE_BYTES:
                out[name] = (None, f"{full}: larger than {MAX_FILE_BYTES} bytes")
                continue
            with open(full, encoding="utf-8") as f:
                record = json.load(f)
        except (OSError, ValueError) as e:
            out[name] = (None, f"{full}: unreadable: {e}")
            continue
        problem = check_shape(record)
        out[name] = (None, f"{full}: {problem}") if problem else (record, None)
    return out


def check_shape(r):
    if not isinstance(r, dict):
        return "not a JSON object"
    if not isinstance(r.get("chart"), str):
        return "`chart` must be a string"
    if not isinstance(r.get("ok"), bool):
        return "`ok` must be true or false"
    if r.get("error") is not None and not isinstance(r.get("error"), str):
        return "`error` must be null or a string"
    t = r.get("templates")
    if not isinstance(t, dict):
        return "`templates` must be an object"
    for k, v in t.items():
        if not isinstance(v, list):
            return f"`templates[{k!r}]` must be an array of documents"
    nd = r.get("nondeterministic", [])
    if not isinstance(nd, list) or not all(isinstance(n, str) for n in nd):
        return "`nondeterministic` must be an array of template names"
    return None


def pair(ref, ours):
    """[(key, ref record|None, ours record|None, problem|None)] matching charts across dirs."""
    pairs = []
    unmatched_ours = {n: v for n, v in ours.items() if n not in ref}
    by_chart = {}
    for n, (rec, _) in unmatched_ours.items():
        if rec is not None:
            by_chart.setdefault(os.path.realpath(rec["chart"]), n)
    for name, (rrec, rprob) in ref.items():
        if name in ours:
            orec, oprob = ours[name]
        else:
            hit = by_chart.pop(os.path.realpath(rrec["chart"]), None) if rrec is not None else None
            if hit is not None:
                orec, oprob = unmatched_ours.pop(hit)
            else:
                orec, oprob = None, None
        problem = rprob or oprob
        pairs.append((name, rrec, orec, problem))
    for name, (orec, oprob) in unmatched_ours.items():
        pairs.append((name, None, orec, oprob))
    return pairs


def type_name(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, list):
        return "array"
    return "object"


def same(a, b):
    """Strict JSON equality: 1, 1.0, true and "1" are all different."""
    ta, tb = type_name(a), type_name(b)
    if ta != tb:
        return False
    if ta == "object":
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if ta == "array":
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def short(v, limit=60):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def first_difference(a, b, path=()):
    """(path tuple, kind, detail) of the first difference between two JSON values, or None.
    Path elements are keys (str) or list indices (int)."""
    ta, tb = type_name(a), type_name(b)
    if ta != tb:
        return path, f"type differs ({ta} vs {tb})", f"{short(a)} vs {short(b)}"
    if ta == "object":
        for k in sorted(a):
            if k not in b:
                return path + (k,), "key missing in ours", short(a[k])
        for k in sorted(b):
            if k not in a:
                return path + (k,), "key extra in ours", short(b[k])
        for k in sorted(a):
            d = first_difference(a[k], b[k], path + (k,))
            if d:
                return d
        return None
    if ta == "array":
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, path + (i,))
            if d:
                return d
        if len(a) != len(b):
            return path, "list length differs", f"{len(a)} vs {len(b)}"
        return None
    if a != b:
        return path, "value differs", f"{short(a)} vs {short(b)}"
    return None


def render_path(path, generic=False):
    out = ""
    for p in path:
        if isinstance(p, int):
            out += "[]" if generic else f"[{p}]"
        else:
            out += ("." if out else "") + p
    return out or "(document)"


def compare_template(ref_docs, our_docs):
    """None if identical, else (cause, message)."""
    if len(ref_docs) == len(our_docs) and all(same(a, b) for a, b in zip(ref_docs, our_docs)):
        return None
    if len(ref_docs) != len(our_docs):
        return ("document count differs", f"{len(ref_docs)} documents in Helm's output, {len(our_docs)} in ours")
    canon = lambda d: json.dumps(d, sort_keys=True)  # noqa: E731
    if sorted(map(canon, ref_docs)) == sorted(map(canon, our_docs)):
        # Only possible when the types agree too, since json.dumps keeps 1 and 1.0 apart.
        return ("document order differs", "same documents in a different order")
    for i, (a, b) in enumerate(zip(ref_docs, our_docs)):
        d = first_difference(a, b)
        if d:
            path, kind, detail = d
            return (f"{kind} at {render_path(path, generic=True)}",
                    f"doc {i}: {render_path(path)}: {kind}: {detail}")
    return ("document count differs", "")  # unreachable: some document differs


def normalise_error(err):
    err = (err or "").strip().splitlines()[0] if (err or "").strip() else "(no error message)"
    return err[:70]


def compare(ref_dir, ours_dir):
    ref, ours = load_dir(ref_dir), load_dir(ours_dir)
    result = {"charts": [], "counts": collections.Counter(), "templates": collections.Counter(),
              "causes": collections.Counter()}
    for name, r, o, problem in pair(ref, ours):
        entry = {"file": name, "chart": (r or o or {}).get("chart", name), "templates": []}
        if problem:
            entry["status"] = "malformed"
            entry["detail"] = problem
            result["causes"]["malformed result file"] += 1
        elif r is None:
            entry["status"] = "extra chart"
            entry["detail"] = "stridegate rendered a chart the reference does not have"
            result["causes"]["extra chart (no reference)"] += 1
        elif o is None:
            entry["status"] = "no output"
            entry["detail"] = "no stridegate result for this chart"
            result["causes"]["no stridegate result"] += 1
        elif not r["ok"]:
            if o["ok"]:
                entry["status"] = "helm failed, ours rendered"
                entry["detail"] = f"Helm: {normalise_error(r['error'])}"
                result["causes"]["ours renders a chart Helm rejects"] += 1
            else:
                entry["status"] = "both failed"
                entry["detail"] = f"Helm: {normalise_error(r['error'])} / ours: {normalise_error(o['error'])}"
        elif not o["ok"]:
            entry["status"] = "ours failed"
            entry["detail"] = normalise_error(o["error"])
            result["causes"][f"ours failed: {normalise_error(o['error'])}"] += 1
            n = sum(1 for d in r["templates"].values() if d)
            result["templates"]["missing"] += n
            result["templates"]["total"] += n
        else:
            rt = {k: v for k, v in r["templates"].items() if v}
            ot = {k: v for k, v in o["templates"].items() if v}
            unstable = set(r.get("nondeterministic") or [])
            for t in sorted(set(rt) | set(ot)):
                if t in unstable:
                    status, cause, msg = "nondeterministic", None, ""
                elif t not in ot:
                    status, cause, msg = "missing", "template missing in ours", ""
                elif t not in rt:
                    status, cause, msg = "extra", "template extra in ours", ""
                else:
                    d = compare_template(rt[t], ot[t])
                    if d is None:
                        status, cause, msg = "identical", None, ""
                    else:
                        status, (cause, msg) = "different", d
                result["templates"][status] += 1
                if status not in ("extra", "nondeterministic"):
                    result["templates"]["total"] += 1
                if cause:
                    result["causes"][cause] += 1
                    entry["templates"].append({"template": t, "status": status, "detail": msg})
            entry["status"] = "identical" if not entry["templates"] else "different"
            entry["detail"] = ""
        result["counts"][entry["status"]] += 1
        result["charts"].append(entry)
    return result


def run_ours(template, ref_dir, ours_dir, timeout):
    """Runs stridegate for every rendering listed in REF_DIR/_run.json into OURS_DIR."""
    import shlex
    import subprocess

    try:
        with open(os.path.join(ref_dir, "_run.json"), encoding="utf-8") as f:
            run = json.load(f)
        jobs = run["charts"]
        options = run["options"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"helm-compare: --ours-cmd needs {ref_dir}/_run.json from helm-reference.py: {e}")
    try:
        words = shlex.split(template)
    except ValueError as e:
        raise SystemExit(f"helm-compare: --ours-cmd is not a valid command line: {e}")
    os.makedirs(ours_dir, exist_ok=True)
    for job in jobs:
        values = list(options.get("values", [])) + list(job.get("values", []))
        argv = []
        for w in words:
            if w == "{values}":
                for v in values:
                    argv += ["--values", v]
            elif w == "{set}":
                for kv in options.get("set", []):
                    argv += ["--set", kv]
            else:
                argv.append(w.replace("{chart}", job["chart"])
                             .replace("{kube_version}", str(options.get("kube_version", "")))
                             .replace("{namespace}", str(options.get("namespace", "")))
                             .replace("{release_name}", str(options.get("release_name", ""))))
        record = None
        try:
            r = subprocess.run(argv, capture_output=True, timeout=timeout)
        except FileNotFoundError:
            raise SystemExit(f"helm-compare: --ours-cmd: {argv[0]} not found")
        except subprocess.TimeoutExpired:
            failure = f"command timed out after {timeout:g} s"
        else:
            try:
                record = json.loads(r.stdout)
            except ValueError:
                record = None
            tail = " | ".join(r.stderr.decode("utf-8", "replace").strip().splitlines()[-3:])
            failure = f"command failed (exit status {r.returncode}) with no JSON output: {tail}"
        if record is None:
            record = {"chart": job["chart"], "ok": False, "error": failure, "templates": {}}
        with open(os.path.join(ours_dir, job["file"]), "w", encoding="utf-8") as f:
            json.dump(record, f, indent=1, sort_keys=True)
            f.write("\n")
    return len(jobs)


def print_report(result, details, out=sys.stdout):
    for c in result["charts"]:
        if c["status"] in ("identical", "both failed"):
            continue
        line = f"{c['status'].upper():<28} {c['chart']}"
        if c["detail"]:
            line += f": {c['detail']}"
        print(line, file=out)
        for t in c["templates"][:details]:
            msg = f": {t['detail']}" if t["detail"] else ""
            print(f"    {t['status']:<9} {t['template']}{msg}", file=out)
        if len(c["templates"]) > details:
            print(f"    ... {len(c['templates']) - details} more", file=out)
    counts, tmpl = result["counts"], result["templates"]
    helm_ok = sum(v for k, v in counts.items() if k in ("identical", "different", "ours failed"))
    print("", file=out)
    print(f"{'charts':<38}{len(result['charts']):>6}", file=out)
    rows = [
        ("  rendered by Helm", helm_ok),
        ("    identical", counts["identical"]),
        ("    different", counts["different"]),
        ("    ours failed", counts["ours failed"]),
        ("  Helm failed, ours failed too", counts["both failed"]),
        ("  Helm failed, ours rendered", counts["helm failed, ours rendered"]),
        ("  no stridegate result", counts["no output"]),
        ("  extra (no reference)", counts["extra chart"]),
        ("  malformed result file", counts["malformed"]),
        ("templates (Helm's, where Helm rendered)", tmpl["total"]),
        ("  identical", tmpl["identical"]),
        ("  different", tmpl["different"]),
        ("  missing in ours", tmpl["missing"]),
        ("extra templates in ours", tmpl["extra"]),
        ("nondeterministic (not compared)", tmpl["nondeterministic"]),
    ]
    for label, n in rows:
        print(f"{label:<38}{n:>6}", file=out)
    if result["causes"]:
        print("\ntop causes", file=out)
        for cause, n in result["causes"].most_common(10):
            print(f"{n:>6}  {cause}", file=out)


def all_agree(result):
    return all(c["status"] in ("identical", "both failed") for c in result["charts"])


# --------------------------------------------------------------------------------------------


def self_test():
    assert same({"a": [1, 2.5, "x", None, True]}, {"a": [1, 2.5, "x", None, True]})
    assert not same(1, 1.0) and not same(True, 1) and not same("1", 1) and not same(0, False)
    assert first_difference({"a": {"b": [1, {"c": "x"}]}}, {"a": {"b": [1, {"c": "y"}]}}) == \
        (("a", "b", 1, "c"), "value differs", '"x" vs "y"')
    assert first_difference({"a": 1}, {"a": 1, "z": 2}) == (("z",), "key extra in ours", "2")
    assert first_difference({"a": 1, "b": 2}, {"b": 2}) == (("a",), "key missing in ours", "1")
    assert first_difference([1], [1, 2]) == ((), "list length differs", "1 vs 2")
    assert first_difference({"n": 1}, {"n": "1"}) == (("n",), "type differs (int vs str)", '1 vs "1"')
    assert render_path(("spec", "containers", 0, "image"), generic=True) == "spec.containers[].image"
    assert compare_template([{"a": 1}, {"b": 2}], [{"b": 2}, {"a": 1}])[0] == "document order differs"
    assert compare_template([{"a": 1}], [{"a": 1}, {"b": 2}])[0] == "document count differs"
    assert compare_template([{"a": 1}], [{"a": 1.0}])[0] == "type differs (int vs float) at a"

    def chart(path, ok=True, error=None, templates=None):
        return {"chart": path, "ok": ok, "error": error, "templates": templates or {}}

    doc = {"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 80}]}}
    ref = {
        "a.json": dict(chart("c/a", templates={"a/templates/s.yaml": [doc], "a/templates/cm.yaml": [{"k": 1}],
                                               "a/templates/secret.yaml": [{"pw": "x1"}]}),
                       nondeterministic=["a/templates/secret.yaml"]),
        "b.json": chart("c/b", templates={"b/templates/s.yaml": [doc]}),
        "c.json": chart("c/c", ok=False, error="found in Chart.yaml, but missing in charts/ directory: x"),
        "d.json": chart("c/d", ok=False, error="chart requires kubeVersion"),
        "e.json": chart("c/e", templates={"e/templates/s.yaml": [doc]}),
        "g.json": chart("c/g", templates={"g/templates/s.yaml": [doc]}),
    }
    doc2 = {"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": "80"}]}}
    ours = {
        "a.json": chart("c/a", templates={"a/templates/s.yaml": [doc], "a/templates/cm.yaml": [{"k": 1}],
                                          "a/templates/empty.yaml": [], "a/templates/secret.yaml": [{"pw": "y2"}]}),
        "b.json": chart("c/b", templates={"b/templates/s.yaml": [doc2], "b/templates/x.yaml": [{}]}),
        "c.json": chart("c/c", ok=False, error="missing dependency x"),
        "d.json": chart("c/d", templates={"d/templates/s.yaml": [doc]}),
        "e.json": chart("c/e", ok=False, error="unknown function \"lookup\"\nmore"),
        "_run.json": {"ignored": True},
        "h.json": {"chart": "c/h", "ok": "yes"},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for sub, files in (("ref", ref), ("ours", ours)):
            os.makedirs(os.path.join(tmp, sub))
            for name, rec in files.items():
                with open(os.path.join(tmp, sub, name), "w", encoding="utf-8") as f:
                    json.dump(rec, f)
        res = compare(os.path.join(tmp, "ref"), os.path.join(tmp, "ours"))
    status = {c["file"]: c["status"] for c in res["charts"]}
    assert status == {"a.json": "identical", "b.json": "different", "c.json": "both failed",
                      "d.json": "helm failed, ours rendered", "e.json": "ours failed",
                      "g.json": "no output", "h.json": "malformed"}, status
    b = next(c for c in res["charts"] if c["file"] == "b.json")
    assert b["templates"] == [
        {"template": "b/templates/s.yaml", "status": "different",
         "detail": 'doc 0: spec.ports[0].port: type differs (int vs str): 80 vs "80"'},
        {"template": "b/templates/x.yaml", "status": "extra", "detail": ""},
    ], b["templates"]
    t = res["templates"]
    assert (t["total"], t["identical"], t["different"], t["missing"], t["extra"], t["nondeterministic"]) == \
        (4, 2, 1, 1, 1, 1), t
    assert res["causes"]["ours failed: unknown function \"lookup\""] == 1, res["causes"]
    assert res["causes"]["type differs (int vs str) at spec.ports[].port"] == 1
    assert not all_agree(res)

    with tempfile.TemporaryDirectory() as tmp:
        ref_dir, ours_dir = os.path.join(tmp, "ref"), os.path.join(tmp, "ours")
        os.makedirs(ref_dir)
        run = {"options": {"values": ["/v/base.yaml"], "set": ["a=1"], "kube_version": "v1.30.0",
                           "namespace": "default", "release_name": "release-name"},
               "charts": [{"chart": "c/a", "file": "a.json", "values": []},
                          {"chart": "c/a", "file": "a@ci.json", "values": ["c/a/ci/ci.yaml"]},
                          {"chart": "c/b", "file": "b.json", "values": []}]}
        with open(os.path.join(ref_dir, "_run.json"), "w", encoding="utf-8") as f:
            json.dump(run, f)
        echo = ("import json,sys; a=sys.argv[1:]; "
                "sys.exit(3) if a[0]=='c/b' else print(json.dumps({'chart':a[0],'ok':True,'error':None,"
                "'templates':{'argv':[a]}}))")
        cmd = f"{sys.executable} -c \"{echo}\" {{chart}} {{values}} {{set}} --kube-version={{kube_version}}"
        assert run_ours(cmd, ref_dir, ours_dir, 30) == 3
        with open(os.path.join(ours_dir, "a@ci.json"), encoding="utf-8") as f:
            got = json.load(f)
        assert got["templates"]["argv"] == [["c/a", "--values", "/v/base.yaml", "--values", "c/a/ci/ci.yaml",
                                             "--set", "a=1", "--kube-version=v1.30.0"]], got
        with open(os.path.join(ours_dir, "b.json"), encoding="utf-8") as f:
            got = json.load(f)
        assert got["ok"] is False and got["error"].startswith("command failed (exit status 3)"), got
    print("helm-compare self-test: passed")
    return 0


def main():
    ap = argparse.ArgumentParser(description="Compare stridegate's Helm rendering with real Helm's.")
    ap.add_argument("ref_dir", nargs="?", help="reference JSON files (scripts/helm-reference.py)")
    ap.add_argument("ours_dir", nargs="?", help="stridegate's JSON files (stridegate helm render --format json)")
    ap.add_argument("--details", type=int, default=5, help="differing templates listed per chart")
    ap.add_argument("--json", metavar="FILE", help="also write the full comparison as JSON")
    ap.add_argument("--ours-cmd", metavar="TEMPLATE",
                    help="first run this command per rendering in REF_DIR/_run.json into OURS_DIR")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per --ours-cmd run")
    ap.add_argument("--self-test", action="store_true", help="test the comparison logic and exit")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not args.ref_dir or not args.ours_dir:
        ap.error("REF_DIR and OURS_DIR are required")
    try:
        if args.ours_cmd:
            n = run_ours(args.ours_cmd, args.ref_dir, args.ours_dir, args.timeout)
            print(f"helm-compare: ran --ours-cmd for {n} renderings into {args.ours_dir}", file=sys.stderr)
        result = compare(args.ref_dir, args.ours_dir)
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    if not result["charts"]:
        print(f"helm-compare: no chart files (*.json) in {args.ref_dir} or {args.ours_dir}", file=sys.stderr)
        return 2
    print_report(result, args.details)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"charts": result["charts"], "counts": result["counts"],
                       "templates": result["templates"], "causes": result["causes"]}, f, indent=1)
            f.write("\n")
    return 0 if all_agree(result) else 1


if __name__ == "__main__":
    sys.exit(main())
