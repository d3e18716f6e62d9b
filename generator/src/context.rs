//! Template contexts: what each template can use, as types. A theme author
//! reads `docs/templates.md`; these structs are where it comes from, so a
//! field documented there exists here and nowhere else.
//!
//! Every template gets a [`Frame`] (what `base.html` needs: language, paths,
//! the site, interface strings, the sidebar) with its `page`; some add fields
//! of their own (`extra`, flattened next to `page`).

use crate::lang::Lang;
use crate::route::{root_prefix, url_of};
use crate::site::{ChapterEntry, SectionEntry, Site};
use crate::theme::Theme;
use serde::Serialize;

/// What every template gets.
#[derive(Serialize)]
pub struct Frame<'a, P: Serialize, E: Serialize = NoExtra> {
    /// The language the reader is addressed in (`lang=`, interface text).
    pub lang: &'static str,
    /// Where this language's pages live below the site root: `""` or `"en/"`.
    pub prefix: &'static str,
    /// The relative path from this page to the site root (`../../`).
    pub root: String,
    pub base_url: String,
    pub site: SiteVars,
    /// Interface strings in `lang` (the theme's `i18n/<lang>.toml`).
    pub t: &'a serde_json::Value,
    /// The scripts' strings as JSON, for `<script type="application/json" id="dlq-strings">`.
    pub t_json: &'a str,
    /// The sidebar's sections as data (the home and section pages list
    /// them; a theme may draw its own sidebar from them).
    pub nav: Vec<NavSection<'a>>,
    /// The sidebar's sections as `base.html` shows them (see [`Nav::html`]).
    pub nav_html: String,
    /// Sections the sidebar leaves out (see [`nav`]).
    pub nav_more: NavMore,
    pub page: P,
    /// What one template adds (`algo`, `embed`, `deck`, `t_en` …).
    #[serde(flatten)]
    pub extra: E,
}

/// No fields beyond the frame.
#[derive(Serialize)]
pub struct NoExtra {}

impl<'a, P: Serialize> Frame<'a, P> {
    /// The frame of a page at `url` in `lang`, with a sidebar `nav`.
    pub fn new(
        site: &'a Site,
        theme: &'a Theme,
        lang: Lang,
        url: &str,
        nav: Nav<'a>,
        page: P,
    ) -> Self {
        let display = site.display_lang(lang);
        let strings = theme.strings(display);
        Frame {
            lang: display.code(),
            prefix: lang.url_prefix(),
            root: root_prefix(url),
            base_url: site.config.base_url(),
            site: SiteVars::of(site, lang),
            t: &strings.table,
            t_json: strings.script_json(site.config.search, site.config.study),
            nav: nav.sections,
            nav_html: nav.html,
            nav_more: nav.more,
            page,
            extra: NoExtra {},
        }
    }

    /// The same frame with fields of one template's own.
    pub fn with<E: Serialize>(self, extra: E) -> Frame<'a, P, E> {
        Frame {
            lang: self.lang,
            prefix: self.prefix,
            root: self.root,
            base_url: self.base_url,
            site: self.site,
            t: self.t,
            t_json: self.t_json,
            nav: self.nav,
            nav_html: self.nav_html,
            nav_more: self.nav_more,
            page: self.page,
            extra,
        }
    }
}

/// `site` in templates.
#[derive(Serialize)]
pub struct SiteVars {
    /// The configured title, else the home page's, else the folder's name.
    pub title: String,
    /// The configured description, else the home page's.
    pub description: String,
    /// Whether the search box and index exist.
    pub search: bool,
    /// Whether `/play/` exists.
    pub playground: bool,
    /// Whether study mode is on.
    pub study: bool,
}

impl SiteVars {
    pub fn of(site: &Site, lang: Lang) -> SiteVars {
        let configured = site.config.description(lang);
        let description = if configured.is_empty() {
            site.page_or_fallback("", lang)
                .and_then(|p| p.front.description.clone())
                .unwrap_or_default()
        } else {
            configured.to_string()
        };
        SiteVars {
            title: site.site_title(lang),
            description,
            search: site.config.search,
            playground: site.has_playground_pages(),
            study: site.config.study,
        }
    }
}

/// A section in the sidebar. Chapters are listed only for the open one.
#[derive(Serialize)]
pub struct NavSection<'a> {
    pub key: &'a str,
    pub title: &'a str,
    pub url: &'a str,
    pub count: usize,
    pub description: Option<&'a str>,
    pub open: bool,
    pub chapters: &'a [ChapterEntry],
    /// Chapters of an open section left out before and after the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more_before: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more_after: Option<usize>,
}

/// The sidebar: the sections, and how many more there are than it lists.
pub struct Nav<'a> {
    pub sections: Vec<NavSection<'a>>,
    pub more: NavMore,
    /// The sections as HTML, made here rather than by a loop in the
    /// template: a chapter page lists up to 41 chapters, and Tera's loop
    /// over them was about 4 % of a 1,000-page build's CPU time.
    pub html: String,
}

/// Where a page sits among the notes, as its sidebar shows it.
#[derive(Clone, Copy)]
pub enum Place<'k> {
    /// The home page: every section, none open.
    Home,
    /// A section's own page (its key).
    Section(&'k str),
    /// A chapter (its section's key, its own key).
    Chapter(&'k str, &'k str),
    /// A page outside the notes (drill, playground, 404): the top-level
    /// section open.
    Elsewhere,
}

/// `nav_more`: sections left out before and after those listed (0 and 0
/// but on chapter and section pages of a site with very many sections).
#[derive(Serialize, Default, Clone, Copy)]
pub struct NavMore {
    pub before: usize,
    pub after: usize,
}

/// At most this many chapters of a section, and this many sections, are
/// listed on a page that is not the section's (or the home) page.
const WINDOW: usize = 41;

/// The part of `len` items around item `at` that a sidebar lists: all of
/// them when they are `WINDOW` or fewer.
fn window(len: usize, at: usize) -> std::ops::Range<usize> {
    if len <= WINDOW {
        return 0..len;
    }
    let from = at.saturating_sub(WINDOW / 2).min(len - WINDOW);
    from..from + WINDOW
}

/// The sidebar: the sections, with chapters listed only for the one being
/// read (`open_section`; all sections when `None`: the home page). A large
/// section lists only the chapters around the one read (`current`) on a
/// chapter page and its first ones on the home page, and on chapter and
/// section pages a site with very many sections lists the sections around
/// the open one, each with how many more there are (the section page lists
/// all its chapters, the home page all sections), so that a page's size
/// does not grow with the site.
pub fn nav<'a>(
    site: &'a Site,
    theme: &'a Theme,
    lang: Lang,
    place: Place<'_>,
    root: &str,
) -> Nav<'a> {
    let (open_section, current) = match place {
        Place::Home => (None, None),
        Place::Section(key) => (Some(key), None),
        Place::Chapter(section, key) => (Some(section), Some(key)),
        Place::Elsewhere => (Some(""), None),
    };
    let listing = site.listing(lang);
    let shown = match open_section.filter(|k| !k.is_empty()) {
        Some(key) => window(
            listing.len(),
            listing.iter().position(|s| s.key == key).unwrap_or(0),
        ),
        None => 0..listing.len(),
    };
    let more = NavMore {
        before: shown.start,
        after: listing.len() - shown.end,
    };
    let sections = listing[shown]
        .iter()
        .map(|s| {
            let open = open_section.is_none_or(|k| s.key == k);
            let all = &s.chapters[..];
            let chapters = match (current, open_section) {
                (Some(key), _) if open => window(
                    all.len(),
                    all.iter().position(|c| c.key == key).unwrap_or(0),
                ),
                // The home page: the first chapters of each section.
                (None, None) => window(all.len(), 0),
                _ => 0..all.len(),
            };
            NavSection {
                key: &s.key,
                title: section_title(s, theme, lang),
                url: &s.url,
                count: s.count,
                description: s.description.as_deref(),
                open,
                more_before: open.then_some(chapters.start),
                more_after: open.then_some(all.len() - chapters.end),
                chapters: if open { &all[chapters] } else { &[] },
            }
        })
        .collect::<Vec<_>>();
    let html = sidebar_html(&sections, root, place);
    Nav {
        sections,
        more,
        html,
    }
}

/// The sidebar's sections as HTML, byte for byte what `base.html`'s loop
/// over `nav` wrote (names escaped as Tera escapes them), with the page
/// itself marked `aria-current`.
fn sidebar_html(sections: &[NavSection<'_>], root: &str, place: Place<'_>) -> String {
    use crate::markdown::escape_html as e;
    use std::fmt::Write;
    let root = e(root);
    let current = |key: &str| {
        if matches!(place, Place::Chapter(_, k) if k == key) {
            " aria-current=\"page\""
        } else {
            ""
        }
    };
    let mut out = String::new();
    for s in sections {
        let url = e(s.url);
        let open = if s.open && !matches!(place, Place::Home) {
            "open"
        } else {
            ""
        };
        let section_current = if matches!(place, Place::Section(k) if k == s.key) {
            " aria-current=\"page\""
        } else {
            ""
        };
        let more = |n: Option<usize>| match n.filter(|&n| n > 0) {
            Some(n) => format!("<li class=\"more\"><a href=\"{root}{url}\">… {n}</a></li>"),
            None => String::new(),
        };
        let _ = write!(
            out,
            "\n    <details {open}>\n      <summary><a href=\"{root}{url}\"{section_current}>{}</a> <span class=\"count\">{}</span></summary>\n      <ul>\n        {}\n        ",
            e(s.title),
            s.count,
            more(s.more_before)
        );
        for c in s.chapters {
            let _ = write!(
                out,
                "\n        <li><a href=\"{root}{}\"{}>{}</a> <span class=\"count\">{}</span></li>\n        ",
                e(&c.url),
                current(&c.key),
                e(&c.title),
                c.count
            );
        }
        let _ = write!(
            out,
            "\n        {}\n      </ul>\n    </details>\n    ",
            more(s.more_after)
        );
    }
    out
}

/// A section's title as listings show it: the chapters at the top of the
/// folder are the theme's `t.notes`.
pub fn section_title<'a>(section: &'a SectionEntry, theme: &'a Theme, lang: Lang) -> &'a str {
    if section.key.is_empty() {
        theme.strings(lang).get("notes")
    } else {
        &section.title
    }
}

/// The language switch (`page.translation`): the same page in the other
/// language.
#[derive(Serialize)]
pub struct Translation<'a> {
    pub lang: &'static str,
    /// The language's own name, for the switch.
    pub name: &'static str,
    pub url: String,
    /// Whether it is a real translation (else the original is shown there).
    pub exists: bool,
    /// Its question ids, so the switch can keep the reader's question.
    pub ids: Vec<&'a str>,
}

/// The switch to `other` at `url`; `None` on a site in one language, where
/// there is no switch to show.
pub fn translation<'a>(
    site: &Site,
    other: Lang,
    url: &str,
    exists: bool,
    ids: Vec<&'a str>,
) -> Option<Translation<'a>> {
    site.languages().contains(&other).then(|| Translation {
        lang: other.code(),
        name: other.native_name(),
        url: url.to_string(),
        exists,
        ids,
    })
}

/// A page's title and URL (`page.section`, `page.prev`, `page.next`).
#[derive(Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

impl Link {
    pub fn to(site: &Site, key: &str, lang: Lang) -> Link {
        Link {
            title: site.title_of(key, lang),
            url: url_of(key, lang),
        }
    }
}

/// An entry of a page's table of contents.
#[derive(Serialize)]
pub struct TocEntry {
    pub id: String,
    pub title: String,
    /// The title with its formulas rendered.
    pub title_html: String,
    pub question: bool,
}

/// `page` on home, section and chapter pages.
#[derive(Serialize)]
pub struct ContentPage<'a> {
    /// `home`, `section` or `chapter`.
    pub kind: &'static str,
    pub key: &'a str,
    pub url: String,
    pub title: String,
    pub description: Option<&'a str>,
    pub tags: &'a [String],
    pub date: Option<&'a str>,
    /// Front-matter keys the generator does not use itself, as written.
    pub extra: Option<&'a serde_json::Map<String, serde_json::Value>>,
    /// The rendered body (HTML).
    pub content: Option<String>,
    /// The language the body is written in.
    pub content_lang: &'static str,
    /// The page has a playground widget (load its script).
    pub playground: bool,
    /// Shown untranslated in the other language.
    pub fallback: bool,
    pub toc: Vec<TocEntry>,
    pub question_count: usize,
    /// The questions carry the author's own numbers (`5.3 …`).
    pub toc_numbered: bool,
    pub section: Link,
    pub prev: Option<Link>,
    pub next: Option<Link>,
    pub translation: Option<Translation<'a>>,
}

/// `page` on the generator's own pages (playground, drill, 404).
#[derive(Serialize)]
pub struct OwnPage<'a> {
    /// `play`, `drill` or `404`.
    pub kind: &'static str,
    pub key: String,
    pub url: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playground: Option<bool>,
    pub translation: Option<Translation<'a>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site of `n` chapters at `path(i)`, titled `C000`…, and the default theme.
    fn numbered_site(n: usize, path: impl Fn(usize) -> String) -> (Site, Theme) {
        let files: Vec<(String, String)> =
            (0..n).map(|i| (path(i), format!("# C{i:03}\n"))).collect();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let theme = Theme::load(std::path::Path::new("/nonexistent"), "default").unwrap();
        (crate::site::tests::site(&refs), theme)
    }

    #[test]
    fn a_chapter_page_lists_a_window_of_a_large_section() {
        let (s, theme) = numbered_site(100, |i| format!("s/c{i:03}.md"));
        let around = nav(
            &s,
            &theme,
            Lang::Zh,
            Place::Chapter("s", "s/c050"),
            "../../",
        );
        let shown = around.sections[0].chapters;
        assert_eq!(shown.len(), 41);
        assert!(shown.iter().any(|c| c.key == "s/c050"));
        assert_eq!(
            around.sections[0].more_before.unwrap() + around.sections[0].more_after.unwrap(),
            59
        );
        let full = nav(&s, &theme, Lang::Zh, Place::Section("s"), "../");
        assert_eq!(
            full.sections[0].chapters.len(),
            100,
            "the section page lists all"
        );
        let home = nav(&s, &theme, Lang::Zh, Place::Home, "");
        assert_eq!(
            home.sections[0].chapters.len(),
            41,
            "the home page lists the first"
        );
        assert_eq!(home.sections[0].more_after, Some(59));
    }

    #[test]
    fn a_site_with_many_sections_lists_those_around_the_open_one() {
        let (s, theme) = numbered_site(120, |i| format!("s{i:03}/c.md"));
        let chapter = nav(
            &s,
            &theme,
            Lang::Zh,
            Place::Chapter("s100", "s100/c"),
            "../../",
        );
        assert_eq!(chapter.sections.len(), 41);
        assert!(chapter.sections.iter().any(|x| x.key == "s100" && x.open));
        assert_eq!(chapter.more.before + chapter.more.after, 79);
        let home = nav(&s, &theme, Lang::Zh, Place::Home, "");
        assert_eq!(
            home.sections.len(),
            120,
            "the home page lists every section"
        );
        assert_eq!(home.more.before + home.more.after, 0);
        assert_eq!(window(10, 3), 0..10);
        assert_eq!(window(100, 99), 59..100);
    }

    /// The sidebar made in Rust is what the template loop it replaced
    /// wrote, on every kind of page (titles that need escaping included).
    #[test]
    fn the_sidebar_html_is_what_the_template_loop_wrote() {
        const LOOP: &str = r#"{% for s in nav %}
    <details {% if s.open and page.kind != "home" %}open{% endif %}>
      <summary><a href="{{ root }}{{ s.url }}"{% if s.key == page.key and page.kind == "section" %} aria-current="page"{% endif %}>{{ s.title }}</a> <span class="count">{{ s.count }}</span></summary>
      <ul>
        {% if s.more_before %}<li class="more"><a href="{{ root }}{{ s.url }}">… {{ s.more_before }}</a></li>{% endif %}
        {% for c in s.chapters %}
        <li><a href="{{ root }}{{ c.url }}"{% if c.key == page.key %} aria-current="page"{% endif %}>{{ c.title }}</a> <span class="count">{{ c.count }}</span></li>
        {% endfor %}
        {% if s.more_after %}<li class="more"><a href="{{ root }}{{ s.url }}">… {{ s.more_after }}</a></li>{% endif %}
      </ul>
    </details>
    {% endfor %}"#;
        let mut files: Vec<(String, String)> = (0..60)
            .map(|i| (format!("s/c{i:03}.md"), format!("# C{i} <&\"'/>\n")))
            .collect();
        files.push(("t/x.md".into(), "# X\n".into()));
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let site = crate::site::tests::site(&refs);
        let theme = Theme::load(std::path::Path::new("/nonexistent"), "default").unwrap();
        let mut tera = tera::Tera::default();
        tera.add_raw_template("loop.html", LOOP).unwrap();
        tera.set_escape_fn(crate::markdown::escape_html);
        for (place, kind, key, root) in [
            (Place::Home, "home", "", ""),
            (Place::Section("s"), "section", "s", "../"),
            (Place::Chapter("s", "s/c030"), "chapter", "s/c030", "../../"),
            (Place::Chapter("s", "s/c001"), "chapter", "s/c001", "../../"),
            (Place::Elsewhere, "drill", "drill", "../"),
        ] {
            let nav = nav(&site, &theme, Lang::Zh, place, root);
            let mut context = tera::Context::new();
            context.insert("nav", &nav.sections);
            context.insert("root", root);
            context.insert("page", &serde_json::json!({ "kind": kind, "key": key }));
            let expected = tera.render("loop.html", &context).unwrap();
            assert_eq!(nav.html, expected, "{kind}");
            assert!(kind == "home" || kind == "drill" || nav.html.contains("aria-current"));
        }
    }
}
