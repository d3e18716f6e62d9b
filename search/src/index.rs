//! Building the index: documents in, text files out (meta, term shards, doc chunks).
//!
//! Scores are BM25 impacts computed here, once, so the browser only adds
//! numbers. A document's title counts [`TITLE_WEIGHT`] times; glossary
//! aliases (感受野 ↔ receptive field) are added to a document at half weight,
//! so an English query finds a Chinese answer and the other way round.

use crate::shard_of;
use crate::tokenize::{tokens, Token};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub const TITLE_WEIGHT: f32 = 3.0;
pub const ALIAS_WEIGHT: f32 = 0.5;
pub const DOCS_PER_CHUNK: usize = 16;
/// Aim for shards of about this many bytes before compression.
const SHARD_BYTES: usize = 16 * 1024;
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// One searchable item: a question and its answer in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub url: String,
    pub title: String,
    pub chapter: String,
    /// `zh` or `en`.
    pub lang: String,
    pub text: String,
}

/// The files of a built index, by name below the index folder.
pub struct IndexFiles {
    pub files: BTreeMap<String, String>,
    pub docs: usize,
    pub terms: usize,
}

/// Builds the index. Documents are renumbered with Chinese first, so a
/// language filter is a range check.
pub fn build<'d>(docs: &'d [Doc], glossary: &'d [(String, String)]) -> IndexFiles {
    let mut ordered: Vec<&'d Doc> = docs.iter().filter(|d| d.lang == "zh").collect();
    let zh_docs = ordered.len();
    ordered.extend(docs.iter().filter(|d| d.lang != "zh"));

    let aliases = Aliases::new(glossary);
    // Term frequencies per document, in parallel; then one merge into postings.
    let per_doc: Vec<HashMap<Cow<'d, str>, f32>> = ordered
        .par_iter()
        .map(|doc| {
            let mut tf: HashMap<Cow<'d, str>, f32> = HashMap::default();
            let mut add = |token: &Token<'d>, weight: f32| {
                let term = match token {
                    Token::Char(t) | Token::Pair(t) | Token::Word(t) => t,
                };
                match tf.get_mut(term.as_ref()) {
                    Some(w) => *w += weight,
                    None => {
                        tf.insert(term.clone(), weight);
                    }
                }
            };
            for t in tokens(&doc.title) {
                add(&t, TITLE_WEIGHT);
            }
            // Body and aliases: bigrams and words only (single characters of a
            // longer run would double the index for little gain; titles keep them).
            for t in tokens(&doc.text).iter().filter(|t| indexed_in_body(t)) {
                add(t, 1.0);
            }
            let both = if aliases.terms.is_empty() {
                String::new()
            } else {
                format!("{} {}", doc.title, doc.text)
            };
            for alias in aliases.of(&both) {
                for t in tokens(alias).iter().filter(|t| indexed_in_body(t)) {
                    add(t, ALIAS_WEIGHT);
                }
            }
            tf
        })
        .collect();
    let lengths: Vec<f32> = per_doc.iter().map(|tf| tf.values().sum::<f32>()).collect();
    let mut postings: HashMap<String, Vec<(u32, f32)>> = HashMap::default();
    for (n, tf) in per_doc.iter().enumerate() {
        for (term, &weight) in tf {
            match postings.get_mut(term.as_ref()) {
                Some(list) => list.push((n as u32, weight)),
                None => {
                    postings.insert(term.to_string(), vec![(n as u32, weight)]);
                }
            }
        }
    }
    let n_docs = ordered.len().max(1) as f32;
    let avg_len = lengths.iter().sum::<f32>() / n_docs;

    let mut lines: Vec<(String, String)> = postings
        .into_par_iter()
        .map(|(term, list)| {
            let df = list.len() as f32;
            let idf = (1.0 + (n_docs - df + 0.5) / (df + 0.5)).ln();
            let mut line = String::with_capacity(term.len() + list.len() * 8);
            line.push_str(&term);
            line.push('\t');
            for (i, &(doc, tf)) in list.iter().enumerate() {
                let norm = K1 * (1.0 - B + B * lengths[doc as usize] / avg_len.max(1.0));
                let impact = idf * tf * (K1 + 1.0) / (tf + norm);
                let sep = if i == 0 { "" } else { "," };
                let _ = write!(
                    line,
                    "{sep}{doc}:{}",
                    (impact * 100.0).round().max(1.0) as u32
                );
            }
            line.push('\n');
            (term, line)
        })
        .collect();
    lines.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let total: usize = lines.iter().map(|(_, l)| l.len()).sum();
    let shard_count = total.div_ceil(SHARD_BYTES).clamp(1, 4096) as u32;
    let mut shards = vec![String::new(); shard_count as usize];
    for (term, line) in &lines {
        shards[shard_of(term, shard_count) as usize].push_str(line);
    }

    let mut files = BTreeMap::new();
    files.insert(
        "meta.txt".to_string(),
        format!(
            "version=1\nshards={shard_count}\nchunk={DOCS_PER_CHUNK}\ndocs={}\nzh={zh_docs}\n",
            ordered.len()
        ),
    );
    for (i, shard) in shards.into_iter().enumerate() {
        files.insert(format!("shard-{i}.txt"), shard);
    }
    for (i, chunk) in ordered.chunks(DOCS_PER_CHUNK).enumerate() {
        files.insert(format!("docs-{i}.json"), docs_json(chunk));
    }
    IndexFiles {
        files,
        docs: ordered.len(),
        terms: lines.len(),
    }
}

fn indexed_in_body(token: &Token) -> bool {
    !matches!(token, Token::Char(_))
}

/// The documents of one chunk as a JSON array (what the page shows for a hit).
fn docs_json(docs: &[&Doc]) -> String {
    let items: Vec<String> = docs
        .iter()
        .map(|d| {
            let excerpt: String = d.text.chars().take(300).collect();
            format!(
                "{{\"u\":{},\"t\":{},\"c\":{},\"l\":{},\"x\":{}}}",
                json_string(&d.url),
                json_string(&d.title),
                json_string(&d.chapter),
                json_string(&d.lang),
                json_string(&excerpt)
            )
        })
        .collect();
    format!("[{}]", items.join(",\n"))
}

/// A JSON string literal. `<`, `>` and `&` are escaped too, so the data can
/// never close a script element or inject markup wherever it ends up.
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Glossary lookups: which partner terms a text mentions.
struct Aliases<'g> {
    /// (lowercased term as it appears in text, its partner in the other language)
    terms: Vec<(String, &'g str)>,
}

impl<'g> Aliases<'g> {
    fn new(glossary: &'g [(String, String)]) -> Self {
        let mut terms = Vec::new();
        for (zh, en) in glossary {
            if zh.trim().is_empty() || en.trim().is_empty() {
                continue;
            }
            terms.push((zh.to_lowercase(), en.as_str()));
            terms.push((en.to_lowercase(), zh.as_str()));
        }
        Aliases { terms }
    }

    fn of<'t>(&'t self, text: &str) -> impl Iterator<Item = &'g str> + 't {
        let lower = if self.terms.is_empty() {
            String::new()
        } else {
            text.to_lowercase()
        };
        self.terms
            .iter()
            .filter(move |(term, _)| contains_term(&lower, term))
            .map(|(_, partner)| *partner)
    }
}

/// `term` occurs in `text`; an ASCII term must not be part of a longer word.
fn contains_term(text: &str, term: &str) -> bool {
    if !term.is_ascii() {
        return text.contains(term);
    }
    text.match_indices(term).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + term.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(lang: &str, title: &str, text: &str) -> Doc {
        Doc {
            url: format!("{lang}/{title}"),
            title: title.into(),
            chapter: "c".into(),
            lang: lang.into(),
            text: text.into(),
        }
    }

    #[test]
    fn chinese_documents_come_first_and_meta_says_so() {
        let files = build(&[doc("en", "A", "x"), doc("zh", "甲", "乙")], &[]);
        assert_eq!(files.docs, 2);
        assert!(files.files["meta.txt"].contains("docs=2\nzh=1\n"));
        assert!(files.files["docs-0.json"].starts_with("[{\"u\":\"zh/甲\""));
    }

    #[test]
    fn hostile_text_is_escaped_in_doc_data() {
        let files = build(&[doc("zh", "</script><b>", "\"quotes\" & \u{2028}")], &[]);
        let json = &files.files["docs-0.json"];
        assert!(!json.contains("</script>") && !json.contains("<b>"));
        assert!(json.contains("\\u003c/script\\u003e"));
        assert!(json.contains("\\\"quotes\\\" \\u0026 \\u2028"));
    }

    #[test]
    fn glossary_aliases_match_whole_words() {
        assert!(contains_term(
            "the receptive field grows",
            "receptive field"
        ));
        assert!(!contains_term("bnorm", "bn"));
        assert!(contains_term("什么是感受野", "感受野"));
    }
}
