#!/usr/bin/env bash
# Installs stridegate for the GitHub Action (action.yml): the release binary of
# $STRIDEGATE_VERSION from $STRIDEGATE_REPOSITORY, checked against its published SHA-256; when
# there is no such release (a branch or commit ref, a fork, an unsupported runner), builds the
# action's own checkout ($STRIDEGATE_SOURCE) with `cargo install --locked`.
set -euo pipefail

root="${RUNNER_TEMP:-/tmp}/stridegate"
bin_dir="$root/bin"
mkdir -p "$bin_dir"

case "${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}" in
  Linux-X64) target=x86_64-unknown-linux-gnu ;;
  Linux-ARM64) target=aarch64-unknown-linux-gnu ;;
  macOS-X64) target=x86_64-apple-darwin ;;
  macOS-ARM64) target=aarch64-apple-darwin ;;
  *) target="" ;;
esac

version="${STRIDEGATE_VERSION:-}"
installed=""
if [[ -n "$target" && -n "${STRIDEGATE_REPOSITORY:-}" && "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then
  asset="stridegate-$version-$target.tar.gz"
  url="https://github.com/$STRIDEGATE_REPOSITORY/releases/download/$version/$asset"
  tmp="$(mktemp -d)"
  if curl -fsSL --retry 3 -o "$tmp/$asset" "$url" && curl -fsSL --retry 3 -o "$tmp/$asset.sha256" "$url.sha256"; then
    (cd "$tmp" && sha256sum -c "$asset.sha256" >/dev/null 2>&1 || shasum -a 256 -c "$asset.sha256")
    tar -xzf "$tmp/$asset" -C "$bin_dir"
    installed="release $version ($target)"
  else
    echo "::notice::no stridegate release asset $asset; building from source"
  fi
fi

if [[ -z "$installed" ]]; then
  cargo install --locked --path "${STRIDEGATE_SOURCE:?}" --root "$root" --force
  installed="built from source"
fi

echo "$bin_dir" >> "${GITHUB_PATH:-/dev/null}"
"$bin_dir/stridegate" --version
echo "stridegate installed: $installed"
