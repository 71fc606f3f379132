#!/usr/bin/env bash
# Regenerates data/k8s-security-schema.json (the field/type map rule K8S-0053 checks manifests
# against) from k8s-openapi's schemars schemas, through the stand-alone crate
# tools/gen-k8s-schema (not part of the main build). To move to a newer Kubernetes, bump
# k8s-openapi in tools/gen-k8s-schema/Cargo.toml (feature "latest") and rerun this.
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/k8s-security-schema.json
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cargo run -q --locked --manifest-path tools/gen-k8s-schema/Cargo.toml > "$tmp"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out"
