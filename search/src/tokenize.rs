//! The tokenizer shared by indexing and querying.
//!
//! Text is folded first (full-width letters and digits to ASCII, ideographic
//! space to a space, lowercase), then split into runs: a run of CJK
//! characters gives its characters (unigrams) and adjacent pairs (bigrams);
//! a run of letters/digits gives one English word, stemmed. Anything else
//! separates tokens. `BN反向传播` is `bn` + 反 向 传 播 反向 向传 传播.

use rust_stemmers::{Algorithm, Stemmer};
use std::borrow::Cow;
use std::sync::OnceLock;

/// A token borrows from the text where it can (CJK characters and pairs are
/// slices of it), so indexing a large site allocates little.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a> {
    /// A single CJK character.
    Char(Cow<'a, str>),
    /// Two adjacent CJK characters.
    Pair(Cow<'a, str>),
    /// A stemmed English word (or number).
    Word(Cow<'a, str>),
}

impl Token<'_> {
    pub fn term(&self) -> &str {
        match self {
            Token::Char(t) | Token::Pair(t) | Token::Word(t) => t,
        }
    }
}

/// Full-width ASCII → ASCII, ideographic space → space, then lowercase.
pub fn fold(ch: char) -> char {
    let ch = match ch {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(ch as u32 - 0xFEE0).unwrap_or(ch),
        '\u{3000}' => ' ',
        other => other,
    };
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

/// All tokens of `text`, in order.
pub fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut word = String::new();
    // (byte offset, char) of the previous CJK character, if the previous char was one.
    let mut previous_cjk: Option<(usize, char)> = None;
    let flush = |word: &mut String, out: &mut Vec<Token<'_>>| {
        if !word.is_empty() {
            out.push(Token::Word(Cow::Owned(stemmer().stem(word).into_owned())));
            word.clear();
        }
    };
    for (i, raw) in text.char_indices() {
        let ch = fold(raw);
        if is_cjk(ch) {
            flush(&mut word, &mut out);
            let end = i + raw.len_utf8();
            out.push(Token::Char(Cow::Borrowed(&text[i..end])));
            if let Some((start, _)) = previous_cjk {
                out.push(Token::Pair(Cow::Borrowed(&text[start..end])));
            }
            previous_cjk = Some((i, ch));
        } else if ch.is_alphanumeric() {
            previous_cjk = None;
            word.push(ch);
        } else {
            previous_cjk = None;
            flush(&mut word, &mut out);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The terms a query asks for, all of which must match: every English word
/// that is not a stop word, every CJK pair, and a lone CJK character (a
/// one-character run). The characters of a pair add nothing: ranking by them
/// changed no result of our ranking tests, and fetching their shards made a
/// first query download a third more.
pub fn query_terms(query: &str) -> Vec<String> {
    let toks = tokens(query);
    let mut terms: Vec<String> = Vec::new();
    for token in &toks {
        let term = match token {
            Token::Word(w) if is_stop_word(w) => continue,
            Token::Char(c)
                if toks
                    .iter()
                    .any(|t| matches!(t, Token::Pair(p) if p.contains(c.as_ref()))) =>
            {
                continue
            }
            other => other.term(),
        };
        if !terms.iter().any(|t| t == term) {
            terms.push(term.to_string());
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        tokens(text).iter().map(|t| t.term().to_string()).collect()
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
