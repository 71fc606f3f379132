#!/usr/bin/env python3
"""Reference rendering of Helm charts with real Helm, for differential tests of stridegate's
built-in Helm renderer. A test oracle only: stridegate never depends on it at run time.

Usage:
    helm-reference.py [options] OUT_DIR PATH [PATH ...]
    helm-reference.py --self-test

Each PATH is a chart directory (it has a Chart.yaml) or a root that is searched for charts: every
directory with a Chart.yaml that is not inside another chart's `charts/` directory. Hidden
directories are skipped and symbolic links are not followed.

Rendering is what `helm template` does, offline, with Helm's own Go code: the PyPI package
helm-python-sdk (pinned below) ships libhelm_c.so, Helm's Go SDK behind a C ABI. The script
installs it into a virtualenv under ~/.cache/stridegate/helm-oracle on first use (override with
STRIDEGATE_HELM_ORACLE_VENV) and re-runs itself there. Per chart, like `helm template`:

  * release name `release-name`, namespace `default`, revision 1, IsInstall true, Kubernetes
    v1.30.0 (--release-name, --namespace, --kube-version);
  * values: the chart's defaults, then every --values FILE in order (deep-merged like Helm's
    MergeMaps), then every --set k=v (parsed by Helm's own strvals parser, then merged);
  * `kubeVersion` in Chart.yaml is checked against the Kubernetes version (Masterminds semver
    constraint semantics), dependencies declared in Chart.yaml must be present in `charts/`
    (nothing is ever fetched: no `helm dependency build`, no repository, no registry), subchart
    conditions/tags and values.schema.json are applied by Helm itself;
  * NOTES.txt files and partials (`_*.tpl`) are not output; CRDs from `crds/` only with
    --include-crds; hooks are output, test hooks too unless --skip-tests; a document whose
    `helm.sh/hook` names an unknown event is dropped (Helm skips it);
  * every template's output is split into documents the way Helm 4.2.3 splits manifests
    (releaseutil.SplitManifests) and each document must satisfy Helm's head check (a mapping
    whose apiVersion/kind/metadata.name/annotations have the right types) or the chart fails,
    as `helm template` fails with "YAML parse error on ...".

Output: one JSON file per chart in OUT_DIR, named after the chart's path relative to the root it
was found under ('/' becomes '__'; a chart given directly is named after its directory):

    {"chart": "<chart directory as given/found>",
     "ok": true | false,
     "error": null | "<why Helm could not render the chart>",
     "templates": {"<chart>/templates/x.yaml": [doc, ...], ...}}

`templates` is keyed by Helm's template name (what `helm template` prints after `# Source:`,
e.g. `kube-prometheus-stack/charts/grafana/templates/service.yaml`; CRDs are keyed by their file
name under the chart, e.g. `mychart/crds/foo.yaml`). Each document is the parsed YAML document
as JSON, in the order it appears in the template's output; documents that are null or empty
(comments only) are dropped and templates left with no document are omitted. A document is
read as `helm template` prints it: split like Helm's SortManifests, followed by the line break
Helm prints after it. When `ok` is false, `templates` is empty. Templates whose output changes
between two renderings (they call randAlphaNum, htpasswd, genCA, uuidv4, now...) are listed in
an optional `"nondeterministic": [names]`; scripts/helm-compare.py leaves them out of the
comparison. Scalars are resolved like stridegate's own YAML reader (src/parse/yaml.rs): the
YAML 1.2 core schema plus the YAML 1.1 booleans yes/no/on/off; `.inf`, `.nan`, timestamps and
!!binary stay strings; mapping keys become strings. Comparing against it therefore shows
rendering differences, not scalar-resolution differences.

Two options widen the corpus without fetching anything:

  --ci-values   also renders each chart once per values file in its own ci/ directory (charts
                keep their CI test values there); the output file is `<name>@<file stem>.json`.
  --deps-from ROOT
                a chart whose Chart.yaml declares dependencies missing from charts/ is copied to
                OUT_DIR/_assembled/<name>/ with local charts from ROOT added under charts/ (same
                name, highest version satisfying the declared constraint), provided all missing
                ones are found; `chart` in the output is then that copy, which is what stridegate
                must render too.

OUT_DIR/_run.json records the Helm SDK version, the options, and per rendering: chart directory,
output file, extra values files, dependencies added, result and seconds. scripts/helm-compare.py
--ours-cmd reads it to run stridegate on exactly the same inputs.

Each chart is rendered in its own child process with a timeout (--timeout, default 120 s), so a
crash or hang in the native library costs one chart, not the run. Exit status: 0 when every chart
was processed (whether or not Helm could render it), 1 on usage errors or when the oracle itself
cannot run (for instance the package cannot be installed because PyPI is unreachable).
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

SDK_PACKAGE = "helm-python-sdk"
SDK_VERSION = "0.2.2"  # bundles Helm Go SDK v4.2.3; the only release measured to render offline
PYYAML_VERSION = "6.0.3"
DEFAULT_VENV = os.path.join(os.path.expanduser("~"), ".cache", "stridegate", "helm-oracle")
REEXEC_MARKER = "STRIDEGATE_HELM_ORACLE_CHILD"

# Bounds: rendered output per chart, JSON nodes per chart, nesting depth of a document.
MAX_RENDERED_BYTES = 64 * 1024 * 1024
MAX_NODES = 2_000_000
MAX_DEPTH = 200

# Hook events Helm 4 knows (pkg/release/v1/hook.go); a document naming any other is skipped.
HOOK_EVENTS = {
    "pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade", "post-upgrade",
    "pre-rollback", "post-rollback", "test",
}


class OracleError(Exception):
    """The chart cannot be rendered; the message says why (shown as the chart's `error`)."""


# --------------------------------------------------------------------------------------------
# Environment: the virtualenv holding helm-python-sdk.


def venv_dir():
    return os.environ.get("STRIDEGATE_HELM_ORACLE_VENV") or DEFAULT_VENV


def venv_python():
    return os.path.join(venv_dir(), "bin", "python")


def have_sdk():
    try:
        import helm_python
        import yaml  # noqa: F401
    except ImportError:
        return False
    return getattr(helm_python, "__version__", None) == SDK_VERSION


def ensure_venv():
    """Creates the virtualenv and installs the pinned packages; exits with a clear message."""
    py = venv_python()
    if not os.path.exists(py):
        if sys.version_info < (3, 10):
            sys.exit(f"helm-reference: {SDK_PACKAGE} needs Python 3.10 or later to create "
                     f"{venv_dir()}; this is {sys.version.split()[0]}")
        print(f"helm-reference: creating virtualenv {venv_dir()}", file=sys.stderr)
        r = subprocess.run([sys.executable, "-m", "venv", venv_dir()], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"helm-reference: cannot create a virtualenv at {venv_dir()}: {r.stderr.strip()}")
    check = subprocess.run(
        [py, "-c", f"import helm_python, yaml; assert helm_python.__version__ == '{SDK_VERSION}'"],
        capture_output=True,
        text=True,
    )
    if check.returncode == 0:
        return py
    print(f"helm-reference: installing {SDK_PACKAGE}=={SDK_VERSION} (75 MB wheel) into {venv_dir()}",
          file=sys.stderr)
    r = subprocess.run(
        [py, "-m", "pip", "install", "--disable-pip-version-check", "-q",
         f"{SDK_PACKAGE}=={SDK_VERSION}", f"PyYAML=={PYYAML_VERSION}"],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        tail = "\n".join((r.stdout + r.stderr).strip().splitlines()[-6:])
        hint = ""
        if re.search(r"(?i)connection|network|resolve|timed out|unreachable|no matching distribution", tail):
            hint = (" Either PyPI could not be reached (no network?) or it has no wheel for this"
                    " platform (the wheel is Linux x86_64, glibc 2.28+, Python 3.10+). The oracle"
                    " needs PyPI once; after that it runs offline.")
        sys.exit(f"helm-reference: pip could not install {SDK_PACKAGE}=={SDK_VERSION}.{hint}\n{tail}")
    return py


def reexec_in_venv():
    if os.environ.get(REEXEC_MARKER):
        sys.exit(f"helm-reference: {venv_python()} still cannot import helm_python and yaml; "
                 f"remove {venv_dir()} and retry")
    py = ensure_venv()
    env = dict(os.environ)
    env[REEXEC_MARKER] = "1"
    os.execve(py, [py, os.path.abspath(__file__)] + sys.argv[1:], env)


# --------------------------------------------------------------------------------------------
# Chart discovery.


def find_charts(root):
    """Charts under root: directories with Chart.yaml, not inside another chart's charts/."""
    if os.path.isfile(os.path.join(root, "Chart.yaml")):
        return [root]
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if "Chart.yaml" in filenames and dirpath != root:
            found.append(dirpath)
            # Subcharts are rendered as part of their parent, never on their own.
            dirnames[:] = [d for d in dirnames if d != "charts"]
    return found


def output_name(root, chart):
    rel = os.path.relpath(chart, root)
    if rel == ".":
        rel = os.path.basename(os.path.abspath(chart)) or "chart"
    return rel.replace(os.sep, "__") + ".json"


# --------------------------------------------------------------------------------------------
# Splitting and parsing rendered output the way Helm does.

# releaseutil.SplitManifests in Helm 4.2.3: a separator is `---` at the very start or after a
# newline (with any whitespace before that newline), and swallows the whitespace after it.
# Go's \s is [\t\n\f\r ], narrower than Python's.
_GO_SPACE = "\t\n\f\r "
_SEPARATOR = re.compile(r"(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*")


def split_manifests(text):
    """The documents Helm sees in one template's output, in order."""
    docs = []
    for d in _SEPARATOR.split(text.lstrip()):
        if d.strip() == "":
            continue
        docs.append(d.lstrip())
    return docs


def printed_documents(content):
    """One template's documents as `helm template` prints them: split like SortManifests does
    (the separator swallows the line breaks before it), each followed by the line break Helm
    prints after it. So a block scalar ending a document keeps its final line break, as it does
    for whoever reads Helm's output (and for the install, which reads the same text)."""
    return [d + "\n" for d in split_manifests(content)]


def _make_loader():
    import yaml

    plain_tag = "tag:stridegate.dev,2026:plain"

    # libyaml's parser when PyYAML has it (ten times faster on multi-megabyte CRDs); resolution
    # and construction below are Python either way.
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):
        pass

    # Plain scalars get one tag and are resolved by resolve_plain; quoted and block scalars are
    # strings; `<<` stays a merge key.
    Loader.yaml_implicit_resolvers = {}

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0]:
            if value == "<<":
                return "tag:yaml.org,2002:merge"
            return plain_tag
        return base.resolve(self, kind, value, implicit)

    Loader.resolve = resolve

    def construct_plain(loader, node):
        return resolve_plain(loader.construct_scalar(node))

    def construct_raw(loader, node):
        return loader.construct_scalar(node)

    Loader.add_constructor(plain_tag, construct_plain)
    for t in ("bool", "int", "float", "null"):
        Loader.add_constructor(f"tag:yaml.org,2002:{t}", construct_plain)
    for t in ("str", "binary", "timestamp"):
        Loader.add_constructor(f"tag:yaml.org,2002:{t}", construct_raw)

    def construct_unknown(loader, _suffix, node):
        # Custom tags are ignored: the node is read as if it had none.
        if isinstance(node, yaml.ScalarNode):
            raw = loader.construct_scalar(node)
            return resolve_plain(raw) if node.style in (None, "") else raw
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_mapping(node, deep=True)

    Loader.add_multi_constructor("", construct_unknown)
    return Loader


_LOADER = None

_INT_DEC = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:[0-9]*\.[0-9]*|[0-9]+)(?:[eE][-+]?[0-9]+)?")


def resolve_plain(raw):
    """A plain scalar as stridegate's YAML reader resolves it (src/parse/yaml.rs)."""
    if raw in ("", "~", "null", "Null", "NULL"):
        return None
    if raw in ("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"):
        return True
    if raw in ("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"):
        return False
    if not (raw[0].isascii() and (raw[0].isdigit() or raw[0] in "-+.")):
        return raw
    for prefix, base, digits in (("0x", 16, "0123456789abcdefABCDEF"), ("0o", 8, "01234567")):
        if raw.startswith(prefix) and len(raw) > 2 and all(c in digits for c in raw[2:]):
            n = int(raw[2:], base)
            if n < 2**63:
                return n
    if _INT_DEC.fullmatch(raw):
        n = int(raw)
        if -(2**63) <= n < 2**64:
            return n
        return raw
    if _FLOAT.fullmatch(raw):
        mantissa = re.split(r"[eE]", raw.lstrip("+-"))[0]
        has_point_or_exp = "." in raw or "e" in raw or "E" in raw
        if has_point_or_exp and any(c.isdigit() for c in mantissa):
            f = float(raw)
            if math.isfinite(f):
                return f
    return raw


def _key_string(k):
    if isinstance(k, str):
        return k
    if k is None:
        return "null"
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, float):
        return repr(k)
    if isinstance(k, (int,)):
        return str(k)
    raise OracleError(f"mapping key of type {type(k).__name__} cannot be a JSON key")


def to_json(value, budget, depth=0):
    """Copies a loaded document into plain JSON values, bounding size and depth."""
    budget[0] -= 1
    if budget[0] < 0:
        raise OracleError(f"rendered documents exceed {MAX_NODES} values (alias expansion?)")
    if depth > MAX_DEPTH:
        raise OracleError(f"document nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        return {_key_string(k): to_json(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v, budget, depth + 1) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def parse_stream(text, budget):
    """Every document of a YAML stream (a crds/ file, which Helm prints unsplit)."""
    global _LOADER
    import yaml

    if _LOADER is None:
        _LOADER = _make_loader()
    loader = _LOADER(text)
    docs = []
    try:
        while loader.check_data():
            docs.append(to_json(loader.get_data(), budget))
    except yaml.YAMLError as e:
        raise OracleError(str(e).replace("\n", " ")) from None
    except RecursionError:
        raise OracleError(f"document nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    return docs


def parse_document(text, budget):
    """One Helm manifest document as JSON; raises OracleError on invalid YAML."""
    global _LOADER
    import yaml

    if _LOADER is None:
        _LOADER = _make_loader()
    loader = _LOADER(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as e:
        raise OracleError(str(e).replace("\n", " ")) from None
    except RecursionError:
        raise OracleError(f"document nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    return to_json(data, budget)


def check_head(doc):
    """Helm decodes each document into SimpleHead (apiVersion, kind, metadata.name and
    metadata.annotations, all strings); a document that does not fit makes `helm template`
    fail. Returns the `helm.sh/hook` annotation value, or None."""
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise OracleError(f"cannot unmarshal {json_kind(doc)} into a Kubernetes object")
    for field in ("apiVersion", "kind"):
        if doc.get(field) is not None and not isinstance(doc[field], str):
            raise OracleError(f"field {field} must be a string, got {json_kind(doc[field])}")
    meta = doc.get("metadata")
    if meta is None:
        return None
    if not isinstance(meta, dict):
        raise OracleError(f"field metadata must be an object, got {json_kind(meta)}")
    if meta.get("name") is not None and not isinstance(meta["name"], str):
        raise OracleError(f"field metadata.name must be a string, got {json_kind(meta['name'])}")
    ann = meta.get("annotations")
    if ann is None:
        return None
    if not isinstance(ann, dict):
        raise OracleError(f"field metadata.annotations must be an object, got {json_kind(ann)}")
    for k, v in ann.items():
        if v is not None and not isinstance(v, str):
            raise OracleError(f"annotation {k} must be a string, got {json_kind(v)}")
    return ann.get("helm.sh/hook")


def json_kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def hook_events(annotation):
    """Hook events of a `helm.sh/hook` value, or None if one is unknown (Helm drops the doc)."""
    events = [e.strip().lower() for e in annotation.split(",")]
    if any(e not in HOOK_EVENTS for e in events):
        return None
    return events


# --------------------------------------------------------------------------------------------
# Masterminds semver constraints, as Helm checks Chart.yaml's kubeVersion.

_VERSION = re.compile(
    r"v?(?P<major>[0-9]+|[xX*])(?:\.(?P<minor>[0-9]+|[xX*]))?(?:\.(?P<patch>[0-9]+|[xX*]))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?"
)
_OPS = ("!=", ">=", "=>", "<=", "=<", "~>", "^", "~", ">", "<", "=")


def _parse_version(text):
    m = _VERSION.fullmatch(text.strip())
    if not m:
        raise ValueError(f"invalid version {text!r}")
    parts = []
    wild = None
    for i, name in enumerate(("major", "minor", "patch")):
        p = m.group(name)
        if p is None or p in ("x", "X", "*"):
            if wild is None:
                wild = i
            parts.append(0)
        else:
            if wild is not None:
                raise ValueError(f"invalid version {text!r}")
            parts.append(int(p))
    pre = m.group("pre") or ""
    return (parts[0], parts[1], parts[2], pre), wild


def _pre_key(pre):
    if pre == "":
        return (1,)
    ids = []
    for ident in pre.split("."):
        ids.append((0, int(ident), "") if ident.isdigit() else (1, 0, ident))
    return (0, tuple(ids))


def _cmp(a, b):
    ka = (a[0], a[1], a[2], _pre_key(a[3]))
    kb = (b[0], b[1], b[2], _pre_key(b[3]))
    return (ka > kb) - (ka < kb)


def _bump(v, index):
    parts = [v[0], v[1], v[2]]
    parts[index] += 1
    for j in range(index + 1, 3):
        parts[j] = 0
    return (parts[0], parts[1], parts[2], "")


def _check_one(op, text, v):
    c, wild = _parse_version(text)
    if v[3] and not c[3]:
        return False  # a prerelease version only matches constraints that name a prerelease
    if op in ("", "="):
        if wild is None:
            return _cmp(v, c) == 0
        return wild == 0 or (_cmp(v, c) >= 0 and _cmp(v, _bump(c, wild - 1)) < 0)
    if op == "!=":
        return not _check_one("=", text, v)
    if op == ">":
        if wild is None:
            return _cmp(v, c) > 0
        return wild != 0 and _cmp(v, _bump(c, wild - 1)) >= 0
    if op in (">=", "=>"):
        return _cmp(v, c) >= 0
    if op == "<":
        return _cmp(v, c) < 0
    if op in ("<=", "=<"):
        if wild is None:
            return _cmp(v, c) <= 0
        return wild == 0 or _cmp(v, _bump(c, wild - 1)) < 0
    if op in ("~", "~>"):
        if _cmp(v, c) < 0:
            return False
        if wild == 0:
            return True
        upper = _bump(c, 0) if wild == 1 else _bump(c, 1)
        return _cmp(v, upper) < 0
    if op == "^":
        if _cmp(v, c) < 0:
            return False
        if wild == 0:
            return True
        if c[0] > 0 or wild == 1:
            return _cmp(v, _bump(c, 0)) < 0
        if c[1] > 0 or wild == 2:
            return _cmp(v, _bump(c, 1)) < 0
        return _cmp(v, _bump(c, 2)) < 0
    raise ValueError(f"unknown operator {op!r}")


def semver_check(constraint, version):
    """True if version satisfies the constraint; False also when either cannot be parsed
    (Helm's IsCompatibleRange)."""
    try:
        v, wild = _parse_version(version)
        if wild is not None:
            return False
        for group in constraint.split("||"):
            group = group.strip()
            # Hyphen ranges first: "1.2 - 1.4.5" means >= 1.2 <= 1.4.5.
            group = re.sub(r"(\S+)\s+-\s+(\S+)", r">=\1,<=\2", group)
            tokens = [t for t in re.split(r"[\s,]+", group) if t]
            # An operator may be separated from its version by spaces: ">= 1.2".
            items = []
            pending = None
            for t in tokens:
                if t in _OPS:
                    pending = t
                    continue
                if pending is not None:
                    t = pending + t
                    pending = None
                items.append(t)
            if pending is not None or not items:
                return False
            ok = True
            for item in items:
                op = next((o for o in _OPS if item.startswith(o)), "")
                if not _check_one(op, item[len(op):], v):
                    ok = False
                    break
            if ok:
                return True
        return False
    except ValueError:
        return False


# --------------------------------------------------------------------------------------------
# Values.


def merge_maps(a, b):
    """Helm's loader.MergeMaps: b wins; nested maps are merged."""
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge_maps(out[k], v)
        else:
            out[k] = v
    return out


def user_values(helm, value_files, sets):
    base = {}
    for path in value_files:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise SystemExit(f"helm-reference: cannot read values file {path}: {e.strerror}")
        try:
            base = merge_maps(base, helm.values_from_yaml(text) or {})
        except helm.HelmError as e:
            raise SystemExit(f"helm-reference: failed to parse {path}: {e}")
    for expr in sets:
        try:
            base = merge_maps(base, helm.parse_set_string(expr))
        except helm.HelmError as e:
            raise SystemExit(f"helm-reference: failed parsing --set data {expr!r}: {e}")
    return base


# --------------------------------------------------------------------------------------------
# Rendering one chart (runs in a child process).


def render_chart(chart_dir, opts):
    """Returns ({template name: [documents]} as `helm template` would print them, [names of
    templates whose output changes from one rendering to the next])."""
    import helm_python as helm
    from helm_python import _native

    values = user_values(helm, opts["values"], opts["set"])
    try:
        chart = helm.Chart.load(chart_dir)
    except helm.HelmError as e:
        raise OracleError(f"cannot load chart: {e}") from None
    with chart:
        meta = chart.metadata
        # Helm's order: missing dependencies (helm template, before the install action), then
        # values and schema (ToRenderValuesWithSchemaValidation), then kubeVersion
        # (renderResources), then the templates themselves.
        present = {d.get("name") for d in chart.dependencies}
        missing = [d.get("name", "?") for d in meta.get("dependencies") or [] if d.get("name") not in present]
        if missing:
            raise OracleError(
                "an error occurred while checking for chart dependencies. You may need to run "
                "'helm dependency build' to fetch missing dependencies: found in Chart.yaml, but "
                f"missing in charts/ directory: {', '.join(missing)}"
            )
        crds = chart.crds if opts["include_crds"] else []
        render_opts = {
            "name": opts["release_name"],
            "namespace": opts["namespace"],
            "revision": 1,
            "is_install": True,
            "kube_version": opts["kube_version"],
        }
        render_error = None
        raw = None
        try:
            # Chart.render() does not expose kube_version; the C ABI's render options do
            # (helm-c 0.2.2 decodes them strictly, so a wrong key is an error, not ignored).
            raw = _native.call_string(
                "helm_render", chart._raw(), json.dumps(values), json.dumps(render_opts)
            )
        except helm.HelmValuesError as e:
            raise OracleError(str(e).strip()) from None
        except helm.HelmError as e:
            render_error = str(e).strip()
        kube_constraint = meta.get("kubeVersion") or ""
        if kube_constraint and not semver_check(kube_constraint, opts["kube_version"]):
            raise OracleError(
                f"chart requires kubeVersion: {kube_constraint} which is incompatible with "
                f"Kubernetes {opts['kube_version']}"
            )
        if render_error is not None:
            raise OracleError(render_error)
    if len(raw) > MAX_RENDERED_BYTES:
        raise OracleError(f"rendered output is {len(raw)} bytes, over {MAX_RENDERED_BYTES}")
    files = json.loads(raw)
    # Templates calling randAlphaNum, htpasswd, genCA, uuidv4, now... differ on every rendering:
    # render again (a fresh load: rendering prunes disabled subcharts from the loaded chart) and
    # list the templates whose text changed, so that comparisons can leave them out.
    try:
        with helm.Chart.load(chart_dir) as again:
            files2 = json.loads(_native.call_string(
                "helm_render", again._raw(), json.dumps(values), json.dumps(render_opts)))
    except helm.HelmError as e:
        raise OracleError(f"second rendering failed: {str(e).strip()}") from None
    unstable = sorted(n for n in files if files2.get(n) != files[n])

    budget = [MAX_NODES]
    templates = {}
    for crd in crds:
        name = crd.get("filename") or crd.get("name") or "crds"
        try:
            docs = [d for d in parse_stream(crd.get("data", "") + "\n", budget) if d is not None]
        except OracleError as e:
            raise OracleError(f"YAML parse error on {name}: {e}") from None
        if docs:
            templates[name] = docs
    for name in sorted(files):
        if os.path.basename(name) == "NOTES.txt" or os.path.basename(name).startswith("_"):
            continue
        content = files[name]
        if content.strip() == "":
            continue
        docs = []
        for text in printed_documents(content):
            try:
                doc = parse_document(text, budget)
                hook = check_head(doc)
            except OracleError as e:
                raise OracleError(f"YAML parse error on {name}: {e}") from None
            if hook is not None:
                events = hook_events(hook)
                if events is None:
                    continue
                if opts["skip_tests"] and "test" in events:
                    continue
            if doc is not None:
                docs.append(doc)
        if docs:
            templates[name] = docs
    return templates, [n for n in unstable if n in templates]


_EMPTY_KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n"
_SOURCE = re.compile(r"# Source: (.+)")


def cross_check(chart_dir, opts, templates, skip=()):
    """Renders the chart a second way, through Helm's install action in client-only dry-run mode
    (the code path of `helm template` itself: renderResources, SortManifests, kubeVersion), and
    says whether its non-hook manifests are the documents of `templates` minus the hooks.
    Returns "agree" or a short description of the first disagreement. Offline: an empty
    kubeconfig and in-memory release storage; client dry-run never contacts a cluster."""
    import helm_python as helm
    from helm_python import _native

    values = user_values(helm, opts["values"], opts["set"])
    install_opts = {"namespace": opts["namespace"], "dry_run": "client",
                    "kube_version": opts["kube_version"]}
    try:
        with helm.Config(kubeconfig_content=_EMPTY_KUBECONFIG, storage_driver="memory") as cfg:
            payload = _native.call_string(
                "helm_install", cfg._raw(), _native.HANDLE(0), _native.HANDLE(0),
                os.path.abspath(chart_dir), opts["release_name"], json.dumps(values),
                json.dumps(install_opts))
    except helm.HelmError as e:
        return f"install dry-run failed: {str(e).strip()[:200]}"
    manifest = json.loads(payload).get("manifest") or ""
    theirs = {}
    budget = [MAX_NODES]
    for text in split_manifests(manifest):
        first, _, body = text.partition("\n")
        m = _SOURCE.fullmatch(first.strip())
        if not m:
            return f"install manifest document without a Source line: {first[:80]!r}"
        try:
            doc = parse_document(body if body.endswith("\n") else body + "\n", budget)
        except OracleError as e:
            return f"install manifest unparsable for {m.group(1)}: {e}"
        if doc is not None:
            theirs.setdefault(m.group(1), []).append(json.dumps(doc, sort_keys=True))
    ours = {}
    for name, docs in templates.items():
        if "/templates/" not in name:
            continue  # crds/ files (--include-crds); the install action is run without them
        for doc in docs:
            ann = (doc.get("metadata") or {}).get("annotations") or {} if isinstance(doc, dict) else {}
            if isinstance(ann, dict) and "helm.sh/hook" in ann:
                continue
            ours.setdefault(name, []).append(json.dumps(doc, sort_keys=True))
    for name in sorted((set(ours) | set(theirs)) - set(skip)):
        a, b = sorted(ours.get(name, [])), sorted(theirs.get(name, []))
        if a != b:
            return f"{name}: {len(a)} documents here, {len(b)} from the install action, or different content"
    return "agree"


def worker_main(args):
    opts = json.loads(args.worker_opts)
    result = {"chart": args.worker_chart, "ok": True, "error": None, "templates": {}}
    try:
        result["templates"], unstable = render_chart(args.worker_chart, opts)
        if unstable:
            result["nondeterministic"] = unstable
    except OracleError as e:
        result.update(ok=False, error=str(e), templates={})
    check = None
    if opts.get("cross_check") and result["ok"]:
        stable = {k: v for k, v in result["templates"].items()
                  if k not in result.get("nondeterministic", [])}
        check = cross_check(args.worker_chart, opts, stable, result.get("nondeterministic", []))
    if check is not None:
        with open(args.worker_out + ".check", "w", encoding="utf-8") as f:
            f.write(check)
    # A file, not stdout: nothing the native library might print can corrupt the result.
    with open(args.worker_out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    return 0


def render_in_child(chart, out_path, opts, timeout):
    """Renders one chart in a child process; always leaves a result file at out_path."""
    if os.path.exists(out_path):
        os.remove(out_path)
    cmd = [sys.executable, os.path.abspath(__file__), "--worker-chart", chart,
           "--worker-opts", json.dumps(opts), "--worker-out", out_path]
    env = dict(os.environ)
    env[REEXEC_MARKER] = "1"
    start = time.monotonic()
    result = None
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        failure = f"rendering timed out after {timeout:g} s"
    else:
        how = f"signal {-r.returncode}" if r.returncode < 0 else f"exit status {r.returncode}"
        tail = r.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        failure = f"renderer process failed ({how}): {' | '.join(tail)}"
        if r.returncode == 0:
            try:
                with open(out_path, encoding="utf-8") as f:
                    result = json.load(f)
            except (OSError, ValueError) as e:
                failure = f"renderer process wrote no readable result: {e}"
    elapsed = time.monotonic() - start
    check = None
    if os.path.exists(out_path + ".check"):
        with open(out_path + ".check", encoding="utf-8") as f:
            check = f.read()
        os.remove(out_path + ".check")
    if result is None:
        result = {"chart": chart, "ok": False, "error": failure, "templates": {}}
        with open(out_path, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1, sort_keys=True)
            f.write("\n")
    return result, elapsed, check


# --------------------------------------------------------------------------------------------
# Optional inputs: local dependencies (--deps-from) and a chart's own ci/ values (--ci-values).


def read_chart_yaml(chart_dir):
    import yaml

    try:
        with open(os.path.join(chart_dir, "Chart.yaml"), encoding="utf-8") as f:
            meta = yaml.safe_load(f)
    except (OSError, yaml.YAMLError, RecursionError):
        return {}
    return meta if isinstance(meta, dict) else {}


def local_chart_index(roots):
    """{chart name: [(version, directory)]} for every chart under the given roots."""
    index = {}
    for root in roots:
        for chart in find_charts(root):
            meta = read_chart_yaml(chart)
            if isinstance(meta.get("name"), str):
                index.setdefault(meta["name"], []).append((str(meta.get("version", "")), chart))
    return index


def _version_key(version):
    try:
        v, _ = _parse_version(version)
    except ValueError:
        return (-1, -1, -1, (0, ()))
    return (v[0], v[1], v[2], _pre_key(v[3]))


def assemble(helm, chart, dest_root, index):
    """When Chart.yaml declares dependencies that charts/ lacks and that exist as local charts
    (matching name and version constraint), copies the chart to dest_root with them added under
    charts/. Returns (directory to render, notes). Nothing is downloaded."""
    import shutil

    if not os.path.exists(os.path.join(chart, "requirements.yaml")) and \
            not read_chart_yaml(chart).get("dependencies"):
        return chart, []
    try:
        # Helm's view of the declared dependencies (Chart.yaml, or requirements.yaml for
        # apiVersion v1 charts) and of the subcharts present.
        with helm.Chart.load(chart) as loaded:
            declared = loaded.metadata.get("dependencies") or []
            present = {d.get("name") for d in loaded.dependencies}
    except helm.HelmError:
        return chart, []  # the worker reports the load error
    declared = [d for d in declared if isinstance(d, dict) and isinstance(d.get("name"), str)]
    notes, picks = [], []
    for dep in declared:
        if dep["name"] in present:
            continue
        constraint = str(dep.get("version") or "*")
        fits = [(v, d) for v, d in index.get(dep["name"], []) if semver_check(constraint, v)]
        if not fits:
            notes.append(f"{dep['name']} {constraint}: no local chart")
            continue
        version, src = max(fits, key=lambda vd: _version_key(vd[0]))
        picks.append((dep["name"], src))
        notes.append(f"{dep['name']} {constraint}: {src} ({version})")
    if not picks or len(picks) < len(notes):
        return chart, notes  # still incomplete: Helm fails the same way on the original
    dest = os.path.join(dest_root, os.path.basename(os.path.abspath(chart)))
    if os.path.exists(dest):
        shutil.rmtree(dest)
    ignore = shutil.ignore_patterns(".git")
    shutil.copytree(chart, dest, symlinks=True, ignore=ignore)
    for name, src in picks:
        target = os.path.join(dest, "charts", name)
        if os.path.exists(target):
            target += "-local"
        shutil.copytree(src, target, symlinks=True, ignore=ignore)
    return dest, notes


def ci_values_files(chart):
    ci = os.path.join(chart, "ci")
    if not os.path.isdir(ci):
        return []
    return [os.path.join(ci, n) for n in sorted(os.listdir(ci))
            if n.endswith((".yaml", ".yml")) and os.path.isfile(os.path.join(ci, n))]


# --------------------------------------------------------------------------------------------
# Self-test of the pure parts (no Helm needed).


def self_test():
    assert split_manifests("a: 1\n---\nb: 2\n") == ["a: 1", "b: 2\n"]
    assert split_manifests("\n\n---\n# c\n---\n\n") == ["# c"]
    assert split_manifests("a: |\n  x\n  ---\n  y\n") == ["a: |\n  x\n  ---\n  y\n"]
    assert split_manifests("a: x\n---b: 1\n") == ["a: x", "b: 1\n"]  # Helm's own quirk
    assert split_manifests("a: x---y\n") == ["a: x---y\n"]
    budget = [MAX_NODES]
    doc = parse_document(
        "a: yes\nb: 'yes'\nc: 010\nd: 1.5\ne: ~\nf: 0x1F\ng: 1e3\nh: .inf\ni: \"1\"\nj: !!str 5\n"
        "k: 2001-12-14\nl: y\nm: 0o17\n1: x\nn: !custom 3\no: 1:30\n", budget)
    assert doc == {"a": True, "b": "yes", "c": 10, "d": 1.5, "e": None, "f": 31, "g": 1000.0,
                   "h": ".inf", "i": "1", "j": "5", "k": "2001-12-14", "l": "y", "m": 15, "1": "x",
                   "n": 3, "o": "1:30"}, doc
    assert type(doc["g"]) is float and type(doc["c"]) is int
    assert parse_document("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n", budget) == \
        {"base": {"x": 1}, "use": {"x": 1, "y": 2}}
    assert parse_document("# only a comment\n", budget) is None
    # A block scalar before a separator keeps its line break, as in Helm's printed output.
    printed = [parse_document(t, budget) for t in printed_documents("a: |\n  x\n---\nb: |\n  y\n")]
    assert printed == [{"a": "x\n"}, {"b": "y\n"}], printed
    assert parse_stream("a: 1\n---\n---\nb: 2\n", budget) == [{"a": 1}, None, {"b": 2}]
    try:
        parse_document("a: [\n", budget)
        raise AssertionError("invalid YAML accepted")
    except OracleError:
        pass
    try:
        to_json([[[]]], [2])
        raise AssertionError("budget not enforced")
    except OracleError:
        pass
    assert check_head({"kind": "Pod", "metadata": {"annotations": {"helm.sh/hook": "test"}}}) == "test"
    for bad in (["x"], {"kind": 1}, {"metadata": {"annotations": {"a": 1}}}):
        try:
            check_head(bad)
            raise AssertionError(f"bad head accepted: {bad}")
        except OracleError:
            pass
    assert hook_events("pre-install, Post-Upgrade") == ["pre-install", "post-upgrade"]
    assert hook_events("pre-install,bogus") is None
    cases = [
        (">=1.19.0-0", "v1.30.0", True), (">=1.31.0-0", "v1.30.0", False),
        ("<1.30.0", "v1.30.0", False), ("^1.20", "v1.30.0", True), ("~1.29", "v1.30.0", False),
        ("~1.30", "v1.30.0", True), (">= 1.16, < 1.31", "v1.30.0", True),
        ("1.20 - 1.29", "v1.30.0", False), ("1.20 - 1.30", "v1.30.0", True),
        ("<1.20 || >=1.25", "v1.30.0", True), ("1.30.x", "v1.30.0", True), ("1.29.x", "v1.30.0", False),
        (">1.30.x", "v1.30.0", False), ("<=1.30.x", "v1.30.0", True), ("!=1.30.0", "v1.30.0", False),
        ("*", "v1.30.0", True), ("not a range", "v1.30.0", False), (">=1.19.0", "v1.30.0-rc.1", False),
        (">=1.19.0-0", "v1.30.0-rc.1", True), ("^0.2.3", "v0.2.9", True), ("^0.2.3", "v0.3.0", False),
    ]
    for constraint, version, want in cases:
        got = semver_check(constraint, version)
        assert got == want, f"semver_check({constraint!r}, {version!r}) = {got}, want {want}"
    assert merge_maps({"a": {"b": 1, "c": 2}, "l": [1]}, {"a": {"b": 3}, "l": [2]}) == \
        {"a": {"b": 3, "c": 2}, "l": [2]}
    print("helm-reference self-test: passed")
    return 0


# --------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(
        description="Render Helm charts with real Helm (helm-python-sdk) into reference JSON.")
    ap.add_argument("out_dir", nargs="?", help="directory for the per-chart JSON files")
    ap.add_argument("paths", nargs="*", help="chart directories or roots to search for charts")
    ap.add_argument("--values", "-f", action="append", default=[], metavar="FILE",
                    help="values file, like helm template -f (repeatable, applied in order)")
    ap.add_argument("--set", action="append", default=[], metavar="K=V",
                    help="value override, like helm template --set (repeatable)")
    ap.add_argument("--kube-version", default="v1.30.0")
    ap.add_argument("--release-name", default="release-name")
    ap.add_argument("--namespace", default="default")
    ap.add_argument("--include-crds", action="store_true", help="also output crds/ files")
    ap.add_argument("--skip-tests", action="store_true", help="drop test hooks")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per chart")
    ap.add_argument("--cross-check", action="store_true",
                    help="also render through Helm's install action (client dry-run) and check "
                         "that its manifests equal the reference minus hooks")
    ap.add_argument("--ci-values", action="store_true",
                    help="also render each chart once per values file in its ci/ directory")
    ap.add_argument("--deps-from", action="append", default=[], metavar="ROOT",
                    help="take dependencies missing from a chart's charts/ from local charts under "
                         "ROOT (the chart is copied with them to OUT_DIR/_assembled/; repeatable)")
    ap.add_argument("--self-test", action="store_true", help="test the pure helpers and exit")
    ap.add_argument("--worker-chart", help=argparse.SUPPRESS)
    ap.add_argument("--worker-opts", help=argparse.SUPPRESS)
    ap.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.self_test:
        try:
            import yaml  # noqa: F401
        except ImportError:
            reexec_in_venv()
        return self_test()
    if args.worker_chart:
        return worker_main(args)
    if not args.out_dir or not args.paths:
        ap.error("OUT_DIR and at least one PATH are required")
    if not have_sdk():
        reexec_in_venv()

    import helm_python as helm

    for v in args.values:
        if not os.path.isfile(v):
            sys.exit(f"helm-reference: values file {v} does not exist")
    charts = []  # (root, chart)
    for p in args.paths:
        if not os.path.isdir(p):
            sys.exit(f"helm-reference: {p} is not a directory")
        found = find_charts(p)
        if not found:
            print(f"helm-reference: no chart (Chart.yaml) under {p}", file=sys.stderr)
        charts.extend((p, c) for c in found)
    if not charts:
        sys.exit("helm-reference: no charts found")
    os.makedirs(args.out_dir, exist_ok=True)
    # Validate values and --set once, here, so that a typo is one clear error, not N.
    user_values(helm, args.values, args.set)

    opts = {
        "values": [os.path.abspath(v) for v in args.values],
        "set": args.set,
        "kube_version": args.kube_version,
        "release_name": args.release_name,
        "namespace": args.namespace,
        "include_crds": args.include_crds,
        "skip_tests": args.skip_tests,
        "cross_check": args.cross_check,
    }
    run = {"helm_sdk": helm.helm_sdk_version(), "helm_c": helm.helm_c_version(),
           "package": f"{SDK_PACKAGE}=={SDK_VERSION}", "options": opts, "charts": []}
    index = local_chart_index(args.deps_from) if args.deps_from else {}
    checks = [0, 0]  # disagree, agree
    used = set()
    total_start = time.monotonic()
    ok_count = 0
    for root, chart in charts:
        name = output_name(root, chart)
        base, n = name, 2
        while name in used:
            name = base[: -len(".json")] + f"-{n}.json"
            n += 1
        used.add(name)
        render_dir, notes = chart, []
        if index:
            render_dir, notes = assemble(
                helm, chart, os.path.join(args.out_dir, "_assembled", name[: -len(".json")]), index)
        variants = [(name, [])]
        if args.ci_values:
            for ci_file in ci_values_files(render_dir):
                stem = os.path.splitext(os.path.basename(ci_file))[0]
                variants.append((name[: -len(".json")] + f"@{stem}.json", [os.path.abspath(ci_file)]))
        for out_name, extra in variants:
            vopts = dict(opts, values=opts["values"] + extra)
            result, elapsed, check = render_in_child(
                render_dir, os.path.join(args.out_dir, out_name), vopts, args.timeout)
            ok_count += bool(result["ok"])
            docs = sum(len(d) for d in result["templates"].values())
            status = "ok" if result["ok"] else "FAILED: " + (result["error"] or "")[:160]
            label = render_dir + (f" + {os.path.relpath(extra[0], render_dir)}" if extra else "")
            if check is not None:
                status += f"; cross-check: {check}"
                checks[check == "agree"] += 1
            print(f"{elapsed:7.2f}s {label}: {len(result['templates'])} templates, {docs} docs, {status}")
            run["charts"].append({"chart": render_dir, "source": chart, "file": out_name,
                                  "values": extra, "dependencies_added": notes, "ok": result["ok"],
                                  "error": result["error"], "seconds": round(elapsed, 3),
                                  "templates": len(result["templates"]), "documents": docs,
                                  "cross_check": check})
    total = time.monotonic() - total_start
    run["seconds"] = round(total, 3)
    with open(os.path.join(args.out_dir, "_run.json"), "w", encoding="utf-8") as f:
        json.dump(run, f, indent=1)
        f.write("\n")
    if args.cross_check:
        print(f"cross-check against Helm's install action: {checks[1]} agree, {checks[0]} disagree")
    print(f"{ok_count}/{len(run['charts'])} renderings succeeded with Helm {run['helm_sdk']} in {total:.1f}s; "
          f"output in {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
