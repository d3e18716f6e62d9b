//! Finding the questions of a page in its event stream.
//!
//! Notes written by people put questions in several shapes; all become the same
//! first-class item with a stable id:
//! - a heading below the page title (`## Why …? {#why}`);
//! - a top-level list item that starts with bold text (`- **Why …?**` + indented answer);
//! - a bold paragraph ending in a question mark (`**Why …？**`);
//! - in bare lists of questions, a list item whose text is a question (ends in `？`/`?`);
//!   when at least half of a list's items are such questions, all of them count.
//!
//! When a page has questions of the list/paragraph shapes, its headings are
//! group titles (unless they end in a question mark or carry an explicit id).
//! Otherwise the shallowest heading level below the title holds the questions
//! and deeper headings are sub-headings of an answer.

use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};
use std::collections::HashMap;
use std::ops::Range;

pub type Spanned<'a> = (Event<'a>, Range<usize>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Heading(HeadingLevel),
    ListItem,
    BoldParagraph,
}

/// A heading or question found in the page, pointing at its start event.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Index of the event that starts the heading / item / paragraph.
    pub event: usize,
    pub shape: Shape,
    pub is_question: bool,
    /// Listed in the page's table of contents: questions and the group
    /// headings above them, not the sub-headings inside an answer.
    pub in_toc: bool,
    pub id: String,
    pub explicit_id: bool,
    /// Plain text of the question or heading (math kept as its TeX source).
    pub title: String,
    /// Byte offset in the body where it starts (for line numbers).
    pub offset: usize,
    /// Events `[event, answer_end)` hold the question and its answer.
    pub answer_end: usize,
}

/// The structure of a page: its title (the single leading `# h1`) and entries.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    pub title: Option<String>,
    /// Events `[start, end)` of the title heading, which the page template renders itself.
    pub title_events: Option<Range<usize>>,
    pub entries: Vec<Entry>,
}

impl Outline {
    pub fn questions(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.is_question)
    }
}

/// A candidate before the page-wide decision of which shapes are questions.
struct Candidate {
    event: usize,
    shape: Shape,
    title: String,
    explicit_id: Option<String>,
    asks: bool,
    bold: bool,
    list: Option<usize>,
    offset: usize,
}

pub fn find(events: &[Spanned<'_>]) -> Outline {
    let mut candidates = Vec::new();
    let (mut list_depth, mut quote_depth, mut list_counter) = (0usize, 0usize, 0usize);
    let mut current_list = 0;
    for (i, (event, range)) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::List(_)) => {
                if list_depth == 0 {
                    list_counter += 1;
                    current_list = list_counter;
                }
                list_depth += 1;
            }
            Event::End(TagEnd::List(_)) => list_depth = list_depth.saturating_sub(1),
            Event::Start(Tag::BlockQuote(_)) => quote_depth += 1,
            Event::End(TagEnd::BlockQuote(_)) => quote_depth = quote_depth.saturating_sub(1),
            Event::Start(Tag::Heading { level, id, .. }) if list_depth == 0 && quote_depth == 0 => {
                let title = inline_text(events, i + 1, |e| {
                    matches!(e, Event::End(TagEnd::Heading(_)))
                });
                candidates.push(Candidate {
                    event: i,
                    shape: Shape::Heading(*level),
                    asks: ends_with_question_mark(&title),
                    title,
                    explicit_id: id.as_ref().map(|s| s.to_string()),
                    bold: false,
                    list: None,
                    offset: range.start,
                });
            }
            Event::Start(Tag::Item) if list_depth == 1 && quote_depth == 0 => {
                let mut first = i + 1;
                if matches!(events.get(first), Some((Event::Start(Tag::Paragraph), _))) {
                    first += 1;
                }
                let bold = matches!(events.get(first), Some((Event::Start(Tag::Strong), _)));
                let title = if bold {
                    inline_text(events, first + 1, |e| {
                        matches!(e, Event::End(TagEnd::Strong))
                    })
                } else {
                    inline_text(events, first, ends_first_line)
                };
                candidates.push(Candidate {
                    event: i,
                    shape: Shape::ListItem,
                    asks: ends_with_question_mark(&title),
                    title,
                    explicit_id: None,
                    bold,
                    list: Some(current_list),
                    offset: range.start,
                });
            }
            Event::Start(Tag::Paragraph) if list_depth == 0 && quote_depth == 0 => {
                if matches!(events.get(i + 1), Some((Event::Start(Tag::Strong), _))) {
                    let title =
                        inline_text(events, i + 2, |e| matches!(e, Event::End(TagEnd::Strong)));
                    if ends_with_question_mark(&title) {
                        candidates.push(Candidate {
                            event: i,
                            shape: Shape::BoldParagraph,
                            title,
                            explicit_id: None,
                            asks: true,
                            bold: true,
                            list: None,
                            offset: range.start,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    decide(events, candidates)
}

fn decide(events: &[Spanned<'_>], candidates: Vec<Candidate>) -> Outline {
    let mut outline = Outline::default();
    let h1_count = candidates
        .iter()
        .filter(|c| c.shape == Shape::Heading(HeadingLevel::H1))
        .count();
    let first_heading = candidates
        .iter()
        .find(|c| matches!(c.shape, Shape::Heading(_)));
    let title_event = first_heading
        .filter(|c| {
            c.shape == Shape::Heading(HeadingLevel::H1) && h1_count == 1 && c.explicit_id.is_none()
        })
        .map(|c| c.event);
    if let Some(start) = title_event {
        let end = (start..events.len())
            .find(|&j| matches!(events[j].0, Event::End(TagEnd::Heading(_))))
            .map_or(events.len(), |j| j + 1);
        outline.title = candidates
            .iter()
            .find(|c| c.event == start)
            .map(|c| c.title.clone());
        outline.title_events = Some(start..end);
    }

    // Lists in which at least half of the items ask something are lists of questions.
    let mut per_list: HashMap<usize, (usize, usize)> = HashMap::new();
    for c in candidates.iter().filter(|c| c.shape == Shape::ListItem) {
        let counts = per_list.entry(c.list.unwrap_or(0)).or_default();
        counts.0 += usize::from(c.asks);
        counts.1 += 1;
    }
    let question_list = |list: Option<usize>| {
        per_list
            .get(&list.unwrap_or(0))
            .is_some_and(|&(asks, total)| asks * 2 >= total && asks > 0)
    };
    let inline_question = |c: &Candidate| match c.shape {
        Shape::ListItem => !c.title.trim().is_empty() && (c.bold || question_list(c.list)),
        Shape::BoldParagraph => true,
        Shape::Heading(_) => false,
    };
    let has_inline_questions = candidates.iter().any(inline_question);
    let question_level = candidates
        .iter()
        .filter(|c| Some(c.event) != title_event)
        .filter_map(|c| match c.shape {
            Shape::Heading(level) => Some(level),
            _ => None,
        })
        .min();

    let mut used: HashMap<String, usize> = HashMap::new();
    for c in candidates {
        if Some(c.event) == title_event {
            continue;
        }
        let is_question = match c.shape {
            Shape::Heading(level) if has_inline_questions => {
                c.asks || c.explicit_id.is_some() && level > HeadingLevel::H1
            }
            Shape::Heading(level) => Some(level) == question_level,
            _ => inline_question(&c),
        };
        let is_heading = matches!(c.shape, Shape::Heading(_));
        if !is_question && !is_heading {
            continue;
        }
        let in_toc = match c.shape {
            Shape::Heading(level) => {
                is_question || has_inline_questions || question_level.is_none_or(|q| level < q)
            }
            _ => true,
        };
        let explicit_id = c.explicit_id.is_some();
        let base = c.explicit_id.unwrap_or_else(|| slugify(&c.title));
        let id = unique_id(&mut used, base, explicit_id);
        let answer_end = answer_end(events, c.event, c.shape);
        outline.entries.push(Entry {
            event: c.event,
            shape: c.shape,
            is_question,
            in_toc,
            id,
            explicit_id,
            title: c.title.split_whitespace().collect::<Vec<_>>().join(" "),
            offset: c.offset,
            answer_end,
        });
    }
    outline
}

/// Explicit ids are kept as written (duplicates are reported by the caller);
/// derived slugs get `-2`, `-3` … to stay unique within the page.
fn unique_id(used: &mut HashMap<String, usize>, base: String, explicit: bool) -> String {
    let base = if base.is_empty() {
        "q".to_string()
    } else {
        base
    };
    let count = used.entry(base.clone()).or_insert(0);
    *count += 1;
    if explicit || *count == 1 {
        base
    } else {
        format!("{base}-{count}")
    }
}

/// Where the answer to the entry starting at `start` ends (exclusive event index).
fn answer_end(events: &[Spanned<'_>], start: usize, shape: Shape) -> usize {
    let mut depth = 0usize;
    for (j, (event, _)) in events.iter().enumerate().skip(start) {
        match (shape, event) {
            (Shape::Heading(level), Event::Start(Tag::Heading { level: other, .. }))
                if j > start && *other <= level =>
            {
                return j
            }
            (Shape::ListItem, Event::Start(Tag::Item)) => depth += 1,
            (Shape::ListItem, Event::End(TagEnd::Item)) => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            (Shape::BoldParagraph, Event::Start(Tag::Heading { .. })) => return j,
            (Shape::BoldParagraph, Event::Start(Tag::Paragraph))
                if j > start && starts_bold_question(events, j) =>
            {
                return j
            }
            _ => {}
        }
    }
    events.len()
}

fn starts_bold_question(events: &[Spanned<'_>], paragraph: usize) -> bool {
    matches!(
        events.get(paragraph + 1),
        Some((Event::Start(Tag::Strong), _))
    ) && ends_with_question_mark(&inline_text(events, paragraph + 2, |e| {
        matches!(e, Event::End(TagEnd::Strong))
    }))
}

fn ends_first_line(event: &Event<'_>) -> bool {
    matches!(
        event,
        Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph | TagEnd::Item)
            | Event::Start(
                Tag::List(_)
                    | Tag::BlockQuote(_)
                    | Tag::CodeBlock(_)
                    | Tag::Paragraph
                    | Tag::Table(_)
            )
    )
}

/// Concatenated text from `start` up to the first event for which `stop` holds.
pub fn inline_text(
    events: &[Spanned<'_>],
    start: usize,
    stop: impl Fn(&Event<'_>) -> bool,
) -> String {
    let mut text = String::new();
    for (event, _) in events.iter().skip(start) {
        if stop(event) {
            break;
        }
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::InlineMath(t) => {
                text.push('$');
                text.push_str(t);
                text.push('$');
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text
}

pub fn ends_with_question_mark(text: &str) -> bool {
    let trimmed =
        text.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '：' | '*'));
    trimmed.ends_with('?') || trimmed.ends_with('？')
}

/// A readable, URL-safe id that keeps CJK characters: `为什么 BN 有效？` → `为什么-bn-有效`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            slug.extend(ch.to_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.chars().count() >= 64 {
            break;
        }
    }
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::parse;

    fn outline(md: &str) -> Outline {
        let math = crate::markdown::math_spans::MathSource::new(md);
        find(&parse(&math, md))
    }

    fn questions(md: &str) -> Vec<(String, String)> {
        outline(md)
            .questions()
            .map(|q| (q.id.clone(), q.title.clone()))
            .collect()
    }

    #[test]
    fn slugs_keep_cjk_and_fold_ascii() {
        assert_eq!(slugify("为什么 BN 有效？"), "为什么-bn-有效");
        assert_eq!(slugify("1 * 1卷积核的作用"), "1-1卷积核的作用");
        assert_eq!(slugify("  ?? "), "");
    }

    #[test]
    fn headings_below_the_title_are_questions_with_explicit_ids() {
        let md = "# Softmax\n\n## Why subtract the max? {#softmax-max}\n\nBecause.\n\n### Detail\n\n## 梯度是什么\n\ntext\n";
        let o = outline(md);
        assert_eq!(o.title.as_deref(), Some("Softmax"));
        assert_eq!(
            questions(md),
            vec![
                (
                    "softmax-max".to_string(),
                    "Why subtract the max?".to_string()
                ),
                ("梯度是什么".to_string(), "梯度是什么".to_string()),
            ]
        );
        let detail = o.entries.iter().find(|e| e.title == "Detail").unwrap();
        assert!(!detail.is_question);
        assert!(
            !detail.in_toc,
            "sub-headings of an answer stay out of the table of contents"
        );
    }

    #[test]
    fn bold_list_items_are_questions_and_headings_become_groups() {
        let md = "# T\n\n## 模型评估\n\n- **Accuracy 有哪些局限？**\n\n  因为类别不平衡。\n\n- **ROC 曲线是什么？**\n\n  答案。\n";
        assert_eq!(questions(md).len(), 2);
        let o = outline(md);
        let group = o.entries.iter().find(|e| e.title == "模型评估").unwrap();
        assert!(!group.is_question);
        let first = o.questions().next().unwrap();
        assert_eq!(first.title, "Accuracy 有哪些局限？");
    }

    #[test]
    fn bare_question_lists_count_every_item() {
        let md = "## 卷积\n\n  - 1x1 卷积的作用？\n  - 感受野怎么算\n  - 为什么用奇数核?\n";
        let q = questions(md);
        assert_eq!(q.len(), 3, "{q:?}");
        assert_eq!(q[1].1, "感受野怎么算");
        let prose = "- apples\n- pears\n- why?\n";
        assert!(questions(prose).is_empty());
    }

    #[test]
    fn bold_paragraph_questions_run_until_the_next_one() {
        let md = "**Q1：什么是过拟合？**\n\n答案一。\n\n**Q2：怎么办？**\n\n答案二。\n";
        let o = outline(md);
        let q: Vec<_> = o.questions().collect();
        assert_eq!(q.len(), 2);
        assert!(q[0].answer_end <= q[1].event);
    }

    #[test]
    fn duplicate_slugs_get_suffixes() {
        let q = questions("## 作用？\n\n## 作用？\n");
        assert_eq!(q[0].0, "作用");
        assert_eq!(q[1].0, "作用-2");
    }
}
