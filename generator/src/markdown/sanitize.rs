//! What notes may put on a page: the one policy for raw HTML tags and for
//! link and image URLs (raw HTML and Markdown alike).
//!
//! Notes are often downloaded from other people's repositories and a hosted
//! site takes contributions, so nothing from them may run. Each raw-HTML tag
//! is cleaned by `ammonia` (html5ever parses it exactly as a browser would)
//! against an allowlist of what notes use; the raw-HTML pass emits only those
//! cleaned tags, end tags of allowed elements and escaped text. What is
//! removed is reported so the author knows.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

/// Elements notes use for layout and emphasis (the rest is removed, its text kept).
const TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Attributes allowed on every allowed element.
const GENERIC_ATTRIBUTES: &[&str] = &["align", "title", "style", "width", "height", "lang", "dir"];

/// Attributes allowed on one element only.
const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "name", "id"]),
    ("img", &["src", "alt", "border"]),
    ("font", &["color", "size", "face"]),
    ("span", &["id"]),
    ("div", &["id"]),
    ("td", &["colspan", "rowspan", "valign", "bgcolor"]),
    ("th", &["colspan", "rowspan", "valign", "bgcolor", "scope"]),
    ("tr", &["valign", "bgcolor"]),
    (
        "table",
        &["border", "cellpadding", "cellspacing", "bgcolor"],
    ),
    ("col", &["span"]),
    ("colgroup", &["span"]),
    ("ol", &["start", "type", "reversed"]),
    ("ul", &["type"]),
    ("li", &["value"]),
    ("details", &["open"]),
    ("abbr", &["title"]),
];

/// CSS properties kept in `style` (Typora writes `zoom` on images).
const STYLE_PROPERTIES: &[&str] = &[
    "background-color",
    "border",
    "border-collapse",
    "color",
    "display",
    "float",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "height",
    "line-height",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "max-height",
    "max-width",
    "min-width",
    "padding",
    "text-align",
    "text-decoration",
    "vertical-align",
    "width",
    "zoom",
];

/// Elements shown as text rather than dropped: an author who wrote a script
/// sees that it did not run.
pub const SHOWN_AS_TEXT: &[&str] = &[
    "script", "style", "link", "meta", "iframe", "base", "object", "embed", "frame", "frameset",
];

/// Table parts that html5ever only accepts inside their table: the wrapper
/// they are cleaned in.
const TABLE_CONTEXT: &[(&str, &str)] = &[
    ("td", "<table><tbody><tr>"),
    ("th", "<table><tbody><tr>"),
    ("tr", "<table><tbody>"),
    ("tbody", "<table>"),
    ("thead", "<table>"),
    ("tfoot", "<table>"),
    ("caption", "<table>"),
    ("colgroup", "<table>"),
    ("col", "<table><colgroup>"),
];

pub fn is_allowed_tag(name: &str) -> bool {
    TAGS.contains(&name)
}

fn is_allowed_attribute(tag: &str, attribute: &str) -> bool {
    GENERIC_ATTRIBUTES.contains(&attribute)
        || TAG_ATTRIBUTES
            .iter()
            .any(|(t, attrs)| *t == tag && attrs.contains(&attribute))
}

/// Whether a link or image URL may be put on the page: relative paths,
/// anchors, http(s), mailto and ftp; `data:image/…` only as an image source.
/// Browsers ignore ASCII whitespace and control characters inside a scheme
/// (`java\tscript:`), so they are ignored here too.
pub fn url_is_safe(url: &str, image_source: bool) -> bool {
    let folded: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    let scheme_end = folded.find(':');
    let path_start = folded.find(['/', '?', '#']);
    let scheme = match (scheme_end, path_start) {
        (Some(colon), Some(slash)) if slash < colon => return true,
        (Some(colon), _) => &folded[..colon],
        (None, _) => return true,
    };
    match scheme {
        "http" | "https" | "mailto" | "ftp" => true,
        "data" => image_source && folded.starts_with("data:image/"),
        _ => false,
    }
}

/// A `style` value that could load or run something: dropped whole.
fn style_is_unsafe(style: &str) -> bool {
    let folded: String = style
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\\')
        .flat_map(char::to_lowercase)
        .collect();
    [
        "url(",
        "expression",
        "javascript:",
        "@import",
        "behavior",
        "-moz-binding",
        "image-set(",
    ]
    .iter()
    .any(|bad| folded.contains(bad))
}

thread_local! {
    /// What the attribute filter removed during the current `clean_tag` call.
    static REMOVED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static CLEANER: ammonia::Builder<'static> = cleaner();
}

fn cleaner() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::empty();
    let tag_attributes: HashMap<&str, HashSet<&str>> = TAG_ATTRIBUTES
        .iter()
        .map(|(tag, attrs)| (*tag, attrs.iter().copied().collect()))
        .collect();
    builder
        .tags(TAGS.iter().copied().collect())
        .generic_attributes(GENERIC_ATTRIBUTES.iter().copied().collect())
        .tag_attributes(tag_attributes)
        .url_schemes(["http", "https", "mailto", "ftp", "data"].into())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(None)
        .strip_comments(true)
        .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect())
        .attribute_filter(|element, attribute, value| {
            let removed = match attribute {
                "href" | "src" if !url_is_safe(value, element == "img" && attribute == "src") => {
                    Some(format!("{attribute}=\"{value}\""))
                }
                "style" if style_is_unsafe(value) => Some(format!("style=\"{value}\"")),
                _ => None,
            };
            match removed {
                Some(what) => {
                    REMOVED.with(|r| r.borrow_mut().push(what));
                    None
                }
                None => Some(value.into()),
            }
        });
    builder
}

/// One start tag after cleaning, and what was taken out of it.
pub struct CleanTag {
    /// The tag to emit (empty when the element is not allowed).
    pub html: String,
    /// Human-readable list of what was removed (`onerror`, `href="javascript:…"`).
    pub removed: Vec<String>,
}

/// Cleans one start tag (`<img src=x onerror=…>`) whose element name is `name`.
pub fn clean_tag(name: &str, tag: &str) -> CleanTag {
    if !is_allowed_tag(name) {
        return CleanTag {
            html: String::new(),
            removed: vec![format!("<{name}>")],
        };
    }
    let mut removed: Vec<String> = attribute_names(tag)
        .into_iter()
        .filter(|a| !is_allowed_attribute(name, a))
        .collect();
    let context = TABLE_CONTEXT
        .iter()
        .find(|(t, _)| *t == name)
        .map_or("", |(_, c)| c);
    REMOVED.with(|r| r.borrow_mut().clear());
    let cleaned = CLEANER.with(|c| c.clean(&format!("{context}{tag}")).to_string());
    removed.extend(REMOVED.with(|r| std::mem::take(&mut *r.borrow_mut())));
    CleanTag {
        html: start_tag(&cleaned, name).unwrap_or_default().to_string(),
        removed,
    }
}

/// The start tag of `name` in ammonia's serialization (double-quoted
/// attribute values, where `>` may appear): the one at the end of the context.
fn start_tag<'h>(html: &'h str, name: &str) -> Option<&'h str> {
    let open = format!("<{name}");
    let mut from = 0;
    let mut found = None;
    while let Some(at) = html[from..].find(&open).map(|i| i + from) {
        let after = html.as_bytes().get(at + open.len());
        if matches!(after, Some(b' ' | b'>' | b'/')) {
            found = Some(at);
        }
        from = at + open.len();
    }
    let start = found?;
    let mut in_quotes = false;
    for (i, c) in html[start..].char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '>' if !in_quotes => return Some(&html[start..start + i + 1]),
            _ => {}
        }
    }
    None
}

/// Attribute names of a start tag as written, lowercased (for reporting).
fn attribute_names(tag: &str) -> Vec<String> {
    let body = tag.trim_start_matches('<');
    let body = body.trim_end_matches('>');
    let mut rest = body.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    let mut names = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return names;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        names.push(rest[..end].to_ascii_lowercase());
        rest = rest[end..].trim_start();
        if let Some(value) = rest.strip_prefix('=') {
            let value = value.trim_start();
            rest = match value.chars().next() {
                Some(q @ ('"' | '\'')) => value[1..].find(q).map_or("", |i| &value[i + 2..]),
                _ => value.find(char::is_whitespace).map_or("", |i| &value[i..]),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(tag: &str) -> String {
        let name: String = tag[1..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        clean_tag(&name.to_ascii_lowercase(), tag).html
    }

    #[test]
    fn event_handlers_and_script_urls_are_removed() {
        assert_eq!(clean("<img src=x onerror=alert(1)>"), "<img src=\"x\">");
        assert_eq!(clean("<a href=\"javascript:alert(1)\">"), "<a>");
        assert_eq!(clean("<a href=\"&#106;ava&#x09;script:alert(1)\">"), "<a>");
        assert_eq!(
            clean("<a href=\"JaVaScRiPt:alert(1)\" title=t>"),
            "<a title=\"t\">"
        );
        assert_eq!(clean("<svg onload=alert(1)>"), "");
        assert_eq!(
            clean("<div style=\"background:url(javascript:alert(1))\">"),
            "<div>"
        );
        assert_eq!(
            clean("<div style=\"width: expression(alert(1))\">"),
            "<div>"
        );
        let report = clean_tag("img", "<img src=x onerror=alert(1) onload=y>");
        assert_eq!(report.removed, ["onerror", "onload"]);
    }

    #[test]
    fn what_notes_use_is_kept() {
        assert_eq!(
            clean("<img src=\"../img/a.png\" width=300 style=\"zoom:50%\">"),
            "<img src=\"../img/a.png\" width=\"300\" style=\"zoom:50%\">"
        );
        assert_eq!(clean("<font color=red>"), "<font color=\"red\">");
        assert_eq!(clean("<div align=\"center\">"), "<div align=\"center\">");
        assert_eq!(clean("<td colspan=2>"), "<td colspan=\"2\">");
        assert_eq!(clean("<tr>"), "<tr>");
        assert_eq!(
            clean("<a href=\"https://x.org/a>b\">"),
            "<a href=\"https://x.org/a&gt;b\">"
        );
        assert_eq!(
            clean("<img src=\"data:image/png;base64,AAAA\">"),
            "<img src=\"data:image/png;base64,AAAA\">"
        );
        assert_eq!(clean("<a href=\"data:text/html,x\">"), "<a>");
    }

    #[test]
    fn url_policy() {
        for ok in ["a/b.md", "#x", "https://x", "mailto:a@b", "./x:y", "?q=1:2"] {
            assert!(url_is_safe(ok, false), "{ok}");
        }
        for bad in [
            "javascript:x",
            " JavaScript:x",
            "java\tscript:x",
            "vbscript:x",
            "data:text/html,x",
        ] {
            assert!(!url_is_safe(bad, false), "{bad}");
        }
        assert!(url_is_safe("data:image/png;base64,AA", true));
        assert!(!url_is_safe("data:image/png;base64,AA", false));
    }
}
