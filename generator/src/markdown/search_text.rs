//! What search can find on a page: everything a reader can see, in parts.
//!
//! One part per question (the question and its answer), and one per
//! heading-delimited section for the text outside questions, the text
//! before the first heading included; a page without questions is all
//! sections. A question that is a heading owns the text up to the next
//! heading, like a section: the sub-headings of a long answer are parts
//! below it. Each part knows the headings above it (`第五章 › 5.3 …`). Prose
//! keeps its formulas as `$TeX$` (a snippet shows them, and they are
//! searchable); code blocks are kept apart, to be searched at a low weight.
//! A heading with no text of its own (right above its sub-sections) is
//! still a part: searching its words should land on it.

use super::outline::{Outline, Shape, Spanned};
use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};

/// The searchable text of one question or section of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchText {
    /// Its anchor on the page; empty for the text before the first heading.
    pub id: String,
    /// The question or heading; empty for the text before the first heading
    /// (the page's title stands for it).
    pub title: String,
    /// The headings above it, outermost first (not the page title).
    pub path: Vec<String>,
    /// Prose, formulas as `$TeX$`, whitespace collapsed.
    pub text: String,
    /// Code blocks.
    pub code: String,
}

/// A part being collected.
struct Part {
    found: SearchText,
    /// Its title starts its text (a question that is a list item or a bold paragraph).
    title_in_text: bool,
}

/// The parts of a page, in the order they start.
pub fn collect(events: &[Spanned<'_>], outline: &Outline) -> Vec<SearchText> {
    let title_events = outline.title_events.clone().unwrap_or(0..0);
    let mut parts: Vec<Part> = Vec::new();
    // The section headings open at this point (outside questions).
    let mut headings: Vec<(HeadingLevel, String)> = Vec::new();
    let mut section: Option<usize> = None;
    // Open questions: (event where the answer ends, part), innermost last.
    let mut questions: Vec<(usize, usize)> = Vec::new();
    let mut entries = outline.entries.iter().peekable();
    let mut in_own_heading = false;
    let mut in_code = false;
    for (i, (event, _)) in events.iter().enumerate() {
        while questions.last().is_some_and(|&(end, _)| end <= i) {
            questions.pop();
        }
        while let Some(entry) = entries.next_if(|e| e.event <= i) {
            if entry.event < i {
                continue;
            }
            match entry.shape {
                // A heading, question or not, starts a part that owns what
                // follows up to the next heading; its sub-headings (an
                // answer's steps, a textbook's sub-sections) are parts below it.
                Shape::Heading(level) => {
                    while headings.last().is_some_and(|(l, _)| *l >= level) {
                        headings.pop();
                    }
                    parts.push(part(entry.id.clone(), &entry.title, &headings));
                    headings.push((level, entry.title.clone()));
                    section = Some(parts.len() - 1);
                    in_own_heading = true;
                }
                // A question that is a list item or a bold paragraph owns its answer.
                _ if entry.is_question => {
                    let mut question = part(entry.id.clone(), &entry.title, &headings);
                    question.title_in_text = true;
                    parts.push(question);
                    questions.push((entry.answer_end, parts.len() - 1));
                }
                _ => {}
            }
        }
        if title_events.contains(&i) {
            continue;
        }
        if in_own_heading {
            in_own_heading = !matches!(event, Event::End(TagEnd::Heading(_)));
            continue;
        }
        let owner = match questions.last() {
            Some(&(_, q)) => q,
            None => *section.get_or_insert_with(|| {
                parts.push(part(String::new(), "", &[]));
                parts.len() - 1
            }),
        };
        let found = &mut parts[owner].found;
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                found.code.push('\n');
            }
            Event::Text(t) if in_code => found.code.push_str(t),
            // A `$` of the prose must not read as a formula's delimiter.
            Event::Text(t) | Event::Code(t) => found.text.push_str(&t.replace('$', "＄")),
            Event::InlineMath(tex) => push_formula(&mut found.text, tex, false),
            Event::DisplayMath(tex) => push_formula(&mut found.text, tex, true),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => found.text.push(' '),
            _ => {}
        }
    }
    parts
        .into_iter()
        .filter_map(|p| {
            let mut found = p.found;
            found.text = collapse(&found.text);
            if p.title_in_text {
                found.text = strip_title(&found.text, &found.title).to_string();
            }
            // The text before the first heading, when there is any.
            let empty = found.text.is_empty() && found.code.trim().is_empty();
            (!found.title.is_empty() || !empty).then_some(found)
        })
        .collect()
}

fn part(id: String, title: &str, headings: &[(HeadingLevel, String)]) -> Part {
    Part {
        found: SearchText {
            id,
            title: title.to_string(),
            path: headings.iter().map(|(_, h)| h.clone()).collect(),
            text: String::new(),
            code: String::new(),
        },
        title_in_text: false,
    }
}

/// A formula in the prose as `$TeX$`, on its own when it is displayed.
fn push_formula(text: &mut String, tex: &str, display: bool) {
    if display {
        text.push(' ');
    }
    text.push('$');
    text.push_str(tex.trim().replace('$', "").as_str());
    text.push('$');
    if display {
        text.push(' ');
    }
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A question's text starts with the question itself; drop it.
fn strip_title<'a>(text: &'a str, title: &str) -> &'a str {
    text.strip_prefix(title).map_or(text, str::trim_start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::{math_spans::MathSource, outline, parse};

    fn texts(md: &str) -> Vec<SearchText> {
        let math = MathSource::new(md);
        let events = parse(&math);
        collect(&events, &outline::find(&events))
    }

    #[test]
    fn questions_and_the_sections_around_them_are_parts() {
        let found = texts(
            "# 第五章\n\n引言 $x^2$ 在此。\n\n## 5 卷积\n\n## 5.3 卷积层\n\n参数有核大小。\n\n```python\ntorch.no_grad()\n```\n\n\
             ### 5.3.1 步幅\n\n步幅是什么。\n\n## 为什么用 1x1 卷积？ {#q1}\n\n降维。\n",
        );
        let summary: Vec<(&str, &str, Vec<&str>, &str)> = found
            .iter()
            .map(|t| {
                (
                    t.id.as_str(),
                    t.title.as_str(),
                    t.path.iter().map(String::as_str).collect(),
                    t.text.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("", "", vec![], "引言 $x^2$ 在此。"),
                ("5-卷积", "5 卷积", vec![], ""),
                ("5-3-卷积层", "5.3 卷积层", vec![], "参数有核大小。"),
                (
                    "5-3-1-步幅",
                    "5.3.1 步幅",
                    vec!["5.3 卷积层"],
                    "步幅是什么。"
                ),
                ("q1", "为什么用 1x1 卷积？", vec![], "降维。"),
            ]
        );
        assert_eq!(found[2].code, "torch.no_grad()\n\n");
    }

    #[test]
    fn list_questions_drop_their_title_and_keep_bare_questions() {
        let found =
            texts("## 卷积\n\n- 感受野怎么算？\n- 空洞卷积有什么优点？\n\n  扩大感受野。\n");
        let titles: Vec<(&str, &str)> = found
            .iter()
            .map(|t| (t.title.as_str(), t.text.as_str()))
            .collect();
        assert_eq!(
            titles,
            [
                ("卷积", ""),
                ("感受野怎么算？", ""),
                ("空洞卷积有什么优点？", "扩大感受野。")
            ]
        );
        assert_eq!(found[1].path, ["卷积"]);
    }

    #[test]
    fn the_sub_headings_of_an_answer_are_parts_below_its_question() {
        let found =
            texts("## 为什么？ {#q}\n\n因为。\n\n### 第一步\n\n先算。\n\n## 下一节\n\n正文。\n");
        let summary: Vec<(&str, Vec<&str>, &str)> = found
            .iter()
            .map(|t| {
                (
                    t.title.as_str(),
                    t.path.iter().map(String::as_str).collect(),
                    t.text.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("为什么？", vec![], "因为。"),
                ("第一步", vec!["为什么？"], "先算。"),
                ("下一节", vec![], "正文。"),
            ]
        );
    }

    #[test]
    fn display_formulas_stay_in_the_text_and_dollars_are_not_formulas() {
        let found = texts("记第 $l$ 层：\n\n$$\nr_l = r_{l-1} + (k-1)\n$$\n\n价格 \\$5。\n");
        assert_eq!(
            found[0].text,
            "记第 $l$ 层： $r_l = r_{l-1} + (k-1)$ 价格 ＄5。"
        );
    }
}
