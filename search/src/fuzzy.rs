//! Words a typed word may mean: the words it begins (it is still being
//! typed) and the words one or two typos away (`recpetive` → `receptive`).
//!
//! Candidates come from the site's vocabulary, one file per first letter
//! (`vocab/r.txt`, words as written, most frequent first), so a word is
//! looked up in the part of the vocabulary that shares its first letter:
//! like most search engines we trust the first letter, which keeps the
//! download small.

use crate::tokenize::stem;

/// Typos allowed in a word of `len` letters: none below 5, one from 5, two from 9.
pub fn max_typos(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The vocabulary file a word is looked up in (`a`…`z`, `0`…`9`, `_` for the rest).
pub fn vocab_key(word: &str) -> char {
    match word.chars().next() {
        Some(c) if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
        _ => '_',
    }
}

/// Words that `typed` begins, most frequent first, as their stems: at most `limit` stems.
pub fn completions(typed: &str, vocab: &[String], limit: usize) -> Vec<String> {
    let mut stems: Vec<String> = Vec::new();
    for word in vocab {
        if stems.len() >= limit {
            break;
        }
        if word.len() > typed.len() && word.starts_with(typed) {
            let s = stem(word).into_owned();
            if !stems.contains(&s) {
                stems.push(s);
            }
        }
    }
    stems
}

/// Words within the typos allowed for `typed`, closest first (then most
/// frequent), as (stem, typos): at most `limit` stems.
pub fn corrections(typed: &str, vocab: &[String], limit: usize) -> Vec<(String, usize)> {
    let allowed = max_typos(typed.chars().count());
    if allowed == 0 {
        return Vec::new();
    }
    let found: Vec<(usize, &String)> = vocab
        .iter()
        .filter_map(|word| {
            distance_within(typed, word, allowed)
                .filter(|&d| d > 0)
                .map(|d| (d, word))
        })
        .collect();
    // Closest first; the vocabulary is in order of frequency already.
    let mut out: Vec<(String, usize)> = Vec::new();
    for typos in 1..=allowed {
        for &(_, word) in found.iter().filter(|(d, _)| *d == typos) {
            let s = stem(word).into_owned();
            if out.len() < limit && !out.iter().any(|(t, _)| *t == s) {
                out.push((s, typos));
            }
        }
    }
    out
}

/// The edit distance between `a` and `b` (insertions, deletions,
/// substitutions and swaps of neighbours each count one), if at most `max`.
pub fn distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    // Three rows of the optimal-string-alignment table.
    let width = b.len() + 1;
    let mut before: Vec<usize> = vec![0; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            current[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    let d = previous[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn distance_counts_swaps_as_one() {
        assert_eq!(distance_within("recpetive", "receptive", 2), Some(1));
        assert_eq!(distance_within("convoluton", "convolution", 2), Some(1));
        assert_eq!(distance_within("perplexty", "perplexity", 1), Some(1));
        assert_eq!(distance_within("kitten", "sitting", 2), None);
        assert_eq!(distance_within("same", "same", 0), Some(0));
    }

    #[test]
    fn typos_allowed_grow_with_the_word() {
        assert_eq!(max_typos(4), 0);
        assert_eq!(max_typos(5), 1);
        assert_eq!(max_typos(9), 2);
    }

    #[test]
    fn corrections_and_completions_come_as_stems() {
        let v = vocab(&["receptive", "reception", "recurrent", "receptor"]);
        assert_eq!(corrections("recpetive", &v, 3), [("recept".to_string(), 1)]);
        assert!(
            corrections("norm", &v, 3).is_empty(),
            "short words are never corrected"
        );
        assert_eq!(completions("recep", &v, 5), ["recept", "receptor"]);
        assert_eq!(completions("recep", &v, 1), ["recept"]);
        assert_eq!(vocab_key("Receptive"), 'r');
        assert_eq!(vocab_key("élan"), '_');
    }
}
