//! The site as `serve` holds it: every output file in memory, and the errors
//! the last rebuild found, so that a request never waits for a rebuild and
//! never touches the file system.
//!
//! The rebuild thread prepares an [`Update`] without holding any lock and
//! applies it in one short write, so a reader sees either the old or the new
//! version of a page, never half of a rebuild.

use crate::diagnostics::Diagnostic;
use axum::body::Bytes;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::sync::{Arc, RwLock};

/// A file as the store holds it. HTML pages are most of `serve`'s memory
/// (16,000 pages: 1.3 GB of pages of 80 KB each) and compress about tenfold,
/// so once the site is idle they (and the other text files: the search
/// index, the Anki decks) are held deflated ([`SiteFiles::to_compress`]),
/// and inflated per request (a fraction of a millisecond for a page).
#[derive(Clone)]
enum Held {
    Plain(Bytes),
    Deflated(Bytes),
}

/// Files smaller than this are not worth compressing.
const COMPRESS_FROM: usize = 4096;
/// What is worth compressing: text (fonts, images and wasm are compressed already).
const TEXT_FILES: [&str; 8] = [
    ".html", ".json", ".txt", ".js", ".css", ".svg", ".xml", ".tsv",
];

/// The in-memory site: output path (below the site root, no leading slash) → bytes.
#[derive(Default)]
pub struct SiteFiles {
    files: HashMap<String, Held>,
    /// Output page → display path of the content file it shows.
    sources: HashMap<String, String>,
    /// Content file (display path) → its errors after the last rebuild that read it.
    file_errors: HashMap<String, Vec<Diagnostic>>,
    /// Output page → the template error that kept it from rendering.
    template_errors: BTreeMap<String, Diagnostic>,
    /// A theme or configuration that failed to load (the last good one stays in use).
    site_error: Option<Diagnostic>,
    /// The first build is still running: files arrive one by one, and a
    /// request for one not there yet waits (see [`SiteFiles::building`]).
    building: bool,
}

pub type SharedFiles = Arc<RwLock<SiteFiles>>;

/// A batch of changes to [`SiteFiles`]; `None` removes an entry.
#[derive(Default)]
pub struct Update {
    /// Start from an empty site (a full rebuild).
    pub replace_all: bool,
    pub files: Vec<(String, Option<Bytes>)>,
    pub sources: Vec<(String, Option<String>)>,
    pub file_errors: Vec<(String, Vec<Diagnostic>)>,
    pub template_errors: Vec<(String, Option<Diagnostic>)>,
    /// `Some(x)` sets the site error to `x`.
    pub site_error: Option<Option<Diagnostic>>,
    /// Files below this folder are dropped before `files` are applied (a
    /// rebuilt search index replaces the whole of `search/`).
    pub clear_folder: Option<String>,
}

impl Update {
    pub fn is_empty(&self) -> bool {
        !self.replace_all
            && self.files.is_empty()
            && self.sources.is_empty()
            && self.file_errors.is_empty()
            && self.template_errors.is_empty()
            && self.site_error.is_none()
            && self.clear_folder.is_none()
    }

    /// Appends `later`; its entries win over earlier ones for the same path.
    pub fn extend(&mut self, later: Update) {
        if later.replace_all {
            *self = later;
            return;
        }
        if let Some(folder) = &later.clear_folder {
            self.files
                .retain(|(path, _)| !path.starts_with(folder.as_str()));
            self.clear_folder = later.clear_folder.clone();
        }
        self.files.extend(later.files);
        self.sources.extend(later.sources);
        self.file_errors.extend(later.file_errors);
        self.template_errors.extend(later.template_errors);
        if later.site_error.is_some() {
            self.site_error = later.site_error;
        }
    }
}

impl SiteFiles {
    /// An empty site whose first build is running.
    pub fn building() -> SiteFiles {
        SiteFiles {
            building: true,
            ..SiteFiles::default()
        }
    }

    /// Whether the first build is still running (ends with the first
    /// complete update: a full rebuild replaces everything).
    pub fn is_building(&self) -> bool {
        self.building
    }

    /// A file of the first build, as soon as it is rendered (shared with
    /// the build's own copy, not copied).
    pub fn put_early(&mut self, path: &str, bytes: &Bytes) {
        if self.building {
            self.files
                .insert(path.to_string(), Held::Plain(bytes.clone()));
        }
    }

    pub fn apply(&mut self, update: Update) {
        if update.replace_all {
            // The site error describes the theme and config, not the pages: keep it unless told.
            let site_error = self.site_error.take();
            *self = SiteFiles {
                site_error,
                ..SiteFiles::default()
            };
        }
        fn put<V>(map: &mut HashMap<String, V>, entries: Vec<(String, Option<V>)>) {
            for (key, value) in entries {
                match value {
                    Some(v) => map.insert(key, v),
                    None => map.remove(&key),
                };
            }
        }
        if let Some(folder) = &update.clear_folder {
            self.files
                .retain(|path, _| !path.starts_with(folder.as_str()));
        }
        for (path, bytes) in update.files {
            match bytes {
                Some(b) => self.files.insert(path, Held::Plain(b)),
                None => self.files.remove(&path),
            };
        }
        put(&mut self.sources, update.sources);
        for (path, errors) in update.file_errors {
            if errors.is_empty() {
                self.file_errors.remove(&path);
            } else {
                self.file_errors.insert(path, errors);
            }
        }
        for (page, error) in update.template_errors {
            match error {
                Some(e) => self.template_errors.insert(page, e),
                None => self.template_errors.remove(&page),
            };
        }
        if let Some(error) = update.site_error {
            self.site_error = error;
        }
    }

    pub fn get(&self, path: &str) -> Option<Bytes> {
        match self.files.get(path)? {
            Held::Plain(bytes) => Some(bytes.clone()),
            Held::Deflated(deflated) => {
                let mut out = Vec::with_capacity(deflated.len() * 8);
                flate2::read::DeflateDecoder::new(&deflated[..])
                    .read_to_end(&mut out)
                    .ok()?;
                Some(Bytes::from(out))
            }
        }
    }

    /// Up to `limit` text files held uncompressed, to compress outside the
    /// lock and hand back to [`SiteFiles::compressed`].
    pub fn to_compress(&self, limit: usize) -> Vec<(String, Bytes)> {
        self.files
            .iter()
            .filter_map(|(path, held)| match held {
                Held::Plain(bytes)
                    if bytes.len() >= COMPRESS_FROM
                        && TEXT_FILES.iter().any(|t| path.ends_with(t)) =>
                {
                    Some((path.clone(), bytes.clone()))
                }
                _ => None,
            })
            .take(limit)
            .collect()
    }

    /// Holds the pages compressed from `pages` (path, the bytes they were
    /// made from, deflated), unless a rebuild replaced them meanwhile.
    pub fn compressed(&mut self, pages: Vec<(String, Bytes, Bytes)>) {
        for (path, from, deflated) in pages {
            if let Some(held) = self.files.get_mut(&path) {
                if matches!(held, Held::Plain(now) if now.as_ptr() == from.as_ptr() && now.len() == from.len())
                {
                    *held = Held::Deflated(deflated);
                }
            }
        }
    }

    /// Bytes held for the files (compressed where they are), and how many
    /// files are held compressed.
    pub fn held_bytes(&self) -> (usize, usize) {
        self.files
            .values()
            .fold((0, 0), |(bytes, n), held| match held {
                Held::Plain(b) => (bytes + b.len(), n),
                Held::Deflated(b) => (bytes + b.len(), n + 1),
            })
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// What the error overlay of an output page shows: the errors of the
    /// content file it renders, then any template or theme error (those break
    /// every page, so every page shows them).
    pub fn errors_for(&self, path: &str) -> Vec<Diagnostic> {
        let mut errors: Vec<Diagnostic> = self
            .sources
            .get(path)
            .and_then(|source| self.file_errors.get(source))
            .cloned()
            .unwrap_or_default();
        errors.extend(self.site_error.iter().cloned());
        let mut seen = std::collections::BTreeSet::new();
        for e in self.template_errors.values() {
            if seen.insert((&e.path, &e.message)) {
                errors.push(e.clone());
            }
        }
        errors
    }
}

/// `bytes` deflated, fast (a page in about a millisecond).
pub fn deflate(bytes: &[u8]) -> Bytes {
    let mut encoder = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::fast(),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    Bytes::from(encoder.finish().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Kind;

    fn error(path: &str, message: &str) -> Diagnostic {
        Diagnostic::error(path, (2, 1), Kind::FrontMatter, message)
    }

    #[test]
    fn pages_held_compressed_read_back_the_same_and_a_newer_version_wins() {
        let page = |text: &str| Bytes::from(format!("<html>{}</html>", text.repeat(5000)));
        let mut files = SiteFiles::default();
        files.apply(Update {
            files: vec![
                ("a/index.html".into(), Some(page("a"))),
                ("b/index.html".into(), Some(page("b"))),
                ("small.html".into(), Some(Bytes::from_static(b"<p>"))),
                ("font.woff2".into(), Some(page("c"))),
            ],
            ..Update::default()
        });
        let mut todo = files.to_compress(10);
        todo.sort();
        let paths: Vec<&str> = todo.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            ["a/index.html", "b/index.html"],
            "text, not small files or fonts"
        );
        let done = todo
            .into_iter()
            .map(|(path, bytes)| {
                let deflated = deflate(&bytes);
                (path, bytes, deflated)
            })
            .collect();
        // A save replaced b while it was being compressed: the new version stays.
        files.apply(Update {
            files: vec![("b/index.html".into(), Some(page("B")))],
            ..Update::default()
        });
        files.compressed(done);
        assert_eq!(files.get("a/index.html"), Some(page("a")));
        assert_eq!(files.get("b/index.html"), Some(page("B")));
        let (held, compressed) = files.held_bytes();
        assert_eq!(compressed, 1);
        assert!(held < 3 * page("B").len(), "a held compressed: {held}");
        assert_eq!(files.to_compress(10).len(), 1, "b is still to compress");
    }

    #[test]
    fn errors_follow_the_source_of_a_page_and_clear_on_a_good_save() {
        let mut files = SiteFiles::default();
        files.apply(Update {
            files: vec![("a/index.html".into(), Some(Bytes::from_static(b"<p>")))],
            sources: vec![("a/index.html".into(), Some("content/a.md".into()))],
            file_errors: vec![("content/a.md".into(), vec![error("content/a.md", "bad")])],
            ..Update::default()
        });
        assert_eq!(files.errors_for("a/index.html").len(), 1);
        assert!(files.errors_for("b/index.html").is_empty());
        files.apply(Update {
            file_errors: vec![("content/a.md".into(), vec![])],
            ..Update::default()
        });
        assert!(files.errors_for("a/index.html").is_empty());
        assert!(files.contains("a/index.html"));
    }

    #[test]
    fn template_and_site_errors_show_on_every_page_once() {
        let mut files = SiteFiles::default();
        let broken = Diagnostic::error("page.html", (1, 1), Kind::Template, "oops");
        files.apply(Update {
            template_errors: vec![
                ("a/index.html".into(), Some(broken.clone())),
                ("b/index.html".into(), Some(broken)),
            ],
            site_error: Some(Some(error("config.toml", "bad config"))),
            ..Update::default()
        });
        assert_eq!(files.errors_for("c/index.html").len(), 2);
        files.apply(Update {
            replace_all: true,
            ..Update::default()
        });
        assert_eq!(files.errors_for("c/index.html").len(), 1, "site error kept");
    }
}
