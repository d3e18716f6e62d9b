//! The search data of a built site: every question of every page in its own
//! language becomes a document of the `search` crate's index, written below
//! `search/`. The glossary (`content/glossary.tsv`) lets a query in one
//! language find answers in the other.

use crate::markdown::QuestionText;
use crate::site::Route;
use search::index::{build, Doc, IndexFiles};

/// Parses `中文<TAB>English` lines; `#` starts a comment line.
pub fn parse_glossary(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(zh, en)| (zh.trim().to_string(), en.trim().to_string()))
        .filter(|(zh, en)| !zh.is_empty() && !en.is_empty())
        .collect()
}

/// Builds the index from the questions found while rendering.
/// `chapter_title` names the page a question belongs to, in the reader's language.
pub fn build_index(
    texts: &[(Route, Vec<QuestionText>)],
    glossary: &[(String, String)],
    chapter_title: impl Fn(&Route) -> String,
) -> IndexFiles {
    let chapters: Vec<String> = texts
        .iter()
        .map(|(route, _)| chapter_title(route))
        .collect();
    let docs: Vec<Doc> = texts
        .iter()
        .zip(&chapters)
        .flat_map(|((route, questions), chapter)| {
            questions.iter().map(move |q| Doc {
                url: format!("{}#{}", route.url(), q.id),
                title: &q.title,
                chapter,
                lang: route.lang.code(),
                text: strip_title(&q.text, &q.title),
            })
        })
        .collect();
    build(&docs, glossary)
}

/// The answer text starts with the question itself; drop it from the excerpt.
fn strip_title<'a>(text: &'a str, title: &str) -> &'a str {
    text.strip_prefix(title).map_or(text, str::trim_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glossary_lines() {
        let g = parse_glossary(
            "# comment\n感受野\treceptive field\n\nbad line\n空洞卷积\t atrous convolution \n",
        );
        assert_eq!(
            g,
            vec![
                ("感受野".into(), "receptive field".into()),
                ("空洞卷积".into(), "atrous convolution".into())
            ]
        );
    }

    #[test]
    fn strips_the_question_from_the_excerpt() {
        assert_eq!(strip_title("为什么？ 因为。", "为什么？"), "因为。");
        assert_eq!(strip_title("other", "为什么？"), "other");
    }
}
