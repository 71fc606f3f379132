//! Source text and positions.
//!
//! Every parser in stridegate reports positions as **byte offsets** into the file's text; this
//! module turns them into the 1-based line and column that users, editors and SARIF consumers
//! expect. Columns count Unicode scalar values (characters), which equals SARIF's default
//! `utf16CodeUnits` for all text outside the astral planes and equals bytes for ASCII.

use serde::Serialize;

/// A half-open byte range `[start, end)` in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct ByteSpan {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl ByteSpan {
    /// A span from `start` to `end` (swapped if given in the wrong order).
    pub fn new(start: usize, end: usize) -> Self {
        if end < start { Self { start: end, end: start } } else { Self { start, end } }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: ByteSpan) -> ByteSpan {
        ByteSpan::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Position {
    /// Line, starting at 1.
    pub line: usize,
    /// Column in characters, starting at 1.
    pub column: usize,
}

/// Maps byte offsets of one text to lines and columns.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the first character of each line.
    line_starts: Vec<usize>,
    /// When the text is pure ASCII, columns are byte differences (the fast path).
    ascii: bool,
}

impl LineIndex {
    /// Index `text`.
    pub fn new(text: &str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr_newlines(text.as_bytes()));
        Self { line_starts, ascii: text.is_ascii() }
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 1-based position of byte `offset` (clamped to the text).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = if self.ascii { offset - start } else { text.get(start..offset).map_or(offset - start, |s| s.chars().count()) };
        Position { line: line + 1, column: column + 1 }
    }

    /// Byte offset of a 1-based line and a 0-based character column.
    pub fn offset_of(&self, text: &str, line: usize, char_col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return text.len();
        };
        if self.ascii {
            return (start + char_col).min(text.len());
        }
        let rest = text.get(start..).unwrap_or("");
        rest.char_indices().nth(char_col).map_or_else(|| (start + rest.len()).min(text.len()), |(i, _)| start + i)
    }

    /// Byte range of line `line` (1-based) without its line break.
    pub fn line_span(&self, text: &str, line: usize) -> ByteSpan {
        let start = self.line_starts.get(line.saturating_sub(1)).copied().unwrap_or(text.len());
        let mut end = self.line_starts.get(line).copied().unwrap_or(text.len());
        let bytes = text.as_bytes();
        while end > start && matches!(bytes.get(end - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        ByteSpan::new(start, end)
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_positions() {
        let text = "a: 1\nbb: 2\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(text, 5), Position { line: 2, column: 1 });
        assert_eq!(idx.position(text, 9), Position { line: 2, column: 5 });
        assert_eq!(idx.offset_of(text, 2, 2), 7);
        assert_eq!(idx.line_span(text, 2), ByteSpan::new(5, 10));
    }

    #[test]
    fn unicode_columns_count_characters() {
        let text = "é: ü\nx: 1";
        let idx = LineIndex::new(text);
        // 'ü' starts at byte 4 but is the 4th character.
        assert_eq!(idx.position(text, 4), Position { line: 1, column: 4 });
        assert_eq!(idx.offset_of(text, 1, 3), 4);
    }
}
