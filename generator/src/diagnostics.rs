//! Problems found in content, reported the way compilers do so that
//! editors' problem matchers pick them up:
//! `path:line:col: error[math]: message` (the short form, one line), or
//! `error[math]: message` then `  --> path:line:col` (the human form), or one
//! JSON object per line (`--message-format json`).
//!
//! A diagnostic never stops the build: the page that has it still renders
//! (with the faulty piece shown visibly in place) and so does the rest of the site.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// What a diagnostic is about (its code in `error[math]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A formula KaTeX rejects, an unclosed delimiter, TeX outside a formula.
    Math,
    /// A link to a page, heading or file that does not exist, or a refused URL.
    Link,
    Image,
    /// Raw HTML that was removed or shown as text.
    Html,
    FrontMatter,
    Encoding,
    /// A file the content walk skips (special files, symlinks, bad names).
    File,
    Io,
    /// Two sources for one URL, or a reserved name.
    Path,
    QuestionId,
    Translation,
    Template,
    Playground,
    Nesting,
    Config,
    Render,
    Site,
    Internal,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Math => "math",
            Kind::Link => "link",
            Kind::Image => "image",
            Kind::Html => "html",
            Kind::FrontMatter => "front-matter",
            Kind::Encoding => "encoding",
            Kind::File => "file",
            Kind::Io => "io",
            Kind::Path => "path",
            Kind::QuestionId => "question-id",
            Kind::Translation => "translation",
            Kind::Template => "template",
            Kind::Playground => "playground",
            Kind::Nesting => "nesting",
            Kind::Config => "config",
            Kind::Render => "render",
            Kind::Site => "site",
            Kind::Internal => "internal",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem at one place in one content file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Path as the user gave it (content dir joined with the file's relative path).
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub severity: Severity,
    pub kind: Kind,
    pub message: String,
}

impl Diagnostic {
    pub fn error(
        path: &str,
        (line, col): (usize, usize),
        kind: Kind,
        message: impl Into<String>,
    ) -> Self {
        Self::new(path, line, col, Severity::Error, kind, message.into())
    }

    pub fn warning(
        path: &str,
        (line, col): (usize, usize),
        kind: Kind,
        message: impl Into<String>,
    ) -> Self {
        Self::new(path, line, col, Severity::Warning, kind, message.into())
    }

    fn new(
        path: &str,
        line: usize,
        col: usize,
        severity: Severity,
        kind: Kind,
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

    /// The human form: `error[math]: message` and `  --> path:line:col`,
    /// coloured when `colour` (a terminal).
    pub fn human(&self, colour: bool) -> String {
        let (on, off) = match (colour, self.severity) {
            (false, _) => ("", ""),
            (true, Severity::Error) => ("\x1b[1;31m", "\x1b[0m"),
            (true, Severity::Warning) => ("\x1b[1;33m", "\x1b[0m"),
        };
        format!(
            "{on}{}[{}]{off}: {}\n  --> {}:{}:{}",
            self.severity.as_str(),
            self.kind,
            self.message,
            self.path,
            self.line,
            self.col
        )
    }

    /// One JSON object (for `--message-format json`).
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The short form: `path:line:col: error[math]: message`.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}[{}]: {}",
            self.path,
            self.line,
            self.col,
            self.severity.as_str(),
            self.kind,
            self.message
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
    fn three_formats() {
        let d = Diagnostic::warning("a.md", (1, 2), Kind::FrontMatter, "x");
        assert_eq!(d.human(false), "warning[front-matter]: x\n  --> a.md:1:2");
        assert_eq!(
            d.json(),
            r#"{"path":"a.md","line":1,"col":2,"severity":"warning","kind":"front-matter","message":"x"}"#
        );
    }

    #[test]
    fn display_is_path_line_col_kind_message() {
        let d = Diagnostic::error(
            "content/a.md",
            (3, 7),
            Kind::Math,
            "KaTeX: undefined control sequence",
        );
        assert_eq!(
            d.to_string(),
            "content/a.md:3:7: error[math]: KaTeX: undefined control sequence"
        );
    }
}
