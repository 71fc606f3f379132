#!/usr/bin/env python3
"""Measure stridegate on the performance corpora and print the figures side by side.

Usage:
  perf.py --bin PATH [--bin-b PATH2] [--corpus OUT] [--runs 3] [--json results.json]
          [--compare previous.json] [--only mixed,iam,manifests20k,fixed,shapes,memory] [--threads 1,2]
          [--fixed-runs 20] [--check-budget [--budget benches/rule-budget.toml]]

OUT is what scripts/perf-corpus.py built (default /tmp/perf-corpus). For each corpus and thread
count: the median of --runs scans of wall time, CPU time (user + system) and peak RSS of the
scanner process (from wait4's rusage, so nothing else on the machine is counted), the findings
(count and a digest of the sorted findings, so two binaries can be checked to agree) and the
scaling (wall at -j1 / wall at -j2). The fixed cost of one call is the median of --fixed-runs
scans of each tiny file with all rules (and of tiny.yaml with one rule). `shapes`: CPU per KB of
each IAM policy shape (OUT/iam-shapes/<shape>), marginal: the CPU of the folder copied k times
minus that of the folder (start-up, catalogue and IAM compilation cancel out), over the
kilobytes the copies add (at least 100 KB and 150 files).

When the binary has `scan --timings`, one more scan per corpus at -j1 writes the cost of every
rule, shared Rego library and stage: the top rules and the libraries by CPU are printed, and
--check-budget compares each rule's and each library's µs per call with benches/rule-budget.toml
and exits 1 naming those over budget (2 when the binary cannot report rule costs; rules with
fewer calls than `min_calls`, or less than `min_share` of the corpus' rule time, are not judged). A rule's
cost is what it adds to a resource's evaluation once the libraries it shares with the other
rules are computed; the libraries are timed on their own.

--bin-b measures a second binary in the same runs (alternating, so load changes hit both);
--compare prints earlier results (a --json file) next to these. Standard library only.
"""

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BUDGET = os.path.join(ROOT, "benches", "rule-budget.toml")
CORPORA = ["mixed", "iam", "manifests20k"]
# (name, file, extra scan arguments)
FIXED = [
    ("tiny.yaml", "tiny.yaml", []),
    ("tiny.yaml, one rule", "tiny.yaml", ["--select", "K8S-0002"]),
    ("tiny.tf", "tiny.tf", []),
    ("policy-2k.json", "policy-2k.json", []),
]


class Binary:
    """A stridegate executable and what it supports."""

    def __init__(self, path, label):
        self.path = os.path.abspath(path)
        self.label = label
        if not os.access(self.path, os.X_OK):
            sys.exit(f"{path}: not an executable")
        self.version = capture([self.path, "--version"]).strip()
        self.timings = "--timings" in capture([self.path, "scan", "--help"])

    def scan(self, target, threads, report, extra=(), timings=None):
        targets = [target] if isinstance(target, str) else list(target)
        cmd = [self.path, "scan", *targets, "--no-cache", "--no-config", "--no-progress", "--fail-on", "none",
               "-f", "json", "-o", report]
        if threads:
            cmd += ["-j", str(threads)]
        if timings:
            cmd.append(f"--timings={timings}")
        return cmd + list(extra)


def capture(cmd):
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False).stdout
    except OSError as e:
        sys.exit(f"cannot run {cmd[0]}: {e}")


def measure(cmd):
    """Wall seconds, CPU seconds (user + system), peak RSS in KB of one run of cmd."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr:
        proc.stderr.close()
    # 0 clean, 1 findings, 3 incomplete: all are measurements; anything else is a failure.
    if proc.returncode not in (0, 1, 3):
        sys.exit(f"{' '.join(cmd)} exited with {proc.returncode}:\n{stderr.decode(errors='replace')[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "user_s": usage.ru_utime,
            "sys_s": usage.ru_stime, "rss_kb": usage.ru_maxrss, "exit": proc.returncode}


def median_of(samples):
    return {k: statistics.median(s[k] for s in samples) for k in ("wall_s", "cpu_s", "user_s", "sys_s", "rss_kb")}


def findings_of(report):
    """(count, digest) of a JSON report's findings: rule, file, line, resource, attribute, message."""
    try:
        with open(report, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"warning: no findings read from {report}: {e}", file=sys.stderr)
        return None, None
    keys = sorted(
        json.dumps([f.get("rule_id"), (f.get("location") or {}).get("file"),
                    ((f.get("location") or {}).get("start") or {}).get("line"),
                    f.get("resource"), f.get("attribute"), f.get("message")])
        for f in doc.get("findings", []))
    return len(keys), hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]


def findings_in_child(report):
    """findings_of in another process. The peak RSS a child reports includes this process' RSS
    when it forked (Linux carries it over exec), so this process must stay small: a report of
    50,000 findings would take it over 150 MB and inflate the peak RSS of every later scan."""
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--findings-digest", report],
                          stdout=subprocess.PIPE, text=True, check=False)
    try:
        count, digest = json.loads(proc.stdout)
        return count, digest
    except (ValueError, TypeError):
        return None, None


def read_timings(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        return {"stages": doc.get("stages", []), "rules": doc.get("rules", []), "libraries": doc.get("libraries", [])}
    except (OSError, ValueError) as e:
        print(f"warning: no timings in {path}: {e}", file=sys.stderr)
        return None


def corpus_info(corpus):
    try:
        with open(os.path.join(corpus, "MANIFEST.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        sys.exit(f"{corpus}/MANIFEST.json missing: build the corpus with scripts/perf-corpus.py {corpus}")


def run_all(bins, args, info, tmp):
    """Measure every binary (scratch files in tmp); returns one result document per binary."""
    results = [{"meta": {"binary": b.path, "label": b.label, "version": b.version, "timings": b.timings,
                         "runs": args.runs, "fixed_runs": args.fixed_runs, "threads": args.threads,
                         "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                         "host": platform.node(), "cpus": os.cpu_count(), "load_start": os.getloadavg(),
                         "corpus": info.get("corpus", {}), "corpus_seed": info.get("seed"),
                         "corpus_scale": info.get("scale")},
                "corpora": {}, "fixed": {}, "rules": {}, "libraries": {}, "stages": {}, "select_costs": None, "iam_shapes": None, "memory": None}
               for b in bins]
    report = os.path.join(tmp, "report.json")
    for name in [c for c in CORPORA if c in args.only]:
        target = os.path.join(args.corpus, name)
        for j in args.threads:
            samples = [[] for _ in bins]
            for run in range(args.runs):
                for i, b in enumerate(bins):
                    if os.path.exists(report):
                        os.remove(report)  # never digest a previous scan's report
                    samples[i].append(measure(b.scan(target, j, report)))
                    if run == 0:
                        count, digest = findings_in_child(report)
                        results[i]["corpora"].setdefault(name, {})["findings"] = count
                        results[i]["corpora"][name]["findings_digest"] = digest
                    progress(f"{name} -j{j} run {run + 1}/{args.runs} {b.label}: {samples[i][-1]['wall_s']:.2f} s wall, "
                             f"{samples[i][-1]['cpu_s']:.2f} s CPU")
            for i in range(len(bins)):
                results[i]["corpora"][name][f"j{j}"] = median_of(samples[i])
        for i, b in enumerate(bins):
            entry = results[i]["corpora"][name]
            if "j1" in entry and "j2" in entry and entry["j2"]["wall_s"] > 0:
                entry["scaling"] = entry["j1"]["wall_s"] / entry["j2"]["wall_s"]
            entry.update(files=info["corpus"][name]["files"], bytes=info["corpus"][name]["bytes"])
            if b.timings:
                tfile = os.path.join(tmp, f"timings-{i}-{name}.json")
                measure(b.scan(target, 1, report, timings=tfile))
                t = read_timings(tfile)
                if t:
                    results[i]["rules"][name] = t["rules"]
                    results[i]["libraries"][name] = t["libraries"]
                    results[i]["stages"][name] = t["stages"]
                progress(f"{name} timings {b.label}: {'done' if t else 'none'}")
    if "shapes" in args.only:
        shape_costs(bins, results, args, report)
    if "memory" in args.only:
        memory_growth(bins, results, args, report)
    if args.select_costs:
        select_costs(bins, results, args, report)
    if "fixed" in args.only:
        for label, file, extra in FIXED:
            samples = [[] for _ in bins]
            for _ in range(args.fixed_runs):
                for i, b in enumerate(bins):
                    samples[i].append(measure(b.scan(os.path.join(args.corpus, "tiny", file), 0, report, extra)))
            for i in range(len(bins)):
                results[i]["fixed"][label] = median_of(samples[i])
            progress(f"fixed cost {label}: done")
    for r in results:
        r["meta"]["load_end"] = os.getloadavg()
    return results


def tree_size(root):
    files = size = 0
    for d, _, names in os.walk(root):
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(d, n))
    return files, size


# A shape's folder is scanned once as it is and once copied until the copies add at least this
# much, so that the difference is well above the run-to-run noise of a small folder.
SHAPE_MIN_ADDED_BYTES = 100 * 1024
SHAPE_MIN_ADDED_FILES = 150


def shape_costs(bins, results, args, report):
    """CPU per KB of each IAM policy shape (OUT/iam-shapes/<shape>) at -j1: the "no shape over
    1 ms per KB" aim. The cost of a shape is its marginal cost: the CPU of scanning the folder
    copied k times minus that of scanning it once (start-up, loading the action catalogue and
    compiling the IAM rules, which a scan pays once however many policies it holds, cancel out),
    over the kilobytes the k - 1 copies add; k is chosen so that they add at least 100 KB and 150
    files (a folder of 19 small policies differs by a few milliseconds from one policy alone,
    within the noise). The binaries alternate per shape. The CPU of an empty scan is kept for
    reference."""
    root = os.path.join(args.corpus, "iam-shapes")
    empty = os.path.join(args.corpus, "empty")
    if not os.path.isdir(root):
        progress(f"{root} missing (built by a newer perf-corpus.py): no cost per shape")
        return
    os.makedirs(empty, exist_ok=True)
    shapes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))

    def cpu(b, target):
        return statistics.median(measure(b.scan(target, 1, report))["cpu_s"] for _ in range(args.runs))

    outs = [{"floor_cpu_ms": cpu(b, empty) * 1000, "shapes": {}} for b in bins]
    with tempfile.TemporaryDirectory(prefix="perf-shapes-") as tmp:
        for shape in shapes:
            folder = os.path.join(root, shape)
            files, size = tree_size(folder)
            if files == 0 or size == 0:
                continue
            copies = max(2, 1 + max(-(-SHAPE_MIN_ADDED_BYTES // size), -(-SHAPE_MIN_ADDED_FILES // files)))
            copied = os.path.join(tmp, shape)
            for k in range(copies):
                shutil.copytree(folder, os.path.join(copied, f"copy{k}"))
            added_kb = (copies - 1) * size / 1024
            for i, b in enumerate(bins):
                once = cpu(b, folder)
                total = cpu(b, copied)
                above = max(0.0, total - once) * 1000
                outs[i]["shapes"][shape] = {"files": files, "bytes": size, "copies": copies, "cpu_ms": once * 1000,
                                            "copied_cpu_ms": total * 1000, "ms_per_kb": above / added_kb,
                                            "ms_per_file": above / ((copies - 1) * files)}
            shutil.rmtree(copied, ignore_errors=True)
            progress(f"IAM shape {shape} ({copies} copies): done")
    for i, out in enumerate(outs):
        results[i]["iam_shapes"] = out


# Team folders of manifests20k scanned together to see how peak memory grows with the files.
MEMORY_STEPS = (1, 5, 10, 20)


def memory_growth(bins, results, args, report):
    """Peak RSS (-j2) of scans of 1, 5, 10 and 20 team folders of manifests20k (1,000 manifests
    each): the "memory flat in the number of files, apart from what whole-scan rules and findings
    need" aim. The slope between the smallest and the largest scan, per file and per finding, is
    what each further file costs; the binaries alternate."""
    root = os.path.join(args.corpus, "manifests20k")
    if not os.path.isdir(root):
        progress(f"{root} missing: no memory growth")
        return
    teams = sorted(os.path.join(root, d) for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    outs = [{"steps": []} for _ in bins]
    for n in [n for n in MEMORY_STEPS if n <= len(teams)]:
        targets = teams[:n]
        files = sum(tree_size(t)[0] for t in targets)
        for i, b in enumerate(bins):
            rss = []
            for run in range(args.runs):
                if os.path.exists(report):
                    os.remove(report)
                rss.append(measure(b.scan(targets, 2, report))["rss_kb"])
                if run == 0:
                    count, _ = findings_in_child(report)
            outs[i]["steps"].append({"folders": n, "files": files, "findings": count, "rss_kb": statistics.median(rss)})
        progress(f"memory with {n} folders: done")
    for i, out in enumerate(outs):
        steps = out["steps"]
        if len(steps) >= 2 and steps[-1]["files"] > steps[0]["files"]:
            grown = (steps[-1]["rss_kb"] - steps[0]["rss_kb"]) * 1024
            out["bytes_per_file"] = grown / (steps[-1]["files"] - steps[0]["files"])
            if steps[-1]["findings"] and steps[0]["findings"] is not None and steps[-1]["findings"] > steps[0]["findings"]:
                out["bytes_per_finding"] = grown / (steps[-1]["findings"] - steps[0]["findings"])
        results[i]["memory"] = out


def rule_ids(b, spec):
    """The rule ids of spec: ids as given, or every rule whose id starts with a family prefix."""
    wanted = [w.strip() for w in spec.split(",") if w.strip()]
    listing = capture([b.path, "rules"])
    known = [line.split()[0] for line in listing.splitlines()[1:] if line.strip()]
    out = []
    for w in wanted:
        out += [k for k in known if k == w or k.startswith(w + "-")] or [w]
    return list(dict.fromkeys(out))


def select_costs(bins, results, args, report):
    """Approximate CPU per rule for binaries without --timings: scans with --select RULE at -j1,
    minus a scan with only --floor-rule (start-up, discovery, parsing and output)."""
    target = os.path.join(args.corpus, args.select_corpus)
    for i, b in enumerate(bins):
        def cpu(rule):
            return statistics.median(measure(b.scan(target, 1, report, ["--select", rule]))["cpu_s"] for _ in range(args.runs))
        floor = cpu(args.floor_rule)
        costs = []
        for rule in rule_ids(b, args.select_costs):
            costs.append({"id": rule, "cpu_ms": max(0.0, cpu(rule) - floor) * 1000, "calls": None, "by": "select"})
            progress(f"--select {rule} {b.label}: {costs[-1]['cpu_ms']:.0f} ms above the floor")
        costs.sort(key=lambda c: -c["cpu_ms"])
        results[i]["select_costs"] = {"corpus": args.select_corpus, "floor_rule": args.floor_rule,
                                      "floor_cpu_ms": floor * 1000, "rules": costs}


def progress(text):
    print(f"  {time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


# ---- printing ----

def fmt_s(v):
    return "-" if v is None else f"{v:.2f} s"


def fmt_ms(v):
    return "-" if v is None else f"{v * 1000:.0f} ms"


def fmt_mb(kb):
    return "-" if kb is None else f"{kb / 1024:.0f} MB"


def fmt_x(v):
    return "-" if v is None else f"{v:.2f}x"


def get(doc, *path):
    for p in path:
        if not isinstance(doc, dict) or p not in doc:
            return None
        doc = doc[p]
    return doc


def ratio(a, b):
    return f"{b / a:.2f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a else "-"


def table(headers, rows):
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = lambda r: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    print()


def print_results(results):
    """One column per result; with two or more, a last column is last/first."""
    labels = [r["meta"]["label"] for r in results]
    headers = ["", *labels] + (["ratio"] if len(results) > 1 else [])
    for r in results:
        m = r["meta"]
        print(f"{m['label']}: {m['binary']} ({m['version']}), {m['started']}, {m['cpus']} CPUs, "
              f"load {m['load_start'][0]:.1f} -> {m['load_end'][0]:.1f}, median of {m['runs']} "
              f"(fixed cost: of {m['fixed_runs']})")
    print()
    names = [n for n in CORPORA if any(n in r["corpora"] for r in results)]
    for name in names:
        first = next(r["corpora"][name] for r in results if name in r["corpora"])
        print(f"== {name}: {first.get('files')} files, {first.get('bytes', 0) / 1e6:.1f} MB")
        rows = []
        threads = sorted({k for r in results for k in r["corpora"].get(name, {}) if k.startswith("j")}, key=lambda k: int(k[1:]))
        for j in threads:
            for metric, fmt, key in [("wall", fmt_s, "wall_s"), ("CPU", fmt_s, "cpu_s"), ("peak RSS", fmt_mb, "rss_kb")]:
                vals = [get(r, "corpora", name, j, key) for r in results]
                rows.append([f"-{j} {metric}", *map(fmt, vals)] + ([ratio(vals[0], vals[-1])] if len(results) > 1 else []))
        vals = [get(r, "corpora", name, "scaling") for r in results]
        rows.append(["scaling -j1/-j2 (wall)", *map(fmt_x, vals)] + ([ratio(vals[0], vals[-1])] if len(results) > 1 else []))
        per = []
        for r in results:
            e = r["corpora"].get(name, {})
            cpu = get(e, "j1", "cpu_s")
            per.append((cpu * 1000 / e["files"] if cpu and e.get("files") else None,
                        cpu * 1000 / (e["bytes"] / 1024) if cpu and e.get("bytes") else None))
        rows.append(["CPU per file (-j1)", *[f"{p[0]:.2f} ms" if p[0] else "-" for p in per]]
                    + ([ratio(per[0][0], per[-1][0])] if len(results) > 1 else []))
        rows.append(["CPU per KB (-j1)", *[f"{p[1]:.3f} ms" if p[1] else "-" for p in per]]
                    + ([ratio(per[0][1], per[-1][1])] if len(results) > 1 else []))
        counts = [get(r, "corpora", name, "findings") for r in results]
        digests = [get(r, "corpora", name, "findings_digest") for r in results]
        known = {d for d in digests if d is not None}
        same = "-" if len(known) < 2 and None in digests else ("same" if len(known) == 1 else "DIFFER")
        rows.append(["findings", *["-" if c is None else str(c) for c in counts]] + ([same] if len(results) > 1 else []))
        table(headers, rows)
    fixed = [n for n, _, _ in FIXED if any(n in r["fixed"] for r in results)]
    if fixed:
        print("== fixed cost of one call (default threads)")
        rows = []
        for n in fixed:
            for metric, fmt, key in [("wall", fmt_ms, "wall_s"), ("CPU", fmt_ms, "cpu_s"), ("peak RSS", fmt_mb, "rss_kb")]:
                vals = [get(r, "fixed", n, key) for r in results]
                rows.append([f"{n} {metric}", *map(fmt, vals)] + ([ratio(vals[0], vals[-1])] if len(results) > 1 else []))
        table(headers, rows)
    for name in names:
        if not any(r["rules"].get(name) for r in results):
            continue
        print(f"== top rules by CPU on {name} (-j1, --timings: rules evaluated one by one)")
        rows = []
        ranked = next(r["rules"][name] for r in reversed(results) if r["rules"].get(name))
        for rule in sorted(ranked, key=lambda x: -x.get("cpu_ms", 0))[:10]:
            cells = []
            for r in results:
                mine = {x.get("id"): x for x in r["rules"].get(name, [])}.get(rule.get("id"))
                cells.append(f"{mine['cpu_ms']:.0f} ms, {per_call(mine):.0f} µs/call" if mine else "-")
            rows.append([rule.get("id"), *cells])
        table(headers[: len(results) + 1], rows)
        libraries = next((r["libraries"][name] for r in reversed(results) if (r.get("libraries") or {}).get(name)), None)
        if libraries:
            print(f"== shared Rego libraries on {name} (-j1, --timings: computed once per resource, before its rules)")
            rows = []
            for lib in sorted(libraries, key=lambda x: -x.get("cpu_ms", 0)):
                cells = []
                for r in results:
                    mine = {x.get("id"): x for x in (r.get("libraries") or {}).get(name, [])}.get(lib.get("id"))
                    cells.append(f"{mine['cpu_ms']:.0f} ms, {per_call(mine):.0f} µs/call" if mine else "-")
                rows.append([lib.get("id"), *cells])
            table(headers[: len(results) + 1], rows)
        stage_rows = []
        stage_names = []
        for r in results:
            for s in r["stages"].get(name, []):
                if s.get("name") not in stage_names:
                    stage_names.append(s.get("name"))
        for s in stage_names:
            cells = []
            for r in results:
                mine = {x.get("name"): x for x in r["stages"].get(name, [])}.get(s)
                cells.append(f"{mine['wall_ms']:.0f} ms" if mine else "-")
            stage_rows.append([f"stage {s}", *cells])
        if stage_rows:
            table(headers[: len(results) + 1], stage_rows)
    with_shapes = [r for r in results if r.get("iam_shapes")]
    if with_shapes:
        print("== IAM policy shapes (-j1; marginal CPU: the folder copied k times minus the folder, over the "
              "kilobytes the copies add; aim: 1 ms per KB)")
        rows = []
        for shape, e in sorted(with_shapes[-1]["iam_shapes"]["shapes"].items(), key=lambda kv: -(kv[1]["ms_per_kb"] or 0)):
            cells = []
            for r in results:
                mine = get(r, "iam_shapes", "shapes", shape)
                cells.append(f"{mine['ms_per_kb']:.2f} ms/KB, {mine['ms_per_file']:.1f} ms/file"
                             if mine and mine.get("ms_per_kb") is not None else "-")
            rows.append([f"{shape} ({e['files']} files, {e['bytes'] / e['files'] / 1024:.1f} KB avg)", *cells])
        rows.append(["(empty scan)", *["-" if get(r, "iam_shapes", "floor_cpu_ms") is None
                                       else f"{get(r, 'iam_shapes', 'floor_cpu_ms'):.0f} ms" for r in results]])
        table(headers[: len(results) + 1], rows)
    with_memory = [r for r in results if r.get("memory")]
    if with_memory:
        print("== memory growth (-j2, peak RSS; team folders of manifests20k scanned together; aim: flat apart "
              "from what whole-scan rules and findings need)")
        rows = []
        for k, step in enumerate(with_memory[-1]["memory"]["steps"]):
            cells = []
            for r in results:
                steps = get(r, "memory", "steps") or []
                mine = steps[k] if k < len(steps) else None
                cells.append(f"{fmt_mb(mine['rss_kb'])}, {mine['findings']} findings" if mine else "-")
            rows.append([f"{step['files']} files", *cells])
        for key, label in (("bytes_per_file", "per further file"), ("bytes_per_finding", "per further finding (all of it)")):
            vals = [get(r, "memory", key) for r in results]
            rows.append([label, *["-" if v is None else f"{v / 1024:.1f} KB" for v in vals]])
        table(headers[: len(results) + 1], rows)
    with_select = [r for r in results if r.get("select_costs")]
    if with_select:
        sc = with_select[-1]["select_costs"]
        files = next((get(r, "corpora", sc["corpus"], "files") for r in results if get(r, "corpora", sc["corpus"], "files")), None)
        print(f"== rule costs on {sc['corpus']} by --select (CPU of a -j1 scan with only that rule, minus one with only "
              f"{sc['floor_rule']}; approximate)")
        rows = []
        for rule in sc["rules"][:15]:
            cells = []
            for r in results:
                mine = {x["id"]: x for x in get(r, "select_costs", "rules") or []}.get(rule["id"])
                per = f", {mine['cpu_ms'] * 1000 / files:.0f} µs/file" if mine and files else ""
                cells.append(f"{mine['cpu_ms']:.0f} ms{per}" if mine else "-")
            rows.append([rule["id"], *cells])
        floors = [get(r, "select_costs", "floor_cpu_ms") for r in results]
        rows.append(["(floor)", *["-" if f is None else f"{f:.0f} ms" for f in floors]])
        table(headers[: len(results) + 1], rows)
    if len(results) > 1 and not all(r["rules"] for r in results):
        missing = [r["meta"]["label"] for r in results if not r["meta"].get("timings")]
        if missing:
            print(f"(no rule costs for {', '.join(missing)}: that binary has no `scan --timings`)\n")


def per_call(rule):
    calls = rule.get("calls") or 0
    return rule.get("cpu_ms", 0) * 1000 / calls if calls else 0.0


# ---- budget ----

def load_budget(path):
    try:
        import tomllib
    except ImportError:
        sys.exit("--check-budget needs Python 3.11 or later (tomllib)")
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: {e}")
    return doc


def over_budget(results, budget):
    """[(rule or library, corpus, µs per call, limit)] of the rules and shared libraries whose
    cost per call passes their limit."""
    default = float(get(budget, "default", "us_per_call") or 0)
    min_calls = int(get(budget, "default", "min_calls") or 1)
    # A rule whose calls add up to less than this share of all rules' time on a corpus is not
    # judged: on real-world files a rule's cost per call follows the size of the resources it
    # reads, and a costly call that is rare does not matter to a scan.
    min_share = float(get(budget, "default", "min_share") or 0)
    families = budget.get("family", {})
    rules = budget.get("rule", {})
    libraries = budget.get("library", {})
    library_default = float(get(budget, "default", "library_us_per_call") or 0)
    rule_costs = results.get("rules") or {}
    library_costs = results.get("libraries") or {}

    def rule_limit(rid):
        return rules.get(rid, families.get(rid.split("-")[0], default))

    def library_limit(lid):
        return libraries.get(lid, library_default)

    over = []
    for corpus in sorted(set(rule_costs) | set(library_costs)):
        entries = [(r, rule_limit) for r in rule_costs.get(corpus, [])] + [(l, library_limit) for l in library_costs.get(corpus, [])]
        total = sum(e.get("cpu_ms", 0) for e, _ in entries)
        for entry, limit_of in entries:
            if (entry.get("calls") or 0) < min_calls:
                continue
            if total > 0 and entry.get("cpu_ms", 0) < min_share * total:
                continue
            eid = entry.get("id", "")
            limit = limit_of(eid)
            cost = per_call(entry)
            if limit and cost > float(limit):
                over.append((eid, corpus, cost, float(limit)))
    return sorted(over, key=lambda o: (o[0], o[1]))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--findings-digest":
        print(json.dumps(findings_of(sys.argv[2])))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="stridegate binary to measure")
    ap.add_argument("--bin-b", help="a second binary, measured in the same runs")
    ap.add_argument("--label", default=None, help="label of --bin (default: its path)")
    ap.add_argument("--label-b", default=None, help="label of --bin-b")
    ap.add_argument("--corpus", default="/tmp/perf-corpus", help="output of scripts/perf-corpus.py (default /tmp/perf-corpus)")
    ap.add_argument("--runs", type=int, default=3, help="scans per corpus and thread count; the median is kept (default 3)")
    ap.add_argument("--fixed-runs", type=int, default=20, help="scans per tiny file for the fixed cost (default 20)")
    ap.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    ap.add_argument("--only", default="mixed,iam,manifests20k,fixed,shapes,memory", help="what to measure, comma-separated (default: all of mixed,iam,manifests20k,fixed,shapes,memory)")
    ap.add_argument("--json", help="write the results (of --bin, and --bin-b) to this file")
    ap.add_argument("--compare", help="earlier results (--json) to print side by side")
    ap.add_argument("--select-costs", metavar="RULES",
                    help="rule cost without --timings: one -j1 scan per rule with --select RULE, minus a scan "
                         "with only FLOOR_RULE (comma-separated ids, or a family prefix such as IAM)")
    ap.add_argument("--select-corpus", default="iam", help="corpus of --select-costs (default iam)")
    ap.add_argument("--floor-rule", default="TF-0001", help="a rule that never applies to --select-corpus")
    ap.add_argument("--check-budget", action="store_true", help="exit 1 when a rule costs more than its budget")
    ap.add_argument("--budget", default=DEFAULT_BUDGET, help="per-rule budget (default benches/rule-budget.toml)")
    args = ap.parse_args()
    if args.runs < 1 or args.fixed_runs < 1:
        ap.error("--runs and --fixed-runs must be at least 1")
    try:
        args.threads = [int(t) for t in args.threads.split(",") if t]
    except ValueError:
        ap.error("--threads: comma-separated numbers")
    args.only = {o.strip() for o in args.only.split(",") if o.strip()}
    unknown = args.only - set(CORPORA) - {"fixed", "shapes", "memory"}
    if unknown:
        ap.error(f"--only: unknown {', '.join(sorted(unknown))} (mixed, iam, manifests20k, fixed, shapes, memory)")
    budget = load_budget(args.budget) if args.check_budget else None
    info = corpus_info(args.corpus)
    bins = [Binary(args.bin, args.label or ("A" if args.bin_b else "current"))]
    if args.bin_b:
        bins.append(Binary(args.bin_b, args.label_b or "B"))
    tmp = tempfile.mkdtemp(prefix="stridegate-perf-")
    try:
        results = run_all(bins, args, info, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results if len(results) > 1 else results[0], f, indent=2)
            f.write("\n")
    shown = list(results)
    if args.compare:
        try:
            with open(args.compare, encoding="utf-8") as f:
                previous = json.load(f)
        except (OSError, ValueError) as e:
            sys.exit(f"{args.compare}: {e}")
        previous = previous if isinstance(previous, list) else [previous]
        for p in previous:
            p["meta"]["label"] = f"{p['meta'].get('label', 'previous')} ({os.path.basename(args.compare)})"
        shown = previous + shown
    print_results(shown)
    if budget is not None:
        status = 0
        for b, r in zip(bins, results):
            if not b.timings:
                print(f"budget: {b.label} has no `scan --timings`: rule costs cannot be checked", file=sys.stderr)
                status = max(status, 2)
                continue
            over = over_budget(r, budget)
            for rid, corpus, cost, limit in over:
                print(f"over budget: {rid} on {corpus}: {cost:.0f} µs per call (budget {limit:.0f}) [{b.label}]")
            if over:
                status = 1 if status == 0 else status
            else:
                print(f"budget: every rule within budget [{b.label}]")
        sys.exit(status)


if __name__ == "__main__":
    main()
