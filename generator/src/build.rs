//! Rendering a site: every output of the build plan through one set of
//! functions. `build` and `check` call [`render_each`], `serve` calls
//! [`render_page`] and [`render_output`] for the outputs a change touches,
//! tests call [`render`] (everything in memory).

use crate::content::{Page, PageKind};
use crate::context::{self, ContentPage, Frame, Link, OwnPage, Place, TocEntry};
use crate::diagnostics::{Diagnostic, Kind, Severity};
use crate::lang::Lang;
use crate::markdown::{self, PageContext, SearchText, Stats};
use crate::output::Sink;
use crate::phases::Phase;
use crate::plan::{self, Renderer};
use crate::route::{root_prefix, url_of, Route};
use crate::site::Site;
use crate::study::spool::NoteSpool;
use crate::theme::Theme;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

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

/// What a build found, besides the files it produced.
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// What search can find on every page, in its own language.
    pub texts: Vec<(Route, Vec<SearchText>)>,
    /// Every chapter route's Anki notes, for the decks.
    pub notes: BTreeMap<Route, Vec<crate::study::anki::Note>>,
}

/// Everything a build produces, in memory (`B`: how the bytes are held;
/// `serve` shares them with its store instead of copying them).
pub struct BuiltSite<B = Vec<u8>> {
    /// Output path → bytes.
    pub files: BTreeMap<String, B>,
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

/// Renders the markdown of one content page. The reader-dependent parts
/// are placeholders (see [`markdown::localize`]), so one rendering serves
/// the page and its stand-in in the other language.
pub fn render_markdown(site: &Site, theme: &Theme, page: &Page) -> markdown::Rendered {
    let cx = PageContext {
        display_path: &page.display_path,
        rel_path: &page.rel_path,
        lang: page.lang,
        body_line: page.body_line,
        resolver: site,
        strings: theme.strings(page.lang),
        keep_formulas: site.config.study,
    };
    let mut rendered = markdown::render(&page.body, &cx);
    // Study mode folds answers: each one in an element of its own.
    if site.config.study {
        if let Some(html) = crate::study::answers::wrap(&rendered.html, &rendered.outline) {
            rendered.html = html;
        }
    }
    rendered
}

/// Renders one output page from scratch (what `serve` calls for a changed file).
pub fn render_page(site: &Site, route: &Route, theme: &Theme) -> RenderedPage {
    let rendered = site
        .page_or_fallback(&route.key, route.lang)
        .map(|p| render_markdown(site, theme, p));
    render_route(site, route, theme, rendered)
}

/// Fills the page template for `route` around an already rendered body.
fn render_route(
    site: &Site,
    route: &Route,
    theme: &Theme,
    rendered: Option<markdown::Rendered>,
) -> RenderedPage {
    let url = route.url();
    let own = site.page(&route.key, route.lang);
    let shown = site.page_or_fallback(&route.key, route.lang);
    let other = route.lang.other();
    let chapters = site.chapters_in(route.key.rsplit_once('/').map_or("", |(s, _)| s));
    let position = chapters.iter().position(|k| *k == route.key);
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| chapters.get(i))
            .map(|k| Link::to(site, k, route.lang))
    };
    let toc: Vec<TocEntry> = rendered.as_ref().map_or_else(Vec::new, |r| {
        r.outline
            .entries
            .iter()
            .filter(|e| e.in_toc)
            .map(|e| TocEntry {
                id: e.id.clone(),
                title: e.title.clone(),
                title_html: markdown::math::inline_html(&e.title),
                question: e.is_question,
            })
            .collect()
    });
    let partner_ids: Vec<&str> = site
        .page(&route.key, other)
        .map_or_else(Vec::new, |p| p.anchors.iter().map(String::as_str).collect());
    let section_key = shown.and_then(|p| p.section_key()).unwrap_or("");
    let place = match route.kind {
        PageKind::Home => Place::Home,
        PageKind::Section => Place::Section(&route.key),
        PageKind::Chapter => Place::Chapter(section_key, &route.key),
    };
    let display = site.display_lang(route.lang);
    let page = ContentPage {
        kind: route.kind.name(),
        key: &route.key,
        url: url.clone(),
        title: site.title_of(&route.key, route.lang),
        description: shown.and_then(|p| p.front.description.as_deref()),
        tags: shown.map_or(&[][..], |p| &p.front.tags[..]),
        date: shown.and_then(|p| p.front.date.as_deref()),
        extra: shown.map(|p| &p.front.extra),
        content: rendered
            .as_ref()
            .map(|r| markdown::localize(&r.html, &root_prefix(&url), route.lang, display)),
        content_lang: site
            .display_lang(shown.map_or(route.lang, |p| p.lang))
            .code(),
        // Pages with a widget load its script (decided here: a template
        // test on the content would copy and escape the whole page).
        playground: rendered.as_ref().is_some_and(|r| r.stats.playgrounds > 0),
        fallback: own.is_none() && shown.is_some(),
        question_count: toc.iter().filter(|e| e.question).count(),
        toc,
        // Titles that carry the author's own numbers (`5.3 …`, `1、…`) are
        // listed without a second number.
        toc_numbered: rendered.as_ref().is_some_and(|r| {
            r.outline
                .questions()
                .any(|q| markdown::outline::strip_numbering(&q.title).len() != q.title.len())
        }),
        section: Link::to(site, section_key, route.lang),
        prev: neighbour(position.and_then(|p| p.checked_sub(1))),
        next: neighbour(position.map(|p| p + 1)),
        translation: context::translation(
            site,
            other,
            &url_of(&route.key, other),
            own.is_some() && site.page(&route.key, other).is_some(),
            partner_ids,
        ),
    };
    let nav = context::nav(site, theme, route.lang, place, &root_prefix(&url));
    let context = Frame::new(site, theme, route.lang, &url, nav, page);
    let template = route.template();
    let study = rendered
        .as_ref()
        .and_then(|r| crate::phases::timed(Phase::Study, || crate::study::chapter(site, route, r)));
    let (texts, mut diagnostics, stats) = match rendered {
        Some(r) if own.is_some() => (r.texts, r.diagnostics, r.stats),
        _ => (Vec::new(), Vec::new(), Stats::default()),
    };
    let html = crate::phases::timed(Phase::Templates, || theme.render(template, &context));
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
pub fn render_each(site: &Site, theme: &Theme, sink: &Sink<'_>) -> anyhow::Result<Report> {
    render_each_keeping(site, theme, sink, false)
}

/// [`render_each`]; `keep` keeps every page's search texts and Anki notes
/// in the report (`serve` rebuilds the index and the decks from them),
/// which a build does not need: each page's texts go into the index and its
/// notes into a [`NoteSpool`] as the page renders.
fn render_each_keeping(
    site: &Site,
    theme: &Theme,
    sink: &Sink<'_>,
    keep: bool,
) -> anyhow::Result<Report> {
    // The index's glossary automaton: `build` and `check` compiled it while
    // they read the notes (main.rs); `serve` compiles it here, beside the plan.
    let (outputs, index) = rayon::join(
        || plan::outputs(site, theme),
        || {
            site.config
                .search
                .then(|| crate::search_index::IndexBuilder::new(&site.glossary))
        },
    );
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
    let spool = (site.config.study && !keep).then(NoteSpool::new);
    // The pages, and beside them everything else the plan lists but what
    // is built from all the pages (the search index, the Anki decks: below)
    // and content files (copied by the caller).
    let (rendered, others) = rayon::join(
        || {
            render_pages(
                site,
                theme,
                &groups,
                sink,
                index.as_ref(),
                spool.as_ref(),
                keep,
            )
        },
        || {
            outputs
                .par_iter()
                .filter(|o| {
                    let r = &o.renderer;
                    !(r.is_aggregate() || matches!(r, Renderer::Page(_) | Renderer::Asset(_)))
                })
                .map(|output| match render_output(site, theme, output) {
                    Ok(bytes) => sink(output.path.clone(), bytes).map(|()| None),
                    Err(d) => Ok(Some(d)),
                })
                .collect::<anyhow::Result<Vec<Option<Diagnostic>>>>()
        },
    );

    let mut report = Report {
        diagnostics: site.diagnostics.clone(),
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
    report.diagnostics.extend(others?.into_iter().flatten());
    report.diagnostics.extend(site.asset_copies(theme).1);
    let finish_index = || {
        index
            .map(|index| {
                let started = std::time::Instant::now();
                // In parallel: the index is a few thousand small files, spread
                // over folders so that they can be created at the same time.
                let docs = index
                    .finish(&|name, text| sink(format!("search/{name}"), text.into_bytes()))?;
                anyhow::Ok((docs, started.elapsed()))
            })
            .transpose()
    };
    // One deck after the other: a large site's are hundreds of MB each.
    let write_decks = || {
        outputs.iter().try_for_each(|output| {
            let Renderer::AnkiDeck(lang) = output.renderer else {
                return Ok(());
            };
            // Timed as study, also when a thread of the index's last step
            // runs it.
            let deck = crate::phases::timed(Phase::Study, || match &spool {
                Some(spool) => spool.deck(site, lang),
                None => Ok(crate::study::deck(site, lang, &report.notes)),
            })?;
            sink(output.path.clone(), deck)
        })
    };
    // The index and small decks at the same time: a deck is one large file
    // whose writing is mostly the kernel's copying, on one core. A large
    // site's decks (hundreds of MB) wait until the index has let go of
    // its memory.
    let (search, decks) = if spool.as_ref().is_some_and(NoteSpool::in_memory) {
        rayon::join(finish_index, write_decks)
    } else {
        (finish_index(), write_decks())
    };
    if let Some((docs, time)) = search? {
        report.summary.search_docs = docs;
        report.summary.search_time = time;
    }
    decks?;
    report.summary.questions = site
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

/// Renders the content pages, group by group (a page and its stand-in in
/// the other language share one markdown rendering), handing each to `sink`
/// and its search texts to `index` and its notes to `spool` as it is done.
fn render_pages(
    site: &Site,
    theme: &Theme,
    groups: &[Vec<&Route>],
    sink: &Sink<'_>,
    index: Option<&crate::search_index::IndexBuilder>,
    spool: Option<&NoteSpool>,
    keep: bool,
) -> Vec<anyhow::Result<Vec<RenderedPage>>> {
    groups
        .par_iter()
        // One group (a page in its languages) per task: pages differ in
        // cost, and rayon's default halves left the last pages of a 1k
        // build on one core for ~35 ms.
        .with_max_len(1)
        .enumerate()
        .map(|(g, group)| {
            // Each body is rendered once; the routes that show it before the
            // last one get a copy, the last one the rendering itself.
            let shown: Vec<Option<&Page>> = group
                .iter()
                .map(|route| site.page_or_fallback(&route.key, route.lang))
                .collect();
            let mut uses: HashMap<(Lang, PageKind), usize> = HashMap::new();
            for p in shown.iter().flatten() {
                *uses.entry((p.lang, p.kind)).or_default() += 1;
            }
            let mut bodies: HashMap<(Lang, PageKind), markdown::Rendered> = HashMap::new();
            let mut pages = Vec::with_capacity(group.len());
            for (route, shown) in group.iter().zip(shown) {
                let body = shown.map(|p| {
                    let key = (p.lang, p.kind);
                    let left = uses.get_mut(&key).map_or(0, |n| {
                        *n -= 1;
                        *n
                    });
                    let rendered = bodies
                        .remove(&key)
                        .unwrap_or_else(|| render_markdown(site, theme, p));
                    if left > 0 {
                        bodies.insert(key, rendered.clone());
                    }
                    rendered
                });
                let mut page = render_route(site, route, theme, body);
                if let Ok(html) = std::mem::replace(&mut page.html, Ok(String::new())) {
                    sink(route.output_file(), html.into_bytes())?;
                } else {
                    page.html = Err(String::new());
                }
                if let Some(index) = index.as_ref().filter(|_| !page.texts.is_empty()) {
                    let position = (g as u64) << 16 | pages.len() as u64;
                    let chapter = site.title_of(&route.key, route.lang);
                    index.add_page(position, route, &chapter, &page.texts);
                }
                if !keep {
                    page.texts = Vec::new();
                }
                if let Some(spool) = &spool {
                    if let Some(study) = page.study.take() {
                        spool.add(route, &study.notes)?;
                    }
                }
                pages.push(page);
            }
            Ok(pages)
        })
        .collect()
}

/// Renders one output of the plan other than a content page, the search
/// index and a copied file (`build` and `serve` both come here).
pub fn render_output(
    site: &Site,
    theme: &Theme,
    output: &plan::Output,
) -> Result<Vec<u8>, Diagnostic> {
    let template_error = |template: &str, message: String| {
        Diagnostic::error(template, (1, 1), Kind::Template, message)
    };
    match &output.renderer {
        Renderer::Page(route) => {
            let page = render_page(site, route, theme);
            page.html
                .map(String::into_bytes)
                .map_err(|m| template_error(route.template(), m))
        }
        Renderer::PlayGallery(lang) => crate::play::render_gallery(site, theme, *lang)
            .map(String::into_bytes)
            .map_err(|m| template_error("play-index.html", m)),
        Renderer::PlayAlgorithm(algo, lang) => {
            crate::play::render_algorithm(site, theme, algo, *lang)
                .map(String::into_bytes)
                .map_err(|m| template_error("play.html", m))
        }
        Renderer::PlayPreview(algo) => Ok(crate::play::render_preview(algo).into_bytes()),
        Renderer::Redirect(route) => Ok(render_redirect(site, &output.path, route).into_bytes()),
        Renderer::NotFound => render_not_found(site, theme)
            .map(String::into_bytes)
            .map_err(|m| template_error("404.html", m)),
        Renderer::Sitemap => Ok(sitemap(site, &site.routes()).into_bytes()),
        Renderer::ThemeStatic => Ok(theme
            .static_files
            .get(&output.path)
            .cloned()
            .unwrap_or_default()),
        Renderer::Asset(source) => crate::source::read_asset(source),
        Renderer::SearchIndex => Err(Diagnostic::error(
            "search/",
            (1, 1),
            Kind::Internal,
            "the search index is built from every page's texts, not alone".to_string(),
        )),
        Renderer::Drill(lang) => crate::study::render_drill(site, theme, *lang)
            .map(String::into_bytes)
            .map_err(|m| template_error("drill.html", m)),
        Renderer::StudyQuestions(lang) => Ok(crate::study::questions_json(site, theme, *lang)),
        Renderer::AnkiDeck(_) => Err(Diagnostic::error(
            &output.path,
            (1, 1),
            Kind::Internal,
            "the Anki deck is built from every chapter's notes, not alone".to_string(),
        )),
    }
}

/// Renders the whole site in memory.
pub fn render(site: &Site, theme: &Theme) -> BuiltSite {
    render_watched(site, theme, &|_, _: &Vec<u8>| {})
}

/// [`render`], showing each file to `watch` as soon as it is ready (so that
/// `serve` answers requests while its first build is still running).
pub fn render_watched<B: From<Vec<u8>> + Send>(
    site: &Site,
    theme: &Theme,
    watch: &(dyn Fn(&str, &B) + Sync),
) -> BuiltSite<B> {
    let files = std::sync::Mutex::new(BTreeMap::new());
    let sink = |path: String, bytes: Vec<u8>| {
        let bytes = B::from(bytes);
        watch(&path, &bytes);
        files
            .lock()
            .map_err(|_| anyhow::anyhow!("render thread panicked"))?
            .insert(path, bytes);
        Ok(())
    };
    let report = render_each_keeping(site, theme, &sink, true).unwrap_or_else(|err| Report {
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
    BuiltSite {
        files: files.into_inner().unwrap_or_default(),
        copies: site.asset_copies(theme).0,
        report,
    }
}

/// The `404.html` page, in both languages (a host serves it for any URL,
/// so its links start at the site's base path).
pub fn render_not_found(site: &Site, theme: &Theme) -> Result<String, String> {
    #[derive(serde::Serialize)]
    struct English<'a> {
        t_en: &'a serde_json::Value,
    }
    let page = OwnPage {
        kind: "404",
        key: String::new(),
        url: "404.html".into(),
        title: "404".into(),
        description: None,
        playground: None,
        translation: context::translation(site, Lang::En, &url_of("", Lang::En), false, Vec::new()),
    };
    let root = site.config.base_path();
    let nav = context::nav(site, theme, Lang::Zh, Place::Elsewhere, &root);
    let mut frame = Frame::new(site, theme, Lang::Zh, "404.html", nav, page).with(English {
        t_en: &theme.strings(Lang::En).table,
    });
    frame.root = root;
    theme.render("404.html", &frame)
}

/// `sitemap.xml` for `routes`.
pub fn sitemap(site: &Site, routes: &[Route]) -> String {
    let base = site.config.base_url();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let pages = routes
        .iter()
        .filter(|r| site.page(&r.key, r.lang).is_some() || r.kind != PageKind::Chapter)
        .map(Route::url)
        .chain(if site.has_playground_pages() {
            crate::play::urls(site.languages())
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

/// A page that sends the reader (and search engines) to `route`'s URL.
pub fn render_redirect(site: &Site, from: &str, route: &Route) -> String {
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
        title = markdown::escape_html(&site.title_of(&route.key, route.lang)),
    )
}
