//! The content model: a markdown file becomes a [`Page`] with its front
//! matter, title and questions. Parsing is pure: a [`SourceFile`] in, a page
//! and its diagnostics out.

use crate::diagnostics::{Diagnostic, Kind, LineIndex};
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

impl PageKind {
    /// `home`, `section` or `chapter` (`page.kind` in templates).
    pub fn name(self) -> &'static str {
        match self {
            PageKind::Home => "home",
            PageKind::Section => "section",
            PageKind::Chapter => "chapter",
        }
    }
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
    /// GitHub-style slugs of headings whose id differs: (slug, id).
    pub anchor_aliases: Vec<(String, String)>,
    /// Position in the folder's navigation file (`_sidebar.md`, `SUMMARY.md`), if listed.
    pub nav_order: Option<i64>,
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
        self.front.weight.or(self.nav_order).unwrap_or(i64::MAX)
    }
}

/// The page key and kind of a content-relative path (`a/b.en.md` → (`a/b`, En, Chapter)).
pub fn classify(rel_path: &str) -> Option<(String, Lang, PageKind)> {
    let (dir, file) = rel_path.rsplit_once('/').unwrap_or(("", rel_path));
    let (stem, lang) = split_lang(file)?;
    if is_navigation(stem) {
        return None;
    }
    Some(match (stem, dir) {
        (stem, "") if is_folder_page(stem) => (String::new(), lang, PageKind::Home),
        (stem, dir) if is_folder_page(stem) => (dir.to_string(), lang, PageKind::Section),
        (stem, "") => (stem.to_string(), lang, PageKind::Chapter),
        (stem, dir) => (format!("{dir}/{stem}"), lang, PageKind::Chapter),
    })
}

/// A folder's own page: `_index.md` (Hugo, Zola), `README.md` (GitHub,
/// docsify, mdBook), `index.md` (VitePress, MkDocs). When a folder has
/// several, the first of these wins (see [`folder_page_rank`]).
pub fn is_folder_page(stem: &str) -> bool {
    folder_page_rank(stem).is_some()
}

/// Which of a folder's own pages wins: lower is preferred.
pub fn folder_page_rank(stem: &str) -> Option<usize> {
    ["_index", "index", "README", "readme", "Readme"]
        .iter()
        .position(|name| *name == stem)
}

/// Files that give the order of the pages (docsify's `_sidebar.md`,
/// mdBook/GitBook's `SUMMARY.md`) or other navigation, not pages themselves.
pub fn is_navigation(stem: &str) -> bool {
    matches!(
        stem,
        "_sidebar" | "SUMMARY" | "_navbar" | "_coverpage" | "_footer"
    )
}

/// The pages a navigation file (`_sidebar.md`, `SUMMARY.md`) links to, in
/// order, as content-relative paths.
pub fn navigation_order(file: &SourceFile) -> Vec<String> {
    let events: Vec<_> = pulldown_cmark::Parser::new(&file.text).collect();
    events
        .iter()
        .filter_map(|e| match e {
            pulldown_cmark::Event::Start(pulldown_cmark::Tag::Link { dest_url, .. }) => {
                let path = dest_url.split('#').next().unwrap_or("");
                let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
                markdown::links::resolve_relative(&file.rel_path, &path)
            }
            _ => None,
        })
        .filter(|p| p.ends_with(".md"))
        .collect()
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
            Kind::FrontMatter,
            p.message.clone(),
        )
    }));
    let math = markdown::math_spans::MathSource::new(split.body);
    let events = markdown::parse(&math);
    let found = outline::find(&events);
    let lines = LineIndex::new(split.body, split.body_line);

    let mut seen: HashMap<&str, usize> = HashMap::new();
    for entry in found.entries.iter().filter(|e| e.explicit_id) {
        let (line, col) = lines.position(entry.offset);
        if let Some(first) = seen.insert(&entry.id, line) {
            diagnostics.push(Diagnostic::error(
                &file.display_path,
                (line, col),
                Kind::QuestionId,
                format!("duplicate id `{}` (first used on line {first})", entry.id),
            ));
        }
    }

    // `slug` renames the last part of a chapter's URL.
    let key = match (&split.front.slug, kind) {
        (Some(slug), PageKind::Chapter) => match key.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{slug}"),
            None => slug.clone(),
        },
        _ => key,
    };
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
    let anchor_aliases = found
        .entries
        .iter()
        .map(|e| (outline::github_slug(&e.title), e.id.clone()))
        .filter(|(slug, id)| slug != id && !slug.is_empty())
        .collect();
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
        anchor_aliases,
        nav_order: None,
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
        let kinds: Vec<_> = d.iter().map(|d| (d.kind.as_str(), d.line)).collect();
        assert_eq!(kinds, vec![("front-matter", 2), ("question-id", 6)]);
    }
}
