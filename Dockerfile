# stridegate as a container image: one static binary on an empty base image.
#
#   docker build -t stridegate .
#   docker run --rm -v "$PWD:/src" stridegate scan .
#   docker run --rm -v "$PWD:/src" stridegate scan . --format sarif=results.sarif
#
# The binary is linked statically against glibc (`crt-static`), so the final image holds
# nothing but it: no shell, no package manager, nothing to patch. stridegate never spawns
# processes, resolves host names or loads plugins, the three things a static glibc cannot do.
# The rules are embedded in the binary at build time (build.rs), so the image needs no files.

FROM rust:1-bookworm AS build
WORKDIR /build
COPY . .
RUN target="$(uname -m)-unknown-linux-gnu" \
 && RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$target" \
 && cp "target/$target/release/stridegate" /stridegate \
 && /stridegate --version

FROM scratch
COPY --from=build /stridegate /usr/local/bin/stridegate
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/stridegate"]
CMD ["scan", "."]
