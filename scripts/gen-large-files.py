#!/usr/bin/env python3
"""Generate single large files for performance tests of per-file work (not committed).

Usage: gen-large-files.py OUTDIR [--bytes N]

Writes, each about N bytes (default 1 MiB):
  OUTDIR/pods/pods.yaml        many small Pods in one multi-document YAML file (one privileged
                               container in ten, so findings are produced too)
  OUTDIR/iam/policy.json       one IAM policy with many statements (varied actions and
                               resources, some with wildcards)
  OUTDIR/iam-min/policy.json   the same policy minified on one line
Deterministic; standard library only.
"""

import argparse
import json
import os

SERVICES = [("s3", ["GetObject", "PutObject", "ListBucket", "DeleteObject"]),
            ("dynamodb", ["GetItem", "PutItem", "Query", "Scan"]),
            ("ec2", ["DescribeInstances", "RunInstances", "TerminateInstances"]),
            ("iam", ["PassRole", "GetRole", "CreatePolicyVersion"]),
            ("kms", ["Decrypt", "Encrypt", "GenerateDataKey"])]


def pods(target):
    out, i = [], 0
    size = 0
    while size < target:
        sc = "\n    securityContext:\n      privileged: true" if i % 10 == 0 else ""
        doc = (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: ns{i % 20}\nspec:\n"
               f"  containers:\n  - name: app\n    image: nginx:1.27{sc}\n")
        out.append(doc)
        size += len(doc) + 4
        i += 1
    return "---\n".join(out), i


def policy(target):
    statements, size, i = [], 0, 0
    while size < target:
        svc, actions = SERVICES[i % len(SERVICES)]
        action = f"{svc}:{actions[i % len(actions)]}"
        if i % 7 == 0:
            action = f"{svc}:{actions[i % len(actions)][:3]}*"
        resource = "*" if i % 3 == 0 else f"arn:aws:s3:::bucket-{i}/*"
        st = {"Sid": f"S{i}", "Effect": "Allow", "Action": action, "Resource": resource}
        statements.append(st)
        size += len(json.dumps(st)) + 2
        i += 1
    return {"Version": "2012-10-17", "Statement": statements}, i


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--bytes", type=int, default=1 << 20)
    args = ap.parse_args()
    for d in ("pods", "iam", "iam-min"):
        os.makedirs(os.path.join(args.outdir, d), exist_ok=True)
    text, n = pods(args.bytes)
    with open(os.path.join(args.outdir, "pods", "pods.yaml"), "w") as f:
        f.write(text)
    doc, m = policy(args.bytes)
    with open(os.path.join(args.outdir, "iam", "policy.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.outdir, "iam-min", "policy.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"{n} pods, {m} statements")


if __name__ == "__main__":
    main()
