//! Loading content files from disk: walk the content folder, decode UTF-8,
//! and normalise the text (BOM, CRLF, tabs) so every later stage sees one form.
//!
//! This is the only module of the content pipeline that touches the file system.

use crate::diagnostics::Diagnostic;
use std::path::{Path, PathBuf};

/// A markdown file of the content folder, decoded and normalised.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the content folder, always with `/` separators.
    pub rel_path: String,
    /// Path to show in messages (the content folder as the user gave it, joined).
    pub display_path: String,
    pub text: String,
}

/// Reads every `.md` file below `content_dir`, sorted by path. Files that cannot
/// be read or decoded are reported and skipped; the rest load normally.
pub fn load_dir(content_dir: &Path) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for entry in walkdir::WalkDir::new(content_dir).sort_by_file_name() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().map_or_else(
                    || content_dir.display().to_string(),
                    |p| p.display().to_string(),
                );
                diagnostics.push(Diagnostic::error(
                    &path,
                    (1, 1),
                    "io",
                    format!("cannot read: {err}"),
                ));
                continue;
            }
        };
        if !entry.file_type().is_file() || entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let Some(rel_path) = relative_path(content_dir, entry.path()) else {
            continue;
        };
        if rel_path.split('/').any(|part| part.starts_with('.')) {
            continue;
        }
        match load_file(content_dir, &rel_path) {
            Ok(file) => files.push(file),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    (files, diagnostics)
}

/// Reads and decodes one content file (used by `load_dir` and by `serve` for a single change).
pub fn load_file(content_dir: &Path, rel_path: &str) -> Result<SourceFile, Diagnostic> {
    let path = content_dir.join(rel_path);
    let display_path = path.display().to_string();
    let bytes = std::fs::read(&path).map_err(|err| {
        Diagnostic::error(
            &display_path,
            (1, 1),
            "io",
            format!("cannot read file: {err}"),
        )
    })?;
    let text = decode(&bytes).map_err(|(pos, offset)| {
        Diagnostic::error(
            &display_path,
            pos,
            "encoding",
            format!(
                "invalid UTF-8 at byte offset {offset}; the file was skipped (save it as UTF-8)"
            ),
        )
    })?;
    Ok(SourceFile {
        rel_path: rel_path.to_string(),
        display_path,
        text,
    })
}

/// `dir/a/b.md` relative to `dir` as `a/b.md`.
fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let rel: PathBuf = path.strip_prefix(root).ok()?.to_path_buf();
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// Decodes UTF-8 and normalises it. On invalid UTF-8 returns the (line, col)
/// and the byte offset of the first bad byte.
pub fn decode(bytes: &[u8]) -> Result<String, ((usize, usize), usize)> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(normalize(text)),
        Err(err) => {
            let offset = err.valid_up_to();
            let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
            let line = valid.matches('\n').count() + 1;
            let col = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(((line, col), offset))
        }
    }
}

/// Strips a BOM, turns CRLF/CR into LF, and expands tabs in leading
/// indentation to 4-column stops, so that tab-indented blocks nested in list
/// items (notes often indent `$$` blocks with tabs) stay inside them.
pub fn normalize(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let indent_len = line.len() - line.trim_start_matches([' ', '\t']).len();
        let (indent, rest) = line.split_at(indent_len);
        if indent.contains('\t') {
            let mut col = 0;
            for ch in indent.chars() {
                let width = if ch == '\t' { 4 - col % 4 } else { 1 };
                out.extend(std::iter::repeat_n(' ', width));
                col += width;
            }
        } else {
            out.push_str(indent);
        }
        out.push_str(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_strips_bom_crlf_and_expands_leading_tabs() {
        assert_eq!(
            normalize("\u{feff}# T\r\n- a\r\n\t$$x$$\r\n"),
            "# T\n- a\n    $$x$$\n"
        );
        assert_eq!(normalize("  \tx\ty"), "    x\ty");
    }

    #[test]
    fn invalid_utf8_reports_line_and_offset() {
        let bytes = b"ok\nbad \xff here";
        assert_eq!(decode(bytes), Err(((2, 5), 7)));
    }
}
