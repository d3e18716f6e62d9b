//! What a query asks for, the way people type it: `过拟合怎么办`,
//! `BN 训练和测试的区别`, `how to compute the receptive field`.
//!
//! A query becomes *units*, the pieces whose matches are counted: each
//! English word that is not a question word, and each run of Chinese
//! characters left once question words and particles are cut out
//! (`训练和测试的区别` → 训练 · 测试), matched through its pairs of
//! adjacent characters (a lone character through itself). Question words
//! are not matched; what they ask (`fix`, `diff`) prefers answers whose
//! titles ask the same. The last word of a query that does not end in a
//! space is still being typed: it also matches the words it begins.

use crate::tokenize::{
    chinese_stop_word_at, each_token, fold, intent_of, intent_term, is_cjk, is_particle,
    is_stop_pair, is_word_char, Token,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// An English word: its stem (the index term) and how it was typed.
    Word {
        stem: String,
        typed: String,
        /// The last word, still being typed.
        prefix: bool,
    },
    /// A run of Chinese characters between question words.
    Chinese {
        chars: Vec<char>,
        /// Its pairs of adjacent characters (the index terms), in order;
        /// none for a lone character.
        pairs: Vec<String>,
    },
}

impl Unit {
    /// The index terms this unit matches exactly.
    pub fn terms(&self) -> Vec<String> {
        match self {
            Unit::Word { stem, .. } => vec![stem.clone()],
            Unit::Chinese { chars, pairs } if pairs.is_empty() => {
                chars.iter().map(char::to_string).collect()
            }
            Unit::Chinese { pairs, .. } => pairs.clone(),
        }
    }

    /// How much a full match counts: a word is one, a run of Chinese
    /// characters one per two characters (a lone character a half).
    pub fn size(&self) -> f32 {
        match self {
            Unit::Word { .. } => 1.0,
            Unit::Chinese { chars, .. } => chars.len() as f32 / 2.0,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub units: Vec<Unit>,
    /// Title terms of what the query's question words ask (`~fix`, `~diff`).
    pub intents: Vec<String>,
}

impl Query {
    pub fn parse(query: &str) -> Query {
        let mut q = Query::default();
        let folded: String = query.chars().map(fold).collect();
        let mut rest = folded.as_str();
        while let Some(first) = rest.chars().next() {
            let cjk = is_cjk(first);
            let end = rest.find(|c: char| is_cjk(c) != cjk).unwrap_or(rest.len());
            let (run, tail) = rest.split_at(end);
            if cjk {
                q.add_chinese(run);
            } else {
                q.add_latin(run);
            }
            rest = tail;
        }
        let typing = folded.chars().next_back().is_some_and(is_word_char);
        if typing {
            if let Some(Unit::Word { typed, prefix, .. }) = q.units.last_mut() {
                *prefix = typed.len() >= MIN_PREFIX && typed.chars().all(|c| c != '_');
            }
        }
        let mut seen: Vec<Vec<String>> = Vec::new();
        q.units.retain(|u| {
            let terms = u.terms();
            let new = !seen.contains(&terms);
            seen.push(terms);
            new
        });
        let mut intents: Vec<String> = Vec::new();
        for intent in q.intents.drain(..) {
            if !intents.contains(&intent) {
                intents.push(intent);
            }
        }
        q.intents = intents;
        q
    }

    fn add_latin(&mut self, text: &str) {
        each_token(text, |token| match token {
            Token::Word(stem, typed) => self.units.push(Unit::Word {
                stem: stem.to_string(),
                typed: typed.to_string(),
                prefix: false,
            }),
            Token::Stop(word) => self.intents.extend(intent_of(word).map(intent_term)),
            Token::Char(_) | Token::Pair(_) => {}
        });
    }

    /// A run of Chinese characters: question words and particles cut it
    /// into runs that are units.
    fn add_chinese(&mut self, run: &str) {
        let chars: Vec<char> = run.chars().collect();
        let mut segment: Vec<char> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if let Some(word) = chinese_stop_word_at(&chars[i..]) {
                self.intents.extend(intent_of(word).map(intent_term));
                self.add_segment(std::mem::take(&mut segment));
                i += word.chars().count();
            } else if is_particle(chars[i]) {
                self.add_segment(std::mem::take(&mut segment));
                i += 1;
            } else {
                segment.push(chars[i]);
                i += 1;
            }
        }
        self.add_segment(segment);
    }

    fn add_segment(&mut self, chars: Vec<char>) {
        if chars.is_empty() {
            return;
        }
        let pairs = chars
            .windows(2)
            .map(|p| p.iter().collect::<String>())
            .filter(|p| !is_stop_pair(p))
            .collect();
        self.units.push(Unit::Chinese { chars, pairs });
    }
}

/// The shortest word still being typed that matches the words it begins:
/// two letters would match half the vocabulary.
pub const MIN_PREFIX: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(query: &str) -> Vec<String> {
        Query::parse(query)
            .units
            .iter()
            .flat_map(Unit::terms)
            .collect()
    }

    #[test]
    fn question_words_and_particles_are_not_units() {
        assert_eq!(terms("过拟合怎么办"), ["过拟", "拟合"]);
        assert_eq!(terms("BN 训练和测试的区别"), ["bn", "训练", "测试"]);
        assert_eq!(terms("CRF 与 HMM"), ["crf", "hmm"]);
        assert_eq!(terms("为什么要用 1x1 卷积"), ["1x1", "卷积"]);
        assert_eq!(
            terms("how does the receptive field grow"),
            ["recept", "field", "grow"]
        );
        assert_eq!(Query::parse("BN 训练和测试的区别").intents, ["~diff"]);
        assert_eq!(
            Query::parse("how to prevent overfitting").intents,
            ["~how", "~fix"]
        );
    }

    #[test]
    fn chinese_runs_are_units_of_their_pairs() {
        let q = Query::parse("梯度裁剪 门");
        assert_eq!(q.units.len(), 2);
        assert_eq!(q.units[0].size(), 2.0);
        assert_eq!(q.units[1].size(), 0.5);
        assert_eq!(terms("AUC怎么算"), ["auc"], "怎么算 asks how to compute");
        assert_eq!(terms("AUC 算"), ["auc", "算"]);
        assert_eq!(terms("梯"), ["梯"]);
    }

    #[test]
    fn the_word_being_typed_is_a_prefix() {
        let q = Query::parse("receptiv");
        assert!(
            matches!(&q.units[0], Unit::Word { prefix: true, typed, .. } if typed == "receptiv")
        );
        let q = Query::parse("receptive ");
        assert!(matches!(&q.units[0], Unit::Word { prefix: false, .. }));
        let q = Query::parse("re");
        assert!(matches!(&q.units[0], Unit::Word { prefix: false, .. }));
    }

    #[test]
    fn units_are_distinct_and_empty_queries_have_none() {
        assert_eq!(terms("卷积 卷积 norms norm"), ["卷积", "norm"]);
        assert!(Query::parse("  ?? ").units.is_empty());
        assert!(Query::parse("的").units.is_empty());
        assert_eq!(Query::parse("原理").intents, ["~how"]);
    }
}
