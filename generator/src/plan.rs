//! The build plan: every file of a site, what renders it, and what it
//! depends on. `build` renders all of it; `serve` asks the same plan which
//! outputs a change touches and renders those through the same functions.
//! No other place decides what a site consists of: a new kind of output is
//! added here once, and both commands follow.

use crate::lang::Lang;
use crate::route::Route;
use crate::site::Site;
use crate::theme::Theme;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// What produces one output file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Renderer {
    /// A content page (home, section, chapter) in one language.
    Page(Route),
    /// The playground gallery `/play/` in one language.
    PlayGallery(Lang),
    /// One algorithm's page `/play/<algo>/` in one language.
    PlayAlgorithm(&'static str, Lang),
    /// `play/<algo>/preview.svg`, drawn from a native run of the algorithm.
    PlayPreview(&'static str),
    /// An old URL of a page (front-matter `aliases`), redirecting to it.
    Redirect(Route),
    NotFound,
    Sitemap,
    /// A file of the theme's `static/` folder, as it is.
    ThemeStatic,
    /// A content file other than markdown (an image …), copied as it is.
    Asset(PathBuf),
    /// The search index files below `search/` (built from every page's texts).
    SearchIndex,
    /// Study mode's drill page `/drill/` in one language.
    Drill(Lang),
    /// `drill/questions.json`: every chapter's question ids and titles in one language.
    StudyQuestions(Lang),
    /// `drill/anki-<lang>.txt`: the Anki deck, built from every chapter's notes.
    AnkiDeck(Lang),
}

impl Renderer {
    /// Built from what every page's rendering yields, never alone: the
    /// search index, the Anki decks.
    pub fn is_aggregate(&self) -> bool {
        matches!(self, Renderer::SearchIndex | Renderer::AnkiDeck(_))
    }
}

/// One file of the site.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Output {
    /// Path below the site root (`foundations/softmax/index.html`); for the
    /// search index, its folder `search/`.
    pub path: String,
    pub renderer: Renderer,
}

/// What changed since the last rendering, as far as outputs are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Content pages were edited, added or removed. `listing` says whether
    /// what other pages show of them changed (titles, weights, question
    /// counts, descriptions, the set of pages); `questions`, whether their
    /// questions' ids or titles did (study mode's question lists show them).
    Pages {
        keys: BTreeSet<String>,
        listing: bool,
        questions: bool,
    },
    /// `glossary.tsv`: only search uses it.
    Glossary,
    /// Templates, configuration or the languages of the site: everything.
    Everything,
}

impl Output {
    /// Whether this output must be rendered again after `change`.
    pub fn depends_on(&self, change: &Change) -> bool {
        let (keys, listing, questions) = match change {
            Change::Everything => return true,
            Change::Glossary => return self.renderer == Renderer::SearchIndex,
            Change::Pages {
                keys,
                listing,
                questions,
            } => (keys, *listing, *questions),
        };
        match &self.renderer {
            // Every page's sidebar lists the sections with their question
            // counts and the chapters of its own section.
            Renderer::Page(route) => keys.contains(&route.key) || listing,
            Renderer::PlayGallery(_) | Renderer::PlayAlgorithm(..) | Renderer::NotFound => listing,
            Renderer::Redirect(route) => keys.contains(&route.key) || listing,
            Renderer::Sitemap => listing,
            Renderer::SearchIndex => true,
            Renderer::Drill(_) => listing,
            // Question ids and titles of any page.
            Renderer::StudyQuestions(_) => questions || listing,
            // Any chapter's answers.
            Renderer::AnkiDeck(_) => true,
            Renderer::PlayPreview(_) | Renderer::ThemeStatic | Renderer::Asset(_) => false,
        }
    }
}

/// Every output of `site` with `theme`, in a stable order.
pub fn outputs(site: &Site, theme: &Theme) -> Vec<Output> {
    let mut out: Vec<Output> = site
        .routes()
        .into_iter()
        .map(|route| Output {
            path: route.output_file(),
            renderer: Renderer::Page(route),
        })
        .collect();
    if site.has_playground_pages() {
        for &lang in site.languages() {
            out.push(Output {
                path: format!("{}index.html", crate::play::gallery_url(lang)),
                renderer: Renderer::PlayGallery(lang),
            });
            for algo in crate::markdown::playground::ids() {
                out.push(Output {
                    path: format!("{}index.html", crate::play::page_url(algo, lang)),
                    renderer: Renderer::PlayAlgorithm(algo, lang),
                });
            }
        }
        for algo in crate::markdown::playground::ids() {
            out.push(Output {
                path: format!("play/{algo}/preview.svg"),
                renderer: Renderer::PlayPreview(algo),
            });
        }
    }
    let taken: std::collections::HashSet<String> = out.iter().map(|o| o.path.clone()).collect();
    for (path, route) in site.aliases() {
        if !taken.contains(&path) {
            out.push(Output {
                path,
                renderer: Renderer::Redirect(route),
            });
        }
    }
    out.push(Output {
        path: "404.html".into(),
        renderer: Renderer::NotFound,
    });
    out.push(Output {
        path: "sitemap.xml".into(),
        renderer: Renderer::Sitemap,
    });
    out.extend(theme.static_files.keys().map(|path| Output {
        path: path.clone(),
        renderer: Renderer::ThemeStatic,
    }));
    out.extend(
        site.asset_copies(theme)
            .0
            .into_iter()
            .map(|(path, source)| Output {
                path,
                renderer: Renderer::Asset(source),
            }),
    );
    if site.config.search {
        out.push(Output {
            path: "search/".into(),
            renderer: Renderer::SearchIndex,
        });
    }
    if site.config.study {
        for &lang in site.languages() {
            let dir = crate::study::drill_url(lang);
            out.push(Output {
                path: format!("{dir}index.html"),
                renderer: Renderer::Drill(lang),
            });
            out.push(Output {
                path: format!("{dir}questions.json"),
                renderer: Renderer::StudyQuestions(lang),
            });
            out.push(Output {
                path: format!("{dir}{}", crate::study::deck_file(lang)),
                renderer: Renderer::AnkiDeck(lang),
            });
        }
    }
    last_for_each_path(out)
}

/// One output per path: of two that claim a path (two pages' aliases, an
/// alias of `/404.html`, an author's `static/` file over the theme's), the
/// later one, which the build used to write last. Outputs are rendered in
/// parallel, so "written last" no longer decides.
fn last_for_each_path(outputs: Vec<Output>) -> Vec<Output> {
    let mut seen = std::collections::HashSet::new();
    let mut kept: Vec<Output> = outputs
        .into_iter()
        .rev()
        .filter(|o| seen.insert(o.path.clone()))
        .collect();
    kept.reverse();
    kept
}

/// The outputs a change touches.
pub fn affected(site: &Site, theme: &Theme, change: &Change) -> Vec<Output> {
    outputs(site, theme)
        .into_iter()
        .filter(|o| o.depends_on(change))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(key: &str) -> Output {
        Output {
            path: format!("{key}/index.html"),
            renderer: Renderer::Page(Route {
                key: key.into(),
                kind: crate::content::PageKind::Chapter,
                lang: Lang::Zh,
            }),
        }
    }

    #[test]
    fn each_path_has_one_output_the_last_that_claims_it() {
        let site = crate::site::tests::site(&[
            (
                "a/x.md",
                "+++\naliases = [\"/old/\", \"/404.html\"]\n+++\n# X\n",
            ),
            ("a/x.en.md", "+++\naliases = [\"/old/\"]\n+++\n# X\n"),
        ]);
        let theme = Theme::load(std::path::Path::new("/nonexistent"), "default").unwrap();
        let outputs = outputs(&site, &theme);
        let at = |path: &str| -> Vec<&Renderer> {
            outputs
                .iter()
                .filter(|o| o.path == path)
                .map(|o| &o.renderer)
                .collect()
        };
        assert!(matches!(at("old/index.html")[..], [Renderer::Redirect(_)]));
        assert!(matches!(at("404.html")[..], [Renderer::NotFound]));
        let mut paths: Vec<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
        paths.sort_unstable();
        let before = paths.len();
        paths.dedup();
        assert_eq!(paths.len(), before);
    }

    #[test]
    fn listings_reach_every_page_and_the_playground_pages() {
        let edit = |listing| Change::Pages {
            keys: BTreeSet::from(["a/x".to_string()]),
            listing,
            questions: false,
        };
        let gallery = Output {
            path: "play/index.html".into(),
            renderer: Renderer::PlayGallery(Lang::Zh),
        };
        assert!(page("a/x").depends_on(&edit(false)));
        assert!(!page("a/y").depends_on(&edit(false)));
        assert!(page("a/y").depends_on(&edit(true)), "its sidebar shows a/x");
        assert!(!gallery.depends_on(&edit(false)));
        assert!(
            gallery.depends_on(&edit(true)),
            "the gallery has a sidebar too"
        );
        assert!(!gallery.depends_on(&Change::Glossary));
    }
}
