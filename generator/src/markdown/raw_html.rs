//! Raw HTML pass: notes use `<center>`, `<br>`, `<details>`, `<font>` …, which
//! pass through cleaned (see [`super::sanitize`]), but nothing may run and an
//! unclosed or stray tag must not break the page layout. Tags opened in raw
//! HTML are closed at the end of the body, end tags with no matching open tag
//! are dropped, `<script>`/`<style>`/`<iframe>` … are shown as text, and the
//! rest of the HTML's text is escaped: only cleaned tags reach the page.

use super::outline::Spanned;
use super::sanitize::{self, SHOWN_AS_TEXT};
use super::{escape_html, links, Pass};
use crate::diagnostics::Kind;
use pulldown_cmark::{CowStr, Event};

const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param",
];

/// A piece of a raw HTML string.
#[derive(Debug, PartialEq)]
enum Piece<'h> {
    Text(&'h str),
    Tag {
        text: &'h str,
        name: String,
        closing: bool,
    },
}

/// Splits raw HTML into tags and text. Comments, doctypes and processing
/// instructions are dropped; a `>` inside a quoted attribute value does not
/// end its tag.
fn pieces(html: &str) -> Vec<Piece<'_>> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut text_start = 0;
    while let Some(lt) = html[i..].find('<').map(|p| p + i) {
        let rest = &html[lt..];
        let skip_to = if let Some(comment) = rest.strip_prefix("<!--") {
            Some(comment.find("-->").map_or(html.len(), |p| lt + 4 + p + 3))
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            Some(rest.find('>').map_or(html.len(), |p| lt + p + 1))
        } else {
            None
        };
        if let Some(end) = skip_to {
            out.push(Piece::Text(&html[text_start..lt]));
            i = end;
            text_start = end;
            continue;
        }
        let closing = bytes.get(lt + 1) == Some(&b'/');
        let name_start = lt + 1 + usize::from(closing);
        let name_len = html[name_start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(html.len() - name_start);
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            i = lt + 1;
            continue;
        }
        let end = tag_end(html, name_start + name_len);
        out.push(Piece::Text(&html[text_start..lt]));
        out.push(Piece::Tag {
            text: &html[lt..end],
            name: html[name_start..name_start + name_len].to_ascii_lowercase(),
            closing,
        });
        i = end;
        text_start = end;
    }
    out.push(Piece::Text(&html[text_start..]));
    out.retain(|p| *p != Piece::Text(""));
    out
}

/// The end of a tag whose attributes start at `from`: after the first `>`
/// outside quotes (or the end of the string).
fn tag_end(html: &str, from: usize) -> usize {
    let mut quote = None;
    for (i, c) in html[from..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return from + i + 1,
            _ => {}
        }
    }
    html.len()
}

/// Resolves the `src` of an image and the `href` of a link in a cleaned tag
/// exactly as Markdown's are (relative to the file, checked, in the reader's
/// language): notes centre their figures with `<img src="../img/x.png">`.
fn rebase(tag: &str, name: &str, offset: usize, cx: &mut Pass<'_>) -> String {
    let attribute = match name {
        "img" => " src=\"",
        "a" => " href=\"",
        _ => return tag.to_string(),
    };
    let Some(start) = tag.find(attribute).map(|at| at + attribute.len()) else {
        return tag.to_string();
    };
    let Some(end) = tag[start..].find('"').map(|e| start + e) else {
        return tag.to_string();
    };
    let value = unescape_attribute(&tag[start..end]);
    let rebased = if name == "img" {
        links::rewrite_image(&CowStr::from(value.clone()), offset, cx)
            .map_or(value, |c| c.to_string())
    } else {
        links::rewrite_link(&CowStr::from(value), offset, cx).to_string()
    };
    format!("{}{}{}", &tag[..start], escape_html(&rebased), &tag[end..])
}

/// The few entities html5ever writes in attribute values.
fn unescape_attribute(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Text of raw HTML: entities stay, anything that could open a tag is escaped.
fn escape_text(text: &str) -> String {
    text.replace('<', "&lt;").replace('>', "&gt;")
}

/// How many raw-HTML elements may be open at once; deeper ones are dropped.
const MAX_OPEN: usize = 64;

pub fn pass<'a>(events: Vec<Spanned<'a>>, cx: &mut Pass<'_>) -> Vec<Spanned<'a>> {
    let mut open: Vec<String> = Vec::new();
    let mut too_deep = false;
    let mut out = Vec::with_capacity(events.len());
    for (event, range) in events {
        let (html, inline) = match &event {
            Event::Html(h) => (h, false),
            Event::InlineHtml(h) => (h, true),
            _ => {
                out.push((event, range));
                continue;
            }
        };
        let mut fixed = String::with_capacity(html.len());
        for piece in pieces(html) {
            let (text, name, closing) = match piece {
                Piece::Text(text) => {
                    fixed.push_str(&escape_text(text));
                    continue;
                }
                Piece::Tag {
                    text,
                    name,
                    closing,
                } => (text, name, closing),
            };
            if SHOWN_AS_TEXT.contains(&name.as_str()) {
                if !closing {
                    cx.warning(
                        range.start,
                        Kind::Html,
                        format!("<{name}> in raw HTML is shown as text, not run"),
                    );
                }
                fixed.push_str(&escape_html(text));
            } else if closing {
                if let Some(pos) = open.iter().rposition(|t| *t == name) {
                    for inner in open.drain(pos..).rev() {
                        fixed.push_str(&format!("</{inner}>"));
                    }
                }
            } else {
                let clean = sanitize::clean_tag(&name, text);
                if !clean.removed.is_empty() {
                    cx.warning(
                        range.start,
                        Kind::Html,
                        format!(
                            "removed from raw HTML <{name}>: {}",
                            clean.removed.join(", ")
                        ),
                    );
                }
                let opens = !clean.html.is_empty()
                    && !text.ends_with("/>")
                    && !VOID.contains(&name.as_str());
                if opens && open.len() >= MAX_OPEN {
                    if !too_deep {
                        too_deep = true;
                        cx.warning(
                            range.start,
                            Kind::Nesting,
                            format!("raw HTML nested deeper than {MAX_OPEN} elements is flattened"),
                        );
                    }
                    continue;
                }
                let html = rebase(&clean.html, &name, range.start, cx);
                if opens {
                    open.push(name);
                }
                fixed.push_str(&html);
            }
        }
        let event = if inline {
            Event::InlineHtml(CowStr::from(fixed))
        } else {
            Event::Html(CowStr::from(fixed))
        };
        out.push((event, range));
    }
    if !open.is_empty() {
        let closing: String = open.iter().rev().map(|name| format!("</{name}>")).collect();
        out.push((Event::Html(CowStr::from(closing)), 0..0));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::markdown::tests::render_simple;

    #[test]
    fn unclosed_tags_are_closed_and_stray_end_tags_dropped() {
        let html =
            render_simple("<div class=x>\n\ntext\n\n</span></div></div>\n\n<center>\n\nmid\n");
        assert_eq!(
            html.matches("<div").count(),
            html.matches("</div>").count(),
            "{html}"
        );
        assert!(!html.contains("</span>"));
        assert!(html.trim_end().ends_with("</center>"), "{html}");
    }

    #[test]
    fn scripts_are_shown_as_text() {
        let html = render_simple("<script>alert(1)</script>\n");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn nothing_from_raw_html_can_run() {
        let r = crate::markdown::tests::render_page(
            "## <img src=x onerror=alert(1)> Q?\n\n<svg onload=alert(1)><circle/></svg>\n\n<!-- --!><img src=x onerror=alert(2)> -->\n\nx <a href=\"javascript:alert(3)\" title=t>y</a> <img src=a.png alt='a>b' onerror=alert(4)>\n",
        );
        for bad in ["onerror", "onload", "javascript:", "<svg"] {
            assert!(!r.html.contains(bad), "{bad} in {}", r.html);
        }
        assert!(r.html.contains("<a title=\"t\">y</a>"), "{}", r.html);
        assert!(
            r.html.contains("alt=\"a&gt;b\"") || r.html.contains("alt=\"a>b\""),
            "{}",
            r.html
        );
        let kinds: Vec<_> = r
            .diagnostics
            .iter()
            .map(|d| (d.kind.as_str(), d.line))
            .collect();
        assert!(
            kinds.contains(&("html", 1)) && kinds.contains(&("html", 3)),
            "{kinds:?}"
        );
    }

    #[test]
    fn raw_html_paths_resolve_like_markdown_ones() {
        let r = crate::markdown::tests::render_page(
            "<img src=\"img/a.png\" width=300> <img src=\"img/gone.png\"> <a href=\"b.md#q1\">b</a>\n",
        );
        assert!(r.html.contains("src=\"../img/a.png\""), "{}", r.html);
        assert!(r.html.contains("href=\"../b/#q1\""), "{}", r.html);
        let kinds: Vec<_> = r.diagnostics.iter().map(|d| d.kind.as_str()).collect();
        assert_eq!(kinds, ["image"], "the missing one is reported");
    }

    #[test]
    fn common_note_html_passes_through() {
        let html =
            render_simple("a<br>b\n\n<details><summary>s</summary>\n\nhidden\n\n</details>\n");
        assert!(html.contains("<br>"));
        assert!(html.contains("<details><summary>s</summary>"));
        assert!(html.contains("</details>"));
    }
}
