//! Study mode: readers test themselves on the site, with nothing but the
//! static files (`docs/study.md` has the reader's side).
//!
//! The generator's part is data; the browser does the rest
//! (`themes/default/static/study.js`, `drill.js`):
//!
//! * every answer in an element of its own ([`answers::wrap`], applied to
//!   each rendered page) so that the page can fold it;
//! * per language, below `drill/` (`en/drill/`), outputs of the build plan
//!   (`plan.rs`): the drill page, the site's questions by section and chapter
//!   (`questions.json`: ids and titles, for progress counts and the drill
//!   queue) and the Anki deck (`anki-<lang>.txt`, see [`anki`]).
//!
//! The drill page takes a question's answer from its chapter page (the
//! wrapped answers are there, marked with their ids) rather than from a
//! second copy: copies of every answer as JSON doubled the size of a site
//! (40 of 80 MB for our notes, whose answers are mostly KaTeX markup).
//!
//! Everything comes from what the build renders anyway: a chapter's
//! rendering yields its [`Chapter`] (its notes for the deck) next to its
//! page, so no page is rendered twice; the deck is then put together from
//! every chapter's notes, the way the search index is from every page's
//! texts. `questions.json` needs no rendering: the parsed pages know their
//! questions. `study = false` in `config.toml` turns all of it off.
//!
//! Questions are known by `<page key>#<question id>`: the same in both
//! languages, so a reader's progress follows them across the language switch.

pub mod anki;
pub mod answers;
pub mod spool;

use crate::content::PageKind;
use crate::context::{self, Frame, OwnPage};
use crate::lang::Lang;
use crate::markdown;
use crate::route::{root_prefix, Route};
use crate::site::{SectionEntry, Site};
use crate::theme::Theme;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// URL path of the drill page (and its data) in `lang`.
pub fn drill_url(lang: Lang) -> String {
    format!("{}drill/", lang.url_prefix())
}

/// The file name of the Anki deck in `lang`, beside the drill page.
pub fn deck_file(lang: Lang) -> String {
    format!("anki-{}.txt", lang.code())
}

/// What study mode takes from one chapter as shown at one route.
pub struct Chapter {
    /// The chapter's notes for the Anki deck, in page order.
    pub notes: Vec<anki::Note>,
}

/// The chapter shown at `route`, from the rendering of the page shown there
/// (answers wrapped, formulas kept); `None` when study mode is off or the
/// route is not a chapter.
pub fn chapter(site: &Site, route: &Route, rendered: &markdown::Rendered) -> Option<Chapter> {
    if !site.config.study || route.kind != PageKind::Chapter {
        return None;
    }
    let lang = route.lang;
    let display = site.display_lang(lang);
    // Formulas back to TeX and code unhighlighted once for the whole page,
    // then the answers taken out (smaller without KaTeX's markup).
    let formulas = anki::Formulas::new(&rendered.formulas);
    let page = anki::plain_code(&anki::with_tex(&rendered.html, &formulas));
    let answers: HashMap<String, String> = answers::extract(&page).into_iter().collect();
    let base = site.config.base_url();
    let identity = identity(site);
    let chapter_title = markdown::escape_html(&site.title_of(&route.key, lang));
    let mut notes = Vec::new();
    for q in rendered.outline.questions() {
        let answer = answers.get(&q.id).map_or("", String::as_str);
        let for_anki = markdown::localize(answer, &base, lang, display);
        let link = format!(
            "<p class=\"dlq-source\"><a href=\"{base}{}#{}\">{chapter_title}</a></p>",
            route.url(),
            markdown::escape_html(&q.id)
        );
        notes.push(anki::Note {
            guid: anki::guid(&identity, lang, &route.key, &q.id),
            front: anki::front(&q.title),
            back: format!("{for_anki}\n{link}"),
            tags: anki::tags(&route.key),
        });
    }
    Some(Chapter { notes })
}

/// What tells this site's Anki notes from another's: its public URL, or
/// its title when it has none.
fn identity(site: &Site) -> String {
    let base = site.config.base_url();
    if base.starts_with("http://") || base.starts_with("https://") {
        base
    } else {
        site.site_title(Lang::Zh)
    }
}

/// `drill/questions.json` in `lang`: sections → chapters → `[id, title
/// HTML]`, in reading order, from the parsed pages.
pub fn questions_json(site: &Site, theme: &Theme, lang: Lang) -> Vec<u8> {
    let sections: Vec<_> = site
        .listing(lang)
        .iter()
        .map(|section: &SectionEntry| {
            let chapters: Vec<_> = section
                .chapters
                .iter()
                .map(|c| {
                    let questions: Vec<(&str, String)> = site
                        .page_or_fallback(&c.key, lang)
                        .map(|p| &p.questions[..])
                        .unwrap_or_default()
                        .iter()
                        .map(|q| (q.id.as_str(), markdown::math::inline_html(&q.title)))
                        .collect();
                    json!({ "key": c.key, "title": c.title, "url": c.url, "questions": questions })
                })
                .collect();
            let title = context::section_title(section, theme, lang);
            json!({ "key": section.key, "title": title, "url": section.url,
                    "chapters": chapters })
        })
        .collect();
    serde_json::to_vec(&json!({ "v": 1, "lang": lang.code(), "sections": sections }))
        .unwrap_or_default()
}

/// The Anki deck of `lang` from every chapter's notes (by route), in reading order.
pub fn deck(site: &Site, lang: Lang, notes: &BTreeMap<Route, Vec<anki::Note>>) -> Vec<u8> {
    let ordered = chapter_routes(site, lang).filter_map(|route| notes.get(&route));
    anki::deck(&site.site_title(lang), ordered.flatten()).into_bytes()
}

/// The route of every chapter in `lang`, in reading order: the order of
/// the notes in a deck.
pub fn chapter_routes(site: &Site, lang: Lang) -> impl Iterator<Item = Route> + '_ {
    site.listing(lang).iter().flat_map(move |section| {
        section.chapters.iter().map(move |c| Route {
            key: c.key.clone(),
            kind: PageKind::Chapter,
            lang,
        })
    })
}

/// The drill page in `lang`.
pub fn render_drill(site: &Site, theme: &Theme, lang: Lang) -> Result<String, String> {
    theme.render("drill.html", &drill_context(site, theme, lang))
}

/// `deck` on the drill page: the Anki deck's file name beside it.
#[derive(Serialize)]
struct Deck {
    deck: String,
}

/// The drill page's template context: the frame every page has, and the deck.
fn drill_context<'a>(site: &'a Site, theme: &'a Theme, lang: Lang) -> Frame<'a, OwnPage<'a>, Deck> {
    let url = drill_url(lang);
    let t = theme.strings(site.display_lang(lang));
    let (title, description) = (t.get("drill_page.title"), t.get("drill_page.description"));
    let page = OwnPage {
        kind: "drill",
        key: "drill".into(),
        url: url.clone(),
        title: title.into(),
        description: Some(description.into()),
        playground: None,
        translation: context::translation(
            site,
            lang.other(),
            &drill_url(lang.other()),
            true,
            Vec::new(),
        ),
    };
    let nav = context::nav(
        site,
        theme,
        lang,
        context::Place::Elsewhere,
        &root_prefix(&url),
    );
    Frame::new(site, theme, lang, &url, nav, page).with(Deck {
        deck: deck_file(lang),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theme::Theme;
    use std::path::Path;

    fn built(files: &[(&str, &str)], study: bool) -> std::collections::BTreeMap<String, Vec<u8>> {
        let mut site = crate::site::tests::site(files);
        site.config.study = study;
        let theme = Theme::load(Path::new("/nonexistent"), "default").unwrap();
        let output = crate::build::render(&site, &theme);
        let errors: Vec<_> = output
            .report
            .diagnostics
            .iter()
            .filter(|d| d.kind == crate::diagnostics::Kind::Template)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        output.files
    }

    const NOTES: &[(&str, &str)] = &[
        ("a/x.md", "# X\n\n## 为什么？ {#why}\n\n因为 $x^2$。\n\n## 怎么办？ {#how}\n\n```python\nprint(1)\n```\n"),
        ("a/x.en.md", "# X\n\n## Why? {#why}\n\nBecause $x^2$.\n\n## How? {#how}\n\nLike this.\n"),
        ("b.md", "- **第一？**\n\n  一。\n"),
    ];

    /// What `serve` re-renders after an edit: a chapter's answers with its
    /// page, the question lists and decks after any page, the drill page
    /// (a sidebar) after listing changes only.
    #[test]
    fn study_outputs_depend_on_what_they_show() {
        use crate::plan::{Change, Renderer};
        let site = crate::site::tests::site(NOTES);
        let theme = Theme::load(Path::new("/nonexistent"), "default").unwrap();
        let outputs = crate::plan::outputs(&site, &theme);
        let edit = |key: &str, listing| Change::Pages {
            keys: [key.to_string()].into(),
            listing,
            questions: true,
        };
        let touched = |change: &Change| -> Vec<String> {
            let mut paths: Vec<String> = outputs
                .iter()
                .filter(|o| o.path.contains("drill/") && o.depends_on(change))
                .map(|o| o.path.clone())
                .collect();
            paths.sort();
            paths
        };
        assert_eq!(
            touched(&edit("a/x", false)),
            [
                "drill/anki-zh.txt",
                "drill/questions.json",
                "en/drill/anki-en.txt",
                "en/drill/questions.json"
            ]
        );
        let answers_only = Change::Pages {
            keys: ["a/x".to_string()].into(),
            listing: false,
            questions: false,
        };
        assert_eq!(
            touched(&answers_only),
            ["drill/anki-zh.txt", "en/drill/anki-en.txt"],
            "an edit of answers leaves the question lists alone"
        );
        assert!(touched(&edit("b", true)).contains(&"en/drill/index.html".to_string()));
        assert!(touched(&Change::Glossary).is_empty());
        let aggregates: Vec<&str> = outputs
            .iter()
            .filter(|o| o.renderer.is_aggregate() && o.renderer != Renderer::SearchIndex)
            .map(|o| o.path.as_str())
            .collect();
        assert_eq!(aggregates, ["drill/anki-zh.txt", "en/drill/anki-en.txt"]);
    }

    /// Fails when a study output disappears, or when `study = false` leaves one behind.
    #[test]
    fn study_outputs_exist_and_switch_off() {
        let files = built(NOTES, true);
        let text = |p: &str| String::from_utf8(files[p].clone()).unwrap();
        for lang in Lang::ALL {
            let dir = drill_url(lang);
            assert!(files.contains_key(&format!("{dir}index.html")), "{dir}");
            let listing: serde_json::Value =
                serde_json::from_slice(&files[&format!("{dir}questions.json")]).unwrap();
            let keys: Vec<&str> = listing["sections"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["chapters"].as_array().unwrap())
                .map(|c| c["key"].as_str().unwrap())
                .collect();
            assert_eq!(keys, ["b", "a/x"], "reading order, root chapters first");
            let deck = text(&format!("{dir}{}", deck_file(lang)));
            assert_eq!(
                deck.lines().filter(|l| !l.starts_with('#')).count(),
                3,
                "{deck}"
            );
            assert!(deck.contains("\\(x^2\\)"), "{deck}");
        }
        let deck = text("drill/anki-zh.txt");
        assert!(
            deck.contains("<pre class=\"\"code"),
            "code stays a <pre>: {deck}"
        );
        let page = text("a/x/index.html");
        assert!(
            page.contains("<div class=\"answer\" data-q=\"why\">"),
            "{page}"
        );
        assert!(page.contains("static/study.js"), "{page}");

        let off = built(NOTES, false);
        assert!(
            !off.keys().any(|k| k.contains("drill/")),
            "{:?}",
            off.keys()
        );
        let page = String::from_utf8(off["a/x/index.html"].clone()).unwrap();
        assert!(!page.contains("study"), "{page}");
        assert!(!page.contains("class=\"answer\""), "{page}");
    }

    /// `build` streams the notes through a temporary file; `serve` (and
    /// `render`) keeps them in memory: the decks are the same files.
    #[test]
    fn a_build_spools_the_same_decks_it_would_keep() {
        let site = crate::site::tests::site(NOTES);
        let theme = Theme::load(Path::new("/nonexistent"), "default").unwrap();
        let kept = crate::build::render(&site, &theme).files;
        let streamed = std::sync::Mutex::new(std::collections::BTreeMap::new());
        let sink = |path: String, bytes: Vec<u8>| {
            streamed.lock().unwrap().insert(path, bytes);
            Ok(())
        };
        let report = crate::build::render_each(&site, &theme, &sink).unwrap();
        assert!(report.notes.is_empty(), "a build keeps no notes");
        let streamed = streamed.into_inner().unwrap();
        for lang in Lang::ALL {
            let deck = format!("{}{}", drill_url(lang), deck_file(lang));
            let text = String::from_utf8(streamed[&deck].clone()).unwrap();
            assert_eq!(text, String::from_utf8(kept[&deck].clone()).unwrap());
            // Reading order: `b` (a root chapter) before `a/x`.
            let first_note = text.lines().find(|l| !l.starts_with('#')).unwrap();
            assert!(first_note.ends_with("\t\"b\""), "{text}");
        }
    }
}
