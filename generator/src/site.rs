//! The whole site: every page in both languages, the sections they form, and
//! the rendering of each output page from them.
//!
//! `Site::from_sources` is pure (parsed pages in, a site out) and
//! `Site::render_page` renders one output page, so `serve` can re-render just
//! what a changed file affects; `Site::render` renders everything in parallel.

use crate::config::Config;
use crate::content::{parse_page, Page, PageKind};
use crate::diagnostics::{Diagnostic, Kind, Severity};
use crate::lang::Lang;
use crate::markdown::{self, PageContext, Resolver, SearchText, Stats};
use crate::phases::Phase;
use crate::plan::{self, Renderer};
use crate::source::{self, SourceFile};
use crate::theme::Theme;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

pub struct Site {
    pub config: Config,
    pub content_dir: PathBuf,
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
    listing: HashMap<Lang, Vec<Value>>,
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

/// One output page: which page key, in which language.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Route {
    pub key: String,
    pub kind: PageKind,
    pub lang: Lang,
}

impl Route {
    /// URL path from the site root, without a leading slash: `en/foundations/softmax/`.
    pub fn url(&self) -> String {
        url_of(&self.key, self.lang)
    }

    pub fn output_file(&self) -> String {
        format!("{}index.html", self.url())
    }
}

fn url_of(key: &str, lang: Lang) -> String {
    if key.is_empty() {
        lang.url_prefix().to_string()
    } else {
        format!("{}{key}/", lang.url_prefix())
    }
}

/// `../` once per folder level of a URL path, so that links work under any base path.
pub(crate) fn root_prefix(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

/// A rendered output page and what it found.
pub struct RenderedPage {
    pub route: Route,
    pub html: Result<String, String>,
    pub texts: Vec<SearchText>,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
    /// What study mode takes from a chapter (its answers, its Anki notes).
    pub study: Option<crate::study::Chapter>,
}

/// Receives each output file (path below the site root, bytes).
pub type Sink<'a> = dyn Fn(String, Vec<u8>) -> anyhow::Result<()> + Sync + 'a;

/// What a build found, besides the files it produced.
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// What search can find on every page, in its own language.
    pub texts: Vec<(Route, Vec<SearchText>)>,
    /// Every chapter route's Anki notes, for the decks.
    pub notes: BTreeMap<Route, Vec<crate::study::anki::Note>>,
}

/// Everything a build produces, in memory.
pub struct Output {
    /// Output path → bytes.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Output path → content file to copy.
    pub copies: BTreeMap<String, PathBuf>,
    pub report: Report,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub pages: usize,
    /// Documents (questions × languages) in the search index, and the time
    /// to build it and write its files.
    pub search_docs: usize,
    pub search_time: std::time::Duration,
    pub questions: usize,
    pub stats: Stats,
    pub errors: usize,
    pub warnings: usize,
}

impl Site {
    /// Loads and parses a content folder.
    pub fn load(content_dir: &Path, config: Config, drafts: bool) -> Site {
        let source::Loaded {
            files,
            assets,
            mut diagnostics,
        } = source::load_dir(content_dir);
        let mut site = Site::from_sources(&files, assets, config, drafts);
        site.content_dir = content_dir.to_path_buf();
        if let Ok(text) = std::fs::read_to_string(content_dir.join("glossary.tsv")) {
            site.glossary = crate::search_index::parse_glossary(&text);
        }
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
                .iter()
                .flat_map(|p| p.body.chars().take(20_000))
                .filter(|c| c.is_alphabetic())
                .fold((0usize, 0usize), |(cjk, n), c| {
                    (
                        cjk + usize::from(('\u{4e00}'..='\u{9fff}').contains(&c)),
                        n + 1,
                    )
                });
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
    fn chapters_in(&self, section: &str) -> &[String] {
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
        std::fs::canonicalize(&self.content_dir)
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

    /// What templates see as `site` in `lang`.
    pub fn site_context(&self, lang: Lang) -> Value {
        let description = self.config.description(lang);
        let description = if description.is_empty() {
            self.page_or_fallback("", lang)
                .and_then(|p| p.front.description.clone())
                .unwrap_or_default()
        } else {
            description.to_string()
        };
        json!({
            "title": self.site_title(lang),
            "description": description,
            "search": self.config.search,
            "playground": self.has_playground_pages(),
            "study": self.config.study,
        })
    }

    /// The title shown for `key` in `lang` (chapter titles in listings, search results).
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
    fn sections_listing(&self, lang: Lang) -> Vec<Value> {
        let section = |key: &str| {
            let chapters: Vec<Value> = self
                .chapters_in(key)
                .iter()
                .map(|c| json!({ "key": c, "title": self.title_of(c, lang), "url": url_of(c, lang), "count": self.question_count(c, lang) }))
                .collect();
            json!({ "title": self.title_of(key, lang), "url": url_of(key, lang), "key": key,
                    "count": chapters.iter().map(|c| c["count"].as_u64().unwrap_or(0)).sum::<u64>(),
                    "description": self.page_or_fallback(key, lang).and_then(|p| p.front.description.clone()),
                    "chapters": chapters })
        };
        let mut sections: Vec<Value> = self.ordered_sections().iter().map(|k| section(k)).collect();
        if !self.chapters_in("").is_empty() {
            let mut root = section("");
            root["title"] = json!(if lang == Lang::Zh { "笔记" } else { "Notes" });
            sections.insert(0, root);
        }
        sections
    }

    /// The sidebar: every section, with chapters listed only for the one being read
    /// (listing all of them on every page would make a large site's pages heavy).
    pub(crate) fn nav(&self, lang: Lang, open_section: Option<&str>) -> Value {
        self.nav_around(lang, open_section, None)
    }

    /// [`Site::nav`] for a chapter page: in a large section only the chapters
    /// around `current` are listed, with how many more there are (the section
    /// page lists them all), so a page's size does not grow with its section.
    pub(crate) fn nav_around(
        &self,
        lang: Lang,
        open_section: Option<&str>,
        current: Option<&str>,
    ) -> Value {
        /// Chapters listed in a chapter page's sidebar, at most.
        const WINDOW: usize = 41;
        let sections = self.listing.get(&lang).map_or(&[][..], Vec::as_slice);
        // Built field by field rather than cloned and trimmed: cloning every
        // section's chapter list for every page was a quarter of a large build.
        Value::Array(
            sections
                .iter()
                .map(|s| {
                    let open = open_section.is_none_or(|k| s["key"] == k);
                    let mut entry: serde_json::Map<String, Value> = s
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(field, _)| *field != "chapters")
                        .map(|(field, value)| (field.clone(), value.clone()))
                        .collect();
                    entry.insert("open".into(), json!(open));
                    let all = s["chapters"].as_array().map_or(&[][..], Vec::as_slice);
                    let (from, to) = match current {
                        Some(key) if open && all.len() > WINDOW => {
                            let at = all.iter().position(|c| c["key"] == key).unwrap_or(0);
                            let from = at.saturating_sub(WINDOW / 2).min(all.len() - WINDOW);
                            (from, from + WINDOW)
                        }
                        _ => (0, all.len()),
                    };
                    let chapters = if open {
                        all[from..to].to_vec()
                    } else {
                        Vec::new()
                    };
                    entry.insert("chapters".into(), Value::Array(chapters));
                    if open {
                        entry.insert("more_before".into(), json!(from));
                        entry.insert("more_after".into(), json!(all.len() - to));
                    }
                    Value::Object(entry)
                })
                .collect(),
        )
    }

    /// Renders the markdown of one content page. The reader-dependent parts
    /// are placeholders (see [`markdown::localize`]), so one rendering serves
    /// the page and its stand-in in the other language.
    pub fn render_markdown(&self, page: &Page) -> markdown::Rendered {
        let cx = PageContext {
            display_path: &page.display_path,
            rel_path: &page.rel_path,
            lang: page.lang,
            body_line: page.body_line,
            resolver: self,
        };
        let mut rendered = markdown::render(&page.body, &cx);
        // Study mode folds answers: each one in an element of its own.
        if self.config.study {
            if let Some(html) = crate::study::answers::wrap(&rendered.html, &rendered.outline) {
                rendered.html = html;
            }
        }
        rendered
    }

    /// Renders one output page from scratch (what `serve` calls for a changed file).
    pub fn render_page(&self, route: &Route, theme: &Theme) -> RenderedPage {
        let rendered = self
            .page_or_fallback(&route.key, route.lang)
            .map(|p| self.render_markdown(p));
        self.render_route(route, theme, rendered)
    }

    /// Fills the page template for `route` around an already rendered body.
    fn render_route(
        &self,
        route: &Route,
        theme: &Theme,
        rendered: Option<markdown::Rendered>,
    ) -> RenderedPage {
        let url = route.url();
        let root = root_prefix(&url);
        let own = self.page(&route.key, route.lang);
        let shown = self.page_or_fallback(&route.key, route.lang);
        let other = route.lang.other();
        let chapters = self.chapters_in(route.key.rsplit_once('/').map_or("", |(s, _)| s));
        let position = chapters.iter().position(|k| *k == route.key);
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| chapters.get(i)).map(
                |k| json!({ "title": self.title_of(k, route.lang), "url": url_of(k, route.lang) }),
            )
        };
        let toc: Vec<Value> = rendered.as_ref().map_or_else(Vec::new, |r| {
            r.outline
                .entries
                .iter()
                .filter(|e| e.in_toc)
                .map(|e| {
                    json!({ "id": e.id, "title": e.title, "question": e.is_question,
                                 "title_html": markdown::math::inline_html(&e.title) })
                })
                .collect()
        });
        let partner_ids: Vec<&str> = self
            .page(&route.key, other)
            .map_or_else(Vec::new, |p| p.anchors.iter().map(String::as_str).collect());
        let section_key = shown.and_then(|p| p.section_key()).unwrap_or("");
        let context = json!({
            "lang": self.display_lang(route.lang).code(),
            "prefix": route.lang.url_prefix(),
            "root": root,
            "base_url": self.config.base_url(),
            "site": self.site_context(route.lang),
            "t": self.display_lang(route.lang).ui_strings(),
            "nav": self.nav_around(route.lang, match route.kind {
                PageKind::Home => None,
                PageKind::Section => Some(&route.key),
                PageKind::Chapter => Some(section_key),
            }, (route.kind == PageKind::Chapter).then_some(route.key.as_str())),
            "page": {
                "kind": format!("{:?}", route.kind).to_lowercase(),
                "key": route.key,
                "url": url,
                "title": self.title_of(&route.key, route.lang),
                "description": shown.and_then(|p| p.front.description.clone()),
                "tags": shown.map_or(&[][..], |p| &p.front.tags[..]),
                "date": shown.and_then(|p| p.front.date.clone()),
                "extra": shown.map(|p| &p.front.extra),
                "content": rendered.as_ref().map(|r| markdown::localize(&r.html, &root, route.lang, self.display_lang(route.lang))),
                "content_lang": self.display_lang(shown.map_or(route.lang, |p| p.lang)).code(),
                // Pages with a widget load its script (decided here: a template
                // test on the content would copy and escape the whole page).
                "playground": rendered.as_ref().is_some_and(|r| r.stats.playgrounds > 0),
                "fallback": own.is_none() && shown.is_some(),
                "toc": toc,
                "question_count": toc.iter().filter(|e| e["question"] == true).count(),
                // Titles that carry the author's own numbers (`5.3 …`, `1、…`) are
                // listed without a second number.
                "toc_numbered": rendered.as_ref().is_some_and(|r| r.outline.questions().any(|q| {
                    markdown::outline::strip_numbering(&q.title).len() != q.title.len()
                })),
                "section": { "title": self.title_of(section_key, route.lang), "url": url_of(section_key, route.lang) },
                "prev": neighbour(position.and_then(|p| p.checked_sub(1))),
                "next": neighbour(position.map(|p| p + 1)),
                "translation": self.translation(
                    other,
                    &url_of(&route.key, other),
                    own.is_some() && self.page(&route.key, other).is_some(),
                    &partner_ids,
                ),
            },
        });
        let template = template_of(route.kind);
        let study = rendered.as_ref().zip(shown).and_then(|(r, p)| {
            crate::phases::timed(Phase::Study, || crate::study::chapter(self, route, p, r))
        });
        let (texts, mut diagnostics, stats) = match rendered {
            Some(r) if own.is_some() => (r.texts, r.diagnostics, r.stats),
            _ => (Vec::new(), Vec::new(), Stats::default()),
        };
        let html = crate::phases::timed(Phase::Templates, || theme.render(template, context));
        if let Err(message) = &html {
            diagnostics.push(Diagnostic::error(
                template,
                (1, 1),
                Kind::Template,
                message.clone(),
            ));
        }
        RenderedPage {
            route: route.clone(),
            html,
            texts,
            diagnostics,
            stats,
            study,
        }
    }

    /// Renders every output file and hands each to `sink` as soon as it is
    /// ready: `build` writes it straight to disk, `check` drops it, `serve` and
    /// tests keep it in memory. Both language versions of a page share one
    /// markdown rendering.
    pub fn render_each(&self, theme: &Theme, sink: &Sink<'_>) -> anyhow::Result<Report> {
        self.render_each_keeping(theme, sink, false)
    }

    /// [`Site::render_each`]; `keep_texts` keeps every page's search texts
    /// in the report (`serve` rebuilds the index from them), which a build
    /// does not need: each page's texts go into the index as it renders.
    fn render_each_keeping(
        &self,
        theme: &Theme,
        sink: &Sink<'_>,
        keep_texts: bool,
    ) -> anyhow::Result<Report> {
        let outputs = plan::outputs(self, theme);
        let routes: Vec<&Route> = outputs
            .iter()
            .filter_map(|o| match &o.renderer {
                Renderer::Page(route) => Some(route),
                _ => None,
            })
            .collect();
        let mut by_key: BTreeMap<&str, Vec<&Route>> = BTreeMap::new();
        for &route in &routes {
            by_key.entry(route.key.as_str()).or_default().push(route);
        }
        let groups: Vec<Vec<&Route>> = by_key.into_values().collect();
        let index = self
            .config
            .search
            .then(|| crate::search_index::IndexBuilder::new(&self.glossary));
        let rendered: Vec<anyhow::Result<Vec<RenderedPage>>> = groups
            .par_iter()
            .enumerate()
            .map(|(g, group)| {
                let mut bodies: HashMap<(Lang, PageKind), markdown::Rendered> = HashMap::new();
                let mut pages = Vec::with_capacity(group.len());
                for route in group {
                    let shown = self.page_or_fallback(&route.key, route.lang);
                    let body = shown.map(|p| {
                        bodies
                            .entry((p.lang, p.kind))
                            .or_insert_with(|| self.render_markdown(p))
                            .clone()
                    });
                    let mut page = self.render_route(route, theme, body);
                    if let Ok(html) = std::mem::replace(&mut page.html, Ok(String::new())) {
                        sink(route.output_file(), html.into_bytes())?;
                    } else {
                        page.html = Err(String::new());
                    }
                    if let Some(index) = index.as_ref().filter(|_| !page.texts.is_empty()) {
                        let position = (g as u64) << 16 | pages.len() as u64;
                        let chapter = self.title_of(&route.key, route.lang);
                        index.add_page(position, route, &chapter, &page.texts);
                    }
                    if !keep_texts {
                        page.texts = Vec::new();
                    }
                    pages.push(page);
                }
                Ok(pages)
            })
            .collect();

        let mut report = Report {
            diagnostics: self.diagnostics.clone(),
            summary: Summary::default(),
            texts: Vec::new(),
            notes: BTreeMap::new(),
        };
        for page in rendered
            .into_iter()
            .collect::<anyhow::Result<Vec<_>>>()?
            .into_iter()
            .flatten()
        {
            report.summary.stats += page.stats;
            report.summary.pages += usize::from(page.html.is_ok());
            report.diagnostics.extend(page.diagnostics);
            if let Some(study) = page.study {
                report.notes.insert(page.route.clone(), study.notes);
            }
            if !page.texts.is_empty() {
                report.texts.push((page.route, page.texts));
            }
        }
        // Everything else the plan lists, but what is built from all the
        // pages (the search index, the Anki decks: below) and content files
        // (copied by the caller).
        for output in &outputs {
            let r = &output.renderer;
            if r.is_aggregate() || matches!(r, Renderer::Page(_) | Renderer::Asset(_)) {
                continue;
            }
            match self.render_output(theme, output) {
                Ok(bytes) => sink(output.path.clone(), bytes)?,
                Err(d) => report.diagnostics.push(d),
            }
        }
        report.diagnostics.extend(self.asset_copies(theme).1);
        if let Some(index) = index {
            let started = std::time::Instant::now();
            // In parallel: the index is a few thousand small files, spread
            // over folders so that they can be created at the same time.
            report.summary.search_docs =
                index.finish(&|name, text| sink(format!("search/{name}"), text.into_bytes()))?;
            report.summary.search_time = started.elapsed();
        }
        for output in &outputs {
            if let Renderer::AnkiDeck(lang) = output.renderer {
                sink(
                    output.path.clone(),
                    crate::study::deck(self, lang, &report.notes),
                )?;
            }
        }
        report.summary.questions = self
            .pages
            .iter()
            .filter(|p| p.kind == PageKind::Chapter)
            .map(|p| p.questions.len())
            .sum();
        report
            .diagnostics
            .sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
        report.diagnostics.dedup();
        report.summary.errors = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        report.summary.warnings = report.diagnostics.len() - report.summary.errors;
        Ok(report)
    }

    /// Renders one output of the plan other than a content page, the search
    /// index and a copied file (`build` and `serve` both come here).
    pub fn render_output(
        &self,
        theme: &Theme,
        output: &plan::Output,
    ) -> Result<Vec<u8>, Diagnostic> {
        let template_error = |template: &str, message: String| {
            Diagnostic::error(template, (1, 1), Kind::Template, message)
        };
        match &output.renderer {
            Renderer::Page(route) => {
                let page = self.render_page(route, theme);
                page.html
                    .map(String::into_bytes)
                    .map_err(|m| template_error(template_of(route.kind), m))
            }
            Renderer::PlayGallery(lang) => crate::play::render_gallery(self, theme, *lang)
                .map(String::into_bytes)
                .map_err(|m| template_error("play-index.html", m)),
            Renderer::PlayAlgorithm(algo, lang) => {
                crate::play::render_algorithm(self, theme, algo, *lang)
                    .map(String::into_bytes)
                    .map_err(|m| template_error("play.html", m))
            }
            Renderer::PlayPreview(algo) => Ok(crate::play::render_preview(algo).into_bytes()),
            Renderer::Redirect(route) => Ok(self.render_redirect(&output.path, route).into_bytes()),
            Renderer::NotFound => self
                .render_not_found(theme)
                .map(String::into_bytes)
                .map_err(|m| template_error("404.html", m)),
            Renderer::Sitemap => Ok(self.sitemap(&self.routes()).into_bytes()),
            Renderer::ThemeStatic => Ok(theme
                .static_files
                .get(&output.path)
                .cloned()
                .unwrap_or_default()),
            Renderer::Asset(source) => std::fs::read(source).map_err(|err| {
                Diagnostic::error(
                    &source.display().to_string(),
                    (1, 1),
                    Kind::Io,
                    format!("cannot read: {err}"),
                )
            }),
            Renderer::SearchIndex => Err(Diagnostic::error(
                "search/",
                (1, 1),
                Kind::Internal,
                "the search index is built from every page's texts, not alone".to_string(),
            )),
            Renderer::Drill(lang) => crate::study::render_drill(self, theme, *lang)
                .map(String::into_bytes)
                .map_err(|m| template_error("drill.html", m)),
            Renderer::StudyQuestions(lang) => Ok(crate::study::questions_json(self, *lang)),
            Renderer::AnkiDeck(_) => Err(Diagnostic::error(
                &output.path,
                (1, 1),
                Kind::Internal,
                "the Anki deck is built from every chapter's notes, not alone".to_string(),
            )),
        }
    }

    /// Renders the whole site in memory.
    pub fn render(&self, theme: &Theme) -> Output {
        let files = std::sync::Mutex::new(BTreeMap::new());
        let sink = |path: String, bytes: Vec<u8>| {
            files
                .lock()
                .map_err(|_| anyhow::anyhow!("render thread panicked"))?
                .insert(path, bytes);
            Ok(())
        };
        let report = self
            .render_each_keeping(theme, &sink, true)
            .unwrap_or_else(|err| Report {
                diagnostics: vec![Diagnostic::error(
                    "site",
                    (1, 1),
                    Kind::Render,
                    err.to_string(),
                )],
                summary: Summary::default(),
                texts: Vec::new(),
                notes: BTreeMap::new(),
            });
        Output {
            files: files.into_inner().unwrap_or_default(),
            copies: self.asset_copies(theme).0,
            report,
        }
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

    /// The `404.html` page (public so that `serve` can refresh it alone).
    pub fn render_not_found(&self, theme: &Theme) -> Result<String, String> {
        let context = json!({
            "lang": "zh", "root": self.config.base_path(), "base_url": self.config.base_url(),
            "site": self.site_context(Lang::Zh), "prefix": "",
            "t": Lang::Zh.ui_strings(), "t_en": Lang::En.ui_strings(), "nav": self.nav(Lang::Zh, Some("")),
            "page": { "kind": "404", "key": "", "url": "404.html", "title": "404",
                      "translation": self.translation(Lang::En, &url_of("", Lang::En), false, &[]) },
        });
        theme.render("404.html", context)
    }

    /// The language switch of a page (`page.translation` in templates): the
    /// same page in `other` at `url`, whose `exists` says whether it is a real
    /// translation and `ids` its question ids. None on a site in one
    /// language: there is no switch to show.
    pub(crate) fn translation(
        &self,
        other: Lang,
        url: &str,
        exists: bool,
        ids: &[&str],
    ) -> Option<Value> {
        self.languages().contains(&other).then(|| {
            json!({ "lang": other.code(), "name": other.native_name(), "url": url,
                    "exists": exists, "ids": ids })
        })
    }

    /// `sitemap.xml` for `routes`.
    pub fn sitemap(&self, routes: &[Route]) -> String {
        let base = self.config.base_url();
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        let pages = routes
            .iter()
            .filter(|r| self.page(&r.key, r.lang).is_some() || r.kind != PageKind::Chapter)
            .map(Route::url)
            .chain(if self.has_playground_pages() {
                crate::play::urls(self.languages())
            } else {
                Vec::new()
            });
        for url in pages {
            xml.push_str(&format!(
                "  <url><loc>{}{}</loc></url>\n",
                markdown::escape_html(&base),
                markdown::escape_html(&url)
            ));
        }
        xml.push_str("</urlset>\n");
        xml
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

    /// A page that sends the reader (and search engines) to `route`'s URL.
    pub fn render_redirect(&self, from: &str, route: &Route) -> String {
        let target = format!(
            "{}{}",
            root_prefix(from.trim_end_matches("index.html")),
            route.url()
        );
        let target = markdown::escape_html(&target);
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>\
             <link rel=\"canonical\" href=\"{target}\"><meta http-equiv=\"refresh\" content=\"0; url={target}\">\
             </head><body><p><a href=\"{target}\">{title}</a></p></body></html>\n",
            title = markdown::escape_html(&self.title_of(&route.key, route.lang)),
        )
    }
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

/// The template a page of this kind is rendered with.
pub(crate) fn template_of(kind: PageKind) -> &'static str {
    match kind {
        PageKind::Home => "home.html",
        PageKind::Section => "section.html",
        PageKind::Chapter => "page.html",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

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
        assert_eq!(root_prefix("en/a/x/"), "../../../");
        assert_eq!(root_prefix(""), "");
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
    fn a_chapter_page_lists_a_window_of_a_large_section() {
        let files: Vec<(String, String)> = (0..100)
            .map(|i| (format!("s/c{i:03}.md"), format!("# C{i:03}\n")))
            .collect();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let s = site(&refs);
        let nav = s.nav_around(Lang::Zh, Some("s"), Some("s/c050"));
        let section = &nav[0];
        let shown = section["chapters"].as_array().unwrap();
        assert_eq!(shown.len(), 41);
        assert!(shown.iter().any(|c| c["key"] == "s/c050"));
        assert_eq!(
            section["more_before"].as_u64().unwrap() + section["more_after"].as_u64().unwrap(),
            59
        );
        let full = s.nav(Lang::Zh, Some("s"));
        assert_eq!(
            full[0]["chapters"].as_array().unwrap().len(),
            100,
            "the section page lists all"
        );
    }

    #[test]
    fn drafts_are_skipped_unless_asked() {
        let s = site(&[("x.md", "+++\ndraft = true\n+++\n")]);
        assert!(s.pages.is_empty());
    }
}
