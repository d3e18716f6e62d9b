//! Raw HTML pass: notes use `<center>`, `<br>`, `<details>`, `<font>` …, which
//! pass through, but an unclosed or stray tag must not break the page layout.
//! Tags opened in raw HTML are closed at the end of the body, end tags with no
//! matching open tag are dropped, and `<script>`/`<style>`/`<link>`/`<meta>`
//! are shown as text instead of being run.

use super::outline::Spanned;
use super::{escape_html, Pass};
use pulldown_cmark::{CowStr, Event};

const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param",
];
const FORBIDDEN: [&str; 6] = ["script", "style", "link", "meta", "iframe", "base"];

/// One tag found in a raw HTML string.
#[derive(Debug, PartialEq)]
struct TagToken {
    start: usize,
    end: usize,
    name: String,
    closing: bool,
    self_closing: bool,
}

fn tags(html: &str) -> Vec<TagToken> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(lt) = html[i..].find('<').map(|p| p + i) {
        if html[lt..].starts_with("<!--") {
            i = html[lt..].find("-->").map_or(html.len(), |p| lt + p + 3);
            continue;
        }
        let closing = bytes.get(lt + 1) == Some(&b'/');
        let name_start = lt + 1 + usize::from(closing);
        let name_len = html[name_start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(html.len() - name_start);
        if name_len == 0 {
            i = lt + 1;
            continue;
        }
        let end = html[lt..].find('>').map_or(html.len(), |p| lt + p + 1);
        out.push(TagToken {
            start: lt,
            end,
            name: html[name_start..name_start + name_len].to_ascii_lowercase(),
            closing,
            self_closing: html[..end].ends_with("/>"),
        });
        i = end;
    }
    out
}

pub fn pass<'a>(events: Vec<Spanned<'a>>, cx: &mut Pass<'_>) -> Vec<Spanned<'a>> {
    let mut open: Vec<String> = Vec::new();
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
        let mut last = 0;
        for tag in tags(html) {
            fixed.push_str(&html[last..tag.start]);
            last = tag.end;
            let text = &html[tag.start..tag.end];
            if FORBIDDEN.contains(&tag.name.as_str()) {
                cx.warning(
                    range.start,
                    "html",
                    format!("<{}> in raw HTML is shown as text, not run", tag.name),
                );
                fixed.push_str(&escape_html(text));
            } else if tag.closing {
                if let Some(pos) = open.iter().rposition(|t| *t == tag.name) {
                    for name in open.drain(pos..).skip(1).rev() {
                        fixed.push_str(&format!("</{name}>"));
                    }
                    fixed.push_str(text);
                }
            } else {
                if !tag.self_closing && !VOID.contains(&tag.name.as_str()) {
                    open.push(tag.name.clone());
                }
                fixed.push_str(text);
            }
        }
        fixed.push_str(&html[last..]);
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
    fn common_note_html_passes_through() {
        let html =
            render_simple("a<br>b\n\n<details><summary>s</summary>\n\nhidden\n\n</details>\n");
        assert!(html.contains("<br>"));
        assert!(html.contains("<details><summary>s</summary>"));
        assert!(html.contains("</details>"));
    }
}
