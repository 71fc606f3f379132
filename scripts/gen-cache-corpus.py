#!/usr/bin/env python3
"""Generate a repository for measuring the incremental cache: Kubernetes manifests from
gen-corpus.py under OUTDIR/k8s/ plus Terraform stacks from gen-tf-corpus.py under
OUTDIR/terraform/ (ten files per stack), 10,000 files by default.

Usage: gen-cache-corpus.py OUTDIR [--files N] [--tf-modules M] [--seed SEED] [--force]
       gen-cache-corpus.py OUTDIR --change K

The second form edits one manifest (the K-th, in path order) in place, changing a value a
rule looks at (the replica count), for the "warm run with one changed file" measurement.

Measuring (release build; the cache is written to OUTDIR/.stridegate/cache):
    stridegate scan OUTDIR --cache -v --fail-on none -o /dev/null   # cold (remove the cache first)
    stridegate scan OUTDIR --cache -v --fail-on none -o /dev/null   # warm, nothing changed
    gen-cache-corpus.py OUTDIR --change 1 && stridegate scan ...     # warm, one changed file

Deterministic, standard library only.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def manifests(outdir):
    out = []
    for d, _, files in os.walk(os.path.join(outdir, "k8s")):
        out.extend(os.path.join(d, f) for f in files if f.endswith(".yaml"))
    return sorted(out)


def change(outdir, k):
    files = manifests(outdir)
    if not files:
        sys.exit("no manifests under " + outdir)
    path = files[(k - 1) % len(files)]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"replicas: (\d+)", text)
    if m:
        text = text[: m.start()] + "replicas: %d" % (int(m.group(1)) % 9 + 1) + text[m.end():]
    else:
        text += "# changed\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(os.path.relpath(path, outdir))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--files", type=int, default=10000, help="total files (default 10000)")
    ap.add_argument("--tf-modules", type=int, default=50, help="Terraform stacks, ten files each (default 50; 0 for manifests only)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--force", action="store_true", help="replace OUTDIR if it exists")
    ap.add_argument("--change", type=int, metavar="K", help="edit the K-th manifest in place and exit")
    args = ap.parse_args()
    if args.change is not None:
        change(args.outdir, args.change)
        return
    if os.path.exists(args.outdir):
        if not args.force:
            sys.exit(args.outdir + " exists (use --force to replace it)")
        shutil.rmtree(args.outdir)
    os.makedirs(args.outdir)
    tf_files = 0
    if args.tf_modules > 0:
        subprocess.run(
            [sys.executable, os.path.join(HERE, "gen-tf-corpus.py"), os.path.join(args.outdir, "terraform"), str(args.tf_modules), "--seed", str(args.seed)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for _, _, files in os.walk(os.path.join(args.outdir, "terraform")):
            tf_files += len(files)
    k8s = max(args.files - tf_files, 0)
    subprocess.run(
        [sys.executable, os.path.join(HERE, "gen-corpus.py"), os.path.join(args.outdir, "k8s"), str(k8s), "--seed", str(args.seed)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print("%s: %d Kubernetes manifests, %d Terraform files" % (args.outdir, k8s, tf_files))


if __name__ == "__main__":
    main()
