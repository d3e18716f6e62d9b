//! Finding the questions of a page in its event stream.
//!
//! Notes written by people put questions in several shapes; all become the same
//! first-class item with a stable id:
//! - a heading that asks something (`## 为什么要用 1x1 卷积？`, `## 7. K-Means 与 KNN 有什么区别`,
//!   `## Why …?`) or carries an explicit id (`## … {#why}`, our own content);
//! - an item of a list of questions (most of its items ask: `- 感受野怎么算`), with or
//!   without a question mark, and the sub-questions nested under such an item;
//! - a list item or paragraph that starts with bold text that asks (`- **Accuracy 有哪些局限？**`).
//!
//! Each section is decided from what is in it, never by a page-wide switch:
//! a heading whose section holds questions is a group title, not a question;
//! a list or bold label inside an answer (under a question heading, or nested
//! in a question item) is part of that answer. Headings that are not questions
//! are still sections (anchors, table of contents, search). Textbook section
//! headings (`## 5.10.1 批量归一化层`, `## 3.7`, `## 式(3.7)的推导`) are sections.

use aho_corasick::AhoCorasick;
use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

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

/// A heading, list item or bold paragraph, before it is decided.
struct Candidate {
    event: usize,
    shape: Shape,
    title: String,
    explicit_id: Option<String>,
    /// The text asks something (see [`asks`]).
    asks: bool,
    bold: bool,
    /// The list an item belongs to, its nesting depth (1 = top level) and
    /// the candidate index of the item it is nested in.
    list: usize,
    depth: usize,
    parent: Option<usize>,
    /// Candidate index of the heading whose section this is in.
    section: Option<usize>,
    /// An item whose whole first line is bold and which holds more below it:
    /// a topic with its answer (`- **混合精度**` + paragraphs).
    bold_topic: bool,
    /// An item with more below its first line (an answer, sub-items).
    has_body: bool,
    offset: usize,
}

pub fn find(events: &[Spanned<'_>]) -> Outline {
    let mut candidates: Vec<Candidate> = Vec::new();
    let (mut quote_depth, mut list_counter) = (0usize, 0usize);
    // Open lists (their ids) and open items (candidate indices), innermost last.
    let mut lists: Vec<usize> = Vec::new();
    let mut items: Vec<usize> = Vec::new();
    let mut section: Option<usize> = None;
    for (i, (event, range)) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::List(_)) => {
                list_counter += 1;
                lists.push(list_counter);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::End(TagEnd::Item) => {
                items.pop();
            }
            Event::Start(Tag::BlockQuote(_)) => quote_depth += 1,
            Event::End(TagEnd::BlockQuote(_)) => quote_depth = quote_depth.saturating_sub(1),
            Event::Start(Tag::Heading { level, id, .. })
                if lists.is_empty() && quote_depth == 0 =>
            {
                let title = inline_text(events, i + 1, |e| {
                    matches!(e, Event::End(TagEnd::Heading(_)))
                });
                section = Some(candidates.len());
                candidates.push(Candidate {
                    event: i,
                    shape: Shape::Heading(*level),
                    asks: asking(&title) == Asking::Question && !refers_to_an_equation(&title),
                    title,
                    explicit_id: id.as_ref().map(|s| s.to_string()),
                    bold: false,
                    list: 0,
                    depth: 0,
                    parent: None,
                    section: None,
                    bold_topic: false,
                    has_body: false,
                    offset: range.start,
                });
            }
            Event::Start(Tag::Item) => {
                let mut first = i + 1;
                if matches!(events.get(first), Some((Event::Start(Tag::Paragraph), _))) {
                    first += 1;
                }
                let bold = matches!(events.get(first), Some((Event::Start(Tag::Strong), _)));
                let first_line = inline_text(events, first, ends_first_line);
                let title = if bold {
                    inline_text(events, first + 1, |e| {
                        matches!(e, Event::End(TagEnd::Strong))
                    })
                } else {
                    first_line.clone()
                };
                let has_body = item_has_body(events, i);
                let bold_topic = bold
                    && first_line.trim().trim_end_matches([':', '：']) == title.trim()
                    && has_body;
                items.push(candidates.len());
                if quote_depth > 0 {
                    continue;
                }
                candidates.push(Candidate {
                    event: i,
                    shape: Shape::ListItem,
                    asks: asks(&title),
                    title,
                    explicit_id: None,
                    bold,
                    list: lists.last().copied().unwrap_or(0),
                    depth: lists.len(),
                    parent: items.iter().rev().nth(1).copied(),
                    section,
                    bold_topic,
                    has_body,
                    offset: range.start,
                });
            }
            Event::Start(Tag::Paragraph) if lists.is_empty() && quote_depth == 0 => {
                if matches!(events.get(i + 1), Some((Event::Start(Tag::Strong), _))) {
                    let title =
                        inline_text(events, i + 2, |e| matches!(e, Event::End(TagEnd::Strong)));
                    candidates.push(Candidate {
                        event: i,
                        shape: Shape::BoldParagraph,
                        asks: asking(&title) == Asking::Question,
                        title,
                        explicit_id: None,
                        bold: true,
                        list: 0,
                        depth: 0,
                        parent: None,
                        section,
                        bold_topic: false,
                        has_body: false,
                        offset: range.start,
                    });
                }
            }
            _ => {}
        }
    }
    decide(events, candidates)
}

/// Whether the list item starting at `start` has blocks after its first
/// paragraph (an answer below a topic line).
fn item_has_body(events: &[Spanned<'_>], start: usize) -> bool {
    let mut depth = 0usize;
    let mut blocks = 0usize;
    for (event, _) in &events[start..] {
        match event {
            Event::Start(Tag::Item) => depth += 1,
            Event::End(TagEnd::Item) => {
                depth -= 1;
                if depth == 0 {
                    return false;
                }
            }
            Event::Start(Tag::List(_) | Tag::Heading { .. }) if depth == 1 => return true,
            Event::Start(Tag::Paragraph | Tag::CodeBlock(_) | Tag::Table(_)) if depth == 1 => {
                blocks += 1;
                if blocks >= 2 {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// How strongly a phrase asks something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Asking {
    No,
    /// An interview task or topic word (`简述…`, `…的原理`, `explain…`): a
    /// question in a list of questions, a section title in a textbook.
    Task,
    /// A question (`？`, `为什么`, `…的区别`, `how …`).
    Question,
}

/// Words of a question, in Chinese (`为什么…`, `…怎么算`, `…的区别`).
const QUESTION_WORDS: &[&str] = &[
    "为什么",
    "为何",
    "什么",
    "怎么",
    "怎样",
    "如何",
    "哪些",
    "哪个",
    "哪种",
    "哪里",
    "是否",
    "能否",
    "可否",
    "有没有",
    "是不是",
    "会不会",
    "吗",
    "呢",
    "多少",
    "几种",
    "区别",
    "异同",
    "优缺点",
    "优劣",
    "利弊",
    "difference between",
];

/// English openings of a question.
const QUESTION_OPENINGS: &[&str] = &[
    "what", "why", "how", "when", "which", "who", "where", "is", "are", "does", "do", "can",
    "could", "should", "would",
];

/// Words of an interview task or topic (`简述 SVM`, `BN 的原理`, `explain …`).
const TASK_WORDS: &[&str] = &[
    "简述",
    "简要",
    "阐述",
    "介绍",
    "解释",
    "说明",
    "说说",
    "说下",
    "说一下",
    "谈谈",
    "讲讲",
    "讲一下",
    "描述",
    "推导",
    "手推",
    "手写",
    "实现",
    "证明",
    "理解",
    "的原理",
    "的作用",
    "的意义",
    "的影响",
    "的关系",
    "的联系",
    "的特点",
    "的局限",
    "的问题",
    "优点",
    "缺点",
    "好处",
    "坏处",
    "对比",
    "比较",
    "影响",
    "解决",
    "计算",
    "不同",
    " vs",
    "versus",
];

const TASK_OPENINGS: &[&str] = &[
    "explain",
    "describe",
    "compare",
    "derive",
    "implement",
    "write",
    "prove",
    "define",
    "give",
    "list",
    "name",
    "discuss",
];

/// Whether a heading or item asks something, sets a task, or states.
pub fn asking(text: &str) -> Asking {
    let text = strip_numbering(text.trim());
    let q_prefix = text.starts_with(['Q', 'q', '问'])
        && text
            .trim_start_matches(['Q', 'q', '问'])
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .starts_with([':', '：', '.', '、']);
    if text.contains(['?', '？']) || q_prefix {
        return Asking::Question;
    }
    if is_statement(text) {
        return Asking::No;
    }
    let lower = text.to_lowercase();
    let first_word = lower
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    if QUESTION_OPENINGS.contains(&first_word) || QUESTIONS.is_match(&lower) {
        Asking::Question
    } else if TASK_OPENINGS.contains(&first_word) || TASKS.is_match(&lower) {
        Asking::Task
    } else {
        Asking::No
    }
}

/// [`QUESTION_WORDS`] and [`TASK_WORDS`] as automatons: every heading and
/// item of every page is looked at, and one pass finds any of dozens of words.
static QUESTIONS: LazyLock<AhoCorasick> = LazyLock::new(|| words_finder(QUESTION_WORDS));
static TASKS: LazyLock<AhoCorasick> = LazyLock::new(|| words_finder(TASK_WORDS));

fn words_finder(words: &[&str]) -> AhoCorasick {
    AhoCorasick::new(words).expect("the word lists are plain strings")
}

/// A sentence that tells rather than asks: long, or a label with its
/// explanation (`精准性：…`), or several clauses.
fn is_statement(text: &str) -> bool {
    let chars = text.chars().count();
    let labelled = text
        .find(['：', ':'])
        .is_some_and(|at| text[..at].chars().count() <= 25 && text[at..].chars().count() > 12);
    chars > 100
        || labelled
        || chars > 30 && text.contains(['。', '；', ';'])
        || text.trim_end().ends_with(['。', '；', ';', '.'])
}

/// Whether a heading or item asks something or sets a task.
pub fn asks(text: &str) -> bool {
    asking(text) > Asking::No
}

/// `5.3 `, `1. `, `2、`, `(3) `, `Q1:` … at the start of a title.
pub fn strip_numbering(text: &str) -> &str {
    let rest = text.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    if rest.len() == text.len() {
        return text;
    }
    rest.trim_start_matches(['、', ')', '）', ':', '：'])
        .trim_start()
}

/// Textbook headings about one equation (`3.7`, `式(3.7)的推导`, `公式 2.1 的解释`): sections.
fn refers_to_an_equation(title: &str) -> bool {
    let t = title.trim();
    t.chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c.is_whitespace())
        || ["式(", "式（", "公式(", "公式（", "式 (", "式 ("]
            .iter()
            .any(|p| t.contains(p))
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
        let counts = per_list.entry(c.list).or_default();
        counts.0 += usize::from(c.asks);
        counts.1 += 1;
    }
    let question_list = |list: usize| {
        per_list
            .get(&list)
            .is_some_and(|&(asks, total)| asks * 2 >= total && asks > 0)
    };
    // A heading that asks is a question unless its section holds questions
    // of its own (then it is a group title); one with an explicit id always is.
    let mut is_question: Vec<bool> = candidates
        .iter()
        .map(|c| match c.shape {
            Shape::Heading(level) => {
                Some(c.event) != title_event
                    && (c.explicit_id.is_some() && level > HeadingLevel::H1 || c.asks)
            }
            _ => false,
        })
        .collect();
    let heading_level = |i: usize| match candidates[i].shape {
        Shape::Heading(level) => Some(level),
        _ => None,
    };
    for i in 0..candidates.len() {
        let Some(level) = heading_level(i) else {
            continue;
        };
        if !is_question[i] || candidates[i].explicit_id.is_some() {
            continue;
        }
        let groups = candidates[i + 1..]
            .iter()
            .take_while(|c| !matches!(c.shape, Shape::Heading(l) if l <= level))
            .any(|c| match c.shape {
                Shape::Heading(_) => c.asks,
                Shape::ListItem => {
                    c.depth == 1 && question_list(c.list) && per_list[&c.list].1 >= 2
                }
                Shape::BoldParagraph => c.asks,
            });
        if groups {
            is_question[i] = false;
        }
    }
    let in_answer = |c: &Candidate, is_question: &[bool]| c.section.is_some_and(|s| is_question[s]);
    // A page of interview questions: most top-level items are in lists of
    // questions. Its other lists of short phrases (`- 二叉树的直径`, `- bitmap`)
    // are questions too; in a textbook they would be prose.
    let top_items = candidates
        .iter()
        .filter(|c| c.shape == Shape::ListItem && c.depth == 1);
    let (in_question_lists, all_top) = top_items.fold((0, 0), |(q, n), c| {
        (q + usize::from(question_list(c.list)), n + 1)
    });
    let question_page = in_question_lists >= 8 && in_question_lists * 2 >= all_top;
    let mut short_lists: HashMap<usize, bool> = HashMap::new();
    for c in candidates.iter().filter(|c| c.shape == Shape::ListItem) {
        let short = c.title.chars().count() <= 40 && !is_statement(&c.title) && !c.has_body;
        *short_lists.entry(c.list).or_insert(true) &= short;
    }
    let topic_list =
        |list: usize| question_page && short_lists.get(&list).copied().unwrap_or(false);
    for i in 0..candidates.len() {
        let c = &candidates[i];
        let q = match c.shape {
            Shape::Heading(_) => continue,
            _ if c.title.trim().is_empty() || in_answer(c, &is_question) => false,
            Shape::BoldParagraph => c.asks,
            Shape::ListItem if c.depth == 1 => {
                question_list(c.list) || topic_list(c.list) || c.bold && (c.asks || c.bold_topic)
            }
            // Nested: a sub-question of a question item.
            Shape::ListItem => {
                c.asks && c.parent.is_some_and(|p| is_question[p]) && !c.bold
                    || c.bold && (c.title.contains(['?', '？']) || c.bold_topic && question_page)
            }
        };
        is_question[i] = q;
    }
    // A page that is nothing but one list of short items is a list of questions.
    let structured = candidates
        .iter()
        .any(|c| matches!(c.shape, Shape::Heading(_)) && Some(c.event) != title_event);
    if !structured && !is_question.iter().any(|q| *q) {
        let top: Vec<usize> = (0..candidates.len())
            .filter(|&i| candidates[i].shape == Shape::ListItem && candidates[i].depth == 1)
            .collect();
        let one_list = top
            .windows(2)
            .all(|w| candidates[w[0]].list == candidates[w[1]].list);
        let short = top
            .iter()
            .all(|&i| candidates[i].title.chars().count() <= 60);
        if top.len() >= 3 && one_list && short {
            for i in top {
                is_question[i] = true;
            }
        }
    }

    let any_question = is_question.iter().any(|q| *q);
    let question_level = candidates
        .iter()
        .filter(|c| Some(c.event) != title_event)
        .filter_map(|c| match c.shape {
            Shape::Heading(level) => Some(level),
            _ => None,
        })
        .min();
    let mut used: HashMap<String, usize> = HashMap::new();
    // Enclosing headings: (level, is a question).
    let mut open: Vec<(HeadingLevel, bool)> = Vec::new();
    for (c, is_question) in candidates.into_iter().zip(is_question) {
        if Some(c.event) == title_event {
            continue;
        }
        let is_heading = matches!(c.shape, Shape::Heading(_));
        if !is_question && !is_heading {
            continue;
        }
        // The table of contents: questions and the headings that are not
        // inside an answer; on a page without questions, its top sections.
        let in_toc = match c.shape {
            Shape::Heading(level) => {
                while open.last().is_some_and(|(l, _)| *l >= level) {
                    open.pop();
                }
                let in_answer = open.iter().any(|(_, q)| *q);
                open.push((level, is_question));
                is_question
                    || !in_answer && (any_question || question_level.is_some_and(|q| level <= q))
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

/// The id GitHub (and VS Code, Typora, docsify) gives a heading: lowercased,
/// punctuation dropped, each space a `-`. Links in notes are written for it.
pub fn github_slug(title: &str) -> String {
    title
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
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
        find(&parse(&math))
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
        let prose = "## Fruit\n\n- apples\n- pears\n- why?\n";
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
    fn one_bold_label_does_not_switch_the_page() {
        let md = "# 面试题\n\n## 1. 为什么要归一化？\n\n答：\n\n- **示例**：一个例子\n- **精准性**\n\n## 2. 简述 SVM 的原理\n\n答案。\n\n## 3. K-Means 与 KNN 有什么区别\n\n答案。\n";
        let titles: Vec<String> = questions(md).into_iter().map(|q| q.1).collect();
        assert_eq!(
            titles,
            ["1. 为什么要归一化？", "3. K-Means 与 KNN 有什么区别"],
            "bold labels inside an answer are part of it; a task heading alone is a section"
        );
    }

    #[test]
    fn textbook_sections_are_sections_not_questions() {
        let md = "# 5.10 批量归一化\n\n## 5.10.1 批量归一化层\n\ntext\n\n### 5.10.1.1 对全连接层做批量归一化\n\n## 5.10.2 从零开始实现\n\n## 式(3.7)的推导\n\n## 小结\n\n* 批量归一化层和丢弃层一样，训练和预测的结果不一样。\n* 它影响了后来的网络设计。\n\n## 练习\n\n* 能否将批量归一化放在激活之后？\n* 为什么全连接层要按特征归一化？\n";
        let o = outline(md);
        let q: Vec<&str> = o.questions().map(|q| q.title.as_str()).collect();
        assert_eq!(
            q,
            [
                "能否将批量归一化放在激活之后？",
                "为什么全连接层要按特征归一化？"
            ],
            "only the exercises"
        );
        let sections: Vec<&str> = o
            .entries
            .iter()
            .filter(|e| !e.is_question && e.in_toc)
            .map(|e| e.title.as_str())
            .collect();
        assert!(sections.contains(&"5.10.1 批量归一化层"), "{sections:?}");
    }

    #[test]
    fn interview_lists_count_topics_and_bold_topics_with_answers() {
        let md = "# 面试\n\n## 卷积\n\n- 1x1 卷积的作用？\n- 感受野怎么算\n- 空洞卷积及其优点\n- BP 算法手推\n- 为什么用奇数核?\n- 卷积如何加速\n- 如何剪枝\n- 什么是 NMS\n\n## 算法题\n\n- 二叉树的直径\n- 翻转链表\n- bitmap\n\n## 训练技巧\n\n- **混合精度**\n\n  用 fp16 计算……\n\n- **多卡训练的细节**\n\n  DDP……\n";
        let q: Vec<String> = questions(md).into_iter().map(|q| q.1).collect();
        for expected in ["感受野怎么算", "二叉树的直径", "bitmap", "混合精度"] {
            assert!(q.iter().any(|t| t == expected), "{expected} in {q:?}");
        }
        assert_eq!(q.len(), 13, "{q:?}");
    }

    #[test]
    fn duplicate_slugs_get_suffixes() {
        let q = questions("## 作用？\n\n## 作用？\n");
        assert_eq!(q[0].0, "作用");
        assert_eq!(q[1].0, "作用-2");
    }
}
