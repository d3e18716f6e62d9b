//! The browser's entry points (wasm-bindgen). Thin: the page script fetches
//! files and draws results; everything about terms and ranking is in Rust.

use crate::engine::{Engine, Filter};
use crate::snippet::{highlight, snippet};
use wasm_bindgen::prelude::*;

/// Characters of text a result's snippet shows.
const SNIPPET_CHARS: usize = 90;

#[wasm_bindgen]
pub struct SearchEngine {
    inner: Engine,
}

#[wasm_bindgen]
impl SearchEngine {
    #[wasm_bindgen(constructor)]
    pub fn new(meta: &str) -> Result<SearchEngine, JsError> {
        Engine::from_meta(meta)
            .map(|inner| SearchEngine { inner })
            .map_err(|e| JsError::new(&e))
    }

    /// Index files (below `search/`) this query still needs; ask again
    /// after adding them, until none is missing.
    pub fn missing_files(&self, query: &str) -> Vec<String> {
        self.inner.missing_files(query)
    }

    pub fn add_file(&mut self, name: &str, text: &str) {
        self.inner.add_file(name, text);
    }

    /// Document numbers, best first.
    pub fn search(&self, query: &str, lang: &str, limit: usize) -> Vec<u32> {
        self.inner
            .search(query, Filter::from_code(lang), limit)
            .into_iter()
            .map(|hit| hit.doc)
            .collect()
    }

    /// The file (below `search/`) that holds document `doc`.
    pub fn doc_file(&self, doc: u32) -> String {
        self.inner.doc_location(doc).0
    }

    /// Where document `doc` is in its file's array.
    pub fn doc_item(&self, doc: u32) -> u32 {
        self.inner.doc_location(doc).1
    }

    /// The whole text, escaped, with the query's matches in `<mark>`.
    pub fn highlight(&self, text: &str, query: &str) -> String {
        highlight(text, &self.inner.highlight_terms(query))
    }

    /// A snippet of the text around its best passage for the query.
    pub fn snippet(&self, text: &str, query: &str) -> String {
        snippet(text, &self.inner.highlight_terms(query), SNIPPET_CHARS)
    }
}
