#!/usr/bin/env python3
"""Build the reproducible performance corpora of issue 12.

Usage: perf-corpus.py OUT [--seed N] [--scale F] [--corpora DIR | --no-corpora] [--force]

Writes, deterministically (same seed, scale, corpora and catalogue: same bytes):

  OUT/mixed          ~10,100 files, ~61 MB: four copies of ../shared/corpora (Terraform modules
                     and examples, Kubernetes manifests, Kustomize overlays, Helm charts), 1,500
                     IAM policies (scripts/gen-iam-policies.py), 1,500 Kubernetes manifests
                     (scripts/gen-corpus.py) and 100 Terraform root modules
                     (scripts/gen-tf-corpus.py)
  OUT/iam            the 1,500 IAM policies alone
  OUT/iam-shapes     the same policies, one folder per shape (OUT/iam-shapes/<shape>/)
  OUT/manifests20k   20,000 generated Kubernetes manifests
  OUT/tiny           tiny.yaml, tiny.tf and policy-2k.json: the fixed cost of one call
  OUT/empty          an empty directory: the cost of a scan of nothing (start-up)
  OUT/MANIFEST.json  what was made: files, bytes and a content digest per corpus, and the inputs

`--scale F` multiplies every count (0.01 builds in about a second, for tests); the corpora
copies then become whole top-level folders, smallest first. Standard library only. The copies
of ../shared/corpora are for local measurement only: never commit them.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "scripts")
DEFAULT_CORPORA = os.path.normpath(os.path.join(ROOT, "..", "shared", "corpora"))

# Counts at scale 1.
CORPORA_COPIES = 4
IAM_POLICIES = 1500
MIXED_MANIFESTS = 1500
MIXED_TF_MODULES = 100
MANIFESTS_20K = 20000

TINY_YAML = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example.com/shop/web:1.4.2
          ports:
            - containerPort: 8080
          securityContext:
            privileged: true
"""

TINY_TF = """resource "aws_security_group" "web" {
  name = "web"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_s3_bucket" "logs" {
  bucket = "shop-logs"
}
"""

# About 2 KB, the size of a typical managed policy: a wildcard, NotAction, an escalation pair,
# data reads on `*`, a Deny with conditions, tag conditions and a lower-case action.
POLICY_2K = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Deploy",
            "Effect": "Allow",
            "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction",
                       "lambda:UpdateFunctionCode", "cloudformation:CreateStack"],
            "Resource": "*",
        },
        {
            "Sid": "Reads",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket", "secretsmanager:GetSecretValue",
                       "ssm:GetParameter*", "kms:Decrypt", "dynamodb:Scan", "ec2:Describe*",
                       "logs:getlogevents"],
            "Resource": "*",
        },
        {
            "Sid": "Queues",
            "Effect": "Allow",
            "Action": "sqs:*",
            "Resource": "arn:aws:sqs:eu-west-1:123456789012:orders-*",
        },
        {
            "Sid": "Tagged",
            "Effect": "Allow",
            "Action": ["ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances"],
            "Resource": "arn:aws:ec2:*:123456789012:instance/*",
            "Condition": {
                "StringEquals": {"aws:ResourceTag/Team": "${aws:PrincipalTag/Team}"},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["Team", "Environment"]},
            },
        },
        {
            "Sid": "AllButIdentity",
            "Effect": "Allow",
            "NotAction": ["iam:*", "organizations:*"],
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        },
        {
            "Sid": "Regions",
            "Effect": "Deny",
            "NotAction": ["iam:*", "sts:*", "route53:*", "cloudfront:*", "support:*"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
        },
        {
            "Sid": "Transport",
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::shop-logs", "arn:aws:s3:::shop-logs/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ],
}


def run(args):
    """Run a generator script with this Python; its summary goes to our stderr."""
    proc = subprocess.run([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")


def walk(root):
    """Every file under root, as sorted relative paths."""
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def describe(root):
    """(files, bytes, sha256 of every relative path and content) of a tree."""
    h = hashlib.sha256()
    files = size = 0
    for rel in walk(root):
        with open(os.path.join(root, rel), "rb") as f:
            data = f.read()
        h.update(rel.replace(os.sep, "/").encode() + b"\0" + hashlib.sha256(data).digest())
        files += 1
        size += len(data)
    return files, size, h.hexdigest()


def copy_tree(src, dst):
    """Copy regular files only (no links, no metadata: the copy depends on content alone)."""
    for rel in walk(src):
        s = os.path.join(src, rel)
        if os.path.islink(s) or not os.path.isfile(s):
            continue
        d = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copyfile(s, d)


def corpora_plan(corpora, scale):
    """[(copy index, top-level entry)]: whole copies, then whole folders smallest first."""
    entries = sorted(e for e in os.listdir(corpora) if not e.startswith("."))
    sizes = {e: len(walk(os.path.join(corpora, e))) if os.path.isdir(os.path.join(corpora, e)) else 1 for e in entries}
    want = CORPORA_COPIES * scale
    full = int(want)
    plan = [(c, e) for c in range(1, full + 1) for e in entries]
    budget = (want - full) * sum(sizes.values())
    taken = 0
    for e in sorted(entries, key=lambda e: (sizes[e], e)):
        if not os.path.isdir(os.path.join(corpora, e)) or taken + sizes[e] > budget:
            continue
        plan.append((full + 1, e))
        taken += sizes[e]
    return plan


def scaled(n, scale):
    return max(1, round(n * scale)) if scale > 0 else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1, help="seed of every generated part (default 1)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every count (default 1)")
    ap.add_argument("--corpora", default=DEFAULT_CORPORA, help="real repositories to copy (default ../shared/corpora)")
    ap.add_argument("--no-corpora", action="store_true", help="no copies of real repositories")
    ap.add_argument("--force", action="store_true", help="replace OUT if it was made by this script")
    args = ap.parse_args()
    if not 0 < args.scale <= 10:
        ap.error("--scale must be in (0, 10]")
    out = os.path.abspath(args.out)
    if os.path.exists(out):
        made_here = os.path.isfile(os.path.join(out, "MANIFEST.json")) or not os.listdir(out)
        if not args.force or not made_here:
            sys.exit(f"{out} exists (use --force to replace a directory this script made)")
        shutil.rmtree(out)
    corpora = None if args.no_corpora else os.path.abspath(args.corpora)
    if corpora is not None and not os.path.isdir(corpora):
        sys.exit(f"{corpora}: no such directory (use --corpora DIR or --no-corpora)")
    os.makedirs(out)
    s, seed = args.scale, args.seed

    iam = os.path.join(out, "iam")
    run([os.path.join(SCRIPTS, "gen-iam-policies.py"), iam, str(scaled(IAM_POLICIES, s)), "--seed", str(seed)])

    # The same policies, one folder per shape: the "1 ms per KB for every shape" aim.
    run([os.path.join(SCRIPTS, "gen-iam-policies.py"), os.path.join(out, "iam-shapes"),
         str(scaled(IAM_POLICIES, s)), "--seed", str(seed), "--by-shape"])
    os.makedirs(os.path.join(out, "empty"))

    mixed = os.path.join(out, "mixed")
    os.makedirs(mixed)
    plan = corpora_plan(corpora, s) if corpora else []
    for copy, entry in plan:
        src = os.path.join(corpora, entry)
        dst = os.path.join(mixed, f"corpora-{copy}", entry)
        copy_tree(src, dst)
    copy_tree(iam, os.path.join(mixed, "iam-policies"))
    run([os.path.join(SCRIPTS, "gen-corpus.py"), os.path.join(mixed, "manifests"),
         str(scaled(MIXED_MANIFESTS, s)), "--seed", str(seed + 1000)])
    run([os.path.join(SCRIPTS, "gen-tf-corpus.py"), os.path.join(mixed, "terraform"),
         str(scaled(MIXED_TF_MODULES, s)), "--seed", str(seed + 2000)])

    run([os.path.join(SCRIPTS, "gen-corpus.py"), os.path.join(out, "manifests20k"),
         str(scaled(MANIFESTS_20K, s)), "--seed", str(seed)])

    tiny = os.path.join(out, "tiny")
    os.makedirs(tiny)
    for name, text in [("tiny.yaml", TINY_YAML), ("tiny.tf", TINY_TF),
                       ("policy-2k.json", json.dumps(POLICY_2K, indent=2) + "\n")]:
        with open(os.path.join(tiny, name), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)

    manifest = {"seed": seed, "scale": s, "corpora": corpora,
                "corpora_copies": sorted({c for c, _ in plan}), "corpora_entries": sorted({e for _, e in plan}),
                "corpus": {}}
    print(f"{'corpus':<14} {'files':>7} {'bytes':>12}  sha256")
    for name in ["mixed", "iam", "iam-shapes", "manifests20k", "tiny"]:
        files, size, digest = describe(os.path.join(out, name))
        manifest["corpus"][name] = {"files": files, "bytes": size, "sha256": digest}
        print(f"{name:<14} {files:>7} {size:>12}  {digest[:16]}")
    with open(os.path.join(out, "MANIFEST.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
