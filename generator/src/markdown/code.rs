//! Code pass: fenced code blocks are highlighted with syntaxmate (TextMate
//! grammars, the ones VS Code uses), and ```` ```playground ALGO ````
//! blocks become the interactive widget with a static fallback.
//!
//! A token's colours in the light and dark themes are resolved here and
//! written as two short classes (`code_css` decides them and writes their
//! stylesheet), so a page carries one small span per coloured run: on
//! dive-into-dl's notes that made the HTML 41 % smaller than syntaxmate's
//! span-per-scope class output, with the same colours in Chromium.
//!
//! syntaxmate replaced syntect: on the code of real notes (dive-into-dl's
//! 599 blocks) it takes 11 µs a line against syntect's 43 µs with the same
//! classes-only output, and its grammars are current VS Code ones (264
//! languages). Highlighting was the largest share of a build.
//!
//! Highlighted blocks are cached by (language, code): generated corpora and
//! real notes repeat snippets.

use super::outline::Spanned;
use super::{escape_html, push_escaped, Pass};
use crate::code_css;
use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;
use syntaxmate::{Catalog, Highlighter};

/// The grammars compiled into the binary (read once, shared by all threads).
fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::bundled)
}

/// Shared by all threads: it prepares each grammar once and hands every
/// call a tokenizer of its own.
fn highlighter() -> &'static Highlighter {
    static HIGHLIGHTER: OnceLock<Highlighter> = OnceLock::new();
    HIGHLIGHTER.get_or_init(|| Highlighter::new(catalog()))
}

thread_local! {
    static CACHE: RefCell<HashMap<(String, String), String>> = RefCell::new(HashMap::new());
}

/// Maps the names people write after ```` ``` ```` to a grammar's id
/// (syntaxmate knows the usual aliases: `py`, `sh`, `c++`, `js`, `yml` …).
fn find_language(lang: &str) -> Option<&'static str> {
    let lang = lang.to_ascii_lowercase();
    let token = match lang.as_str() {
        "python3" | "py3" | "ipython" => "python",
        "zsh" => "bash",
        "pl" => "perl",
        "restructuredtext" => "rst",
        "patch" => "diff",
        "text" | "txt" | "plain" | "plaintext" | "" => return None,
        other => other,
    };
    let catalog = catalog();
    // Then as a file extension (`hpp`, `h`, `m` …), as syntect did.
    catalog
        .canonical_language(token)
        .or_else(|| catalog.detect_path(format!("x.{token}")))
}

/// Whether blocks in `lang` (as written after the fence) are highlighted.
pub fn is_known(lang: &str) -> bool {
    find_language(lang).is_some()
}

/// Highlighted HTML for a block (a `<pre>` element), escaped plain text for unknown languages.
pub fn highlight(lang: &str, code: &str) -> String {
    let key = (lang.to_string(), code.to_string());
    if let Some(hit) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return hit;
    }
    let html = match find_language(lang) {
        Some(id) => crate::render_cache::get_or_render("code", &[id, code], || {
            Ok::<_, ()>(
                crate::phases::timed(crate::phases::Phase::Highlight, || highlight_with(id, code))
                    .unwrap_or_else(|| plain(lang, code)),
            )
        })
        .unwrap_or_else(|()| plain(lang, code)),
        None => plain(lang, code),
    };
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        // Bounded, like the formula cache: repeats are local.
        if cache.len() >= 1024 {
            cache.clear();
        }
        cache.insert(key, html.clone())
    });
    html
}

/// The tokens of `code` in the language `id`, with their scopes.
pub fn tokenize(id: &str, code: &str) -> Option<syntaxmate::TokenizedDocument> {
    highlighter().tokenize(id, code).ok()
}

/// How a highlighted block starts (a plain one has no `hl-code`).
const HIGHLIGHTED: &str = "<pre class=\"code hl-code\"";

/// Whether `html` (from [`highlight`]) is a block the grammar highlighted.
pub fn is_highlighted(html: &str) -> bool {
    html.starts_with(HIGHLIGHTED)
}

/// The text of a block from [`highlight`]: tags removed, entities decoded.
pub fn text_of(html: &str) -> String {
    let inner = html
        .split_once("<code>")
        .and_then(|(_, rest)| rest.rsplit_once("</code>"))
        .map_or("", |(inner, _)| inner);
    let mut text = String::with_capacity(inner.len());
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    super::unescape_html(&text)
}

/// `None` when the grammar could not finish the block (a pathological line
/// past the tokenizer's budget): the block is then shown plain.
fn highlight_with(id: &str, code: &str) -> Option<String> {
    let document = tokenize(id, code)?;
    if !document.status().is_complete() {
        return None;
    }
    let mut out = format!("{HIGHLIGHTED} data-lang=\"{}\"><code>", escape_html(id));
    let mut cache = code_css::ClassCache::new();
    // The document's lines are the code's, split as syntaxmate splits them
    // (at `\n`, a `\r` before it is the terminator's): ranges are per line.
    let mut lines = code.split('\n').peekable();
    for line in document.lines() {
        let raw = lines.next()?;
        let text = raw.strip_suffix('\r').unwrap_or(raw);
        // Adjacent tokens with the same classes share one span.
        let mut open: Option<Rc<str>> = None;
        let mut cursor = 0;
        for token in line.tokens() {
            let range = token.range();
            let gap = text.get(cursor..range.start)?;
            if !gap.is_empty() && open.take().is_some() {
                out.push_str("</span>");
            }
            push_escaped(&mut out, gap);
            let classes = match token.scope_stack() {
                Some(stack) => cache
                    .entry(stack)
                    .or_insert_with(|| code_css::classes(token.scopes()).into())
                    .clone(),
                None => code_css::classes(token.scopes()).into(),
            };
            if open.as_ref() != Some(&classes) {
                if open.take().is_some() {
                    out.push_str("</span>");
                }
                if !classes.is_empty() {
                    out.push_str("<span class=\"");
                    out.push_str(&classes);
                    out.push_str("\">");
                    open = Some(classes);
                }
            }
            push_escaped(&mut out, text.get(range.clone())?);
            cursor = range.end;
        }
        if open.is_some() {
            out.push_str("</span>");
        }
        push_escaped(&mut out, text.get(cursor..)?);
        out.push_str(&raw[text.len()..]);
        if lines.peek().is_some() {
            out.push('\n');
        }
    }
    if lines.next().is_some() {
        return None;
    }
    out.push_str("</code></pre>");
    Some(out)
}

fn plain(lang: &str, code: &str) -> String {
    format!(
        "<pre class=\"code\" data-lang=\"{}\"><code>{}</code></pre>",
        escape_html(lang),
        escape_html(code)
    )
}

/// The part of a fence's info string that names the language
/// (`python check` → `python`; Pandoc/d2l attributes `{.python .input}` →
/// `python`; R Markdown `{r, echo=FALSE}` → `r`).
pub fn language(info: &str) -> &str {
    if let Some(attributes) = info.trim().strip_prefix('{') {
        let attributes = attributes.trim_end_matches('}');
        let class = attributes
            .split(|c: char| c.is_whitespace() || c == ',')
            .find_map(|a| a.strip_prefix('.'));
        return class.unwrap_or_else(|| {
            attributes
                .split(|c: char| c.is_whitespace() || c == ',')
                .next()
                .unwrap_or("")
        });
    }
    info.split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .next()
        .unwrap_or("")
}

/// Collapses each code block into one HTML event.
pub fn pass<'a>(events: Vec<Spanned<'a>>, cx: &mut Pass<'_>) -> Vec<Spanned<'a>> {
    let mut out = Vec::with_capacity(events.len());
    let mut block: Option<(String, String, std::ops::Range<usize>)> = None;
    for (event, range) in events {
        match (&mut block, event) {
            (None, Event::Start(Tag::CodeBlock(kind))) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                block = Some((info, String::new(), range));
            }
            (Some((_, code, _)), Event::Text(text)) => code.push_str(&text),
            (Some(_), Event::End(TagEnd::CodeBlock)) => {
                let (info, code, range) = block.take().unwrap_or_default();
                let html = match info.trim().strip_prefix("playground") {
                    Some(args) if args.is_empty() || args.starts_with(' ') => {
                        super::playground::render(args.trim(), range.start, cx)
                    }
                    _ => {
                        cx.stats.code_blocks += 1;
                        highlight(language(info.trim()), &code)
                    }
                };
                out.push((Event::Html(CowStr::from(html)), range));
            }
            (Some(_), _) => {}
            (None, event) => out.push((event, range)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve() {
        for (alias, id) in [
            ("py", "python"),
            ("Python3", "python"),
            ("ipython", "python"),
            ("sh", "shellscript"),
            ("zsh", "shellscript"),
            ("c++", "cpp"),
            ("js", "javascript"),
            ("rust", "rust"),
            ("hpp", "cpp"),
            ("h", "c"),
            ("pl", "perl"),
            ("patch", "diff"),
        ] {
            assert_eq!(find_language(alias), Some(id), "{alias}");
        }
        assert!(find_language("no-such-language").is_none());
        assert!(find_language("text").is_none());
    }

    #[test]
    fn highlights_with_classes_and_escapes_unknown() {
        let html = highlight("py", "def f(x):\n    return x < 1\n");
        assert!(html.starts_with("<pre class=\"code hl-code\""), "{html}");
        // One span per coloured run, a class for each theme.
        let keyword = html.split("\">def</span>").next().unwrap();
        let classes = keyword.rsplit("<span class=\"").next().unwrap();
        assert!(classes.starts_with('l') && classes.contains(" d"), "{html}");
        assert!(!html.contains("<span class=\"\""), "{html}");
        assert!(html.contains("&lt;"));
        let plain = highlight("klingon", "<script>");
        assert!(plain.contains("&lt;script&gt;"));
        assert!(!plain.contains("<script>"));
    }

    /// Lines as syntaxmate splits them: CRLF, a last line without its
    /// newline, empty lines; the text comes out as it went in.
    #[test]
    fn highlighting_keeps_every_character() {
        for code in [
            "x = 1\r\n\r\ny = '<&>'\r\n",
            "a = 1\nb = 2",
            "",
            "\n\n# c\r",
            "a\rb = 1\n",
        ] {
            let html = highlight("python", code);
            assert!(is_highlighted(&html), "{html}");
            assert_eq!(text_of(&html), code, "{html}");
        }
    }

    #[test]
    fn language_is_the_first_word_of_the_info_string() {
        assert_eq!(language("python check"), "python");
        assert_eq!(language("rust,ignore"), "rust");
        assert_eq!(language("{.python .input  n=3}"), "python");
        assert_eq!(language("{r, echo=FALSE}"), "r");
        assert_eq!(language("python {linenos=true}"), "python");
    }
}
