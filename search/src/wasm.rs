//! The browser's entry points (wasm-bindgen). Thin: the page script fetches
//! files and draws results; everything about terms and ranking is in Rust.

use crate::engine::{snippet, Engine, Filter};
use wasm_bindgen::prelude::*;

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

    /// Ids of the shards this query still needs (fetch `shard-<id>.txt`).
    pub fn missing_shards(&self, query: &str) -> Vec<u32> {
        self.inner.missing_shards(query)
    }

    pub fn add_shard(&mut self, id: u32, text: &str) {
        self.inner.add_shard(id, text);
    }

    /// Document numbers, best first (`docs-<n / chunk>.json`, item `n % chunk`).
    pub fn search(&self, query: &str, lang: &str, limit: usize) -> Vec<u32> {
        self.inner
            .search(query, Filter::from_code(lang), limit)
            .into_iter()
            .map(|(doc, _)| doc)
            .collect()
    }

    pub fn chunk(&self) -> u32 {
        self.inner.chunk
    }

    pub fn snippet(&self, text: &str, query: &str) -> String {
        snippet(text, query, 90)
    }
}
