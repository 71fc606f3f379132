//! Reading a candidate file: size limit, regular files only, UTF-8 text.

use std::sync::Arc;

use crate::discover::Candidate;
use crate::model::{Location, SourceFile};
use crate::scan::ScanOptions;
use crate::scan::report::{FileRecord, Outcome, SkipReason};

/// A failed record for `candidate`.
pub fn failed(candidate: &Candidate, message: impl Into<String>, location: Option<Location>) -> FileRecord {
    FileRecord { path: candidate.display.clone(), outcome: Outcome::Failed { message: message.into(), location, resources: 0 } }
}

/// A skipped record for `candidate`.
pub fn skipped(candidate: &Candidate, reason: SkipReason) -> FileRecord {
    FileRecord { path: candidate.display.clone(), outcome: Outcome::Skipped { reason } }
}

/// Why a file was not read, and how many bytes it had.
pub type NotRead = (FileRecord, u64);

/// Reads a candidate as UTF-8 text, or says why it cannot be analyzed.
pub fn read_source(candidate: &Candidate, options: &ScanOptions) -> Result<(Arc<SourceFile>, u64), Box<NotRead>> {
    let size = match std::fs::metadata(&candidate.path) {
        // Never open anything but a regular file: reading a FIFO would block forever.
        Ok(m) if !m.is_file() => return Err(Box::new((failed(candidate, "not a regular file; not read", None), 0))),
        Ok(m) => m.len(),
        Err(e) => return Err(Box::new((failed(candidate, format!("cannot read: {e}"), None), 0))),
    };
    if size > options.max_file_size {
        let message = format!(
            "file is {:.1} MiB, over the {:.1} MiB limit (raise it with --max-file-size)",
            size as f64 / 1_048_576.0,
            options.max_file_size as f64 / 1_048_576.0
        );
        return Err(Box::new((failed(candidate, message, None), 0)));
    }
    let bytes = match std::fs::read(&candidate.path) {
        Ok(b) => b,
        Err(e) => return Err(Box::new((failed(candidate, format!("cannot read: {e}"), None), 0))),
    };
    if bytes.is_empty() {
        return Err(Box::new((skipped(candidate, SkipReason::Empty), 0)));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let message = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
                "UTF-16 text: only UTF-8 is supported (re-encode the file as UTF-8)".to_string()
            } else if bytes.contains(&0) {
                "binary file (not text)".to_string()
            } else {
                format!("not valid UTF-8 (invalid byte at offset {at}); only UTF-8 is supported")
            };
            let valid = String::from_utf8_lossy(&bytes[..at]).into_owned();
            let file = SourceFile::new(candidate.display.as_str(), valid);
            let location = file.location(crate::source::ByteSpan::new(at, at));
            return Err(Box::new((failed(candidate, message, Some(location)), size)));
        }
    };
    if text.as_bytes().contains(&0) {
        return Err(Box::new((failed(candidate, "binary file (not text)", None), size)));
    }
    Ok((Arc::new(SourceFile::new(candidate.display.as_str(), text)), size))
}
