//! Markdown → HTML, as a chain of small passes over pulldown-cmark's event stream:
//!
//! 1. `raw_html`: balance the author's raw HTML so it cannot break the layout;
//! 2. `anchors`: ids and permalinks for questions and headings (from `outline`);
//! 3. `math`: KaTeX at build time;
//! 4. `code`: syntaxmate highlighting and the playground shortcode;
//! 5. `links`: page links, images and local files resolved and checked.
//!
//! Every pass is a pure function of the events and a [`Pass`] context that
//! collects diagnostics; nothing here touches the file system.

pub mod anchors;
pub mod code;
pub mod links;
pub mod math;
pub mod math_spans;
pub mod outline;
pub mod playground;
pub mod raw_html;
pub mod sanitize;
pub mod search_text;
pub mod toc;

use crate::diagnostics::{Diagnostic, Kind, LineIndex};
use crate::i18n::Strings;
use crate::lang::Lang;
use math_spans::MathSource;
use outline::{Outline, Spanned};
use pulldown_cmark::{Event, Options, Parser};

pub use links::Resolver;
pub use search_text::SearchText;

/// Placeholders for what depends on where a rendering is shown: the relative
/// path to the site root, and the reader's language (URL prefix and code). A
/// page's markdown is rendered once; the Chinese page and its stand-in on the
/// English site (when not yet translated) fill these in differently.
/// They use only characters that URL escaping leaves alone.
pub const ROOT: &str = "~dlq~root~";
pub const LANG_PREFIX: &str = "~dlq~prefix~";
pub const LANG_CODE: &str = "~dlq~code~";

/// Fills in the placeholders for a page shown at `root` in `lang`'s part of
/// the site to a reader addressed in `display` (see `Site::display_lang`).
/// One pass over the page (the placeholders share their first five bytes).
pub fn localize(html: &str, root: &str, lang: Lang, display: Lang) -> String {
    let fills = [
        (ROOT, root),
        (LANG_PREFIX, lang.url_prefix()),
        (LANG_CODE, display.code()),
    ];
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(at) = find(rest, "~dlq~") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let (placeholder, fill) = fills
            .into_iter()
            .find(|(p, _)| tail.starts_with(p))
            .unwrap_or(("~dlq~", "~dlq~"));
        out.push_str(fill);
        rest = &tail[placeholder.len()..];
    }
    out.push_str(rest);
    out
}

/// Where `needle` first occurs in `haystack`. A vectorized search: `str::find`
/// with a `&str` pattern scans a page's HTML several times slower, and pages
/// are searched for markers, placeholders and closing tags all through a build.
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    memchr::memmem::find(haystack.as_bytes(), needle.as_bytes())
}

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Parses a page body whose formulas `math` has found (see [`math_spans`]):
/// the events borrow the masked text; formulas come back as math events.
pub fn parse<'a>(math: &'a MathSource<'_>) -> Vec<Spanned<'a>> {
    let events = Parser::new_ext(&math.text, options())
        .into_offset_iter()
        .collect();
    math_spans::restore(events, &math.spans)
}

/// Counts shown in the build summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub formulas: usize,
    pub code_blocks: usize,
    pub playgrounds: usize,
}

impl std::ops::AddAssign for Stats {
    fn add_assign(&mut self, other: Stats) {
        self.formulas += other.formulas;
        self.code_blocks += other.code_blocks;
        self.playgrounds += other.playgrounds;
    }
}

/// What a pass may read about the page, and where it reports problems.
pub struct Pass<'c> {
    pub display_path: &'c str,
    pub rel_path: &'c str,
    pub lang: Lang,
    pub resolver: &'c dyn Resolver,
    /// Interface strings in the page's language (permalinks, playground captions).
    pub strings: &'c Strings,
    lines: LineIndex<'c>,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
    /// The formulas rendered, when the page asked to keep them.
    pub formulas: Option<Vec<math::RenderedFormula>>,
}

impl Pass<'_> {
    pub fn error(&mut self, offset: usize, kind: Kind, message: String) {
        let d = Diagnostic::error(
            self.display_path,
            self.lines.position(offset),
            kind,
            message,
        );
        self.diagnostics.push(d);
    }

    pub fn warning(&mut self, offset: usize, kind: Kind, message: String) {
        let d = Diagnostic::warning(
            self.display_path,
            self.lines.position(offset),
            kind,
            message,
        );
        self.diagnostics.push(d);
    }
}

/// Where a page comes from, so links and diagnostics come out right.
pub struct PageContext<'c> {
    pub display_path: &'c str,
    pub rel_path: &'c str,
    /// The language the page is written in.
    pub lang: Lang,
    /// Lines of front matter before the body.
    pub body_line: usize,
    pub resolver: &'c dyn Resolver,
    /// Interface strings in the page's language (the theme's).
    pub strings: &'c Strings,
    /// Whether [`Rendered::formulas`] lists the formulas (study mode turns
    /// them back into TeX).
    pub keep_formulas: bool,
}

#[derive(Clone)]
pub struct Rendered {
    pub html: String,
    pub outline: Outline,
    /// What search can find on the page.
    pub texts: Vec<SearchText>,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
    /// Each formula rendered, in page order (empty unless the page context
    /// asked to keep them).
    pub formulas: Vec<math::RenderedFormula>,
}

/// Renders a page body (front matter already removed). The HTML contains the
/// placeholders above; see [`localize`].
pub fn render(body: &str, page: &PageContext<'_>) -> Rendered {
    let math = MathSource::new(body);
    let events = parse(&math);
    let outline = outline::find(&events);
    let texts = search_text::collect(&events, &outline);
    let mut cx = Pass {
        display_path: page.display_path,
        rel_path: page.rel_path,
        lang: page.lang,
        resolver: page.resolver,
        strings: page.strings,
        lines: LineIndex::new(body, page.body_line),
        diagnostics: Vec::new(),
        stats: Stats::default(),
        formulas: page.keep_formulas.then(Vec::new),
    };
    for problem in &math.problems {
        cx.error(problem.offset, Kind::Math, problem.message.clone());
    }
    let events = cap_nesting(events, &mut cx);
    let events = raw_html::pass(events, &mut cx);
    let events = toc::pass(events, &outline, &math.text);
    let events = anchors::pass(events, &outline, &cx);
    let events = math::pass(events, &mut cx);
    let events = code::pass(events, &mut cx);
    let events = links::pass(events, &mut cx);
    let mut html = String::with_capacity(body.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter().map(|(e, _)| e));
    Rendered {
        html,
        outline,
        texts,
        diagnostics: cx.diagnostics,
        stats: cx.stats,
        formulas: cx.formulas.unwrap_or_default(),
    }
}

/// How deeply blocks (quotes, lists, …) may nest on a page; deeper ones are
/// flattened into their parent. Browsers stop nesting at a few hundred levels
/// anyway, and every later pass may then assume a sane depth.
const MAX_NESTING: usize = 64;

/// Drops the start and end of every element nested deeper than
/// [`MAX_NESTING`] (their text stays), with one warning. The event count
/// stays (dropped events become empty text): later passes find questions by
/// event index.
fn cap_nesting<'a>(events: Vec<Spanned<'a>>, cx: &mut Pass<'_>) -> Vec<Spanned<'a>> {
    let mut kept: Vec<bool> = Vec::new();
    let mut warned = false;
    let mut out = Vec::with_capacity(events.len());
    for (event, range) in events {
        match &event {
            Event::Start(_) => {
                let keep = kept.iter().filter(|k| **k).count() < MAX_NESTING;
                if !keep && !warned {
                    warned = true;
                    cx.warning(
                        range.start,
                        Kind::Nesting,
                        format!("blocks nested deeper than {MAX_NESTING} levels are flattened"),
                    );
                }
                kept.push(keep);
                if !keep {
                    out.push((Event::Text("".into()), range));
                    continue;
                }
            }
            Event::End(_) if !kept.pop().unwrap_or(true) => {
                out.push((Event::Text("".into()), range));
                continue;
            }
            _ => {}
        }
        out.push((event, range));
    }
    out
}

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// [`escape_html`] onto the end of `out` (no string of its own: code
/// highlighting escapes every token).
pub fn push_escaped(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

/// The text that [`escape_html`] (or a renderer escaping the same five
/// characters) wrote as `text`.
pub fn unescape_html(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn localize_fills_every_placeholder_and_keeps_other_text() {
        let html =
            format!("<a href=\"{ROOT}{LANG_PREFIX}x/\" lang=\"{LANG_CODE}\">~dlq~ ~</a>{ROOT}");
        assert_eq!(
            localize(&html, "../../", Lang::En, Lang::En),
            "<a href=\"../../en/x/\" lang=\"en\">~dlq~ ~</a>../../"
        );
        assert_eq!(localize("plain", "./", Lang::Zh, Lang::Zh), "plain");
    }

    /// A resolver for a site with one other page, `b.md` (zh and en), holding `#q1`, and an image `img/a.png`.
    pub struct FakeSite;

    impl Resolver for FakeSite {
        fn page_path(&self, target: &str) -> Option<String> {
            (target == "b.md" || target == "b.en.md").then(|| "b/".to_string())
        }
        fn anchor(&self, _: &str, _: Lang, id: &str) -> Option<String> {
            (id == "q1").then(|| id.to_string())
        }
        fn has_asset(&self, path: &str) -> bool {
            path == "img/a.png"
        }
    }

    pub fn render_page(md: &str) -> Rendered {
        let page = PageContext {
            display_path: "content/a.md",
            rel_path: "a.md",
            lang: Lang::Zh,
            body_line: 0,
            resolver: &FakeSite,
            strings: crate::i18n::builtin(Lang::Zh),
            keep_formulas: true,
        };
        let mut rendered = render(md, &page);
        rendered.html = localize(&rendered.html, "../", Lang::Zh, Lang::Zh);
        rendered
    }

    pub fn render_simple(md: &str) -> String {
        render_page(md).html
    }

    #[test]
    fn math_inside_nested_lists_renders() {
        let r = render_page("- 问题？\n    - 答案 $x^2$\n\n    $$\\sum_i x_i$$\n");
        assert!(r.html.contains("katex"), "{}", r.html);
        assert_eq!(r.stats.formulas, 2);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    }

    #[test]
    fn broken_math_is_reported_with_its_line_and_shown_escaped() {
        let r = render_page("# T\n\n## Q?\n\ntext\n$\\notacommand{1}$ and <b>\n");
        assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
        let d = &r.diagnostics[0];
        assert_eq!((d.line, d.kind.as_str()), (6, "math"));
        assert!(r.html.contains("class=\"math-error\""));
        assert!(r.html.contains("$\\notacommand{1}$"));
    }

    #[test]
    fn deep_nesting_is_flattened_with_a_warning() {
        let md = format!(
            "{} q\n\n{}\n",
            ">".repeat(5000),
            (0..2000)
                .map(|i| format!("{}- a\n", "  ".repeat(i)))
                .collect::<String>()
        );
        let r = render_page(&md);
        assert!(r.html.matches("<blockquote>").count() <= MAX_NESTING);
        assert_eq!(
            r.html.matches("<blockquote>").count(),
            r.html.matches("</blockquote>").count()
        );
        let kinds: Vec<_> = r.diagnostics.iter().map(|d| d.kind.as_str()).collect();
        assert_eq!(kinds, ["nesting"]);
    }

    #[test]
    fn questions_get_anchors_and_permalinks() {
        let r = render_page("# 标题\n\n## 什么是 BN？ {#what-is-bn}\n\n答案\n");
        assert!(
            r.html.contains("<h2 id=\"what-is-bn\" class=\"question\">"),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"#what-is-bn\""));
        assert!(
            !r.html.contains("<h1"),
            "the title is rendered by the template"
        );
        assert_eq!(r.texts[0].title, "什么是 BN？");
        assert!(r.texts[0].text.contains("答案"));
    }

    #[test]
    fn list_item_questions_get_ids_on_the_item() {
        let html = render_simple("- **为什么？**\n\n  因为。\n");
        assert!(
            html.contains("<li class=\"question\" id=\"为什么\">"),
            "{html}"
        );
    }

    #[test]
    fn links_resolve_and_broken_ones_are_reported() {
        let r = render_page(
            "[ok](b.md#q1) [bad](c.md) [anchor](b.md#nope) ![pic](img\\a.png) ![gone](img/x.png)\n",
        );
        assert!(r.html.contains("href=\"../b/#q1\""), "{}", r.html);
        assert!(r.html.contains("src=\"../img/a.png\""));
        assert!(r.html.contains("<span class=\"missing-image\">gone</span>"));
        let kinds: Vec<_> = r
            .diagnostics
            .iter()
            .map(|d| (d.kind.as_str(), d.severity))
            .collect();
        use crate::diagnostics::Severity::*;
        assert_eq!(
            kinds,
            vec![("link", Error), ("link", Error), ("image", Warning)]
        );
    }

    #[test]
    fn code_blocks_highlight_and_playgrounds_render() {
        let r = render_page("```python check\nx = 1\n```\n\n```playground conv2d stride=2\n```\n");
        assert!(r.html.contains("hl-code"));
        assert!(
            r.html
                .contains("<dlq-playground algo=\"conv2d\" lang=\"zh\" stride=\"2\">"),
            "{}",
            r.html
        );
        assert_eq!(r.stats.playgrounds, 1);
        let bad = render_page("```playground nope\n```\n");
        assert_eq!(bad.diagnostics[0].kind.as_str(), "playground");
    }
}
