//! The search data of a built site: every question and section of every
//! page in its own language becomes a document of the `search` crate's
//! index, written below `search/`. The glossary (`glossary.tsv` in the
//! content folder, or the built-in one from this repository's content when
//! a site has none) lets a query in one language find answers in the other.

use crate::markdown::SearchText;
use crate::phases::Phase;
use crate::route::Route;
use rayon::prelude::*;
use search::index::{Builder, Doc, IndexFiles};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

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

/// A content folder's glossary (`glossary.tsv`); empty when it has none.
pub fn glossary_in(content_dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(content_dir.join("glossary.tsv"))
        .map(|text| parse_glossary(&text))
        .unwrap_or_default()
}

/// The glossary the index uses: the site's, or the built-in one.
fn in_use(glossary: &[(String, String)]) -> Cow<'_, [(String, String)]> {
    if glossary.is_empty() {
        Cow::Owned(parse_glossary(BUILT_IN_GLOSSARY))
    } else {
        Cow::Borrowed(glossary)
    }
}

/// Compiles the glossary's aliases ahead of the index, which then finds
/// them ready (a build does it while it reads the notes).
pub fn compile_glossary(glossary: &[(String, String)]) {
    search::glossary::Aliases::shared(&in_use(glossary));
}

/// The index, built while pages render: each page's parts go in as soon as
/// the page is rendered (from any thread), so no page's text is kept to the
/// end of a build; [`IndexBuilder::finish`] hands out the files.
pub struct IndexBuilder {
    inner: Builder,
}

impl IndexBuilder {
    pub fn new(glossary: &[(String, String)]) -> Self {
        IndexBuilder {
            inner: Builder::new(&in_use(glossary)),
        }
    }

    /// Adds the parts of the page at `route`; `position` orders the pages
    /// of a language in the index. `chapter` names the page in its
    /// language: the first step of every path, and the title of the text
    /// before the page's first heading.
    pub fn add_page(&self, position: u64, route: &Route, chapter: &str, parts: &[SearchText]) {
        let page = route.url();
        let docs: Vec<Doc> = parts
            .iter()
            .map(|part| doc(route, &page, chapter, part))
            .collect();
        crate::phases::timed(Phase::Index, || self.inner.add_page(position, &docs));
    }

    /// Hands each file (path below the index folder, text) to `sink`;
    /// returns the number of documents.
    pub fn finish(
        self,
        sink: &(dyn Fn(String, String) -> anyhow::Result<()> + Sync),
    ) -> anyhow::Result<usize> {
        crate::phases::timed(Phase::Index, || self.inner.finish(sink))
    }
}

/// Builds the index from what rendering found on each page (`serve`, which
/// keeps every page's parts to rebuild it after an edit).
/// `chapter_title` names a page in the reader's language.
pub fn build_index<T: AsRef<[SearchText]> + Sync>(
    texts: &[(Route, T)],
    glossary: &[(String, String)],
    chapter_title: impl Fn(&Route) -> String + Sync,
) -> IndexFiles {
    let builder = IndexBuilder::new(glossary);
    texts
        .par_iter()
        .enumerate()
        .for_each(|(position, (route, parts))| {
            builder.add_page(
                position as u64,
                route,
                &chapter_title(route),
                parts.as_ref(),
            )
        });
    let files = std::sync::Mutex::new(BTreeMap::new());
    let sink = |name: String, text: String| {
        files
            .lock()
            .map_err(|_| anyhow::anyhow!("index thread panicked"))?
            .insert(name, text);
        Ok(())
    };
    let docs = builder.finish(&sink).unwrap_or_default();
    IndexFiles {
        files: files.into_inner().unwrap_or_default(),
        docs,
    }
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
