//! Incremental rebuilds: the [`Workspace`] keeps the parsed site and the
//! theme between saves and turns a [`ChangeSet`] into an [`Update`] of the
//! in-memory site, re-rendering only what the change affects.
//!
//! A saved content file is re-read and re-parsed alone ([`Site::replace_source`]),
//! then its page is rendered in both languages (the other language shows it
//! as a fallback or links to it) and swapped in before the reload is sent.
//! Other pages show a page only through its listing facts (title, weight,
//! question count, description) and the set of pages; when those changed,
//! its section page and the home page are rendered too, before the reload,
//! and the rest of the site (whose sidebars list them) afterwards, in chunks
//! that give way to the next save ([`Workspace::refresh_chunk`]). Study
//! mode's question lists are rendered with the page when its questions' ids
//! or titles changed. What is built from every page (the search index and
//! the Anki decks, from a snapshot [`Workspace::aggregates`], on another
//! thread) follows when the author pauses: on a 1,000-page site the decks
//! alone made a save take 65 ms instead of 3, at 16,000 pages 300 ms.
//! A template or configuration change
//! re-renders everything; a static file is just replaced.
//!
//! The same pipeline as `build` renders every page, so what `serve` shows is
//! what `build` writes, minus the injected reload script.

use super::reload::Reload;
use super::store::Update;
use super::watch::{ChangeSet, SitePaths};
use crate::build::{self, RenderedPage};
use crate::config::Config;
use crate::content::{classify, Page, PageKind};
use crate::diagnostics::{Diagnostic, Kind, Severity};
use crate::lang::Lang;
use crate::markdown::SearchText;
use crate::plan::{self, Renderer};
use crate::route::Route;
use crate::site::Site;
use crate::source;
use crate::theme::Theme;
use axum::body::Bytes;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Everything a rebuild needs between two saves.
pub struct Workspace {
    paths: SitePaths,
    /// The content folder as the user named it (diagnostics show paths below it).
    content_dir: PathBuf,
    base_url: String,
    drafts: bool,
    site: Site,
    /// The last theme that loaded; a broken template keeps this one in use.
    theme: Theme,
    /// The questions of every rendered page, for the search index (shared
    /// with the snapshot the index is built from: taking one copies no text).
    texts: BTreeMap<Route, Arc<[SearchText]>>,
    /// Every rendered chapter's Anki notes, for study mode's decks.
    notes: BTreeMap<Route, Arc<[crate::study::anki::Note]>>,
    /// Content files that could not be read or decoded (display path → why);
    /// their last good version stays on the site.
    load_errors: HashMap<String, Diagnostic>,
    /// Hash of each markdown file's bytes, so that a save without a change is skipped.
    hashes: HashMap<String, u64>,
    /// The build plan of the site as it is now (see [`Workspace::replan`]):
    /// asked on every save and every refresh chunk, computed once per change.
    plan: HashSet<plan::Output>,
}

/// What one rebuild did.
pub struct Outcome {
    pub update: Update,
    /// What open pages should do, if anything changed.
    pub reload: Option<Reload>,
    /// Diagnostics to print, and a one-line summary.
    pub diagnostics: Vec<Diagnostic>,
    pub summary: String,
    /// Pages other than the rendered ones are stale (sidebars list changed titles or counts).
    pub refresh_needed: bool,
    /// What is built from every page is stale: the search index, study
    /// mode's decks (rebuilt when the author pauses, see
    /// [`Workspace::aggregates`]).
    pub aggregates_stale: bool,
}

/// What a page contributes to the sidebars and listings of other pages.
type ListingFacts = (String, i64, usize, Option<String>);

fn listing_facts(page: &Page) -> ListingFacts {
    (
        page.title.clone(),
        page.weight(),
        page.questions.len(),
        page.front.description.clone(),
    )
}

/// What study mode's question lists show of a page: its questions' ids and titles.
fn question_facts(page: &Page) -> Vec<(String, String)> {
    page.questions
        .iter()
        .map(|q| (q.id.clone(), q.title.clone()))
        .collect()
}

impl Workspace {
    /// Loads the site and its theme. `base_url` replaces the configured one,
    /// so that absolute links point at the preview server.
    pub fn load(
        paths: SitePaths,
        content_dir: &Path,
        base_url: String,
        drafts: bool,
    ) -> anyhow::Result<Workspace> {
        let config = load_config(&paths.config, &base_url)?;
        let theme = Theme::load(&paths.site_root, &config.theme)?;
        let (site, hashes) = load_site(content_dir, config, drafts);
        Ok(Workspace {
            paths,
            content_dir: content_dir.to_path_buf(),
            base_url,
            drafts,
            site,
            theme,
            texts: BTreeMap::new(),
            notes: BTreeMap::new(),
            load_errors: HashMap::new(),
            hashes,
            plan: HashSet::new(),
        })
    }

    /// Recomputes the plan after the site, its theme or its files changed.
    fn replan(&mut self) {
        self.plan = plan::outputs(&self.site, &self.theme).into_iter().collect();
    }

    pub fn paths(&self) -> &SitePaths {
        &self.paths
    }

    /// Renders the whole site with `build`'s pipeline into a fresh in-memory site.
    pub fn render_all(&mut self) -> Outcome {
        self.render_all_watched(&|_, _| {})
    }

    /// [`Workspace::render_all`], showing each rendered file to `watch` as
    /// soon as it is ready (serve's first build fills the store as it goes).
    pub fn render_all_watched(&mut self, watch: &(dyn Fn(&str, &Bytes) + Sync)) -> Outcome {
        let started = Instant::now();
        self.load_errors.clear();
        self.replan();
        let output = build::render_watched(&self.site, &self.theme, watch);
        let mut update = Update {
            replace_all: true,
            ..Update::default()
        };
        let mut diagnostics = output.report.diagnostics;
        for (path, source) in output.copies {
            match source::read_asset(&source) {
                Ok(bytes) => update.files.push((path, Some(Bytes::from(bytes)))),
                Err(d) => diagnostics.push(d),
            }
        }
        let template_error = |template: &str| {
            diagnostics
                .iter()
                .find(|d| d.kind.as_str() == "template" && d.path == template)
                .cloned()
                .unwrap_or_else(|| {
                    Diagnostic::error(template, (1, 1), Kind::Template, "not rendered")
                })
        };
        let routes = self.site.routes();
        for route in &routes {
            let file = route.output_file();
            if let Some(page) = shown(&self.site, route) {
                update
                    .sources
                    .push((file.clone(), Some(page.display_path.clone())));
            }
            if !output.files.contains_key(&file) {
                update
                    .template_errors
                    .push((file, Some(template_error(route.template()))));
            }
        }
        if !output.files.contains_key("404.html") {
            update
                .template_errors
                .push(("404.html".into(), Some(template_error("404.html"))));
        }
        let pages = routes
            .iter()
            .filter(|r| output.files.contains_key(&r.output_file()))
            .count();
        update.files.extend(
            output
                .files
                .into_iter()
                .map(|(path, bytes)| (path, Some(bytes))),
        );
        let mut by_file: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
        for d in diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error && d.kind.as_str() != "template")
        {
            by_file.entry(d.path.clone()).or_default().push(d.clone());
        }
        update.file_errors = by_file.into_iter().collect();
        update.site_error = Some(None);
        self.texts = output
            .report
            .texts
            .into_iter()
            .map(|(route, texts)| (route, Arc::from(texts)))
            .collect();
        self.notes = output
            .report
            .notes
            .into_iter()
            .map(|(route, notes)| (route, Arc::from(notes)))
            .collect();
        Outcome {
            update,
            reload: Some(Reload::Page),
            diagnostics,
            summary: format!(
                "built {pages} pages in {} ms",
                started.elapsed().as_millis()
            ),
            refresh_needed: false,
            aggregates_stale: false,
        }
    }

    /// Applies one batch of changes.
    pub fn apply(&mut self, changes: &ChangeSet) -> Outcome {
        if changes.config || changes.content_tree {
            return self.reload_everything();
        }
        let mut outcome = if changes.templates || changes.statics {
            self.reload_theme(changes)
        } else {
            empty_outcome()
        };
        if !changes.assets.is_empty() {
            self.update_assets(&changes.assets, &mut outcome);
        }
        if !changes.pages.is_empty() {
            let pages = self.update_pages(&changes.pages);
            outcome.reload = stronger(outcome.reload, pages.reload);
            outcome.update.extend(pages.update);
            outcome.diagnostics.extend(pages.diagnostics);
            outcome.summary = join_summary(&outcome.summary, &pages.summary);
            outcome.refresh_needed |= pages.refresh_needed;
            outcome.aggregates_stale |= pages.aggregates_stale;
        }
        outcome
    }

    fn reload_everything(&mut self) -> Outcome {
        let config = match load_config(&self.paths.config, &self.base_url) {
            Ok(config) => config,
            Err(err) => return self.site_error(Kind::Config, &self.paths.config.clone(), err),
        };
        let theme = match Theme::load(&self.paths.site_root, &config.theme) {
            Ok(theme) => theme,
            Err(err) => return self.site_error(Kind::Template, &self.paths.theme_dir.clone(), err),
        };
        self.paths.theme_dir = self.paths.site_root.join("themes").join(&config.theme);
        self.theme = theme;
        (self.site, self.hashes) = load_site(&self.content_dir, config, self.drafts);
        self.render_all()
    }

    fn reload_theme(&mut self, changes: &ChangeSet) -> Outcome {
        let theme = match Theme::load(&self.paths.site_root, &self.site.config.theme) {
            Ok(theme) => theme,
            Err(err) => return self.site_error(Kind::Template, &self.paths.theme_dir.clone(), err),
        };
        let old_statics = std::mem::replace(&mut self.theme, theme).static_files;
        self.replan();
        if changes.templates {
            let mut outcome = self.render_all();
            outcome.summary = format!("templates changed: {}", outcome.summary);
            return outcome;
        }
        let mut update = Update {
            site_error: Some(None),
            ..Update::default()
        };
        for path in old_statics.keys() {
            if !self.theme.static_files.contains_key(path) {
                update.files.push((path.clone(), None));
            }
        }
        for (path, bytes) in &self.theme.static_files {
            if old_statics.get(path) != Some(bytes) {
                update
                    .files
                    .push((path.clone(), Some(Bytes::from(bytes.clone()))));
            }
        }
        let count = update.files.len();
        Outcome {
            update,
            reload: Some(if changes.static_css_only {
                Reload::Css
            } else {
                Reload::Page
            }),
            diagnostics: Vec::new(),
            summary: format!("{count} static files replaced"),
            refresh_needed: false,
            aggregates_stale: false,
        }
    }

    /// A theme or config that does not load: keep the last good one and say why on every page.
    fn site_error(&self, kind: Kind, path: &Path, err: anyhow::Error) -> Outcome {
        let d = Diagnostic::error(
            &path.display().to_string(),
            (1, 1),
            kind,
            format!("{err:#}"),
        );
        Outcome {
            update: Update {
                site_error: Some(Some(d.clone())),
                ..Update::default()
            },
            reload: Some(Reload::Page),
            diagnostics: vec![d],
            summary: format!("{kind} error: the last good version stays in use"),
            refresh_needed: false,
            aggregates_stale: false,
        }
    }

    fn update_assets(&mut self, assets: &BTreeSet<String>, outcome: &mut Outcome) {
        for rel in assets {
            if rel == "glossary.tsv" {
                self.site.glossary = crate::search_index::glossary_in(&self.content_dir);
                outcome.aggregates_stale = true;
            }
            if let Some(why) = self.site.asset_conflict(rel, &self.theme) {
                eprintln!("{}: {why}; not served: rename it", rel);
                continue;
            }
            match source::read_asset(&self.content_dir.join(rel)) {
                Ok(bytes) => {
                    self.site.assets.insert(rel.clone());
                    outcome
                        .update
                        .files
                        .push((rel.clone(), Some(Bytes::from(bytes))));
                }
                Err(_) => {
                    self.site.assets.remove(rel);
                    outcome.update.files.push((rel.clone(), None));
                }
            }
        }
        self.replan();
        outcome.reload = stronger(outcome.reload, Some(Reload::Page));
        outcome.summary = join_summary(
            &outcome.summary,
            &format!("{} content files copied", assets.len()),
        );
    }

    /// Re-reads the changed markdown files and renders the pages that show them.
    fn update_pages(&mut self, changed: &BTreeSet<String>) -> Outcome {
        let started = Instant::now();
        let languages = self.site.languages().to_vec();
        let playground = self.site.has_playground_pages();
        // Whether the set of outputs may differ: a page came or went, or its
        // aliases changed. Most saves change neither, and then the plan is
        // not recomputed (at 16,000 pages that alone took 30 ms a save).
        let mut outputs_changed = false;
        let mut listing_changed = false;
        let mut questions_changed = false;
        let mut touched: BTreeSet<(String, PageKind)> = BTreeSet::new();
        let mut changed_files: Vec<String> = Vec::new();
        for rel in changed {
            let Some((key, lang, kind)) = classify(rel) else {
                continue;
            };
            let display = self.content_dir.join(rel).display().to_string();
            let old = self.site.page(&key, lang).map(listing_facts);
            let old_questions = self.site.page(&key, lang).map(question_facts);
            let old_aliases = self.site.page(&key, lang).map(|p| p.front.aliases.clone());
            if self.content_dir.join(rel).is_file() {
                match source::load_file(&self.content_dir, rel) {
                    Ok(file) => {
                        let hash = hash_of(file.text.as_bytes());
                        let unchanged = self.hashes.get(rel) == Some(&hash)
                            && !self.load_errors.contains_key(&display);
                        if unchanged {
                            continue;
                        }
                        self.hashes.insert(rel.clone(), hash);
                        self.load_errors.remove(&display);
                        self.site.replace_source(&file, self.drafts);
                    }
                    Err(d) => {
                        self.hashes.remove(rel);
                        self.load_errors.insert(display.clone(), d);
                    }
                }
            } else {
                self.hashes.remove(rel);
                self.load_errors.remove(&display);
                self.site.remove_source(rel);
            }
            listing_changed |= old != self.site.page(&key, lang).map(listing_facts);
            questions_changed |= old_questions != self.site.page(&key, lang).map(question_facts);
            outputs_changed |=
                old_aliases != self.site.page(&key, lang).map(|p| p.front.aliases.clone());
            touched.insert((key, kind));
            changed_files.push(display);
        }
        if changed_files.is_empty() {
            return empty_outcome();
        }
        // The first translation (or the last one gone) changes every page:
        // the language switch, the English half of the site.
        if self.site.languages() != languages {
            return self.reload_everything();
        }
        let mut update = Update::default();
        // The plan before this change, when it was recomputed.
        let mut before = None;
        let mut new_pages = Vec::new();
        let mut pages_changed = false;
        if outputs_changed || self.site.has_playground_pages() != playground {
            let old = std::mem::take(&mut self.plan);
            self.replan();
            (new_pages, pages_changed) = self.outputs_came_or_went(&old, &mut update);
            before = Some(old);
        }
        // Section and home pages show a page only through its listing facts
        // (and the set of pages): unless those changed, they stay as they are.
        let listing_changed = listing_changed || pages_changed;
        let mut affected: BTreeSet<Route> = new_pages.into_iter().collect();
        for (key, kind) in &touched {
            let section = match kind {
                PageKind::Home => None,
                _ => Some(key.rsplit_once('/').map_or("", |(s, _)| s)),
            };
            for lang in Lang::ALL {
                let candidates = [
                    Some(Route {
                        key: key.clone(),
                        kind: *kind,
                        lang,
                    }),
                    section
                        .filter(|s| listing_changed && !s.is_empty())
                        .map(|s| Route {
                            key: s.to_string(),
                            kind: PageKind::Section,
                            lang,
                        }),
                    listing_changed.then(|| Route {
                        key: String::new(),
                        kind: PageKind::Home,
                        lang,
                    }),
                ];
                affected.extend(
                    candidates
                        .into_iter()
                        .flatten()
                        .filter(|r| self.has_route(r)),
                );
            }
        }
        let routes: Vec<Route> = affected.into_iter().collect();
        let mut diagnostics = Vec::new();
        self.render_routes(&routes, &mut update, &changed_files, &mut diagnostics);
        // Other outputs that show these pages themselves, not only their
        // listing (study mode's question lists), and the Anki decks.
        let change = plan::Change::Pages {
            keys: touched.iter().map(|(key, _)| key.clone()).collect(),
            listing: false,
            questions: questions_changed,
        };
        for output in self.plan.iter().filter(|o| {
            before.as_ref().is_none_or(|b| b.contains(o))
                && o.depends_on(&change)
                && !matches!(o.renderer, Renderer::Page(_))
                && !o.renderer.is_aggregate()
        }) {
            if let Ok(bytes) = build::render_output(&self.site, &self.theme, output) {
                update
                    .files
                    .push((output.path.clone(), Some(Bytes::from(bytes))));
            }
        }
        let summary = format!(
            "{} → {} pages in {:.1?}",
            changed_files.join(", "),
            routes.len(),
            started.elapsed()
        );
        Outcome {
            update,
            reload: Some(Reload::Page),
            diagnostics,
            summary,
            refresh_needed: listing_changed,
            aggregates_stale: true,
        }
    }

    /// Whether the site (as last planned) has the page `route`.
    fn has_route(&self, route: &Route) -> bool {
        self.plan.contains(&plan::Output {
            path: route.output_file(),
            renderer: Renderer::Page(route.clone()),
        })
    }

    /// After a replan: removes from `update` the outputs of `before` that
    /// are gone, renders the outputs other than pages that are new (the
    /// playground pages follow whether any page uses a playground), and
    /// returns the new pages (rendered by the caller with the others) and
    /// whether any page came or went.
    fn outputs_came_or_went(
        &mut self,
        before: &HashSet<plan::Output>,
        update: &mut Update,
    ) -> (Vec<Route>, bool) {
        let mut pages_gone = false;
        for gone in before.iter().filter(|o| !self.plan.contains(o)) {
            match &gone.renderer {
                Renderer::Page(route) => {
                    pages_gone = true;
                    update.files.push((gone.path.clone(), None));
                    update.sources.push((gone.path.clone(), None));
                    update.template_errors.push((gone.path.clone(), None));
                    self.texts.remove(route);
                    self.notes.remove(route);
                }
                Renderer::SearchIndex => {}
                _ => update.files.push((gone.path.clone(), None)),
            }
        }
        let mut pages = Vec::new();
        for new in self.plan.iter().filter(|o| !before.contains(o)) {
            match &new.renderer {
                Renderer::Page(route) => pages.push(route.clone()),
                r if r.is_aggregate() => {}
                _ => {
                    if let Ok(bytes) = build::render_output(&self.site, &self.theme, new) {
                        update
                            .files
                            .push((new.path.clone(), Some(Bytes::from(bytes))));
                    }
                }
            }
        }
        let changed = pages_gone || !pages.is_empty();
        (pages, changed)
    }

    /// Renders `routes` into `update`, with the errors of the files they show
    /// and of `also_files` (changed files that may no longer show anywhere).
    fn render_routes(
        &mut self,
        routes: &[Route],
        update: &mut Update,
        also_files: &[String],
        printed: &mut Vec<Diagnostic>,
    ) {
        let (site, theme) = (&self.site, &self.theme);
        let rendered: Vec<RenderedPage> = routes
            .par_iter()
            .map(|route| build::render_page(site, route, theme))
            .collect();
        let mut render_diagnostics: BTreeMap<String, Vec<Diagnostic>> =
            also_files.iter().map(|f| (f.clone(), Vec::new())).collect();
        for page in rendered {
            let file = page.route.output_file();
            let source = shown(site, &page.route).map(|p| p.display_path.clone());
            if let Some(own) = site.page(&page.route.key, page.route.lang) {
                render_diagnostics
                    .entry(own.display_path.clone())
                    .or_default();
            }
            match page.html {
                Ok(html) => {
                    update.files.push((file.clone(), Some(Bytes::from(html))));
                    update.template_errors.push((file.clone(), None));
                }
                Err(_) => {
                    let error = page
                        .diagnostics
                        .iter()
                        .find(|d| d.kind.as_str() == "template")
                        .cloned();
                    printed.extend(error.clone());
                    update.template_errors.push((file.clone(), error));
                }
            }
            update.sources.push((file, source));
            for d in page
                .diagnostics
                .into_iter()
                .filter(|d| d.kind.as_str() != "template")
            {
                render_diagnostics
                    .entry(d.path.clone())
                    .or_default()
                    .push(d);
            }
            match page.study {
                Some(study) => self
                    .notes
                    .insert(page.route.clone(), Arc::from(study.notes)),
                None => self.notes.remove(&page.route),
            };
            if page.texts.is_empty() {
                self.texts.remove(&page.route);
            } else {
                self.texts.insert(page.route, Arc::from(page.texts));
            }
        }
        for (path, from_render) in render_diagnostics {
            let mut all: Vec<Diagnostic> = self
                .site
                .diagnostics
                .iter()
                .filter(|d| d.path == path)
                .cloned()
                .chain(self.load_errors.get(&path).cloned())
                .chain(from_render)
                .collect();
            all.sort_by_key(|d| (d.line, d.col));
            all.dedup();
            if also_files.contains(&path) {
                printed.extend(all.iter().cloned());
            }
            all.retain(|d| d.severity == Severity::Error);
            update.file_errors.push((path, all));
        }
    }

    /// The outputs whose sidebars may show stale titles or counts after a
    /// listing change, as the build plan lists them (pages, the playground
    /// pages, 404, sitemap), for [`Workspace::refresh_chunk`].
    pub fn listing_outputs(&self) -> Vec<plan::Output> {
        let change = plan::Change::Pages {
            keys: BTreeSet::new(),
            listing: true,
            questions: false,
        };
        let mut stale: Vec<plan::Output> = self
            .plan
            .iter()
            .filter(|o| o.depends_on(&change) && !o.renderer.is_aggregate())
            .cloned()
            .collect();
        stale.sort_by(|a, b| a.renderer.cmp(&b.renderer));
        stale
    }

    /// Re-renders some outputs whose sidebars may be stale.
    pub fn refresh_chunk(&mut self, outputs: &[plan::Output]) -> Update {
        let mut update = Update::default();
        let routes: Vec<Route> = outputs
            .iter()
            .filter(|o| self.plan.contains(*o))
            .filter_map(|o| match &o.renderer {
                Renderer::Page(route) => Some(route.clone()),
                _ => None,
            })
            .collect();
        self.render_routes(&routes, &mut update, &[], &mut Vec::new());
        for output in outputs.iter().filter(|o| self.plan.contains(*o)) {
            if matches!(output.renderer, Renderer::Page(_)) || output.renderer.is_aggregate() {
                continue;
            }
            match build::render_output(&self.site, &self.theme, output) {
                Ok(bytes) => {
                    update
                        .files
                        .push((output.path.clone(), Some(Bytes::from(bytes))));
                    update.template_errors.push((output.path.clone(), None));
                }
                Err(d) => update.template_errors.push((output.path.clone(), Some(d))),
            }
        }
        update
    }

    /// A snapshot of what is built from every page (the search index, study
    /// mode's Anki decks) as last rendered, to be built on another thread
    /// while the next save is rendered: at 16,000 pages the decks alone took
    /// 300 ms and the index seconds. Taking it copies no page's text.
    pub fn aggregates(&self) -> Aggregates {
        let search = self.site.config.search.then(|| {
            let texts: Vec<(Route, Arc<[SearchText]>)> = self
                .texts
                .iter()
                .map(|(r, t)| (r.clone(), t.clone()))
                .collect();
            let titles = texts
                .iter()
                .map(|(r, _)| (r.clone(), self.site.title_of(&r.key, r.lang)))
                .collect();
            SearchInput {
                texts,
                titles,
                glossary: self.site.glossary.clone(),
            }
        });
        let decks = if self.site.config.study {
            self.plan
                .iter()
                .filter_map(|o| match o.renderer {
                    Renderer::AnkiDeck(lang) => Some(DeckInput {
                        path: o.path.clone(),
                        title: self.site.site_title(lang),
                        notes: crate::study::chapter_routes(&self.site, lang)
                            .filter_map(|route| self.notes.get(&route).cloned())
                            .collect(),
                    }),
                    _ => None,
                })
                .collect()
        } else {
            Vec::new()
        };
        Aggregates { search, decks }
    }
}

/// What is built from every page: the search index and the Anki decks.
pub struct Aggregates {
    search: Option<SearchInput>,
    decks: Vec<DeckInput>,
}

/// What the search index of the site is built from.
struct SearchInput {
    texts: Vec<(Route, Arc<[SearchText]>)>,
    titles: HashMap<Route, String>,
    glossary: Vec<(String, String)>,
}

/// One Anki deck: its file, its name, its chapters' notes in reading order.
struct DeckInput {
    path: String,
    title: String,
    notes: Vec<Arc<[crate::study::anki::Note]>>,
}

impl Aggregates {
    /// Builds the search index files (`search/…`) and the decks the way `build` does.
    pub fn build(self) -> (Update, Duration) {
        let started = Instant::now();
        let mut update = Update::default();
        if let Some(search) = self.search {
            let titles = &search.titles;
            let title = |r: &Route| titles.get(r).cloned().unwrap_or_else(|| r.key.clone());
            let index = crate::search_index::build_index(&search.texts, &search.glossary, title);
            update.files = index
                .files
                .into_iter()
                .map(|(name, text)| (format!("search/{name}"), Some(Bytes::from(text))))
                .collect();
            // Files of the last index that this one does not have go away.
            update.clear_folder = Some("search/".into());
        }
        for deck in self.decks {
            let notes = deck.notes.iter().flat_map(|n| n.iter());
            let bytes = crate::study::anki::deck(&deck.title, notes).into_bytes();
            update.files.push((deck.path, Some(Bytes::from(bytes))));
        }
        (update, started.elapsed())
    }
}

/// Hash of every markdown file's text (read once more at start-up; cheap next to rendering).
/// The site, and the hash of each markdown file's text (read once for both).
fn load_site(content_dir: &Path, config: Config, drafts: bool) -> (Site, HashMap<String, u64>) {
    let loaded = source::load_dir(content_dir);
    let hashes = loaded
        .files
        .iter()
        .map(|f| (f.rel_path.clone(), hash_of(f.text.as_bytes())))
        .collect();
    (
        Site::from_loaded(content_dir, loaded, config, drafts),
        hashes,
    )
}

/// The page a route shows: its own, or the other language's while untranslated.
fn shown<'a>(site: &'a Site, route: &Route) -> Option<&'a Page> {
    site.page_or_fallback(&route.key, route.lang)
}

fn load_config(path: &Path, base_url: &str) -> anyhow::Result<Config> {
    let mut config = Config::load(path)?;
    config.base_url = base_url.to_string();
    Ok(config)
}

fn hash_of(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

fn empty_outcome() -> Outcome {
    Outcome {
        update: Update::default(),
        reload: None,
        diagnostics: Vec::new(),
        summary: String::new(),
        refresh_needed: false,
        aggregates_stale: false,
    }
}

/// The reload that covers both: a page reload also picks up new stylesheets.
fn stronger(a: Option<Reload>, b: Option<Reload>) -> Option<Reload> {
    match (a, b) {
        (Some(Reload::Page), _) | (_, Some(Reload::Page)) => Some(Reload::Page),
        (a, b) => a.or(b),
    }
}

fn join_summary(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}; {b}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(name: &str, files: &[(&str, &str)]) -> (Workspace, PathBuf) {
        let dir = std::env::temp_dir().join(format!("serve-rebuild-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (rel, text) in files {
            let path = dir.join("content").join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let paths = SitePaths {
            site_root: dir.clone(),
            content_dir: dir.join("content"),
            config: dir.join("config.toml"),
            theme_dir: dir.join("themes/default"),
        };
        let ws = Workspace::load(
            paths,
            &dir.join("content"),
            "http://127.0.0.1:1/".into(),
            false,
        )
        .unwrap();
        (ws, dir)
    }

    fn saved(rel: &str) -> ChangeSet {
        ChangeSet {
            pages: BTreeSet::from([rel.to_string()]),
            ..ChangeSet::default()
        }
    }

    fn html<'a>(update: &'a Update, path: &str) -> Option<&'a str> {
        update
            .files
            .iter()
            .rev()
            .find(|(p, _)| p == path)
            .and_then(|(_, b)| b.as_ref().map(|b| std::str::from_utf8(b).unwrap()))
    }

    /// What `serve` holds after applying updates (path → bytes).
    fn apply_to(served: &mut BTreeMap<String, Bytes>, update: Update) {
        if update.replace_all {
            served.clear();
        }
        if let Some(folder) = &update.clear_folder {
            served.retain(|path, _| !path.starts_with(folder.as_str()));
        }
        for (path, bytes) in update.files {
            match bytes {
                Some(bytes) => served.insert(path, bytes),
                None => served.remove(&path),
            };
        }
    }

    /// What `build` writes for the same folder, in memory.
    fn full_build(ws: &Workspace) -> BTreeMap<String, Bytes> {
        let config = load_config(&ws.paths.config, &ws.base_url).unwrap();
        let theme = Theme::load(&ws.paths.site_root, &config.theme).unwrap();
        let site = Site::load(&ws.content_dir, config, false);
        let output = crate::build::render(&site, &theme);
        let mut files: BTreeMap<String, Bytes> = output
            .files
            .into_iter()
            .map(|(p, b)| (p, Bytes::from(b)))
            .collect();
        for (path, source) in output.copies {
            files.insert(path, Bytes::from(std::fs::read(source).unwrap()));
        }
        files
    }

    /// A tiny deterministic generator (xorshift), so a failing sequence replays.
    struct Dice(u64);
    impl Dice {
        fn roll(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// The incremental invariant: after any sequence of edits, what `serve`
    /// serves (once its background refresh and search index are done) is
    /// byte for byte what `build` writes for the same folder.
    #[test]
    fn serve_after_random_edits_equals_a_fresh_build() {
        let (mut ws, dir) = workspace(
            "property",
            &[
                ("_index.md", "# Home\n"),
                ("a/_index.md", "+++\ntitle = \"A\"\nweight = 1\n+++\n"),
                (
                    "a/x.md",
                    "# X\n\n## Q1? {#q1}\n\nanswer $x^2$\n\n```playground softmax\n```\n",
                ),
                ("a/x.en.md", "# X en\n\n## Q1? {#q1}\n\nanswer\n"),
                ("a/y.md", "# Y\n\n## Why? {#why}\n\ntext [x](x.md#q1)\n"),
                ("b/z.md", "# Z\n\n- 为什么？\n- 怎么做？\n"),
                ("glossary.tsv", "感受野\treceptive field\n"),
                ("img/p.png", "png"),
            ],
        );
        let mut served = BTreeMap::new();
        apply_to(&mut served, ws.render_all().update);
        let content = dir.join("content");
        let pages = [
            "a/x.md",
            "a/x.en.md",
            "a/y.md",
            "a/new.md",
            "b/z.md",
            "b/new.en.md",
            "c/w.md",
        ];
        let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
        for step in 0..150 {
            let page = pages[dice.roll(pages.len())];
            let n = dice.roll(1000);
            let (what, changes) = match dice.roll(9) {
                0 | 1 => {
                    let text = format!("# Title {n}\n\n## Q{n}? {{#q{n}}}\n\nanswer {n}\n");
                    std::fs::create_dir_all(content.join(page).parent().unwrap()).unwrap();
                    std::fs::write(content.join(page), text).unwrap();
                    ("write page", saved(page))
                }
                2 => {
                    // Aliases (redirects) and drafts change the site's
                    // outputs without adding or removing a file.
                    let aliases = match n % 3 {
                        0 => format!("aliases = [\"/old-{n}/\"]\n"),
                        1 => "aliases = [\"/old/\"]\n".to_string(),
                        _ => String::new(),
                    };
                    let draft = if n.is_multiple_of(7) {
                        "draft = true\n"
                    } else {
                        ""
                    };
                    let text = format!(
                        "+++\nweight = {n}\ndescription = \"d{n}\"\n{aliases}{draft}+++\n# T\n\n## Q1? {{#q1}}\n"
                    );
                    std::fs::create_dir_all(content.join(page).parent().unwrap()).unwrap();
                    std::fs::write(content.join(page), text).unwrap();
                    ("front matter", saved(page))
                }
                3 => {
                    let _ = std::fs::remove_file(content.join(page));
                    ("remove page", saved(page))
                }
                4 => {
                    std::fs::write(
                        content.join("glossary.tsv"),
                        format!("感受野\treceptive field {n}\n"),
                    )
                    .unwrap();
                    let mut c = ChangeSet::default();
                    c.assets.insert("glossary.tsv".into());
                    ("glossary", c)
                }
                5 => {
                    let path = content.join(format!("img/{n}.png"));
                    std::fs::write(&path, "png").unwrap();
                    let mut c = ChangeSet::default();
                    c.assets.insert(format!("img/{n}.png"));
                    ("asset", c)
                }
                6 => {
                    let templates = dir.join("templates");
                    std::fs::create_dir_all(&templates).unwrap();
                    let base = Theme::load(&dir, "default").unwrap();
                    let _ = base;
                    std::fs::write(templates.join("404.html"), format!("{{% extends \"base.html\" %}}{{% block main %}}gone {n}{{% endblock main %}}")).unwrap();
                    let c = ChangeSet {
                        templates: true,
                        ..ChangeSet::default()
                    };
                    ("template", c)
                }
                7 => {
                    std::fs::write(dir.join("config.toml"), format!("title = \"Site {n}\"\n"))
                        .unwrap();
                    let c = ChangeSet {
                        config: true,
                        ..ChangeSet::default()
                    };
                    ("config", c)
                }
                _ => {
                    let text = format!("# Same {n}\n\n## Q1? {{#q1}}\n\nbody {n}\n");
                    std::fs::create_dir_all(content.join(page).parent().unwrap()).unwrap();
                    std::fs::write(content.join(page), text).unwrap();
                    ("retitle", saved(page))
                }
            };
            let outcome = ws.apply(&changes);
            let refresh = outcome.refresh_needed;
            apply_to(&mut served, outcome.update);
            if refresh {
                let stale = ws.listing_outputs();
                apply_to(&mut served, ws.refresh_chunk(&stale));
            }
            apply_to(&mut served, ws.aggregates().build().0);
            let built = full_build(&ws);
            let differing: Vec<&String> = built
                .keys()
                .chain(served.keys())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .filter(|p| built.get(*p) != served.get(*p))
                .collect();
            assert!(
                differing.is_empty(),
                "step {step} ({what} {page}): serve differs from build in {differing:?}"
            );
        }
    }

    #[test]
    fn the_first_translation_publishes_the_english_site() {
        let (mut ws, dir) = workspace("languages", &[("a/x.md", "# X\n\n## Q? {#q}\n")]);
        ws.render_all();
        assert!(!ws.site.routes().iter().any(|r| r.lang == Lang::En));
        std::fs::write(dir.join("content/a/x.en.md"), "# X\n\n## Q? {#q}\n").unwrap();
        let out = ws.apply(&saved("a/x.en.md"));
        assert!(out.update.replace_all, "every page gets a language switch");
        assert!(html(&out.update, "en/a/x/index.html").is_some());
        assert!(html(&out.update, "a/x/index.html")
            .unwrap()
            .contains("class=\"lang-switch\""));
    }

    #[test]
    fn a_save_re_renders_only_its_pages_and_a_bad_byte_is_shown_and_reported() {
        let (mut ws, dir) = workspace(
            "save",
            &[
                ("a/x.md", "# X\n\n## Q? {#q}\n\nold text\n"),
                ("a/y.md", "# Y\n"),
                ("a/y.en.md", "# Y\n"),
            ],
        );
        assert!(ws.render_all().update.replace_all);
        let page = dir.join("content/a/x.md");

        std::fs::write(&page, "# X\n\n## Q? {#q}\n\nnew text\n").unwrap();
        let out = ws.apply(&saved("a/x.md"));
        let mut rendered: Vec<&str> = out.update.files.iter().map(|(p, _)| p.as_str()).collect();
        rendered.sort();
        assert_eq!(
            rendered,
            ["a/x/index.html", "en/a/x/index.html"],
            "the section and home pages list only its title and count, study \
             mode's question lists only ids and titles: unchanged (the decks \
             wait for a pause)"
        );
        assert!(html(&out.update, "a/x/index.html")
            .unwrap()
            .contains("new text"));
        assert_eq!(out.reload, Some(Reload::Page));
        assert!(
            !out.refresh_needed,
            "same title and questions: other pages are fine"
        );
        assert!(out.aggregates_stale, "search and decks follow at a pause");
        let mut decks: Vec<String> = ws
            .aggregates()
            .build()
            .0
            .files
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| p.contains("anki"))
            .collect();
        decks.sort();
        assert_eq!(decks, ["drill/anki-zh.txt", "en/drill/anki-en.txt"]);
        std::fs::write(&page, "# X\n\n## Q, asked again? {#q}\n\nnew text\n").unwrap();
        let retitled = ws.apply(&saved("a/x.md"));
        assert!(
            html(&retitled.update, "drill/questions.json").is_some(),
            "a question's new title reaches study mode's lists at once"
        );
        std::fs::write(&page, "# X\n\n## Q? {#q}\n\nnew text\n").unwrap();
        ws.apply(&saved("a/x.md"));
        assert!(
            ws.apply(&saved("a/x.md")).reload.is_none(),
            "unchanged bytes"
        );

        std::fs::write(&page, b"# X\n\n## Q? {#q}\n\nnew \xff text\n").unwrap();
        let out = ws.apply(&saved("a/x.md"));
        assert!(
            html(&out.update, "a/x/index.html")
                .unwrap()
                .contains("new \u{fffd} text"),
            "built, with the bad byte shown"
        );
        assert!(
            ws.site
                .diagnostics
                .iter()
                .any(|d| d.kind.as_str() == "encoding"),
            "{:?}",
            ws.site.diagnostics
        );

        std::fs::write(&page, "# Renamed\n\n## Q? {#q}\n\n## R? {#r}\n").unwrap();
        let out = ws.apply(&saved("a/x.md"));
        assert!(
            out.refresh_needed,
            "the sidebars list the new title and count"
        );
        for listing in ["a/index.html", "index.html", "en/index.html"] {
            assert!(
                html(&out.update, listing).unwrap().contains("Renamed"),
                "{listing}"
            );
        }
        assert!(out.update.file_errors.iter().all(|(_, e)| e.is_empty()));

        std::fs::remove_file(&page).unwrap();
        let out = ws.apply(&saved("a/x.md"));
        assert!(out
            .update
            .files
            .contains(&("a/x/index.html".to_string(), None)));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
