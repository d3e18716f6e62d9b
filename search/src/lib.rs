//! Search for the study site, in one crate so that the index (built natively
//! by the generator) and the queries (answered in the browser, compiled to
//! WebAssembly) use the same tokenizer and can never disagree.
//!
//! - [`tokenize`]: width folding, lowercasing, Chinese as character unigrams +
//!   bigrams (no dictionary: robust for terms like 感受野 that dictionaries
//!   miss), English words stemmed with Snowball (Porter2), identifiers and
//!   formula sources; the words that only shape a question.
//! - [`query`]: a query as people type it → the units whose matches count.
//! - [`index`]: documents (one per question or section and language) →
//!   BM25F impact scores with field weights and zh↔en glossary aliases
//!   ([`glossary`]), split into shards by term hash so a first query
//!   downloads little, and a vocabulary for [`fuzzy`] matching.
//! - [`engine`]: loads files on demand and ranks by how much of the query
//!   a document matches, then by score; [`snippet`] draws a result.
//!
//! Deliberately not here: fetching files (the page script does that) and
//! laying out results.

pub mod engine;
pub mod files;
pub mod fuzzy;
#[cfg(not(target_arch = "wasm32"))]
pub mod glossary;
#[cfg(not(target_arch = "wasm32"))]
pub mod index;
pub mod query;
pub mod snippet;
pub mod tokenize;

#[cfg(target_arch = "wasm32")]
mod wasm;

/// The shard a term lives in. Must be identical on both sides.
pub fn shard_of(term: &str, shards: u32) -> u32 {
    term_hash(term) % shards.max(1)
}

/// FNV-1a of the term's bytes.
pub fn term_hash(term: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in term.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}
