//! How faithfully notes written by others come out: measured against
//! hand-labelled truth (`tests/truth/`), used by the fidelity tests and by
//! `cargo run -p xtask -- fidelity`. Pure except for reading the notes.

use crate::content::parse_page;
use crate::diagnostics::Kind;
use crate::source;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One labelled candidate: is the heading or item at `path:line` a question?
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Relative to the folder that holds the labelled notes.
    pub path: String,
    pub line: usize,
    pub kind: String,
    pub question: bool,
}

/// Reads `questions.tsv` (`path TAB line TAB kind TAB Q|N`, `#` comments).
pub fn read_labels(tsv: &str) -> Vec<Label> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some(Label {
                path: cols.next()?.to_string(),
                line: cols.next()?.trim().parse().ok()?,
                kind: cols.next()?.to_string(),
                question: cols.next()?.trim() == "Q",
            })
        })
        .collect()
}

/// Agreement of the generator's question detection with the labels.
#[derive(Debug, Default)]
pub struct QuestionScore {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub true_negatives: usize,
    /// Every disagreement: (path, line, what the label says).
    pub mistakes: Vec<(String, usize, bool)>,
}

impl QuestionScore {
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// The lines at which the generator finds a question in the file `rel`
/// below `root` (as it would when building that folder).
pub fn question_lines(root: &Path, rel: &str) -> BTreeSet<usize> {
    let Ok(file) = source::load_file(root, rel) else {
        return BTreeSet::new();
    };
    let (page, _) = parse_page(&file);
    page.map(|p| p.questions.iter().map(|q| q.line).collect())
        .unwrap_or_default()
}

/// The anchor of every heading and question of the file `rel` below
/// `root`, by line (the page title's line gives the page itself: `""`), as
/// search results link them: how a probe of `tests/truth/search_probes.tsv`
/// that names a line finds its answer.
pub fn anchors_by_line(root: &Path, rel: &str) -> BTreeMap<usize, String> {
    let Ok(file) = source::load_file(root, rel) else {
        return BTreeMap::new();
    };
    let split = crate::front_matter::split(&file.text);
    let math = crate::markdown::math_spans::MathSource::new(split.body);
    let events = crate::markdown::parse(&math);
    let outline = crate::markdown::outline::find(&events);
    let lines = crate::diagnostics::LineIndex::new(split.body, split.body_line);
    let line_of = |offset: usize| lines.position(offset).0;
    let title = outline
        .title_events
        .as_ref()
        .and_then(|r| events.get(r.start))
        .map(|(_, range)| (line_of(range.start), String::new()));
    outline
        .entries
        .iter()
        .map(|e| (line_of(e.offset), e.id.clone()))
        .chain(title)
        .collect()
}

/// Scores the labels whose path starts with `prefix` (all when empty).
pub fn score_questions(root: &Path, labels: &[Label], prefix: &str) -> QuestionScore {
    let mut by_file: BTreeMap<&str, Vec<&Label>> = BTreeMap::new();
    for label in labels.iter().filter(|l| l.path.starts_with(prefix)) {
        by_file.entry(&label.path).or_default().push(label);
    }
    let mut score = QuestionScore::default();
    for (path, labels) in by_file {
        let found = question_lines(root, path);
        for label in labels {
            let predicted = found.contains(&label.line);
            match (label.question, predicted) {
                (true, true) => score.true_positives += 1,
                (false, false) => score.true_negatives += 1,
                (false, true) => score.false_positives += 1,
                (true, false) => score.false_negatives += 1,
            }
            if label.question != predicted {
                score
                    .mistakes
                    .push((path.to_string(), label.line, label.question));
            }
        }
    }
    score
}

/// What building one collection of notes gives: the figures a person
/// judging the site would look at first.
#[derive(Debug, Default)]
pub struct CollectionReport {
    pub pages: usize,
    pub questions: usize,
    pub formulas: usize,
    /// Text on the pages that still looks like TeX (`$…`, `\frac`) outside
    /// rendered formulas and code, beyond what a math diagnostic reports.
    pub raw_formulas_unreported: usize,
    /// Diagnostics by kind and severity (`math error` → 3).
    pub diagnostics: BTreeMap<String, usize>,
    /// Links and images that do not resolve (all reported as diagnostics).
    pub unresolved: usize,
    /// Of each page's distinct words (Chinese characters, Latin words), the
    /// share that its search documents contain: median and lowest over pages.
    pub searchable_median: f64,
    pub searchable_min: f64,
    /// Fenced code blocks, those in a language the highlighter knows, those
    /// it highlighted, and those whose text came out changed (tags removed).
    pub code_blocks: usize,
    pub code_known: usize,
    pub code_highlighted: usize,
    pub code_altered: usize,
}

/// The distinct words of a text as search sees the reader's words: each
/// Chinese character, each Latin word of two or more letters, lowercased.
fn words(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut word = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            out.insert(c.to_string());
        }
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            if word.len() >= 2 {
                out.insert(std::mem::take(&mut word));
            }
            word.clear();
        }
    }
    if word.len() >= 2 {
        out.insert(word);
    }
    out
}

/// Builds `content` in memory with the default configuration and measures it.
pub fn measure_collection(content: &Path) -> anyhow::Result<CollectionReport> {
    let site = crate::site::Site::load(content, crate::config::Config::default(), false);
    let theme = crate::theme::Theme::load(Path::new("/nonexistent"), "default")?;
    let output = crate::build::render(&site, &theme);
    let mut report = CollectionReport {
        pages: output
            .files
            .keys()
            .filter(|p| p.ends_with("index.html"))
            .count(),
        questions: output.report.summary.questions,
        formulas: output.report.summary.stats.formulas,
        ..CollectionReport::default()
    };
    let mut math_reported: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &output.report.diagnostics {
        let level = match d.severity {
            crate::diagnostics::Severity::Error => "error",
            crate::diagnostics::Severity::Warning => "warning",
        };
        *report
            .diagnostics
            .entry(format!("{} {level}", d.kind))
            .or_default() += 1;
        if matches!(d.kind, Kind::Link | Kind::Image) {
            report.unresolved += 1;
        }
        if d.kind.as_str() == "math" {
            *math_reported.entry(d.path.as_str()).or_default() += 1;
        }
    }
    let mut shares = Vec::new();
    let searchable: BTreeMap<(&str, crate::lang::Lang), BTreeSet<String>> = output
        .report
        .texts
        .iter()
        .map(|(route, texts)| {
            let all: String = texts
                .iter()
                .map(|t| format!("{} {} {} {}", t.title, t.path.join(" "), t.text, t.code))
                .collect();
            ((route.key.as_str(), route.lang), words(&all))
        })
        .collect();
    // Raw TeX per page, compared with the math problems reported for its file.
    for page in site.pages.iter() {
        let rendered = crate::build::render_markdown(&site, &theme, page);
        let seen = words(&visible_text(&rendered.html));
        if !seen.is_empty() {
            let found = searchable
                .get(&(page.key.as_str(), page.lang))
                .map_or(0, |s| seen.intersection(s).count());
            shares.push(found as f64 / seen.len() as f64);
        }
        let raw = raw_tex_count(&rendered.html);
        let reported = math_reported
            .get(page.display_path.as_str())
            .copied()
            .unwrap_or(0);
        report.raw_formulas_unreported += raw.saturating_sub(reported);
        measure_code(&page.body, &mut report);
    }
    shares.sort_by(f64::total_cmp);
    report.searchable_min = shares.first().copied().unwrap_or(1.0);
    report.searchable_median = shares.get(shares.len() / 2).copied().unwrap_or(1.0);
    Ok(report)
}

/// Highlights each fenced block of `markdown` and checks that the text
/// inside the tags is the block's text.
fn measure_code(markdown: &str, report: &mut CollectionReport) {
    use pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
    let mut block: Option<(String, String)> = None;
    for event in pulldown_cmark::Parser::new(markdown) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                block = Some((info.to_string(), String::new()));
            }
            Event::Text(text) => {
                if let Some((_, code)) = block.as_mut() {
                    code.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                let Some((info, code)) = block.take() else {
                    continue;
                };
                let lang = crate::markdown::code::language(&info);
                report.code_blocks += 1;
                report.code_known += usize::from(crate::markdown::code::is_known(lang));
                let html = crate::markdown::code::highlight(lang, &code);
                report.code_highlighted +=
                    usize::from(crate::markdown::code::is_highlighted(&html));
                report.code_altered += usize::from(crate::markdown::code::text_of(&html) != code);
            }
            _ => {}
        }
    }
}

/// Blocks (paragraphs, items, cells) of rendered HTML where TeX shows as
/// text: a common TeX command outside KaTeX output, code and the marked
/// sources of failed formulas. Counted per block, as diagnostics are.
pub fn raw_tex_count(html: &str) -> usize {
    visible_text(html)
        .split("\n\n")
        .filter(|block| {
            let bytes = block.as_bytes();
            (0..bytes.len()).any(|i| {
                bytes[i] == b'\\' && {
                    let len = bytes[i + 1..]
                        .iter()
                        .take_while(|b| b.is_ascii_alphabetic())
                        .count();
                    crate::markdown::math_spans::TEX_COMMANDS.contains(&&block[i + 1..i + 1 + len])
                }
            })
        })
        .count()
}

/// The text of HTML outside tags, KaTeX output, code, and failed-formula sources.
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut skip_depth: Option<(String, usize)> = None;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        if skip_depth.is_none() {
            out.push_str(&rest[..lt]);
        }
        let end = rest[lt..].find('>').map_or(rest.len(), |e| lt + e + 1);
        let tag = &rest[lt..end];
        if skip_depth.is_none()
            && [
                "</p",
                "</li",
                "</h",
                "</td",
                "</th",
                "<br",
                "</div",
                "</blockquote",
            ]
            .iter()
            .any(|b| tag.starts_with(b))
        {
            out.push_str("\n\n");
        }
        let name: String = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let closing = tag.starts_with("</");
        let self_closing = tag.ends_with("/>");
        match &mut skip_depth {
            Some((skipped, depth)) if *skipped == name => {
                if closing {
                    *depth -= 1;
                    if *depth == 0 {
                        skip_depth = None;
                    }
                } else if !self_closing {
                    *depth += 1;
                }
            }
            Some(_) => {}
            None => {
                let skip = !closing
                    && (matches!(name.as_str(), "code" | "pre" | "script" | "style")
                        || tag.contains("class=\"katex")
                        || tag.contains("class=\"math"));
                if skip && !self_closing {
                    skip_depth = Some((name, 1));
                }
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_tex_is_counted_outside_formulas_and_code_only() {
        let html = "<p>ok <span class=\"katex\"><span>\\frac</span></span> <code>\\alpha</code> raw \\frac{a}{b} and \\sum</p><pre>\\beta</pre><p>\\alpha</p><p>fine</p>";
        assert_eq!(raw_tex_count(html), 2, "two paragraphs");
    }

    #[test]
    fn labels_parse_and_comments_are_skipped() {
        let labels = read_labels("# c\nsamples/a.md\t3\theading\tQ\nsamples/a.md\t4\tlist\tN\n");
        assert_eq!(labels.len(), 2);
        assert!(labels[0].question && !labels[1].question);
    }
}
