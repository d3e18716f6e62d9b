//! Each question's answer in an element of its own, so that study mode can
//! fold it and the drill data and the Anki deck can take it out of the page.
//!
//! This works on the finished HTML of a page (after every markdown pass), not
//! inside the pass chain: the questions' markup is known (`anchors.rs` writes
//! it), and the answer ends where the outline says it does:
//!
//! * a question heading `<hN>`: the blocks after it, up to the next heading of
//!   level N or higher;
//! * a question list item: the rest of the item after its first line (the
//!   bold text, or the first paragraph);
//! * a bold paragraph: the rest of the paragraph, then the blocks up to the
//!   next heading or bold paragraph question.
//!
//! Blocks go into `<div class="answer" data-q="ID">`; the rest of a paragraph
//! whose start is the question goes into `<span class="answer" data-q="ID">`
//! (a div may not sit inside a `<p>`). A part whose tags do not balance (an
//! author's unclosed raw HTML) is left unwrapped rather than risk the layout;
//! its question then simply cannot be folded. Without script or styles the
//! wrappers change nothing a reader sees or prints.

use crate::markdown::outline::{Outline, Shape};
use crate::markdown::{escape_html, find};

/// The start of every answer wrapper: `<div class="answer" data-q="…">` or
/// `<span …>`; the tag comes before it.
const WRAPPER_ATTRS: &str = " class=\"answer\" data-q=\"";

/// One wrapper to insert: `[open, close)` of the HTML.
struct Wrapper {
    open: usize,
    close: usize,
    tag: &'static str,
    id: String,
}

/// The page's HTML with each question's answer wrapped (see the module
/// doc); `None` when a question's markup is not where the outline puts it,
/// and the page is then left as it is.
pub fn wrap(html: &str, outline: &Outline) -> Option<String> {
    if !outline.entries.iter().any(|e| e.is_question) {
        return None;
    }
    let mut starts = Vec::with_capacity(outline.entries.len());
    let mut cursor = 0;
    for entry in &outline.entries {
        let marker = marker(entry.shape, entry.is_question, &entry.id);
        let at = cursor + find(&html[cursor..], &marker)?;
        starts.push(at);
        cursor = at + marker.len();
    }
    let mut wrappers = Vec::new();
    for (i, entry) in outline.entries.iter().enumerate() {
        if !entry.is_question {
            continue;
        }
        // The next entry that closes this answer.
        let boundary = |closes: &dyn Fn(Shape) -> bool| {
            outline.entries[i + 1..]
                .iter()
                .zip(&starts[i + 1..])
                .find(|(e, _)| closes(e.shape))
                .map_or(html.len(), |(_, &at)| at)
        };
        let start = starts[i];
        let (inline, block) = match entry.shape {
            Shape::Heading(level) => {
                let close = format!("</{level}>");
                let title_end = start + find(&html[start..], &close)? + close.len();
                let end = boundary(&|s| matches!(s, Shape::Heading(l) if l <= level));
                (None, title_end..end)
            }
            Shape::BoldParagraph => {
                let p_end = start + find(&html[start..], "</p>")?;
                let inline = find(&html[start..p_end], "</strong>")
                    .map(|at| start + at + "</strong>".len()..p_end);
                let end = boundary(&|s| matches!(s, Shape::Heading(_) | Shape::BoldParagraph));
                (inline, p_end + "</p>".len()..end.max(p_end + "</p>".len()))
            }
            Shape::ListItem => list_item_parts(html, start)?,
        };
        if let Some(inline) = inline {
            wrappers.push(Wrapper {
                open: inline.start,
                close: inline.end,
                tag: "span",
                id: entry.id.clone(),
            });
        }
        wrappers.push(Wrapper {
            open: block.start,
            close: block.end,
            tag: "div",
            id: entry.id.clone(),
        });
    }
    for w in &mut wrappers {
        // Around the answer, not its surrounding line breaks.
        let part = &html[w.open..w.close.max(w.open)];
        w.close = w.open + part.trim_end().len();
        w.open += part.len() - part.trim_start().len();
    }
    wrappers.retain(|w| w.open < w.close && balanced(&html[w.open..w.close]));
    Some(insert(html, nested_only(wrappers)))
}

/// The opening markup `anchors.rs` gives an entry.
fn marker(shape: Shape, is_question: bool, id: &str) -> String {
    let id = escape_html(id);
    let class = if is_question { "question" } else { "group" };
    match shape {
        Shape::Heading(level) => format!("<{level} id=\"{id}\""),
        Shape::ListItem => format!("<li class=\"{class}\" id=\"{id}\">"),
        Shape::BoldParagraph => format!("<p class=\"{class}\" id=\"{id}\">"),
    }
}

/// The inline rest (if the first line is a paragraph) and the block rest of
/// the list item starting at `start`.
type Parts = (Option<std::ops::Range<usize>>, std::ops::Range<usize>);

fn list_item_parts(html: &str, start: usize) -> Option<Parts> {
    let end = start + matching_close(&html[start..], "li")?;
    let mut at = start + html[start..end].find('>')? + 1;
    if html[at..end].starts_with("<a class=\"permalink\"") {
        at += find(&html[at..end], "</a>")? + "</a>".len();
    }
    at += html[at..end].len() - html[at..end].trim_start().len();
    let in_paragraph = html[at..end].starts_with("<p>");
    if in_paragraph {
        at += "<p>".len();
    }
    let bold = html[at..end].starts_with("<strong>");
    Some(match (bold, in_paragraph) {
        (true, true) => {
            let title_end = at + find(&html[at..end], "</strong>")? + "</strong>".len();
            let p_end = title_end + find(&html[title_end..end], "</p>")?;
            (Some(title_end..p_end), p_end + "</p>".len()..end)
        }
        (true, false) => {
            let title_end = at + find(&html[at..end], "</strong>")? + "</strong>".len();
            (None, title_end..end)
        }
        (false, true) => {
            // The first line of the paragraph; its next lines answer.
            let p_end = at + find(&html[at..end], "</p>")?;
            let rest = html[at..p_end].find('\n').map(|n| at + n + 1..p_end);
            (rest, p_end + "</p>".len()..end)
        }
        (false, false) => {
            // A bare item: its first line, up to a line break or a block.
            let rest = &html[at..end];
            let title_end = [
                "\n",
                "<ul",
                "<ol",
                "<p>",
                "<p ",
                "<pre",
                "<div",
                "<blockquote",
                "<table",
            ]
            .iter()
            .filter_map(|m| find(rest, m))
            .min()
            .unwrap_or(rest.len());
            (None, at + title_end..end)
        }
    })
}

/// Drops any wrapper that would cross another (each kept one is inside or
/// beside every other), so the inserted tags always nest.
fn nested_only(mut wrappers: Vec<Wrapper>) -> Vec<Wrapper> {
    wrappers.sort_by_key(|w| (w.open, std::cmp::Reverse(w.close)));
    let mut kept: Vec<Wrapper> = Vec::new();
    let mut open: Vec<usize> = Vec::new(); // closes of the enclosing kept wrappers
    for w in wrappers {
        while open.last().is_some_and(|&close| close <= w.open) {
            open.pop();
        }
        if open.last().is_some_and(|&close| w.close > close) {
            continue;
        }
        open.push(w.close);
        kept.push(w);
    }
    kept
}

fn insert(html: &str, wrappers: Vec<Wrapper>) -> String {
    // (position, closes first, then inner before outer / outer before inner, text)
    let mut marks: Vec<(usize, u8, i64, String)> = Vec::with_capacity(wrappers.len() * 2);
    for w in &wrappers {
        marks.push((w.close, 0, -(w.open as i64), format!("</{}>", w.tag)));
        marks.push((
            w.open,
            1,
            -(w.close as i64),
            format!("<{}{WRAPPER_ATTRS}{}\">", w.tag, escape_html(&w.id)),
        ));
    }
    marks.sort();
    let mut out = String::with_capacity(html.len() + marks.len() * 40);
    let mut from = 0;
    for (at, _, _, text) in marks {
        out.push_str(&html[from..at]);
        out.push_str(&text);
        from = at;
    }
    out.push_str(&html[from..]);
    out
}

/// Elements that have no closing tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param",
];

/// The tags of an HTML fragment, in order: (name, is a closing tag).
/// Void and self-closing elements and comments are skipped.
fn tags(html: &str) -> impl Iterator<Item = (&str, bool)> + '_ {
    // Bytes, not chars: a page's KaTeX markup has thousands of tags.
    let bytes = html.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || loop {
        at += memchr::memchr(b'<', &bytes[at..])? + 1;
        if bytes[at..].starts_with(b"!--") {
            at = find(&html[at + 3..], "-->").map_or(bytes.len(), |e| at + 3 + e + 3);
            continue;
        }
        let closing = bytes.get(at) == Some(&b'/');
        let name_start = at + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(bytes.len() - name_start);
        if name_len == 0 {
            continue;
        }
        let name = &html[name_start..name_start + name_len];
        let end = memchr::memchr(b'>', &bytes[at..]).map_or(bytes.len(), |e| at + e);
        let self_closing = bytes[at..end].ends_with(b"/");
        at = end;
        // A code block's highlighting and a formula are hundreds of spans,
        // balanced by construction: on to the `</pre>`, or to the formula's
        // `</span>`.
        if !closing && name.eq_ignore_ascii_case("pre") {
            if let Some(close) = memchr::memmem::find(&bytes[at..], b"</pre") {
                at += close;
            }
        }
        if !closing && bytes[name_start..end].starts_with(KATEX_OPEN) {
            if let Some(close) = span_close(&bytes[at..]) {
                at += close;
            }
        }
        if self_closing || (name_len <= 6 && VOID.iter().any(|v| v.eq_ignore_ascii_case(name))) {
            continue;
        }
        return Some((name, closing));
    })
}

/// How KaTeX's markup of a formula opens (after the `<`).
const KATEX_OPEN: &[u8] = b"span class=\"katex\"";

/// Where the `</span>` closing a span that opened just before `html` is,
/// counting only spans (a formula's markup is spans, and SVGs in them).
fn span_close(html: &[u8]) -> Option<usize> {
    let mut depth = 1usize;
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'<', &html[at..]) {
        at += found + 1;
        if html[at..].starts_with(b"/span>") {
            depth -= 1;
            if depth == 0 {
                return Some(at - 1);
            }
        } else if html[at..].starts_with(b"span") {
            depth += 1;
        }
    }
    None
}

/// Whether every element opened in the fragment is closed in it, in order.
fn balanced(html: &str) -> bool {
    let mut stack: Vec<&str> = Vec::new();
    for (name, closing) in tags(html) {
        if !closing {
            stack.push(name);
        } else if !stack
            .pop()
            .is_some_and(|open| open.eq_ignore_ascii_case(name))
        {
            return false;
        }
    }
    stack.is_empty()
}

/// Where the element that opens at the start of `html` (a `tag` element)
/// closes: the byte offset of its closing tag. Steps from `<` to `<` (a
/// byte search), which is what makes it fast on KaTeX's many spans.
pub(crate) fn matching_close(html: &str, tag: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(found) = html[at..].find('<') {
        let here = at + found;
        let rest = &html.as_bytes()[here + 1..];
        let (closing, name) = match rest.first() {
            Some(b'/') => (true, &rest[1..]),
            _ => (false, rest),
        };
        let named = name.len() > tag.len()
            && name[..tag.len()].eq_ignore_ascii_case(tag.as_bytes())
            && matches!(name[tag.len()], b' ' | b'>' | b'\t' | b'\n' | b'/');
        if named && closing {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(here);
            }
        } else if named {
            depth += 1;
        }
        at = here + 1;
    }
    None
}

/// The answers wrapped by [`wrap`], by question id in page order: each
/// question's parts joined (the rest of a paragraph as a paragraph of its
/// own), permalinks dropped. Questions without an answer are not listed.
pub fn extract(html: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut from = 0;
    while let Some(found) = find(&html[from..], WRAPPER_ATTRS) {
        let attrs = from + found;
        from = attrs + WRAPPER_ATTRS.len();
        let tag = if html[..attrs].ends_with("<div") {
            "div"
        } else if html[..attrs].ends_with("<span") {
            "span"
        } else {
            continue;
        };
        let element = attrs - tag.len() - 1;
        let Some(id_len) = html[from..].find('"') else {
            break;
        };
        let id = crate::markdown::unescape_html(&html[from..from + id_len]);
        let Some(inner_start) = html[from..].find('>').map(|i| from + i + 1) else {
            break;
        };
        let Some(close) = matching_close(&html[element..], tag).map(|c| element + c) else {
            continue;
        };
        let inner = strip_permalinks(&html[inner_start..close]);
        let part = if tag == "span" {
            format!("<p>{}</p>", inner.trim())
        } else {
            inner.trim().to_string()
        };
        match out.iter_mut().find(|(known, _)| *known == id) {
            Some((_, answer)) => {
                answer.push('\n');
                answer.push_str(&part);
            }
            None => out.push((id, part)),
        }
    }
    out
}

/// The fragment without the `#` permalinks of the questions and headings in it.
pub fn strip_permalinks(html: &str) -> String {
    const START: &str = "<a class=\"permalink\"";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = find(rest, START) {
        out.push_str(&rest[..at]);
        match find(&rest[at..], "</a>") {
            Some(end) => rest = &rest[at + end + "</a>".len()..],
            None => {
                rest = &rest[at..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::tests::render_page;

    /// Renders markdown as the site does (answers wrapped) and takes the answers out.
    fn answers(md: &str) -> (String, Vec<(String, String)>) {
        let r = render_page(md);
        let html = wrap(&r.html, &r.outline).expect("questions found in the HTML");
        let found = extract(&html);
        (html, found)
    }

    fn answer<'a>(found: &'a [(String, String)], id: &str) -> &'a str {
        &found
            .iter()
            .find(|(i, _)| i == id)
            .unwrap_or_else(|| panic!("no answer for {id}: {found:?}"))
            .1
    }

    #[test]
    fn heading_answers_run_to_the_next_question_and_keep_sub_headings() {
        let (html, found) = answers(
            "# T\n\n## 为什么？ {#why}\n\n因为 $x^2$。\n\n### 细节\n\n更多。\n\n## 怎么办？ {#how}\n\n这样。\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        let why = answer(&found, "why");
        assert!(why.starts_with("<p>因为 <span class=\"katex\">"), "{why}");
        assert!(why.contains("细节") && why.contains("更多"), "{why}");
        assert!(!why.contains("permalink"), "{why}");
        assert!(!why.contains("这样"), "{why}");
        assert_eq!(answer(&found, "how"), "<p>这样。</p>");
        assert!(
            html.contains("</h2>\n<div class=\"answer\" data-q=\"why\"><p>因为"),
            "{html}"
        );
        assert!(balanced(&html), "{html}");
    }

    #[test]
    fn bold_list_items_loose_and_tight() {
        let (html, found) = answers(
            "- **为什么 ReLU 会死？**\n\n  当输入一直为负时梯度为零。\n\n- **BN 有什么不同？** 训练用批统计量。\n\n  推理用滑动平均。\n",
        );
        assert_eq!(
            answer(&found, "为什么-relu-会死"),
            "<p>当输入一直为负时梯度为零。</p>"
        );
        assert_eq!(
            answer(&found, "bn-有什么不同"),
            "<p>训练用批统计量。</p>\n<p>推理用滑动平均。</p>"
        );
        assert!(html.contains("<span class=\"answer\""), "{html}");
        assert!(balanced(&html), "{html}");

        let (html, found) =
            answers("- **什么是过拟合？** 训练好测试差\n  - 例子一\n- **怎么办？**\n  - 正则化\n");
        assert!(
            answer(&found, "什么是过拟合").contains("训练好测试差"),
            "{found:?}"
        );
        assert!(
            answer(&found, "怎么办").contains("<li>正则化</li>"),
            "{found:?}"
        );
        assert!(balanced(&html), "{html}");
    }

    #[test]
    fn bare_question_items_answer_with_what_is_nested() {
        let (_, found) =
            answers("## 卷积\n\n- 1x1 卷积的作用？\n  - 降维\n- 感受野怎么算\n- 为什么用奇数核?\n");
        assert_eq!(
            answer(&found, "1x1-卷积的作用"),
            "<ul>\n<li>降维</li>\n</ul>"
        );
        assert_eq!(
            found.len(),
            1,
            "questions without an answer are not listed: {found:?}"
        );
    }

    #[test]
    fn a_bare_item_answers_on_its_next_lines() {
        let (html, found) =
            answers("- 题一怎么做？\n  答一。\n\n- 题二怎么做？\n  答二。\n\n  更多。\n");
        assert_eq!(answer(&found, "题一怎么做"), "<p>答一。</p>");
        assert_eq!(answer(&found, "题二怎么做"), "<p>答二。</p>\n<p>更多。</p>");
        assert!(balanced(&html), "{html}");
    }

    #[test]
    fn bold_paragraphs_answer_until_the_next_one() {
        let (html, found) = answers(
            "**Q1：什么是过拟合？**\n\n模型在训练集上好。\n\n- 一\n- 二\n\n**Q2：怎么缓解？** 正则化。\n\n早停。\n\n## 别的\n\n无关。\n",
        );
        let q1 = answer(&found, "q1-什么是过拟合");
        assert!(q1.contains("训练集") && q1.contains("<li>二</li>"), "{q1}");
        assert!(!q1.contains("正则化"), "{q1}");
        assert_eq!(
            answer(&found, "q2-怎么缓解"),
            "<p>正则化。</p>\n<p>早停。</p>"
        );
        assert!(balanced(&html), "{html}");
    }

    #[test]
    fn an_unbalanced_answer_is_left_unwrapped() {
        let r = render_page("## A？ {#a}\n\n<div>\n\nopen\n\n## B？ {#b}\n\n</div>\n\ntext\n");
        if let Some(html) = wrap(&r.html, &r.outline) {
            let found = extract(&html);
            for (_, a) in &found {
                assert!(balanced(a), "{a}");
            }
        }
    }

    #[test]
    fn tag_balance_knows_void_self_closing_and_comments() {
        assert!(balanced(
            "<p>a<br>b<img src=x></p><svg><path d=\"M0\"/></svg><!-- <div> -->"
        ));
        assert!(!balanced("<div><p></div></p>"));
        // A code block counts as one element, whatever its spans.
        assert!(balanced(
            "<pre class=\"code\"><code><span>a<span>b</span></span></code></pre>"
        ));
        assert!(!balanced("<pre><code>x</code></pre></div>"));
        assert!(!balanced("<div><pre><code>x</code></pre>"));
        assert!(!balanced("<div>"));
        // So does a formula: its spans (and SVGs) are skipped, not the
        // markup around it.
        let formula = crate::markdown::math::render_formula(r"\sqrt{x^2}", false).unwrap();
        assert!(balanced(&format!("<p>{formula}</p>")));
        assert!(!balanced(&format!("<p>{formula}</div>")));
        assert!(!balanced(&format!("<p>{formula}")));
        assert!(!balanced("<div><span class=\"katex\"><span>x</span>"));
        assert_eq!(matching_close("<li>a<li>b</li></li>c", "li"), Some(15));
        assert_eq!(matching_close("<li><link></li>", "li"), Some(10));
    }

    #[test]
    fn crossing_wrappers_are_dropped() {
        let w = |open, close| Wrapper {
            open,
            close,
            tag: "div",
            id: String::new(),
        };
        let kept = nested_only(vec![w(0, 10), w(2, 5), w(4, 12), w(10, 20)]);
        let spans: Vec<_> = kept.iter().map(|w| (w.open, w.close)).collect();
        assert_eq!(spans, [(0, 10), (2, 5), (10, 20)]);
    }
}
