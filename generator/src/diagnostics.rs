//! Problems found in content, reported as `path:line:col: kind: message`.
//!
//! A diagnostic never stops the build: the page that has it still renders
//! (with the faulty piece shown visibly in place) and so does the rest of the site.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem at one place in one content file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Path as the user gave it (content dir joined with the file's relative path).
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub severity: Severity,
    /// Short category: `math`, `link`, `image`, `front-matter`, `encoding`, `question-id`, `translation`, `template`.
    pub kind: &'static str,
    pub message: String,
}

impl Diagnostic {
    pub fn error(
        path: &str,
        (line, col): (usize, usize),
        kind: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::new(path, line, col, Severity::Error, kind, message.into())
    }

    pub fn warning(
        path: &str,
        (line, col): (usize, usize),
        kind: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::new(path, line, col, Severity::Warning, kind, message.into())
    }

    fn new(
        path: &str,
        line: usize,
        col: usize,
        severity: Severity,
        kind: &'static str,
        message: String,
    ) -> Self {
        Diagnostic {
            path: path.to_string(),
            line,
            col,
            severity,
            kind,
            message,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {} {}: {}",
            self.path, self.line, self.col, self.kind, level, self.message
        )
    }
}

/// Maps byte offsets of a text to 1-based (line, column) pairs; columns count characters.
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    /// Lines that precede `text` in the file (front matter), added to every line number.
    line_offset: usize,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str, line_offset: usize) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text,
            line_starts,
            line_offset,
        }
    }

    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line + 1 + self.line_offset, col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let idx = LineIndex::new("ab\n梯度x\n", 0);
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(3), (2, 1));
        assert_eq!(idx.position(3 + "梯度".len()), (2, 3));
        assert_eq!(LineIndex::new("a\nb", 4).position(2), (6, 1));
    }

    #[test]
    fn display_is_path_line_col_kind_message() {
        let d = Diagnostic::error(
            "content/a.md",
            (3, 7),
            "math",
            "KaTeX: undefined control sequence",
        );
        assert_eq!(
            d.to_string(),
            "content/a.md:3:7: math error: KaTeX: undefined control sequence"
        );
    }
}
