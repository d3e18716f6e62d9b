//! Study mode: readers test themselves on the site, with nothing but the
//! static files (`docs/study.md` has the reader's side).
//!
//! The generator's part is data; the browser does the rest
//! (`themes/default/static/study.js`, `drill.js`):
//!
//! * every answer in an element of its own ([`answers::wrap`], applied to
//!   each rendered page) so that the page can fold it;
//! * per language, below `drill/` (`en/drill/`): the drill page, the site's
//!   questions by section and chapter (`questions.json`: ids and titles, for
//!   progress counts and the drill queue), each chapter's answers
//!   (`cards/<chapter key>.json`, fetched by the drill page as it needs
//!   them) and the Anki deck (`anki-<lang>.txt`, see [`anki`]).
//!
//! Everything comes from what the build renders anyway: [`Collector::add`]
//! takes each chapter's rendering as it is made, so no page is rendered
//! twice. `study = false` in `config.toml` turns all of it off.
//!
//! Questions are known by `<page key>#<question id>`: the same in both
//! languages, so a reader's progress follows them across the language switch.

pub mod anki;
pub mod answers;

use crate::content::{Page, PageKind};
use crate::diagnostics::Diagnostic;
use crate::lang::Lang;
use crate::markdown;
use crate::site::{root_prefix, Route, Sink, Site};
use crate::theme::Theme;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// URL path of the drill page (and its data) in `lang`.
pub fn drill_url(lang: Lang) -> String {
    format!("{}drill/", lang.url_prefix())
}

/// The file name of the Anki deck in `lang`, beside the drill page.
pub fn deck_file(lang: Lang) -> String {
    format!("anki-{}.txt", lang.code())
}

/// What one chapter contributes in one language, kept until the end of the
/// build (the answers themselves are written out at once).
struct Chapter {
    /// (id, title as HTML) in page order.
    questions: Vec<(String, String)>,
    notes: Vec<anki::Note>,
}

/// Gathers the study data from the pages as they render (from any thread).
pub struct Collector<'s> {
    site: &'s Site,
    chapters: Mutex<HashMap<(Lang, String), Chapter>>,
}

impl<'s> Collector<'s> {
    pub fn new(site: &'s Site) -> Collector<'s> {
        Collector {
            site,
            chapters: Mutex::new(HashMap::new()),
        }
    }

    /// Takes the questions and answers of the chapter shown at `route`
    /// (`rendered` is the rendering of `shown`, with answers wrapped), and
    /// writes its answers for the drill page.
    pub fn add(
        &self,
        route: &Route,
        shown: &Page,
        rendered: &markdown::Rendered,
        sink: &Sink<'_>,
    ) -> anyhow::Result<()> {
        if !self.site.config.study || route.kind != PageKind::Chapter {
            return Ok(());
        }
        let lang = route.lang;
        let display = self.site.display_lang(lang);
        let drill_root = root_prefix(&drill_url(lang));
        let answers: HashMap<String, String> =
            answers::extract(&rendered.html).into_iter().collect();
        let formulas = anki::formulas(&shown.body);
        let base = self.site.config.base_url();
        let identity = self.identity();
        let chapter_title = markdown::escape_html(&self.site.title_of(&route.key, lang));
        let mut cards = Map::new();
        let mut chapter = Chapter {
            questions: Vec::new(),
            notes: Vec::new(),
        };
        for q in rendered.outline.questions() {
            let answer = answers.get(&q.id).map_or("", String::as_str);
            let for_drill = markdown::localize(answer, &drill_root, lang, display);
            cards.insert(q.id.clone(), Value::String(for_drill));
            let for_anki = anki::plain_code(&anki::with_tex(answer, &formulas));
            let for_anki = markdown::localize(&for_anki, &base, lang, display);
            let link = format!(
                "<p class=\"dlq-source\"><a href=\"{base}{}#{}\">{chapter_title}</a></p>",
                route.url(),
                markdown::escape_html(&q.id)
            );
            chapter.notes.push(anki::Note {
                guid: anki::guid(&identity, lang, &route.key, &q.id),
                front: anki::front(&q.title),
                back: format!("{for_anki}\n{link}"),
                tags: anki::tags(&route.key),
            });
            chapter
                .questions
                .push((q.id.clone(), markdown::math::inline_html(&q.title)));
        }
        let path = format!("{}cards/{}.json", drill_url(lang), route.key);
        sink(path, serde_json::to_vec(&cards)?)?;
        self.chapters
            .lock()
            .map_err(|_| anyhow::anyhow!("render thread panicked"))?
            .insert((lang, route.key.clone()), chapter);
        Ok(())
    }

    /// What tells this site's Anki notes from another's: its public URL,
    /// or its title when it has none.
    fn identity(&self) -> String {
        let base = self.site.config.base_url();
        if base.starts_with("http://") || base.starts_with("https://") {
            base
        } else {
            self.site.site_title(Lang::Zh)
        }
    }
}

/// Writes, per language, the drill page, `questions.json` and the Anki
/// deck from what `collector` gathered; returns the template errors.
pub fn render_pages(
    site: &Site,
    theme: &Theme,
    collector: Collector<'_>,
    sink: &Sink<'_>,
) -> anyhow::Result<Vec<Diagnostic>> {
    let mut chapters = collector
        .chapters
        .into_inner()
        .map_err(|_| anyhow::anyhow!("render thread panicked"))?;
    let mut diagnostics = Vec::new();
    for &lang in site.languages() {
        let dir = drill_url(lang);
        let mut sections = Vec::new();
        let mut notes = Vec::new();
        for section in site.nav(lang, None).as_array().into_iter().flatten() {
            let mut listed = Vec::new();
            for c in section["chapters"].as_array().into_iter().flatten() {
                let key = c["key"].as_str().unwrap_or_default();
                let Some(chapter) = chapters.remove(&(lang, key.to_string())) else {
                    continue;
                };
                listed.push(json!({ "key": key, "title": c["title"], "url": c["url"],
                                    "questions": chapter.questions }));
                notes.extend(chapter.notes);
            }
            sections.push(json!({ "key": section["key"], "title": section["title"],
                                  "url": section["url"], "chapters": listed }));
        }
        let listing = json!({ "v": 1, "lang": lang.code(), "sections": sections });
        sink(
            format!("{dir}questions.json"),
            serde_json::to_vec(&listing)?,
        )?;
        let deck = anki::deck(&site.site_title(lang), &notes);
        sink(format!("{dir}{}", deck_file(lang)), deck.into_bytes())?;
        match theme.render("drill.html", drill_context(site, lang)) {
            Ok(html) => sink(format!("{dir}index.html"), html.into_bytes())?,
            Err(message) => {
                diagnostics.push(Diagnostic::error("drill.html", (1, 1), "template", message))
            }
        }
    }
    Ok(diagnostics)
}

/// The drill page's template context: what every page of the theme expects
/// (`base.html`), and the deck's file.
fn drill_context(site: &Site, lang: Lang) -> Value {
    let url = drill_url(lang);
    let display = site.display_lang(lang);
    let (title, description) = match display {
        Lang::Zh => ("练习", "到期复习与模拟面试：逐题作答、自评，按间隔重复安排下次复习。"),
        Lang::En => (
            "Drill",
            "Due reviews and mock interviews: answer one question at a time, grade yourself, and come back when the spaced-repetition schedule says so.",
        ),
    };
    json!({
        "lang": display.code(),
        "prefix": lang.url_prefix(),
        "root": root_prefix(&url),
        "base_url": site.config.base_url(),
        "site": site.site_context(lang),
        "t": display.ui_strings(),
        "nav": site.nav(lang, Some("")),
        "page": {
            "kind": "drill",
            "key": "drill",
            "url": url,
            "title": title,
            "description": description,
            "translation": site.translation(lang.other(), &drill_url(lang.other()), true, &[]),
        },
        "deck": deck_file(lang),
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
        let output = site.render(&theme);
        let errors: Vec<_> = output
            .report
            .diagnostics
            .iter()
            .filter(|d| d.kind == "template")
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        output.files
    }

    const NOTES: &[(&str, &str)] = &[
        ("a/x.md", "# X\n\n## 为什么？ {#why}\n\n因为 $x^2$。\n\n## 怎么办？ {#how}\n\n```python\nprint(1)\n```\n"),
        ("a/x.en.md", "# X\n\n## Why? {#why}\n\nBecause $x^2$.\n\n## How? {#how}\n\nLike this.\n"),
        ("b.md", "- **第一？**\n\n  一。\n"),
    ];

    /// Fails when a study output disappears, or when `study = false` leaves one behind.
    #[test]
    fn study_outputs_exist_and_switch_off() {
        let files = built(NOTES, true);
        let text = |p: &str| String::from_utf8(files[p].clone()).unwrap();
        for lang in Lang::ALL {
            let dir = drill_url(lang);
            assert!(files.contains_key(&format!("{dir}index.html")), "{dir}");
            let listing: Value =
                serde_json::from_slice(&files[&format!("{dir}questions.json")]).unwrap();
            let keys: Vec<&str> = listing["sections"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["chapters"].as_array().unwrap())
                .map(|c| c["key"].as_str().unwrap())
                .collect();
            assert_eq!(keys, ["b", "a/x"], "reading order, root chapters first");
            let cards: Value =
                serde_json::from_slice(&files[&format!("{dir}cards/a/x.json")]).unwrap();
            assert!(cards["why"].as_str().unwrap().contains("katex"), "{cards}");
            let deck = text(&format!("{dir}{}", deck_file(lang)));
            assert_eq!(
                deck.lines().filter(|l| !l.starts_with('#')).count(),
                3,
                "{deck}"
            );
            assert!(deck.contains("\\(x^2\\)"), "{deck}");
        }
        let cards: Value = serde_json::from_slice(&files["drill/cards/a/x.json"]).unwrap();
        assert!(
            cards["how"]
                .as_str()
                .unwrap()
                .starts_with("<pre class=\"code"),
            "{cards}"
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
}
