//! Chart archives (`.tgz`) read in memory: gzip via `miniz_oxide`, tar by hand.
//!
//! A chart archive comes from the scanned repository, so nothing in it is trusted: the
//! compressed and uncompressed sizes and the entry count are bounded, every entry path must be
//! relative and free of `..`, and link entries are never followed (they are listed as skipped).
//! Only regular files are returned; directories are implied by the paths.

/// Bounds on what one archive may make us read.
#[derive(Debug, Clone, Copy)]
pub struct ArchiveLimits {
    /// Largest archive file accepted, in bytes.
    pub max_compressed: usize,
    /// Most bytes the tar stream may inflate to.
    pub max_uncompressed: usize,
    /// Most entries (of any type) in the tar stream.
    pub max_entries: usize,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        Self { max_compressed: 16 << 20, max_uncompressed: 64 << 20, max_entries: 10_000 }
    }
}

/// The regular files of an archive, in archive order, and the entries skipped.
#[derive(Debug, Default)]
pub struct ArchiveContents {
    /// `(path, bytes)` of every regular file; paths use `/` and are relative.
    pub files: Vec<(String, Vec<u8>)>,
    /// Entries that were not read, with the reason (`path: symbolic link not followed`).
    pub skipped: Vec<String>,
}

/// Reads a gzip-compressed tar archive held in memory.
pub fn read_tgz(bytes: &[u8], limits: &ArchiveLimits) -> Result<ArchiveContents, String> {
    if bytes.len() > limits.max_compressed {
        return Err(format!("archive is {} bytes, over the limit of {} bytes", bytes.len(), limits.max_compressed));
    }
    let tar = gunzip(bytes, limits.max_uncompressed)?;
    read_tar(&tar, limits)
}

/// Inflates a gzip member (RFC 1952) to at most `max` bytes.
pub fn gunzip(bytes: &[u8], max: usize) -> Result<Vec<u8>, String> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    let header = bytes.get(..10).ok_or("not a gzip file: too short")?;
    if header[0] != 0x1f || header[1] != 0x8b {
        return Err("not a gzip file: bad magic number".into());
    }
    if header[2] != 8 {
        return Err("gzip: unsupported compression method".into());
    }
    let flags = header[3];
    let mut pos = 10usize;
    let truncated = || "gzip: truncated header".to_string();
    if flags & FEXTRA != 0 {
        let len = bytes.get(pos..pos + 2).ok_or_else(truncated)?;
        pos += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let rest = bytes.get(pos..).ok_or_else(truncated)?;
            let nul = rest.iter().position(|&b| b == 0).ok_or_else(truncated)?;
            pos += nul + 1;
        }
    }
    if flags & FHCRC != 0 {
        pos += 2;
    }
    let body = bytes.get(pos..).ok_or_else(truncated)?;
    miniz_oxide::inflate::decompress_to_vec_with_limit(body, max).map_err(|e| match e.status {
        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => format!("archive inflates to more than the limit of {max} bytes"),
        _ => format!("gzip: corrupt deflate stream ({:?})", e.status),
    })
}

/// Parses an octal (or GNU base-256) numeric tar field.
fn tar_number(field: &[u8]) -> Result<u64, String> {
    if let Some(&first) = field.first()
        && first & 0x80 != 0
    {
        // GNU base-256: big-endian, first byte's high bit is the marker.
        let mut n: u64 = u64::from(first & 0x7f);
        for &b in field.iter().skip(1) {
            n = n.checked_mul(256).and_then(|n| n.checked_add(u64::from(b))).ok_or("tar: size field overflows")?;
        }
        return Ok(n);
    }
    let text: String = field.iter().take_while(|&&b| b != 0).map(|&b| b as char).collect();
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(text, 8).map_err(|_| format!("tar: bad numeric field `{text}`"))
}

fn c_string(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// Checks and normalizes an entry path: relative, no `..`, no empty result. `./` prefixes and
/// duplicate slashes are dropped.
pub fn safe_entry_path(raw: &str) -> Result<String, String> {
    if raw.starts_with('/') || raw.starts_with('\\') || raw.as_bytes().get(1) == Some(&b':') {
        return Err(format!("absolute path `{raw}`"));
    }
    let mut parts = Vec::new();
    for part in raw.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return Err(format!("path `{raw}` escapes the archive (`..`)")),
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(format!("empty path `{raw}`"));
    }
    Ok(parts.join("/"))
}

/// Parses PAX extended header records (`LEN key=value\n`) for `path`.
fn pax_path(data: &[u8]) -> Option<String> {
    let mut rest = data;
    let mut path = None;
    while !rest.is_empty() {
        let space = rest.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        if len <= space || len > rest.len() {
            return path;
        }
        let record = &rest[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(value) = record.strip_prefix(b"path=") {
            path = Some(String::from_utf8_lossy(value).into_owned());
        }
        rest = &rest[len..];
    }
    path
}

fn read_tar(tar: &[u8], limits: &ArchiveLimits) -> Result<ArchiveContents, String> {
    let mut out = ArchiveContents::default();
    let mut pos = 0usize;
    let mut entries = 0usize;
    let mut long_name: Option<String> = None;
    let mut pax_name: Option<String> = None;
    while let Some(header) = tar.get(pos..pos + 512) {
        if header.iter().all(|&b| b == 0) {
            break; // end-of-archive marker
        }
        entries += 1;
        if entries > limits.max_entries {
            return Err(format!("archive has more than {} entries", limits.max_entries));
        }
        let size = usize::try_from(tar_number(&header[124..136])?).map_err(|_| "tar: entry size overflows")?;
        let data_start = pos + 512;
        let data_end = data_start.checked_add(size).ok_or("tar: entry size overflows")?;
        let data = tar.get(data_start..data_end).ok_or("tar: truncated entry")?;
        let next = data_end.checked_add((512 - size % 512) % 512).ok_or("tar: entry size overflows")?;
        let typeflag = header[156];
        let magic_ustar = &header[257..262] == b"ustar";
        let mut name = c_string(&header[0..100]);
        if magic_ustar {
            let prefix = c_string(&header[345..500]);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        match typeflag {
            b'L' => long_name = Some(c_string(data)),
            b'x' => pax_name = pax_path(data),
            b'g' => {}
            _ => {
                let name = pax_name.take().or_else(|| long_name.take()).unwrap_or(name);
                match typeflag {
                    b'0' | 0 | b'7' => {
                        let path = safe_entry_path(&name)?;
                        out.files.push((path, data.to_vec()));
                    }
                    b'1' | b'2' => {
                        safe_entry_path(&name)?;
                        out.skipped.push(format!("{name}: link entry not followed"));
                    }
                    b'5' => {
                        safe_entry_path(&name)?;
                    }
                    other => out.skipped.push(format!("{name}: entry type `{}` not read", other as char)),
                }
            }
        }
        pos = next;
    }
    Ok(out)
}

/// Test helper: builds an uncompressed tar stream (ustar headers) from `(path, type, bytes)`.
/// Paths are written as given, unchecked, so tests can build hostile archives.
#[cfg(test)]
pub(crate) fn build_tar(entries: &[(&str, u8, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, kind, data) in entries {
        let mut h = [0u8; 512];
        let name = path.as_bytes();
        h[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
        h[100..107].copy_from_slice(b"0000644");
        h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        h[156] = *kind;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len() + (512 - data.len() % 512) % 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// Test helper: gzip-wraps `data` (deflate via miniz_oxide, CRC left zero: we do not check it).
#[cfg(test)]
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_and_skips_links() {
        let tar = build_tar(&[
            ("sub/Chart.yaml", b'0', b"name: sub\n"),
            ("sub/templates/", b'5', b""),
            ("sub/templates/a.yaml", b'0', b"kind: A\n"),
            ("sub/link", b'2', b""),
        ]);
        let got = read_tgz(&gzip(&tar), &ArchiveLimits::default()).unwrap();
        let names: Vec<&str> = got.files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["sub/Chart.yaml", "sub/templates/a.yaml"]);
        assert_eq!(got.files[1].1, b"kind: A\n");
        assert_eq!(got.skipped, ["sub/link: link entry not followed"]);
    }

    #[test]
    fn rejects_traversal_and_absolute_paths() {
        let tar = build_tar(&[("sub/Chart.yaml", b'0', b"name: sub\n"), ("sub/../../etc/passwd", b'0', b"x")]);
        let err = read_tgz(&gzip(&tar), &ArchiveLimits::default()).unwrap_err();
        assert_eq!(err, "path `sub/../../etc/passwd` escapes the archive (`..`)");
        let tar = build_tar(&[("/etc/passwd", b'0', b"x")]);
        assert_eq!(read_tgz(&gzip(&tar), &ArchiveLimits::default()).unwrap_err(), "absolute path `/etc/passwd`");
    }

    #[test]
    fn bounds_size_and_entries() {
        let big = vec![b'a'; 100_000];
        let tar = build_tar(&[("sub/big", b'0', &big)]);
        let limits = ArchiveLimits { max_uncompressed: 50_000, ..ArchiveLimits::default() };
        assert_eq!(read_tgz(&gzip(&tar), &limits).unwrap_err(), "archive inflates to more than the limit of 50000 bytes");
        let tar = build_tar(&[("a", b'0', b"1"), ("b", b'0', b"2"), ("c", b'0', b"3")]);
        let limits = ArchiveLimits { max_entries: 2, ..ArchiveLimits::default() };
        assert_eq!(read_tgz(&gzip(&tar), &limits).unwrap_err(), "archive has more than 2 entries");
        assert_eq!(read_tgz(b"PK\x03\x04 not gzip", &limits).unwrap_err(), "not a gzip file: bad magic number");
        assert_eq!(read_tgz(&[0x1f, 0x8b], &limits).unwrap_err(), "not a gzip file: too short");
    }

    #[test]
    fn truncated_entry_is_an_error() {
        let mut tar = build_tar(&[("sub/x", b'0', &[7u8; 2000])]);
        tar.truncate(1000);
        assert_eq!(read_tgz(&gzip(&tar), &ArchiveLimits::default()).unwrap_err(), "tar: truncated entry");
    }

    #[test]
    fn mutated_archives_never_panic() {
        let tar = build_tar(&[
            ("sub/Chart.yaml", b'0', b"name: sub\n"),
            ("PaxHeader", b'x', b"20 path=sub/long.txt\n"),
            ("x", b'0', b"data"),
            ("sub/link", b'1', b""),
        ]);
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let limits = ArchiveLimits::default();
        let mut accepted = 0;
        for _ in 0..1000 {
            let mut t = tar.clone();
            for _ in 0..4 {
                let i = (next() as usize) % t.len();
                t[i] = next() as u8;
            }
            if read_tar(&t, &limits).is_ok() {
                accepted += 1;
            }
            let mut g = gzip(&t);
            let i = (next() as usize) % g.len();
            g[i] ^= 1 << (next() % 8);
            let _ = read_tgz(&g, &limits);
        }
        assert!(accepted > 0, "some mutations only touch data bytes");
        assert_eq!(read_tar(&tar, &limits).unwrap().files.len(), 2);
    }

    #[test]
    fn pax_and_gnu_long_names() {
        let long = format!("sub/{}/x.yaml", "d".repeat(120));
        let pax = format!("{} path={long}\n", long.len() + 7 + 4);
        // The record length counts its own digits: adjust until consistent.
        let mut rec = pax.clone();
        for _ in 0..3 {
            let len = rec.len();
            rec = format!("{len} path={long}\n");
        }
        let tar = build_tar(&[
            ("PaxHeader", b'x', rec.as_bytes()),
            ("ignored", b'0', b"p"),
            ("././@LongLink", b'L', long.as_bytes()),
            ("ignored2", b'0', b"g"),
        ]);
        let got = read_tgz(&gzip(&tar), &ArchiveLimits::default()).unwrap();
        assert_eq!(got.files, vec![(long.clone(), b"p".to_vec()), (long, b"g".to_vec())]);
    }
}
