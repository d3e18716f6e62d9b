//! The search data of a built site: every question and section of every
//! page in its own language becomes a document of the `search` crate's
//! index, written below `search/`. The glossary (`glossary.tsv` in the
//! content folder, or the built-in one from this repository's content when
//! a site has none) lets a query in one language find answers in the other.

use crate::markdown::SearchText;
use crate::route::Route;
use search::index::{build, Doc, IndexFiles};

/// The glossary a site without its own `glossary.tsv` gets: deep-learning
/// terms in Chinese and English, the site's subject.
const BUILT_IN_GLOSSARY: &str = include_str!("../../content/glossary.tsv");

/// Parses `中文<TAB>English` lines; `#` starts a comment line.
pub fn parse_glossary(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(zh, en)| (zh.trim().to_string(), en.trim().to_string()))
        .filter(|(zh, en)| !zh.is_empty() && !en.is_empty())
        .collect()
}

/// Builds the index from what rendering found on each page.
/// `chapter_title` names a page in the reader's language: the first step
/// of every path, and the title of the text before a page's first heading.
pub fn build_index(
    texts: &[(Route, Vec<SearchText>)],
    glossary: &[(String, String)],
    chapter_title: impl Fn(&Route) -> String,
) -> IndexFiles {
    let pages: Vec<(String, String)> = texts
        .iter()
        .map(|(route, _)| (route.url(), chapter_title(route)))
        .collect();
    let docs: Vec<Doc> = texts
        .iter()
        .zip(&pages)
        .flat_map(|((route, parts), (page, chapter))| {
            parts
                .iter()
                .map(move |part| doc(route, page, chapter, part))
        })
        .collect();
    let built_in;
    let glossary = if glossary.is_empty() {
        built_in = parse_glossary(BUILT_IN_GLOSSARY);
        &built_in
    } else {
        glossary
    };
    build(&docs, glossary)
}

/// One part of a page as a document: found at its anchor, titled by its
/// question or heading, below the page's title and the headings above it.
fn doc<'a>(route: &'a Route, page: &'a str, chapter: &'a str, part: &'a SearchText) -> Doc<'a> {
    let (url, title, path) = if part.title.is_empty() {
        (page.to_string(), chapter, Vec::new())
    } else {
        let path = std::iter::once(chapter)
            .chain(part.path.iter().map(String::as_str))
            .collect();
        (format!("{page}#{}", part.id), part.title.as_str(), path)
    };
    Doc {
        url,
        page,
        title,
        path,
        lang: route.lang.code(),
        text: &part.text,
        code: &part.code,
    }
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
    fn the_built_in_glossary_is_ours() {
        let g = parse_glossary(BUILT_IN_GLOSSARY);
        assert!(g.len() > 500);
        assert!(g.contains(&("感受野".to_string(), "receptive field".to_string())));
    }
}
