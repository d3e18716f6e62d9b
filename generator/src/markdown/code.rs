//! Code pass: fenced code blocks are highlighted with syntect (CSS classes, so
//! light and dark themes are just stylesheets), and ```` ```playground ALGO ````
//! blocks become the interactive widget with a static fallback.
//!
//! Highlighted blocks are cached by (language, code): generated corpora and
//! real notes repeat snippets, and highlighting is the costliest pass after math.

use super::outline::Spanned;
use super::{escape_html, Pass};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

pub const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

pub fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

thread_local! {
    static CACHE: RefCell<HashMap<(String, String), String>> = RefCell::new(HashMap::new());
}

/// Maps the names people write after ```` ``` ```` to syntect's tokens.
fn find_syntax(lang: &str) -> Option<&'static SyntaxReference> {
    let lang = lang.to_ascii_lowercase();
    let token = match lang.as_str() {
        "py" | "python3" | "py3" | "ipython" => "python",
        "sh" | "shell" | "zsh" | "console" | "bash" => "bash",
        "c++" | "cc" | "hpp" | "cxx" => "cpp",
        "js" | "mjs" | "node" => "javascript",
        "rs" => "rust",
        "yml" => "yaml",
        "md" => "markdown",
        "text" | "txt" | "plain" | "plaintext" | "" => return None,
        other => other,
    };
    let set = syntax_set();
    set.find_syntax_by_token(token)
        .or_else(|| set.find_syntax_by_name(token))
}

/// Highlighted HTML for a block (a `<pre>` element), escaped plain text for unknown languages.
pub fn highlight(lang: &str, code: &str) -> String {
    let key = (lang.to_string(), code.to_string());
    if let Some(hit) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return hit;
    }
    let html = match find_syntax(lang) {
        Some(syntax) => crate::render_cache::get_or_render("code", &[&syntax.name, code], || {
            Ok::<_, ()>(
                crate::phases::timed(crate::phases::Phase::Highlight, || {
                    highlight_with(syntax, code)
                })
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

fn highlight_with(syntax: &SyntaxReference, code: &str) -> Option<String> {
    let mut generator =
        ClassedHTMLGenerator::new_with_class_style(syntax, syntax_set(), CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .ok()?;
    }
    let lang = syntax.name.to_ascii_lowercase();
    Some(format!(
        "<pre class=\"code hl-code\" data-lang=\"{}\"><code>{}</code></pre>",
        escape_html(&lang),
        generator.finalize()
    ))
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
fn language(info: &str) -> &str {
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
        for alias in ["py", "python3", "sh", "c++", "js", "rust"] {
            assert!(find_syntax(alias).is_some(), "{alias}");
        }
        assert!(find_syntax("no-such-language").is_none());
    }

    #[test]
    fn highlights_with_classes_and_escapes_unknown() {
        let html = highlight("py", "def f(x):\n    return x < 1\n");
        assert!(html.contains("hl-"), "{html}");
        assert!(html.contains("&lt;"));
        let plain = highlight("klingon", "<script>");
        assert!(plain.contains("&lt;script&gt;"));
        assert!(!plain.contains("<script>"));
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
