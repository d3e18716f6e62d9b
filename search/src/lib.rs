//! Search for the study site, in one crate so that the index (built natively
//! by the generator) and the queries (answered in the browser, compiled to
//! WebAssembly) use the same tokenizer and can never disagree.
//!
//! - [`tokenize`]: width folding, lowercasing, Chinese as character unigrams +
//!   bigrams (no dictionary: robust for terms like 感受野 that dictionaries
//!   miss), English words stemmed with Snowball (Porter2).
//! - [`index`]: documents (one per question and language) → BM25 impact
//!   scores, with a boost for the question title and zh↔en glossary aliases,
//!   split into shards by term hash so a first query downloads little.
//! - [`engine`]: loads shards on demand and ranks; every required query term
//!   must match, so a query that matches nothing returns nothing.
//!
//! Deliberately not here: fetching files (the page script does that) and
//! drawing results.

pub mod engine;
#[cfg(not(target_arch = "wasm32"))]
pub mod index;
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
