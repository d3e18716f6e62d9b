//! The glossary (`glossary.tsv`: `中文<TAB>English` lines) as aliases: a
//! document that mentions one member of a group of synonyms gets the other
//! members as extra terms, so an English query finds a Chinese answer and
//! `atrous` finds a text that says `dilated`. Native only (the index adds
//! aliases; queries need nothing).

use crate::tokenize::{each_token, is_stop_pair, Token};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, Mutex};

/// Glossary lookups. The lines that share a Chinese term form one group of
/// synonyms (批归一化, BN, batch normalization, batch norm); a text that
/// mentions one member gets the members it does not mention.
pub struct Aliases {
    /// Finds the members in one pass over the text (ASCII case ignored; the
    /// longest where members overlap: `同步批归一化`, not `批归一化` in it).
    finder: Option<AhoCorasick>,
    /// For each pattern of `finder`: the groups it belongs to.
    groups_of: Vec<Vec<usize>>,
    /// Each group's members.
    groups: Vec<Vec<Member>>,
}

/// A glossary term as an alias: its pattern in the finder and the terms it
/// adds to a document (tokenized once, here).
pub struct Member {
    pattern: usize,
    /// As the glossary writes it.
    pub text: String,
    pub terms: Vec<String>,
}

impl Aliases {
    pub fn new(glossary: &[(String, String)]) -> Self {
        let mut group_index: HashMap<&str, usize> = HashMap::default();
        let mut groups: Vec<Vec<&str>> = Vec::new();
        for (zh, en) in glossary {
            let (zh, en) = (zh.trim(), en.trim());
            if zh.is_empty() || en.is_empty() {
                continue;
            }
            let g = *group_index.entry(zh).or_insert_with(|| {
                groups.push(vec![zh]);
                groups.len() - 1
            });
            if !groups[g].contains(&en) {
                groups[g].push(en);
            }
        }
        let mut pattern_index: HashMap<String, usize> = HashMap::default();
        let mut patterns = Vec::new();
        let mut groups_of: Vec<Vec<usize>> = Vec::new();
        for (g, members) in groups.iter().enumerate() {
            for member in members {
                let lower = member.to_lowercase();
                let p = *pattern_index.entry(lower.clone()).or_insert_with(|| {
                    patterns.push(lower);
                    groups_of.push(Vec::new());
                    patterns.len() - 1
                });
                groups_of[p].push(g);
            }
        }
        let finder = (!patterns.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .expect("glossary patterns are plain strings")
        });
        let groups = groups
            .into_iter()
            .map(|members| {
                members
                    .into_iter()
                    .map(|text| Member {
                        pattern: pattern_index[&text.to_lowercase()],
                        text: text.to_string(),
                        terms: body_terms(text),
                    })
                    .collect()
            })
            .collect();
        Aliases {
            finder,
            groups_of,
            groups,
        }
    }

    /// The aliases of `glossary`, compiled once per process: the last
    /// glossary compiled is kept, so a build can compile it ahead (while it
    /// reads the notes) and `serve` does not compile it again on each edit.
    pub fn shared(glossary: &[(String, String)]) -> Arc<Aliases> {
        type Compiled = Option<(Vec<(String, String)>, Arc<Aliases>)>;
        static LAST: Mutex<Compiled> = Mutex::new(None);
        // Held while compiling: a second caller waits for the first's result.
        let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match &*last {
            Some((source, aliases)) if source == glossary => Arc::clone(aliases),
            _ => {
                let aliases = Arc::new(Aliases::new(glossary));
                *last = Some((glossary.to_vec(), Arc::clone(&aliases)));
                aliases
            }
        }
    }

    /// The synonyms of the glossary terms `text` mentions, minus those it
    /// already mentions.
    pub fn of(&self, text: &str) -> Vec<&Member> {
        let Some(finder) = &self.finder else {
            return Vec::new();
        };
        // The patterns found (a few of thousands: a list, not a flag each).
        let mut seen: Vec<usize> = Vec::new();
        for m in finder.find_iter(text) {
            let p = m.pattern().as_usize();
            if !seen.contains(&p) && whole_word(text, m.start(), m.end()) {
                seen.push(p);
            }
        }
        seen.sort_unstable();
        let mut groups: Vec<usize> = seen
            .iter()
            .flat_map(|&p| self.groups_of[p].iter().copied())
            .collect();
        groups.sort_unstable();
        groups.dedup();
        groups
            .into_iter()
            .flat_map(|g| self.groups[g].iter())
            .filter(|member| seen.binary_search(&member.pattern).is_err())
            .collect()
    }
}

/// The terms a synonym adds to a document: its words and pairs (its
/// characters would only add noise to the fallback for lone characters).
fn body_terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    each_token(text, |t| match t {
        Token::Word(stem, _) => terms.push(stem.to_string()),
        Token::Pair(p) if !is_stop_pair(p) => terms.push(p.to_string()),
        _ => {}
    });
    terms
}

/// The match `text[start..end]` is not part of a longer ASCII word (a Chinese
/// term needs no boundary: there are no spaces to find one).
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let term = &text[start..end];
    let first_ascii = term
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let last_ascii = term
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let glued_before = first_ascii && is_word(text[..start].chars().next_back());
    let glued_after = last_ascii && is_word(text[end..].chars().next());
    !glued_before && !glued_after
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glossary_aliases_match_whole_words_and_bring_synonyms() {
        let glossary: Vec<(String, String)> = [
            ("批归一化", "BN"),
            ("批归一化", "batch normalization"),
            ("感受野", "receptive field"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let aliases = Aliases::new(&glossary);
        let of = |text| -> Vec<&str> { aliases.of(text).iter().map(|m| m.text.as_str()).collect() };
        assert_eq!(of("the Receptive Field grows"), ["感受野"]);
        assert!(of("bnorm and fieldwork").is_empty());
        assert_eq!(of("什么是感受野"), ["receptive field"]);
        // English synonyms reach an English text too, and what the text
        // already says is not added again.
        assert_eq!(of("BN backward"), ["批归一化", "batch normalization"]);
        assert_eq!(of("批归一化 (BN)"), ["batch normalization"]);
        assert_eq!(
            aliases.groups[0][2].terms,
            ["batch", "normal"],
            "aliases are tokenized once, as body text"
        );
    }

    #[test]
    fn a_shared_glossary_is_the_one_asked_for() {
        let glossary = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let a = glossary(&[("感受野", "receptive field")]);
        let b = glossary(&[("批归一化", "BN")]);
        let texts = |aliases: &Aliases, text| -> Vec<String> {
            aliases.of(text).iter().map(|m| m.text.clone()).collect()
        };
        let first = Aliases::shared(&a);
        assert_eq!(texts(&first, "感受野"), ["receptive field"]);
        // Another glossary replaces it, and the first is compiled again.
        // (Other tests share the slot: whether a call compiles is not checked.)
        let other = Aliases::shared(&b);
        assert_eq!(texts(&other, "BN"), ["批归一化"]);
        assert!(texts(&other, "感受野").is_empty());
        let again = Aliases::shared(&a);
        assert_eq!(texts(&again, "感受野"), ["receptive field"]);
    }
}
