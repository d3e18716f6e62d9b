//! The tokenizer shared by indexing and querying.
//!
//! Text is folded first (full-width letters and digits to ASCII, ideographic
//! space to a space, lowercase), then split into runs: a run of CJK
//! characters gives its characters (unigrams) and adjacent pairs (bigrams);
//! a run of letters/digits gives one English word, stemmed. Anything else
//! separates tokens. `BN反向传播` is `bn` + 反 向 传 播 反向 向传 传播.

use rust_stemmers::{Algorithm, Stemmer};
use std::sync::OnceLock;

/// A token lends its term instead of owning it: CJK characters and pairs
/// are slices of the text (`'t`), a stemmed word lives in the tokenizer's
/// buffer (`'w`) until the next token. Indexing a large site so allocates
/// only for the terms it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'t, 'w> {
    /// A single CJK character.
    Char(&'t str),
    /// Two adjacent CJK characters.
    Pair(&'t str),
    /// A stemmed English word (or number).
    Word(&'w str),
}

impl<'t> Token<'t, '_> {
    pub fn term(&self) -> &str {
        match *self {
            Token::Char(t) | Token::Pair(t) | Token::Word(t) => t,
        }
    }
}

/// Full-width ASCII → ASCII, ideographic space → space, then lowercase.
pub fn fold(ch: char) -> char {
    if ch.is_ascii() {
        return ch.to_ascii_lowercase();
    }
    let ch = match ch {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(ch as u32 - 0xFEE0).unwrap_or(ch),
        '\u{3000}' => ' ',
        other => other,
    };
    if is_cjk(ch) {
        return ch;
    }
    ch.to_lowercase().next().unwrap_or(ch)
}

pub fn is_cjk(ch: char) -> bool {
    matches!(ch as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF | 0x3040..=0x30FF | 0xAC00..=0xD7AF)
}

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// English words that carry no meaning in a query.
const STOP_WORDS: [&str; 33] = [
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "how", "in",
    "is", "it", "of", "on", "or", "the", "to", "what", "when", "where", "which", "who", "why",
    "with", "vs", "can", "you", "its", "this",
];

pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// Calls `visit` with every token of `text`, in order.
pub fn each_token<'t>(text: &'t str, mut visit: impl FnMut(Token<'t, '_>)) {
    let mut word = String::new();
    // Byte offset of the previous character, if it was a CJK one.
    let mut previous_cjk: Option<usize> = None;
    for (i, raw) in text.char_indices() {
        let ch = fold(raw);
        if is_cjk(ch) {
            flush_word(&mut word, &mut visit);
            let end = i + raw.len_utf8();
            visit(Token::Char(&text[i..end]));
            if let Some(start) = previous_cjk {
                visit(Token::Pair(&text[start..end]));
            }
            previous_cjk = Some(i);
        } else if ch.is_alphanumeric() {
            previous_cjk = None;
            word.push(ch);
        } else {
            previous_cjk = None;
            flush_word(&mut word, &mut visit);
        }
    }
    flush_word(&mut word, &mut visit);
}

/// Hands the word gathered so far, stemmed, to `visit`.
fn flush_word<'t>(word: &mut String, visit: &mut impl FnMut(Token<'t, '_>)) {
    if !word.is_empty() {
        visit(Token::Word(&stemmer().stem(word)));
        word.clear();
    }
}

/// The terms a query asks for, all of which must match: every English word
/// that is not a stop word, every CJK pair, and a lone CJK character (a
/// one-character run). The characters of a pair add nothing: ranking by them
/// changed no result of our ranking tests, and fetching their shards made a
/// first query download a third more.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut pairs: Vec<&str> = Vec::new();
    // (term, whether it is a single character)
    let mut found: Vec<(String, bool)> = Vec::new();
    each_token(query, |token| match token {
        Token::Word(w) if is_stop_word(w) => {}
        Token::Pair(p) => {
            pairs.push(p);
            found.push((p.to_string(), false));
        }
        Token::Char(c) => found.push((c.to_string(), true)),
        Token::Word(w) => found.push((w.to_string(), false)),
    });
    let mut terms: Vec<String> = Vec::new();
    for (term, single) in found {
        let covered = single && pairs.iter().any(|p| p.contains(term.as_str()));
        if !covered && !terms.contains(&term) {
            terms.push(term);
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terms of all tokens of `text`, in order.
    fn terms(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        each_token(text, |t| out.push(t.term().to_string()));
        out
    }

    #[test]
    fn chinese_gives_unigrams_and_bigrams() {
        assert_eq!(terms("感受野"), ["感", "受", "感受", "野", "受野"]);
    }

    #[test]
    fn mixed_text_splits_on_script_changes() {
        assert_eq!(terms("BN反向"), ["bn", "反", "向", "反向"]);
        assert_eq!(terms("BN 反向"), ["bn", "反", "向", "反向"]);
    }

    #[test]
    fn english_is_lowercased_and_stemmed() {
        assert_eq!(
            terms("Norms normalization Receptive fields"),
            ["norm", "normal", "recept", "field"]
        );
        assert_eq!(terms("norm"), terms("Norms"));
    }

    #[test]
    fn full_width_letters_fold() {
        assert_eq!(terms("ＢＮ"), ["bn"]);
        assert_eq!(fold('\u{3000}'), ' ');
    }

    #[test]
    fn query_terms_require_pairs_words_and_lone_characters() {
        assert_eq!(query_terms("空洞卷积"), ["空洞", "洞卷", "卷积"]);
        assert_eq!(
            query_terms("what is the receptive field"),
            ["recept", "field"]
        );
        assert_eq!(query_terms("梯"), ["梯"]);
        assert_eq!(query_terms("BN反向"), ["bn", "反向"]);
        assert!(query_terms("  ?? ").is_empty());
    }
}
