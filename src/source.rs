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
    /// For other text, the number of characters before every [`CHECKPOINT`]-th byte, so that a
    /// column costs at most one checkpoint's scan even on a one-line minified file.
    char_checkpoints: Vec<usize>,
}

/// Bytes between two character-count checkpoints.
const CHECKPOINT: usize = 1024;

/// Columns up to this are found by counting from the line's start in [`LineIndex::offset_of`].
const SHORT_COLUMN: usize = 256;

/// True for the first byte of a UTF-8 character (not a continuation byte).
fn starts_char(b: u8) -> bool {
    (b & 0xC0) != 0x80
}

impl LineIndex {
    /// Index `text`.
    pub fn new(text: &str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr_newlines(text.as_bytes()));
        let ascii = text.is_ascii();
        let mut char_checkpoints = Vec::new();
        if !ascii {
            char_checkpoints.reserve(text.len() / CHECKPOINT + 1);
            let mut chars = 0;
            for block in text.as_bytes().chunks(CHECKPOINT) {
                char_checkpoints.push(chars);
                chars += block.iter().filter(|b| starts_char(**b)).count();
            }
            char_checkpoints.push(chars);
        }
        Self { line_starts, ascii, char_checkpoints }
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Characters in `text[..offset]` (for non-ASCII text; `offset` clamped to the text).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let offset = offset.min(text.len());
        let block = offset / CHECKPOINT;
        let base = self.char_checkpoints.get(block).copied().unwrap_or(0);
        base + text.as_bytes().get(block * CHECKPOINT..offset).map_or(0, |b| b.iter().filter(|b| starts_char(**b)).count())
    }

    /// The 1-based position of byte `offset` (clamped to the text).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = if self.ascii { offset - start } else { self.chars_before(text, offset) - self.chars_before(text, start) };
        Position { line: line + 1, column: column + 1 }
    }

    /// Byte offset of a 1-based line and a 0-based character column (counting on past the end
    /// of the line, and clamped to the text).
    pub fn offset_of(&self, text: &str, line: usize, char_col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return text.len();
        };
        if self.ascii {
            return (start + char_col).min(text.len());
        }
        let bytes = text.as_bytes();
        // Near the start of the line (the common case: the YAML reader asks this twice per
        // node), count `char_col` characters from the line's start, which is a character
        // boundary (it follows a newline). Further in, from the last checkpoint at or before the
        // target, as counting from the line's start would be as long as the line: either way
        // at most ~2 KB are read, however long the line.
        if char_col <= SHORT_COLUMN {
            let mut chars = 0;
            for (at, &b) in bytes.iter().enumerate().skip(start) {
                if starts_char(b) {
                    if chars == char_col {
                        return at;
                    }
                    chars += 1;
                }
            }
            return text.len();
        }
        let target = self.chars_before(text, start) + char_col;
        let block = self.char_checkpoints.partition_point(|&c| c <= target).saturating_sub(1);
        let mut chars = self.char_checkpoints.get(block).copied().unwrap_or(0);
        for (at, &b) in bytes.iter().enumerate().skip(block * CHECKPOINT) {
            if starts_char(b) {
                if chars == target {
                    return at;
                }
                chars += 1;
            }
        }
        text.len()
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

    #[test]
    fn unicode_columns_on_a_long_line_match_counting() {
        // One long line with multi-byte characters across many checkpoints.
        let text: String = (0..5000).map(|i| if i % 7 == 0 { "é€" } else { "ab" }).collect::<String>() + "\nzé";
        let idx = LineIndex::new(&text);
        for offset in (0..text.len()).filter(|o| text.is_char_boundary(*o)).step_by(97) {
            let naive = text[..offset].chars().count();
            let pos = idx.position(&text, offset);
            assert_eq!((pos.line, pos.column), (1, naive + 1), "offset {offset}");
            assert_eq!(idx.offset_of(&text, 1, naive), offset, "column {naive}");
        }
        // Columns on both sides of the short-column bound, on the first line and on a later one.
        let lines = format!("{}\n{}", "é".repeat(600), "ü".repeat(600));
        let lines_idx = LineIndex::new(&lines);
        for col in [0, 1, 255, 256, 257, 599, 600] {
            assert_eq!(lines_idx.offset_of(&lines, 1, col), 2 * col, "line 1, column {col}");
            assert_eq!(lines_idx.offset_of(&lines, 2, col), 1201 + 2 * col, "line 2, column {col}");
        }
        let second = text.rfind('z').unwrap();
        assert_eq!(idx.position(&text, second + 1), Position { line: 2, column: 2 });
        assert_eq!(idx.offset_of(&text, 2, 1), second + 1);
        assert_eq!(idx.offset_of(&text, 2, 99), text.len());
    }
}
