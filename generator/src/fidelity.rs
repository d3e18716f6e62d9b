//! How faithfully notes written by others come out: measured against
//! hand-labelled truth (`tests/truth/`), used by the fidelity tests and by
//! `cargo run -p xtask -- fidelity`. Pure except for reading the notes.

use crate::content::parse_page;
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
    let events = crate::markdown::parse(&math, split.body);
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
