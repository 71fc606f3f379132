#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora from the repository's own fixtures.

    scripts/fuzz-seeds.py OUT_DIR

OUT_DIR/yaml, OUT_DIR/terraform, OUT_DIR/iam get one seed per YAML, .tf and IAM JSON file of
fixtures/ and rules/**/ (the rules' fail*/pass* examples); OUT_DIR/scan gets small directories
packed in the scan target's input format: up to 4 files, each `relative/path\\ncontent`,
separated by NUL bytes (see fuzz/fuzz_targets/scan.rs). Nothing here is committed: the seeds
are rebuilt from the fixtures each run, so they follow the fixtures as they change.
"""

import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_SEED = 64 * 1024
MAX_SCAN_SEED = 256 * 1024
MAX_FILES = 4
HEREDOC = re.compile(rb"<<-?(\w+)\n(.*?)\n\s*\1\n", re.S)


def sources():
    for top in ("fixtures", "rules"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


def write(out: Path, data: bytes):
    out.mkdir(parents=True, exist_ok=True)
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "fuzz/seeds")
    counts = {"yaml": 0, "terraform": 0, "iam": 0, "scan": 0}
    by_dir = {}
    for path in sources():
        data = path.read_bytes()
        name = path.name.lower()
        if name.endswith((".yaml", ".yml", ".tf", ".tfvars", ".json")):
            by_dir.setdefault(path.parent, []).append(path)
        if len(data) > MAX_SEED:
            continue
        if name.endswith((".yaml", ".yml")):
            target = "yaml"
        elif name.endswith(".tf"):
            target = "terraform"
        elif name.endswith(".json") and b'"Statement"' in data:
            target = "iam"
        else:
            continue
        write(out / target, data)
        counts[target] += 1
        if target == "terraform":
            # Policies written as heredocs in Terraform are IAM seeds too.
            for m in HEREDOC.finditer(data):
                if b'"Statement"' in m.group(2) and b"${" not in m.group(2):
                    write(out / "iam", m.group(2))
                    counts["iam"] += 1
    for directory, files in sorted(by_dir.items()):
        files = sorted(files)
        # Every directory of fixtures and rules, in chunks of MAX_FILES files; paths relative to
        # the directory's parent so that sibling module calls (`../x`) keep a shape.
        for i in range(0, len(files), MAX_FILES):
            chunk = files[i : i + MAX_FILES]
            parts = []
            for f in chunk:
                rel = f"{directory.name}/{f.name}"
                parts.append(rel.encode() + b"\n" + f.read_bytes().replace(b"\0", b""))
            data = b"\0".join(parts)
            if len(data) <= MAX_SCAN_SEED:
                write(out / "scan", data)
                counts["scan"] += 1
    print(" ".join(f"{k}: {v} seeds" for k, v in counts.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
