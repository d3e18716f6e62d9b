//! Loading content files from disk: walk the content folder, decode UTF-8,
//! and normalise the text (BOM, CRLF, tabs) so every later stage sees one form.
//!
//! This is the only module of the content pipeline that touches the file system.

use crate::diagnostics::{Diagnostic, Kind};
use crate::output;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A markdown file of the content folder, decoded and normalised.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the content folder, always with `/` separators.
    pub rel_path: String,
    /// Path to show in messages (the content folder as the user gave it, joined).
    pub display_path: String,
    pub text: String,
    /// A problem met while reading it (invalid UTF-8), reported with the page's own.
    pub load_warning: Option<Diagnostic>,
}

/// What a walk of the content folder found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Markdown files, sorted by path.
    pub files: Vec<SourceFile>,
    /// Content-relative paths of every other file (images …), copied as they are.
    pub assets: BTreeSet<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the content folder in one walk. Nothing in it stops the walk: files
/// that cannot be read, names that are not UTF-8, symlink loops or links out
/// of the folder, FIFOs and devices are reported and skipped. Hidden entries
/// and generated sites (a folder holding [`output::MARKER`], e.g. `public/`
/// when the content folder is `.`) are not content.
pub fn load_dir(content_dir: &Path) -> Loaded {
    let mut loaded = Loaded::default();
    let mut markdown = Vec::new();
    let root = std::fs::canonicalize(content_dir).unwrap_or_else(|_| content_dir.to_path_buf());
    let report = |loaded: &mut Loaded, path: &Path, message: String| {
        loaded.diagnostics.push(Diagnostic::warning(
            &path.display().to_string(),
            (1, 1),
            Kind::File,
            message,
        ));
    };
    let mut walk = walkdir::WalkDir::new(content_dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_name().as_encoded_bytes().starts_with(b".")
                    || e.file_type().is_dir() && e.path().join(output::MARKER).exists())
        });
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(content_dir).to_path_buf();
                let message = match err.loop_ancestor() {
                    Some(ancestor) => format!(
                        "symlink loop: this link leads back to {}; not followed",
                        ancestor.display()
                    ),
                    None => format!("cannot read: {err}; skipped"),
                };
                report(&mut loaded, &path, message);
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let is_dir = entry.file_type().is_dir();
        let Some(rel_path) = relative_path(content_dir, entry.path()) else {
            report(
                &mut loaded,
                entry.path(),
                "the name is not valid UTF-8 (saved by another system?); skipped: rename it".into(),
            );
            if is_dir {
                walk.skip_current_dir();
            }
            continue;
        };
        if entry.path_is_symlink() {
            let target = std::fs::canonicalize(entry.path());
            if !target.as_ref().is_ok_and(|t| t.starts_with(&root)) {
                let to = target.map_or_else(|e| e.to_string(), |t| t.display().to_string());
                report(
                    &mut loaded,
                    entry.path(),
                    format!("symlink to {to}, outside the content folder; skipped"),
                );
                if is_dir {
                    walk.skip_current_dir();
                }
                continue;
            }
        }
        if is_dir {
            continue;
        }
        if !entry.file_type().is_file() {
            report(
                &mut loaded,
                entry.path(),
                "not a regular file (a FIFO, socket or device); skipped".into(),
            );
        } else if rel_path.ends_with(".md") {
            markdown.push(rel_path);
        } else {
            loaded.assets.insert(rel_path);
        }
    }
    // Read and decoded in parallel, kept in the walk's order.
    let read: Vec<_> = markdown
        .par_iter()
        .map(|rel_path| load_file(content_dir, rel_path))
        .collect();
    for file in read {
        match file {
            Ok(file) => loaded.files.push(file),
            Err(diagnostic) => loaded.diagnostics.push(diagnostic),
        }
    }
    loaded
}

/// Whether `load_dir` would read the content file at `rel` (for `serve`'s
/// file events, which may arrive through links the walk does not follow):
/// no hidden or generated-site folder on the way, and every symlink on the
/// way points inside the content folder and not back up to its own folder.
pub fn is_walked(content_dir: &Path, rel: &str) -> bool {
    let Ok(root) = std::fs::canonicalize(content_dir) else {
        return false;
    };
    let mut at = content_dir.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        if part.starts_with('.') {
            return false;
        }
        let parent = at.clone();
        at.push(part);
        let is_last = i + 1 == parts.len();
        if !is_last && at.join(output::MARKER).exists() {
            return false;
        }
        let is_link = std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            let (Ok(target), Ok(parent)) =
                (std::fs::canonicalize(&at), std::fs::canonicalize(&parent))
            else {
                return false;
            };
            if !target.starts_with(&root) || parent.starts_with(&target) {
                return false;
            }
        }
    }
    true
}

/// A content file copied as it is (an image …): its bytes, or an error
/// naming it.
pub fn read_asset(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    std::fs::read(path).map_err(|err| {
        Diagnostic::error(
            &path.display().to_string(),
            (1, 1),
            Kind::Io,
            format!("cannot read: {err}"),
        )
    })
}

/// Reads and decodes one content file (used by `load_dir` and by `serve` for
/// a single change). Bytes that are not UTF-8 become U+FFFD, with a warning
/// at the first of them.
pub fn load_file(content_dir: &Path, rel_path: &str) -> Result<SourceFile, Diagnostic> {
    let path = content_dir.join(rel_path);
    let display_path = path.display().to_string();
    let io_error = |err: std::io::Error| {
        Diagnostic::error(
            &display_path,
            (1, 1),
            Kind::Io,
            format!("cannot read file: {err}"),
        )
    };
    if !std::fs::metadata(&path).map_err(io_error)?.is_file() {
        return Err(io_error(std::io::Error::other("not a regular file")));
    }
    let bytes = std::fs::read(&path).map_err(io_error)?;
    let decoded = decode(&bytes);
    let warning = decoded.first_invalid.map(|(pos, offset)| {
        Diagnostic::warning(
            &display_path,
            pos,
            Kind::Encoding,
            format!(
                "{} invalid UTF-8 sequence(s), the first at byte offset {offset}, shown as U+FFFD (save the file as UTF-8)",
                decoded.invalid_sequences
            ),
        )
    });
    Ok(SourceFile {
        rel_path: rel_path.to_string(),
        display_path,
        text: decoded.text,
        load_warning: warning,
    })
}

/// `dir/a/b.md` relative to `dir` as `a/b.md`; `None` when a name is not UTF-8.
fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let rel: PathBuf = path.strip_prefix(root).ok()?.to_path_buf();
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// A file's text, decoded and normalised.
#[derive(Debug, PartialEq)]
pub struct Decoded {
    pub text: String,
    /// (line, col) and byte offset of the first invalid byte, if any.
    pub first_invalid: Option<((usize, usize), usize)>,
    pub invalid_sequences: usize,
}

/// Decodes UTF-8 (invalid sequences become U+FFFD) and normalises the text.
pub fn decode(bytes: &[u8]) -> Decoded {
    let mut text = String::with_capacity(bytes.len());
    let mut first_invalid = None;
    let mut invalid_sequences = 0;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            if first_invalid.is_none() {
                let line = text.matches('\n').count() + 1;
                let col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                first_invalid = Some(((line, col), text.len()));
            }
            invalid_sequences += 1;
            text.push('\u{fffd}');
        }
    }
    Decoded {
        text: normalize(&text),
        first_invalid,
        invalid_sequences,
    }
}

/// Strips a BOM, turns CRLF/CR into LF, and expands tabs in leading
/// indentation to 4-column stops, so that tab-indented blocks nested in list
/// items (notes often indent `$$` blocks with tabs) stay inside them.
pub fn normalize(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len() + 16);
    let mut fence: Option<char> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(c) = trimmed.chars().next().filter(|c| matches!(c, '`' | '~')) {
            if trimmed.starts_with(&c.to_string().repeat(3)) {
                fence = match fence {
                    None => Some(c),
                    Some(open) if open == c => None,
                    open => open,
                };
            }
        }
        // `##7. 标题`: many editors take it for a heading; CommonMark wants a space.
        if fence.is_none() && line.starts_with("##") {
            let hashes = line.bytes().take_while(|&b| b == b'#').count();
            let next = line[hashes..].chars().next();
            if hashes <= 6 && next.is_some_and(|c| !c.is_whitespace() && c != '#') {
                out.push_str(&line[..hashes]);
                out.push(' ');
                out.push_str(&line[hashes..]);
                continue;
            }
        }
        // No-break spaces in the indentation (pasted from web pages) indent like spaces.
        let indent_len = line.len() - line.trim_start_matches([' ', '\t', '\u{a0}']).len();
        let (indent, rest) = line.split_at(indent_len);
        if indent.contains(['\t', '\u{a0}']) {
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
    fn headings_written_without_a_space_are_headings() {
        assert_eq!(normalize("##7. K-Means\n"), "## 7. K-Means\n");
        assert_eq!(normalize("```\n##x\n```\n#tag\n"), "```\n##x\n```\n#tag\n");
        assert_eq!(normalize("\u{a0} - item\n"), "  - item\n");
    }

    #[test]
    fn normalize_strips_bom_crlf_and_expands_leading_tabs() {
        assert_eq!(
            normalize("\u{feff}# T\r\n- a\r\n\t$$x$$\r\n"),
            "# T\n- a\n    $$x$$\n"
        );
        assert_eq!(normalize("  \tx\ty"), "    x\ty");
    }

    #[cfg(unix)]
    #[test]
    fn serve_events_through_loops_or_out_of_the_folder_are_not_content() {
        let dir = std::env::temp_dir().join(format!("source-walk-{}", std::process::id()));
        let content = dir.join("content");
        std::fs::create_dir_all(content.join("a")).unwrap();
        std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
        std::fs::write(content.join("a/x.md"), "x").unwrap();
        std::os::unix::fs::symlink(&content, content.join("a/up")).unwrap();
        std::os::unix::fs::symlink(content.join("a"), content.join("b")).unwrap();
        std::os::unix::fs::symlink(dir.join("elsewhere"), content.join("out")).unwrap();
        assert!(is_walked(&content, "a/x.md"));
        assert!(
            is_walked(&content, "b/x.md"),
            "a link to a sibling is followed"
        );
        assert!(!is_walked(&content, "a/up/a/x.md"), "a loop is not");
        assert!(!is_walked(&content, "out/y.md"));
        assert!(!is_walked(&content, ".git/x.md"));
        let loaded = load_dir(&content);
        let paths: Vec<&str> = loaded.files.iter().map(|f| f.rel_path.as_str()).collect();
        assert_eq!(paths, ["a/x.md", "b/x.md"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        let decoded = decode(b"ok\nbad \xff here \xfe\xfd");
        assert_eq!(decoded.text, "ok\nbad \u{fffd} here \u{fffd}\u{fffd}");
        assert_eq!(decoded.first_invalid, Some(((2, 5), 7)));
        assert_eq!(decoded.invalid_sequences, 3);
    }
}
