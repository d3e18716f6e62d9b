//! The content model: a markdown file becomes a [`Page`] with its front
//! matter, title and questions. Parsing is pure: a [`SourceFile`] in, a page
//! and its diagnostics out.

use crate::diagnostics::{Diagnostic, LineIndex};
use crate::front_matter::{self, FrontMatter};
use crate::lang::{split_lang, Lang};
use crate::markdown::{self, outline};
use crate::source::SourceFile;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PageKind {
    /// `_index.md` at the root: the home page text.
    Home,
    /// `dir/_index.md`: a section's description.
    Section,
    /// Any other `.md` file: a chapter of questions.
    Chapter,
}

/// One question of a page, as listed in tables of contents and the search index.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    pub title: String,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Page {
    /// Language-independent identity: `foundations/softmax`, `foundations` (section), `` (home).
    pub key: String,
    pub lang: Lang,
    pub kind: PageKind,
    pub rel_path: String,
    pub display_path: String,
    pub front: FrontMatter,
    pub title: String,
    pub body: String,
    pub body_line: usize,
    pub questions: Vec<Question>,
    /// Ids of every question and heading (link targets).
    pub anchors: Vec<String>,
}

impl Page {
    /// The section (folder) a page belongs to: `foundations` for `foundations/softmax`,
    /// the parent folder for a section, `None` for the home page.
    pub fn section_key(&self) -> Option<&str> {
        match self.kind {
            PageKind::Home => None,
            PageKind::Section => Some(self.key.rsplit_once('/').map_or("", |(parent, _)| parent)),
            PageKind::Chapter => Some(self.key.rsplit_once('/').map_or("", |(parent, _)| parent)),
        }
    }

    pub fn weight(&self) -> i64 {
        self.front.weight.unwrap_or(i64::MAX)
    }
}

/// The page key and kind of a content-relative path (`a/b.en.md` → (`a/b`, En, Chapter)).
pub fn classify(rel_path: &str) -> Option<(String, Lang, PageKind)> {
    let (dir, file) = rel_path.rsplit_once('/').unwrap_or(("", rel_path));
    let (stem, lang) = split_lang(file)?;
    Some(match (stem, dir) {
        ("_index", "") => (String::new(), lang, PageKind::Home),
        ("_index", dir) => (dir.to_string(), lang, PageKind::Section),
        (stem, "") => (stem.to_string(), lang, PageKind::Chapter),
        (stem, dir) => (format!("{dir}/{stem}"), lang, PageKind::Chapter),
    })
}

pub fn parse_page(file: &SourceFile) -> (Option<Page>, Vec<Diagnostic>) {
    let mut diagnostics: Vec<Diagnostic> = file.load_warning.iter().cloned().collect();
    let Some((key, lang, kind)) = classify(&file.rel_path) else {
        return (None, diagnostics);
    };
    let split = front_matter::split(&file.text);
    diagnostics.extend(split.problems.iter().map(|p| {
        Diagnostic::error(
            &file.display_path,
            (p.line, 1),
            "front-matter",
            p.message.clone(),
        )
    }));
    let math = markdown::math_spans::MathSource::new(split.body);
    let events = markdown::parse(&math, split.body);
    let found = outline::find(&events);
    let lines = LineIndex::new(split.body, split.body_line);

    let mut seen: HashMap<&str, usize> = HashMap::new();
    for entry in found.entries.iter().filter(|e| e.explicit_id) {
        let (line, col) = lines.position(entry.offset);
        if let Some(first) = seen.insert(&entry.id, line) {
            diagnostics.push(Diagnostic::error(
                &file.display_path,
                (line, col),
                "question-id",
                format!("duplicate id `{}` (first used on line {first})", entry.id),
            ));
        }
    }

    let stem = key.rsplit('/').next().unwrap_or(&key);
    let title = split
        .front
        .title
        .clone()
        .or(found.title.clone())
        .or_else(|| found.entries.first().map(|e| e.title.clone()))
        .unwrap_or_else(|| {
            if stem.is_empty() {
                String::new()
            } else {
                stem.to_string()
            }
        });
    let questions = found
        .questions()
        .map(|q| Question {
            id: q.id.clone(),
            title: q.title.clone(),
            line: lines.position(q.offset).0,
        })
        .collect();
    let anchors = found.entries.iter().map(|e| e.id.clone()).collect();
    let page = Page {
        key,
        lang,
        kind,
        rel_path: file.rel_path.clone(),
        display_path: file.display_path.clone(),
        front: split.front,
        title,
        body: split.body.to_string(),
        body_line: split.body_line,
        questions,
        anchors,
    };
    (Some(page), diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> SourceFile {
        SourceFile {
            rel_path: rel.into(),
            display_path: format!("content/{rel}"),
            text: text.into(),
            load_warning: None,
        }
    }

    #[test]
    fn classify_paths() {
        assert_eq!(
            classify("a/b.en.md"),
            Some(("a/b".into(), Lang::En, PageKind::Chapter))
        );
        assert_eq!(
            classify("a/_index.md"),
            Some(("a".into(), Lang::Zh, PageKind::Section))
        );
        assert_eq!(
            classify("_index.en.md"),
            Some(("".into(), Lang::En, PageKind::Home))
        );
        assert_eq!(
            classify("notes.md"),
            Some(("notes".into(), Lang::Zh, PageKind::Chapter))
        );
    }

    #[test]
    fn title_and_questions() {
        let (page, d) = parse_page(&file(
            "a/b.md",
            "+++\nweight = 3\n+++\n# 标题\n\n## 问题一？ {#q1}\n\n答。\n",
        ));
        let page = page.unwrap();
        assert!(d.is_empty());
        assert_eq!(page.title, "标题");
        assert_eq!(page.weight(), 3);
        assert_eq!(
            page.questions,
            vec![Question {
                id: "q1".into(),
                title: "问题一？".into(),
                line: 6
            }]
        );
        assert_eq!(page.section_key(), Some("a"));
    }

    #[test]
    fn duplicate_ids_and_bad_front_matter_are_reported() {
        let (page, d) = parse_page(&file(
            "x.md",
            "+++\nweight = \"no\"\n+++\n## A {#same}\n\n## B {#same}\n",
        ));
        assert!(page.is_some(), "a page with errors is still built");
        let kinds: Vec<_> = d.iter().map(|d| (d.kind, d.line)).collect();
        assert_eq!(kinds, vec![("front-matter", 2), ("question-id", 6)]);
    }
}
