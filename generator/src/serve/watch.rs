//! File watching: notify's full debouncer (a short window, so that an
//! editor's burst of saves — write a temporary file, rename it over the old
//! one — arrives as one batch) turns file-system events into a [`ChangeSet`]:
//! which content pages, content assets, templates, static files or the
//! configuration changed. What to rebuild for each is [`super::rebuild`]'s job.

use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

/// How long the debouncer waits for a burst of events to end.
pub const DEBOUNCE: Duration = Duration::from_millis(20);

/// What a batch of file-system events changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChangeSet {
    /// Markdown files, relative to the content folder (`a/b.en.md`).
    pub pages: BTreeSet<String>,
    /// Other content files (images …), relative to the content folder.
    pub assets: BTreeSet<String>,
    /// A folder of the content appeared or went away: reload all content.
    pub content_tree: bool,
    pub templates: bool,
    /// Static files of the theme or site; `static_css_only` while all were `.css`.
    pub statics: bool,
    pub static_css_only: bool,
    pub config: bool,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
            && self.assets.is_empty()
            && !self.content_tree
            && !self.templates
            && !self.statics
            && !self.config
    }

    pub fn merge(&mut self, other: ChangeSet) {
        let css_only =
            (self.static_css_only || !self.statics) && (other.static_css_only || !other.statics);
        self.pages.extend(other.pages);
        self.assets.extend(other.assets);
        self.content_tree |= other.content_tree;
        self.templates |= other.templates;
        self.statics |= other.statics;
        self.static_css_only = self.statics && css_only;
        self.config |= other.config;
    }
}

/// The folders and files a site is made from (absolute paths).
#[derive(Debug, Clone)]
pub struct SitePaths {
    pub site_root: PathBuf,
    pub content_dir: PathBuf,
    pub config: PathBuf,
    /// `themes/<name>` of the configured theme.
    pub theme_dir: PathBuf,
}

impl SitePaths {
    /// Sorts one changed path into `changes`.
    pub fn classify(&self, path: &Path, changes: &mut ChangeSet) {
        if let Ok(rel) = path.strip_prefix(&self.content_dir) {
            let rel = slash_path(rel);
            if rel.is_empty() || is_scratch(&rel) {
                return;
            }
            // Events that arrive through a symlink loop or out of the folder
            // are not content (the initial walk skips them too).
            if path.exists() && !crate::source::is_walked(&self.content_dir, &rel) {
                return;
            }
            if rel.ends_with(".md") {
                changes.pages.insert(rel);
            } else if path.is_dir() || (!path.exists() && Path::new(&rel).extension().is_none()) {
                changes.content_tree = true;
            } else {
                changes.assets.insert(rel);
            }
            return;
        }
        if path == self.config {
            changes.config = true;
            return;
        }
        for base in [&self.site_root, &self.theme_dir] {
            let Ok(rel) = path.strip_prefix(base) else {
                continue;
            };
            let rel = slash_path(rel);
            if is_scratch(&rel) {
                return;
            }
            // Interface strings reach every page, like a template.
            if ["templates", "i18n"]
                .iter()
                .any(|dir| rel == *dir || rel.starts_with(&format!("{dir}/")))
            {
                changes.templates = true;
                return;
            }
            if rel.starts_with("static/") || rel == "static" {
                let css = rel.ends_with(".css");
                changes.static_css_only = (changes.static_css_only || !changes.statics) && css;
                changes.statics = true;
                return;
            }
        }
    }
}

/// `a/b` with forward slashes.
fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Hidden files and editors' temporary files (`.x.swp`, `x~`, `4913`, `#x#`).
fn is_scratch(rel: &str) -> bool {
    rel.split('/').any(|part| {
        part.starts_with('.')
            || part.starts_with('#')
            || part.ends_with('~')
            || part.ends_with(".swp")
            || part.ends_with(".tmp")
            || part == "4913"
    })
}

/// Starts watching; every debounced batch that changes something is sent to
/// `changes`. Watching stops when the returned debouncer is dropped.
pub fn start(
    paths: SitePaths,
    changes: Sender<ChangeSet>,
) -> anyhow::Result<Debouncer<RecommendedWatcher, RecommendedCache>> {
    let to_watch = [
        (paths.content_dir.clone(), RecursiveMode::Recursive),
        (paths.site_root.join("templates"), RecursiveMode::Recursive),
        (paths.site_root.join("static"), RecursiveMode::Recursive),
        (paths.site_root.join("i18n"), RecursiveMode::Recursive),
        (paths.theme_dir.clone(), RecursiveMode::Recursive),
        // For the config file (editors replace it rather than write it).
        (paths.site_root.clone(), RecursiveMode::NonRecursive),
    ];
    let handler = move |result: DebounceEventResult| {
        let events = match result {
            Ok(events) => events,
            Err(errors) => {
                for e in errors {
                    eprintln!("watch error: {e}");
                }
                return;
            }
        };
        let mut batch = ChangeSet::default();
        for event in events.iter().filter(|e| matters(&e.kind)) {
            for path in &event.paths {
                paths.classify(path, &mut batch);
            }
        }
        if !batch.is_empty() {
            let _ = changes.send(batch);
        }
    };
    let mut debouncer = new_debouncer(DEBOUNCE, Some(DEBOUNCE / 4), handler)?;
    for (path, mode) in to_watch {
        if path.is_dir() {
            debouncer.watch(&path, mode)?;
        }
    }
    Ok(debouncer)
}

/// Reads (including our own, while rebuilding) are not changes.
fn matters(kind: &EventKind) -> bool {
    use notify_debouncer_full::notify::event::{MetadataKind, ModifyKind};
    match kind {
        EventKind::Access(_) | EventKind::Other | EventKind::Any => false,
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> SitePaths {
        SitePaths {
            site_root: PathBuf::from("/site"),
            content_dir: PathBuf::from("/site/content"),
            config: PathBuf::from("/site/config.toml"),
            theme_dir: PathBuf::from("/site/themes/default"),
        }
    }

    fn classify(list: &[&str]) -> ChangeSet {
        let mut changes = ChangeSet::default();
        for p in list {
            paths().classify(Path::new(p), &mut changes);
        }
        changes
    }

    #[test]
    fn paths_are_sorted_by_what_they_change() {
        let c = classify(&[
            "/site/content/a/x.md",
            "/site/content/a/.x.md.swp",
            "/site/content/a/x.md~",
            "/site/content/a/img.png",
            "/site/config.toml",
            "/site/public/index.html",
        ]);
        assert_eq!(c.pages, BTreeSet::from(["a/x.md".to_string()]));
        assert_eq!(c.assets, BTreeSet::from(["a/img.png".to_string()]));
        assert!(c.config && !c.templates && !c.statics);
    }

    #[test]
    fn css_only_while_every_static_file_is_css() {
        let c = classify(&[
            "/site/themes/default/static/style.css",
            "/site/static/b.css",
        ]);
        assert!(c.statics && c.static_css_only);
        let mut c2 = classify(&["/site/static/site.js"]);
        assert!(c2.statics && !c2.static_css_only);
        c2.merge(c);
        assert!(!c2.static_css_only);
        assert!(classify(&["/site/templates/page.html"]).templates);
        assert!(classify(&["/site/i18n/en.toml"]).templates);
        assert!(classify(&["/site/themes/default/i18n/zh.toml"]).templates);
    }
}
