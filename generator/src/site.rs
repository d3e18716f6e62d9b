//! The site model: every page in both languages, the sections they form,
//! their reading order and listings, and which files cannot be published.
//!
//! `Site::from_sources` is pure (parsed pages in, a site out), and
//! `replace_source`/`remove_source` update it for one changed file, so
//! `serve` keeps one model current. Rendering it is `build.rs`'s job.

use crate::config::Config;
use crate::content::{parse_page, Page, PageKind};
use crate::diagnostics::{Diagnostic, Kind};
use crate::lang::Lang;
use crate::markdown::Resolver;
use crate::route::{url_of, Route};
use crate::source::{self, SourceFile};
use crate::theme::Theme;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// A section as listings show it, with its chapters in reading order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionEntry {
    pub key: String,
    /// Empty for the chapters at the top of the folder (`""`), which the
    /// theme's `t.notes` names.
    pub title: String,
    pub url: String,
    /// Questions in all its chapters.
    pub count: usize,
    pub description: Option<String>,
    pub chapters: Vec<ChapterEntry>,
}

/// A chapter as listings show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChapterEntry {
    pub key: String,
    pub title: String,
    pub url: String,
    /// Its questions.
    pub count: usize,
}

pub struct Site {
    pub config: Config,
    pub content_dir: PathBuf,
    /// The content folder's name, the site's title when nothing else gives
    /// one (found once: every page shows the title).
    folder_title: String,
    pub pages: Vec<Page>,
    index: HashMap<(String, Lang), usize>,
    /// The languages the content is written in (see [`Site::languages`]).
    languages: Vec<Lang>,
    /// Content-relative paths of the non-markdown files (images …), copied as they are.
    pub assets: BTreeSet<String>,
    /// Problems found while loading and parsing.
    pub diagnostics: Vec<Diagnostic>,
    /// zh ↔ en term pairs from `glossary.tsv`, for cross-language search.
    pub glossary: Vec<(String, String)>,
    /// Sections and their chapters in reading order, per language (computed once).
    listing: HashMap<Lang, Vec<SectionEntry>>,
    /// Content files left out because their URL belongs to something else
    /// (see [`Site::path_conflicts`]).
    refused: BTreeSet<String>,
    /// Folders that hold chapters or have a page of their own (computed once).
    sections: BTreeSet<String>,
    /// Each section's chapters in reading order (see [`Site::chapters_in`]).
    chapters: HashMap<String, Vec<String>>,
    /// Content file → the key of its page (differs from the file name with a `slug`).
    by_file: HashMap<String, String>,
    /// A folder of English notes (no `.en.md`, hardly any Chinese): its
    /// pages are shown with an English interface and `lang="en"`.
    english_notes: bool,
    /// Some page has a ```` ```playground ```` block.
    uses_playground: bool,
}

/// Top-level names of what the generator writes itself: a content file or
/// folder may not publish under them.
pub const RESERVED: &[&str] = &[
    "en",
    "drill",
    "play",
    "search",
    "static",
    "404.html",
    "sitemap.xml",
    "favicon.ico",
    crate::output::MARKER,
];

impl Site {
    /// Loads and parses a content folder.
    pub fn load(content_dir: &Path, config: Config, drafts: bool) -> Site {
        Site::from_loaded(content_dir, source::load_dir(content_dir), config, drafts)
    }

    /// A site from a content folder's files as [`source::load_dir`] read
    /// them (`serve` also keeps their hashes, so it reads them only once).
    pub fn from_loaded(
        content_dir: &Path,
        loaded: source::Loaded,
        config: Config,
        drafts: bool,
    ) -> Site {
        let source::Loaded {
            files,
            assets,
            mut diagnostics,
        } = loaded;
        let mut site = Site::from_sources(&files, assets, config, drafts);
        site.content_dir = content_dir.to_path_buf();
        site.folder_title = folder_title(content_dir);
        site.glossary = crate::search_index::glossary_in(content_dir);
        diagnostics.append(&mut site.diagnostics);
        site.diagnostics = diagnostics;
        site
    }

    pub fn from_sources(
        files: &[SourceFile],
        assets: BTreeSet<String>,
        config: Config,
        drafts: bool,
    ) -> Site {
        let parsed: Vec<_> = files.par_iter().map(parse_page).collect();
        let mut pages = Vec::new();
        let mut diagnostics = Vec::new();
        for (page, mut found) in parsed {
            diagnostics.append(&mut found);
            pages.extend(page.filter(|p| drafts || !p.front.draft));
        }
        apply_navigation_order(&mut pages, files);
        let mut site = Site {
            config,
            content_dir: PathBuf::new(),
            folder_title: folder_title(Path::new("")),
            pages,
            index: HashMap::new(),
            languages: Vec::new(),
            assets,
            diagnostics,
            glossary: Vec::new(),
            listing: HashMap::new(),
            refused: BTreeSet::new(),
            sections: BTreeSet::new(),
            chapters: HashMap::new(),
            by_file: HashMap::new(),
            english_notes: false,
            uses_playground: false,
        };
        site.reindex();
        site
    }

    /// Re-parses one content file in place (what `serve` does when it is
    /// saved): its page is replaced or added, the diagnostics of that file are
    /// replaced, and what is derived from the pages is recomputed (the section
    /// listings only when the page's title, weight, question count or
    /// description changed: that is all they show of it).
    pub fn replace_source(&mut self, file: &SourceFile, drafts: bool) {
        let (page, mut found) = parse_page(file);
        let page = page.filter(|p| drafts || !p.front.draft);
        self.diagnostics.retain(|d| d.path != file.display_path);
        self.diagnostics.append(&mut found);
        let at = self.pages.iter().position(|p| p.rel_path == file.rel_path);
        match (at, page) {
            (Some(i), Some(page)) => {
                let listed = |p: &Page| {
                    (
                        p.title.clone(),
                        p.weight(),
                        p.questions.len(),
                        p.front.description.clone(),
                    )
                };
                let listing_changed = listed(&self.pages[i]) != listed(&page);
                self.pages[i] = page;
                self.recheck_translations();
                if listing_changed {
                    self.relist();
                }
            }
            (at, page) => {
                if let Some(i) = at {
                    self.pages.remove(i);
                }
                self.pages.extend(page);
                self.reindex();
            }
        }
    }

    /// Forgets a deleted content file (path relative to the content folder).
    pub fn remove_source(&mut self, rel_path: &str) {
        let display_path = self.content_dir.join(rel_path).display().to_string();
        self.pages.retain(|p| p.rel_path != rel_path);
        self.diagnostics.retain(|d| d.path != display_path);
        self.reindex();
    }

    /// Derives from the set of pages what lookups need: the (key, language)
    /// index, the translation checks and the section listings.
    fn reindex(&mut self) {
        let conflicts = self.path_conflicts();
        self.refused = conflicts.iter().map(|(rel, _)| rel.clone()).collect();
        self.sections = self.find_section_keys();
        self.by_file = self
            .pages
            .iter()
            .map(|p| (p.rel_path.clone(), p.key.clone()))
            .collect();
        self.uses_playground = self
            .pages
            .iter()
            .any(|p| p.body.contains("```playground") || p.body.contains("~~~playground"));
        self.english_notes = !self.pages.iter().any(|p| p.lang == Lang::En) && {
            let (cjk, letters) = self
                .pages
                .par_iter()
                .map(|p| letter_counts(&p.body))
                .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            letters > 0 && cjk * 20 < letters
        };
        self.diagnostics.retain(|d| d.kind.as_str() != "path");
        self.diagnostics
            .extend(conflicts.into_iter().map(|(_, d)| d));
        self.index = self
            .pages
            .iter()
            .enumerate()
            .filter(|(_, p)| !self.refused.contains(&p.rel_path))
            .map(|(i, p)| ((p.key.clone(), p.lang), i))
            .collect();
        let used: Vec<Lang> = Lang::ALL
            .into_iter()
            .filter(|&lang| self.pages.iter().any(|p| p.lang == lang))
            .collect();
        self.languages = if used.is_empty() {
            vec![Lang::Zh]
        } else {
            used
        };
        self.recheck_translations();
        self.relist();
    }

    /// Content files whose URL is taken, with the error naming both sides: a
    /// page under a reserved name (`play/`, `search/`, …), or `a.md` beside a
    /// folder `a/` (both would be `/a/`; the folder wins, its chapters need it).
    fn path_conflicts(&self) -> Vec<(String, Diagnostic)> {
        let sections: BTreeSet<&str> = self
            .pages
            .iter()
            .filter_map(|p| match p.kind {
                PageKind::Section => Some(p.key.as_str()),
                PageKind::Chapter => p.section_key(),
                PageKind::Home => None,
            })
            .collect();
        let mut out = Vec::new();
        // Two files for one page (`_index.md` and `README.md` in one folder):
        // the preferred one is published.
        let rank = |p: &Page| {
            let stem = p.rel_path.rsplit('/').next().unwrap_or("");
            let stem = stem.split('.').next().unwrap_or(stem);
            crate::content::folder_page_rank(stem).unwrap_or(0)
        };
        let mut best: HashMap<(&str, Lang, PageKind), &Page> = HashMap::new();
        for page in &self.pages {
            let slot = best
                .entry((&page.key, page.lang, page.kind))
                .or_insert(page);
            if (rank(page), &page.rel_path) < (rank(slot), &slot.rel_path) {
                *slot = page;
            }
        }
        for page in &self.pages {
            let winner = best[&(page.key.as_str(), page.lang, page.kind)];
            if winner.rel_path != page.rel_path {
                let message = format!(
                    "{} and {} are both the page of /{}; {} is published, this one is not",
                    winner.rel_path, page.rel_path, page.key, winner.rel_path
                );
                let d = Diagnostic::warning(&page.display_path, (1, 1), Kind::Path, message);
                out.push((page.rel_path.clone(), d));
            }
        }
        for page in &self.pages {
            let first = page.key.split('/').next().unwrap_or("");
            let message = if RESERVED.contains(&first) {
                format!(
                    "`{first}/` is where the generator writes its own pages ({}); this page is not published: rename the folder or file",
                    RESERVED.join(", ")
                )
            } else if page.kind == PageKind::Chapter && sections.contains(page.key.as_str()) {
                let folder = self
                    .pages
                    .iter()
                    .find(|p| p.kind == PageKind::Section && p.key == page.key)
                    .map_or_else(
                        || format!("the folder {}/", page.key),
                        |p| p.rel_path.clone(),
                    );
                format!(
                    "{} and {folder} would both be /{}/; {} is not published: rename one of them",
                    page.rel_path, page.key, page.rel_path
                )
            } else {
                continue;
            };
            let d = Diagnostic::error(&page.display_path, (1, 1), Kind::Path, message);
            out.push((page.rel_path.clone(), d));
        }
        out
    }

    /// Why a content file other than markdown cannot be copied to its own
    /// path (it would overwrite a generated file), or `None` when it can.
    pub fn asset_conflict(&self, rel: &str, theme: &Theme) -> Option<String> {
        let first = rel.split('/').next().unwrap_or("");
        let page_file = rel
            .strip_suffix("index.html")
            .filter(|dir| dir.is_empty() || dir.ends_with('/'))
            .map(|dir| dir.trim_end_matches('/'));
        if theme.static_files.contains_key(rel) {
            Some(format!("{rel} is a file of the theme"))
        } else if RESERVED.contains(&first) && first != "static" {
            Some(format!(
                "`{first}` is where the generator writes its own files"
            ))
        } else {
            page_file
                .filter(|k| self.routes().iter().any(|r| r.key == *k))
                .map(|key| format!("{rel} is the page built for /{key}"))
        }
    }

    fn recheck_translations(&mut self) {
        self.diagnostics
            .retain(|d| d.kind.as_str() != "translation");
        self.diagnostics.extend(self.translation_mismatches());
    }

    fn relist(&mut self) {
        self.chapters = self.find_chapters();
        self.listing = Lang::ALL
            .iter()
            .map(|&lang| (lang, self.sections_listing(lang)))
            .collect();
    }

    pub fn page(&self, key: &str, lang: Lang) -> Option<&Page> {
        self.index
            .get(&(key.to_string(), lang))
            .map(|&i| &self.pages[i])
    }

    /// The page in `lang`, or its other-language original when not translated yet.
    /// The page a route shows: its own, or the other language's while untranslated.
    pub(crate) fn page_or_fallback(&self, key: &str, lang: Lang) -> Option<&Page> {
        self.page(key, lang)
            .or_else(|| self.page(key, lang.other()))
    }

    /// The languages the site is published in: those its content is written
    /// in (Chinese when there is none). A folder of Chinese notes gets a
    /// Chinese site, not an English copy of it; one `.en.md` file makes the
    /// site bilingual, and untranslated pages then appear on the English side
    /// in their own language, with a note.
    pub fn languages(&self) -> &[Lang] {
        &self.languages
    }

    /// Every page of the site, in each of its languages.
    pub fn routes(&self) -> Vec<Route> {
        let mut routes = BTreeSet::new();
        for &lang in self.languages() {
            routes.insert(Route {
                key: String::new(),
                kind: PageKind::Home,
                lang,
            });
            for key in self.section_keys() {
                routes.insert(Route {
                    key,
                    kind: PageKind::Section,
                    lang,
                });
            }
            for page in self
                .pages
                .iter()
                .filter(|p| p.kind == PageKind::Chapter && !self.refused.contains(&p.rel_path))
            {
                routes.insert(Route {
                    key: page.key.clone(),
                    kind: PageKind::Chapter,
                    lang,
                });
            }
        }
        routes.into_iter().collect()
    }

    /// Folders that hold chapters or have an `_index.md`.
    fn section_keys(&self) -> BTreeSet<String> {
        self.sections.clone()
    }

    fn find_section_keys(&self) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for page in self
            .pages
            .iter()
            .filter(|p| !self.refused.contains(&p.rel_path))
        {
            match page.kind {
                PageKind::Section => {
                    keys.insert(page.key.clone());
                }
                PageKind::Chapter => {
                    if let Some(section) = page.section_key().filter(|s| !s.is_empty()) {
                        keys.insert(section.to_string());
                    }
                }
                PageKind::Home => {}
            }
        }
        keys
    }

    /// Chapters directly in a section (`""` for the root), in reading order
    /// (computed once per listing change: every page asks for its section's).
    pub fn chapters_in(&self, section: &str) -> &[String] {
        self.chapters.get(section).map_or(&[], Vec::as_slice)
    }

    /// Every section's chapters in reading order, in one pass over the pages.
    fn find_chapters(&self) -> HashMap<String, Vec<String>> {
        let mut by_section: HashMap<&str, Vec<&Page>> = HashMap::new();
        for page in self
            .pages
            .iter()
            .filter(|p| p.kind == PageKind::Chapter && !self.refused.contains(&p.rel_path))
            .filter(|p| p.lang == Lang::Zh || self.page(&p.key, Lang::Zh).is_none())
        {
            by_section
                .entry(page.section_key().unwrap_or(""))
                .or_default()
                .push(page);
        }
        by_section
            .into_iter()
            .map(|(section, mut pages)| {
                pages.sort_by_cached_key(|p| (p.weight(), natural_key(&p.title), p.key.clone()));
                (
                    section.to_string(),
                    pages.into_iter().map(|p| p.key.clone()).collect(),
                )
            })
            .collect()
    }

    /// Top-level sections in reading order (by `_index.md` weight, then title).
    fn ordered_sections(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.section_keys().into_iter().collect();
        // A section without a weight of its own comes where its first chapter does.
        let weight = |k: &String| {
            let own = self.page_or_fallback(k, Lang::Zh).map(|p| p.weight());
            own.filter(|w| *w != i64::MAX).unwrap_or_else(|| {
                self.pages
                    .iter()
                    .filter(|p| p.section_key() == Some(k.as_str()))
                    .map(Page::weight)
                    .min()
                    .unwrap_or(i64::MAX)
            })
        };
        keys.sort_by_cached_key(|k| (weight(k), natural_key(k), k.clone()));
        keys
    }

    /// The language a reader of `lang`'s pages is addressed in (interface
    /// strings, `lang=`): the same, except on a site of English notes.
    pub fn display_lang(&self, lang: Lang) -> Lang {
        if self.english_notes {
            Lang::En
        } else {
            lang
        }
    }

    /// Whether `/play/` is published: asked for in the config, or used by the content.
    pub fn has_playground_pages(&self) -> bool {
        self.config.playground.unwrap_or(self.uses_playground)
    }

    /// The site's title: the configured one, else the home page's
    /// (`README.md`/`_index.md`/`index.md` at the top), else the folder's name.
    pub fn site_title(&self, lang: Lang) -> String {
        let configured = self.config.title(lang);
        if !configured.is_empty() {
            return configured.to_string();
        }
        if let Some(home) = self
            .page_or_fallback("", lang)
            .filter(|p| !p.title.is_empty())
        {
            return home.title.clone();
        }
        self.folder_title.clone()
    }

    pub(crate) fn title_of(&self, key: &str, lang: Lang) -> String {
        match self.page_or_fallback(key, lang) {
            Some(page) if !page.title.is_empty() => page.title.clone(),
            _ if key.is_empty() => self.site_title(lang),
            _ => key.rsplit('/').next().unwrap_or(key).to_string(),
        }
    }

    fn question_count(&self, key: &str, lang: Lang) -> usize {
        self.page_or_fallback(key, lang)
            .map_or(0, |p| p.questions.len())
    }

    /// Pairs whose question ids differ: the language switch could not jump between them.
    fn translation_mismatches(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for zh in self.pages.iter().filter(|p| p.lang == Lang::Zh) {
            let Some(en) = self.page(&zh.key, Lang::En) else {
                continue;
            };
            let ids = |p: &Page| {
                p.questions
                    .iter()
                    .map(|q| q.id.clone())
                    .collect::<BTreeSet<_>>()
            };
            let (zh_ids, en_ids) = (ids(zh), ids(en));
            for (page, missing, other) in [
                (en, zh_ids.difference(&en_ids), zh),
                (zh, en_ids.difference(&zh_ids), en),
            ] {
                let missing: Vec<_> = missing.cloned().collect();
                if !missing.is_empty() {
                    out.push(Diagnostic::warning(
                        &page.display_path,
                        (1, 1),
                        Kind::Translation,
                        format!(
                            "question ids of {} missing here: {}",
                            other.rel_path,
                            missing.join(", ")
                        ),
                    ));
                }
            }
        }
        out
    }

    /// Every section with its chapters, for one language.
    fn sections_listing(&self, lang: Lang) -> Vec<SectionEntry> {
        let section = |key: &str| {
            let chapters: Vec<ChapterEntry> = self
                .chapters_in(key)
                .iter()
                .map(|c| ChapterEntry {
                    key: c.clone(),
                    title: self.title_of(c, lang),
                    url: url_of(c, lang),
                    count: self.question_count(c, lang),
                })
                .collect();
            SectionEntry {
                key: key.to_string(),
                title: self.title_of(key, lang),
                url: url_of(key, lang),
                count: chapters.iter().map(|c| c.count).sum(),
                description: self
                    .page_or_fallback(key, lang)
                    .and_then(|p| p.front.description.clone()),
                chapters,
            }
        };
        let mut sections: Vec<SectionEntry> =
            self.ordered_sections().iter().map(|k| section(k)).collect();
        if !self.chapters_in("").is_empty() {
            // Chapters at the top of the folder: a section without a
            // title of its own (the theme names it, see `context::nav`).
            let mut root = section("");
            root.title = String::new();
            sections.insert(0, root);
        }
        sections
    }

    /// Every section with its chapters in reading order, in `lang` (what the
    /// sidebar, the home page and study mode list).
    pub fn listing(&self, lang: Lang) -> &[SectionEntry] {
        self.listing.get(&lang).map_or(&[], Vec::as_slice)
    }

    /// Content files copied as they are (images …): output path → source
    /// path, and an error for each one that would overwrite a generated file.
    pub fn asset_copies(&self, theme: &Theme) -> (BTreeMap<String, PathBuf>, Vec<Diagnostic>) {
        let mut copies = BTreeMap::new();
        let mut refused = Vec::new();
        for rel in &self.assets {
            let path = self.content_dir.join(rel);
            match self.asset_conflict(rel, theme) {
                None => {
                    copies.insert(rel.clone(), path);
                }
                Some(why) => refused.push(Diagnostic::error(
                    &path.display().to_string(),
                    (1, 1),
                    Kind::Path,
                    format!("{why}; this file is not copied: rename it"),
                )),
            }
        }
        (copies, refused)
    }
}

impl Site {
    /// The page key and language a content file path stands for (its `slug`
    /// taken into account).
    fn key_of_file(&self, target: &str) -> Option<(String, Lang)> {
        let (key, lang, _) = crate::content::classify(target)?;
        Some((self.by_file.get(target).cloned().unwrap_or(key), lang))
    }

    /// Redirect pages for the `aliases` of every page: (output path, target route).
    pub fn aliases(&self) -> Vec<(String, Route)> {
        let mut out = Vec::new();
        for page in self
            .pages
            .iter()
            .filter(|p| !self.refused.contains(&p.rel_path))
        {
            for alias in &page.front.aliases {
                let path = alias.trim_start_matches('/');
                let path = if path.ends_with(".html") {
                    path.to_string()
                } else {
                    format!("{}/index.html", path.trim_end_matches('/'))
                };
                let path = path.trim_start_matches('/').to_string();
                if path
                    .split('/')
                    .any(|part| part == ".." || part.is_empty() && path != "index.html")
                {
                    continue;
                }
                out.push((
                    path,
                    Route {
                        key: page.key.clone(),
                        kind: page.kind,
                        lang: page.lang,
                    },
                ));
            }
        }
        out
    }
}

/// Of the first 20,000 characters of `body`: the Chinese characters and all
/// letters (CJK ideographs are letters). ASCII and CJK are decided without
/// Unicode's tables, which are slow and would be asked a million times.
fn letter_counts(body: &str) -> (usize, usize) {
    let (mut cjk, mut letters) = (0, 0);
    for c in body.chars().take(20_000) {
        if c.is_ascii() {
            letters += usize::from(c.is_ascii_alphabetic());
        } else if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            cjk += 1;
            letters += 1;
        } else {
            letters += usize::from(c.is_alphabetic());
        }
    }
    (cjk, letters)
}

/// The name of `content_dir` as a title (`docs/`, `content/`, `notes/` or
/// `src/` say little: the folder above it), or "Notes".
fn folder_title(content_dir: &Path) -> String {
    std::fs::canonicalize(content_dir)
        .ok()
        .and_then(|dir| {
            let name = dir.file_name()?.to_string_lossy().into_owned();
            // `docs/` or `content/` says little: take the folder above it.
            if matches!(name.as_str(), "docs" | "content" | "notes" | "src") {
                dir.parent()?
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            } else {
                Some(name)
            }
        })
        .unwrap_or_else(|| "Notes".to_string())
}

impl Resolver for Site {
    fn page_path(&self, target: &str) -> Option<String> {
        let (key, lang) = self.key_of_file(target)?;
        let exists = self.page_or_fallback(&key, lang).is_some()
            || key.is_empty()
            || self.sections.contains(&key);
        exists.then(|| url_of(&key, Lang::Zh))
    }

    fn anchor(&self, target: &str, lang: Lang, fragment: &str) -> Option<String> {
        let (key, _) = self.key_of_file(target)?;
        let page = self.page_or_fallback(&key, lang)?;
        if page.anchors.iter().any(|a| a == fragment) {
            return Some(fragment.to_string());
        }
        let wanted = fragment.to_lowercase();
        page.anchor_aliases
            .iter()
            .find(|(slug, _)| *slug == wanted)
            .map(|(_, id)| id.clone())
    }

    fn has_asset(&self, path: &str) -> bool {
        self.assets.contains(path)
    }
}

/// Pages listed in a navigation file (`_sidebar.md`, `SUMMARY.md`) take
/// their place in it as their weight, unless their front matter sets one.
fn apply_navigation_order(pages: &mut [Page], files: &[SourceFile]) {
    let mut order: HashMap<String, i64> = HashMap::new();
    for file in files {
        let stem = file.rel_path.rsplit('/').next().unwrap_or("");
        let stem = stem.strip_suffix(".md").unwrap_or(stem);
        if crate::content::is_navigation(stem) {
            for (i, path) in crate::content::navigation_order(file)
                .into_iter()
                .enumerate()
            {
                order.entry(path).or_insert(i as i64);
            }
        }
    }
    if order.is_empty() {
        return;
    }
    for page in pages {
        page.nav_order = order.get(&page.rel_path).copied();
    }
}

/// Orders titles as people number them: `5.2` before `5.10`.
fn natural_key(text: &str) -> Vec<(u64, String)> {
    let mut key = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (number, tail) = rest.split_at(digits);
        let words = tail.len() - tail.trim_start_matches(|c: char| !c.is_ascii_digit()).len();
        let (word, tail) = tail.split_at(words);
        key.push((number.parse().unwrap_or(0), word.to_string()));
        rest = tail;
    }
    key
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn letter_counts_agree_with_unicode_everywhere() {
        let naive = |body: &str| {
            body.chars()
                .take(20_000)
                .filter(|c| c.is_alphabetic())
                .fold((0, 0), |(cjk, n), c| {
                    (
                        cjk + usize::from(('\u{4e00}'..='\u{9fff}').contains(&c)),
                        n + 1,
                    )
                })
        };
        let every_char: Vec<char> = (0..0x3_0000u32).filter_map(char::from_u32).collect();
        let mut texts = vec![
            String::new(),
            "softmax 的梯度 = p − y; Ünïcødé αβγ 123 😀".to_string(),
        ];
        texts.extend(
            every_char
                .chunks(20_000)
                .map(|c| c.iter().collect::<String>()),
        );
        for text in &texts {
            assert_eq!(letter_counts(text), naive(text), "{}", text.len());
        }
        assert_eq!(letter_counts(&"a".repeat(30_000)), (0, 20_000));
    }

    /// A site from in-memory files `(path, text)`.
    pub(crate) fn site(files: &[(&str, &str)]) -> Site {
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|(p, t)| SourceFile {
                rel_path: p.to_string(),
                display_path: p.to_string(),
                text: t.to_string(),
                load_warning: None,
            })
            .collect();
        Site::from_sources(&sources, BTreeSet::new(), Config::default(), false)
    }

    #[test]
    fn routes_cover_both_languages_and_sections() {
        let s = site(&[
            ("a/x.md", "## Q? {#q}\n"),
            ("a/x.en.md", "## Q? {#q}\n"),
            ("y.md", "text"),
        ]);
        let urls: Vec<String> = s.routes().iter().map(Route::url).collect();
        for url in ["", "en/", "a/", "en/a/", "a/x/", "en/a/x/", "y/", "en/y/"] {
            assert!(urls.contains(&url.to_string()), "{url} in {urls:?}");
        }
    }

    #[test]
    fn mismatched_translations_are_reported() {
        let s = site(&[
            ("x.md", "## A {#a}\n\n## B {#b}\n"),
            ("x.en.md", "## A {#a}\n"),
        ]);
        assert_eq!(s.diagnostics.len(), 1);
        assert!(s.diagnostics[0].message.contains('b'));
        assert_eq!(s.diagnostics[0].path, "x.en.md");
    }

    #[test]
    fn replacing_and_removing_one_source_updates_the_site() {
        let mut s = site(&[
            ("a/x.md", "# Old\n\n## A {#a}\n"),
            ("a/x.en.md", "## A {#a}\n"),
        ]);
        assert!(s.diagnostics.is_empty());
        let file = SourceFile {
            rel_path: "a/x.md".into(),
            display_path: "a/x.md".into(),
            text: "+++\nweight = \"no\"\n+++\n# New\n\n## A {#a}\n\n## B {#b}\n".into(),
            load_warning: None,
        };
        s.replace_source(&file, false);
        assert_eq!(s.pages.len(), 2);
        assert_eq!(s.page("a/x", Lang::Zh).unwrap().title, "New");
        let kinds: Vec<_> = s
            .diagnostics
            .iter()
            .map(|d| (d.path.as_str(), d.kind.as_str()))
            .collect();
        assert!(kinds.contains(&("a/x.md", "front-matter")), "{kinds:?}");
        assert!(kinds.contains(&("a/x.en.md", "translation")), "{kinds:?}");
        s.replace_source(
            &SourceFile {
                text: "# New\n\n## A {#a}\n".into(),
                ..file
            },
            false,
        );
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
        s.remove_source("a/x.en.md");
        assert!(s.page("a/x", Lang::En).is_none());
        assert!(s.page("a/x", Lang::Zh).is_some());
        assert_eq!(
            s.languages(),
            [Lang::Zh],
            "the last translation gone: a Chinese site"
        );
        assert_eq!(s.routes().len(), 3, "home, section and chapter");
        s.replace_source(
            &SourceFile {
                rel_path: "a/z.md".into(),
                display_path: "a/z.md".into(),
                text: "# Z\n".into(),
                load_warning: None,
            },
            false,
        );
        assert_eq!(s.page("a/z", Lang::Zh).unwrap().title, "Z");
        assert_eq!(s.routes().len(), 4, "a new chapter");
    }

    #[test]
    fn drafts_are_skipped_unless_asked() {
        let s = site(&[("x.md", "+++\ndraft = true\n+++\n")]);
        assert!(s.pages.is_empty());
    }
}
