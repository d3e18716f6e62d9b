//! The table-of-contents markers editors put in notes (`[TOC]`, `[[toc]]`,
//! `@[toc]`, and the `<!-- TOC -->…<!-- /TOC -->` block that VS Code and
//! markdown-toc maintain by hand) become the page's own, current table of
//! contents instead of literal text or a stale list.

use super::escape_html;
use super::outline::{Outline, Spanned};
use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

const MARKERS: [&str; 3] = ["[toc]", "[[toc]]", "@[toc]"];

/// Runs after the raw-HTML pass (so the list it writes is not sanitized
/// away) and keeps the number of events (later passes find questions by
/// event index): replaced events become empty text.
pub fn pass<'a>(mut events: Vec<Spanned<'a>>, outline: &Outline, body: &str) -> Vec<Spanned<'a>> {
    let mut i = 0;
    while i < events.len() {
        let Some(end) = marker_paragraph(&events, i).or_else(|| comment_block(&events, i, body))
        else {
            i += 1;
            continue;
        };
        events[i].0 = Event::Html(CowStr::from(toc_html(outline)));
        for (event, _) in &mut events[i + 1..end] {
            *event = Event::Text(CowStr::from(""));
        }
        i = end;
    }
    events
}

/// `[TOC]` alone in a paragraph at `i`: the index after the paragraph.
fn marker_paragraph(events: &[Spanned<'_>], i: usize) -> Option<usize> {
    if !matches!(events[i].0, Event::Start(Tag::Paragraph)) {
        return None;
    }
    let mut text = String::new();
    for (j, (event, _)) in events.iter().enumerate().skip(i + 1) {
        match event {
            Event::Text(t) => text.push_str(t),
            Event::End(TagEnd::Paragraph) => {
                let marker = text.trim().to_lowercase();
                return MARKERS.contains(&marker.as_str()).then_some(j + 1);
            }
            _ => return None,
        }
    }
    None
}

/// `<!-- TOC -->` … `<!-- /TOC -->` starting at `i`: the index after it.
fn comment_block(events: &[Spanned<'_>], i: usize, body: &str) -> Option<usize> {
    let is_comment = |(e, range): &Spanned<'_>, closing: bool| match e {
        Event::Html(_) | Event::InlineHtml(_) => {
            let source = body.get(range.clone()).unwrap_or("");
            let h = source.trim().to_lowercase().replace(' ', "");
            let name = if closing { "<!--/toc-->" } else { "<!--toc-->" };
            h.starts_with(name)
        }
        _ => false,
    };
    if !is_comment(&events[i], false) {
        return None;
    }
    (i + 1..events.len())
        .find(|&j| is_comment(&events[j], true))
        .map(|j| j + 1)
}

fn toc_html(outline: &Outline) -> String {
    let mut html = String::from("<nav class=\"toc-inline\"><ul>");
    for e in outline.entries.iter().filter(|e| e.in_toc) {
        html.push_str(&format!(
            "<li><a href=\"#{}\">{}</a></li>",
            escape_html(&e.id),
            escape_html(&e.title)
        ));
    }
    html.push_str("</ul></nav>");
    html
}

#[cfg(test)]
mod tests {
    use crate::markdown::tests::render_simple;

    #[test]
    fn toc_markers_become_the_pages_table_of_contents() {
        for marker in ["[TOC]", "[[toc]]", "@[toc]"] {
            let html = render_simple(&format!("{marker}\n\n## 为什么？\n\n答。\n"));
            assert!(
                html.contains("<nav class=\"toc-inline\"><ul><li><a href=\"#为什么\">为什么？</a>"),
                "{html}"
            );
            assert!(!html.contains("toc]"), "{html}");
        }
        let html =
            render_simple("<!-- TOC -->\n\n- [old](#old)\n\n<!-- /TOC -->\n\n## 什么是 BN？\n");
        assert!(!html.contains("old"), "{html}");
        assert!(html.contains("href=\"#什么是-bn\""), "{html}");
    }
}
